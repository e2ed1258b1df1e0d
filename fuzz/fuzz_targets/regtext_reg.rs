//! Any bytes as a `.reg` file: nothing panics, the sniffer and the parser
//! agree, reported lines lie in the file; and a tree seeded by the bytes,
//! written as REGEDIT4 and as version 5.00, reads back the same (see
//! `regtext_check.rs`).
#![no_main]

mod regtext_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| regtext_check::check_reg_export(data));
