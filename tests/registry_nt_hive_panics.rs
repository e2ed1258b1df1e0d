//! Every input on which nt-hive 0.3 panics instead of returning an error,
//! each made from a writer hive patched at a known cell: first the library
//! alone inside `registry::guard::contain` (showing the panic is real and
//! contained; should a newer nt-hive return an error instead, the test says
//! so), then `HiveFile`, which must avoid or contain it, report the damage
//! with file, key path and offset, and read the rest.

use hivetriage::fixture::regf::{BASE_BLOCK_SIZE, HiveBuilder, WrittenHive, base_block_checksum};
use hivetriage::registry::guard::contain;
use hivetriage::registry::{
    HiveData, HiveFile, HiveKind, HiveOpenError, Lookup, ProblemSubject, RegKey, RegistryView,
    WalkControl,
};

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// File offset of the cell an offset field (relative to the hive bins) names.
fn cell_at(bytes: &[u8], field: usize) -> usize {
    u32_at(bytes, field) as usize + BASE_BLOCK_SIZE
}

fn key_at(written: &WrittenHive, path: &str) -> usize {
    written.key_cell_offsets[path] as usize
}

fn value_at(written: &WrittenHive, path: &str, name: &str) -> usize {
    written.value_cell_offsets[&(path.to_string(), name.to_string())] as usize
}

/// Runs `read` over nt-hive alone; true when it panicked (contained).
fn nt_hive_panics(bytes: &[u8], read: impl FnOnce(&nt_hive::Hive<&[u8]>)) -> bool {
    let hive = nt_hive::Hive::without_validation(bytes).unwrap();
    contain(|| read(&hive)).is_err()
}

/// nt-hive's iterator over the subkeys of the key at `path` (found by a
/// linear scan, as hivetriage does), each step inside `contain`.
fn nt_hive_key<'h>(
    hive: &'h nt_hive::Hive<&'h [u8]>,
    path: &str,
) -> nt_hive::KeyNode<'h, &'h [u8]> {
    let mut node = hive.root_key_node().unwrap();
    for component in path.split('\\').filter(|c| !c.is_empty()) {
        node = node
            .subkeys()
            .unwrap()
            .unwrap()
            .filter_map(Result::ok)
            .find(|child| child.name().unwrap() == component)
            .unwrap();
    }
    node
}

fn open(bytes: Vec<u8>) -> HiveFile {
    HiveFile::open("SYSTEM", bytes).unwrap().0
}

fn paths(hive: &HiveFile) -> Vec<String> {
    let mut paths = Vec::new();
    hive.walk("", &mut |key: &RegKey| {
        paths.push(key.path.clone());
        WalkControl::Continue
    })
    .unwrap()
    .unwrap();
    paths
}

const NO_CELL_TEXT: &str = "no cell (0xFFFFFFFF)";

fn parameters() -> HiveBuilder {
    let mut hive = HiveBuilder::new();
    hive.key("Services\\MSExchangeIMC\\Parameters")
        .sz("RootDir", "C:\\exchsrvr\\imcdata")
        .binary("Empty", &[])
        .binary("Big", &[0x42; 40_000])
        .dword("Other", 7);
    hive.key("Services\\A");
    hive.key("Services\\B");
    hive.key("Services\\C");
    hive
}

const PARAMETERS: &str = "Services\\MSExchangeIMC\\Parameters";

#[test]
fn a_base_block_without_regf_panics_in_nt_hive_and_is_refused_first() {
    let mut bytes = parameters().to_bytes();
    bytes[..4].copy_from_slice(b"REGF");
    let outcome = contain(|| nt_hive::Hive::new(&bytes[..]).map(|_| ()));
    assert!(outcome.is_err(), "nt-hive no longer panics: {outcome:?}");
    assert!(matches!(
        HiveFile::open("x", bytes),
        Err(HiveOpenError::NotAHive { .. })
    ));
}

#[test]
fn a_root_offset_of_ffffffff_panics_in_nt_hive_and_is_checked_first() {
    let mut bytes = parameters().to_bytes();
    put_u32(&mut bytes, 36, u32::MAX);
    let checksum = base_block_checksum(&bytes);
    put_u32(&mut bytes, 508, checksum);
    assert!(
        nt_hive_panics(&bytes, |hive| drop(hive.root_key_node())),
        "nt-hive no longer panics"
    );
    match HiveFile::open("SYSTEM", bytes) {
        Err(HiveOpenError::Unreadable { file, detail }) => {
            assert_eq!(file, "SYSTEM");
            assert!(detail.contains("root key (at byte offset 0x"), "{detail}");
            assert!(detail.contains("0xFFFFFFFF"), "{detail}");
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn empty_data_stored_at_ffffffff_is_read_as_empty_without_asking_nt_hive() {
    let written = parameters().write();
    let mut bytes = written.bytes.clone();
    let vk = value_at(&written, PARAMETERS, "Empty");
    // What real hives hold for zero-length data: size 0, offset 0xFFFFFFFF.
    put_u32(&mut bytes, vk + 4 + 4, 0);
    put_u32(&mut bytes, vk + 4 + 8, u32::MAX);
    assert!(
        nt_hive_panics(&bytes, |hive| {
            let node = nt_hive_key(hive, PARAMETERS);
            for value in node.values().unwrap().unwrap() {
                let _ = value.unwrap().data();
            }
        }),
        "nt-hive no longer panics"
    );
    let key = open(bytes).read_key(PARAMETERS).unwrap().unwrap();
    assert!(key.problems.is_empty(), "{:?}", key.problems);
    assert_eq!(key.value("Empty").unwrap().raw, b"");
    assert_eq!(key.values.len(), 4);
}

#[test]
fn value_data_at_ffffffff_is_a_problem_of_that_value() {
    let written = parameters().write();
    let mut bytes = written.bytes.clone();
    let vk = value_at(&written, PARAMETERS, "RootDir");
    put_u32(&mut bytes, vk + 4 + 8, u32::MAX);
    assert!(
        nt_hive_panics(&bytes, |hive| {
            let node = nt_hive_key(hive, PARAMETERS);
            for value in node.values().unwrap().unwrap() {
                let _ = value.unwrap().data();
            }
        }),
        "nt-hive no longer panics"
    );
    let hive = open(bytes);
    let key = hive.read_key(PARAMETERS).unwrap().unwrap();
    assert_eq!(key.values.len(), 3, "the other values are read");
    assert_eq!(key.problems.len(), 1, "{:?}", key.problems);
    let problem = &key.problems[0];
    assert_eq!(problem.about, ProblemSubject::Value("RootDir".into()));
    assert_eq!(problem.error.file, "SYSTEM");
    assert_eq!(problem.error.key_path, PARAMETERS);
    assert_eq!(problem.error.offset, Some(vk as u64), "the value's record");
    assert!(
        problem.error.detail.contains(NO_CELL_TEXT),
        "{}",
        problem.error
    );
    let mut view = RegistryView::new();
    view.add(HiveKind::System, Box::new(hive));
    assert!(matches!(
        view.read_value(HiveKind::System, PARAMETERS, "rootdir"),
        Lookup::Failed(_)
    ));
    assert!(matches!(
        view.read_value(HiveKind::System, PARAMETERS, "Absent"),
        Lookup::NotFound { .. }
    ));
}

#[test]
fn a_value_list_entry_of_ffffffff_is_a_value_list_problem() {
    let written = parameters().write();
    let mut bytes = written.bytes.clone();
    let list = cell_at(&bytes, key_at(&written, PARAMETERS) + 4 + 40);
    put_u32(&mut bytes, list + 4, u32::MAX);
    assert!(
        nt_hive_panics(&bytes, |hive| {
            let node = nt_hive_key(hive, PARAMETERS);
            for value in node.values().unwrap().unwrap() {
                let _ = value;
            }
        }),
        "nt-hive no longer panics"
    );
    let hive = open(bytes);
    let key = hive.read_key(PARAMETERS).unwrap().unwrap();
    assert_eq!(key.values.len(), 3);
    assert_eq!(key.problems.len(), 1, "{:?}", key.problems);
    assert_eq!(key.problems[0].about, ProblemSubject::ValueList);
    assert!(key.problems[0].error.detail.contains("value #0: "));
    assert!(key.problems[0].error.offset.is_some());
    // Any value may be the unreadable one: absent values are failures now.
    let mut view = RegistryView::new();
    view.add(HiveKind::System, Box::new(hive));
    assert!(matches!(
        view.read_value(HiveKind::System, PARAMETERS, "Absent"),
        Lookup::Failed(_)
    ));
}

#[test]
fn big_data_segments_at_ffffffff_are_a_problem_of_that_value() {
    let written = parameters().write();
    let vk = value_at(&written, PARAMETERS, "Big");
    let db = cell_at(&written.bytes, vk + 4 + 8);
    assert_eq!(&written.bytes[db + 4..db + 6], b"db");
    // The segment list's offset, then its first entry.
    for patch in [db + 4 + 4, cell_at(&written.bytes, db + 4 + 4) + 4] {
        let mut bytes = written.bytes.clone();
        put_u32(&mut bytes, patch, u32::MAX);
        assert!(
            nt_hive_panics(&bytes, |hive| {
                let node = nt_hive_key(hive, PARAMETERS);
                for value in node.values().unwrap().unwrap() {
                    if let Ok(nt_hive::KeyValueData::Big(segments)) = value.unwrap().data() {
                        for segment in segments {
                            let _ = segment;
                        }
                    }
                }
            }),
            "nt-hive no longer panics"
        );
        let key = open(bytes).read_key(PARAMETERS).unwrap().unwrap();
        assert_eq!(key.values.len(), 3);
        assert_eq!(key.problems.len(), 1, "{:?}", key.problems);
        assert_eq!(key.problems[0].about, ProblemSubject::Value("Big".into()));
        assert!(key.problems[0].error.detail.contains(NO_CELL_TEXT));
        assert_eq!(key.problems[0].error.offset, Some(vk as u64));
    }
}

#[test]
fn a_subkey_list_entry_of_ffffffff_is_a_subkey_list_problem() {
    let written = parameters().write();
    let mut bytes = written.bytes.clone();
    let services = key_at(&written, "Services");
    let list = cell_at(&bytes, services + 4 + 28);
    assert_eq!(&bytes[list + 4..list + 6], b"lh");
    // Entries are (offset, hash) in sorted order: A, B, C, MSExchangeIMC.
    put_u32(&mut bytes, list + 4 + 4 + 8, u32::MAX);
    assert!(
        nt_hive_panics(&bytes, |hive| {
            for child in nt_hive_key(hive, "Services").subkeys().unwrap().unwrap() {
                let _ = child;
            }
        }),
        "nt-hive no longer panics"
    );
    let hive = open(bytes);
    let key = hive.read_key("Services").unwrap().unwrap();
    assert_eq!(key.subkeys, ["A", "C", "MSExchangeIMC"]);
    assert_eq!(key.problems.len(), 1, "{:?}", key.problems);
    assert_eq!(key.problems[0].about, ProblemSubject::SubkeyList);
    assert!(key.problems[0].error.detail.contains(NO_CELL_TEXT));
    assert_eq!(key.problems[0].error.offset, Some(services as u64));
    assert_eq!(
        paths(&hive),
        [
            "",
            "Services",
            "Services\\A",
            "Services\\C",
            "Services\\MSExchangeIMC",
            "Services\\MSExchangeIMC\\Parameters"
        ]
    );
    // B may be the unreadable entry: not "missing" but a failure.
    let error = hive.read_key("Services\\B").unwrap_err();
    assert_eq!(error.key_path, "Services\\B");
    assert!(error.detail.contains(NO_CELL_TEXT), "{error}");
    assert!(hive.read_key(PARAMETERS).unwrap().is_some());
}

#[test]
fn an_index_root_entry_of_ffffffff_loses_one_leaf() {
    let mut builder = HiveBuilder::new();
    for n in 0..1200 {
        builder.key(&format!("Many\\{n:04}"));
    }
    let written = builder.write();
    let mut bytes = written.bytes.clone();
    let list = cell_at(&bytes, key_at(&written, "Many") + 4 + 28);
    assert_eq!(&bytes[list + 4..list + 6], b"ri");
    let leaves = u16::from_le_bytes([bytes[list + 6], bytes[list + 7]]) as usize;
    assert!(leaves >= 3, "{leaves} leaves");
    put_u32(&mut bytes, list + 4 + 4, u32::MAX);
    assert!(
        nt_hive_panics(&bytes, |hive| {
            for child in nt_hive_key(hive, "Many").subkeys().unwrap().unwrap() {
                let _ = child;
            }
        }),
        "nt-hive no longer panics"
    );
    let hive = open(bytes);
    let key = hive.read_key("Many").unwrap().unwrap();
    assert_eq!(key.problems.len(), 1, "{:?}", key.problems);
    assert_eq!(key.problems[0].about, ProblemSubject::SubkeyList);
    assert!(
        !key.subkeys.contains(&"0000".to_string()),
        "the first leaf is lost"
    );
    assert!(
        key.subkeys.contains(&"1199".to_string()),
        "later leaves are read"
    );
    assert_eq!(paths(&hive).len(), 2 + key.subkeys.len());
}

#[test]
fn a_referenced_cell_of_size_zero_is_a_problem_not_a_panic() {
    let written = parameters().write();
    let mut bytes = written.bytes.clone();
    let b = key_at(&written, "Services\\B");
    put_u32(&mut bytes, b, 0);
    // In builds with overflow checks nt-hive panics (`cell_size - 4`), in
    // others it returns an error; either way hivetriage reports a problem.
    let _ = nt_hive_panics(&bytes, |hive| {
        for child in nt_hive_key(hive, "Services").subkeys().unwrap().unwrap() {
            let _ = child;
        }
    });
    let hive = open(bytes);
    let key = hive.read_key("Services").unwrap().unwrap();
    assert_eq!(key.subkeys, ["A", "C", "MSExchangeIMC"]);
    assert_eq!(key.problems.len(), 1, "{:?}", key.problems);
    assert_eq!(key.problems[0].about, ProblemSubject::SubkeyList);
    assert_eq!(paths(&hive).len(), 6);
}

#[test]
fn a_zero_size_value_cell_is_a_problem_of_that_value() {
    let written = parameters().write();
    let mut bytes = written.bytes.clone();
    let vk = value_at(&written, PARAMETERS, "RootDir");
    let data = cell_at(&bytes, vk + 4 + 8);
    put_u32(&mut bytes, data, 0);
    let key = open(bytes).read_key(PARAMETERS).unwrap().unwrap();
    assert_eq!(key.values.len(), 3);
    assert_eq!(key.problems.len(), 1, "{:?}", key.problems);
    assert_eq!(
        key.problems[0].about,
        ProblemSubject::Value("RootDir".into())
    );
}

#[test]
fn nt4_hives_keep_big_values_in_one_cell() {
    // Format 1.3 has no big-data records; nt-hive reads data over 16344
    // bytes only as one, so hivetriage reads such a cell itself.
    let mut builder = parameters();
    builder.minor_version(3);
    let written = builder.write();
    let vk = value_at(&written, PARAMETERS, "Big");
    let cell = cell_at(&written.bytes, vk + 4 + 8);
    assert_ne!(&written.bytes[cell + 4..cell + 6], b"db");
    let nt_hive_reads = {
        let hive = nt_hive::Hive::new(&written.bytes[..]).unwrap();
        let node = nt_hive_key(&hive, PARAMETERS);
        let big = node.value("Big").unwrap().unwrap();
        contain(|| big.data().is_ok()).unwrap()
    };
    assert!(!nt_hive_reads, "nt-hive now reads one-cell big data");
    let key = open(written.bytes.clone())
        .read_key(PARAMETERS)
        .unwrap()
        .unwrap();
    assert!(key.problems.is_empty(), "{:?}", key.problems);
    assert_eq!(key.value("Big").unwrap().raw, vec![0x42; 40_000]);

    // A cut-off cell is a problem of that value.
    let mut bytes = written.bytes.clone();
    put_u32(&mut bytes, vk + 4 + 4, 90_000);
    let key = open(bytes).read_key(PARAMETERS).unwrap().unwrap();
    assert_eq!(key.problems.len(), 1, "{:?}", key.problems);
    assert_eq!(key.problems[0].about, ProblemSubject::Value("Big".into()));
    assert!(key.problems[0].error.detail.contains("holds only"));
}

#[test]
fn keys_listed_many_times_in_a_cycle_are_walked_once() {
    // The root lists A twice and A lists the root twice (each naming the
    // other as parent, so every parent check passes): without memory of
    // visited keys a walk would double at every level down to the depth
    // limit (2^512 keys); with it, each key node is visited once.
    let mut builder = HiveBuilder::new();
    builder.key("A\\x");
    builder.key("A\\y");
    builder.key("B");
    let written = builder.write();
    let mut bytes = written.bytes.clone();
    let root = key_at(&written, "");
    let a = key_at(&written, "A");
    let root_list = cell_at(&bytes, root + 4 + 28);
    let a_list = cell_at(&bytes, a + 4 + 28);
    put_u32(
        &mut bytes,
        root_list + 4 + 4 + 8,
        (a - BASE_BLOCK_SIZE) as u32,
    );
    for entry in 0..2 {
        put_u32(
            &mut bytes,
            a_list + 4 + 4 + 8 * entry,
            (root - BASE_BLOCK_SIZE) as u32,
        );
    }
    put_u32(&mut bytes, root + 4 + 16, (a - BASE_BLOCK_SIZE) as u32);
    let hive = open(bytes);
    let mut key_problems = Vec::new();
    let mut paths = Vec::new();
    let summary = hive
        .walk("", &mut |key: &RegKey| {
            paths.push(key.path.clone());
            key_problems.extend(key.problems.iter().cloned());
            WalkControl::Continue
        })
        .unwrap()
        .unwrap();
    assert_eq!(paths, ["", "A"]);
    // The second entry of each list is a duplicate name (a key problem);
    // the root reached again through A is a walk problem.
    assert_eq!(key_problems.len(), 2, "{key_problems:?}");
    assert!(
        key_problems
            .iter()
            .all(|p| matches!(p.about, ProblemSubject::Subkey(_)))
    );
    assert_eq!(summary.problems.len(), 1, "{:?}", summary.problems);
    assert!(summary.problems[0].detail.contains("second time"));
    assert!(!summary.stopped);
    // A path through the cycle is as long as it is written, no longer.
    assert!(
        hive.read_key(&["A\\ROOT"; 100].join("\\"))
            .unwrap()
            .is_some()
    );
}
