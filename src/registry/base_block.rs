//! A `regf` file's base block (its first 4096 bytes, of which the first
//! 512 are used): where its fields are, reading them, and its checksum.
//! The one reading of it, shared by the hive files ([`super::hive_file`]),
//! the transaction logs' replay ([`super::log`], whose logs start with a
//! copy of it) and sniffing what a bundle entry is.

use super::HiveKind;

/// Size of the base block at the start of a hive file.
pub(crate) const BASE_BLOCK_SIZE: usize = 4096;
/// The bytes that hold the fields: the rest is reserved.
const FIELDS_SIZE: usize = 512;
/// Where the fields are.
pub(crate) const PRIMARY_SEQUENCE_AT: usize = 4;
pub(crate) const SECONDARY_SEQUENCE_AT: usize = 8;
const LAST_WRITTEN_AT: usize = 12;
const MAJOR_VERSION_AT: usize = 20;
const MINOR_VERSION_AT: usize = 24;
pub(crate) const FILE_TYPE_AT: usize = 28;
const FILE_FORMAT_AT: usize = 32;
const ROOT_CELL_OFFSET_AT: usize = 36;
pub(crate) const HIVE_BINS_SIZE_AT: usize = 40;
pub(crate) const CLUSTERING_FACTOR_AT: usize = 44;
/// The file name: 64 bytes of UTF-16LE, NUL-padded.
const FILE_NAME: std::ops::Range<usize> = 0x30..0x70;
/// The Windows 10 flags field, which new-format log entries copy.
pub(crate) const FLAGS_AT: usize = 144;
/// Offset of the checksum field; it covers the bytes before it.
pub(crate) const CHECKSUM_AT: usize = 508;

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
    /// Offset of the root key's cell, relative to the hive bins data.
    pub root_cell_offset: u32,
    /// Last-written time (FILETIME); transaction logs must match it.
    pub last_written: u64,
    /// 1 for a hive file ("direct memory load").
    pub file_format: u32,
}

impl HiveHeader {
    /// Two different sequence numbers: the last writes may sit in logs.
    pub fn is_dirty(&self) -> bool {
        self.primary_sequence != self.secondary_sequence
    }

    /// The machine hive the header's file name names (`...\Config\SYSTEM`,
    /// `system.hiv`), if any: a hint, which the structure may contradict.
    pub fn named_kind(&self) -> Option<HiveKind> {
        kind_from_name(last_component(&self.file_name))
    }
}

/// The little-endian `u32` at `at` (the caller has checked the length).
pub(crate) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// The XOR-32 checksum of the first 508 bytes, adjusted the way Windows
/// does (0 becomes 1 and 0xFFFFFFFF becomes 0xFFFFFFFE).
pub(crate) fn header_checksum(block: &[u8]) -> u32 {
    let sum = block[..CHECKSUM_AT].chunks_exact(4).fold(0u32, |acc, d| {
        acc ^ u32::from_le_bytes([d[0], d[1], d[2], d[3]])
    });
    match sum {
        0 => 1,
        u32::MAX => u32::MAX - 1,
        other => other,
    }
}

/// The checksum the base block stores.
pub(crate) fn stored_checksum(block: &[u8]) -> u32 {
    u32_at(block, CHECKSUM_AT)
}

/// Reads the base block of a `regf` file from its first bytes (at least
/// 512 for the fields and the checksum, which covers the first 508 bytes;
/// missing bytes read as zero and the checksum as bad). `None` when the
/// bytes do not start with `regf`.
pub fn sniff_regf(prefix: &[u8]) -> Option<HiveHeader> {
    if !prefix.starts_with(b"regf") {
        return None;
    }
    let mut block = [0u8; FIELDS_SIZE];
    let available = prefix.len().min(block.len());
    block[..available].copy_from_slice(&prefix[..available]);
    let field = |at: usize| u32_at(&block, at);
    Some(HiveHeader {
        primary_sequence: field(PRIMARY_SEQUENCE_AT),
        secondary_sequence: field(SECONDARY_SEQUENCE_AT),
        last_written: u64::from(field(LAST_WRITTEN_AT))
            | (u64::from(field(LAST_WRITTEN_AT + 4)) << 32),
        major_version: field(MAJOR_VERSION_AT),
        minor_version: field(MINOR_VERSION_AT),
        file_type: field(FILE_TYPE_AT),
        file_format: field(FILE_FORMAT_AT),
        root_cell_offset: field(ROOT_CELL_OFFSET_AT),
        hive_bins_size: field(HIVE_BINS_SIZE_AT),
        file_name: crate::encoding::utf16le_until_nul(&block[FILE_NAME]),
        checksum_ok: available == block.len() && stored_checksum(&block) == header_checksum(&block),
    })
}

/// The last component of a path in either separator.
pub(super) fn last_component(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// `SYSTEM`, `system.hiv`, `software.sav`, `Machine_System.dat` -> a kind.
pub(super) fn kind_from_name(name: &str) -> Option<HiveKind> {
    let stem = name.split('.').next().unwrap_or(name);
    HiveKind::from_name(stem).or_else(|| {
        // Collectors prefix the hive name (`Machine_System`).
        let tail = stem.rsplit(['_', '-', ' ']).next()?;
        (tail.len() < stem.len()).then(|| HiveKind::from_name(tail))?
    })
}
