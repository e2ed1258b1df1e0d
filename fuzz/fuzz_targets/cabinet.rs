//! Any bytes as a cabinet, and as the data of a valid single-file cabinet
//! (see `cabinet_check.rs`): nothing panics or passes its bound, and a
//! bounded expansion is the unbounded one or refused.
#![no_main]

mod cabinet_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cabinet_check::check(data));
