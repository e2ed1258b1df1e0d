//! Any bytes as saved `reg query` output: nothing panics, reported lines
//! lie in the file; and a tree seeded by the bytes, written in both
//! layouts, reads back the same, with notes exactly on the values the
//! layouts cannot show exactly (see `regtext_check.rs`).
#![no_main]

mod regtext_check;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| regtext_check::check_reg_query(data));
