//! ACL snapshot readers: hand-written examples modelled on
//! `shared/formats/acl-snapshots.md` (so the reader is not only checked
//! against this crate's own writers), the writers' output read back, bad
//! records, and matching snapshot paths to folders.

use hivetriage::acl::{
    AclView, Dacl, FolderMatch, SnapshotForm, Trustee, parse_sddl, read_snapshot_file,
    sniff_snapshot,
};
use hivetriage::fixture::acl::{get_acl_list, icacls_save_bytes, tab_lines};

fn utf16le(text: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xFF, 0xFE] } else { Vec::new() };
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

/// The Get-Acl example of acl-snapshots.md (after [siddaway]): the Sddl
/// value wraps between `OICIID;` and `FA`, inside an ACE.
const GET_ACL_EXAMPLE: &str = "\
Path   : Microsoft.PowerShell.Core\\FileSystem::C:\\test
Owner  : RSSURFACEPRO2\\Richard
Group  : RSSURFACEPRO2\\Richard
Access : BUILTIN\\Administrators Allow  FullControl
         NT AUTHORITY\\SYSTEM Allow  FullControl
         BUILTIN\\Users Allow  ReadAndExecute, Synchronize
         NT AUTHORITY\\Authenticated Users Allow  Modify, Synchronize
         NT AUTHORITY\\Authenticated Users Allow  -536805376
Audit  :
Sddl   : O:S-1-5-21-2502823385-1436278615-3517788930-1001G:S-1-5-21-2502823385-1436278615-3517788930-1001D:AI(A;OICIID;
         FA;;;BA)(A;OICIID;FA;;;SY)(A;OICIID;0x1200a9;;;BU)(A;ID;0x1301bf;;;AU)(A;OICIIOID;SDGXGWGR;;;AU)
";

const GET_ACL_JOINED: &str = "O:S-1-5-21-2502823385-1436278615-3517788930-1001G:S-1-5-21-2502823385-1436278615-3517788930-1001D:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)(A;OICIID;0x1200a9;;;BU)(A;ID;0x1301bf;;;AU)(A;OICIIOID;SDGXGWGR;;;AU)";

#[test]
fn get_acl_example_with_a_wrap_inside_an_ace() {
    for (bytes, what) in [
        (GET_ACL_EXAMPLE.as_bytes().to_vec(), "UTF-8, LF"),
        (
            utf16le(&GET_ACL_EXAMPLE.replace('\n', "\r\n"), true),
            "UTF-16LE with BOM, CRLF (Windows PowerShell 5.1 redirection)",
        ),
    ] {
        assert_eq!(
            sniff_snapshot(&bytes),
            Some(SnapshotForm::GetAclList),
            "{what}"
        );
        let (folders, problems) = read_snapshot_file("acl/getacl.txt", &bytes);
        assert!(problems.is_empty(), "{what}: {problems:?}");
        assert_eq!(folders.len(), 1, "{what}");
        let folder = &folders[0];
        assert_eq!(folder.path, "C:\\test");
        assert_eq!(folder.line, Some(1));
        assert_eq!(folder.form, SnapshotForm::GetAclList);
        assert_eq!(folder.sddl.as_deref(), Some(GET_ACL_JOINED), "{what}");
        let Dacl::Entries(aces) = &folder.descriptor.dacl else {
            panic!("{what}: {:?}", folder.descriptor.dacl)
        };
        assert_eq!(aces.len(), 5);
        assert_eq!(aces[0].mask, 0x1F01FF, "the ACE split by the wrap");
        assert_eq!(aces[4].mask, 0xE001_0000);
        assert_eq!(aces[4].flags, 0x1B);
    }
}

#[test]
fn get_acl_pspath_only_as_microsofts_example_prints() {
    let text = "\r\n\r\nPSPath : Microsoft.PowerShell.Core\\FileSystem::C:\\Windows\\setupact.log\r\nSddl   : O:BAG:SYD:(A;;FA;;;SY)\r\n\r\nPSPath : Microsoft.PowerShell.Core\\FileSystem::C:\\Windows\\setuperr.log\r\nSddl   : O:BAG:SYD:(A;;FR;;;BU)\r\n\r\n";
    let (folders, problems) = read_snapshot_file("x.txt", text.as_bytes());
    assert!(problems.is_empty(), "{problems:?}");
    let paths: Vec<_> = folders.iter().map(|f| (f.path.as_str(), f.line)).collect();
    assert_eq!(
        paths,
        [
            ("C:\\Windows\\setupact.log", Some(3)),
            ("C:\\Windows\\setuperr.log", Some(6))
        ]
    );
}

/// The icacls /save illustration of acl-snapshots.md.
const ICACLS_SAVE_EXAMPLE: &str = "\
Pickup
D:AI(A;CI;0x1201b6;;;S-1-5-21-1417001333-436374069-854245398-1001)(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)
Pickup\\old
D:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)
";

#[test]
fn icacls_save_example_in_every_encoding() {
    let crlf = ICACLS_SAVE_EXAMPLE.replace('\n', "\r\n");
    for (bytes, what) in [
        (utf16le(&crlf, false), "UTF-16LE without BOM, CRLF"),
        (utf16le(&crlf, true), "UTF-16LE with BOM, CRLF"),
        (utf16le(ICACLS_SAVE_EXAMPLE, true), "UTF-16LE with BOM, LF"),
        (ICACLS_SAVE_EXAMPLE.as_bytes().to_vec(), "UTF-8, LF"),
        (
            [b"\xEF\xBB\xBF".as_slice(), crlf.as_bytes()].concat(),
            "UTF-8 with BOM, CRLF",
        ),
    ] {
        assert_eq!(
            sniff_snapshot(&bytes),
            Some(SnapshotForm::IcaclsSave),
            "{what}"
        );
        let (folders, problems) = read_snapshot_file("acl/pickup.acl", &bytes);
        assert!(problems.is_empty(), "{what}: {problems:?}");
        let summary: Vec<_> = folders.iter().map(|f| (f.path.as_str(), f.line)).collect();
        assert_eq!(
            summary,
            [("Pickup", Some(1)), ("Pickup\\old", Some(3))],
            "{what}"
        );
        let Dacl::Entries(aces) = &folders[0].descriptor.dacl else {
            panic!()
        };
        assert_eq!((aces[0].flags, aces[0].mask), (0x02, 0x1201B6));
        assert_eq!(
            aces[0].trustee,
            Trustee::Sid(
                "S-1-5-21-1417001333-436374069-854245398-1001"
                    .parse()
                    .unwrap()
            )
        );
        assert_eq!(
            folders[0].descriptor.owner, None,
            "icacls /save keeps no owner"
        );
    }
}

#[test]
fn tab_lines_hand_written() {
    let text = "C:\\exchsrvr\\imcdata\\Pickup\tD:P(A;;FA;;;BA)(A;;0x1201b6;;;S-1-5-21-1-2-3-1001)\n\"C:\\Program Files\\x\"\tO:BAG:SYD:NO_ACCESS_CONTROL\n";
    assert_eq!(
        sniff_snapshot(text.as_bytes()),
        Some(SnapshotForm::TabSeparated)
    );
    let (folders, problems) = read_snapshot_file("acl.tsv", text.as_bytes());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(folders.len(), 2);
    assert_eq!(folders[1].path, "C:\\Program Files\\x");
    assert_eq!(folders[1].line, Some(2));
    assert_eq!(folders[1].descriptor.dacl, Dacl::Null);
}

fn sample_entries() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "C:\\exchsrvr\\imcdata\\Pickup",
            "O:BAG:SYD:PAI(A;CI;0x1201b6;;;S-1-5-21-1417001333-436374069-854245398-1001)(A;OICI;FA;;;BA)(D;OICI;0x2;;;BG)(A;OICIIO;GA;;;CO)",
        ),
        (
            "C:\\Documents and Settings\\Ünïcode folder",
            "D:AI(A;OICIID;FA;;;SY)",
        ),
        ("C:\\null", "O:BAG:SYD:NO_ACCESS_CONTROL"),
        ("C:\\empty", "O:SYG:SYD:P"),
    ]
}

fn assert_read_back(form: SnapshotForm, bytes: &[u8], expected_lines: &[usize]) {
    let entries = sample_entries();
    assert_eq!(sniff_snapshot(bytes), Some(form));
    let (folders, problems) = read_snapshot_file("written", bytes);
    assert!(problems.is_empty(), "{form:?}: {problems:?}");
    assert_eq!(folders.len(), entries.len(), "{form:?}");
    for ((folder, (path, sddl)), line) in folders.iter().zip(&entries).zip(expected_lines) {
        assert_eq!(folder.form, form);
        assert_eq!(folder.path, *path);
        assert_eq!(folder.sddl.as_deref(), Some(*sddl), "{form:?}");
        assert_eq!(folder.descriptor, parse_sddl(sddl).unwrap());
        assert_eq!(folder.line, Some(*line), "{form:?} {path}");
        assert_eq!(folder.origin, "written");
    }
}

#[test]
fn writers_read_back() {
    let entries = sample_entries();
    for bom in [true, false] {
        assert_read_back(
            SnapshotForm::IcaclsSave,
            &icacls_save_bytes(&entries, bom),
            &[1, 3, 5, 7],
        );
    }
    assert_read_back(
        SnapshotForm::TabSeparated,
        tab_lines(&entries).as_bytes(),
        &[1, 2, 3, 4],
    );
    for width in [30, 60, 80, 120, 400] {
        let text = get_acl_list(&entries, width);
        if width < 200 {
            assert!(
                text.lines().all(|line| line.chars().count() <= width),
                "width {width} exceeded"
            );
        }
        let (folders, problems) = read_snapshot_file("written", text.as_bytes());
        assert!(problems.is_empty(), "width {width}: {problems:?}");
        for (folder, (path, sddl)) in folders.iter().zip(&entries) {
            assert_eq!(
                (folder.path.as_str(), folder.sddl.as_deref()),
                (*path, Some(*sddl)),
                "width {width}"
            );
        }
        assert_eq!(folders.len(), entries.len());
        // Also as Windows PowerShell 5.1 writes it to a file.
        let (again, problems) = read_snapshot_file("written", &utf16le(&text, true));
        assert!(problems.is_empty());
        assert_eq!(again, folders);
    }
}

#[test]
fn bad_records_are_problems_and_the_rest_is_read() {
    let text = "Pickup\r\nD:AI(A;;FA;;;BA\r\nQueue\r\nD:(A;;FA;;;LA)\r\nIn\r\nD:(A;;FA;;;WD)\r\nD:(A;;FR;;;WD)\r\nOrphan\r\nOut\r\nD:(A;;FA;;;SY)\r\nLast\r\n";
    let (folders, problems) = read_snapshot_file("acl/bad.acl", &utf16le(text, true));
    let read: Vec<_> = folders.iter().map(|f| (f.path.as_str(), f.line)).collect();
    assert_eq!(read, [("In", Some(5)), ("Out", Some(9))]);
    let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
    assert_eq!(
        lines,
        [Some(2), Some(4), Some(7), Some(8), Some(11)],
        "{problems:#?}"
    );
    assert!(problems.iter().all(|p| p.origin == "acl/bad.acl"));
    assert!(problems[1].message.contains("LA"), "{}", problems[1]);
    assert!(
        problems[0].to_string().starts_with("acl/bad.acl line 2: "),
        "{}",
        problems[0]
    );

    let tabs = "C:\\a\tD:(A;;FA;;;WD)\nC:\\b no tab here\nC:\\c\tD:(A;;FA;;;WD\n\tD:(A;;FA;;;WD)\nC:\\d\tD:(A;;FA;;;SY)\n";
    let (folders, problems) = read_snapshot_file("t.tsv", tabs.as_bytes());
    assert_eq!(
        folders.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        ["C:\\a", "C:\\d"]
    );
    assert_eq!(
        problems.iter().map(|p| p.line).collect::<Vec<_>>(),
        [Some(2), Some(3), Some(4)]
    );

    let get_acl = "Path  : Microsoft.PowerShell.Core\\FileSystem::C:\\a\nOwner : BUILTIN\\Administrators\n\nPath  : Microsoft.PowerShell.Core\\FileSystem::C:\\b\nSddl  : D:(A;;FA;;;\n        WD)\n\nPath  : Microsoft.PowerShell.Core\\FileSystem::C:\\c\nSddl  : D:(A;;XX;;;WD)\n";
    let (folders, problems) = read_snapshot_file("g.txt", get_acl.as_bytes());
    assert_eq!(
        folders
            .iter()
            .map(|f| (f.path.as_str(), f.line))
            .collect::<Vec<_>>(),
        [("C:\\b", Some(4))]
    );
    assert_eq!(
        problems.iter().map(|p| p.line).collect::<Vec<_>>(),
        [Some(1), Some(9)]
    );
}

#[test]
fn unknown_files_are_not_snapshots() {
    for text in [
        "",
        "hello world",
        "REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM]\r\n",
        "a\nb\nc\n",
    ] {
        assert_eq!(sniff_snapshot(text.as_bytes()), None, "{text:?}");
        let (folders, problems) = read_snapshot_file("x", text.as_bytes());
        assert!(folders.is_empty());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, None);
    }
}

#[test]
fn find_matches_exact_paths_and_trailing_components() {
    let saved = icacls_save_bytes(
        &[
            ("Pickup", "D:(A;;FA;;;WD)"),
            ("imcdata\\Pickup", "D:(A;;FR;;;WD)"),
            ("Pickup\\old", "D:"),
        ],
        true,
    );
    let listed = tab_lines(&[
        ("c:/EXCHSRVR/imcdata/pickup/", "D:(A;;FA;;;BA)"),
        ("D:\\exchsrvr\\imcdata\\Pickup", "D:(A;;FA;;;BA)"),
    ]);
    let mut view = AclView::default();
    view.folders.extend(read_snapshot_file("a", &saved).0);
    view.folders
        .extend(read_snapshot_file("b", listed.as_bytes()).0);
    assert_eq!(view.folders.len(), 5);
    let found: Vec<_> = view
        .find("C:\\exchsrvr\\imcdata\\Pickup")
        .into_iter()
        .map(|(folder, how)| (folder.path.as_str(), how))
        .collect();
    assert_eq!(
        found,
        [
            ("Pickup", FolderMatch::TrailingComponents { components: 1 }),
            (
                "imcdata\\Pickup",
                FolderMatch::TrailingComponents { components: 2 }
            ),
            ("c:/EXCHSRVR/imcdata/pickup/", FolderMatch::ExactPath),
        ]
    );
    assert!(view.find("C:\\exchsrvr\\imcdata\\Queue").is_empty());
}

#[test]
fn get_acl_console_padding_and_spaces_in_paths() {
    // A console pads wrapped lines to its width; a path may wrap at a space.
    let text = "Path   : Microsoft.PowerShell.Core\\FileSystem::C:\\Documents \r\n         and Settings\\x\r\nSddl   : O:BAG:SYD:(A;;FA;;;B    \r\n         A)(A;;0x1200a9;;;WD)      \r\n";
    let (folders, problems) = read_snapshot_file("g.txt", text.as_bytes());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(folders[0].path, "C:\\Documents and Settings\\x");
    assert_eq!(
        folders[0].sddl.as_deref(),
        Some("O:BAG:SYD:(A;;FA;;;BA)(A;;0x1200a9;;;WD)")
    );
}

/// A file repeating one record is read as one record that counts the
/// repeats, in every text form; a record that differs is kept apart, and
/// a bad record repeated is one problem that says how often.
#[test]
fn identical_records_are_merged_and_counted_in_every_form() {
    use hivetriage::fixture::acl::{cacls_output, icacls_output, parsed};
    const REPEATS: usize = 500;
    let path = r"C:\exchsrvr\imcdata\Pickup";
    let sddl = "D:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)(A;OICIID;0x1200a9;;;WD)";
    let other = "D:(A;OICI;FA;;;WD)";
    let mut entries = vec![(path, sddl); REPEATS];
    entries.push((path, other));
    let descriptors = parsed(&[(path, sddl), (path, other)]);
    let mut refs: Vec<(&str, &hivetriage::acl::SecurityDescriptor)> =
        vec![(path, &descriptors[0].1); REPEATS];
    refs.push((path, &descriptors[1].1));
    let names = |_: &hivetriage::acl::Sid| None;
    let forms: Vec<(&str, Vec<u8>)> = vec![
        ("icacls /save", icacls_save_bytes(&entries, true)),
        ("tab lines", tab_lines(&entries).into_bytes()),
        ("Get-Acl", get_acl_list(&entries, 120).into_bytes()),
        ("cacls", cacls_output(&refs, &names, true).into_bytes()),
        ("icacls", icacls_output(&refs, &names).into_bytes()),
    ];
    let once = |form: &str| -> Vec<u8> {
        let one = [(path, sddl)];
        let refs = [(path, &descriptors[0].1)];
        match form {
            "icacls /save" => icacls_save_bytes(&one, true),
            "tab lines" => tab_lines(&one).into_bytes(),
            "Get-Acl" => get_acl_list(&one, 120).into_bytes(),
            "cacls" => cacls_output(&refs, &names, true).into_bytes(),
            _ => icacls_output(&refs, &names).into_bytes(),
        }
    };
    for (form, bytes) in forms {
        let (folders, problems) = read_snapshot_file("acl/pickup.txt", &bytes);
        assert!(problems.is_empty(), "{form}: {problems:?}");
        let counts: Vec<usize> = folders.iter().map(|f| f.records).collect();
        assert_eq!(counts, [REPEATS, 1], "{form}");
        // Shown once: as the first of the records, alone, would be.
        let (alone, _) = read_snapshot_file("acl/pickup.txt", &once(form));
        assert_eq!(folders[0].line, alone[0].line, "{form}");
        assert_eq!(folders[0].descriptor, alone[0].descriptor, "{form}");
    }

    let bad = "C:\\x\tD:(A;;FA;;;WD\n".repeat(REPEATS);
    let (folders, problems) = read_snapshot_file("acl/bad.txt", bad.as_bytes());
    assert!(folders.is_empty());
    assert_eq!(problems.len(), 1, "{problems:?}");
    let message = problems[0].to_string();
    assert!(
        message.starts_with("acl/bad.txt line 1: ")
            && message.ends_with(&format!("(the same on {} more lines)", REPEATS - 1)),
        "{message}"
    );
}
