//! Replays every input saved under `tests/fuzz-regressions/regtext_reg/`,
//! `regtext_query/` and `szdd/` (inputs that once made those fuzz targets
//! fail, and a few seeds that reach their corners) through the same checks
//! the targets make.

#[path = "../fuzz/fuzz_targets/regtext_check.rs"]
mod regtext_check;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz-regressions")
        .join(target);
    let mut replayed = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails again", path.display());
        replayed += 1;
    }
    assert!(replayed > 0, "no inputs in {}", dir.display());
}

#[test]
fn regtext_reg_regressions() {
    replay("regtext_reg", regtext_check::check_reg_export);
}

#[test]
fn regtext_query_regressions() {
    replay("regtext_query", regtext_check::check_reg_query);
}

#[test]
fn szdd_regressions() {
    replay("szdd", regtext_check::check_szdd);
}
