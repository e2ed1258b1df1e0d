//! Files that look like archives hivetriage does not read (7-Zip, RAR,
//! tar, gzip and the like, cabinets of several files, parts of split
//! zips): recognised by their first bytes, or by their name when the bytes
//! say nothing, so that discovery can report them as skipped with the
//! reason instead of passing over them, and a zip reader's complaint can
//! say what the file is.

/// What kind of archive the file is, when it is one hivetriage does not
/// read; `None` for a zip (or something that may be one) and for files
/// that look like no archive.
pub fn unread_archive(name: &str, first: &[u8]) -> Option<String> {
    if first.starts_with(b"PK\x03\x04") || first.starts_with(b"PK\x05\x06") {
        return None;
    }
    if first.starts_with(b"MSCF") {
        // Whatever its name: its header says how many files it holds.
        return by_content(name, first);
    }
    by_content(name, first).or_else(|| by_name(name))
}

/// Why an archive is skipped, and what to do about it.
pub fn skip_reason(kind: &str) -> String {
    format!("{kind}; hivetriage reads only .zip files and folders (extract it, or zip the bundle)")
}

fn lower(name: &str) -> String {
    name.to_ascii_lowercase()
}

fn by_content(name: &str, first: &[u8]) -> Option<String> {
    let tar_inside = {
        let name = lower(name);
        name.contains(".tar.") || name.ends_with(".tgz") || name.ends_with(".tbz2")
    };
    let compressed = |what: &str| {
        Some(if tar_inside {
            format!("a {what}-compressed tar archive")
        } else {
            format!("a {what}-compressed file")
        })
    };
    if first.starts_with(b"7z\xBC\xAF\x27\x1C") {
        return Some("a 7-Zip archive".to_string());
    }
    if first.starts_with(b"Rar!\x1A\x07") {
        return Some("a RAR archive".to_string());
    }
    if first.starts_with(b"PK\x07\x08") {
        return Some("the first part of a split zip".to_string());
    }
    if first.starts_with(b"\x1F\x8B") {
        return compressed("gzip");
    }
    if first.starts_with(b"BZh") && first.get(3).is_some_and(u8::is_ascii_digit) {
        return compressed("bzip2");
    }
    if first.starts_with(b"\xFD7zXZ\x00") {
        return compressed("xz");
    }
    if first.starts_with(b"\x28\xB5\x2F\xFD") {
        return compressed("zstd");
    }
    if first.get(257..262) == Some(b"ustar") {
        return Some("a tar archive".to_string());
    }
    if first.starts_with(b"MSCF") {
        // A cabinet of one file is a registry source (an NT 4.0 `system._`)
        // read inside a bundle; a cabinet of several is a bundle packed in
        // a form hivetriage does not read.
        let files = first.get(28..30).map(|b| u16::from_le_bytes([b[0], b[1]]));
        return match files {
            Some(1) => None,
            Some(count) => Some(format!("a cabinet of {count} files")),
            None => Some("a cabinet".to_string()),
        };
    }
    None
}

/// An archive by its name alone (an empty or unreadable file named so).
fn by_name(name: &str) -> Option<String> {
    let name = lower(name);
    let ends = |suffixes: &[&str]| suffixes.iter().any(|s| name.ends_with(s));
    let extension = name.rsplit('.').next().unwrap_or("");
    let kind = if ends(&[".7z"]) {
        "a file named like a 7-Zip archive"
    } else if ends(&[".rar"]) {
        "a file named like a RAR archive"
    } else if ends(&[
        ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz",
    ]) {
        "a file named like a tar archive"
    } else if ends(&[".gz", ".bz2", ".xz", ".zst"]) {
        "a file named like a compressed file"
    } else if ends(&[".cab"]) {
        "a file named like a cabinet"
    } else if (extension.len() == 3
        && extension.starts_with('z')
        && extension[1..].bytes().all(|b| b.is_ascii_digit()))
        || (ends(&[".zip.001", ".7z.001"]))
    {
        "a part of a split archive"
    } else {
        return None;
    };
    Some(kind.to_string())
}

/// Whether a name alone says archive (discovery looks at the bytes of
/// such files only, besides what it reads anyway).
pub fn named_like_archive(name: &str) -> bool {
    by_name(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives_are_told_by_their_bytes_before_their_names() {
        assert_eq!(unread_archive("x.zip", b"PK\x03\x04rest"), None);
        assert_eq!(unread_archive("x.7z", b"PK\x03\x04rest"), None);
        assert_eq!(
            unread_archive("case.zip", b"7z\xBC\xAF\x27\x1C\x00\x04"),
            Some("a 7-Zip archive".to_string())
        );
        assert_eq!(
            unread_archive("case.tar.gz", b"\x1F\x8B\x08\x00"),
            Some("a gzip-compressed tar archive".to_string())
        );
        assert_eq!(
            unread_archive("case.rar", b"Rar!\x1A\x07\x01\x00"),
            Some("a RAR archive".to_string())
        );
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(
            unread_archive("case", &tar),
            Some("a tar archive".to_string())
        );
        assert_eq!(
            unread_archive("case.7z", b""),
            Some("a file named like a 7-Zip archive".to_string())
        );
        assert_eq!(
            unread_archive("case.z01", b"garbage"),
            Some("a part of a split archive".to_string())
        );
        assert_eq!(unread_archive("notes.txt", b"hello"), None);
    }

    #[test]
    fn a_cabinet_of_one_file_is_read_and_one_of_several_is_not() {
        let mut header = b"MSCF".to_vec();
        header.resize(36, 0);
        header[28] = 1;
        assert_eq!(unread_archive("system._", &header), None);
        header[28] = 3;
        assert_eq!(
            unread_archive("bundle.cab", &header),
            Some("a cabinet of 3 files".to_string())
        );
    }
}
