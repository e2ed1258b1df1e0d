//! `hivetriage acl` through the real binary, and binary descriptors named
//! by `manifest.toml` through `analyze` (good, malformed, missing, broken).

mod common;

use common::run_hivetriage as run;

use hivetriage::fixture::acl::{binary_descriptor, manifest_toml};
use hivetriage::fixture::scenario::{Scenario, SnapshotFormat, SnapshotSpec, pickup_sddl_with_add};
use hivetriage::fixture::zip::zip_bytes;
use serde_json::Value;
use std::path::{Path, PathBuf};

const PICKUP: &str = "C:\\exchsrvr\\imcdata\\Pickup";

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn acl_shows_why_the_account_lacks_add() {
    let (status, out, err) = run(&["acl", &sample("no-add-permission.zip"), PICKUP]);
    assert_eq!(status, 0, "{err}");
    for expected in [
        "relative name 'Pickup' matched the last 1 component(s)",
        "Everyone",
        "S-1-1-0",
        "0x001200a9",
        "Account: IUSR_EXCH01 (SID S-1-5-21-2711440353-3069573062-1720508899-1001)",
        "no  FILE_ADD_FILE            not granted by any ACE",
        "Add (FILE_ADD_FILE, what Q306957 needs): NOT granted",
        "ACE #1 BUILTIN\\Administrators: not the account or one of its groups",
        "ACE #3 Everyone: applies, but does not name Add",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in\n{out}");
    }
    let (status, out, _) = run(&["acl", &sample("guests-denied.zip"), PICKUP]);
    assert_eq!(status, 0);
    assert!(out.contains("NOT granted (decided by ACE #1)"), "{out}");
    assert!(
        out.contains("ACE #1 BUILTIN\\Guests: applies and denies Add"),
        "{out}"
    );
}

#[test]
fn acl_json_and_another_account() {
    let (status, out, _) = run(&["acl", "--format", "json", &sample("healthy.zip"), PICKUP]);
    assert_eq!(status, 0);
    let view: Value = serde_json::from_str(&out).expect("JSON");
    let snapshot = &view["snapshots"][0];
    assert_eq!(snapshot["aces"].as_array().unwrap().len(), 4);
    assert_eq!(snapshot["aces"][0]["principal"], "EXCH01\\IUSR_EXCH01");
    assert_eq!(
        snapshot["aces"][0]["inheritance"],
        serde_json::json!(["CI"])
    );
    assert_eq!(snapshot["access"]["add"]["granted"], true);
    assert_eq!(
        snapshot["access"]["add"]["deciding_aces"],
        serde_json::json!([1])
    );
    assert_eq!(snapshot["access"]["effective_mask"], "0x001201bf");
    // IWAM is not named by the ACL: only Everyone's read applies.
    let (status, out, _) = run(&[
        "acl",
        "--format",
        "json",
        "--account",
        "IWAM_EXCH01",
        &sample("healthy.zip"),
        PICKUP,
    ]);
    assert_eq!(status, 0);
    let view: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(view["snapshots"][0]["access"]["add"]["granted"], false);
    assert_eq!(
        view["snapshots"][0]["access"]["effective_mask"],
        "0x001200a9"
    );
}

#[test]
fn acl_exit_statuses() {
    let (status, out, _) = run(&["acl", &sample("healthy.zip"), "C:\\elsewhere"]);
    assert_eq!(status, 3);
    assert!(
        out.contains("No ACL snapshot of this folder") && out.contains("Pickup"),
        "{out}"
    );
    let dir = tempfile::tempdir().unwrap();
    let junk = write(&dir, "junk.zip", b"not a zip at all");
    let (status, _, err) = run(&["acl", junk.to_str().unwrap(), PICKUP]);
    assert_eq!(status, 3, "{err}");
    assert!(err.contains("junk.zip"), "{err}");
    let (status, _, _) = run(&["acl", &sample("healthy.zip")]);
    assert_eq!(status, 2, "a missing folder argument is bad usage");
    let (status, _, _) = run(&["acl", "--format", "xml", &sample("healthy.zip"), PICKUP]);
    assert_eq!(status, 2);
    let (status, out, _) = run(&["acl", "--help"]);
    assert_eq!(status, 0);
    assert!(
        out.contains("hivetriage acl samples/no-add-permission.zip"),
        "{out}"
    );
}

#[test]
fn acl_shows_a_tools_error_for_the_folder() {
    let mut scenario = Scenario::healthy();
    scenario.snapshots.clear();
    let mut entries = scenario.entries();
    entries.push((
        "acl/icacls.txt".into(),
        format!("{PICKUP}: The system cannot find the file specified.\r\n\r\nSuccessfully processed 0 files; Failed processing 1 files\r\n").into_bytes(),
    ));
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let zip = write(&dir, "bundle.zip", &zip_bytes(&borrowed));
    let (status, out, _) = run(&["acl", zip.to_str().unwrap(), PICKUP]);
    assert_eq!(status, 3);
    assert!(out.contains("icacls could not read the ACL of C:\\exchsrvr\\imcdata\\Pickup: The system cannot find the file specified."), "{out}");
    // analyze says the same in the check's evidence and in errors.
    let (_, out, _) = run(&["analyze", "--format", "json", zip.to_str().unwrap()]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let report = &report[0];
    assert!(
        report["errors"][0]
            .as_str()
            .unwrap()
            .contains("acl/icacls.txt line 1"),
        "{report:#}"
    );
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "Q306957.pickup-acl")
        .unwrap();
    assert_eq!(check["verdict"], "unknown");
    assert!(
        check["summary"]
            .as_str()
            .unwrap()
            .contains("cannot find the file"),
        "{check:#}"
    );
}

fn analyze_entries(entries: Vec<(String, Vec<u8>)>) -> Value {
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let zip = write(&dir, "bundle.zip", &zip_bytes(&borrowed));
    let (_, out, err) = run(&["analyze", "--format", "json", zip.to_str().unwrap()]);
    let reports: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    reports[0].clone()
}

fn pickup_verdict(report: &Value) -> &str {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "Q306957.pickup-acl")
        .unwrap()["verdict"]
        .as_str()
        .unwrap()
}

#[test]
fn binary_descriptor_named_by_the_manifest() {
    let scenario = Scenario {
        snapshots: vec![SnapshotSpec {
            entry: "acl/pickup.sd".into(),
            format: SnapshotFormat::Binary,
            folders: vec![(PICKUP.into(), pickup_sddl_with_add())],
        }],
        ..Scenario::healthy()
    };
    let report = analyze_entries(scenario.entries());
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(pickup_verdict(&report), "pass");
    let sources = report["sources"].as_array().unwrap();
    let kind = |name: &str| {
        sources.iter().find(|s| s["name"] == name).map(|s| {
            (
                s["kind"].as_str().unwrap().to_string(),
                s["detail"].as_str().unwrap().to_string(),
            )
        })
    };
    let (kind_sd, detail) = kind("acl/pickup.sd").expect("listed");
    assert_eq!(kind_sd, "acl_snapshot");
    assert!(
        detail.contains("binary security descriptor") && detail.contains("manifest.toml line 3"),
        "{detail}"
    );
    assert_eq!(kind("manifest.toml").unwrap().0, "manifest");
}

#[test]
fn manifest_problems_are_messages_and_the_rest_is_used() {
    let mut base = Scenario::healthy().entries();
    base.retain(|(name, _)| name != "acl/pickup.acl");
    let good_sd = binary_descriptor(&pickup_sddl_with_add());
    // Broken TOML: its line is named; the bundle's other checks still run.
    let mut entries = base.clone();
    entries.push(("acl/pickup.sd".into(), good_sd.clone()));
    entries.push((
        "manifest.toml".into(),
        b"[[acl]]\npath = 'C:\\exchsrvr\\imcdata\\Pickup\nfile = 'acl/pickup.sd'\n".to_vec(),
    ));
    let report = analyze_entries(entries);
    let errors = report["errors"].to_string();
    assert!(errors.contains("manifest.toml line 2"), "{errors}");
    assert_eq!(pickup_verdict(&report), "unknown");
    assert_eq!(
        report["checks"][0]["verdict"], "pass",
        "the registry checks still run"
    );
    // A missing entry and a descriptor that does not parse, beside a good one.
    let mut entries = base.clone();
    entries.push(("acl/pickup.sd".into(), good_sd.clone()));
    entries.push((
        "acl/broken.sd".into(),
        good_sd[..good_sd.len() - 3].to_vec(),
    ));
    entries.push((
        "manifest.toml".into(),
        manifest_toml(&[
            ("C:\\gone", "acl/missing.sd"),
            ("C:\\broken", "acl/broken.sd"),
            (PICKUP, "acl/pickup.sd"),
        ])
        .into_bytes(),
    ));
    let report = analyze_entries(entries);
    let errors: Vec<String> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("line 3")
            && errors[0].contains("acl/missing.sd")
            && errors[0].contains("not in the bundle"),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("acl/broken.sd") && errors[1].contains("line 7"),
        "{errors:?}"
    );
    assert_eq!(
        pickup_verdict(&report),
        "pass",
        "the good descriptor is used"
    );
}

#[test]
fn uncertain_rights_decide_only_when_they_cannot_matter() {
    let mut base = Scenario::healthy().entries();
    base.retain(|(name, _)| name != "acl/pickup.acl");
    let bundle = |cacls: &str| {
        let mut entries = base.clone();
        entries.push(("acl/cacls.txt".into(), cacls.as_bytes().to_vec()));
        analyze_entries(entries)
    };
    let indent = " ".repeat(PICKUP.len() + 1);
    // An unknown right in a grant to the account, nothing else grants Add.
    let open = bundle(&format!(
        "{PICKUP} EXCH01\\IUSR_EXCH01:(CI)(special access:)\r\n{indent}                    FILE_FROBNICATE\r\n{indent}Everyone:R\r\n\r\n"
    ));
    assert_eq!(pickup_verdict(&open), "unknown", "{open:#}");
    assert!(
        open["errors"][0]
            .as_str()
            .unwrap()
            .contains("acl/cacls.txt line 2"),
        "{open:#}"
    );
    // The same grant, with Everyone's change after it: Add either way.
    let decided = bundle(&format!(
        "{PICKUP} EXCH01\\IUSR_EXCH01:(CI)(special access:)\r\n{indent}                    FILE_FROBNICATE\r\n{indent}Everyone:C\r\n\r\n"
    ));
    assert_eq!(pickup_verdict(&decided), "pass", "{decided:#}");
    // A deny of unknown rights for the account's group before that grant.
    let denied = bundle(&format!(
        "{PICKUP} BUILTIN\\Guests:(DENY)(special access:)\r\n{indent}                FILE_FROBNICATE\r\n{indent}Everyone:C\r\n\r\n"
    ));
    assert_eq!(pickup_verdict(&denied), "unknown", "{denied:#}");
}

#[test]
fn a_descriptor_without_manifest_says_what_it_lacks() {
    let mut entries = Scenario::healthy().entries();
    entries.push((
        "acl/orphan.sd".into(),
        binary_descriptor(&pickup_sddl_with_add()),
    ));
    let report = analyze_entries(entries);
    let orphan = report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "acl/orphan.sd")
        .expect("listed");
    assert_eq!(orphan["kind"], "ignored");
    assert!(
        orphan["detail"]
            .as_str()
            .unwrap()
            .contains("no manifest.toml names its folder"),
        "{orphan}"
    );
}

/// A snapshot repeating one record (as a collection script looping by
/// mistake writes it) is one snapshot with its count, in `acl` and in
/// `analyze`; the 50,000-line case is measured by scripts/bench.sh.
#[test]
fn a_record_repeated_in_its_file_is_shown_once_with_its_count() {
    const REPEATS: usize = 5000;
    let mut scenario = Scenario::healthy();
    scenario.snapshots = vec![SnapshotSpec {
        entry: "acl/pickup.txt".into(),
        format: SnapshotFormat::TabSeparated,
        folders: vec![(PICKUP.to_string(), pickup_sddl_with_add()); REPEATS],
    }];
    let dir = tempfile::tempdir().unwrap();
    let zip = write(&dir, "repeated.zip", &scenario.zip());
    let zip = zip.to_str().unwrap();

    let (status, out, err) = run(&["acl", zip, PICKUP]);
    assert_eq!(status, 0, "{err}");
    let counted = format!("{REPEATS} identical records");
    assert_eq!(out.matches(&counted).count(), 1, "{out}");
    assert_eq!(out.matches("Snapshot: ").count(), 1, "{out}");

    let (_, out, _) = run(&["analyze", "--format", "json", zip]);
    let report: Value = serde_json::from_str(&out).unwrap();
    let check = report[0]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "Q306957.pickup-acl")
        .unwrap()
        .clone();
    assert_eq!(check["verdict"], "pass", "{check:#}");
    let snapshots = check["evidence"]["snapshots"].as_array().unwrap();
    assert_eq!(snapshots.len(), 1, "{check:#}");
    assert_eq!(snapshots[0]["records"], REPEATS, "{check:#}");

    let (_, table, _) = run(&["analyze", zip]);
    assert_eq!(table.matches(&counted).count(), 1, "{table}");
}
