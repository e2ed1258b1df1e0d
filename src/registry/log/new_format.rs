//! New-format logs (file type 6; Windows 8.1 and later): a base block copy
//! in the first 512 bytes, then log entries, each starting at a multiple
//! of 512:
//!
//! ```text
//! 0  "HvLE"   4 size   8 flags   12 sequence number   16 hive bins size
//! 20 page count   24 Hash-1   32 Hash-2   40 page references (offset, size)
//! then the pages, back to back, in reference order
//! ```
//!
//! Windows keeps two logs (`.LOG1`, `.LOG2`) and writes one of them from
//! its start after each reconcile of the hive, so each log holds one run
//! of consecutive flushes, followed by whatever an older run left. How
//! they are applied (as yarp's `apply_new_log_files`, by the format
//! specification's author, does it; see the module docs of `super` for what
//! confirms it):
//!
//! * A log is usable when its base block is sound and not dirty (its two
//!   sequence numbers equal). Its entries are read from offset 512: the
//!   first must carry the base block's sequence number, each next one the
//!   following number; reading stops at the first entry that is invalid or
//!   out of that sequence (the remains of an older run).
//! * Of two usable logs, the *starting* one is the one whose base block's
//!   sequence number comes first (serial-number order: a difference above
//!   0x7FFFFFFF means the numbers wrapped).
//! * Sound hive base block: the starting log is applied when its number is
//!   at or after the hive's secondary sequence number, even when it is
//!   later (the entries in between were already written to the hive, or
//!   are lost: Windows 8.1 and later leave such gaps routinely); then the
//!   other log when its number is the next after the last entry applied.
//!   When the starting log is older than the hive, only the other one is
//!   applied, under the same rule. One usable log alone: the same rule.
//! * Damaged hive base block: only the later (non-starting) log is applied,
//!   and the recovered base block is its copy.
//!
//! Each entry is a complete flush, so applying whole runs leaves the hive
//! as one flush left it.

use super::{
    BASE_BLOCK_SIZE, CLUSTERING_FACTOR_AT, CheckedLog, FILE_TYPE_AT, FLAGS_AT, LOG_HEADER_SIZE,
    LogDefect, LogOutcome, finish_base_block, grow_for, marvin, put_u32, sequence_range, u32_at,
};
use crate::registry::HiveHeader;

const SIGNATURE: &[u8; 4] = b"HvLE";
/// Bytes of an entry before its page references.
const ENTRY_HEADER_SIZE: usize = 40;
/// Entries start and end on multiples of this.
const ENTRY_ALIGNMENT: usize = 512;
const PAGE_REFERENCE_SIZE: usize = 8;
const HIVE_BIN_ALIGNMENT: u32 = 4096;
/// Bit 0 of the base block's flags is the one a log entry carries.
const ENTRY_FLAG_BITS: u32 = 1;

/// One valid entry of a log.
struct Entry<'a> {
    /// Where it starts in its log.
    offset: usize,
    sequence: u32,
    flags: u32,
    hive_bins_size: u32,
    page_count: usize,
    /// The whole entry.
    bytes: &'a [u8],
}

impl<'a> Entry<'a> {
    /// (offset in the hive bins data, page bytes) of each page; checked
    /// when the entry was read.
    fn pages(&self) -> impl Iterator<Item = (u32, &'a [u8])> + '_ {
        let references = &self.bytes
            [ENTRY_HEADER_SIZE..ENTRY_HEADER_SIZE + self.page_count * PAGE_REFERENCE_SIZE];
        let mut data_at = ENTRY_HEADER_SIZE + references.len();
        let bytes = self.bytes;
        references
            .chunks_exact(PAGE_REFERENCE_SIZE)
            .map(move |reference| {
                let offset = u32_at(reference, 0).unwrap_or(0);
                let size = u32_at(reference, 4).unwrap_or(0) as usize;
                let page = &bytes[data_at..data_at + size];
                data_at += size;
                (offset, page)
            })
    }

    fn page_bytes(&self) -> u64 {
        self.pages().map(|(_, page)| page.len() as u64).sum()
    }
}

/// Where a log's run of entries ended before the end of its written data.
struct Stop {
    defect: LogDefect,
    /// The sequence number the entry there carries, when it could be read.
    sequence: Option<u32>,
    /// The entry is valid but carries another number than the next one:
    /// the remains of an older run.
    out_of_sequence: bool,
}

/// A usable log and its run of entries.
struct UsableLog<'a, 'b> {
    log: &'b CheckedLog<'a>,
    /// The base block's sequence number: the first entry's.
    start: u32,
    entries: Vec<Entry<'a>>,
    stop: Option<Stop>,
}

impl UsableLog<'_, '_> {
    fn name(&self) -> &str {
        self.log.log.name
    }

    fn defect(&self, detail: String) -> LogDefect {
        LogDefect::new(self.name(), None, detail)
    }
}

/// Which of Windows' two logs a name is, by its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    Log1,
    Log2,
    Other,
}

pub(super) fn role(name: &str) -> Role {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".log1") {
        Role::Log1
    } else if lower.ends_with(".log2") {
        Role::Log2
    } else {
        Role::Other
    }
}

/// Whether sequence number `a` comes before `b`, in serial-number order:
/// the numbers are 32 bits wide and wrap, so a difference of more than
/// 0x7FFFFFFF means the smaller one is the later.
pub(super) fn comes_before(a: u32, b: u32) -> bool {
    a != b && b.wrapping_sub(a) <= 0x7FFF_FFFF
}

/// Checks a log's base block beyond the checksum (done for both formats):
/// not dirty, and fields a hive's base block must have. Returns the
/// log's starting sequence number.
fn usable_base_block(log: &CheckedLog<'_>) -> Result<u32, LogDefect> {
    let header = &log.header;
    let name = log.log.name;
    let defect = |offset: usize, detail: String| Err(LogDefect::new(name, Some(offset), detail));
    if header.primary_sequence != header.secondary_sequence {
        return defect(
            4,
            format!(
                "the log's base block is dirty (sequence numbers {}/{}): it was not completely written",
                header.primary_sequence, header.secondary_sequence
            ),
        );
    }
    if header.major_version != 1 || !(1..=6).contains(&header.minor_version) {
        return defect(
            20,
            format!(
                "the log's base block gives format version {}.{} (expected 1.1 to 1.6)",
                header.major_version, header.minor_version
            ),
        );
    }
    if header.file_format != 1 {
        return defect(
            32,
            format!(
                "the log's base block gives file format {} (expected 1)",
                header.file_format
            ),
        );
    }
    let clustering = u32_at(log.log.bytes, CLUSTERING_FACTOR_AT).unwrap_or(0);
    if clustering != 1 {
        return defect(
            CLUSTERING_FACTOR_AT,
            format!("the log's base block gives clustering factor {clustering} (expected 1)"),
        );
    }
    let bins = header.hive_bins_size;
    if bins == 0 || bins % HIVE_BIN_ALIGNMENT != 0 {
        return defect(
            40,
            format!(
                "the log's base block gives hive bins size {bins}, not a positive multiple of {HIVE_BIN_ALIGNMENT}"
            ),
        );
    }
    Ok(header.primary_sequence)
}

/// Reads a log's run of entries: from offset 512, the first carrying
/// `start`, each next the number after, up to the first entry that is
/// invalid or out of sequence.
fn read_run<'a>(name: &str, bytes: &'a [u8], start: u32) -> (Vec<Entry<'a>>, Option<Stop>) {
    let mut entries = Vec::new();
    let mut at = LOG_HEADER_SIZE;
    let mut expected = start;
    let stop = loop {
        let Some(head) = bytes.get(at..at + 4) else {
            break None;
        };
        if head != SIGNATURE {
            // Zeros, or the middle of an older write: the end of the run.
            break None;
        }
        let sequence = u32_at(bytes, at + 12);
        match read_entry(name, bytes, at) {
            Ok(entry) if entry.sequence == expected => {
                at += entry.bytes.len();
                expected = expected.wrapping_add(1);
                entries.push(entry);
            }
            Ok(entry) => {
                let detail = if comes_before(entry.sequence, expected) {
                    format!(
                        "an older entry (sequence {}) left by an earlier write follows",
                        entry.sequence
                    )
                } else {
                    format!(
                        "the entry there has sequence number {}, not the next one, {expected}",
                        entry.sequence
                    )
                };
                break Some(Stop {
                    defect: LogDefect::new(name, Some(at), detail),
                    sequence: Some(entry.sequence),
                    out_of_sequence: true,
                });
            }
            Err(defect) => {
                break Some(Stop {
                    defect,
                    sequence,
                    out_of_sequence: false,
                });
            }
        }
    };
    (entries, stop)
}

/// Reads and checks the entry at `at`: its size, hashes and page
/// references, every count and offset bounded by the bytes there are.
fn read_entry<'a>(name: &str, bytes: &'a [u8], at: usize) -> Result<Entry<'a>, LogDefect> {
    let defect = |detail: String| LogDefect::new(name, Some(at), detail);
    let field = |offset: usize| u32_at(bytes, at + offset);
    let (Some(size), Some(flags), Some(sequence), Some(hive_bins_size), Some(page_count)) =
        (field(4), field(8), field(12), field(16), field(20))
    else {
        return Err(defect(format!(
            "the log entry is cut off: the log ends {} bytes into its {ENTRY_HEADER_SIZE}-byte header",
            bytes.len() - at
        )));
    };
    let size = size as usize;
    if size < ENTRY_HEADER_SIZE || size % ENTRY_ALIGNMENT != 0 {
        return Err(defect(format!(
            "the log entry's size {size} is not a positive multiple of {ENTRY_ALIGNMENT}"
        )));
    }
    let remaining = bytes.len() - at;
    let Some(entry) = bytes.get(at..at.saturating_add(size)) else {
        return Err(defect(format!(
            "the log entry claims {size} bytes, but only {remaining} remain in the log"
        )));
    };
    let stored_hash_1 = u64::from_le_bytes(entry[24..32].try_into().unwrap_or_default());
    let stored_hash_2 = u64::from_le_bytes(entry[32..40].try_into().unwrap_or_default());
    let hash_2 = marvin::marvin32(marvin::LOG_ENTRY_SEED, &entry[..32]);
    if hash_2 != stored_hash_2 {
        return Err(defect(format!(
            "the log entry's header hash (Hash-2) is wrong (stored {stored_hash_2:#018x}, computed {hash_2:#018x})"
        )));
    }
    let hash_1 = marvin::marvin32(marvin::LOG_ENTRY_SEED, &entry[ENTRY_HEADER_SIZE..]);
    if hash_1 != stored_hash_1 {
        return Err(defect(format!(
            "the log entry's data hash (Hash-1) is wrong (stored {stored_hash_1:#018x}, computed {hash_1:#018x})"
        )));
    }
    if hive_bins_size == 0 || hive_bins_size % HIVE_BIN_ALIGNMENT != 0 {
        return Err(defect(format!(
            "the log entry's hive bins size {hive_bins_size} is not a positive multiple of {HIVE_BIN_ALIGNMENT}"
        )));
    }
    if page_count == 0 {
        return Err(defect("the log entry holds no pages".to_string()));
    }
    let page_count = page_count as usize;
    let references_end = page_count
        .checked_mul(PAGE_REFERENCE_SIZE)
        .and_then(|len| len.checked_add(ENTRY_HEADER_SIZE))
        .filter(|&end| end <= size);
    let Some(references_end) = references_end else {
        return Err(defect(format!(
            "the log entry claims {page_count} pages, more references than its {size} bytes hold"
        )));
    };
    let mut data_len: u64 = 0;
    for (index, reference) in entry[ENTRY_HEADER_SIZE..references_end]
        .chunks_exact(PAGE_REFERENCE_SIZE)
        .enumerate()
    {
        let offset = u32_at(reference, 0).unwrap_or(0);
        let page_size = u32_at(reference, 4).unwrap_or(0);
        if u64::from(offset) + u64::from(page_size) > u64::from(hive_bins_size) {
            return Err(defect(format!(
                "page {index} of the log entry ({page_size} bytes at hive bins offset {offset:#x}) lies past the entry's hive bins size {hive_bins_size}"
            )));
        }
        data_len += u64::from(page_size);
    }
    let room = (size - references_end) as u64;
    if data_len > room {
        return Err(defect(format!(
            "the log entry's pages need {data_len} bytes, but it holds only {room} after its references"
        )));
    }
    Ok(Entry {
        offset: at,
        sequence,
        flags,
        hive_bins_size,
        page_count,
        bytes: entry,
    })
}

/// What was applied from one log.
struct Applied {
    count: usize,
    first: u32,
    last: u32,
}

/// The state of a replay in progress.
struct Recovery<'h> {
    hive: &'h [u8],
    max_len: usize,
    bytes: Option<Vec<u8>>,
    /// The last entry applied, of any log.
    last: Option<u32>,
    /// Flags as they stand: those of the base block of the log applied
    /// last, with the bit each of its entries carries.
    flags: u32,
    hive_bins_size: u32,
    /// Where applying stopped, and why (the log's index among the usable).
    failed: Option<(usize, LogDefect)>,
}

impl Recovery<'_> {
    /// Applies a log's run; `Err` when an entry could not be applied
    /// (what was applied before it stays).
    fn apply_run(&mut self, log: &UsableLog<'_, '_>) -> Result<Option<Applied>, LogDefect> {
        let mut applied: Option<Applied> = None;
        // A log taken up sets the flags, even if none of its entries
        // applies (as yarp's apply_new_log_file does).
        let mut flags = u32_at(log.log.log.bytes, FLAGS_AT).unwrap_or(0);
        self.flags = flags;
        for entry in &log.entries {
            let bytes = self.bytes.get_or_insert_with(|| self.hive.to_vec());
            apply(bytes, log.name(), entry, self.max_len)?;
            flags = (flags & !ENTRY_FLAG_BITS) | (entry.flags & ENTRY_FLAG_BITS);
            self.last = Some(entry.sequence);
            self.flags = flags;
            self.hive_bins_size = entry.hive_bins_size;
            let so_far = applied.get_or_insert(Applied {
                count: 0,
                first: entry.sequence,
                last: entry.sequence,
            });
            so_far.count += 1;
            so_far.last = entry.sequence;
        }
        Ok(applied)
    }
}

/// Applies the usable logs among `logs` as Windows does (see the module
/// docs), recording every log's outcome in `reports` and returning the
/// recovered bytes when at least one entry was applied.
pub(super) fn replay(
    hive_name: &str,
    hive: &[u8],
    header: &HiveHeader,
    logs: &[CheckedLog<'_>],
    max_len: usize,
    reports: &mut [Option<LogOutcome>],
    warnings: &mut Vec<String>,
) -> Option<Vec<u8>> {
    let mut usable: Vec<UsableLog> = Vec::new();
    for log in logs {
        match usable_base_block(log) {
            Ok(start) => {
                let (entries, stop) = read_run(log.log.name, log.log.bytes, start);
                usable.push(UsableLog {
                    log,
                    start,
                    entries,
                    stop,
                });
            }
            Err(defect) => reports[log.index] = Some(LogOutcome::NotApplied(defect)),
        }
    }
    if usable.is_empty() {
        return None;
    }

    // Windows' pair is LOG1 and LOG2; any other log only stands in when
    // neither is usable.
    let find = |wanted: Role| usable.iter().position(|l| role(l.name()) == wanted);
    let chosen: Vec<usize> = match (find(Role::Log1), find(Role::Log2)) {
        (Some(one), Some(two)) => vec![one, two],
        (Some(one), None) => vec![one],
        (None, Some(two)) => vec![two],
        (None, None) => vec![0],
    };
    let chosen_names: Vec<&str> = chosen.iter().map(|&i| usable[i].name()).collect();
    for (index, log) in usable.iter().enumerate() {
        if !chosen.contains(&index) {
            reports[log.log.index] = Some(LogOutcome::NotApplied(log.defect(format!(
                "not used: {} {} Windows' log{} of this hive",
                chosen_names.join(" and "),
                if chosen.len() == 1 { "is" } else { "are" },
                if chosen.len() == 1 { "" } else { "s" },
            ))));
        }
    }

    // (starting, later) for a pair; a single log is "later" only.
    let (starting, later) = match chosen[..] {
        [one, two] => {
            let (a, b) = (&usable[one], &usable[two]);
            // On equal numbers LOG2 counts as the starting log, as in yarp.
            if comes_before(a.start, b.start) {
                (Some(one), two)
            } else {
                (Some(two), one)
            }
        }
        _ => (None, chosen[0]),
    };

    let base_block_sound = header.checksum_ok;
    let secondary = header.secondary_sequence;
    let mut recovery = Recovery {
        hive,
        max_len,
        bytes: None,
        last: None,
        flags: 0,
        hive_bins_size: header.hive_bins_size,
        failed: None,
    };
    let mut outcomes: Vec<Option<LogOutcome>> = (0..usable.len()).map(|_| None).collect();
    let mut applied_any: Vec<Option<Applied>> = (0..usable.len()).map(|_| None).collect();
    let mut order: Vec<usize> = Vec::new();
    let not_eligible = |log: &UsableLog| {
        log.defect(format!(
            "not eligible: its entries start at sequence {}, before the hive's secondary sequence \
             number {secondary}, so they are older than the hive (Windows skips such a log)",
            log.start
        ))
    };

    if !base_block_sound {
        // Windows takes the later log alone, and its base block.
        if let Some(starting) = starting {
            outcomes[starting] = Some(LogOutcome::NotApplied(usable[starting].defect(format!(
                "not used: the hive's base block is damaged, and then Windows recovers from the \
                 log that starts later ({}) alone",
                usable[later].name()
            ))));
        }
        order.push(later);
    } else {
        // The first log applied must be at or after the hive's secondary
        // sequence number; the starting log, else the other.
        let first = match starting {
            Some(starting) if usable[starting].start >= secondary => starting,
            Some(starting) => {
                outcomes[starting] = Some(LogOutcome::NotApplied(not_eligible(&usable[starting])));
                later
            }
            None => later,
        };
        if usable[first].start >= secondary {
            order.push(first);
            if first != later {
                order.push(later);
            }
        } else {
            outcomes[first] = Some(LogOutcome::NotApplied(not_eligible(&usable[first])));
        }
    }

    let mut previous: Option<usize> = None;
    for &index in &order {
        let log = &usable[index];
        if let Some(previous) = previous {
            // The second log of a pair: only when it continues the first.
            let expected = recovery.last.map(|last| last.wrapping_add(1));
            if recovery.failed.is_some() {
                outcomes[index] = Some(LogOutcome::NotApplied(log.defect(format!(
                    "recovery stopped in {}, which this log would continue",
                    usable[previous].name()
                ))));
                continue;
            }
            if expected != Some(log.start) {
                let detail = match recovery.last {
                    Some(last) => format!(
                        "its entries start at sequence {}, which does not continue {} (its entries \
                         applied end at {last}); Windows applies the second log only when it \
                         starts at {}",
                        log.start,
                        usable[previous].name(),
                        last.wrapping_add(1)
                    ),
                    None => format!(
                        "its entries start at sequence {}, but no entry of {}, which starts first, \
                         could be applied, so there is nothing for it to continue",
                        log.start,
                        usable[previous].name()
                    ),
                };
                outcomes[index] = Some(LogOutcome::NotApplied(log.defect(detail)));
                continue;
            }
        }
        previous = Some(index);
        match recovery.apply_run(log) {
            Ok(applied) => applied_any[index] = applied,
            Err(defect) => {
                recovery.failed = Some((index, defect));
            }
        }
        if applied_any[index].is_none() && recovery.failed.is_none() {
            outcomes[index] = Some(LogOutcome::NotApplied(match &log.stop {
                Some(stop) => stop.defect.clone(),
                None => LogDefect::new(
                    log.name(),
                    Some(LOG_HEADER_SIZE),
                    "the log holds no log entries",
                ),
            }));
        }
    }
    // A failed log that applied nothing before failing is refused with the
    // reason; one that applied some keeps them, and a warning says more.
    if let Some((index, defect)) = &recovery.failed
        && applied_any[*index].is_none()
    {
        outcomes[*index] = Some(LogOutcome::NotApplied(defect.clone()));
    }

    let first_applied = order.iter().copied().find(|&i| applied_any[i].is_some());
    for (index, log) in usable.iter().enumerate() {
        if let Some(applied) = &applied_any[index] {
            let starts_after = (base_block_sound
                && Some(index) == first_applied
                && comes_before(secondary, applied.first))
            .then_some(secondary);
            outcomes[index] = Some(LogOutcome::AppliedEntries {
                count: applied.count,
                first: applied.first,
                last: applied.last,
                base_block_from_log: !base_block_sound,
                starts_after,
                stopped_at: log.stop.as_ref().map(|stop| stop.defect.clone()),
            });
        }
        if let Some(outcome) = outcomes[index].take() {
            reports[log.log.index] = Some(outcome);
        }
    }

    warn_of_missing_changes(hive_name, &usable, &applied_any, &recovery, warnings);

    let last = recovery.last?;
    let mut bytes = recovery.bytes?;
    if !base_block_sound {
        // The base block is the log's copy, the rest of its 4096 bytes
        // zero (as yarp's recovered files have it).
        let copy = &usable[later].log.log.bytes[..LOG_HEADER_SIZE];
        bytes[..LOG_HEADER_SIZE].copy_from_slice(copy);
        bytes[LOG_HEADER_SIZE..BASE_BLOCK_SIZE].fill(0);
        put_u32(&mut bytes, FILE_TYPE_AT, 0);
    }
    finish_base_block(
        &mut bytes,
        last,
        recovery.hive_bins_size,
        Some(recovery.flags),
    );
    Some(bytes)
}

/// Writes one entry's pages over the hive, growing it when the entry says
/// the hive grew.
fn apply(
    hive: &mut Vec<u8>,
    name: &str,
    entry: &Entry<'_>,
    max_len: usize,
) -> Result<(), LogDefect> {
    let end = entry
        .pages()
        .map(|(offset, page)| BASE_BLOCK_SIZE as u64 + u64::from(offset) + page.len() as u64)
        .max()
        .unwrap_or(0);
    grow_for(hive, end, entry.page_bytes(), max_len, || {
        (
            format!("the log entry with sequence number {}", entry.sequence),
            Some(entry.offset),
        )
    })
    .map_err(|(detail, offset)| LogDefect::new(name, offset, detail))?;
    for (offset, page) in entry.pages() {
        let at = BASE_BLOCK_SIZE + offset as usize;
        hive[at..at + page.len()].copy_from_slice(page);
    }
    Ok(())
}

/// Warnings for changes the logs hold that were not applied: recovery that
/// stopped at an entry it could not apply, a log whose later entries do
/// not continue the sequence, and a damaged entry where the next one was
/// due.
fn warn_of_missing_changes(
    hive_name: &str,
    usable: &[UsableLog<'_, '_>],
    applied: &[Option<Applied>],
    recovery: &Recovery<'_>,
    warnings: &mut Vec<String>,
) {
    let after = |last: Option<u32>| match last {
        Some(last) => format!("recovery stopped after sequence {last}"),
        None => "no log entry was applied".to_string(),
    };
    if let Some((_, defect)) = &recovery.failed {
        warnings.push(format!(
            "{hive_name}: {}: {defect}; later changes are missing",
            after(recovery.last)
        ));
    }
    let Some(last) = recovery.last else {
        return;
    };
    let next = last.wrapping_add(1);
    for (log, applied) in usable.iter().zip(applied) {
        if applied.is_none()
            && let (Some(first), Some(final_entry)) = (log.entries.first(), log.entries.last())
            && comes_before(last, first.sequence)
            && recovery.failed.is_none()
        {
            warnings.push(format!(
                "{hive_name}: {}: the entries of {} ({}) do not continue it, so they were not \
                 applied (nor would Windows apply them); the changes they hold are missing",
                after(Some(last)),
                log.name(),
                sequence_range(first.sequence, final_entry.sequence)
            ));
        }
        // A valid entry later than the last applied that does not follow
        // on: changes in no run Windows would apply.
        if let Some(stop) = &log.stop
            && stop.out_of_sequence
            && stop
                .sequence
                .is_some_and(|sequence| comes_before(last, sequence))
        {
            warnings.push(format!(
                "{hive_name}: {}: {}, so it was not applied (nor would Windows apply it); the \
                 changes it holds are missing",
                after(Some(last)),
                stop.defect
            ));
        }
        // The entry where the log's run ended was due next, but damaged.
        let due_at_stop = log.start.wrapping_add(log.entries.len() as u32);
        if let Some(stop) = &log.stop
            && !stop.out_of_sequence
            && stop.sequence == Some(next)
            && due_at_stop == next
        {
            warnings.push(format!(
                "{hive_name}: {}: {}; its changes are missing",
                after(Some(last)),
                stop.defect
            ));
        }
    }
}
