//! Zip bundles, read with the `zip` crate from the memory-mapped file (or
//! through the open file with `--no-mmap`, or from bytes in memory): only
//! the central directory is read up front; each entry is read on demand,
//! within the limits. A stored (uncompressed) entry of a mapped or
//! in-memory zip is handed out where it lies, its CRC-32 checked, without
//! a copy; deflated entries are inflated into memory.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

use zip::result::ZipError;
use zip::{CompressionMethod, ZipArchive};

use super::mapped::SharedBytes;
use super::names::{show_name, warn_duplicates};
use super::read::{EntrySizes, Extent, check_declared, describe_io_error, read_bounded};
use super::{Bundle, BundleError, EntryBytes, EntryError, EntryInfo, Limits};

/// A zip opened for reading entries.
pub(crate) struct ZipBundle<R: Read + Seek> {
    name: String,
    archive: ZipArchive<R>,
    entries: Vec<EntryInfo>,
    /// For each of `entries`, its index in the archive (directories are
    /// left out of `entries`).
    archive_index: Vec<usize>,
    warnings: Vec<String>,
    limits: Limits,
    /// The zip's bytes when they are mapped or in memory, so stored
    /// entries can be cut from them.
    shared: Option<SharedBytes>,
}

/// Opens a zip file on disk: memory-mapped when the limits allow it and
/// the file can be, else read through a buffered file handle.
pub(crate) fn open_zip_file(
    path: &Path,
    display_name: &str,
    limits: Limits,
) -> Result<Box<dyn Bundle>, BundleError> {
    let file = File::open(path).map_err(|e| BundleError::Unreadable {
        path: display_name.to_string(),
        detail: describe_io_error(&e),
    })?;
    let opened: Result<Box<dyn Bundle>, BundleError> = if limits.map_files
        && let Ok(Some(shared)) = SharedBytes::map(&file)
    {
        ZipBundle::open(
            Cursor::new(shared.clone()),
            display_name,
            limits,
            Some(shared),
        )
        .map(|zip| Box::new(zip) as Box<dyn Bundle>)
    } else {
        // A second handle, to list the central directory's names again if
        // the zip crate finds some listed twice.
        let rescan = file.try_clone().ok();
        ZipBundle::open(BufReader::new(file), display_name, limits, None).map(|mut zip| {
            if zip.archive.has_duplicate_names()
                && let Some(rescan) = rescan
            {
                let start = zip.archive.central_directory_start();
                zip.name_duplicates(&mut BufReader::new(rescan), start);
            }
            Box::new(zip) as Box<dyn Bundle>
        })
    };
    opened.map_err(|error| match error {
        // Say what the file is when it is another kind of archive.
        BundleError::NotAZip {
            path: shown,
            detail,
        } => {
            let mut first = Vec::new();
            if let Ok(file) = File::open(path) {
                let _ = file.take(4096).read_to_end(&mut first);
            }
            match super::archives::unread_archive(display_name, &first) {
                Some(kind) => BundleError::NotAZip {
                    path: shown,
                    detail: format!(
                        "it is {kind}, which hivetriage does not read (it reads .zip files \
                         and folders): extract it into a folder and give that ({detail})"
                    ),
                },
                None => BundleError::NotAZip {
                    path: shown,
                    detail,
                },
            }
        }
        other => other,
    })
}

/// Opens a zip held in memory as a bundle (tests, fuzzing, zips inside
/// other containers). Same checks and limits as a zip file on disk.
pub fn open_zip_bytes(
    display_name: &str,
    bytes: Vec<u8>,
    limits: Limits,
) -> Result<Box<dyn Bundle>, BundleError> {
    let shared = SharedBytes::from_vec(bytes);
    Ok(Box::new(ZipBundle::open(
        Cursor::new(shared.clone()),
        display_name,
        limits,
        Some(shared),
    )?))
}

impl<R: Read + Seek> ZipBundle<R> {
    fn open(
        reader: R,
        display_name: &str,
        limits: Limits,
        shared: Option<SharedBytes>,
    ) -> Result<Self, BundleError> {
        let archive = ZipArchive::new(reader).map_err(|e| match e {
            // The file could not be read: not a statement about its format.
            ZipError::Io(io) if io.kind() != std::io::ErrorKind::UnexpectedEof => {
                BundleError::Unreadable {
                    path: display_name.to_string(),
                    detail: describe_io_error(&io),
                }
            }
            other => BundleError::NotAZip {
                path: display_name.to_string(),
                detail: describe_not_a_zip(&other),
            },
        })?;

        let mut entries = Vec::with_capacity(archive.len());
        let mut archive_index = Vec::with_capacity(archive.len());
        for index in 0..archive.len() {
            // The metadata is in memory already; this cannot fail for an
            // index below len(), but a failure is skipped, not a panic.
            let Ok(entry) = archive.by_index_data(index) else {
                continue;
            };
            let raw = entry.name_raw();
            let (stored, not_utf8) = match std::str::from_utf8(raw) {
                Ok(text) => (Cow::Borrowed(text), false),
                // Old Windows zip tools store names in code page 437 (or
                // the system's code page): the crate decodes them as 437.
                Err(_) => (
                    entry
                        .name()
                        .unwrap_or_else(|_| String::from_utf8_lossy(raw)),
                    true,
                ),
            };
            if is_directory_name(&stored) && entry.size() == 0 {
                continue;
            }
            let shown = show_name(&stored, not_utf8);
            let mut warning = shown.warning;
            if is_directory_name(&stored) {
                warning = Some(join_warning(
                    warning,
                    &format!("named like a folder but holds {} bytes", entry.size()),
                ));
            }
            if entry.is_symlink() {
                // Its bytes are the link's target path; nothing is followed.
                warning = Some(join_warning(
                    warning,
                    "stored as a symbolic link (its bytes are the target's path)",
                ));
            }
            entries.push(EntryInfo {
                name: shown.name,
                declared_size: Some(entry.size()),
                compressed_size: Some(entry.compressed_size()),
                name_warning: warning,
            });
            archive_index.push(index);
        }
        warn_duplicates(&mut entries);

        let mut zip = ZipBundle {
            name: display_name.to_string(),
            archive,
            entries,
            archive_index,
            warnings: Vec::new(),
            limits,
            shared,
        };
        if zip.archive.has_duplicate_names() {
            match zip.shared.clone() {
                Some(bytes) => {
                    let start = zip.archive.central_directory_start();
                    zip.name_duplicates(&mut Cursor::new(bytes), start);
                }
                // Named by the caller, which can read the file again.
                None => zip.warnings.push(duplicates_warning(display_name, &[])),
            }
        }
        Ok(zip)
    }

    /// Replaces the duplicate-names warning by one naming each name listed
    /// more than once, read from the central directory at `start`.
    fn name_duplicates(&mut self, reader: &mut (impl Read + Seek), start: u64) {
        let names = duplicated_names(reader, start);
        self.warnings
            .retain(|w| !w.contains("the zip's directory lists"));
        self.warnings.push(duplicates_warning(&self.name, &names));
    }

    fn read(&mut self, index: usize, extent: Extent) -> Result<EntryBytes, EntryError> {
        let (Some(info), Some(&archive_index)) =
            (self.entries.get(index), self.archive_index.get(index))
        else {
            return Err(EntryError::Unreadable {
                name: format!("{}: entry #{index}", self.name),
                detail: format!("no such entry (the bundle has {})", self.entries.len()),
            });
        };
        let name = info.name.as_str();
        let sizes = EntrySizes {
            declared: info.declared_size.unwrap_or(0),
            compressed: Some(info.compressed_size.unwrap_or(0)),
        };
        if extent.may_pass_limit(&self.limits) {
            check_declared(name, &sizes, &self.limits)?;
        }

        let unreadable = |detail: String| EntryError::Unreadable {
            name: name.to_string(),
            detail,
        };
        let data = self
            .archive
            .by_index_data(archive_index)
            .map_err(|e| unreadable(describe_zip_error(&e)))?;
        if data.encrypted() {
            return Err(unreadable(
                "encrypted with a password; ask for the bundle without one".to_string(),
            ));
        }
        let method = data.compression();
        if !matches!(
            method,
            CompressionMethod::Stored | CompressionMethod::Deflated | CompressionMethod::Deflate64
        ) {
            #[allow(deprecated)] // the numeric code is what zip tools show
            let code = method.to_u16();
            return Err(unreadable(format!(
                "compressed with method {code} ({}), which cannot be read here \
                 (stored, deflate and deflate64 can)",
                CompressionMethod::name_from_u16(code)
            )));
        }

        if self.limits.deadline_passed() {
            return Err(Limits::timed_out(name));
        }
        if method == CompressionMethod::Stored
            && matches!(extent, Extent::Whole)
            && let Some(shared) = &self.shared
            && let Some(bytes) = stored_in_place(&mut self.archive, shared, archive_index, name)?
        {
            return Ok(bytes);
        }

        let mut file = self
            .archive
            .by_index(archive_index)
            .map_err(|e| unreadable(describe_zip_error(&e)))?;
        let read = read_bounded(&mut file, name, extent, &sizes, &self.limits);
        read.map_err(|e| match e {
            // Inflating failed: bad deflate data, a CRC mismatch, or more
            // data than the header declared.
            EntryError::Unreadable { name, detail } => EntryError::Unreadable {
                name,
                detail: format!("corrupt zip entry: {detail}"),
            },
            refused => refused,
        })
    }
}

impl<R: Read + Seek> Bundle for ZipBundle<R> {
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

/// A stored entry cut from the zip's (mapped or in-memory) bytes where it
/// lies, once its CRC-32 matches. `None` when the entry's sizes or
/// position are not plain enough to cut it: the zip crate then reads it
/// and says what is wrong.
fn stored_in_place<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    shared: &SharedBytes,
    archive_index: usize,
    name: &str,
) -> Result<Option<EntryBytes>, EntryError> {
    let Ok(raw) = archive.by_index_raw(archive_index) else {
        return Ok(None);
    };
    let (Some(start), length, size, expected_crc) = (
        raw.data_start(),
        raw.compressed_size(),
        raw.size(),
        raw.crc32(),
    ) else {
        return Ok(None);
    };
    drop(raw);
    let range = usize::try_from(start).ok().and_then(|start| {
        let end = start.checked_add(usize::try_from(length).ok()?)?;
        Some(start..end)
    });
    let Some(bytes) = range
        .filter(|_| length == size)
        .and_then(|r| shared.entry(r))
    else {
        return Ok(None);
    };
    let actual_crc = crc32fast::hash(&bytes);
    if actual_crc != expected_crc {
        return Err(EntryError::Unreadable {
            name: name.to_string(),
            detail: format!(
                "corrupt zip entry: its CRC-32 is {actual_crc:08x} but the zip says \
                 {expected_crc:08x}"
            ),
        });
    }
    Ok(Some(bytes))
}

/// A name ending in a separator is a folder entry.
/// The warning for a zip whose directory lists names more than once,
/// naming them when they are known (`(name, times listed)`).
fn duplicates_warning(bundle: &str, names: &[(String, usize)]) -> String {
    const SHOWN: usize = 10;
    if names.is_empty() {
        return format!(
            "{bundle}: the zip's directory lists the same name more than once; only the last \
             entry of each such name is read"
        );
    }
    let mut listed: Vec<String> = names
        .iter()
        .take(SHOWN)
        .map(|(name, times)| format!("\"{name}\" ({times} times)"))
        .collect();
    if names.len() > SHOWN {
        listed.push(format!("and {} more names", names.len() - SHOWN));
    }
    let (noun, which) = if names.len() == 1 {
        ("name", "that name")
    } else {
        ("names", "each such name")
    };
    format!(
        "{bundle}: the zip's directory lists the same {noun} more than once: {}; only the last \
         entry of {which} is read",
        listed.join(", ")
    )
}

/// Names listed more than once in a central directory starting at `start`,
/// with how often, in the order first met; read record by record until the
/// records end (a damaged directory gives what was read before it).
fn duplicated_names(reader: &mut (impl Read + Seek), start: u64) -> Vec<(String, usize)> {
    const RECORD: usize = 46;
    let mut counts: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut index: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
    if reader.seek(std::io::SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut header = [0u8; RECORD];
    while reader.read_exact(&mut header).is_ok() && header.starts_with(b"PK\x01\x02") {
        let field = |at: usize| usize::from(u16::from_le_bytes([header[at], header[at + 1]]));
        let (name_len, extra_len, comment_len) = (field(28), field(30), field(32));
        let mut name = vec![0u8; name_len];
        if reader.read_exact(&mut name).is_err()
            || reader
                .seek(std::io::SeekFrom::Current((extra_len + comment_len) as i64))
                .is_err()
        {
            break;
        }
        match index.get(&name) {
            Some(&at) => counts[at].1 += 1,
            None => {
                index.insert(name.clone(), counts.len());
                counts.push((name, 1));
            }
        }
    }
    counts
        .into_iter()
        .filter(|(_, times)| *times > 1)
        .map(|(name, times)| {
            let shown = show_name(&String::from_utf8_lossy(&name), false).name;
            (shown, times)
        })
        .collect()
}

fn is_directory_name(stored: &str) -> bool {
    stored.ends_with('/') || stored.ends_with('\\')
}

fn join_warning(warning: Option<String>, note: &str) -> String {
    match warning {
        Some(warning) => format!("{warning}; {note}"),
        None => note.to_string(),
    }
}

/// Why a file is not a readable zip, in words, with the crate's reason.
fn describe_not_a_zip(e: &ZipError) -> String {
    let reason = describe_zip_error(e);
    // The crate names the record it was looking for; say what that means.
    let meaning = if reason.contains("EOCD") || reason.contains("Unexpected end") {
        "no zip directory at its end, so not a zip or one cut short"
    } else if matches!(e, ZipError::Io(_)) {
        "cut short"
    } else if matches!(e, ZipError::UnsupportedArchive(_)) {
        "a kind of zip that cannot be read"
    } else {
        "its zip directory is damaged"
    };
    format!("{meaning} ({reason})")
}

/// A zip error in words, without the crate's generic prefixes.
fn describe_zip_error(e: &ZipError) -> String {
    match e {
        ZipError::Io(io) => describe_io_error(io),
        ZipError::InvalidArchive(reason) => reason.to_string(),
        ZipError::UnsupportedArchive(reason) => format!("unsupported: {reason}"),
        other => other.to_string(),
    }
}
