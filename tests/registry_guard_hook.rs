//! The panic hook of `registry::guard` keeps contained panics quiet and
//! hands every other panic to the hook installed before it (the one that
//! prints, or libfuzzer's, which aborts). One test in its own binary, so
//! that its hook is in place before the guard's is installed, as
//! libfuzzer's is at start-up.

use std::sync::atomic::{AtomicUsize, Ordering};

use hivetriage::fixture::regf::HiveBuilder;
use hivetriage::registry::guard::contain;
use hivetriage::registry::{HiveData, HiveFile};

static SEEN_BY_PREVIOUS_HOOK: AtomicUsize = AtomicUsize::new(0);

fn seen() -> usize {
    SEEN_BY_PREVIOUS_HOOK.load(Ordering::SeqCst)
}

#[test]
fn contained_panics_are_silent_and_others_reach_the_previous_hook() {
    std::panic::set_hook(Box::new(|_| {
        SEEN_BY_PREVIOUS_HOOK.fetch_add(1, Ordering::SeqCst);
    }));

    assert!(contain(|| -> () { panic!("contained") }).is_err());
    assert_eq!(seen(), 0, "a contained panic reached the previous hook");

    // nt-hive's own assertion, reached through a damaged value (its data
    // offset 0xFFFFFFFF), read by HiveFile.
    let mut builder = HiveBuilder::new();
    builder.key("K").sz("V", "text");
    let written = builder.write();
    let mut bytes = written.bytes.clone();
    let vk = written.value_cell_offsets[&("K".to_string(), "V".to_string())] as usize;
    bytes[vk + 4 + 8..vk + 4 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    let (hive, _) = HiveFile::open("SYSTEM", bytes).unwrap();
    let key = hive.read_key("K").unwrap().unwrap();
    assert_eq!(key.problems.len(), 1);
    assert_eq!(
        seen(),
        0,
        "nt-hive's contained panic reached the previous hook"
    );

    // A panic outside the guard, on this thread and on another.
    assert!(std::panic::catch_unwind(|| -> () { panic!("a real bug") }).is_err());
    assert_eq!(seen(), 1);
    let other = std::thread::spawn(|| -> () { panic!("a real bug elsewhere") }).join();
    assert!(other.is_err());
    assert_eq!(seen(), 2);

    // A panic inside the guard on one thread does not silence another.
    let inside = std::thread::spawn(|| contain(|| -> () { panic!("contained") }).is_err());
    assert!(inside.join().unwrap());
    assert_eq!(seen(), 2);
}
