//! Replays every input saved under `tests/fuzz-regressions/hive_logs/`
//! (inputs that once made the `hive_logs` fuzz target fail, or that
//! cover what it must get right) through the same checks the target makes,
//! plus inputs built from the log writer
//! (`fixture::regf::log_cases::hive_logs_inputs`, which
//! `cargo run --example fuzz_seeds -- hive_logs` writes as seeds for a
//! fuzzing run).

#[path = "../fuzz/fuzz_targets/hive_logs_check.rs"]
mod hive_logs_check;

use hivetriage::fixture::regf::log_cases::hive_logs_inputs;

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
    for data in hive_logs_inputs() {
        hive_logs_check::check(&data);
    }
    // The split itself: lengths cut to what is there.
    let (flags, hive, log1, log2) = hive_logs_check::split(&[5, 9, 0, 0, 0, 1, 2]);
    assert_eq!(
        (flags, hive, log1, log2),
        (5, &[1u8, 2][..], &[][..], &[][..])
    );
}
