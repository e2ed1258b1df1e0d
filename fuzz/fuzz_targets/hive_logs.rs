//! A hive and two transaction logs, replayed, opened and walked (see
//! `hive_logs_check.rs` for the input layout and the properties): nothing
//! may panic or hang, recovered bytes stay within the hive and logs
//! together, a clean hive is left as it is, and what is recovered reads
//! back like any hive.
#![no_main]

mod hive_logs_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hive_logs_check::check(data));
