//! Shared by the Get-Acl and icacls-/save targets and their regression
//! test (a module, not a target): the input read as `form` never panics,
//! its line numbers lie within the file, and every folder holds the
//! descriptor its own SDDL parses to.

use hivetriage::acl::{SnapshotForm, parse_sddl, read_snapshot_as};
use hivetriage::source::text::{decode_text, lines};

pub fn check(form: SnapshotForm, data: &[u8]) {
    let read = read_snapshot_as(form, "fuzz", data);
    let line_count = lines(&decode_text(data).text).len();
    for line in read
        .folders
        .iter()
        .map(|f| f.line)
        .chain(read.problems.iter().map(|p| p.line))
        .flatten()
    {
        assert!(
            (1..=line_count).contains(&line),
            "line {line} of {line_count}"
        );
    }
    for folder in &read.folders {
        let sddl = folder.sddl.as_deref().expect("this form carries SDDL");
        assert_eq!(parse_sddl(sddl).as_ref(), Ok(&folder.descriptor));
        assert!(!folder.path.is_empty());
    }
}
