//! Shared by the snapshot-reader targets and their regression test (a
//! module, not a target). [`check`], for cacls and icacls: reads the input
//! as display output of `form` and checks what a reader must guarantee;
//! then writes back each folder whose ACEs the tool can print and checks
//! that the reader reads the same ACEs again. [`check_sddl_form`], for
//! Get-Acl and icacls /save: every folder holds the descriptor its own SDDL
//! parses to.
// Each target uses one of the two checks.
#![allow(dead_code)]

use hivetriage::acl::rights::{FILE_ALL_ACCESS, map_generic};
use hivetriage::acl::{Dacl, SnapshotForm, SnapshotRead, Trustee, parse_sddl, read_snapshot_as};
use hivetriage::encoding::{decode_text, lines};
use hivetriage::fixture::acl::{try_cacls_output, try_icacls_output};

pub fn check(form: SnapshotForm, data: &[u8]) {
    let read = read_snapshot_as(form, "fuzz", data);
    assert_lines_within(&read, data);
    for problem in &read.problems {
        if let Some(folder) = &problem.folder {
            assert!(!folder.trim().is_empty(), "{problem:?}");
        }
    }
    for folder in &read.folders {
        assert!(!folder.path.trim().is_empty());
        let Dacl::Entries(aces) = &folder.descriptor.dacl else {
            panic!("display output always lists ACEs")
        };
        assert!(!aces.is_empty());
        for ace in aces {
            assert_eq!(ace.unknown_rights & !FILE_ALL_ACCESS, 0);
            assert!(
                ace.display_name
                    .as_deref()
                    .is_some_and(|n| !n.trim().is_empty())
            );
        }
        // Round trip, where the layout decides (two ACEs or more) and every
        // printed name is one a tool could print.
        let printable = aces.len() >= 2
            && aces.iter().all(|a| {
                a.unknown_rights == 0
                    && a.display_name
                        .as_deref()
                        .is_some_and(|n| n == n.trim() && !n.contains(['\r', '\n', ':', '(', ')']))
            })
            && folder.path == folder.path.trim()
            && !folder.path.contains(['\r', '\n']);
        if !printable {
            continue;
        }
        let names = |_: &hivetriage::acl::Sid| None;
        let list = [(folder.path.as_str(), &folder.descriptor)];
        let written = match form {
            SnapshotForm::Cacls => try_cacls_output(&list, &names, true),
            _ => try_icacls_output(&list, &names),
        };
        // The writers refuse masks the tool cannot print.
        let Some(written) = written else { continue };
        let again = read_snapshot_as(form, "again", written.as_bytes());
        assert!(
            again.problems.is_empty(),
            "{written:?}: {:?}",
            again.problems
        );
        assert_eq!(again.folders.len(), 1, "{written:?}");
        let shape = |aces: &[hivetriage::acl::Ace]| -> Vec<(u8, u8, u32, bool)> {
            aces.iter()
                .map(|a| {
                    (
                        a.ace_type,
                        a.flags,
                        map_generic(a.mask),
                        matches!(a.trustee, Trustee::Sid(_)),
                    )
                })
                .collect()
        };
        let Dacl::Entries(read_back) = &again.folders[0].descriptor.dacl else {
            panic!()
        };
        assert_eq!(shape(read_back), shape(aces), "{written:?}");
    }
}

/// Get-Acl and icacls /save: the checks of `check`'s first part, and every
/// folder holds the descriptor its own SDDL parses to.
pub fn check_sddl_form(form: SnapshotForm, data: &[u8]) {
    let read = read_snapshot_as(form, "fuzz", data);
    assert_lines_within(&read, data);
    for folder in &read.folders {
        let sddl = folder.sddl.as_deref().expect("this form carries SDDL");
        assert_eq!(parse_sddl(sddl).as_ref(), Ok(&folder.descriptor));
        assert!(!folder.path.is_empty());
    }
}

/// Every line number a read reports, of a folder or a problem, lies
/// within the file.
pub fn assert_lines_within(read: &SnapshotRead, data: &[u8]) {
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
}
