//! The properties the `cabinet` fuzz target checks, shared with the
//! regression test that replays saved inputs (`tests/cabinet_fuzz_regressions.rs`).
//!
//! Input: byte 0 picks a limit; the rest is read as a cabinet as it is,
//! and also spliced into a valid single-file cabinet (after its headers),
//! so the fuzzer reaches the decompressors as well as the header parser.

use hivetriage::fixture::cabinet::single_file_cabinet;
use hivetriage::source::cabinet::{CabinetError, expand};

const LIMITS: [u64; 4] = [0, 100, 4096, 1 << 20];

pub fn check(data: &[u8]) {
    let Some((&config, rest)) = data.split_first() else {
        return;
    };
    let limit = LIMITS[usize::from(config & 3)];
    check_one(rest, limit);

    let mut spliced = single_file_cabinet("system", b"hive bytes, repeated. hive bytes, repeated.");
    // The fixed header (36 bytes), one folder (8) and one file entry
    // (16 + "system\0") come first; the compressed data follows.
    let data_start = 36 + 8 + 16 + 7;
    let keep = data_start.min(spliced.len());
    spliced.truncate(keep + usize::from(config >> 2) % 16);
    spliced.extend_from_slice(rest);
    check_one(&spliced, limit);
}

fn check_one(bytes: &[u8], limit: u64) {
    let bounded = expand("fuzz._", bytes, limit);
    if let Ok(expanded) = &bounded {
        assert!(expanded.data.len() as u64 <= limit, "passed the limit");
    }
    let unbounded = expand("fuzz._", bytes, 1 << 24);
    match (&bounded, &unbounded) {
        (Ok(small), Ok(large)) => assert_eq!(small, large),
        // Refused for size: either it does expand past the limit, or the
        // cabinet claims more than the limit (and then more than it holds).
        (Err(CabinetError::TooLarge { .. }), Ok(large)) => {
            assert!(large.data.len() as u64 > limit || !large.warnings.is_empty())
        }
        (Ok(_), Err(error)) => panic!("expands within the limit but not without: {error}"),
        _ => {}
    }
    if let Err(error) = &bounded {
        assert!(error.to_string().starts_with("fuzz._: "), "{error}");
    }
}
