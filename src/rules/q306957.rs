#![doc = include_str!("q306957.md")]
// The module documentation above is `q306957.md`, which `rules show Q306957`
// prints too: edit the Markdown file, not this comment.

use super::{
    CheckInfo, CheckResult, CollectionNeeds, DenyFix, Evidence, FixAction, FixData, FolderLocation,
    FolderNeed, GrantFix, KeyEvidence, RegistryFix, Rule, Verdict, Views,
};
use crate::acl::rights::{self, FILE_ADD_FILE};
use crate::acl::{
    AccessOutcome, AceDecision, Dacl, FolderAcl, FolderMatch, Membership, Token, TokenAccess, Trustee,
    ace_type, evaluate_for_token, snapshot::WindowsPath, well_known_name,
};
use crate::registry::sam::LocalAccounts;
use crate::registry::{FoundValue, HiveKind, Lookup, RegistryView, reg_type};
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
                .map(|info| CheckResult {
                    id: info.id.to_string(),
                    verdict: Verdict::NotApplicable,
                    summary: why.clone(),
                    evidence: Evidence::new(),
                    remediation: None,
                    fix: Vec::new(),
                })
                .collect();
        }
        let (rootdir_check, pickup_folder) = check_imc_rootdir(views.registry);
        vec![
            check_active_messaging(views.registry),
            rootdir_check,
            check_pickup_acl(views, pickup_folder),
        ]
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

/// The `unknown` result for a lookup that found no data or damaged data.
fn unknown_lookup(id: &str, what: &str, problem: String, no_data: bool) -> CheckResult {
    let summary = if no_data {
        format!("Cannot check {what}: {problem}")
    } else {
        format!("Cannot check {what}: the hive is damaged where it is stored")
    };
    CheckResult {
        id: id.to_string(),
        verdict: Verdict::Unknown,
        summary,
        evidence: evidence([("problem", json!(problem))]),
        remediation: None,
        fix: Vec::new(),
    }
}

fn check_active_messaging(registry: &RegistryView) -> CheckResult {
    const FIX: &str = r#"reg add "HKLM\SOFTWARE\Microsoft\Exchange" /v "Active Messaging Use Exchange" /t REG_DWORD /d 1 /f"#;
    let fail = |summary: String, evidence: Evidence| CheckResult {
        id: ACTIVE_MESSAGING_ID.to_string(),
        verdict: Verdict::Fail,
        summary,
        evidence,
        remediation: Some(FIX.to_string()),
        fix: vec![FixAction::SetRegistryValue(RegistryFix {
            key: format!("HKEY_LOCAL_MACHINE\\SOFTWARE\\{EXCHANGE_KEY}"),
            value: ACTIVE_MESSAGING_VALUE.to_string(),
            data: FixData::Dword(1),
            confirm: None,
        })],
    };
    match registry.read_value(HiveKind::Software, EXCHANGE_KEY, ACTIVE_MESSAGING_VALUE) {
        Lookup::Found(found) => {
            let ev = found_value_evidence(&found);
            let value = &found.value;
            if value.type_code == reg_type::DWORD && value.as_dword() == Some(1) {
                CheckResult {
                    id: ACTIVE_MESSAGING_ID.to_string(),
                    verdict: Verdict::Pass,
                    summary: "Active Messaging Use Exchange is REG_DWORD 1".to_string(),
                    evidence: ev,
                    remediation: None,
                    fix: Vec::new(),
                }
            } else {
                let data = crate::report::evidence_text(&value.data_json());
                fail(
                    format!(
                        "Active Messaging Use Exchange is {} {data}, not REG_DWORD 1",
                        value.type_name()
                    ),
                    ev,
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
        ),
        Lookup::NoData { reason } => {
            unknown_lookup(ACTIVE_MESSAGING_ID, ACTIVE_MESSAGING_VALUE, reason, true)
        }
        Lookup::Failed(error) => unknown_lookup(
            ACTIVE_MESSAGING_ID,
            ACTIVE_MESSAGING_VALUE,
            error.to_string(),
            false,
        ),
    }
}

/// The pickup folder when RootDir is known, else why it is not.
type PickupFolder = Result<String, String>;

fn check_imc_rootdir(registry: &RegistryView) -> (CheckResult, PickupFolder) {
    const FIX: &str = "Repair the Internet Mail Service (IMC) installation so that \
        HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\Parameters has RootDir \
        naming its data folder (by default C:\\exchsrvr\\imcdata), e.g. \
        reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\Parameters\" \
        /v RootDir /t REG_SZ /d \"C:\\exchsrvr\\imcdata\" /f";
    let control_set = registry.control_set();
    let with_control_set = |mut ev: Evidence| {
        ev.insert("control_set".into(), json!(control_set.name));
        ev.insert("control_set_from".into(), json!(control_set.how));
        ev
    };
    let result = |verdict: Verdict, summary: String, ev: Evidence| CheckResult {
        id: IMC_ROOTDIR_ID.to_string(),
        remediation: (verdict == Verdict::Fail).then(|| FIX.to_string()),
        fix: if verdict == Verdict::Fail {
            vec![FixAction::SetRegistryValue(RegistryFix {
                key: format!("HKEY_LOCAL_MACHINE\\SYSTEM\\{IMC_PARAMETERS_KEY}"),
                value: ROOTDIR_VALUE.to_string(),
                data: FixData::Sz(DEFAULT_ROOTDIR.to_string()),
                confirm: Some(format!(
                    "RootDir depends on the installation: {DEFAULT_ROOTDIR} is only the default. \
                     Confirm the Internet Mail Service's data folder (it holds Pickup, In and Out) \
                     before setting it, or repair the Internet Mail Service installation"
                )),
            })]
        } else {
            Vec::new()
        },
        verdict,
        summary,
        evidence: ev,
    };

    let found = match registry.read_value(HiveKind::System, IMC_PARAMETERS_KEY, ROOTDIR_VALUE) {
        Lookup::Found(found) => found,
        Lookup::NotFound { missing } => {
            let key = IMC_PARAMETERS_KEY.replacen(
                "CurrentControlSet",
                control_set.name.as_deref().unwrap_or("CurrentControlSet"),
                1,
            );
            let ev = with_control_set(evidence([
                ("key", json!(format!("HKLM\\SYSTEM\\{key}"))),
                ("value", json!(ROOTDIR_VALUE)),
                ("missing", json!(missing)),
            ]));
            let summary = format!("The IMC's RootDir is missing ({missing})");
            return (result(Verdict::Fail, summary.clone(), ev), Err(summary));
        }
        Lookup::NoData { reason } => {
            let mut check = unknown_lookup(IMC_ROOTDIR_ID, "RootDir", reason, true);
            check.evidence = with_control_set(check.evidence);
            let why = check.summary.clone();
            return (check, Err(why));
        }
        Lookup::Failed(error) => {
            let mut check = unknown_lookup(IMC_ROOTDIR_ID, "RootDir", error.to_string(), false);
            check.evidence = with_control_set(check.evidence);
            let why = check.summary.clone();
            return (check, Err(why));
        }
    };

    let mut ev = with_control_set(found_value_evidence(&found));
    let value = &found.value;
    let text = match value.type_code {
        reg_type::SZ | reg_type::EXPAND_SZ => value.as_string().map(|t| t.trim().to_string()),
        _ => None,
    };
    let Some(text) = text else {
        let summary = format!("RootDir is {}, not a string naming a folder", value.type_name());
        return (result(Verdict::Fail, summary.clone(), ev), Err(summary));
    };
    if text.is_empty() {
        let summary = "RootDir is empty".to_string();
        return (result(Verdict::Fail, summary.clone(), ev), Err(summary));
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
        Err(format!(
            "RootDir {text} has variables that cannot be expanded from this bundle"
        ))
    };
    let summary = format!("IMC RootDir is {text}; pickup folder {pickup}");
    (result(Verdict::Pass, summary, ev), folder)
}

fn check_pickup_acl(views: &Views, pickup_folder: PickupFolder) -> CheckResult {
    let unknown = |summary: String, ev: Evidence| CheckResult {
        id: PICKUP_ACL_ID.to_string(),
        verdict: Verdict::Unknown,
        summary,
        evidence: ev,
        remediation: None,
        fix: Vec::new(),
    };
    let folder = match pickup_folder {
        Ok(folder) => folder,
        Err(why) => {
            return unknown(
                format!("The pickup folder is not known: {why}"),
                evidence([("problem", json!(why))]),
            );
        }
    };
    let computer_name = views.registry.computer_name();
    let account_name = match (&views.options.anonymous_account, &computer_name) {
        (Some(configured), _) => configured.clone(),
        (None, Some(computer)) => format!("IUSR_{computer}"),
        (None, None) => {
            return unknown(
                "The anonymous web account cannot be named: the computer name is unknown \
                 (give it with --anonymous-account)"
                    .to_string(),
                evidence([("folder", json!(folder))]),
            );
        }
    };

    let matches = views.acl.find(&folder);
    let mut ev = evidence([
        ("folder", json!(folder)),
        ("account", json!(account_name)),
    ]);
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
        return unknown(format!("No ACL snapshot of {folder} in the bundle{why}"), ev);
    }
    ev.insert(
        "snapshots".into(),
        Value::Array(matches.iter().map(|(acl, how)| snapshot_evidence(acl, how)).collect()),
    );
    let (first, _) = matches[0];
    if matches.iter().any(|(acl, _)| !same_acl(acl, first)) {
        return unknown(
            format!("Snapshots of {folder} disagree; cannot tell which is current"),
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
            if outcome.granted {
                CheckResult {
                    id: PICKUP_ACL_ID.to_string(),
                    verdict: Verdict::Pass,
                    summary: format!(
                        "{account_name} has Add on {folder}{}",
                        deciding_words(&outcome, views.accounts, &token)
                    ),
                    evidence: ev,
                    remediation: None,
                    fix: Vec::new(),
                }
            } else {
                let remediation =
                    acl_remediation(&folder, &account_name, computer_name.as_deref(), &outcome, views.accounts);
                let principal = tool_principal(&account_name, computer_name.as_deref());
                let fix = acl_fix(&folder, principal, first, &token, views.accounts);
                CheckResult {
                    id: PICKUP_ACL_ID.to_string(),
                    verdict: Verdict::Fail,
                    summary: format!(
                        "{account_name} lacks Add on {folder}{}",
                        deciding_words(&outcome, views.accounts, &token)
                    ),
                    evidence: ev,
                    remediation: Some(remediation),
                    fix,
                }
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
            let why = if depends_on.is_empty() {
                "which account the ACL's unresolved SIDs are (no SAM hive to tell)".to_string()
            } else {
                depends_on.join("; ")
            };
            unknown(
                format!("Whether {account_name} has Add on {folder} depends on {why}"),
                ev,
            )
        }
    }
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
fn principal_name(trustee: &Trustee, display: Option<&str>, accounts: Option<&LocalAccounts>) -> Option<String> {
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
        .find(|u| u.sid.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&text)))
        .map(|u| u.name.clone())
        .or_else(|| {
            accounts
                .groups
                .iter()
                .find(|g| g.sid.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&text)))
                .map(|g| g.name.clone())
        })
}

fn token_evidence(token: &Token) -> Value {
    serde_json::to_value(token).unwrap_or(Value::Null)
}

fn ace_words(decision: &AceDecision, accounts: Option<&LocalAccounts>) -> String {
    let kind = if decision.ace.ace_type == ace_type::ACCESS_DENIED {
        "deny"
    } else {
        "allow"
    };
    let who = principal_name(&decision.ace.trustee, decision.ace.display_name.as_deref(), accounts)
        .unwrap_or_else(|| decision.ace.trustee.to_string());
    format!("ACE #{} ({kind} {who})", decision.index + 1)
}

fn deciding_words(
    outcome: &AccessOutcome,
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
            .find(|m| m.how == Membership::AliasExpansion && d.ace.trustee == Trustee::Sid(m.sid.clone()))
            .map(|m| format!(" ({} is a {})", token.account_name, m.why))
            .unwrap_or_default()
    };
    match relevant.first() {
        Some(d) if d.denied & FILE_ADD_FILE != 0 => {
            format!(": denied by {}{}", ace_words(d, accounts), because(d))
        }
        Some(d) => format!(", granted by {}{}", ace_words(d, accounts), because(d)),
        None if outcome.granted => " (the DACL grants everything)".to_string(),
        None => ": no ACE grants it to the account or its groups".to_string(),
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

/// The structured fix of a failing ACL check: grant the account the
/// article's Add (NT 4.0's directory permission, W and X on the folder),
/// and remove every deny entry that takes FILE_ADD_FILE away from the
/// token, one action per principal. The access check stops at the first
/// such entry, so it is rerun without it until no deny entry decides.
fn acl_fix(
    folder: &str,
    principal: String,
    acl: &FolderAcl,
    token: &Token,
    accounts: Option<&LocalAccounts>,
) -> Vec<FixAction> {
    let mut fix = vec![FixAction::GrantFolderAccess(GrantFix {
        folder: folder.to_string(),
        principal,
        rights: rights::NT4_ADD,
        needed: FILE_ADD_FILE,
        rights_name: "Add".to_string(),
    })];
    let Dacl::Entries(entries) = &acl.descriptor.dacl else {
        return fix;
    };
    // The DACL with the deny entries found so far removed, and where each
    // remaining entry stood in the snapshot.
    let mut descriptor = acl.descriptor.clone();
    let mut positions: Vec<usize> = (0..entries.len()).collect();
    let mut denies: Vec<(Trustee, DenyFix)> = Vec::new();
    for _ in 0..entries.len() {
        let TokenAccess::Decided { outcome, .. } =
            evaluate_for_token(&descriptor, token, FILE_ADD_FILE)
        else {
            break;
        };
        let Some(deny) = outcome
            .deciding_aces
            .iter()
            .find(|d| d.denied & FILE_ADD_FILE != 0)
        else {
            break;
        };
        let position = positions.remove(deny.index);
        if let Dacl::Entries(remaining) = &mut descriptor.dacl {
            remaining.remove(deny.index);
        }
        let trustee = &deny.ace.trustee;
        let denied = rights::map_generic(deny.ace.mask);
        if let Some((_, existing)) = denies.iter_mut().find(|(t, _)| t == trustee) {
            existing.aces.push(position + 1);
            existing.denied |= denied;
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
                principal_has_allow_entries: entries.iter().any(|ace| {
                    ace.ace_type == ace_type::ACCESS_ALLOWED && &ace.trustee == trustee
                }),
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

fn acl_remediation(
    folder: &str,
    account: &str,
    computer: Option<&str>,
    outcome: &AccessOutcome,
    accounts: Option<&LocalAccounts>,
) -> String {
    let principal = tool_principal(account, computer);
    let mut lines = vec![format!(
        "icacls \"{folder}\" /grant \"{principal}:(AD,WD,X)\""
    )];
    for deny in outcome
        .deciding_aces
        .iter()
        .filter(|d| d.denied & FILE_ADD_FILE != 0)
    {
        let who = principal_name(&deny.ace.trustee, deny.ace.display_name.as_deref(), accounts)
            .unwrap_or_else(|| deny.ace.trustee.to_string());
        lines.push(format!(
            "The deny entry for {who} (ACE #{}) takes Add away even after the grant: remove it \
             (icacls \"{folder}\" /remove:d \"{who}\") or keep {principal} out of it",
            deny.index + 1
        ));
    }
    lines.push(format!(
        "Windows NT 4.0 (no icacls): in Windows Explorer right-click {folder}, Properties, \
         Security, Permissions, add {principal} and give it Add permission"
    ));
    lines.join("\n")
}
