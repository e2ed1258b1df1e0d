//! cacls and icacls display output: the published examples recorded in
//! `shared/formats/acl-snapshots.md` (typed in here as data), read to the
//! rights those examples state, plus the variants the document leaves
//! open and bad input (errors cacls prints, unknown right names, broken
//! lines).

use hivetriage::acl::rights::{
    FILE_ALL_ACCESS, FILE_GENERIC_READ, FILE_MODIFY, FILE_READ_EXECUTE, GENERIC_EXECUTE,
    GENERIC_READ, map_generic,
};
use hivetriage::acl::{Ace, Dacl, FolderAcl, SnapshotForm, Trustee, read_snapshot, sniff_snapshot};

const OI: u8 = 0x01;
const CI: u8 = 0x02;
const IO: u8 = 0x08;
const ID: u8 = 0x10;
const ALLOW: u8 = 0;
const DENY: u8 = 1;

fn aces(folder: &FolderAcl) -> &[Ace] {
    match &folder.descriptor.dacl {
        Dacl::Entries(aces) => aces,
        other => panic!("{}: {other:?}", folder.path),
    }
}

/// (printed name, type, flags, mask) of each ACE.
fn summary(folder: &FolderAcl) -> Vec<(String, u8, u8, u32)> {
    aces(folder)
        .iter()
        .map(|a| {
            (
                a.display_name.clone().unwrap_or_default(),
                a.ace_type,
                a.flags,
                a.mask,
            )
        })
        .collect()
}

fn row(name: &str, ace_type: u8, flags: u8, mask: u32) -> (String, u8, u8, u32) {
    (name.to_string(), ace_type, flags, mask)
}

/// Windows Server 2003 `cacls C:\WINDOWS` ([nutshell]), laid out as on
/// screen: continuation lines under the first ACE, right names under the
/// rights column.
const CACLS_WINDOWS_2003: &str = "\
C:\\WINDOWS NT AUTHORITY\\Authenticated Users:R
           NT AUTHORITY\\Authenticated Users:(OI)(CI)(IO)(special access:)
                                            GENERIC_READ
                                            GENERIC_EXECUTE
           BUILTIN\\Server Operators:C
           BUILTIN\\Server Operators:(OI)(CI)(IO)C
           BUILTIN\\Administrators:F
           BUILTIN\\Administrators:(OI)(CI)(IO)F
           NT AUTHORITY\\SYSTEM:F
           NT AUTHORITY\\SYSTEM:(OI)(CI)(IO)F
           BUILTIN\\Administrators:F
           CREATOR OWNER:(OI)(CI)(IO)F

";

#[test]
fn cacls_windows_2003_example() {
    assert_eq!(
        sniff_snapshot(CACLS_WINDOWS_2003.as_bytes()),
        Some(SnapshotForm::Cacls)
    );
    let read = read_snapshot("cacls.txt", CACLS_WINDOWS_2003.as_bytes());
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(read.folders.len(), 1);
    let folder = &read.folders[0];
    assert_eq!(folder.path, "C:\\WINDOWS");
    assert_eq!(folder.form, SnapshotForm::Cacls);
    assert_eq!(folder.line, Some(1));
    let au = "NT AUTHORITY\\Authenticated Users";
    assert_eq!(
        summary(folder),
        [
            row(au, ALLOW, 0, FILE_READ_EXECUTE),
            row(au, ALLOW, OI | CI | IO, GENERIC_READ | GENERIC_EXECUTE),
            row("BUILTIN\\Server Operators", ALLOW, 0, FILE_MODIFY),
            row(
                "BUILTIN\\Server Operators",
                ALLOW,
                OI | CI | IO,
                FILE_MODIFY
            ),
            row("BUILTIN\\Administrators", ALLOW, 0, FILE_ALL_ACCESS),
            row(
                "BUILTIN\\Administrators",
                ALLOW,
                OI | CI | IO,
                FILE_ALL_ACCESS
            ),
            row("NT AUTHORITY\\SYSTEM", ALLOW, 0, FILE_ALL_ACCESS),
            row("NT AUTHORITY\\SYSTEM", ALLOW, OI | CI | IO, FILE_ALL_ACCESS),
            row("BUILTIN\\Administrators", ALLOW, 0, FILE_ALL_ACCESS),
            row("CREATOR OWNER", ALLOW, OI | CI | IO, FILE_ALL_ACCESS),
        ]
    );
    // Well-known names are SIDs already.
    assert_eq!(
        aces(folder)[0].trustee,
        Trustee::Sid("S-1-5-11".parse().unwrap())
    );
    assert_eq!(
        aces(folder)[9].trustee,
        Trustee::Sid("S-1-3-0".parse().unwrap())
    );
}

/// The Windows 2000 copy of the same listing ([nutshell], O'Reilly's page
/// of "Windows 2000 Administration in a Nutshell"): the markers of one ACE
/// wrapped onto the next line, and a last `Everyone:R`.
const CACLS_WINNT_2000_WRAPPED: &str = "\
C:\\WINNT NT AUTHORITY\\Authenticated Users:R
         NT AUTHORITY\\Authenticated Users:
             (OI)(CI)(IO)(special access:)
                  GENERIC_READ
                  GENERIC_EXECUTE
         BUILTIN\\Server Operators:C
         BUILTIN\\Server Operators:(OI)(CI)(IO)C
         CREATOR OWNER:(OI)(CI)(IO)F
         Everyone:R
";

#[test]
fn cacls_windows_2000_example_with_a_wrapped_ace() {
    let read = read_snapshot("cacls.txt", CACLS_WINNT_2000_WRAPPED.as_bytes());
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let folder = &read.folders[0];
    assert_eq!(folder.path, "C:\\WINNT");
    let rows = summary(folder);
    assert_eq!(rows.len(), 6);
    assert_eq!(
        rows[1],
        row(
            "NT AUTHORITY\\Authenticated Users",
            ALLOW,
            OI | CI | IO,
            GENERIC_READ | GENERIC_EXECUTE
        )
    );
    assert_eq!(rows[5], row("Everyone", ALLOW, 0, FILE_READ_EXECUTE));
}

/// NT 4.0 home directory ([nt4-tutorial], [Q123647]): file ACE `(OI)(IO)`
/// first, directory ACE `(CI)` second; a principal with a space.
const CACLS_NT4_HOME: &str = "\
D:\\Users\\Andy FALCON\\Andy:(OI)(IO)F
              FALCON\\Andy:(CI)F
              BUILTIN\\Administrators:(OI)(IO)F
              BUILTIN\\Administrators:(CI)F
              NT AUTHORITY\\SYSTEM:(OI)(IO)F
              NT AUTHORITY\\SYSTEM:(CI)F
              BUILTIN\\Backup Operators:(OI)(IO)(special access:)
                                       GENERIC_READ
                                       GENERIC_EXECUTE
              BUILTIN\\Backup Operators:(CI)R
";

#[test]
fn cacls_nt4_home_directory_example() {
    let read = read_snapshot("cacls.txt", CACLS_NT4_HOME.as_bytes());
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let folder = &read.folders[0];
    assert_eq!(folder.path, "D:\\Users\\Andy");
    let rows = summary(folder);
    assert_eq!(
        rows[0],
        row("FALCON\\Andy", ALLOW, OI | IO, FILE_ALL_ACCESS)
    );
    assert_eq!(rows[1], row("FALCON\\Andy", ALLOW, CI, FILE_ALL_ACCESS));
    assert_eq!(
        rows[6],
        row(
            "BUILTIN\\Backup Operators",
            ALLOW,
            OI | IO,
            GENERIC_READ | GENERIC_EXECUTE
        )
    );
    assert_eq!(
        rows[7],
        row("BUILTIN\\Backup Operators", ALLOW, CI, FILE_READ_EXECUTE)
    );
    // A domain account's name stays a name until the bundle's accounts are known.
    assert_eq!(
        aces(folder)[0].trustee,
        Trustee::Name("FALCON\\Andy".into())
    );
}

/// The same listing as the stored tutorial page shows it, indentation lost
/// and `(special` / `access:)` split over two lines by the page's wrapping.
const CACLS_NT4_HOME_FLATTENED: &str = "\
D:\\Users\\Andy FALCON\\Andy:(OI)(IO)F
FALCON\\Andy:(CI)F
BUILTIN\\Administrators:(OI)(IO)F
BUILTIN\\Administrators:(CI)F
NT AUTHORITY\\SYSTEM:(OI)(IO)F
NT AUTHORITY\\SYSTEM:(CI)F
BUILTIN\\Backup Operators:(OI)(IO)(special
access:)
GENERIC_READ
GENERIC_EXECUTE
BUILTIN\\Backup Operators:(CI)R
";

#[test]
fn cacls_nt4_example_that_lost_its_layout_reads_the_same() {
    let flat = read_snapshot("cacls.txt", CACLS_NT4_HOME_FLATTENED.as_bytes());
    let laid_out = read_snapshot("cacls.txt", CACLS_NT4_HOME.as_bytes());
    assert!(flat.problems.is_empty(), "{:?}", flat.problems);
    assert_eq!(flat.folders.len(), 1);
    assert_eq!(summary(&flat.folders[0]), summary(&laid_out.folders[0]));
}

/// A published dump of a share ([kinetx]): paths with spaces and quotes,
/// several folders separated by blank lines, one-name special access.
const CACLS_KINETX: &str = "\
E:\\Shared\\02 - KinetX Marketing\\070304 Kjell's Resume Crap\\KinetXians KINETX\\DocMaint:(OI)(CI)F
                                                                        BUILTIN\\Administrators:(OI)(CI)F
                                                                        KINETX\\kjell:F
                                                                        CREATOR OWNER:(OI)(CI)(IO)F
                                                                        BUILTIN\\Users:(OI)(CI)R
                                                                        BUILTIN\\Users:(CI)(special access:)
                                                                                       FILE_APPEND_DATA
                                                                        BUILTIN\\Users:(CI)(special access:)
                                                                                       FILE_WRITE_DATA

E:\\Shared\\Older KINETX\\DocMaint:(OI)(CI)F

";

#[test]
fn cacls_share_dump_with_spaces_in_paths() {
    let read = read_snapshot("cacls.txt", CACLS_KINETX.as_bytes());
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let paths: Vec<(&str, Option<usize>)> = read
        .folders
        .iter()
        .map(|f| (f.path.as_str(), f.line))
        .collect();
    assert_eq!(
        paths,
        [
            (
                "E:\\Shared\\02 - KinetX Marketing\\070304 Kjell's Resume Crap\\KinetXians",
                Some(1)
            ),
            // One ACE, no indentation to go by: split before the likeliest name.
            ("E:\\Shared\\Older", Some(11)),
        ]
    );
    let rows = summary(&read.folders[0]);
    assert_eq!(
        rows[0],
        row("KINETX\\DocMaint", ALLOW, OI | CI, FILE_ALL_ACCESS)
    );
    assert_eq!(
        rows[5],
        row("BUILTIN\\Users", ALLOW, CI, 0x4),
        "FILE_APPEND_DATA"
    );
    assert_eq!(
        rows[6],
        row("BUILTIN\\Users", ALLOW, CI, 0x2),
        "FILE_WRITE_DATA"
    );
}

#[test]
fn nt4_add_permission_reads_as_add_in_both_spellings() {
    // The document's illustration of NT 4.0 "Add" (WX)(Not Specified).
    for names in [
        &[
            "FILE_WRITE_DATA",
            "FILE_APPEND_DATA",
            "FILE_WRITE_EA",
            "FILE_EXECUTE",
            "FILE_READ_ATTRIBUTES",
            "FILE_WRITE_ATTRIBUTES",
            "READ_CONTROL",
            "SYNCHRONIZE",
        ][..],
        &["GENERIC_WRITE", "GENERIC_EXECUTE"][..],
    ] {
        let mut text = String::from(
            "C:\\exchsrvr\\imcdata\\Pickup EXCH01\\IUSR_EXCH01:(CI)(special access:)\r\n",
        );
        for name in names {
            text.push_str(&format!("{}{name}\r\n", " ".repeat(47)));
        }
        text.push_str("                            BUILTIN\\Administrators:(OI)(CI)F\r\n\r\n");
        let read = read_snapshot("pickup.txt", text.as_bytes());
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let ace = &aces(&read.folders[0])[0];
        assert_eq!(
            (ace.flags, map_generic(ace.mask)),
            (CI, 0x1201B6),
            "{names:?}"
        );
        assert_eq!(read.folders[0].path, "C:\\exchsrvr\\imcdata\\Pickup");
    }
}

/// icacls of `c:\users\Default` ([pastebin]).
const ICACLS_DEFAULT_PROFILE: &str = "\
c:\\users\\Default NT AUTHORITY\\SYSTEM:(OI)(CI)(F)
                 BUILTIN\\Administrators:(OI)(CI)(F)
                 BUILTIN\\Users:(RX)
                 BUILTIN\\Users:(OI)(CI)(IO)(GR,GE)
                 Everyone:(RX)
                 Everyone:(OI)(CI)(IO)(GR,GE)

Successfully processed 1 files; Failed processing 0 files
";

#[test]
fn icacls_default_profile_example() {
    assert_eq!(
        sniff_snapshot(ICACLS_DEFAULT_PROFILE.as_bytes()),
        Some(SnapshotForm::IcaclsDisplay)
    );
    let read = read_snapshot("icacls.txt", ICACLS_DEFAULT_PROFILE.as_bytes());
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(read.folders.len(), 1);
    let folder = &read.folders[0];
    assert_eq!(folder.path, "c:\\users\\Default");
    assert_eq!(folder.form, SnapshotForm::IcaclsDisplay);
    assert_eq!(
        summary(folder),
        [
            row("NT AUTHORITY\\SYSTEM", ALLOW, OI | CI, FILE_ALL_ACCESS),
            row("BUILTIN\\Administrators", ALLOW, OI | CI, FILE_ALL_ACCESS),
            row("BUILTIN\\Users", ALLOW, 0, FILE_READ_EXECUTE),
            row(
                "BUILTIN\\Users",
                ALLOW,
                OI | CI | IO,
                GENERIC_READ | GENERIC_EXECUTE
            ),
            row("Everyone", ALLOW, 0, FILE_READ_EXECUTE),
            row(
                "Everyone",
                ALLOW,
                OI | CI | IO,
                GENERIC_READ | GENERIC_EXECUTE
            ),
        ]
    );
}

/// Inherited ACEs (`(I)`) and icacls' integrity label line, which is no
/// part of the DACL; a folder of a recursive listing (`/t`) on the next
/// line without a blank between.
const ICACLS_INHERITED: &str = "\
c:\\xampp\\apache\\bin NT AUTHORITY\\SYSTEM:(I)(OI)(CI)(F)
                   BUILTIN\\Users:(I)(OI)(CI)(RX)
                   Mandatory Label\\High Mandatory Level:(OI)(NP)(IO)(NW)
c:\\xampp\\apache\\bin\\httpd.exe NT AUTHORITY\\SYSTEM:(I)(F)
                              BUILTIN\\Users:(I)(R)

Successfully processed 2 files; Failed processing 0 files
";

#[test]
fn icacls_inherited_aces_and_labels() {
    let read = read_snapshot("icacls.txt", ICACLS_INHERITED.as_bytes());
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(read.folders.len(), 2);
    assert_eq!(
        summary(&read.folders[0]),
        [
            row("NT AUTHORITY\\SYSTEM", ALLOW, ID | OI | CI, FILE_ALL_ACCESS),
            row("BUILTIN\\Users", ALLOW, ID | OI | CI, FILE_READ_EXECUTE),
        ]
    );
    assert_eq!(read.folders[1].path, "c:\\xampp\\apache\\bin\\httpd.exe");
    assert_eq!(
        summary(&read.folders[1])[1],
        row("BUILTIN\\Users", ALLOW, ID, FILE_GENERIC_READ)
    );
}

#[test]
fn icacls_deny_specific_rights_and_sids() {
    let text = "\
C:\\exchsrvr\\imcdata\\Pickup S-1-5-21-1-2-3-1001:(DENY)(AD,WD,X)
                           BUILTIN\\Guests:(OI)(CI)(DENY)(W)
                           Everyone:(S,RD)
                           CONTOSO\\Web Writers:(OI)(CI)(M,DC)

Successfully processed 1 files; Failed processing 0 files
";
    let read = read_snapshot("icacls.txt", text.as_bytes());
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    let list = aces(&read.folders[0]);
    assert_eq!(
        (list[0].ace_type, list[0].mask),
        (DENY, 0x26),
        "WD is FILE_WRITE_DATA"
    );
    assert_eq!(
        list[0].trustee,
        Trustee::Sid("S-1-5-21-1-2-3-1001".parse().unwrap())
    );
    assert_eq!(
        (list[1].ace_type, list[1].flags, list[1].mask),
        (DENY, OI | CI, 0x120116)
    );
    assert_eq!(list[2].mask, 0x100001);
    assert_eq!(list[3].mask, FILE_MODIFY | 0x40);
    assert_eq!(
        list[3].trustee,
        Trustee::Name("CONTOSO\\Web Writers".into())
    );
}

#[test]
fn tool_errors_become_messages_for_their_folder() {
    let icacls = "\
C:\\exchsrvr\\imcdata\\Pickup: The system cannot find the file specified.
C:\\exchsrvr\\imcdata\\Out BUILTIN\\Administrators:(OI)(CI)(F)

Successfully processed 1 files; Failed processing 1 files
";
    let read = read_snapshot("acl/icacls.txt", icacls.as_bytes());
    assert_eq!(read.form, Some(SnapshotForm::IcaclsDisplay));
    assert_eq!(read.folders.len(), 1, "the other folder is still read");
    assert_eq!(read.problems.len(), 1);
    let problem = &read.problems[0];
    assert_eq!(problem.line, Some(1));
    assert_eq!(
        problem.folder.as_deref(),
        Some("C:\\exchsrvr\\imcdata\\Pickup")
    );
    assert_eq!(
        problem.to_string(),
        "acl/icacls.txt line 1: icacls could not read the ACL of C:\\exchsrvr\\imcdata\\Pickup: \
         The system cannot find the file specified."
    );

    // cacls prints the bare message; the file is still cacls output.
    let cacls = "\
C:\\exchsrvr\\imcdata\\Out BUILTIN\\Administrators:(OI)(CI)F

The system cannot find the file specified.
";
    let read = read_snapshot("acl/cacls.txt", cacls.as_bytes());
    assert_eq!(read.form, Some(SnapshotForm::Cacls));
    assert_eq!(read.folders.len(), 1);
    assert_eq!(read.problems.len(), 1);
    assert_eq!(read.problems[0].line, Some(3));
    assert!(
        read.problems[0].message.contains("cannot find the file"),
        "{:?}",
        read.problems
    );
    // A file holding only the message is recognised and explained.
    let alone = "The system cannot find the path specified.\r\n";
    assert_eq!(sniff_snapshot(alone.as_bytes()), Some(SnapshotForm::Cacls));
    let read = read_snapshot("acl/cacls.txt", alone.as_bytes());
    assert!(read.folders.is_empty());
    assert!(
        read.problems[0].message.contains("does not name"),
        "{:?}",
        read.problems
    );
}

#[test]
fn an_unknown_right_name_makes_that_ace_uncertain_not_the_file() {
    let text = "\
C:\\exchsrvr\\imcdata\\Pickup EXCH01\\IUSR_EXCH01:(CI)(special access:)
                                                FILE_WRITE_DATA
                                                FILE_FROBNICATE
                            BUILTIN\\Users:(OI)(CI)Q
                            BUILTIN\\Administrators:(OI)(CI)F

";
    let read = read_snapshot("acl/cacls.txt", text.as_bytes());
    assert_eq!(read.folders.len(), 1);
    let list = aces(&read.folders[0]);
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].mask, 0x2, "the known name still counts");
    assert_eq!(list[0].unknown_rights, FILE_ALL_ACCESS & !0x2);
    assert_eq!((list[1].mask, list[1].unknown_rights), (0, FILE_ALL_ACCESS));
    assert_eq!(list[2].unknown_rights, 0);
    let lines: Vec<Option<usize>> = read.problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [Some(3), Some(4)], "{:?}", read.problems);
    assert!(read.problems[0].message.contains("FILE_FROBNICATE"));
}

#[test]
fn a_broken_ace_line_drops_its_folder_and_names_the_line() {
    let text = "\
C:\\a BUILTIN\\Administrators:(OI)(CI)F
     this line is not an ACE
C:\\b BUILTIN\\Administrators:(OI)(CI)F
     BUILTIN\\Users:(OI)(XX)(F)

C:\\c Everyone:R
C:\\exchsrvr\\imcdata\\Pickup
";
    let read = read_snapshot("acl/cacls.txt", text.as_bytes());
    let paths: Vec<&str> = read.folders.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["C:\\c"]);
    let problems: Vec<(Option<usize>, Option<&str>)> = read
        .problems
        .iter()
        .map(|p| (p.line, p.folder.as_deref()))
        .collect();
    assert_eq!(
        problems,
        [
            (Some(2), Some("C:\\a")),
            (Some(4), Some("C:\\b")),
            (Some(7), Some("C:\\exchsrvr\\imcdata\\Pickup")),
        ],
        "{:?}",
        read.problems
    );
    assert!(
        read.problems[2]
            .message
            .contains("empty ACL is not assumed")
    );
}

#[test]
fn utf16_and_prompt_lines() {
    let text = "C:\\>cacls C:\\exchsrvr\\imcdata\\Pickup\r\nC:\\exchsrvr\\imcdata\\Pickup Everyone:C\r\n\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let read = read_snapshot("acl/cacls.txt", &bytes);
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(read.folders[0].path, "C:\\exchsrvr\\imcdata\\Pickup");
    assert_eq!(read.folders[0].line, Some(2));
}

#[test]
fn other_text_files_are_not_taken_for_cacls_output() {
    for text in [
        "Server name: EXCH\r\nVersion: 5.5\r\n",
        "Collected by: Bob\r\n",
        "Note: R\r\n",
        "Exchange Server notes\r\nThe customer says: mail is stuck.\r\n",
    ] {
        assert_eq!(sniff_snapshot(text.as_bytes()), None, "{text:?}");
    }
    // A relative path with ACE lines indented under it is still output.
    let relative = "Pickup EXCH01\\IUSR_EXCH01:(CI)C\r\n       Everyone:R\r\n";
    assert_eq!(
        sniff_snapshot(relative.as_bytes()),
        Some(SnapshotForm::Cacls)
    );
}

#[test]
fn an_unknown_right_on_the_first_ace_still_reads_the_file() {
    let text = "C:\\exchsrvr\\imcdata\\Pickup EXCH01\\IUSR_EXCH01:(CI)Z\r\n                            Everyone:R\r\n\r\n";
    assert_eq!(sniff_snapshot(text.as_bytes()), Some(SnapshotForm::Cacls));
    let read = read_snapshot("acl/cacls.txt", text.as_bytes());
    assert_eq!(read.folders.len(), 1);
    assert_eq!(aces(&read.folders[0])[0].unknown_rights, FILE_ALL_ACCESS);
    assert_eq!(read.problems.len(), 1);
}
