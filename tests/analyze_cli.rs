//! The `analyze` command end to end, through the real binary, on bundles
//! built by the scenario fixtures: each check's pass / fail / unknown, the
//! not-applicable case, every exit code and output format, and bad input.

mod common;

use common::run_hivetriage as run;

use hivetriage::fixture::scenario::{
    MACHINE_SID, Scenario, SnapshotFormat, SnapshotSpec, SystemWrite, ValueSpec, iusr_sid,
    pickup_sddl_read_only, pickup_sddl_with_add, samples,
};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Writes `zip` into a temp dir and returns (dir guard, path).
fn zip_file(zip: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, zip).expect("write zip");
    (dir, path)
}

/// Analyzes one bundle as JSON; returns (exit status, its report).
fn analyze_json(path: &Path, extra: &[&str]) -> (i32, Value) {
    let path = path.to_str().expect("UTF-8 path");
    let mut args = vec!["analyze", "--format", "json", path];
    args.extend_from_slice(extra);
    let (status, stdout, stderr) = run(&args);
    assert_ne!(status, 101, "panicked: {stderr}");
    let reports: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let reports = reports.as_array().expect("a JSON array").clone();
    assert_eq!(reports.len(), 1, "one report for one bundle");
    (status, reports[0].clone())
}

fn analyze_scenario(scenario: &Scenario, extra: &[&str]) -> (i32, Value) {
    let (_dir, path) = zip_file(&scenario.zip(), "bundle.zip");
    analyze_json(&path, extra)
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks array")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {report:#}"))
}

fn verdict<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["verdict"]
        .as_str()
        .expect("verdict string")
}

const AM: &str = "Q306957.active-messaging";
const ROOTDIR: &str = "Q306957.imc-rootdir";
const ACL: &str = "Q306957.pickup-acl";

#[test]
fn every_sample_gives_the_verdict_its_name_says() {
    let expected = [
        ("healthy.zip", 0, ["pass", "pass", "pass"]),
        ("active-messaging-off.zip", 1, ["fail", "pass", "pass"]),
        ("no-imc-rootdir.zip", 1, ["pass", "fail", "unknown"]),
        ("no-add-permission.zip", 1, ["pass", "pass", "fail"]),
        ("guests-denied.zip", 1, ["pass", "pass", "fail"]),
        ("rootdir-in-log.zip", 0, ["pass", "pass", "pass"]),
        ("users-add-windows2000.zip", 0, ["pass", "pass", "pass"]),
        ("not-exchange.zip", 0, ["not_applicable"; 3]),
        ("nt4-cacls.zip", 0, ["pass", "pass", "pass"]),
    ];
    let built: Vec<&str> = samples().iter().map(|s| s.file_name).collect();
    assert_eq!(
        built,
        expected.map(|e| e.0),
        "samples and expectations list the same bundles"
    );
    for (name, status, verdicts) in expected {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples")
            .join(name);
        let committed = std::fs::read(&path).expect("sample committed");
        let sample = samples().into_iter().find(|s| s.file_name == name).unwrap();
        assert_eq!(
            committed,
            sample.scenario.zip(),
            "{name} is out of date: cargo run --example make_samples"
        );
        let (actual_status, report) = analyze_json(&path, &[]);
        assert_eq!(actual_status, status, "{name}");
        for (id, want) in [AM, ROOTDIR, ACL].iter().zip(verdicts) {
            assert_eq!(verdict(&report, id), want, "{name} {id}: {report:#}");
        }
    }
}

#[test]
fn json_report_has_every_contract_field_with_its_type() {
    let (_, report) = analyze_scenario(&Scenario::healthy(), &[]);
    assert!(report["bundle"].as_str().unwrap().ends_with("bundle.zip"));
    assert_eq!(report["verdict"], "pass");
    assert_eq!(report["computer_name"], "EXCH01");
    assert_eq!(report["control_set"], "ControlSet001");
    let sources = report["sources"].as_array().unwrap();
    let kinds: Vec<(&str, &str, &str)> = sources
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["kind"].as_str().unwrap(),
                s["detail"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&("Reg/system.hiv", "hive", "SYSTEM")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("Reg/software.hiv", "hive", "SOFTWARE")),
        "{kinds:?}"
    );
    assert!(kinds.contains(&("Reg/sam.hiv", "hive", "SAM")), "{kinds:?}");
    assert!(
        kinds
            .iter()
            .any(|k| k.0 == "acl/pickup.acl" && k.1 == "acl_snapshot"),
        "{kinds:?}"
    );
    assert_eq!(report["errors"], Value::Array(vec![]));
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 3);
    for c in checks {
        assert!(c["id"].is_string() && c["verdict"].is_string() && c["summary"].is_string());
        assert!(c["evidence"].is_object(), "evidence is an object");
        assert!(
            c["remediation"].is_null(),
            "a passing check has no remediation"
        );
    }
    let am = check(&report, AM);
    assert_eq!(am["evidence"]["key"], "HKLM\\SOFTWARE\\Microsoft\\Exchange");
    assert_eq!(am["evidence"]["type"], "REG_DWORD");
    assert_eq!(am["evidence"]["data"], 1);
    let acl = check(&report, ACL);
    assert_eq!(acl["evidence"]["token"]["account_sid"], iusr_sid());
    assert_eq!(acl["evidence"]["add_granted"], true);
}

#[test]
fn active_messaging_passes_fails_and_is_unknown() {
    for (spec, want) in [
        (Some(ValueSpec::Dword(1)), "pass"),
        (Some(ValueSpec::Dword(0)), "fail"),
        (Some(ValueSpec::Sz("1".into())), "fail"),
        (None, "fail"),
    ] {
        let scenario = Scenario {
            active_messaging: spec.clone(),
            ..Scenario::healthy()
        };
        let (_, report) = analyze_scenario(&scenario, &[]);
        assert_eq!(verdict(&report, AM), want, "{spec:?}");
        if want == "fail" {
            // The sample server runs NT 4.0: no reg.exe, so a REGEDIT4 file
            // imported with regedit (tests/remediation_per_windows.rs covers
            // the other versions).
            let am = check(&report, AM);
            let fix = am["remediation"].as_str().unwrap();
            assert_eq!(
                am["remediation_forms"][0]["commands"],
                serde_json::json!(["regedit /s fix.reg"])
            );
            assert!(fix.contains("regedit /s fix.reg"), "{fix}");
            assert!(
                fix.contains("\"Active Messaging Use Exchange\"=dword:00000001"),
                "{fix}"
            );
            assert!(!fix.contains("reg add"), "{fix}");
        }
    }
    let no_software = Scenario {
        software_entry: None,
        ..Scenario::healthy()
    };
    let (status, report) = analyze_scenario(&no_software, &[]);
    assert_eq!(verdict(&report, AM), "unknown");
    assert!(
        check(&report, AM)["summary"]
            .as_str()
            .unwrap()
            .contains("SOFTWARE")
    );
    assert_eq!(status, 3);
}

#[test]
fn imc_rootdir_passes_fails_and_is_unknown() {
    for (rootdir, imc_service, want) in [
        (Some(ValueSpec::Sz(r"D:\exch\imcdata".into())), true, "pass"),
        (Some(ValueSpec::Sz(String::new())), true, "fail"),
        (None, true, "fail"),
        (Some(ValueSpec::Dword(7)), true, "fail"),
        (None, false, "fail"),
    ] {
        let scenario = Scenario {
            rootdir: rootdir.clone(),
            imc_service,
            ..Scenario::healthy()
        };
        let (_, report) = analyze_scenario(&scenario, &[]);
        assert_eq!(
            verdict(&report, ROOTDIR),
            want,
            "{rootdir:?} service={imc_service}: {report:#}"
        );
    }
    let no_system = Scenario {
        system_entry: None,
        ..Scenario::healthy()
    };
    let (_, report) = analyze_scenario(&no_system, &[]);
    assert_eq!(verdict(&report, ROOTDIR), "unknown");
    assert_eq!(verdict(&report, ACL), "unknown");
    assert_eq!(report["control_set"], Value::Null);
    assert_eq!(report["computer_name"], Value::Null);
}

#[test]
fn pickup_acl_passes_fails_and_is_unknown() {
    let (_, pass) = analyze_scenario(&Scenario::healthy(), &[]);
    assert_eq!(verdict(&pass, ACL), "pass");
    let deciding = &check(&pass, ACL)["evidence"]["deciding_aces"][0];
    assert_eq!(deciding["type"], "allow");
    assert_eq!(deciding["trustee"], iusr_sid());

    let (_, fail) = analyze_scenario(
        &Scenario::healthy().with_pickup_sddl(&pickup_sddl_read_only()),
        &[],
    );
    assert_eq!(verdict(&fail, ACL), "fail");
    let fix = check(&fail, ACL)["remediation"].as_str().unwrap();
    // NT 4.0 has no icacls, and its cacls cannot grant Add alone: the
    // article's Explorer steps, after saving the ACL.
    assert!(fix.starts_with("On Windows NT 4.0"), "{fix}");
    assert!(!fix.contains("icacls"), "{fix}");
    assert!(
        fix.contains(
            r#"if not exist "Pickup-acl-before.txt" cacls "C:\exchsrvr\imcdata\Pickup" > "Pickup-acl-before.txt""#
        ),
        "{fix}"
    );
    assert!(fix.contains("Type of Access: Add"), "{fix}");

    let no_snapshot = Scenario {
        snapshots: Vec::new(),
        ..Scenario::healthy()
    };
    let (_, unknown) = analyze_scenario(&no_snapshot, &[]);
    assert_eq!(verdict(&unknown, ACL), "unknown");
    assert!(
        check(&unknown, ACL)["summary"]
            .as_str()
            .unwrap()
            .contains("No ACL snapshot")
    );
}

#[test]
fn without_sam_an_acl_naming_a_local_sid_is_unknown_but_well_known_sids_decide() {
    let no_sam = Scenario {
        sam_entry: None,
        ..Scenario::healthy()
    };
    // The grant names the account's SID, which only the SAM could confirm.
    let (status, report) = analyze_scenario(&no_sam, &[]);
    assert_eq!(verdict(&report, ACL), "unknown", "{report:#}");
    assert_eq!(status, 3);
    let unknown = &check(&report, ACL)["evidence"]["token"]["unknown"];
    assert!(
        !unknown.as_array().unwrap().is_empty(),
        "the token says what is unknown"
    );

    // Everyone may add: the same answer whoever the account is.
    let everyone = no_sam.clone().with_pickup_sddl("D:(A;;0x1201b6;;;WD)");
    let (_, report) = analyze_scenario(&everyone, &[]);
    assert_eq!(verdict(&report, ACL), "pass", "{report:#}");
    // Only read for everyone: nobody can add, decided without a SAM too.
    let read_only = no_sam.with_pickup_sddl(&pickup_sddl_read_only());
    let (_, report) = analyze_scenario(&read_only, &[]);
    assert_eq!(verdict(&report, ACL), "fail", "{report:#}");
}

#[test]
fn a_token_group_from_sam_grants_the_right() {
    let guests_may_add =
        Scenario::healthy().with_pickup_sddl("D:(A;;0x1201b6;;;BG)(A;OICI;FA;;;BA)");
    let (_, report) = analyze_scenario(&guests_may_add, &[]);
    assert_eq!(verdict(&report, ACL), "pass", "{report:#}");
    let evidence = &check(&report, ACL)["evidence"];
    assert_eq!(evidence["deciding_aces"][0]["name"], "BUILTIN\\Guests");
    let groups: Vec<&str> = evidence["token"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["sid"].as_str().unwrap())
        .collect();
    assert!(groups.contains(&"S-1-5-32-546"), "{groups:?}");
}

#[test]
fn a_configured_anonymous_account_missing_from_sam_makes_a_local_sid_grant_undecided() {
    let (_, report) = analyze_scenario(
        &Scenario::healthy(),
        &["--anonymous-account", "IUSR_WEBFARM"],
    );
    assert_eq!(check(&report, ACL)["evidence"]["account"], "IUSR_WEBFARM");
    assert_eq!(verdict(&report, ACL), "unknown", "{report:#}");
}

#[test]
fn control_set_002_is_used_when_select_current_says_so() {
    let scenario = Scenario {
        current_control_set: 2,
        ..Scenario::healthy()
    };
    let (status, report) = analyze_scenario(&scenario, &[]);
    assert_eq!(report["control_set"], "ControlSet002");
    // ControlSet001 holds STALE-CS and D:\stale\imcdata: using it would show.
    assert_eq!(report["computer_name"], "EXCH01");
    let rootdir = check(&report, ROOTDIR);
    assert_eq!(
        rootdir["evidence"]["key"],
        "HKLM\\SYSTEM\\ControlSet002\\Services\\MSExchangeIMC\\Parameters"
    );
    assert_eq!(rootdir["evidence"]["data"], "C:\\exchsrvr\\imcdata");
    assert_eq!(status, 0, "{report:#}");
}

#[test]
fn expand_sz_rootdir_is_expanded_and_dot_dot_resolved_before_matching() {
    let scenario = Scenario {
        rootdir: Some(ValueSpec::ExpandSz(
            r"%SystemRoot%\..\exchsrvr\imcdata".into(),
        )),
        ..Scenario::healthy()
    };
    let (status, report) = analyze_scenario(&scenario, &[]);
    let rootdir = check(&report, ROOTDIR);
    assert_eq!(rootdir["evidence"]["type"], "REG_EXPAND_SZ");
    assert_eq!(
        rootdir["evidence"]["expanded"],
        r"C:\WINNT\..\exchsrvr\imcdata"
    );
    assert_eq!(
        rootdir["evidence"]["pickup_folder"],
        r"C:\exchsrvr\imcdata\Pickup"
    );
    assert_eq!(verdict(&report, ACL), "pass", "{report:#}");
    assert_eq!(status, 0);

    // Without SOFTWARE, %SystemRoot% cannot be expanded: the folder is unknown.
    let no_software = Scenario {
        software_entry: None,
        ..scenario
    };
    let (_, report) = analyze_scenario(&no_software, &[]);
    assert_eq!(verdict(&report, ACL), "unknown", "{report:#}");
}

fn with_snapshots(snapshots: Vec<SnapshotSpec>) -> Scenario {
    Scenario {
        snapshots,
        ..Scenario::healthy()
    }
}

#[test]
fn relative_icacls_names_match_by_trailing_components() {
    let two = with_snapshots(vec![SnapshotSpec {
        entry: "acl/imcdata.acl".into(),
        format: SnapshotFormat::IcaclsSave { bom: true },
        folders: vec![
            ("imcdata".into(), pickup_sddl_read_only()),
            (r"imcdata\Pickup".into(), pickup_sddl_with_add()),
            (r"imcdata\Pickup\old".into(), pickup_sddl_read_only()),
        ],
    }]);
    let (_, report) = analyze_scenario(&two, &[]);
    assert_eq!(verdict(&report, ACL), "pass", "{report:#}");
    let snapshots = check(&report, ACL)["evidence"]["snapshots"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(snapshots.len(), 1);
    assert_eq!(snapshots[0]["path"], r"imcdata\Pickup");
    assert!(
        snapshots[0]["matched"]
            .as_str()
            .unwrap()
            .contains("2 component")
    );

    let elsewhere = with_snapshots(vec![SnapshotSpec {
        entry: "acl/other.acl".into(),
        format: SnapshotFormat::IcaclsSave { bom: false },
        folders: vec![(r"otherdata\Pickup".into(), pickup_sddl_with_add())],
    }]);
    let (_, report) = analyze_scenario(&elsewhere, &[]);
    assert_eq!(
        verdict(&report, ACL),
        "unknown",
        "another folder's Pickup does not match"
    );
}

#[test]
fn snapshots_in_every_sddl_form_give_the_same_verdict() {
    for format in [
        SnapshotFormat::IcaclsSave { bom: true },
        SnapshotFormat::IcaclsSave { bom: false },
        SnapshotFormat::TabSeparated,
        SnapshotFormat::GetAcl { width: 80 },
    ] {
        for (sddl, want) in [
            (pickup_sddl_with_add(), "pass"),
            (pickup_sddl_read_only(), "fail"),
        ] {
            let scenario = with_snapshots(vec![SnapshotSpec {
                entry: "acl/pickup.txt".into(),
                format,
                folders: vec![(r"C:\exchsrvr\imcdata\Pickup".into(), sddl)],
            }]);
            let (_, report) = analyze_scenario(&scenario, &[]);
            assert_eq!(verdict(&report, ACL), want, "{format:?}: {report:#}");
        }
    }
}

#[test]
fn conflicting_snapshots_are_unknown_with_both_shown() {
    let scenario = with_snapshots(vec![
        SnapshotSpec {
            entry: "acl/pickup.acl".into(),
            format: SnapshotFormat::IcaclsSave { bom: false },
            folders: vec![("Pickup".into(), pickup_sddl_with_add())],
        },
        SnapshotSpec {
            entry: "acl/folders.txt".into(),
            format: SnapshotFormat::TabSeparated,
            folders: vec![(
                r"c:\EXCHSRVR\imcdata\pickup".into(),
                pickup_sddl_read_only(),
            )],
        },
    ]);
    let (status, report) = analyze_scenario(&scenario, &[]);
    assert_eq!(verdict(&report, ACL), "unknown", "{report:#}");
    let shown = check(&report, ACL)["evidence"]["snapshots"]
        .as_array()
        .unwrap()
        .clone();
    let sources: Vec<&str> = shown
        .iter()
        .map(|s| s["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert!(sources.contains(&"acl/pickup.acl") && sources.contains(&"acl/folders.txt"));
    assert_eq!(status, 3);
}

#[test]
fn not_exchange_is_not_applicable_only_with_both_hives() {
    let plain = Scenario {
        exchange_key: false,
        active_messaging: None,
        imc_service: false,
        rootdir: None,
        ..Scenario::healthy()
    };
    let (status, report) = analyze_scenario(&plain, &[]);
    assert_eq!(report["verdict"], "not_applicable");
    assert_eq!(status, 0);
    // Without SOFTWARE we cannot tell there is no Exchange key.
    let (status, report) = analyze_scenario(
        &Scenario {
            software_entry: None,
            ..plain
        },
        &[],
    );
    assert_ne!(report["verdict"], "not_applicable");
    assert_ne!(status, 0);
}

#[test]
fn exit_status_two_for_bad_usage_and_when_no_input_opens() {
    let (status, _, stderr) = run(&["analyze", "--format", "yaml", "x.zip"]);
    assert_eq!(status, 2, "{stderr}");
    let (status, _, _) = run(&["analyze"]);
    assert_eq!(status, 2);
    let (status, stdout, stderr) = run(&["analyze", "/nonexistent/bundle.zip"]);
    assert_eq!(status, 2);
    assert!(stdout.is_empty());
    assert!(stderr.contains("/nonexistent/bundle.zip"), "{stderr}");
}

#[test]
fn exit_status_three_for_an_unreadable_bundle_and_one_wins_over_it() {
    let (_dir, not_zip) = zip_file(b"this is not a zip file at all", "case.zip");
    let (status, report) = analyze_json(&not_zip, &[]);
    assert_eq!(status, 3);
    assert_eq!(report["verdict"], "error");
    assert_eq!(report["checks"], Value::Array(vec![]));
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors[0].as_str().unwrap().contains("not a zip"),
        "{errors:?}"
    );

    let (_d2, failing) = zip_file(
        &Scenario::healthy()
            .with_pickup_sddl(&pickup_sddl_read_only())
            .zip(),
        "f.zip",
    );
    let (status, stdout, _) = run(&[
        "analyze",
        "--format",
        "jsonl",
        not_zip.to_str().unwrap(),
        failing.to_str().unwrap(),
    ]);
    assert_eq!(
        status, 1,
        "a failing check decides the status even beside an error"
    );
    assert_eq!(stdout.lines().count(), 2);
    for line in stdout.lines() {
        serde_json::from_str::<Value>(line).expect("each line is JSON");
    }
}

#[test]
fn every_output_format_renders_the_same_checks() {
    let (_dir, path) = zip_file(
        &Scenario::healthy()
            .with_pickup_sddl(&pickup_sddl_read_only())
            .zip(),
        "case.zip",
    );
    let path = path.to_str().unwrap();
    let (status, table, _) = run(&["analyze", path]);
    assert_eq!(status, 1);
    for id in [AM, ROOTDIR, ACL] {
        assert!(table.contains(id), "table lists {id}");
    }
    let (_, jsonl, _) = run(&["analyze", "--format", "jsonl", path]);
    assert_eq!(jsonl.lines().count(), 1);
    let line: Value = serde_json::from_str(jsonl.trim()).unwrap();
    assert_eq!(line["verdict"], "fail");

    let (_, csv, _) = run(&["analyze", "--format", "csv", path]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "bundle,bundle_verdict,computer_name,control_set,check_id,verdict,summary,remediation,errors"
    );
    let rows: Vec<&str> = csv.lines().filter(|l| l.contains("Q306957.")).collect();
    assert_eq!(rows.len(), 3, "{csv}");
    assert!(
        rows.iter().any(|r| r.contains("Q306957.pickup-acl,fail,")),
        "{csv}"
    );

    let (_, markdown, _) = run(&["analyze", "--format", "markdown", path]);
    assert!(markdown.starts_with("# "), "{markdown}");
    assert!(markdown.contains("FAIL"));
    assert!(
        markdown.contains("## Q306957.pickup-acl — fail"),
        "{markdown}"
    );
    assert!(markdown.contains("## Passing checks"));
}

#[test]
fn a_folder_of_bundles_gives_one_report_per_bundle_in_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("b-fail.zip"),
        Scenario::healthy()
            .with_pickup_sddl(&pickup_sddl_read_only())
            .zip(),
    )
    .unwrap();
    std::fs::write(dir.path().join("a-pass.zip"), Scenario::healthy().zip()).unwrap();
    Scenario::healthy()
        .write_dir(&dir.path().join("c-dir"))
        .unwrap();
    std::fs::write(dir.path().join("d-broken.zip"), b"PK\x03\x04 truncated").unwrap();
    let (status, stdout, _) = run(&[
        "analyze",
        "--format",
        "json",
        "-j",
        "2",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(status, 1);
    let reports: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    let summary: Vec<(String, &str)> = reports
        .iter()
        .map(|r| {
            let bundle = r["bundle"].as_str().unwrap();
            (
                Path::new(bundle)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                r["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("a-pass.zip".to_string(), "pass"),
            ("b-fail.zip".to_string(), "fail"),
            ("c-dir".to_string(), "pass"),
            ("d-broken.zip".to_string(), "error"),
        ]
    );
}

#[test]
fn hostile_entry_names_are_listed_and_change_nothing() {
    let mut entries = Scenario::healthy().entries();
    entries[0].0 = "../../etc/system.hiv".to_string();
    entries[1].0 = "C:/Windows/System32/config/SOFTWARE".to_string();
    entries[2].0 = "/abs/sam".to_string();
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let (_dir, path) = zip_file(
        &hivetriage::fixture::zip::zip_bytes(&borrowed),
        "hostile.zip",
    );
    let (status, report) = analyze_json(&path, &[]);
    assert_eq!(report["verdict"], "pass", "{report:#}");
    assert_eq!(status, 0);
    let errors: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("../../etc/system.hiv")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("C:/Windows")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("/abs/sam")), "{errors:?}");
}

#[test]
fn empty_zip_and_truncated_hive_are_explained_not_fatal() {
    let (_d1, empty) = zip_file(&hivetriage::fixture::zip::zip_bytes(&[]), "empty.zip");
    let (status, report) = analyze_json(&empty, &[]);
    assert_eq!(status, 3);
    assert_eq!(report["verdict"], "unknown");

    let mut entries = Scenario::healthy().entries();
    entries[0].1.truncate(4096 + 1000);
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let (_d2, path) = zip_file(
        &hivetriage::fixture::zip::zip_bytes(&borrowed),
        "truncated.zip",
    );
    let (status, report) = analyze_json(&path, &[]);
    assert!(status == 3 || status == 1, "{report:#}");
    let errors = report["errors"].to_string();
    assert!(
        errors.contains("Reg/system.hiv"),
        "the message names the file: {errors}"
    );
    assert_eq!(verdict(&report, AM), "pass", "the other checks still run");
    assert_eq!(verdict(&report, ROOTDIR), "unknown", "{report:#}");
}

#[test]
fn entries_over_the_size_limit_and_zip_bombs_are_refused_while_the_rest_is_read() {
    let (_d1, path) = zip_file(&Scenario::healthy().zip(), "big.zip");
    let (status, report) = analyze_json(&path, &["--max-entry-size", "8K"]);
    let errors = report["errors"].to_string();
    assert!(errors.contains("refused"), "{errors}");
    assert_eq!(status, 3, "{report:#}");

    let entries = Scenario::healthy().entries();
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    // 512 MiB of zeros in about half a megabyte, beside a healthy bundle.
    let bomb = hivetriage::fixture::zip::zip_bomb("dump/memory.dmp", 512 << 20, &borrowed);
    let (_d2, path) = zip_file(&bomb, "bomb.zip");
    let (status, report) = analyze_json(&path, &["--max-entry-size", "64M"]);
    // Not a format this tool reads: only its first bytes were inflated.
    assert_eq!(report["verdict"], "pass", "{report:#}");
    assert_eq!(status, 0);

    // A bomb that looks like a hive is needed, so it is inflated: within the
    // bound, whether its header tells the truth about its size or not.
    let mut fake_hive = Scenario::healthy().system_hive()[..4096].to_vec();
    fake_hive.resize(48 << 20, 0);
    let with_bomb = |declared: Option<u32>| {
        let mut entries = Scenario::healthy().entries();
        entries[0] = ("Reg/system.hiv".to_string(), fake_hive.clone());
        let borrowed: Vec<(&str, &[u8])> = entries
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        let zip = hivetriage::fixture::zip::zip_bytes(&borrowed);
        match declared {
            Some(size) => {
                hivetriage::fixture::zip::with_declared_size(&zip, "Reg/system.hiv", size)
            }
            None => zip,
        }
    };
    for declared in [None, Some(8192)] {
        let (_d3, path) = zip_file(&with_bomb(declared), "hive-bomb.zip");
        let (status, report) = analyze_json(&path, &["--max-entry-size", "1M"]);
        let errors = report["errors"].to_string();
        // A truthful header is refused before inflating; a lying one stops
        // at its declared size (the zip crate checks that).
        let explained = errors.contains("refused") || errors.contains("larger than its declared");
        assert!(
            errors.contains("Reg/system.hiv") && explained,
            "{declared:?}: {errors}"
        );
        assert_eq!(verdict(&report, AM), "pass", "the other checks still run");
        assert_eq!(verdict(&report, ROOTDIR), "unknown");
        assert_eq!(status, 3);
    }
}

#[test]
fn two_system_hives_are_an_error_not_a_guess() {
    let mut entries = Scenario::healthy().entries();
    let other = Scenario {
        computer_name: Some("OTHER".into()),
        ..Scenario::healthy()
    };
    entries.push(("backup/SYSTEM.SAV".into(), other.system_hive()));
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let (_d, path) = zip_file(&hivetriage::fixture::zip::zip_bytes(&borrowed), "dup.zip");
    let (_, report) = analyze_json(&path, &[]);
    let errors = report["errors"].to_string();
    assert!(errors.contains("2 SYSTEM hives"), "{errors}");
    assert_eq!(verdict(&report, ROOTDIR), "unknown");
    assert_eq!(report["computer_name"], Value::Null);
}

#[test]
fn real_system_hive_gives_the_control_set_and_computer_name_the_corpus_states() {
    let Some(system) = common::shared_xz_file("corpus/regipy/SYSTEM.xz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("SYSTEM"), system).unwrap();
    let (_, report) = analyze_json(dir.path(), &[]);
    assert_eq!(report["control_set"], "ControlSet001");
    assert_eq!(report["computer_name"], "WKS-WIN732BITA");
    // Windows 7 without Exchange: no IMC service key.
    assert_eq!(verdict(&report, ROOTDIR), "fail", "{report:#}");
}

#[test]
fn every_broken_corpus_hive_gives_a_clear_error_naming_the_file() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    for name in [
        "BadListHive",
        "BadSubkeyHive",
        "TruncatedHive",
        "TruncatedNameHive",
        "GarbageHive",
        "BadBaseBlockHive/BadBaseBlockHive",
    ] {
        let bytes = std::fs::read(shared.join("corpus/yarp").join(name)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = Path::new(name).file_name().unwrap();
        std::fs::write(dir.path().join(file), bytes).unwrap();
        let (status, report) = analyze_json(dir.path(), &[]);
        assert!(matches!(status, 1 | 3), "{name}: status {status}");
        let text = report.to_string();
        assert!(
            text.contains(file.to_str().unwrap()),
            "{name}: the report names the file: {text}"
        );
    }
    // A bundle the sample machine could send, plus its SID, stays consistent.
    assert!(MACHINE_SID.starts_with("S-1-5-21-"));
}

/// The bundle's sources as (name, kind, detail).
fn sources(report: &Value) -> Vec<(String, String, String)> {
    report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["kind"].as_str().unwrap().to_string(),
                s["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn detail_of(report: &Value, name: &str) -> String {
    sources(report)
        .into_iter()
        .find(|s| s.0 == name)
        .unwrap_or_else(|| panic!("no source {name}: {report:#}"))
        .2
}

/// Zips entries given by name.
fn zip_of(entries: &[(String, Vec<u8>)]) -> (tempfile::TempDir, PathBuf) {
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    zip_file(
        &hivetriage::fixture::zip::zip_bytes(&borrowed),
        "bundle.zip",
    )
}

fn logged(write: SystemWrite) -> Scenario {
    Scenario {
        system_entry: Some("Reg/SYSTEM".into()),
        system_write: write,
        ..Scenario::healthy()
    }
}

#[test]
fn a_rootdir_only_in_the_transaction_logs_is_found_by_applying_them() {
    for (write, log_details) in [
        (
            SystemWrite::LoggedOldFormat,
            vec![(
                "Reg/SYSTEM.LOG",
                "log of Reg/SYSTEM: applied 8 dirty pages of 512 bytes (old format)",
            )],
        ),
        (
            SystemWrite::LoggedNewFormat,
            vec![
                (
                    "Reg/SYSTEM.LOG1",
                    "log of Reg/SYSTEM: applied 1 entry (sequence 1)",
                ),
                (
                    "Reg/SYSTEM.LOG2",
                    "log of Reg/SYSTEM: not applied: the log is empty",
                ),
            ],
        ),
        // As Windows 8.1 and later leave it: the logs start after the
        // hive's secondary sequence number, LOG2 older than the hive.
        (
            SystemWrite::LoggedNewFormatAfterGap,
            vec![
                (
                    "Reg/SYSTEM.LOG1",
                    "log of Reg/SYSTEM: applied 1 entry (sequence 2107), starting after the \
                     hive's secondary sequence number 2093: entries 2093..2106 are in no log \
                     (already written to the hive, or lost), and Windows recovers the same way",
                ),
                (
                    "Reg/SYSTEM.LOG2",
                    "log of Reg/SYSTEM: not applied: not eligible: its entries start at sequence \
                     2080, before the hive's secondary sequence number 2093, so they are older \
                     than the hive (Windows skips such a log)",
                ),
            ],
        ),
    ] {
        let (status, report) = analyze_scenario(&logged(write), &[]);
        assert_eq!(report["errors"], Value::Array(vec![]), "{write:?}");
        for (name, detail) in log_details {
            assert_eq!(detail_of(&report, name), detail, "{write:?}");
            assert!(
                sources(&report)
                    .iter()
                    .any(|s| s.0 == name && s.1 == "transaction_log")
            );
        }
        assert_eq!(detail_of(&report, "Reg/SYSTEM"), "SYSTEM");
        let rootdir = check(&report, ROOTDIR);
        assert_eq!(rootdir["verdict"], "pass", "{write:?}: {report:#}");
        assert_eq!(rootdir["evidence"]["data"], "C:\\exchsrvr\\imcdata");
        assert_eq!(verdict(&report, ACL), "pass", "{report:#}");
        assert_eq!(status, 0);
    }
}

#[test]
fn without_the_log_after_the_gap_the_rootdir_check_fails() {
    // The same bundle without LOG1: LOG2 alone is older than the hive, so
    // nothing applies and the stale hive (no RootDir) is read, and said.
    let entries: Vec<(String, Vec<u8>)> = logged(SystemWrite::LoggedNewFormatAfterGap)
        .entries()
        .into_iter()
        .filter(|(name, _)| name != "Reg/SYSTEM.LOG1")
        .collect();
    let (_dir, path) = zip_of(&entries);
    let (status, report) = analyze_json(&path, &[]);
    assert_eq!(verdict(&report, ROOTDIR), "fail", "{report:#}");
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].as_str().unwrap().starts_with(
            "Reg/SYSTEM: dirty hive (sequence numbers 2094/2093): changes still in its \
             transaction logs are missing; no logs were applied (Reg/SYSTEM.LOG2: not eligible"
        ),
        "{errors:?}"
    );
    assert_eq!(status, 1);
}

#[test]
fn a_dirty_hive_without_usable_logs_is_read_as_it_is_and_said() {
    let (status, report) = analyze_scenario(&logged(SystemWrite::LogsMissing), &[]);
    assert_eq!(verdict(&report, ROOTDIR), "fail", "{report:#}");
    assert_eq!(
        verdict(&report, ACL),
        "unknown",
        "no RootDir, no pickup folder"
    );
    assert_eq!(
        report["errors"],
        serde_json::json!([
            "Reg/SYSTEM: dirty hive (sequence numbers 2/1): changes still in its transaction \
             logs are missing; no logs were applied"
        ])
    );
    assert_eq!(status, 1);

    // The log is there but damaged: refused, and the warning says why.
    let mut entries = logged(SystemWrite::LoggedOldFormat).entries();
    let log = entries
        .iter_mut()
        .find(|(name, _)| name == "Reg/SYSTEM.LOG")
        .unwrap();
    let last = log.1.len() - 1;
    log.1.truncate(last);
    let (_dir, path) = zip_of(&entries);
    let (status, report) = analyze_json(&path, &[]);
    assert_eq!(verdict(&report, ROOTDIR), "fail", "{report:#}");
    let detail = detail_of(&report, "Reg/SYSTEM.LOG");
    assert!(
        detail.starts_with("log of Reg/SYSTEM: not applied: the log is truncated: 8 dirty pages"),
        "{detail}"
    );
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = errors[0].as_str().unwrap();
    assert!(
        error.starts_with(
            "Reg/SYSTEM: dirty hive (sequence numbers 2/1): changes still in its transaction \
             logs are missing; no logs were applied (Reg/SYSTEM.LOG: the log is truncated"
        ),
        "{error}"
    );
    assert_eq!(status, 1);
}

#[test]
fn logs_pair_with_their_hive_by_name_in_any_case_and_alone_are_listed() {
    // `system` with `SYSTEM.log` and an empty `system.LOG2`: paired.
    let entries: Vec<(String, Vec<u8>)> = logged(SystemWrite::LoggedOldFormat)
        .entries()
        .into_iter()
        .map(|(name, bytes)| match name.as_str() {
            "Reg/SYSTEM" => ("Reg/system".to_string(), bytes),
            "Reg/SYSTEM.LOG" => ("Reg/SYSTEM.log".to_string(), bytes),
            _ => (name, bytes),
        })
        .chain([("Reg/system.LOG2".to_string(), Vec::new())])
        .collect();
    let (_dir, path) = zip_of(&entries);
    let (status, report) = analyze_json(&path, &[]);
    assert_eq!(verdict(&report, ROOTDIR), "pass", "{report:#}");
    assert_eq!(
        detail_of(&report, "Reg/system.LOG2"),
        "log of Reg/system: not applied: the log is empty"
    );
    assert_eq!(status, 0);

    // A log without its hive, and a clean hive's log.
    let mut entries = Scenario::healthy().entries();
    let files = logged(SystemWrite::LoggedOldFormat).entries();
    let log = files.iter().find(|(n, _)| n == "Reg/SYSTEM.LOG").unwrap();
    entries.push(("Reg/SYSTEM.LOG".into(), log.1.clone()));
    entries.push(("Reg/system.hiv.LOG1".into(), log.1.clone()));
    let (_dir, path) = zip_of(&entries);
    let (status, report) = analyze_json(&path, &[]);
    assert_eq!(
        detail_of(&report, "Reg/SYSTEM.LOG"),
        "log of Reg/SYSTEM: not applied: the bundle holds no hive named Reg/SYSTEM"
    );
    assert_eq!(
        detail_of(&report, "Reg/system.hiv.LOG1"),
        "log of Reg/system.hiv: not applied: the hive is clean"
    );
    assert_eq!(report["errors"], Value::Array(vec![]));
    assert_eq!(status, 0);
}

#[test]
fn every_corpus_log_and_dirty_hive_gets_a_clear_result() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    let yarp = shared.join("corpus/yarp");
    for (folder, hive, expected) in [
        (
            "NewDirtyHive1",
            "NewDirtyHive",
            [
                "log of NewDirtyHive: applied 1 entry (sequence 2)",
                "log of NewDirtyHive: applied 3 entries (sequence 3..5)",
            ],
        ),
        (
            "OldDirtyHive",
            "OldDirtyHive",
            [
                "log of OldDirtyHive: applied 64 dirty pages of 512 bytes (old format)",
                "log of OldDirtyHive: not applied: the log is empty",
            ],
        ),
        (
            "BadBaseBlockHive",
            "BadBaseBlockHive",
            [
                "log of BadBaseBlockHive: applied 64 dirty pages of 512 bytes (old format); the \
                 hive's damaged base block was replaced by the log's",
                "log of BadBaseBlockHive: not applied: the log is empty",
            ],
        ),
    ] {
        // The hive and its logs only (Windows' recovered copy would be a
        // second hive of the folder).
        let dir = tempfile::tempdir().unwrap();
        for name in [
            hive.to_string(),
            format!("{hive}.LOG1"),
            format!("{hive}.LOG2"),
        ] {
            std::fs::copy(yarp.join(folder).join(&name), dir.path().join(&name)).unwrap();
        }
        let (status, report) = analyze_json(dir.path(), &[]);
        assert_eq!(detail_of(&report, &format!("{hive}.LOG1")), expected[0]);
        assert_eq!(detail_of(&report, &format!("{hive}.LOG2")), expected[1]);
        // yarp's test hives are no machine hive: listed, not used, and
        // read without a dirty warning (the logs were applied).
        let hive_detail = detail_of(&report, hive);
        assert!(
            hive_detail.starts_with("unidentified hive"),
            "{hive_detail}"
        );
        assert!(
            !report["errors"].to_string().contains("dirty hive"),
            "{folder}: {report:#}"
        );
        assert_eq!(status, 3, "{folder}: nothing to decide");

        // Without its logs: the dirty warning, for the hive as it is.
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(yarp.join(folder).join(hive), dir.path().join(hive)).unwrap();
        let (_, report) = analyze_json(dir.path(), &[]);
        let numbers = if folder == "NewDirtyHive1" {
            "3/2"
        } else {
            "5/4"
        };
        let warning = format!(
            "{hive}: dirty hive (sequence numbers {numbers}): changes still in its transaction \
             logs are missing; no logs were applied"
        );
        assert!(
            report["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e == &Value::String(warning.clone())),
            "{folder}: {report:#}"
        );
    }
}

#[test]
fn a_log_named_for_its_hive_without_a_base_block_is_paired_and_refused() {
    let mut entries = logged(SystemWrite::LogsMissing).entries();
    entries.push(("Reg/SYSTEM.LOG1".into(), b"not a log at all".to_vec()));
    entries.push(("logs/setup.log".into(), b"text log lines".to_vec()));
    let (_dir, path) = zip_of(&entries);
    let (_, report) = analyze_json(&path, &[]);
    assert_eq!(
        detail_of(&report, "Reg/SYSTEM.LOG1"),
        "log of Reg/SYSTEM: not applied: the log does not start with a base block (signature \
         \"regf\"; first bytes 6e6f7420) (at byte offset 0x0)"
    );
    let setup = sources(&report)
        .into_iter()
        .find(|s| s.0 == "logs/setup.log")
        .unwrap();
    assert_eq!(
        setup.1, "ignored",
        "a text .log beside no hive is no transaction log"
    );
    assert!(
        report["errors"][0]
            .as_str()
            .unwrap()
            .contains("no logs were applied (Reg/SYSTEM.LOG1: the log does not start")
    );
}
