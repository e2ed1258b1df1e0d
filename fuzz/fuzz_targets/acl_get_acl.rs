//! Arbitrary bytes read as the GetAclList form: never a panic, line numbers within
//! the file, and every folder holds the descriptor its own SDDL parses to.
#![no_main]

use hivetriage::acl::{SnapshotForm, parse_sddl, read_snapshot_as};
use hivetriage::source::text::{decode_text, lines};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let read = read_snapshot_as(SnapshotForm::GetAclList, "fuzz", data);
    let line_count = lines(&decode_text(data).text).len();
    for line in read
        .folders
        .iter()
        .map(|f| f.line)
        .chain(read.problems.iter().map(|p| p.line))
        .flatten()
    {
        assert!((1..=line_count).contains(&line), "line {line} of {line_count}");
    }
    for folder in &read.folders {
        let sddl = folder.sddl.as_deref().expect("this form carries SDDL");
        assert_eq!(parse_sddl(sddl).as_ref(), Ok(&folder.descriptor));
        assert!(!folder.path.is_empty());
    }
});
