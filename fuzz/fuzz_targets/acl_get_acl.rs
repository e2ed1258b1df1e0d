//! Arbitrary bytes read as Get-Acl | Format-List output (the checks are in
//! `acl_display_check.rs`, shared with the regression test).
#![no_main]

mod acl_display_check;

use hivetriage::acl::SnapshotForm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| acl_display_check::check_sddl_form(SnapshotForm::GetAclList, data));
