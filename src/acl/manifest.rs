//! `manifest.toml` at a bundle's root: where a binary security descriptor
//! in the bundle comes from, since the descriptor itself holds no path.
//!
//! ```toml
//! [[acl]]
//! path = 'C:\exchsrvr\imcdata\Pickup'   # the folder on the customer's machine
//! file = 'acl/pickup.sd'                  # the bundle entry holding its descriptor
//! ```
//!
//! Other tables and keys are ignored, so the manifest can grow. Each
//! problem names the manifest and the line of the entry at fault.

use super::SnapshotProblem;
use serde::Deserialize;

/// One `[[acl]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestAcl {
    /// The folder, as on the customer's machine.
    pub path: String,
    /// The bundle entry holding the folder's binary descriptor.
    pub file: String,
    /// 1-based line of the entry in the manifest.
    pub line: usize,
}

#[derive(Deserialize)]
struct RawManifest {
    #[serde(default)]
    acl: Option<toml::Spanned<Vec<toml::Spanned<toml::Value>>>>,
}

/// Reads a manifest; every entry that can be used, and a problem for each
/// one that cannot (or for the whole file when it is not TOML).
pub fn read_manifest(origin: &str, bytes: &[u8]) -> (Vec<ManifestAcl>, Vec<SnapshotProblem>) {
    let problem = |line: Option<usize>, message: String| SnapshotProblem {
        origin: origin.to_string(),
        line,
        message,
        folder: None,
    };
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = line_of(
                &String::from_utf8_lossy(&bytes[..e.valid_up_to()]),
                e.valid_up_to(),
            );
            return (
                Vec::new(),
                vec![problem(
                    Some(line),
                    format!("not UTF-8 text ({e}); a manifest is TOML"),
                )],
            );
        }
    };
    let raw: RawManifest = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let line = e.span().map(|span| line_of(text, span.start));
            let message = e.message().trim().to_string();
            return (
                Vec::new(),
                vec![problem(line, format!("not a valid manifest: {message}"))],
            );
        }
    };
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for entry in raw.acl.map(toml::Spanned::into_inner).unwrap_or_default() {
        let line = line_of(text, entry.span().start);
        let value = entry.into_inner();
        let Some(table) = value.as_table() else {
            problems.push(problem(
                Some(line),
                "an [[acl]] entry must be a table with `path` and `file`".into(),
            ));
            continue;
        };
        let field = |name: &str| match table.get(name) {
            Some(toml::Value::String(text)) if !text.trim().is_empty() => {
                Ok(text.trim().to_string())
            }
            Some(toml::Value::String(_)) => Err(format!("`{name}` is empty")),
            Some(other) => Err(format!("`{name}` is a {}, not a string", other.type_str())),
            None => Err(format!("`{name}` is missing")),
        };
        match (field("path"), field("file")) {
            (Ok(path), Ok(file)) => entries.push(ManifestAcl { path, file, line }),
            (path, file) => {
                let why: Vec<String> = [path.err(), file.err()].into_iter().flatten().collect();
                problems.push(problem(
                    Some(line),
                    format!("[[acl]] entry not used: {}", why.join("; ")),
                ));
            }
        }
    }
    (entries, problems)
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Finds the bundle entry a manifest names: `\` and `/` alike, a leading
/// `./` or `/` dropped, exact first, then ignoring case.
pub fn find_entry<'n>(
    names: impl Iterator<Item = (usize, &'n str)> + Clone,
    wanted: &str,
) -> Option<usize> {
    let normalise = |name: &str| {
        let unified = name.trim().replace('\\', "/");
        let mut rest = unified.as_str();
        loop {
            let next = rest.trim_start_matches('/');
            let next = next.strip_prefix("./").unwrap_or(next);
            if next.len() == rest.len() {
                break;
            }
            rest = next;
        }
        rest.to_string()
    };
    let wanted = normalise(wanted);
    names
        .clone()
        .find(|(_, name)| normalise(name) == wanted)
        .or_else(|| {
            names
                .clone()
                .find(|(_, name)| crate::registry::names_equal(&normalise(name), &wanted))
        })
        .map(|(index, _)| index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_their_lines() {
        let text = "# made by the collector\n[[acl]]\npath = 'C:\\exchsrvr\\imcdata\\Pickup'\nfile = 'acl/pickup.sd'\n\n[[acl]]\npath = 'C:\\x'\n\n[other]\nkey = 1\n";
        let (entries, problems) = read_manifest("manifest.toml", text.as_bytes());
        assert_eq!(
            entries,
            [ManifestAcl {
                path: "C:\\exchsrvr\\imcdata\\Pickup".into(),
                file: "acl/pickup.sd".into(),
                line: 2
            }]
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, Some(6));
        assert!(
            problems[0].message.contains("`file` is missing"),
            "{problems:?}"
        );
    }

    #[test]
    fn broken_manifests_name_the_line() {
        let (entries, problems) =
            read_manifest("manifest.toml", b"[[acl]]\npath = 'C:\\x\nfile = 'a'\n");
        assert!(entries.is_empty());
        assert_eq!(problems[0].line, Some(2), "{problems:?}");
        let (_, problems) = read_manifest("manifest.toml", b"acl = 3\n");
        assert_eq!(problems.len(), 1);
        let (_, problems) = read_manifest("manifest.toml", b"\xFF\xFE[");
        assert!(problems[0].message.contains("UTF-8"));
        let (entries, problems) = read_manifest("manifest.toml", b"");
        assert!(entries.is_empty() && problems.is_empty());
    }

    #[test]
    fn entry_names_are_found_leniently() {
        let names = ["Reg/system.hiv", "acl/Pickup.sd"];
        let list = || names.iter().copied().enumerate();
        assert_eq!(find_entry(list(), "acl/Pickup.sd"), Some(1));
        assert_eq!(find_entry(list(), ".\\acl\\pickup.SD"), Some(1));
        assert_eq!(find_entry(list(), "/acl/Pickup.sd"), Some(1));
        assert_eq!(find_entry(list(), "acl/other.sd"), None);
    }
}
