//! Registry keys printed the way `reg query` prints them, so that what
//! `hivetriage query` shows can be saved and read back as a registry source
//! (`source::reg_query` reads both layouts).
//!
//! A key or value that the layout cannot show exactly (a name with a line
//! break, a value named `(Default)`, a type without a `REG_` name, data
//! that printing would change) is written in the exact form that
//! `source::reg_query` describes: the key path as a JSON string, or the
//! value as a JSON-string name, `hex(<type>)` and its stored bytes. Each
//! line is checked by reading it back with the reader itself, so what is
//! printed in the `reg query` layout is exactly what reads back.

use crate::encoding::{utf16le_multi, utf16le_until_nul};
use crate::escape::needs_escape;
use crate::registry::{RegValue, reg_type, type_name};
use crate::source::reg_query::{RegQueryLayout, key_line_reads_back, value_line_reads_back};
use std::fmt::Write;

/// Appends a key's path as a line: as it is when it reads back so, else
/// as a JSON string.
pub fn write_key_line(out: &mut String, path: &str, eol: &str) {
    if key_line_reads_back(path) && !path.chars().any(needs_escape) {
        out.push_str(path);
    } else {
        push_json_string(out, path);
    }
    out.push_str(eol);
}

/// Appends one value line: in the layout when it reads back exactly, else
/// in the exact form.
pub fn write_value_line(out: &mut String, value: &RegValue, layout: RegQueryLayout, eol: &str) {
    let start = out.len();
    let separator = layout.separator();
    let name = if value.name.is_empty() {
        layout.default_name()
    } else {
        value.name.as_str()
    };
    out.push_str("    ");
    out.push_str(name);
    out.push_str(separator);
    out.push_str(&type_name(value.type_code));
    out.push_str(separator);
    push_printed_data(out, value, layout);
    // A control character would reach the terminal raw, or be shown
    // escaped and read back changed: the exact form keeps it as data.
    if !value_line_reads_back(&out[start..], value) || out[start..].chars().any(needs_escape) {
        out.truncate(start);
        out.push_str("    ");
        push_json_string(out, &value.name);
        out.push_str(separator);
        let _ = write!(out, "hex({:x})", value.type_code);
        out.push_str(separator);
        push_upper_hex(out, &value.raw);
    }
    out.push_str(eol);
}

/// A JSON string whose characters a terminal must not see raw (C1
/// controls, bidirectional overrides, which JSON leaves as they are) are
/// `\u` escapes too, so the line is safe to show and reads back exactly.
fn push_json_string(out: &mut String, text: &str) {
    // Serializing a string cannot fail.
    let json = serde_json::to_string(text).unwrap_or_default();
    for c in json.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
}

/// The data as `reg.exe` prints it: strings as they are (cut at the first
/// NUL), REG_MULTI_SZ joined by `\0`, numbers as `0x…`, anything else as
/// upper-case hex.
pub fn printed_data(value: &RegValue, layout: RegQueryLayout) -> String {
    let mut out = String::new();
    push_printed_data(&mut out, value, layout);
    out
}

fn push_printed_data(out: &mut String, value: &RegValue, layout: RegQueryLayout) {
    let raw = &value.raw;
    match value.type_code {
        reg_type::SZ | reg_type::EXPAND_SZ => out.push_str(&utf16le_until_nul(raw)),
        reg_type::MULTI_SZ => {
            let strings = utf16le_multi(raw);
            out.push_str(&strings.join("\\0"));
            // Unconfirmed: XP is taken to show the terminators.
            if layout == RegQueryLayout::Xp && !strings.is_empty() {
                out.push_str("\\0\\0");
            }
        }
        reg_type::DWORD | reg_type::DWORD_BIG_ENDIAN => match <[u8; 4]>::try_from(raw.as_slice()) {
            Ok(bytes) => {
                let _ = write!(out, "0x{:x}", u32::from_le_bytes(bytes));
            }
            Err(_) => push_upper_hex(out, raw),
        },
        reg_type::QWORD => match <[u8; 8]>::try_from(raw.as_slice()) {
            Ok(bytes) => {
                let _ = write!(out, "0x{:x}", u64::from_le_bytes(bytes));
            }
            Err(_) => push_upper_hex(out, raw),
        },
        _ => push_upper_hex(out, raw),
    }
}

fn push_upper_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xF)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::{utf16le_multi_with_nuls, utf16le_with_nul};
    use crate::fixture::reg_text::write_key;
    use crate::source::reg_query::parse_reg_query;

    fn line(value: &RegValue) -> String {
        let mut out = String::new();
        write_value_line(&mut out, value, RegQueryLayout::Vista, "\n");
        out
    }

    #[test]
    fn plain_values_keep_the_reg_query_layout() {
        let value = RegValue::new("RootDir", reg_type::SZ, utf16le_with_nul("C:\\x"));
        assert_eq!(line(&value), "    RootDir    REG_SZ    C:\\x\n");
        let value = RegValue::new("", reg_type::DWORD, 7u32.to_le_bytes().to_vec());
        assert_eq!(line(&value), "    (Default)    REG_DWORD    0x7\n");
        let pending = utf16le_multi_with_nuls(&["a", "", "b"]);
        let value = RegValue::new("P", reg_type::MULTI_SZ, pending);
        assert_eq!(line(&value), "    P    REG_MULTI_SZ    a\\0\\0b\n");
        let value = RegValue::new("name ", reg_type::SZ, utf16le_with_nul("x"));
        assert_eq!(line(&value), "    name     REG_SZ    x\n");
    }

    #[test]
    fn what_the_layout_cannot_show_is_written_exactly() {
        let cases = [
            (
                RegValue::new("(Default)", reg_type::SZ, utf16le_with_nul("x")),
                "    \"(Default)\"    hex(1)    78000000\n",
            ),
            (
                RegValue::new("", reg_type::SZ, utf16le_with_nul("(value not set)")),
                "    \"\"    hex(1)    ",
            ),
            (
                RegValue::new("D", 0xFFFF_0011, vec![1, 2]),
                "    \"D\"    hex(ffff0011)    0102\n",
            ),
            (
                RegValue::new("two\r\nlines", reg_type::SZ, utf16le_with_nul("x")),
                "    \"two\\r\\nlines\"    hex(1)    78000000\n",
            ),
            (
                RegValue::new("M", reg_type::MULTI_SZ, utf16le_multi_with_nuls(&["a\nb"])),
                "    \"M\"    hex(7)    ",
            ),
            (
                RegValue::new("Junk", reg_type::SZ, vec![0x41, 0, 0, 0, 0x42, 0]),
                "    \"Junk\"    hex(1)    410000004200\n",
            ),
            (
                RegValue::new("Short", reg_type::DWORD, vec![1, 0]),
                "    \"Short\"    hex(4)    0100\n",
            ),
            (
                RegValue::new("E", reg_type::NONE, Vec::new()),
                "    E    REG_NONE    \n",
            ),
        ];
        for (value, expected) in cases {
            assert!(line(&value).starts_with(expected), "{}", line(&value));
        }
    }

    #[test]
    fn every_form_reads_back() {
        let values = vec![
            RegValue::new("(Default)", reg_type::SZ, utf16le_with_nul("x")),
            RegValue::new("", reg_type::SZ, utf16le_with_nul("(value not set)")),
            RegValue::new("D", 0x20_0000, vec![]),
            RegValue::new("tab\there", reg_type::EXPAND_SZ, utf16le_with_nul("%x%")),
            RegValue::new("a    REG_SZ    b", reg_type::SZ, utf16le_with_nul("c")),
            RegValue::new("\"q\"", reg_type::MULTI_SZ, utf16le_multi_with_nuls(&[""])),
            RegValue::new("t", reg_type::MULTI_SZ, utf16le_multi_with_nuls(&["a", ""])),
            RegValue::new("odd", reg_type::SZ, vec![0x41, 0, 0]),
            RegValue::new("link", reg_type::LINK, utf16le_with_nul("\\Registry")),
        ];
        for path in [
            "HKEY_LOCAL_MACHINE\\SOFTWARE\\K",
            "HKEY_LOCAL_MACHINE\\SOFTWARE\\new\r\nline\\trailing ",
        ] {
            let mut text = String::from("\n");
            write_key(&mut text, path, &values, RegQueryLayout::Vista, "\n");
            let read = parse_reg_query("q.txt", text.as_bytes());
            assert!(read.problems.is_empty(), "{:?}\n{text}", read.problems);
            assert_eq!(read.sections.len(), 1, "{text}");
            assert_eq!(read.sections[0].path, path);
            let read: Vec<RegValue> = read.sections[0]
                .values
                .iter()
                .map(|op| match op {
                    crate::registry::TextValueOp::Set { value, .. } => value.clone(),
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(read, values, "{text}");
        }
    }
}
