//! Arbitrary bytes read as `icacls <folder>` display output: never a panic,
//! line numbers within the file, and what is read writes back and reads
//! the same (see acl_display_check.rs).
#![no_main]

use hivetriage::acl::SnapshotForm;
use libfuzzer_sys::fuzz_target;

mod acl_display_check;

fuzz_target!(|data: &[u8]| {
    acl_display_check::check(SnapshotForm::IcaclsDisplay, data);
});
