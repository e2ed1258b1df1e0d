//! Text from a bundle made safe to show on a terminal.
//!
//! Bundle names, entry names and registry data are the customer's bytes: a
//! `ComputerName` holding `ESC[2J` would clear the engineer's screen, an
//! OSC sequence would set the window title, a bidirectional override would
//! show a path reversed. Every human-facing output (tables, CSV, `acl` and
//! `query` text, messages on stderr) passes such text through [`escape`],
//! which writes each of these characters as a visible escape and leaves
//! everything else, backslashes included, as it is. JSON and Markdown have
//! escaping rules of their own and do not use it.
//!
//! What is escaped:
//! * C0 controls and DEL: `\t`, `\n`, `\r` by name, the others as `\x1b`;
//! * C1 controls (U+0080..U+009F; a terminal may take U+009B as CSI) and
//!   the characters that reorder or hide text (bidirectional marks,
//!   embeddings, overrides and isolates, the line and paragraph
//!   separators, the byte-order mark) as `\u{202e}`.
//!
//! A literal backslash is not escaped (Windows paths are full of them), so
//! the text `\x1b` in a name reads the same as an escaped ESC; the JSON
//! output tells them apart.

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `c` must not reach a terminal as it is.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// `text` with every character [`needs_escape`] names written as a visible
/// escape; borrowed when there is none.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Text of several lines (a remediation, a message we wrote with line
/// breaks): each line escaped, the line breaks kept.
pub fn escape_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && needs_escape(c)) {
        return Cow::Borrowed(text);
    }
    let lines: Vec<Cow<str>> = text.split('\n').map(escape).collect();
    Cow::Owned(lines.join("\n"))
}

/// Prints a message on stderr, `hivetriage: ` first, escaped: the one way
/// the command line reports problems, so no message can carry a bundle's
/// control characters to the terminal.
pub fn warn(message: impl std::fmt::Display) {
    let text = message.to_string();
    eprintln!("hivetriage: {}", escape_lines(&text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_and_backslashes_are_left_alone() {
        for text in [r"C:\exchsrvr\imcdata\Pickup", "Ünïcødé 名前", "", r"a\x1b"] {
            assert!(matches!(escape(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(escape("EXCH\u{1b}[2J01"), r"EXCH\x1b[2J01");
        assert_eq!(escape("a\tb\nc\rd\0e\u{7f}"), r"a\tb\nc\rd\x00e\x7f");
        assert_eq!(escape("\u{9b}31m"), r"\u{9b}31m");
        assert_eq!(escape("abc\u{202e}gpj.exe"), r"abc\u{202e}gpj.exe");
        assert_eq!(escape("\u{1b}]0;title\u{7}"), r"\x1b]0;title\x07");
    }

    #[test]
    fn escaped_text_holds_no_character_that_needs_escaping() {
        let every: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        assert!(!escape(&every).chars().any(needs_escape));
    }

    #[test]
    fn lines_keep_their_breaks_and_lose_other_controls() {
        assert_eq!(escape_lines("one\ntwo\u{1b}"), "one\ntwo\\x1b");
        assert_eq!(escape_lines("a\r\nb"), "a\\r\nb");
        assert!(matches!(escape_lines("a\nb"), Cow::Borrowed(_)));
    }
}
