//! Any bytes given to `HiveFile::open`, then `identify`, a full walk and
//! `LocalAccounts::from_sam`: nothing may panic or hang, and every key path
//! the walk reports must read back with `read_key` as the same key (see
//! `hive_check.rs`).
#![no_main]

mod hive_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hive_check::check_hive(data));
