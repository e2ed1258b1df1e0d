//! Replays every input saved under `tests/fuzz-regressions/hive_open_walk/`
//! (inputs that once made the `hive_open_walk` fuzz target fail) through
//! the same checks the target makes.

#[path = "../fuzz/fuzz_targets/hive_check.rs"]
mod hive_check;

#[test]
fn hive_open_walk_regressions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions/hive_open_walk");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| hive_check::check_hive(&data));
        assert!(outcome.is_ok(), "{} fails again", path.display());
        replayed += 1;
    }
    assert!(replayed > 0, "no inputs in {}", dir.display());
}
