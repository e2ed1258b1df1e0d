//! Replays every input saved under `tests/fuzz-regressions/cabinet/`
//! (inputs that once made the `cabinet` fuzz target fail) through the
//! checks the target makes, plus cabinets from the fixture writer.

#[path = "../fuzz/fuzz_targets/cabinet_check.rs"]
mod cabinet_check;

use hivetriage::fixture::cabinet::single_file_cabinet;

#[test]
fn cabinet_regressions() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions/cabinet");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("no saved inputs in {} (none failed yet)", dir.display());
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| cabinet_check::check(&data));
        assert!(outcome.is_ok(), "{} fails again", path.display());
    }
}

#[test]
fn writer_cabinets_hold_to_the_target_properties() {
    for limit_choice in 0..4u8 {
        for content in [&b""[..], b"x", &[0x5a; 5000]] {
            let mut input = vec![limit_choice];
            input.extend(single_file_cabinet("system", content));
            cabinet_check::check(&input);
        }
    }
}
