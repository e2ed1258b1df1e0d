//! Decoding text files whose encoding is not declared: the decoding
//! itself lives in [`crate::encoding`], below both the sources and the
//! ACL snapshots that read such files.

pub use crate::encoding::{DecodedText, decode_text, lines, windows_1252};
