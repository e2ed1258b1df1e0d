//! Transaction log replay (`src/registry/log/`), against what Windows
//! itself wrote and recovered (the yarp corpus: `NewDirtyHive1`,
//! `OldDirtyHive`, `BadBaseBlockHive`), then against logs from the fixture
//! writer (`src/fixture/regf/log.rs`), whole and damaged in every way a
//! support bundle can damage them. Corpus tests skip when `../shared` is
//! absent.

mod common;

use hivetriage::fixture::regf::log::{
    dirty_with_new_format_logs, dirty_with_old_format_log, log_base_block, new_format_entry,
    old_format_log, rehash_entry, set_sequence_numbers,
};
use hivetriage::fixture::regf::{BASE_BLOCK_SIZE, HiveBuilder};
use hivetriage::registry::log::{LogOutcome, LogReport, TransactionLog, replay};
use hivetriage::registry::{HiveData, HiveFile, RegKey, WalkControl, sniff_regf};

const NO_LIMIT: usize = usize::MAX;

/// A corpus file under `yarp/`.
fn yarp(path: &str) -> Option<Vec<u8>> {
    common::shared_file(&format!("corpus/yarp/{path}"))
}

/// Opens `hive` with `logs` (name, bytes); panics when it cannot be read.
fn open(
    name: &str,
    hive: Vec<u8>,
    logs: &[(&str, &[u8])],
) -> (HiveFile, Vec<String>, Vec<LogReport>) {
    let logs: Vec<TransactionLog> = logs
        .iter()
        .map(|&(name, bytes)| TransactionLog { name, bytes })
        .collect();
    let (opened, reports) = HiveFile::open_with_logs(name, hive, &logs, NO_LIMIT);
    let (hive, warnings) = opened.unwrap_or_else(|e| panic!("{name}: {e}"));
    (hive, warnings, reports)
}

/// Every key of a hive, in walk order, each with its values sorted by name
/// (value lists are unordered) and its last-written time.
fn all_keys(hive: &dyn HiveData) -> Vec<RegKey> {
    let mut keys = Vec::new();
    let summary = hive
        .walk("", &mut |key: &RegKey| {
            let mut key = key.clone();
            key.values.sort_by(|a, b| a.name.cmp(&b.name));
            assert!(key.problems.is_empty(), "{}: {:?}", key.path, key.problems);
            keys.push(key);
            WalkControl::Continue
        })
        .unwrap()
        .unwrap();
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    assert!(!summary.stopped);
    keys
}

/// Two hives hold the same tree: the same keys in the same order, the same
/// values with the same types and data, the same class-less last-written
/// times (when `times`).
fn assert_same_tree(ours: &dyn HiveData, windows: &dyn HiveData, times: bool) -> usize {
    let ours = all_keys(ours);
    let windows = all_keys(windows);
    assert_eq!(ours.len(), windows.len(), "number of keys");
    for (a, b) in ours.iter().zip(&windows) {
        assert_eq!(a.path, b.path);
        assert_eq!(a.subkeys, b.subkeys, "{}", a.path);
        assert_eq!(a.values, b.values, "{}", a.path);
        if times {
            assert_eq!(a.last_written, b.last_written, "{}", a.path);
        }
    }
    ours.len()
}

fn outcome<'a>(reports: &'a [LogReport], name: &str) -> &'a LogOutcome {
    &reports
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no report for {name}: {reports:?}"))
        .outcome
}

// ------------------------------------------------------ against Windows

#[test]
fn new_dirty_hive_recovers_to_the_bytes_windows_10_recovered() {
    let (Some(hive), Some(log1), Some(log2), Some(windows)) = (
        yarp("NewDirtyHive1/NewDirtyHive"),
        yarp("NewDirtyHive1/NewDirtyHive.LOG1"),
        yarp("NewDirtyHive1/NewDirtyHive.LOG2"),
        yarp("NewDirtyHive1/RecoveredHive_Windows10"),
    ) else {
        return;
    };
    // LOG1 holds sequence 2, LOG2 3..5: four entries, in either order of
    // the logs given.
    for order in [[0, 1], [1, 0]] {
        let named = [
            ("NewDirtyHive.LOG1", log1.as_slice()),
            ("NewDirtyHive.LOG2", log2.as_slice()),
        ];
        let logs: Vec<TransactionLog> = order
            .iter()
            .map(|&i| TransactionLog {
                name: named[i].0,
                bytes: named[i].1,
            })
            .collect();
        let replayed = replay("NewDirtyHive", hive.clone(), &logs, NO_LIMIT);
        let recovered = replayed.recovered.expect("the logs apply");
        assert!(replayed.warnings.is_empty(), "{:?}", replayed.warnings);
        assert_eq!(recovered.len(), windows.len());
        assert!(
            recovered[BASE_BLOCK_SIZE..] == windows[BASE_BLOCK_SIZE..],
            "from byte 4096 on, the recovered hive is Windows' own"
        );
        let header = sniff_regf(&recovered).unwrap();
        assert_eq!((header.primary_sequence, header.secondary_sequence), (5, 5));
        assert!(header.checksum_ok);
        assert_eq!(header.hive_bins_size, 0x5000);
        let reports = replayed.logs;
        assert_eq!(
            outcome(&reports, "NewDirtyHive.LOG1").to_string(),
            "applied 1 entry (sequence 2)"
        );
        assert_eq!(
            outcome(&reports, "NewDirtyHive.LOG2").to_string(),
            "applied 3 entries (sequence 3..5)"
        );
    }

    let (ours, warnings, _) = open(
        "NewDirtyHive",
        hive,
        &[("NewDirtyHive.LOG1", &log1), ("NewDirtyHive.LOG2", &log2)],
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    let (windows, _) = HiveFile::open("RecoveredHive_Windows10", windows).unwrap();
    // Root, Key3 and its three subkeys.
    assert_eq!(assert_same_tree(&ours, &windows, true), 5);
    let root = ours.read_key("").unwrap().unwrap();
    assert_eq!(root.subkeys, ["Key3"]);
    let key3 = ours.read_key("Key3").unwrap().unwrap();
    assert_eq!(key3.subkeys, ["Key3_1", "Key3_2", "Key3_3"]);
    let default = key3.value("").unwrap();
    assert_eq!(default.raw.len(), 2882);
    assert_eq!(default.as_string().unwrap(), "1".repeat(1440));
}

#[test]
fn old_dirty_hive_recovers_to_the_tree_windows_7_recovered() {
    let (Some(hive), Some(log1), Some(log2), Some(windows)) = (
        yarp("OldDirtyHive/OldDirtyHive"),
        yarp("OldDirtyHive/OldDirtyHive.LOG1"),
        yarp("OldDirtyHive/OldDirtyHive.LOG2"),
        yarp("OldDirtyHive/RecoveredHive_Windows7"),
    ) else {
        return;
    };
    let (ours, warnings, reports) = open(
        "OldDirtyHive",
        hive.clone(),
        &[("OldDirtyHive.LOG1", &log1), ("OldDirtyHive.LOG2", &log2)],
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        outcome(&reports, "OldDirtyHive.LOG1").to_string(),
        "applied 64 dirty pages of 512 bytes (old format)"
    );
    assert_eq!(
        outcome(&reports, "OldDirtyHive.LOG2").to_string(),
        "not applied: the log is empty"
    );
    let (windows_hive, _) = HiveFile::open("RecoveredHive_Windows7", windows.clone()).unwrap();
    // Root, key_with_many_subkeys, its 4999 subkeys, 2119\find_me (from
    // ManySubkeysHive, which this hive was made from) and
    // 5000\find_me_in_log; every key's last-written time too.
    assert_eq!(assert_same_tree(&ours, &windows_hive, true), 5003);

    let many = ours.read_key("key_with_many_subkeys").unwrap().unwrap();
    assert_eq!(many.subkeys.len(), 4999);
    assert!(!many.subkeys.iter().any(|k| k == "1"));
    let found = ours
        .read_key("key_with_many_subkeys\\5000\\find_me_in_log")
        .unwrap()
        .unwrap();
    // 2017-03-06 03:14:46.8856 UTC, as the corpus README gives it.
    let filetime = found.last_written.unwrap();
    let unix_100ns = filetime - 116_444_736_000_000_000;
    assert_eq!(unix_100ns / 10_000_000, 1_488_770_086);
    assert_eq!(unix_100ns % 10_000_000 / 1000, 8856);
    let v = ours
        .read_key("key_with_many_subkeys\\4500")
        .unwrap()
        .unwrap();
    let v = v.value("V").unwrap();
    assert_eq!(v.raw.len(), 20);
    assert_eq!(
        v.data_json(),
        serde_json::json!(["a", "bb", "ccc"]),
        "REG_MULTI_SZ a, bb, ccc"
    );

    // The bytes: from 4096 on, the recovered hive is Windows' file but for
    // 6 bytes Windows wrote after it recovered (its sequence numbers are
    // 7/7, two writes later): the first hive bin's timestamp (which
    // follows the base block's) and, in key 4500's node, the largest
    // value name length, a hint Windows recomputed (24 in the log, 2 for
    // the 1-character name `V`).
    let replayed = replay(
        "OldDirtyHive",
        hive.clone(),
        &[TransactionLog {
            name: "OldDirtyHive.LOG1",
            bytes: &log1,
        }],
        NO_LIMIT,
    );
    let recovered = replayed.recovered.unwrap();
    assert_eq!(recovered.len(), windows.len());
    let differing: Vec<usize> = (BASE_BLOCK_SIZE..recovered.len())
        .filter(|&at| recovered[at] != windows[at])
        .collect();
    assert_eq!(differing, [0x1014, 0x1015, 0x1016, 0x1017, 0x1018, 0x6bdc8]);
    let key_4500 = 0x6bd88 + 4; // the nk record, after its cell size
    assert_eq!(&recovered[key_4500..key_4500 + 2], b"nk");
    assert_eq!(0x6bdc8 - key_4500, 60, "largest value name length");
    assert_eq!((recovered[0x6bdc8], windows[0x6bdc8]), (24, 2));
    let header = sniff_regf(&recovered).unwrap();
    assert_eq!((header.primary_sequence, header.secondary_sequence), (5, 5));
    assert!(header.checksum_ok);
}

#[test]
fn bad_base_block_hive_recovers_with_the_base_block_of_its_log() {
    let (Some(hive), Some(log1), Some(log2), Some(old), Some(old_log)) = (
        yarp("BadBaseBlockHive/BadBaseBlockHive"),
        yarp("BadBaseBlockHive/BadBaseBlockHive.LOG1"),
        yarp("BadBaseBlockHive/BadBaseBlockHive.LOG2"),
        yarp("OldDirtyHive/OldDirtyHive"),
        yarp("OldDirtyHive/OldDirtyHive.LOG1"),
    ) else {
        return;
    };
    let (ours, warnings, reports) = open(
        "BadBaseBlockHive",
        hive.clone(),
        &[
            ("BadBaseBlockHive.LOG1", &log1),
            ("BadBaseBlockHive.LOG2", &log2),
        ],
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        outcome(&reports, "BadBaseBlockHive.LOG1").to_string(),
        "applied 64 dirty pages of 512 bytes (old format); the hive's damaged base block was \
         replaced by the log's"
    );
    let header = ours.header();
    assert_eq!((header.major_version, header.minor_version), (1, 3));
    assert!(header.checksum_ok);
    let many = ours.read_key("key_with_many_subkeys").unwrap().unwrap();
    assert_eq!(many.subkeys.len(), 4999);

    // Its bins are OldDirtyHive's: both recover to the same bytes from
    // 4096 on.
    let bad = replay(
        "BadBaseBlockHive",
        hive,
        &[TransactionLog {
            name: "BadBaseBlockHive.LOG1",
            bytes: &log1,
        }],
        NO_LIMIT,
    )
    .recovered
    .unwrap();
    let good = replay(
        "OldDirtyHive",
        old,
        &[TransactionLog {
            name: "OldDirtyHive.LOG1",
            bytes: &old_log,
        }],
        NO_LIMIT,
    )
    .recovered
    .unwrap();
    assert!(bad[BASE_BLOCK_SIZE..] == good[BASE_BLOCK_SIZE..]);
}

#[test]
fn corpus_logs_beside_the_wrong_hive_are_refused_with_reasons() {
    let (Some(new_hive), Some(new_log1), Some(old_hive), Some(old_log1), Some(security)) = (
        yarp("NewDirtyHive1/NewDirtyHive"),
        yarp("NewDirtyHive1/NewDirtyHive.LOG1"),
        yarp("OldDirtyHive/OldDirtyHive"),
        yarp("OldDirtyHive/OldDirtyHive.LOG1"),
        common::shared_xz_file("corpus/regipy/SECURITY.xz"),
    ) else {
        return;
    };
    // The old hive's log beside the new hive: its base block names another
    // file.
    let (_, warnings, reports) = open(
        "NewDirtyHive",
        new_hive.clone(),
        &[("OldDirtyHive.LOG1", &old_log1)],
    );
    let refused = outcome(&reports, "OldDirtyHive.LOG1").to_string();
    assert!(refused.contains("belongs to another hive"), "{refused}");
    assert!(refused.contains("NewDirtyHive"), "{refused}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(
            "NewDirtyHive: dirty hive (sequence numbers 3/2): changes still in its transaction \
             logs are missing; no logs were applied (OldDirtyHive.LOG1: the log belongs to \
             another hive"
        ),
        "{warnings:?}"
    );
    // And the other way round.
    let (_, _, reports) = open(
        "OldDirtyHive",
        old_hive.clone(),
        &[("NewDirtyHive.LOG1", &new_log1)],
    );
    assert!(
        outcome(&reports, "NewDirtyHive.LOG1")
            .to_string()
            .contains("belongs to another hive")
    );
    // LOG2 alone: its entries start at 3, the hive expects 2.
    let Some(new_log2) = yarp("NewDirtyHive1/NewDirtyHive.LOG2") else {
        return;
    };
    let (hive, warnings, reports) = open(
        "NewDirtyHive",
        new_hive,
        &[("NewDirtyHive.LOG2", &new_log2)],
    );
    assert_eq!(
        outcome(&reports, "NewDirtyHive.LOG2").to_string(),
        "not applied: its entries (sequence 3..5) do not continue the hive's sequence: no valid \
         entry has the number the hive expects next"
    );
    assert!(warnings[0].contains("dirty hive (sequence numbers 3/2)"));
    // Read as it is: Key1 and Key2.
    assert_eq!(hive.read_key("").unwrap().unwrap().subkeys.len(), 2);

    // regipy's SECURITY is dirty (107/106) and has no logs: read as it is.
    let (_, warnings, reports) = open("SECURITY", security, &[]);
    assert!(reports.is_empty());
    assert_eq!(
        warnings,
        [
            "SECURITY: dirty hive (sequence numbers 107/106): changes still in its transaction logs \
          are missing; no logs were applied"
        ]
    );
}

#[test]
fn clean_corpus_hives_ignore_every_corpus_log() {
    let logs: Vec<(String, Vec<u8>)> = [
        "NewDirtyHive1/NewDirtyHive.LOG1",
        "NewDirtyHive1/NewDirtyHive.LOG2",
        "OldDirtyHive/OldDirtyHive.LOG1",
        "OldDirtyHive/OldDirtyHive.LOG2",
    ]
    .iter()
    .filter_map(|path| Some((path.to_string(), yarp(path)?)))
    .collect();
    if logs.len() < 4 {
        return;
    }
    let logs: Vec<TransactionLog> = logs
        .iter()
        .map(|(name, bytes)| TransactionLog { name, bytes })
        .collect();
    for name in [
        "EmptyHive",
        "ManySubkeysHive",
        "NewDirtyHive1/RecoveredHive_Windows10",
        "OldDirtyHive/RecoveredHive_Windows7",
    ] {
        let hive = yarp(name).unwrap();
        let replayed = replay(name, hive.clone(), &logs, NO_LIMIT);
        assert!(replayed.recovered.is_none(), "{name}");
        assert_eq!(replayed.original, hive);
        for report in &replayed.logs {
            assert_eq!(report.outcome, LogOutcome::NotNeeded, "{name}");
        }
    }
}

// --------------------------------------------------- with the writer

/// A SYSTEM-like hive; `rootdir` adds the value only the logs will hold.
fn system(rootdir: Option<&str>, extra_keys: usize) -> HiveBuilder {
    let mut hive = HiveBuilder::new();
    hive.file_name(r"\WINNT\system32\config\SYSTEM");
    hive.key("Select").dword("Current", 1);
    let parameters = hive.key(r"ControlSet001\Services\MSExchangeIMC\Parameters");
    parameters.dword("Start", 2);
    if let Some(rootdir) = rootdir {
        parameters.sz("RootDir", rootdir);
    }
    for index in 0..extra_keys {
        hive.key(&format!(r"ControlSet001\Services\Filler{index:04}"))
            .binary("Blob", &[index as u8; 300]);
    }
    hive
}

fn rootdir_of(hive: &HiveFile) -> Option<String> {
    hive.read_key(r"ControlSet001\Services\MSExchangeIMC\Parameters")
        .unwrap()
        .unwrap()
        .value("RootDir")
        .map(|v| v.as_string().unwrap())
}

#[test]
fn writer_old_format_log_recovers_the_after_state_exactly() {
    // The second state grows the hive by whole bins.
    let before = system(None, 3);
    let after = system(Some(r"C:\exchsrvr\imcdata"), 60);
    let files = dirty_with_old_format_log(&before, &after);
    let after_bytes = after.to_bytes();
    assert!(
        after_bytes.len() > files.primary.len(),
        "the log grows the hive"
    );

    let replayed = replay(
        "SYSTEM",
        files.primary.clone(),
        &[TransactionLog {
            name: "SYSTEM.LOG",
            bytes: &files.log,
        }],
        NO_LIMIT,
    );
    let recovered = replayed.recovered.expect("applied");
    assert_eq!(recovered.len(), after_bytes.len());
    assert!(recovered[BASE_BLOCK_SIZE..] == after_bytes[BASE_BLOCK_SIZE..]);
    let header = sniff_regf(&recovered).unwrap();
    assert_eq!(
        header.hive_bins_size as usize,
        after_bytes.len() - BASE_BLOCK_SIZE
    );
    assert_eq!((header.primary_sequence, header.secondary_sequence), (2, 2));

    let (hive, warnings, _) = open(
        "SYSTEM",
        files.primary.clone(),
        &[("SYSTEM.LOG", &files.log)],
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(rootdir_of(&hive).as_deref(), Some(r"C:\exchsrvr\imcdata"));
    let (expected, _) = HiveFile::open("after", after_bytes).unwrap();
    assert_same_tree(&hive, &expected, true);

    // Without its log: the dirty hive as it is, without RootDir, and said.
    let (hive, warnings, _) = open("SYSTEM", files.primary, &[]);
    assert_eq!(rootdir_of(&hive), None);
    assert!(warnings[0].contains("dirty hive (sequence numbers 2/1)"));
}

#[test]
fn writer_new_format_logs_apply_in_sequence_across_both_files() {
    let states = [
        system(None, 2),
        system(Some("first"), 2),
        system(Some("second"), 40),
        system(Some(r"C:\exchsrvr\imcdata"), 41),
    ];
    let refs: Vec<&HiveBuilder> = states.iter().collect();
    let files = dirty_with_new_format_logs(&refs, 1);
    for order in [[0, 1], [1, 0]] {
        let named = [("SYSTEM.LOG1", &files.log1), ("SYSTEM.LOG2", &files.log2)];
        let logs: Vec<(&str, &[u8])> = order
            .iter()
            .map(|&i| (named[i].0, named[i].1.as_slice()))
            .collect();
        let (hive, warnings, reports) = open("SYSTEM", files.primary.clone(), &logs);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            outcome(&reports, "SYSTEM.LOG1").to_string(),
            "applied 1 entry (sequence 1)"
        );
        assert_eq!(
            outcome(&reports, "SYSTEM.LOG2").to_string(),
            "applied 2 entries (sequence 2..3)"
        );
        assert_eq!(rootdir_of(&hive).as_deref(), Some(r"C:\exchsrvr\imcdata"));
        let (expected, _) = HiveFile::open("after", states[3].to_bytes()).unwrap();
        assert_same_tree(&hive, &expected, true);
    }
    // LOG1 alone: the first flush only, and no warning of more (nothing
    // says there was more).
    let (hive, warnings, _) = open(
        "SYSTEM",
        files.primary.clone(),
        &[("SYSTEM.LOG1", &files.log1)],
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(rootdir_of(&hive).as_deref(), Some("first"));
}

// ------------------------------------------- damaged and hostile logs

/// A dirty SYSTEM hive whose only RootDir is in an old-format log.
fn old_files() -> (Vec<u8>, Vec<u8>) {
    let files = dirty_with_old_format_log(&system(None, 3), &system(Some("logged"), 3));
    (files.primary, files.log)
}

/// A dirty SYSTEM hive whose RootDir is set by three new-format entries
/// (sequence 1 in LOG1, 2..3 in LOG2).
fn new_files() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let states = [
        system(None, 2),
        system(Some("first"), 2),
        system(Some("second"), 30),
        system(Some("third"), 31),
    ];
    let refs: Vec<&HiveBuilder> = states.iter().collect();
    let files = dirty_with_new_format_logs(&refs, 1);
    (files.primary, files.log1, files.log2)
}

/// Opens `primary` with `logs`; the log `refused` must be refused with a
/// reason containing `reason`, the hive read as it is (no RootDir) with the
/// dirty warning giving the same reason.
fn assert_refused(primary: &[u8], logs: &[(&str, &[u8])], refused: &str, reason: &str) {
    let (hive, warnings, reports) = open("SYSTEM", primary.to_vec(), logs);
    let said = match outcome(&reports, refused) {
        LogOutcome::NotApplied(defect) => defect.to_string(),
        other => panic!("{refused} was not refused ({reason}): {other}"),
    };
    assert!(said.contains(reason), "{said}\nexpected: {reason}");
    assert!(said.starts_with(&format!("{refused}: ")), "{said}");
    assert_eq!(rootdir_of(&hive), None, "{reason}: read as it is");
    assert!(
        warnings[0].starts_with("SYSTEM: dirty hive (sequence numbers 2/1)"),
        "{warnings:?}"
    );
    assert!(warnings[0].contains(reason), "{warnings:?}");
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Rewrites a log's base block field and fixes its checksum.
fn with_header_field(log: &[u8], at: usize, value: u32) -> Vec<u8> {
    let mut log = log.to_vec();
    put_u32(&mut log, at, value);
    let (primary, secondary) = (
        u32::from_le_bytes(log[4..8].try_into().unwrap()),
        u32::from_le_bytes(log[8..12].try_into().unwrap()),
    );
    set_sequence_numbers(&mut log, primary, secondary);
    log
}

#[test]
fn damaged_old_format_logs_are_refused_with_the_reason_and_offset() {
    let (primary, log) = old_files();
    let refuse = |bytes: &[u8], reason: &str| {
        assert_refused(&primary, &[("SYSTEM.LOG", bytes)], "SYSTEM.LOG", reason)
    };
    // Truncated: in the base block, in the dirty vector, in the pages.
    refuse(
        &log[..300],
        "the log has 300 bytes, less than its 512-byte base block",
    );
    refuse(
        &log[..516],
        "the dirty vector for 4096 bytes of hive bins is 1 byte long, but the log ends 0 bytes \
         after its signature (at byte offset 0x204)",
    );
    let cut = log.len() - 100;
    refuse(&log[..cut], "the log is truncated: ");
    refuse(&log[..cut], "(at byte offset 0x400)");
    // Not a log: no regf, a bad checksum, another file type.
    refuse(&[0u8; 1024], "does not start with a base block");
    refuse(&[], "the log is empty");
    let mut bad_sum = log.clone();
    bad_sum[0x100] ^= 1;
    refuse(&bad_sum, "the log's base block checksum is wrong");
    refuse(&bad_sum, "(at byte offset 0x1fc)");
    refuse(
        &with_header_field(&log, 28, 2),
        "file type 2 is not that of a transaction log",
    );
    // Incompletely written, or another write: sequence numbers, time.
    let mut half_written = log.clone();
    set_sequence_numbers(&mut half_written, 3, 2);
    refuse(&half_written, "the log's sequence numbers differ (3/2)");
    refuse(
        &with_header_field(&log, 12, 0x1234),
        "the log belongs to another hive or another write: its last-written time",
    );
    // Another hive's log (its base block names SOFTWARE).
    let mut other = log.clone();
    other[0x30..0x70].fill(0);
    for (index, unit) in "SOFTWARE".encode_utf16().enumerate() {
        other[0x30 + 2 * index..0x32 + 2 * index].copy_from_slice(&unit.to_le_bytes());
    }
    set_sequence_numbers(&mut other, 2, 2);
    refuse(
        &other,
        "the log belongs to another hive: its base block names \"SOFTWARE\"",
    );
    // The dirty vector: missing, longer than the file, empty, sizes.
    let mut no_dirt = log.clone();
    no_dirt[512..516].copy_from_slice(b"DIRX");
    refuse(
        &no_dirt,
        "no dirty vector: the signature \"DIRT\" is missing",
    );
    refuse(
        &with_header_field(&log, 40, 0x7FFF_F000),
        "the dirty vector for 2147479552 bytes of hive bins is 524287 bytes long, but the log \
         ends",
    );
    refuse(
        &with_header_field(&log, 40, 1000),
        "hive bins size 1000 is not a positive multiple of 4096",
    );
    refuse(
        &with_header_field(&log, 44, 3),
        "clustering factor 3 (expected 1, 2, 4 or 8)",
    );
    let mut clean_vector = log.clone();
    clean_vector[516..518].fill(0);
    refuse(&clean_vector, "the dirty vector marks no page as dirty");
}

#[test]
fn old_format_pages_must_keep_the_hive_bins_and_stay_within_bounds() {
    let before = system(None, 3);
    let primary = dirty_with_old_format_log(&before, &before).primary;
    let header = log_base_block(&primary, 1, 2, 8192);
    let page = |fill: u8| vec![fill; 512];
    // A page over the first hive bin's header that is no hive bin header.
    let junk = page(0x41);
    let log = old_format_log(&header, 8192, &[(0, &junk)]);
    assert_refused(
        &primary,
        &[("SYSTEM.LOG", &log)],
        "SYSTEM.LOG",
        "the dirty page for hive bins offset 0x0 is not a valid hive bin start: a hive bin \
         starts here in the hive, but the page holds no hive bin header (at byte offset 0x400)",
    );
    // A hive bin header giving another offset, or an impossible size.
    let mut moved = primary[BASE_BLOCK_SIZE..BASE_BLOCK_SIZE + 512].to_vec();
    put_u32(&mut moved, 4, 0x3000);
    let log = old_format_log(&header, 8192, &[(0, &moved)]);
    assert_refused(
        &primary,
        &[("SYSTEM.LOG", &log)],
        "SYSTEM.LOG",
        "its hive bin header gives offset 0x3000, not 0x0",
    );
    let mut tiny = primary[BASE_BLOCK_SIZE..BASE_BLOCK_SIZE + 512].to_vec();
    put_u32(&mut tiny, 8, 512);
    let log = old_format_log(&header, 8192, &[(0, &tiny)]);
    assert_refused(
        &primary,
        &[("SYSTEM.LOG", &log)],
        "SYSTEM.LOG",
        "its hive bin header gives size 512",
    );
    // A single page far past the hive's end: it would grow the hive by
    // far more than it carries.
    let far_header = log_base_block(&primary, 1, 2, 64 << 20);
    let far = page(0);
    let log = old_format_log(&far_header, 64 << 20, &[((64 << 20) / 512 - 1, &far)]);
    assert_refused(
        &primary,
        &[("SYSTEM.LOG", &log)],
        "SYSTEM.LOG",
        "the log's dirty pages would grow the hive from 8192 to 67112960 bytes",
    );
}

#[test]
fn damaged_new_format_entries_stop_replay_where_they_are() {
    let (primary, log1, log2) = new_files();
    let entry_at = 512;
    let refuse = |bytes: &[u8], reason: &str| {
        assert_refused(&primary, &[("SYSTEM.LOG1", bytes)], "SYSTEM.LOG1", reason)
    };
    // The base block as for old logs.
    let mut bad_sum = log1.clone();
    bad_sum[0x40] ^= 1;
    refuse(&bad_sum, "the log's base block checksum is wrong");
    // Hashes: a page byte (Hash-1), a header byte (Hash-2).
    let mut page_byte = log1.clone();
    page_byte[entry_at + 600] ^= 1;
    refuse(&page_byte, "the log entry's data hash (Hash-1) is wrong");
    refuse(&page_byte, "(at byte offset 0x200)");
    let mut header_byte = log1.clone();
    header_byte[entry_at + 16] ^= 0x10;
    refuse(
        &header_byte,
        "the log entry's header hash (Hash-2) is wrong",
    );
    // Truncated: the entry, its header.
    refuse(
        &log1[..log1.len() - 512],
        "the log entry claims 4608 bytes, but only 4096 remain in the log",
    );
    refuse(&log1[..entry_at + 20], "the log entry is cut off");
    // Hostile sizes and counts, with correct hashes: the checks after the
    // hashes are what stop them.
    let entry_len = log1.len() - entry_at;
    let with_entry_field = |at: usize, value: u32| {
        let mut log = log1.clone();
        put_u32(&mut log, entry_at + at, value);
        rehash_entry(&mut log[entry_at..]);
        log
    };
    refuse(
        &with_entry_field(4, 0xFFFF_FE00),
        "the log entry claims 4294966784 bytes, but only",
    );
    refuse(
        &with_entry_field(4, 1000),
        "the log entry's size 1000 is not",
    );
    refuse(
        &with_entry_field(20, 0x1000_0000),
        "the log entry claims 268435456 pages, more references than its",
    );
    refuse(
        &with_entry_field(16, 0x1001),
        "the log entry's hive bins size 4097 is not a positive multiple of 4096",
    );
    // A page past the entry's hive bins size.
    refuse(
        &with_entry_field(40, 0x7FFF_0000),
        "page 0 of the log entry (4096 bytes at hive bins offset 0x7fff0000) lies past the \
         entry's hive bins size",
    );
    // A page whose size needs more bytes than the entry holds.
    let mut long_page = with_entry_field(16, 0x10_0000);
    put_u32(&mut long_page, entry_at + 44, 2 * entry_len as u32);
    rehash_entry(&mut long_page[entry_at..]);
    refuse(
        &long_page,
        "the log entry's pages need 9216 bytes, but it holds only 4560 after its references",
    );
    // A huge hive bins size with a page at its end: the hive would grow by
    // far more than the entry carries.
    let mut far = with_entry_field(16, 0x7FFF_F000);
    put_u32(&mut far, entry_at + 40, 0x7FFF_E000);
    rehash_entry(&mut far[entry_at..]);
    refuse(
        &far,
        "the log entry with sequence number 1 would grow the hive from",
    );
    // No entries at all, or the log of another write.
    refuse(
        &log1[..512],
        "the log holds no log entries (at byte offset 0x200)",
    );
    refuse(
        &log2,
        "its entries (sequence 2..3) do not continue the hive's sequence",
    );
}

#[test]
fn gaps_and_damaged_newer_entries_stop_replay_with_a_warning() {
    let (primary, log1, log2) = new_files();
    // Entry 2 is damaged: entry 1 applies, 3 cannot (a gap), both said.
    let mut damaged = log2.clone();
    damaged[512 + 700] ^= 1;
    let (hive, warnings, reports) = open(
        "SYSTEM",
        primary.clone(),
        &[("SYSTEM.LOG1", &log1), ("SYSTEM.LOG2", &damaged)],
    );
    assert_eq!(rootdir_of(&hive).as_deref(), Some("first"));
    assert_eq!(
        outcome(&reports, "SYSTEM.LOG1").to_string(),
        "applied 1 entry (sequence 1)"
    );
    let said = outcome(&reports, "SYSTEM.LOG2").to_string();
    assert!(
        said.starts_with("not applied: the log entry's data hash (Hash-1) is wrong"),
        "{said}"
    );
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(
            "SYSTEM: recovery stopped after sequence 1: SYSTEM.LOG2: the log entry's data hash \
             (Hash-1) is wrong"
        ),
        "{warnings:?}"
    );

    // Entry 2 missing altogether: entry 3 lies beyond a gap.
    let entry_2_len = u32::from_le_bytes(log2[516..520].try_into().unwrap()) as usize;
    let mut without_2 = log2[..512].to_vec();
    without_2.extend_from_slice(&log2[512 + entry_2_len..]);
    let (hive, warnings, _) = open(
        "SYSTEM",
        primary.clone(),
        &[("SYSTEM.LOG1", &log1), ("SYSTEM.LOG2", &without_2)],
    );
    assert_eq!(rootdir_of(&hive).as_deref(), Some("first"));
    assert_eq!(
        warnings,
        [
            "SYSTEM: recovery stopped after sequence 1: no valid entry 2 follows, so the entries \
          of SYSTEM.LOG2 with sequence 3..3 were not applied; later changes are missing"
        ]
    );

    // The remains of an older write after the current entries: no warning.
    let mut with_remains = log1.clone();
    let mut stale = new_format_entry(0, 8192, 0, &[(0, &[9u8; 4096])]);
    stale[700] ^= 1;
    with_remains.extend_from_slice(&stale);
    let (hive, warnings, reports) = open(
        "SYSTEM",
        primary,
        &[("SYSTEM.LOG1", &with_remains), ("SYSTEM.LOG2", &log2)],
    );
    assert_eq!(rootdir_of(&hive).as_deref(), Some("third"));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(
        outcome(&reports, "SYSTEM.LOG1")
            .to_string()
            .contains("its entries end at an invalid one: the log entry's data hash")
    );
}

#[test]
fn clean_hives_are_left_byte_identical_whatever_the_logs() {
    let clean = system(Some("clean"), 3).to_bytes();
    let (_, log1, log2) = new_files();
    let (_, old_log) = old_files();
    let logs = [
        TransactionLog {
            name: "SYSTEM.LOG1",
            bytes: &log1,
        },
        TransactionLog {
            name: "SYSTEM.LOG2",
            bytes: &log2,
        },
        TransactionLog {
            name: "SYSTEM.LOG",
            bytes: &old_log,
        },
    ];
    let replayed = replay("SYSTEM", clean.clone(), &logs, NO_LIMIT);
    assert!(replayed.recovered.is_none());
    assert_eq!(replayed.original, clean);
    assert!(
        replayed
            .logs
            .iter()
            .all(|r| r.outcome == LogOutcome::NotNeeded)
    );
    assert!(replayed.warnings.is_empty());
    let (opened, reports) = HiveFile::open_with_logs("SYSTEM", clean, &logs, NO_LIMIT);
    let (hive, warnings) = opened.unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(rootdir_of(&hive).as_deref(), Some("clean"));
    assert_eq!(
        reports[0].outcome.to_string(),
        "not applied: the hive is clean"
    );
}

#[test]
fn recovery_stays_within_the_size_limit() {
    let before = system(None, 1);
    let after = system(Some("grown"), 80);
    let files = dirty_with_old_format_log(&before, &after);
    let after_len = after.to_bytes().len();
    let logs = [TransactionLog {
        name: "SYSTEM.LOG",
        bytes: &files.log,
    }];
    let replayed = replay("SYSTEM", files.primary.clone(), &logs, after_len - 1);
    assert!(replayed.recovered.is_none());
    let said = replayed.logs[0].outcome.to_string();
    assert!(
        said.contains(&format!(
            "more than the limit of {} bytes (--max-entry-size)",
            after_len - 1
        )),
        "{said}"
    );
    let replayed = replay("SYSTEM", files.primary, &logs, after_len);
    assert_eq!(replayed.recovered.unwrap().len(), after_len);
}

#[test]
fn a_damaged_base_block_is_replaced_by_a_new_format_log() {
    let (mut primary, log1, log2) = new_files();
    primary[0x1FC..0x200].copy_from_slice(b"INVL");
    primary[20] = 9; // major version: damage the fields too
    let (hive, warnings, reports) = open(
        "SYSTEM",
        primary,
        &[("SYSTEM.LOG1", &log1), ("SYSTEM.LOG2", &log2)],
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(rootdir_of(&hive).as_deref(), Some("third"));
    assert_eq!(hive.header().major_version, 1);
    assert_eq!(
        outcome(&reports, "SYSTEM.LOG1").to_string(),
        "applied 1 entry (sequence 1); the hive's damaged base block was replaced by the log's"
    );
}

#[test]
fn a_recovered_hive_that_cannot_be_read_falls_back_to_the_hive_as_it_is() {
    // The entry writes zeros over the root key's bin: the recovered hive
    // has no readable root, the primary has.
    let (primary, _, _) = new_files();
    let header = log_base_block(&primary, 6, 1, 8192);
    let mut log1 = header;
    log1.extend_from_slice(&new_format_entry(1, 8192, 0, &[(0, &[0u8; 4096])]));
    let (hive, warnings, reports) = open("SYSTEM", primary, &[("SYSTEM.LOG1", &log1)]);
    assert_eq!(rootdir_of(&hive), None);
    let said = outcome(&reports, "SYSTEM.LOG1").to_string();
    assert!(
        said.starts_with("not applied: the hive recovered with it cannot be read ("),
        "{said}"
    );
    assert!(said.ends_with("); the hive is read as it is"), "{said}");
    assert!(
        warnings[0].contains("dirty hive (sequence numbers 2/1)"),
        "{warnings:?}"
    );
}

#[test]
fn every_corpus_log_entry_hashes_with_marvin32_and_the_documented_seed() {
    use hivetriage::registry::log::marvin::{LOG_ENTRY_SEED, marvin32};
    let mut checked = 0;
    for name in ["NewDirtyHive.LOG1", "NewDirtyHive.LOG2"] {
        let Some(log) = yarp(&format!("NewDirtyHive1/{name}")) else {
            return;
        };
        let mut at = 512;
        while log.get(at..at + 4) == Some(b"HvLE".as_slice()) {
            let size = u32::from_le_bytes(log[at + 4..at + 8].try_into().unwrap()) as usize;
            let entry = &log[at..at + size];
            let stored =
                |from: usize| u64::from_le_bytes(entry[from..from + 8].try_into().unwrap());
            assert_eq!(
                marvin32(LOG_ENTRY_SEED, &entry[40..]),
                stored(24),
                "{name} Hash-1"
            );
            assert_eq!(
                marvin32(LOG_ENTRY_SEED, &entry[..32]),
                stored(32),
                "{name} Hash-2"
            );
            checked += 1;
            at += size;
        }
    }
    assert_eq!(checked, 4);
}

#[test]
fn entries_apply_in_sequence_order_whatever_their_order_in_the_logs() {
    // 3000 entries, stored newest first and split unevenly between the
    // logs (every third in LOG2). Each rewrites the first bin; only the
    // newest marks its last byte (in the bin's free tail): it must be
    // applied last.
    let before = system(None, 0);
    let files = dirty_with_new_format_logs(&[&before, &system(Some("x"), 0)], 1);
    let primary = files.primary;
    let bins = u32::from_le_bytes(primary[40..44].try_into().unwrap());
    let first_bin = primary[BASE_BLOCK_SIZE..BASE_BLOCK_SIZE + 4096].to_vec();
    let count = 3000u32;
    let mut log1 = log_base_block(&primary, 6, 1, bins);
    let mut log2 = log_base_block(&primary, 6, 1, bins);
    for sequence in (1..=count).rev() {
        let mut page = first_bin.clone();
        if sequence == count {
            page[4095] = 0x5A;
        }
        let entry = new_format_entry(sequence, bins, 0, &[(0, &page)]);
        if sequence % 3 == 0 {
            log2.extend_from_slice(&entry);
        } else {
            log1.extend_from_slice(&entry);
        }
    }
    let replayed = replay(
        "SYSTEM",
        primary,
        &[
            TransactionLog {
                name: "SYSTEM.LOG1",
                bytes: &log1,
            },
            TransactionLog {
                name: "SYSTEM.LOG2",
                bytes: &log2,
            },
        ],
        NO_LIMIT,
    );
    let recovered = replayed.recovered.unwrap();
    assert_eq!(
        recovered[BASE_BLOCK_SIZE + 4095],
        0x5A,
        "the newest entry came last"
    );
    let header = sniff_regf(&recovered).unwrap();
    assert_eq!(header.primary_sequence, count);
    assert_eq!(
        outcome(&replayed.logs, "SYSTEM.LOG1").to_string(),
        "applied 2000 entries (sequence 1..2999)"
    );
    assert_eq!(
        outcome(&replayed.logs, "SYSTEM.LOG2").to_string(),
        "applied 1000 entries (sequence 3..3000)"
    );
}
