//! Bundles: a `.zip` read in memory or a directory, listed as entries and
//! read within limits. Nothing is ever extracted or written to disk, so an
//! entry's name is only a name.

mod dir;
mod discover;
mod zip;

pub use discover::{BundleLocation, DiscoverError, discover};

use std::path::Path;

/// Size bounds applied to every entry read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest inflated size of one entry (declared or actual).
    pub max_entry_size: u64,
    /// Largest inflated/compressed ratio accepted for entries that inflate
    /// past a few MiB (a deflate stream cannot exceed about 1032:1).
    pub max_compression_ratio: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entry_size: 1 << 30,
            max_compression_ratio: 1000,
        }
    }
}

/// Bytes of one entry, held in memory.
pub struct EntryBytes(Box<dyn AsRef<[u8]> + Send + Sync>);

impl EntryBytes {
    pub fn into_vec(self) -> Vec<u8> {
        self.0.as_ref().as_ref().to_vec()
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
    /// directory, with `/` separators.
    pub name: String,
    /// Inflated size as declared by the zip directory, or the file size.
    pub declared_size: Option<u64>,
    /// Compressed size for zip entries.
    pub compressed_size: Option<u64>,
    /// Why the name is unusual (`..`, absolute, drive letter), if it is.
    pub name_warning: Option<String>,
}

/// Why an entry could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("{name}: refused: {detail}")]
    Refused { name: String, detail: String },
    #[error("{name}: cannot be read: {detail}")]
    Unreadable { name: String, detail: String },
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
}

/// Opens a `.zip` file or a directory as one bundle.
pub fn open(
    path: &Path,
    display_name: &str,
    limits: Limits,
) -> Result<Box<dyn Bundle>, BundleError> {
    let _ = (path, display_name, limits);
    todo!("bundle helper")
}
