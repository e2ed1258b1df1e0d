//! PowerShell `Get-Acl <folder> | Format-List` output: `Name : value`
//! properties, one object per block of lines. Long values wrap onto lines
//! indented to the value column; joining removes that indentation and the
//! line break and nothing else (a wrap may fall inside an ACE). Only
//! `Path` (or `PSPath`) and `Sddl` are used; `Owner`, `Access`, `Audit`
//! and the rest are skipped.

use super::{FolderAcl, SnapshotForm, SnapshotProblem, problem};

/// One property: its name, the line it starts on, and its joined value.
struct Property {
    name: String,
    line: usize,
    value: String,
    /// Column where values start (continuation lines are indented to it).
    column: usize,
}

/// `Name   : value` at the start of a line, or `None`.
fn property_start(line: &str) -> Option<(&str, usize, &str)> {
    let colon = line.find(':')?;
    let name = line[..colon].trim_end();
    let valid = !name.is_empty()
        && name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !valid {
        return None;
    }
    let rest = &line[colon + 1..];
    let value = rest.strip_prefix(' ').unwrap_or(rest);
    Some((name, colon + 2, value))
}

/// A `Path` or `PSPath` property among the first lines (the sniffer's test).
pub(super) fn looks_like(sample: &[&str]) -> bool {
    let mut path_seen = false;
    let mut sddl_seen = false;
    for line in sample {
        if let Some((name, _, value)) = property_start(line) {
            if is_path(name) {
                path_seen = true;
                if value.contains("FileSystem::") {
                    return true;
                }
            }
            sddl_seen |= name.eq_ignore_ascii_case("Sddl");
        }
    }
    path_seen && sddl_seen
}

fn is_path(name: &str) -> bool {
    name.eq_ignore_ascii_case("Path") || name.eq_ignore_ascii_case("PSPath")
}

pub(super) fn read(origin: &str, lines: &[&str]) -> (Vec<FolderAcl>, Vec<SnapshotProblem>) {
    let mut folders = super::Records::default();
    let mut problems = Vec::new();
    let mut record: Vec<Property> = Vec::new();
    for (index, raw) in lines.iter().enumerate() {
        let number = index + 1;
        let line = *raw;
        if line.trim().is_empty() {
            finish(origin, &mut record, &mut folders, &mut problems);
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        match property_start(line) {
            Some((name, column, value)) if !indented => {
                // A property seen twice means the next object began without a blank line.
                if record.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
                    finish(origin, &mut record, &mut folders, &mut problems);
                }
                record.push(Property {
                    name: name.to_string(),
                    line: number,
                    value: value.to_string(),
                    column,
                });
            }
            _ => match record.last_mut() {
                Some(property) => {
                    let indent = line.len() - line.trim_start_matches(' ').len();
                    let piece = if indent >= property.column {
                        &line[property.column..]
                    } else {
                        line.trim_start()
                    };
                    // SDDL holds no spaces, so spaces ending a piece of it are
                    // console padding; other values (paths) keep theirs.
                    if property.name.eq_ignore_ascii_case("Sddl") {
                        property.value.truncate(property.value.trim_end().len());
                    }
                    property.value.push_str(piece);
                }
                None => problems.push(problem(
                    origin,
                    number,
                    "a line outside any Get-Acl property".into(),
                )),
            },
        }
    }
    finish(origin, &mut record, &mut folders, &mut problems);
    (folders.into_vec(), problems)
}

/// Turns one object's properties into a folder ACL (or a problem).
fn finish(
    origin: &str,
    record: &mut Vec<Property>,
    folders: &mut super::Records,
    problems: &mut Vec<SnapshotProblem>,
) {
    let properties = std::mem::take(record);
    let find = |wanted: &str| {
        properties
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(wanted))
    };
    let path = find("Path")
        .filter(|p| !p.value.trim().is_empty())
        .or_else(|| find("PSPath"));
    let sddl = find("Sddl");
    match (path, sddl) {
        (None, None) => {}
        (Some(path), None) => problems.push(problem(
            origin,
            path.line,
            format!(
                "Get-Acl object for {:?} has no Sddl property",
                provider_path(&path.value)
            ),
        )),
        (None, Some(sddl)) => problems.push(problem(
            origin,
            sddl.line,
            "Get-Acl object with an Sddl but no Path or PSPath".into(),
        )),
        (Some(path), Some(sddl)) => {
            let folder_path = provider_path(&path.value);
            if folder_path.is_empty() {
                problems.push(problem(origin, path.line, "empty Path".into()));
                return;
            }
            match folders.push_sddl(
                origin,
                path.line,
                folder_path,
                SnapshotForm::GetAclList,
                sddl.value.trim(),
            ) {
                Ok(()) => {}
                Err(mut bad) => {
                    bad.line = Some(sddl.line);
                    problems.push(bad);
                }
            }
        }
    }
}

/// `Microsoft.PowerShell.Core\FileSystem::C:\x` -> `C:\x`.
fn provider_path(value: &str) -> &str {
    value
        .split_once("::")
        .map_or(value, |(_, path)| path)
        .trim()
}
