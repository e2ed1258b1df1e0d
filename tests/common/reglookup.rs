//! reglookup (libregfi, an independent C reader, installed by `.ci/run`)
//! as an oracle: every key and value of a hive file, compared with what our
//! reader gives for the same bytes.

use std::collections::BTreeMap;

use hivetriage::registry::{HiveData, RegKey, WalkControl, reg_type};

/// `%XX` escapes of reglookup's output undone (it escapes `,`, `/`, `%`,
/// control characters and, in binary data, every byte it cannot print).
pub fn reglookup_unescape(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[at], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    out
}

/// `2010-11-10 17:18:08` for a FILETIME (UTC, whole seconds).
pub fn filetime_text(filetime: u64) -> String {
    let unix = (filetime / 10_000_000) as i64 - 11_644_473_600;
    let (days, seconds) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// reglookup's name of a value type.
pub fn reglookup_type(type_code: u32) -> String {
    match type_code {
        0 => "NONE".into(),
        1 => "SZ".into(),
        2 => "EXPAND_SZ".into(),
        3 => "BINARY".into(),
        4 => "DWORD".into(),
        5 => "DWORD_BE".into(),
        6 => "LINK".into(),
        7 => "MULTI_SZ".into(),
        8 => "RSRC_LIST".into(),
        9 => "RSRC_DESC".into(),
        10 => "RSRC_REQ_LIST".into(),
        11 => "QWORD".into(),
        other => format!("0x{other:08X}"),
    }
}

/// A key or value name as reglookup prints it (escapes undone): UTF-8,
/// except that a name with characters outside the Basic Multilingual
/// Plane (surrogate pairs, e.g. the 🌎🌏🌍 key of the regipy NTUSER hive),
/// which it cannot convert, comes out as its raw UTF-16LE bytes.
pub fn name_as_reglookup_prints_it(name: &str) -> Vec<u8> {
    if name.chars().any(|c| u32::from(c) > 0xFFFF) {
        name.encode_utf16().flat_map(u16::to_le_bytes).collect()
    } else {
        name.as_bytes().to_vec()
    }
}

/// Names compared in one form: reglookup prints a name stored in the
/// one-byte form (Latin-1, e.g. `IËMOÅÈ…` under the regipy NTUSER hive's
/// `PaymentApps`) as those bytes and a UTF-16 name as UTF-8, so bytes that
/// are not UTF-8 are read as Latin-1.
pub fn canonical_name(bytes: Vec<u8>) -> Vec<u8> {
    match String::from_utf8(bytes) {
        Ok(text) => text.into_bytes(),
        Err(error) => error
            .into_bytes()
            .iter()
            .map(|&byte| char::from(byte))
            .collect::<String>()
            .into_bytes(),
    }
}

/// How much a comparison covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Compared {
    pub keys: usize,
    pub values: usize,
    /// Values whose data was compared (DWORD, QWORD, strings, binary).
    pub data: usize,
}

/// Compares every key (path, last-written second), every value (key,
/// name, type) and the data of DWORD, QWORD, BINARY and string values of
/// `hive` (our reading of `bytes`) with what reglookup prints for `bytes`;
/// panics at the first difference, and when the two list different numbers
/// of keys or values. `None` (with the reason printed) when reglookup is
/// not installed.
pub fn compare(bytes: &[u8], hive: &dyn HiveData) -> Option<Compared> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, bytes).unwrap();
    let output = match std::process::Command::new("reglookup")
        .arg("-H")
        .arg(file.path())
        .output()
    {
        Ok(output) if output.status.success() => output,
        other => {
            super::skip(&format!("reglookup is not usable here ({other:?})"));
            return None;
        }
    };
    // Values reglookup could not decode as their type: it prints raw
    // bytes for them (and says so on stderr).
    let undecoded: std::collections::HashSet<Vec<u8>> = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter_map(|line| line.split_once("value for '")?.1.rsplit_once("', warning"))
        .map(|(path, _)| path.as_bytes().to_vec())
        .collect();

    type Theirs = BTreeMap<(Vec<Vec<u8>>, Vec<u8>), (String, String)>;
    let mut their_keys: BTreeMap<Vec<Vec<u8>>, String> = BTreeMap::new();
    let mut their_values: Theirs = BTreeMap::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 4, "{line}");
        let mut components: Vec<Vec<u8>> = fields[0]
            .split('/')
            .skip(1)
            .map(|component| canonical_name(reglookup_unescape(component)))
            .collect();
        if fields[1] == "KEY" {
            if fields[0] == "/" {
                components.clear();
            }
            their_keys.insert(components, fields[3].to_string());
        } else {
            let name = components.pop().unwrap();
            let data = if undecoded.contains(fields[0].as_bytes()) {
                String::new()
            } else if fields[2] == "(null)" {
                // How it prints empty data.
                "%".to_string()
            } else {
                fields[2].to_string()
            };
            let old = their_values.insert((components, name), (fields[1].to_string(), data));
            assert!(old.is_none(), "{line}");
        }
    }

    let (mut keys, mut values, mut data_compared) = (0, 0, 0);
    hive.walk("", &mut |key: &RegKey| {
        let components: Vec<Vec<u8>> = if key.path.is_empty() {
            Vec::new()
        } else {
            key.path
                .split('\\')
                .map(|c| canonical_name(name_as_reglookup_prints_it(c)))
                .collect()
        };
        assert_eq!(
            their_keys.get(&components),
            Some(&filetime_text(key.last_written.unwrap())),
            "{}",
            key.path
        );
        keys += 1;
        for value in &key.values {
            let id = (
                components.clone(),
                canonical_name(name_as_reglookup_prints_it(&value.name)),
            );
            let (their_type, their_data) = their_values
                .get(&id)
                .unwrap_or_else(|| panic!("{}: {:?} not in reglookup", key.path, value.name));
            assert_eq!(*their_type, reglookup_type(value.type_code), "{}", key.path);
            values += 1;
            if their_data.is_empty() {
                continue;
            }
            if their_data == "%" {
                assert!(value.raw.is_empty(), "{}\\{}", key.path, value.name);
                data_compared += 1;
                continue;
            }
            let expected = match (value.type_code, value.raw.len()) {
                (reg_type::DWORD, 4) => Some(format!("0x{:08X}", value.as_dword().unwrap())),
                (reg_type::QWORD, 8) => Some(format!(
                    "0x{:016X}",
                    u64::from_le_bytes(value.raw[..].try_into().unwrap())
                )),
                (reg_type::SZ | reg_type::EXPAND_SZ, _) => {
                    let ours = value.as_string().unwrap();
                    assert_eq!(
                        reglookup_unescape(their_data),
                        ours.as_bytes(),
                        "{}\\{}",
                        key.path,
                        value.name
                    );
                    data_compared += 1;
                    None
                }
                (reg_type::BINARY, _) => {
                    assert_eq!(
                        reglookup_unescape(their_data),
                        value.raw,
                        "{}\\{}",
                        key.path,
                        value.name
                    );
                    data_compared += 1;
                    None
                }
                _ => None,
            };
            if let Some(expected) = expected {
                assert_eq!(*their_data, expected, "{}\\{}", key.path, value.name);
                data_compared += 1;
            }
        }
        WalkControl::Continue
    })
    .unwrap()
    .unwrap();
    assert_eq!((keys, values), (their_keys.len(), their_values.len()));
    Some(Compared {
        keys,
        values,
        data: data_compared,
    })
}
