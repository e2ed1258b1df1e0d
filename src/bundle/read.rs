//! Bounded reading shared by zip and directory bundles: the checks made on
//! declared sizes before anything is inflated, and a read loop whose buffer
//! never grows past the limit however much the reader yields.

use std::io::{ErrorKind, Read};

use memmap2::{Advice, MmapMut};

use super::{EntryBytes, EntryError, Limits};

/// Inflated size above which the compression ratio is checked. Small
/// entries may legitimately compress very well (a hive's zero-filled free
/// space), and inflating a few MiB costs nothing; past this, a ratio above
/// [`Limits::max_compression_ratio`] marks a likely zip bomb.
pub const RATIO_CHECK_FLOOR: u64 = 4 << 20;

/// Most bytes asked of the reader in one call: the ratio and the deadline
/// are checked between calls, so this bounds how far past either a read
/// can go. Large enough that the calls cost nothing next to inflating.
const READ_SLICE: usize = 1 << 20;

/// Bytes asked of the reader once the buffer holds the expected size: a
/// small read that tells "that was all" (the usual case) from "there is
/// more" before the buffer grows.
const PROBE: usize = 512;

/// Growth step when an entry holds more than it declared (the "small
/// constant" a buffer may hold beyond what was read).
const CHUNK: usize = 64 << 10;

/// Entries expected to be at least this large are read into an anonymous
/// mapping that the kernel may back with 2 MiB pages: a 12 MB hive then
/// costs a handful of page faults instead of three thousand, which is a
/// good part of the time to read it out of a zip.
const HUGE_BUFFER_FROM: usize = 4 << 20;

/// The buffer an entry is read into.
enum ReadBuffer {
    Heap(Vec<u8>),
    /// Zero-filled like the heap buffer; never grown (an entry longer than
    /// declared moves to the heap first).
    Mapped(MmapMut),
}

impl ReadBuffer {
    /// A zero-filled buffer of `len` bytes.
    fn zeroed(len: usize) -> ReadBuffer {
        if len >= HUGE_BUFFER_FROM
            && let Ok(map) = MmapMut::map_anon(len)
        {
            // Only advice: without transparent huge pages it changes nothing.
            let _ = map.advise(Advice::HugePage);
            return ReadBuffer::Mapped(map);
        }
        ReadBuffer::Heap(vec![0u8; len])
    }

    fn len(&self) -> usize {
        match self {
            ReadBuffer::Heap(vec) => vec.len(),
            ReadBuffer::Mapped(map) => map.len(),
        }
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        match self {
            ReadBuffer::Heap(vec) => vec,
            ReadBuffer::Mapped(map) => map,
        }
    }

    /// The buffer as a growable vector (a copy of a mapping's bytes).
    fn heap(&mut self) -> &mut Vec<u8> {
        if let ReadBuffer::Mapped(map) = self {
            *self = ReadBuffer::Heap(map.to_vec());
        }
        match self {
            ReadBuffer::Heap(vec) => vec,
            ReadBuffer::Mapped(_) => unreachable!("moved to the heap just above"),
        }
    }

    /// The first `len` bytes as an entry's bytes.
    fn into_entry(self, len: usize) -> EntryBytes {
        match self {
            ReadBuffer::Heap(mut vec) => {
                vec.truncate(len);
                EntryBytes::from(vec)
            }
            ReadBuffer::Mapped(map) => EntryBytes::shared(MappedPrefix { map, len }),
        }
    }
}

/// The filled part of a mapped read buffer.
struct MappedPrefix {
    map: MmapMut,
    len: usize,
}

impl AsRef<[u8]> for MappedPrefix {
    fn as_ref(&self) -> &[u8] {
        &self.map[..self.len]
    }
}

/// What is known of an entry before it is read.
pub(crate) struct EntrySizes {
    /// Size declared by the zip directory, or the file's size on disk.
    pub declared: u64,
    /// Compressed size for zip entries; `None` for plain files.
    pub compressed: Option<u64>,
}

/// Refuses an entry from its declared sizes alone, before inflating.
pub(crate) fn check_declared(
    name: &str,
    sizes: &EntrySizes,
    limits: &Limits,
) -> Result<(), EntryError> {
    if sizes.declared > limits.max_entry_size {
        let what = if sizes.compressed.is_some() {
            "declares an inflated size of"
        } else {
            "is"
        };
        return Err(EntryError::Refused {
            name: name.to_string(),
            detail: format!(
                "{what} {} bytes, more than the limit of {} bytes (--max-entry-size)",
                sizes.declared, limits.max_entry_size
            ),
        });
    }
    if let Some(compressed) = sizes.compressed
        && sizes.declared > RATIO_CHECK_FLOOR
        && ratio_exceeded(sizes.declared, compressed, limits)
    {
        return Err(EntryError::Refused {
            name: name.to_string(),
            detail: format!(
                "declares {} bytes inflated from {compressed} compressed bytes, a ratio above \
                 {}:1 (--max-compression-ratio); likely a zip bomb",
                sizes.declared, limits.max_compression_ratio
            ),
        });
    }
    Ok(())
}

/// Whether `inflated` bytes from `compressed` bytes is a ratio above the limit.
fn ratio_exceeded(inflated: u64, compressed: u64, limits: &Limits) -> bool {
    u128::from(inflated) > u128::from(compressed) * u128::from(limits.max_compression_ratio)
}

/// How much of an entry to read.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Extent {
    /// At most this many first bytes.
    Prefix(usize),
    /// All of it.
    Whole,
}

impl Extent {
    /// Whether the read may reach past the size limit, so that the checks on
    /// declared sizes apply. A prefix within the limit is safe to read from
    /// any entry (it lets the caller tell what an oversized entry is).
    pub(crate) fn may_pass_limit(self, limits: &Limits) -> bool {
        match self {
            Extent::Prefix(len) => len as u64 > limits.max_entry_size,
            Extent::Whole => true,
        }
    }
}

/// Reads from `reader` within the limits. `sizes` only pre-sizes the
/// buffer (never past what the limits allow) and gives the compressed size
/// against which the actual ratio is checked; the bounds hold whatever the
/// reader yields. Read errors become [`EntryError::Unreadable`].
pub(crate) fn read_bounded(
    reader: &mut dyn Read,
    name: &str,
    extent: Extent,
    sizes: &EntrySizes,
    limits: &Limits,
) -> Result<EntryBytes, EntryError> {
    // One byte past the limit tells "exactly at the limit" from "over it".
    let over_limit = usize::try_from(limits.max_entry_size.saturating_add(1)).unwrap_or(usize::MAX);
    let most = match extent {
        Extent::Prefix(len) if len as u64 <= limits.max_entry_size => len,
        // A prefix longer than the limit is a whole read: the entry must fit.
        Extent::Prefix(_) | Extent::Whole => over_limit,
    };
    // Past this many bytes the actual ratio is over its bound anyway.
    let ratio_bound = match sizes.compressed {
        Some(compressed) => compressed
            .saturating_mul(limits.max_compression_ratio)
            .max(RATIO_CHECK_FLOOR),
        None => u64::MAX,
    };
    let presize = sizes.declared.min(ratio_bound).min(most as u64) as usize;
    // Zero-filled up front, and read into in place: a large zeroed buffer
    // comes straight from the kernel's zero pages, so the inflater writes
    // the entry into its final place with no copy in between.
    let mut out = ReadBuffer::zeroed(presize);
    let mut filled = 0usize;

    while filled < most {
        if limits.deadline_passed() {
            return Err(super::Limits::timed_out(name));
        }
        let got = if filled < out.len() {
            let end = out.len().min(filled + READ_SLICE);
            read_some(reader, &mut out.as_mut_slice()[filled..end], name)?
        } else {
            let mut probe = [0u8; PROBE];
            let want = PROBE.min(most - filled);
            let got = read_some(reader, &mut probe[..want], name)?;
            if got > 0 {
                // More than declared: grow within the limit, then read in place again.
                let heap = out.heap();
                grow_within(heap, got, most);
                heap[filled..filled + got].copy_from_slice(&probe[..got]);
            }
            got
        };
        if got == 0 {
            break;
        }
        filled += got;

        let inflated = filled as u64;
        if let Some(compressed) = sizes.compressed
            && inflated > RATIO_CHECK_FLOOR
            && ratio_exceeded(inflated, compressed, limits)
        {
            return Err(EntryError::Refused {
                name: name.to_string(),
                detail: format!(
                    "inflates to more than {inflated} bytes from {compressed} compressed bytes, \
                     a ratio above {}:1 (--max-compression-ratio); likely a zip bomb",
                    limits.max_compression_ratio
                ),
            });
        }
    }
    if filled as u64 > limits.max_entry_size {
        return Err(EntryError::Refused {
            name: name.to_string(),
            detail: format!(
                "{} more than {} bytes (--max-entry-size)",
                if sizes.compressed.is_some() {
                    "inflates to"
                } else {
                    "holds"
                },
                limits.max_entry_size
            ),
        });
    }
    Ok(out.into_entry(filled))
}

/// Makes room for `more` bytes past the buffer's length, doubling as
/// usual but never past `most`, and zero-fills the room so reads can go
/// straight into it: the allocation stays within the limit.
fn grow_within(out: &mut Vec<u8>, more: usize, most: usize) {
    let needed = out.len() + more;
    let target = out
        .len()
        .saturating_mul(2)
        .max(needed)
        .max(CHUNK)
        .min(most)
        .max(needed);
    out.reserve_exact(target - out.len());
    out.resize(target, 0);
}

/// One read, retried when interrupted; errors in words.
fn read_some(reader: &mut dyn Read, buf: &mut [u8], name: &str) -> Result<usize, EntryError> {
    loop {
        match reader.read(buf) {
            Ok(got) => return Ok(got),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(EntryError::Unreadable {
                    name: name.to_string(),
                    detail: describe_io_error(&e),
                });
            }
        }
    }
}

/// An I/O error in words, without the "(os error N)" suffix a person
/// does not need.
pub(crate) fn describe_io_error(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that yields `remaining` zero bytes in small uneven reads.
    struct Zeros {
        remaining: u64,
    }

    impl Read for Zeros {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = (buf.len() as u64).min(self.remaining).min(7001) as usize;
            buf[..n].fill(0);
            self.remaining -= n as u64;
            Ok(n)
        }
    }

    fn limits(max_entry_size: u64) -> Limits {
        Limits {
            max_entry_size,
            max_compression_ratio: 1000,
            ..Limits::default()
        }
    }

    fn plain(declared: u64) -> EntrySizes {
        EntrySizes {
            declared,
            compressed: None,
        }
    }

    #[test]
    fn reads_exactly_up_to_the_limit() {
        let mut reader = Zeros { remaining: 100_000 };
        let out = read_bounded(
            &mut reader,
            "x",
            Extent::Whole,
            &plain(100_000),
            &limits(100_000),
        )
        .unwrap();
        assert_eq!(out.len(), 100_000);
    }

    #[test]
    fn one_byte_over_the_limit_is_refused_and_the_buffer_stays_bounded() {
        let mut reader = Zeros {
            remaining: 10_000_000,
        };
        let err =
            read_bounded(&mut reader, "x", Extent::Whole, &plain(5), &limits(100_000)).unwrap_err();
        assert!(matches!(err, EntryError::Refused { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("more than 100000 bytes (--max-entry-size)"),
            "{err}"
        );
        // It stopped one byte past the limit, not at the reader's end.
        assert_eq!(reader.remaining, 10_000_000 - 100_001);
    }

    #[test]
    fn large_entries_read_the_same_whether_declared_rightly_or_not() {
        let content = crate::fixture::noise(HUGE_BUFFER_FROM + 12_345, 7);
        // Declared exactly (a mapped buffer), too small (moved to the
        // heap when more comes), and too large (a mapped prefix).
        for declared in [content.len(), HUGE_BUFFER_FROM, content.len() + 99_999] {
            let mut reader = content.as_slice();
            let out = read_bounded(
                &mut reader,
                "big",
                Extent::Whole,
                &plain(declared as u64),
                &limits(1 << 30),
            )
            .unwrap();
            assert!(out.as_ref() == content.as_slice(), "declared {declared}");
        }
    }

    #[test]
    fn growth_never_allocates_past_the_most_wanted() {
        let mut out = Vec::new();
        while out.len() < 50_000 {
            let more = 1000.min(50_000 - out.len());
            grow_within(&mut out, more, 50_000);
            assert!(out.capacity() <= 50_000, "{}", out.capacity());
        }
        assert_eq!(out.len(), 50_000);
    }

    #[test]
    fn prefix_reads_only_what_is_asked() {
        let mut reader = Zeros { remaining: 1 << 20 };
        let out = read_bounded(
            &mut reader,
            "x",
            Extent::Prefix(4096),
            &plain(1 << 20),
            &limits(1 << 30),
        )
        .unwrap();
        assert_eq!(out.len(), 4096);
        assert_eq!(reader.remaining, (1 << 20) - 4096);
    }

    #[test]
    fn actual_ratio_is_bounded_past_the_floor() {
        let mut reader = Zeros { remaining: 1 << 30 };
        let sizes = EntrySizes {
            declared: 10,
            compressed: Some(1000),
        };
        let err =
            read_bounded(&mut reader, "bomb", Extent::Whole, &sizes, &limits(1 << 30)).unwrap_err();
        assert!(err.to_string().contains("likely a zip bomb"), "{err}");
        let read = (1u64 << 30) - reader.remaining;
        assert!(read <= RATIO_CHECK_FLOOR + CHUNK as u64, "read {read}");
    }

    #[test]
    fn declared_checks() {
        let l = limits(1 << 20);
        assert!(check_declared("a", &plain(1 << 20), &l).is_ok());
        let err = check_declared("a", &plain((1 << 20) + 1), &l).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a: refused: is 1048577 bytes, more than the limit of 1048576 bytes (--max-entry-size)"
        );
        let big = limits(1 << 30);
        let ratio = |declared, compressed| {
            check_declared(
                "b",
                &EntrySizes {
                    declared,
                    compressed: Some(compressed),
                },
                &big,
            )
        };
        // Under the floor any ratio is accepted, even from nothing.
        assert!(ratio(RATIO_CHECK_FLOOR, 0).is_ok());
        assert!(ratio(RATIO_CHECK_FLOOR + 1, 0).is_err());
        assert!(ratio(10_000_000, 10_000).is_ok());
        assert!(ratio(10_000_001, 10_000).is_err());
    }

    #[test]
    fn io_errors_lose_the_os_error_number() {
        let e = std::io::Error::from_raw_os_error(2);
        let text = describe_io_error(&e);
        assert!(!text.contains("os error"), "{text}");
        assert!(!text.is_empty());
    }
}
