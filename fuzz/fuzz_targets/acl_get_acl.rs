//! Arbitrary bytes read as Get-Acl | Format-List output (the checks are in
//! `acl_sddl_form_check.rs`, shared with the regression test).
#![no_main]

mod acl_sddl_form_check;

use hivetriage::acl::SnapshotForm;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| acl_sddl_form_check::check(SnapshotForm::GetAclList, data));
