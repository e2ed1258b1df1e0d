//! Reports: one per bundle, rendered as table, JSON, JSONL, CSV, Markdown or
//! one HTML page.
//!
//! Renderers write to any `io::Write` they are given, never to a global, so
//! tests capture their output in memory.

pub mod collect_script;
mod csv;
pub mod fix_files;
pub mod html;
mod markdown;
pub mod reg_query;
mod table;

pub use csv::{write_csv, write_csv_header, write_csv_rows};
pub use markdown::write_markdown;
pub use table::{write_table, write_table_colored};

use crate::registry::windows_version::WindowsVersion;
use crate::rules::{CheckResult, Verdict};
use crate::source::SourceEntry;
use serde::Serialize;
use std::io::{self, Write};

/// The report for one bundle, exactly the contract's JSON shape (fields may
/// be added, never renamed).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BundleReport {
    pub bundle: String,
    pub verdict: Verdict,
    pub computer_name: Option<String>,
    pub control_set: Option<String>,
    pub sources: Vec<SourceEntry>,
    pub errors: Vec<String>,
    pub checks: Vec<CheckResult>,
    /// The server's Windows version from the SOFTWARE hive, when known
    /// (an addition to the contract's fields; fixes depend on it).
    pub windows: Option<WindowsVersion>,
}

impl BundleReport {
    /// The report of a bundle that could not be read at all.
    pub fn unreadable(bundle: impl Into<String>, why: impl Into<String>) -> BundleReport {
        BundleReport {
            bundle: bundle.into(),
            verdict: Verdict::Error,
            computer_name: None,
            control_set: None,
            sources: Vec::new(),
            errors: vec![why.into()],
            checks: Vec::new(),
            windows: None,
        }
    }

    /// Checks with the given verdict.
    pub fn checks_with(&self, verdict: Verdict) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(move |c| c.verdict == verdict)
    }
}

/// The output formats of `analyze`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    Markdown,
    /// One self-contained page for people (see [`html`]).
    Html,
}

/// One JSON Lines record: a whole report on one line, written as soon as
/// its bundle is done.
pub fn write_jsonl_line(out: &mut dyn Write, report: &BundleReport) -> io::Result<()> {
    serde_json::to_writer(&mut *out, report)?;
    out.write_all(b"\n")
}

/// The `json` format: one array holding every report, in input order.
pub fn write_json(out: &mut dyn Write, reports: &[BundleReport]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, reports)?;
    out.write_all(b"\n")
}

/// The process exit status for a set of reports: 1 if any check fails, else
/// 3 if anything is unknown or a bundle is `error`, else 0.
pub fn exit_code(reports: &[BundleReport]) -> u8 {
    exit_code_of(reports.iter().map(|report| report.verdict))
}

/// [`exit_code`] from the bundles' verdicts alone, for callers that do not
/// keep the reports (streamed output).
pub fn exit_code_of(verdicts: impl IntoIterator<Item = Verdict>) -> u8 {
    let (mut fail, mut open) = (false, false);
    for verdict in verdicts {
        fail |= verdict == Verdict::Fail;
        open |= matches!(verdict, Verdict::Unknown | Verdict::Error);
    }
    if fail {
        1
    } else if open {
        3
    } else {
        0
    }
}

/// Renders an evidence value for people: strings as they are, other JSON
/// compactly.
pub fn evidence_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => "—".to_string(),
        other => other.to_string(),
    }
}
