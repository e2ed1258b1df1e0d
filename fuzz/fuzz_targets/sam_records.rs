//! Any bytes as a SAM alias or group `C` value, alone and inside a SAM hive
//! written by the fixture writer: the record readers never panic, say where
//! a record is bad, and cost only that record (see `sam_check.rs`).
#![no_main]

mod sam_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| sam_check::check_sam_records(data));
