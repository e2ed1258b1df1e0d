//! A `regf` hive file held in memory, read through nt-hive and tolerant of
//! dirty and damaged files: a hive is used as far as it can be read, and
//! what was tolerated is said.
//!
//! * The base block is checked field by field here ([`HiveFile::open`],
//!   its fields read by [`super::base_block`]) before nt-hive sees it; only a missing signature, a
//!   transaction log's file type or an unreadable root key make a file
//!   unusable. nt-hive's `Hive::new` then validates it; a hive it rejects
//!   only for what is tolerated (dirty sequence numbers, a bad checksum, a
//!   truncated file, an unknown version, format or clustering factor) is
//!   read with `Hive::without_validation`, with a warning for each. A dirty
//!   hive is read as it is by [`HiveFile::open`]; [`HiveFile::open_with_logs`]
//!   first replays its transaction logs ([`super::log`]) and reads the
//!   recovered bytes, or the hive as it is when no log could be applied.
//! * nt-hive only sees bytes it can take: ones starting with a checked base
//!   block (its validation panics on any other signature), cut to the
//!   declared hive bins size (trailing garbage is not hive data), with a
//!   root cell offset other than 0xFFFFFFFF (on which it asserts).
//! * Keys are read by [`super::reader`]: linear scans of subkey lists with
//!   Windows' name comparison, panics contained, work bounded.
//!
//! nt-hive 0.3 panics, rather than returning an error, on:
//!
//! * a base block not starting with `regf` (`Hive::validate` asserts in
//!   `offset_of_field` for a field at offset 0): never handed such bytes;
//! * a cell offset of 0xFFFFFFFF where a cell is needed
//!   (`assert!(data_offset != u32::MAX)` in `cell_range_from_data_offset`):
//!   the header's root offset is checked first; zero-length value data,
//!   which real hives store with that offset, is never asked for; in
//!   subkey lists, index roots, value lists and big-data segment lists
//!   (damaged hives only) the panic is contained ([`super::guard`]);
//! * a referenced cell whose size field is 0 (`cell_size - 4` overflows,
//!   in builds with overflow checks: debug, tests, fuzzing): contained;
//! * `KeyValue::dword_data`/`qword_data` compute an offset from the address
//!   of a local variable (`offset_of_field(&data)`), and `KeyNode::subkey`/
//!   `subpath` use binary search: none of them is called.

use nt_hive::{Hive, NtHiveError};

use super::around::{Bins, describe, file_offset};
use super::base_block::{
    BASE_BLOCK_SIZE, CLUSTERING_FACTOR_AT, HiveHeader, header_checksum, kind_from_name,
    last_component, sniff_regf, stored_checksum, u32_at,
};
use super::guard::contain;
use super::log::{LogDefect, LogOutcome, LogReport, TransactionLog};
use super::reader::Reader;
use super::warning::{HiveWarning, HiveWarningKind};
use super::{HiveData, HiveKind, LookupError, RegKey, WalkControl, WalkSummary, printable};

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

/// What [`HiveFile::open_with_logs`] gives: the hive and its warnings,
/// each with its kind, or why it cannot be read.
pub type OpenedHive = Result<(HiveFile, Vec<HiveWarning>), HiveOpenError>;

/// A hive file held in memory: a buffer of its own, or bytes it shares
/// (a memory-mapped file, kept mapped as long as the hive lives).
pub struct HiveFile {
    origin: String,
    bytes: Box<dyn AsRef<[u8]> + Send + Sync>,
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
        owned: impl AsRef<[u8]> + Send + Sync + 'static,
    ) -> Result<(HiveFile, Vec<String>), HiveOpenError> {
        HiveFile::open_noting(origin.into(), owned, "no logs were applied")
            .map(|(hive, warnings)| (hive, warnings.into_iter().map(|w| w.text).collect()))
    }

    /// Opens a hive after replaying its transaction logs when it is dirty
    /// (see [`super::log::replay`]; the recovered bytes stay within
    /// `max_len`). Returns the hive and its warnings, each with its kind, plus
    /// what was done with each log. When the logs cannot be applied, or the hive
    /// they give cannot be read, the hive is read as it is and the dirty
    /// warning says why.
    pub fn open_with_logs(
        origin: impl Into<String>,
        bytes: impl AsRef<[u8]> + Send + Sync + 'static,
        logs: &[TransactionLog<'_>],
        max_len: usize,
    ) -> (OpenedHive, Vec<LogReport>) {
        let origin = origin.into();
        let replay = super::log::replay(&origin, bytes, logs, max_len);
        let mut reports = replay.logs;
        if let Some(recovered) = replay.recovered {
            match HiveFile::open_noting(origin.clone(), recovered, "") {
                Ok((hive, warnings)) => {
                    // Recovered with new-format entries, every replay
                    // warning is of changes missing after recovery
                    // stopped; recovered with an old-format log, they are
                    // of new-format logs that applied nothing.
                    let by_entries = reports
                        .iter()
                        .any(|r| matches!(r.outcome, LogOutcome::AppliedEntries { .. }));
                    let kind = match by_entries {
                        true => HiveWarningKind::RecoveryStopped,
                        false => HiveWarningKind::Other,
                    };
                    let mut all: Vec<HiveWarning> = (replay.warnings.into_iter())
                        .map(|text| HiveWarning::new(kind, text))
                        .collect();
                    all.extend(warnings);
                    return (Ok((hive, all)), reports);
                }
                Err(error) => {
                    for report in reports.iter_mut().filter(|r| r.applied()) {
                        report.outcome = LogOutcome::NotApplied(LogDefect {
                            file: report.name.clone(),
                            offset: None,
                            detail: format!(
                                "the hive recovered with it cannot be read ({}); the hive is read as it is",
                                error_detail(&error)
                            ),
                        });
                    }
                }
            }
        }
        let reasons: Vec<String> = reports
            .iter()
            .filter_map(|report| match &report.outcome {
                LogOutcome::NotApplied(defect) => Some(defect.to_string()),
                _ => None,
            })
            .collect();
        let note = if reasons.is_empty() {
            "no logs were applied".to_string()
        } else {
            format!("no logs were applied ({})", reasons.join("; "))
        };
        let opened = HiveFile::open_noting(origin, replay.original, &note);
        if opened.is_err() {
            for report in reports.iter_mut() {
                if matches!(report.outcome, LogOutcome::NotNeeded) {
                    report.outcome = LogOutcome::NotApplied(LogDefect {
                        file: report.name.clone(),
                        offset: None,
                        detail: "the hive cannot be read".to_string(),
                    });
                }
            }
        }
        (opened, reports)
    }

    /// [`HiveFile::open`] with typed warnings, `unapplied_logs` saying in
    /// the dirty-hive warning why no log was applied.
    fn open_noting(
        origin: String,
        owned: impl AsRef<[u8]> + Send + Sync + 'static,
        unapplied_logs: &str,
    ) -> OpenedHive {
        let bytes = owned.as_ref();
        let not_a_hive = |detail: String| HiveOpenError::NotAHive {
            file: origin.clone(),
            detail,
        };
        let Some(header) = sniff_regf(bytes) else {
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

        let other = |text: String| HiveWarning::new(HiveWarningKind::Other, text);
        let mut warnings = Vec::new();
        if header.is_dirty() {
            let text = format!(
                "{origin}: dirty hive (sequence numbers {}/{}): changes still in its transaction logs are missing; {unapplied_logs}",
                header.primary_sequence, header.secondary_sequence
            );
            warnings.push(HiveWarning::new(HiveWarningKind::Dirty, text));
        }
        if !header.checksum_ok {
            warnings.push(other(format!(
                "{origin}: the header checksum is wrong (stored {:#010x}, computed {:#010x}); the hive is read anyway",
                stored_checksum(bytes),
                header_checksum(bytes)
            )));
        }
        if header.major_version != 1 || !(2..=6).contains(&header.minor_version) {
            warnings.push(other(format!(
                "{origin}: unknown format version {}.{}; read as a version 1.x hive",
                header.major_version, header.minor_version
            )));
        }
        if header.file_format != 1 {
            warnings.push(other(format!(
                "{origin}: unknown file format {} in the header (expected 1); read anyway",
                header.file_format
            )));
        }
        let available = bytes.len() - BASE_BLOCK_SIZE;
        let declared = header.hive_bins_size as usize;
        let data_len = if declared == 0 || declared % 4096 != 0 {
            warnings.push(other(format!(
                "{origin}: the header's hive bins size {declared} is not a positive multiple of 4096; using the {available} bytes the file holds"
            )));
            available
        } else if declared > available {
            warnings.push(other(format!(
                "{origin}: truncated hive: the header declares {declared} bytes of hive bins but the file holds only {available}; reading what is there"
            )));
            available
        } else {
            declared
        };

        let clustering_factor = u32_at(bytes, CLUSTERING_FACTOR_AT);
        if clustering_factor != 1 {
            warnings.push(other(format!(
                "{origin}: unknown clustering factor {clustering_factor} in the header (expected 1); read anyway"
            )));
        }

        let hive = HiveFile {
            origin,
            bytes: Box::new(owned),
            header,
            data_end: BASE_BLOCK_SIZE + data_len,
        };
        let unreadable = |hive: HiveFile, detail: String| HiveOpenError::Unreadable {
            file: hive.origin,
            detail,
        };
        // nt-hive's own validation: it may only fail on what the warnings
        // above already say (validation stops at the first failure, so the
        // warnings come from the checks above, not from nt-hive).
        match contain(|| Hive::new(hive.hive_bytes()).map(|_| ())) {
            Ok(Ok(())) => {}
            Ok(Err(error)) if tolerated(&error) => {}
            Ok(Err(error)) => {
                let damage = describe(&error, hive.data_end - BASE_BLOCK_SIZE);
                return Err(unreadable(hive, damage.detail));
            }
            Err(panic) => return Err(unreadable(hive, panic.describe())),
        }
        let root = hive.with_reader(|reader| Ok(reader.root().map(|_| ())));
        match root {
            Ok(Ok(())) => Ok((hive, warnings)),
            Ok(Err(damage)) => {
                let at = damage
                    .offset
                    .unwrap_or(file_offset(hive.header.root_cell_offset));
                let detail = format!("root key (at byte offset {at:#x}): {}", damage.detail);
                Err(unreadable(hive, detail))
            }
            Err(error) => Err(unreadable(hive, error.detail)),
        }
    }

    pub fn header(&self) -> &HiveHeader {
        &self.header
    }

    /// The bytes nt-hive reads: the base block and the hive bins data.
    fn hive_bytes(&self) -> &[u8] {
        &(*self.bytes).as_ref()[..self.data_end]
    }

    /// Runs `read` with a [`Reader`] over this hive.
    fn with_reader<T>(
        &self,
        read: impl for<'h> FnOnce(&Reader<'h>) -> Result<T, LookupError>,
    ) -> Result<T, LookupError> {
        // `open` made sure the bytes hold a whole base block.
        let hive = Hive::without_validation(self.hive_bytes()).map_err(|error| LookupError {
            file: self.origin.clone(),
            key_path: String::new(),
            offset: None,
            detail: describe(&error, 0).detail,
        })?;
        let reader = Reader::new(
            &self.origin,
            &hive,
            Bins::new(&self.hive_bytes()[BASE_BLOCK_SIZE..]),
            self.header.minor_version,
            self.header.root_cell_offset,
        );
        read(&reader)
    }

    /// Visits the key at `path` and every key below it, depth first, a key
    /// before its subkeys, subkeys in stored order. The [`RegKey`] handed to
    /// the visitor is reused from key to key (copy what you keep). Bounded:
    /// a key reached twice (a cycle or a shared list) is not walked again,
    /// depth stops at [`super::MAX_WALK_DEPTH`], and total work at what the
    /// hive's size allows; each such stop is a problem in the summary.
    pub fn walk_keys(
        &self,
        path: &str,
        visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
    ) -> Result<Option<WalkSummary>, LookupError> {
        self.with_reader(|reader| reader.walk(path, visitor))
    }

    /// Identifies a hive from its first bytes alone, when they hold all
    /// that [`HiveFile::identify`] reads (the root key, its subkey list and
    /// subkeys, and `SAM\Domains` when there is a `SAM`), so the answer is
    /// the one the whole file would give. `None` when they do not, or are
    /// not a readable hive: then the whole file must be read. This lets a
    /// hive no rule needs be passed over without inflating all of it.
    pub fn identify_from_prefix(
        entry_name: &str,
        prefix: impl AsRef<[u8]> + Send + Sync + 'static,
    ) -> Option<HiveIdentification> {
        let (hive, _) = HiveFile::open(entry_name, prefix).ok()?;
        let root = hive.read_key("").ok()??;
        if !root.problems.is_empty() {
            return None;
        }
        hive.read_key("SAM\\Domains").ok()?;
        Some(hive.identify(entry_name))
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

/// An open error's detail, without the file name the caller already shows.
fn error_detail(error: &HiveOpenError) -> &str {
    match error {
        HiveOpenError::NotAHive { detail, .. } | HiveOpenError::Unreadable { detail, .. } => detail,
    }
}

/// Whether nt-hive's validation failed only on what `open` tolerates (and
/// has warned about), or on what `open` has already refused.
fn tolerated(error: &NtHiveError) -> bool {
    matches!(
        error,
        NtHiveError::SequenceNumberMismatch { .. }
            | NtHiveError::InvalidChecksum { .. }
            | NtHiveError::UnsupportedVersion { .. }
            | NtHiveError::UnsupportedFileFormat { .. }
            | NtHiveError::UnsupportedClusteringFactor { .. }
            // The hive bins size: not a multiple of 4096, or past the end.
            | NtHiveError::InvalidSizeFieldAlignment { offset: 0x28, .. }
            | NtHiveError::InvalidSizeField { offset: 0x28, .. }
    )
}

/// `ControlSet` followed by three digits.
fn is_control_set_name(name: &str) -> bool {
    name.len() == 13
        && name.is_char_boundary(10)
        && name[..10].eq_ignore_ascii_case("ControlSet")
        && name[10..].bytes().all(|b| b.is_ascii_digit())
}

/// The hive kind an entry's file name suggests (`Reg/system.hiv`,
/// `Machine_System.dat`, `SAM`), for messages about a hive that could not
/// be read far enough to identify it.
pub fn kind_from_entry_name(entry_name: &str) -> Option<HiveKind> {
    kind_from_name(last_component(entry_name))
}

impl HiveData for HiveFile {
    fn origin(&self) -> &str {
        &self.origin
    }

    fn read_key(&self, path: &str) -> Result<Option<RegKey>, LookupError> {
        self.with_reader(|reader| {
            let mut budget = reader.budget();
            let Some((node, offset, stored_path)) = reader.resolve(path, &mut budget)? else {
                return Ok(None);
            };
            let mut key = RegKey {
                path: stored_path,
                ..RegKey::default()
            };
            let mut spare = Default::default();
            reader.fill_key(
                &node,
                offset,
                &mut key,
                &mut Vec::new(),
                &mut budget,
                &mut spare,
            )?;
            Ok(Some(key))
        })
    }

    fn walk(
        &self,
        path: &str,
        visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
    ) -> Result<Option<WalkSummary>, LookupError> {
        self.walk_keys(path, visitor)
    }
    fn value_data_offset(&self, path: &str, name: &str) -> Option<u64> {
        self.with_reader(|reader| Ok(reader.value_data_offset(path, name)))
            .ok()
            .flatten()
    }
}

/// A hive shared between the registry view and `query`'s list of every
/// hive of a bundle: every method forwards to the hive itself (a method
/// left to its default here would silently answer less, as the SAM's
/// record offsets once did).
impl HiveData for std::sync::Arc<HiveFile> {
    fn origin(&self) -> &str {
        HiveData::origin(&**self)
    }

    fn read_key(&self, path: &str) -> Result<Option<RegKey>, LookupError> {
        HiveData::read_key(&**self, path)
    }

    fn lists_in_full(&self, path: &str) -> bool {
        HiveData::lists_in_full(&**self, path)
    }

    fn value_data_offset(&self, path: &str, name: &str) -> Option<u64> {
        HiveData::value_data_offset(&**self, path, name)
    }

    fn walk(
        &self,
        path: &str,
        visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
    ) -> Result<Option<WalkSummary>, LookupError> {
        HiveData::walk(&**self, path, visitor)
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
        assert_eq!(super::super::printable("testnew\r\nne"), "testnew\\r\\nne");
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
