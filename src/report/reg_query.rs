//! Registry keys printed the way `reg query` prints them, so that what
//! `hivetriage query` shows can be saved and read back as a registry source
//! (`source::reg_query` reads both layouts).

use crate::registry::{RegValue, reg_type, type_name, utf16le_multi, utf16le_until_nul};
use crate::source::reg_query::RegQueryLayout;

/// Appends one key: its path line, one line per value, then a blank line.
/// `show` is applied to the path, names and data: [`crate::escape::escape`]
/// for a terminal, identity for a file to be read back as `reg.exe` wrote it.
pub fn write_key(
    out: &mut String,
    path: &str,
    values: &[RegValue],
    layout: RegQueryLayout,
    eol: &str,
    show: fn(&str) -> std::borrow::Cow<'_, str>,
) {
    out.push_str(&show(path));
    out.push_str(eol);
    let separator = layout.separator();
    for value in values {
        let name = if value.name.is_empty() {
            layout.default_name()
        } else {
            value.name.as_str()
        };
        out.push_str("    ");
        out.push_str(&show(name));
        out.push_str(separator);
        out.push_str(&type_name(value.type_code));
        out.push_str(separator);
        out.push_str(&show(&printed_data(value, layout)));
        out.push_str(eol);
    }
    out.push_str(eol);
}

/// The data as `reg.exe` prints it: strings as they are (cut at the first
/// NUL), REG_MULTI_SZ joined by `\0`, numbers as `0x…`, anything else as
/// upper-case hex.
pub fn printed_data(value: &RegValue, layout: RegQueryLayout) -> String {
    let raw = &value.raw;
    match value.type_code {
        reg_type::SZ | reg_type::EXPAND_SZ => utf16le_until_nul(raw),
        reg_type::MULTI_SZ => {
            let strings = utf16le_multi(raw);
            let mut joined = strings.join("\\0");
            // Unconfirmed: XP is taken to show the terminators.
            if layout == RegQueryLayout::Xp && !strings.is_empty() {
                joined.push_str("\\0\\0");
            }
            joined
        }
        reg_type::DWORD | reg_type::DWORD_BIG_ENDIAN => match <[u8; 4]>::try_from(raw.as_slice()) {
            Ok(bytes) => format!("0x{:x}", u32::from_le_bytes(bytes)),
            Err(_) => upper_hex(raw),
        },
        reg_type::QWORD => match <[u8; 8]>::try_from(raw.as_slice()) {
            Ok(bytes) => format!("0x{:x}", u64::from_le_bytes(bytes)),
            Err(_) => upper_hex(raw),
        },
        _ => upper_hex(raw),
    }
}

fn upper_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
