//! Turning command-line inputs into bundles: a zip, a directory bundle, or
//! a folder of bundles (each `.zip` and sub-directory in it one bundle).
//!
//! The rule, applied to each input in order:
//!
//! * A file is one bundle, named by the path as given. A `.zip` is the
//!   usual case; a file whose first bytes (or, when they say nothing, its
//!   name) show an archive hivetriage does not read (7-Zip, RAR, tar,
//!   gzip, a cabinet of several files, a part of a split zip: see
//!   [`super::archives`]) is *skipped*, with the reason; any other file is
//!   still tried as a zip, so that opening it says plainly that it is not one.
//! * A directory that has a file holding registry data directly in it is
//!   one bundle.
//! * Otherwise its immediate sub-directories are classified by this same
//!   rule first. With Z its `.zip` files (extension in any case), A its
//!   files that are archives hivetriage does not read, and among its
//!   sub-directories F those that are folders of bundles and B those that
//!   are one bundle holding registry data (at any depth):
//!   * Z not empty, F not empty, B with two or more members, or (B empty
//!     and A not empty): a *folder of bundles*. Each `.zip`, each skipped
//!     archive and each sub-directory in it is a member, named by the input
//!     path joined with its name (`batch/case17.zip`), in name order; a
//!     member that is a folder of bundles is expanded in its place (so a
//!     folder of folders of bundles is searched through), and other files
//!     are not bundles and are passed over.
//!   * B with exactly one member, Z and F empty: one bundle (registry data
//!     in a sub-folder such as `Reg/`; archives beside it are its entries).
//!   * Otherwise (no registry data, no zips, no archives anywhere): one
//!     bundle, which will be reported without registry data.
//! * A path that does not exist or cannot be listed is a [`DiscoverError`]
//!   for the caller to report; so is a sub-directory of a folder of bundles
//!   that cannot be listed, and a skipped archive (marked
//!   [`DiscoverError::skipped`]).
//!
//! "Registry data" is whatever the caller's predicate says of a file's path
//! and first 4096 bytes. Symlinked directories are never walked below the
//! input itself: inside a folder of bundles a symlinked directory is one
//! bundle, not expanded, so no link can make discovery loop.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::archives;
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
    /// The path is a file skipped on purpose (an archive hivetriage does
    /// not read), not one that could not be read.
    pub skipped: bool,
}

impl DiscoverError {
    fn unreadable(path: String, error: &std::io::Error) -> DiscoverError {
        DiscoverError {
            path,
            detail: describe_io_error(error),
            skipped: false,
        }
    }
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
            Err(e) => found.push(Err(DiscoverError::unreadable(display_name, &e))),
            Ok(metadata) if metadata.is_dir() => match classify(input, is_registry_data) {
                Ok(kind) => expand(kind, input, &display_name, &mut found),
                Err(e) => found.push(Err(DiscoverError::unreadable(display_name, &e))),
            },
            Ok(_) => {
                let name = input.to_string_lossy();
                let skipped = (!has_zip_extension(&name))
                    .then(|| archives::unread_archive(&name, &first_bytes(input)))
                    .flatten();
                found.push(match skipped {
                    Some(kind) => Err(DiscoverError {
                        path: display_name,
                        detail: format!("skipped: {}", archives::skip_reason(&kind)),
                        skipped: true,
                    }),
                    // A zip, or tried as one so that opening says it is not.
                    None => Ok(BundleLocation {
                        path: input.clone(),
                        display_name,
                    }),
                });
            }
        }
    }
    found
}

/// What a directory turned out to be.
enum DirectoryKind {
    /// One bundle, and whether it holds registry data at any depth.
    OneBundle { registry_data: bool },
    /// Its members, sorted by name.
    FolderOfBundles(Vec<Member>),
}

struct Member {
    name: String,
    path: PathBuf,
    kind: MemberKind,
}

enum MemberKind {
    Zip,
    /// An archive hivetriage does not read, with what it is.
    Skipped(String),
    /// A real directory, already classified (or why it could not be).
    Directory(std::io::Result<DirectoryKind>),
    /// A symlinked directory: one bundle, never walked into.
    Linked,
}

/// Adds the bundles a classified directory stands for: itself, or its
/// members (folders of bundles among them expanded in place).
fn expand(
    kind: DirectoryKind,
    dir: &Path,
    display_name: &str,
    found: &mut Vec<Result<BundleLocation, DiscoverError>>,
) {
    let members = match kind {
        DirectoryKind::OneBundle { .. } => {
            found.push(Ok(BundleLocation {
                path: dir.to_path_buf(),
                display_name: display_name.to_string(),
            }));
            return;
        }
        DirectoryKind::FolderOfBundles(members) => members,
    };
    for member in members {
        let member_display = Path::new(display_name)
            .join(&member.name)
            .to_string_lossy()
            .into_owned();
        let one = |path: PathBuf| {
            Ok(BundleLocation {
                path,
                display_name: member_display.clone(),
            })
        };
        match member.kind {
            MemberKind::Zip | MemberKind::Linked => found.push(one(member.path)),
            MemberKind::Skipped(kind) => found.push(Err(DiscoverError {
                path: member_display,
                detail: format!("skipped: {}", archives::skip_reason(&kind)),
                skipped: true,
            })),
            MemberKind::Directory(Ok(kind)) => expand(kind, &member.path, &member_display, found),
            MemberKind::Directory(Err(e)) => {
                found.push(Err(DiscoverError::unreadable(member_display, &e)))
            }
        }
    }
}

/// Applies the rule in the module documentation to one directory,
/// classifying its sub-directories (recursively) on the way.
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

    let mut members: Vec<Member> = Vec::new();
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
            members.push(Member {
                name,
                path,
                kind: if kind.is_symlink() {
                    MemberKind::Linked
                } else {
                    MemberKind::Directory(Err(std::io::ErrorKind::NotFound.into()))
                },
            });
        } else if is_file {
            let first = first_bytes(&path);
            if is_registry_data(&path, &first) {
                return Ok(DirectoryKind::OneBundle {
                    registry_data: true,
                });
            }
            if has_zip_extension(&name) {
                members.push(Member {
                    name,
                    path,
                    kind: MemberKind::Zip,
                });
            } else if let Some(what) = archives::unread_archive(&name, &first) {
                members.push(Member {
                    name,
                    path,
                    kind: MemberKind::Skipped(what),
                });
            }
        }
    }

    // No registry data here: what the sub-directories are decides.
    let (mut zips, mut skipped, mut folders, mut bundles) = (0, 0, 0, 0);
    for member in &mut members {
        match &mut member.kind {
            MemberKind::Zip => zips += 1,
            MemberKind::Skipped(_) => skipped += 1,
            MemberKind::Directory(kind) => {
                *kind = classify(&member.path, is_registry_data);
                match kind {
                    Ok(DirectoryKind::FolderOfBundles(_)) => folders += 1,
                    Ok(DirectoryKind::OneBundle {
                        registry_data: true,
                    }) => bundles += 1,
                    _ => {}
                }
            }
            MemberKind::Linked => {
                if scan_below(&member.path, is_registry_data) {
                    bundles += 1;
                }
            }
        }
    }
    let folder_of_bundles =
        zips > 0 || folders > 0 || bundles >= 2 || (bundles == 0 && skipped > 0);
    if folder_of_bundles {
        Ok(DirectoryKind::FolderOfBundles(members))
    } else {
        Ok(DirectoryKind::OneBundle {
            registry_data: bundles == 1,
        })
    }
}

/// Whether a file holding registry data lies below `dir` (not following
/// symlinked directories below it). Unreadable parts are passed over: they
/// hold nothing that could be found anyway.
fn scan_below(dir: &Path, is_registry_data: IsRegistryData) -> bool {
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
            if is_file && is_registry_data(&path, &first_bytes(&path)) {
                return true;
            }
        }
    }
    false
}

/// A regular file's first bytes (at most [`SNIFF_LEN`]); none when it
/// cannot be read.
fn first_bytes(path: &Path) -> Vec<u8> {
    let mut first = Vec::with_capacity(SNIFF_LEN);
    if let Ok(file) = File::open(path) {
        if file.take(SNIFF_LEN as u64).read_to_end(&mut first).is_err() {
            first.clear();
        }
    }
    first
}

fn has_zip_extension(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("zip"))
}
