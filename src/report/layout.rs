//! Laying text out for a terminal of a given width: wrapping that never
//! breaks a command, a path or a SID, and a grid of columns that falls back
//! to one record per block when its columns cannot fit.
//!
//! Text is wrapped at spaces only, between *units* that are never broken:
//! * a word (a SID, a path without spaces, an SDDL string are words);
//! * a double-quoted span, spaces included (`"C:\Program Files\x"`), and a
//!   span in backquotes, which our prose puts around a command
//!   (`` `hivetriage collect --for nt4` ``);
//! * a path with spaces: a word holding `\` glues the next word when that
//!   one holds `\` too (`C:\Program Files\Exchsrvr\imcdata`);
//! * a command: from its name to its last switch argument, found around
//!   the first `/switch` word (`reg add "HKLM\..." /v RootDir /t REG_SZ /f`,
//!   `icacls "C:\x" /grant "EXCH01\IUSR_EXCH01:(AD,WD,X)"`), so that what is
//!   copied from the screen is what was meant to be pasted.
//!
//! A unit wider than the line is put on a line of its own and left longer
//! than the width: the terminal then folds it, and a folded line is copied
//! whole by terminals (and by `tmux capture-pane -J`), where a line break
//! we inserted would not be.

use unicode_width::UnicodeWidthStr;

/// Columns a string takes on a terminal (no control characters expected:
/// text is escaped before it is laid out).
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// A `/switch` word, as Windows tools take them: `/grant`, `/v`, `/E`,
/// `/remove:d`.
fn is_switch(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next() == Some('/') && chars.next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// A word that may be part of a command before its first switch: the
/// program and subcommand names (`reg`, `add`, `icacls`, `(icacls`), a
/// quoted argument, a path.
fn may_lead_command(word: &str) -> bool {
    let bare = word.strip_prefix('(').unwrap_or(word);
    word.starts_with('"')
        || word.contains('\\')
        || (!bare.is_empty()
            && bare
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.')
            && !bare.ends_with('.'))
}

/// The words of a line: split at spaces, except inside the `keep` strings
/// (each kept whole with what sticks to its end, e.g. a comma).
fn words<'a>(text: &'a str, keep: &[String]) -> Vec<&'a str> {
    let mut words = Vec::new();
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            return words;
        }
        let kept = keep
            .iter()
            .filter(|k| !k.is_empty() && rest.starts_with(k.as_str()))
            .map(String::len)
            .max()
            .unwrap_or(0);
        let end = kept + rest[kept..].find(' ').unwrap_or(rest.len() - kept);
        words.push(&rest[..end]);
        rest = &rest[end..];
    }
}

/// The units of a line of text (see the module documentation).
pub fn units(text: &str) -> Vec<String> {
    units_keeping(text, &[])
}

/// [`units`], with the `keep` strings kept whole too.
pub fn units_keeping(text: &str, keep: &[String]) -> Vec<String> {
    let words = words(text, keep);
    // Quoted spans and paths with spaces first.
    let mut glued: Vec<String> = Vec::new();
    let mut open_quote = false;
    let mut open_backquote = false;
    for word in words {
        let continues_path = glued.last().is_some_and(|last| {
            last.contains('\\') && !last.ends_with([',', ';', ':', ')', '.']) && word.contains('\\')
        });
        if open_quote || open_backquote || continues_path {
            let last = glued.last_mut().expect("a unit is open");
            last.push(' ');
            last.push_str(word);
        } else {
            glued.push(word.to_string());
        }
        if word.matches('"').count() % 2 == 1 {
            open_quote = !open_quote;
        }
        if word.matches('`').count() % 2 == 1 {
            open_backquote = !open_backquote;
        }
    }
    // Then commands: each switch with what leads it and its arguments.
    let mut out: Vec<String> = Vec::new();
    let mut index = 0;
    while index < glued.len() {
        let Some(switch) = (index..glued.len()).find(|&i| is_switch(&glued[i])) else {
            out.extend(glued[index..].iter().cloned());
            break;
        };
        let mut start = switch;
        while start > index && may_lead_command(&glued[start - 1]) {
            start -= 1;
            if glued[start].starts_with('(') {
                break;
            }
        }
        // Past the switch: more switches, each one's argument, quoted
        // arguments and paths.
        let mut end = switch + 1;
        while end < glued.len() {
            let word = &glued[end];
            let after_switch = is_switch(&glued[end - 1]);
            if is_switch(word) || word.starts_with('"') || word.contains('\\') || after_switch {
                end += 1;
            } else {
                break;
            }
        }
        out.extend(glued[index..start].iter().cloned());
        out.push(glued[start..end].join(" "));
        index = end;
    }
    out
}

/// Wraps one line of text to `columns`, at spaces between units.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    wrap_keeping(text, columns, &[])
}

/// [`wrap`], with the `keep` strings never broken either.
pub fn wrap_keeping(text: &str, columns: usize, keep: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for unit in units_keeping(text, keep) {
        if line.is_empty() {
            line = unit;
        } else if width(&line) + 1 + width(&unit) <= columns {
            line.push(' ');
            line.push_str(&unit);
        } else {
            lines.push(std::mem::replace(&mut line, unit));
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The widest unit of a text: the narrowest it can be wrapped to.
pub fn narrowest(text: &str) -> usize {
    text.lines()
        .flat_map(units)
        .map(|unit| width(&unit))
        .max()
        .unwrap_or(0)
}

/// Writes `text` (one line) wrapped to `columns`, every line after
/// `first_indent` on the first and `indent` on the others.
pub fn push_wrapped(
    out: &mut String,
    text: &str,
    columns: usize,
    first_indent: &str,
    indent: &str,
) {
    push_wrapped_keeping(out, text, columns, first_indent, indent, &[]);
}

/// [`push_wrapped`], with the `keep` strings never broken either.
pub fn push_wrapped_keeping(
    out: &mut String,
    text: &str,
    columns: usize,
    first_indent: &str,
    indent: &str,
    keep: &[String],
) {
    let room = columns.saturating_sub(width(indent)).max(1);
    for (i, line) in wrap_keeping(text, room, keep).iter().enumerate() {
        out.push_str(if i == 0 { first_indent } else { indent });
        out.push_str(line);
        out.push('\n');
    }
}

/// A cell of a [`Grid`]: lines of text (each wrapped on its own) and an
/// optional SGR colour code for its text.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    pub lines: Vec<String>,
    pub color: Option<&'static str>,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Cell {
        Cell {
            lines: vec![text.into()],
            color: None,
        }
    }

    pub fn lines(lines: Vec<String>) -> Cell {
        Cell { lines, color: None }
    }

    pub fn colored(mut self, code: Option<&'static str>) -> Cell {
        self.color = code;
        self
    }

    /// Columns it takes on one line per line of its own.
    fn natural(&self) -> usize {
        self.lines.iter().map(|l| width(l)).max().unwrap_or(0)
    }

    fn narrowest(&self) -> usize {
        self.lines.iter().map(|l| narrowest(l)).max().unwrap_or(0)
    }

    fn wrapped(&self, columns: usize) -> Vec<String> {
        self.lines.iter().flat_map(|l| wrap(l, columns)).collect()
    }
}

/// Columns with a header row, drawn with box-drawing borders.
#[derive(Clone, Debug, Default)]
pub struct Grid {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// `│ a ┆ b │`: 3 columns per column, plus the closing border.
fn frame(columns: usize) -> usize {
    3 * columns + 1
}

impl Grid {
    pub fn new(headers: &[&str]) -> Grid {
        Grid {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn add_row(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    /// Column widths for a table at most `columns` wide (`None`: no limit,
    /// every cell on its own lines); `None` when even the narrowest
    /// columns do not fit.
    fn widths(&self, columns: Option<usize>) -> Option<Vec<usize>> {
        let count = self.headers.len();
        let column_max = |f: &dyn Fn(&Cell) -> usize, header: &dyn Fn(&str) -> usize| {
            (0..count)
                .map(|c| {
                    self.rows
                        .iter()
                        .filter_map(|row| row.get(c))
                        .map(f)
                        .chain([header(&self.headers[c])])
                        .max()
                        .unwrap_or(0)
                })
                .collect::<Vec<usize>>()
        };
        let natural = column_max(&Cell::natural, &width);
        let Some(limit) = columns else {
            return Some(natural);
        };
        let room = limit.saturating_sub(frame(count));
        if natural.iter().sum::<usize>() <= room {
            return Some(natural);
        }
        let narrowest = column_max(&Cell::narrowest, &narrowest);
        let least: usize = narrowest.iter().sum();
        if least > room {
            return None;
        }
        // Share what is left: columns that want little more get all of it
        // first (a short value stays on one line), the widest wants take
        // the rest.
        let wants: Vec<usize> = natural.iter().zip(&narrowest).map(|(n, m)| n - m).collect();
        let mut widths = narrowest.clone();
        let mut spare = room - least;
        let mut order: Vec<usize> = (0..count).collect();
        order.sort_by_key(|&c| wants[c]);
        for c in order {
            let given = wants[c].min(spare);
            widths[c] += given;
            spare -= given;
        }
        Some(widths)
    }

    /// Whether the grid's columns fit `columns` (wrapping their cells).
    pub fn fits(&self, columns: Option<usize>) -> bool {
        self.widths(columns).is_some()
    }

    /// The grid at most `columns` wide (`None`: no limit); when its
    /// columns cannot fit, each row becomes a block of `header  value`
    /// lines instead.
    pub fn render(&self, columns: Option<usize>) -> String {
        match self.widths(columns) {
            Some(widths) => self.render_table(&widths),
            None => self.render_records(columns.unwrap_or(usize::MAX)),
        }
    }

    fn render_table(&self, widths: &[usize]) -> String {
        let mut out = String::new();
        let rule = |left: &str, fill: &str, middle: &str, right: &str| {
            let parts: Vec<String> = widths.iter().map(|w| fill.repeat(w + 2)).collect();
            format!("{left}{}{right}\n", parts.join(middle))
        };
        out.push_str(&rule("┌", "─", "┬", "┐"));
        let header: Vec<Cell> = self.headers.iter().map(Cell::new).collect();
        self.push_row(&mut out, &header, widths);
        out.push_str(&rule("╞", "═", "╪", "╡"));
        for row in &self.rows {
            self.push_row(&mut out, row, widths);
        }
        out.push_str(&rule("└", "─", "┴", "┘"));
        out
    }

    fn push_row(&self, out: &mut String, row: &[Cell], widths: &[usize]) {
        let empty = Cell::default();
        let cells: Vec<(Vec<String>, Option<&str>)> = widths
            .iter()
            .enumerate()
            .map(|(c, &w)| {
                let cell = row.get(c).unwrap_or(&empty);
                (cell.wrapped(w), cell.color)
            })
            .collect();
        let height = cells.iter().map(|(l, _)| l.len()).max().unwrap_or(1).max(1);
        for line in 0..height {
            out.push('│');
            for (c, (lines, color)) in cells.iter().enumerate() {
                let text = lines.get(line).map(String::as_str).unwrap_or("");
                let pad = widths[c].saturating_sub(width(text));
                out.push(' ');
                match color {
                    Some(code) if !text.is_empty() => {
                        out.push_str(&format!("\x1b[{code}m{text}\x1b[0m"))
                    }
                    _ => out.push_str(text),
                }
                out.push_str(&" ".repeat(pad));
                out.push(' ');
                out.push(if c + 1 == cells.len() { '│' } else { '┆' });
            }
            out.push('\n');
        }
    }

    /// One block per row: `header  value` lines, values wrapped under
    /// themselves, a blank line between blocks.
    fn render_records(&self, columns: usize) -> String {
        let label_width = self.headers.iter().map(|h| width(h)).max().unwrap_or(0);
        let indent = " ".repeat(label_width + 2);
        let mut out = String::new();
        for (r, row) in self.rows.iter().enumerate() {
            if r > 0 {
                out.push('\n');
            }
            for (header, cell) in self.headers.iter().zip(row) {
                let lines: Vec<&String> = cell.lines.iter().filter(|l| !l.is_empty()).collect();
                if lines.is_empty() {
                    continue;
                }
                let label = format!("{header:<label_width$}  ");
                for (i, line) in lines.iter().enumerate() {
                    let first = if i == 0 { label.as_str() } else { &indent };
                    let mut block = String::new();
                    push_wrapped(&mut block, line, columns, first, &indent);
                    match cell.color {
                        Some(code) => {
                            let start = first.len();
                            let (head, text) = block.split_at(start);
                            let text = text.trim_end_matches('\n');
                            out.push_str(&format!("{head}\x1b[{code}m{text}\x1b[0m\n"));
                        }
                        None => out.push_str(&block),
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_one_unit_from_their_name_to_their_last_argument() {
        let line = r#"icacls "C:\exchsrvr\imcdata\Pickup" /grant "EXCH01\IUSR_EXCH01:(AD,WD,X)""#;
        assert_eq!(units(line), [line]);
        let prose = r#"naming its data folder, e.g. reg add "HKLM\SYSTEM\X\Parameters" /v RootDir /t REG_SZ /d "C:\exchsrvr\imcdata" /f"#;
        let got = units(prose);
        assert_eq!(
            got.last().unwrap(),
            r#"reg add "HKLM\SYSTEM\X\Parameters" /v RootDir /t REG_SZ /d "C:\exchsrvr\imcdata" /f"#
        );
        assert_eq!(got[0], "naming");
        let inside =
            r#"remove it (icacls "C:\x" /remove:d "BUILTIN\Guests") or keep EXCH01\IUSR out"#;
        let got = units(inside);
        assert!(
            got.contains(&r#"(icacls "C:\x" /remove:d "BUILTIN\Guests")"#.to_string()),
            "{got:?}"
        );
        assert!(got.contains(&"or".to_string()), "{got:?}");
    }

    #[test]
    fn quoted_spans_and_paths_with_spaces_stay_whole() {
        assert_eq!(
            units(r#"folder "C:\Program Files\x y" is"#),
            ["folder", r#""C:\Program Files\x y""#, "is"]
        );
        assert_eq!(
            units(r"lacks Add on C:\Program Files\Exchsrvr\Pickup: no ACE"),
            [
                "lacks",
                "Add",
                "on",
                r"C:\Program Files\Exchsrvr\Pickup:",
                "no",
                "ACE"
            ]
        );
        assert_eq!(units(r"C:\a, C:\b"), [r"C:\a,", r"C:\b"]);
        assert_eq!(
            units("the script `hivetriage collect --for nt4` prints"),
            ["the", "script", "`hivetriage collect --for nt4`", "prints"]
        );
    }

    #[test]
    fn names_asked_for_are_kept_whole() {
        let keep = ["NT AUTHORITY\\Authenticated Users".to_string()];
        assert_eq!(
            units_keeping(r"None, NT AUTHORITY\Authenticated Users, Everyone", &keep),
            ["None,", r"NT AUTHORITY\Authenticated Users,", "Everyone"]
        );
    }

    #[test]
    fn wrapping_breaks_only_between_units_and_overflows_a_long_one() {
        let sid = "S-1-5-21-2711440353-3069573062-1720508899-1001";
        let lines = wrap(&format!("account IUSR_EXCH01 {sid} in groups"), 30);
        assert_eq!(lines, ["account IUSR_EXCH01", sid, "in groups"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn a_grid_fits_its_width_or_becomes_records() {
        let mut grid = Grid::new(&["Bundle", "Verdict", "Note"]);
        grid.add_row(vec![
            Cell::new(r"incoming\case-1.zip"),
            Cell::new("fail"),
            Cell::new("Q306957.pickup-acl (fail) and a longer explanation of it"),
        ]);
        let table = grid.render(Some(60));
        assert!(table.lines().all(|l| width(l) <= 60), "{table}");
        assert!(table.contains(r"incoming\case-1.zip"), "{table}");
        let records = grid.render(Some(30));
        assert!(
            records.starts_with("Bundle   incoming\\case-1.zip\n"),
            "{records}"
        );
        let wide = grid.render(None);
        assert_eq!(wide.lines().count(), 5, "{wide}");
    }
}
