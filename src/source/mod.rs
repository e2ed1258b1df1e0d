//! What each bundle entry is, decided from its content (the name is a hint).
//!
//! Only an entry's first [`SNIFF_LEN`] bytes are looked at here: a hive's
//! base block is 4 KiB and every text form announces itself in its first
//! lines. Entries are read whole later, and only when a view needs them.

pub mod cabinet;
pub mod reg_export;
pub mod reg_query;
pub mod reg_text;
pub mod szdd;

pub use reg_text::RegTextForm;

use crate::acl::SnapshotForm;
use crate::registry::HiveHeader;
use serde::Serialize;

/// How many leading bytes of an entry are enough to recognise it.
pub const SNIFF_LEN: usize = 4096;

/// The kinds of source the report lists (the contract's `sources[].kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Hive,
    TransactionLog,
    RegExport,
    AclSnapshot,
    Manifest,
    Ignored,
}

/// One entry of the bundle as the report lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceEntry {
    pub name: String,
    pub kind: SourceKind,
    /// e.g. `SYSTEM`, `icacls /save (UTF-16LE)`, or why it was ignored.
    pub detail: String,
}

/// What an entry's first bytes say it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sniffed {
    /// A primary hive file.
    Hive(HiveHeader),
    /// A transaction log: a `regf` base block of a log file type, or an
    /// empty file named like one (`.LOG2` is often empty).
    TransactionLog(Option<HiveHeader>),
    AclSnapshot(SnapshotForm),
    /// Registry data saved as text: a `.reg` export or `reg query` output.
    RegText(RegTextForm),
    /// One compressed file, such as NT 4.0's `repair\system._`: what it
    /// is shows once it is expanded.
    Packed(Packing),
    /// `manifest.toml` at the bundle root.
    Manifest,
    /// Nothing this tool reads; the reason is for the report.
    Other(String),
}

/// How one compressed file is packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Packing {
    /// `COMPRESS.EXE`'s SZDD format (NT 4.0's repair copies).
    Szdd,
    /// A cabinet (`MSCF`) holding one file.
    Cabinet,
}

impl Packing {
    /// How `sources` words a file expanded from this packing.
    pub fn words(self) -> &'static str {
        match self {
            Packing::Szdd => "SZDD-compressed repair copy",
            Packing::Cabinet => "single-file cabinet (MSCF)",
        }
    }

    /// The packing alone, for an entry not (usefully) expanded.
    pub fn short_words(self) -> &'static str {
        match self {
            Packing::Szdd => "SZDD-compressed",
            Packing::Cabinet => "cabinet (MSCF)",
        }
    }

    /// Expands `bytes` (the whole file `name`) within `max_size` bytes;
    /// the expanded data and warnings for the report, or why not.
    pub fn expand(
        self,
        name: &str,
        bytes: &[u8],
        max_size: u64,
    ) -> Result<(Vec<u8>, Vec<String>), ExpandError> {
        match self {
            Packing::Szdd => szdd::expand(name, bytes, max_size)
                .map(|expanded| (expanded.data, expanded.warnings))
                .map_err(ExpandError::from),
            Packing::Cabinet => cabinet::expand(name, bytes, max_size)
                .map(|expanded| (expanded.data, expanded.warnings))
                .map_err(ExpandError::from),
        }
    }
}

/// Why a compressed file was not expanded (each error names the file).
#[derive(Debug, thiserror::Error)]
pub enum ExpandError {
    #[error(transparent)]
    Szdd(#[from] szdd::SzddError),
    #[error(transparent)]
    Cabinet(#[from] cabinet::CabinetError),
}

/// Recognises an entry from its name and first bytes.
pub fn sniff(name: &str, prefix: &[u8]) -> Sniffed {
    if let Some(header) = crate::registry::sniff_regf(prefix) {
        return if header.file_type == 0 {
            Sniffed::Hive(header)
        } else {
            Sniffed::TransactionLog(Some(header))
        };
    }
    if prefix.is_empty() && transaction_log_base(name).is_some() {
        return Sniffed::TransactionLog(None);
    }
    if name.eq_ignore_ascii_case("manifest.toml") {
        return Sniffed::Manifest;
    }
    if szdd::is_szdd(prefix) {
        return Sniffed::Packed(Packing::Szdd);
    }
    if cabinet::is_cabinet(prefix) {
        return Sniffed::Packed(Packing::Cabinet);
    }
    if let Some(form) = reg_text::sniff_reg_text(prefix) {
        return Sniffed::RegText(form);
    }
    if let Some(form) = crate::acl::snapshot::sniff_snapshot(prefix) {
        return Sniffed::AclSnapshot(form);
    }
    if prefix.is_empty() {
        Sniffed::Other("empty".to_string())
    } else if crate::acl::parse_binary_descriptor(prefix).is_ok() {
        // Used when manifest.toml names its folder (the entry is then
        // listed as an ACL snapshot instead).
        Sniffed::Other(
            "a binary security descriptor, but no manifest.toml names its folder".to_string(),
        )
    } else {
        Sniffed::Other("not a format this tool reads".to_string())
    }
}

/// Whether a file holds registry data of its own (used to tell a directory
/// bundle from a folder of bundles).
pub fn is_registry_data(name: &str, prefix: &[u8]) -> bool {
    match sniff(name, prefix) {
        Sniffed::Hive(_) | Sniffed::RegText(_) => true,
        // A cabinet of several files is a packed bundle (skipped by
        // discovery), not a repair copy of one hive.
        Sniffed::Packed(Packing::Cabinet) => {
            crate::bundle::archives::unread_archive(name, prefix).is_none()
        }
        Sniffed::Packed(_) => true,
        _ => false,
    }
}

/// For `dir/SYSTEM.LOG1` returns `dir/SYSTEM`: the hive a log belongs to by
/// name (`.LOG`, `.LOG1`, `.LOG2`, any case).
pub fn transaction_log_base(name: &str) -> Option<&str> {
    let dot = name.rfind('.')?;
    let extension = &name[dot + 1..];
    let is_log = ["LOG", "LOG1", "LOG2"]
        .iter()
        .any(|log| extension.eq_ignore_ascii_case(log));
    (is_log && dot > 0).then(|| &name[..dot])
}

/// Human words for a snapshot form, for `sources[].detail`.
pub fn snapshot_form_words(form: SnapshotForm) -> &'static str {
    form.words()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_names_map_to_their_hive() {
        assert_eq!(transaction_log_base("Reg/SYSTEM.LOG1"), Some("Reg/SYSTEM"));
        assert_eq!(transaction_log_base("software.log"), Some("software"));
        assert_eq!(transaction_log_base("sam.Log2"), Some("sam"));
        assert_eq!(transaction_log_base("system.hiv"), None);
        assert_eq!(transaction_log_base(".LOG"), None);
    }
}
