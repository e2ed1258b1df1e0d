//! Single-file cabinets (`MSCF`) as registry sources, checked against an
//! independent writer: `gcab` (`apt-get install gcab`; `.ci/run` installs
//! it), with and without MSZIP compression. A cabinet of several files is
//! refused with a message naming it, and the rest of the bundle is used.
//! Tests needing `gcab` print why they skip when it is absent.

mod common;

use hivetriage::analyze::{AnalyzeOptions, analyze_bundle};
use hivetriage::bundle::{Limits, open_zip_bytes};
use hivetriage::fixture::scenario::Scenario;
use hivetriage::fixture::zip::zip_bytes;
use hivetriage::source::cabinet::expand;
use serde_json::Value;
use std::process::Command;

fn report(zip: Vec<u8>) -> Value {
    let mut bundle = open_zip_bytes("bundle.zip", zip, Limits::default()).unwrap();
    serde_json::to_value(analyze_bundle(bundle.as_mut(), &AnalyzeOptions::default())).unwrap()
}

/// `gcab -c` over `files` (name, content) in a temporary folder; `None`
/// (with the reason printed) when gcab is not installed.
fn gcab(files: &[(&str, &[u8])], compress: bool) -> Option<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let mut command = Command::new("gcab");
    command.current_dir(dir.path()).arg("-c");
    if compress {
        command.arg("-z");
    }
    command.arg("out.cab");
    command.args(files.iter().map(|(name, _)| name));
    match command.status() {
        Ok(status) => {
            assert!(status.success(), "gcab failed: {status}");
            Some(std::fs::read(dir.path().join("out.cab")).unwrap())
        }
        Err(error) => {
            common::skip(&format!(
                "gcab is not installed (apt-get install gcab): {error}"
            ));
            None
        }
    }
}

#[test]
fn cabinets_written_by_gcab_expand_to_their_file() {
    let scenario = Scenario::healthy();
    for compress in [false, true] {
        for (name, content) in [
            ("system", scenario.system_hive()),
            ("software", scenario.software_hive()),
            ("empty", Vec::new()),
        ] {
            let Some(cabinet) = gcab(&[(name, &content)], compress) else {
                return;
            };
            let expanded = expand("x._", &cabinet, 1 << 30).unwrap();
            assert_eq!(expanded.inner_name, name);
            assert_eq!(expanded.data, content, "{name}, compressed: {compress}");
            assert!(expanded.warnings.is_empty(), "{:?}", expanded.warnings);
        }
    }
}

#[test]
fn a_bundle_of_gcab_cabinets_gives_the_hives_verdicts() {
    let scenario = Scenario::healthy();
    let expected = report(scenario.zip());
    let (Some(system), Some(software)) = (
        gcab(&[("system", &scenario.system_hive())], true),
        gcab(&[("software", &scenario.software_hive())], true),
    ) else {
        return;
    };
    let sam = scenario.sam_hive();
    let mut entries: Vec<(String, Vec<u8>)> = vec![
        ("repair/system._".to_string(), system),
        ("repair/software._".to_string(), software),
        ("repair/sam".to_string(), sam),
    ];
    for snapshot in &scenario.snapshots {
        entries.push((snapshot.entry.clone(), snapshot.bytes()));
    }
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let actual = report(zip_bytes(&borrowed));
    assert_eq!(actual["verdict"], expected["verdict"], "{actual:#}");
    let verdicts = |report: &Value| -> Vec<(String, String)> {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].to_string(), c["verdict"].to_string()))
            .collect()
    };
    assert_eq!(verdicts(&actual), verdicts(&expected));
    let system_source = actual["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "repair/system._")
        .unwrap();
    assert_eq!(
        system_source["detail"],
        "SYSTEM (single-file cabinet (MSCF))"
    );
    assert!(
        actual["errors"].as_array().unwrap().is_empty(),
        "{actual:#}"
    );
}

#[test]
fn a_cabinet_of_several_files_is_refused_and_the_rest_still_used() {
    let scenario = Scenario::healthy();
    let Some(both) = gcab(
        &[
            ("system", &scenario.system_hive()),
            ("software", &scenario.software_hive()),
        ],
        true,
    ) else {
        return;
    };
    let software = scenario.software_hive();
    let actual = report(zip_bytes(&[("hives.cab", &both), ("SOFTWARE", &software)]));
    let errors = actual["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| {
            let e = e.as_str().unwrap();
            e.starts_with("hives.cab: ") && e.contains("holds 2 files")
        }),
        "{errors:#?}"
    );
    // SOFTWARE is still read: its check is decided.
    let active_messaging = actual["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "Q306957.active-messaging")
        .unwrap();
    assert_eq!(active_messaging["verdict"], "pass");
}
