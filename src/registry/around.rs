//! The little that hivetriage reads around nt-hive, from the same bytes it
//! hands to the library, because nt-hive 0.3 does not offer it:
//!
//! * where a key node or value record lies: nt-hive returns names as slices
//!   of the hive bytes (zero-copy), so a record's cell offset is the name's
//!   position minus the fixed fields before it, confirmed by the record's
//!   signature ([`Bins::key_node_of`], [`Bins::value_of`]);
//! * a key node's last-written time and parent, fixed fields nt-hive keeps
//!   private ([`Bins::key_last_written`], [`Bins::key_parent`]);
//! * value data of more than 16344 bytes kept in one cell, as hives before
//!   format 1.4 (NT 4.0, Windows 2000) store it: nt-hive reads such data
//!   only as a big-data (`db`) record ([`Bins::one_cell_value_data`]);
//! * plain words for nt-hive's errors ([`describe`]).
//!
//! Every offset is checked before use; nothing here follows a list.

use nt_hive::{NtHiveError, NtHiveNameString};

/// Cell offsets count from the base block's end.
pub(crate) use super::base_block::BASE_BLOCK_SIZE;
/// "No cell": the offset stored where nothing is referenced.
pub(crate) const NO_CELL: u32 = u32::MAX;
/// Largest value data nt-hive reads from one cell; above it, it expects a
/// big-data record.
pub(crate) const BIG_DATA_SEGMENT_SIZE: usize = 16344;
/// From a key node's cell (its size field) to its name.
const NK_NAME_AT: usize = 4 + 76;
/// From a value record's cell (its size field) to its name.
const VK_NAME_AT: usize = 4 + 20;

/// File offset of a cell offset.
pub(crate) fn file_offset(cell_offset: u32) -> u64 {
    BASE_BLOCK_SIZE as u64 + u64::from(cell_offset)
}

/// Bad data found here, at a file offset when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Damage {
    pub offset: Option<u64>,
    pub detail: String,
}

impl Damage {
    pub fn at(offset: u64, detail: impl Into<String>) -> Damage {
        Damage {
            offset: Some(offset),
            detail: detail.into(),
        }
    }
}

/// The bytes of a name nt-hive returned.
fn name_bytes<'a>(name: &NtHiveNameString<'a>) -> &'a [u8] {
    match *name {
        NtHiveNameString::Latin1(bytes) | NtHiveNameString::Utf16LE(bytes) => bytes,
    }
}

/// The hive bins data: the bytes after the base block that nt-hive reads.
#[derive(Clone, Copy)]
pub(crate) struct Bins<'a> {
    data: &'a [u8],
}

impl<'a> Bins<'a> {
    pub fn new(data: &'a [u8]) -> Bins<'a> {
        Bins { data }
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let bytes = self.data.get(at..at.checked_add(4)?)?;
        Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    /// The cell offset of the record whose name lies at `name`, when that
    /// name is part of these bytes and a record with `signature` starts
    /// `name_at` bytes before it.
    fn record_of(&self, name: &[u8], name_at: usize, signature: &[u8; 2]) -> Option<u32> {
        let start = (name.as_ptr() as usize).checked_sub(self.data.as_ptr() as usize)?;
        if start > self.data.len() {
            return None;
        }
        let cell = start.checked_sub(name_at)?;
        let found = self.data.get(cell + 4..cell + 6)? == signature;
        found.then(|| u32::try_from(cell).ok()).flatten()
    }

    /// The cell offset of the key node whose name nt-hive returned.
    pub fn key_node_of(&self, name: &NtHiveNameString<'_>) -> Option<u32> {
        self.record_of(name_bytes(name), NK_NAME_AT, b"nk")
    }

    /// The cell offset of the value record whose name nt-hive returned.
    pub fn value_of(&self, name: &NtHiveNameString<'_>) -> Option<u32> {
        self.record_of(name_bytes(name), VK_NAME_AT, b"vk")
    }

    /// The last-written time (FILETIME) of the key node at `nk`.
    pub fn key_last_written(&self, nk: u32) -> Option<u64> {
        let at = nk as usize + 4 + 4;
        Some(u64::from(self.u32_at(at)?) | (u64::from(self.u32_at(at + 4)?) << 32))
    }

    /// The parent field of the key node at `nk` (meaningless for the root).
    pub fn key_parent(&self, nk: u32) -> Option<u32> {
        self.u32_at(nk as usize + 4 + 16)
    }

    /// The file offset of the first data byte of the value record at `vk`,
    /// when its data lies in one cell of its own (not in the record, not in
    /// a big-data record). Says where a field inside the data sits in the
    /// file, for messages.
    pub fn value_data_file_offset(&self, vk: u32, big_data: bool) -> Option<u64> {
        let raw_size = self.u32_at(vk as usize + 4 + 4)?;
        let data_offset = self.u32_at(vk as usize + 4 + 8)?;
        let size = (raw_size & 0x7FFF_FFFF) as usize;
        let in_record = raw_size & 0x8000_0000 != 0;
        if in_record || size == 0 || (big_data && size > BIG_DATA_SEGMENT_SIZE) {
            return None;
        }
        self.cell(data_offset, "value data").ok()?;
        Some(file_offset(data_offset) + 4)
    }

    /// The data of the value record at `vk` when it is kept in one cell,
    /// whatever its size (hives before format 1.4 have no big-data records;
    /// later ones may keep such cells from before an upgrade).
    pub fn one_cell_value_data(&self, vk: u32) -> Result<&'a [u8], Damage> {
        let vk_at = vk as usize;
        let size_field_at = file_offset(vk) + 4 + 4;
        let (Some(raw_size), Some(data_offset)) =
            (self.u32_at(vk_at + 4 + 4), self.u32_at(vk_at + 4 + 8))
        else {
            return Err(Damage::at(file_offset(vk), "the value record is cut off"));
        };
        let size = (raw_size & 0x7FFF_FFFF) as usize;
        if raw_size & 0x8000_0000 != 0 {
            return Err(Damage::at(
                size_field_at,
                format!("data stored in the record claims {size} bytes (at most 4)"),
            ));
        }
        let cell = self.cell(data_offset, "value data")?;
        cell.get(..size).ok_or_else(|| {
            Damage::at(
                file_offset(data_offset),
                format!(
                    "data of {size} bytes but its cell holds only {} bytes",
                    cell.len()
                ),
            )
        })
    }

    /// The contents of the allocated cell at `offset` (after its size field).
    fn cell(&self, offset: u32, what: &str) -> Result<&'a [u8], Damage> {
        let at = file_offset(offset);
        if offset == NO_CELL {
            return Err(Damage::at(
                at,
                format!("{what}: the hive references no cell (0xFFFFFFFF) where one is needed"),
            ));
        }
        let Some(size) = self.u32_at(offset as usize).map(|s| s as i32) else {
            return Err(Damage::at(
                at,
                format!(
                    "{what}: cell offset {offset:#x} lies beyond the {} bytes of hive bins data",
                    self.data.len()
                ),
            ));
        };
        if size >= 0 {
            return Err(Damage::at(
                at,
                format!("{what}: the cell is not allocated (size field {size})"),
            ));
        }
        let size = size.unsigned_abs() as usize;
        let start = offset as usize + 4;
        match size
            .checked_sub(4)
            .and_then(|len| self.data.get(start..start.checked_add(len)?))
        {
            Some(cell) => Ok(cell),
            None => Err(Damage::at(
                at,
                format!("{what}: the cell of {size} bytes runs past the end of the hive bins data"),
            )),
        }
    }
}

/// nt-hive's error in plain words, with its file offset (nt-hive counts
/// offsets from the start of the bytes it was given: the file);
/// `bins_len` is the length of the hive bins data it was given.
pub(crate) fn describe(error: &NtHiveError, bins_len: usize) -> Damage {
    use NtHiveError as E;
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let (offset, detail) = match error {
        E::InvalidChecksum { expected, actual } => (
            None,
            format!(
                "the header checksum is wrong (stored {expected:#010x}, computed {actual:#010x})"
            ),
        ),
        E::InvalidDataSize {
            offset,
            expected,
            actual,
        } => (
            Some(*offset),
            format!("the data needs {expected} bytes but its cell holds only {actual}"),
        ),
        E::InvalidFourByteSignature {
            offset,
            expected,
            actual,
        } => (
            Some(*offset),
            format!(
                "expected signature {:?}, found {:?}",
                text(expected),
                text(actual)
            ),
        ),
        E::InvalidHeaderSize {
            offset,
            expected,
            actual,
        } => {
            // The same error says "no room for the cell's size field" (an
            // offset past the end) and "the cell is too small".
            let end = BASE_BLOCK_SIZE + bins_len;
            let detail = if offset.saturating_add(*actual) >= end {
                format!(
                    "cell offset {:#x} lies beyond the {bins_len} bytes of hive bins data",
                    offset.saturating_sub(BASE_BLOCK_SIZE)
                )
            } else {
                format!("the cell holds {actual} bytes, too few for a {expected}-byte record")
            };
            (Some(*offset), detail)
        }
        E::InvalidKeyValueDataType { expected, actual } => (
            None,
            format!("value type {actual:?} where one of {expected:?} is needed"),
        ),
        E::InvalidSizeField {
            offset,
            expected,
            actual,
        } => (
            Some(*offset),
            format!("a size or count field asks for {expected} bytes but only {actual} are there"),
        ),
        E::InvalidSizeFieldAlignment {
            offset,
            size,
            expected_alignment,
        } => (
            Some(*offset),
            format!("the size {size} is not a multiple of {expected_alignment}"),
        ),
        E::InvalidTwoByteSignature {
            offset,
            expected,
            actual,
        } => (
            Some(*offset),
            format!(
                "expected a record with signature {}, found {:?}",
                text(expected),
                text(actual)
            ),
        ),
        E::SequenceNumberMismatch { primary, secondary } => (
            None,
            format!("the sequence numbers differ ({primary}/{secondary})"),
        ),
        E::UnallocatedCell { offset, size } => (
            Some(*offset),
            format!("the cell is not allocated (size field {size})"),
        ),
        E::UnsupportedClusteringFactor { expected, actual } => (
            None,
            format!("clustering factor {actual} (expected {expected})"),
        ),
        E::UnsupportedFileFormat { expected, actual } => {
            (None, format!("file format {actual} (expected {expected})"))
        }
        E::UnsupportedFileType { expected, actual } => {
            (None, format!("file type {actual} (expected {expected})"))
        }
        E::UnsupportedKeyValueDataType { offset, actual } => (
            Some(*offset),
            format!("value type {actual:#x} is not one nt-hive knows"),
        ),
        E::UnsupportedVersion { major, minor } => (None, format!("format version {major}.{minor}")),
    };
    Damage {
        offset: offset.map(|o| o as u64),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hive bins data holding one allocated cell per entry, each at an
    /// 8-aligned offset; returns the data and the offsets.
    fn cells_of(contents: &[&[u8]]) -> (Vec<u8>, Vec<u32>) {
        let mut data = Vec::new();
        let mut offsets = Vec::new();
        for content in contents {
            offsets.push(data.len() as u32);
            let size = (content.len() + 4).div_ceil(8) * 8;
            data.extend((-(size as i32)).to_le_bytes());
            data.extend_from_slice(content);
            data.resize(offsets.last().copied().unwrap() as usize + size, 0);
        }
        (data, offsets)
    }

    fn vk(name: &[u8], raw_size: u32, data_offset: u32) -> Vec<u8> {
        let mut vk = b"vk".to_vec();
        vk.extend((name.len() as u16).to_le_bytes());
        vk.extend(raw_size.to_le_bytes());
        vk.extend(data_offset.to_le_bytes());
        vk.extend(3u32.to_le_bytes());
        vk.extend(1u16.to_le_bytes());
        vk.extend([0, 0]);
        vk.extend_from_slice(name);
        vk
    }

    #[test]
    fn records_are_found_from_their_names_and_checked_by_signature() {
        let (data, offsets) = cells_of(&[b"padding", &vk(b"Name", 4, 0)]);
        let bins = Bins::new(&data);
        let at = offsets[1] as usize + VK_NAME_AT;
        let name = NtHiveNameString::Latin1(&data[at..at + 4]);
        assert_eq!(bins.value_of(&name), Some(offsets[1]));
        assert_eq!(bins.key_node_of(&name), None, "not an nk");
        let elsewhere = b"Name".to_vec();
        assert_eq!(bins.value_of(&NtHiveNameString::Latin1(&elsewhere)), None);
        let empty = NtHiveNameString::Utf16LE(&data[at..at]);
        assert_eq!(bins.value_of(&empty), Some(offsets[1]));
    }

    #[test]
    fn one_cell_data_of_any_size_and_its_damage() {
        let big = vec![7u8; 20_000];
        let (data, offsets) = cells_of(&[&[], &big]);
        let mut with_vk = data.clone();
        let vk_at = with_vk.len() as u32;
        with_vk.extend(cells_of(&[&vk(b"V", 20_000, offsets[1])]).0);
        let bins = Bins::new(&with_vk);
        assert_eq!(bins.one_cell_value_data(vk_at).unwrap(), &big[..]);

        for (raw_size, data_offset, expected) in [
            (20_000, NO_CELL, "no cell (0xFFFFFFFF)"),
            (20_000, 0x10_0000, "lies beyond"),
            (20_000, offsets[0], "holds only"),
            (30_000, offsets[1], "holds only"),
            (0x8000_0009, 0, "at most 4"),
        ] {
            let mut bytes = data.clone();
            bytes.extend(cells_of(&[&vk(b"V", raw_size, data_offset)]).0);
            let error = Bins::new(&bytes).one_cell_value_data(vk_at).unwrap_err();
            assert!(error.detail.contains(expected), "{error:?}");
            assert!(error.offset.is_some());
        }
        let mut free = data.clone();
        free[offsets[1] as usize..offsets[1] as usize + 4].copy_from_slice(&8i32.to_le_bytes());
        free.extend(cells_of(&[&vk(b"V", 20_000, offsets[1])]).0);
        let error = Bins::new(&free).one_cell_value_data(vk_at).unwrap_err();
        assert!(error.detail.contains("not allocated"), "{error:?}");
        assert!(Bins::new(&[]).one_cell_value_data(0).is_err());
    }

    #[test]
    fn key_node_fields() {
        let mut nk = b"nk".to_vec();
        nk.extend(0x20u16.to_le_bytes());
        nk.extend(0x0123_4567_89AB_CDEFu64.to_le_bytes());
        nk.extend(0u32.to_le_bytes());
        nk.extend(0x58u32.to_le_bytes());
        let (data, offsets) = cells_of(&[&nk]);
        let bins = Bins::new(&data);
        assert_eq!(
            bins.key_last_written(offsets[0]),
            Some(0x0123_4567_89AB_CDEF)
        );
        assert_eq!(bins.key_parent(offsets[0]), Some(0x58));
        assert_eq!(bins.key_parent(0xFFFF_FFF0), None);
    }

    #[test]
    fn errors_keep_their_offsets() {
        let damage = describe(
            &NtHiveError::UnallocatedCell {
                offset: 0x2000,
                size: 16,
            },
            4096,
        );
        assert_eq!(
            damage,
            Damage::at(0x2000, "the cell is not allocated (size field 16)")
        );
        let damage = describe(
            &NtHiveError::InvalidTwoByteSignature {
                offset: 0x1004,
                expected: b"lf|lh|li|ri",
                actual: *b"zz",
            },
            4096,
        );
        assert_eq!(damage.offset, Some(0x1004));
        assert!(damage.detail.contains("lf|lh|li|ri"), "{}", damage.detail);
        let header = |offset, actual| NtHiveError::InvalidHeaderSize {
            offset,
            expected: 4,
            actual,
        };
        let beyond = describe(&header(4096 + 0x3000, 0), 0x2000);
        assert!(beyond.detail.contains("0x3000 lies beyond"), "{beyond:?}");
        let near_end = describe(&header(4096 + 0x1FFE, 2), 0x2000);
        assert!(
            near_end.detail.contains("0x1ffe lies beyond"),
            "{near_end:?}"
        );
        let small = describe(&header(4096 + 0x100, 2), 0x2000);
        assert!(small.detail.contains("holds 2 bytes"), "{small:?}");
    }
}
