//! Text encodings, below every other module: the one place UTF-16 is
//! decoded and encoded (registry strings, REG_MULTI_SZ lists, SAM names,
//! hive header names, text files), and the detection of a text file's
//! encoding when it is not declared.
//!
//! Text files: UTF-16LE with or without BOM, UTF-16BE with BOM, UTF-8
//! with or without BOM, else Windows-1252. Windows tools write UTF-16LE
//! (`icacls /save`, `regedit` 5.00 exports, Windows PowerShell 5.1
//! redirection), UTF-8 (PowerShell 7) or the ANSI code page (`REGEDIT4`,
//! `cacls > file`). Nothing here fails: undecodable bytes become U+FFFD,
//! and the encoding that was assumed is reported.

/// Text and the encoding it was decoded from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedText {
    pub text: String,
    /// `utf-16le-bom`, `utf-16le`, `utf-16be-bom`, `utf-8-bom`, `utf-8` or `windows-1252`.
    pub encoding: &'static str,
}

/// Decodes a text file's bytes, detecting the encoding from a BOM, the
/// pattern of NUL bytes, or UTF-8 validity.
pub fn decode_text(bytes: &[u8]) -> DecodedText {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return DecodedText {
            text: String::from_utf8_lossy(rest).into_owned(),
            encoding: "utf-8-bom",
        };
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return DecodedText {
            text: decode_utf16(rest, u16::from_le_bytes),
            encoding: "utf-16le-bom",
        };
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return DecodedText {
            text: decode_utf16(rest, u16::from_be_bytes),
            encoding: "utf-16be-bom",
        };
    }
    if looks_like_utf16le(bytes) {
        return DecodedText {
            text: decode_utf16(bytes, u16::from_le_bytes),
            encoding: "utf-16le",
        };
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => DecodedText {
            text: text.to_string(),
            encoding: "utf-8",
        },
        Err(_) => DecodedText {
            text: bytes.iter().map(|byte| windows_1252(*byte)).collect(),
            encoding: "windows-1252",
        },
    }
}

/// Text without a BOM is UTF-16LE when, in its first 4 KiB, most odd bytes
/// are NUL (ASCII characters' high bytes) and few even bytes are.
fn looks_like_utf16le(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs == 0 {
        return false;
    }
    let odd_nuls = sample.chunks_exact(2).filter(|pair| pair[1] == 0).count();
    let even_nuls = sample.chunks_exact(2).filter(|pair| pair[0] == 0).count();
    odd_nuls * 10 >= pairs * 6 && even_nuls * 10 <= pairs
}

/// A whole text file's UTF-16: an odd last byte becomes U+FFFD too.
fn decode_utf16(bytes: &[u8], word: fn([u8; 2]) -> u16) -> String {
    let mut text: String = lossy_chars(utf16_units(bytes, word)).collect();
    if bytes.len() % 2 == 1 {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    text
}

/// The 16-bit units of UTF-16 bytes in the byte order `word` reads; an
/// odd last byte is not part of any unit.
fn utf16_units(bytes: &[u8], word: fn([u8; 2]) -> u16) -> impl Iterator<Item = u16> + '_ {
    bytes
        .chunks_exact(2)
        .map(move |pair| word([pair[0], pair[1]]))
}

/// The units of UTF-16LE bytes (see [`utf16_units`]).
fn utf16le_units(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    utf16_units(bytes, u16::from_le_bytes)
}

/// Characters of UTF-16 units, unpaired surrogates as U+FFFD.
fn lossy_chars(units: impl Iterator<Item = u16>) -> impl Iterator<Item = char> {
    char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
}

/// The characters of UTF-16LE bytes, NULs included; an odd trailing byte is
/// ignored and unpaired surrogates become U+FFFD.
pub fn utf16le_chars(bytes: &[u8]) -> impl Iterator<Item = char> + '_ {
    lossy_chars(utf16le_units(bytes))
}

/// Decodes all of UTF-16LE bytes, NULs included (see [`utf16le_chars`]).
pub fn utf16le_lossy(bytes: &[u8]) -> String {
    utf16le_chars(bytes).collect()
}

/// Decodes UTF-16LE up to the first NUL; an odd trailing byte is ignored
/// and unpaired surrogates become U+FFFD.
pub fn utf16le_until_nul(bytes: &[u8]) -> String {
    // Most registry strings are ASCII: copy those bytes straight across
    // instead of decoding character by character.
    let mut ascii = Vec::with_capacity(bytes.len() / 2);
    for pair in bytes.chunks_exact(2) {
        match (pair[0], pair[1]) {
            (0, 0) => break,
            (low, 0) if low < 0x80 => ascii.push(low),
            _ => return lossy_chars(utf16le_units(bytes).take_while(|&unit| unit != 0)).collect(),
        }
    }
    // Every byte is below 0x80, so this cannot fail.
    String::from_utf8(ascii).unwrap_or_default()
}

/// Splits REG_MULTI_SZ data into its strings, exactly as stored.
///
/// Every NUL ends a string, and every string is listed, empty ones
/// included (`PendingFileRenameOperations` separates its pairs with empty
/// strings), except the empty string whose NUL is the last character of
/// the data: that one is the list's terminator. Data that does not end in
/// NUL ends with an unterminated string, which is listed. An odd last byte
/// is not part of any character and is left out (it stays in `raw`);
/// unpaired surrogates become U+FFFD.
///
/// So `a\0b\0\0` and `a\0b\0` (no list terminator) and `a\0b` (none at
/// all) are `[a, b]`; `a\0\0b\0\0` is `[a, "", b]`; `a\0b\0\0\0` is
/// `[a, b, ""]`; `\0\0` is `[""]`; `\0` and no data are `[]`. This is
/// how Windows' own .NET `RegistryKey.GetValue` (and so PowerShell's
/// `Get-ItemProperty`) splits what `RegQueryValueEx` returns.
pub fn utf16le_multi(bytes: &[u8]) -> Vec<String> {
    let units: Vec<u16> = utf16le_units(bytes).collect();
    let mut strings = Vec::new();
    let mut start = 0;
    while start < units.len() {
        let end = units[start..]
            .iter()
            .position(|&unit| unit == 0)
            .map_or(units.len(), |at| start + at);
        // An empty string ended by the data's last character is the
        // list's terminator, not a string.
        if !(end == start && end + 1 == units.len()) {
            strings.push(lossy_chars(units[start..end].iter().copied()).collect());
        }
        start = end + 1;
    }
    strings
}

/// Encodes a string as NUL-terminated UTF-16LE, as REG_SZ data is stored.
pub fn utf16le_with_nul(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain(std::iter::once(0))
        .flat_map(u16::to_le_bytes)
        .collect()
}

/// Encodes strings as REG_MULTI_SZ data (each NUL-terminated, then a final NUL).
pub fn utf16le_multi_with_nuls(strings: &[&str]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for text in strings {
        bytes.extend(utf16le_with_nul(text));
    }
    bytes.extend([0, 0]);
    bytes
}

/// Windows-1252: Latin-1 except 0x80..=0x9F, where it has typographic
/// characters (the five unassigned bytes map to the C1 controls, as the
/// WHATWG encoding standard does).
pub fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}',
        '\u{017D}', '\u{008F}', '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}',
        '\u{2022}', '\u{2013}', '\u{2014}', '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}',
        '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// Splits text into lines on LF, dropping one CR before each LF; a final
/// line without LF is kept, an empty final piece is not.
pub fn lines(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect();
    if out.last() == Some(&"") {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn utf16le_with_and_without_bom() {
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend(utf16le("Pickup\r\nD:AI(A;;FA;;;BA)\r\n"));
        let decoded = decode_text(&with_bom);
        assert_eq!(decoded.encoding, "utf-16le-bom");
        assert_eq!(decoded.text, "Pickup\r\nD:AI(A;;FA;;;BA)\r\n");
        let decoded = decode_text(&utf16le("Pickup\r\nD:(A;;FA;;;BA)"));
        assert_eq!(decoded.encoding, "utf-16le");
        assert_eq!(decoded.text, "Pickup\r\nD:(A;;FA;;;BA)");
        // Non-ASCII names survive.
        assert_eq!(
            decode_text(&utf16le("Müller\\Pickup")).text,
            "Müller\\Pickup"
        );
    }

    #[test]
    fn utf8_and_windows_1252() {
        let decoded = decode_text(b"\xEF\xBB\xBFC:\\x\tD:");
        assert_eq!(
            (decoded.text.as_str(), decoded.encoding),
            ("C:\\x\tD:", "utf-8-bom")
        );
        let decoded = decode_text("Grüße".as_bytes());
        assert_eq!(
            (decoded.text.as_str(), decoded.encoding),
            ("Grüße", "utf-8")
        );
        let decoded = decode_text(b"M\xFCller \x80 \x93quoted\x94 \x81");
        assert_eq!(decoded.encoding, "windows-1252");
        assert_eq!(decoded.text, "Müller € \u{201C}quoted\u{201D} \u{0081}");
    }

    #[test]
    fn odd_inputs_do_not_fail() {
        assert_eq!(decode_text(b"").text, "");
        assert_eq!(decode_text(&[0xFF, 0xFE, 0x41]).text, "\u{FFFD}");
        // A lone surrogate becomes U+FFFD.
        assert_eq!(
            decode_text(&[0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00]).text,
            "\u{FFFD}A"
        );
    }

    #[test]
    fn line_splitting() {
        assert_eq!(lines("a\r\nb\nc"), ["a", "b", "c"]);
        assert_eq!(lines("a\r\n\r\n"), ["a", ""]);
        assert!(lines("").is_empty());
    }
}
