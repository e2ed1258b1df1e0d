//! Turning command-line inputs into bundles: a zip, a directory bundle, or
//! a folder of bundles (each `.zip` and sub-directory in it one bundle).
//!
//! The rule, applied to each input in order:
//!
//! * A file is one bundle, named by the path as given. A `.zip` is the
//!   usual case; any other file is still tried as a zip, so that opening
//!   it says plainly that it is not one.
//! * A directory that has a file holding registry data directly in it is
//!   one bundle.
//! * Otherwise, with S its immediate sub-directories that hold registry
//!   data at any depth and Z its `.zip` files (extension in any case):
//!   * Z not empty, or S with two or more members: a *folder of bundles*.
//!     Each `.zip` and each sub-directory in it is one bundle, named by the
//!     input path joined with its name (`batch/case17.zip`), in name order;
//!     other files in it are not bundles and are passed over. A
//!     sub-directory that is itself a folder of bundles by this same rule is
//!     expanded in its place instead.
//!   * S with exactly one member and Z empty: one bundle (registry data in
//!     a sub-folder such as `Reg/`).
//!   * S and Z both empty: a folder of bundles if some sub-directory holds
//!     `.zip` files at any depth (`batch/2024/case1.zip`: a directory with
//!     no registry data anywhere but with zips below is what the contract
//!     calls a folder of bundles); else one bundle, which will be reported
//!     without registry data.
//! * A path that does not exist or cannot be listed is a [`DiscoverError`]
//!   for the caller to report; so is a sub-directory of a folder of bundles
//!   that cannot be listed.
//!
//! "Registry data" is whatever the caller's predicate says of a file's path
//! and first 4096 bytes. Symlinked directories are never walked below the
//! input itself: inside a folder of bundles a symlinked directory is one
//! bundle, not expanded, so no link can make discovery loop.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::read::describe_io_error;

/// One bundle to analyze.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleLocation {
    pub path: PathBuf,
    /// The path as given, or as found inside a folder of bundles.
    pub display_name: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct DiscoverError {
    pub path: String,
    pub detail: String,
}

/// How many first bytes of a file the predicate sees.
const SNIFF_LEN: usize = 4096;

/// The predicate, as passed in.
type IsRegistryData<'a> = &'a dyn Fn(&Path, &[u8]) -> bool;

/// Expands the inputs into bundles, in input order (folder contents sorted
/// by name). `is_registry_data(name, first_bytes)` tells whether a file
/// holds registry data, which makes its directory a bundle of its own.
pub fn discover(
    inputs: &[PathBuf],
    is_registry_data: &dyn Fn(&Path, &[u8]) -> bool,
) -> Vec<Result<BundleLocation, DiscoverError>> {
    let mut found = Vec::new();
    for input in inputs {
        let display_name = input.to_string_lossy().into_owned();
        match fs::metadata(input) {
            Err(e) => found.push(Err(DiscoverError {
                path: display_name,
                detail: describe_io_error(&e),
            })),
            Ok(metadata) if metadata.is_dir() => {
                expand_directory(input, &display_name, is_registry_data, &mut found)
            }
            // A file: a zip, or tried as one so that opening says it is not.
            Ok(_) => found.push(Ok(BundleLocation {
                path: input.clone(),
                display_name,
            })),
        }
    }
    found
}

/// What a directory turned out to be.
enum DirectoryKind {
    OneBundle,
    /// Its members, sorted by name: `.zip` files and sub-directories.
    FolderOfBundles(Vec<Member>),
}

struct Member {
    name: String,
    path: PathBuf,
    /// A real (not symlinked) directory, to be classified in turn.
    expandable: bool,
}

/// Adds the bundles a directory stands for: itself, or its members.
fn expand_directory(
    dir: &Path,
    display_name: &str,
    is_registry_data: IsRegistryData,
    found: &mut Vec<Result<BundleLocation, DiscoverError>>,
) {
    match classify(dir, is_registry_data) {
        Err(e) => found.push(Err(DiscoverError {
            path: display_name.to_string(),
            detail: describe_io_error(&e),
        })),
        Ok(DirectoryKind::OneBundle) => found.push(Ok(BundleLocation {
            path: dir.to_path_buf(),
            display_name: display_name.to_string(),
        })),
        Ok(DirectoryKind::FolderOfBundles(members)) => {
            for member in members {
                let member_display = Path::new(display_name)
                    .join(&member.name)
                    .to_string_lossy()
                    .into_owned();
                if member.expandable {
                    expand_directory(&member.path, &member_display, is_registry_data, found);
                } else {
                    found.push(Ok(BundleLocation {
                        path: member.path,
                        display_name: member_display,
                    }));
                }
            }
        }
    }
}

/// Applies the rule in the module documentation to one directory.
fn classify(dir: &Path, is_registry_data: IsRegistryData) -> std::io::Result<DirectoryKind> {
    let mut listing: Vec<(String, PathBuf, fs::FileType)> = Vec::new();
    for item in fs::read_dir(dir)? {
        let item = item?;
        let Ok(kind) = item.file_type() else {
            continue;
        };
        listing.push((
            item.file_name().to_string_lossy().into_owned(),
            item.path(),
            kind,
        ));
    }
    listing.sort_by(|a, b| a.0.cmp(&b.0));

    let mut zips = Vec::new();
    let mut sub_dirs = Vec::new();
    for (name, path, kind) in listing {
        // Symlinks count for what they point to, but are never walked below.
        let target = if kind.is_symlink() {
            fs::metadata(&path).ok()
        } else {
            None
        };
        let is_dir = kind.is_dir() || target.as_ref().is_some_and(|t| t.is_dir());
        let is_file = kind.is_file() || target.as_ref().is_some_and(|t| t.is_file());
        if is_dir {
            sub_dirs.push(Member {
                name,
                path,
                expandable: !kind.is_symlink(),
            });
        } else if is_file {
            if holds_registry_data(&path, is_registry_data) {
                return Ok(DirectoryKind::OneBundle);
            }
            if has_zip_extension(&name) {
                zips.push(Member {
                    name,
                    path,
                    expandable: false,
                });
            }
        }
    }

    let folder_of_bundles = if !zips.is_empty() {
        true
    } else {
        let mut with_registry_data = 0;
        let mut zips_below = false;
        for sub_dir in &sub_dirs {
            let below = scan_below(&sub_dir.path, is_registry_data);
            if below.registry_data {
                with_registry_data += 1;
                if with_registry_data >= 2 {
                    break;
                }
            }
            zips_below |= below.zips;
        }
        match with_registry_data {
            0 => zips_below,
            1 => false,
            _ => true,
        }
    };

    if !folder_of_bundles {
        return Ok(DirectoryKind::OneBundle);
    }
    let mut members = zips;
    members.extend(sub_dirs);
    members.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(DirectoryKind::FolderOfBundles(members))
}

/// What lies below a directory, at any depth.
struct Below {
    registry_data: bool,
    /// Meaningful only when `registry_data` is false (the walk stops at the
    /// first registry data found).
    zips: bool,
}

/// Walks below `dir` (not following symlinked directories) until a file
/// holding registry data is found. Unreadable parts are passed over: they
/// hold nothing that could be found anyway.
fn scan_below(dir: &Path, is_registry_data: IsRegistryData) -> Below {
    let mut zips = false;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(listing) = fs::read_dir(&dir) else {
            continue;
        };
        for item in listing.flatten() {
            let Ok(kind) = item.file_type() else {
                continue;
            };
            let path = item.path();
            if kind.is_dir() {
                pending.push(path);
                continue;
            }
            let is_file = kind.is_file()
                || (kind.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_file()));
            if !is_file {
                continue;
            }
            if holds_registry_data(&path, is_registry_data) {
                return Below {
                    registry_data: true,
                    zips,
                };
            }
            zips |= has_zip_extension(&item.file_name().to_string_lossy());
        }
    }
    Below {
        registry_data: false,
        zips,
    }
}

/// Asks the predicate about a regular file's first bytes; a file that
/// cannot be read holds no registry data that could be used.
fn holds_registry_data(path: &Path, is_registry_data: IsRegistryData) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut first = Vec::with_capacity(SNIFF_LEN);
    if file.take(SNIFF_LEN as u64).read_to_end(&mut first).is_err() {
        return false;
    }
    is_registry_data(path, &first)
}

fn has_zip_extension(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("zip"))
}
