//! Any bytes as an SZDD file and as the compressed data after a valid
//! header: expansion never passes its bound, a bounded expansion is the
//! unbounded one or refused, and data compressed by both fixture
//! compressors expands back to itself (see `regtext_check.rs`).
#![no_main]

mod regtext_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| regtext_check::check_szdd(data));
