//! Single-file cabinets (`MSCF`): a hive such as `system._` compressed into
//! a cabinet that holds just that file, as setup media and some backup
//! tools keep them. The `cab` crate parses the cabinet and decompresses
//! (stored, MSZIP, LZX); around it:
//!
//! * output is bounded by the same limit as a zip entry's
//!   ([`crate::bundle::Limits::max_entry_size`]), refused up front when the
//!   cabinet's own size field is over it and checked again as bytes come;
//! * a cabinet holding more than one file is not guessed into: it is
//!   refused with the count (repair copies hold exactly one);
//! * the crate is not hardened against hostile input the way this
//!   project's own parsers are, so a panic inside it is contained and
//!   reported as damage to the file, like the hive library's.
//!
//! Not read: Quantum-compressed cabinets (the crate cannot decode them;
//! nothing known stores hives that way) and cabinets spanning several files.

use std::io::{Cursor, Read};

use thiserror::Error;

use crate::registry::guard::contain;

/// The first eight bytes of every cabinet: `MSCF` and four reserved zeros.
pub const CABINET_SIGNATURE: [u8; 8] = *b"MSCF\0\0\0\0";

/// Whether bytes start with the cabinet signature.
pub fn is_cabinet(prefix: &[u8]) -> bool {
    prefix.starts_with(&CABINET_SIGNATURE)
}

#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CabinetError {
    #[error("{file}: not a readable cabinet: {detail}")]
    Unreadable { file: String, detail: String },
    #[error(
        "{file}: the cabinet holds {count} files; only single-file cabinets \
         (compressed copies of one hive or export) are read"
    )]
    NotSingleFile { file: String, count: usize },
    #[error("{file}: expands past the limit of {limit} bytes (--max-entry-size); not expanded")]
    TooLarge { file: String, limit: u64 },
}

/// A cabinet's one file, decompressed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expanded {
    /// The name the file has inside the cabinet.
    pub inner_name: String,
    pub data: Vec<u8>,
    /// Messages for the report's `errors` (each naming the file).
    pub warnings: Vec<String>,
}

/// Decompresses the one file of a cabinet, producing at most `max_size`
/// bytes.
pub fn expand(file: &str, bytes: &[u8], max_size: u64) -> Result<Expanded, CabinetError> {
    contain(|| expand_unguarded(file, bytes, max_size)).unwrap_or_else(|panic| {
        Err(CabinetError::Unreadable {
            file: file.to_string(),
            detail: format!(
                "the cabinet reader stopped on damaged data ({})",
                panic.message
            ),
        })
    })
}

fn expand_unguarded(file: &str, bytes: &[u8], max_size: u64) -> Result<Expanded, CabinetError> {
    let unreadable = |detail: String| CabinetError::Unreadable {
        file: file.to_string(),
        detail,
    };
    let mut cabinet =
        cab::Cabinet::new(Cursor::new(bytes)).map_err(|error| unreadable(error.to_string()))?;
    let files: Vec<(String, u32)> = cabinet
        .folder_entries()
        .flat_map(|folder| folder.file_entries())
        .map(|entry| (entry.name().to_string(), entry.uncompressed_size()))
        .collect();
    let [(inner_name, declared)] = files.as_slice() else {
        return Err(CabinetError::NotSingleFile {
            file: file.to_string(),
            count: files.len(),
        });
    };
    let declared = u64::from(*declared);
    if declared > max_size {
        return Err(CabinetError::TooLarge {
            file: file.to_string(),
            limit: max_size,
        });
    }
    let reader = cabinet
        .read_file(inner_name)
        .map_err(|error| unreadable(format!("{inner_name}: {error}")))?;
    // `declared` is within the limit, so this allocation is bounded.
    let mut data = Vec::with_capacity(declared as usize);
    reader
        .take(max_size.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(|error| unreadable(format!("{inner_name}: {error}")))?;
    if data.len() as u64 > max_size {
        return Err(CabinetError::TooLarge {
            file: file.to_string(),
            limit: max_size,
        });
    }
    let mut warnings = Vec::new();
    if data.len() as u64 != declared {
        warnings.push(format!(
            "{file}: the cabinet says {inner_name} is {declared} bytes, but it expands to {}",
            data.len()
        ));
    }
    Ok(Expanded {
        inner_name: inner_name.clone(),
        data,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::cabinet::single_file_cabinet;

    #[test]
    fn a_single_file_cabinet_expands_to_its_file() {
        let content: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let cabinet = single_file_cabinet("system", &content);
        assert!(is_cabinet(&cabinet));
        let expanded = expand("Reg/system._", &cabinet, 1 << 20).unwrap();
        assert_eq!(expanded.inner_name, "system");
        assert_eq!(expanded.data, content);
        assert!(expanded.warnings.is_empty());
    }

    #[test]
    fn output_over_the_limit_is_refused() {
        let cabinet = single_file_cabinet("system", &[7u8; 10_000]);
        let error = expand("system._", &cabinet, 9_999).unwrap_err();
        assert!(
            matches!(error, CabinetError::TooLarge { limit: 9_999, .. }),
            "{error}"
        );
        assert!(error.to_string().starts_with("system._: "), "{error}");
    }

    #[test]
    fn damaged_cabinets_are_errors_naming_the_file() {
        let noise = crate::fixture::noise(5_000, 0x9e37_79b9);
        let cabinet = single_file_cabinet("system", &noise);
        for cut in [0, 8, 36, cabinet.len() / 2, cabinet.len() - 1] {
            let error = expand("x._", &cabinet[..cut], 1 << 20).unwrap_err();
            assert!(error.to_string().starts_with("x._: "), "{cut}: {error}");
        }
        // Compressed data overwritten: the block checksum or the inflater
        // catches it.
        let mut corrupt = cabinet.clone();
        let last = corrupt.len() - 1_000;
        corrupt[last..last + 500].fill(0xAA);
        let error = expand("x._", &corrupt, 1 << 20).unwrap_err();
        assert!(error.to_string().starts_with("x._: "), "{error}");
    }
}
