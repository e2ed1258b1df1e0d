//! A `regf` hive file held in memory, tolerant of dirty and damaged files:
//! a hive is used as far as it can be read, and what was tolerated is said.
//!
//! * The base block is checked field by field ([`HiveFile::open`]); only a
//!   missing signature, a transaction log's file type or an unreadable root
//!   key make a file unusable. A dirty hive (sequence numbers differ) is read
//!   as it is with a warning; a caller that replays the transaction logs
//!   passes the patched bytes (with equal sequence numbers) to `open` instead.
//! * Keys are found by scanning subkey lists linearly and comparing names
//!   the way Windows does, so unsorted lists (which defeat binary search)
//!   still work.
//! * A value or subkey that cannot be read becomes a problem of its key; the
//!   rest of the key is still returned. A lookup that fails to find a name
//!   while some sibling entries were unreadable is an error, not "missing".

use super::cells::{BASE_BLOCK_SIZE, Budget, CellError, Cells, KeyNode, Name, file_offset};
use super::{
    HiveData, HiveKind, LookupError, MAX_WALK_DEPTH, RegKey, RegValue, WalkControl, WalkSummary,
    printable,
};

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
}

/// Offset of the checksum field; it covers the bytes before it.
const CHECKSUM_OFFSET: usize = 508;

/// The XOR-32 checksum of the first 508 bytes, adjusted the way Windows
/// does (0 becomes 1 and 0xFFFFFFFF becomes 0xFFFFFFFE).
fn header_checksum(block: &[u8]) -> u32 {
    let sum = block[..CHECKSUM_OFFSET]
        .chunks_exact(4)
        .fold(0u32, |acc, d| {
            acc ^ u32::from_le_bytes([d[0], d[1], d[2], d[3]])
        });
    match sum {
        0 => 1,
        u32::MAX => u32::MAX - 1,
        other => other,
    }
}

fn stored_checksum(block: &[u8]) -> u32 {
    let d = &block[CHECKSUM_OFFSET..CHECKSUM_OFFSET + 4];
    u32::from_le_bytes([d[0], d[1], d[2], d[3]])
}

/// Reads the base block of a `regf` file from its first bytes (at least
/// 512 for the fields and the checksum, which covers the first 508 bytes;
/// missing bytes read as zero and the checksum as bad). `None` when the
/// bytes do not start with `regf`.
pub fn sniff_regf(prefix: &[u8]) -> Option<HiveHeader> {
    if !prefix.starts_with(b"regf") {
        return None;
    }
    let mut block = [0u8; 512];
    let available = prefix.len().min(block.len());
    block[..available].copy_from_slice(&prefix[..available]);
    let u32_at =
        |at: usize| u32::from_le_bytes([block[at], block[at + 1], block[at + 2], block[at + 3]]);
    let units = block[0x30..0x70]
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .take_while(|&unit| unit != 0);
    let file_name = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Some(HiveHeader {
        primary_sequence: u32_at(4),
        secondary_sequence: u32_at(8),
        last_written: u64::from(u32_at(12)) | (u64::from(u32_at(16)) << 32),
        major_version: u32_at(20),
        minor_version: u32_at(24),
        file_type: u32_at(28),
        file_format: u32_at(32),
        root_cell_offset: u32_at(36),
        hive_bins_size: u32_at(40),
        file_name,
        checksum_ok: available == block.len() && stored_checksum(&block) == header_checksum(&block),
    })
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
    /// End of the hive bins data used: the declared size, or the end of the
    /// file when it is shorter (trailing bytes past the declared size are
    /// not hive data).
    data_end: usize,
}

impl HiveFile {
    /// Opens a hive. Dirty or slightly damaged hives are accepted; what was
    /// tolerated comes back as warnings for the report's `errors`.
    pub fn open(
        origin: impl Into<String>,
        bytes: Vec<u8>,
    ) -> Result<(HiveFile, Vec<String>), HiveOpenError> {
        let origin = origin.into();
        let not_a_hive = |detail: String| HiveOpenError::NotAHive {
            file: origin.clone(),
            detail,
        };
        let Some(header) = sniff_regf(&bytes) else {
            let shown = &bytes[..bytes.len().min(4)];
            return Err(not_a_hive(format!(
                "it does not start with the signature \"regf\" (first bytes {})",
                super::hex(shown)
            )));
        };
        match header.file_type {
            0 => {}
            1 => {
                return Err(not_a_hive(
                    "file type 1: this is a transaction log (old format), not a hive".into(),
                ));
            }
            6 => {
                return Err(not_a_hive(
                    "file type 6: this is a transaction log (new format), not a hive".into(),
                ));
            }
            other => {
                return Err(not_a_hive(format!(
                    "file type {other} is not that of a primary hive file (0)"
                )));
            }
        }
        if bytes.len() < BASE_BLOCK_SIZE {
            return Err(HiveOpenError::Unreadable {
                file: origin,
                detail: format!(
                    "the file has {} bytes, less than the 4096-byte base block",
                    bytes.len()
                ),
            });
        }

        let mut warnings = Vec::new();
        if header.is_dirty() {
            warnings.push(format!(
                "{origin}: dirty hive (sequence numbers {}/{}): changes still in its transaction logs are missing; no logs were applied",
                header.primary_sequence, header.secondary_sequence
            ));
        }
        if !header.checksum_ok {
            warnings.push(format!(
                "{origin}: the header checksum is wrong (stored {:#010x}, computed {:#010x}); the hive is read anyway",
                stored_checksum(&bytes),
                header_checksum(&bytes)
            ));
        }
        if header.major_version != 1 || !(2..=6).contains(&header.minor_version) {
            warnings.push(format!(
                "{origin}: unknown format version {}.{}; read as a version 1.x hive",
                header.major_version, header.minor_version
            ));
        }
        if header.file_format != 1 {
            warnings.push(format!(
                "{origin}: unknown file format {} in the header (expected 1); read anyway",
                header.file_format
            ));
        }
        let available = bytes.len() - BASE_BLOCK_SIZE;
        let declared = header.hive_bins_size as usize;
        let data_len = if declared == 0 || declared % 4096 != 0 {
            warnings.push(format!(
                "{origin}: the header's hive bins size {declared} is not a positive multiple of 4096; using the {available} bytes the file holds"
            ));
            available
        } else if declared > available {
            warnings.push(format!(
                "{origin}: truncated hive: the header declares {declared} bytes of hive bins but the file holds only {available}; reading what is there"
            ));
            available
        } else {
            declared
        };

        let hive = HiveFile {
            origin,
            bytes,
            header,
            data_end: BASE_BLOCK_SIZE + data_len,
        };
        if let Err(error) = hive.cells().key_node(hive.header.root_cell_offset) {
            return Err(HiveOpenError::Unreadable {
                file: hive.origin,
                detail: format!(
                    "root key (at byte offset {:#x}): {}",
                    error.offset, error.detail
                ),
            });
        }
        Ok((hive, warnings))
    }

    pub fn header(&self) -> &HiveHeader {
        &self.header
    }

    fn cells(&self) -> Cells<'_> {
        Cells::new(
            &self.bytes[BASE_BLOCK_SIZE..self.data_end],
            self.header.minor_version,
        )
    }

    fn lookup_error(&self, key_path: &str, error: CellError) -> LookupError {
        LookupError {
            file: self.origin.clone(),
            key_path: key_path.to_string(),
            offset: Some(error.offset),
            detail: error.detail,
        }
    }

    fn root(&self) -> Result<KeyNode<'_>, LookupError> {
        self.cells()
            .key_node(self.header.root_cell_offset)
            .map_err(|e| self.lookup_error("", e))
    }

    /// Finds the key at `path`; returns it with its path as stored.
    fn resolve(
        &self,
        path: &str,
        budget: &mut Budget,
    ) -> Result<Option<(KeyNode<'_>, String)>, LookupError> {
        let cells = self.cells();
        let mut node = self.root()?;
        let mut stored_path = String::new();
        let mut offsets = Vec::new();
        let mut problems = Vec::new();
        for component in path.split('\\').filter(|c| !c.is_empty()) {
            offsets.clear();
            problems.clear();
            cells
                .subkey_offsets(&node, &mut offsets, &mut problems, budget)
                .map_err(|e| self.lookup_error(path, e))?;
            let mut found = None;
            for &offset in &offsets {
                let child = match cells.subkey_node(offset, &node) {
                    Ok(child) => child,
                    Err(error) => {
                        problems.push(error);
                        continue;
                    }
                };
                match child.name() {
                    Ok(name) if name.matches(component) => {
                        found = Some((child, name));
                        break;
                    }
                    Ok(_) => {}
                    Err(error) => problems.push(error),
                }
            }
            let Some((child, name)) = found else {
                if let Some(first) = problems.first() {
                    let parent = if stored_path.is_empty() {
                        "the root key".to_string()
                    } else {
                        format!("'{}'", printable(&stored_path))
                    };
                    return Err(LookupError {
                        file: self.origin.clone(),
                        key_path: path.to_string(),
                        offset: Some(first.offset),
                        detail: format!(
                            "no readable subkey '{}' under {parent}, and {} of its subkey entries could not be read (first: {})",
                            printable(component),
                            problems.len(),
                            first.detail
                        ),
                    });
                }
                return Ok(None);
            };
            if !stored_path.is_empty() {
                stored_path.push('\\');
            }
            name.push_to(&mut stored_path);
            node = child;
        }
        Ok(Some((node, stored_path)))
    }

    /// Fills `key` (reusing its buffers) with the key node's values and
    /// subkey names; `children` receives the offsets of readable subkeys.
    fn fill_key(
        &self,
        node: &KeyNode<'_>,
        key: &mut RegKey,
        children: &mut Vec<u32>,
        scratch: &mut Scratch,
        budget: &mut Budget,
    ) -> Result<(), LookupError> {
        let cells = self.cells();
        key.last_written = Some(node.last_written());
        key.problems.clear();
        scratch.problems.clear();

        cells
            .value_offsets(node, &mut scratch.offsets, &mut scratch.problems, budget)
            .map_err(|e| self.lookup_error(&key.path, e))?;
        for problem in scratch.problems.drain(..) {
            key.problems.push(LookupError {
                file: self.origin.clone(),
                key_path: key.path.clone(),
                offset: Some(problem.offset),
                detail: format!("values: {}", problem.detail),
            });
        }
        let mut kept = 0;
        for (index, &offset) in scratch.offsets.iter().enumerate() {
            let record = match cells.value(offset) {
                Ok(record) => record,
                Err(error) => {
                    key.problems
                        .push(self.value_problem(&key.path, index, None, error));
                    continue;
                }
            };
            let name = match record.name() {
                Ok(name) => name,
                Err(error) => {
                    key.problems
                        .push(self.value_problem(&key.path, index, None, error));
                    continue;
                }
            };
            if kept == key.values.len() {
                key.values.push(RegValue::new("", 0, Vec::new()));
            }
            let slot = &mut key.values[kept];
            slot.name.clear();
            name.push_to(&mut slot.name);
            slot.type_code = record.type_code();
            match cells.value_data(&record, &mut slot.raw, budget) {
                Ok(()) => kept += 1,
                Err(error) => {
                    let name = slot.name.clone();
                    key.problems
                        .push(self.value_problem(&key.path, index, Some(&name), error));
                }
            }
        }
        key.values.truncate(kept);

        scratch.problems.clear();
        cells
            .subkey_offsets(node, &mut scratch.offsets, &mut scratch.problems, budget)
            .map_err(|e| self.lookup_error(&key.path, e))?;
        for problem in scratch.problems.drain(..) {
            key.problems.push(LookupError {
                file: self.origin.clone(),
                key_path: key.path.clone(),
                offset: Some(problem.offset),
                detail: format!("subkeys: {}", problem.detail),
            });
        }
        children.clear();
        let mut named = 0;
        for (index, &offset) in scratch.offsets.iter().enumerate() {
            let name = cells
                .subkey_node(offset, node)
                .and_then(|child| child.name());
            match name {
                Ok(name) => {
                    if named == key.subkeys.len() {
                        key.subkeys.push(String::new());
                    }
                    let slot = &mut key.subkeys[named];
                    slot.clear();
                    name.push_to(slot);
                    if slot.is_empty() || slot.contains('\\') {
                        // Windows allows neither; no path could name it.
                        let problem = format!(
                            "subkey #{index}: its name '{}' is empty or holds a backslash, so no path reaches it; not read",
                            printable(slot)
                        );
                        key.problems.push(LookupError {
                            file: self.origin.clone(),
                            key_path: key.path.clone(),
                            offset: Some(file_offset(offset)),
                            detail: problem,
                        });
                        continue;
                    }
                    named += 1;
                    children.push(offset);
                }
                Err(error) => key.problems.push(LookupError {
                    file: self.origin.clone(),
                    key_path: key.path.clone(),
                    offset: Some(error.offset),
                    detail: format!("subkey #{index}: {}", error.detail),
                }),
            }
        }
        key.subkeys.truncate(named);
        self.drop_duplicate_subkeys(key, children);
        Ok(())
    }

    /// Windows never stores two subkeys with one name; a damaged hive may.
    /// Lookups find the first, so the walk and `subkeys` keep only the
    /// first too (the others become problems) and every listed path reads
    /// back. Sorted lists (the normal case) prove there are none cheaply.
    fn drop_duplicate_subkeys(&self, key: &mut RegKey, children: &mut Vec<u32>) {
        let strictly_sorted = key
            .subkeys
            .windows(2)
            .all(|pair| compare_names(&pair[0], &pair[1]) == std::cmp::Ordering::Less);
        if strictly_sorted {
            return;
        }
        let mut seen = std::collections::HashSet::with_capacity(key.subkeys.len());
        let mut keep = Vec::with_capacity(key.subkeys.len());
        for (index, name) in key.subkeys.iter().enumerate() {
            let folded: String = name.chars().map(super::upcase).collect();
            let first = seen.insert(folded);
            if !first {
                key.problems.push(LookupError {
                    file: self.origin.clone(),
                    key_path: key.path.clone(),
                    offset: Some(file_offset(children[index])),
                    detail: format!(
                        "subkeys: a second subkey named '{}'; only the first is read",
                        printable(name)
                    ),
                });
            }
            keep.push(first);
        }
        let mut flags = keep.iter();
        key.subkeys.retain(|_| *flags.next().unwrap_or(&true));
        let mut flags = keep.iter();
        children.retain(|_| *flags.next().unwrap_or(&true));
    }

    fn value_problem(
        &self,
        key_path: &str,
        index: usize,
        name: Option<&str>,
        error: CellError,
    ) -> LookupError {
        let which = match name {
            Some(name) => super::value_problem_prefix(name),
            None => format!("value #{index}: "),
        };
        LookupError {
            file: self.origin.clone(),
            key_path: key_path.to_string(),
            offset: Some(error.offset),
            detail: format!("{which}{}", error.detail),
        }
    }

    /// Visits the key at `path` and every key below it, depth first, a key
    /// before its subkeys, subkeys in stored order. The [`RegKey`] handed to
    /// the visitor is reused from key to key (copy what you keep). Bounded:
    /// a key reached twice (a cycle or a shared list) is not walked again,
    /// depth stops at [`MAX_WALK_DEPTH`], and total work at what the hive's
    /// size allows; each such stop is a problem in the summary.
    pub fn walk_keys(
        &self,
        path: &str,
        visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
    ) -> Result<Option<WalkSummary>, LookupError> {
        let cells = self.cells();
        let mut budget = Budget::for_data(cells.len());
        let Some((start, start_path)) = self.resolve(path, &mut budget)? else {
            return Ok(None);
        };
        // One bit per 4 bytes of hive bins data: cells are 8-aligned.
        let mut visited = vec![0u64; cells.len() / 4 / 64 + 1];
        let mut mark = |offset: u32| -> bool {
            let bit = offset as usize / 4;
            let (word, mask) = (bit / 64, 1u64 << (bit % 64));
            let fresh = visited[word] & mask == 0;
            visited[word] |= mask;
            fresh
        };

        struct Frame {
            children: Vec<u32>,
            next: usize,
            path_len: usize,
        }
        let mut frames: Vec<Frame> = Vec::new();
        let mut spare: Vec<Vec<u32>> = Vec::new();
        let mut summary = WalkSummary::default();
        let mut key = RegKey {
            path: start_path,
            ..RegKey::default()
        };
        let mut scratch = Scratch::default();
        let mut node = start;
        mark(node.offset());

        loop {
            // Visit `node`, whose path is in `key.path`.
            let mut children = spare.pop().unwrap_or_default();
            if let Err(error) =
                self.fill_key(&node, &mut key, &mut children, &mut scratch, &mut budget)
            {
                summary.problems.push(error);
                summary.stopped = true;
                return Ok(Some(summary));
            }
            summary.keys += 1;
            match visitor(&key) {
                WalkControl::Stop => {
                    summary.stopped = true;
                    return Ok(Some(summary));
                }
                WalkControl::SkipSubkeys => spare.push(children),
                WalkControl::Continue if children.is_empty() => spare.push(children),
                WalkControl::Continue if frames.len() >= MAX_WALK_DEPTH => {
                    summary.problems.push(LookupError {
                        file: self.origin.clone(),
                        key_path: key.path.clone(),
                        offset: Some(node.file_offset()),
                        detail: format!(
                            "subkeys deeper than {MAX_WALK_DEPTH} levels were not walked"
                        ),
                    });
                    spare.push(children);
                }
                WalkControl::Continue => frames.push(Frame {
                    children,
                    next: 0,
                    path_len: key.path.len(),
                }),
            }

            // Find the next key to visit.
            let next = loop {
                let Some(frame) = frames.last_mut() else {
                    return Ok(Some(summary));
                };
                let Some(&offset) = frame.children.get(frame.next) else {
                    let done = frames.pop().map(|f| f.children).unwrap_or_default();
                    spare.push(done);
                    continue;
                };
                frame.next += 1;
                key.path.truncate(frame.path_len);
                if !mark(offset) {
                    summary.problems.push(LookupError {
                        file: self.origin.clone(),
                        key_path: key.path.clone(),
                        offset: Some(file_offset(offset)),
                        detail: "a subkey is reached a second time (a cycle or a shared list); it is not walked again".into(),
                    });
                    continue;
                }
                // fill_key kept only children whose node and name read.
                let Ok(child) = cells.key_node(offset) else {
                    continue;
                };
                let Ok(name) = child.name() else { continue };
                break (child, name);
            };
            let (child, name): (KeyNode<'_>, Name<'_>) = next;
            if !key.path.is_empty() {
                key.path.push('\\');
            }
            name.push_to(&mut key.path);
            node = child;
        }
    }

    /// Decides SYSTEM / SOFTWARE / SAM / SECURITY from the root keys and the
    /// header's name field; `entry_name` is only a hint.
    pub fn identify(&self, entry_name: &str) -> HiveIdentification {
        let root = match self.read_key("") {
            Ok(Some(root)) => root,
            Ok(None) | Err(_) => RegKey::default(),
        };
        let has = |name: &str| root.subkeys.iter().any(|k| super::names_equal(k, name));
        let control_sets: Vec<&str> = root
            .subkeys
            .iter()
            .map(String::as_str)
            .filter(|k| is_control_set_name(k))
            .collect();

        let mut structural: Vec<(HiveKind, String)> = Vec::new();
        if has("Select") && !control_sets.is_empty() {
            structural.push((
                HiveKind::System,
                format!("root keys Select, {}", control_sets.join(", ")),
            ));
        }
        if has("Microsoft") {
            let what = if has("Classes") {
                "root keys Microsoft, Classes"
            } else {
                "root key Microsoft"
            };
            structural.push((HiveKind::Software, what.to_string()));
        }
        if matches!(self.read_key("SAM\\Domains"), Ok(Some(_))) {
            structural.push((HiveKind::Sam, "key SAM\\Domains".to_string()));
        }
        if has("Policy") {
            structural.push((HiveKind::Security, "root key Policy".to_string()));
        }

        let header_name = printable(&self.header.file_name);
        let entry_shown = printable(entry_name);
        let header_kind = kind_from_name(last_component(&self.header.file_name));
        let hint_kind = kind_from_name(last_component(entry_name));
        let header_note = match header_kind {
            Some(kind) => format!("header name \"{header_name}\" ({kind})"),
            None if header_name.is_empty() => "empty header name".to_string(),
            None => format!("header name \"{header_name}\" (no hive name)"),
        };
        let hint_note = match hint_kind {
            Some(kind) => format!("entry name \"{entry_shown}\" suggests {kind}"),
            None => format!("entry name \"{entry_shown}\" names no hive"),
        };

        let decided = match structural.as_slice() {
            [(kind, why)] => Some((*kind, format!("{why} ({kind} structure)"))),
            [] => None,
            several => {
                let kinds: Vec<String> =
                    several.iter().map(|(k, w)| format!("{w} ({k})")).collect();
                let pick = [header_kind, hint_kind]
                    .into_iter()
                    .flatten()
                    .find(|wanted| several.iter().any(|(k, _)| k == wanted));
                match pick {
                    Some(kind) => Some((
                        kind,
                        format!(
                            "root keys fit several hives: {}; the names decide",
                            kinds.join("; ")
                        ),
                    )),
                    None => {
                        return HiveIdentification {
                            kind: None,
                            reason: format!(
                                "root keys fit several hives: {}; {header_note}; {hint_note}",
                                kinds.join("; ")
                            ),
                        };
                    }
                }
            }
        };
        match decided {
            Some((kind, why)) => {
                let agreement = match header_kind {
                    Some(h) if h != kind => format!("; {header_note} disagrees"),
                    _ => format!("; {header_note}"),
                };
                let hint = match hint_kind {
                    Some(h) if h != kind => format!("; {hint_note}, ignored"),
                    _ => String::new(),
                };
                HiveIdentification {
                    kind: Some(kind),
                    reason: format!("{why}{agreement}{hint}"),
                }
            }
            None => {
                let roots = if root.subkeys.is_empty() {
                    "no root subkeys".to_string()
                } else {
                    let shown: Vec<_> = root.subkeys.iter().take(8).map(|k| printable(k)).collect();
                    let more = if root.subkeys.len() > shown.len() {
                        ", ..."
                    } else {
                        ""
                    };
                    format!("root keys {}{more}", shown.join(", "))
                };
                match header_kind {
                    Some(kind) => HiveIdentification {
                        kind: Some(kind),
                        reason: format!(
                            "{header_note}; the structure does not say ({roots}); {hint_note}"
                        ),
                    },
                    None => HiveIdentification {
                        kind: None,
                        reason: format!(
                            "neither the structure ({roots}) nor the {header_note} names a machine hive; {hint_note}, which alone does not decide"
                        ),
                    },
                }
            }
        }
    }
}

/// Reused buffers for reading keys.
#[derive(Default)]
struct Scratch {
    offsets: Vec<u32>,
    problems: Vec<CellError>,
}

/// Orders names the way subkey lists are sorted: by upper-cased characters.
fn compare_names(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a
            .bytes()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.bytes().map(|c| c.to_ascii_uppercase()));
    }
    a.chars()
        .map(super::upcase)
        .cmp(b.chars().map(super::upcase))
}

/// `ControlSet` followed by three digits.
fn is_control_set_name(name: &str) -> bool {
    name.len() == 13
        && name.is_char_boundary(10)
        && name[..10].eq_ignore_ascii_case("ControlSet")
        && name[10..].bytes().all(|b| b.is_ascii_digit())
}

/// The last component of a path in either separator.
fn last_component(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// `SYSTEM`, `system.hiv`, `software.sav`, `Machine_System.dat` -> a kind.
fn kind_from_name(name: &str) -> Option<HiveKind> {
    let stem = name.split('.').next().unwrap_or(name);
    HiveKind::from_name(stem).or_else(|| {
        // Collectors prefix the hive name (`Machine_System`).
        let tail = stem.rsplit(['_', '-', ' ']).next()?;
        (tail.len() < stem.len()).then(|| HiveKind::from_name(tail))?
    })
}

impl HiveData for HiveFile {
    fn origin(&self) -> &str {
        &self.origin
    }

    fn read_key(&self, path: &str) -> Result<Option<RegKey>, LookupError> {
        let mut budget = Budget::for_data(self.cells().len());
        let Some((node, stored_path)) = self.resolve(path, &mut budget)? else {
            return Ok(None);
        };
        let mut key = RegKey {
            path: stored_path,
            ..RegKey::default()
        };
        let mut children = Vec::new();
        self.fill_key(
            &node,
            &mut key,
            &mut children,
            &mut Scratch::default(),
            &mut budget,
        )?;
        Ok(Some(key))
    }

    fn walk(
        &self,
        path: &str,
        visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
    ) -> Result<Option<WalkSummary>, LookupError> {
        self.walk_keys(path, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_needs_the_signature() {
        assert!(sniff_regf(b"").is_none());
        assert!(sniff_regf(b"REGF").is_none());
        let header = sniff_regf(b"regf").unwrap();
        assert!(!header.checksum_ok, "a 4-byte prefix cannot be checked");
    }

    #[test]
    fn entry_names_map_to_kinds() {
        assert_eq!(kind_from_name("system.hiv"), Some(HiveKind::System));
        assert_eq!(kind_from_name("Machine_System.dat"), Some(HiveKind::System));
        assert_eq!(kind_from_name("software.sav"), Some(HiveKind::Software));
        assert_eq!(kind_from_name("SAM"), Some(HiveKind::Sam));
        assert_eq!(kind_from_name("NTUSER.DAT"), None);
        assert_eq!(kind_from_name(""), None);
        assert_eq!(
            last_component("emRoot\\System32\\Config\\SECURITY"),
            "SECURITY"
        );
        assert_eq!(
            last_component("Reg/Machine_System.dat"),
            "Machine_System.dat"
        );
    }

    #[test]
    fn printable_escapes_control_characters_only() {
        assert_eq!(
            super::super::printable("testnew\r\nne"),
            "testnew\\u{d}\\u{a}ne"
        );
        assert_eq!(super::super::printable("Привет"), "Привет");
    }

    #[test]
    fn control_set_names() {
        assert!(is_control_set_name("ControlSet001"));
        assert!(is_control_set_name("controlset002"));
        assert!(!is_control_set_name("ControlSet01"));
        assert!(!is_control_set_name("CurrentControlSet"));
        assert!(!is_control_set_name("ControlSetééé"));
    }

    #[test]
    fn open_refuses_logs_and_non_hives_and_short_files() {
        let err = HiveFile::open("x", b"MZ\x90\x00".to_vec()).err().unwrap();
        assert!(matches!(err, HiveOpenError::NotAHive { .. }), "{err}");
        let mut log = vec![0u8; 4096];
        log[..4].copy_from_slice(b"regf");
        log[28] = 1;
        let err = HiveFile::open("SYSTEM.LOG", log).err().unwrap();
        assert!(err.to_string().contains("transaction log"), "{err}");
        let err = HiveFile::open("short", b"regf\0\0\0\0".to_vec())
            .err()
            .unwrap();
        assert!(matches!(err, HiveOpenError::Unreadable { .. }), "{err}");
        assert!(err.to_string().starts_with("short: "), "{err}");
    }
}
