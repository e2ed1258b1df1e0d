//! Arbitrary bytes as an in-memory zip bundle. Properties checked:
//! opening never panics; every entry either reads within the limits or
//! fails with an error that names it; a successful read is no longer than
//! the limit nor than the size the zip declared; `read_prefix(n)` is at
//! most `n` bytes and, when the whole entry also reads, exactly its first
//! `min(n, len)` bytes.
#![no_main]

use hivetriage::bundle::{Limits, open_zip_bytes};
use libfuzzer_sys::fuzz_target;

/// Size limits the first input byte chooses between, small enough to keep
/// runs fast and to reach the refusal paths.
const ENTRY_LIMITS: [u64; 4] = [0, 100, 64 << 10, 1 << 20];
const PREFIX_LENS: [usize; 4] = [0, 1, 30, 4096];

fuzz_target!(|input: &[u8]| {
    let Some((&config, zip)) = input.split_first() else {
        return;
    };
    let limits = Limits {
        max_entry_size: ENTRY_LIMITS[usize::from(config & 3)],
        max_compression_ratio: if config & 4 == 0 { 1000 } else { 2 },
        ..Limits::default()
    };
    let prefix_len = PREFIX_LENS[usize::from((config >> 3) & 3)];

    let Ok(mut bundle) = open_zip_bytes("fuzz.zip", zip.to_vec(), limits) else {
        return;
    };
    let entries = bundle.entries().to_vec();
    // Every entry listed once each: its index reads it, past the end fails.
    for (index, info) in entries.iter().enumerate().take(64) {
        let whole = bundle.read_entry(index);
        match &whole {
            Ok(bytes) => {
                assert!(bytes.len() as u64 <= limits.max_entry_size, "{}", info.name);
                if let Some(declared) = info.declared_size {
                    assert!(
                        bytes.len() as u64 <= declared,
                        "{}: longer than declared",
                        info.name
                    );
                }
            }
            Err(e) => assert!(
                e.to_string().starts_with(&format!("{}: ", info.name)),
                "error does not name {:?}: {e}",
                info.name
            ),
        }
        match bundle.read_prefix(index, prefix_len) {
            Ok(prefix) => {
                assert!(prefix.len() <= prefix_len);
                if let Ok(bytes) = &whole {
                    assert_eq!(prefix.len(), prefix_len.min(bytes.len()), "{}", info.name);
                    assert_eq!(&prefix[..], &bytes[..prefix.len()], "{}", info.name);
                }
            }
            Err(e) => assert!(
                e.to_string().starts_with(&format!("{}: ", info.name)),
                "error does not name {:?}: {e}",
                info.name
            ),
        }
    }
    assert!(bundle.read_entry(entries.len()).is_err());
});
