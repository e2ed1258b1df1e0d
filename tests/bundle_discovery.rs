//! Discovery: command-line inputs to bundles (a zip, a directory bundle,
//! a folder of bundles, nested folders of bundles), on temporary trees.

use std::cell::RefCell;
use std::path::{Path, PathBuf};

use hivetriage::bundle::{BundleLocation, DiscoverError, discover};
use hivetriage::fixture::zip::zip_bytes;

/// Registry data, as far as these tests go: a `regf` magic.
fn is_regf(_: &Path, first: &[u8]) -> bool {
    first.starts_with(b"regf")
}

fn hive() -> Vec<u8> {
    let mut bytes = b"regf".to_vec();
    bytes.resize(8192, 0);
    bytes
}

fn write(root: &Path, relative: &str, bytes: &[u8]) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn mkdir(root: &Path, relative: &str) {
    std::fs::create_dir_all(root.join(relative)).unwrap();
}

fn found(inputs: &[PathBuf]) -> Vec<Result<BundleLocation, DiscoverError>> {
    discover(inputs, &is_regf)
}

/// The display names found, relative to `root` (with `/`), errors as `!path`.
fn shown(root: &Path, inputs: &[PathBuf]) -> Vec<String> {
    let prefix = format!("{}/", root.display());
    found(inputs)
        .into_iter()
        .map(|r| match r {
            Ok(location) => {
                assert_eq!(
                    location.display_name,
                    location.path.to_string_lossy(),
                    "display name is the path as given or found"
                );
                location.display_name.replacen(&prefix, "", 1)
            }
            Err(e) => format!("!{}", e.path.replacen(&prefix, "", 1)),
        })
        .collect()
}

#[test]
fn a_zip_file_is_one_bundle_named_as_given() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "case17.zip", &zip_bytes(&[("SYSTEM", &hive())]));
    let input = dir.path().join("case17.zip");
    let result = found(std::slice::from_ref(&input));
    assert_eq!(
        result.into_iter().map(Result::unwrap).collect::<Vec<_>>(),
        [BundleLocation {
            path: input.clone(),
            display_name: input.to_string_lossy().into_owned(),
        }]
    );
}

#[test]
fn a_file_that_is_not_a_zip_by_name_is_still_one_bundle() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "SYSTEM", &hive());
    write(dir.path(), "notes.txt", b"hello");
    let root = dir.path();
    assert_eq!(
        shown(root, &[root.join("SYSTEM"), root.join("notes.txt")]),
        ["SYSTEM", "notes.txt"]
    );
}

#[test]
fn a_missing_input_is_an_error_and_order_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a.zip", &zip_bytes(&[]));
    write(root, "c.zip", &zip_bytes(&[]));
    let inputs = [
        root.join("c.zip"),
        root.join("missing.zip"),
        root.join("a.zip"),
    ];
    assert_eq!(shown(root, &inputs), ["c.zip", "!missing.zip", "a.zip"]);
    let error = found(&inputs).remove(1).unwrap_err();
    assert!(error.to_string().contains("missing.zip: "), "{error}");
    assert!(
        error.detail.to_lowercase().contains("no such file"),
        "{error}"
    );
}

#[test]
fn registry_data_directly_in_a_directory_makes_it_one_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    write(&case, "SYSTEM", &hive());
    // Zips and registry-holding sub-folders beside it do not matter.
    write(&case, "attachments.zip", &zip_bytes(&[]));
    write(&case, "old/SOFTWARE", &hive());
    write(&case, "older/SOFTWARE", &hive());
    assert_eq!(shown(dir.path(), std::slice::from_ref(&case)), ["case"]);
}

#[test]
fn registry_data_in_one_sub_folder_makes_one_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    write(&case, "Reg/config/SYSTEM", &hive());
    write(&case, "acl/pickup.txt", b"C:\\x\tD:(A;;FA;;;WD)");
    write(&case, "readme.txt", b"from the customer");
    assert_eq!(shown(dir.path(), std::slice::from_ref(&case)), ["case"]);
}

#[test]
fn a_directory_without_registry_data_or_zips_is_one_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    write(&case, "acl/pickup.txt", b"C:\\x\tD:(A;;FA;;;WD)");
    write(&case, "logs/iis.log", b"GET /");
    mkdir(&case, "empty");
    let empty = dir.path().join("nothing");
    mkdir(dir.path(), "nothing");
    assert_eq!(shown(dir.path(), &[case, empty]), ["case", "nothing"]);
}

#[test]
fn zips_make_a_folder_of_bundles_sorted_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    write(&batch, "case2.zip", &zip_bytes(&[]));
    write(&batch, "Case10.ZIP", &zip_bytes(&[]));
    write(&batch, "case1.zip", b"not really a zip");
    write(&batch, "case3/Reg/SYSTEM", &hive());
    write(&batch, "notes.txt", b"not a bundle");
    mkdir(&batch, "empty");
    assert_eq!(
        shown(dir.path(), std::slice::from_ref(&batch)),
        [
            "batch/Case10.ZIP",
            "batch/case1.zip",
            "batch/case2.zip",
            "batch/case3",
            "batch/empty"
        ]
    );
}

#[test]
fn two_registry_holding_sub_folders_make_a_folder_of_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    write(&batch, "case1/Reg/SYSTEM", &hive());
    write(&batch, "case2/SOFTWARE", &hive());
    write(&batch, "case3/acl.txt", b"no registry here");
    assert_eq!(
        shown(dir.path(), std::slice::from_ref(&batch)),
        ["batch/case1", "batch/case2", "batch/case3"]
    );
}

#[test]
fn nested_folders_of_bundles_are_expanded_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    write(&batch, "x.zip", &zip_bytes(&[]));
    // A sub-folder that is itself a folder of bundles (two registry cases).
    write(&batch, "monday/c1/SYSTEM", &hive());
    write(&batch, "monday/c2/Reg/SYSTEM", &hive());
    // A sub-folder that is one bundle (registry data in one sub-folder).
    write(&batch, "tuesday/Reg/SYSTEM", &hive());
    // A sub-folder of zips, two levels down.
    write(&batch, "wednesday/am/w1.zip", &zip_bytes(&[]));
    write(&batch, "wednesday/am/w2.zip", &zip_bytes(&[]));
    assert_eq!(
        shown(dir.path(), std::slice::from_ref(&batch)),
        [
            "batch/monday/c1",
            "batch/monday/c2",
            "batch/tuesday",
            "batch/wednesday/am/w1.zip",
            "batch/wednesday/am/w2.zip",
            "batch/x.zip"
        ]
    );
}

#[test]
fn zips_below_a_directory_without_registry_data_make_it_a_folder_of_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    write(&batch, "2024/case1.zip", &zip_bytes(&[]));
    write(&batch, "2025/case2.zip", &zip_bytes(&[]));
    assert_eq!(
        shown(dir.path(), std::slice::from_ref(&batch)),
        ["batch/2024/case1.zip", "batch/2025/case2.zip"]
    );
}

#[test]
fn the_predicate_sees_each_file_path_and_at_most_4096_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    write(&case, "big.bin", &vec![7; 100_000]);
    write(&case, "small.bin", b"abc");
    let seen = RefCell::new(Vec::new());
    let spy = |path: &Path, first: &[u8]| {
        seen.borrow_mut().push((
            path.file_name().unwrap().to_string_lossy().into_owned(),
            first.len(),
        ));
        false
    };
    let result = discover(std::slice::from_ref(&case), &spy);
    assert_eq!(result.len(), 1);
    let mut seen = seen.into_inner();
    seen.sort();
    assert_eq!(
        seen,
        [("big.bin".to_string(), 4096), ("small.bin".to_string(), 3)]
    );
}

#[cfg(unix)]
#[test]
fn symlinked_folders_are_bundles_but_never_walked_into() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    write(&batch, "a.zip", &zip_bytes(&[]));
    write(dir.path(), "elsewhere/case9/SYSTEM", &hive());
    symlink(dir.path().join("elsewhere/case9"), batch.join("case9")).unwrap();
    // A loop back to the batch folder: one bundle, not expanded forever.
    symlink(&batch, batch.join("loop")).unwrap();
    assert_eq!(
        shown(dir.path(), std::slice::from_ref(&batch)),
        ["batch/a.zip", "batch/case9", "batch/loop"]
    );

    // A directory whose only registry data is behind a link to a loop.
    let case = dir.path().join("case");
    mkdir(dir.path(), "case");
    symlink(&case, case.join("self")).unwrap();
    assert_eq!(shown(dir.path(), std::slice::from_ref(&case)), ["case"]);
}

#[cfg(unix)]
#[test]
fn a_dangling_link_in_a_folder_of_bundles_is_passed_over() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    write(&batch, "a.zip", &zip_bytes(&[]));
    write(&batch, "b/c1/SYSTEM", &hive());
    write(&batch, "b/c2/SYSTEM", &hive());
    // Neither a zip nor a folder: not a bundle.
    symlink(dir.path().join("gone"), batch.join("dangling")).unwrap();
    assert_eq!(
        shown(dir.path(), std::slice::from_ref(&batch)),
        ["batch/a.zip", "batch/b/c1", "batch/b/c2"]
    );
}

/// What `shown` gives, with skipped archives as `~path` (unreadable
/// inputs stay `!path`).
fn shown_with_skips(root: &Path, inputs: &[PathBuf]) -> Vec<String> {
    let prefix = format!("{}/", root.display());
    found(inputs)
        .into_iter()
        .map(|r| match r {
            Ok(location) => location.display_name.replacen(&prefix, "", 1),
            Err(e) if e.skipped => format!("~{}", e.path.replacen(&prefix, "", 1)),
            Err(e) => format!("!{}", e.path.replacen(&prefix, "", 1)),
        })
        .collect()
}

#[test]
fn a_folder_holding_only_a_folder_of_bundles_is_searched_through() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path().join("outer");
    write(&outer, "batch/c1/SYSTEM", &hive());
    write(&outer, "batch/c2/Reg/SYSTEM", &hive());
    assert_eq!(
        shown(dir.path(), std::slice::from_ref(&outer)),
        ["outer/batch/c1", "outer/batch/c2"]
    );
}

#[test]
fn a_folder_of_zips_beside_one_directory_bundle_is_searched_through() {
    let dir = tempfile::tempdir().unwrap();
    let outer = dir.path().join("outer");
    write(&outer, "caseA/Reg/SYSTEM", &hive());
    write(&outer, "week2/a.zip", &zip_bytes(&[]));
    write(&outer, "week2/b.zip", &zip_bytes(&[]));
    assert_eq!(
        shown(dir.path(), std::slice::from_ref(&outer)),
        ["outer/caseA", "outer/week2/a.zip", "outer/week2/b.zip"]
    );
}

#[test]
fn archives_not_read_are_members_reported_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    write(&batch, "a.zip", &zip_bytes(&[]));
    write(&batch, "b.7z", b"7z\xBC\xAF\x27\x1C\x00\x04");
    write(&batch, "c.tar.gz", b"\x1F\x8B\x08\x00\x00\x00");
    let mut cabinet = b"MSCF".to_vec();
    cabinet.resize(64, 0);
    cabinet[28] = 2;
    write(&batch, "d.cab", &cabinet);
    write(&batch, "e.rar", b"");
    write(&batch, "notes.txt", b"not an archive, not a bundle");
    assert_eq!(
        shown_with_skips(dir.path(), std::slice::from_ref(&batch)),
        [
            "batch/a.zip",
            "~batch/b.7z",
            "~batch/c.tar.gz",
            "~batch/d.cab",
            "~batch/e.rar"
        ]
    );
    let reasons: Vec<String> = found(std::slice::from_ref(&batch))
        .into_iter()
        .filter_map(Result::err)
        .map(|e| e.to_string())
        .collect();
    assert!(
        reasons[0].ends_with(
            "b.7z: skipped: a 7-Zip archive; hivetriage reads only .zip files and folders \
             (extract it, or zip the bundle)"
        ),
        "{reasons:?}"
    );
    assert!(
        reasons[1].contains("a gzip-compressed tar archive"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("a cabinet of 2 files"), "{reasons:?}");
    assert!(
        reasons[3].contains("named like a RAR archive"),
        "{reasons:?}"
    );

    // A folder holding only archives is a folder of skipped members, and
    // an archive given itself is skipped.
    let old = dir.path().join("old");
    write(&old, "x.rar", b"Rar!\x1A\x07\x00");
    assert_eq!(
        shown_with_skips(dir.path(), &[old, batch.join("b.7z")]),
        ["~old/x.rar", "~batch/b.7z"]
    );
}

#[test]
fn an_archive_inside_a_directory_bundle_is_one_of_its_entries() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("case");
    write(&case, "Reg/SYSTEM", &hive());
    write(&case, "dumps.7z", b"7z\xBC\xAF\x27\x1C\x00\x04");
    assert_eq!(
        shown_with_skips(dir.path(), std::slice::from_ref(&case)),
        ["case"]
    );
}
