//! Replays every input saved under `tests/fuzz-regressions/hive_logs/`
//! (inputs that once made the `hive_logs` fuzz target fail, or that
//! cover what it must get right) through the same checks the target makes,
//! plus inputs built here from the log writer. `write_fuzz_seeds` (ignored)
//! writes seeds for a fuzzing run into `$HIVE_LOGS_SEEDS`.

#[path = "../fuzz/fuzz_targets/hive_logs_check.rs"]
mod hive_logs_check;

use hivetriage::fixture::regf::HiveBuilder;
use hivetriage::fixture::regf::log::{
    NewFormatPlan, dirty_with_new_format_logs, dirty_with_old_format_log, new_format_files,
};

/// An input for the target: flags, the hive and two logs.
fn input(flags: u8, hive: &[u8], log1: &[u8], log2: &[u8]) -> Vec<u8> {
    let mut data = vec![flags];
    data.extend((hive.len() as u32).to_le_bytes());
    data.extend_from_slice(hive);
    data.extend((log1.len() as u32).to_le_bytes());
    data.extend_from_slice(log1);
    data.extend_from_slice(log2);
    data
}

fn state(value: Option<&str>, keys: usize) -> HiveBuilder {
    let mut hive = HiveBuilder::new();
    hive.file_name("SYSTEM");
    let key = hive.key(r"ControlSet001\Services\MSExchangeIMC\Parameters");
    if let Some(value) = value {
        key.sz("RootDir", value);
    }
    for index in 0..keys {
        hive.key(&format!("K{index}")).dword("v", index as u32);
    }
    hive
}

/// Inputs from the writer: dirty hives with sound logs of both formats,
/// the same hives clean, and the logs swapped; new-format logs that start
/// after the hive's secondary sequence number, with LOG2 first, and across
/// the wrap of the sequence number.
fn writer_inputs() -> Vec<Vec<u8>> {
    let states = [state(None, 2), state(Some("a"), 2), state(Some("b"), 40)];
    let refs: Vec<&HiveBuilder> = states.iter().collect();
    let new = dirty_with_new_format_logs(&refs, 1);
    let old = dirty_with_old_format_log(&states[0], &states[2]);
    let clean = states[0].to_bytes();
    let plan = NewFormatPlan {
        states: &refs,
        on_disk: 0,
        hive_secondary: 2093,
        sequences: &[2107, 2108],
        log1: &[0],
        log2: &[1],
        log1_remains: &[],
        log2_remains: &[],
    };
    let after_gap = new_format_files(&plan);
    let log2_first = new_format_files(&NewFormatPlan {
        log1: &[1],
        log2: &[0],
        log1_remains: &[0],
        ..plan
    });
    let wrapping = new_format_files(&NewFormatPlan {
        hive_secondary: u32::MAX,
        sequences: &[u32::MAX, 0],
        ..plan
    });
    let mut damaged = after_gap.clone();
    damaged.primary[508] ^= 1;
    vec![
        input(0, &after_gap.primary, &after_gap.log1, &after_gap.log2),
        input(0, &log2_first.primary, &log2_first.log1, &log2_first.log2),
        input(0, &wrapping.primary, &wrapping.log1, &wrapping.log2),
        input(0, &damaged.primary, &damaged.log1, &damaged.log2),
        input(9, &after_gap.primary, &after_gap.log2, &after_gap.log1),
        input(0, &new.primary, &new.log1, &new.log2),
        input(0, &new.primary, &new.log2, &new.log1),
        input(0, &old.primary, &old.log, &[]),
        input(0, &clean, &new.log1, &new.log2),
        input(0, &clean, &old.log, &[]),
        input(2, &clean, &old.log, &new.log1),
        input(7, &old.primary, &new.log1, &old.log),
    ]
}

#[test]
fn hive_logs_regressions() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions/hive_logs");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| hive_logs_check::check(&data));
        assert!(outcome.is_ok(), "{} fails again", path.display());
        replayed += 1;
    }
    assert!(replayed > 0, "no inputs in {}", dir.display());
}

#[test]
fn writer_inputs_hold_to_the_target_properties() {
    for data in writer_inputs() {
        hive_logs_check::check(&data);
    }
    // The split itself: lengths cut to what is there.
    let (flags, hive, log1, log2) = hive_logs_check::split(&[5, 9, 0, 0, 0, 1, 2]);
    assert_eq!(
        (flags, hive, log1, log2),
        (5, &[1u8, 2][..], &[][..], &[][..])
    );
}

#[test]
#[ignore = "writes fuzzing seeds; run with HIVE_LOGS_SEEDS=<dir>"]
fn write_fuzz_seeds() {
    let dir = std::env::var("HIVE_LOGS_SEEDS").expect("HIVE_LOGS_SEEDS");
    std::fs::create_dir_all(&dir).unwrap();
    for (index, data) in writer_inputs().iter().enumerate() {
        std::fs::write(format!("{dir}/writer-{index}"), data).unwrap();
    }
}
