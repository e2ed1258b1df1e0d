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

/// A bundle directory holding the corpus's dirty Windows 10 user hives
/// with their logs (decompressed) and a yarp hive of no machine kind.
fn user_hive_bundle(dir: &Path) -> Option<PathBuf> {
    let bundle = dir.join("user-hives");
    std::fs::create_dir_all(bundle.join("Users/tony")).unwrap();
    for (name, target) in [
        ("transactions_NTUSER.DAT", "Users/tony/NTUSER.DAT"),
        ("transactions_ntuser.dat.log1", "Users/tony/NTUSER.DAT.LOG1"),
        ("transactions_ntuser.dat.log2", "Users/tony/NTUSER.DAT.LOG2"),
        ("UsrClass.dat", "UsrClass.dat"),
        ("UsrClass.dat.LOG1", "UsrClass.dat.LOG1"),
        ("UsrClass.dat.LOG2", "UsrClass.dat.LOG2"),
    ] {
        let bytes = common::shared_xz_file(&format!("corpus/regipy/{name}.xz"))?;
        std::fs::write(bundle.join(target), bytes).unwrap();
    }
    let unicode = common::shared_file("corpus/yarp/UnicodeHive")?;
    std::fs::write(bundle.join("UnicodeHive"), unicode).unwrap();
    Some(bundle)
}

#[test]
fn any_hive_answers_under_hku_by_its_entry_name_with_its_logs_applied() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bundle) = user_hive_bundle(dir.path()) else {
        return;
    };
    let bundle = bundle.to_str().unwrap();

    // Without a key: every hive and the key it is queried by.
    let (status, listed, stderr) = query(&[bundle]);
    assert_eq!(status, 0, "{stderr}");
    for key in [
        r"HKEY_USERS\Users/tony/NTUSER.DAT",
        r"HKEY_USERS\UsrClass.dat",
        r"HKEY_USERS\UnicodeHive",
    ] {
        assert!(listed.lines().any(|line| line == key), "{key}:\n{listed}");
    }
    assert!(
        listed.contains(r#"hive loaded from "\??\C:\Users\tony\ntuser.dat""#),
        "{listed}"
    );
    assert!(listed.contains("NTUSER.DAT.LOG1: applied"), "{listed}");
    let (_, listed_json, _) = query(&[bundle, "--format", "json"]);
    let listed_json: Vec<Value> = serde_json::from_str(&listed_json).unwrap();
    assert_eq!(listed_json.len(), 3);
    assert!(
        listed_json
            .iter()
            .all(|l| l["key"].is_string() && l["origin"].is_string() && l["detail"].is_string())
    );

    // The value the log changes: 0x60 in the primary file as stored,
    // 0xC0 after recovery (reglookup reads 0x60 in transactions_NTUSER.DAT
    // and 0xC0 in the copy regipy 6.5.0's apply_transaction_logs wrote
    // from it and both logs).
    for key in [
        r"HKU\Users/tony/NTUSER.DAT\Control Panel\Desktop\WindowMetrics",
        r"HKEY_USERS\users\TONY\ntuser.dat\Control Panel\Desktop\WindowMetrics",
        r"HKU\NTUSER.DAT\Control Panel\Desktop\WindowMetrics",
    ] {
        let (status, printed, stderr) = query(&[bundle, key, "/v", "AppliedDPI"]);
        assert_eq!(status, 0, "{key}: {stderr}");
        assert_eq!(
            printed,
            "\nHKEY_USERS\\Users/tony/NTUSER.DAT\\Control Panel\\Desktop\\WindowMetrics\n    \
             AppliedDPI    REG_DWORD    0xc0\n\n",
            "{key}"
        );
    }

    // A hive of no known kind, with UTF-16 key names.
    let (status, printed, stderr) = query(&[bundle, r"HKU\UnicodeHive\привет", "/s"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        printed.contains("\nHKEY_USERS\\UnicodeHive\\Привет\\Ключ\n"),
        "{printed}"
    );

    // HKU alone lists the hives as its subkeys, as reg query HKU does.
    let (status, printed, _) = query(&[bundle, "HKU"]);
    assert_eq!(status, 0);
    assert!(
        printed.contains("\nHKEY_USERS\\UsrClass.dat\n"),
        "{printed}"
    );

    let (status, _, stderr) = query(&[bundle, r"HKU\NoSuchHive.dat\Software"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("no hive named"), "{stderr}");
}

/// What `query /s` prints of a user hive reads back as a source under
/// `HKEY_USERS` with every key, value name, type and byte.
#[test]
fn a_user_hive_round_trips_through_query_text() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bundle) = user_hive_bundle(dir.path()) else {
        return;
    };
    let key = r"HKU\Users/tony/NTUSER.DAT";
    let (status, printed, stderr) = query(&[bundle.to_str().unwrap(), key, "/s"]);
    assert_eq!(status, 0, "{stderr}");
    let text_dir = dir.path().join("text");
    std::fs::create_dir_all(&text_dir).unwrap();
    std::fs::write(text_dir.join("ntuser-query.txt"), &printed).unwrap();

    let (_, from_hive, _) = query(&[bundle.to_str().unwrap(), key, "/s", "--format", "json"]);
    let (status, from_text, stderr) =
        query(&[text_dir.to_str().unwrap(), key, "/s", "--format", "json"]);
    assert_eq!(status, 0, "{stderr}");
    let (from_hive, from_text) = (key_contents(&from_hive), key_contents(&from_text));
    assert!(from_hive.len() > 3000, "{}", from_hive.len());
    assert_eq!(from_hive, from_text);
    let (_, listed, _) = query(&[text_dir.to_str().unwrap()]);
    assert!(
        listed.contains("HKEY_USERS\\Users/tony/NTUSER.DAT\n    from ntuser-query.txt"),
        "{listed}"
    );
}

#[test]
fn reg_query_switches_select_values_as_reg_exe_does() {
    let healthy = sample("healthy.zip");
    let parameters = r"HKLM\SYSTEM\CurrentControlSet\Services\MSExchangeIMC\Parameters";

    // /v <name>: that value only; names match in any case.
    let (status, printed, _) = query(&[&healthy, parameters, "/v", "rootdir"]);
    assert_eq!(status, 0);
    assert_eq!(
        printed,
        "\nHKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\MSExchangeIMC\\Parameters\n    \
         RootDir    REG_SZ    C:\\exchsrvr\\imcdata\n\n"
    );
    let (status, printed, stderr) = query(&[&healthy, parameters, "/v", "Missing"]);
    assert_eq!((status, printed.as_str()), (1, ""));
    assert!(stderr.contains("unable to find"), "{stderr}");

    // /v <name> /s: every key holding it, then reg.exe's count.
    let (status, printed, _) = query(&[&healthy, r"HKLM\SYSTEM", "/v", "RootDir", "/s"]);
    assert_eq!(status, 0);
    assert!(printed.contains("ControlSet002\\Services\\MSExchangeIMC\\Parameters\n    RootDir    REG_SZ    D:\\stale\\imcdata\n"), "{printed}");
    assert!(
        printed.ends_with("\nEnd of search: 2 match(es) found.\n"),
        "{printed}"
    );

    // /ve: the default value, or reg.exe's "(value not set)".
    let (status, printed, _) = query(&[&healthy, parameters, "/ve"]);
    assert_eq!(status, 0);
    assert!(
        printed.contains("    (Default)    REG_SZ    (value not set)\n"),
        "{printed}"
    );
    let (_, printed, _) = query(&[&healthy, r"HKLM\SOFTWARE\Classes\.txt", "/ve"]);
    assert!(
        printed.contains("    (Default)    REG_SZ    txtfile\n"),
        "{printed}"
    );

    // /f searches key names, value names and data, in any case and in
    // part, unless /k, /v, /d, /c or /e narrow it.
    let services = r"HKLM\SYSTEM\CurrentControlSet\Services";
    let (status, printed, _) = query(&[&healthy, services, "/f", "IMCDATA", "/s"]);
    assert_eq!(status, 0);
    assert!(
        printed.contains("RootDir    REG_SZ    C:\\exchsrvr\\imcdata"),
        "{printed}"
    );
    assert!(
        printed.ends_with("End of search: 1 match(es) found.\n"),
        "{printed}"
    );
    let (_, printed, _) = query(&[&healthy, services, "/f", "imcdata", "/s", "/k"]);
    assert!(
        printed.ends_with("End of search: 0 match(es) found.\n"),
        "{printed}"
    );
    let (status, printed, _) = query(&[&healthy, services, "/f", "exchangeimc", "/s", "/k"]);
    assert_eq!(status, 0);
    assert!(
        printed.starts_with(
            "\nHKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\MSExchangeIMC\n\n"
        ),
        "{printed}"
    );
    assert!(!printed.contains("REG_"), "key names only: {printed}");
    let (_, printed, _) = query(&[&healthy, services, "/f", "rootdir", "/s", "/v"]);
    assert!(
        printed.ends_with("End of search: 1 match(es) found.\n"),
        "{printed}"
    );
    let (_, printed, _) = query(&[&healthy, services, "/f", "rootdir", "/s", "/d"]);
    assert!(
        printed.ends_with("End of search: 0 match(es) found.\n"),
        "{printed}"
    );
    let (status, _, _) = query(&[&healthy, services, "/f", "imcdata", "/s", "/e"]);
    assert_eq!(status, 1, "/e: whole names or data only");
    let (status, _, _) = query(&[&healthy, services, "/f", r"C:\exchsrvr\imcdata", "/s", "/e"]);
    assert_eq!(status, 0);
    let (status, _, _) = query(&[&healthy, services, "/f", "IMCDATA", "/s", "/c"]);
    assert_eq!(status, 1, "/c: case-sensitive");
    // Data as reg query prints it: a DWORD reads 0x2.
    let (_, printed, _) = query(&[&healthy, services, "/f", "0x2", "/s", "/d", "/e"]);
    assert!(
        printed.contains("    Start    REG_DWORD    0x2\n"),
        "{printed}"
    );
    // Without /s: the key's values and its subkeys' names.
    let imc = r"HKLM\SYSTEM\CurrentControlSet\Services\MSExchangeIMC";
    let (_, printed, _) = query(&[&healthy, imc, "/f", "param"]);
    assert!(
        printed.contains("MSExchangeIMC\\Parameters\n\n"),
        "{printed}"
    );
    assert!(!printed.contains("RootDir"), "{printed}");

    // /t: values of that type only, alone or in a search.
    let (_, printed, _) = query(&[&healthy, imc, "/s", "/t", "REG_SZ"]);
    assert!(
        printed.contains("RootDir") && !printed.contains("Start"),
        "{printed}"
    );
    let (_, printed, _) = query(&[&healthy, services, "/f", "*", "/s", "/t", "reg_dword"]);
    assert!(
        printed.contains("    Start    REG_DWORD    0x2\n") && !printed.contains("RootDir"),
        "{printed}"
    );

    // JSON holds what the text shows.
    let (_, json, _) = query(&[
        &healthy,
        r"HKLM\SYSTEM",
        "/v",
        "RootDir",
        "/s",
        "--format",
        "json",
    ]);
    let keys: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter()
            .all(|k| k["values"].as_array().unwrap().len() == 1)
    );

    // Switches reg.exe refuses together.
    for bad in [
        vec!["/v", "RootDir", "/ve"],
        vec!["/v"],
        vec!["/k"],
        vec!["/t", "REG_WHATEVER"],
    ] {
        let mut args = vec![healthy.as_str(), parameters];
        args.extend(bad.iter().copied());
        let (status, _, stderr) = query(&args);
        assert_eq!(status, 2, "{bad:?}: {stderr}");
    }
}

#[test]
fn hklm_alone_lists_the_machine_hives() {
    let (status, printed, _) = query(&[&sample("healthy.zip"), "HKLM"]);
    assert_eq!(status, 0);
    assert!(
        printed.contains(
            "\nHKEY_LOCAL_MACHINE\\SYSTEM\nHKEY_LOCAL_MACHINE\\SOFTWARE\nHKEY_LOCAL_MACHINE\\SAM\n"
        ),
        "{printed}"
    );
}

/// `query /s` of trees whose keys hold no values, with UTF-16 names (yarp's
/// UnicodeHive) and with names holding CR LF and NUL (BogusKeyNamesHive,
/// written as JSON-string key lines), reads back as the same text.
#[test]
fn keys_without_values_and_with_control_characters_read_back() {
    for name in ["UnicodeHive", "BogusKeyNamesHive"] {
        let Some(bytes) = common::shared_file(&format!("corpus/yarp/{name}")) else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("hive")).unwrap();
        std::fs::create_dir_all(dir.path().join("text")).unwrap();
        std::fs::write(dir.path().join("hive").join(name), bytes).unwrap();
        let hive = dir.path().join("hive");
        let key = format!(r"HKU\{name}");
        let (status, printed, stderr) = query(&[hive.to_str().unwrap(), &key, "/s"]);
        assert_eq!(status, 0, "{stderr}");
        assert!(!printed.contains("REG_"), "{printed}");
        if name == "BogusKeyNamesHive" {
            assert!(
                printed.contains("\n\"HKEY_USERS\\\\BogusKeyNamesHive\\\\testnew\\r\\nne\"\n")
                    && printed.contains("testnu\\u0000l\"\n"),
                "{printed}"
            );
        }
        std::fs::write(dir.path().join("text/tree.txt"), &printed).unwrap();
        let text = dir.path().join("text");
        let (status, reprinted, stderr) = query(&[text.to_str().unwrap(), &key, "/s"]);
        assert_eq!(status, 0, "{name}: {stderr}");
        assert_eq!(reprinted, printed, "{name}");
    }
}

/// Two SYSTEM hives: the rules use neither, and query answers for each
/// by its entry name.
#[test]
fn each_of_two_hives_of_one_kind_answers_by_its_entry_name() {
    let entries = Scenario::healthy().entries();
    let system = &entries
        .iter()
        .find(|(name, _)| name == "Reg/system.hiv")
        .unwrap()
        .1;
    let dir = tempfile::tempdir().unwrap();
    let zip = zip_bytes(&[("a/system.hiv", system), ("b/system.hiv", system)]);
    let path = write_zip(dir.path(), "two.zip", &zip);
    let path = path.to_str().unwrap();
    let (status, _, stderr) = query(&[path, r"HKLM\SYSTEM\Select"]);
    assert_eq!(status, 3, "{stderr}");
    let (status, listed, _) = query(&[path]);
    assert_eq!(status, 0);
    assert!(listed.contains("HKEY_USERS\\a/system.hiv\n"), "{listed}");
    let (status, printed, _) = query(&[path, r"HKU\b\system.hiv\Select", "/v", "Current"]);
    assert_eq!(status, 0);
    assert!(
        printed.contains("HKEY_USERS\\b/system.hiv\\Select\n    Current    REG_DWORD    0x1\n"),
        "{printed}"
    );
    let (status, _, stderr) = query(&[path, r"HKU\system.hiv\Select"]);
    assert_eq!(status, 1);
    assert!(stderr.contains("give the whole entry name"), "{stderr}");
}

/// The dirty user hives answer through `query` with exactly what yarp
/// recovers: reglookup lists 6238 keys and 12531 values in the file yarp
/// saved from UsrClass.dat and its two logs, and 3105 keys and 4695 values
/// in the one from transactions_NTUSER.DAT (LOG1 only; LOG2 is older than
/// the hive); tests/registry_logs.rs checks those files byte for byte.
#[test]
fn dirty_user_hives_answer_with_what_yarp_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let Some(bundle) = user_hive_bundle(dir.path()) else {
        return;
    };
    let bundle = bundle.to_str().unwrap();
    for (hive, keys_and_values) in [
        (r"HKU\UsrClass.dat", (6238, 12531)),
        (r"HKU\Users/tony/NTUSER.DAT", (3105, 4695)),
    ] {
        let (status, printed, stderr) = query(&[bundle, hive, "/s", "--format", "json"]);
        assert_eq!(status, 0, "{hive}: {stderr}");
        let keys = key_contents(&printed);
        let values = keys
            .iter()
            .map(|(_, values, _)| values.len())
            .sum::<usize>();
        assert_eq!((keys.len(), values), keys_and_values, "{hive}");
    }
    // The listing says where the logs started.
    let (_, listed, _) = query(&[bundle]);
    assert!(
        listed.contains("starting after the hive's secondary sequence number 255"),
        "{listed}"
    );
}
