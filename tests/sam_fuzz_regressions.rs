//! The `sam_records` fuzz target's checks (`fuzz/fuzz_targets/sam_check.rs`)
//! on the writer's own alias and group records cut at every length and
//! with single bytes changed, then on every input saved under
//! `tests/fuzz-regressions/sam_records/` (inputs that once made the target
//! fail), when there are any.

#[path = "../fuzz/fuzz_targets/sam_check.rs"]
mod sam_check;

use hivetriage::fixture::sam::SamBuilder;
use hivetriage::registry::{HiveData, HiveFile};

fn record(path: &str) -> Vec<u8> {
    let mut sam = SamBuilder::windows2000_defaults("S-1-5-21-9-8-7");
    sam.user("IUSR_EXCH01", 1001)
        .alias_member(545, "S-1-5-21-9-8-7-1001");
    let file = HiveFile::open("SAM", sam.to_bytes()).unwrap().0;
    let key = file.read_key(path).unwrap().unwrap();
    key.value("C").unwrap().raw.clone()
}

#[test]
fn written_records_cut_and_changed_cost_only_themselves() {
    for path in [
        "SAM\\Domains\\Builtin\\Aliases\\00000221",
        "SAM\\Domains\\Account\\Groups\\00000201",
    ] {
        let whole = record(path);
        sam_check::check_sam_records(&whole);
        for cut in 0..whole.len() {
            sam_check::check_sam_records(&whole[..cut]);
        }
        for at in (0..whole.len()).step_by(3) {
            let mut changed = whole.clone();
            changed[at] ^= 0x81;
            sam_check::check_sam_records(&changed);
        }
    }
}

#[test]
fn sam_records_regressions() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions/sam_records");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("no saved inputs in {}", dir.display());
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| sam_check::check_sam_records(&data));
        assert!(outcome.is_ok(), "{} fails again", path.display());
    }
}
