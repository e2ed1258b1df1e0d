//! Builds a key tree from arbitrary bytes with the regf writer, reads the
//! hive back with nt-hive and checks that it holds exactly that tree: names,
//! values in the order set, data, subkeys in Windows' sort order, and
//! lookups by name. The input also spells names in other cases, so the
//! builder's case-insensitive reuse is exercised.
#![no_main]

use std::cmp::Ordering;

use hivetriage::fixture::regf::{BIG_DATA_SEGMENT_SIZE, HiveBuilder, KeyBuilder};
use libfuzzer_sys::fuzz_target;
use nt_hive::{Hive, KeyNode, NtHiveError, NtHiveNameString};

/// Characters names are made of: ASCII in both cases, Latin-1 (ÿ and µ
/// upper-case outside Latin-1, ß has no one-character upper case),
/// Cyrillic, Greek, CJK, dotless i and long s (upper-case to I and S).
const NAME_CHARS: &[char] = &[
    'a', 'A', 'b', 'B', 'z', 'Z', '0', '9', ' ', '.', '_', '{', 'é', 'É', 'ß', 'ÿ', 'µ', 'ж', 'Ж',
    'ω', 'Ω', '中', 'ı', 'i', 'I', 'ſ', 's', 'S',
];

/// The tree the input describes.
struct Key {
    name: String,
    values: Vec<(String, u32, Vec<u8>)>,
    subkeys: Vec<Key>,
}

/// Equal as the hive compares names, by nt-hive's upper-case table.
fn same_name(a: &str, b: &str) -> bool {
    let units: Vec<u8> = a.encode_utf16().flat_map(u16::to_le_bytes).collect();
    NtHiveNameString::Utf16LE(&units) == b
}

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn name(&mut self) -> Option<String> {
        let len = usize::from(self.byte()? % 8);
        (0..len)
            .map(|_| Some(NAME_CHARS[usize::from(self.byte()?) % NAME_CHARS.len()]))
            .collect()
    }

    fn data(&mut self) -> Option<Vec<u8>> {
        let len = match self.byte()? {
            250 => BIG_DATA_SEGMENT_SIZE,
            251 => BIG_DATA_SEGMENT_SIZE + 1,
            252 => 3 * BIG_DATA_SEGMENT_SIZE + 100,
            small => usize::from(small % 64),
        };
        let seed = self.byte()?;
        Some((0..len).map(|i| (i as u8).wrapping_mul(seed | 1)).collect())
    }
}

/// Applies the input's operations to the builder and the model together.
fn build(input: &mut Input, builder: &mut HiveBuilder, root: &mut Key) {
    // The current key, as indices of subkeys from the root.
    let mut path: Vec<usize> = Vec::new();
    while let Some(op) = input.byte() {
        let mut model = &mut *root;
        let mut names = Vec::new();
        for &index in &path {
            model = &mut model.subkeys[index];
            names.push(model.name.clone());
        }
        let builder_key: &mut KeyBuilder = builder.key(&names.join("\\"));
        match op % 4 {
            0 => {
                // A subkey, new or found case-insensitively; go into it.
                let Some(name) = input.name() else { return };
                if name.is_empty() || path.len() >= 8 {
                    continue;
                }
                builder_key.key(&name);
                let index = match model.subkeys.iter().position(|k| same_name(&k.name, &name)) {
                    Some(index) => index,
                    None => {
                        model.subkeys.push(Key {
                            name,
                            values: Vec::new(),
                            subkeys: Vec::new(),
                        });
                        model.subkeys.len() - 1
                    }
                };
                path.push(index);
            }
            1 => {
                path.pop();
            }
            _ => {
                let (Some(name), Some(type_byte), Some(raw)) =
                    (input.name(), input.byte(), input.data())
                else {
                    return;
                };
                let type_code = match type_byte {
                    200.. => 0xFFFF_0000 | u32::from(type_byte),
                    other => u32::from(other % 13),
                };
                builder_key.value(&name, type_code, raw.clone());
                match model.values.iter_mut().find(|v| same_name(&v.0, &name)) {
                    // A value set again keeps its first name and position.
                    Some(existing) => {
                        existing.1 = type_code;
                        existing.2 = raw;
                    }
                    None => model.values.push((name, type_code, raw)),
                }
            }
        }
    }
}

fn check(model: &Key, node: &KeyNode<&[u8]>, readable_big_cells: bool) {
    assert_eq!(
        node.name().unwrap().to_string_checked().unwrap(),
        model.name
    );

    let values: Vec<_> = match node.values() {
        Some(values) => values.unwrap().map(Result::unwrap).collect(),
        None => Vec::new(),
    };
    assert_eq!(values.len(), model.values.len());
    for (value, (name, type_code, raw)) in values.iter().zip(&model.values) {
        assert_eq!(value.name().unwrap().to_string_checked().unwrap(), *name);
        let read_type = match value.data_type() {
            Ok(known) => known as u32,
            Err(NtHiveError::UnsupportedKeyValueDataType { actual, .. }) => actual,
            Err(other) => panic!("{other}"),
        };
        assert_eq!(read_type, *type_code);
        assert_eq!(value.data_size() as usize, raw.len());
        if readable_big_cells || raw.len() <= BIG_DATA_SEGMENT_SIZE {
            assert!(value.data().unwrap().into_vec().unwrap() == *raw);
        }
    }

    let subkeys: Vec<_> = match node.subkeys() {
        Some(subkeys) => subkeys.unwrap().map(Result::unwrap).collect(),
        None => Vec::new(),
    };
    assert_eq!(subkeys.len(), model.subkeys.len());
    for pair in subkeys.windows(2) {
        let earlier = pair[0].name().unwrap().to_string_lossy();
        assert_eq!(
            pair[1].name().unwrap().partial_cmp(earlier.as_str()),
            Some(Ordering::Greater)
        );
    }
    for expected in &model.subkeys {
        let found = node.subkey(&expected.name).expect("lookup").unwrap();
        check(expected, &found, readable_big_cells);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let Some(first) = input.byte() else { return };
    let minor_version = if first & 1 == 0 { 5 } else { 3 };

    let mut builder = HiveBuilder::new();
    builder.minor_version(minor_version);
    let mut root = Key {
        name: "ROOT".to_string(),
        values: Vec::new(),
        subkeys: Vec::new(),
    };
    build(&mut input, &mut builder, &mut root);

    let bytes = builder.to_bytes();
    assert_eq!(bytes, builder.to_bytes(), "output is deterministic");
    let hive = Hive::new(bytes.as_slice()).expect("nt-hive accepts the hive");
    check(&root, &hive.root_key_node().unwrap(), minor_version >= 4);
});
