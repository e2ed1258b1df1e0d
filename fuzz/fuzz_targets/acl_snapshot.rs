//! read_snapshot_file and sniff_snapshot never panic, whichever reader the
//! sniffer picks; every line number reported is within the file; every
//! folder read from SDDL holds the descriptor its own SDDL text parses to.
#![no_main]

use hivetriage::acl::{parse_sddl, read_snapshot_file, sniff_snapshot};
use hivetriage::encoding::{decode_text, lines};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sniff_snapshot(data);
    let (folders, problems) = read_snapshot_file("fuzz", data);
    let line_count = lines(&decode_text(data).text).len();
    for line in folders
        .iter()
        .map(|f| f.line)
        .chain(problems.iter().map(|p| p.line))
    {
        if let Some(line) = line {
            assert!(
                line >= 1 && line <= line_count,
                "line {line} of {line_count}"
            );
        }
    }
    for folder in &folders {
        // Display forms (cacls, icacls) print names, not SDDL.
        if let Some(sddl) = folder.sddl.as_deref() {
            assert_eq!(parse_sddl(sddl).as_ref(), Ok(&folder.descriptor));
        }
        assert!(!folder.path.is_empty());
    }
});
