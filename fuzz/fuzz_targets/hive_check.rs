//! The properties `hive_open_walk` checks, shared with the regression test
//! that replays saved inputs (`tests/registry_fuzz_regressions.rs`).

use hivetriage::registry::sam::LocalAccounts;
use hivetriage::registry::{HiveData, HiveFile, RegKey, WalkControl, names_equal};

/// Opens `data` as a hive; if it opens, identifies it, walks it whole,
/// reads every walked path back (a key the walk read without problems must
/// read back identical) and reads it as a SAM. Panics when a property
/// fails (what the fuzzer reports); panics of nt-hive that hivetriage
/// contains never get here.
pub fn check_hive(data: &[u8]) {
    let Ok((hive, _warnings)) = HiveFile::open("fuzz", data.to_vec()) else {
        return;
    };
    let _ = hive.identify("fuzz/SYSTEM");
    let mut walked_keys: Vec<RegKey> = Vec::new();
    let walked = hive.walk("", &mut |key: &RegKey| {
        walked_keys.push(key.clone());
        WalkControl::Continue
    });
    let summary = walked
        .expect("open read the root, so a walk from it starts")
        .expect("the root exists");
    assert_eq!(summary.keys, walked_keys.len());
    for (index, walked) in walked_keys.iter().enumerate() {
        let path = &walked.path;
        assert!(
            index == 0 || !path.is_empty(),
            "only the root has the empty path"
        );
        match hive.read_key(path) {
            Ok(Some(key)) => {
                assert!(
                    names_equal(&key.path, path),
                    "{path:?} read back as {:?}",
                    key.path
                );
                if walked.problems.is_empty() {
                    assert_eq!(&key, walked, "{path:?} read back differently");
                }
            }
            other => panic!("walked path {path:?} does not read back: {other:?}"),
        }
    }
    let _ = LocalAccounts::from_sam(&hive);
}
