//! Cell-level reading of a `regf` hive's bins data: key nodes (`nk`),
//! subkey lists (`li`/`lf`/`lh` and `ri`), value lists, values (`vk`) and
//! big data (`db`).
//!
//! Written from the published format description (Maxim Suhanov's "Windows
//! registry file format specification") rather than on top of nt-hive,
//! because nt-hive 0.3 asserts (panics) on a cell offset of 0xFFFFFFFF met
//! in a subkey list, an index root, a value's data offset or the header's
//! root offset, which damaged hives (and zero-length values) can hold.
//!
//! Every offset read from the file is checked before use; a reference that
//! cannot be followed is a [`CellError`] with the file offset of the bad
//! data. Work is bounded by a [`Budget`] so that shared or cyclic lists
//! cannot make a reader loop or copy without end.

/// "No cell": the offset stored where nothing is referenced.
pub(crate) const NO_CELL: u32 = u32::MAX;
/// Size of the base block; cell offsets are relative to its end.
pub(crate) const BASE_BLOCK_SIZE: usize = 4096;
/// Largest data segment of a big-data value.
const BIG_DATA_SEGMENT_MAX: usize = 16344;
/// Key node fields before the name.
const NK_FIXED: usize = 76;
/// Value record fields before the name.
const VK_FIXED: usize = 20;
/// Key node flag: the name is stored one byte per character (Latin-1).
const KEY_COMP_NAME: u16 = 0x0020;
/// Value flag: the name is stored one byte per character (Latin-1).
const VALUE_COMP_NAME: u16 = 0x0001;

/// Bad data met while following a reference, at a file offset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CellError {
    /// Byte offset from the start of the file.
    pub offset: u64,
    pub detail: String,
}

/// File offset of a cell offset (cell offsets count from the end of the
/// base block).
pub(crate) fn file_offset(cell_offset: u32) -> u64 {
    BASE_BLOCK_SIZE as u64 + u64::from(cell_offset)
}

fn u16_at(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from(u32_at(bytes, at)) | (u64::from(u32_at(bytes, at + 4)) << 32)
}

/// Limits on the work one read may do. A well-formed hive never needs more
/// list entries than a quarter of its bins data (each entry takes 4 bytes
/// of its own) nor more value bytes than the bins data holds; a damaged one
/// that shares or loops its lists runs out of budget instead of hanging.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    items: usize,
    bytes: usize,
}

impl Budget {
    pub fn for_data(data_len: usize) -> Budget {
        Budget {
            items: data_len / 4 + 64,
            bytes: data_len + 64,
        }
    }

    fn take_items(&mut self, n: usize) -> bool {
        if n <= self.items {
            self.items -= n;
            true
        } else {
            self.items = 0;
            false
        }
    }

    fn take_bytes(&mut self, n: usize) -> bool {
        if n <= self.bytes {
            self.bytes -= n;
            true
        } else {
            false
        }
    }
}

const BUDGET_EXHAUSTED: &str = "the hive references more list entries than it can hold (shared or cyclic lists); reading stopped";

/// The hive bins data (everything after the base block, up to the declared
/// size or the end of the file).
#[derive(Clone, Copy)]
pub(crate) struct Cells<'a> {
    data: &'a [u8],
    /// Big data (`db`) records exist from format version 1.4 on.
    big_data: bool,
}

impl<'a> Cells<'a> {
    pub fn new(data: &'a [u8], minor_version: u32) -> Cells<'a> {
        Cells {
            data,
            big_data: minor_version > 3,
        }
    }

    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// The data of the allocated cell at `offset` (without its size field).
    pub fn cell(&self, offset: u32, what: &str) -> Result<&'a [u8], CellError> {
        let at = file_offset(offset);
        if offset == NO_CELL {
            return Err(CellError {
                offset: at,
                detail: format!("{what}: the reference is empty (0xffffffff)"),
            });
        }
        let start = offset as usize;
        let Some(size_field) = self.data.get(start..start.saturating_add(4)) else {
            return Err(CellError {
                offset: at,
                detail: format!(
                    "{what}: cell offset {offset:#x} lies beyond the {} bytes of hive bins data",
                    self.data.len()
                ),
            });
        };
        let size = i32::from_le_bytes([size_field[0], size_field[1], size_field[2], size_field[3]]);
        if size >= 0 {
            return Err(CellError {
                offset: at,
                detail: format!("{what}: the cell is not allocated (size field {size})"),
            });
        }
        let size = size.unsigned_abs() as usize;
        if size < 4 {
            return Err(CellError {
                offset: at,
                detail: format!("{what}: impossible cell size {size}"),
            });
        }
        match self.data.get(start + 4..start + size) {
            Some(cell) => Ok(cell),
            None => Err(CellError {
                offset: at,
                detail: format!(
                    "{what}: the cell of {size} bytes runs past the end of the hive bins data"
                ),
            }),
        }
    }

    /// The key node at `offset`, listed as a subkey of `parent`: its parent
    /// field must point back (Windows checks this when it loads a hive; a
    /// subkey list that points at another key's subkey is damage).
    pub fn subkey_node(&self, offset: u32, parent: &KeyNode<'a>) -> Result<KeyNode<'a>, CellError> {
        let child = self.key_node(offset)?;
        if child.parent() != parent.offset {
            return Err(CellError {
                offset: child.file_offset() + 4 + 16,
                detail: format!(
                    "the key node at cell {offset:#x} names cell {:#x} as its parent, not this key (cell {:#x})",
                    child.parent(),
                    parent.offset
                ),
            });
        }
        Ok(child)
    }

    /// The key node at `offset`.
    pub fn key_node(&self, offset: u32) -> Result<KeyNode<'a>, CellError> {
        let cell = self.cell(offset, "key node")?;
        if cell.len() < NK_FIXED {
            return Err(CellError {
                offset: file_offset(offset),
                detail: format!("key node: cell of {} bytes is too small", cell.len()),
            });
        }
        if &cell[..2] != b"nk" {
            return Err(CellError {
                offset: file_offset(offset) + 4,
                detail: format!(
                    "expected a key node (nk), found signature {:?}",
                    String::from_utf8_lossy(&cell[..2])
                ),
            });
        }
        Ok(KeyNode { offset, cell })
    }

    /// Appends the key node offsets of `node`'s subkey list to `out`;
    /// problems with the list go to `problems`. `Err` only when the budget
    /// ran out.
    pub fn subkey_offsets(
        &self,
        node: &KeyNode<'a>,
        out: &mut Vec<u32>,
        problems: &mut Vec<CellError>,
        budget: &mut Budget,
    ) -> Result<(), CellError> {
        out.clear();
        let problems_before = problems.len();
        let list = node.subkey_list();
        if list == NO_CELL {
            if node.subkey_count() != 0 {
                problems.push(CellError {
                    offset: node.file_offset() + 4 + 20,
                    detail: format!(
                        "the key declares {} subkeys but has no subkey list",
                        node.subkey_count()
                    ),
                });
            }
            return Ok(());
        }
        self.read_subkey_list(list, true, out, problems, budget)?;
        if out.len() != node.subkey_count() as usize && problems.len() == problems_before {
            problems.push(CellError {
                offset: node.file_offset() + 4 + 20,
                detail: format!(
                    "the key declares {} subkeys but its list holds {}",
                    node.subkey_count(),
                    out.len()
                ),
            });
        }
        Ok(())
    }

    fn read_subkey_list(
        &self,
        list: u32,
        index_root_allowed: bool,
        out: &mut Vec<u32>,
        problems: &mut Vec<CellError>,
        budget: &mut Budget,
    ) -> Result<(), CellError> {
        let cell = match self.cell(list, "subkey list") {
            Ok(cell) => cell,
            Err(error) => {
                problems.push(error);
                return Ok(());
            }
        };
        if cell.len() < 4 {
            problems.push(CellError {
                offset: file_offset(list),
                detail: "subkey list: cell too small for its header".into(),
            });
            return Ok(());
        }
        let signature = &cell[..2];
        let count = u16_at(cell, 2) as usize;
        let item_size = match signature {
            b"lf" | b"lh" => 8,
            b"li" | b"ri" => 4,
            _ => {
                problems.push(CellError {
                    offset: file_offset(list) + 4,
                    detail: format!(
                        "expected a subkey list (li, lf, lh or ri), found signature {:?}",
                        String::from_utf8_lossy(signature)
                    ),
                });
                return Ok(());
            }
        };
        let fits = (cell.len() - 4) / item_size;
        if count > fits {
            problems.push(CellError {
                offset: file_offset(list) + 4 + 2,
                detail: format!(
                    "subkey list declares {count} elements but its cell holds only {fits}"
                ),
            });
        }
        let count = count.min(fits);
        if !budget.take_items(count) {
            return Err(CellError {
                offset: file_offset(list),
                detail: BUDGET_EXHAUSTED.into(),
            });
        }
        let items = (0..count).map(|i| u32_at(cell, 4 + i * item_size));
        if signature == b"ri" {
            if !index_root_allowed {
                problems.push(CellError {
                    offset: file_offset(list) + 4,
                    detail: "an index root (ri) points to another index root".into(),
                });
                return Ok(());
            }
            for leaf in items {
                self.read_subkey_list(leaf, false, out, problems, budget)?;
            }
        } else {
            out.extend(items);
        }
        Ok(())
    }

    /// Appends the value record offsets of `node` to `out`.
    pub fn value_offsets(
        &self,
        node: &KeyNode<'a>,
        out: &mut Vec<u32>,
        problems: &mut Vec<CellError>,
        budget: &mut Budget,
    ) -> Result<(), CellError> {
        out.clear();
        let declared = node.value_count() as usize;
        if declared == 0 {
            return Ok(());
        }
        let cell = match self.cell(node.value_list(), "value list") {
            Ok(cell) => cell,
            Err(error) => {
                problems.push(error);
                return Ok(());
            }
        };
        let fits = cell.len() / 4;
        if declared > fits {
            problems.push(CellError {
                offset: node.file_offset() + 4 + 36,
                detail: format!(
                    "the key declares {declared} values but its value list holds only {fits}"
                ),
            });
        }
        let count = declared.min(fits);
        if !budget.take_items(count) {
            return Err(CellError {
                offset: file_offset(node.value_list()),
                detail: BUDGET_EXHAUSTED.into(),
            });
        }
        out.extend((0..count).map(|i| u32_at(cell, i * 4)));
        Ok(())
    }

    /// The value record at `offset`.
    pub fn value(&self, offset: u32) -> Result<ValueRecord<'a>, CellError> {
        let cell = self.cell(offset, "value")?;
        if cell.len() < VK_FIXED {
            return Err(CellError {
                offset: file_offset(offset),
                detail: format!("value: cell of {} bytes is too small", cell.len()),
            });
        }
        if &cell[..2] != b"vk" {
            return Err(CellError {
                offset: file_offset(offset) + 4,
                detail: format!(
                    "expected a value (vk), found signature {:?}",
                    String::from_utf8_lossy(&cell[..2])
                ),
            });
        }
        Ok(ValueRecord { offset, cell })
    }

    /// Copies the data of `value` into `out` (cleared first), following a
    /// data cell or big-data segments.
    pub fn value_data(
        &self,
        value: &ValueRecord<'a>,
        out: &mut Vec<u8>,
        budget: &mut Budget,
    ) -> Result<(), CellError> {
        out.clear();
        let raw_size = u32_at(value.cell, 4);
        let size = (raw_size & 0x7FFF_FFFF) as usize;
        let size_at = value.file_offset() + 4 + 4;
        if raw_size & 0x8000_0000 != 0 {
            // Up to 4 bytes kept in the data offset field itself.
            if size > 4 {
                return Err(CellError {
                    offset: size_at,
                    detail: format!("data stored in the record claims {size} bytes (at most 4)"),
                });
            }
            out.extend_from_slice(&value.cell[8..8 + size]);
            return Ok(());
        }
        if size == 0 {
            return Ok(());
        }
        if !budget.take_bytes(size) {
            return Err(CellError {
                offset: size_at,
                detail: format!(
                    "data of {size} bytes is more than the hive has left to give (shared cells?)"
                ),
            });
        }
        let data_offset = u32_at(value.cell, 8);
        let cell = self.cell(data_offset, "value data")?;
        if self.big_data && size > BIG_DATA_SEGMENT_MAX && cell.len() >= 8 && &cell[..2] == b"db" {
            return self.big_data(data_offset, cell, size, out, budget);
        }
        if cell.len() < size {
            return Err(CellError {
                offset: file_offset(data_offset),
                detail: format!(
                    "data of {size} bytes but its cell holds only {} bytes",
                    cell.len()
                ),
            });
        }
        out.extend_from_slice(&cell[..size]);
        Ok(())
    }

    fn big_data(
        &self,
        record_offset: u32,
        record: &'a [u8],
        size: usize,
        out: &mut Vec<u8>,
        budget: &mut Budget,
    ) -> Result<(), CellError> {
        let count = u16_at(record, 2) as usize;
        let list_offset = u32_at(record, 4);
        let list = self.cell(list_offset, "big data segment list")?;
        if list.len() / 4 < count {
            return Err(CellError {
                offset: file_offset(record_offset) + 4 + 2,
                detail: format!(
                    "big data declares {count} segments but its list holds only {}",
                    list.len() / 4
                ),
            });
        }
        if !budget.take_items(count) {
            return Err(CellError {
                offset: file_offset(list_offset),
                detail: BUDGET_EXHAUSTED.into(),
            });
        }
        out.reserve(size);
        for i in 0..count {
            let remaining = size - out.len();
            if remaining == 0 {
                break;
            }
            let segment = self.cell(u32_at(list, i * 4), "big data segment")?;
            let take = remaining.min(segment.len()).min(BIG_DATA_SEGMENT_MAX);
            out.extend_from_slice(&segment[..take]);
        }
        if out.len() < size {
            return Err(CellError {
                offset: file_offset(record_offset),
                detail: format!(
                    "big data of {size} bytes: its {count} segments hold only {}",
                    out.len()
                ),
            });
        }
        Ok(())
    }
}

/// A key node (`nk`) whose fixed fields are known to be inside its cell.
#[derive(Clone, Copy)]
pub(crate) struct KeyNode<'a> {
    offset: u32,
    cell: &'a [u8],
}

impl<'a> KeyNode<'a> {
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// File offset of the cell (its size field).
    pub fn file_offset(&self) -> u64 {
        file_offset(self.offset)
    }

    fn flags(&self) -> u16 {
        u16_at(self.cell, 2)
    }

    pub fn last_written(&self) -> u64 {
        u64_at(self.cell, 4)
    }

    /// The parent key node's offset (meaningless for the root key).
    pub fn parent(&self) -> u32 {
        u32_at(self.cell, 16)
    }

    pub fn subkey_count(&self) -> u32 {
        u32_at(self.cell, 20)
    }

    fn subkey_list(&self) -> u32 {
        u32_at(self.cell, 28)
    }

    fn value_count(&self) -> u32 {
        u32_at(self.cell, 36)
    }

    fn value_list(&self) -> u32 {
        u32_at(self.cell, 40)
    }

    pub fn name(&self) -> Result<Name<'a>, CellError> {
        let length = u16_at(self.cell, 72) as usize;
        let Some(bytes) = self.cell.get(NK_FIXED..NK_FIXED + length) else {
            return Err(CellError {
                offset: self.file_offset() + 4 + 72,
                detail: format!(
                    "key name of {length} bytes runs past the end of its {}-byte cell",
                    self.cell.len()
                ),
            });
        };
        Ok(if self.flags() & KEY_COMP_NAME != 0 {
            Name::Latin1(bytes)
        } else {
            Name::Utf16(bytes)
        })
    }
}

/// A value record (`vk`) whose fixed fields are known to be inside its cell.
#[derive(Clone, Copy)]
pub(crate) struct ValueRecord<'a> {
    offset: u32,
    cell: &'a [u8],
}

impl<'a> ValueRecord<'a> {
    pub fn file_offset(&self) -> u64 {
        file_offset(self.offset)
    }

    pub fn type_code(&self) -> u32 {
        u32_at(self.cell, 12)
    }

    pub fn name(&self) -> Result<Name<'a>, CellError> {
        let length = u16_at(self.cell, 2) as usize;
        let Some(bytes) = self.cell.get(VK_FIXED..VK_FIXED + length) else {
            return Err(CellError {
                offset: self.file_offset() + 4 + 2,
                detail: format!(
                    "value name of {length} bytes runs past the end of its {}-byte cell",
                    self.cell.len()
                ),
            });
        };
        Ok(if u16_at(self.cell, 16) & VALUE_COMP_NAME != 0 {
            Name::Latin1(bytes)
        } else {
            Name::Utf16(bytes)
        })
    }
}

/// A key or value name as stored: compressed names are Latin-1 (one byte
/// per character, so 0x9F is U+009F, not Windows-1252's U+0178), others
/// UTF-16LE (unpaired surrogates become U+FFFD, an odd last byte is
/// ignored).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Name<'a> {
    Latin1(&'a [u8]),
    Utf16(&'a [u8]),
}

impl Name<'_> {
    pub fn push_to(&self, out: &mut String) {
        match *self {
            Name::Latin1(bytes) => {
                if bytes.is_ascii() {
                    // ASCII bytes are valid UTF-8 as they are.
                    out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
                } else {
                    out.extend(bytes.iter().map(|&b| char::from(b)));
                }
            }
            Name::Utf16(bytes) => out.extend(utf16_chars(bytes)),
        }
    }

    #[cfg(test)]
    fn to_string_lossy(self) -> String {
        let mut out = String::new();
        self.push_to(&mut out);
        out
    }

    /// Whether the name equals `wanted` the way Windows compares names
    /// (each character upper-cased on its own, see `names_equal`).
    pub fn matches(&self, wanted: &str) -> bool {
        match *self {
            // Fast path: no Latin-1 letter upper-cases to ASCII, so an
            // ASCII name can be compared byte by byte.
            Name::Latin1(bytes) if wanted.is_ascii() => {
                bytes.eq_ignore_ascii_case(wanted.as_bytes())
            }
            Name::Latin1(bytes) => bytes
                .iter()
                .map(|&b| super::upcase(char::from(b)))
                .eq(wanted.chars().map(super::upcase)),
            Name::Utf16(bytes) => utf16_chars(bytes)
                .map(super::upcase)
                .eq(wanted.chars().map(super::upcase)),
        }
    }
}

fn utf16_chars(bytes: &[u8]) -> impl Iterator<Item = char> + '_ {
    char::decode_utf16(
        bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
    )
    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
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

    #[test]
    fn empty_reference_and_out_of_range_offsets_are_errors_not_panics() {
        let (data, _) = cells_of(&[b"abcd"]);
        let cells = Cells::new(&data, 5);
        assert!(
            cells
                .cell(NO_CELL, "x")
                .unwrap_err()
                .detail
                .contains("empty")
        );
        assert!(cells.cell(4096, "x").unwrap_err().detail.contains("beyond"));
        assert!(cells.cell(6, "x").is_err());
        assert_eq!(cells.cell(0, "x").unwrap(), b"abcd");
    }

    #[test]
    fn free_cells_and_cells_past_the_end_are_refused() {
        let mut data = 16i32.to_le_bytes().to_vec();
        data.resize(16, 0);
        data.extend((-64i32).to_le_bytes());
        data.resize(24, 0);
        let cells = Cells::new(&data, 5);
        assert!(
            cells
                .cell(0, "x")
                .unwrap_err()
                .detail
                .contains("not allocated")
        );
        let error = cells.cell(16, "x").unwrap_err();
        assert!(error.detail.contains("runs past"), "{error:?}");
        assert_eq!(error.offset, 4096 + 16);
    }

    #[test]
    fn inline_data_longer_than_four_bytes_is_an_error() {
        let mut vk = b"vk".to_vec();
        vk.extend(0u16.to_le_bytes());
        vk.extend((0x8000_0000u32 | 9).to_le_bytes());
        vk.extend([1, 2, 3, 4]);
        vk.extend(4u32.to_le_bytes());
        vk.extend([0; 4]);
        let (data, offsets) = cells_of(&[&vk]);
        let cells = Cells::new(&data, 5);
        let value = cells.value(offsets[0]).unwrap();
        let mut out = Vec::new();
        let mut budget = Budget::for_data(data.len());
        assert!(cells.value_data(&value, &mut out, &mut budget).is_err());
    }

    #[test]
    fn latin1_names_keep_c1_controls_distinct_from_windows_1252() {
        let name = Name::Latin1(&[0x9F]);
        assert_eq!(name.to_string_lossy(), "\u{9F}");
        assert!(!name.matches("\u{178}"));
        let utf16 = Name::Utf16(&[0x78, 0x01]);
        assert_eq!(utf16.to_string_lossy(), "\u{178}");
        assert!(utf16.matches("\u{FF}"), "ÿ upper-cases to Ÿ");
    }

    #[test]
    fn budget_runs_out() {
        let mut budget = Budget::for_data(0);
        assert!(budget.take_items(64));
        assert!(!budget.take_items(1));
        assert!(!budget.take_items(0) || budget.items == 0);
    }
}
