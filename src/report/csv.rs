//! The `csv` format: one row per check (RFC 4180 quoting). A bundle that
//! could not be read gets one row with empty check fields so it is not lost.
//!
//! A CSV is read by people (in a terminal, in a spreadsheet) as much as by
//! scripts, and its cells hold the customer's text (bundle and computer
//! names, paths, registry data), so two rules apply to every cell:
//!
//! * control characters are written as visible escapes
//!   ([`crate::escape::escape`], `\x1b`), as in every text output; the
//!   line breaks between the steps of a remediation are ours and are kept
//!   (the cell is quoted);
//! * a cell that starts with `=`, `+`, `-` or `@` gets a `'` before it, so
//!   that a spreadsheet shows it as text instead of evaluating it as a
//!   formula (a bundle named `=HYPERLINK(...)`, a computer name starting
//!   with `@`). The `'` is visible in a text editor; a script that needs
//!   the exact text reads the JSON output, which is never altered.

use super::BundleReport;
use std::io::{self, Write};

const HEADER: [&str; 9] = [
    "bundle",
    "bundle_verdict",
    "computer_name",
    "control_set",
    "check_id",
    "verdict",
    "summary",
    "remediation",
    "errors",
];

pub fn write_csv_header(out: &mut dyn Write) -> io::Result<()> {
    write_row(out, &HEADER.map(String::from))
}

/// Writes the rows of one report (no header).
pub fn write_csv_rows(out: &mut dyn Write, report: &BundleReport) -> io::Result<()> {
    let common = [
        cell(&report.bundle),
        report.verdict.to_string(),
        cell(report.computer_name.as_deref().unwrap_or_default()),
        cell(report.control_set.as_deref().unwrap_or_default()),
    ];
    let errors = cell(&report.errors.join("; "));
    if report.checks.is_empty() {
        let mut row = common.to_vec();
        row.extend([
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            errors,
        ]);
        return write_row(out, &row);
    }
    for check in &report.checks {
        let mut row = common.to_vec();
        row.extend([
            cell(&check.id),
            check.verdict.to_string(),
            cell(&check.summary),
            guard_formula(
                crate::escape::escape_lines(check.remediation.as_deref().unwrap_or_default())
                    .into_owned(),
            ),
            errors.clone(),
        ]);
        write_row(out, &row)?;
    }
    Ok(())
}

/// Header and rows of every report.
pub fn write_csv(out: &mut dyn Write, reports: &[BundleReport]) -> io::Result<()> {
    write_csv_header(out)?;
    for report in reports {
        write_csv_rows(out, report)?;
    }
    Ok(())
}

/// One line of text as a cell: escaped, and guarded against formulas.
fn cell(text: &str) -> String {
    guard_formula(crate::escape::escape(text).into_owned())
}

/// `'` before a cell a spreadsheet would take for a formula.
fn guard_formula(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text
    }
}

fn write_row(out: &mut dyn Write, fields: &[String]) -> io::Result<()> {
    let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
    out.write_all(line.join(",").as_bytes())?;
    out.write_all(b"\r\n")
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{cell, quote};

    #[test]
    fn cells_are_escaped_and_never_start_a_formula() {
        assert_eq!(cell("EXCH\u{1b}[2J01"), "EXCH\\x1b[2J01");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for start in ["+1", "-2", "@SUM(A1)"] {
            assert_eq!(cell(start), format!("'{start}"));
        }
        assert_eq!(cell("a=b"), "a=b");
        assert_eq!(cell("two\nlines"), "two\\nlines");
    }

    #[test]
    fn fields_with_commas_quotes_or_newlines_are_quoted() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
    }
}
