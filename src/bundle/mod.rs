//! Bundles: a `.zip` read in memory or a directory, listed as entries and
//! read within limits. Nothing is ever extracted or written to disk, so an
//! entry's name is only a name.
//!
//! * [`open`] turns a path into a [`Bundle`]: a directory lists every file
//!   below it; anything else is read as a zip through its file handle (the
//!   zip is never loaded whole and never extracted). [`open_zip_bytes`] does
//!   the same for a zip already in memory (tests, fuzzing).
//! * Entry names use `/` separators: a `\` stored by a Windows zip tool is
//!   shown as `/` (the only change made to a stored name). A name that is
//!   unusual (`..`, absolute, drive letter, control characters) is kept as
//!   stored and explained in [`EntryInfo::name_warning`].
//! * Every read is bounded by [`Limits`], whatever the zip's headers claim:
//!   a declared size or ratio over the limits is refused before inflating,
//!   and inflation stops one byte past the size limit or as soon as the
//!   actual ratio passes its bound. A prefix within the size limit is read
//!   from any entry (so an oversized entry can still be recognised), under
//!   the same ratio bound. One refused or broken entry never stops the
//!   others from being read.
//! * Entries that can be read where they lie are not copied: a directory
//!   bundle's files and a zip's stored entries are memory-mapped
//!   (`mapped`, the one module allowed `unsafe`), unless
//!   [`Limits::map_files`] is off. Deflated entries are inflated into
//!   memory.
//! * [`Limits::deadline`] is checked while entries are read, so a bundle
//!   that takes too long stops at its next read instead of running on.

pub mod archives;
mod dir;
mod discover;
mod hash;
mod mapped;
mod names;
mod read;
pub mod shard;
mod zip;

pub use discover::{BundleLocation, DiscoverError, discover};
pub use hash::{HashError, sha256_file};
pub use read::RATIO_CHECK_FLOOR;
pub use zip::open_zip_bytes;

use std::path::Path;
use std::time::Instant;

/// Bounds applied to every entry read: sizes, time, and whether files
/// may be memory-mapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest inflated size of one entry (declared or actual).
    pub max_entry_size: u64,
    /// Largest inflated/compressed ratio accepted for entries that inflate
    /// past a few MiB (a deflate stream cannot exceed about 1032:1).
    pub max_compression_ratio: u64,
    /// When reading must stop: reads started after it, and inflation
    /// running past it, fail with [`EntryError::TimedOut`]. `None`: no limit.
    pub deadline: Option<Instant>,
    /// Whether files may be memory-mapped (see `mapped` for the one risk
    /// that brings: a file truncated while mapped ends the process).
    pub map_files: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entry_size: 1 << 30,
            max_compression_ratio: 1000,
            deadline: None,
            map_files: true,
        }
    }
}

impl Limits {
    /// Whether the deadline has passed.
    pub fn deadline_passed(&self) -> bool {
        self.deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
    }

    /// The error of a read stopped by the deadline.
    pub(crate) fn timed_out(name: &str) -> EntryError {
        EntryError::TimedOut {
            name: name.to_string(),
        }
    }
}

/// Bytes of one entry: in memory, or where they lie in a mapped file.
pub struct EntryBytes(Box<dyn AsRef<[u8]> + Send + Sync>);

impl EntryBytes {
    /// The bytes as an owned buffer (a copy, unless they are one already).
    pub fn into_vec(self) -> Vec<u8> {
        self.0.as_ref().as_ref().to_vec()
    }

    /// Bytes held by someone else (a mapping), kept alive by this value.
    pub(crate) fn shared(bytes: impl AsRef<[u8]> + Send + Sync + 'static) -> EntryBytes {
        EntryBytes(Box::new(bytes))
    }
}

impl AsRef<[u8]> for EntryBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

/// Shows the length only: entries may be hundreds of MiB.
impl std::fmt::Debug for EntryBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EntryBytes({} bytes)", self.len())
    }
}

impl From<Vec<u8>> for EntryBytes {
    fn from(bytes: Vec<u8>) -> Self {
        EntryBytes(Box::new(bytes))
    }
}

impl std::ops::Deref for EntryBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.as_ref().as_ref()
    }
}

/// One entry of a bundle as listed, before it is read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryInfo {
    /// The name as stored (zip) or the path relative to the bundle
    /// directory, with `/` separators (a stored `\` is shown as `/`).
    pub name: String,
    /// Inflated size as declared by the zip directory, or the file size.
    pub declared_size: Option<u64>,
    /// Compressed size for zip entries.
    pub compressed_size: Option<u64>,
    /// Why the name is unusual (`..`, absolute, drive letter, control
    /// characters, not UTF-8, listed twice), if it is.
    pub name_warning: Option<String>,
}

/// Why an entry could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("{name}: refused: {detail}")]
    Refused { name: String, detail: String },
    #[error("{name}: cannot be read: {detail}")]
    Unreadable { name: String, detail: String },
    #[error("{name}: not read: the time allowed for this bundle (--timeout-per-bundle) ran out")]
    TimedOut { name: String },
}

/// Why a bundle could not be opened at all.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: not a zip file: {detail}")]
    NotAZip { path: String, detail: String },
    #[error("{path}: cannot be read: {detail}")]
    Unreadable { path: String, detail: String },
}

/// A bundle opened for reading.
pub trait Bundle {
    /// The bundle's path as given or found.
    fn name(&self) -> &str;
    /// Every entry (directories left out).
    fn entries(&self) -> &[EntryInfo];
    /// Up to `len` first bytes of an entry (inflating only those).
    fn read_prefix(&mut self, index: usize, len: usize) -> Result<Vec<u8>, EntryError>;
    /// The whole entry, within the limits.
    fn read_entry(&mut self, index: usize) -> Result<EntryBytes, EntryError>;
    /// Problems met while listing the bundle that belong to no one entry
    /// (a sub-folder that cannot be listed, a symlinked folder not followed,
    /// names listed twice in a zip's directory).
    fn warnings(&self) -> &[String] {
        &[]
    }
}

/// Opens a `.zip` file or a directory as one bundle. `display_name` is
/// the name errors and the report use (the path as given or found).
pub fn open(
    path: &Path,
    display_name: &str,
    limits: Limits,
) -> Result<Box<dyn Bundle>, BundleError> {
    let metadata = std::fs::metadata(path).map_err(|e| BundleError::Unreadable {
        path: display_name.to_string(),
        detail: read::describe_io_error(&e),
    })?;
    if metadata.is_dir() {
        Ok(Box::new(dir::DirBundle::open(path, display_name, limits)?))
    } else if metadata.is_file() {
        zip::open_zip_file(path, display_name, limits)
    } else {
        // A FIFO or device would block or never end; a bundle is a file.
        Err(BundleError::Unreadable {
            path: display_name.to_string(),
            detail: "neither a regular file nor a directory".to_string(),
        })
    }
}
