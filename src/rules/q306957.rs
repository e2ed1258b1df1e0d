#![doc = include_str!("q306957.md")]
// The module documentation above is `q306957.md`, which `rules show Q306957`
// prints too: edit the Markdown file, not this comment.

use super::check::{
    LookupProblem, collect_hive_step, evidence, lookup_unknown, principal_name,
    registry_value_evidence, value_in_words,
};
use super::collect::collect_advice;
use super::fix::grant_folder_access;
use super::{
    CheckInfo, CheckResult, CollectionNeeds, Evidence, FixAction, FixData, FolderLocation,
    FolderNeed, GrantFix, KeyEvidence, ManualFix, RegistryFix, Rule, Views,
};
use crate::acl::names::local_account_name;
use crate::acl::rights::{self, FILE_ADD_FILE};
use crate::acl::{
    AccessOutcome, Ace, AceDecision, Dacl, FolderAcl, FolderMatch, Membership, SecurityDescriptor,
    Token, TokenAccess, Trustee, ace_type, evaluate_for_token, snapshot::WindowsPath,
};
use crate::registry::sam::LocalAccounts;
use crate::registry::windows_version::WindowsVersion;
use crate::registry::{HiveKind, Lookup, RegValue, RegistryView, reg_type};
use serde_json::{Value, json};

// The table's lines of this rule's evidence.
#[path = "q306957/key_evidence.rs"]
mod key_evidence;

pub struct Q306957;

pub static RULE: Q306957 = Q306957;

const ACTIVE_MESSAGING_ID: &str = "Q306957.active-messaging";
const IMC_ROOTDIR_ID: &str = "Q306957.imc-rootdir";
const PICKUP_ACL_ID: &str = "Q306957.pickup-acl";

const EXCHANGE_KEY: &str = r"Microsoft\Exchange";
const ACTIVE_MESSAGING_VALUE: &str = "Active Messaging Use Exchange";
const IMC_SERVICE_KEY: &str = r"CurrentControlSet\Services\MSExchangeIMC";
const IMC_PARAMETERS_KEY: &str = r"CurrentControlSet\Services\MSExchangeIMC\Parameters";
const ROOTDIR_VALUE: &str = "RootDir";
/// Where Exchange setup puts the IMC's data unless told otherwise.
const DEFAULT_ROOTDIR: &str = r"C:\exchsrvr\imcdata";

const CHECKS: &[CheckInfo] = &[
    CheckInfo {
        id: ACTIVE_MESSAGING_ID,
        title: "Active Messaging uses Exchange",
        needs: "SOFTWARE hive (or an export of HKLM\\SOFTWARE\\Microsoft\\Exchange)",
    },
    CheckInfo {
        id: IMC_ROOTDIR_ID,
        title: "The Internet Mail Connector's RootDir is set",
        needs: "SYSTEM hive (or an export of the MSExchangeIMC service key)",
    },
    CheckInfo {
        id: PICKUP_ACL_ID,
        title: "The anonymous web account may add files to the IMC pickup folder (RootDir\\Pickup)",
        needs: "an ACL snapshot of the Pickup folder under the IMC RootDir, SYSTEM (RootDir, computer name), \
                and a SAM hive for the account's SID and groups",
    },
];

/// The hives (SAM for the account's SID and groups) and the pickup folder,
/// found on the server the way the check finds it in the bundle.
static COLLECTION: CollectionNeeds = CollectionNeeds {
    hives: &[HiveKind::System, HiveKind::Software, HiveKind::Sam],
    folders: &[FolderNeed {
        label: "pickup",
        description: "the Exchange IMC pickup folder, <RootDir>\\Pickup (Q306957)",
        location: FolderLocation::FromRegistry {
            key: r"SYSTEM\CurrentControlSet\Services\MSExchangeIMC\Parameters",
            value: ROOTDIR_VALUE,
            subfolder: "Pickup",
            default: DEFAULT_ROOTDIR,
        },
    }],
};

impl Rule for Q306957 {
    fn article(&self) -> &'static str {
        "Q306957"
    }

    fn title(&self) -> &'static str {
        "XADM: Mail Sent to Exchange Server with CDONTS ASP Not Delivered"
    }

    fn checks(&self) -> &'static [CheckInfo] {
        CHECKS
    }

    fn documentation(&self) -> &'static str {
        include_str!("q306957.md")
    }

    fn collection(&self) -> &'static CollectionNeeds {
        &COLLECTION
    }

    fn version(&self) -> &'static str {
        "1"
    }

    fn key_evidence(&self, check: &CheckResult) -> Vec<KeyEvidence> {
        key_evidence::key_evidence(check)
    }

    fn evaluate(&self, views: &Views) -> Vec<CheckResult> {
        if let Some(why) = not_applicable(views.registry) {
            return CHECKS
                .iter()
                .map(|info| CheckResult::not_applicable(info.id, why.clone()))
                .collect();
        }
        let windows = WindowsVersion::from_registry(views.registry);
        let windows = windows.as_ref();
        let (rootdir_check, pickup_folder) = check_imc_rootdir(views.registry, windows);
        let mut checks = [
            check_active_messaging(views.registry, windows),
            rootdir_check,
            check_pickup_acl(views, windows, pickup_folder),
        ];
        // A verdict from a hive read without its logs' changes must not
        // look like a clean one.
        for (check, kinds) in checks.iter_mut().zip([
            &[HiveKind::Software][..],
            &[HiveKind::System][..],
            &[HiveKind::System, HiveKind::Software, HiveKind::Sam][..],
        ]) {
            check.flag_stale_hives(views.registry, kinds);
        }
        checks.into()
    }
}

/// The article applies unless both hives are there and neither the
/// Exchange key nor the IMC service exists.
fn not_applicable(registry: &RegistryView) -> Option<String> {
    let exchange = registry.read_key(HiveKind::Software, EXCHANGE_KEY);
    let imc = registry.read_key(HiveKind::System, IMC_SERVICE_KEY);
    match (exchange, imc) {
        (Lookup::NotFound { .. }, Lookup::NotFound { .. }) => Some(
            "Not an Exchange IMC server: neither HKLM\\SOFTWARE\\Microsoft\\Exchange nor the \
             MSExchangeIMC service exists"
                .to_string(),
        ),
        _ => None,
    }
}

/// `text` with its first letter in lower case, to follow a colon.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn check_active_messaging(
    registry: &RegistryView,
    windows: Option<&WindowsVersion>,
) -> CheckResult {
    let fail = |summary: String, evidence: Evidence, before: String| {
        CheckResult::fail(ACTIVE_MESSAGING_ID, summary, evidence).with_fix([
            FixAction::SetRegistryValue(RegistryFix {
                key: format!("HKEY_LOCAL_MACHINE\\SOFTWARE\\{EXCHANGE_KEY}"),
                value: ACTIVE_MESSAGING_VALUE.to_string(),
                data: FixData::Dword(1),
                confirm: None,
                before: Some(before),
            }),
        ])
    };
    match registry.read_value(HiveKind::Software, EXCHANGE_KEY, ACTIVE_MESSAGING_VALUE) {
        Lookup::Found(found) => {
            let ev = registry_value_evidence(&found);
            let value = &found.value;
            if value.type_code == reg_type::DWORD && value.as_dword() == Some(1) {
                CheckResult::pass(
                    ACTIVE_MESSAGING_ID,
                    "Active Messaging Use Exchange is REG_DWORD 1",
                    ev,
                )
            } else {
                let now = value_in_words(value);
                fail(
                    format!("Active Messaging Use Exchange is {now}, not REG_DWORD 1"),
                    ev,
                    now,
                )
            }
        }
        Lookup::NotFound { missing } => fail(
            format!("Active Messaging Use Exchange is missing ({missing})"),
            evidence([
                ("key", json!(format!("HKLM\\SOFTWARE\\{EXCHANGE_KEY}"))),
                ("value", json!(ACTIVE_MESSAGING_VALUE)),
                ("missing", json!(missing)),
            ]),
            super::fix::MISSING.to_string(),
        ),
        Lookup::NoData { reason } => lookup_unknown(
            ACTIVE_MESSAGING_ID,
            ACTIVE_MESSAGING_VALUE,
            HiveKind::Software,
            LookupProblem::NoData(reason),
            registry,
            windows,
        ),
        Lookup::Failed(error) => lookup_unknown(
            ACTIVE_MESSAGING_ID,
            ACTIVE_MESSAGING_VALUE,
            HiveKind::Software,
            LookupProblem::Damaged(error.to_string()),
            registry,
            windows,
        ),
    }
}

/// Why the pickup folder is not known, and what to do next.
struct PickupUnknown {
    why: String,
    next_step: String,
}

/// The pickup folder when RootDir is known, else why it is not.
type PickupFolder = Result<String, PickupUnknown>;

fn check_imc_rootdir(
    registry: &RegistryView,
    windows: Option<&WindowsVersion>,
) -> (CheckResult, PickupFolder) {
    let control_set = registry.control_set();
    let with_control_set = |mut ev: Evidence| {
        ev.insert("control_set".into(), json!(control_set.name));
        ev.insert("control_set_from".into(), json!(control_set.how));
        ev
    };
    let in_control_set = |path: &str| {
        path.replacen(
            "CurrentControlSet",
            control_set.name.as_deref().unwrap_or("CurrentControlSet"),
            1,
        )
    };
    let unknown = |mut check: CheckResult| {
        let unknown = PickupUnknown {
            why: check.unknown_why().to_string(),
            next_step: check.next_step().unwrap_or_default().to_string(),
        };
        check.evidence = with_control_set(check.evidence);
        (check, Err(unknown))
    };

    // The service itself: without it the IMC is not installed, and there is
    // no RootDir to set.
    if let Lookup::NotFound { missing } = registry.read_key(HiveKind::System, IMC_SERVICE_KEY) {
        let key = format!("HKLM\\SYSTEM\\{}", in_control_set(IMC_SERVICE_KEY));
        let summary = format!(
            "The MSExchangeIMC service is absent ({key} does not exist): the Internet Mail \
             Connector (Internet Mail Service) is not installed on this server"
        );
        let ev = with_control_set(evidence([("key", json!(key)), ("missing", json!(missing))]));
        let check = CheckResult::fail(IMC_ROOTDIR_ID, summary, ev).with_fix([FixAction::ByHand(
            ManualFix {
                what: "Install the Internet Mail Service (Exchange Server setup, or the \
                       Internet Mail Service wizard in Exchange Administrator), so that its \
                       data folder, and in it the Pickup folder CDONTS writes to, exists; then \
                       collect a new bundle. If this server should not deliver CDONTS mail \
                       through Exchange's IMC, the article does not apply to it."
                    .to_string(),
            },
        )]);
        let unknown = PickupUnknown {
            why: "the Internet Mail Connector is not installed (no MSExchangeIMC service), so \
                  there is no pickup folder"
                .to_string(),
            next_step: "install the Internet Mail Service, then collect a new bundle".to_string(),
        };
        return (check, Err(unknown));
    }

    let found = match registry.read_value(HiveKind::System, IMC_PARAMETERS_KEY, ROOTDIR_VALUE) {
        Lookup::Found(found) => found,
        Lookup::NotFound { missing } => {
            let ev = with_control_set(evidence([
                (
                    "key",
                    json!(format!(
                        "HKLM\\SYSTEM\\{}",
                        in_control_set(IMC_PARAMETERS_KEY)
                    )),
                ),
                ("value", json!(ROOTDIR_VALUE)),
                ("missing", json!(missing)),
            ]));
            return rootdir_fail(
                format!(
                    "The MSExchangeIMC service is there but its RootDir is missing ({missing})"
                ),
                ev,
                super::fix::MISSING.to_string(),
            );
        }
        Lookup::NoData { reason } => {
            return unknown(lookup_unknown(
                IMC_ROOTDIR_ID,
                "RootDir",
                HiveKind::System,
                LookupProblem::NoData(reason),
                registry,
                windows,
            ));
        }
        Lookup::Failed(error) => {
            return unknown(lookup_unknown(
                IMC_ROOTDIR_ID,
                "RootDir",
                HiveKind::System,
                LookupProblem::Damaged(error.to_string()),
                registry,
                windows,
            ));
        }
    };

    let ev = with_control_set(registry_value_evidence(&found));
    judge_rootdir(&found.value, ev, registry, windows)
}

/// Pass when RootDir names a folder, with the pickup folder in it (known
/// unless RootDir has variables the bundle cannot expand); else fail.
fn judge_rootdir(
    value: &RegValue,
    mut ev: Evidence,
    registry: &RegistryView,
    windows: Option<&WindowsVersion>,
) -> (CheckResult, PickupFolder) {
    let text = match value.type_code {
        reg_type::SZ | reg_type::EXPAND_SZ => value.as_string().map(|t| t.trim().to_string()),
        _ => None,
    };
    let now = value_in_words(value);
    let Some(text) = text else {
        let summary = format!(
            "RootDir is {}, not a string naming a folder",
            value.type_name()
        );
        return rootdir_fail(summary, ev, now);
    };
    if text.is_empty() {
        return rootdir_fail("RootDir is empty".to_string(), ev, now);
    }

    let (expanded, fully_expanded) = if value.type_code == reg_type::EXPAND_SZ {
        let expansion = registry.expand(&text);
        ev.insert("expanded".into(), json!(expansion.text));
        if !expansion.unexpanded.is_empty() {
            ev.insert("unexpanded_variables".into(), json!(expansion.unexpanded));
        }
        let complete = expansion.unexpanded.is_empty();
        (expansion.text, complete)
    } else {
        (text.clone(), true)
    };
    let pickup = WindowsPath::parse(&format!("{expanded}\\Pickup")).to_string();
    ev.insert("pickup_folder".into(), json!(pickup));
    let folder = if fully_expanded {
        Ok(pickup.clone())
    } else {
        Err(PickupUnknown {
            why: format!("RootDir {text} has variables that cannot be expanded from this bundle"),
            next_step: collect_advice(windows, |target| {
                format!(
                    "the SOFTWARE hive ({}), whose CurrentVersion\\SystemRoot expands them, or \
                     the ACL of the pickup folder as the server names it ({})",
                    target.hive_file(HiveKind::Software),
                    target.acl_file("pickup")
                )
            }),
        })
    };
    let summary = format!("IMC RootDir is {text}; pickup folder {pickup}");
    (CheckResult::pass(IMC_ROOTDIR_ID, summary, ev), folder)
}

/// RootDir's failure: set it (to the default, once confirmed); the pickup
/// folder stays unknown until then.
fn rootdir_fail(summary: String, ev: Evidence, before: String) -> (CheckResult, PickupFolder) {
    let check = CheckResult::fail(IMC_ROOTDIR_ID, summary.clone(), ev).with_fix([
        FixAction::SetRegistryValue(RegistryFix {
            key: format!("HKEY_LOCAL_MACHINE\\SYSTEM\\{IMC_PARAMETERS_KEY}"),
            value: ROOTDIR_VALUE.to_string(),
            data: FixData::Sz(DEFAULT_ROOTDIR.to_string()),
            confirm: Some(format!(
                "RootDir depends on the installation: {DEFAULT_ROOTDIR} is only the default. \
                 Confirm the Internet Mail Service's data folder (it holds Pickup, In and Out) \
                 before setting it, or repair the Internet Mail Service installation"
            )),
            before: Some(before),
        }),
    ]);
    let unknown = PickupUnknown {
        why: summary,
        next_step: format!(
            "set RootDir as {IMC_ROOTDIR_ID}'s fix says, then collect the pickup folder's ACL"
        ),
    };
    (check, Err(unknown))
}

/// `acl/pickup.txt line 3 (cacls output)`: where a snapshot came from.
fn snapshot_words(acl: &FolderAcl) -> String {
    let line = acl.line.map(|l| format!(" line {l}")).unwrap_or_default();
    format!("{}{line} ({})", acl.origin, acl.form.words())
}

fn check_pickup_acl(
    views: &Views,
    windows: Option<&WindowsVersion>,
    pickup_folder: PickupFolder,
) -> CheckResult {
    let folder = match pickup_folder {
        Ok(folder) => folder,
        Err(unknown) => {
            return CheckResult::unknown(
                PICKUP_ACL_ID,
                format!(
                    "The pickup folder is not known: {}",
                    lower_first(&unknown.why)
                ),
                unknown.next_step,
                evidence([("problem", json!(unknown.why))]),
            );
        }
    };
    let computer_name = views.registry.computer_name();
    let account_name = match (&views.options.anonymous_account, &computer_name) {
        (Some(configured), computer) => local_account_name(configured, computer.as_deref()),
        (None, Some(computer)) => format!("IUSR_{computer}"),
        (None, None) => {
            return CheckResult::unknown(
                PICKUP_ACL_ID,
                "The anonymous web account cannot be named: the computer name is unknown",
                format!(
                    "give the account with --anonymous-account NAME, or {}",
                    collect_hive_step(
                        windows,
                        HiveKind::System,
                        views.registry.is_damaged(HiveKind::System)
                    )
                ),
                evidence([("folder", json!(folder))]),
            );
        }
    };

    let mut ev = evidence([("folder", json!(folder)), ("account", json!(account_name))]);
    let acl = match pickup_snapshot(views, windows, &folder, &mut ev) {
        Ok(acl) => acl,
        Err(unknown) => return *unknown,
    };
    // Names a text snapshot printed that no SID could be found for.
    let unresolved = crate::acl::names::unresolved_names(&acl.descriptor);
    if !unresolved.is_empty() {
        ev.insert("unresolved_principals".into(), json!(unresolved));
    }
    let token = Token::anonymous(&account_name, views.accounts);
    ev.insert("token".into(), token_evidence(&token));
    let case = AclCase {
        folder: &folder,
        acl,
        token: &token,
        accounts: views.accounts,
    };
    match evaluate_for_token(&acl.descriptor, &token, FILE_ADD_FILE) {
        TokenAccess::Decided { outcome, variants } => {
            add_outcome_evidence(&mut ev, &outcome, views.accounts, &token);
            if !variants.is_empty() {
                ev.insert("assumptions_tried".into(), json!(variants));
            }
            let principal = tool_principal(&account_name, computer_name.as_deref());
            decided_access(&case, &outcome, principal, ev)
        }
        TokenAccess::Undecided {
            outcomes,
            depends_on,
        } => undecided_access(&case, &outcomes, &depends_on, views, windows, ev),
    }
}

/// The pickup folder's ACL check once the snapshot and the token are known.
struct AclCase<'a> {
    folder: &'a str,
    acl: &'a FolderAcl,
    token: &'a Token,
    accounts: Option<&'a LocalAccounts>,
}

/// The one snapshot of the pickup folder to judge (adding what was found
/// to the evidence), or the `unknown` result when there is none or the
/// bundle's snapshots of it disagree.
fn pickup_snapshot<'v>(
    views: &Views<'v>,
    windows: Option<&WindowsVersion>,
    folder: &str,
    ev: &mut Evidence,
) -> Result<&'v FolderAcl, Box<CheckResult>> {
    let matches = views.acl.find(folder);
    let collect_snapshot = || {
        collect_advice(windows, |target| {
            format!(
                "an ACL snapshot of {folder} ({})",
                target.acl_file("pickup")
            )
        })
    };
    if matches.is_empty() {
        let known: Vec<&str> = views.acl.folders.iter().map(|f| f.path.as_str()).collect();
        ev.insert("snapshots_in_bundle".into(), json!(known));
        // A snapshot that tried and failed (cacls could not find the folder,
        // a record that could not be read) says why.
        let problems: Vec<String> = views
            .acl
            .problems_for(folder)
            .iter()
            .map(|p| p.to_string())
            .collect();
        let why = problems
            .first()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        if !problems.is_empty() {
            ev.insert("snapshot_problems".into(), json!(problems));
        }
        return Err(Box::new(CheckResult::unknown(
            PICKUP_ACL_ID,
            format!("No ACL snapshot of {folder} in the bundle{why}"),
            collect_snapshot(),
            std::mem::take(ev),
        )));
    }
    ev.insert(
        "snapshots".into(),
        Value::Array(
            matches
                .iter()
                .map(|(acl, how)| snapshot_evidence(acl, how))
                .collect(),
        ),
    );
    let (first, _) = matches[0];
    if let Some((other, _)) = matches.iter().find(|(acl, _)| !same_acl(acl, first)) {
        let pair = [snapshot_words(first), snapshot_words(other)];
        ev.insert("disagreeing_snapshots".into(), json!(pair));
        return Err(Box::new(CheckResult::unknown(
            PICKUP_ACL_ID,
            format!(
                "Snapshots of {folder} disagree: {} and {} say different things about access, \
                 and the bundle cannot tell which is current",
                pair[0], pair[1]
            ),
            format!(
                "compare them with `hivetriage acl <bundle> \"{folder}\"`, or {}",
                collect_snapshot()
            ),
            std::mem::take(ev),
        )));
    }
    Ok(first)
}

/// Pass or fail when the access check decided; a failure's fix grants the
/// article's Add and removes the deny entries in its way.
fn decided_access(
    case: &AclCase,
    outcome: &AccessOutcome,
    principal: String,
    mut ev: Evidence,
) -> CheckResult {
    let (folder, account) = (case.folder, &case.token.account_name);
    let words = deciding_words(outcome, &case.acl.descriptor, case.accounts, case.token);
    if outcome.granted {
        return CheckResult::pass(
            PICKUP_ACL_ID,
            format!("{account} has Add on {folder}{words}"),
            ev,
        );
    }
    let grant = GrantFix {
        folder: folder.to_string(),
        principal,
        rights: rights::NT4_ADD,
        needed: FILE_ADD_FILE,
        rights_name: "Add".to_string(),
    };
    let fix = grant_folder_access(grant, &case.acl.descriptor, case.token, case.accounts);
    let possible: Vec<String> = fix
        .iter()
        .filter_map(|action| match action {
            FixAction::RemoveDenyEntries(deny) => {
                let cause = deny.possible_cause.as_ref()?;
                let aces: Vec<String> = deny.aces.iter().map(|n| format!("#{n}")).collect();
                Some(format!(
                    "the deny entry for {} (ACE {}), should it apply ({cause})",
                    deny.principal
                        .as_deref()
                        .or(deny.sid.as_deref())
                        .unwrap_or("?"),
                    aces.join(", ")
                ))
            }
            _ => None,
        })
        .collect();
    let mut summary = format!("{account} lacks Add on {folder}{words}");
    if !possible.is_empty() {
        summary.push_str(&format!("; possible cause too: {}", possible.join("; ")));
        ev.insert("possible_causes".into(), json!(possible));
    }
    CheckResult::fail(PICKUP_ACL_ID, summary, ev).with_fix(fix)
}

/// `unknown` when the answer depends on what the bundle leaves open: each
/// assumption's outcome, the ACEs in question, the SIDs the account may be.
fn undecided_access(
    case: &AclCase,
    outcomes: &[(String, AccessOutcome)],
    depends_on: &[String],
    views: &Views,
    windows: Option<&WindowsVersion>,
    mut ev: Evidence,
) -> CheckResult {
    let (folder, token) = (case.folder, case.token);
    let descriptor = &case.acl.descriptor;
    let tried: Vec<Value> = outcomes
        .iter()
        .map(|(assumption, outcome)| {
            json!({
                "assumption": assumption,
                "add_granted": outcome.granted,
                "effective_mask": format!("0x{:08x}", outcome.effective_mask),
            })
        })
        .collect();
    ev.insert("outcomes".into(), Value::Array(tried));
    ev.insert("depends_on".into(), json!(depends_on));
    let in_question = aces_in_question(descriptor, token, case.accounts);
    if !in_question.is_empty() {
        ev.insert("aces_in_question".into(), json!(in_question));
    }
    let unresolved_sids = unresolved_sids(descriptor, token, case.accounts);
    if !unresolved_sids.is_empty() {
        ev.insert("account_sid_candidates".into(), json!(unresolved_sids));
    }
    let why = if depends_on.is_empty() {
        format!(
            "which account the ACL's unresolved SIDs are ({})",
            token
                .unknown
                .first()
                .map_or("the account's SID is unknown", |u| u)
        )
    } else {
        depends_on.join("; ")
    };
    let mut summary = format!(
        "Whether {} has Add on {folder} depends on {why}",
        token.account_name
    );
    if !in_question.is_empty() {
        summary.push_str(&format!("; possible cause: {}", in_question.join(", ")));
    }
    if !unresolved_sids.is_empty() {
        summary.push_str(&format!(
            "; the SIDs in the ACL it may be: {}",
            unresolved_sids.join(", ")
        ));
    }
    let next_step = undecided_next_step(views, windows, token, depends_on);
    CheckResult::unknown(PICKUP_ACL_ID, summary, next_step, ev)
}

/// What to do when the ACL check depends on something the bundle leaves
/// open: the SAM (missing or damaged), the account's name, or a snapshot
/// that shows an ACE's rights only in part.
fn undecided_next_step(
    views: &Views,
    windows: Option<&WindowsVersion>,
    token: &Token,
    depends_on: &[String],
) -> String {
    let mut steps = Vec::new();
    match views.accounts {
        None => steps.push(collect_hive_step(
            windows,
            HiveKind::Sam,
            views.registry.is_damaged(HiveKind::Sam),
        )),
        Some(accounts) => {
            if !accounts.damaged.is_empty() {
                steps.push(collect_hive_step(windows, HiveKind::Sam, true));
            }
            if token.account_sid.is_none() && accounts.user(&token.account_name).is_none() {
                steps.push(format!(
                    "check the anonymous account's name: the SAM has no account {} (give the \
                     right one with --anonymous-account NAME; IIS shows it in the web site's \
                     Directory Security, Anonymous access)",
                    token.account_name
                ));
            }
        }
    }
    if depends_on
        .iter()
        .any(|d| d.contains("does not show in full"))
    {
        steps.push(format!(
            "look at the ACE on the server (`cacls` / Explorer's Advanced view), or {}",
            collect_advice(windows, |_| {
                "the folder's ACL as SDDL (icacls /save, on Windows \
                Server 2003 SP2 and later)"
                    .to_string()
            })
        ));
    }
    if steps.is_empty() {
        steps.push(collect_hive_step(windows, HiveKind::Sam, true));
    }
    steps.join("; ")
}

/// ACEs that apply to the folder and decide Add for a principal whose
/// membership (or identity) the token leaves open: `ACE #1 (deny
/// BUILTIN\Guests)`.
fn aces_in_question(
    descriptor: &SecurityDescriptor,
    token: &Token,
    accounts: Option<&LocalAccounts>,
) -> Vec<String> {
    let Dacl::Entries(aces) = &descriptor.dacl else {
        return Vec::new();
    };
    aces.iter()
        .enumerate()
        .filter(|(_, ace)| {
            !ace.is_inherit_only()
                && matches!(
                    ace.ace_type,
                    ace_type::ACCESS_ALLOWED | ace_type::ACCESS_DENIED
                )
                && rights::map_generic(ace.mask | ace.unknown_rights) & FILE_ADD_FILE != 0
                && token.may_hold(&ace.trustee)
        })
        .map(|(index, ace)| ace_label(index, ace, accounts))
        .collect()
}

/// SIDs the DACL names that could be the account itself, its SID being
/// unknown (a local account created after installation), each with its
/// ACE and the SAM's name for it or that it is not resolved to an account.
fn unresolved_sids(
    descriptor: &SecurityDescriptor,
    token: &Token,
    accounts: Option<&LocalAccounts>,
) -> Vec<String> {
    if token.account_sid.is_some() {
        return Vec::new();
    }
    let Dacl::Entries(aces) = &descriptor.dacl else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    for (index, ace) in aces.iter().enumerate() {
        let Trustee::Sid(sid) = &ace.trustee else {
            continue;
        };
        if sid.could_be_created_account() && !token.holds(&ace.trustee) {
            let name = match principal_name(&ace.trustee, ace.display_name.as_deref(), accounts) {
                Some(name) => format!("the SAM's {name}"),
                None => "not resolved to an account".to_string(),
            };
            if !found.iter().any(|f| f.starts_with(&sid.to_string())) {
                found.push(format!("{sid} (ACE #{}, {name})", index + 1));
            }
        }
    }
    found
}

/// Two snapshots agree when they say the same about access, whatever form
/// and names they were printed in (see `acl::same_access`).
fn same_acl(a: &FolderAcl, b: &FolderAcl) -> bool {
    crate::acl::same_access(&a.descriptor, &b.descriptor)
}

fn snapshot_evidence(acl: &FolderAcl, how: &FolderMatch) -> Value {
    let matched = match how {
        FolderMatch::ExactPath => "exact path".to_string(),
        FolderMatch::TrailingComponents { components } => format!(
            "relative name '{}' matched the last {components} component(s)",
            acl.path
        ),
    };
    let mut snapshot = json!({
        "source": acl.origin,
        "line": acl.line,
        "path": acl.path,
        "form": acl.form,
        "matched": matched,
        "sddl": acl.sddl,
    });
    // A record its file repeats is read once; say how often it was there.
    if acl.records > 1 {
        snapshot["records"] = json!(acl.records);
    }
    snapshot
}

fn token_evidence(token: &Token) -> Value {
    serde_json::to_value(token).unwrap_or(Value::Null)
}

/// `ACE #2 (allow BUILTIN\Users)`.
fn ace_label(index: usize, ace: &Ace, accounts: Option<&LocalAccounts>) -> String {
    let kind = if ace.ace_type == ace_type::ACCESS_DENIED {
        "deny"
    } else {
        "allow"
    };
    let who = principal_name(&ace.trustee, ace.display_name.as_deref(), accounts)
        .unwrap_or_else(|| ace.trustee.to_string());
    format!("ACE #{} ({kind} {who})", index + 1)
}

fn ace_words(decision: &AceDecision, accounts: Option<&LocalAccounts>) -> String {
    ace_label(decision.index, &decision.ace, accounts)
}

fn deciding_words(
    outcome: &AccessOutcome,
    descriptor: &SecurityDescriptor,
    accounts: Option<&LocalAccounts>,
    token: &Token,
) -> String {
    let relevant: Vec<&AceDecision> = outcome
        .deciding_aces
        .iter()
        .filter(|d| (d.granted | d.denied) & FILE_ADD_FILE != 0)
        .collect();
    // Why the ACE applies, when only alias expansion put its trustee in
    // the token (a direct member is plain from the SAM).
    let because = |d: &AceDecision| {
        token
            .groups
            .iter()
            .find(|m| {
                m.how == Membership::AliasExpansion && d.ace.trustee == Trustee::Sid(m.sid.clone())
            })
            .map(|m| format!(" ({} is a {})", token.account_name, m.why))
            .unwrap_or_default()
    };
    match relevant.first() {
        Some(d) if d.denied & FILE_ADD_FILE != 0 => {
            format!(": denied by {}{}", ace_words(d, accounts), because(d))
        }
        Some(d) => format!(", granted by {}{}", ace_words(d, accounts), because(d)),
        None if outcome.granted => " (the DACL grants everything)".to_string(),
        None => {
            // An entry that would grant Add but applies only to what is
            // created in the folder says so: it is the usual near miss.
            let inherit_only: Vec<String> = match &descriptor.dacl {
                Dacl::Entries(aces) => aces
                    .iter()
                    .enumerate()
                    .filter(|(_, ace)| {
                        ace.is_inherit_only()
                            && ace.ace_type == ace_type::ACCESS_ALLOWED
                            && rights::map_generic(ace.mask) & FILE_ADD_FILE != 0
                            && (token.holds(&ace.trustee) || token.may_hold(&ace.trustee))
                    })
                    .map(|(index, ace)| ace_label(index, ace, accounts))
                    .collect(),
                _ => Vec::new(),
            };
            if inherit_only.is_empty() {
                ": no ACE grants it to the account or its groups".to_string()
            } else {
                format!(
                    ": {} would grant it but {} inherit-only: {} to files and subfolders \
                     created in the folder, not to the folder itself",
                    inherit_only.join(", "),
                    if inherit_only.len() == 1 { "is" } else { "are" },
                    if inherit_only.len() == 1 {
                        "it applies only"
                    } else {
                        "they apply only"
                    }
                )
            }
        }
    }
}

/// Why the token holds an ACE's trustee (`member of BUILTIN\Users through
/// NT AUTHORITY\INTERACTIVE`), when it holds it by SID.
fn why_applies<'t>(trustee: &Trustee, token: &'t Token) -> Option<&'t str> {
    match trustee {
        Trustee::Sid(sid) => token.why_holds(sid),
        Trustee::Name(_) => None,
    }
}

fn add_outcome_evidence(
    ev: &mut Evidence,
    outcome: &AccessOutcome,
    accounts: Option<&LocalAccounts>,
    token: &Token,
) {
    ev.insert(
        "effective_mask".into(),
        json!(format!("0x{:08x}", outcome.effective_mask)),
    );
    ev.insert(
        "effective_rights".into(),
        json!(rights::describe(outcome.effective_mask)),
    );
    ev.insert("add_granted".into(), json!(outcome.granted));
    let deciding: Vec<Value> = outcome
        .deciding_aces
        .iter()
        .map(|d| {
            json!({
                "ace": d.index + 1,
                "type": if d.ace.ace_type == ace_type::ACCESS_DENIED { "deny" } else { "allow" },
                "trustee": d.ace.trustee.to_string(),
                "name": principal_name(&d.ace.trustee, d.ace.display_name.as_deref(), accounts),
                "mask": format!("0x{:08x}", d.ace.mask),
                "flags": format!("0x{:02x}", d.ace.flags),
                "granted": format!("0x{:08x}", d.granted),
                "denied": format!("0x{:08x}", d.denied),
                "applies_because": why_applies(&d.ace.trustee, token),
            })
        })
        .collect();
    ev.insert("deciding_aces".into(), Value::Array(deciding));
}

/// The account as Windows tools take it: `COMPUTER\account` for a local
/// account, as configured when it already names a domain.
fn tool_principal(account: &str, computer: Option<&str>) -> String {
    match computer {
        Some(computer) if !account.contains('\\') => format!("{computer}\\{account}"),
        _ => account.to_string(),
    }
}
