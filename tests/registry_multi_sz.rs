//! Every REG_MULTI_SZ value of every corpus hive, as `data` lists it,
//! against reglookup (libregfi, an independent C reader): same values in
//! the same order, same strings.
//!
//! What reglookup prints, and what that can check: it converts the whole
//! data to ASCII and starts a new string after every NUL that is followed
//! by a non-NUL character, joined by `|`. So it shows the first string
//! (empty when the data starts with NUL) and every non-empty string after
//! it, the ones after an empty string included, but never an empty string
//! after the first and never whether the list ended with its terminator.
//! Data it cannot convert (non-ASCII) it prints as the quoted raw bytes
//! (and says so on stderr). The empty strings themselves are checked in
//! `registry::value` against the way Windows' .NET `RegistryKey.GetValue`
//! splits data; hivex (1.3.23) agrees with both except that it lists the
//! list's terminator as one more empty string.

mod common;

use hivetriage::registry::{HiveData, HiveFile, RegKey, RegValue, WalkControl, reg_type};
use std::path::Path;

/// `%XX` escapes of reglookup's output undone.
fn reglookup_unescape(text: &str) -> Vec<u8> {
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

/// A name as reglookup writes it: ASCII as it is; a name it cannot
/// convert as its stored bytes (UTF-16LE, or Latin-1 for compressed names).
fn same_name(theirs: &[u8], ours: &str) -> bool {
    if ours.is_ascii() {
        return theirs == ours.as_bytes();
    }
    let utf16: Vec<u8> = ours.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let latin1: Option<Vec<u8>> = ours.chars().map(|c| u8::try_from(c).ok()).collect();
    theirs == utf16 || latin1.is_some_and(|l| theirs == l)
}

/// One REG_MULTI_SZ value of our walk: key path components and the value.
struct Ours {
    components: Vec<String>,
    value: RegValue,
}

fn our_multi_sz(hive: &HiveFile) -> Vec<Ours> {
    let mut found = Vec::new();
    hive.walk("", &mut |key: &RegKey| {
        for value in &key.values {
            if value.type_code == reg_type::MULTI_SZ {
                let components = if key.path.is_empty() {
                    Vec::new()
                } else {
                    key.path.split('\\').map(str::to_string).collect()
                };
                found.push(Ours {
                    components,
                    value: value.clone(),
                });
            }
        }
        WalkControl::Continue
    })
    .unwrap()
    .unwrap();
    found
}

/// reglookup's MULTI_SZ records of `file`, in its order: (path, data
/// field, whether it printed the raw bytes); `None` when reglookup cannot
/// be run here.
fn reglookup_multi_sz(file: &Path) -> Option<Vec<(String, String, bool)>> {
    let output = match std::process::Command::new("reglookup")
        .args(["-H", "-t", "MULTI_SZ"])
        .arg(file)
        .output()
    {
        Ok(output) if output.status.success() => output,
        other => {
            common::skip(&format!("reglookup is not usable here ({other:?})"));
            return None;
        }
    };
    let raw_printed: Vec<String> = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains("quoting raw buffer"))
        .filter_map(|line| {
            let (_, rest) = line.split_once("value for '")?;
            Some(rest.rsplit_once("', warning")?.0.to_string())
        })
        .collect();
    let records = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 4, "{line}");
            assert_eq!(fields[1], "MULTI_SZ", "{line}");
            let raw = raw_printed.iter().any(|path| path == fields[0]);
            (fields[0].to_string(), fields[2].to_string(), raw)
        })
        .collect();
    Some(records)
}

/// What reglookup shows of our strings: the first (or an empty one for no
/// strings) and every non-empty one after it.
fn as_reglookup_shows(strings: &[String]) -> Vec<Vec<u8>> {
    let mut shown = vec![strings.first().cloned().unwrap_or_default().into_bytes()];
    shown.extend(
        strings
            .iter()
            .skip(1)
            .filter(|s| !s.is_empty())
            .map(|s| s.as_bytes().to_vec()),
    );
    shown
}

/// Compares one hive; returns how many values were compared, `None` when
/// reglookup is absent.
fn compare(name: &str, bytes: Vec<u8>) -> Option<usize> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hive");
    std::fs::write(&path, &bytes).unwrap();
    let theirs = reglookup_multi_sz(&path)?;
    // As stored: reglookup does not replay transaction logs either.
    let (hive, _) = HiveFile::open(name, bytes).unwrap();
    let ours = our_multi_sz(&hive);
    assert_eq!(ours.len(), theirs.len(), "{name}: REG_MULTI_SZ values");
    for (ours, (their_path, their_data, raw_printed)) in ours.iter().zip(&theirs) {
        let mut their_components: Vec<Vec<u8>> = their_path
            .split('/')
            .skip(1)
            .map(reglookup_unescape)
            .collect();
        let their_name = their_components.pop().unwrap();
        let where_ = format!("{name}: {their_path}");
        assert_eq!(their_components.len(), ours.components.len(), "{where_}");
        for (theirs, ours) in their_components.iter().zip(&ours.components) {
            assert!(same_name(theirs, ours), "{where_}: key {ours:?}");
        }
        assert!(same_name(&their_name, &ours.value.name), "{where_}");

        let strings: Vec<String> = match ours.value.data_json() {
            serde_json::Value::Array(list) => list
                .into_iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect(),
            other => panic!("{where_}: data {other}"),
        };
        if *raw_printed {
            // Only data it could not convert to ASCII.
            assert!(strings.iter().any(|s| !s.is_ascii()), "{where_}");
            assert_eq!(reglookup_unescape(their_data), ours.value.raw, "{where_}");
        } else {
            let their_strings: Vec<Vec<u8>> =
                their_data.split('|').map(reglookup_unescape).collect();
            assert_eq!(their_strings, as_reglookup_shows(&strings), "{where_}");
        }
    }
    Some(ours.len())
}

/// Every hive file of the corpus (regipy's decompressed, yarp's as they
/// are, logs left out), by name.
fn corpus_hives() -> Option<Vec<(String, Vec<u8>)>> {
    let shared = common::shared_dir()?;
    let mut hives = Vec::new();
    for name in [
        "SYSTEM",
        "SAM",
        "SECURITY",
        "UsrClass.dat",
        "transactions_NTUSER.DAT",
    ] {
        let bytes = common::shared_xz_file(&format!("corpus/regipy/{name}.xz"))?;
        hives.push((format!("regipy/{name}"), bytes));
    }
    let mut pending = vec![shared.join("corpus/yarp")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            // A primary file (type 0), not a transaction log.
            let is_primary =
                bytes.starts_with(b"regf") && bytes.get(28..32) == Some(&[0, 0, 0, 0][..]);
            if is_primary {
                let name = path.strip_prefix(&shared).unwrap().display().to_string();
                hives.push((name, bytes));
            }
        }
    }
    hives.sort_by(|a, b| a.0.cmp(&b.0));
    Some(hives)
}

#[test]
fn every_multi_sz_of_the_corpus_equals_what_reglookup_lists() {
    let Some(hives) = corpus_hives() else {
        return;
    };
    let mut compared = Vec::new();
    for (name, bytes) in hives {
        if HiveFile::open(&name, bytes.clone()).is_err() {
            continue;
        }
        match compare(&name, bytes) {
            Some(count) => compared.push((name, count)),
            None => return,
        }
    }
    let count = |wanted: &str| {
        compared
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, count)| *count)
    };
    // The counts reglookup gives for the hives holding such values.
    assert_eq!(count("regipy/SYSTEM"), Some(2532));
    assert_eq!(count("regipy/UsrClass.dat"), Some(101));
    assert_eq!(count("regipy/transactions_NTUSER.DAT"), Some(135));
    assert_eq!(count("corpus/yarp/MultiSzHive"), Some(2));
    let total: usize = compared.iter().map(|(_, count)| count).sum();
    assert!(total >= 2532 + 101 + 135 + 2, "{compared:?}");
}
