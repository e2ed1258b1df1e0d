//! The `markdown` format, for tickets: a headline per bundle, a section per
//! failing or unknown check with its evidence and fix, then what passed.

use super::{BundleReport, evidence_text};
use crate::rules::Verdict;
use std::io::{self, Write};

pub fn write_markdown(out: &mut dyn Write, reports: &[BundleReport]) -> io::Result<()> {
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_one(out, report)?;
    }
    Ok(())
}

fn write_one(out: &mut dyn Write, report: &BundleReport) -> io::Result<()> {
    writeln!(
        out,
        "# {}: {}",
        escape(&report.bundle),
        report.verdict.as_str().to_uppercase()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "- Computer: {}",
        escape(report.computer_name.as_deref().unwrap_or("unknown"))
    )?;
    writeln!(
        out,
        "- Control set: {}",
        escape(report.control_set.as_deref().unwrap_or("unknown"))
    )?;
    for check in report
        .checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Unknown))
    {
        writeln!(out)?;
        writeln!(out, "## {} — {}", escape(&check.id), check.verdict)?;
        writeln!(out)?;
        writeln!(out, "{}", escape(&check.summary))?;
        if !check.evidence.is_empty() {
            writeln!(out)?;
            writeln!(out, "| Evidence | Value |")?;
            writeln!(out, "|---|---|")?;
            for (key, value) in &check.evidence {
                writeln!(out, "| {} | {} |", cell(key), cell(&evidence_text(value)))?;
            }
        }
        if let Some(fix) = &check.remediation {
            writeln!(out)?;
            writeln!(out, "**Fix:**")?;
            writeln!(out)?;
            writeln!(out, "```")?;
            writeln!(out, "{fix}")?;
            writeln!(out, "```")?;
        }
    }
    let passed: Vec<_> = report.checks_with(Verdict::Pass).collect();
    if !passed.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Passing checks")?;
        writeln!(out)?;
        for check in passed {
            writeln!(out, "- {}: {}", escape(&check.id), escape(&check.summary))?;
        }
    }
    if !report.errors.is_empty() {
        writeln!(out)?;
        writeln!(out, "## Problems reading the bundle")?;
        writeln!(out)?;
        for error in &report.errors {
            writeln!(out, "- {}", escape(error))?;
        }
    }
    Ok(())
}

/// Escapes characters Markdown would interpret in running text.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A table cell: escaped, on one line.
fn cell(text: &str) -> String {
    escape(text).replace(['\r', '\n'], " ")
}
