//! A `regf` hive file read through nt-hive, tolerant of dirty and damaged
//! files: a hive is used as far as it can be read.

use super::{HiveData, HiveKind, LookupError, RegKey};

/// The fields of a hive's base block that triage needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HiveHeader {
    pub primary_sequence: u32,
    pub secondary_sequence: u32,
    pub major_version: u32,
    pub minor_version: u32,
    /// 0 primary file, 1 (old) transaction log, 6 new-format log.
    pub file_type: u32,
    /// Size of the hive bins data after the 4 KiB base block.
    pub hive_bins_size: u32,
    /// The file name field (last characters of the path it was loaded from).
    pub file_name: String,
    pub checksum_ok: bool,
}

impl HiveHeader {
    /// Two different sequence numbers: the last writes may sit in logs.
    pub fn is_dirty(&self) -> bool {
        self.primary_sequence != self.secondary_sequence
    }
}

/// Reads the base block of a `regf` file from its first bytes (at least
/// 512 for the fields, 4096 for the checksum). `None` when the bytes do
/// not start with `regf`.
pub fn sniff_regf(prefix: &[u8]) -> Option<HiveHeader> {
    let _ = prefix;
    todo!("registry helper")
}

/// Which hive a file is, and what that was decided from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HiveIdentification {
    pub kind: Option<HiveKind>,
    /// e.g. `root keys Select, ControlSet001; header name "SYSTEM"`.
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HiveOpenError {
    #[error("{file}: not a registry hive: {detail}")]
    NotAHive { file: String, detail: String },
    #[error("{file}: the hive cannot be read: {detail}")]
    Unreadable { file: String, detail: String },
}

/// A hive file held in memory.
pub struct HiveFile {
    origin: String,
    bytes: Vec<u8>,
    header: HiveHeader,
}

impl HiveFile {
    /// Opens a hive. Dirty or slightly damaged hives are accepted; what was
    /// tolerated comes back as warnings for the report's `errors`.
    pub fn open(
        origin: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Result<(HiveFile, Vec<String>), HiveOpenError> {
        let _ = (origin.into(), bytes);
        todo!("registry helper")
    }

    pub fn header(&self) -> &HiveHeader {
        &self.header
    }

    /// Decides SYSTEM / SOFTWARE / SAM / SECURITY from the root keys and the
    /// header's name field; `entry_name` is only a hint.
    pub fn identify(&self, entry_name: &str) -> HiveIdentification {
        let _ = (entry_name, &self.bytes);
        todo!("registry helper")
    }
}

impl HiveData for HiveFile {
    fn origin(&self) -> &str {
        &self.origin
    }

    fn read_key(&self, path: &str) -> Result<Option<RegKey>, LookupError> {
        let _ = path;
        todo!("registry helper")
    }
}
