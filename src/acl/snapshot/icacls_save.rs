//! `icacls <folder> /save <file>`: a name line (relative to where icacls
//! ran, e.g. `Pickup` or `imcdata\Pickup`) then its SDDL line, repeated.
//! The SDDL line usually holds only the DACL (`D:AI(...)`).

use super::{FolderAcl, SnapshotForm, SnapshotProblem, looks_like_sddl, problem};

pub(super) fn read(origin: &str, lines: &[&str]) -> (Vec<FolderAcl>, Vec<SnapshotProblem>) {
    let mut folders = super::Records::default();
    let mut problems = Vec::new();
    // The name line waiting for its SDDL line: (1-based line, name).
    let mut pending: Option<(usize, &str)> = None;
    for (index, raw) in lines.iter().enumerate() {
        let number = index + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        match pending.take() {
            None if looks_like_sddl(line) => problems.push(problem(
                origin,
                number,
                "an SDDL line without a name line before it".into(),
            )),
            None => pending = Some((number, line)),
            Some((name_line, name)) if looks_like_sddl(line) => {
                match folders.push_sddl(origin, name_line, name, SnapshotForm::IcaclsSave, line) {
                    Ok(()) => {}
                    // The SDDL line is the faulty one: name it.
                    Err(mut bad) => {
                        bad.line = Some(number);
                        problems.push(bad);
                    }
                }
            }
            Some((name_line, name)) => {
                problems.push(problem(
                    origin,
                    name_line,
                    format!("name {name:?} is not followed by an SDDL line"),
                ));
                // Resynchronise: this line may be the next name.
                pending = Some((number, line));
            }
        }
    }
    if let Some((name_line, name)) = pending {
        problems.push(problem(
            origin,
            name_line,
            format!("name {name:?} at the end of the file has no SDDL line"),
        ));
    }
    (folders.into_vec(), problems)
}
