//! Transaction logs: replaying a dirty hive's last writes in memory before
//! nt-hive reads it (nt-hive applies no logs). [`replay`] takes the
//! primary file's bytes and the logs found beside it, and returns the
//! recovered bytes with what was done with each log.
//!
//! What of the format is confirmed, and by what (Maxim Suhanov's "Windows
//! registry file format specification", *spec* below; the corpus files
//! Windows wrote and recovered itself, *corpus*; *yarp*: the recovery of
//! yarp, the spec author's own parser, `RegistryFile.PrimaryFile`, run on
//! the same files outside this repository, with its results recorded in
//! `tests/registry_logs.rs`):
//!
//! * A hive is dirty when its base block checksum is wrong or its two
//!   sequence numbers differ; a clean hive's logs are ignored, even when
//!   they hold later entries (spec). So a clean hive is never changed here.
//! * Every log starts with a copy of the hive's base block (the first 512
//!   bytes at least) with the file type set to 1 (old format) or 6 (new
//!   format) and its own checksum (spec; corpus: both formats).
//! * Old format (NT 4.0 to Windows 8; `old_format.rs`): the log's base block
//!   must have a correct checksum and equal sequence numbers, and its
//!   last-written time must equal the primary's (spec; when the primary's
//!   base block is damaged the spec names the first hive bin's time
//!   instead, but in the corpus's `BadBaseBlockHive` only the damaged base
//!   block's own time field matches, so either is accepted); a `DIRT`
//!   signature and a
//!   bitmap of one bit per 512-byte page of the hive bins data (its length
//!   from the log's hive bins size) start at the second sector; the dirty
//!   pages follow from the next sector boundary, in bitmap order (spec;
//!   corpus `OldDirtyHive`: recovered trees equal Windows 7's; yarp: the
//!   whole recovered files of `OldDirtyHive` and `BadBaseBlockHive` equal
//!   its own).
//! * New format (Windows 8.1 and later; `new_format.rs`): `HvLE` entries
//!   from offset 512, each a multiple of 512 bytes long, with a sequence
//!   number, the hive bins size, page references (offset, size) and the
//!   pages; Hash-1 (Marvin32 of everything after the 40-byte header) and
//!   Hash-2 (Marvin32 of the first 32 bytes) with the seed in
//!   [`marvin::LOG_ENTRY_SEED`] (spec; corpus: every entry of
//!   `NewDirtyHive1`).
//! * Which new-format entries are applied (see `new_format.rs`): each log
//!   holds one run of consecutive entries starting at its base block's
//!   sequence number; the run that starts first is applied when it starts
//!   at or *after* the hive's secondary sequence number, then the other
//!   when it continues it; with a damaged hive base block only the later
//!   run (spec, "missing log entries for a dirty primary file"; yarp's
//!   `apply_new_log_files`; corpus `NewDirtyHive1`: the recovered bytes
//!   from 4096 on equal Windows 10's, with both logs and with LOG2 alone;
//!   yarp: the whole recovered files of `NewDirtyHive1`, of regipy's
//!   `UsrClass.dat` (logs starting 32 numbers after the hive's) and
//!   `transactions_NTUSER.DAT` (LOG2 older than the hive), and of the
//!   writer's missing-entries layouts equal its own).
//! * A damaged primary base block is replaced by the log's first 512
//!   bytes, the rest of its 4096 zero (spec; corpus `BadBaseBlockHive`;
//!   yarp).
//! * After replay the base block's sequence numbers are both the last
//!   applied entry's (new format) or the primary sequence number (old
//!   format), the hive bins size the last entry's or the log's, the file
//!   type 0, and (new format) the flags those of the base block of the log
//!   applied last, with bit 0 from its last entry (yarp's
//!   `save_recovered_hive`; Windows' own recovered files were written again
//!   after recovery, so their base blocks cannot show this).
//!
//! Assumed, not confirmed by a Windows-written file:
//!
//! * Bits of the dirty vector are taken least significant first, the
//!   `RTL_BITMAP` order (Windows writes whole 0x00 / 0xFF bytes, in which
//!   the order cannot show).
//! * Clustering factors above 1 (sectors of 1024 to 4096 bytes) move the
//!   dirty vector and the pages to the next sector, as the spec words it;
//!   no such log was at hand (yarp accepts only 1; so does `new_format.rs`).
//! * Sequence numbers that wrap past 0xFFFFFFFF: the starting log is found
//!   in serial-number order, as yarp does, and a second log continues the
//!   first across the wrap (yarp refuses that one; no file shows Windows).
//!
//! Choices of our own, stricter than Windows where Windows' behaviour is
//! unknown (none of them changes the result on any corpus file): an
//! old-format log is applied whole or not at all (it is one flush); a log
//! whose base block names another file than the hive's is not applied; a
//! log entry with a page past its own hive bins size is invalid; a log
//! growing the hive by more bytes than it carries pages is not applied. So
//! the recovered bytes are never longer than the hive plus its logs, nor
//! than the caller's limit.

pub mod marvin;
mod new_format;
mod old_format;

// The base block's fields are read in one place; a log starts with a copy
// of it, and replay rewrites some of them.
use super::base_block::{
    BASE_BLOCK_SIZE, CHECKSUM_AT, CLUSTERING_FACTOR_AT, FILE_TYPE_AT, FLAGS_AT, HIVE_BINS_SIZE_AT,
    HiveHeader, PRIMARY_SEQUENCE_AT, SECONDARY_SEQUENCE_AT, header_checksum, sniff_regf,
    stored_checksum,
};
use super::printable;

/// What a log keeps of the base block, and where its records start.
const LOG_HEADER_SIZE: usize = 512;
/// File types of the two log formats.
const OLD_FORMAT_FILE_TYPE: u32 = 1;
const NEW_FORMAT_FILE_TYPE: u32 = 6;

/// A transaction log offered for replay: its name (for messages) and bytes.
#[derive(Clone, Copy, Debug)]
pub struct TransactionLog<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

/// Why a log, or part of it, was not applied: names the log file and,
/// when the problem lies at one place, its byte offset in the log.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {}", self.what())]
pub struct LogDefect {
    pub file: String,
    pub offset: Option<u64>,
    pub detail: String,
}

impl LogDefect {
    fn new(file: &str, offset: Option<usize>, detail: impl Into<String>) -> LogDefect {
        LogDefect {
            file: file.to_string(),
            offset: offset.map(|o| o as u64),
            detail: detail.into(),
        }
    }

    /// The problem without the file name, e.g. for a report line that
    /// already names the file.
    pub fn what(&self) -> String {
        match self.offset {
            Some(offset) => format!("{} (at byte offset {offset:#x})", self.detail),
            None => self.detail.clone(),
        }
    }
}

/// What was done with one log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogOutcome {
    /// The hive is clean, so its logs are not applied.
    NotNeeded,
    /// Old format: the log's dirty pages were written over the hive.
    AppliedPages {
        pages: usize,
        /// The hive's base block was damaged and replaced by the log's.
        base_block_from_log: bool,
    },
    /// New format: `count` entries of this log, sequence numbers
    /// `first..=last`, were applied.
    AppliedEntries {
        count: usize,
        first: u32,
        last: u32,
        base_block_from_log: bool,
        /// The hive's secondary sequence number, when this log's entries
        /// (the first applied) start after it: the entries in between are
        /// in no log (Windows 8.1 and later leave such gaps).
        starts_after: Option<u32>,
        /// The log's run of entries ended before its written data did: at
        /// an invalid entry or one out of sequence (mostly the remains of
        /// an older write; a warning says when it may hold newer data).
        stopped_at: Option<LogDefect>,
    },
    NotApplied(LogDefect),
}

impl std::fmt::Display for LogOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let base_block_note = |from_log: bool| {
            if from_log {
                "; the hive's damaged base block was replaced by the log's"
            } else {
                ""
            }
        };
        match self {
            LogOutcome::NotNeeded => f.write_str("not applied: the hive is clean"),
            LogOutcome::AppliedPages {
                pages,
                base_block_from_log,
            } => write!(
                f,
                "applied {pages} dirty page{} of 512 bytes (old format){}",
                plural(*pages),
                base_block_note(*base_block_from_log)
            ),
            LogOutcome::AppliedEntries {
                count,
                first,
                last,
                base_block_from_log,
                starts_after,
                stopped_at,
            } => {
                write!(
                    f,
                    "applied {count} entr{} ({})",
                    if *count == 1 { "y" } else { "ies" },
                    sequence_range(*first, *last)
                )?;
                if let Some(secondary) = starts_after {
                    write!(
                        f,
                        ", starting after the hive's secondary sequence number {secondary}: {} \
                         in no log (already written to the hive, or lost), and Windows recovers \
                         the same way",
                        match first.wrapping_sub(1) {
                            only if only == *secondary => format!("entry {only} is"),
                            before => format!("entries {secondary}..{before} are"),
                        }
                    )?;
                }
                f.write_str(base_block_note(*base_block_from_log))?;
                if let Some(defect) = stopped_at {
                    write!(f, "; what follows them is not applied: {}", defect.what())?;
                }
                Ok(())
            }
            LogOutcome::NotApplied(defect) => write!(f, "not applied: {}", defect.what()),
        }
    }
}

/// "sequence 5" or "sequence 5..9".
fn sequence_range(first: u32, last: u32) -> String {
    if first == last {
        format!("sequence {first}")
    } else {
        format!("sequence {first}..{last}")
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// One log and what was done with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogReport {
    pub name: String,
    pub outcome: LogOutcome,
}

impl LogReport {
    pub fn applied(&self) -> bool {
        matches!(
            self.outcome,
            LogOutcome::AppliedPages { .. } | LogOutcome::AppliedEntries { .. }
        )
    }
}

/// The outcome of [`replay`]; `H` is how the hive's bytes were given (a
/// buffer, or a memory-mapped file that a clean hive keeps using).
#[derive(Debug)]
pub struct Replay<H = Vec<u8>> {
    /// The hive's bytes as given.
    pub original: H,
    /// The recovered bytes, when at least one log was applied: sequence
    /// numbers equal, checksum recomputed.
    pub recovered: Option<Vec<u8>>,
    /// One per log given, in the order given.
    pub logs: Vec<LogReport>,
    /// Problems for the report's `errors`: changes the logs may hold that
    /// could not be applied.
    pub warnings: Vec<String>,
}

/// Replays `logs` over the hive `hive_name` when it is dirty. The
/// recovered bytes are never longer than `max_len`, nor than the hive and
/// the logs together; nothing here panics or loops on any bytes.
pub fn replay<H: AsRef<[u8]>>(
    hive_name: &str,
    hive: H,
    logs: &[TransactionLog<'_>],
    max_len: usize,
) -> Replay<H> {
    let mut reports: Vec<Option<LogOutcome>> = vec![None; logs.len()];
    let mut warnings = Vec::new();
    let recovered = replay_into(
        hive_name,
        hive.as_ref(),
        logs,
        max_len,
        &mut reports,
        &mut warnings,
    );
    let logs = logs
        .iter()
        .zip(reports)
        .map(|(log, outcome)| LogReport {
            name: log.name.to_string(),
            outcome: outcome.unwrap_or_else(|| {
                LogOutcome::NotApplied(LogDefect::new(log.name, None, "not used"))
            }),
        })
        .collect();
    Replay {
        original: hive,
        recovered,
        logs,
        warnings,
    }
}

/// A log whose base block is sound, sorted by format.
struct CheckedLog<'a> {
    index: usize,
    log: TransactionLog<'a>,
    header: HiveHeader,
}

fn replay_into(
    hive_name: &str,
    hive: &[u8],
    logs: &[TransactionLog<'_>],
    max_len: usize,
    reports: &mut [Option<LogOutcome>],
    warnings: &mut Vec<String>,
) -> Option<Vec<u8>> {
    let refuse_all = |reports: &mut [Option<LogOutcome>], detail: &str| {
        for (report, log) in reports.iter_mut().zip(logs) {
            *report = Some(LogOutcome::NotApplied(LogDefect::new(
                log.name, None, detail,
            )));
        }
    };
    let header = match sniff_regf(hive) {
        Some(header) if hive.len() >= BASE_BLOCK_SIZE => header,
        _ => {
            refuse_all(reports, "the hive has no whole 4096-byte base block");
            return None;
        }
    };
    let base_block_sound = header.checksum_ok;
    if base_block_sound && !header.is_dirty() {
        for report in reports.iter_mut() {
            *report = Some(LogOutcome::NotNeeded);
        }
        return None;
    }

    let mut old = Vec::new();
    let mut new = Vec::new();
    for (index, log) in logs.iter().enumerate() {
        match check_log_header(log, &header, base_block_sound) {
            Ok(checked) if checked.file_type == OLD_FORMAT_FILE_TYPE => old.push(CheckedLog {
                index,
                log: *log,
                header: checked,
            }),
            Ok(checked) => new.push(CheckedLog {
                index,
                log: *log,
                header: checked,
            }),
            Err(defect) => reports[index] = Some(LogOutcome::NotApplied(defect)),
        }
    }

    if !new.is_empty() {
        let recovered =
            new_format::replay(hive_name, hive, &header, &new, max_len, reports, warnings);
        if recovered.is_some() {
            for log in &old {
                reports[log.index] = Some(LogOutcome::NotApplied(LogDefect::new(
                    log.log.name,
                    None,
                    "not used: the hive was recovered with its new-format logs",
                )));
            }
            return recovered;
        }
    }
    if !old.is_empty() {
        return old_format::replay(hive, &header, &old, max_len, reports);
    }
    None
}

/// Checks a log's base block: signature, length, checksum, a log's file
/// type, and (when the hive's own base block is sound) that it names the
/// same file.
fn check_log_header(
    log: &TransactionLog<'_>,
    hive: &HiveHeader,
    hive_base_block_sound: bool,
) -> Result<HiveHeader, LogDefect> {
    let defect = |offset: Option<usize>, detail: String| LogDefect::new(log.name, offset, detail);
    if log.bytes.is_empty() {
        return Err(defect(None, "the log is empty".into()));
    }
    let Some(header) = sniff_regf(log.bytes) else {
        let shown = &log.bytes[..log.bytes.len().min(4)];
        return Err(defect(
            Some(0),
            format!(
                "the log does not start with a base block (signature \"regf\"; first bytes {})",
                super::hex(shown)
            ),
        ));
    };
    if log.bytes.len() < LOG_HEADER_SIZE {
        return Err(defect(
            None,
            format!(
                "the log has {} bytes, less than its {LOG_HEADER_SIZE}-byte base block",
                log.bytes.len()
            ),
        ));
    }
    if !header.checksum_ok {
        return Err(defect(
            Some(CHECKSUM_AT),
            format!(
                "the log's base block checksum is wrong (stored {:#010x}, computed {:#010x})",
                stored_checksum(log.bytes),
                header_checksum(log.bytes)
            ),
        ));
    }
    if header.file_type != OLD_FORMAT_FILE_TYPE && header.file_type != NEW_FORMAT_FILE_TYPE {
        return Err(defect(
            Some(FILE_TYPE_AT),
            format!(
                "file type {} is not that of a transaction log (1 old format, 6 new format)",
                header.file_type
            ),
        ));
    }
    if hive_base_block_sound
        && !header.file_name.is_empty()
        && !hive.file_name.is_empty()
        && header.file_name != hive.file_name
    {
        return Err(defect(
            Some(0x30),
            format!(
                "the log belongs to another hive: its base block names \"{}\", the hive's \"{}\"",
                printable(&header.file_name),
                printable(&hive.file_name)
            ),
        ));
    }
    Ok(header)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([word[0], word[1], word[2], word[3]]))
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Makes room for data ending at `end` (a file offset): grows `hive` with
/// zeros when needed, by at most `carried` bytes (what the log brings for
/// it) and never past `max_len`. `what` names the data for the message.
fn grow_for(
    hive: &mut Vec<u8>,
    end: u64,
    carried: u64,
    max_len: usize,
    what: impl FnOnce() -> (String, Option<usize>),
) -> Result<(), (String, Option<usize>)> {
    let len = hive.len() as u64;
    if end <= len {
        return Ok(());
    }
    let growth = end - len;
    if growth > carried {
        let (name, offset) = what();
        return Err((
            format!(
                "{name} would grow the hive from {len} to {end} bytes, {growth} more than the {carried} bytes of pages it carries"
            ),
            offset,
        ));
    }
    if end > max_len as u64 {
        let (name, offset) = what();
        return Err((
            format!(
                "{name} would grow the hive to {end} bytes, more than the limit of {max_len} bytes (--max-entry-size)"
            ),
            offset,
        ));
    }
    hive.resize(end as usize, 0);
    Ok(())
}

/// Ends a replay: sequence numbers equal, file type 0, hive bins size (and
/// flags) as given, checksum recomputed.
fn finish_base_block(hive: &mut [u8], sequence: u32, hive_bins_size: u32, flags: Option<u32>) {
    put_u32(hive, PRIMARY_SEQUENCE_AT, sequence);
    put_u32(hive, SECONDARY_SEQUENCE_AT, sequence);
    put_u32(hive, FILE_TYPE_AT, 0);
    put_u32(hive, HIVE_BINS_SIZE_AT, hive_bins_size);
    if let Some(flags) = flags {
        put_u32(hive, FLAGS_AT, flags);
    }
    let checksum = header_checksum(hive);
    put_u32(hive, CHECKSUM_AT, checksum);
}

#[cfg(test)]
mod tests;
