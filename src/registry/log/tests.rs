//! Unit tests of the replay helpers; whole logs are tested in
//! `tests/registry_logs.rs`, against Windows' own files and the writer.

use super::*;

#[test]
fn growth_is_bounded_by_what_the_log_carries_and_by_the_limit() {
    let mut hive = vec![1u8; 8192];
    assert!(grow_for(&mut hive, 8192, 0, usize::MAX, || ("x".into(), None)).is_ok());
    assert_eq!(hive.len(), 8192);
    let (detail, _) = grow_for(&mut hive, 8192 + 4097, 4096, usize::MAX, || {
        ("the pages".into(), Some(7))
    })
    .unwrap_err();
    assert!(detail.contains("4097 more than the 4096 bytes"), "{detail}");
    let (detail, _) =
        grow_for(&mut hive, 12288, 4096, 10000, || ("the pages".into(), None)).unwrap_err();
    assert!(detail.contains("limit of 10000 bytes"), "{detail}");
    assert_eq!(hive.len(), 8192, "a refused growth changes nothing");
    grow_for(&mut hive, 12288, 4096, 12288, || ("x".into(), None)).unwrap();
    assert_eq!(hive.len(), 12288);
    assert!(hive[8192..].iter().all(|&b| b == 0));
}

#[test]
fn outcomes_read_as_report_details() {
    let defect = LogDefect::new("S.LOG1", Some(0x1fc), "bad");
    assert_eq!(defect.to_string(), "S.LOG1: bad (at byte offset 0x1fc)");
    assert_eq!(
        LogOutcome::NotApplied(defect.clone()).to_string(),
        "not applied: bad (at byte offset 0x1fc)"
    );
    let entries = LogOutcome::AppliedEntries {
        count: 3,
        first: 2,
        last: 4,
        base_block_from_log: false,
        starts_after: None,
        stopped_at: None,
    };
    assert_eq!(entries.to_string(), "applied 3 entries (sequence 2..4)");
    let one = LogOutcome::AppliedEntries {
        count: 1,
        first: 7,
        last: 7,
        base_block_from_log: true,
        starts_after: None,
        stopped_at: Some(defect),
    };
    assert_eq!(
        one.to_string(),
        "applied 1 entry (sequence 7); the hive's damaged base block was replaced by the log's; \
         what follows them is not applied: bad (at byte offset 0x1fc)"
    );
    let pages = LogOutcome::AppliedPages {
        pages: 64,
        base_block_from_log: false,
    };
    assert_eq!(
        pages.to_string(),
        "applied 64 dirty pages of 512 bytes (old format)"
    );
    assert_eq!(
        LogOutcome::NotNeeded.to_string(),
        "not applied: the hive is clean"
    );
}

#[test]
fn the_base_block_is_finished_with_equal_sequence_numbers_and_a_checksum() {
    let mut block = vec![0u8; 4096];
    block[..4].copy_from_slice(b"regf");
    put_u32(&mut block, FILE_TYPE_AT, 6);
    finish_base_block(&mut block, 9, 0x3000, Some(5));
    let header = sniff_regf(&block).unwrap();
    assert_eq!((header.primary_sequence, header.secondary_sequence), (9, 9));
    assert_eq!((header.file_type, header.hive_bins_size), (0, 0x3000));
    assert_eq!(u32_at(&block, FLAGS_AT), Some(5));
    assert!(header.checksum_ok);
}

#[test]
fn a_start_after_the_hive_s_number_is_said_with_the_numbers_missing() {
    let outcome = |first: u32, last: u32, secondary: u32| LogOutcome::AppliedEntries {
        count: (last - first + 1) as usize,
        first,
        last,
        base_block_from_log: false,
        starts_after: Some(secondary),
        stopped_at: None,
    };
    assert_eq!(
        outcome(2107, 2109, 2093).to_string(),
        "applied 3 entries (sequence 2107..2109), starting after the hive's secondary sequence \
         number 2093: entries 2093..2106 are in no log (already written to the hive, or lost), \
         and Windows recovers the same way"
    );
    assert!(
        outcome(3, 5, 2)
            .to_string()
            .contains("number 2: entry 2 is in no log")
    );
}

#[test]
fn sequence_numbers_compare_in_serial_number_order() {
    use new_format::comes_before;
    assert!(comes_before(1, 2));
    assert!(!comes_before(2, 1));
    assert!(!comes_before(7, 7));
    // Across the wrap: 0xFFFFFFFF comes before 0, as yarp's
    // is_starting_log has it (a difference above 0x7FFFFFFF).
    assert!(comes_before(u32::MAX, 0));
    assert!(!comes_before(0, u32::MAX));
    assert!(comes_before(0, 0x7FFF_FFFF));
    assert!(!comes_before(0, 0x8000_0000));
}

#[test]
fn logs_are_told_apart_by_their_extension_in_any_case() {
    use new_format::{Role, role};
    assert_eq!(role("Reg/SYSTEM.LOG1"), Role::Log1);
    assert_eq!(role("config/system.log2"), Role::Log2);
    assert_eq!(role("NTUSER.DAT.Log1"), Role::Log1);
    assert_eq!(role("SYSTEM.LOG"), Role::Other);
    assert_eq!(role("SYSTEM.LOG12"), Role::Other);
}
