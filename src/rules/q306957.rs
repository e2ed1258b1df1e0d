#![doc = include_str!("q306957.md")]
// The module documentation above is `q306957.md`, which `rules show Q306957`
// prints too: edit the Markdown file, not this comment.

use super::{
    CheckInfo, CheckResult, CollectionNeeds, DenyFix, Evidence, FixAction, FixData, FolderLocation,
    FolderNeed, GrantFix, KeyEvidence, ManualFix, RegistryFix, Rule, Verdict, Views,
};
use crate::acl::names::local_account_name;
use crate::acl::rights::{self, FILE_ADD_FILE};
use crate::acl::{
    AccessOutcome, Ace, AceDecision, Dacl, FolderAcl, FolderMatch, Membership, SecurityDescriptor,
    Token, TokenAccess, Trustee, ace_flags, ace_type, evaluate_for_token, snapshot::WindowsPath,
    well_known_name,
};
use crate::registry::sam::LocalAccounts;
use crate::registry::windows_version::WindowsVersion;
use crate::registry::{FoundValue, HiveKind, Lookup, RegistryView, reg_type};
use crate::report::collect_script::collect_advice;
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
                .map(|info| {
                    result(
                        info.id,
                        Verdict::NotApplicable,
                        why.clone(),
                        Evidence::new(),
                        Vec::new(),
                    )
                })
                .collect();
        }
        let windows = WindowsVersion::from_registry(views.registry);
        let windows = windows.as_ref();
        let (rootdir_check, pickup_folder) = check_imc_rootdir(views.registry, windows);
        let mut checks = vec![
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
            flag_stale(check, views.registry, kinds);
        }
        checks
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

/// A check's result; `remediation` is filled in from `fix` once the
/// server's Windows version is known (`report::remediation`).
fn result(
    id: &str,
    verdict: Verdict,
    summary: String,
    evidence: Evidence,
    fix: Vec<FixAction>,
) -> CheckResult {
    CheckResult {
        id: id.to_string(),
        verdict,
        summary,
        evidence,
        remediation: None,
        fix,
        remediation_forms: Vec::new(),
    }
}

/// An `unknown` result whose summary ends with the next step, which the
/// evidence carries too (`next_step`).
fn unknown_with_next_step(
    id: &str,
    why: String,
    next_step: String,
    mut ev: Evidence,
) -> CheckResult {
    ev.insert("next_step".into(), json!(next_step));
    result(
        id,
        Verdict::Unknown,
        format!("{why}; next step: {next_step}"),
        ev,
        Vec::new(),
    )
}

/// `text` with its first letter in lower case, to follow a colon.
fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn evidence(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Evidence {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn found_value_evidence(found: &FoundValue) -> Evidence {
    let mut ev = evidence([
        ("source", json!(found.origin)),
        ("key", json!(found.key_path)),
        ("value", json!(found.value.name)),
        ("type", json!(found.value.type_name())),
        ("data", found.value.data_json()),
    ]);
    // Rebuilt from text that may not show the value exactly: say so.
    if let Some(note) = &found.note {
        ev.insert("as_printed".into(), json!(note));
    }
    ev
}

/// The next step when a hive's data is missing or damaged: collect it (a
/// new copy when the one sent is damaged) with the collection script for
/// the server's Windows.
fn collect_hive_step(windows: Option<&WindowsVersion>, kind: HiveKind, damaged: bool) -> String {
    collect_advice(windows, |target| {
        format!(
            "{}the {kind} hive ({})",
            if damaged { "a new copy of " } else { "" },
            target.hive_file(kind)
        )
    })
}

/// The `unknown` result for a lookup in `kind` that found no data or
/// damaged data, naming what to collect next.
fn unknown_lookup(
    id: &str,
    what: &str,
    kind: HiveKind,
    lookup: Result<String, String>,
    registry: &RegistryView,
    windows: Option<&WindowsVersion>,
) -> CheckResult {
    let (problem, summary, damaged) = match lookup {
        Ok(no_data) => (
            no_data.clone(),
            format!("Cannot check {what}: {no_data}"),
            registry.is_damaged(kind),
        ),
        Err(damage) => (
            damage.clone(),
            format!(
                "Cannot check {what}: the {kind} hive is damaged where it is stored ({damage})"
            ),
            true,
        ),
    };
    unknown_with_next_step(
        id,
        summary,
        collect_hive_step(windows, kind, damaged),
        evidence([("problem", json!(problem))]),
    )
}

/// Marks a check whose hives were read without their logs' changes: an
/// evidence field naming each such hive and a word in the summary.
fn flag_stale(check: &mut CheckResult, registry: &RegistryView, kinds: &[HiveKind]) {
    if check.verdict == Verdict::NotApplicable {
        return;
    }
    let stale: Vec<(HiveKind, &str)> = kinds
        .iter()
        .filter_map(|kind| registry.stale_reason(*kind).map(|why| (*kind, why)))
        .collect();
    if stale.is_empty() {
        return;
    }
    let names: Vec<&str> = stale.iter().map(|(kind, _)| kind.name()).collect();
    check.evidence.insert(
        "hive_logs_not_applied".into(),
        Value::Array(
            stale
                .iter()
                .map(|(kind, why)| json!({"hive": kind.name(), "why": why}))
                .collect(),
        ),
    );
    check.summary.push_str(&format!(
        " [stale data: the {} hive's transaction logs could not be applied, so its latest \
         changes may be missing]",
        names.join(" and ")
    ));
}

fn check_active_messaging(
    registry: &RegistryView,
    windows: Option<&WindowsVersion>,
) -> CheckResult {
    let fail = |summary: String, evidence: Evidence, before: String| {
        result(
            ACTIVE_MESSAGING_ID,
            Verdict::Fail,
            summary,
            evidence,
            vec![FixAction::SetRegistryValue(RegistryFix {
                key: format!("HKEY_LOCAL_MACHINE\\SOFTWARE\\{EXCHANGE_KEY}"),
                value: ACTIVE_MESSAGING_VALUE.to_string(),
                data: FixData::Dword(1),
                confirm: None,
                before: Some(before),
            })],
        )
    };
    match registry.read_value(HiveKind::Software, EXCHANGE_KEY, ACTIVE_MESSAGING_VALUE) {
        Lookup::Found(found) => {
            let ev = found_value_evidence(&found);
            let value = &found.value;
            if value.type_code == reg_type::DWORD && value.as_dword() == Some(1) {
                result(
                    ACTIVE_MESSAGING_ID,
                    Verdict::Pass,
                    "Active Messaging Use Exchange is REG_DWORD 1".to_string(),
                    ev,
                    Vec::new(),
                )
            } else {
                let data = crate::report::evidence_text(&value.data_json());
                let now = format!("{} {data}", value.type_name());
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
            crate::report::remediation::MISSING.to_string(),
        ),
        Lookup::NoData { reason } => unknown_lookup(
            ACTIVE_MESSAGING_ID,
            ACTIVE_MESSAGING_VALUE,
            HiveKind::Software,
            Ok(reason),
            registry,
            windows,
        ),
        Lookup::Failed(error) => unknown_lookup(
            ACTIVE_MESSAGING_ID,
            ACTIVE_MESSAGING_VALUE,
            HiveKind::Software,
            Err(error.to_string()),
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
    let fail = |summary: String, ev: Evidence, before: String| {
        let check = result(
            IMC_ROOTDIR_ID,
            Verdict::Fail,
            summary.clone(),
            ev,
            vec![FixAction::SetRegistryValue(RegistryFix {
                key: format!("HKEY_LOCAL_MACHINE\\SYSTEM\\{IMC_PARAMETERS_KEY}"),
                value: ROOTDIR_VALUE.to_string(),
                data: FixData::Sz(DEFAULT_ROOTDIR.to_string()),
                confirm: Some(format!(
                    "RootDir depends on the installation: {DEFAULT_ROOTDIR} is only the default. \
                     Confirm the Internet Mail Service's data folder (it holds Pickup, In and Out) \
                     before setting it, or repair the Internet Mail Service installation"
                )),
                before: Some(before),
            })],
        );
        let unknown = PickupUnknown {
            why: summary,
            next_step: format!(
                "set RootDir as {IMC_ROOTDIR_ID}'s fix says, then collect the pickup folder's ACL"
            ),
        };
        (check, Err(unknown))
    };
    let in_control_set = |path: &str| {
        path.replacen(
            "CurrentControlSet",
            control_set.name.as_deref().unwrap_or("CurrentControlSet"),
            1,
        )
    };
    let unknown = |check: CheckResult| {
        let next_step = check.evidence["next_step"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let why = check.summary.clone();
        let mut check = check;
        check.evidence = with_control_set(check.evidence);
        let why = why.split("; next step:").next().unwrap_or(&why).to_string();
        (check, Err(PickupUnknown { why, next_step }))
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
        let check = result(
            IMC_ROOTDIR_ID,
            Verdict::Fail,
            summary,
            ev,
            vec![FixAction::ByHand(ManualFix {
                what: "Install the Internet Mail Service (Exchange Server setup, or the \
                       Internet Mail Service wizard in Exchange Administrator), so that its \
                       data folder, and in it the Pickup folder CDONTS writes to, exists; then \
                       collect a new bundle. If this server should not deliver CDONTS mail \
                       through Exchange's IMC, the article does not apply to it."
                    .to_string(),
            })],
        );
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
            return fail(
                format!(
                    "The MSExchangeIMC service is there but its RootDir is missing ({missing})"
                ),
                ev,
                crate::report::remediation::MISSING.to_string(),
            );
        }
        Lookup::NoData { reason } => {
            return unknown(unknown_lookup(
                IMC_ROOTDIR_ID,
                "RootDir",
                HiveKind::System,
                Ok(reason),
                registry,
                windows,
            ));
        }
        Lookup::Failed(error) => {
            return unknown(unknown_lookup(
                IMC_ROOTDIR_ID,
                "RootDir",
                HiveKind::System,
                Err(error.to_string()),
                registry,
                windows,
            ));
        }
    };

    let mut ev = with_control_set(found_value_evidence(&found));
    let value = &found.value;
    let text = match value.type_code {
        reg_type::SZ | reg_type::EXPAND_SZ => value.as_string().map(|t| t.trim().to_string()),
        _ => None,
    };
    let now = format!(
        "{} {}",
        value.type_name(),
        crate::report::evidence_text(&value.data_json())
    );
    let Some(text) = text else {
        let summary = format!(
            "RootDir is {}, not a string naming a folder",
            value.type_name()
        );
        return fail(summary, ev, now);
    };
    if text.is_empty() {
        return fail("RootDir is empty".to_string(), ev, now);
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
    (
        result(IMC_ROOTDIR_ID, Verdict::Pass, summary, ev, Vec::new()),
        folder,
    )
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
            return unknown_with_next_step(
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
            return unknown_with_next_step(
                PICKUP_ACL_ID,
                "The anonymous web account cannot be named: the computer name is unknown"
                    .to_string(),
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

    let matches = views.acl.find(&folder);
    let mut ev = evidence([("folder", json!(folder)), ("account", json!(account_name))]);
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
            .problems_for(&folder)
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
        return unknown_with_next_step(
            PICKUP_ACL_ID,
            format!("No ACL snapshot of {folder} in the bundle{why}"),
            collect_snapshot(),
            ev,
        );
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
        return unknown_with_next_step(
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
            ev,
        );
    }

    // Names a text snapshot printed that no SID could be found for.
    let unresolved = crate::acl::names::unresolved_names(&first.descriptor);
    if !unresolved.is_empty() {
        ev.insert("unresolved_principals".into(), json!(unresolved));
    }
    let token = Token::anonymous(&account_name, views.accounts);
    ev.insert("token".into(), token_evidence(&token));
    match evaluate_for_token(&first.descriptor, &token, FILE_ADD_FILE) {
        TokenAccess::Decided { outcome, variants } => {
            add_outcome_evidence(&mut ev, &outcome, views.accounts, &token);
            if !variants.is_empty() {
                ev.insert("assumptions_tried".into(), json!(variants));
            }
            let words = deciding_words(&outcome, &first.descriptor, views.accounts, &token);
            if outcome.granted {
                result(
                    PICKUP_ACL_ID,
                    Verdict::Pass,
                    format!("{account_name} has Add on {folder}{words}"),
                    ev,
                    Vec::new(),
                )
            } else {
                let principal = tool_principal(&account_name, computer_name.as_deref());
                let fix = acl_fix(&folder, principal, first, &token, views.accounts);
                let possible: Vec<String> = fix
                    .iter()
                    .filter_map(|action| match action {
                        FixAction::RemoveDenyEntries(deny) => {
                            let cause = deny.possible_cause.as_ref()?;
                            let aces: Vec<String> =
                                deny.aces.iter().map(|n| format!("#{n}")).collect();
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
                let mut summary = format!("{account_name} lacks Add on {folder}{words}");
                if !possible.is_empty() {
                    summary.push_str(&format!("; possible cause too: {}", possible.join("; ")));
                    ev.insert("possible_causes".into(), json!(possible));
                }
                result(PICKUP_ACL_ID, Verdict::Fail, summary, ev, fix)
            }
        }
        TokenAccess::Undecided {
            outcomes,
            depends_on,
        } => {
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
            let in_question = aces_in_question(&first.descriptor, &token, views.accounts);
            if !in_question.is_empty() {
                ev.insert("aces_in_question".into(), json!(in_question));
            }
            let unresolved_sids = unresolved_sids(&first.descriptor, &token, views.accounts);
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
            let mut summary =
                format!("Whether {account_name} has Add on {folder} depends on {why}");
            if !in_question.is_empty() {
                summary.push_str(&format!("; possible cause: {}", in_question.join(", ")));
            }
            if !unresolved_sids.is_empty() {
                summary.push_str(&format!(
                    "; the SIDs in the ACL it may be: {}",
                    unresolved_sids.join(", ")
                ));
            }
            let next_step = undecided_next_step(views, windows, &token, &depends_on);
            unknown_with_next_step(PICKUP_ACL_ID, summary, next_step, ev)
        }
    }
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

/// A principal's name: well-known, from SAM, or as the snapshot printed it.
fn principal_name(
    trustee: &Trustee,
    display: Option<&str>,
    accounts: Option<&LocalAccounts>,
) -> Option<String> {
    if let Some(name) = display {
        return Some(name.to_string());
    }
    let Trustee::Sid(sid) = trustee else {
        return None;
    };
    if let Some(name) = well_known_name(sid) {
        return Some(name.to_string());
    }
    let accounts = accounts?;
    let text = sid.to_string();
    accounts
        .users
        .iter()
        .find(|u| {
            u.sid
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(&text))
        })
        .map(|u| u.name.clone())
        .or_else(|| {
            accounts
                .groups
                .iter()
                .find(|g| {
                    g.sid
                        .as_deref()
                        .is_some_and(|s| s.eq_ignore_ascii_case(&text))
                })
                .map(|g| g.name.clone())
        })
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

/// Why an ACE's trustee may hold the account although the token does not
/// say it does: a group of unknown membership, or a SID that may be the
/// account's own.
fn why_may_apply(trustee: &Trustee, token: &Token) -> Option<String> {
    if token.holds(trustee) {
        return None;
    }
    match trustee {
        Trustee::Sid(sid) => token
            .unknown_membership(sid)
            .map(|unknown| unknown.why.clone())
            .or_else(|| {
                (token.account_sid.is_none() && sid.could_be_created_account()).then(|| {
                    format!(
                        "{sid} may be {}'s own SID ({})",
                        token.account_name,
                        token
                            .unknown
                            .first()
                            .map_or("its SID is unknown", String::as_str)
                    )
                })
            }),
        Trustee::Name(name) => token
            .unknown_groups
            .iter()
            .find(|u| {
                u.name.as_deref().is_some_and(|n| {
                    crate::acl::names::split_domain(n)
                        .1
                        .eq_ignore_ascii_case(crate::acl::names::split_domain(name).1)
                })
            })
            .map(|u| u.why.clone()),
    }
}

/// The structured fix of a failing ACL check: grant the account the
/// article's Add (NT 4.0's directory permission, W and X on the folder),
/// and remove every deny entry that would still take FILE_ADD_FILE away
/// once the grant is there. The grant is put where Windows' tools put an
/// explicit allow entry (after the explicit entries, before inherited
/// ones), the access check rerun, and the deny entry that decides removed,
/// until the account has Add; a deny entry that decides only under some
/// assumption about the unknown parts of the token (a group whose
/// membership is unknown, e.g. Guests without a SAM) is removed too, and
/// says why it may apply.
fn acl_fix(
    folder: &str,
    principal: String,
    acl: &FolderAcl,
    token: &Token,
    accounts: Option<&LocalAccounts>,
) -> Vec<FixAction> {
    let mut fix = vec![FixAction::GrantFolderAccess(GrantFix {
        folder: folder.to_string(),
        principal: principal.clone(),
        rights: rights::NT4_ADD,
        needed: FILE_ADD_FILE,
        rights_name: "Add".to_string(),
    })];
    let Dacl::Entries(entries) = &acl.descriptor.dacl else {
        return fix;
    };
    let grant = Ace {
        ace_type: ace_type::ACCESS_ALLOWED,
        flags: ace_flags::CONTAINER_INHERIT,
        mask: rights::NT4_ADD,
        trustee: match &token.account_sid {
            Some(sid) => Trustee::Sid(sid.clone()),
            None => Trustee::Name(token.account_name.clone()),
        },
        display_name: Some(principal),
        unknown_rights: 0,
    };
    let at = entries
        .iter()
        .position(|ace| ace.flags & ace_flags::INHERITED != 0)
        .unwrap_or(entries.len());
    // The DACL with the grant added and the deny entries found so far
    // removed, and where each remaining entry stood in the snapshot (None
    // for the grant).
    let mut descriptor = acl.descriptor.clone();
    let mut positions: Vec<Option<usize>> = (0..entries.len()).map(Some).collect();
    if let Dacl::Entries(aces) = &mut descriptor.dacl {
        aces.insert(at, grant);
    }
    positions.insert(at, None);
    let mut denies: Vec<(Trustee, DenyFix)> = Vec::new();
    for _ in 0..=entries.len() {
        let (outcome, possible) = match evaluate_for_token(&descriptor, token, FILE_ADD_FILE) {
            TokenAccess::Decided { outcome, .. } if outcome.granted => break,
            TokenAccess::Decided { outcome, .. } => (outcome, false),
            TokenAccess::Undecided { outcomes, .. } => {
                match outcomes.into_iter().find(|(_, outcome)| !outcome.granted) {
                    Some((_, outcome)) => (outcome, true),
                    None => break,
                }
            }
        };
        let Some(deny) = outcome
            .deciding_aces
            .iter()
            .find(|d| d.denied & FILE_ADD_FILE != 0)
        else {
            break;
        };
        let Some(position) = positions.remove(deny.index) else {
            break;
        };
        if let Dacl::Entries(remaining) = &mut descriptor.dacl {
            remaining.remove(deny.index);
        }
        let trustee = &deny.ace.trustee;
        let denied = rights::map_generic(deny.ace.mask);
        let possible_cause = if possible {
            why_may_apply(trustee, token)
        } else {
            None
        };
        if let Some((_, existing)) = denies.iter_mut().find(|(t, _)| t == trustee) {
            existing.aces.push(position + 1);
            existing.denied |= denied;
            existing.inherited |= deny.ace.flags & ace_flags::INHERITED != 0;
            continue;
        }
        denies.push((
            trustee.clone(),
            DenyFix {
                folder: folder.to_string(),
                principal: principal_name(trustee, deny.ace.display_name.as_deref(), accounts),
                sid: match trustee {
                    Trustee::Sid(sid) => Some(sid.to_string()),
                    Trustee::Name(_) => None,
                },
                aces: vec![position + 1],
                denied,
                principal_has_allow_entries: entries
                    .iter()
                    .any(|ace| ace.ace_type == ace_type::ACCESS_ALLOWED && &ace.trustee == trustee),
                possible_cause,
                inherited: deny.ace.flags & ace_flags::INHERITED != 0,
            },
        ));
    }
    fix.extend(
        denies
            .into_iter()
            .map(|(_, deny)| FixAction::RemoveDenyEntries(deny)),
    );
    fix
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::collect_script::Target;

    #[test]
    fn collection_advice_follows_the_windows_version() {
        let version = |current: &str| WindowsVersion {
            current_version: Some(current.to_string()),
            ..WindowsVersion::default()
        };
        let nt4 = collect_hive_step(Some(&version("4.0")), HiveKind::Sam, false);
        assert_eq!(
            nt4,
            "collect the SAM hive (Reg\\sam.hiv) with the script `hivetriage collect --for nt4` \
             prints, run on the server"
        );
        let w2k3 = collect_hive_step(Some(&version("5.2")), HiveKind::System, true);
        assert!(w2k3.contains("a new copy of the SYSTEM hive") && w2k3.contains("--for w2k"));
        let modern = collect_hive_step(Some(&version("6.1")), HiveKind::Sam, false);
        assert!(modern.contains("--for modern"), "{modern}");
        let unknown = collect_hive_step(None, HiveKind::Sam, false);
        for target in ["--for nt4", "--for w2k", "--for modern"] {
            assert!(unknown.contains(target), "{unknown}");
        }
        assert_eq!(Target::for_version(None), None);
    }
}
