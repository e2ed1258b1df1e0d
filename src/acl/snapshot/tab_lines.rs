//! `<path><TAB><SDDL>` lines, as support scripts write them.

use super::{FolderAcl, SnapshotForm, SnapshotProblem, looks_like_sddl, problem};

/// The first filled line is `<something><TAB><SDDL>`.
pub(super) fn looks_like(first_line: &str) -> bool {
    first_line.split_once('\t').is_some_and(|(path, sddl)| {
        !path.trim().is_empty() && (looks_like_sddl(sddl) || is_header(sddl))
    })
}

/// A header row such as `Path<TAB>Sddl`.
fn is_header(second_column: &str) -> bool {
    second_column.trim().eq_ignore_ascii_case("sddl")
}

pub(super) fn read(origin: &str, lines: &[&str]) -> (Vec<FolderAcl>, Vec<SnapshotProblem>) {
    let mut folders = super::Records::default();
    let mut problems = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() {
            continue;
        }
        let Some((path, sddl)) = line.split_once('\t') else {
            problems.push(problem(
                origin,
                number,
                "no TAB between path and SDDL".into(),
            ));
            continue;
        };
        if is_header(sddl) {
            continue;
        }
        let path = path.trim();
        let path = path
            .strip_prefix('"')
            .and_then(|p| p.strip_suffix('"'))
            .unwrap_or(path);
        if path.is_empty() {
            problems.push(problem(origin, number, "empty path before the TAB".into()));
            continue;
        }
        match folders.push_sddl(
            origin,
            number,
            path,
            SnapshotForm::TabSeparated,
            sddl.trim(),
        ) {
            Ok(()) => {}
            Err(bad) => problems.push(bad),
        }
    }
    (folders.into_vec(), problems)
}
