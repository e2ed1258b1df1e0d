//! Saved `reg query <key> /s` output, as Microsoft's collectors (MPS
//! Reports, the Exchange troubleshooters) keep registry data, read into
//! [`TextSection`]s.
//!
//! # The two layouts
//!
//! Vista and later (`reg.exe` of Windows Vista / Server 2008 onwards):
//!
//! ```text
//!
//! HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\MSExchangeIMC\Parameters
//!     RootDir    REG_SZ    C:\exchsrvr\imcdata
//!     (Default)    REG_SZ    x
//!
//! ```
//!
//! Windows XP / Server 2003 (`reg.exe` 3.0):
//!
//! ```text
//! ! REG.EXE VERSION 3.0
//!
//! HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion
//!     DevicePath<TAB>REG_EXPAND_SZ<TAB>%SystemRoot%\inf
//!     <NO NAME><TAB>REG_SZ<TAB>x
//! ```
//!
//! A key line starts at column 0 with the full key path; each value line
//! is indented four spaces and holds the name, the type and the data,
//! separated by four spaces (Vista) or a tab (XP). With `/s`, each key is
//! followed by a blank line; without it, subkeys are listed by path alone,
//! one line after another, after the key's values.
//!
//! Data is printed: REG_SZ / REG_EXPAND_SZ as the text (unexpanded),
//! REG_MULTI_SZ as the strings joined by the two characters `\0`,
//! REG_DWORD and REG_QWORD as `0x` and lower-case hex, REG_BINARY, REG_NONE
//! and the resource types as upper-case hex without separators.
//!
//! ## Confirmed, and from where
//!
//! * Vista layout (indent, four-space columns, a blank line after each key
//!   and the leading blank line, subkeys listed by path without `/s`,
//!   REG_SZ as text, REG_DWORD as `0x123`): Wine's conformance tests for
//!   `reg query` (`programs/reg/tests/query.c`), which pass on Windows.
//! * `(Default)`, `(value not set)`, REG_BINARY as `%02X` hex, REG_MULTI_SZ
//!   joined by `\0` without the final terminators, REG_DWORD_BIG_ENDIAN
//!   printed as the stored bytes read little-endian: Wine's `reg.exe`
//!   (`programs/reg/query.c`), written to match Windows.
//! * REG_MULTI_SZ `wpad\0isatap`, REG_BINARY `03000000D674D894ED16D801`,
//!   REG_QWORD `0x52f5ad71`, and `CurrentControlSet` written literally in
//!   key lines: published captures of Windows Server / Windows 10 output
//!   (security training notes quoting real sessions).
//! * XP layout (`! REG.EXE VERSION 3.0`, a blank line, four-space indent,
//!   tab-separated columns, `<NO NAME>`, REG_DWORD as `0x18`): Microsoft's
//!   PowerShell and debugging documentation quote it (their tab stops at 8
//!   columns line up exactly), and a test of a browser-detection library
//!   quotes `    <NO NAME>\tREG_SZ\tGoogle Chrome`.
//!
//! ## Not confirmed (read leniently)
//!
//! * How XP prints REG_MULTI_SZ (read as `\0`-separated, a trailing
//!   `\0\0` allowed), REG_QWORD (`0x` accepted, else hex bytes), empty
//!   values, and whether it prints `<NO NAME>` for an unset default value.
//! * Whether XP puts a blank line after every key of `/s` output; a key
//!   line directly followed by another is taken as listed by name only.
//! * How either version prints types without a `REG_` name: such values
//!   are reported and skipped.
//! * Localized output: `(Default)` and `End of search` are translated on
//!   non-English Windows (`(Predefinito)` in Italian); a translated default
//!   value's name is kept as written.
//!
//! ## What the layouts cannot show
//!
//! Values are rebuilt as Windows would store them (REG_SZ as NUL-terminated
//! UTF-16LE, REG_MULTI_SZ with each string's NUL and the list's final NUL,
//! ...), and a note is attached where the text may hide a difference:
//! strings whose end is not marked (empty, or ending in spaces: trailing
//! spaces may have been trimmed or padded by whatever saved the text),
//! REG_MULTI_SZ (a string that itself holds `\0` cannot be told from a
//! separator, and the data's terminators are not shown),
//! REG_DWORD_BIG_ENDIAN (byte order as printed is unconfirmed) and
//! REG_LINK. A value whose data spans lines (an embedded line break)
//! cannot be read back at all.
//!
//! REG_MULTI_SZ data is split on `\0`. In the Vista layout every piece is
//! a string, empty ones included: `a\0\0b` is `a`, an empty string, `b`
//! (Windows prints the data without its last two characters, the list's
//! terminators, and every other NUL as `\0`: Wine's `reg.exe`); in the XP
//! layout empty strings at the end are taken for the terminators.
//!
//! ## The exact form (what `hivetriage query` writes when the layout cannot)
//!
//! `hivetriage query` prints the Vista layout, and where that layout would
//! lose something, a form of its own that this reader takes back exactly
//! and that `reg.exe` never prints:
//!
//! * a value line `    "<name>"    hex(<type>)    <bytes>`: the name as a
//!   JSON string (`""` is the default value; `\r`, `\n`, `\"`, `\\` and
//!   `\u0000`-style escapes), the type number in hex as `.reg` files write
//!   it (`hex(1)`, `hex(ffff0011)`), and the stored bytes as upper-case hex
//!   without separators, as REG_BINARY is printed. It is used for a value
//!   named `(Default)` or holding what looks like a column and a type, a
//!   default value whose data reads `(value not set)`, types without a
//!   `REG_` name,
//!   strings with line breaks or with bytes after their NUL, REG_MULTI_SZ
//!   data the `\0` join does not give back, numbers of the wrong size: any
//!   value whose line in the layout would not read back as the same name,
//!   type number and bytes (the writer checks each line with this reader);
//! * a key line written as a JSON string (`"HKEY_LOCAL_MACHINE\\SYSTEM\\a\r\nb"`)
//!   when the path holds control characters or ends in a space.
//!
//! Keys with an empty name cannot be written in either form (a path's
//! empty components are dropped when it is read).
//!
//! `reg query` output saved by `cmd` is in the OEM code page; it is decoded
//! as UTF-8 when valid, else as Windows-1252 (see [`decode_text`]).

use crate::encoding::{decode_text, lines, utf16le_multi_with_nuls, utf16le_with_nul};
use crate::registry::{
    RegValue, SectionContents, TextProblem, TextSection, TextValueOp, locate_root, reg_type,
    type_name,
};
use std::borrow::Cow;

/// The header line `reg.exe` 3.0 (Windows XP / Server 2003) prints.
pub const XP_HEADER: &str = "! REG.EXE VERSION 3.0";
/// How the Vista-and-later layout names the default value.
pub const VISTA_DEFAULT_NAME: &str = "(Default)";
/// How the XP layout names the default value.
pub const XP_DEFAULT_NAME: &str = "<NO NAME>";
/// The data shown for a default value that is not set.
pub const VALUE_NOT_SET: &str = "(value not set)";
/// The column separator of the Vista-and-later layout (and its indent).
pub const VISTA_SEPARATOR: &str = "    ";
/// The column separator of the XP layout.
pub const XP_SEPARATOR: &str = "\t";

/// The two layouts of `reg query` output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegQueryLayout {
    /// Windows XP / Server 2003 `reg.exe` 3.0: tab-separated, `<NO NAME>`.
    Xp,
    /// Vista and later: four-space columns, `(Default)`.
    Vista,
}

impl RegQueryLayout {
    /// The column separator of value lines.
    pub fn separator(self) -> &'static str {
        match self {
            RegQueryLayout::Xp => XP_SEPARATOR,
            RegQueryLayout::Vista => VISTA_SEPARATOR,
        }
    }

    /// How the layout names the default value.
    pub fn default_name(self) -> &'static str {
        match self {
            RegQueryLayout::Xp => XP_DEFAULT_NAME,
            RegQueryLayout::Vista => VISTA_DEFAULT_NAME,
        }
    }
}

/// Saved `reg query` output read into sections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegQueryOutput {
    pub layout: RegQueryLayout,
    pub encoding: &'static str,
    pub sections: Vec<TextSection>,
    pub problems: Vec<TextProblem>,
    /// Lines that are neither `reg query` output nor blank (a collector's
    /// own headings, error messages): skipped silently.
    pub other_lines: usize,
}

/// `REG_*` names as `reg.exe` prints them, with their type numbers.
const TYPE_NAMES: [(&str, u32); 14] = [
    ("REG_NONE", reg_type::NONE),
    ("REG_SZ", reg_type::SZ),
    ("REG_EXPAND_SZ", reg_type::EXPAND_SZ),
    ("REG_BINARY", reg_type::BINARY),
    ("REG_DWORD", reg_type::DWORD),
    ("REG_DWORD_LITTLE_ENDIAN", reg_type::DWORD),
    ("REG_DWORD_BIG_ENDIAN", reg_type::DWORD_BIG_ENDIAN),
    ("REG_LINK", reg_type::LINK),
    ("REG_MULTI_SZ", reg_type::MULTI_SZ),
    ("REG_RESOURCE_LIST", reg_type::RESOURCE_LIST),
    (
        "REG_FULL_RESOURCE_DESCRIPTOR",
        reg_type::FULL_RESOURCE_DESCRIPTOR,
    ),
    (
        "REG_RESOURCE_REQUIREMENTS_LIST",
        reg_type::RESOURCE_REQUIREMENTS_LIST,
    ),
    ("REG_QWORD", reg_type::QWORD),
    ("REG_QWORD_LITTLE_ENDIAN", reg_type::QWORD),
];

/// One value line split into its columns.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ValueColumns<'a> {
    layout: RegQueryLayout,
    /// The name as written, or decoded from its quoted form in an exact line.
    name: Cow<'a, str>,
    /// The printed type name (`REG_SZ`), or `hex(N)` in an exact line.
    type_name: &'a str,
    data: &'a str,
    /// Written in the exact form (see the module notes): a quoted name, the
    /// type as `hex(N)`, the stored bytes in hex.
    exact: bool,
}

/// What one line of the output is.
#[derive(Debug)]
enum Line<'a> {
    Blank,
    XpHeader,
    /// `End of search: N match(es) found.` after `/v` or `/f` searches.
    EndOfSearch,
    /// A key's full path, as written or decoded from its quoted form.
    Key(Cow<'a, str>),
    Value(ValueColumns<'a>),
    /// Indented, but not a value line.
    BadValue,
    Other,
}

fn classify(line: &str) -> Line<'_> {
    if line.trim().is_empty() {
        return Line::Blank;
    }
    if !line.starts_with([' ', '\t']) {
        let text = line.trim_end();
        if text.starts_with("! REG.EXE VERSION") {
            return Line::XpHeader;
        }
        if text.starts_with("End of search:") {
            return Line::EndOfSearch;
        }
        if text.starts_with('"') {
            // The exact form of a key line: its path as a JSON string.
            return match serde_json::from_str::<String>(text) {
                Ok(path) if locate_root(&path).is_some() => Line::Key(Cow::Owned(path)),
                _ => Line::Other,
            };
        }
        if locate_root(text).is_some() && text.starts_with(['H', 'h']) {
            return Line::Key(Cow::Borrowed(text));
        }
        return Line::Other;
    }
    match value_columns(line) {
        Some(columns) => Line::Value(columns),
        None => Line::BadValue,
    }
}

/// Splits a value line. The name may hold spaces (and the data anything),
/// so the columns are found at the first separator followed by a type name
/// and then a separator or the end of the line. A line whose name is a
/// JSON string followed by a separator and `hex(N)` is in the exact form.
fn value_columns(line: &str) -> Option<ValueColumns<'_>> {
    let body = line
        .strip_prefix(VISTA_SEPARATOR)
        .unwrap_or_else(|| line.trim_start_matches([' ', '\t']));
    if let Some(exact) = exact_columns(body) {
        return Some(exact);
    }
    let mut best: Option<ValueColumns<'_>> = None;
    for layout in [RegQueryLayout::Vista, RegQueryLayout::Xp] {
        let separator = layout.separator();
        // Every place the separator starts, overlapping ones included: a
        // name ending in a space is followed by five spaces.
        for (at, _) in body.match_indices(separator.chars().next().unwrap_or(' ')) {
            if at == 0 || !body[at..].starts_with(separator) {
                continue;
            }
            if best.as_ref().is_some_and(|b| b.name.len() <= at) {
                break;
            }
            let after = &body[at + separator.len()..];
            let Some(type_name) = type_token(after) else {
                continue;
            };
            let rest = &after[type_name.len()..];
            let data = match rest.strip_prefix(separator) {
                Some(data) => data,
                None if rest.trim().is_empty() => "",
                None => continue,
            };
            best = Some(ValueColumns {
                layout,
                name: Cow::Borrowed(&body[..at]),
                type_name,
                data,
                exact: false,
            });
            break;
        }
    }
    best
}

/// The columns of an exact line: `"name"`, a separator, `hex(N)`, then a
/// separator and hex bytes, or the end of the line.
fn exact_columns(body: &str) -> Option<ValueColumns<'_>> {
    let end = json_string_end(body)?;
    let name: String = serde_json::from_str(&body[..end]).ok()?;
    let rest = &body[end..];
    for layout in [RegQueryLayout::Vista, RegQueryLayout::Xp] {
        let separator = layout.separator();
        let Some(after) = rest.strip_prefix(separator) else {
            continue;
        };
        let type_name = exact_type_token(after)?;
        let rest = &after[type_name.len()..];
        let data = match rest.strip_prefix(separator) {
            Some(data) => data,
            None if rest.trim().is_empty() => "",
            None => return None,
        };
        return Some(ValueColumns {
            layout,
            name: Cow::Owned(name),
            type_name,
            data,
            exact: true,
        });
    }
    None
}

/// The length of the JSON string literal `text` starts with, quotes
/// included; `None` when it does not start with a whole one.
fn json_string_end(text: &str) -> Option<usize> {
    let mut chars = text.char_indices();
    if chars.next()? != (0, '"') {
        return None;
    }
    let mut escaped = false;
    for (at, c) in chars {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(at + 1),
            _ => {}
        }
    }
    None
}

/// `hex(N)` at the start of `text`, N one to eight hex digits: the type
/// column of an exact line (as `.reg` files write any type's bytes).
fn exact_type_token(text: &str) -> Option<&str> {
    let digits = text.strip_prefix("hex(")?;
    let close = digits.find(')')?;
    let number = &digits[..close];
    let valid = (1..=8).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_hexdigit());
    valid.then(|| &text[..4 + close + 1])
}

/// The type number of an exact line's `hex(N)` column.
fn exact_type_code(token: &str) -> Option<u32> {
    let number = token.strip_prefix("hex(")?.strip_suffix(')')?;
    u32::from_str_radix(number, 16).ok()
}

/// A `REG_` type name at the start of `text` (known or not).
fn type_token(text: &str) -> Option<&str> {
    if !text.starts_with("REG_") {
        return None;
    }
    let end = text
        .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        .unwrap_or(text.len());
    (end > 4).then(|| &text[..end])
}

fn type_code(name: &str) -> Option<u32> {
    TYPE_NAMES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, code)| *code)
}

/// Whether text starts like `reg query` output, and in which layout: the
/// XP header, or a key line with a value line after it, or `reg query /s`
/// output of keys without values (two or more keys below the first, each
/// followed by an empty line, after reg.exe's leading one).
pub fn sniff_reg_query(prefix: &[u8]) -> Option<RegQueryLayout> {
    let decoded = decode_text(prefix);
    let mut all = lines(&decoded.text);
    // The prefix may end inside a line.
    if !decoded.text.ends_with('\n') {
        all.pop();
    }
    let mut seen_key = false;
    for line in all.iter().take(400) {
        match classify(line) {
            Line::XpHeader => return Some(RegQueryLayout::Xp),
            Line::Key(_) => seen_key = true,
            Line::Value(columns)
                if seen_key && (columns.exact || type_code(columns.type_name).is_some()) =>
            {
                return Some(columns.layout);
            }
            _ => {}
        }
    }
    keys_only_output(&all).then_some(RegQueryLayout::Vista)
}

/// Whether `lines` are exactly what `reg query <key> /s` prints of a tree
/// whose first keys hold no values: reg.exe's leading empty line, the key,
/// then keys below it, each followed by an empty line, and nothing else;
/// at least two keys, so a lone path in a note is not taken for one.
fn keys_only_output(lines: &[&str]) -> bool {
    let [first, rest @ ..] = lines else {
        return false;
    };
    if !first.is_empty() || rest.len() < 4 {
        return false;
    }
    let Line::Key(top) = classify(rest[0]) else {
        return false;
    };
    let below = format!("{top}\\");
    rest.chunks(2).enumerate().all(|(at, pair)| {
        let key_ok = match classify(pair[0]) {
            Line::Key(path) => at == 0 || path.starts_with(&below),
            _ => false,
        };
        key_ok && pair.get(1).is_none_or(|blank| blank.is_empty())
    })
}

/// Reads saved `reg query` output. Never fails: unreadable value lines are
/// in `problems`, other text is counted in `other_lines`.
pub fn parse_reg_query(file: &str, bytes: &[u8]) -> RegQueryOutput {
    let decoded = decode_text(bytes);
    let all = lines(&decoded.text);
    let mut layout = None;
    let mut sections: Vec<TextSection> = Vec::new();
    let mut problems = Vec::new();
    let mut other_lines = 0;
    // Sections of the current `reg query` run (an `End of search` makes
    // them partial), and whether the last line was a key line.
    let mut run_start = 0;
    let mut after_key = false;
    // Values belong to the key line above them; text that is not output
    // (a collector's heading) ends that key's values.
    let mut open_key = false;
    let problem = |line: usize, detail: String| TextProblem {
        file: file.to_string(),
        line,
        detail,
    };
    for (index, line) in all.iter().enumerate() {
        let number = index + 1;
        let kind = classify(line);
        if after_key && !matches!(kind, Line::Blank | Line::Value(_) | Line::BadValue) {
            // A key followed at once by another line: listed by path only.
            if let Some(last) = sections.last_mut() {
                last.contents = SectionContents::Partial;
            }
        }
        after_key = matches!(kind, Line::Key(_));
        match kind {
            Line::Key(_) => open_key = true,
            Line::XpHeader | Line::EndOfSearch | Line::Other => open_key = false,
            Line::Blank | Line::Value(_) | Line::BadValue => {}
        }
        match kind {
            Line::Blank => {}
            Line::XpHeader => {
                layout.get_or_insert(RegQueryLayout::Xp);
                run_start = sections.len();
            }
            Line::EndOfSearch => {
                for section in &mut sections[run_start..] {
                    section.contents = SectionContents::Partial;
                }
                run_start = sections.len();
            }
            Line::Other => {
                other_lines += 1;
                run_start = sections.len();
            }
            Line::Key(path) => sections.push(TextSection {
                line: number,
                path: path.into_owned(),
                contents: SectionContents::Full,
                values: Vec::new(),
            }),
            Line::BadValue => problems.push(problem(
                number,
                format!(
                    "indented, but not a value line (name, REG_ type, data): {}",
                    shown(line.trim())
                ),
            )),
            Line::Value(columns) => {
                layout.get_or_insert(columns.layout);
                let Some(section) = sections.last_mut().filter(|_| open_key) else {
                    problems.push(problem(
                        number,
                        "value line without a key line above it; ignored".into(),
                    ));
                    continue;
                };
                match value_from_columns(&columns, number) {
                    Ok(Some(op)) => section.values.push(op),
                    Ok(None) => {}
                    Err(detail) => problems.push(problem(
                        number,
                        format!("value {}: {detail}", shown(&columns.name)),
                    )),
                }
            }
        }
    }
    if after_key {
        if let Some(last) = sections.last_mut() {
            last.contents = SectionContents::Partial;
        }
    }
    RegQueryOutput {
        layout: layout.unwrap_or(RegQueryLayout::Vista),
        encoding: decoded.encoding,
        sections,
        problems,
        other_lines,
    }
}

/// Why a value line's data cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum ValueLineError {
    #[error("type {0} is not a type number")]
    NotATypeNumber(String),
    #[error("type {0} is not one this tool knows; skipped")]
    UnknownType(String),
    /// The data, shown quoted and shortened, is not a number that fits.
    #[error("{type_name} data is not a number of {bytes} bytes: {shown}")]
    NotANumber {
        type_name: Cow<'static, str>,
        bytes: u32,
        shown: String,
    },
    /// The data, shown quoted and shortened, is not hex bytes.
    #[error("data is not hex bytes: {0}")]
    NotHex(String),
}

/// The value a line shows, as Windows would store it. `Ok(None)` for the
/// default value shown as `(value not set)`: it does not exist.
fn value_from_columns(
    columns: &ValueColumns<'_>,
    line: usize,
) -> Result<Option<TextValueOp>, ValueLineError> {
    if columns.exact {
        let type_code = exact_type_code(columns.type_name)
            .ok_or_else(|| ValueLineError::NotATypeNumber(columns.type_name.to_string()))?;
        return Ok(Some(TextValueOp::Set {
            line,
            value: RegValue::new(columns.name.as_ref(), type_code, parse_hex(columns.data)?),
            note: None,
        }));
    }
    let Some(type_code) = type_code(columns.type_name) else {
        return Err(ValueLineError::UnknownType(columns.type_name.to_string()));
    };
    let is_default = columns.name == VISTA_DEFAULT_NAME || columns.name == XP_DEFAULT_NAME;
    if is_default && columns.data == VALUE_NOT_SET {
        return Ok(None);
    }
    let name = if is_default {
        ""
    } else {
        columns.name.as_ref()
    };
    let data = columns.data;
    let (raw, note) = match type_code {
        reg_type::SZ | reg_type::EXPAND_SZ => {
            let unmarked_end = data.is_empty() || data.ends_with([' ', '\t']);
            let note = unmarked_end.then(|| {
                "as printed by reg query: the end of the string is not marked, so trailing \
                 spaces may have been trimmed or added by whatever saved the text"
                    .to_string()
            });
            (utf16le_with_nul(data), note)
        }
        reg_type::LINK => (
            data.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            Some(
                "as printed by reg query: a link's stored bytes are rebuilt from its text"
                    .to_string(),
            ),
        ),
        reg_type::MULTI_SZ => {
            let mut strings: Vec<&str> = if data.is_empty() {
                Vec::new()
            } else {
                data.split("\\0").collect()
            };
            // XP may end the list with the terminators (`a\0b\0\0`); the
            // Vista layout leaves them out, so there an empty last string
            // is a string.
            if columns.layout == RegQueryLayout::Xp {
                while strings.last() == Some(&"") {
                    strings.pop();
                }
            }
            let note = "as printed by reg query: strings are joined by \\0, so a string holding \
                        \\0 itself cannot be told from a separator, and whether the data ended \
                        with the list's terminator is not shown";
            (utf16le_multi_with_nuls(&strings), Some(note.to_string()))
        }
        reg_type::DWORD => (parse_number(data, 4)?.to_le_bytes()[..4].to_vec(), None),
        reg_type::DWORD_BIG_ENDIAN => (
            // Printed as the stored bytes read little-endian (Wine's reg.exe
            // does so; Windows' is not confirmed).
            parse_number(data, 4)?.to_le_bytes()[..4].to_vec(),
            Some(
                "as printed by reg query: the byte order of REG_DWORD_BIG_ENDIAN in reg query \
                 output is not confirmed"
                    .to_string(),
            ),
        ),
        reg_type::QWORD => {
            if data.starts_with("0x") || data.starts_with("0X") {
                (parse_number(data, 8)?.to_le_bytes().to_vec(), None)
            } else {
                (parse_hex(data)?, None)
            }
        }
        _ => (parse_hex(data)?, None),
    };
    Ok(Some(TextValueOp::Set {
        line,
        value: RegValue::new(name, type_code, raw),
        note,
    }))
}

/// Whether `line`, read as one value line of saved output, gives back
/// exactly `value` (name, type number and stored bytes). `hivetriage
/// query` writes a value in the `reg query` layout when this holds, and
/// in the exact form otherwise.
pub fn value_line_reads_back(line: &str, value: &RegValue) -> bool {
    // A line break, or a NUL (which could make the file look like
    // UTF-16), would change the lines themselves.
    if line.contains(['\n', '\r', '\0']) {
        return false;
    }
    let Line::Value(columns) = classify(line) else {
        return false;
    };
    match value_from_columns(&columns, 0) {
        Ok(Some(TextValueOp::Set { value: read, .. })) => read == *value,
        _ => false,
    }
}

/// Whether `path` written alone on a line reads back as a key line with
/// exactly this path; else it is written as a JSON string.
pub fn key_line_reads_back(path: &str) -> bool {
    if path.contains(|c: char| c.is_control()) || path.trim_end() != path {
        return false;
    }
    // Empty components are dropped when a path is read.
    if path.split('\\').any(str::is_empty) {
        return false;
    }
    matches!(classify(path), Line::Key(Cow::Borrowed(read)) if read == path)
}

/// `0x1a` (or decimal) as a number of at most `bytes` bytes.
fn parse_number(data: &str, bytes: u32) -> Result<u64, ValueLineError> {
    let text = data.trim();
    let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex)
            if !hex.is_empty() && hex.len() <= 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            u64::from_str_radix(hex, 16).ok()
        }
        Some(_) => None,
        None => text.parse::<u64>().ok(),
    };
    let limit = if bytes == 8 {
        u64::MAX
    } else {
        u64::from(u32::MAX)
    };
    match parsed {
        Some(number) if number <= limit => Ok(number),
        _ => Err(ValueLineError::NotANumber {
            type_name: type_name(if bytes == 8 {
                reg_type::QWORD
            } else {
                reg_type::DWORD
            }),
            bytes,
            shown: shown(text),
        }),
    }
}

/// Hex digits without separators (`01FF`) as bytes.
fn parse_hex(data: &str) -> Result<Vec<u8>, ValueLineError> {
    let text = data.trim();
    if text.len() % 2 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ValueLineError::NotHex(shown(text)));
    }
    Ok((0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap_or(0))
        .collect())
}

fn shown(text: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = crate::registry::printable(text).chars().take(MAX).collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    format!("\"{out}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::RegData;

    fn set(op: &TextValueOp) -> (&RegValue, Option<&str>) {
        match op {
            TextValueOp::Set { value, note, .. } => (value, note.as_deref()),
            other => panic!("{other:?}"),
        }
    }

    /// Exactly the bytes of Wine's conformance test `test6` (reg query /s),
    /// which Windows passes.
    #[test]
    fn vista_layout_as_windows_prints_it() {
        let text = "\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\r\n    Test1    REG_SZ    Hello, World\r\n    Test2    REG_DWORD    0x123\r\n    Wine    REG_SZ    First instance\r\n\r\nHKEY_CURRENT_USER\\Software\\Wine\\reg_test\\subkey\r\n    Test3    REG_SZ    Some string data\r\n    Test4    REG_DWORD    0xabc\r\n    Wine    REG_SZ    Second instance\r\n\r\n";
        assert_eq!(
            sniff_reg_query(text.as_bytes()),
            Some(RegQueryLayout::Vista)
        );
        let out = parse_reg_query("q.txt", text.as_bytes());
        assert_eq!(out.layout, RegQueryLayout::Vista);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.sections.len(), 2);
        assert!(
            out.sections
                .iter()
                .all(|s| s.contents == SectionContents::Full)
        );
        assert_eq!(out.sections[1].line, 7);
        let (value, note) = set(&out.sections[0].values[1]);
        assert_eq!(
            (value.name.as_str(), value.as_dword(), note),
            ("Test2", Some(0x123), None)
        );
        let (value, _) = set(&out.sections[1].values[0]);
        assert_eq!(value.as_string().as_deref(), Some("Some string data"));
    }

    /// Wine's `test8a` (no /s: subkeys listed by path) and `test3`.
    #[test]
    fn subkeys_listed_without_s_are_partial() {
        let text = "\r\nHKEY_CURRENT_USER\\K\r\n    Test1    REG_SZ    Hello, World\r\n\r\nHKEY_CURRENT_USER\\K\\subkey1\r\nHKEY_CURRENT_USER\\K\\subkey2\r\n";
        let out = parse_reg_query("q.txt", text.as_bytes());
        let contents: Vec<SectionContents> = out.sections.iter().map(|s| s.contents).collect();
        assert_eq!(
            contents,
            [
                SectionContents::Full,
                SectionContents::Partial,
                SectionContents::Partial
            ]
        );
        // With /s every key is followed by a blank line (Wine's test8b).
        let text = "\r\nHKEY_CURRENT_USER\\K\\subkey1\r\n\r\nHKEY_CURRENT_USER\\K\\subkey2\r\n\r\n";
        let out = parse_reg_query("q.txt", text.as_bytes());
        assert!(
            out.sections
                .iter()
                .all(|s| s.contents == SectionContents::Full)
        );
    }

    #[test]
    fn searches_make_their_keys_partial() {
        let text = "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\K\r\n    Wine    REG_SZ    First\r\n\r\nEnd of search: 1 match(es) found.\r\n";
        let out = parse_reg_query("q.txt", text.as_bytes());
        assert_eq!(out.sections[0].contents, SectionContents::Partial);
    }

    /// Microsoft's documentation quotes XP output with its tabs expanded;
    /// this is it with the tabs.
    #[test]
    fn xp_layout() {
        let text = "\r\n! REG.EXE VERSION 3.0\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\r\n    DevicePath\tREG_EXPAND_SZ\t%SystemRoot%\\inf\r\n    <NO NAME>\tREG_SZ\tGoogle Chrome\r\n    Sources\tREG_MULTI_SZ\ta\\0b c\\0\\0\r\n    Size\tREG_DWORD\t0x18\r\n\r\n";
        assert_eq!(sniff_reg_query(text.as_bytes()), Some(RegQueryLayout::Xp));
        let out = parse_reg_query("xp.txt", text.as_bytes());
        assert_eq!(out.layout, RegQueryLayout::Xp);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let values: Vec<&RegValue> = out.sections[0].values.iter().map(|op| set(op).0).collect();
        assert_eq!(values[0].type_code, reg_type::EXPAND_SZ);
        assert_eq!(values[0].as_string().as_deref(), Some("%SystemRoot%\\inf"));
        assert_eq!(
            (values[1].name.as_str(), values[1].as_string().as_deref()),
            ("", Some("Google Chrome"))
        );
        assert_eq!(
            values[2].data(),
            RegData::MultiString(vec!["a".into(), "b c".into()])
        );
        assert_eq!(values[3].as_dword(), Some(0x18));
    }

    #[test]
    fn names_with_spaces_and_every_printed_type() {
        let text = "HKLM\\SOFTWARE\\Microsoft\\Exchange\r\n\
            \x20   Active Messaging Use Exchange    REG_DWORD    0x1\r\n\
            \x20   (Default)    REG_SZ    (value not set)\r\n\
            \x20   Bin    REG_BINARY    03000000D674D894ED16D801\r\n\
            \x20   None    REG_NONE    \r\n\
            \x20   Q    REG_QWORD    0x52f5ad71\r\n\
            \x20   M    REG_MULTI_SZ    wpad\\0isatap\r\n\
            \x20   E    REG_EXPAND_SZ    %SystemRoot%\\system32\r\n\
            \x20   BE    REG_DWORD_BIG_ENDIAN    0x1000000\r\n\
            \x20   Empty    REG_SZ\r\n\
            \x20   Data with    REG_SZ    inside    REG_SZ    x\r\n\r\n";
        let out = parse_reg_query("q.txt", text.as_bytes());
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let values: Vec<(&RegValue, Option<&str>)> =
            out.sections[0].values.iter().map(set).collect();
        assert_eq!(values.len(), 9, "the unset default value is not a value");
        assert_eq!(values[0].0.name, "Active Messaging Use Exchange");
        assert_eq!(values[0].0.as_dword(), Some(1));
        assert_eq!(
            values[1].0.raw,
            [3, 0, 0, 0, 0xD6, 0x74, 0xD8, 0x94, 0xED, 0x16, 0xD8, 0x01]
        );
        assert_eq!(
            (values[2].0.type_code, values[2].0.raw.len()),
            (reg_type::NONE, 0)
        );
        assert_eq!(values[3].0.data(), RegData::Number(0x52f5ad71));
        assert_eq!(
            values[4].0.data(),
            RegData::MultiString(vec!["wpad".into(), "isatap".into()])
        );
        assert!(values[4].1.is_some(), "REG_MULTI_SZ is noted");
        assert_eq!(values[5].1, None);
        assert_eq!(
            values[6].0.as_dword(),
            Some(1),
            "big-endian bytes 00 00 00 01"
        );
        assert!(values[6].1.is_some());
        assert_eq!(values[7].0.as_string().as_deref(), Some(""));
        assert!(values[7].1.is_some(), "an empty string is noted");
        assert_eq!(values[8].0.name, "Data with");
        assert_eq!(
            values[8].0.as_string().as_deref(),
            Some("inside    REG_SZ    x")
        );
    }

    #[test]
    fn collector_text_around_the_output_is_skipped() {
        let text = "Querying Registry: HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC:\r\n\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\Parameters\r\n    RootDir    REG_SZ    C:\\exchsrvr\\imcdata\r\n    Broken    REG_DWORD    lots\r\n    Odd    REG_WHATEVER    00\r\n    no columns here\r\n\r\nERROR: The system was unable to find the specified registry key or value.\r\n";
        let out = parse_reg_query("mps.txt", text.as_bytes());
        assert_eq!(out.other_lines, 2);
        let lines: Vec<usize> = out.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [5, 6, 7], "{:#?}", out.problems);
        assert_eq!(out.sections[0].values.len(), 1);
    }

    #[test]
    fn values_after_other_text_belong_to_no_key() {
        let text = "HKEY_LOCAL_MACHINE\\SOFTWARE\\K\r\n    A    REG_SZ    a\r\nQuerying Registry: \\\\SERVER\\HKLM\\SOFTWARE\\Other:\r\n    B    REG_SZ    b\r\n";
        let out = parse_reg_query("q.txt", text.as_bytes());
        assert_eq!(out.sections[0].values.len(), 1, "B is not K's");
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].line, 4);
    }

    #[test]
    fn utf16_output_from_powershell_redirection() {
        let text = "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\K\r\n    Name    REG_SZ    Müller\r\n\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(sniff_reg_query(&bytes), Some(RegQueryLayout::Vista));
        let out = parse_reg_query("ps.txt", &bytes);
        assert_eq!(out.encoding, "utf-16le-bom");
        assert_eq!(
            set(&out.sections[0].values[0]).0.as_string().as_deref(),
            Some("Müller")
        );
    }

    #[test]
    fn keys_without_values_are_reg_query_s_output() {
        let text = "\r\nHKEY_USERS\\UnicodeHive\r\n\r\nHKEY_USERS\\UnicodeHive\\Привет\r\n\r\n\"HKEY_USERS\\\\UnicodeHive\\\\a\\r\\nb\"\r\n\r\n";
        assert_eq!(
            sniff_reg_query(text.as_bytes()),
            Some(RegQueryLayout::Vista)
        );
        let out = parse_reg_query("q.txt", text.as_bytes());
        assert_eq!(out.sections.len(), 3);
        assert_eq!(out.sections[2].path, "HKEY_USERS\\UnicodeHive\\a\r\nb");
        assert!(
            out.sections
                .iter()
                .all(|s| s.contents == SectionContents::Full)
        );
        // A lone path, paths not below the first, or other text are not.
        for other in [
            "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Exchange\r\n\r\n",
            "\r\nHKLM\\SOFTWARE\\A\r\n\r\nHKLM\\SOFTWARE\\B\r\n\r\n",
            "\r\nHKLM\\SOFTWARE\\A\r\n\r\nHKLM\\SOFTWARE\\A\\B\r\nnotes\r\n",
            "HKLM\\SOFTWARE\\A\r\n\r\nHKLM\\SOFTWARE\\A\\B\r\n\r\n",
        ] {
            assert_eq!(sniff_reg_query(other.as_bytes()), None, "{other:?}");
        }
    }

    #[test]
    fn not_reg_query_output() {
        assert_eq!(
            sniff_reg_query(b"REGEDIT4\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n"),
            None
        );
        assert_eq!(
            sniff_reg_query(b"C:\\exchsrvr\\imcdata\\Pickup\tD:(A;;FA;;;BA)\r\n"),
            None
        );
        assert_eq!(
            sniff_reg_query(b"HKEY_LOCAL_MACHINE\\SOFTWARE\r\nplain text\r\n"),
            None
        );
    }
}
