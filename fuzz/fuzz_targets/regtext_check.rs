//! The properties the `regtext_reg`, `regtext_query` and `szdd` fuzz
//! targets check, shared with the test that replays saved inputs
//! (`tests/regtext_fuzz_regressions.rs`). Each takes the fuzzer's bytes
//! twice: as a file to read (nothing may panic, every line number reported
//! lies in the file, output stays within its bound) and as the seed of a
//! registry tree that the fixture writers write and the readers must read
//! back to the same tree. A failing property panics.
#![allow(dead_code)]

use hivetriage::encoding::{decode_text, lines};
use hivetriage::encoding::{utf16le_multi_with_nuls, utf16le_with_nul};
use hivetriage::fixture::reg_text::{TextKey, reg_export, reg_query_text};
use hivetriage::fixture::szdd::{szdd_compress, szdd_literals};
use hivetriage::registry::{
    HiveData, RegValue, TextHive, TextProblem, TextSection, locate_root, names_equal, reg_type,
};
use hivetriage::source::reg_export::{RegExportVersion, parse_reg_export, sniff_reg_export};
use hivetriage::source::reg_query::{RegQueryLayout, parse_reg_query, sniff_reg_query};
use hivetriage::source::szdd::{SZDD_SIGNATURE, SzddError, expand};

/// Every reported line must be a line of the decoded file.
fn assert_lines_within(data: &[u8], problems: &[TextProblem], sections: &[TextSection]) {
    // `parse_reg_export` may decode a REGEDIT4 file as Windows-1252 when
    // `decode_text` says UTF-8; both have the same number of lines for
    // ASCII line breaks.
    let count = lines(&decode_text(data).text).len();
    for line in problems
        .iter()
        .map(|p| p.line)
        .chain(sections.iter().map(|s| s.line))
    {
        assert!(line >= 1 && line <= count.max(1), "line {line} of {count}");
    }
}

/// Reads the sections into one tree per root, as the bundle loader does.
fn apply_all(sections: &[TextSection]) -> TextHive {
    let mut hive = TextHive::new("fuzz");
    let mut problems = Vec::new();
    for section in sections {
        if let Some(root) = locate_root(&section.path) {
            hive.apply("fuzz", &root.rest, section, &mut problems);
        }
    }
    let _ = hive.key_count();
    hive
}

/// A cursor over the fuzzer's bytes that yields zeros once they run out.
struct Seed<'a> {
    data: &'a [u8],
    at: usize,
}

impl Seed<'_> {
    fn byte(&mut self) -> u8 {
        let byte = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    fn pick<'t>(&mut self, items: &[&'t str]) -> &'t str {
        items[usize::from(self.byte()) % items.len()]
    }

    /// One to three pieces of text from `alphabet`, joined.
    fn text(&mut self, alphabet: &[&str]) -> String {
        let count = usize::from(self.byte() % 3) + 1;
        (0..count).map(|_| self.pick(alphabet)).collect()
    }
}

/// Characters that .reg and reg query text make interesting, all in
/// Windows-1252 (REGEDIT4 is ANSI) and none a line break or a tab.
const NAME_PIECES: &[&str] = &[
    "a", "B", "é", "x y", "]", "[", "\"", ";", "=", "@", "-", "Ü", "€", "ü", "0", "%", "REG_SZ",
    ",",
];
const DATA_PIECES: &[&str] = &[
    "C:",
    "\\",
    "0",
    "exchsrvr",
    " ",
    "\"",
    ";",
    "%SystemRoot%",
    "é",
    "€",
    "x",
    "REG_SZ",
    "=",
];

/// More for `reg query` text, which `hivetriage query` writes in the
/// layout where it reads back and in its exact form where not: line
/// breaks, tabs, the names the layouts give the default value, runs of
/// spaces that look like columns, quotes, NULs.
const QUERY_NAME_PIECES: &[&str] = &[
    "a",
    "é",
    " ",
    "    ",
    "\t",
    "\r\n",
    "\n",
    "\0",
    "(Default)",
    "<NO NAME>",
    "REG_SZ",
    "    REG_SZ    ",
    "hex(1)",
    "\"",
    "\\0",
    "\\",
    "\u{85}",
];
const QUERY_DATA_PIECES: &[&str] = &[
    "x",
    " ",
    "\\0",
    "\0",
    "\r\n",
    "(value not set)",
    "    REG_SZ    ",
    "€",
    "\t",
];
/// Key names: no backslash (it separates them), never empty.
const QUERY_KEY_PIECES: &[&str] = &[
    "a",
    "é",
    " ",
    "\t",
    "\r\n",
    "\0",
    "(Default)",
    "\"",
    "REG_SZ",
    "\u{1b}",
];

/// Which texts a format can carry exactly.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Regedit4,
    Regedit5,
    Query,
}

/// A tree of keys under `HKEY_LOCAL_MACHINE\SOFTWARE` with distinct
/// (case-insensitive) paths and value names.
fn seeded_keys(seed: &mut Seed<'_>, format: Format) -> Vec<TextKey> {
    let mut keys: Vec<TextKey> = Vec::new();
    let key_count = usize::from(seed.byte() % 6) + 1;
    for _ in 0..key_count {
        let depth = usize::from(seed.byte() % 3) + 1;
        let mut path = String::from(r"HKEY_LOCAL_MACHINE\SOFTWARE");
        for _ in 0..depth {
            path.push('\\');
            let pieces = if format == Format::Query {
                QUERY_KEY_PIECES
            } else {
                NAME_PIECES
            };
            path.push_str(&seed.text(pieces));
        }
        if keys.iter().any(|k| names_equal(&k.path, &path)) {
            continue;
        }
        let mut values: Vec<RegValue> = Vec::new();
        for _ in 0..seed.byte() % 5 {
            let name = if seed.byte() % 4 == 0 {
                String::new()
            } else {
                let pieces = if format == Format::Query {
                    QUERY_NAME_PIECES
                } else {
                    NAME_PIECES
                };
                let mut name = seed.text(pieces);
                if seed.byte() % 5 == 0 {
                    name.push('\\');
                }
                name
            };
            if values.iter().any(|v| names_equal(&v.name, &name)) {
                continue;
            }
            values.push(seeded_value(seed, name, format));
        }
        keys.push(TextKey { path, values });
    }
    keys
}

fn seeded_value(seed: &mut Seed<'_>, name: String, format: Format) -> RegValue {
    let pieces = if format == Format::Query && seed.byte() % 2 == 0 {
        QUERY_DATA_PIECES
    } else {
        DATA_PIECES
    };
    let string = |seed: &mut Seed<'_>| -> String {
        match seed.byte() % 6 {
            0 => String::new(),
            _ => seed.text(pieces),
        }
    };
    let (type_code, raw) = match seed.byte() % 9 {
        0 => (reg_type::SZ, utf16le_with_nul(&string(seed))),
        1 => (reg_type::EXPAND_SZ, utf16le_with_nul(&string(seed))),
        2 => {
            let count = seed.byte() % 4;
            let strings: Vec<String> = (0..count).map(|_| string(seed)).collect();
            let borrowed: Vec<&str> = strings.iter().map(String::as_str).collect();
            let mut raw = utf16le_multi_with_nuls(&borrowed);
            // Stored without the list's terminator, or with an odd byte.
            match seed.byte() % 4 {
                0 => raw.truncate(raw.len().saturating_sub(2)),
                1 if format == Format::Query => raw.push(seed.byte()),
                _ => {}
            }
            (reg_type::MULTI_SZ, raw)
        }
        3 => {
            let bytes = [seed.byte(), seed.byte(), seed.byte(), seed.byte()];
            (reg_type::DWORD, bytes.to_vec())
        }
        4 => (reg_type::QWORD, (0..8).map(|_| seed.byte()).collect()),
        5 => {
            let len = usize::from(seed.byte() % 40);
            (reg_type::BINARY, (0..len).map(|_| seed.byte()).collect())
        }
        6 => (
            reg_type::NONE,
            (0..seed.byte() % 3).map(|_| seed.byte()).collect(),
        ),
        // .reg, and `hivetriage query`'s exact form, carry any type and
        // any bytes exactly.
        7 => {
            let len = usize::from(seed.byte() % 7);
            (0xFFFF_0012, (0..len).map(|_| seed.byte()).collect())
        }
        8 => {
            // REG_SZ without its NUL, or with one inside: written as
            // hex(1). REGEDIT4 writes a plain string in ANSI, as Windows
            // does ('?' for the rest): there, keep the length odd so the
            // bytes go as hex(1) and survive.
            let mut len = usize::from(seed.byte() % 7);
            if format == Format::Regedit4 {
                len |= 1;
            }
            (reg_type::SZ, (0..len).map(|_| seed.byte() % 3).collect())
        }
        _ => (reg_type::SZ, utf16le_with_nul("plain")),
    };
    RegValue::new(name, type_code, raw)
}

/// Every seeded key reads back from `hive` with the same values.
fn assert_same_tree(keys: &[TextKey], hive: &TextHive, what: &str) {
    for key in keys {
        let rest = locate_root(&key.path).expect("seeded under HKLM").rest;
        let read = hive
            .read_key(&rest)
            .expect("text hives do not fail")
            .unwrap_or_else(|| panic!("{what}: key {} lost", key.path));
        assert_eq!(
            read.values.len(),
            key.values.len(),
            "{what}: {} has {:?}",
            key.path,
            read.values
        );
        for (written, read) in key.values.iter().zip(&read.values) {
            assert_eq!(written, read, "{what}: in {}", key.path);
        }
        assert!(
            hive.lists_in_full(&rest),
            "{what}: {} listed in full",
            key.path
        );
    }
}

/// `regtext_reg`: any bytes as a .reg file; a seeded tree through both
/// .reg versions and back.
pub fn check_reg_export(data: &[u8]) {
    let sniffed = sniff_reg_export(data);
    match parse_reg_export("fuzz.reg", data) {
        Ok(export) => {
            assert_eq!(
                sniffed,
                Some(export.version),
                "the parser and the sniffer agree"
            );
            assert_lines_within(data, &export.problems, &export.sections);
            apply_all(&export.sections);
        }
        Err(problem) => {
            assert!(problem.detail.contains("not a .reg file"));
        }
    }
    for (version, format) in [
        (RegExportVersion::Regedit4, Format::Regedit4),
        (RegExportVersion::Regedit5, Format::Regedit5),
    ] {
        let keys = seeded_keys(&mut Seed { data, at: 0 }, format);
        let bytes = reg_export(&keys, version);
        let export = parse_reg_export("seeded.reg", &bytes).expect("our export has a header");
        assert!(
            export.problems.is_empty(),
            "{:?}\n{}",
            export.problems,
            String::from_utf8_lossy(&bytes)
        );
        assert_same_tree(&keys, &apply_all(&export.sections), version.header());
    }
}

/// Whether reg query's layouts may hide a difference in values of this
/// kind (see `source::reg_query`), so that reading one back may note it.
fn layout_may_hide(value: &RegValue) -> bool {
    match value.type_code {
        reg_type::SZ | reg_type::EXPAND_SZ => {
            let text = value.as_string().unwrap_or_default();
            text.is_empty() || text.ends_with([' ', '\t'])
        }
        reg_type::MULTI_SZ | reg_type::DWORD_BIG_ENDIAN | reg_type::LINK => true,
        _ => false,
    }
}

/// `regtext_query`: any bytes as reg query output; a seeded tree (any
/// names, types and bytes) through both layouts, as `hivetriage query`
/// writes them, and back byte for byte, with notes only on values of the
/// kinds the layouts may hide something of.
pub fn check_reg_query(data: &[u8]) {
    let _ = sniff_reg_query(data);
    let output = parse_reg_query("fuzz.txt", data);
    assert_lines_within(data, &output.problems, &output.sections);
    apply_all(&output.sections);

    for layout in [RegQueryLayout::Xp, RegQueryLayout::Vista] {
        let keys = seeded_keys(&mut Seed { data, at: 0 }, Format::Query);
        let text = reg_query_text(&keys, layout);
        // What `hivetriage query` writes is recognised as reg query output
        // from its first 4 KiB, whatever the first values are.
        let prefix = &text.as_bytes()[..text.len().min(4096)];
        if layout == RegQueryLayout::Xp || keys.iter().any(|k| !k.values.is_empty()) {
            assert!(sniff_reg_query(prefix).is_some(), "{text}");
        }
        let output = parse_reg_query("seeded.txt", text.as_bytes());
        assert!(output.problems.is_empty(), "{:?}\n{text}", output.problems);
        assert_eq!(output.other_lines, 0, "{text}");
        let hive = apply_all(&output.sections);
        assert_same_tree(&keys, &hive, &format!("{layout:?}"));
        for key in &keys {
            let rest = locate_root(&key.path).unwrap().rest;
            let read = hive.read_key(&rest).unwrap().unwrap();
            for value in &key.values {
                if read.value_note(&value.name).is_some() {
                    assert!(
                        layout_may_hide(value),
                        "{layout:?}: note on {value:?} in {}",
                        key.path
                    );
                }
            }
        }
    }
}

/// `szdd`: any bytes as an SZDD file and as compressed data after a valid
/// header, expanded within a bound; seeded data compressed both ways and
/// expanded back.
pub fn check_szdd(data: &[u8]) {
    const BOUND: u64 = 64 * 1024;
    if let Ok(expanded) = expand("fuzz._", data, BOUND) {
        assert!(expanded.data.len() as u64 <= BOUND);
    }
    // The data as a compressed stream: bounded expansion is the unbounded
    // one when that fits, and refused when it does not.
    let mut file = SZDD_SIGNATURE.to_vec();
    file.extend([b'A', 0]);
    file.extend(0u32.to_le_bytes());
    file.extend(data);
    let whole = expand("fuzz._", &file, u64::MAX).expect("a valid header");
    assert!(
        whole.data.len() <= data.len() * 9,
        "LZSS cannot expand more than 9:1"
    );
    let small_bound = (data.len() as u64) * 2;
    match expand("fuzz._", &file, small_bound) {
        Ok(bounded) => {
            assert_eq!(bounded.data, whole.data);
            assert!(bounded.data.len() as u64 <= small_bound);
        }
        Err(SzddError::TooLarge { .. }) => assert!(whole.data.len() as u64 > small_bound),
        Err(other) => panic!("{other}"),
    }
    for compressed in [szdd_compress(data, 0), szdd_literals(data, 0)] {
        let back = expand("seeded._", &compressed, u64::MAX).expect("our own SZDD");
        assert_eq!(back.data, data);
        assert!(back.warnings.is_empty(), "{:?}", back.warnings);
    }
}
