//! The `markdown` format, for tickets: per bundle a headline (verdict,
//! bundle, computer), a section per failing or unknown check with its
//! evidence as a two-column table and its fix as a code block, then short
//! lists of what passed and what did not apply.
//!
//! Everything in a report may come from the customer's bundle (entry names,
//! computer and account names, paths, registry data), so all text is
//! escaped: it renders as the same text in any CommonMark / GitHub viewer,
//! never as HTML, links, emphasis or extra table cells, and a fix cannot
//! close its code block early.

use super::BundleReport;
use crate::rules::check::evidence_text;
use crate::rules::{CheckResult, Evidence, RemediationForm, Verdict};
use serde_json::Value;
use std::io::{self, Write};

pub fn write_markdown(out: &mut dyn Write, reports: &[BundleReport]) -> io::Result<()> {
    for (i, report) in reports.iter().enumerate() {
        if i > 0 {
            // A blank line before keeps `---` a thematic break, never a
            // heading underline.
            writeln!(out)?;
            writeln!(out, "---")?;
            writeln!(out)?;
        }
        write_one(out, report)?;
    }
    Ok(())
}

fn write_one(out: &mut dyn Write, report: &BundleReport) -> io::Result<()> {
    let computer = report.computer_name.as_deref();
    writeln!(
        out,
        "# {}: {}{}",
        report.verdict.as_str().replace('_', " ").to_uppercase(),
        escape(&report.bundle),
        computer.map_or_else(String::new, |name| format!(" ({})", escape(name)))
    )?;
    writeln!(out)?;
    writeln!(out, "- Computer: {}", escape(computer.unwrap_or("unknown")))?;
    if let Some(windows) = &report.windows {
        writeln!(out, "- Windows: {}", escape(&windows.describe()))?;
    }
    writeln!(
        out,
        "- Control set: {}",
        escape(report.control_set.as_deref().unwrap_or("unknown"))
    )?;
    if !report.checks.is_empty() {
        writeln!(out, "- Checks: {}", check_counts(&report.checks))?;
    }

    for check in report
        .checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Unknown))
    {
        write_open_check(out, check)?;
    }

    for (verdict, title) in [
        (Verdict::Pass, "Passing checks"),
        (Verdict::NotApplicable, "Not applicable"),
    ] {
        let checks: Vec<_> = report.checks_with(verdict).collect();
        if checks.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "## {title}")?;
        writeln!(out)?;
        for check in checks {
            writeln!(
                out,
                "- **{}**: {}",
                escape(&check.id),
                escape(&check.summary)
            )?;
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

/// `1 fail, 2 pass` in a fixed order, leaving out zeros.
fn check_counts(checks: &[CheckResult]) -> String {
    [
        Verdict::Fail,
        Verdict::Unknown,
        Verdict::Pass,
        Verdict::NotApplicable,
    ]
    .iter()
    .filter_map(|&verdict| {
        let n = checks.iter().filter(|c| c.verdict == verdict).count();
        (n > 0).then(|| format!("{n} {verdict}"))
    })
    .collect::<Vec<_>>()
    .join(", ")
}

fn write_open_check(out: &mut dyn Write, check: &CheckResult) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "## {} — {}", escape(&check.id), check.verdict)?;
    writeln!(out)?;
    writeln!(out, "{}", paragraph(&check.summary))?;
    let rows = evidence_rows(&check.evidence);
    if !rows.is_empty() {
        writeln!(out)?;
        writeln!(out, "| Evidence | Value |")?;
        writeln!(out, "|---|---|")?;
        for (key, value) in rows {
            writeln!(out, "| {} | {} |", cell(&key), cell(&value))?;
        }
    }
    if !check.remediation_forms.is_empty() {
        for form in &check.remediation_forms {
            write_form(out, form)?;
        }
    } else if let Some(fix) = &check.remediation {
        writeln!(out)?;
        writeln!(out, "**Fix:**")?;
        writeln!(out)?;
        write_code_block(out, fix, "")?;
    }
    Ok(())
}

/// One form of a fix: its steps as a numbered list, each step's commands
/// in a code block under it (prose and commands apart, so the commands can
/// be copied whole), then the files it reads and how to undo it.
fn write_form(out: &mut dyn Write, form: &RemediationForm) -> io::Result<()> {
    writeln!(out)?;
    if form
        .windows
        .starts_with(super::remediation::UNKNOWN_VERSION)
    {
        writeln!(out, "**Fix, {}:**", escape(&form.windows))?;
    } else {
        writeln!(out, "**Fix on {}:**", escape(&form.windows))?;
    }
    writeln!(out)?;
    for (number, step) in form.steps.iter().enumerate() {
        let marker = format!("{}. ", number + 1);
        writeln!(out, "{marker}{}", escape(step.text.trim()))?;
        if !step.commands.is_empty() {
            writeln!(out)?;
            write_code_block(out, &step.commands.join("\n"), &" ".repeat(marker.len()))?;
        }
    }
    for file in &form.files {
        writeln!(out)?;
        writeln!(out, "**{}:**", escape(&file.name))?;
        writeln!(out)?;
        write_code_block(out, &file.lines.join("\n"), "")?;
    }
    if !form.undo.is_empty() {
        writeln!(out)?;
        writeln!(out, "**To undo:**")?;
        writeln!(out)?;
        for step in &form.undo {
            writeln!(out, "- {}", escape(step.text.trim()))?;
            if !step.commands.is_empty() {
                writeln!(out)?;
                write_code_block(out, &step.commands.join("\n"), "  ")?;
            }
        }
    }
    Ok(())
}

/// A fenced code block whose fence is longer than any run of backticks in
/// `text`, so nothing in it can close the block; every line indented by
/// `indent` (to sit inside a list item).
fn write_code_block(out: &mut dyn Write, text: &str, indent: &str) -> io::Result<()> {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    writeln!(out, "{indent}{fence}text")?;
    for line in text.lines() {
        writeln!(
            out,
            "{indent}{}",
            line.replace(|c: char| c.is_control(), " ")
        )?;
    }
    writeln!(out, "{indent}{fence}")
}

/// Evidence as (name, text) rows, kept short: nested objects become
/// dotted names (`token.account_sid`), each object in a list one row
/// (`snapshots.1`: `source: ...; line: 1; ...`), lists of plain values one
/// row joined with commas.
fn evidence_rows(evidence: &Evidence) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for (key, value) in evidence {
        flatten(key, value, &mut rows);
    }
    rows
}

fn flatten(name: &str, value: &Value, rows: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                flatten(&format!("{name}.{key}"), inner, rows);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
            for (i, item) in items.iter().enumerate() {
                rows.push((format!("{name}.{}", i + 1), inline_text(item)));
            }
        }
        other => rows.push((name.to_string(), inline_text(other))),
    }
}

/// A value on one line: objects as `key: value; ...`, lists joined with
/// commas, empty ones as `none`.
fn inline_text(value: &Value) -> String {
    match value {
        Value::Object(map) if map.is_empty() => "none".to_string(),
        Value::Array(items) if items.is_empty() => "none".to_string(),
        Value::Object(map) => map
            .iter()
            .map(|(key, inner)| format!("{key}: {}", inline_text(inner)))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Array(items) => items.iter().map(inline_text).collect::<Vec<_>>().join(", "),
        other => evidence_text(other),
    }
}

/// Escapes every character Markdown could read as syntax in running text
/// (emphasis, code, links, HTML, entities, table cells, headings), and
/// replaces control characters with spaces.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.push(' ');
            continue;
        }
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '&' | '~' | '!'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A paragraph of escaped text: on one line, and not starting like a list
/// item, heading underline, block quote or numbered list.
fn paragraph(text: &str) -> String {
    let escaped = escape(text.trim());
    let starts_block = escaped.starts_with(['-', '+', '=', '>'])
        || escaped
            .char_indices()
            .find(|(_, c)| !c.is_ascii_digit())
            .is_some_and(|(i, c)| i > 0 && matches!(c, '.' | ')'));
    if starts_block {
        // A backslash before ASCII punctuation keeps it literal; before a
        // digit it would show, so escape the punctuation after the digits.
        match escaped.find(|c: char| !c.is_ascii_digit()) {
            Some(0) | None => format!("\\{escaped}"),
            Some(at) => format!("{}\\{}", &escaped[..at], &escaped[at..]),
        }
    } else {
        escaped
    }
}

/// A table cell: escaped, on one line, never empty.
fn cell(text: &str) -> String {
    let escaped = escape(text.trim());
    if escaped.is_empty() {
        "—".to_string()
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, paragraph};

    #[test]
    fn text_that_looks_like_syntax_is_escaped() {
        assert_eq!(escape("<b>a|b</b>"), "\\<b\\>a\\|b\\</b\\>");
        assert_eq!(
            escape("IUSR_X *x* [l](u) &amp;"),
            "IUSR\\_X \\*x\\* \\[l\\](u) \\&amp;"
        );
        assert_eq!(escape("a\nb\tc"), "a b c");
        assert_eq!(paragraph("- item"), "\\- item");
        assert_eq!(paragraph("12. twelve"), "12\\. twelve");
        assert_eq!(paragraph("1999 was"), "1999 was");
        assert_eq!(paragraph("plain"), "plain");
    }
}
