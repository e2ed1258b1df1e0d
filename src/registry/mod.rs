//! The registry view: hives (and, later, text exports) of one bundle behind
//! one interface, with case-insensitive lookups and `CurrentControlSet`
//! resolved through `SYSTEM\Select\Current`.
//!
//! Sources implement [`HiveData`]; [`RegistryView`] holds at most one per
//! [`HiveKind`] and answers the rules' questions with a [`Lookup`] that keeps
//! "not there", "no data" and "could not be read" apart.

mod hive_file;
pub mod sam;
mod value;
mod view;

pub use hive_file::{HiveFile, HiveHeader, HiveIdentification, HiveOpenError, sniff_regf};
pub use value::{
    RegData, RegValue, hex, reg_type, type_name, utf16le_multi, utf16le_multi_with_nuls,
    utf16le_until_nul, utf16le_with_nul,
};
pub use view::{ControlSet, Expansion, FoundValue, Lookup, RegistryView};

use serde::Serialize;

/// The machine hives a bundle may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HiveKind {
    System,
    Software,
    Sam,
    Security,
}

impl HiveKind {
    pub const ALL: [HiveKind; 4] = [
        HiveKind::System,
        HiveKind::Software,
        HiveKind::Sam,
        HiveKind::Security,
    ];

    /// The name under `HKEY_LOCAL_MACHINE`, e.g. `SYSTEM`.
    pub fn name(self) -> &'static str {
        match self {
            HiveKind::System => "SYSTEM",
            HiveKind::Software => "SOFTWARE",
            HiveKind::Sam => "SAM",
            HiveKind::Security => "SECURITY",
        }
    }

    /// Parses `SYSTEM`, `software`, ... (case-insensitive).
    pub fn from_name(name: &str) -> Option<HiveKind> {
        HiveKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for HiveKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A lookup that failed because the data is damaged: names the file, the
/// key path being read and, when known, the byte offset of the bad data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: reading key '{key_path}'{}: {detail}", offset.map(|o| format!(" (at byte offset {o:#x})")).unwrap_or_default())]
pub struct LookupError {
    pub file: String,
    pub key_path: String,
    pub offset: Option<u64>,
    pub detail: String,
}

/// One key as read: its path as stored (relative to the hive root, `\`
/// separated), its values, its subkey names, and what could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegKey {
    pub path: String,
    pub values: Vec<RegValue>,
    pub subkeys: Vec<String>,
    /// Last-write time as a Windows FILETIME, when the source records it.
    pub last_written: Option<u64>,
    /// Values or subkeys of this key that could not be read.
    pub problems: Vec<LookupError>,
}

impl RegKey {
    /// Finds a value by name, case-insensitively (`""` is the default value).
    pub fn value(&self, name: &str) -> Option<&RegValue> {
        self.values.iter().find(|v| names_equal(&v.name, name))
    }
}

/// Registry names compare case-insensitively: Windows upper-cases each
/// UTF-16 character on its own (no `ß` -> `SS` expansions).
pub fn names_equal(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().map(upcase).eq(b.chars().map(upcase))
}

/// Upper-cases one character when its upper case is a single character.
pub fn upcase(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// One hive's worth of registry data, whatever form it came in.
pub trait HiveData: Send + Sync {
    /// Where the data came from, for evidence and messages (an entry name).
    fn origin(&self) -> &str;

    /// Reads the key at `path` (components separated by `\`, relative to the
    /// hive root, matched case-insensitively; `""` is the root).
    /// `Ok(None)` when some component does not exist.
    fn read_key(&self, path: &str) -> Result<Option<RegKey>, LookupError>;
}
