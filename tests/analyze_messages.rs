//! What the checks say, end to end through the binary: what is wrong and
//! what to do next. Every `unknown` names its next step (the file to
//! collect and the collection command for the server's Windows, the SID
//! that could not be resolved, the two snapshots that disagree); a missing
//! IMC service, an inherit-only grant, a damaged SYSTEM hive, an account
//! the SAM does not hold and a hive read without its logs each say so; and
//! without a SAM, Users and Guests are groups the account may be in.

mod common;

use common::run_hivetriage as run;

use hivetriage::fixture::scenario::{
    Scenario, SnapshotFormat, SnapshotSpec, SystemWrite, ValueSpec, WindowsRelease, iusr_sid,
    pickup_sddl_read_only, pickup_sddl_users_add,
};
use hivetriage::fixture::zip::zip_bytes;
use serde_json::Value;
use std::path::{Path, PathBuf};

const AM: &str = "Q306957.active-messaging";
const ROOTDIR: &str = "Q306957.imc-rootdir";
const ACL: &str = "Q306957.pickup-acl";

fn write(dir: &Path, name: &str, entries: &[(String, Vec<u8>)]) -> PathBuf {
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let path = dir.join(name);
    std::fs::write(&path, zip_bytes(&borrowed)).unwrap();
    path
}

/// The report of a bundle with these entries (JSON), and the exit status.
fn analyze_entries(entries: &[(String, Vec<u8>)], extra: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bundle.zip", entries);
    let mut args = vec!["analyze", "--format", "json", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (status, stdout, stderr) = run(&args);
    let reports: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (status, reports[0].clone())
}

fn analyze(scenario: &Scenario, extra: &[&str]) -> Value {
    analyze_entries(&scenario.entries(), extra).1
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id}: {report:#}"))
}

fn summary<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["summary"].as_str().unwrap()
}

/// Every unknown check names a next step in its summary and evidence.
fn assert_unknowns_name_next_steps(report: &Value) {
    for c in report["checks"].as_array().unwrap() {
        if c["verdict"] == "unknown" {
            let next = c["evidence"]["next_step"]
                .as_str()
                .unwrap_or_else(|| panic!("{} is unknown without a next step: {c:#}", c["id"]));
            assert!(!next.is_empty());
            let summary = c["summary"].as_str().unwrap();
            assert!(summary.contains(&format!("next step: {next}")), "{summary}");
        }
    }
}

fn no_sam() -> Scenario {
    Scenario {
        sam_entry: None,
        ..Scenario::healthy()
    }
}

#[test]
fn without_a_sam_users_and_guests_may_hold_the_account() {
    // Everyone may change the folder, but Guests are denied writing: IIS
    // setup puts IUSR_<computer> in Guests, so without a SAM the answer is
    // open, and the deny entry is named as the possible cause.
    let guests_denied =
        no_sam().with_pickup_sddl("D:P(D;;0x116;;;BG)(A;OICI;FA;;;BA)(A;OICI;0x1301bf;;;WD)");
    let report = analyze(&guests_denied, &[]);
    assert_eq!(check(&report, ACL)["verdict"], "unknown", "{report:#}");
    let text = summary(&report, ACL);
    assert!(text.contains("BUILTIN\\Guests"), "{text}");
    assert!(
        text.contains("possible cause: ACE #1 (deny BUILTIN\\Guests)"),
        "{text}"
    );
    assert!(
        text.contains("collect the SAM hive (Reg\\sam.hiv)")
            && text.contains("`hivetriage collect --for nt4`"),
        "{text}"
    );
    let token = &check(&report, ACL)["evidence"]["token"];
    assert!(
        token["assumed"][0]
            .as_str()
            .unwrap()
            .contains("no local group other than BUILTIN\\Users and BUILTIN\\Guests"),
        "{token:#}"
    );
    assert_unknowns_name_next_steps(&report);

    // Add granted to Users: on Windows 2000 and later Users lists
    // INTERACTIVE, so the account may well have it.
    let users_add = Scenario {
        windows: WindowsRelease::Windows2000,
        ..no_sam().with_pickup_sddl(&pickup_sddl_users_add())
    };
    let report = analyze(&users_add, &[]);
    assert_eq!(check(&report, ACL)["verdict"], "unknown", "{report:#}");
    let text = summary(&report, ACL);
    assert!(text.contains("BUILTIN\\Users"), "{text}");
    assert!(text.contains("--for w2k"), "{text}");

    // Neither group named: decided as before.
    let report = analyze(&no_sam().with_pickup_sddl(&pickup_sddl_read_only()), &[]);
    assert_eq!(check(&report, ACL)["verdict"], "fail", "{report:#}");

    // Nobody may add, and Guests are denied too: the check fails whatever
    // the membership, and the fix removes the Guests entry as a possible
    // cause rather than ignoring it.
    let report = analyze(
        &no_sam().with_pickup_sddl("D:P(D;;0x116;;;BG)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;WD)"),
        &[],
    );
    let acl = check(&report, ACL);
    assert_eq!(acl["verdict"], "fail", "{report:#}");
    let deny = acl["fix"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "remove_deny_entries")
        .unwrap_or_else(|| panic!("{acl:#}"));
    assert_eq!(deny["sid"], "S-1-5-32-546");
    assert!(
        deny["possible_cause"]
            .as_str()
            .unwrap()
            .contains("whether IUSR_EXCH01 is in BUILTIN\\Guests"),
        "{deny:#}"
    );
    assert!(
        acl["summary"]
            .as_str()
            .unwrap()
            .contains("possible cause too: the deny entry for BUILTIN\\Guests (ACE #1)"),
        "{acl:#}"
    );
    assert!(
        acl["remediation"]
            .as_str()
            .unwrap()
            .contains("Possible cause: whether IUSR_EXCH01 is in BUILTIN\\Guests"),
        "{acl:#}"
    );
}

#[test]
fn an_inherit_only_grant_is_said_not_to_apply_to_the_folder() {
    let scenario = Scenario::healthy().with_pickup_sddl(&format!(
        "D:(A;OICIIO;0x1201b6;;;{})(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;WD)",
        iusr_sid()
    ));
    let report = analyze(&scenario, &[]);
    assert_eq!(check(&report, ACL)["verdict"], "fail");
    let text = summary(&report, ACL);
    assert!(
        text.contains("ACE #1 (allow IUSR_EXCH01) would grant it but is inherit-only")
            && text.contains("not to the folder itself"),
        "{text}"
    );
    assert!(!text.contains("no ACE grants it"), "{text}");
}

#[test]
fn a_missing_imc_service_says_the_imc_is_not_installed() {
    let scenario = Scenario {
        imc_service: false,
        rootdir: None,
        ..Scenario::healthy()
    };
    let report = analyze(&scenario, &[]);
    let rootdir = check(&report, ROOTDIR);
    assert_eq!(rootdir["verdict"], "fail");
    let text = rootdir["summary"].as_str().unwrap();
    assert!(
        text.contains("The MSExchangeIMC service is absent")
            && text.contains("Internet Mail Connector (Internet Mail Service) is not installed"),
        "{text}"
    );
    assert!(!text.contains("RootDir is missing"), "{text}");
    // Nothing to set in the registry: the IMC must be installed.
    assert_eq!(rootdir["fix"][0]["action"], "by_hand", "{rootdir:#}");
    assert!(
        rootdir["remediation"]
            .as_str()
            .unwrap()
            .contains("Install the Internet Mail Service"),
        "{rootdir:#}"
    );
    let acl = summary(&report, ACL);
    assert!(
        acl.contains("the Internet Mail Connector is not installed"),
        "{acl}"
    );
    assert_unknowns_name_next_steps(&report);

    // The service with no RootDir is another fault, and says so.
    let report = analyze(
        &Scenario {
            rootdir: None,
            ..Scenario::healthy()
        },
        &[],
    );
    assert!(
        summary(&report, ROOTDIR).contains("service is there but its RootDir is missing"),
        "{report:#}"
    );
}

#[test]
fn every_unknown_names_what_to_collect_for_that_servers_windows() {
    // No SOFTWARE: the version is unknown too, so every script is named.
    let report = analyze(
        &Scenario {
            software_entry: None,
            ..Scenario::healthy()
        },
        &[],
    );
    let text = summary(&report, AM);
    assert!(
        text.contains("the bundle has no SOFTWARE data")
            && text.contains("collect the SOFTWARE hive (Reg\\software.hiv)")
            && text.contains("--for nt4")
            && text.contains("--for w2k")
            && text.contains("--for modern"),
        "{text}"
    );
    assert_unknowns_name_next_steps(&report);

    // No snapshot of the folder, on each Windows: that Windows' script.
    for (release, script, file) in [
        (WindowsRelease::Nt4, "--for nt4", "acl\\pickup-cacls.txt"),
        (
            WindowsRelease::Windows2000,
            "--for w2k",
            "acl\\pickup-cacls.txt",
        ),
        (
            WindowsRelease::Windows2003Sp2,
            "--for w2k",
            "acl\\pickup-cacls.txt",
        ),
    ] {
        let report = analyze(
            &Scenario {
                windows: release,
                snapshots: Vec::new(),
                ..Scenario::healthy()
            },
            &[],
        );
        let text = summary(&report, ACL);
        assert!(
            text.contains(&format!(
                "collect an ACL snapshot of C:\\exchsrvr\\imcdata\\Pickup ({file})"
            )) && text.contains(script),
            "{release:?}: {text}"
        );
        assert_unknowns_name_next_steps(&report);
    }

    // No SYSTEM: RootDir, and so the folder, are unknown.
    let report = analyze(
        &Scenario {
            system_entry: None,
            ..Scenario::healthy()
        },
        &[],
    );
    assert!(
        summary(&report, ROOTDIR).contains("collect the SYSTEM hive (Reg\\system.hiv)"),
        "{report:#}"
    );
    assert!(
        summary(&report, ACL).contains("collect the SYSTEM hive (Reg\\system.hiv)"),
        "{report:#}"
    );
    assert_unknowns_name_next_steps(&report);
}

#[test]
fn disagreeing_snapshots_are_both_named() {
    let mut scenario = Scenario::healthy();
    scenario.snapshots.push(SnapshotSpec {
        entry: "acl/pickup-later.txt".into(),
        format: SnapshotFormat::TabSeparated,
        folders: vec![(
            r"C:\exchsrvr\imcdata\Pickup".into(),
            pickup_sddl_read_only(),
        )],
    });
    let report = analyze(&scenario, &[]);
    let acl = check(&report, ACL);
    assert_eq!(acl["verdict"], "unknown");
    let text = acl["summary"].as_str().unwrap();
    assert!(
        text.contains("acl/pickup.acl line 1") && text.contains("acl/pickup-later.txt line 1"),
        "{text}"
    );
    assert_eq!(
        acl["evidence"]["disagreeing_snapshots"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_unknowns_name_next_steps(&report);

    // The batch table shows the summary too, so the two files are named there.
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.zip", &scenario.entries());
    let b = write(dir.path(), "b.zip", &Scenario::healthy().entries());
    let (_, table, _) = run(&[
        "analyze",
        "--color",
        "never",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert!(table.contains("Q306957.pickup-acl (unknown)"), "{table}");
}

#[test]
fn a_truncated_system_hive_is_damaged_not_absent() {
    let scenario = Scenario::healthy();
    let mut entries = scenario.entries();
    let system = entries
        .iter_mut()
        .find(|(name, _)| name == "Reg/system.hiv")
        .unwrap();
    // The base block and a sliver of the first bin: the root key is gone.
    system.1.truncate(4096 + 64);
    let (status, report) = analyze_entries(&entries, &[]);
    assert_eq!(status, 3, "{report:#}");
    let text = summary(&report, ROOTDIR);
    assert!(
        text.contains("the bundle's SYSTEM hive is damaged and cannot be read")
            && text.contains("Reg/system.hiv"),
        "{text}"
    );
    assert!(!text.contains("no SYSTEM data"), "{text}");
    assert!(
        text.contains("collect a new copy of the SYSTEM hive (Reg\\system.hiv)"),
        "{text}"
    );
    assert_unknowns_name_next_steps(&report);
}

#[test]
fn the_anonymous_account_may_be_given_with_its_computer_or_a_dot() {
    for given in [
        r"EXCH01\IUSR_EXCH01",
        r".\IUSR_EXCH01",
        r"exch01\iusr_exch01",
    ] {
        let report = analyze(&Scenario::healthy(), &["--anonymous-account", given]);
        let acl = check(&report, ACL);
        assert_eq!(acl["verdict"], "pass", "{given}: {acl:#}");
        assert_eq!(
            acl["evidence"]["token"]["account_sid"],
            iusr_sid(),
            "{given}"
        );
    }
    // `acl --account` takes them the same way.
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "b.zip", &Scenario::healthy().entries());
    for given in [r"EXCH01\IUSR_EXCH01", r".\IUSR_EXCH01"] {
        let (status, stdout, _) = run(&[
            "acl",
            "--format",
            "json",
            "--account",
            given,
            path.to_str().unwrap(),
            r"C:\exchsrvr\imcdata\Pickup",
        ]);
        assert_eq!(status, 0);
        let view: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            view["token"]["account_sid"],
            iusr_sid(),
            "{given}: {view:#}"
        );
    }

    // An account the SAM does not hold says so, never "no SAM hive".
    let report = analyze(&Scenario::healthy(), &["--anonymous-account", "IUSR_WEB"]);
    let acl = check(&report, ACL);
    assert_eq!(acl["verdict"], "unknown", "{acl:#}");
    let text = acl["summary"].as_str().unwrap();
    assert!(text.contains("the SAM has no account IUSR_WEB"), "{text}");
    assert!(!text.contains("no SAM hive"), "{text}");
    // The SID it may be is named, with what the SAM calls it.
    assert!(
        text.contains(&format!(
            "the SIDs in the ACL it may be: {} (ACE #1, the SAM's IUSR_EXCH01)",
            iusr_sid()
        )),
        "{text}"
    );
    // Without a SAM the same SID is not resolved to any account.
    let report = analyze(&no_sam(), &[]);
    let text = summary(&report, ACL);
    assert!(
        text.contains(&format!(
            "{} (ACE #1, not resolved to an account)",
            iusr_sid()
        )),
        "{text}"
    );
    assert_unknowns_name_next_steps(&report);
}

#[test]
fn a_hive_read_without_its_logs_flags_the_checks_that_read_it() {
    let stale = Scenario {
        system_entry: Some("Reg/SYSTEM".into()),
        system_write: SystemWrite::LogsMissing,
        ..Scenario::healthy()
    };
    let report = analyze(&stale, &[]);
    // RootDir was written only to the missing log: the hive as it is lacks it.
    let rootdir = check(&report, ROOTDIR);
    assert_eq!(rootdir["verdict"], "fail", "{report:#}");
    let text = rootdir["summary"].as_str().unwrap();
    assert!(
        text.contains("[stale data: the SYSTEM hive's transaction logs"),
        "{text}"
    );
    assert_eq!(
        rootdir["evidence"]["hive_logs_not_applied"][0]["hive"],
        "SYSTEM"
    );
    assert!(
        rootdir["evidence"]["hive_logs_not_applied"][0]["why"]
            .as_str()
            .unwrap()
            .contains("Reg/SYSTEM"),
        "{rootdir:#}"
    );
    // SOFTWARE was whole: its check is not flagged.
    assert!(!summary(&report, AM).contains("stale"), "{report:#}");
    assert!(
        check(&report, AM)["evidence"]
            .get("hive_logs_not_applied")
            .is_none()
    );

    // A passing check from a stale hive is flagged too.
    let stale_pass = Scenario {
        active_messaging: Some(ValueSpec::Dword(1)),
        ..stale.clone()
    };
    let report = analyze(
        &Scenario {
            rootdir: Some(ValueSpec::Sz(r"C:\exchsrvr\imcdata".into())),
            ..stale_pass
        },
        &[],
    );
    for c in report["checks"].as_array().unwrap() {
        if c["id"] != AM {
            assert!(
                c["evidence"].get("hive_logs_not_applied").is_some(),
                "{c:#}"
            );
        }
    }

    // The batch table shows such bundles.
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "stale.zip", &stale.entries());
    let b = write(dir.path(), "clean.zip", &Scenario::healthy().entries());
    let (_, table, _) = run(&[
        "analyze",
        "--color",
        "never",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    let stale_row = table
        .lines()
        .find(|l| l.contains("stale.zip"))
        .unwrap_or_else(|| panic!("{table}"));
    let clean_row = table.lines().find(|l| l.contains("clean.zip")).unwrap();
    assert!(
        table.contains("stale data: hive logs not applied"),
        "{stale_row}\n{table}"
    );
    assert!(!clean_row.contains("stale"), "{clean_row}");
}
