//! Old-format logs (file type 1; NT 4.0 to Windows 8): a base block copy
//! in the first sector, a dirty vector (`DIRT` and a bitmap with one bit
//! per 512-byte page of the hive bins data) from the second sector, and
//! the dirty pages, in bitmap order, from the sector after the vector.
//!
//! One log holds one flush, so it is applied whole or not at all: every
//! check is made before the first byte of the hive is changed. Of several
//! applicable logs (`.LOG`, `.LOG1`, `.LOG2`), the one with the highest
//! sequence number is used.

use super::{
    BASE_BLOCK_SIZE, CLUSTERING_FACTOR_AT, CheckedLog, FILE_TYPE_AT, LOG_HEADER_SIZE, LogDefect,
    LogOutcome, finish_base_block, grow_for, put_u32, u32_at,
};
use crate::registry::HiveHeader;

/// Pages tracked by one bit of the dirty vector.
const PAGE_SIZE: usize = 512;
/// The smallest hive bin; bins are multiples of it.
const HIVE_BIN_ALIGNMENT: usize = 4096;
/// Offset of the first hive bin's timestamp, a backup of the base block's
/// last-written time used when the base block is damaged.
const FIRST_BIN_TIMESTAMP_AT: usize = BASE_BLOCK_SIZE + 20;

/// A log checked and ready to apply.
struct DirtyVector<'a> {
    /// One bit per page, least significant bit first.
    bitmap: &'a [u8],
    /// Number of pages the bitmap covers (hive bins size / 512).
    page_count: usize,
    /// The dirty pages, one per set bit, in order, and where they start
    /// in the log.
    pages: &'a [u8],
    pages_at: usize,
    dirty_count: usize,
    hive_bins_size: u32,
}

impl DirtyVector<'_> {
    fn dirty_pages(&self) -> impl Iterator<Item = (usize, &[u8])> + '_ {
        (0..self.page_count)
            .filter(|&page| self.bitmap[page / 8] & (1 << (page % 8)) != 0)
            .zip(self.pages.chunks_exact(PAGE_SIZE))
    }
}

/// Applies the best applicable old-format log, recording every log's
/// outcome in `reports`.
pub(super) fn replay(
    hive: &[u8],
    header: &HiveHeader,
    logs: &[CheckedLog<'_>],
    max_len: usize,
    reports: &mut [Option<LogOutcome>],
) -> Option<Vec<u8>> {
    let base_block_sound = header.checksum_ok;
    // The times that tie a log to this write of the hive. A damaged base
    // block's own time may still be right (it is in the corpus's
    // BadBaseBlockHive, whose first hive bin, dirty in the log, still has
    // the previous write's time), so both it and the first bin's time,
    // the spec's fallback, are accepted then.
    let mut hive_times = vec![header.last_written];
    if !base_block_sound {
        hive_times.extend(first_bin_timestamp(hive));
    }
    let mut candidates = Vec::new();
    for log in logs {
        match applicable(log, &hive_times).and_then(|()| dirty_vector(log)) {
            Ok(vector) => candidates.push((log, vector)),
            Err(defect) => reports[log.index] = Some(LogOutcome::NotApplied(defect)),
        }
    }
    candidates.sort_by_key(|(log, _)| std::cmp::Reverse(log.header.primary_sequence));
    let mut recovered = None;
    for (log, vector) in candidates {
        if recovered.is_some() {
            reports[log.index] = Some(LogOutcome::NotApplied(LogDefect::new(
                log.log.name,
                None,
                "not used: a log with a later sequence number was applied",
            )));
            continue;
        }
        match apply(hive, log, &vector, base_block_sound, header, max_len) {
            Ok(bytes) => {
                reports[log.index] = Some(LogOutcome::AppliedPages {
                    pages: vector.dirty_count,
                    base_block_from_log: !base_block_sound,
                });
                recovered = Some(bytes);
            }
            Err(defect) => reports[log.index] = Some(LogOutcome::NotApplied(defect)),
        }
    }
    recovered
}

/// The first hive bin's timestamp, when the first bin is there.
fn first_bin_timestamp(hive: &[u8]) -> Option<u64> {
    if hive.get(BASE_BLOCK_SIZE..BASE_BLOCK_SIZE + 4)? != b"hbin" {
        return None;
    }
    let low = u32_at(hive, FIRST_BIN_TIMESTAMP_AT)?;
    let high = u32_at(hive, FIRST_BIN_TIMESTAMP_AT + 4)?;
    Some(u64::from(low) | (u64::from(high) << 32))
}

/// Whether the log was completely written and belongs to this write of
/// this hive (the same last-written time).
fn applicable(log: &CheckedLog<'_>, hive_times: &[u64]) -> Result<(), LogDefect> {
    let header = &log.header;
    if header.primary_sequence != header.secondary_sequence {
        return Err(LogDefect::new(
            log.log.name,
            Some(4),
            format!(
                "the log's sequence numbers differ ({}/{}): it was not completely written",
                header.primary_sequence, header.secondary_sequence
            ),
        ));
    }
    if hive_times.contains(&header.last_written) {
        return Ok(());
    }
    let times: Vec<String> = hive_times.iter().map(|t| format!("{t:#018x}")).collect();
    Err(LogDefect::new(
        log.log.name,
        Some(12),
        format!(
            "the log belongs to another hive or another write: its last-written time {:#018x} is not the hive's ({})",
            header.last_written,
            times.join(" or ")
        ),
    ))
}

/// Reads and bounds the dirty vector and the pages.
fn dirty_vector<'a>(log: &CheckedLog<'a>) -> Result<DirtyVector<'a>, LogDefect> {
    let name = log.log.name;
    let bytes = log.log.bytes;
    let defect = |offset: Option<usize>, detail: String| LogDefect::new(name, offset, detail);
    let clustering = u32_at(bytes, CLUSTERING_FACTOR_AT).unwrap_or(0);
    if !matches!(clustering, 1 | 2 | 4 | 8) {
        return Err(defect(
            Some(CLUSTERING_FACTOR_AT),
            format!("clustering factor {clustering} (expected 1, 2, 4 or 8)"),
        ));
    }
    let sector = LOG_HEADER_SIZE * clustering as usize;
    let hive_bins_size = log.header.hive_bins_size;
    let bins = hive_bins_size as usize;
    if bins == 0 || bins % HIVE_BIN_ALIGNMENT != 0 {
        return Err(defect(
            Some(40),
            format!(
                "the log's hive bins size {hive_bins_size} is not a positive multiple of {HIVE_BIN_ALIGNMENT}"
            ),
        ));
    }
    if bytes.get(sector..sector + 4) != Some(b"DIRT".as_slice()) {
        return Err(defect(
            Some(sector),
            "no dirty vector: the signature \"DIRT\" is missing".to_string(),
        ));
    }
    let page_count = bins / PAGE_SIZE;
    let bitmap_len = page_count.div_ceil(8);
    let bitmap_at = sector + 4;
    let Some(bitmap) = bytes.get(bitmap_at..bitmap_at + bitmap_len) else {
        return Err(defect(
            Some(bitmap_at),
            format!(
                "the dirty vector for {hive_bins_size} bytes of hive bins is {} long, but the log ends {} after its signature",
                bytes_words(bitmap_len),
                bytes_words(bytes.len().saturating_sub(bitmap_at))
            ),
        ));
    };
    let dirty_count = (0..page_count)
        .filter(|&page| bitmap[page / 8] & (1 << (page % 8)) != 0)
        .count();
    let pages_at = (bitmap_at + bitmap_len).div_ceil(sector) * sector;
    let pages_len = dirty_count * PAGE_SIZE;
    let Some(pages) = bytes.get(pages_at..pages_at + pages_len) else {
        return Err(defect(
            Some(pages_at),
            format!(
                "the log is truncated: {dirty_count} dirty pages need {pages_len} bytes from here, but only {} are there",
                bytes.len().saturating_sub(pages_at)
            ),
        ));
    };
    if dirty_count == 0 {
        return Err(defect(
            Some(bitmap_at),
            "the dirty vector marks no page as dirty".to_string(),
        ));
    }
    Ok(DirtyVector {
        bitmap,
        page_count,
        pages,
        pages_at,
        dirty_count,
        hive_bins_size,
    })
}

/// Checks the pages against the hive's bins, then writes them over a copy
/// of the hive and fixes its base block.
fn apply(
    hive: &[u8],
    log: &CheckedLog<'_>,
    vector: &DirtyVector<'_>,
    base_block_sound: bool,
    header: &HiveHeader,
    max_len: usize,
) -> Result<Vec<u8>, LogDefect> {
    let name = log.log.name;
    for (position, (page, data)) in vector.dirty_pages().enumerate() {
        check_bin_header(hive, page, data).map_err(|detail| {
            LogDefect::new(
                name,
                Some(vector.pages_at + position * PAGE_SIZE),
                format!(
                    "the dirty page for hive bins offset {:#x} is not a valid hive bin start: {detail}",
                    page * PAGE_SIZE
                ),
            )
        })?;
    }
    let last_page = vector.dirty_pages().last().map_or(0, |(page, _)| page + 1);
    let end = (BASE_BLOCK_SIZE + last_page * PAGE_SIZE) as u64;
    let mut recovered = hive.to_vec();
    grow_for(
        &mut recovered,
        end,
        (vector.dirty_count * PAGE_SIZE) as u64,
        max_len,
        || ("the log's dirty pages".to_string(), None),
    )
    .map_err(|(detail, offset)| LogDefect::new(name, offset, detail))?;
    for (page, data) in vector.dirty_pages() {
        let at = BASE_BLOCK_SIZE + page * PAGE_SIZE;
        recovered[at..at + PAGE_SIZE].copy_from_slice(data);
    }
    let sequence = if base_block_sound {
        header.primary_sequence
    } else {
        // The damaged base block is replaced by the log's copy.
        recovered[..LOG_HEADER_SIZE].copy_from_slice(&log.log.bytes[..LOG_HEADER_SIZE]);
        put_u32(&mut recovered, FILE_TYPE_AT, 0);
        log.header.primary_sequence
    };
    finish_base_block(&mut recovered, sequence, vector.hive_bins_size, None);
    Ok(recovered)
}

/// Why a dirty page breaks the hive's bin layout.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum BinHeaderError {
    #[error("its hive bin header gives offset {stored:#x}, not {offset:#x}")]
    Offset { stored: u32, offset: usize },
    #[error(
        "its hive bin header gives size {size}, not a positive multiple of {HIVE_BIN_ALIGNMENT}"
    )]
    Size { size: usize },
    #[error("a hive bin starts here in the hive, but the page holds no hive bin header")]
    Missing,
}

/// A dirty page at the start of a 4096-byte block must keep the hive's bin
/// layout: a bin header there must give its own offset and a sane size,
/// and a bin that starts there in the hive must still start there.
fn check_bin_header(hive: &[u8], page: usize, data: &[u8]) -> Result<(), BinHeaderError> {
    let offset = page * PAGE_SIZE;
    if offset % HIVE_BIN_ALIGNMENT != 0 {
        return Ok(());
    }
    if data.starts_with(b"hbin") {
        let stored = u32_at(data, 4).unwrap_or(u32::MAX);
        let size = u32_at(data, 8).unwrap_or(0) as usize;
        if stored as usize != offset {
            return Err(BinHeaderError::Offset { stored, offset });
        }
        if size < HIVE_BIN_ALIGNMENT || size % HIVE_BIN_ALIGNMENT != 0 {
            return Err(BinHeaderError::Size { size });
        }
        return Ok(());
    }
    let at = BASE_BLOCK_SIZE + offset;
    let bin_starts_here = hive.get(at..at + 4) == Some(b"hbin".as_slice())
        && u32_at(hive, at + 4) == Some(offset as u32);
    if bin_starts_here {
        return Err(BinHeaderError::Missing);
    }
    Ok(())
}

/// "1 byte", "2 bytes".
fn bytes_words(count: usize) -> String {
    if count == 1 {
        "1 byte".to_string()
    } else {
        format!("{count} bytes")
    }
}
