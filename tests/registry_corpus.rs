//! The hive reader (nt-hive underneath, see `src/registry/hive_file.rs`)
//! and the registry view against the shared corpus: the facts in
//! `../shared/corpus/README.md` (established by other readers), an
//! independent reader (reglookup, when installed) on the regipy SYSTEM
//! hive, nt-hive used bare on the clean hives, and pinned outcomes for the
//! damaged ones, each with the reason for its numbers. Every test skips
//! when `../shared` is absent.

mod common;

use std::collections::BTreeMap;

use hivetriage::encoding::utf16le_until_nul;
use hivetriage::registry::sam::{GroupKind, LocalAccounts};
use hivetriage::registry::{
    HiveData, HiveFile, HiveKind, HiveOpenError, Lookup, RegKey, RegistryView, WalkControl,
    reg_type,
};

/// Opens a yarp hive (`yarp/<name>`), with its warnings.
fn yarp(name: &str) -> Option<(HiveFile, Vec<String>)> {
    let bytes = common::shared_file(&format!("corpus/yarp/{name}"))?;
    let entry = name.rsplit('/').next().unwrap();
    Some(HiveFile::open(entry, bytes).unwrap_or_else(|e| panic!("{name}: {e}")))
}

/// Opens a regipy hive (`regipy/<name>.xz`), with its warnings.
fn regipy(name: &str) -> Option<(HiveFile, Vec<String>)> {
    let bytes = common::shared_xz_file(&format!("corpus/regipy/{name}.xz"))?;
    Some(HiveFile::open(name, bytes).unwrap_or_else(|e| panic!("{name}: {e}")))
}

fn key(hive: &HiveFile, path: &str) -> RegKey {
    hive.read_key(path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .unwrap_or_else(|| panic!("{path}: missing"))
}

fn string_value(key: &RegKey, name: &str) -> String {
    key.value(name)
        .unwrap_or_else(|| panic!("{}: no value {name:?}", key.path))
        .as_string()
        .unwrap_or_else(|| panic!("{}: {name:?} is not a string", key.path))
}

/// Walks the whole hive; returns (keys, values, problems inside keys, walk
/// problems) and checks that walked paths read back (all of them in small
/// hives, an even sample of 400 in big ones: each read is a linear scan).
fn walk_all(hive: &HiveFile) -> (usize, usize, usize, usize) {
    let (mut keys, mut values, mut problems) = (0, 0, 0);
    let mut paths = Vec::new();
    let summary = hive
        .walk("", &mut |key: &RegKey| {
            keys += 1;
            values += key.values.len();
            problems += key.problems.len();
            paths.push(key.path.clone());
            WalkControl::Continue
        })
        .unwrap()
        .unwrap();
    assert_eq!(summary.keys, keys);
    let stride = paths.len().div_ceil(400).max(1);
    for path in paths.iter().step_by(stride) {
        if path.split('\\').any(|c| c.is_empty()) && !path.is_empty() {
            continue; // an empty name cannot be addressed by path
        }
        let back = hive.read_key(path).unwrap().unwrap();
        assert!(
            hivetriage::registry::names_equal(&back.path, path),
            "{path} read back as {}",
            back.path
        );
    }
    (keys, values, problems, summary.problems.len())
}

// ---------------------------------------------------------------- regipy

fn system_view() -> Option<RegistryView> {
    let (hive, warnings) = regipy("SYSTEM")?;
    assert!(warnings.is_empty(), "{warnings:?}");
    let mut view = RegistryView::new();
    view.add(HiveKind::System, Box::new(hive));
    Some(view)
}

#[test]
fn regipy_system_current_control_set_is_001_not_last_known_good() {
    let Some(view) = system_view() else { return };
    let select = match view.read_key(HiveKind::System, "Select") {
        Lookup::Found(select) => select,
        other => panic!("{other:?}"),
    };
    // The trap the README describes: LastKnownGood names the other set.
    assert_eq!(select.value("LastKnownGood").unwrap().as_dword(), Some(2));
    assert_eq!(select.value("Current").unwrap().as_dword(), Some(1));
    let control_set = view.control_set();
    assert_eq!(control_set.name.as_deref(), Some("ControlSet001"));
    assert_eq!(control_set.how, "SYSTEM\\Select\\Current = 1");
}

#[test]
fn regipy_system_computer_name_and_its_key() {
    let Some(view) = system_view() else { return };
    assert_eq!(view.computer_name().as_deref(), Some("WKS-WIN732BITA"));
    let found = view
        .read_value(
            HiveKind::System,
            "CurrentControlSet\\Control\\ComputerName\\ComputerName",
            "computername",
        )
        .found()
        .unwrap();
    assert_eq!(
        found.key_path,
        "HKLM\\SYSTEM\\ControlSet001\\Control\\ComputerName\\ComputerName"
    );
    assert_eq!(found.origin, "SYSTEM");
    assert_eq!(found.value.type_code, reg_type::SZ);
    // 2010-11-10 17:18:08 UTC, in whole seconds since 1601.
    assert_eq!(found.key_last_written.unwrap() / 10_000_000, 12_933_883_088);
    let default = view
        .read_value(
            HiveKind::System,
            "ControlSet001\\Control\\ComputerName\\ComputerName",
            "",
        )
        .found()
        .unwrap();
    assert_eq!(default.value.as_string().as_deref(), Some("mnmsrvc"));
}

#[test]
fn regipy_system_services_counts_and_stored_case() {
    let Some((hive, _)) = regipy("SYSTEM") else {
        return;
    };
    let services1 = key(&hive, "ControlSet001\\Services");
    assert_eq!(services1.subkeys.len(), 467);
    assert_eq!(
        services1.path, "ControlSet001\\services",
        "stored case kept"
    );
    assert!(services1.problems.is_empty());
    let services2 = key(&hive, "CONTROLSET002\\SERVICES");
    assert_eq!(services2.subkeys.len(), 466);
    for present in ["W3SVC", "LanmanServer", "Tcpip"] {
        assert!(
            services1
                .subkeys
                .iter()
                .any(|s| s.eq_ignore_ascii_case(present)),
            "{present}"
        );
    }
    let tcpip = key(&hive, "ControlSet001\\Services\\Tcpip\\Parameters");
    assert_eq!(string_value(&tcpip, "Hostname"), "WKS-WIN732BITA");
    assert_eq!(string_value(&tcpip, "NV Hostname"), "WKS-WIN732BITA");
    assert_eq!(string_value(&tcpip, "Domain"), "shieldbase.local");
}

#[test]
fn regipy_system_has_no_imc_and_says_which_key_is_missing() {
    let Some(view) = system_view() else { return };
    for absent in ["MSExchangeIMC", "IISADMIN", "SMTPSVC"] {
        let lookup = view.read_value(
            HiveKind::System,
            &format!("CurrentControlSet\\Services\\{absent}\\Parameters"),
            "RootDir",
        );
        assert_eq!(
            lookup,
            Lookup::NotFound {
                missing: format!("key ControlSet001\\Services\\{absent}")
            }
        );
    }
    assert!(matches!(
        view.read_key(HiveKind::Software, "Microsoft"),
        Lookup::NoData { .. }
    ));
}

#[test]
fn regipy_system_is_identified_by_structure_not_by_a_misleading_name() {
    let Some((hive, _)) = regipy("SYSTEM") else {
        return;
    };
    assert_eq!(hive.header().file_name, "SYSTEM");
    let root = key(&hive, "");
    assert!(root.subkeys.iter().all(|k| k != "CurrentControlSet"));
    let id = hive.identify("bundle/software.sav");
    assert_eq!(id.kind, Some(HiveKind::System));
    assert!(id.reason.contains("Select"), "{}", id.reason);
    assert!(id.reason.contains("ignored"), "{}", id.reason);
}

#[test]
fn regipy_security_opens_dirty_with_a_warning() {
    let Some((hive, warnings)) = regipy("SECURITY") else {
        return;
    };
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(
        warnings[0],
        "SECURITY: dirty hive (sequence numbers 107/106): changes still in its transaction logs are missing; no logs were applied"
    );
    assert!(hive.header().is_dirty());
    assert!(hive.header().checksum_ok);
    assert_eq!(
        hive.header().file_name,
        "emRoot\\System32\\Config\\SECURITY"
    );
    let id = hive.identify("SECURITY");
    assert_eq!(id.kind, Some(HiveKind::Security), "{}", id.reason);
    let mut root = key(&hive, "").subkeys;
    root.sort();
    assert_eq!(root, ["Cache", "Policy", "RXACT"]);
    let domain = key(&hive, "Policy\\PolAcDmS");
    let (sid, _) = hivetriage::registry::sam::parse_sid(&domain.value("").unwrap().raw).unwrap();
    assert_eq!(sid, "S-1-5-21-1786693902-1815088602-2777321892");
    let name = key(&hive, "Policy\\PolPrDmN");
    // A UNICODE_STRING header (length, maximum, offset) then the text.
    assert_eq!(
        utf16le_until_nul(&name.value("").unwrap().raw[8..]),
        "WORKGROUP"
    );
}

const MACHINE: &str = "S-1-5-21-1760460187-1592185332-161725925";

fn regipy_sam() -> Option<(HiveFile, LocalAccounts)> {
    let (hive, warnings) = regipy("SAM")?;
    assert!(warnings.is_empty(), "{warnings:?}");
    let accounts = LocalAccounts::from_sam(&hive).unwrap();
    Some((hive, accounts))
}

#[test]
fn regipy_sam_machine_sid_and_users() {
    let Some((hive, accounts)) = regipy_sam() else {
        return;
    };
    assert_eq!(hive.identify("x").kind, Some(HiveKind::Sam));
    assert_eq!(accounts.machine_sid.as_deref(), Some(MACHINE));
    let users: Vec<(&str, u32, Option<&str>)> = accounts
        .users
        .iter()
        .map(|u| (u.name.as_str(), u.rid, u.sid.as_deref()))
        .collect();
    assert_eq!(
        users,
        [
            ("Administrator", 500, Some(&*format!("{MACHINE}-500"))),
            ("Guest", 501, Some(&*format!("{MACHINE}-501"))),
            ("Preston", 1000, Some(&*format!("{MACHINE}-1000"))),
        ]
    );
    assert_eq!(accounts.user("PRESTON").unwrap().rid, 1000);
    // The Users key has one subkey per RID, confirming the type-number RIDs.
    let mut rid_keys = key(&hive, "SAM\\Domains\\Account\\Users").subkeys;
    rid_keys.sort();
    assert_eq!(rid_keys, ["000001F4", "000001F5", "000003E8", "Names"]);
}

#[test]
fn regipy_sam_machine_sid_is_confirmed_by_the_members_index() {
    let Some((hive, _)) = regipy_sam() else {
        return;
    };
    let members = key(&hive, "SAM\\Domains\\Builtin\\Aliases\\Members");
    assert!(
        members.subkeys.iter().any(|s| s == MACHINE),
        "{:?}",
        members.subkeys
    );
}

#[test]
fn regipy_sam_builtin_aliases_match_the_readme_and_their_names_keys() {
    let Some((hive, accounts)) = regipy_sam() else {
        return;
    };
    let mut names: Vec<&str> = accounts
        .groups
        .iter()
        .filter(|g| g.kind == GroupKind::BuiltinAlias)
        .map(|g| g.name.as_str())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Administrators",
            "Backup Operators",
            "Cryptographic Operators",
            "Distributed COM Users",
            "Event Log Readers",
            "Guests",
            "IIS_IUSRS",
            "Network Configuration Operators",
            "Performance Log Users",
            "Performance Monitor Users",
            "Power Users",
            "Remote Desktop Users",
            "Replicator",
            "Users",
        ]
    );
    // Each name decoded from a C value is a Names entry whose type is the RID.
    for group in accounts
        .groups
        .iter()
        .filter(|g| g.kind == GroupKind::BuiltinAlias)
    {
        let entry = key(
            &hive,
            &format!("SAM\\Domains\\Builtin\\Aliases\\Names\\{}", group.name),
        );
        assert_eq!(
            entry.value("").unwrap().type_code,
            group.rid,
            "{}",
            group.name
        );
        assert_eq!(
            group.sid.as_deref(),
            Some(&*format!("S-1-5-32-{}", group.rid))
        );
    }
    let administrators = accounts.groups.iter().find(|g| g.rid == 544).unwrap();
    assert_eq!(administrators.name, "Administrators");
}

#[test]
fn regipy_sam_alias_members_agree_with_the_reverse_index() {
    let Some((hive, accounts)) = regipy_sam() else {
        return;
    };
    // Members\<domain SID>\<RID> lists (type = count, data = RIDs) the
    // aliases that member belongs to: an independent record of the C lists.
    let mut from_index: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let members = "SAM\\Domains\\Builtin\\Aliases\\Members";
    for domain in key(&hive, members).subkeys {
        for rid in key(&hive, &format!("{members}\\{domain}")).subkeys {
            let entry = key(&hive, &format!("{members}\\{domain}\\{rid}"));
            let value = entry.value("").unwrap();
            let aliases: Vec<u32> = value
                .raw
                .chunks_exact(4)
                .map(|d| u32::from_le_bytes(d.try_into().unwrap()))
                .collect();
            assert_eq!(aliases.len() as u32, value.type_code);
            let member = format!("{domain}-{}", u32::from_str_radix(&rid, 16).unwrap());
            from_index.insert(member, aliases);
        }
    }
    let mut from_c: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for group in accounts
        .groups
        .iter()
        .filter(|g| g.kind == GroupKind::BuiltinAlias)
    {
        for member in &group.member_sids {
            from_c.entry(member.clone()).or_default().push(group.rid);
        }
    }
    for list in from_index.values_mut().chain(from_c.values_mut()) {
        list.sort();
    }
    assert!(!from_c.is_empty());
    assert_eq!(from_c, from_index);
    let guest = format!("{MACHINE}-501");
    let guests: Vec<&str> = accounts
        .groups_of(&guest)
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert!(guests.contains(&"Guests"), "{guests:?}");
    let users = accounts.groups.iter().find(|g| g.name == "Users").unwrap();
    assert!(users.member_sids.contains(&"S-1-5-4".to_string()));
    assert!(users.member_sids.contains(&"S-1-5-11".to_string()));
    assert!(users.member_sids.contains(&format!("{MACHINE}-1000")));
}

#[test]
fn regipy_sam_account_group_none_lists_every_user() {
    let Some((_, accounts)) = regipy_sam() else {
        return;
    };
    let groups: Vec<_> = accounts
        .groups
        .iter()
        .filter(|g| g.kind == GroupKind::AccountGroup)
        .collect();
    assert_eq!(groups.len(), 1);
    let none = groups[0];
    assert_eq!((none.name.as_str(), none.rid), ("None", 513));
    assert_eq!(none.sid.as_deref(), Some(&*format!("{MACHINE}-513")));
    let expected: Vec<String> = [500, 501, 1000]
        .iter()
        .map(|r| format!("{MACHINE}-{r}"))
        .collect();
    assert_eq!(none.member_sids, expected);
    assert!(
        accounts
            .groups
            .iter()
            .all(|g| g.kind != GroupKind::AccountAlias),
        "the corpus SAM has no account-domain aliases"
    );
}

#[test]
fn other_hives_are_not_sams() {
    let Some((hive, _)) = regipy("SECURITY") else {
        return;
    };
    let error = LocalAccounts::from_sam(&hive).unwrap_err();
    assert_eq!(error.file, "SECURITY");
    assert!(error.detail.contains("not a SAM"), "{error}");
}

// ---------------------------------------------------------------- yarp

#[test]
fn many_subkeys_through_an_index_root() {
    let Some((hive, warnings)) = yarp("ManySubkeysHive") else {
        return;
    };
    assert!(warnings.is_empty());
    let parent = key(&hive, "key_with_many_subkeys");
    assert_eq!(parent.subkeys.len(), 5000);
    let mut numbers: Vec<u32> = parent.subkeys.iter().map(|s| s.parse().unwrap()).collect();
    numbers.sort();
    assert_eq!(numbers, (1..=5000).collect::<Vec<_>>());
    let found = key(&hive, "key_with_MAny_subkeys\\2119\\Find_me");
    assert_eq!(found.path, "key_with_many_subkeys\\2119\\find_me");
    assert!(
        hive.read_key("key_with_many_subkeys\\3000")
            .unwrap()
            .is_some()
    );
    assert!(
        hive.read_key("key_with_many_subkeys\\3000\\doesnt_exist")
            .unwrap()
            .is_none()
    );
    assert!(
        hive.read_key("key_with_many_subkeys\\5001")
            .unwrap()
            .is_none()
    );
}

#[test]
fn unicode_names_compare_case_insensitively() {
    let Some((hive, _)) = yarp("UnicodeHive") else {
        return;
    };
    assert_eq!(key(&hive, "ПриВет\\КлюЧ").path, "Привет\\Ключ");
    assert_eq!(key(&hive, "привет").path, "Привет");
    assert_eq!(key(&hive, "ПРИВЕТ\\ключ").path, "Привет\\Ключ");
    assert!(hive.read_key("Привет\\Ключи").unwrap().is_none());
}

#[test]
fn big_data_values_are_assembled() {
    let Some((hive, _)) = yarp("BigDataHive") else {
        return;
    };
    assert_eq!(hive.header().minor_version, 5);
    let k = key(&hive, "key_with_bigdata");
    assert!(k.problems.is_empty(), "{:?}", k.problems);
    let default = k.value("").unwrap();
    assert_eq!(default.type_code, reg_type::BINARY);
    assert_eq!(default.raw.len(), 16345);
    assert!(default.raw.iter().all(|&b| b == b'1'));
    let v = k.value("V").unwrap();
    assert_eq!(v.raw.len(), 81725);
    assert!(v.raw.iter().all(|&b| b == b'2'));
}

#[test]
fn multi_sz_values() {
    let Some((hive, _)) = yarp("MultiSzHive") else {
        return;
    };
    let k = key(&hive, "key");
    assert_eq!(k.values.len(), 2);
    assert!(k.value("").is_none(), "no default value");
    let empty = k.value("1").unwrap();
    assert_eq!((empty.type_code, empty.raw.len()), (reg_type::MULTI_SZ, 2));
    assert_eq!(empty.data_json(), serde_json::json!([]));
    assert_eq!(
        k.value("2").unwrap().data_json(),
        serde_json::json!(["привет", "как дела?"])
    );
}

#[test]
fn string_values_keep_their_types_and_trailing_space() {
    let Some((hive, _)) = yarp("StringValuesHive") else {
        return;
    };
    let k = key(&hive, "key");
    let default = k.value("").unwrap();
    assert_eq!((default.type_code, default.raw.len()), (reg_type::SZ, 20));
    assert_eq!(default.as_string().as_deref(), Some("test тест"));
    let binary = k.value("1").unwrap();
    assert_eq!(
        (binary.type_code, binary.raw.as_slice()),
        (reg_type::BINARY, &b"test"[..])
    );
    let expand = k.value("2").unwrap();
    assert_eq!(expand.type_code, reg_type::EXPAND_SZ);
    assert_eq!(expand.as_string().as_deref(), Some("test тест"));
    let spaced = k.value("3").unwrap();
    assert_eq!(spaced.type_code, reg_type::SZ);
    // Exactly the data size: the cell's slack bytes are not data.
    assert_eq!(spaced.raw.len(), 22);
    assert_eq!(spaced.as_string().as_deref(), Some("test тест "));
}

#[test]
fn extended_ascii_compressed_names_are_latin1() {
    let Some((hive, _)) = yarp("ExtendedASCIIHive") else {
        return;
    };
    let k = key(&hive, "ËIGENAARDIG");
    assert_eq!(k.path, "ëigenaardig");
    let value = k.value("ëigenaardig").unwrap();
    assert_eq!(value.name, "ëigenaardig");
    assert_eq!(value.as_string().as_deref(), Some("ëigenaardig"));
}

#[test]
fn comp_hive_keeps_u009f_and_u0178_apart() {
    let Some((hive, _)) = yarp("CompHive") else {
        return;
    };
    let root = key(&hive, "");
    assert_eq!(root.subkeys, ["\u{9F}", "\u{178}"]);
    assert_eq!(key(&hive, "\u{9F}").subkeys, ["123"]);
    assert!(key(&hive, "\u{178}").subkeys.is_empty());
    assert!(hive.read_key("\u{9F}\\123").unwrap().is_some());
    assert!(hive.read_key("\u{178}\\123").unwrap().is_none());
}

#[test]
fn bogus_key_names_are_listed_and_found() {
    let Some((hive, _)) = yarp("BogusKeyNamesHive") else {
        return;
    };
    let mut root = key(&hive, "").subkeys;
    root.sort();
    assert_eq!(root, ["testnew\r\nne", "testnu\0l"]);
    assert!(hive.read_key("TESTNEW\r\nNE").unwrap().is_some());
    assert!(hive.read_key("testnu\0l").unwrap().is_some());
    assert!(hive.read_key("testnu").unwrap().is_none());
}

#[test]
fn dup_name_hive_has_one_live_ccc() {
    let Some((hive, _)) = yarp("DupNameHive") else {
        return;
    };
    assert_eq!(key(&hive, "").subkeys, ["ccc"]);
    assert_eq!(walk_all(&hive), (2, 0, 0, 0));
}

#[test]
fn wrong_order_lists_are_scanned_linearly() {
    let Some((hive, _)) = yarp("WrongOrderHive") else {
        return;
    };
    assert_eq!(key(&hive, "1").subkeys, ["2", "1", "3", "4"]);
    assert_eq!(key(&hive, "2").subkeys, ["а", "б", "г", "в"]);
    for path in [
        "1\\1", "1\\2", "1\\3", "1\\4", "2\\а", "2\\Б", "2\\в", "2\\Г",
    ] {
        assert!(hive.read_key(path).unwrap().is_some(), "{path}");
    }
}

#[test]
fn empty_hive_and_its_header() {
    let Some((hive, warnings)) = yarp("EmptyHive") else {
        return;
    };
    assert!(warnings.is_empty());
    let root = key(&hive, "");
    assert!(root.subkeys.is_empty() && root.values.is_empty());
    assert_eq!(
        (hive.header().major_version, hive.header().minor_version),
        (1, 3)
    );
    assert_eq!(
        (
            hive.header().primary_sequence,
            hive.header().secondary_sequence
        ),
        (2, 2)
    );
    // 2017-03-04 16:37:31 UTC, in whole seconds since 1601.
    assert_eq!(hive.header().last_written / 10_000_000, 13_133_119_051);
    let id = hive.identify("SYSTEM");
    assert_eq!(id.kind, None, "an entry name alone does not decide");
    assert!(id.reason.contains("suggests SYSTEM"), "{}", id.reason);
}

#[test]
fn garbage_after_the_last_bin_is_ignored_and_the_bad_checksum_reported() {
    let Some((hive, warnings)) = yarp("GarbageHive") else {
        return;
    };
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("GarbageHive: the header checksum is wrong"),
        "{}",
        warnings[0]
    );
    assert!(!hive.header().checksum_ok);
    assert_eq!(hive.header().hive_bins_size, 4096);
    assert_eq!(walk_all(&hive), (1, 0, 0, 0));
}

// ------------------------------------------------- damaged: pinned outcomes

#[test]
fn bad_list_hive_reports_the_shared_list() {
    let Some((hive, warnings)) = yarp("BadListHive") else {
        return;
    };
    assert!(warnings.is_empty());
    // Key 2's list is key 3's: its entry names key 3 as its parent.
    // nt-hive does not check parents and would list `subkey` under both 2
    // and 3; hivetriage checks the parent field around it (as Windows does
    // on load), so 2 has no subkeys and one problem, and `3\subkey` is
    // read where it belongs.
    let two = key(&hive, "2");
    assert!(two.subkeys.is_empty());
    assert_eq!(two.problems.len(), 1);
    let problem = &two.problems[0].error;
    assert_eq!(problem.file, "BadListHive");
    assert_eq!(problem.key_path, "2");
    assert!(problem.offset.is_some());
    assert!(problem.detail.contains("parent"), "{problem}");
    let error = hive.read_key("2\\subkey").unwrap_err();
    assert_eq!(error.file, "BadListHive");
    assert_eq!(error.key_path, "2\\subkey");
    assert!(error.offset.is_some());
    assert!(hive.read_key("3\\subkey").unwrap().is_some());
    // The root, 1, 2, 3, 3\subkey, 4; the one problem is key 2's.
    assert_eq!(walk_all(&hive), (6, 0, 1, 0));
}

#[test]
fn bad_subkey_hive_reports_the_foreign_subkey() {
    let Some((hive, _)) = yarp("BadSubkeyHive") else {
        return;
    };
    let two = key(&hive, "2");
    assert_eq!(two.problems.len(), 1);
    assert!(
        two.problems[0].error.detail.contains("parent"),
        "{}",
        two.problems[0]
    );
    assert!(hive.read_key("2\\subkey").is_err());
    assert!(hive.read_key("3\\subkey").unwrap().is_some());
    // As BadListHive: the subkey record under 2 is 3's (parent check).
    assert_eq!(walk_all(&hive), (6, 0, 1, 0));
}

#[test]
fn truncated_hive_reads_what_is_there() {
    let Some((hive, warnings)) = yarp("TruncatedHive") else {
        return;
    };
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("truncated") && warnings[0].contains("487424"),
        "{}",
        warnings[0]
    );
    let k = key(&hive, "key_with_many_subkeys");
    assert!(k.subkeys.is_empty());
    // One problem per leaf list of the index root that lies past the end:
    // nt-hive's index-root iterator reports each unreadable leaf and goes
    // on with the next.
    assert_eq!(k.problems.len(), 9);
    assert!(k.problems.iter().all(|p| p.error.offset.unwrap() >= 12288));
    let error = hive.read_key("key_with_many_subkeys\\1").unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("TruncatedHive: reading key 'key_with_many_subkeys\\1' (at byte offset"),
        "{error}"
    );
    // The root and key_with_many_subkeys, with the 9 leaf problems.
    assert_eq!(walk_all(&hive), (2, 0, 9, 0));
}

#[test]
fn truncated_name_hive_reports_the_name() {
    let Some((hive, _)) = yarp("TruncatedNameHive") else {
        return;
    };
    let root = key(&hive, "");
    assert!(root.subkeys.is_empty());
    assert_eq!(root.problems.len(), 1);
    assert!(
        root.problems[0].error.detail.contains("name"),
        "{}",
        root.problems[0]
    );
    let error = hive.read_key("anything").unwrap_err();
    assert_eq!(error.file, "TruncatedNameHive");
    assert_eq!(error.offset, root.problems[0].error.offset);
    // nt-hive refuses the name (its length field runs past the cell), so
    // the subkey cannot be listed: the root alone, with one problem.
    assert_eq!(walk_all(&hive), (1, 0, 1, 0));
}

#[test]
fn bad_base_block_hive_is_read_with_every_header_problem_said() {
    let Some((hive, warnings)) = yarp("BadBaseBlockHive/BadBaseBlockHive") else {
        return;
    };
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.starts_with("BadBaseBlockHive: ")));
    assert!(warnings[0].contains("dirty hive (sequence numbers 5/4)"));
    assert!(warnings[1].contains("checksum is wrong"));
    assert!(warnings[2].contains("version 1.1"));
    // Only the base block is damaged: the bins are OldDirtyHive's.
    assert_eq!(key(&hive, "key_with_many_subkeys").subkeys.len(), 5000);
    assert_eq!(walk_all(&hive), (5003, 0, 0, 0));
}

#[test]
fn dirty_hives_without_logs_are_read_as_they_are() {
    let Some((hive, warnings)) = yarp("NewDirtyHive1/NewDirtyHive") else {
        return;
    };
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains("sequence numbers 3/2"));
    let mut root = key(&hive, "").subkeys;
    root.sort();
    assert_eq!(root, ["Key1", "Key2"]);
    assert_eq!(key(&hive, "Key1").value("").unwrap().raw.len(), 12002);
    assert_eq!(string_value(&key(&hive, "Key2"), "v"), "testTEST");
    let Some((old, _)) = yarp("OldDirtyHive/OldDirtyHive") else {
        return;
    };
    let many = key(&old, "key_with_many_subkeys");
    assert_eq!(many.subkeys.len(), 5000);
    assert!(
        old.read_key("key_with_many_subkeys\\5000\\find_me_in_log")
            .unwrap()
            .is_none()
    );
    assert!(
        key(&old, "key_with_many_subkeys\\4500")
            .value("v")
            .is_none()
    );
}

#[test]
fn recovered_hives_show_the_logged_changes() {
    let Some((hive, warnings)) = yarp("OldDirtyHive/RecoveredHive_Windows7") else {
        return;
    };
    assert!(warnings.is_empty());
    assert_eq!(key(&hive, "key_with_many_subkeys").subkeys.len(), 4999);
    let v = key(&hive, "key_with_many_subkeys\\4500");
    let v = v.value("V").unwrap();
    assert_eq!((v.type_code, v.raw.len()), (reg_type::MULTI_SZ, 20));
    assert_eq!(v.data_json(), serde_json::json!(["a", "bb", "ccc"]));
    let Some((new, _)) = yarp("NewDirtyHive1/RecoveredHive_Windows10") else {
        return;
    };
    assert_eq!(key(&new, "").subkeys, ["Key3"]);
    assert_eq!(key(&new, "Key3").value("").unwrap().raw.len(), 2882);
}

#[test]
fn transaction_logs_are_not_hives() {
    for log in [
        "NewDirtyHive1/NewDirtyHive.LOG1",
        "OldDirtyHive/OldDirtyHive.LOG1",
    ] {
        let Some(bytes) = common::shared_file(&format!("corpus/yarp/{log}")) else {
            return;
        };
        match HiveFile::open(log, bytes) {
            Err(HiveOpenError::NotAHive { file, detail }) => {
                assert_eq!(file, log);
                assert!(detail.contains("transaction log"), "{detail}");
            }
            other => panic!("{log}: {:?}", other.map(|_| ())),
        }
    }
    let Some(bytes) = common::shared_file("corpus/yarp/OldDirtyHive/OldDirtyHive.LOG2") else {
        return;
    };
    assert!(matches!(
        HiveFile::open("empty.LOG2", bytes),
        Err(HiveOpenError::NotAHive { .. })
    ));
}

// ------------------------------------------------------- whole-corpus runs

const ALL_YARP: &[&str] = &[
    "BadListHive",
    "BadSubkeyHive",
    "BigDataHive",
    "BogusKeyNamesHive",
    "CompHive",
    "DupNameHive",
    "EmptyHive",
    "ExtendedASCIIHive",
    "GarbageHive",
    "ManySubkeysHive",
    "MultiSzHive",
    "StringValuesHive",
    "TruncatedHive",
    "TruncatedNameHive",
    "UnicodeHive",
    "WrongOrderHive",
    "BadBaseBlockHive/BadBaseBlockHive",
    "NewDirtyHive1/NewDirtyHive",
    "NewDirtyHive1/RecoveredHive_Windows10",
    "OldDirtyHive/OldDirtyHive",
    "OldDirtyHive/RecoveredHive_Windows7",
];

#[test]
fn every_corpus_hive_walks_to_the_end_and_reads_back() {
    let mut seen = 0;
    for name in ALL_YARP {
        let Some((hive, _)) = yarp(name) else { return };
        let (keys, _, _, walk_problems) = walk_all(&hive);
        assert!(keys >= 1, "{name}");
        assert_eq!(walk_problems, 0, "{name}");
        seen += 1;
    }
    for name in ["SYSTEM", "SAM", "SECURITY"] {
        let Some((hive, _)) = regipy(name) else {
            return;
        };
        let (keys, values, problems, walk_problems) = walk_all(&hive);
        assert_eq!((problems, walk_problems), (0, 0), "{name}");
        assert!(keys > 1 && values > 1, "{name}");
        seen += 1;
    }
    assert_eq!(seen, ALL_YARP.len() + 3);
}

#[test]
fn a_walk_can_skip_and_stop() {
    let Some((hive, _)) = yarp("ManySubkeysHive") else {
        return;
    };
    let mut visited = 0;
    let summary = hive
        .walk("", &mut |key: &RegKey| {
            visited += 1;
            if key.path.is_empty() {
                WalkControl::Continue
            } else {
                WalkControl::SkipSubkeys
            }
        })
        .unwrap()
        .unwrap();
    assert_eq!((visited, summary.keys, summary.stopped), (2, 2, false));
    let mut visited = 0;
    let summary = hive
        .walk("KEY_WITH_MANY_SUBKEYS", &mut |_: &RegKey| {
            visited += 1;
            if visited == 10 {
                WalkControl::Stop
            } else {
                WalkControl::Continue
            }
        })
        .unwrap()
        .unwrap();
    assert_eq!((summary.keys, summary.stopped), (10, true));
    assert!(
        hive.walk("nope", &mut |_: &RegKey| WalkControl::Continue)
            .unwrap()
            .is_none()
    );
}

// ------------------------------------------- nt-hive used bare

/// Every key path (lower-cased) with its values (name, type, data).
type Tree = BTreeMap<String, Vec<(String, u32, Vec<u8>)>>;

/// The tree as nt-hive reads it used the plain way (used only on clean
/// corpus hives): what hivetriage adds around it (guards, parent checks,
/// budgets, duplicate handling, its own name decoding and comparison) must
/// not change a clean hive.
fn nt_hive_tree(bytes: &[u8]) -> Tree {
    fn visit(node: &nt_hive::KeyNode<&[u8]>, path: String, out: &mut Tree) {
        let mut values = Vec::new();
        if let Some(list) = node.values() {
            for value in list.unwrap() {
                let value = value.unwrap();
                let type_code = match value.data_type() {
                    Ok(t) => t as u32,
                    Err(nt_hive::NtHiveError::UnsupportedKeyValueDataType { actual, .. }) => actual,
                    Err(e) => panic!("{path}: {e}"),
                };
                let data = if value.data_size() == 0 {
                    Vec::new()
                } else {
                    value.data().unwrap().into_vec().unwrap()
                };
                values.push((value.name().unwrap().to_string_lossy(), type_code, data));
            }
        }
        values.sort();
        out.insert(path.to_lowercase(), values);
        if let Some(subkeys) = node.subkeys() {
            for child in subkeys.unwrap() {
                let child = child.unwrap();
                let name = child.name().unwrap().to_string_lossy();
                let child_path = if path.is_empty() {
                    name
                } else {
                    format!("{path}\\{name}")
                };
                visit(&child, child_path, out);
            }
        }
    }
    let hive = nt_hive::Hive::without_validation(bytes).unwrap();
    let mut out = BTreeMap::new();
    visit(&hive.root_key_node().unwrap(), String::new(), &mut out);
    out
}

fn our_tree(hive: &HiveFile) -> Tree {
    let mut out = BTreeMap::new();
    hive.walk("", &mut |key: &RegKey| {
        let mut values: Vec<_> = key
            .values
            .iter()
            .map(|v| (v.name.clone(), v.type_code, v.raw.clone()))
            .collect();
        values.sort();
        out.insert(key.path.to_lowercase(), values);
        WalkControl::Continue
    })
    .unwrap()
    .unwrap();
    out
}

#[test]
fn nt_hive_reads_the_same_keys_and_values_in_clean_hives() {
    let mut compared = 0;
    for (name, bytes) in [
        ("SYSTEM", common::shared_xz_file("corpus/regipy/SYSTEM.xz")),
        ("SAM", common::shared_xz_file("corpus/regipy/SAM.xz")),
        (
            "SECURITY",
            common::shared_xz_file("corpus/regipy/SECURITY.xz"),
        ),
        (
            "ManySubkeysHive",
            common::shared_file("corpus/yarp/ManySubkeysHive"),
        ),
        (
            "UnicodeHive",
            common::shared_file("corpus/yarp/UnicodeHive"),
        ),
        (
            "StringValuesHive",
            common::shared_file("corpus/yarp/StringValuesHive"),
        ),
        (
            "MultiSzHive",
            common::shared_file("corpus/yarp/MultiSzHive"),
        ),
        (
            "BigDataHive",
            common::shared_file("corpus/yarp/BigDataHive"),
        ),
    ] {
        let Some(bytes) = bytes else { return };
        let theirs = nt_hive_tree(&bytes);
        let (hive, _) = HiveFile::open(name, bytes).unwrap();
        let ours = our_tree(&hive);
        assert_eq!(ours.len(), theirs.len(), "{name}: key count");
        for (path, values) in &theirs {
            assert_eq!(ours.get(path), Some(values), "{name}: {path}");
        }
        compared += 1;
    }
    assert_eq!(compared, 8);
}

/// A full walk of the regipy SYSTEM hive reaches every value (its speed is
/// measured by `benches/registry.rs`, not here).
#[test]
fn full_walk_of_regipy_system_reads_every_value() {
    let Some((hive, _)) = regipy("SYSTEM") else {
        return;
    };
    let mut values = 0usize;
    let summary = hive
        .walk("", &mut |key: &RegKey| {
            values += key.values.len();
            WalkControl::Continue
        })
        .unwrap()
        .unwrap();
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    assert_eq!(values, 73456);
}

// ------------------------------------ an independent reader: reglookup

/// The regipy SYSTEM hive read by reglookup and by us: every key and value
/// the same (see `common::reglookup::compare`). Skips when reglookup or
/// `../shared` is absent.
#[test]
fn reglookup_reads_the_same_system_hive() {
    let Some(bytes) = common::shared_xz_file("corpus/regipy/SYSTEM.xz") else {
        return;
    };
    let (hive, _) = HiveFile::open("SYSTEM", bytes.clone()).unwrap();
    let Some(compared) = common::reglookup::compare(&bytes, &hive) else {
        return;
    };
    assert_eq!((compared.keys, compared.values), (30_756, 73_456));
    assert!(compared.data > 60_000, "{compared:?}");
}
