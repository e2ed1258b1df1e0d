//! `.reg` files as Registry Editor writes them, read into [`TextSection`]s.
//!
//! Two versions exist, told apart by the first line:
//!
//! * `REGEDIT4` (Windows 95 / NT 4.0, and "Win9x/NT4 Registration Files"
//!   from later Windows): ANSI text (read as Windows-1252 unless it has a
//!   BOM). `hex(2)` (REG_EXPAND_SZ) and `hex(7)` (REG_MULTI_SZ) data are
//!   ANSI bytes too, converted here to the UTF-16LE Windows stores (as
//!   Registry Editor does on import; Wine's `regedit` does the same).
//! * `Windows Registry Editor Version 5.00` (Windows 2000 and later):
//!   UTF-16LE with BOM as Registry Editor writes it; UTF-8 is accepted.
//!
//! Lines: `[KEY]` starts a key (all of its values and subkeys follow, so
//! it is listed in full); `[-KEY]` deletes a key and its subtree;
//! `"name"=...` or `@=...` (the default value) set a value, `"name"=-`
//! deletes it. Data is `"string"` (REG_SZ, with `\\` and `\"` escaped),
//! `dword:` and 1 to 8 hex digits, `hex:` (REG_BINARY) or `hex(N):` (type N
//! in hex) and comma-separated bytes, continued on the next line after a
//! trailing `\`. Lines starting with `;` are comments, and a `;` comment
//! may follow data. Several files covering parts of one hive are applied in
//! turn by the caller.
//!
//! Nothing here fails on bad lines: each is reported with its line number
//! and skipped, and the rest of the file is read.

use crate::encoding::{DecodedText, decode_text, lines, utf16le_with_nul, windows_1252};
use crate::registry::{RegValue, SectionContents, TextProblem, TextSection, TextValueOp, reg_type};

/// The first line of a `REGEDIT4` file.
pub const REGEDIT4_HEADER: &str = "REGEDIT4";
/// The first line of a version 5.00 file.
pub const REGEDIT5_HEADER: &str = "Windows Registry Editor Version 5.00";

/// Which `.reg` version a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegExportVersion {
    Regedit4,
    Regedit5,
}

impl RegExportVersion {
    /// From a file's first non-blank line, ignoring surrounding spaces.
    pub fn from_header(line: &str) -> Option<RegExportVersion> {
        match line.trim() {
            REGEDIT4_HEADER => Some(RegExportVersion::Regedit4),
            REGEDIT5_HEADER => Some(RegExportVersion::Regedit5),
            _ => None,
        }
    }

    /// The header line, for messages and the report.
    pub fn header(self) -> &'static str {
        match self {
            RegExportVersion::Regedit4 => REGEDIT4_HEADER,
            RegExportVersion::Regedit5 => REGEDIT5_HEADER,
        }
    }
}

/// A `.reg` file read into sections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegExport {
    pub version: RegExportVersion,
    /// How the text was decoded (see [`decode_text`]).
    pub encoding: &'static str,
    pub sections: Vec<TextSection>,
    pub problems: Vec<TextProblem>,
}

/// The version named by a text's first non-blank line.
fn header_of(text: &str) -> Option<RegExportVersion> {
    let first = lines(text).into_iter().find(|l| !l.trim().is_empty())?;
    RegExportVersion::from_header(first)
}

/// Decodes a `.reg` file: a `REGEDIT4` file without BOM is ANSI, even when
/// its bytes happen to be valid UTF-8 (read either way, it must start with
/// the header, so the sniffer and the parser agree).
fn decode_reg(bytes: &[u8]) -> DecodedText {
    let decoded = decode_text(bytes);
    let regedit4 = Some(RegExportVersion::Regedit4);
    if decoded.encoding == "utf-8" && !bytes.is_ascii() && header_of(&decoded.text) == regedit4 {
        let ansi: String = bytes.iter().map(|b| windows_1252(*b)).collect();
        if header_of(&ansi) == regedit4 {
            return DecodedText {
                text: ansi,
                encoding: "windows-1252",
            };
        }
    }
    decoded
}

/// The version of a `.reg` file from its first bytes, if it is one.
pub fn sniff_reg_export(prefix: &[u8]) -> Option<RegExportVersion> {
    header_of(&decode_text(prefix).text)
}

/// Reads a `.reg` file. `Err` when it does not start with a `.reg` header
/// (the problem names `file`); bad lines after it are in `problems`.
pub fn parse_reg_export(file: &str, bytes: &[u8]) -> Result<RegExport, TextProblem> {
    let decoded = decode_reg(bytes);
    let all = lines(&decoded.text);
    let mut parser = Parser {
        file,
        version: RegExportVersion::Regedit4,
        lines: &all,
        at: 0,
        sections: Vec::new(),
        problems: Vec::new(),
        bad_key_line: None,
    };
    // The header is the first non-blank line.
    while parser.at < all.len() && all[parser.at].trim().is_empty() {
        parser.at += 1;
    }
    let header_line = parser.at + 1;
    parser.version = all
        .get(parser.at)
        .and_then(|l| RegExportVersion::from_header(l))
        .ok_or_else(|| TextProblem {
            file: file.to_string(),
            line: header_line,
            detail: format!(
                "not a .reg file: the first line is not \"{REGEDIT4_HEADER}\" or \"{REGEDIT5_HEADER}\""
            ),
        })?;
    parser.at += 1;
    parser.run();
    Ok(RegExport {
        version: parser.version,
        encoding: decoded.encoding,
        sections: parser.sections,
        problems: parser.problems,
    })
}

struct Parser<'a> {
    file: &'a str,
    version: RegExportVersion,
    lines: &'a [&'a str],
    /// Index of the next line to read.
    at: usize,
    sections: Vec<TextSection>,
    problems: Vec<TextProblem>,
    /// The line of a key line that could not be read: its values are
    /// skipped rather than given to the key before it.
    bad_key_line: Option<usize>,
}

impl Parser<'_> {
    fn problem(&mut self, line: usize, detail: String) {
        self.problems.push(TextProblem {
            file: self.file.to_string(),
            line,
            detail,
        });
    }

    fn run(&mut self) {
        while self.at < self.lines.len() {
            let line_number = self.at + 1;
            let line = self.lines[self.at];
            self.at += 1;
            let text = line.trim_start();
            if text.is_empty() || text.starts_with(';') {
                continue;
            }
            if text.starts_with('[') {
                self.key_line(line_number, text);
            } else if text.starts_with('"') || text.starts_with('@') {
                self.value_line(line_number, text);
            } else {
                self.problem(
                    line_number,
                    format!("not a key, value or comment line: {}", shown(text)),
                );
            }
        }
    }

    fn key_line(&mut self, line: usize, text: &str) {
        self.bad_key_line = Some(line);
        // Key names may hold `]`: the last one on the line closes the path.
        let Some(close) = text.rfind(']') else {
            self.problem(
                line,
                format!("key line without a closing ']': {}", shown(text)),
            );
            return;
        };
        let inner = &text[1..close];
        let after = text[close + 1..].trim();
        if !after.is_empty() && !after.starts_with(';') {
            self.problem(
                line,
                format!("text after the key's ']' ignored: {}", shown(after)),
            );
        }
        let (contents, path) = match inner.strip_prefix('-') {
            Some(path) => (SectionContents::Delete, path),
            None => (SectionContents::Full, inner),
        };
        if path.trim().is_empty() {
            self.problem(line, "empty key name".to_string());
            return;
        }
        self.bad_key_line = None;
        self.sections.push(TextSection {
            line,
            path: path.to_string(),
            contents,
            values: Vec::new(),
        });
    }

    fn value_line(&mut self, line: usize, text: &str) {
        let (name, rest) = if let Some(rest) = text.strip_prefix('@') {
            (String::new(), rest)
        } else {
            match unquote(&text[1..]) {
                Some(parts) => parts,
                None => {
                    self.problem(
                        line,
                        format!("value name without a closing quote: {}", shown(text)),
                    );
                    return;
                }
            }
        };
        let Some(data) = rest.trim_start().strip_prefix('=') else {
            self.problem(
                line,
                format!("no '=' after the value name: {}", shown(text)),
            );
            return;
        };
        let data = data.trim_start();
        let op = match self.value_data(line, &name, data) {
            Ok(op) => op,
            Err(detail) => {
                self.problem(line, format!("value {}: {detail}", shown_name(&name)));
                return;
            }
        };
        match (self.bad_key_line, self.sections.last_mut()) {
            (Some(key_line), _) => self.problem(
                line,
                format!("value ignored: its key line {key_line} could not be read"),
            ),
            (None, Some(section)) => section.values.push(op),
            (None, None) => self.problem(
                line,
                "value line before any [key] line; ignored".to_string(),
            ),
        }
    }

    /// Parses the data after `=`, reading continuation lines of hex data.
    fn value_data(
        &mut self,
        line: usize,
        name: &str,
        data: &str,
    ) -> Result<TextValueOp, ValueDataError> {
        if let Some(after) = data.strip_prefix('-') {
            if is_blank_or_comment(after) {
                return Ok(TextValueOp::Delete {
                    line,
                    name: name.to_string(),
                });
            }
        }
        let set = |type_code: u32, raw: Vec<u8>, note: Option<String>| TextValueOp::Set {
            line,
            value: RegValue::new(name, type_code, raw),
            note,
        };
        if let Some(quoted) = data.strip_prefix('"') {
            let (text, after) = unquote(quoted).ok_or(ValueDataError::Unclosed)?;
            if !is_blank_or_comment(after) {
                return Err(ValueDataError::AfterQuote(shown(after)));
            }
            let note = self.ansi_note(text.contains('?'));
            return Ok(set(reg_type::SZ, utf16le_with_nul(&text), note));
        }
        if let Some(digits) = strip_prefix_ignore_case(data, "dword:") {
            let digits = strip_comment(digits).trim();
            if digits.is_empty()
                || digits.len() > 8
                || !digits.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(ValueDataError::NotDword(shown(digits)));
            }
            let number = u32::from_str_radix(digits, 16)?;
            return Ok(set(reg_type::DWORD, number.to_le_bytes().to_vec(), None));
        }
        let (type_code, list) = if let Some(list) = strip_prefix_ignore_case(data, "hex:") {
            (reg_type::BINARY, list)
        } else if let Some(rest) = strip_prefix_ignore_case(data, "hex(") {
            let close = rest.find("):").ok_or(ValueDataError::HexUnclosed)?;
            let digits = &rest[..close];
            if digits.is_empty()
                || digits.len() > 8
                || !digits.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(ValueDataError::NotAType(shown(digits)));
            }
            let type_code = u32::from_str_radix(digits, 16)?;
            (type_code, &rest[close + 2..])
        } else {
            return Err(ValueDataError::UnknownFormat(shown(data)));
        };
        let list = self.continued(line, list)?;
        let bytes = parse_hex_list(&list)?;
        let ansi = self.version == RegExportVersion::Regedit4
            && matches!(type_code, reg_type::EXPAND_SZ | reg_type::MULTI_SZ);
        if ansi {
            // REGEDIT4 writes these types' strings in the ANSI code page.
            let note = self.ansi_note(bytes.contains(&b'?'));
            let raw: Vec<u8> = bytes
                .iter()
                .map(|b| windows_1252(*b))
                .collect::<String>()
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect();
            return Ok(set(type_code, raw, note));
        }
        Ok(set(type_code, bytes, None))
    }

    /// A note for REGEDIT4 text holding `?`, which is what Registry Editor
    /// writes for characters outside the ANSI code page.
    fn ansi_note(&self, has_question_mark: bool) -> Option<String> {
        (self.version == RegExportVersion::Regedit4 && has_question_mark).then(|| {
            "as exported in REGEDIT4 (ANSI): a '?' may stand for a character outside the code page"
                .to_string()
        })
    }

    /// Joins a hex list with its continuation lines (`\` at the end of a
    /// line; the next line's leading spaces are not data).
    fn continued(&mut self, line: usize, first: &str) -> Result<String, ValueDataError> {
        let mut list = strip_comment(first).trim_end().to_string();
        while list.ends_with('\\') {
            list.pop();
            let Some(next) = self.lines.get(self.at) else {
                return Err(ValueDataError::ContinuesPastEnd { line });
            };
            self.at += 1;
            list.push_str(strip_comment(next.trim_start()).trim_end());
        }
        Ok(list)
    }
}

/// Why the data of a value line cannot be read. What is shown of the
/// text is quoted and shortened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum ValueDataError {
    #[error("string without a closing quote")]
    Unclosed,
    #[error("text after the closing quote: {0}")]
    AfterQuote(String),
    #[error("dword data is not 1 to 8 hex digits: {0}")]
    NotDword(String),
    #[error("hex( without \"):\"")]
    HexUnclosed,
    #[error("type in hex(...) is not 1 to 8 hex digits: {0}")]
    NotAType(String),
    #[error("unknown data format: {0}")]
    UnknownFormat(String),
    #[error("the hex data starting on line {line} continues past the end of the file")]
    ContinuesPastEnd { line: usize },
    #[error("byte #{number} of the hex data is not a hex byte: {shown}")]
    NotAByte { number: usize, shown: String },
    /// Digits already checked: not expected.
    #[error(transparent)]
    Number(#[from] std::num::ParseIntError),
}

/// Reads a quoted string's body (after the opening quote): `\\` and `\"`
/// are escapes; any other backslash is kept as written. Returns the text
/// and what follows the closing quote.
fn unquote(body: &str) -> Option<(String, &str)> {
    let mut text = String::new();
    let mut chars = body.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some((text, &body[at + 1..])),
            '\\' => match chars.clone().next() {
                Some((_, escaped @ ('\\' | '"'))) => {
                    chars.next();
                    text.push(escaped);
                }
                _ => text.push('\\'),
            },
            other => text.push(other),
        }
    }
    None
}

/// Comma-separated hex bytes (`00,2f,a`), spaces allowed around them, a
/// trailing comma allowed; empty for no bytes.
fn parse_hex_list(list: &str) -> Result<Vec<u8>, ValueDataError> {
    let list = list.trim();
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let list = list.strip_suffix(',').unwrap_or(list);
    let mut bytes = Vec::with_capacity(list.len() / 3 + 1);
    for (index, item) in list.split(',').enumerate() {
        let item = item.trim();
        if item.is_empty() || item.len() > 2 || !item.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ValueDataError::NotAByte {
                number: index + 1,
                shown: shown(item),
            });
        }
        bytes.push(u8::from_str_radix(item, 16)?);
    }
    Ok(bytes)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Drops a `;` comment (data after which a comment may follow holds no `;`).
fn strip_comment(text: &str) -> &str {
    text.split(';').next().unwrap_or(text)
}

fn is_blank_or_comment(text: &str) -> bool {
    let text = text.trim_start();
    text.is_empty() || text.starts_with(';')
}

/// A piece of a line for a message: control characters escaped, long text cut.
fn shown(text: &str) -> String {
    const MAX: usize = 80;
    let mut out: String = crate::registry::printable(text).chars().take(MAX).collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    format!("\"{out}\"")
}

fn shown_name(name: &str) -> String {
    if name.is_empty() {
        "@ (default)".to_string()
    } else {
        shown(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::utf16le_multi_with_nuls;
    use crate::registry::RegData;

    fn utf16le_file(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    fn values(export: &RegExport, section: usize) -> Vec<(String, u32, Vec<u8>)> {
        export.sections[section]
            .values
            .iter()
            .map(|op| match op {
                TextValueOp::Set { value, .. } => {
                    (value.name.clone(), value.type_code, value.raw.clone())
                }
                TextValueOp::Delete { name, .. } => (name.clone(), u32::MAX, Vec::new()),
            })
            .collect()
    }

    /// A Windows 2000+ export as Registry Editor writes it: UTF-16LE with
    /// BOM, CRLF, hex data wrapped with `\` and two-space indents.
    #[test]
    fn version_5_export_with_every_value_syntax() {
        let text = "Windows Registry Editor Version 5.00\r\n\r\n\
            [HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Exchange]\r\n\
            \"Active Messaging Use Exchange\"=dword:00000001\r\n\
            @=\"default \\\"quoted\\\" C:\\\\path\"\r\n\
            \"Bin\"=hex:01,ff,\\\r\n  0a\r\n\
            \"None\"=hex(0):\r\n\
            \"Expand\"=hex(2):25,00,53,00,00,00\r\n\
            \"Multi\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n\
            \"Q\"=hex(b):01,00,00,00,00,00,00,00\r\n\
            \"Odd\"=hex(ffff0012):ab\r\n\
            ; a comment\r\n\
            \"Gone\"=-\r\n\r\n\
            [-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]\r\n";
        let export = parse_reg_export("x.reg", &utf16le_file(text)).unwrap();
        assert_eq!(export.version, RegExportVersion::Regedit5);
        assert_eq!(export.encoding, "utf-16le-bom");
        assert!(export.problems.is_empty(), "{:?}", export.problems);
        assert_eq!(export.sections.len(), 2);
        assert_eq!(
            export.sections[0].path,
            r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Exchange"
        );
        assert_eq!(export.sections[0].contents, SectionContents::Full);
        assert_eq!(export.sections[1].contents, SectionContents::Delete);
        assert_eq!(export.sections[1].line, 16);
        let v = values(&export, 0);
        assert_eq!(
            v[0],
            ("Active Messaging Use Exchange".into(), 4, vec![1, 0, 0, 0])
        );
        assert_eq!(
            v[1],
            (
                String::new(),
                1,
                utf16le_with_nul(r#"default "quoted" C:\path"#)
            )
        );
        assert_eq!(v[2], ("Bin".into(), 3, vec![1, 0xff, 0x0a]));
        assert_eq!(v[3], ("None".into(), 0, vec![]));
        assert_eq!(v[4], ("Expand".into(), 2, utf16le_with_nul("%S")));
        assert_eq!(
            v[5],
            ("Multi".into(), 7, utf16le_multi_with_nuls(&["a", "b"]))
        );
        assert_eq!(v[6], ("Q".into(), 11, vec![1, 0, 0, 0, 0, 0, 0, 0]));
        assert_eq!(v[7], ("Odd".into(), 0xffff0012, vec![0xab]));
        assert_eq!(v[8], ("Gone".into(), u32::MAX, vec![]));
    }

    /// NT 4.0's Registry Editor: ANSI, and REG_EXPAND_SZ / REG_MULTI_SZ as
    /// ANSI bytes with single-byte NULs.
    #[test]
    fn regedit4_strings_are_ansi() {
        let mut bytes = b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\Parameters]\r\n\
            \"RootDir\"=hex(2):25,53,79,73,74,65,6d,52,6f,6f,74,25,5c,e9,00\r\n\
            \"List\"=hex(7):61,00,62,00,00\r\n\
            \"Name\"=\"M"
            .to_vec();
        bytes.extend(b"\xfcller\"\r\n");
        let export = parse_reg_export("nt4.reg", &bytes).unwrap();
        assert_eq!(export.version, RegExportVersion::Regedit4);
        assert_eq!(export.encoding, "windows-1252");
        assert!(export.problems.is_empty(), "{:?}", export.problems);
        let section = &export.sections[0];
        let TextValueOp::Set { value, note, .. } = &section.values[0] else {
            panic!()
        };
        assert_eq!(value.type_code, reg_type::EXPAND_SZ);
        assert_eq!(value.raw, utf16le_with_nul("%SystemRoot%\\é"));
        assert_eq!(*note, None);
        let TextValueOp::Set { value, .. } = &section.values[1] else {
            panic!()
        };
        assert_eq!(
            value.data(),
            RegData::MultiString(vec!["a".into(), "b".into()])
        );
        let TextValueOp::Set { value, .. } = &section.values[2] else {
            panic!()
        };
        assert_eq!(value.as_string().as_deref(), Some("Müller"));
    }

    #[test]
    fn regedit4_question_marks_are_noted() {
        let export = parse_reg_export(
            "a.reg",
            b"REGEDIT4\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\K]\n\"N\"=\"wh?t\"\n",
        )
        .unwrap();
        let TextValueOp::Set { note, .. } = &export.sections[0].values[0] else {
            panic!()
        };
        assert!(note.as_deref().unwrap().contains("'?'"));
    }

    #[test]
    fn utf8_version_5_and_odd_spacing() {
        let text = "\u{feff}Windows Registry Editor Version 5.00\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\A]b]\n  \"x\" = dword:1a ; twenty-six\n\"y\"=HEX:  01 , 02 ,\n";
        let export = parse_reg_export("u.reg", text.as_bytes()).unwrap();
        assert_eq!(export.encoding, "utf-8-bom");
        assert!(export.problems.is_empty(), "{:?}", export.problems);
        assert_eq!(export.sections[0].path, r"HKEY_LOCAL_MACHINE\SOFTWARE\A]b");
        let v = values(&export, 0);
        assert_eq!(v[0], ("x".into(), 4, vec![0x1a, 0, 0, 0]));
        assert_eq!(v[1], ("y".into(), 3, vec![1, 2]));
    }

    #[test]
    fn bad_lines_are_reported_with_their_numbers_and_skipped() {
        let text = "REGEDIT4\n\"early\"=\"x\"\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\K]\n\
            \"a\"=dword:123456789\n\"b\"=hex:zz\n\"c\"=\"open\n\"d\"=str:\"x\"\n\"e\"=hex(2):41,\\\n\
            garbage line\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\L\n\"ok\"=dword:00000002\n\"f\"=hex:01,\\\n";
        let export = parse_reg_export("bad.reg", text.as_bytes()).unwrap();
        let lines: Vec<usize> = export.problems.iter().map(|p| p.line).collect();
        // "e" (line 8) takes line 9 as its continuation, and then its hex
        // data fails; "ok" belongs to the unreadable key line 10.
        assert_eq!(
            lines,
            [2, 4, 5, 6, 7, 8, 10, 11, 12],
            "{:#?}",
            export.problems
        );
        assert!(export.problems.iter().all(|p| p.file == "bad.reg"));
        assert!(
            export.problems[0]
                .to_string()
                .starts_with("bad.reg: line 2: ")
        );
        assert_eq!(export.sections.len(), 1);
        assert!(values(&export, 0).is_empty());
    }

    #[test]
    fn not_a_reg_file() {
        let error =
            parse_reg_export("x.txt", b"hello\n[HKEY_LOCAL_MACHINE\\SOFTWARE]\n").unwrap_err();
        assert_eq!(error.line, 1);
        assert!(error.detail.contains("not a .reg file"));
        assert!(parse_reg_export("e.reg", b"").is_err());
        assert_eq!(
            sniff_reg_export(b"\r\nREGEDIT4\r\n"),
            Some(RegExportVersion::Regedit4)
        );
        assert_eq!(sniff_reg_export(b"REGEDIT\r\n"), None);
    }
}
