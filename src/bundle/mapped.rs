//! Memory-mapped files: the one module where `unsafe` is allowed, because
//! mapping a file is an `unsafe` call (`memmap2::MmapOptions::map`).
//!
//! A hive in a directory bundle, or a zip's stored entry, is then read
//! where it lies in the page cache instead of being copied into a buffer:
//! only the pages a lookup touches are ever read from disk (a rule's
//! lookups touch a few dozen 4 KiB pages of a 100 MB hive).
//!
//! Why this is sound here, and what can still go wrong:
//!
//! * Only regular files are mapped, read-only (`PROT_READ`), and only
//!   through the safe [`SharedBytes`] handle that keeps the mapping alive as
//!   long as any entry cut from it; nothing is ever written through it.
//! * Rust assumes the bytes behind a `&[u8]` do not change. A mapped file
//!   that another process *modifies* while we read it breaks that
//!   assumption. Every reader of these bytes (nt-hive, the zip crate, our
//!   parsers) treats them as untrusted input whose every offset is checked
//!   before use, so changed bytes give at worst a confused report about
//!   that bundle, not a read outside the mapping. Support bundles are
//!   copies at rest; tools that replace a file by renaming a new one over
//!   it leave the mapped (old) file intact.
//! * A mapped file that is *truncated* while mapped makes the kernel raise
//!   SIGBUS on the next access past its new end, which ends the process.
//!   This is accepted, not handled (a SIGBUS handler would need far more
//!   `unsafe` than this module): it needs someone to shrink a bundle file
//!   in place during the few milliseconds it is read. Bundles on a share
//!   that others may rewrite can be read with `--no-mmap`, which copies
//!   entries into memory instead (see [`super::Limits::map_files`]).
#![allow(unsafe_code)]

use std::fs::File;
use std::ops::Range;
use std::sync::Arc;

use memmap2::{Mmap, MmapOptions};

use super::EntryBytes;

/// Bytes shared by a bundle and the entries cut from them: a mapped file,
/// or a buffer already in memory (a zip given as bytes).
#[derive(Clone)]
pub(crate) struct SharedBytes(Arc<dyn AsRef<[u8]> + Send + Sync>);

/// `Mmap` derefs to the mapped bytes; this gives it the `AsRef` the
/// shared handle needs.
struct Mapping(Mmap);

impl AsRef<[u8]> for Mapping {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl SharedBytes {
    /// Maps a whole file read-only. `Ok(None)` when it is not worth or not
    /// possible to map: an empty file (it cannot be mapped) or anything
    /// but a regular file (a device or FIFO may never end).
    pub(crate) fn map(file: &File) -> std::io::Result<Option<SharedBytes>> {
        let metadata = file.metadata()?;
        if !metadata.is_file() || metadata.len() == 0 {
            return Ok(None);
        }
        // SAFETY: a read-only mapping of a regular file, never written
        // through; see the module documentation for what a concurrent
        // change or truncation of the file does.
        let map = unsafe { MmapOptions::new().map(file)? };
        Ok(Some(SharedBytes(Arc::new(Mapping(map)))))
    }

    /// Shares a buffer already in memory.
    pub(crate) fn from_vec(bytes: Vec<u8>) -> SharedBytes {
        SharedBytes(Arc::new(bytes))
    }

    /// An entry's bytes cut from these, without copying. `None` when the
    /// range is not inside them.
    pub(crate) fn entry(&self, range: Range<usize>) -> Option<EntryBytes> {
        self.bytes().get(range.clone())?;
        Some(EntryBytes::shared(SharedSlice {
            shared: self.clone(),
            range,
        }))
    }
}

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        self.bytes()
    }
}

impl SharedBytes {
    fn bytes(&self) -> &[u8] {
        self.0.as_ref().as_ref()
    }
}

/// A range of shared bytes, checked to be inside them when cut.
struct SharedSlice {
    shared: SharedBytes,
    range: Range<usize>,
}

impl AsRef<[u8]> for SharedSlice {
    fn as_ref(&self) -> &[u8] {
        // Checked in `SharedBytes::entry`; the bytes never change length.
        self.shared
            .bytes()
            .get(self.range.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_mapped_file_reads_as_its_bytes_and_entries_are_cut_without_copying() {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(b"regf and more").unwrap();
        let shared = SharedBytes::map(&file).unwrap().expect("a regular file");
        assert_eq!(shared.as_ref(), b"regf and more");
        let entry = shared.entry(5..8).unwrap();
        assert_eq!(&*entry, b"and");
        assert_eq!(entry.as_ptr(), shared.as_ref()[5..].as_ptr());
        assert!(shared.entry(10..14).is_none(), "past the end");
    }

    #[test]
    fn empty_files_are_not_mapped() {
        let file = tempfile::tempfile().unwrap();
        assert!(SharedBytes::map(&file).unwrap().is_none());
    }
}
