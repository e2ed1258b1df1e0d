//! Typed registry values, whatever source (hive, `.reg`, `reg query`) they
//! came from: every source produces the stored bytes and the type number,
//! and decoding happens here once.

use crate::encoding::{utf16le_multi, utf16le_until_nul};
use serde::Serialize;
use std::borrow::Cow;

/// `REG_*` type numbers that have names.
pub mod reg_type {
    pub const NONE: u32 = 0;
    pub const SZ: u32 = 1;
    pub const EXPAND_SZ: u32 = 2;
    pub const BINARY: u32 = 3;
    pub const DWORD: u32 = 4;
    pub const DWORD_BIG_ENDIAN: u32 = 5;
    pub const LINK: u32 = 6;
    pub const MULTI_SZ: u32 = 7;
    pub const RESOURCE_LIST: u32 = 8;
    pub const FULL_RESOURCE_DESCRIPTOR: u32 = 9;
    pub const RESOURCE_REQUIREMENTS_LIST: u32 = 10;
    pub const QWORD: u32 = 11;
}

/// One value as stored: its name, type number and raw bytes.
///
/// Unknown type numbers (real hives hold 0x200000 and the 0xFFFF00xx
/// device-property types) are kept with their bytes rather than dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegValue {
    /// The value name as stored; the default value is `""`.
    pub name: String,
    pub type_code: u32,
    pub raw: Vec<u8>,
}

/// The decoded data of a value, in the shapes the JSON contract uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RegData {
    /// REG_SZ, REG_EXPAND_SZ (unexpanded), REG_LINK: cut at the first NUL.
    String(String),
    /// REG_DWORD, REG_DWORD_BIG_ENDIAN, REG_QWORD.
    Number(u64),
    /// REG_MULTI_SZ: every string up to the list's terminator (see
    /// [`utf16le_multi`]).
    MultiString(Vec<String>),
    /// Anything else, and numbers whose size is wrong: the stored bytes.
    Bytes(Vec<u8>),
}

/// The `REG_*` name of a type number, or `0x…` for numbers without one.
pub fn type_name(type_code: u32) -> Cow<'static, str> {
    let name = match type_code {
        reg_type::NONE => "REG_NONE",
        reg_type::SZ => "REG_SZ",
        reg_type::EXPAND_SZ => "REG_EXPAND_SZ",
        reg_type::BINARY => "REG_BINARY",
        reg_type::DWORD => "REG_DWORD",
        reg_type::DWORD_BIG_ENDIAN => "REG_DWORD_BIG_ENDIAN",
        reg_type::LINK => "REG_LINK",
        reg_type::MULTI_SZ => "REG_MULTI_SZ",
        reg_type::RESOURCE_LIST => "REG_RESOURCE_LIST",
        reg_type::FULL_RESOURCE_DESCRIPTOR => "REG_FULL_RESOURCE_DESCRIPTOR",
        reg_type::RESOURCE_REQUIREMENTS_LIST => "REG_RESOURCE_REQUIREMENTS_LIST",
        reg_type::QWORD => "REG_QWORD",
        other => return Cow::Owned(format!("0x{other:08x}")),
    };
    Cow::Borrowed(name)
}

impl RegValue {
    pub fn new(name: impl Into<String>, type_code: u32, raw: Vec<u8>) -> Self {
        RegValue {
            name: name.into(),
            type_code,
            raw,
        }
    }

    pub fn type_name(&self) -> Cow<'static, str> {
        type_name(self.type_code)
    }

    pub fn data(&self) -> RegData {
        match self.type_code {
            reg_type::SZ | reg_type::EXPAND_SZ | reg_type::LINK => {
                RegData::String(utf16le_until_nul(&self.raw))
            }
            reg_type::MULTI_SZ => RegData::MultiString(utf16le_multi(&self.raw)),
            _ => match self.number() {
                Some(n) => RegData::Number(n),
                None => RegData::Bytes(self.raw.clone()),
            },
        }
    }

    /// The number of a REG_DWORD, REG_DWORD_BIG_ENDIAN or REG_QWORD value
    /// of the right size.
    fn number(&self) -> Option<u64> {
        match self.type_code {
            reg_type::DWORD => {
                Some(u32::from_le_bytes(self.raw.as_slice().try_into().ok()?).into())
            }
            reg_type::DWORD_BIG_ENDIAN => {
                Some(u32::from_be_bytes(self.raw.as_slice().try_into().ok()?).into())
            }
            reg_type::QWORD => Some(u64::from_le_bytes(self.raw.as_slice().try_into().ok()?)),
            _ => None,
        }
    }

    /// The string of a REG_SZ / REG_EXPAND_SZ / REG_LINK value.
    pub fn as_string(&self) -> Option<String> {
        match self.data() {
            RegData::String(text) => Some(text),
            _ => None,
        }
    }

    /// The number of a REG_DWORD or REG_DWORD_BIG_ENDIAN value of 4 bytes.
    pub fn as_dword(&self) -> Option<u32> {
        match (self.type_code, self.data()) {
            (reg_type::DWORD | reg_type::DWORD_BIG_ENDIAN, RegData::Number(n)) => {
                u32::try_from(n).ok()
            }
            _ => None,
        }
    }

    /// The data in the JSON contract's shape: strings, numbers, lists of
    /// strings, or lower-case hex for everything else.
    pub fn data_json(&self) -> serde_json::Value {
        serde_json::to_value(JsonData(self)).unwrap_or(serde_json::Value::Null)
    }
}

/// A value's data in the JSON contract's shape (see
/// [`RegValue::data_json`]), serialized straight from the stored bytes.
pub struct JsonData<'a>(pub &'a RegValue);

impl Serialize for JsonData<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = self.0;
        match value.type_code {
            reg_type::SZ | reg_type::EXPAND_SZ | reg_type::LINK => {
                serializer.serialize_str(&utf16le_until_nul(&value.raw))
            }
            reg_type::MULTI_SZ => utf16le_multi(&value.raw).serialize(serializer),
            _ => match value.number() {
                Some(n) => serializer.serialize_u64(n),
                None => serializer.collect_str(&Hex(&value.raw)),
            },
        }
    }
}

/// Bytes shown as lower-case hex without separators.
pub struct Hex<'a>(pub &'a [u8]);

impl std::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut chunk = [0u8; 128];
        for bytes in self.0.chunks(64) {
            for (at, byte) in bytes.iter().enumerate() {
                chunk[2 * at] = DIGITS[usize::from(byte >> 4)];
                chunk[2 * at + 1] = DIGITS[usize::from(byte & 0xF)];
            }
            // Hex digits are ASCII.
            f.write_str(std::str::from_utf8(&chunk[..2 * bytes.len()]).unwrap_or_default())?;
        }
        Ok(())
    }
}

/// Lower-case hex without separators.
pub fn hex(bytes: &[u8]) -> String {
    Hex(bytes).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{utf16le_multi_with_nuls, utf16le_with_nul};

    #[test]
    fn strings_stop_at_the_first_nul_even_with_junk_after_it() {
        let mut raw = utf16le_with_nul("C:\\exchsrvr\\imcdata");
        raw.extend(utf16le_with_nul("junk"));
        let value = RegValue::new("RootDir", reg_type::SZ, raw);
        assert_eq!(value.as_string().as_deref(), Some("C:\\exchsrvr\\imcdata"));
    }

    #[test]
    fn dword_of_the_wrong_size_is_bytes_not_a_number() {
        let value = RegValue::new("x", reg_type::DWORD, vec![1, 0, 0]);
        assert_eq!(value.as_dword(), None);
        assert_eq!(value.data_json(), serde_json::json!("010000"));
    }

    #[test]
    fn big_endian_dword_is_decoded_big_endian() {
        let value = RegValue::new("x", reg_type::DWORD_BIG_ENDIAN, vec![0, 0, 0, 1]);
        assert_eq!(value.as_dword(), Some(1));
    }

    #[test]
    fn unknown_types_keep_their_number_and_bytes() {
        let value = RegValue::new("x", 0xFFFF0012, vec![0xAB]);
        assert_eq!(value.type_name(), "0xffff0012");
        assert_eq!(value.data(), RegData::Bytes(vec![0xAB]));
    }

    fn units(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn multi_sz_lists_every_string_up_to_the_list_terminator() {
        let cases: [(&str, &[&str]); 10] = [
            ("a\0b\0\0", &["a", "b"]),
            ("a\0b\0", &["a", "b"]),
            ("a\0b", &["a", "b"]),
            ("a\0\0b\0\0", &["a", "", "b"]),
            ("a\0b\0\0\0", &["a", "b", ""]),
            ("\0a\0\0", &["", "a"]),
            ("\0\0", &[""]),
            ("\0\0\0", &["", ""]),
            ("\0", &[]),
            ("", &[]),
        ];
        for (stored, listed) in cases {
            assert_eq!(utf16le_multi(&units(stored)), listed, "{stored:?}");
        }
        // An odd last byte belongs to no character.
        let mut odd = units("a\0b\0\0");
        odd.push(0x41);
        assert_eq!(utf16le_multi(&odd), ["a", "b"]);
        let mut odd = units("a\0b");
        odd.push(0);
        assert_eq!(utf16le_multi(&odd), ["a", "b"]);
    }

    #[test]
    fn pending_file_rename_operations_keeps_its_empty_strings() {
        let raw = units("\\??\\C:\\old.dll\0\0\\??\\C:\\a\0\\??\\C:\\b\0\0");
        let value = RegValue::new("PendingFileRenameOperations", reg_type::MULTI_SZ, raw);
        assert_eq!(
            value.data_json(),
            serde_json::json!(["\\??\\C:\\old.dll", "", "\\??\\C:\\a", "\\??\\C:\\b"])
        );
    }

    #[test]
    fn multi_sz_round_trips() {
        let raw = utf16le_multi_with_nuls(&["a", "bb", "ccc"]);
        let value = RegValue::new("V", reg_type::MULTI_SZ, raw);
        assert_eq!(
            value.data(),
            RegData::MultiString(vec!["a".into(), "bb".into(), "ccc".into()])
        );
    }
}
