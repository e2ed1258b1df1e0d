//! Inputs that once broke a fuzz target (`tests/fuzz-regressions/<target>/`)
//! replayed through the same property checks as the target, so a fixed bug
//! stays fixed.

use hivetriage::acl::manifest::read_manifest;
use hivetriage::acl::{
    SnapshotForm, parse_binary_descriptor, parse_sddl, read_snapshot_file, render_sddl,
    sniff_snapshot,
};
use hivetriage::encoding::{decode_text, lines};
use hivetriage::fixture::acl::to_binary_descriptor;
use std::path::PathBuf;

/// The snapshot-reader targets' own checks, shared with them.
#[path = "../fuzz/fuzz_targets/acl_display_check.rs"]
mod acl_display_check;

/// Every file under `tests/fuzz-regressions/<target>/` (none yet is fine).
fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, bytes)
        })
        .collect()
}

#[test]
fn acl_sddl_regressions() {
    let cases = inputs("acl_sddl");
    for (path, data) in &cases {
        let Ok(text) = std::str::from_utf8(data) else {
            continue;
        };
        let Ok(descriptor) = parse_sddl(text) else {
            continue;
        };
        let rendered = render_sddl(&descriptor);
        assert_eq!(
            parse_sddl(&rendered).as_ref(),
            Ok(&descriptor),
            "{}",
            path.display()
        );
        let read =
            parse_binary_descriptor(&to_binary_descriptor(&descriptor)).expect("binary reads back");
        assert_eq!(
            (read.owner, read.group, read.dacl),
            (descriptor.owner, descriptor.group, descriptor.dacl)
        );
    }
    println!("acl_sddl: {} regression inputs", cases.len());
}

#[test]
fn acl_binary_regressions() {
    let cases = inputs("acl_binary");
    for (path, data) in &cases {
        let Ok(descriptor) = parse_binary_descriptor(data) else {
            continue;
        };
        let rendered = render_sddl(&descriptor);
        if rendered.is_empty() {
            continue;
        }
        let again = parse_sddl(&rendered).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            (again.owner, again.group, again.dacl),
            (descriptor.owner, descriptor.group, descriptor.dacl)
        );
    }
    println!("acl_binary: {} regression inputs", cases.len());
}

#[test]
fn acl_snapshot_regressions() {
    let cases = inputs("acl_snapshot");
    for (path, data) in &cases {
        let _ = sniff_snapshot(data);
        let (folders, problems) = read_snapshot_file("regression", data);
        let line_count = lines(&decode_text(data).text).len();
        for line in folders
            .iter()
            .map(|f| f.line)
            .chain(problems.iter().map(|p| p.line))
            .flatten()
        {
            assert!(
                (1..=line_count).contains(&line),
                "{}: line {line} of {line_count}",
                path.display()
            );
        }
    }
    println!("acl_snapshot: {} regression inputs", cases.len());
}

#[test]
fn acl_display_regressions() {
    for (target, form) in [
        ("acl_cacls", SnapshotForm::Cacls),
        ("acl_icacls", SnapshotForm::IcaclsDisplay),
    ] {
        let cases = inputs(target);
        for (_, data) in &cases {
            acl_display_check::check(form, data);
            // Whichever reader the sniffer picks must cope too.
            let _ = read_snapshot_file("regression", data);
        }
        println!("{target}: {} regression inputs", cases.len());
    }
}

#[test]
fn acl_sddl_forms_regressions() {
    for (target, form) in [
        ("acl_get_acl", SnapshotForm::GetAclList),
        ("acl_icacls_save", SnapshotForm::IcaclsSave),
    ] {
        let cases = inputs(target);
        for (path, data) in &cases {
            let outcome =
                std::panic::catch_unwind(|| acl_display_check::check_sddl_form(form, data));
            assert!(outcome.is_ok(), "{} fails again", path.display());
        }
        println!("{target}: {} regression inputs", cases.len());
    }
}

#[test]
fn acl_manifest_regressions() {
    let cases = inputs("acl_manifest");
    for (path, data) in &cases {
        let (entries, _) = read_manifest("manifest.toml", data);
        for entry in &entries {
            assert!(
                !entry.path.is_empty() && !entry.file.is_empty(),
                "{}",
                path.display()
            );
        }
    }
    println!("acl_manifest: {} regression inputs", cases.len());
}
