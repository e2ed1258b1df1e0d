//! The `table` format, for people at a terminal: one bundle shows its
//! checks with verdict, summary and fix; several show a line per bundle,
//! then the checks that fail. Verdicts are coloured when asked to
//! (`--color`, decided by the command line from the terminal and NO_COLOR).

use super::BundleReport;
use crate::rules::Verdict;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use std::io::{self, Write};

/// The colour of a verdict: red fail, yellow unknown, green pass, magenta
/// error, grey not applicable.
fn verdict_color(verdict: Verdict) -> Color {
    match verdict {
        Verdict::Fail => Color::Red,
        Verdict::Unknown => Color::Yellow,
        Verdict::Pass => Color::Green,
        Verdict::Error => Color::Magenta,
        Verdict::NotApplicable => Color::DarkGrey,
    }
}

/// A verdict cell, coloured when `color`.
fn verdict_cell(verdict: Verdict, color: bool) -> Cell {
    let cell = Cell::new(verdict.as_str());
    if color {
        cell.fg(verdict_color(verdict))
    } else {
        cell
    }
}

/// A verdict in running text: ANSI SGR colour codes around it when `color`.
fn verdict_text(verdict: Verdict, color: bool) -> String {
    if !color {
        return verdict.to_string();
    }
    let code = match verdict {
        Verdict::Fail => "31",
        Verdict::Unknown => "33",
        Verdict::Pass => "32",
        Verdict::Error => "35",
        Verdict::NotApplicable => "90",
    };
    format!("\x1b[1;{code}m{verdict}\x1b[0m")
}

fn new_table(header: &[&str], color: bool) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    if color {
        // Colour was decided by the caller, not by comfy-table's own check
        // of stdout (the output may be any writer).
        table.enforce_styling();
        table.style_text_only();
    }
    table
}

/// The table without colours.
pub fn write_table(out: &mut dyn Write, reports: &[BundleReport]) -> io::Result<()> {
    write_table_colored(out, reports, false)
}

/// The table, with verdicts coloured when `color`.
pub fn write_table_colored(
    out: &mut dyn Write,
    reports: &[BundleReport],
    color: bool,
) -> io::Result<()> {
    match reports {
        [] => writeln!(out, "No bundles."),
        [report] => write_one(out, report, color),
        many => write_many(out, many, color),
    }
}

fn write_one(out: &mut dyn Write, report: &BundleReport, color: bool) -> io::Result<()> {
    writeln!(out, "Bundle:      {}", report.bundle)?;
    writeln!(out, "Verdict:     {}", verdict_text(report.verdict, color))?;
    writeln!(
        out,
        "Computer:    {}",
        report.computer_name.as_deref().unwrap_or("(unknown)")
    )?;
    writeln!(
        out,
        "Control set: {}",
        report.control_set.as_deref().unwrap_or("(unknown)")
    )?;
    if !report.checks.is_empty() {
        let mut table = new_table(&["Check", "Verdict", "Summary", "Remediation"], color);
        for check in &report.checks {
            table.add_row(vec![
                Cell::new(&check.id),
                verdict_cell(check.verdict, color),
                Cell::new(&check.summary),
                Cell::new(check.remediation.as_deref().unwrap_or_default()),
            ]);
        }
        writeln!(out, "{table}")?;
    }
    write_errors(out, report)
}

fn write_errors(out: &mut dyn Write, report: &BundleReport) -> io::Result<()> {
    if !report.errors.is_empty() {
        writeln!(out, "Problems reading {}:", report.bundle)?;
        for error in &report.errors {
            writeln!(out, "  - {error}")?;
        }
    }
    Ok(())
}

fn write_many(out: &mut dyn Write, reports: &[BundleReport], color: bool) -> io::Result<()> {
    let mut summary = new_table(
        &["Bundle", "Verdict", "Computer", "Failing / unknown checks"],
        color,
    );
    for report in reports {
        let open: Vec<String> = report
            .checks
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Unknown))
            .map(|c| format!("{} ({})", c.id, c.verdict))
            .collect();
        let note = if report.verdict == Verdict::Error {
            report.errors.first().cloned().unwrap_or_default()
        } else {
            open.join(", ")
        };
        summary.add_row(vec![
            Cell::new(&report.bundle),
            verdict_cell(report.verdict, color),
            Cell::new(report.computer_name.as_deref().unwrap_or_default()),
            Cell::new(note),
        ]);
    }
    writeln!(out, "{summary}")?;

    let failing: Vec<_> = reports
        .iter()
        .flat_map(|r| r.checks_with(Verdict::Fail).map(move |c| (r, c)))
        .collect();
    if !failing.is_empty() {
        let mut table = new_table(
            &["Bundle", "Failing check", "Summary", "Remediation"],
            color,
        );
        for (report, check) in failing {
            table.add_row(vec![
                report.bundle.clone(),
                check.id.clone(),
                check.summary.clone(),
                check.remediation.clone().unwrap_or_default(),
            ]);
        }
        writeln!(out, "{table}")?;
    }

    let counts = verdict_counts(reports);
    writeln!(out, "{} bundles: {counts}", reports.len())
}

/// `2 pass, 1 fail, ...` in a fixed order, leaving out zeros.
pub fn verdict_counts(reports: &[BundleReport]) -> String {
    [
        Verdict::Fail,
        Verdict::Unknown,
        Verdict::Error,
        Verdict::Pass,
        Verdict::NotApplicable,
    ]
    .iter()
    .filter_map(|&verdict| {
        let n = reports.iter().filter(|r| r.verdict == verdict).count();
        (n > 0).then(|| format!("{n} {verdict}"))
    })
    .collect::<Vec<_>>()
    .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(verdict: Verdict) -> BundleReport {
        let mut report = BundleReport::unreadable("b.zip", "why");
        report.verdict = verdict;
        report
    }

    fn render(reports: &[BundleReport], color: bool) -> String {
        let mut out = Vec::new();
        write_table_colored(&mut out, reports, color).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn verdicts_are_coloured_only_when_asked() {
        let one = [report(Verdict::Fail)];
        assert!(render(&one, true).contains("\x1b[1;31mfail\x1b[0m"));
        assert!(!render(&one, false).contains('\x1b'));
        let many = [report(Verdict::Pass), report(Verdict::Error)];
        let colored = render(&many, true);
        // comfy-table's SGR codes for green and magenta, around the text only.
        assert!(colored.contains("\x1b[38;5;10mpass\x1b[39m"), "{colored:?}");
        assert!(
            colored.contains("\x1b[38;5;13merror\x1b[39m"),
            "{colored:?}"
        );
        assert!(!render(&many, false).contains('\x1b'));
    }
}
