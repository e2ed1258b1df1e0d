//! Arbitrary bytes as `manifest.toml`: never a panic, entry lines within
//! the file, and the entries read write back (with the fixture's manifest
//! writer) to a manifest that reads to the same entries.
#![no_main]

use hivetriage::acl::manifest::read_manifest;
use hivetriage::fixture::acl::manifest_toml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (entries, problems) = read_manifest("manifest.toml", data);
    let line_count = String::from_utf8_lossy(data).split('\n').count();
    for line in entries
        .iter()
        .map(|e| Some(e.line))
        .chain(problems.iter().map(|p| p.line))
        .flatten()
    {
        assert!((1..=line_count).contains(&line), "line {line} of {line_count}");
    }
    for entry in &entries {
        assert!(!entry.path.is_empty() && !entry.file.is_empty());
    }
    // TOML literal strings cannot hold `'` or line breaks.
    let writable = entries
        .iter()
        .all(|e| !format!("{}{}", e.path, e.file).contains(['\'', '\n', '\r']) && !format!("{}{}", e.path, e.file).chars().any(char::is_control));
    if writable {
        let pairs: Vec<(&str, &str)> = entries.iter().map(|e| (e.path.as_str(), e.file.as_str())).collect();
        let text = manifest_toml(&pairs);
        let (again, problems) = read_manifest("manifest.toml", text.as_bytes());
        assert!(problems.is_empty(), "{text:?}: {problems:?}");
        let strip = |list: &[hivetriage::acl::manifest::ManifestAcl]| -> Vec<(String, String)> {
            list.iter().map(|e| (e.path.clone(), e.file.clone())).collect()
        };
        assert_eq!(strip(&again), strip(&entries), "{text:?}");
    }
});
