//! Entry names: shown with `/` separators and explained when unusual.
//! Names are only names: nothing here (or anywhere in the bundle layer)
//! turns one into a path on disk.

/// An entry name as shown, and why it is unusual if it is.
pub(crate) struct ShownName {
    pub name: String,
    pub warning: Option<String>,
}

/// Shows a stored name with `/` separators (Windows zip tools store `\`)
/// and says why it is unusual. `not_utf8` tells that the stored bytes were
/// not UTF-8 and `stored` was decoded with replacement or as code page 437.
pub(crate) fn show_name(stored: &str, not_utf8: bool) -> ShownName {
    let name = stored.replace('\\', "/");
    let mut reasons: Vec<String> = Vec::new();

    if name.is_empty() {
        reasons.push("the name is empty".to_string());
    }
    if name.starts_with('/') {
        reasons.push("is an absolute path".to_string());
    }
    if has_drive_letter(&name) {
        reasons.push("starts with a drive letter".to_string());
    }
    if name.split('/').any(|component| component == "..") {
        reasons.push("has a `..` component".to_string());
    }
    if name.contains('\0') {
        reasons.push("holds a NUL character".to_string());
    }
    if name
        .chars()
        .any(|c| c != '\0' && crate::escape::needs_escape(c))
    {
        reasons.push("holds control characters".to_string());
    }
    if not_utf8 {
        reasons.push("is not UTF-8 (decoded as well as could be)".to_string());
    }

    let warning = if reasons.is_empty() {
        None
    } else {
        // Quote the stored form, escaped, so an odd name stays recognisable
        // and cannot garble a terminal.
        Some(format!(
            "unusual name \"{}\": {} (harmless: entries are only read in memory, never extracted)",
            crate::escape::escape(stored),
            reasons.join(", ")
        ))
    };
    ShownName { name, warning }
}

/// `C:` or `c:` at the start (a Windows drive, relative or absolute).
fn has_drive_letter(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':'
}

/// Adds a warning to every entry whose shown name another entry also has
/// (a zip may list a name twice, or as `a\b` and `a/b`): a reader picking
/// an entry by name would otherwise silently get one of them.
pub(crate) fn warn_duplicates(entries: &mut [super::EntryInfo]) {
    let mut by_name: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for entry in entries.iter() {
        *by_name.entry(entry.name.as_str()).or_default() += 1;
    }
    let twice: std::collections::HashSet<String> = by_name
        .into_iter()
        .filter(|&(_, count)| count > 1)
        .map(|(name, _)| name.to_string())
        .collect();
    for entry in entries.iter_mut().filter(|e| twice.contains(&e.name)) {
        let note = "another entry has the same name";
        entry.name_warning = Some(match entry.name_warning.take() {
            Some(warning) => format!("{warning}; {note}"),
            None => note.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warning(stored: &str) -> Option<String> {
        show_name(stored, false).warning
    }

    #[test]
    fn ordinary_names_have_no_warning() {
        for name in [
            "SYSTEM",
            "Reg/SOFTWARE",
            "Reg\\SAM",
            "a..b/c",
            "./x",
            "acl/..x",
        ] {
            assert_eq!(warning(name), None, "{name}");
        }
    }

    #[test]
    fn backslashes_become_slashes_and_nothing_else_changes() {
        let shown = show_name("Reg\\Config\\SYSTEM", false);
        assert_eq!(shown.name, "Reg/Config/SYSTEM");
        let shown = show_name("../../etc\\passwd", false);
        assert_eq!(shown.name, "../../etc/passwd");
    }

    #[test]
    fn unusual_names_are_explained() {
        let cases = [
            ("../x", "`..` component"),
            ("a/../../x", "`..` component"),
            ("..\\x", "`..` component"),
            ("/etc/passwd", "absolute path"),
            ("\\Windows\\x", "absolute path"),
            ("C:\\Windows\\x", "drive letter"),
            ("c:x", "drive letter"),
            ("a\0b", "NUL"),
            ("a\u{1b}[31mb", "control characters"),
            ("", "empty"),
        ];
        for (stored, reason) in cases {
            let text = warning(stored).unwrap_or_else(|| panic!("{stored:?}: no warning"));
            assert!(text.contains(reason), "{stored:?}: {text}");
            assert!(!text.contains('\u{1b}') && !text.contains('\0'), "{text:?}");
        }
        assert!(show_name("x", true).warning.unwrap().contains("not UTF-8"));
    }

    #[test]
    fn several_reasons_are_all_given() {
        let text = warning("C:\\..\\x").unwrap();
        assert!(
            text.contains("drive letter") && text.contains("`..`"),
            "{text}"
        );
        assert!(text.contains("\"C:\\..\\x\""), "stored form quoted: {text}");
    }
}
