//! Directory bundles: every file below the directory, at any depth, is an
//! entry named by its path relative to the directory (`/` separators,
//! sorted). Symlinked folders are not followed (no loops, no wandering off
//! the bundle); a symlink to a file is read as that file. A file that
//! cannot be read, or is not a regular file, is still listed: its reads
//! fail with the reason.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::mapped::SharedBytes;
use super::names::{show_name, warn_duplicates};
use super::read::{EntrySizes, Extent, check_declared, describe_io_error, read_bounded};
use super::{Bundle, BundleError, EntryBytes, EntryError, EntryInfo, Limits};

pub(crate) struct DirBundle {
    name: String,
    entries: Vec<EntryInfo>,
    /// Where each of `entries` is on disk, or why it cannot be read.
    files: Vec<Result<PathBuf, NotReadable>>,
    warnings: Vec<String>,
    limits: Limits,
}

/// Why a file found while listing cannot be read as an entry.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum NotReadable {
    #[error("a symbolic link to something that is not a regular file")]
    LinkToNonFile,
    #[error("a broken symbolic link: {0}")]
    BrokenLink(String),
    /// A FIFO would block a read forever; a device may never end.
    #[error("not a regular file (a device, FIFO or socket)")]
    NotAFile,
    /// The system's words for why its kind cannot be known.
    #[error("{0}")]
    Io(String),
}

/// One file found while listing, before sorting.
struct Found {
    /// Relative path components, as on disk.
    components: Vec<String>,
    not_utf8: bool,
    size: Option<u64>,
    file: Result<PathBuf, NotReadable>,
}

impl DirBundle {
    pub(crate) fn open(
        root: &Path,
        display_name: &str,
        limits: Limits,
    ) -> Result<Self, BundleError> {
        let mut found: Vec<Found> = Vec::new();
        let mut warnings = Vec::new();

        // Depth-first with an explicit stack: deep trees cannot overflow it.
        let mut pending: Vec<(PathBuf, Vec<String>, bool)> =
            vec![(root.to_path_buf(), Vec::new(), false)];
        while let Some((dir, prefix, prefix_not_utf8)) = pending.pop() {
            let listing = match fs::read_dir(&dir) {
                Ok(listing) => listing,
                Err(e) if prefix.is_empty() => {
                    return Err(BundleError::Unreadable {
                        path: display_name.to_string(),
                        detail: describe_io_error(&e),
                    });
                }
                Err(e) => {
                    warnings.push(format!(
                        "{}/: cannot be listed: {}",
                        prefix.join("/"),
                        describe_io_error(&e)
                    ));
                    continue;
                }
            };
            for item in listing {
                let item = match item {
                    Ok(item) => item,
                    Err(e) => {
                        warnings.push(format!(
                            "{}: listing stopped early: {}",
                            if prefix.is_empty() {
                                ".".to_string()
                            } else {
                                prefix.join("/")
                            },
                            describe_io_error(&e)
                        ));
                        break;
                    }
                };
                let (component, component_not_utf8) = component_text(&item.file_name());
                let mut components = prefix.clone();
                components.push(component);
                let not_utf8 = prefix_not_utf8 || component_not_utf8;
                let path = item.path();

                match item.file_type() {
                    Ok(kind) if kind.is_dir() => pending.push((path, components, not_utf8)),
                    Ok(kind) if kind.is_symlink() => match fs::metadata(&path) {
                        Ok(target) if target.is_dir() => warnings.push(format!(
                            "{}: a symbolic link to a folder, not followed",
                            components.join("/")
                        )),
                        Ok(target) if target.is_file() => found.push(Found {
                            components,
                            not_utf8,
                            size: Some(target.len()),
                            file: Ok(path),
                        }),
                        Ok(_) => found.push(Found {
                            components,
                            not_utf8,
                            size: None,
                            file: Err(NotReadable::LinkToNonFile),
                        }),
                        Err(e) => found.push(Found {
                            components,
                            not_utf8,
                            size: None,
                            file: Err(NotReadable::BrokenLink(describe_io_error(&e))),
                        }),
                    },
                    Ok(kind) if kind.is_file() => found.push(Found {
                        components,
                        not_utf8,
                        size: item.metadata().ok().map(|m| m.len()),
                        file: Ok(path),
                    }),
                    // A FIFO would block a read forever; a device may never end.
                    Ok(_) => found.push(Found {
                        components,
                        not_utf8,
                        size: None,
                        file: Err(NotReadable::NotAFile),
                    }),
                    Err(e) => found.push(Found {
                        components,
                        not_utf8,
                        size: None,
                        file: Err(NotReadable::Io(describe_io_error(&e))),
                    }),
                }
            }
        }

        let mut listed: Vec<(EntryInfo, Result<PathBuf, NotReadable>)> = found
            .into_iter()
            .map(|f| {
                let shown = show_name(&f.components.join("/"), f.not_utf8);
                let info = EntryInfo {
                    name: shown.name,
                    declared_size: f.size,
                    compressed_size: None,
                    name_warning: shown.warning,
                };
                (info, f.file)
            })
            .collect();
        listed.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        let (mut entries, files): (Vec<_>, Vec<_>) = listed.into_iter().unzip();
        warn_duplicates(&mut entries);
        warnings.sort();

        Ok(DirBundle {
            name: display_name.to_string(),
            entries,
            files,
            warnings,
            limits,
        })
    }

    fn read(&mut self, index: usize, extent: Extent) -> Result<EntryBytes, EntryError> {
        let (Some(info), Some(file)) = (self.entries.get(index), self.files.get(index)) else {
            return Err(EntryError::Unreadable {
                name: format!("{}: entry #{index}", self.name),
                detail: format!("no such entry (the bundle has {})", self.entries.len()),
            });
        };
        let name = info.name.as_str();
        let unreadable = |detail: String| EntryError::Unreadable {
            name: name.to_string(),
            detail,
        };
        let path = file.as_ref().map_err(|why| unreadable(why.to_string()))?;

        // Checked again at read time: the file may have changed since listing.
        let metadata = fs::metadata(path).map_err(|e| unreadable(describe_io_error(&e)))?;
        if !metadata.is_file() {
            return Err(unreadable("no longer a regular file".to_string()));
        }
        let sizes = EntrySizes {
            declared: metadata.len(),
            compressed: None,
        };
        if extent.may_pass_limit(&self.limits) {
            check_declared(name, &sizes, &self.limits)?;
        }
        if self.limits.deadline_passed() {
            return Err(Limits::timed_out(name));
        }
        let mut handle = File::open(path).map_err(|e| unreadable(describe_io_error(&e)))?;
        if matches!(extent, Extent::Whole) && self.limits.map_files {
            // Mapped, the file is read only where it is looked at. A file
            // that cannot be mapped (some network or virtual file systems)
            // is read instead.
            if let Ok(Some(mapped)) = SharedBytes::map(&handle) {
                // The file as mapped, which may have changed since it was listed.
                let length = mapped.as_ref().len();
                let mapped_sizes = EntrySizes {
                    declared: length as u64,
                    compressed: None,
                };
                check_declared(name, &mapped_sizes, &self.limits)?;
                if let Some(bytes) = mapped.entry(0..length) {
                    return Ok(bytes);
                }
            }
        }
        read_bounded(&mut handle, name, extent, &sizes, &self.limits)
    }
}

/// A file name as text, and whether it had to be decoded lossily.
fn component_text(name: &OsStr) -> (String, bool) {
    match name.to_str() {
        Some(text) => (text.to_string(), false),
        None => (name.to_string_lossy().into_owned(), true),
    }
}

impl Bundle for DirBundle {
    fn name(&self) -> &str {
        &self.name
    }

    fn entries(&self) -> &[EntryInfo] {
        &self.entries
    }

    fn read_prefix(&mut self, index: usize, len: usize) -> Result<Vec<u8>, EntryError> {
        self.read(index, Extent::Prefix(len))
            .map(EntryBytes::into_vec)
    }

    fn read_entry(&mut self, index: usize) -> Result<EntryBytes, EntryError> {
        self.read(index, Extent::Whole)
    }

    fn warnings(&self) -> &[String] {
        &self.warnings
    }
}
