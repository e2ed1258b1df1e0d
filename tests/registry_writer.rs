//! The hive reader and registry view on hives made with the regf writer
//! (`fixture::regf`) and SAM contents made with `fixture::sam`: control sets
//! other than 001, `CurrentControlSet` resolution, expansion, unknown value
//! types, identification by structure, SAM round trips, and damage made on
//! purpose at known cells.

use hivetriage::fixture::regf::{BASE_BLOCK_SIZE, HiveBuilder, WrittenHive};
use hivetriage::fixture::sam::SamBuilder;
use hivetriage::registry::sam::{DamagedPart, GroupKind, LocalAccounts, RecordProblem};
use hivetriage::registry::{
    HiveData, HiveFile, HiveKind, Lookup, RegKey, RegistryView, WalkControl, reg_type,
};

const MACHINE: &str = "S-1-5-21-1004336348-1177238915-682003330";

fn open(name: &str, hive: &HiveBuilder) -> HiveFile {
    let (file, warnings) = HiveFile::open(name, hive.to_bytes()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    file
}

/// SYSTEM whose current control set is 002, with 001 holding other data.
fn system_002() -> HiveBuilder {
    let mut hive = HiveBuilder::new();
    hive.file_name("SYSTEM");
    hive.key("Select")
        .dword("Current", 2)
        .dword("Default", 2)
        .dword("Failed", 0)
        .dword("LastKnownGood", 1);
    hive.key("ControlSet001\\Control\\ComputerName\\ComputerName")
        .sz("ComputerName", "OLDNAME");
    hive.key("ControlSet001\\Services\\MSExchangeIMC\\Parameters")
        .sz("RootDir", "C:\\wrong\\imcdata");
    hive.key("ControlSet002\\Control\\ComputerName\\ComputerName")
        .sz("ComputerName", "EXCH01");
    hive.key("ControlSet002\\Services\\MSExchangeIMC\\Parameters")
        .expand_sz("RootDir", "%SystemRoot%\\..\\exchsrvr\\imcdata");
    hive
}

fn software() -> HiveBuilder {
    let mut hive = HiveBuilder::new();
    hive.key("Classes\\.txt").sz("", "txtfile");
    hive.key("Microsoft\\Windows NT\\CurrentVersion")
        .sz("SystemRoot", "C:\\WINNT")
        .sz("CurrentVersion", "5.0");
    hive.key("Microsoft\\Exchange")
        .dword("Active Messaging Use Exchange", 0);
    hive
}

fn view() -> RegistryView {
    let mut view = RegistryView::new();
    view.add(HiveKind::System, Box::new(open("SYSTEM", &system_002())));
    view.add(HiveKind::Software, Box::new(open("SOFTWARE", &software())));
    view
}

#[test]
fn control_set_002_is_used_when_select_current_says_so() {
    let view = view();
    let control_set = view.control_set();
    assert_eq!(control_set.name.as_deref(), Some("ControlSet002"));
    assert_eq!(control_set.how, "SYSTEM\\Select\\Current = 2");
    assert_eq!(view.computer_name().as_deref(), Some("EXCH01"));
    let found = view
        .read_value(
            HiveKind::System,
            "currentcontrolset\\services\\msexchangeimc\\parameters",
            "rootdir",
        )
        .found()
        .unwrap();
    assert_eq!(
        found.key_path,
        "HKLM\\SYSTEM\\ControlSet002\\Services\\MSExchangeIMC\\Parameters"
    );
    assert_eq!(found.value.type_code, reg_type::EXPAND_SZ);
    let text = found.value.as_string().unwrap();
    assert_eq!(text, "%SystemRoot%\\..\\exchsrvr\\imcdata");
    let expanded = view.expand(&text);
    assert_eq!(expanded.text, "C:\\WINNT\\..\\exchsrvr\\imcdata");
    assert!(expanded.unexpanded.is_empty());
    assert_eq!(view.expand("%SYSTEMDRIVE%\\Inetpub").text, "C:\\Inetpub");
}

#[test]
fn a_walk_through_current_control_set_resolves_it() {
    let view = view();
    let mut paths = Vec::new();
    let summary = view.walk(
        HiveKind::System,
        "CurrentControlSet\\Services",
        &mut |key: &RegKey| {
            paths.push(key.path.clone());
            WalkControl::Continue
        },
    );
    assert!(
        matches!(summary, Lookup::Found(ref s) if s.keys == 3),
        "{summary:?}"
    );
    assert_eq!(
        paths,
        [
            "ControlSet002\\Services",
            "ControlSet002\\Services\\MSExchangeIMC",
            "ControlSet002\\Services\\MSExchangeIMC\\Parameters",
        ]
    );
}

#[test]
fn unknown_value_types_are_kept_and_do_not_stop_lookups() {
    let mut hive = HiveBuilder::new();
    hive.key("Enum\\Device")
        .value("Weird", 0x0020_0000, vec![1, 2, 3])
        .value("DEVPKEY", 0xFFFF_0012, vec![0xAB; 40])
        .sz("After", "still read");
    hive.key("Enum\\Device\\Child");
    let file = open("SYSTEM", &hive);
    let key = file.read_key("enum\\device").unwrap().unwrap();
    assert!(key.problems.is_empty());
    assert_eq!(key.values.len(), 3);
    assert_eq!(key.value("weird").unwrap().type_code, 0x0020_0000);
    assert_eq!(key.value("weird").unwrap().raw, [1, 2, 3]);
    assert_eq!(key.value("devpkey").unwrap().type_name(), "0xffff0012");
    assert_eq!(
        key.value("After").unwrap().as_string().as_deref(),
        Some("still read")
    );
    assert!(file.read_key("Enum\\Device\\Child").unwrap().is_some());
    let mut keys = 0;
    file.walk("", &mut |_: &RegKey| {
        keys += 1;
        WalkControl::Continue
    })
    .unwrap();
    assert_eq!(keys, 4);
}

#[test]
fn hives_are_identified_by_structure_whatever_their_names() {
    let mut system = system_002();
    system.file_name("\\SystemRoot\\System32\\Config\\SAM");
    let system = open("x", &system);
    let id = system.identify("bundle/software.sav");
    assert_eq!(id.kind, Some(HiveKind::System), "{}", id.reason);
    assert!(
        id.reason
            .contains("root keys Select, ControlSet001, ControlSet002"),
        "{}",
        id.reason
    );
    assert!(id.reason.contains("disagrees"), "{}", id.reason);

    let software = open("x", &software());
    let id = software.identify("Reg/Machine_System.dat");
    assert_eq!(id.kind, Some(HiveKind::Software), "{}", id.reason);
    assert!(id.reason.contains("Microsoft, Classes"), "{}", id.reason);

    let sam = HiveFile::open("x", SamBuilder::windows2000_defaults(MACHINE).to_bytes())
        .unwrap()
        .0;
    let id = sam.identify("system.hiv");
    assert_eq!(id.kind, Some(HiveKind::Sam), "{}", id.reason);
    assert!(id.reason.contains("SAM\\Domains"), "{}", id.reason);

    // No structure: the header name decides, the entry name alone never.
    let mut bare = HiveBuilder::new();
    bare.file_name("emRoot\\System32\\Config\\SECURITY");
    let id = open("x", &bare).identify("SYSTEM");
    assert_eq!(id.kind, Some(HiveKind::Security), "{}", id.reason);
    let id = open("x", &HiveBuilder::new()).identify("SYSTEM");
    assert_eq!(id.kind, None, "{}", id.reason);
}

#[test]
fn sam_round_trip_with_iusr_in_guests_and_none() {
    let mut sam = SamBuilder::windows2000_defaults(MACHINE);
    let iusr = format!("{MACHINE}-1001");
    sam.user("IUSR_EXCH01", 1001)
        .alias_member(546, &iusr)
        .group_member(513, 1001)
        .account_alias(1002, "Web Writers", &[&iusr, "S-1-5-32-544"]);
    let (file, warnings) = HiveFile::open("SAM", sam.to_bytes()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let accounts = LocalAccounts::from_sam(&file).unwrap();
    assert_eq!(accounts.machine_sid.as_deref(), Some(MACHINE));
    let user = accounts.user("iusr_exch01").unwrap();
    assert_eq!((user.name.as_str(), user.rid), ("IUSR_EXCH01", 1001));
    assert_eq!(user.sid.as_deref(), Some(iusr.as_str()));
    let mut groups: Vec<(&str, GroupKind, Option<&str>)> = accounts
        .groups_of(&iusr)
        .iter()
        .map(|g| (g.name.as_str(), g.kind, g.sid.as_deref()))
        .collect();
    groups.sort_by_key(|g| g.0);
    let none = format!("{MACHINE}-513");
    let writers = format!("{MACHINE}-1002");
    assert_eq!(
        groups,
        [
            ("Guests", GroupKind::BuiltinAlias, Some("S-1-5-32-546")),
            ("None", GroupKind::AccountGroup, Some(none.as_str())),
            (
                "Web Writers",
                GroupKind::AccountAlias,
                Some(writers.as_str())
            ),
        ]
    );
    let users = accounts.groups.iter().find(|g| g.name == "Users").unwrap();
    assert_eq!(users.member_sids, ["S-1-5-4", "S-1-5-11"]);
    assert_eq!(accounts.users.len(), 3);
    assert_eq!(accounts.groups.len(), 5);
}

#[test]
fn sam_builder_writes_the_reverse_index_windows_keeps() {
    let mut sam = SamBuilder::windows2000_defaults(MACHINE);
    sam.user("IUSR_EXCH01", 1001)
        .alias_member(546, &format!("{MACHINE}-1001"))
        .alias_member(545, &format!("{MACHINE}-1001"));
    let file = HiveFile::open("SAM", sam.to_bytes()).unwrap().0;
    let entry = file
        .read_key(&format!(
            "SAM\\Domains\\Builtin\\Aliases\\Members\\{MACHINE}\\000003E9"
        ))
        .unwrap()
        .unwrap();
    let value = entry.value("").unwrap();
    assert_eq!(value.type_code, 2, "the type number counts the aliases");
    let mut rids: Vec<u32> = value
        .raw
        .chunks_exact(4)
        .map(|d| u32::from_le_bytes(d.try_into().unwrap()))
        .collect();
    rids.sort();
    assert_eq!(rids, [545, 546]);
}

/// The file offset of the first data byte of a value the writer placed.
fn value_data_at(written: &WrittenHive, key: &str, value: &str) -> u64 {
    let vk = written.value_cell_offsets[&(key.to_string(), value.to_string())] as usize;
    // vk cell: size (4), "vk", name length (2), data size (4), data offset (4).
    4096 + u64::from(u32_at(&written.bytes, vk + 4 + 8)) + 4
}

#[test]
fn a_damaged_sam_record_costs_only_that_record() {
    let sam = SamBuilder::windows2000_defaults(MACHINE);
    let mut hive = sam.to_hive();
    let guests = "SAM\\Domains\\Builtin\\Aliases\\00000222";
    hive.key(guests).binary("C", &[0x22, 2, 0, 0, 0, 0]);
    hive.key("SAM\\Domains\\Account\\Users\\Names\\Ghost");
    let written = hive.write();
    let file = HiveFile::open("SAM", written.bytes.clone()).unwrap().0;
    let accounts = LocalAccounts::from_sam(&file).unwrap();

    // Everything else is read.
    let mut groups: Vec<&str> = accounts.groups.iter().map(|g| g.name.as_str()).collect();
    groups.sort();
    assert_eq!(groups, ["Administrators", "None", "Users"]);
    let users: Vec<&str> = accounts.users.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(users, ["Administrator", "Guest"]);
    assert_eq!(accounts.machine_sid.as_deref(), Some(MACHINE));

    assert_eq!(accounts.damaged.len(), 2, "{:#?}", accounts.damaged);
    let alias = &accounts.damaged[1];
    assert_eq!(
        alias.part,
        DamagedPart::Group {
            kind: GroupKind::BuiltinAlias,
            rid: 0x222,
            name: Some("Guests".into()),
            sid: Some("S-1-5-32-546".into()),
        }
    );
    let error = &alias.error;
    assert_eq!(error.file, "SAM");
    assert_eq!(error.key_path, guests);
    assert_eq!(error.value.as_deref(), Some("C"));
    // Six bytes hold the RID; the name's offset field (byte 16) is missing.
    assert_eq!(error.offset_in_value, Some(16));
    assert_eq!(
        error.offset,
        Some(value_data_at(&written, guests, "C") + 16)
    );
    assert_eq!(
        error.to_string(),
        format!(
            "SAM: SAM record '{guests}' value C, byte 0x10 (file offset {:#x}): 6 bytes, too short for the field at byte 16",
            value_data_at(&written, guests, "C") + 16
        )
    );

    let ghost = &accounts.damaged[0];
    assert_eq!(
        ghost.part,
        DamagedPart::User {
            name: "Ghost".into()
        }
    );
    assert_eq!(
        ghost.error.key_path,
        "SAM\\Domains\\Account\\Users\\Names\\Ghost"
    );
    assert!(
        ghost.error.to_string().contains("no default value"),
        "{}",
        ghost.error
    );
}

#[test]
fn a_sam_record_the_hive_cannot_read_is_named_with_its_file_offset() {
    let sam = SamBuilder::windows2000_defaults(MACHINE);
    let written = sam.to_hive().write();
    let mut bytes = written.bytes.clone();
    let users = "SAM\\Domains\\Builtin\\Aliases\\00000221";
    let vk = written.value_cell_offsets[&(users.to_string(), "C".to_string())] as usize;
    // Point the Users alias's C data far past the end of the hive.
    put_u32(&mut bytes, vk + 4 + 8, 0x00F0_0000);
    let file = HiveFile::open("SAM", bytes).unwrap().0;
    let accounts = LocalAccounts::from_sam(&file).unwrap();
    assert_eq!(accounts.groups.len(), 3, "{:?}", accounts.groups);
    assert_eq!(accounts.damaged.len(), 1);
    let error = &accounts.damaged[0].error;
    assert_eq!(error.key_path, users);
    assert_eq!(error.value.as_deref(), Some("C"));
    assert!(
        matches!(error.problem, RecordProblem::Unreadable { .. }),
        "{error}"
    );
    assert!(error.offset.is_some(), "{error}");
}

#[test]
fn damaged_sam_structures_are_errors_not_panics() {
    let sam = SamBuilder::windows2000_defaults(MACHINE);
    // Every truncation of the Account V value fails or falls back, never panics.
    let full = sam.to_hive();
    for cut in 0..80 {
        let mut hive = full.clone();
        let v = {
            let file = HiveFile::open("SAM", full.to_bytes()).unwrap().0;
            file.read_key("SAM\\Domains\\Account")
                .unwrap()
                .unwrap()
                .value("V")
                .unwrap()
                .raw
                .clone()
        };
        hive.key("SAM\\Domains\\Account")
            .binary("V", &v[..cut.min(v.len())]);
        let file = HiveFile::open("SAM", hive.to_bytes()).unwrap().0;
        let _ = LocalAccounts::from_sam(&file);
    }
}

#[test]
fn a_hive_without_select_has_no_current_control_set() {
    let mut hive = HiveBuilder::new();
    hive.key("ControlSet001\\Services");
    let mut view = RegistryView::new();
    view.add(HiveKind::System, Box::new(open("SYSTEM", &hive)));
    let control_set = view.control_set();
    assert_eq!(control_set.name, None);
    assert!(
        control_set.how.contains("no Select key"),
        "{}",
        control_set.how
    );
    match view.read_key(HiveKind::System, "CurrentControlSet\\Services") {
        Lookup::NoData { reason } => assert!(reason.contains("no Select key"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // Explicit control sets still read.
    assert!(matches!(
        view.read_key(HiveKind::System, "ControlSet001\\Services"),
        Lookup::Found(_)
    ));
}

// ------------------------------------------------ damage at known cells

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn an_unreadable_value_is_a_problem_and_the_rest_of_the_key_is_read() {
    let mut hive = HiveBuilder::new();
    hive.key("Services\\MSExchangeIMC\\Parameters")
        .sz("RootDir", "C:\\exchsrvr\\imcdata")
        .dword("Other", 7);
    let written = hive.write();
    let mut bytes = written.bytes.clone();
    let vk = written.value_cell_offsets[&(
        "Services\\MSExchangeIMC\\Parameters".to_string(),
        "RootDir".to_string(),
    )] as usize;
    // Point RootDir's data far past the end of the hive.
    put_u32(&mut bytes, vk + 4 + 8, 0x00F0_0000);
    let (file, _) = HiveFile::open("SYSTEM", bytes).unwrap();
    let key = file
        .read_key("Services\\MSExchangeIMC\\Parameters")
        .unwrap()
        .unwrap();
    assert_eq!(key.values.len(), 1);
    assert_eq!(key.value("Other").unwrap().as_dword(), Some(7));
    assert_eq!(key.problems.len(), 1);
    let problem = &key.problems[0].error;
    assert_eq!(problem.file, "SYSTEM");
    assert_eq!(problem.key_path, "Services\\MSExchangeIMC\\Parameters");
    assert_eq!(problem.offset, Some(BASE_BLOCK_SIZE as u64 + 0x00F0_0000));
    assert!(
        problem.detail.starts_with("value \"RootDir\": "),
        "{problem}"
    );

    let mut view = RegistryView::new();
    view.add(HiveKind::System, Box::new(file));
    match view.read_value(
        HiveKind::System,
        "Services\\MSExchangeIMC\\Parameters",
        "rootdir",
    ) {
        Lookup::Failed(error) => assert_eq!(error.offset, problem.offset),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        view.read_value(
            HiveKind::System,
            "Services\\MSExchangeIMC\\Parameters",
            "Absent"
        ),
        Lookup::NotFound { .. }
    ));
}

#[test]
fn a_subkey_list_pointing_back_at_the_root_does_not_loop() {
    let mut hive = HiveBuilder::new();
    hive.key("A\\B");
    let written = hive.write();
    let mut bytes = written.bytes.clone();
    let root = written.key_cell_offsets[""] as usize;
    let a = written.key_cell_offsets["A"] as usize;
    // A's one-element list now names the root, and the root (whose parent
    // field has no meaning) claims A as its parent: every parent check
    // passes, and only the walk's memory of visited keys stops the cycle.
    let a_list = u32_at(&bytes, a + 4 + 28) as usize + BASE_BLOCK_SIZE;
    put_u32(&mut bytes, a_list + 4 + 4, (root - BASE_BLOCK_SIZE) as u32);
    put_u32(&mut bytes, root + 4 + 16, (a - BASE_BLOCK_SIZE) as u32);
    let (file, _) = HiveFile::open("loop", bytes).unwrap();
    let mut paths = Vec::new();
    let summary = file
        .walk("", &mut |key: &RegKey| {
            paths.push(key.path.clone());
            WalkControl::Continue
        })
        .unwrap()
        .unwrap();
    assert_eq!(paths, ["", "A"]);
    assert_eq!(summary.problems.len(), 1, "{:?}", summary.problems);
    let problem = &summary.problems[0];
    assert_eq!(
        (problem.file.as_str(), problem.key_path.as_str()),
        ("loop", "A")
    );
    assert!(problem.detail.contains("second time"), "{problem}");
    assert_eq!(problem.offset, Some(root as u64));
    // A path through the loop is as long as it is written, no longer.
    let deep = vec!["A\\ROOT"; 200].join("\\");
    assert!(file.read_key(&deep).unwrap().is_some());
}

#[test]
fn truncating_a_written_hive_anywhere_never_panics() {
    let mut hive = system_002();
    hive.key("Big").binary("Data", &vec![7u8; 40_000]);
    let bytes = hive.to_bytes();
    for cut in (0..bytes.len()).step_by(509) {
        let Ok((file, _)) = HiveFile::open("cut", bytes[..cut].to_vec()) else {
            continue;
        };
        let _ = file.identify("cut");
        let _ = file.walk("", &mut |_: &RegKey| WalkControl::Continue);
        let _ = file.read_key("ControlSet002\\Services\\MSExchangeIMC\\Parameters");
    }
}

#[test]
fn duplicate_subkey_names_keep_the_first_everywhere() {
    let mut hive = HiveBuilder::new();
    hive.key("Dup\\First").sz("v", "first");
    hive.key("Eup\\Second").sz("v", "second");
    let written = hive.write();
    let mut bytes = written.bytes.clone();
    let eup = written.key_cell_offsets["Eup"] as usize;
    // Rename `Eup` (a compressed name) to `dUP`, a second `Dup`.
    bytes[eup + 4 + 76..eup + 4 + 79].copy_from_slice(b"dUP");
    let (file, _) = HiveFile::open("dup", bytes).unwrap();
    let root = file.read_key("").unwrap().unwrap();
    assert_eq!(root.subkeys, ["Dup"]);
    assert_eq!(root.problems.len(), 1);
    assert!(
        root.problems[0]
            .error
            .detail
            .contains("second subkey named 'dUP'"),
        "{:?}",
        root.problems
    );
    assert!(file.read_key("DUP\\First").unwrap().is_some());
    assert!(file.read_key("DUP\\Second").unwrap().is_none());
    let mut paths = Vec::new();
    file.walk("", &mut |key: &RegKey| {
        paths.push(key.path.clone());
        WalkControl::Continue
    })
    .unwrap();
    assert_eq!(paths, ["", "Dup", "Dup\\First"]);
}

#[test]
fn a_subkey_without_a_name_is_a_problem_not_a_path() {
    let mut hive = HiveBuilder::new();
    hive.key("Named\\Below");
    hive.key("Policy\\PolAcDmN");
    let written = hive.write();
    let mut bytes = written.bytes.clone();
    let policy = written.key_cell_offsets["Policy"] as usize;
    bytes[policy + 4 + 72..policy + 4 + 74].copy_from_slice(&0u16.to_le_bytes());
    let (file, _) = HiveFile::open("noname", bytes).unwrap();
    let root = file.read_key("").unwrap().unwrap();
    assert_eq!(root.subkeys, ["Named"]);
    assert_eq!(root.problems.len(), 1);
    assert_eq!(root.problems[0].error.offset, Some(policy as u64));
    let mut paths = Vec::new();
    file.walk("", &mut |key: &RegKey| {
        paths.push(key.path.clone());
        WalkControl::Continue
    })
    .unwrap();
    assert_eq!(paths, ["", "Named", "Named\\Below"]);
    assert!(file.read_key("PolAcDmN").unwrap().is_none());
}
