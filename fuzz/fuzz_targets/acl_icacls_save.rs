//! Arbitrary bytes read as icacls /save files (the checks are in
//! `acl_display_check.rs`, shared with the regression test).
#![no_main]

mod acl_display_check;

use hivetriage::acl::SnapshotForm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| acl_display_check::check_sddl_form(SnapshotForm::IcaclsSave, data));
