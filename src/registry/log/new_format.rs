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
//! A log is read from its first entry to the first one that is not an
//! entry or fails a check (a log keeps the remains of older writes after
//! its current entries). The valid entries of all logs are then applied in
//! sequence order from the hive's secondary sequence number, one entry per
//! number, until a number has no entry. Each entry is a complete flush, so
//! stopping at a gap leaves the hive as one earlier flush left it.

use super::{
    BASE_BLOCK_SIZE, CheckedLog, FILE_TYPE_AT, LOG_HEADER_SIZE, LogDefect, LogOutcome,
    finish_base_block, grow_for, marvin, put_u32, u32_at,
};
use crate::registry::HiveHeader;
use std::collections::HashMap;

const SIGNATURE: &[u8; 4] = b"HvLE";
/// Bytes of an entry before its page references.
const ENTRY_HEADER_SIZE: usize = 40;
/// Entries start and end on multiples of this.
const ENTRY_ALIGNMENT: usize = 512;
const PAGE_REFERENCE_SIZE: usize = 8;
const HIVE_BIN_ALIGNMENT: u32 = 4096;

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

/// A log's valid entries and, when they end at an invalid entry rather
/// than at the end of the written data, why.
struct ReadLog<'a> {
    entries: Vec<Entry<'a>>,
    /// The invalid entry, with its sequence number when it could be read.
    stopped_at: Option<(LogDefect, Option<u32>)>,
}

/// Reads a log's entries up to the first that is not valid.
fn read_entries<'a>(name: &str, bytes: &'a [u8]) -> ReadLog<'a> {
    let mut entries = Vec::new();
    let mut at = LOG_HEADER_SIZE;
    let stopped_at = loop {
        let Some(head) = bytes.get(at..at + 4) else {
            break None;
        };
        if head != SIGNATURE {
            // Zeros, or what an older write left: the end of the entries.
            break None;
        }
        let sequence = u32_at(bytes, at + 12);
        match read_entry(name, bytes, at) {
            Ok(entry) => {
                at += entry.bytes.len();
                entries.push(entry);
            }
            Err(defect) => break Some((defect, sequence)),
        }
    };
    ReadLog {
        entries,
        stopped_at,
    }
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

/// Applies the valid entries of `logs` in sequence order, recording every
/// log's outcome in `reports` (when at least one entry was applied).
pub(super) fn replay(
    hive_name: &str,
    hive: &[u8],
    header: &HiveHeader,
    logs: &[CheckedLog<'_>],
    max_len: usize,
    reports: &mut [Option<LogOutcome>],
    warnings: &mut Vec<String>,
) -> Option<Vec<u8>> {
    let read: Vec<ReadLog> = logs
        .iter()
        .map(|log| read_entries(log.log.name, log.log.bytes))
        .collect();
    // With a sound base block the hive says where to start; otherwise the
    // base block comes from a log: the one that starts earliest, so no
    // entry the hive may lack is skipped (applying an entry again only
    // writes the same pages again before later entries overwrite them).
    let base_block_from = if header.checksum_ok {
        None
    } else {
        logs.iter()
            .enumerate()
            .min_by_key(|(_, log)| log.header.secondary_sequence)
            .map(|(index, _)| index)
    };
    let start = match base_block_from {
        Some(index) => logs[index].header.secondary_sequence,
        None => header.secondary_sequence,
    };

    // Each sequence number's entry: the first found, LOG1's before LOG2's
    // (the order the logs are given in).
    let mut by_sequence: HashMap<u32, (usize, &Entry)> = HashMap::new();
    for (log_index, log) in read.iter().enumerate() {
        for entry in &log.entries {
            by_sequence
                .entry(entry.sequence)
                .or_insert((log_index, entry));
        }
    }

    let mut recovered: Option<Vec<u8>> = None;
    // Per log: (entries applied, first and last sequence numbers).
    let mut applied: Vec<(usize, u32, u32)> = vec![(0, 0, 0); logs.len()];
    let mut last: Option<&Entry> = None;
    let mut next = start;
    let mut failed: Option<(usize, LogDefect)> = None;
    while let Some(&(log_index, entry)) = by_sequence.get(&next) {
        let bytes = recovered.get_or_insert_with(|| hive.to_vec());
        if let Err(defect) = apply(bytes, logs[log_index].log.name, entry, max_len) {
            failed = Some((log_index, defect));
            break;
        }
        let counts = &mut applied[log_index];
        if counts.0 == 0 {
            counts.1 = entry.sequence;
        }
        counts.0 += 1;
        counts.2 = entry.sequence;
        last = Some(entry);
        let Some(following) = next.checked_add(1) else {
            break;
        };
        next = following;
    }

    let Some(last) = last else {
        // Nothing applied: say for each log why.
        for (index, (log, read)) in logs.iter().zip(&read).enumerate() {
            let defect = match &failed {
                Some((failed_index, defect)) if *failed_index == index => defect.clone(),
                _ => unused_reason(log.log.name, read, start),
            };
            reports[log.index] = Some(LogOutcome::NotApplied(defect));
        }
        return None;
    };
    let mut bytes = recovered?;
    if let Some(index) = base_block_from {
        bytes[..LOG_HEADER_SIZE].copy_from_slice(&logs[index].log.bytes[..LOG_HEADER_SIZE]);
        put_u32(&mut bytes, FILE_TYPE_AT, 0);
    }
    finish_base_block(
        &mut bytes,
        last.sequence,
        last.hive_bins_size,
        Some(last.flags),
    );

    for (index, (log, read)) in logs.iter().zip(&read).enumerate() {
        let (count, first, last_sequence) = applied[index];
        let outcome = if count > 0 {
            LogOutcome::AppliedEntries {
                count,
                first,
                last: last_sequence,
                base_block_from_log: base_block_from == Some(index),
                stopped_at: read.stopped_at.as_ref().map(|(defect, _)| defect.clone()),
            }
        } else {
            let defect = match &failed {
                Some((failed_index, defect)) if *failed_index == index => defect.clone(),
                _ => unused_reason(log.log.name, read, start),
            };
            LogOutcome::NotApplied(defect)
        };
        reports[log.index] = Some(outcome);
    }
    warn_of_missing_changes(hive_name, logs, &read, next, failed.as_ref(), warnings);
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

/// Why no entry of a log was applied.
fn unused_reason(name: &str, read: &ReadLog<'_>, start: u32) -> LogDefect {
    let sequences = || {
        let low = read.entries.iter().map(|e| e.sequence).min().unwrap_or(0);
        let high = read.entries.iter().map(|e| e.sequence).max().unwrap_or(0);
        if low == high {
            format!("sequence {low}")
        } else {
            format!("sequence {low}..{high}")
        }
    };
    if read.entries.is_empty() {
        return match &read.stopped_at {
            Some((defect, _)) => defect.clone(),
            None => LogDefect::new(name, Some(LOG_HEADER_SIZE), "the log holds no log entries"),
        };
    }
    if read.entries.iter().all(|entry| entry.sequence < start) {
        return LogDefect::new(
            name,
            None,
            format!(
                "its entries ({}) are older than the hive, which expects sequence {start}",
                sequences()
            ),
        );
    }
    LogDefect::new(
        name,
        None,
        format!(
            "its entries ({}) do not continue the hive's sequence: no valid entry has the number the hive expects next",
            sequences()
        ),
    )
}

/// Warnings for changes the logs may hold that were not applied: valid
/// entries after a gap, and invalid entries that may be newer than the
/// last one applied.
fn warn_of_missing_changes(
    hive_name: &str,
    logs: &[CheckedLog<'_>],
    read: &[ReadLog<'_>],
    next: u32,
    failed: Option<&(usize, LogDefect)>,
    warnings: &mut Vec<String>,
) {
    let applied_up_to = next.wrapping_sub(1);
    if let Some((_, defect)) = failed {
        warnings.push(format!(
            "{hive_name}: recovery stopped after sequence {applied_up_to}: {defect}; later changes are missing"
        ));
    }
    for (log, read) in logs.iter().zip(read) {
        let later: Vec<u32> = read
            .entries
            .iter()
            .map(|entry| entry.sequence)
            .filter(|&sequence| sequence > next)
            .collect();
        if let (Some(low), Some(high)) = (later.iter().min(), later.iter().max()) {
            warnings.push(format!(
                "{hive_name}: recovery stopped after sequence {applied_up_to}: no valid entry {next} follows, so the entries of {} with sequence {low}..{high} were not applied; later changes are missing",
                log.log.name
            ));
        }
        if let Some((defect, Some(sequence))) = &read.stopped_at
            && *sequence >= next
        {
            warnings.push(format!(
                "{hive_name}: recovery stopped after sequence {applied_up_to}: {defect}; its changes are missing"
            ));
        }
    }
}
