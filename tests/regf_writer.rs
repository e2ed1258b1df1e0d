//! The `regf` writer checked against independent readers: nt-hive (full
//! header validation and a walk of the whole tree, including its own
//! binary-search lookups), reglookup and hivex; plus the on-disk layout
//! rules of the format specification read straight from the bytes.
//!
//! Tests describe the intended tree as a [`Key`] model, feed it to the
//! builder, read the hive back and compare with the model, so one compare
//! function serves every case.

mod common;

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use hivetriage::encoding::{utf16le_multi_with_nuls, utf16le_until_nul, utf16le_with_nul};
use hivetriage::fixture::regf::{
    BASE_BLOCK_SIZE, BIG_DATA_SEGMENT_SIZE, DEFAULT_TIMESTAMP, HiveBuilder, KeyBuilder,
    MAX_LEAF_ENTRIES, WrittenHive, base_block_checksum,
};
use hivetriage::registry::reg_type;
use nt_hive::{Hive, KeyNode, NtHiveError, NtHiveNameString};

// ---------------------------------------------------------------------------
// The model: what a test means the hive to hold.

#[derive(Clone, Debug, PartialEq)]
struct Key {
    name: String,
    class_name: Option<String>,
    last_written: Option<u64>,
    values: Vec<Value>,
    subkeys: Vec<Key>,
}

#[derive(Clone, Debug, PartialEq)]
struct Value {
    name: String,
    type_code: u32,
    raw: Vec<u8>,
}

impl Key {
    fn new(name: &str) -> Self {
        Key {
            name: name.to_string(),
            class_name: None,
            last_written: None,
            values: Vec::new(),
            subkeys: Vec::new(),
        }
    }

    fn value(mut self, name: &str, type_code: u32, raw: Vec<u8>) -> Self {
        self.values.push(Value {
            name: name.to_string(),
            type_code,
            raw,
        });
        self
    }

    fn subkey(mut self, key: Key) -> Self {
        self.subkeys.push(key);
        self
    }

    fn count_keys(&self) -> usize {
        1 + self.subkeys.iter().map(Key::count_keys).sum::<usize>()
    }

    /// Visits every key with its path (names joined by `\`, root `""`).
    fn walk<'a>(&'a self, path: &str, visit: &mut impl FnMut(&str, &'a Key)) {
        visit(path, self);
        for subkey in &self.subkeys {
            let child_path = if path.is_empty() {
                subkey.name.clone()
            } else {
                format!("{path}\\{}", subkey.name)
            };
            subkey.walk(&child_path, visit);
        }
    }
}

/// Feeds a model to the builder through the generic `value` call.
fn fill(builder: &mut KeyBuilder, model: &Key) {
    if let Some(class_name) = &model.class_name {
        builder.class_name(class_name);
    }
    if let Some(filetime) = model.last_written {
        builder.last_written(filetime);
    }
    for value in &model.values {
        builder.value(&value.name, value.type_code, value.raw.clone());
    }
    for subkey in &model.subkeys {
        fill(builder.key(&subkey.name), subkey);
    }
}

fn builder_for(model: &Key, minor_version: u32) -> HiveBuilder {
    let mut builder = HiveBuilder::new();
    builder.root_name(&model.name).minor_version(minor_version);
    fill(builder.key(""), model);
    builder
}

// ---------------------------------------------------------------------------
// Reading back with nt-hive.

#[derive(Debug)]
struct ReadKey {
    name: String,
    class_name: Option<String>,
    values: Vec<ReadValue>,
    subkeys: Vec<ReadKey>,
}

#[derive(Debug)]
struct ReadValue {
    name: String,
    type_code: u32,
    size: u32,
    /// `None` when nt-hive cannot read it: data over 16344 bytes in one cell
    /// (NT 4.0 hives), which nt-hive always takes for a big-data record.
    raw: Option<Vec<u8>>,
}

fn read_with_nt_hive(bytes: &[u8]) -> ReadKey {
    let hive = Hive::new(bytes).expect("nt-hive rejects the hive");
    let readable_big_cells = hive.minor_version() >= 4;
    let root = hive.root_key_node().expect("root key node");
    read_key(&root, readable_big_cells)
}

fn read_key(node: &KeyNode<&[u8]>, readable_big_cells: bool) -> ReadKey {
    let name = node
        .name()
        .unwrap()
        .to_string_checked()
        .expect("name decodes");
    let class_name = node
        .class_name()
        .map(|class| class.unwrap().to_string_lossy());

    let mut values = Vec::new();
    if let Some(key_values) = node.values() {
        for value in key_values.unwrap() {
            let value = value.unwrap();
            let type_code = match value.data_type() {
                Ok(known) => known as u32,
                Err(NtHiveError::UnsupportedKeyValueDataType { actual, .. }) => actual,
                Err(other) => panic!("{name}: value type: {other}"),
            };
            let size = value.data_size();
            let raw = (readable_big_cells || size as usize <= BIG_DATA_SEGMENT_SIZE)
                .then(|| value.data().unwrap().into_vec().unwrap());
            values.push(ReadValue {
                name: value.name().unwrap().to_string_checked().unwrap(),
                type_code,
                size,
                raw,
            });
        }
    }

    let mut subkeys = Vec::new();
    if let Some(children) = node.subkeys() {
        let mut previous: Option<String> = None;
        for child in children.unwrap() {
            let child = child.unwrap();
            let child_name = child.name().unwrap();
            // Lists must be sorted as Windows sorts: nt-hive's own
            // upper-case table decides here.
            if let Some(previous) = &previous {
                assert_eq!(
                    child_name.partial_cmp(previous.as_str()),
                    Some(Ordering::Greater),
                    "{name}: subkey {child_name} is not after {previous}"
                );
            }
            previous = Some(child_name.to_string());
            subkeys.push(read_key(&child, readable_big_cells));
        }
        // nt-hive's binary search over the leaves finds every subkey.
        for subkey in &subkeys {
            let found = node
                .subkey(&subkey.name)
                .unwrap_or_else(|| panic!("{name}: lookup of {} fails", subkey.name))
                .unwrap();
            assert_eq!(found.name().unwrap().to_string_lossy(), subkey.name);
        }
    }
    ReadKey {
        name,
        class_name,
        values,
        subkeys,
    }
}

/// Compares what nt-hive read with the model, wherever they differ.
fn assert_same_tree(model: &Key, read: &ReadKey, path: &str) {
    assert_eq!(read.name, model.name, "{path}: key name");
    assert_eq!(read.class_name, model.class_name, "{path}: class name");

    assert_eq!(
        read.values.len(),
        model.values.len(),
        "{path}: number of values"
    );
    // Values keep the order they were set in.
    for (expected, actual) in model.values.iter().zip(&read.values) {
        let at = format!("{path}: value {:?}", expected.name);
        assert_eq!(actual.name, expected.name, "{at}: name");
        assert_eq!(actual.type_code, expected.type_code, "{at}: type");
        assert_eq!(actual.size as usize, expected.raw.len(), "{at}: size");
        if let Some(raw) = &actual.raw {
            assert!(*raw == expected.raw, "{at}: data differs");
        }
    }

    assert_eq!(
        read.subkeys.len(),
        model.subkeys.len(),
        "{path}: number of subkeys"
    );
    let expected_by_name: HashMap<&str, &Key> = model
        .subkeys
        .iter()
        .map(|key| (key.name.as_str(), key))
        .collect();
    for actual in &read.subkeys {
        let expected = expected_by_name
            .get(actual.name.as_str())
            .unwrap_or_else(|| panic!("{path}: unexpected subkey {:?}", actual.name));
        assert_same_tree(expected, actual, &format!("{path}\\{}", actual.name));
    }
}

// ---------------------------------------------------------------------------
// The layout rules, read from the bytes as the specification describes them.

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap())
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn i32_at(bytes: &[u8], at: usize) -> i32 {
    i32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

/// The payload of the allocated cell at a hive-relative offset.
fn cell(bytes: &[u8], offset: u32) -> &[u8] {
    let start = BASE_BLOCK_SIZE + offset as usize;
    let size = i32_at(bytes, start);
    assert!(size < 0, "cell at {offset:#x} is not allocated");
    &bytes[start + 4..start + size.unsigned_abs() as usize]
}

/// Bins tile the hive bins data, cells tile each bin, every cell is 8-byte
/// aligned, and a free cell only ever fills the tail of a bin.
fn assert_layout_follows_the_spec(written: &WrittenHive) {
    let bytes = &written.bytes;
    let data_size = u32_at(bytes, 40) as usize;
    assert_eq!(data_size % 4096, 0, "hive bins data size");
    assert_eq!(bytes.len(), BASE_BLOCK_SIZE + data_size, "file length");

    let mut bins = Vec::new();
    let mut bin_offset = 0;
    while bin_offset < data_size {
        let bin = BASE_BLOCK_SIZE + bin_offset;
        assert_eq!(&bytes[bin..bin + 4], b"hbin", "bin at {bin_offset:#x}");
        assert_eq!(
            u32_at(bytes, bin + 4) as usize,
            bin_offset,
            "bin offset field"
        );
        let bin_size = u32_at(bytes, bin + 8) as usize;
        assert!(
            bin_size >= 4096 && bin_size % 4096 == 0,
            "bin size {bin_size}"
        );
        bins.push((bin as u32, bin_size as u32));

        let mut cell_at = bin_offset + 32;
        while cell_at < bin_offset + bin_size {
            let size = i32_at(bytes, BASE_BLOCK_SIZE + cell_at);
            let length = size.unsigned_abs() as usize;
            assert!(
                length >= 8 && length % 8 == 0,
                "cell {cell_at:#x} size {size}"
            );
            if size > 0 {
                assert_eq!(
                    cell_at + length,
                    bin_offset + bin_size,
                    "free cell {cell_at:#x} is not the tail of its bin"
                );
            }
            cell_at += length;
        }
        assert_eq!(
            cell_at,
            bin_offset + bin_size,
            "cells overrun bin {bin_offset:#x}"
        );
        bin_offset += bin_size;
    }
    assert_eq!(bin_offset, data_size);
    let reported: Vec<(u32, u32)> = written
        .hive_bins
        .iter()
        .map(|span| (span.file_offset, span.size))
        .collect();
    assert_eq!(reported, bins, "WrittenHive::hive_bins");
}

/// Checks one hive end to end with nt-hive and the layout rules.
fn assert_round_trip(model: &Key, minor_version: u32) -> WrittenHive {
    let written = builder_for(model, minor_version).write();
    assert_layout_follows_the_spec(&written);
    let read = read_with_nt_hive(&written.bytes);
    assert_same_tree(model, &read, "");
    written
}

// ---------------------------------------------------------------------------
// Test trees.

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Deterministic bytes for large data.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

/// Every value type, names in ASCII, Latin-1 and Cyrillic, big data, class
/// names and own last-written times.
fn kitchen_sink() -> Key {
    let mut exchange = Key::new("Exchange")
        .value(
            "Active Messaging Use Exchange",
            reg_type::DWORD,
            1u32.to_le_bytes().to_vec(),
        )
        .value("", reg_type::SZ, utf16le_with_nul("default value"))
        .value("RootDir", reg_type::SZ, utf16le_with_nul(r"C:\exchsrvr"))
        .value(
            "Path",
            reg_type::EXPAND_SZ,
            utf16le_with_nul(r"%SystemRoot%\system32"),
        )
        .value("Flags", reg_type::BINARY, vec![1, 2, 3, 4, 5, 6, 7])
        .value("Small", reg_type::BINARY, vec![0xAB, 0xCD])
        .value("Empty", reg_type::BINARY, Vec::new())
        .value(
            "BigEndian",
            reg_type::DWORD_BIG_ENDIAN,
            vec![0x12, 0x34, 0x56, 0x78],
        )
        .value(
            "Link",
            reg_type::LINK,
            utf16(r"\Registry\Machine\Software\Target"),
        )
        .value(
            "Servers",
            reg_type::MULTI_SZ,
            utf16le_multi_with_nuls(&["alpha", "beta"]),
        )
        .value("Resources", reg_type::RESOURCE_LIST, pattern(40, 1))
        .value(
            "Descriptor",
            reg_type::FULL_RESOURCE_DESCRIPTOR,
            pattern(24, 2),
        )
        .value(
            "Requirements",
            reg_type::RESOURCE_REQUIREMENTS_LIST,
            pattern(48, 3),
        )
        .value(
            "Counter",
            reg_type::QWORD,
            0x1122_3344_5566_7788u64.to_le_bytes().to_vec(),
        )
        .value("Nothing", reg_type::NONE, vec![9, 9, 9, 9, 9])
        .value("Wow", 0x0020_0000, vec![0xDE, 0xAD, 0xBE, 0xEF, 0x01])
        .value("DeviceProperty", 0xFFFF_0012, vec![0x07])
        .value("Ünïcödé", reg_type::SZ, utf16le_with_nul("Grüße"))
        .value("Значение", reg_type::SZ, utf16le_with_nul("Привет, мир"));
    exchange.last_written = Some(DEFAULT_TIMESTAMP + 1_234_567_890_000);

    let mut lsa_jd = Key::new("JD");
    lsa_jd.class_name = Some("a5b6c7d8".to_string());

    let big = Key::new("Большие")
        .value("", reg_type::BINARY, pattern(16345, 7))
        .value("v", reg_type::BINARY, pattern(81725, 8))
        .value(
            "Exactly",
            reg_type::BINARY,
            pattern(BIG_DATA_SEGMENT_SIZE, 9),
        );

    Key::new("CMI-CreateHive{F10156BE-0E87-4EFB-969E-5DA29D131144}")
        .subkey(Key::new("Microsoft").subkey(exchange))
        .subkey(
            Key::new("Control")
                .subkey(Key::new("Lsa").subkey(lsa_jd))
                .subkey(Key::new("Ключ").subkey(Key::new("Вложенный"))),
        )
        .subkey(Key::new("Ëigenaardig").value("ÿ", reg_type::DWORD, vec![0, 0, 0, 0]))
        .subkey(Key::new("中文").subkey(Key::new("子")))
        .subkey(big)
        .subkey(Key::new("aaa"))
        .subkey(Key::new("AAB"))
        .subkey(Key::new("_under"))
        .subkey(Key::new("{braces}"))
}

fn many_subkeys(count: usize) -> Key {
    (0..count).fold(Key::new("ROOT"), |root, i| {
        // Mixed case and a non-ASCII tail so the sort is not just byte order.
        let name = if i % 3 == 0 {
            format!("key{i:05}")
        } else if i % 3 == 1 {
            format!("KEY{i:05}_é")
        } else {
            format!("Key{i:05}ж")
        };
        root.subkey(Key::new(&name).value("n", reg_type::DWORD, (i as u32).to_le_bytes().to_vec()))
    })
}

// ---------------------------------------------------------------------------
// nt-hive round trips.

#[test]
fn kitchen_sink_reads_back_through_nt_hive() {
    let model = kitchen_sink();
    let written = assert_round_trip(&model, 5);

    // The 81725-byte value is a big-data record of six full segments.
    let vk = written.value_cell_offsets[&("Большие".to_string(), "v".to_string())];
    let vk = cell(&written.bytes, vk - BASE_BLOCK_SIZE as u32);
    let record = cell(&written.bytes, u32_at(vk, 8));
    assert_eq!(&record[0..2], b"db");
    assert_eq!(u16_at(record, 2), 6);
    let segments = cell(&written.bytes, u32_at(record, 4));
    for segment in 0..6 {
        let data = cell(&written.bytes, u32_at(segments, 4 * segment));
        assert!(data.len() >= BIG_DATA_SEGMENT_SIZE);
    }

    // Exactly 16344 bytes still fit one plain cell.
    let vk = written.value_cell_offsets[&("Большие".to_string(), "Exactly".to_string())];
    let vk = cell(&written.bytes, vk - BASE_BLOCK_SIZE as u32);
    let data = cell(&written.bytes, u32_at(vk, 8));
    assert_ne!(&data[0..2], b"db");
}

#[test]
fn typed_helpers_store_what_their_names_say() {
    let mut builder = HiveBuilder::new();
    builder
        .key("Typed")
        .sz("sz", "text ü Ж")
        .expand_sz("expand", r"%windir%\temp")
        .dword("dword", 0xDEAD_BEEF)
        .qword("qword", 0x0102_0304_0506_0708)
        .multi_sz("multi", &["one", "двa", "three"])
        .binary("binary", &[0, 1, 2, 3, 4, 5]);
    let bytes = builder.to_bytes();
    let hive = Hive::new(bytes.as_slice()).unwrap();
    let root = hive.root_key_node().unwrap();
    let key = root.subkey("typed").unwrap().unwrap();
    let value = |name: &str| key.value(name).unwrap().unwrap();

    assert_eq!(value("sz").string_data().unwrap(), "text ü Ж");
    assert_eq!(value("expand").string_data().unwrap(), r"%windir%\temp");
    assert_eq!(value("dword").dword_data().unwrap(), 0xDEAD_BEEF);
    assert_eq!(value("qword").qword_data().unwrap(), 0x0102_0304_0506_0708);
    let strings: Vec<String> = value("multi")
        .multi_string_data()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(strings, ["one", "двa", "three"]);
    assert_eq!(
        value("binary").data().unwrap().into_vec().unwrap(),
        [0, 1, 2, 3, 4, 5]
    );
    // REG_SZ data carries its terminating NUL.
    assert_eq!(
        value("sz").data_size() as usize,
        ("text ü Ж".encode_utf16().count() + 1) * 2
    );
}

#[test]
fn five_thousand_subkeys_go_through_an_index_root() {
    let model = many_subkeys(5000);
    let written = assert_round_trip(&model, 5);

    let root = cell(&written.bytes, u32_at(&written.bytes, 36));
    let list = cell(&written.bytes, u32_at(root, 28));
    assert_eq!(&list[0..2], b"ri");
    let leaves = u16_at(list, 2) as usize;
    assert_eq!(leaves, 5000usize.div_ceil(MAX_LEAF_ENTRIES));
    let mut total = 0;
    for leaf in 0..leaves {
        let leaf = cell(&written.bytes, u32_at(list, 4 + 4 * leaf));
        assert_eq!(&leaf[0..2], b"lh");
        let entries = u16_at(leaf, 2) as usize;
        assert!(entries <= MAX_LEAF_ENTRIES);
        total += entries;
        // Each entry's hash is h = 37 * h + c over the upper-cased name.
        for entry in 0..entries {
            let nk = cell(&written.bytes, u32_at(leaf, 4 + 8 * entry));
            let name = &nk[76..76 + u16_at(nk, 72) as usize];
            let name: String = if u16_at(nk, 2) & 0x0020 != 0 {
                name.iter().map(|&byte| char::from(byte)).collect()
            } else {
                String::from_utf16(
                    &name
                        .chunks(2)
                        .map(|p| u16::from_le_bytes([p[0], p[1]]))
                        .collect::<Vec<_>>(),
                )
                .unwrap()
            };
            let hash = name.to_uppercase().encode_utf16().fold(0u32, |h, unit| {
                h.wrapping_mul(37).wrapping_add(u32::from(unit))
            });
            assert_eq!(u32_at(leaf, 8 + 8 * entry), hash, "hash of {name}");
        }
    }
    assert_eq!(total, 5000);
}

#[test]
fn nt4_hive_keeps_large_data_in_one_cell_and_uses_fast_leaves() {
    let model = kitchen_sink();
    let written = assert_round_trip(&model, 3);
    assert_eq!(u32_at(&written.bytes, 24), 3);

    let vk = written.value_cell_offsets[&("Большие".to_string(), "v".to_string())];
    let vk = cell(&written.bytes, vk - BASE_BLOCK_SIZE as u32);
    assert_eq!(u32_at(vk, 4), 81725);
    let data = cell(&written.bytes, u32_at(vk, 8));
    assert!(data.len() >= 81725);
    assert!(data[..81725] == pattern(81725, 8)[..]);

    let root = cell(&written.bytes, u32_at(&written.bytes, 36));
    let list = cell(&written.bytes, u32_at(root, 28));
    assert_eq!(&list[0..2], b"lf");
    // The name hint is the start of the first subkey's name, or zeros when
    // it is not all single-byte characters.
    let first = cell(&written.bytes, u32_at(list, 4));
    assert_ne!(
        u16_at(first, 2) & 0x0020,
        0,
        "first subkey has a compressed name"
    );
    let name = &first[76..76 + u16_at(first, 72) as usize];
    let mut hint = [0u8; 4];
    let kept = name.len().min(4);
    hint[..kept].copy_from_slice(&name[..kept]);
    assert_eq!(list[8..12], hint);
}

#[test]
fn random_trees_round_trip() {
    for seed in 1..=40u64 {
        let mut rng = SplitMix64(seed);
        let model = random_tree(&mut rng);
        // Every fourth tree as an NT 4.0 hive.
        let minor = if seed % 4 == 0 { 3 } else { 5 };
        let mut builder = builder_for(&model, minor);
        let model = reapply_through_other_case(&mut builder, model, &mut rng);

        let written = builder.write();
        assert_layout_follows_the_spec(&written);
        let read = read_with_nt_hive(&written.bytes);
        assert_same_tree(&model, &read, &format!("seed {seed}"));
        assert_eq!(written.key_cell_offsets.len(), model.count_keys());
    }
}

// ---------------------------------------------------------------------------
// Header, determinism, builder semantics.

#[test]
fn clean_output_passes_full_validation() {
    let bytes = builder_for(&kitchen_sink(), 5).to_bytes();
    let hive = Hive::new(bytes.as_slice()).expect("full validation");
    assert_eq!(hive.major_version(), 1);
    assert_eq!(hive.minor_version(), 5);
}

#[test]
fn different_sequence_numbers_are_reported_as_a_mismatch() {
    let mut builder = builder_for(&kitchen_sink(), 5);
    builder.sequence_numbers(7, 6);
    let bytes = builder.to_bytes();
    match Hive::new(bytes.as_slice()) {
        Err(NtHiveError::SequenceNumberMismatch { primary, secondary }) => {
            assert_eq!((primary, secondary), (7, 6));
        }
        Err(other) => panic!("unexpected error: {other}"),
        Ok(_) => panic!("a dirty hive passed validation"),
    }
    // Everything else is intact: the tree reads without validation.
    let hive = Hive::without_validation(bytes.as_slice()).unwrap();
    let root = hive.root_key_node().unwrap();
    assert!(root.subpath(r"Microsoft\Exchange").unwrap().is_ok());
}

#[test]
fn base_block_fields_follow_the_spec() {
    let mut builder = builder_for(&kitchen_sink(), 5);
    let path = r"\Device\HarddiskVolume1\WINNT\system32\config\software";
    builder
        .file_name(path)
        .sequence_numbers(41, 41)
        .timestamp(0x01C1_2345_6789_ABCD);
    let written = builder.write();
    let bytes = &written.bytes;

    assert_eq!(&bytes[0..4], b"regf");
    assert_eq!((u32_at(bytes, 4), u32_at(bytes, 8)), (41, 41));
    assert_eq!(u64_at(bytes, 12), 0x01C1_2345_6789_ABCD);
    assert_eq!(u32_at(bytes, 20), 1, "major version");
    assert_eq!(u32_at(bytes, 24), 5, "minor version");
    assert_eq!(u32_at(bytes, 28), 0, "file type");
    assert_eq!(u32_at(bytes, 32), 1, "file format");
    assert_eq!(
        u32_at(bytes, 36) + BASE_BLOCK_SIZE as u32,
        written.key_cell_offsets[""],
        "root cell offset"
    );
    assert_eq!(u32_at(bytes, 44), 1, "clustering factor");
    assert_eq!(u32_at(bytes, 0x1FC), base_block_checksum(&bytes[..512]));

    // The file name field keeps the last 31 UTF-16 units, NUL after them.
    let units: Vec<u16> = (0..32).map(|i| u16_at(bytes, 48 + 2 * i)).collect();
    let expected: Vec<u16> = path.encode_utf16().collect();
    assert_eq!(units[..31], expected[expected.len() - 31..]);
    assert_eq!(units[31], 0);

    // The first bin's header repeats the timestamp; keys default to it.
    assert_eq!(u64_at(bytes, BASE_BLOCK_SIZE + 20), 0x01C1_2345_6789_ABCD);
    let control = written.key_cell_offsets["Control"] as usize;
    assert_eq!(u64_at(bytes, control + 4 + 4), 0x01C1_2345_6789_ABCD);
    let exchange = written.key_cell_offsets[r"Microsoft\Exchange"] as usize;
    assert_eq!(
        u64_at(bytes, exchange + 4 + 4),
        DEFAULT_TIMESTAMP + 1_234_567_890_000
    );
}

#[test]
fn checksum_turns_zero_and_all_ones_into_other_values() {
    let zeros = [0u8; 512];
    assert_eq!(base_block_checksum(&zeros), 1);

    let mut all_ones = [0u8; 512];
    all_ones[0..4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(base_block_checksum(&all_ones), u32::MAX - 1);

    let mut ordinary = [0u8; 512];
    ordinary[0..4].copy_from_slice(&0x1234_5678u32.to_le_bytes());
    ordinary[504..508].copy_from_slice(&0x0000_00FFu32.to_le_bytes());
    // Bytes from 508 on are not covered.
    ordinary[508..512].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
    assert_eq!(base_block_checksum(&ordinary), 0x1234_5678 ^ 0xFF);
}

#[test]
fn the_same_tree_always_gives_the_same_bytes() {
    let model = kitchen_sink();
    let builder = builder_for(&model, 5);
    let first = builder.to_bytes();
    assert_eq!(first, builder.to_bytes(), "two writes of one builder");
    assert_eq!(first, builder.write().bytes, "to_bytes and write");
    // A second builder has other hash-map seeds; the output must not care.
    assert_eq!(first, builder_for(&model, 5).to_bytes(), "two builders");
}

#[test]
fn keys_are_found_case_insensitively_and_keep_their_first_name() {
    let mut builder = HiveBuilder::new();
    builder.key("Foo").dword("One", 1);
    builder.key(r"FOO\bar").sz("x", "y");
    builder.key(r"foo\BAR").dword("one", 5); // replaces nothing: other key
    builder.key("foo").dword("ONE", 2); // replaces Foo's "One"
    builder.key(r"\Ключ\\").dword("z", 3);
    builder.key("КЛЮЧ").dword("Z", 4);

    let model = Key::new("ROOT")
        .subkey(
            Key::new("Foo")
                .value("One", reg_type::DWORD, 2u32.to_le_bytes().to_vec())
                .subkey(
                    Key::new("bar")
                        .value("x", reg_type::SZ, utf16le_with_nul("y"))
                        .value("one", reg_type::DWORD, 5u32.to_le_bytes().to_vec()),
                ),
        )
        .subkey(Key::new("Ключ").value("z", reg_type::DWORD, 4u32.to_le_bytes().to_vec()));
    let read = read_with_nt_hive(&builder.to_bytes());
    assert_same_tree(&model, &read, "");
    // `key("")` is the root itself.
    let root: *const KeyBuilder = builder.key("");
    assert_eq!(root, builder.key(r"\") as *const KeyBuilder);
}

#[test]
fn values_are_replaced_case_insensitively_however_many_a_key_has() {
    let mut builder = HiveBuilder::new();
    let mut model = Key::new("ROOT");
    let mut key = Key::new("Values");
    let builder_key = builder.key("Values");
    for count in 0..40u32 {
        let name = format!("Name{count}Ä");
        builder_key.dword(&name, count);
        key = key.value(&name, reg_type::DWORD, count.to_le_bytes().to_vec());
        // Replace an earlier value through another spelling, both while the
        // key has few values and after it has many.
        if count == 5 || count == 30 {
            let earlier = count / 2;
            builder_key.sz(&format!("NAME{earlier}ä"), "replaced");
            key.values[earlier as usize].type_code = reg_type::SZ;
            key.values[earlier as usize].raw = utf16le_with_nul("replaced");
        }
    }
    model = model.subkey(key);
    let read = read_with_nt_hive(&builder.to_bytes());
    assert_same_tree(&model, &read, "");
}

#[test]
fn largest_length_fields_describe_the_contents() {
    let model = kitchen_sink();
    let written = builder_for(&model, 5).write();
    let utf16_bytes = |text: &str| (text.encode_utf16().count() * 2) as u32;
    model.walk("", &mut |path, key| {
        let nk = written.key_cell_offsets[path] - BASE_BLOCK_SIZE as u32;
        let nk = cell(&written.bytes, nk);
        let largest = |lengths: Vec<u32>| lengths.into_iter().max().unwrap_or(0);
        assert_eq!(
            u32_at(nk, 52),
            largest(key.subkeys.iter().map(|k| utf16_bytes(&k.name)).collect()),
            "{path}: largest subkey name"
        );
        assert_eq!(
            u32_at(nk, 56),
            largest(
                key.subkeys
                    .iter()
                    .map(|k| k.class_name.as_deref().map_or(0, utf16_bytes))
                    .collect()
            ),
            "{path}: largest subkey class name"
        );
        assert_eq!(
            u32_at(nk, 60),
            largest(key.values.iter().map(|v| utf16_bytes(&v.name)).collect()),
            "{path}: largest value name"
        );
        assert_eq!(
            u32_at(nk, 64),
            largest(key.values.iter().map(|v| v.raw.len() as u32).collect()),
            "{path}: largest value data"
        );
        assert_eq!(
            u32_at(nk, 20) as usize,
            key.subkeys.len(),
            "{path}: subkey count"
        );
        assert_eq!(
            u32_at(nk, 36) as usize,
            key.values.len(),
            "{path}: value count"
        );
        // Only the root carries KEY_HIVE_ENTRY | KEY_NO_DELETE.
        let flags = u16_at(nk, 2);
        assert_eq!(
            flags & 0x000C != 0,
            path.is_empty(),
            "{path}: flags {flags:#x}"
        );
        let compressed = key.name.chars().all(|c| u32::from(c) <= 0xFF);
        assert_eq!(flags & 0x0020 != 0, compressed, "{path}: KEY_COMP_NAME");
    });
}

#[test]
fn one_security_cell_is_shared_by_every_key() {
    let model = kitchen_sink();
    let written = builder_for(&model, 5).write();
    let sk_offset = written.security_cell_offset - BASE_BLOCK_SIZE as u32;
    let sk = cell(&written.bytes, sk_offset);
    assert_eq!(&sk[0..2], b"sk");
    assert_eq!(u32_at(sk, 4), sk_offset, "Flink");
    assert_eq!(u32_at(sk, 8), sk_offset, "Blink");
    assert_eq!(
        u32_at(sk, 12) as usize,
        model.count_keys(),
        "reference count"
    );
    for (path, &nk) in &written.key_cell_offsets {
        let nk = cell(&written.bytes, nk - BASE_BLOCK_SIZE as u32);
        assert_eq!(u32_at(nk, 44), sk_offset, "{path}: security offset");
    }
}

// ---------------------------------------------------------------------------
// reglookup and hivex.

/// Runs a tool on a hive file, or `None` (with the reason printed) when the
/// tool is not installed.
fn run_tool(tool: &str, args: &[&str], hive: &Path) -> Option<String> {
    match Command::new(tool).args(args).arg(hive).output() {
        Ok(output) => {
            assert!(
                output.status.success(),
                "{tool} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            Some(String::from_utf8(output.stdout).expect("tool output is UTF-8"))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            common::skip(&format!(
                "{tool} is not installed (Debian: reglookup, libhivex-bin)"
            ));
            None
        }
        Err(error) => panic!("{tool}: {error}"),
    }
}

fn write_temp_hive(bytes: &[u8]) -> tempfile::TempPath {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    file.into_temp_path()
}

/// A FILETIME as `YYYY-MM-DD HH:MM:SS` (UTC).
fn filetime_text(filetime: u64) -> String {
    let seconds = filetime / 10_000_000;
    let days = (seconds / 86_400) as i64 - 134_774; // 1601-01-01 to 1970-01-01
    let time = seconds % 86_400;
    // Civil date from days since 1970 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        time / 3600,
        time / 60 % 60,
        time % 60
    )
}

/// A name as a hive stores it: Latin-1 when it can be, else UTF-16LE.
/// reglookup prints the stored bytes of names it cannot convert to ASCII.
fn stored_name_bytes(name: &str) -> Vec<u8> {
    if name.chars().all(|c| u32::from(c) <= 0xFF) {
        name.chars().map(|c| u32::from(c) as u8).collect()
    } else {
        utf16(name)
    }
}

/// Undoes reglookup's `%XX` quoting.
fn unquote(field: &str) -> Vec<u8> {
    let bytes = field.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            out.push(u8::from_str_radix(&field[i + 1..i + 3], 16).expect("%XX"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn reglookup_type(type_code: u32) -> String {
    let name = match type_code {
        0 => "NONE",
        1 => "SZ",
        2 => "EXPAND_SZ",
        3 => "BINARY",
        4 => "DWORD",
        5 => "DWORD_BE",
        6 => "LINK",
        7 => "MULTI_SZ",
        8 => "RSRC_LIST",
        9 => "RSRC_DESC",
        10 => "RSRC_REQ_LIST",
        11 => "QWORD",
        other => return format!("0x{other:08X}"),
    };
    name.to_string()
}

/// What reglookup prints for a value's data: `(null)` for no data, text for
/// strings it can turn into ASCII, numbers in hex, and the raw bytes for
/// everything else.
fn reglookup_data(value: &Value) -> Vec<u8> {
    let raw = &value.raw;
    if raw.is_empty() {
        return b"(null)".to_vec();
    }
    let text_if_ascii = |text: String| text.is_ascii().then(|| text.into_bytes());
    let printed = match value.type_code {
        reg_type::SZ | reg_type::EXPAND_SZ | reg_type::LINK => {
            text_if_ascii(utf16le_until_nul(raw))
        }
        reg_type::MULTI_SZ => {
            let strings = utf16_strings(raw);
            text_if_ascii(strings.join("|"))
        }
        reg_type::DWORD => {
            Some(format!("0x{:08X}", u32::from_le_bytes(raw[..4].try_into().unwrap())).into_bytes())
        }
        reg_type::DWORD_BIG_ENDIAN => {
            Some(format!("0x{:08X}", u32::from_be_bytes(raw[..4].try_into().unwrap())).into_bytes())
        }
        reg_type::QWORD => Some(
            format!(
                "0x{:016X}",
                u64::from_le_bytes(raw[..8].try_into().unwrap())
            )
            .into_bytes(),
        ),
        _ => None,
    };
    printed.unwrap_or_else(|| raw.clone())
}

/// The non-empty strings of REG_MULTI_SZ data.
fn utf16_strings(raw: &[u8]) -> Vec<String> {
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    units
        .split(|&unit| unit == 0)
        .filter(|piece| !piece.is_empty())
        .map(String::from_utf16_lossy)
        .collect()
}

/// A key path as reglookup prints it: each name's bytes, `%XX` undone.
type BytePath = Vec<Vec<u8>>;
/// (key path, value name) → (type, data) as reglookup prints them.
type PrintedValues = BTreeMap<(BytePath, Vec<u8>), (String, Vec<u8>)>;

/// Checks `reglookup`'s listing of a hive against the model: every key path
/// with its last-written time, every value with its type and data.
fn assert_reglookup_agrees(model: &Key, bytes: &[u8], timestamp: u64) {
    let hive = write_temp_hive(bytes);
    let Some(listing) = run_tool("reglookup", &["-H"], &hive) else {
        return;
    };
    let mut keys: BTreeMap<BytePath, String> = BTreeMap::new();
    let mut values = PrintedValues::new();
    for line in listing.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 4, "reglookup line {line:?}");
        let mut components: BytePath = fields[0].split('/').skip(1).map(unquote).collect();
        if fields[1] == "KEY" {
            if components == [Vec::<u8>::new()] {
                components.clear(); // the root, "/"
            }
            keys.insert(components, fields[3].to_string());
        } else {
            let name = components.pop().unwrap();
            values.insert(
                (components, name),
                (fields[1].to_string(), unquote(fields[2])),
            );
        }
    }

    let mut expected_keys = BTreeMap::new();
    let mut expected_values = BTreeMap::new();
    let mut stack = vec![(Vec::new(), model)];
    while let Some((path, key)) = stack.pop() {
        let time = filetime_text(key.last_written.unwrap_or(timestamp));
        for value in &key.values {
            expected_values.insert(
                (path.clone(), stored_name_bytes(&value.name)),
                (reglookup_type(value.type_code), reglookup_data(value)),
            );
        }
        for subkey in &key.subkeys {
            let mut child: BytePath = path.clone();
            child.push(stored_name_bytes(&subkey.name));
            stack.push((child, subkey));
        }
        expected_keys.insert(path, time);
    }
    assert_eq!(keys, expected_keys, "reglookup: keys and times");
    assert_eq!(
        values.len(),
        expected_values.len(),
        "reglookup: number of values"
    );
    for (place, expected) in &expected_values {
        let actual = values
            .get(place)
            .unwrap_or_else(|| panic!("reglookup lacks value {place:?}"));
        assert!(
            actual == expected,
            "reglookup: value {place:?} differs: type {} vs {}",
            actual.0,
            expected.0
        );
    }
}

#[test]
fn reglookup_reads_the_same_tree() {
    assert_reglookup_agrees(
        &kitchen_sink(),
        &builder_for(&kitchen_sink(), 5).to_bytes(),
        DEFAULT_TIMESTAMP,
    );
}

#[test]
fn reglookup_reads_the_same_nt4_tree() {
    assert_reglookup_agrees(
        &kitchen_sink(),
        &builder_for(&kitchen_sink(), 3).to_bytes(),
        DEFAULT_TIMESTAMP,
    );
}

#[test]
fn reglookup_reads_the_security_descriptor() {
    let hive = write_temp_hive(&builder_for(&kitchen_sink(), 5).to_bytes());
    let Some(listing) = run_tool("reglookup", &["-H", "-s"], &hive) else {
        return;
    };
    // The names reglookup gives the bits of a key access mask.
    let rights = |mask: u32| -> BTreeSet<&str> {
        [
            (0x1, "QRY_VAL"),
            (0x2, "SET_VAL"),
            (0x4, "CREATE_KEY"),
            (0x8, "ENUM_KEYS"),
            (0x10, "NOTIFY"),
            (0x20, "CREATE_LNK"),
            (0x1_0000, "DELETE"),
            (0x2_0000, "R_CONT"),
            (0x4_0000, "W_DAC"),
            (0x8_0000, "W_OWNER"),
        ]
        .into_iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, name)| name)
        .collect()
    };
    let key_all_access = 0x000F_003F;
    let key_read = 0x0002_0019;
    let mut keys = 0;
    for line in listing
        .lines()
        .filter(|line| line.split(',').nth(1) == Some("KEY"))
    {
        keys += 1;
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[4], "S-1-5-32-544", "owner in {line}");
        assert_eq!(fields[5], "S-1-5-18", "group in {line}");
        let aces: Vec<(&str, &str, BTreeSet<&str>, &str)> = fields[7]
            .split('|')
            .map(|ace| {
                let parts: Vec<&str> = ace.split(':').collect();
                (parts[0], parts[1], parts[2].split(' ').collect(), parts[3])
            })
            .collect();
        assert_eq!(
            aces,
            vec![
                ("S-1-5-32-544", "ALLOW", rights(key_all_access), "CI"),
                ("S-1-5-18", "ALLOW", rights(key_all_access), "CI"),
                ("S-1-1-0", "ALLOW", rights(key_read), "CI"),
            ],
            "DACL in {line}"
        );
    }
    assert_eq!(keys, kitchen_sink().count_keys());
}

/// A tiny reader of hivexml's output: enough XML for its elements.
#[derive(Debug, PartialEq)]
enum Xml {
    Open(String, BTreeMap<String, String>),
    Close(String),
    Text(String),
}

fn xml_unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let end = rest[amp..].find(';').expect("entity end") + amp;
        let entity = &rest[amp + 1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ if entity.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&entity[2..], 16).unwrap()).unwrap()
            }
            _ if entity.starts_with('#') => char::from_u32(entity[1..].parse().unwrap()).unwrap(),
            _ => panic!("unknown entity &{entity};"),
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn xml_events(xml: &str) -> Vec<Xml> {
    let mut events = Vec::new();
    let mut rest = xml;
    while let Some(open) = rest.find('<') {
        if open > 0 {
            events.push(Xml::Text(xml_unescape(&rest[..open])));
        }
        rest = &rest[open + 1..];
        if let Some(after) = rest.strip_prefix('?') {
            rest = &after[after.find("?>").unwrap() + 2..];
            continue;
        }
        if let Some(after) = rest.strip_prefix('/') {
            let end = after.find('>').unwrap();
            events.push(Xml::Close(after[..end].to_string()));
            rest = &after[end + 1..];
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap();
        let name = rest[..name_end].to_string();
        rest = &rest[name_end..];
        let mut attributes = BTreeMap::new();
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix("/>") {
                events.push(Xml::Open(name.clone(), attributes));
                events.push(Xml::Close(name));
                rest = after;
                break;
            }
            if let Some(after) = rest.strip_prefix('>') {
                events.push(Xml::Open(name, attributes));
                rest = after;
                break;
            }
            let equals = rest.find('=').unwrap();
            let attribute = rest[..equals].trim().to_string();
            let quote = rest[equals + 1..].chars().next().unwrap();
            let value_start = equals + 2;
            let value_end = rest[value_start..].find(quote).unwrap() + value_start;
            attributes.insert(attribute, xml_unescape(&rest[value_start..value_end]));
            rest = &rest[value_end + 1..];
        }
    }
    events
}

fn base64_decode(text: &str) -> Vec<u8> {
    let digit = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let symbols: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let mut out = Vec::new();
    for group in symbols.chunks(4) {
        let data: Vec<u8> = group.iter().copied().filter(|&c| c != b'=').collect();
        let bits =
            data.iter().fold(0u32, |acc, &c| (acc << 6) | digit(c)) << (6 * (4 - data.len()));
        out.extend(&bits.to_be_bytes()[1..data.len()]);
    }
    out
}

/// A key as hivexml describes it.
#[derive(Debug, Default)]
struct HivexKey {
    name: String,
    mtime: String,
    values: Vec<BTreeMap<String, String>>,
    /// The `<string>` elements of each string-list value, by value index.
    strings: BTreeMap<usize, Vec<String>>,
    subkeys: Vec<HivexKey>,
}

fn parse_hivexml(xml: &str) -> (String, HivexKey) {
    let mut hive_mtime = String::new();
    let mut stack: Vec<HivexKey> = Vec::new();
    let mut root = None;
    let mut element: Vec<String> = Vec::new();
    for event in xml_events(xml) {
        match event {
            Xml::Open(name, attributes) => {
                match name.as_str() {
                    "node" => stack.push(HivexKey {
                        name: attributes["name"].clone(),
                        ..HivexKey::default()
                    }),
                    "value" => stack.last_mut().unwrap().values.push(attributes),
                    "string" => {
                        let key = stack.last_mut().unwrap();
                        let index = key.values.len() - 1;
                        key.strings.entry(index).or_default().push(String::new());
                    }
                    _ => {}
                }
                element.push(name);
            }
            Xml::Text(text) => match element.last().map(String::as_str) {
                Some("mtime") if element.iter().any(|e| e == "value") => {}
                Some("mtime") => match stack.last_mut() {
                    Some(key) => key.mtime = text,
                    None => hive_mtime = text,
                },
                Some("string") => {
                    let key = stack.last_mut().unwrap();
                    let index = key.values.len() - 1;
                    key.strings
                        .get_mut(&index)
                        .unwrap()
                        .last_mut()
                        .unwrap()
                        .push_str(&text);
                }
                _ => {}
            },
            Xml::Close(name) => {
                element.pop();
                if name == "node" {
                    let done = stack.pop().unwrap();
                    match stack.last_mut() {
                        Some(parent) => parent.subkeys.push(done),
                        None => root = Some(done),
                    }
                }
            }
        }
    }
    (hive_mtime, root.expect("hivexml printed no root node"))
}

fn hivex_type(type_code: u32) -> &'static str {
    match type_code {
        0 => "none",
        1 => "string",
        2 => "expand",
        3 => "binary",
        4 | 5 => "int32",
        6 => "link",
        7 => "string-list",
        8 => "resource-list",
        9 => "resource-description",
        10 => "resource-requirements",
        11 => "int64",
        _ => "unknown",
    }
}

fn assert_hivex_key_agrees(model: &Key, read: &HivexKey, timestamp: u64, path: &str) {
    assert_eq!(read.name, model.name, "{path}: name");
    let iso = filetime_text(model.last_written.unwrap_or(timestamp)).replace(' ', "T") + "Z";
    assert_eq!(read.mtime, iso, "{path}: mtime");
    assert_eq!(
        read.values.len(),
        model.values.len(),
        "{path}: number of values"
    );
    for (index, (expected, actual)) in model.values.iter().zip(&read.values).enumerate() {
        let at = format!("{path}: value {:?}", expected.name);
        if expected.name.is_empty() {
            assert_eq!(actual.get("default").map(String::as_str), Some("1"), "{at}");
        } else {
            assert_eq!(actual.get("key"), Some(&expected.name), "{at}: name");
        }
        assert_eq!(actual["type"], hivex_type(expected.type_code), "{at}: type");
        let raw = &expected.raw;
        match expected.type_code {
            reg_type::SZ | reg_type::EXPAND_SZ | reg_type::LINK => {
                assert_eq!(actual["value"], utf16le_until_nul(raw), "{at}: text");
            }
            reg_type::DWORD => {
                let number = i32::from_le_bytes(raw[..4].try_into().unwrap());
                assert_eq!(actual["value"], number.to_string(), "{at}: number");
            }
            reg_type::DWORD_BIG_ENDIAN => {
                let number = i32::from_be_bytes(raw[..4].try_into().unwrap());
                assert_eq!(actual["value"], number.to_string(), "{at}: number");
            }
            reg_type::QWORD => {
                let number = i64::from_le_bytes(raw[..8].try_into().unwrap());
                assert_eq!(actual["value"], number.to_string(), "{at}: number");
            }
            reg_type::MULTI_SZ => {
                let strings: Vec<String> = read.strings[&index]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect();
                assert_eq!(strings, utf16_strings(raw), "{at}: strings");
            }
            _ => {
                assert_eq!(
                    actual.get("encoding").map(String::as_str),
                    Some("base64"),
                    "{at}"
                );
                assert!(
                    base64_decode(&actual["value"]) == *raw,
                    "{at}: data differs"
                );
            }
        }
    }
    assert_eq!(
        read.subkeys.len(),
        model.subkeys.len(),
        "{path}: number of subkeys"
    );
    let by_name: HashMap<&str, &HivexKey> = read
        .subkeys
        .iter()
        .map(|key| (key.name.as_str(), key))
        .collect();
    for subkey in &model.subkeys {
        let actual = by_name
            .get(subkey.name.as_str())
            .unwrap_or_else(|| panic!("{path}: hivex lacks {:?}", subkey.name));
        assert_hivex_key_agrees(
            subkey,
            actual,
            timestamp,
            &format!("{path}\\{}", subkey.name),
        );
    }
}

fn assert_hivex_agrees(model: &Key, bytes: &[u8], timestamp: u64) {
    let hive = write_temp_hive(bytes);
    let Some(xml) = run_tool("hivexml", &[], &hive) else {
        return;
    };
    let (hive_mtime, root) = parse_hivexml(&xml);
    assert_eq!(hive_mtime, filetime_text(timestamp).replace(' ', "T") + "Z");
    assert_hivex_key_agrees(model, &root, timestamp, "");
}

#[test]
fn hivex_reads_the_same_tree() {
    let model = kitchen_sink();
    assert_hivex_agrees(
        &model,
        &builder_for(&model, 5).to_bytes(),
        DEFAULT_TIMESTAMP,
    );
}

#[test]
fn hivex_reads_the_same_nt4_tree() {
    let model = kitchen_sink();
    assert_hivex_agrees(
        &model,
        &builder_for(&model, 3).to_bytes(),
        DEFAULT_TIMESTAMP,
    );
}

#[test]
fn hivex_reads_an_index_root() {
    let model = many_subkeys(1500);
    assert_hivex_agrees(
        &model,
        &builder_for(&model, 5).to_bytes(),
        DEFAULT_TIMESTAMP,
    );
}

#[test]
fn hivexget_finds_values_through_paths() {
    let hive = write_temp_hive(&builder_for(&kitchen_sink(), 5).to_bytes());
    let output = match Command::new("hivexget")
        .arg(hive.as_os_str())
        .arg(r"\Microsoft\Exchange")
        .arg("Active Messaging Use Exchange")
        .output()
    {
        Ok(output) => output,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            common::skip("hivexget is not installed (Debian: libhivex-bin)");
            return;
        }
        Err(error) => panic!("hivexget: {error}"),
    };
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8(output.stdout).unwrap().trim(), "1");
}

// ---------------------------------------------------------------------------
// Random trees.

/// A small deterministic PRNG (SplitMix64).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// Characters for names: ASCII, Latin-1 (with case pairs whose upper case
/// leaves Latin-1, like ÿ and µ), Cyrillic, Greek, CJK, dotless i, long s.
const NAME_CHARS: &[char] = &[
    'a', 'B', 'c', 'D', 'e', 'z', 'Z', '0', '7', ' ', '.', '_', '{', '$', '-', 'é', 'É', 'ß', 'ÿ',
    'µ', 'Ü', 'ü', 'ж', 'Ж', 'я', 'Ω', 'ω', '中', 'ı', 'I', 'i', 'ſ', 'S', 's',
];

fn random_name(rng: &mut SplitMix64, allow_backslash: bool) -> String {
    let len = 1 + rng.below(10);
    (0..len)
        .map(|_| {
            if allow_backslash && rng.chance(5) {
                '\\'
            } else {
                NAME_CHARS[rng.below(NAME_CHARS.len())]
            }
        })
        .collect()
}

/// Equal as the hive compares names, by nt-hive's own upper-case table.
fn same_name(a: &str, b: &str) -> bool {
    NtHiveNameString::Utf16LE(&utf16(a)) == b
}

fn random_data(rng: &mut SplitMix64) -> Vec<u8> {
    let len = match rng.below(20) {
        0..=7 => rng.below(5),
        8..=16 => 5 + rng.below(200),
        17 => BIG_DATA_SEGMENT_SIZE - 2 + rng.below(5),
        _ => 16_000 + rng.below(40_000),
    };
    (0..len).map(|_| rng.next() as u8).collect()
}

fn random_tree(rng: &mut SplitMix64) -> Key {
    let mut root = Key::new(&random_name(rng, false));
    let mut budget = 20 + rng.below(200);
    random_children(rng, &mut root, 0, &mut budget);
    root
}

fn random_children(rng: &mut SplitMix64, key: &mut Key, depth: usize, budget: &mut usize) {
    for _ in 0..rng.below(6) {
        let name = if rng.chance(10) {
            String::new()
        } else {
            random_name(rng, true)
        };
        if key.values.iter().any(|v| same_name(&v.name, &name)) {
            continue;
        }
        let type_code = match rng.below(14) {
            12 => 0x0020_0000,
            13 => 0xFFFF_0000 | rng.below(0x20) as u32,
            known => known as u32,
        };
        let raw = random_data(rng);
        key.values.push(Value {
            name,
            type_code,
            raw,
        });
    }
    if rng.chance(10) {
        key.class_name = Some(random_name(rng, false));
    }
    if depth >= 6 {
        return;
    }
    let wanted = if rng.chance(5) { 600 } else { rng.below(8) };
    for _ in 0..wanted {
        if *budget == 0 {
            return;
        }
        let name = random_name(rng, false);
        if key.subkeys.iter().any(|k| same_name(&k.name, &name)) {
            continue;
        }
        *budget -= 1;
        let mut child = Key::new(&name);
        if rng.chance(30) {
            random_children(rng, &mut child, depth + 1, budget);
        }
        key.subkeys.push(child);
    }
}

/// Sets more values through paths spelled in another ASCII case: they must
/// land on the existing keys. Returns the model with those values added.
fn reapply_through_other_case(
    builder: &mut HiveBuilder,
    mut model: Key,
    rng: &mut SplitMix64,
) -> Key {
    let mut paths = Vec::new();
    model.walk("", &mut |path, _| paths.push(path.to_string()));
    for round in 0..5u32 {
        let path = &paths[rng.below(paths.len())];
        let respelled: String = path
            .chars()
            .map(|c| {
                if rng.chance(50) {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        let name = format!("reapplied {round}");
        builder.key(&respelled).dword(&name, round);

        let mut key = &mut model;
        for component in path.split('\\').filter(|c| !c.is_empty()) {
            key = key
                .subkeys
                .iter_mut()
                .find(|k| k.name == component)
                .unwrap();
        }
        if let Some(existing) = key.values.iter_mut().find(|v| same_name(&v.name, &name)) {
            existing.type_code = reg_type::DWORD;
            existing.raw = round.to_le_bytes().to_vec();
        } else {
            key.values.push(Value {
                name,
                type_code: reg_type::DWORD,
                raw: round.to_le_bytes().to_vec(),
            });
        }
    }
    model
}

// ---------------------------------------------------------------------------
// Size and speed.

/// 500,500 keys and over 100 MB: run with
/// `cargo test --release --test regf_writer -- --ignored --nocapture`.
#[test]
#[ignore = "builds a 100+ MB hive; run explicitly (see doc comment)"]
fn half_a_million_keys_in_over_100_mb() {
    let payload = pattern(100, 1);
    let started = Instant::now();
    let mut builder = HiveBuilder::new();
    for parent in 0..1000 {
        let parent_key = builder.key(&format!("Parent{parent:04}"));
        for child in 0..500u32 {
            parent_key
                .key(&format!("Child{child:03}"))
                .binary("Payload", &payload)
                .dword("Index", child);
        }
    }
    let built = started.elapsed();
    let started = Instant::now();
    let bytes = builder.to_bytes();
    let written = started.elapsed();
    eprintln!(
        "500,500 keys: built in {built:?}, written in {written:?}, {} bytes",
        bytes.len()
    );
    assert!(bytes.len() >= 100 * 1024 * 1024);

    let hive = Hive::new(bytes.as_slice()).unwrap();
    let root = hive.root_key_node().unwrap();
    let mut keys = 1;
    for parent in root.subkeys().unwrap().unwrap() {
        let parent = parent.unwrap();
        keys += 1;
        for child in parent.subkeys().unwrap().unwrap() {
            child.unwrap();
            keys += 1;
        }
    }
    assert_eq!(keys, 1 + 1000 + 500_000);
    let child = root.subpath(r"Parent0999\Child499").unwrap().unwrap();
    assert_eq!(
        child.value("Index").unwrap().unwrap().dword_data().unwrap(),
        499
    );
}
