//! The SHA-256 of a bundle's file, read once from start to end in large
//! pieces (through the page cache, so the zip reader's own reads of the
//! same file afterwards are served from memory rather than from disk), and
//! stopped by the bundle's deadline like any other read.
//!
//! A directory bundle is no one file and has no hash; a checksum of each
//! of its files would be a format of our own that no other tool checks.

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

use super::Limits;
use super::read::describe_io_error;

/// How much is read at a time.
const PIECE: usize = 1 << 20;

/// Why a bundle's file was not hashed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// The file could not be opened or read (the system's words).
    #[error("{0}")]
    Unreadable(String),
    #[error("the time allowed for this bundle ran out while hashing it")]
    TimedOut,
}

/// The file's SHA-256 in lower-case hex; why not, when it cannot be read
/// to its end within the deadline.
pub fn sha256_file(path: &Path, limits: &Limits) -> Result<String, HashError> {
    let unreadable = |e: std::io::Error| HashError::Unreadable(describe_io_error(&e));
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let mut hasher = Sha256::new();
    let mut piece = vec![0u8; PIECE];
    loop {
        if limits.deadline_passed() {
            return Err(HashError::TimedOut);
        }
        match file.read(&mut piece) {
            Ok(0) => break,
            Ok(read) => hasher.update(&piece[..read]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(unreadable(e)),
        }
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_sha256_of_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.zip");
        // FIPS 180-2's "abc" example, and a file of several pieces whose
        // hash `sha256sum` gave.
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(
            sha256_file(&path, &Limits::default()).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        std::fs::write(&path, vec![b'a'; 3 * PIECE + 7]).unwrap();
        assert_eq!(
            sha256_file(&path, &Limits::default()).unwrap(),
            "7d8aedf62548b6943c912ca5192d7a2c13322cd689d7a47d4b3944b4bb2e30c6"
        );
        assert!(sha256_file(&dir.path().join("none"), &Limits::default()).is_err());
    }
}
