//! Reading bundles: zips in memory and on disk, directories, and every
//! kind of bad input (not a zip, truncated, bombs, lying headers, odd
//! names, unreadable files), with the memory bound checked by a counting
//! allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;

use hivetriage::bundle::{self, Bundle, BundleError, EntryError, Limits, open_zip_bytes};
use hivetriage::fixture::zip::{
    FLAG_ENCRYPTED, METHOD_BZIP2, RawEntry, bomb_entry, raw_zip, truncated, with_corrupt_data,
    with_declared_size, zip_bomb, zip_bytes, zip_bytes_stored, zip_with_folders, zip_with_symlink,
};

// ---- a per-thread allocation meter (tests run on parallel threads) ----

struct Meter;

thread_local! {
    static METERING: Cell<bool> = const { Cell::new(false) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(grow: isize, request: usize) {
    // try_with: the allocator also runs while thread locals are torn down.
    let _ = METERING.try_with(|on| {
        if on.get() {
            let live = LIVE.with(|l| {
                l.set(l.get() + grow);
                l.get()
            });
            PEAK.with(|p| p.set(p.get().max(live)));
            LARGEST.with(|l| l.set(l.get().max(request)));
        }
    });
}

unsafe impl GlobalAlloc for Meter {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size() as isize, layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note(-(layout.size() as isize), 0);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size as isize - layout.size() as isize, new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static METER: Meter = Meter;

/// Runs `f` and returns its result with the peak bytes live above the
/// start and the largest single allocation made on this thread meanwhile.
fn metered<T>(f: impl FnOnce() -> T) -> (T, isize, usize) {
    LIVE.with(|l| l.set(0));
    PEAK.with(|p| p.set(0));
    LARGEST.with(|l| l.set(0));
    METERING.with(|on| on.set(true));
    let result = f();
    METERING.with(|on| on.set(false));
    (result, PEAK.with(Cell::get), LARGEST.with(Cell::get))
}

// ---- helpers ----

const MIB: u64 = 1 << 20;

fn limits(max_entry_size: u64) -> Limits {
    Limits {
        max_entry_size,
        ..Limits::default()
    }
}

fn open_bytes(bytes: Vec<u8>) -> Box<dyn Bundle> {
    open_zip_bytes("case.zip", bytes, Limits::default()).expect("opens")
}

fn index_of(bundle: &dyn Bundle, name: &str) -> usize {
    bundle
        .entries()
        .iter()
        .position(|e| e.name == name)
        .unwrap_or_else(|| panic!("no entry {name} in {:?}", names(bundle)))
}

fn names(bundle: &dyn Bundle) -> Vec<String> {
    bundle.entries().iter().map(|e| e.name.clone()).collect()
}

fn read(bundle: &mut dyn Bundle, name: &str) -> Result<Vec<u8>, EntryError> {
    let index = index_of(bundle, name);
    bundle.read_entry(index).map(|b| b.into_vec())
}

/// Bytes that deflate only moderately, unlike zeros.
fn pattern(len: usize) -> Vec<u8> {
    let mut state = 0x1234_5678u32;
    (0..len)
        .map(|i| {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            if i % 3 == 0 {
                (state >> 24) as u8
            } else {
                b'a' + (i % 7) as u8
            }
        })
        .collect()
}

fn not_a_zip_detail(result: Result<Box<dyn Bundle>, BundleError>) -> String {
    match result {
        Err(BundleError::NotAZip { path, detail }) => {
            assert_eq!(path, "case.zip");
            assert!(!detail.trim().is_empty());
            detail
        }
        Err(other) => panic!("expected NotAZip, got {other}"),
        Ok(b) => panic!("expected NotAZip, got a bundle of {:?}", names(b.as_ref())),
    }
}

// ---- opening ----

#[test]
fn not_a_zip_is_said_with_the_reason() {
    let detail = not_a_zip_detail(open_zip_bytes(
        "case.zip",
        b"regf this is a hive, not a zip".repeat(100),
        Limits::default(),
    ));
    let err = open_zip_bytes("case.zip", vec![], Limits::default())
        .err()
        .unwrap();
    assert!(
        err.to_string().starts_with("case.zip: not a zip file: "),
        "{err}"
    );
    eprintln!("not a zip: {detail}");
}

#[test]
fn truncated_zips_are_not_zips_and_no_cut_panics() {
    let whole = zip_bytes(&[("Reg/SYSTEM", &pattern(20_000)), ("notes.txt", b"hello")]);
    not_a_zip_detail(open_zip_bytes(
        "case.zip",
        truncated(&whole, whole.len() / 2),
        Limits::default(),
    ));
    not_a_zip_detail(open_zip_bytes(
        "case.zip",
        truncated(&whole, whole.len() - 1),
        Limits::default(),
    ));
    // Every cut: either refused at opening, or a bundle whose reads all
    // answer (with bytes or an error) without panicking.
    for keep in 0..whole.len() {
        if let Ok(mut bundle) =
            open_zip_bytes("case.zip", truncated(&whole, keep), Limits::default())
        {
            for index in 0..bundle.entries().len() {
                let _ = bundle.read_entry(index);
                let _ = bundle.read_prefix(index, 100);
            }
        }
    }
}

#[test]
fn an_empty_zip_is_a_bundle_with_no_entries() {
    let bundle = open_bytes(zip_bytes(&[]));
    assert!(bundle.entries().is_empty());
    assert_eq!(bundle.name(), "case.zip");
    let bundle = open_bytes(raw_zip(&[]));
    assert!(bundle.entries().is_empty());
}

#[test]
fn zip_files_on_disk_are_read_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case17.zip");
    let hive = pattern(300_000);
    std::fs::write(&path, zip_bytes(&[("Reg/SYSTEM", &hive)])).unwrap();
    let mut bundle = bundle::open(&path, "batch/case17.zip", Limits::default()).unwrap();
    assert_eq!(bundle.name(), "batch/case17.zip");
    assert_eq!(names(bundle.as_ref()), ["Reg/SYSTEM"]);
    assert_eq!(bundle.entries()[0].declared_size, Some(hive.len() as u64));
    assert!(bundle.entries()[0].compressed_size.unwrap() < hive.len() as u64);
    assert_eq!(read(bundle.as_mut(), "Reg/SYSTEM").unwrap(), hive);

    let not_zip = dir.path().join("SYSTEM.zip");
    std::fs::write(&not_zip, b"regf").unwrap();
    let err = bundle::open(&not_zip, "SYSTEM.zip", Limits::default())
        .err()
        .unwrap();
    assert!(matches!(err, BundleError::NotAZip { .. }), "{err}");
    assert!(
        err.to_string().starts_with("SYSTEM.zip: not a zip file: "),
        "{err}"
    );
}

#[test]
fn a_missing_path_is_unreadable_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = bundle::open(&dir.path().join("nope.zip"), "nope.zip", Limits::default())
        .err()
        .unwrap();
    assert!(matches!(err, BundleError::Unreadable { .. }), "{err}");
    let text = err.to_string();
    assert!(text.starts_with("nope.zip: cannot be read: "), "{text}");
    assert!(text.to_lowercase().contains("no such file"), "{text}");
}

#[cfg(unix)]
#[test]
fn a_socket_is_not_a_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("case.zip");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let err = bundle::open(&socket, "case.zip", Limits::default())
        .err()
        .unwrap();
    assert!(matches!(err, BundleError::Unreadable { .. }), "{err}");
}

// ---- names ----

#[test]
fn hostile_names_are_listed_with_a_warning_and_read_as_bytes() {
    let zip = zip_bytes(&[
        ("../../etc/passwd", b"one"),
        ("/Windows/System32/config/SYSTEM", b"two"),
        ("C:\\Windows\\System32\\config\\SAM", b"three"),
        ("Reg/../../SOFTWARE", b"four"),
        ("Reg\\SECURITY", b"five"),
        ("plain.txt", b"six"),
    ]);
    let mut bundle = open_bytes(zip);
    let expect = [
        ("../../etc/passwd", "`..`", b"one".as_slice()),
        ("/Windows/System32/config/SYSTEM", "absolute", b"two"),
        ("C:/Windows/System32/config/SAM", "drive letter", b"three"),
        ("Reg/../../SOFTWARE", "`..`", b"four"),
    ];
    for (name, reason, bytes) in expect {
        let index = index_of(bundle.as_ref(), name);
        let warning = bundle.entries()[index]
            .name_warning
            .clone()
            .unwrap_or_else(|| panic!("{name}: no warning"));
        assert!(warning.contains(reason), "{name}: {warning}");
        assert_eq!(bundle.read_entry(index).unwrap().into_vec(), bytes);
    }
    // Backslashes are Windows separators: shown as `/`, not unusual.
    let index = index_of(bundle.as_ref(), "Reg/SECURITY");
    assert_eq!(bundle.entries()[index].name_warning, None);
    assert_eq!(read(bundle.as_mut(), "plain.txt").unwrap(), b"six");
    assert_eq!(
        bundle.entries()[index_of(bundle.as_ref(), "plain.txt")].name_warning,
        None
    );
}

#[test]
fn control_characters_nul_and_non_utf8_names_are_explained() {
    let mut weird = RawEntry::stored("x", b"data");
    weird.name = b"evil\x1b[2Jname\0.txt".to_vec();
    let mut latin = RawEntry::stored("x", b"cp437");
    latin.name = b"r\x82sum\x82.txt".to_vec(); // CP437 e-acute
    let mut bundle = open_bytes(raw_zip(&[weird, latin]));
    let warnings: Vec<String> = bundle
        .entries()
        .iter()
        .map(|e| e.name_warning.clone().expect("warned"))
        .collect();
    assert!(
        warnings[0].contains("control characters"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("NUL"), "{}", warnings[0]);
    assert!(
        !warnings[0].contains('\u{1b}'),
        "escaped: {:?}",
        warnings[0]
    );
    assert!(warnings[1].contains("not UTF-8"), "{}", warnings[1]);
    assert_eq!(bundle.entries()[1].name, "résumé.txt");
    assert_eq!(bundle.read_entry(0).unwrap().into_vec(), b"data");
    assert_eq!(bundle.read_entry(1).unwrap().into_vec(), b"cp437");
}

#[test]
fn folder_entries_are_left_out() {
    let bundle = open_bytes(zip_with_folders(
        &["Reg/", "Reg/empty/"],
        &[("Reg/SYSTEM", b"regf")],
    ));
    assert_eq!(names(bundle.as_ref()), ["Reg/SYSTEM"]);
}

#[test]
fn symlink_entries_are_only_bytes() {
    let mut bundle = open_bytes(zip_with_symlink(
        "Reg/SYSTEM",
        "/etc/shadow",
        &[("Reg/SOFTWARE", b"regf")],
    ));
    let index = index_of(bundle.as_ref(), "Reg/SYSTEM");
    let warning = bundle.entries()[index].name_warning.clone().unwrap();
    assert!(warning.contains("symbolic link"), "{warning}");
    assert_eq!(bundle.read_entry(index).unwrap().into_vec(), b"/etc/shadow");
    assert_eq!(read(bundle.as_mut(), "Reg/SOFTWARE").unwrap(), b"regf");
}

#[test]
fn names_listed_twice_are_flagged() {
    let zip = raw_zip(&[
        RawEntry::stored("Reg/SYSTEM", b"first"),
        RawEntry::stored("Reg\\SYSTEM", b"second"),
        RawEntry::stored("SAM", b"third"),
        RawEntry::stored("SAM", b"fourth"),
    ]);
    let mut bundle = open_bytes(zip);
    let system: Vec<usize> = (0..bundle.entries().len())
        .filter(|&i| bundle.entries()[i].name == "Reg/SYSTEM")
        .collect();
    assert_eq!(system.len(), 2, "{:?}", names(bundle.as_ref()));
    for &i in &system {
        let warning = bundle.entries()[i].name_warning.clone().unwrap();
        assert!(warning.contains("same name"), "{warning}");
    }
    // The zip crate keeps one entry per stored name: the bundle says so,
    // naming itself and the name.
    let warning = bundle
        .warnings()
        .iter()
        .find(|w| w.contains("more than once"))
        .unwrap_or_else(|| panic!("{:?}", bundle.warnings()));
    assert!(
        warning.starts_with(&format!("{}: ", bundle.name()))
            && warning.contains("\"SAM\" (2 times)")
            && !warning.contains("SYSTEM"),
        "{warning}"
    );
    let sam = index_of(bundle.as_ref(), "SAM");
    // As the warning says: the last entry of a repeated name is the one read.
    assert_eq!(bundle.read_entry(sam).unwrap().into_vec(), b"fourth");

    // Read through the file rather than a mapping, the same names.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twice.zip");
    std::fs::write(
        &path,
        raw_zip(&[
            RawEntry::stored("SAM", b"third"),
            RawEntry::stored("SAM", b"fourth"),
        ]),
    )
    .unwrap();
    for map_files in [true, false] {
        let limits = Limits {
            map_files,
            ..Limits::default()
        };
        let bundle = hivetriage::bundle::open(&path, "case/twice.zip", limits).unwrap();
        assert_eq!(
            bundle.warnings(),
            [
                "case/twice.zip: the zip's directory lists the same name more than once: \
              \"SAM\" (2 times); only the last entry of that name is read"
            ],
            "mapped: {map_files}"
        );
    }
}

// ---- limits ----

#[test]
fn an_entry_declared_over_the_size_limit_is_refused_and_others_read() {
    let big = pattern(300_000);
    let zip = zip_bytes(&[("Reg/SYSTEM", &big), ("Reg/SOFTWARE", b"small")]);
    let mut bundle = open_zip_bytes("case.zip", zip, limits(100_000)).unwrap();
    let err = read(bundle.as_mut(), "Reg/SYSTEM").unwrap_err();
    assert!(matches!(err, EntryError::Refused { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "Reg/SYSTEM: refused: declares an inflated size of 300000 bytes, more than the limit \
         of 100000 bytes (--max-entry-size)"
    );
    // A prefix is still there to tell what the entry is.
    let index = index_of(bundle.as_ref(), "Reg/SYSTEM");
    assert_eq!(bundle.read_prefix(index, 4096).unwrap(), &big[..4096]);
    assert_eq!(read(bundle.as_mut(), "Reg/SOFTWARE").unwrap(), b"small");
    // At exactly the limit it reads.
    let mut bundle =
        open_zip_bytes("case.zip", zip_bytes(&[("x", &big)]), limits(300_000)).unwrap();
    assert_eq!(read(bundle.as_mut(), "x").unwrap(), big);
}

#[test]
fn a_true_bomb_inflates_when_the_limits_allow() {
    // Shows the fixture is a real bomb: the refusals below are the limits'.
    let size = 6 * MIB as u32;
    let zip = zip_bomb("bomb.bin", size, &[]);
    let generous = Limits {
        max_entry_size: 1 << 30,
        max_compression_ratio: 2000,
        ..Limits::default()
    };
    let mut bundle = open_zip_bytes("case.zip", zip, generous).unwrap();
    let info = &bundle.entries()[0];
    assert!(
        info.compressed_size.unwrap() * 1000 < u64::from(size),
        "{info:?}"
    );
    let bytes = bundle.read_entry(0).unwrap();
    assert_eq!(bytes.len(), size as usize);
    assert!(bytes.iter().all(|&b| b == 0));
}

#[test]
fn a_zip_bomb_is_refused_by_its_ratio_and_the_other_entry_reads() {
    let zip = zip_bomb(
        "Reg/SYSTEM",
        512 * MIB as u32,
        &[("Reg/SOFTWARE", b"still here")],
    );
    assert!(zip.len() < 1 << 20, "the bomb is small: {}", zip.len());
    let mut bundle = open_zip_bytes("case.zip", zip, Limits::default()).unwrap();
    let (err, peak, largest) = metered(|| read(bundle.as_mut(), "Reg/SYSTEM").unwrap_err());
    assert!(matches!(err, EntryError::Refused { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("Reg/SYSTEM: refused: declares 536870912 bytes"),
        "{text}"
    );
    assert!(
        text.contains("likely a zip bomb") && text.contains("1000:1"),
        "{text}"
    );
    // Refused before inflating: nothing near the bomb's size was allocated.
    assert!(
        peak < MIB as isize && largest < MIB as usize,
        "{peak} {largest}"
    );
    assert_eq!(
        read(bundle.as_mut(), "Reg/SOFTWARE").unwrap(),
        b"still here"
    );
}

#[test]
fn a_bomb_under_a_small_size_limit_is_refused_within_the_limit() {
    let zip = zip_bomb("bomb.bin", 512 * MIB as u32, &[("ok.txt", b"fine")]);
    let limit = MIB;
    let mut bundle = open_zip_bytes("case.zip", zip, limits(limit)).unwrap();
    let err = read(bundle.as_mut(), "bomb.bin").unwrap_err();
    assert_eq!(
        err.to_string(),
        "bomb.bin: refused: declares an inflated size of 536870912 bytes, more than the limit \
         of 1048576 bytes (--max-entry-size)"
    );
    assert_eq!(read(bundle.as_mut(), "ok.txt").unwrap(), b"fine");
}

#[test]
fn a_bomb_whose_headers_lie_is_still_bounded() {
    // The bomb declares 1000 bytes; its data inflates to 512 MiB.
    let zip = with_declared_size(
        &zip_bomb("Reg/SYSTEM", 512 * MIB as u32, &[("Reg/SAM", b"sam")]),
        "Reg/SYSTEM",
        1000,
    );
    let limit = MIB;
    let mut bundle = open_zip_bytes("case.zip", zip, limits(limit)).unwrap();
    assert_eq!(bundle.entries()[0].declared_size, Some(1000));
    let (result, peak, largest) = metered(|| read(bundle.as_mut(), "Reg/SYSTEM"));
    let err = result.unwrap_err();
    assert!(err.to_string().starts_with("Reg/SYSTEM: "), "{err}");
    eprintln!("lying bomb: {err}");
    // Far below the bomb's 512 MiB, and within the limit plus buffers.
    assert!(peak < (limit + MIB) as isize, "peak {peak}");
    assert!(largest < (limit + MIB) as usize, "largest {largest}");
    // A prefix within the declared size still reads.
    let index = index_of(bundle.as_ref(), "Reg/SYSTEM");
    assert_eq!(bundle.read_prefix(index, 500).unwrap(), vec![0; 500]);
    assert_eq!(read(bundle.as_mut(), "Reg/SAM").unwrap(), b"sam");
}

#[test]
fn a_bomb_declaring_a_plausible_size_stops_there() {
    // Declares 4 MiB (at the floor, so the declared ratio is not checked)
    // and inflates to 64 MiB from ~64 KiB: reading stops just past the
    // declared size (the actual-ratio bound is checked with a reader that
    // ignores declared sizes in the unit tests of bundle::read).
    let zip = with_declared_size(&zip_bomb("b", 64 * MIB as u32, &[]), "b", 4 * MIB as u32);
    let mut bundle = open_zip_bytes("case.zip", zip, Limits::default()).unwrap();
    let (result, peak, _) = metered(|| bundle.read_entry(0).map(|b| b.len()));
    assert!(result.is_err(), "{result:?}");
    assert!(peak < (16 * MIB) as isize, "peak {peak}");
}

#[test]
fn a_declared_size_larger_than_the_data_is_refused_before_reading() {
    let zip = with_declared_size(&zip_bytes(&[("x", b"tiny")]), "x", u32::MAX - 1);
    let mut bundle = open_zip_bytes("case.zip", zip, limits(MIB)).unwrap();
    let (err, peak, _) = metered(|| bundle.read_entry(0).unwrap_err());
    assert!(err.to_string().contains("4294967294 bytes"), "{err}");
    assert!(peak < (64 << 10), "nothing pre-sized from the lie: {peak}");
}

#[test]
fn a_declared_size_smaller_than_the_data_is_unreadable_not_truncated() {
    let data = pattern(50_000);
    for zip in [
        zip_bytes(&[("x", &data)]),
        zip_bytes_stored(&[("x", &data)]),
    ] {
        let zip = with_declared_size(&zip, "x", 100);
        let mut bundle = open_zip_bytes("case.zip", zip, Limits::default()).unwrap();
        let err = bundle.read_entry(0).unwrap_err();
        assert!(matches!(err, EntryError::Unreadable { .. }), "{err}");
        assert!(err.to_string().starts_with("x: cannot be read: "), "{err}");
    }
}

// ---- unreadable entries ----

#[test]
fn encrypted_and_unsupported_entries_say_why() {
    let mut encrypted = RawEntry::stored("secret.bin", b"xxxxxxxxxxxxxxxxxxxx");
    encrypted.flags |= FLAG_ENCRYPTED;
    let mut bzip2 = RawEntry::stored("Reg/SYSTEM", b"BZh91AY&SY");
    bzip2.method = METHOD_BZIP2;
    let mut unknown = RawEntry::stored("odd.bin", b"zzzz");
    unknown.method = 77;
    let mut bundle = open_bytes(raw_zip(&[
        encrypted,
        bzip2,
        unknown,
        RawEntry::stored("fine.txt", b"fine"),
    ]));
    let err = read(bundle.as_mut(), "secret.bin").unwrap_err();
    assert!(matches!(err, EntryError::Unreadable { .. }), "{err}");
    assert!(err.to_string().contains("encrypted"), "{err}");
    let err = read(bundle.as_mut(), "Reg/SYSTEM").unwrap_err();
    assert!(err.to_string().contains("method 12 (Bzip2)"), "{err}");
    let err = read(bundle.as_mut(), "odd.bin").unwrap_err();
    assert!(err.to_string().contains("method 77"), "{err}");
    assert_eq!(read(bundle.as_mut(), "fine.txt").unwrap(), b"fine");
}

#[test]
fn corrupt_data_and_crc_mismatches_are_unreadable() {
    let data = pattern(40_000);
    for zip in [
        zip_bytes(&[("Reg/SYSTEM", &data), ("ok", b"ok")]),
        zip_bytes_stored(&[("Reg/SYSTEM", &data), ("ok", b"ok")]),
    ] {
        let mut bundle = open_bytes(with_corrupt_data(&zip, "Reg/SYSTEM"));
        let err = read(bundle.as_mut(), "Reg/SYSTEM").unwrap_err();
        assert!(matches!(err, EntryError::Unreadable { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with("Reg/SYSTEM: cannot be read: corrupt"),
            "{err}"
        );
        assert_eq!(read(bundle.as_mut(), "ok").unwrap(), b"ok");
    }
}

#[test]
fn an_index_past_the_end_is_an_error_not_a_panic() {
    let mut bundle = open_bytes(zip_bytes(&[("a", b"a")]));
    assert!(bundle.read_entry(1).is_err());
    assert!(bundle.read_prefix(usize::MAX, 10).is_err());
}

// ---- prefixes ----

#[test]
fn read_prefix_is_the_start_of_read_entry() {
    let sizes = [0usize, 1, 100, 4095, 4096, 4097, 70_000, 300_000];
    let entries: Vec<(String, Vec<u8>)> = sizes
        .iter()
        .map(|&n| (format!("e{n}"), pattern(n)))
        .collect();
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    for zip in [zip_bytes(&refs), zip_bytes_stored(&refs)] {
        let mut bundle = open_bytes(zip);
        for (index, (_, data)) in entries.iter().enumerate() {
            let whole = bundle.read_entry(index).unwrap().into_vec();
            assert_eq!(&whole, data);
            for len in [0usize, 1, 4096, 1 << 20] {
                let prefix = bundle.read_prefix(index, len).unwrap();
                assert_eq!(prefix.len(), len.min(data.len()));
                assert_eq!(prefix, whole[..prefix.len()]);
            }
        }
    }
}

#[test]
fn a_prefix_inflates_only_what_is_asked() {
    let zip = zip_bomb("bomb", 512 * MIB as u32, &[]);
    let mut bundle = open_zip_bytes("case.zip", zip, limits(1 << 30)).unwrap();
    let (prefix, peak, _) = metered(|| bundle.read_prefix(0, 4096).unwrap());
    assert_eq!(prefix, vec![0; 4096]);
    assert!(peak < MIB as isize, "peak {peak}");
}

// ---- directories ----

fn write(root: &Path, relative: &str, bytes: &[u8]) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn directory_bundles_list_nested_files_sorted_with_slashes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Reg/SYSTEM", b"regf system");
    write(root, "Reg/Config/deep/SOFTWARE", b"regf software");
    write(root, "acl/pickup.txt", b"C:\\x\tD:(A;;FA;;;WD)");
    write(root, "manifest.toml", b"");
    std::fs::create_dir_all(root.join("empty/folder")).unwrap();
    let mut bundle = bundle::open(root, "case17", Limits::default()).unwrap();
    assert_eq!(bundle.name(), "case17");
    assert_eq!(
        names(bundle.as_ref()),
        [
            "Reg/Config/deep/SOFTWARE",
            "Reg/SYSTEM",
            "acl/pickup.txt",
            "manifest.toml"
        ]
    );
    let index = index_of(bundle.as_ref(), "Reg/SYSTEM");
    assert_eq!(bundle.entries()[index].declared_size, Some(11));
    assert_eq!(bundle.entries()[index].compressed_size, None);
    assert_eq!(bundle.read_entry(index).unwrap().into_vec(), b"regf system");
    assert_eq!(bundle.read_prefix(index, 4).unwrap(), b"regf");
    assert!(bundle.entries().iter().all(|e| e.name_warning.is_none()));
    assert!(bundle.warnings().is_empty(), "{:?}", bundle.warnings());
}

#[test]
fn directory_files_over_the_limit_are_refused_others_read() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "big.bin", &pattern(200_000));
    write(dir.path(), "small.bin", b"small");
    let mut bundle = bundle::open(dir.path(), "case", limits(100_000)).unwrap();
    let err = read(bundle.as_mut(), "big.bin").unwrap_err();
    assert_eq!(
        err.to_string(),
        "big.bin: refused: is 200000 bytes, more than the limit of 100000 bytes (--max-entry-size)"
    );
    let index = index_of(bundle.as_ref(), "big.bin");
    assert_eq!(bundle.read_prefix(index, 10).unwrap(), pattern(10));
    assert_eq!(read(bundle.as_mut(), "small.bin").unwrap(), b"small");
}

#[cfg(unix)]
#[test]
fn directory_oddities_are_listed_not_fatal() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::symlink;

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "Reg/SYSTEM", b"regf");
    write(root, "Reg\\SAM", b"backslash in a Linux file name");
    std::fs::write(root.join(OsStr::from_bytes(b"caf\xe9.txt")), b"latin-1").unwrap();
    // A loop and a link out of the bundle: neither is followed.
    symlink(root, root.join("Reg/loop")).unwrap();
    symlink("/", root.join("root-of-everything")).unwrap();
    // A dangling link and a socket: listed, reads fail.
    symlink(root.join("gone"), root.join("dangling")).unwrap();
    let _listener = std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap();
    // A link to a file is read as the file.
    symlink(root.join("Reg/SYSTEM"), root.join("system-link")).unwrap();

    let mut bundle = bundle::open(root, "case", Limits::default()).unwrap();
    let listed = names(bundle.as_ref());
    assert_eq!(
        listed,
        [
            "Reg/SAM",
            "Reg/SYSTEM",
            "caf\u{fffd}.txt",
            "dangling",
            "sock",
            "system-link"
        ]
    );
    let warning = bundle.entries()[2].name_warning.clone().unwrap();
    assert!(warning.contains("not UTF-8"), "{warning}");
    assert_eq!(bundle.read_entry(2).unwrap().into_vec(), b"latin-1");
    assert_eq!(read(bundle.as_mut(), "system-link").unwrap(), b"regf");
    assert_eq!(
        read(bundle.as_mut(), "Reg/SAM").unwrap(),
        b"backslash in a Linux file name"
    );
    for name in ["dangling", "sock"] {
        let err = read(bundle.as_mut(), name).unwrap_err();
        assert!(matches!(err, EntryError::Unreadable { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with(&format!("{name}: cannot be read: ")),
            "{err}"
        );
    }
    let warnings = bundle.warnings().join("\n");
    assert!(
        warnings.contains("Reg/loop: a symbolic link to a folder, not followed"),
        "{warnings}"
    );
    assert!(warnings.contains("root-of-everything"), "{warnings}");
}

#[test]
fn a_file_deleted_after_listing_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a", b"a");
    write(dir.path(), "b", b"b");
    let mut bundle = bundle::open(dir.path(), "case", Limits::default()).unwrap();
    std::fs::remove_file(dir.path().join("a")).unwrap();
    let err = read(bundle.as_mut(), "a").unwrap_err();
    assert!(err.to_string().starts_with("a: cannot be read: "), "{err}");
    assert_eq!(read(bundle.as_mut(), "b").unwrap(), b"b");
}

#[test]
fn a_bomb_entry_is_a_tiny_deflate_stream() {
    let entry = bomb_entry("b", 100 * MIB as u32);
    assert!(entry.data.len() < 110_000, "{}", entry.data.len());
}

#[test]
fn a_whole_read_allocates_about_the_entry_and_no_more() {
    let data = pattern(2 * MIB as usize);
    let mut bundle =
        open_zip_bytes("case.zip", zip_bytes(&[("x", &data)]), limits(2 * MIB)).unwrap();
    let (bytes, peak, largest) = metered(|| bundle.read_entry(0).unwrap().into_vec());
    assert_eq!(bytes, data);
    // The result itself, an inflate window and one read buffer.
    assert!(largest <= data.len() + (64 << 10), "largest {largest}");
    assert!(peak <= (data.len() as isize) * 2 + (1 << 20), "peak {peak}");
}
