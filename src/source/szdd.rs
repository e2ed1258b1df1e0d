//! Files compressed by Microsoft's `COMPRESS.EXE` (SZDD), as Windows NT
//! 4.0 keeps its repair copies of the registry (`%SystemRoot%\repair\
//! system._`, `software._`, `sam._`), expanded in memory.
//!
//! The format, as libmspack's documentation describes it: a 14-byte header
//! (signature `SZDD\x88\xf0\x27\x33`, compression mode `A`, the character
//! the compressed name lost, the expanded size as u32 LE) and then LZSS
//! data: a control byte whose bits, lowest first, say whether each of the
//! next eight items is a literal byte (1) or a match (0) of two bytes
//! giving a 12-bit position in a 4096-byte window (low byte first, high
//! nibble in the second byte's top bits) and a length of 3 to 18 (second
//! byte's low nibble + 3). The window starts filled with spaces, and
//! writing starts at position 4096 - 16.
//!
//! The header's size is only a claim: output is bounded by the same limit
//! as a zip entry's ([`crate::bundle::Limits::max_entry_size`]), checked as
//! bytes are produced, and a size that differs from the claim is reported.
//!
//! Not read: KWAJ files (`COMPRESS -Z`) and single-file cabinets (`MSCF`).
//! NT 4.0's repair copies are SZDD; a cabinet reader (the `cab` crate) would
//! be a new dependency for a form no known collector writes.

/// The first eight bytes of every SZDD file.
pub const SZDD_SIGNATURE: [u8; 8] = *b"SZDD\x88\xf0\x27\x33";
/// Header length: signature, mode, missing character, expanded size.
pub const SZDD_HEADER_LEN: usize = 14;
/// The only compression mode `COMPRESS.EXE` writes in SZDD files.
pub const SZDD_MODE_A: u8 = b'A';
/// LZSS window size and where writing starts in it.
const WINDOW: usize = 4096;
const START: usize = WINDOW - 16;

/// What an SZDD header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SzddHeader {
    pub mode: u8,
    /// The last character of the original name (`0` when not recorded).
    pub missing_char: u8,
    /// The expanded size as the header claims it.
    pub declared_size: u32,
}

/// Whether bytes start with the SZDD signature.
pub fn is_szdd(prefix: &[u8]) -> bool {
    prefix.starts_with(&SZDD_SIGNATURE)
}

/// The header, when the bytes start with a whole one.
pub fn read_header(bytes: &[u8]) -> Option<SzddHeader> {
    if !is_szdd(bytes) || bytes.len() < SZDD_HEADER_LEN {
        return None;
    }
    Some(SzddHeader {
        mode: bytes[8],
        missing_char: bytes[9],
        declared_size: u32::from_le_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]),
    })
}

/// Why a file could not be expanded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SzddError {
    #[error("{file}: not an SZDD file: {detail}")]
    NotSzdd { file: String, detail: String },
    #[error(
        "{file}: SZDD compression mode {mode:#04x} is not 'A', the only one COMPRESS.EXE writes"
    )]
    UnknownMode { file: String, mode: u8 },
    #[error("{file}: refused: {what}, over the {limit}-byte limit (--max-entry-size)")]
    TooLarge {
        file: String,
        limit: u64,
        what: String,
    },
}

/// An expanded file and what was odd about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expanded {
    pub data: Vec<u8>,
    pub header: SzddHeader,
    /// Messages for the report's `errors` (each naming the file).
    pub warnings: Vec<String>,
}

/// Expands an SZDD file, producing at most `max_size` bytes.
pub fn expand(file: &str, bytes: &[u8], max_size: u64) -> Result<Expanded, SzddError> {
    let header = read_header(bytes).ok_or_else(|| SzddError::NotSzdd {
        file: file.to_string(),
        detail: if is_szdd(bytes) {
            format!(
                "the header is cut short ({} of {SZDD_HEADER_LEN} bytes)",
                bytes.len()
            )
        } else {
            "it does not start with the SZDD signature".to_string()
        },
    })?;
    if header.mode != SZDD_MODE_A {
        return Err(SzddError::UnknownMode {
            file: file.to_string(),
            mode: header.mode,
        });
    }
    if u64::from(header.declared_size) > max_size {
        return Err(SzddError::TooLarge {
            file: file.to_string(),
            limit: max_size,
            what: format!(
                "its header declares {} expanded bytes",
                header.declared_size
            ),
        });
    }
    let body = &bytes[SZDD_HEADER_LEN..];
    let too_large = || SzddError::TooLarge {
        file: file.to_string(),
        limit: max_size,
        what: format!(
            "it expands past the limit (its header declares {} bytes)",
            header.declared_size
        ),
    };
    // One control byte and eight 2-byte matches of 18 bytes expand 17
    // bytes to 144: never reserve more than that ratio allows.
    let capacity = u64::from(header.declared_size)
        .min(max_size)
        .min(body.len() as u64 * 9);
    let mut out: Vec<u8> = Vec::with_capacity(capacity as usize);
    let mut warnings = Vec::new();
    let mut window = [b' '; WINDOW];
    let mut pos = START;
    let mut at = 0;
    'stream: while at < body.len() {
        let control = body[at];
        at += 1;
        for bit in 0..8 {
            if at >= body.len() {
                break 'stream;
            }
            if control & (1 << bit) != 0 {
                if out.len() as u64 >= max_size {
                    return Err(too_large());
                }
                let byte = body[at];
                at += 1;
                out.push(byte);
                window[pos] = byte;
                pos = (pos + 1) % WINDOW;
            } else {
                if at + 1 >= body.len() {
                    warnings.push(format!(
                        "{file}: SZDD data ends inside a match reference at byte offset {:#x}; the file is truncated",
                        SZDD_HEADER_LEN + at
                    ));
                    break 'stream;
                }
                let (low, high) = (body[at], body[at + 1]);
                at += 2;
                let mut from = usize::from(low) | (usize::from(high & 0xF0) << 4);
                let length = usize::from(high & 0x0F) + 3;
                if out.len() as u64 + length as u64 > max_size {
                    return Err(too_large());
                }
                for _ in 0..length {
                    let byte = window[from];
                    out.push(byte);
                    window[pos] = byte;
                    pos = (pos + 1) % WINDOW;
                    from = (from + 1) % WINDOW;
                }
            }
        }
    }
    if out.len() as u64 != u64::from(header.declared_size) {
        warnings.push(format!(
            "{file}: SZDD header declares {} expanded bytes, but the data expands to {}; the file may be truncated or damaged",
            header.declared_size,
            out.len()
        ));
    }
    Ok(Expanded {
        data: out,
        header,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn szdd(declared: u32, body: &[u8]) -> Vec<u8> {
        let mut bytes = SZDD_SIGNATURE.to_vec();
        bytes.extend([SZDD_MODE_A, 0]);
        bytes.extend(declared.to_le_bytes());
        bytes.extend(body);
        bytes
    }

    /// Bytes `mscompress` 0.4 (Debian) wrote for "hello hello hello world\n".
    #[test]
    fn expands_what_mscompress_wrote() {
        let bytes = [
            0x53, 0x5a, 0x44, 0x44, 0x88, 0xf0, 0x27, 0x33, 0x41, 0x00, 0x18, 0x00, 0x00, 0x00,
            0xbf, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0xf0, 0xf9, 0x77, 0x1f, 0x6f, 0x72, 0x6c,
            0x64, 0x0a,
        ];
        let expanded = expand("hello_", &bytes, 1 << 20).unwrap();
        assert_eq!(expanded.data, b"hello hello hello world\n");
        assert!(expanded.warnings.is_empty(), "{:?}", expanded.warnings);
        assert_eq!(expanded.header.declared_size, 24);
    }

    #[test]
    fn matches_may_read_the_initial_spaces() {
        // A match at position 0 (spaces) of length 3, then a literal.
        let expanded = expand("s", &szdd(4, &[0b10, 0x00, 0x00, b'x']), 100).unwrap();
        assert_eq!(expanded.data, b"   x");
    }

    #[test]
    fn declared_size_over_the_limit_is_refused_before_expanding() {
        let error = expand("system._", &szdd(1000, &[0xff, 1]), 999).unwrap_err();
        assert!(matches!(error, SzddError::TooLarge { .. }), "{error}");
        assert!(error.to_string().starts_with("system._: refused: "));
    }

    #[test]
    fn a_lying_header_cannot_make_output_pass_the_limit() {
        // Matches of 18 bytes each, repeated: a small "bomb".
        let mut body = Vec::new();
        for _ in 0..100 {
            body.extend([
                0x00, 0, 0x0f, 0, 0x0f, 0, 0x0f, 0, 0x0f, 0, 0x0f, 0, 0x0f, 0, 0x0f, 0, 0x0f,
            ]);
        }
        let error = expand("bomb._", &szdd(10, &body), 1000).unwrap_err();
        assert!(
            error.to_string().contains("expands past the limit"),
            "{error}"
        );
        let expanded = expand("bomb._", &szdd(10, &body), 1 << 20).unwrap();
        assert_eq!(expanded.data.len(), 100 * 8 * 18);
        assert!(
            expanded.warnings[0].contains("declares 10"),
            "{:?}",
            expanded.warnings
        );
    }

    #[test]
    fn truncation_and_bad_headers_are_named() {
        let expanded = expand("t._", &szdd(5, &[0x00, 0x12]), 100).unwrap();
        assert!(expanded.data.is_empty());
        assert!(
            expanded.warnings[0].contains("inside a match"),
            "{:?}",
            expanded.warnings
        );
        assert!(matches!(
            expand("h._", &SZDD_SIGNATURE, 100),
            Err(SzddError::NotSzdd { .. })
        ));
        let mut other_mode = szdd(0, &[]);
        other_mode[8] = b'B';
        assert!(matches!(
            expand("m._", &other_mode, 100),
            Err(SzddError::UnknownMode { mode: b'B', .. })
        ));
        assert!(expand("e._", &szdd(0, &[]), 100).unwrap().data.is_empty());
    }
}
