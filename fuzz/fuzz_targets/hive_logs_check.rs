//! The properties `hive_logs` checks, shared with the regression test
//! that replays saved inputs (`tests/registry_logs_fuzz_regressions.rs`).
//!
//! An input is a hive and two logs:
//!
//! ```text
//! 0       flags: bit 0 fix the logs' base block checksums and entry hashes,
//!                bit 1 make the hive dirty (secondary = primary - 1),
//!                bit 2 fix the hive's base block checksum,
//!                bit 3 (with bit 0) number each log's entries on from its
//!                      base block's sequence number, as a run
//! 1..5    hive length (u32 LE, cut to what follows), then the hive
//! +4      first log's length (u32 LE, cut likewise), then that log
//! rest    the second log
//! ```
//!
//! The fix-ups let the fuzzer reach past the checksums, the Marvin32
//! hashes and the run's sequence numbers, which random changes almost
//! never keep right.

use hivetriage::fixture::regf::log::rehash_entry;
use hivetriage::registry::log::{LogOutcome, TransactionLog, replay};
use hivetriage::registry::{HiveFile, sniff_regf};

#[path = "hive_check.rs"]
mod hive_check;

/// The limit on recovered hives given to the replay.
pub const MAX_LEN: usize = 16 << 20;

/// Splits an input into (flags, hive, first log, second log).
pub fn split(data: &[u8]) -> (u8, &[u8], &[u8], &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return (0, &[], &[], &[]);
    };
    let (hive, rest) = take_sized(rest);
    let (log1, log2) = take_sized(rest);
    (flags, hive, log1, log2)
}

fn take_sized(data: &[u8]) -> (&[u8], &[u8]) {
    if data.len() < 4 {
        return (&[], data);
    }
    let len = u32::from_le_bytes(data[..4].try_into().unwrap()) as usize;
    let rest = &data[4..];
    rest.split_at(len.min(rest.len()))
}

/// The XOR-32 base block checksum as Windows adjusts it.
fn checksum(block: &[u8]) -> u32 {
    let sum = block[..508].chunks_exact(4).fold(0u32, |acc, w| {
        acc ^ u32::from_le_bytes(w.try_into().unwrap())
    });
    match sum {
        0 => 1,
        u32::MAX => u32::MAX - 1,
        other => other,
    }
}

fn fix_checksum(file: &mut [u8]) {
    if file.len() >= 512 {
        let sum = checksum(file);
        file[508..512].copy_from_slice(&sum.to_le_bytes());
    }
}

/// Fixes a log's base block checksum and the hashes of the entries that
/// are laid out soundly enough to be walked; with `renumber`, the base
/// block's sequence numbers are made equal and the entries numbered on
/// from them first.
fn fix_log(log: &mut [u8], renumber: bool) {
    let mut sequence = None;
    if renumber && log.len() >= 512 {
        let primary: [u8; 4] = log[4..8].try_into().unwrap();
        log[8..12].copy_from_slice(&primary);
        sequence = Some(u32::from_le_bytes(primary));
    }
    fix_checksum(log);
    let mut at = 512;
    while log.len() >= at + 40 && &log[at..at + 4] == b"HvLE" {
        let size = u32::from_le_bytes(log[at + 4..at + 8].try_into().unwrap()) as usize;
        if size < 40 || size % 512 != 0 || log.len() - at < size {
            break;
        }
        if let Some(number) = sequence.as_mut() {
            log[at + 12..at + 16].copy_from_slice(&number.to_le_bytes());
            *number = number.wrapping_add(1);
        }
        rehash_entry(&mut log[at..at + size]);
        at += size;
    }
}

/// Replays, opens and walks; panics when a property fails.
pub fn check(data: &[u8]) {
    let (flags, hive, log1, log2) = split(data);
    let mut hive = hive.to_vec();
    let mut log1 = log1.to_vec();
    let mut log2 = log2.to_vec();
    if flags & 1 != 0 {
        fix_log(&mut log1, flags & 8 != 0);
        fix_log(&mut log2, flags & 8 != 0);
    }
    if flags & 2 != 0 && hive.len() >= 12 {
        let primary = u32::from_le_bytes(hive[4..8].try_into().unwrap());
        hive[8..12].copy_from_slice(&primary.wrapping_sub(1).to_le_bytes());
    }
    if flags & 4 != 0 {
        fix_checksum(&mut hive);
    }
    let logs = [
        TransactionLog {
            name: "fuzz.LOG1",
            bytes: &log1,
        },
        TransactionLog {
            name: "fuzz.LOG2",
            bytes: &log2,
        },
    ];

    let replayed = replay("fuzz", hive.clone(), &logs, MAX_LEN);
    assert_eq!(replayed.original, hive, "the input is kept as given");
    assert_eq!(replayed.logs.len(), 2);
    let clean = sniff_regf(&hive).is_some_and(|h| h.checksum_ok && !h.is_dirty());
    if clean && hive.len() >= 4096 {
        assert!(
            replayed.recovered.is_none(),
            "a clean hive is never changed"
        );
        assert!(
            replayed
                .logs
                .iter()
                .all(|r| r.outcome == LogOutcome::NotNeeded)
        );
        assert!(replayed.warnings.is_empty());
    }
    if let Some(recovered) = &replayed.recovered {
        let bound = hive.len() + log1.len() + log2.len();
        assert!(
            recovered.len() <= bound.min(MAX_LEN.max(hive.len())),
            "recovered {} bytes from {bound} bytes of input",
            recovered.len()
        );
        assert!(replayed.logs.iter().any(|r| r.applied()));
        let header = sniff_regf(recovered).expect("a recovered hive keeps its signature");
        assert!(header.checksum_ok && !header.is_dirty() && header.file_type == 0);
        // The recovered bytes hold to every property of a hive read.
        hive_check::check_hive(recovered);
    } else {
        assert!(!replayed.logs.iter().any(|r| r.applied()));
    }

    let (opened, reports) = HiveFile::open_with_logs("fuzz", hive, &logs, MAX_LEN);
    assert_eq!(reports.len(), 2);
    if opened.is_err() {
        assert!(!reports.iter().any(|r| r.applied()));
    }
    for report in &reports {
        let _ = report.outcome.to_string();
    }
}
