//! Registry key paths as people and tools write them: root keys in full
//! or short (`HKEY_LOCAL_MACHINE`, `HKLM`, any case), backslashes doubled
//! or left over. The one reading of them, for `query`'s key arguments,
//! text exports (`.reg`, `reg query`) and the keys fixes name.

use super::HiveKind;

/// Root keys by their full and short names (`reg.exe` takes both).
pub const ROOT_KEYS: [(&str, &str); 7] = [
    ("HKEY_LOCAL_MACHINE", "HKLM"),
    ("HKEY_CURRENT_USER", "HKCU"),
    ("HKEY_CLASSES_ROOT", "HKCR"),
    ("HKEY_USERS", "HKU"),
    ("HKEY_CURRENT_CONFIG", "HKCC"),
    ("HKEY_DYN_DATA", "HKEY_DYN_DATA"),
    ("HKEY_PERFORMANCE_DATA", "HKEY_PERFORMANCE_DATA"),
];

/// Splits a full key path at its first backslash when what comes before
/// it is a root key: the root's short name (`HKLM`, `HKU`, ...) and the
/// rest as written. `None` when the path does not start with a root key.
pub fn split_root_key(path: &str) -> Option<(&'static str, &str)> {
    let (root, below) = path.split_once('\\').unwrap_or((path, ""));
    ROOT_KEYS
        .iter()
        .find(|(long, short)| root.eq_ignore_ascii_case(long) || root.eq_ignore_ascii_case(short))
        .map(|(_, short)| (*short, below))
}

/// `HKLM\SYSTEM\X` -> (SYSTEM, `X` as written); `None` unless the path is
/// under one of the machine hives a bundle can hold.
pub fn split_machine_key(path: &str) -> Option<(HiveKind, &str)> {
    let ("HKLM", below) = split_root_key(path)? else {
        return None;
    };
    let (hive, rest) = below.split_once('\\').unwrap_or((below, ""));
    Some((HiveKind::from_name(hive)?, rest))
}

/// A path's key names: empty components (doubled, leading or trailing
/// backslashes) are dropped.
pub fn key_components(path: &str) -> impl Iterator<Item = &str> {
    path.split('\\').filter(|component| !component.is_empty())
}

/// `path` with empty components dropped.
pub fn tidy_key_path(path: &str) -> String {
    key_components(path).collect::<Vec<_>>().join("\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_in_full_or_short_any_case() {
        assert_eq!(
            split_root_key(r"HKEY_LOCAL_MACHINE\SOFTWARE\X"),
            Some(("HKLM", r"SOFTWARE\X"))
        );
        assert_eq!(split_root_key(r"hku\S-1-5-18"), Some(("HKU", "S-1-5-18")));
        assert_eq!(split_root_key("HKLM"), Some(("HKLM", "")));
        assert_eq!(split_root_key(r"SOFTWARE\X"), None);
        assert_eq!(
            split_machine_key(r"hklm\system\CurrentControlSet\\X"),
            Some((HiveKind::System, r"CurrentControlSet\\X"))
        );
        assert_eq!(split_machine_key(r"HKLM\HARDWARE\X"), None);
        assert_eq!(split_machine_key(r"HKCU\SYSTEM"), None);
        assert_eq!(tidy_key_path(r"\a\\b\"), r"a\b");
    }
}
