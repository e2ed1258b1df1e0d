//! `hivetriage query`, an offline `reg query`, through the real binary: its
//! Vista-layout text, the contract's JSON, `/s`, exit statuses, every
//! registry source, and its output read back as a registry source.

mod common;

use common::run_hivetriage;

use hivetriage::fixture::scenario::{RegistryForm, Scenario};
use hivetriage::fixture::zip::zip_bytes;
use hivetriage::source::reg_export::RegExportVersion;
use hivetriage::source::reg_query::RegQueryLayout;
use serde_json::Value;
use std::path::{Path, PathBuf};

const PARAMETERS: &str = r"HKLM\SYSTEM\CurrentControlSet\Services\MSExchangeIMC\Parameters";

fn query(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["query"];
    all.extend_from_slice(args);
    run_hivetriage(&all)
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
        .display()
        .to_string()
}

fn write_zip(dir: &Path, name: &str, zip: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, zip).unwrap();
    path
}

#[test]
fn prints_rootdir_the_way_reg_query_does() {
    let (status, stdout, _) = query(&[&sample("healthy.zip"), PARAMETERS]);
    assert_eq!(status, 0);
    assert_eq!(
        stdout,
        "\nHKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\MSExchangeIMC\\Parameters\n    \
         RootDir    REG_SZ    C:\\exchsrvr\\imcdata\n\n"
    );
}

#[test]
fn without_s_lists_subkeys_and_with_s_the_whole_subtree() {
    let key = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\MSExchangeIMC";
    let (_, shallow, _) = query(&[&sample("healthy.zip"), key]);
    assert!(
        shallow.contains("    Start    REG_DWORD    0x2\n"),
        "{shallow}"
    );
    assert!(
        shallow.ends_with(
            "\nHKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\MSExchangeIMC\\Parameters\n"
        ),
        "{shallow}"
    );
    assert!(
        !shallow.contains("RootDir"),
        "values of subkeys only with /s"
    );
    let (_, deep, _) = query(&[&sample("healthy.zip"), key, "/s"]);
    let (_, long_option, _) = query(&[&sample("healthy.zip"), key, "--recursive"]);
    assert_eq!(deep, long_option);
    assert!(
        deep.contains("RootDir    REG_SZ    C:\\exchsrvr\\imcdata"),
        "{deep}"
    );
}

#[test]
fn json_is_an_array_of_keys_depth_first_with_raw_bytes() {
    let (status, stdout, _) = query(&[
        &sample("healthy.zip"),
        r"HKLM\SYSTEM\CurrentControlSet\Services",
        "/s",
        "--format",
        "json",
    ]);
    assert_eq!(status, 0);
    let keys: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    let paths: Vec<&str> = keys.iter().map(|k| k["path"].as_str().unwrap()).collect();
    let imc = paths
        .iter()
        .position(|p| p.ends_with(r"\MSExchangeIMC"))
        .unwrap();
    assert_eq!(
        paths[0],
        r"HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services"
    );
    assert_eq!(
        paths[imc + 1],
        r"HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\MSExchangeIMC\Parameters",
        "depth first"
    );
    let rootdir = &keys[imc + 1]["values"][0];
    assert_eq!(rootdir["name"], "RootDir");
    assert_eq!(rootdir["type"], "REG_SZ");
    assert_eq!(rootdir["type_code"], 1);
    assert_eq!(rootdir["data"], r"C:\exchsrvr\imcdata");
    let raw = rootdir["raw"].as_str().unwrap();
    assert!(
        raw.starts_with("43003a005c00") && raw.ends_with("0000"),
        "UTF-16LE with its NUL: {raw}"
    );
    let start = &keys[imc]["values"][0];
    assert_eq!(
        (start["name"].as_str(), start["data"].as_u64()),
        (Some("Start"), Some(2))
    );
}

#[test]
fn exit_statuses_say_not_found_bad_key_and_no_data() {
    let (status, stdout, stderr) = query(&[
        &sample("healthy.zip"),
        r"HKLM\SYSTEM\CurrentControlSet\Services\Nope",
    ]);
    assert_eq!(status, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("unable to find"), "{stderr}");
    let (status, _, stderr) = query(&[&sample("healthy.zip"), r"HKCU\Software"]);
    assert_eq!(status, 2, "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let no_software = Scenario {
        software_entry: None,
        ..Scenario::healthy()
    };
    let path = write_zip(dir.path(), "b.zip", &no_software.zip());
    let (status, _, stderr) = query(&[path.to_str().unwrap(), r"HKLM\SOFTWARE\Microsoft"]);
    assert_eq!(status, 3, "{stderr}");
    let (status, _, _) = query(&["/nonexistent.zip", PARAMETERS]);
    assert_eq!(status, 3);
}

#[test]
fn every_registry_source_answers_alike_and_the_output_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let key = r"HKLM\SOFTWARE\Microsoft\Exchange";
    let (_, from_hive, _) = query(&[&sample("healthy.zip"), key, "--format", "json"]);
    let from_hive: Value = serde_json::from_str(&from_hive).unwrap();
    for form in [
        RegistryForm::Szdd,
        RegistryForm::RegExport(RegExportVersion::Regedit4),
        RegistryForm::RegExport(RegExportVersion::Regedit5),
        RegistryForm::RegQuery(RegQueryLayout::Xp),
        RegistryForm::RegQuery(RegQueryLayout::Vista),
    ] {
        let path = write_zip(dir.path(), "form.zip", &Scenario::healthy().zip_as(form));
        let (status, stdout, stderr) = query(&[path.to_str().unwrap(), key, "--format", "json"]);
        assert_eq!(status, 0, "{form:?}: {stderr}");
        let keys: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(keys[0]["values"], from_hive[0]["values"], "{form:?}");
    }

    // What `query /s` prints, saved as a file, is itself a registry source.
    let (_, printed, _) = query(&[&sample("healthy.zip"), r"HKLM\SOFTWARE", "/s"]);
    let mut entries = Scenario::healthy().entries();
    entries.retain(|(name, _)| name != "Reg/software.hiv");
    entries.push((
        "software-query.txt".to_string(),
        printed.clone().into_bytes(),
    ));
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let path = write_zip(dir.path(), "printed.zip", &zip_bytes(&borrowed));
    let (status, reprinted, stderr) = query(&[path.to_str().unwrap(), r"HKLM\SOFTWARE", "/s"]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(
        reprinted, printed,
        "read back and printed again, nothing changes"
    );
}

/// `(path, [(name, type_code, raw)], subkeys)` of every key in `query
/// --format json` output.
type KeyContents = (String, Vec<(String, u64, String)>, Vec<String>);

fn key_contents(json: &str) -> Vec<KeyContents> {
    let keys: Vec<Value> = serde_json::from_str(json).expect("a JSON array");
    keys.iter()
        .map(|key| {
            let values = key["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    (
                        v["name"].as_str().unwrap().to_string(),
                        v["type_code"].as_u64().unwrap(),
                        v["raw"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            let subkeys = key["subkeys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect();
            (key["path"].as_str().unwrap().to_string(), values, subkeys)
        })
        .collect()
}

/// The corpus SYSTEM hive (Windows 7, 11.8 MB, real names and data nobody
/// here wrote: values named `(Default)`, REG_MULTI_SZ holding one empty
/// string, strings with bytes after their NUL) printed with `query /s`,
/// saved, and read back as a bundle source: every key, value name, type
/// number and stored byte is the same.
#[test]
fn a_whole_real_hive_round_trips_through_query_text() {
    let Some(system) = common::shared_xz_file("corpus/regipy/SYSTEM.xz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let hive_dir = dir.path().join("hive");
    let text_dir = dir.path().join("text");
    std::fs::create_dir_all(&hive_dir).unwrap();
    std::fs::create_dir_all(&text_dir).unwrap();
    std::fs::write(hive_dir.join("SYSTEM"), &system).unwrap();
    let hive_dir = hive_dir.to_str().unwrap();
    let text_dir_name = text_dir.to_str().unwrap();

    let (status, printed, stderr) = query(&[hive_dir, r"HKLM\SYSTEM", "/s"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        printed.contains("    \"(Default)\"    hex(1)    "),
        "the corpus has values literally named (Default), written in the exact form"
    );
    std::fs::write(text_dir.join("system-query.txt"), &printed).unwrap();

    let (status, from_hive, stderr) = query(&[hive_dir, r"HKLM\SYSTEM", "/s", "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let (status, from_text, stderr) =
        query(&[text_dir_name, r"HKLM\SYSTEM", "/s", "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stderr.is_empty(),
        "the text reads without problems: {stderr}"
    );
    let from_hive = key_contents(&from_hive);
    let from_text = key_contents(&from_text);
    assert_eq!(
        from_hive.len(),
        30_756,
        "keys of the corpus SYSTEM, as hivexml and reglookup -t KEY count them"
    );
    assert_eq!(from_text.len(), from_hive.len());
    for (hive_key, text_key) in from_hive.iter().zip(&from_text) {
        assert_eq!(hive_key, text_key);
    }
}
