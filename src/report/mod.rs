//! Reports: one per bundle, rendered as table, JSON, JSONL, CSV, Markdown or
//! one HTML page.
//!
//! Renderers write to any `io::Write` they are given, never to a global, so
//! tests capture their output in memory.

pub mod collect_script;
mod csv;
pub mod fix_files;
pub mod html;
pub mod layout;
mod markdown;
pub mod reg_query;
pub mod remediation;
mod table;

pub use csv::{write_csv, write_csv_header, write_csv_rows};
pub use markdown::write_markdown;
pub use table::{DEFAULT_WIDTH, TableStyle, write_table, write_table_styled};

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
    /// Why this input was not analyzed at all: a file that looks like an
    /// archive hivetriage does not read (the verdict is then `error`).
    /// Absent for every other report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The tool that made the report.
    pub tool: ToolVersion,
    /// The version of each rule evaluated.
    pub rules: Vec<RuleVersion>,
    /// SHA-256 of the bundle's file, lower-case hex: what the engineer
    /// received, byte for byte. `null` for a directory bundle (it is no
    /// one file), with `--no-hash`, in outputs that do not show it (only
    /// the JSON formats hash), and when the file could not be read whole.
    pub sha256: Option<String>,
    /// When the analysis started: UTC, RFC 3339 with milliseconds.
    pub analyzed_at: String,
    /// How long the analysis took (hashing included), in milliseconds.
    pub analysis_ms: f64,
}

/// The tool's name and version, as `hivetriage --version` gives them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ToolVersion {
    pub name: &'static str,
    pub version: &'static str,
}

impl ToolVersion {
    pub fn current() -> ToolVersion {
        ToolVersion {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// A rule's article and version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleVersion {
    pub article: &'static str,
    pub version: &'static str,
}

/// Every rule's version.
pub fn rule_versions() -> Vec<RuleVersion> {
    crate::rules::all()
        .iter()
        .map(|rule| RuleVersion {
            article: rule.article(),
            version: rule.version(),
        })
        .collect()
}

/// A time as RFC 3339 in UTC with milliseconds, e.g.
/// `2024-05-01T09:30:00.125Z` (the proleptic Gregorian calendar from the
/// days since 1970, as `date -u` counts them).
pub fn utc_timestamp(time: std::time::SystemTime) -> String {
    let since = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since.as_secs();
    let (days, of_day) = (seconds / 86_400, seconds % 86_400);
    // Days to a civil date: eras of 400 years (146,097 days) from 0000-03-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        since.subsec_millis()
    )
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
            skipped: None,
            tool: ToolVersion::current(),
            rules: rule_versions(),
            sha256: None,
            analyzed_at: utc_timestamp(std::time::SystemTime::now()),
            analysis_ms: 0.0,
        }
    }

    /// The report of an input skipped on purpose: `why` says what it is
    /// and what to do (an archive hivetriage does not read).
    pub fn skipped(bundle: impl Into<String>, why: impl Into<String>) -> BundleReport {
        let bundle = bundle.into();
        let why = why.into();
        let mut report = BundleReport::unreadable(&bundle, format!("{bundle}: skipped: {why}"));
        report.skipped = Some(why);
        report
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

#[cfg(test)]
mod tests {
    use super::utc_timestamp;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_are_utc_rfc3339() {
        // Values checked with `date -u -d @SECONDS +%FT%T`.
        let at = |seconds: u64, millis: u64| {
            utc_timestamp(UNIX_EPOCH + Duration::from_millis(seconds * 1000 + millis))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_709_251_199, 999), "2024-02-29T23:59:59.999Z");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000Z");
    }
}
