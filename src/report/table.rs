//! The `table` format, for people at a terminal: one bundle shows its
//! checks with verdict, summary and fix; several show a line per bundle,
//! then the checks that fail.

use super::BundleReport;
use crate::rules::Verdict;
use comfy_table::{ContentArrangement, Table, presets};
use std::io::{self, Write};

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    table
}

pub fn write_table(out: &mut dyn Write, reports: &[BundleReport]) -> io::Result<()> {
    match reports {
        [] => writeln!(out, "No bundles."),
        [report] => write_one(out, report),
        many => write_many(out, many),
    }
}

fn write_one(out: &mut dyn Write, report: &BundleReport) -> io::Result<()> {
    writeln!(out, "Bundle:      {}", report.bundle)?;
    writeln!(out, "Verdict:     {}", report.verdict)?;
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
        let mut table = new_table(&["Check", "Verdict", "Summary", "Remediation"]);
        for check in &report.checks {
            table.add_row(vec![
                check.id.clone(),
                check.verdict.to_string(),
                check.summary.clone(),
                check.remediation.clone().unwrap_or_default(),
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

fn write_many(out: &mut dyn Write, reports: &[BundleReport]) -> io::Result<()> {
    let mut summary = new_table(&["Bundle", "Verdict", "Computer", "Failing / unknown checks"]);
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
            report.bundle.clone(),
            report.verdict.to_string(),
            report.computer_name.clone().unwrap_or_default(),
            note,
        ]);
    }
    writeln!(out, "{summary}")?;

    let failing: Vec<_> = reports
        .iter()
        .flat_map(|r| r.checks_with(Verdict::Fail).map(move |c| (r, c)))
        .collect();
    if !failing.is_empty() {
        let mut table = new_table(&["Bundle", "Failing check", "Summary", "Remediation"]);
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
