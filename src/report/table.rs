//! The `table` format, for people at a terminal: one bundle shows its
//! checks with verdict, summary and fix; several show a line per bundle,
//! then totals: bundles per verdict, failing checks by how many bundles
//! fail them, and the bundles failing each. Verdicts are coloured when asked to
//! (`--color`, decided by the command line from the terminal and NO_COLOR).

use super::BundleReport;
use crate::rules::Verdict;
use comfy_table::{Cell, Color, ContentArrangement, Table, presets};
use std::collections::BTreeMap;
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
        let mut note = if report.verdict == Verdict::Error {
            report.errors.first().cloned().unwrap_or_default()
        } else {
            open.join(", ")
        };
        // A verdict from a hive read without its logs' changes is marked,
        // so it never looks like a clean one.
        if report
            .checks
            .iter()
            .any(|c| c.evidence.contains_key("hive_logs_not_applied"))
        {
            if !note.is_empty() {
                note.push_str("; ");
            }
            note.push_str("stale data: hive logs not applied");
        }
        summary.add_row(vec![
            Cell::new(&report.bundle),
            verdict_cell(report.verdict, color),
            Cell::new(report.computer_name.as_deref().unwrap_or_default()),
            Cell::new(note),
        ]);
    }
    writeln!(out, "{summary}")?;

    write_totals(out, reports, color)
}

/// The end of a batch's table: bundles per verdict, then each failing
/// check with how many bundles fail it (most first), then the bundles
/// that fail each check, so a support team sees the common causes first.
fn write_totals(out: &mut dyn Write, reports: &[BundleReport], color: bool) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "Totals: {} bundles", reports.len())?;
    for verdict in VERDICT_ORDER {
        let count = reports.iter().filter(|r| r.verdict == verdict).count();
        if count > 0 {
            writeln!(out, "  {count:>6} {}", verdict_text(verdict, color))?;
        }
    }
    let failing = failing_checks(reports);
    if failing.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "Failing checks:")?;
    for (id, bundles) in &failing {
        let noun = if bundles.len() == 1 {
            "bundle fails"
        } else {
            "bundles fail"
        };
        writeln!(out, "  {} {noun} {id}", bundles.len())?;
    }
    for (id, bundles) in &failing {
        writeln!(out)?;
        writeln!(out, "Bundles failing {id}:")?;
        for bundle in bundles {
            writeln!(out, "  {bundle}")?;
        }
    }
    Ok(())
}

/// Each failing check id with the bundles failing it (in input order),
/// the most common first, then by id.
fn failing_checks(reports: &[BundleReport]) -> Vec<(&str, Vec<&str>)> {
    let mut by_id: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for report in reports {
        for check in report.checks_with(Verdict::Fail) {
            by_id
                .entry(check.id.as_str())
                .or_default()
                .push(report.bundle.as_str());
        }
    }
    let mut failing: Vec<_> = by_id.into_iter().collect();
    // Stable: equal counts stay in id order.
    failing.sort_by_key(|(_, bundles)| std::cmp::Reverse(bundles.len()));
    failing
}

/// The order verdicts are counted in: what needs attention first.
const VERDICT_ORDER: [Verdict; 5] = [
    Verdict::Fail,
    Verdict::Unknown,
    Verdict::Error,
    Verdict::Pass,
    Verdict::NotApplicable,
];

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

    /// A bundle whose checks have the given verdicts.
    fn bundle(name: &str, checks: &[(&str, Verdict)]) -> BundleReport {
        let mut report = BundleReport::unreadable(name, "why");
        report.errors.clear();
        report.checks = checks
            .iter()
            .map(|(id, verdict)| crate::rules::CheckResult {
                id: id.to_string(),
                verdict: *verdict,
                summary: String::new(),
                evidence: Default::default(),
                remediation: None,
                fix: Vec::new(),
                remediation_forms: Vec::new(),
            })
            .collect();
        report.verdict = if checks.iter().any(|(_, v)| *v == Verdict::Fail) {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        report
    }

    #[test]
    fn a_batch_ends_with_totals_and_failing_checks_grouped_most_common_first() {
        let (acl, am) = ("Q306957.pickup-acl", "Q306957.active-messaging");
        let reports = [
            bundle("a.zip", &[(am, Verdict::Pass), (acl, Verdict::Fail)]),
            bundle("b.zip", &[(am, Verdict::Fail), (acl, Verdict::Fail)]),
            bundle("c.zip", &[(am, Verdict::Pass), (acl, Verdict::Pass)]),
            bundle("d.zip", &[(am, Verdict::Pass), (acl, Verdict::Fail)]),
            report(Verdict::Error),
        ];
        let table = render(&reports, false);
        let tail = &table[table.find("Totals:").expect("totals")..];
        assert_eq!(
            tail,
            "Totals: 5 bundles\n\
             \x20\x20     3 fail\n\
             \x20\x20     1 error\n\
             \x20\x20     1 pass\n\
             \n\
             Failing checks:\n\
             \x20\x203 bundles fail Q306957.pickup-acl\n\
             \x20\x201 bundle fails Q306957.active-messaging\n\
             \n\
             Bundles failing Q306957.pickup-acl:\n\
             \x20\x20a.zip\n\
             \x20\x20b.zip\n\
             \x20\x20d.zip\n\
             \n\
             Bundles failing Q306957.active-messaging:\n\
             \x20\x20b.zip\n"
        );
    }

    #[test]
    fn without_failures_only_the_totals_end_the_table() {
        let reports = [report(Verdict::Pass), report(Verdict::Unknown)];
        let table = render(&reports, false);
        assert!(
            table.ends_with("Totals: 2 bundles\n       1 unknown\n       1 pass\n"),
            "{table}"
        );
        assert!(!table.contains("Failing checks"));
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
