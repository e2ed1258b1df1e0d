//! The anonymous account's token on real SAM layouts, end to end through
//! the binary: alias expansion (Windows 2000's Users lists INTERACTIVE and
//! Authenticated Users; NT 4.0's does not), the reasons the evidence gives
//! for each group, and what one damaged SAM record costs.

mod common;

use common::run_hivetriage as run;

use hivetriage::acl::{Membership, Token, TokenAccess, evaluate_for_token, parse_sddl, rights};
use hivetriage::fixture::sam::{RecordDamage, SamBuilder};
use hivetriage::fixture::scenario::{
    IUSR_RID, MACHINE_SID, Scenario, WindowsRelease, iusr_sid, pickup_sddl_guests_denied,
    pickup_sddl_users_add,
};
use hivetriage::registry::HiveFile;
use hivetriage::registry::sam::LocalAccounts;
use serde_json::Value;

const ACL: &str = "Q306957.pickup-acl";

/// Analyzes the scenario's zip as JSON; returns (exit status, report).
fn analyze(scenario: &Scenario) -> (i32, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bundle.zip");
    std::fs::write(&path, scenario.zip()).expect("write zip");
    let (status, stdout, stderr) = run(&["analyze", "--format", "json", path.to_str().unwrap()]);
    let reports: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (status, reports[0].clone())
}

fn acl_check(report: &Value) -> &Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == ACL)
        .unwrap_or_else(|| panic!("no {ACL}: {report:#}"))
}

fn token_group<'a>(check: &'a Value, sid: &str) -> Option<&'a Value> {
    check["evidence"]["token"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["sid"] == sid)
}

fn windows2000() -> Scenario {
    Scenario {
        windows: WindowsRelease::Windows2000,
        ..Scenario::healthy()
    }
}

#[test]
fn users_listing_interactive_gives_the_account_a_grant_to_users() {
    let (status, report) = analyze(&windows2000().with_pickup_sddl(&pickup_sddl_users_add()));
    let check = acl_check(&report);
    assert_eq!(check["verdict"], "pass", "{check:#}");
    assert_eq!(status, 0);
    let users = token_group(check, "S-1-5-32-545").expect("Users in the token");
    assert_eq!(users["name"], "BUILTIN\\Users");
    assert_eq!(users["how"], "alias_expansion");
    assert_eq!(users["through"], serde_json::json!(["S-1-5-4", "S-1-5-11"]));
    let why = users["why"].as_str().unwrap();
    assert!(
        why.starts_with("member of BUILTIN\\Users through NT AUTHORITY\\INTERACTIVE"),
        "{why}"
    );
    // The deciding ACE says why it applies, and so does the summary.
    let deciding = &check["evidence"]["deciding_aces"][0];
    assert_eq!(deciding["trustee"], "S-1-5-32-545");
    assert_eq!(deciding["applies_because"], why);
    let summary = check["summary"].as_str().unwrap();
    assert!(
        summary.contains("through NT AUTHORITY\\INTERACTIVE"),
        "{summary}"
    );
    // Every group says why it is there.
    for group in check["evidence"]["token"]["groups"].as_array().unwrap() {
        assert!(!group["why"].as_str().unwrap().is_empty(), "{group}");
    }
    let interactive = token_group(check, "S-1-5-4").unwrap();
    assert_eq!(interactive["how"], "well_known");
    assert!(
        interactive["why"]
            .as_str()
            .unwrap()
            .contains("interactively"),
        "{interactive}"
    );
    let guests = token_group(check, "S-1-5-32-546").unwrap();
    assert_eq!(guests["why"], "member of BUILTIN\\Guests directly");
}

#[test]
fn nt4_users_lists_no_well_known_sid_so_a_grant_to_users_does_not_reach_the_account() {
    // Windows NT 4.0 decides so: its Users alias lists Domain Users, and a
    // local account logged on interactively is not in it.
    let (status, report) = analyze(&Scenario::healthy().with_pickup_sddl(&pickup_sddl_users_add()));
    let check = acl_check(&report);
    assert_eq!(check["verdict"], "fail", "{check:#}");
    assert_eq!(status, 1);
    assert!(token_group(check, "S-1-5-32-545").is_none(), "{check:#}");
}

#[test]
fn a_users_alias_listing_only_interactive_is_reached_through_it() {
    let machine = "S-1-5-21-1-2-3";
    let mut sam = SamBuilder::new(machine);
    sam.user("IUSR_EXCH01", 1001)
        .builtin_alias(545, "Users", &["S-1-5-4"])
        .builtin_alias(546, "Guests", &[&format!("{machine}-1001")])
        // A local group listing Users: alias expansion goes on from Users.
        .account_alias(1005, "Web Posters", &["S-1-5-32-545"]);
    let hive = HiveFile::open("SAM", sam.to_bytes()).unwrap().0;
    let accounts = LocalAccounts::from_sam(&hive).unwrap();
    let token = Token::anonymous("IUSR_EXCH01", Some(&accounts));
    let expanded: Vec<(&str, &str)> = token
        .groups
        .iter()
        .filter(|g| g.how == Membership::AliasExpansion)
        .map(|g| (g.name.as_str(), g.why.as_str()))
        .collect();
    assert_eq!(
        expanded,
        [
            (
                "BUILTIN\\Users",
                "member of BUILTIN\\Users through NT AUTHORITY\\INTERACTIVE"
            ),
            (
                "Web Posters",
                "member of Web Posters through BUILTIN\\Users"
            ),
        ]
    );
    let posters = parse_sddl(&format!("D:(A;;0x2;;;{machine}-1005)")).unwrap();
    let TokenAccess::Decided { outcome, .. } =
        evaluate_for_token(&posters, &token, rights::FILE_ADD_FILE)
    else {
        panic!("decided")
    };
    assert!(outcome.granted);
}

fn errors(report: &Value) -> Vec<String> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect()
}

const GUESTS_RECORD: &str = "SAM\\Domains\\Builtin\\Aliases\\00000222";

#[test]
fn a_damaged_alias_record_that_no_ace_names_leaves_the_check_decided() {
    let damaged = Scenario {
        sam_damage: vec![RecordDamage::AliasMemberSid { rid: 546 }],
        ..Scenario::healthy()
    };
    let (status, report) = analyze(&damaged);
    let check = acl_check(&report);
    assert_eq!(check["verdict"], "pass", "{check:#}");
    assert_eq!(
        status, 0,
        "a listed error alone does not change the exit status"
    );
    let errors = errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert!(error.contains(GUESTS_RECORD), "{error}");
    assert!(error.contains("value C, byte 0x"), "{error}");
    assert!(error.contains("file offset 0x"), "{error}");
    assert!(error.contains("member 0: SID revision 7"), "{error}");
    // Guests' membership is unknown, and the token says so.
    let unknown = &check["evidence"]["token"]["unknown_groups"];
    assert_eq!(unknown[0]["sid"], "S-1-5-32-546", "{unknown:#}");
    assert!(token_group(check, "S-1-5-32-546").is_none());
    // The other records are used: IUSR's SID, and None from its group record.
    assert_eq!(check["evidence"]["token"]["account_sid"], iusr_sid());
    assert!(token_group(check, &format!("{MACHINE_SID}-513")).is_some());
}

#[test]
fn a_damaged_alias_record_that_an_ace_names_makes_the_check_unknown() {
    let damaged = Scenario {
        sam_damage: vec![RecordDamage::AliasMemberSid { rid: 546 }],
        ..Scenario::healthy().with_pickup_sddl(&pickup_sddl_guests_denied())
    };
    let (status, report) = analyze(&damaged);
    let check = acl_check(&report);
    assert_eq!(check["verdict"], "unknown", "{check:#}");
    assert_eq!(status, 3);
    let summary = check["summary"].as_str().unwrap();
    assert!(summary.contains("BUILTIN\\Guests"), "{summary}");
    assert!(summary.contains(GUESTS_RECORD), "{summary}");
    let outcomes: Vec<(String, bool)> = check["evidence"]["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["assumption"].as_str().unwrap().to_string(),
                o["add_granted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("IUSR_EXCH01 is not in BUILTIN\\Guests".to_string(), true),
            ("IUSR_EXCH01 is in BUILTIN\\Guests".to_string(), false),
        ]
    );
}

#[test]
fn a_damaged_record_of_the_anonymous_account_itself() {
    let damaged = |sddl: &str| Scenario {
        sam_damage: vec![RecordDamage::UserWithoutRid {
            name: "IUSR_EXCH01".into(),
        }],
        ..Scenario::healthy().with_pickup_sddl(sddl)
    };
    // The grant names the account's SID, which only its record could confirm.
    let (_, report) = analyze(&damaged(
        &hivetriage::fixture::scenario::pickup_sddl_with_add(),
    ));
    let check = acl_check(&report);
    assert_eq!(check["verdict"], "unknown", "{check:#}");
    let record = "SAM\\Domains\\Account\\Users\\Names\\IUSR_EXCH01";
    assert!(
        errors(&report).iter().any(|e| e.contains(record)),
        "{:?}",
        errors(&report)
    );
    let summary = check["summary"].as_str().unwrap();
    assert!(summary.contains(record), "{summary}");
    assert_eq!(check["evidence"]["token"]["account_sid"], Value::Null);

    // Guests lists RID 1001, which no readable record gives another user:
    // it may be the account, so a deny for Guests leaves the answer open.
    let (_, report) = analyze(&damaged(&pickup_sddl_guests_denied()));
    let check = acl_check(&report);
    assert_eq!(check["verdict"], "unknown", "{check:#}");
    let unknown: Vec<&str> = check["evidence"]["token"]["unknown_groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert!(unknown.contains(&"BUILTIN\\Guests"), "{unknown:?}");
    assert!(
        check["summary"].as_str().unwrap().contains(record),
        "{check:#}"
    );
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .contains(&format!("{MACHINE_SID}-{IUSR_RID}")),
        "{check:#}"
    );

    // Everyone may change, nothing denies: the same answer whoever the
    // account is and whatever groups it is in.
    let (status, report) = analyze(&damaged("D:(A;OICI;0x1301bf;;;WD)(A;OICI;FA;;;SY)"));
    let check = acl_check(&report);
    assert_eq!(check["verdict"], "pass", "{check:#}");
    assert_eq!(status, 0);
}

#[test]
fn the_acl_command_shows_the_token_with_its_reasons() {
    let sample =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/users-add-windows2000.zip");
    let sample = sample.to_str().unwrap();
    let folder = "C:\\exchsrvr\\imcdata\\Pickup";
    let (status, stdout, _) = run(&["acl", "--format", "json", sample, folder]);
    assert_eq!(status, 0);
    let view: Value = serde_json::from_str(&stdout).unwrap();
    let users = view["token"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["sid"] == "S-1-5-32-545")
        .expect("Users in the token");
    assert!(
        users["why"]
            .as_str()
            .unwrap()
            .starts_with("member of BUILTIN\\Users through NT AUTHORITY\\INTERACTIVE"),
        "{users}"
    );
    let (status, text, _) = run(&["acl", sample, folder]);
    assert_eq!(status, 0);
    assert!(
        text.contains(
            "BUILTIN\\Users (S-1-5-32-545): member of BUILTIN\\Users through NT AUTHORITY\\INTERACTIVE"
        ),
        "{text}"
    );
}
