//! Bundles with registry text and SZDD files: which source wins, partial
//! exports, several files for one hive, lossy values, and bad input (bad
//! lines, truncation, odd encodings, decompression bombs) — each named in
//! `errors` while the rest of the bundle is still used.

mod common;

use hivetriage::analyze::{AnalyzeOptions, analyze_bundle};
use hivetriage::bundle::{Limits, open_zip_bytes};
use hivetriage::encoding::utf16le_with_nul;
use hivetriage::fixture::reg_text::{
    TextKey, keys_from_hive, reg_export, reg_export_text, reg_query_text, utf16le_with_bom,
};
use hivetriage::fixture::scenario::{RegistryForm, Scenario, ValueSpec};
use hivetriage::fixture::szdd::szdd_compress;
use hivetriage::fixture::zip::zip_bytes;
use hivetriage::registry::{RegValue, reg_type};
use hivetriage::source::reg_export::RegExportVersion;
use hivetriage::source::reg_query::RegQueryLayout;
use serde_json::Value;

const AM: &str = "Q306957.active-messaging";
const ROOTDIR: &str = "Q306957.imc-rootdir";

fn report_of(entries: &[(String, Vec<u8>)]) -> Value {
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let mut bundle = open_zip_bytes("bundle.zip", zip_bytes(&borrowed), Limits::default()).unwrap();
    serde_json::to_value(analyze_bundle(bundle.as_mut(), &AnalyzeOptions::default())).unwrap()
}

fn check<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {report:#}"))
}

fn source_detail(report: &Value, name: &str) -> String {
    report["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no source {name} in {report:#}"))["detail"]
        .as_str()
        .unwrap()
        .to_string()
}

fn errors(report: &Value) -> Vec<String> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect()
}

/// The healthy scenario's entries without the named hive entries.
fn healthy_without(drop: &[&str]) -> Vec<(String, Vec<u8>)> {
    Scenario::healthy()
        .entries()
        .into_iter()
        .filter(|(name, _)| !drop.contains(&name.as_str()))
        .collect()
}

fn key(path: &str, values: Vec<RegValue>) -> TextKey {
    TextKey {
        path: path.to_string(),
        values,
    }
}

fn sz(name: &str, text: &str) -> RegValue {
    RegValue::new(name, reg_type::SZ, utf16le_with_nul(text))
}

fn vista(keys: &[TextKey]) -> Vec<u8> {
    reg_query_text(keys, RegQueryLayout::Vista).into_bytes()
}

const IMC: &str = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\MSExchangeIMC";

#[test]
fn a_hive_wins_over_text_of_its_kind() {
    let mut entries = Scenario::healthy().entries();
    let text = reg_export(
        &[key(
            &format!(r"{IMC}\Parameters"),
            vec![sz("RootDir", r"D:\from\text")],
        )],
        RegExportVersion::Regedit5,
    );
    entries.push(("export/imc.reg".into(), text));
    let report = report_of(&entries);
    assert_eq!(
        check(&report, ROOTDIR)["evidence"]["data"],
        r"C:\exchsrvr\imcdata"
    );
    assert_eq!(report["control_set"], "ControlSet001");
    assert_eq!(
        source_detail(&report, "export/imc.reg"),
        "Windows Registry Editor Version 5.00 export of HKLM\\SYSTEM (not used: the SYSTEM hive is in the bundle)"
    );
}

#[test]
fn a_partial_export_leaves_what_it_does_not_cover_unknown() {
    let mut entries = healthy_without(&["Reg/software.hiv"]);
    // A collector queried only CurrentVersion: the Exchange key is not
    // absent, it is not covered.
    let current_version = key(
        r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion",
        vec![sz("SystemRoot", r"C:\WINNT")],
    );
    entries.push(("mps/winver.txt".into(), vista(&[current_version])));
    let report = report_of(&entries);
    let am = check(&report, AM);
    assert_eq!(am["verdict"], "unknown", "{am:#}");
    let summary = am["summary"].as_str().unwrap();
    assert!(
        summary.contains("mps/winver.txt does not cover HKLM\\SOFTWARE\\Microsoft\\Exchange"),
        "{summary}"
    );
    assert_eq!(check(&report, ROOTDIR)["verdict"], "pass");
    assert_eq!(report["verdict"], "unknown");
}

#[test]
fn a_key_from_a_value_search_does_not_prove_other_values_absent() {
    let mut entries = healthy_without(&["Reg/software.hiv"]);
    let text = "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Exchange\r\n    Setup    REG_SZ    5.5\r\n\r\nEnd of search: 1 match(es) found.\r\n";
    entries.push(("search.txt".into(), text.as_bytes().to_vec()));
    let report = report_of(&entries);
    let am = check(&report, AM);
    assert_eq!(am["verdict"], "unknown", "{am:#}");
    assert!(
        am["summary"]
            .as_str()
            .unwrap()
            .contains("does not list every value"),
        "{am:#}"
    );
}

#[test]
fn collector_files_for_one_hive_merge_in_name_order() {
    let mut entries = healthy_without(&["Reg/system.hiv"]);
    let params = format!(r"{IMC}\Parameters");
    entries.push((
        "mps/02_imc.txt".into(),
        vista(&[key(&params, vec![sz("RootDir", r"C:\exchsrvr\imcdata")])]),
    ));
    entries.push((
        "mps/01_imc.txt".into(),
        vista(&[key(&params, vec![sz("RootDir", r"D:\older")])]),
    ));
    entries.push((
        "mps/03_name.reg".into(),
        reg_export(
            &[key(
                r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName",
                vec![sz("ComputerName", "EXCH01")],
            )],
            RegExportVersion::Regedit4,
        ),
    ));
    let report = report_of(&entries);
    assert_eq!(report["verdict"], "pass", "{report:#}");
    assert_eq!(report["computer_name"], "EXCH01");
    assert_eq!(report["control_set"], "CurrentControlSet");
    let evidence = &check(&report, ROOTDIR)["evidence"];
    assert_eq!(
        evidence["data"], r"C:\exchsrvr\imcdata",
        "the later file wins"
    );
    assert_eq!(
        evidence["source"],
        "mps/01_imc.txt, mps/02_imc.txt, mps/03_name.reg"
    );
}

#[test]
fn a_whole_system_export_with_select_names_the_real_control_set() {
    let scenario = Scenario {
        current_control_set: 2,
        ..Scenario::healthy()
    };
    let mut entries = healthy_without(&["Reg/system.hiv"]);
    let keys = keys_from_hive(&scenario.system_hive(), r"HKEY_LOCAL_MACHINE\SYSTEM");
    entries.push((
        "system.reg".into(),
        reg_export(&keys, RegExportVersion::Regedit5),
    ));
    let report = report_of(&entries);
    assert_eq!(report["control_set"], "ControlSet002");
    assert_eq!(
        report["computer_name"], "EXCH01",
        "not the stale ControlSet001's"
    );
    assert_eq!(report["verdict"], "pass");
}

#[test]
fn bad_lines_are_named_and_the_rest_is_used() {
    let mut entries = healthy_without(&["Reg/software.hiv"]);
    let mut text = reg_export_text(
        &Scenario::healthy().software_keys(),
        RegExportVersion::Regedit5,
    );
    text = text.replace(
        "\"CurrentVersion\"=",
        "this line is garbage\r\n\"CurrentVersion\"=",
    );
    text.push_str("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Broken\r\n\"x\"=dword:zz\r\n");
    entries.push(("Reg/software.reg".into(), utf16le_with_bom(&text)));
    let report = report_of(&entries);
    assert_eq!(check(&report, AM)["verdict"], "pass");
    let errors = errors(&report);
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors
            .iter()
            .all(|e| e.starts_with("Reg/software.reg: line ")),
        "{errors:#?}"
    );
    assert!(
        errors[0].contains("not a key, value or comment line"),
        "{errors:#?}"
    );
    assert!(source_detail(&report, "Reg/software.reg").ends_with("; 3 problem(s)"));
}

#[test]
fn truncated_text_and_odd_encodings_do_not_stop_the_bundle() {
    let full = reg_export(
        &Scenario::healthy().software_keys(),
        RegExportVersion::Regedit5,
    );
    let mut cut_in_hex = reg_export_text(
        &Scenario::healthy().software_keys(),
        RegExportVersion::Regedit5,
    );
    cut_in_hex.push_str("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Cut]\r\n\"b\"=hex:01,02,\\\r\n");
    for (what, bytes) in [
        ("cut at an odd byte", full[..full.len() - 1001].to_vec()),
        ("cut inside hex data", cut_in_hex.into_bytes()),
        ("UTF-16 without BOM", full[2..].to_vec()),
        ("only the header", b"REGEDIT4\r\n".to_vec()),
    ] {
        let mut entries = healthy_without(&["Reg/software.hiv"]);
        entries.push(("Reg/software.reg".into(), bytes));
        let report = report_of(&entries);
        assert_ne!(report["verdict"], "error", "{what}");
        assert_eq!(
            check(&report, ROOTDIR)["verdict"],
            "pass",
            "{what}: other sources still used"
        );
        let detail = source_detail(&report, "Reg/software.reg");
        assert!(detail.contains("export"), "{what}: {detail}");
        if what == "cut inside hex data" {
            assert!(
                errors(&report)
                    .iter()
                    .any(|e| e.contains("continues past the end of the file")),
                "{what}: {report:#}"
            );
        }
    }
}

#[test]
fn values_reg_query_cannot_show_exactly_are_marked_in_the_evidence() {
    let scenario = Scenario {
        rootdir: Some(ValueSpec::Sz(r"C:\exchsrvr\imcdata ".into())),
        ..Scenario::healthy()
    };
    let report = report_of(&scenario.entries_as(RegistryForm::RegQuery(RegQueryLayout::Vista)));
    let evidence = &check(&report, ROOTDIR)["evidence"];
    assert!(
        evidence["as_printed"]
            .as_str()
            .unwrap()
            .contains("trailing spaces"),
        "{evidence:#}"
    );
    // The hive shows the same value exactly: no note.
    let report = report_of(&scenario.entries_as(RegistryForm::Hives));
    assert!(
        check(&report, ROOTDIR)["evidence"]
            .get("as_printed")
            .is_none()
    );
}

#[test]
fn roots_other_than_the_machine_hives_are_listed_not_used() {
    let mut entries = Scenario::healthy().entries();
    let text = reg_export(
        &[
            key(r"HKEY_CURRENT_USER\Software\Microsoft", vec![]),
            key(r"HKEY_LOCAL_MACHINE\HARDWARE\DESCRIPTION", vec![]),
        ],
        RegExportVersion::Regedit5,
    );
    entries.push(("user.reg".into(), text));
    let report = report_of(&entries);
    assert_eq!(
        source_detail(&report, "user.reg"),
        "Windows Registry Editor Version 5.00 export of HKCU (not used: only HKLM\\SYSTEM, SOFTWARE, \
         SAM and SECURITY are read); HKLM\\HARDWARE (not used: only HKLM\\SYSTEM, SOFTWARE, SAM and \
         SECURITY are read)"
    );
    assert_eq!(report["verdict"], "pass");
}

#[test]
fn szdd_files_that_are_not_hives() {
    let mut entries = healthy_without(&["Reg/software.hiv"]);
    // A compressed .reg export is read as one.
    let export = reg_export(
        &Scenario::healthy().software_keys(),
        RegExportVersion::Regedit4,
    );
    entries.push(("setup/software.re_".into(), szdd_compress(&export, b'g')));
    entries.push((
        "setup/readme.tx_".into(),
        szdd_compress(b"just some text\r\n", b't'),
    ));
    let report = report_of(&entries);
    assert_eq!(check(&report, AM)["verdict"], "pass", "{report:#}");
    assert_eq!(
        source_detail(&report, "setup/software.re_"),
        "REGEDIT4 export of HKLM\\SOFTWARE (used: no SOFTWARE hive)"
    );
    assert_eq!(
        source_detail(&report, "setup/readme.tx_"),
        "SZDD-compressed; expanded, it is not a hive or registry text"
    );
}

/// Runs the binary on a zip; returns (exit status, the one report).
fn run_binary(entries: &[(String, Vec<u8>)], extra: &[&str]) -> (i32, Value) {
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.zip");
    std::fs::write(&path, zip_bytes(&borrowed)).unwrap();
    let mut args = vec!["analyze", "--format", "json", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (status, stdout, _) = common::hivetriage(&args).run_bytes();
    let reports: Value = serde_json::from_slice(&stdout).unwrap();
    (status, reports[0].clone())
}

#[test]
fn szdd_bombs_are_refused_within_the_entry_limit() {
    let big = vec![0u8; 2 << 20];
    // Honest header over the limit: refused before expanding.
    let honest = szdd_compress(&big, 0);
    // Lying header (claims 100 bytes): refused while expanding.
    let mut lying = honest.clone();
    lying[10..14].copy_from_slice(&100u32.to_le_bytes());
    let mut entries = healthy_without(&["Reg/system.hiv"]);
    entries.push(("repair/system._".into(), honest));
    entries.push(("repair/lying._".into(), lying));
    let (status, report) = run_binary(&entries, &["--max-entry-size", "1M"]);
    assert_eq!(status, 3, "nothing fails, SYSTEM is unknown");
    let errors = errors(&report);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("repair/system._: refused: its header declares 2097152")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("repair/lying._: refused: it expands past the limit")),
        "{errors:#?}"
    );
    assert!(
        source_detail(&report, "repair/system._").starts_with("SZDD-compressed; not expanded: ")
    );
    assert_eq!(check(&report, AM)["verdict"], "pass", "the rest is used");
}

#[test]
fn a_folder_holding_only_text_exports_is_one_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = Scenario::healthy();
    for (name, bytes) in scenario.entries_as(RegistryForm::RegExport(RegExportVersion::Regedit5)) {
        if name.ends_with(".hiv") {
            continue; // no hive at all: only .reg files and the ACL snapshot
        }
        let path = dir.path().join(&name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    let (_, stdout, _) =
        common::hivetriage(["analyze", "--format", "json", dir.path().to_str().unwrap()])
            .run_bytes();
    let reports: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(reports.as_array().unwrap().len(), 1, "{reports:#}");
    assert_eq!(reports[0]["computer_name"], "EXCH01");
    assert_eq!(check(&reports[0], AM)["verdict"], "pass");
}
