//! The `table` format, for people at a terminal.
//!
//! **One bundle** is shown as a header (bundle, verdict, computer, Windows
//! version, control set) and then one block per check: its verdict and id,
//! its summary, its key evidence as `label  text` lines (what the rule
//! picks from the check's evidence: `rules::key_evidence`), and, when it
//! fails, its fix. Blocks rather than a table of columns: a check's
//! evidence is several labelled lines (a registry value with its type, a
//! path, the deciding ACE, the token's groups), which in table cells would
//! be squeezed into narrow columns; a block gives every line the whole
//! width, so paths and commands fit unbroken even at 80 columns.
//!
//! **Several bundles** are a table of one row per bundle (verdict,
//! computer, Windows, the failing or unknown checks or why the bundle could
//! not be read), then totals: bundles per verdict, failing checks by how
//! many bundles fail them, and the bundles failing each. When the columns
//! cannot fit the width, each row becomes a block of `header  value` lines.
//!
//! **Width.** Text is wrapped to the width the command line gives (the
//! terminal's, `COLUMNS`, or 100 in a pipe) at spaces between units that
//! are never broken: commands, paths, SIDs (`layout`). A unit longer than
//! the width gets a line of its own. With `--wide` nothing is wrapped:
//! one line per check (one bundle) or per bundle (several), for wide
//! terminals, `less -S` and grep.
//!
//! Everything from a bundle is escaped (`crate::escape`); verdicts are
//! coloured when asked to (`--color`, decided by the command line).

use super::BundleReport;
use super::layout::{Cell, Grid, push_wrapped, push_wrapped_keeping, width};
use crate::escape::escape;
use crate::registry::windows_version::WindowsVersion;
use crate::rules::{CheckResult, KeyEvidence, RemediationForm, Verdict, key_evidence};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// How a table is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableStyle {
    /// Colour the verdicts (ANSI SGR).
    pub color: bool,
    /// Columns to fit; `None` (`--wide`): one line per check or bundle.
    pub width: Option<usize>,
}

/// Columns when nothing says otherwise: what fits a pipe or a log.
pub const DEFAULT_WIDTH: usize = 100;

/// Narrower than this is not honoured: a few words per line help no one.
pub const MIN_WIDTH: usize = 40;

impl Default for TableStyle {
    fn default() -> Self {
        TableStyle {
            color: false,
            width: Some(DEFAULT_WIDTH),
        }
    }
}

/// The SGR code of a verdict's colour: red fail, yellow unknown, green
/// pass, magenta error, grey not applicable.
fn verdict_code(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Fail => "1;31",
        Verdict::Unknown => "1;33",
        Verdict::Pass => "1;32",
        Verdict::Error => "1;35",
        Verdict::NotApplicable => "90",
    }
}

/// A verdict (or a word standing for one) in running text: coloured when
/// `color`.
fn verdict_text(verdict: Verdict, word: &str, color: bool) -> String {
    if color {
        format!("\x1b[{}m{word}\x1b[0m", verdict_code(verdict))
    } else {
        word.to_string()
    }
}

/// The table, plain, 100 columns wide.
pub fn write_table(out: &mut dyn Write, reports: &[BundleReport]) -> io::Result<()> {
    write_table_styled(out, reports, TableStyle::default())
}

/// The table in the given style.
pub fn write_table_styled(
    out: &mut dyn Write,
    reports: &[BundleReport],
    style: TableStyle,
) -> io::Result<()> {
    let style = TableStyle {
        width: style.width.map(|w| w.max(MIN_WIDTH)),
        ..style
    };
    let text = match reports {
        [] => "No bundles.\n".to_string(),
        [report] => one_bundle(report, style),
        many => many_bundles(many, style),
    };
    out.write_all(text.as_bytes())
}

/// `Windows NT 4.0 (version 4.0, build 1381, Service Pack 6)`, or what is
/// known of it.
fn windows_words(windows: Option<&WindowsVersion>) -> String {
    windows.map_or_else(
        || "unknown (no SOFTWARE data)".to_string(),
        WindowsVersion::describe,
    )
}

/// `NT 4.0 SP6`, `2000 SP4`, `Server 2003 SP2`: for a column.
fn windows_short(windows: Option<&WindowsVersion>) -> String {
    let Some(windows) = windows else {
        return String::new();
    };
    let name = windows.name();
    let name = name
        .trim_start_matches("Microsoft ")
        .trim_start_matches("Windows ");
    match windows.service_pack_number() {
        0 => name.to_string(),
        sp => format!("{name} SP{sp}"),
    }
}

/// `1 fail, 2 pass`.
fn check_counts(checks: &[CheckResult]) -> String {
    let counts: Vec<String> = VERDICT_ORDER
        .iter()
        .filter_map(|&verdict| {
            let count = checks.iter().filter(|c| c.verdict == verdict).count();
            (count > 0).then(|| format!("{count} {verdict}"))
        })
        .collect();
    counts.join(", ")
}

fn one_bundle(report: &BundleReport, style: TableStyle) -> String {
    let columns = style.width.unwrap_or(usize::MAX);
    let mut out = String::new();
    let verdict = verdict_text(report.verdict, report.verdict.as_str(), style.color);
    let mut header: Vec<(&str, String)> = vec![
        ("Bundle", escape(&report.bundle).into_owned()),
        ("Verdict", verdict),
        (
            "Computer",
            escape(report.computer_name.as_deref().unwrap_or("(unknown)")).into_owned(),
        ),
        (
            "Windows",
            escape(&windows_words(report.windows.as_ref())).into_owned(),
        ),
        (
            "Control set",
            escape(report.control_set.as_deref().unwrap_or("(unknown)")).into_owned(),
        ),
    ];
    if !report.checks.is_empty() {
        header.push(("Checks", check_counts(&report.checks)));
    }
    let indent = " ".repeat(13);
    for (label, value) in &header {
        // A coloured verdict is one word: never wrapped.
        if value.contains('\x1b') {
            out.push_str(&format!("{label:<13}{value}\n"));
        } else {
            push_wrapped(&mut out, value, columns, &format!("{label:<13}"), &indent);
        }
    }
    match style.width {
        Some(_) => {
            for check in &report.checks {
                out.push('\n');
                check_block(&mut out, check, columns, style.color);
            }
        }
        None if !report.checks.is_empty() => {
            out.push('\n');
            out.push_str(&checks_wide(&report.checks, style.color));
        }
        None => {}
    }
    errors_block(&mut out, report, columns);
    out
}

/// One check: `verdict  id`, the summary, key evidence, and the fix.
fn check_block(out: &mut String, check: &CheckResult, columns: usize, color: bool) {
    out.push_str(&verdict_text(check.verdict, check.verdict.as_str(), color));
    out.push_str("  ");
    out.push_str(&escape(&check.id));
    out.push('\n');
    for line in check.summary.lines() {
        push_wrapped(out, &escape(line), columns, "  ", "  ");
    }
    let evidence = key_evidence(check);
    // Labels in a column of their own, as wide as the widest (at most 16:
    // a longer label pushes only its own text right).
    let label_width = evidence
        .iter()
        .map(|e| width(&e.label))
        .max()
        .unwrap_or(0)
        .min(16);
    let mut previous_label = None;
    for KeyEvidence {
        label,
        text,
        keep_whole,
    } in &evidence
    {
        // Lines with the same label in a row show it once.
        let shown = if previous_label == Some(label) {
            ""
        } else {
            label
        };
        previous_label = Some(label);
        let first = format!("  {:<label_width$}  ", escape(shown));
        let indent = " ".repeat(label_width + 4);
        let keep: Vec<String> = keep_whole.iter().map(|k| escape(k).into_owned()).collect();
        push_wrapped_keeping(out, &escape(text), columns, &first, &indent, &keep);
    }
    if !check.remediation_forms.is_empty() {
        fix_block(out, &check.remediation_forms, columns);
    } else if let Some(remediation) = &check.remediation {
        out.push_str("  fix:\n");
        for line in remediation.lines() {
            push_wrapped(out, &escape(line), columns, "    ", "    ");
        }
    }
}

/// The fix as the server's Windows takes it: each step's words wrapped,
/// each command on a line of its own and never wrapped (a terminal folds a
/// longer one, and it still pastes whole), then the files and the undo.
fn fix_block(out: &mut String, forms: &[RemediationForm], columns: usize) {
    for form in forms {
        push_wrapped(
            out,
            &format!("fix on {}:", escape(&form.windows)),
            columns,
            "  ",
            "    ",
        );
        let steps = form.steps.iter().map(|step| ("", step));
        let undo = form.undo.iter().map(|step| ("undo: ", step));
        for (number, (prefix, step)) in steps.chain(undo).enumerate() {
            let first = if prefix.is_empty() {
                format!("    {}. ", number + 1)
            } else {
                format!("    {prefix}")
            };
            let indent = " ".repeat(first.len());
            push_wrapped(out, &escape(&step.text), columns, &first, &indent);
            for command in &step.commands {
                out.push_str(&indent);
                out.push_str("  ");
                out.push_str(&escape(command));
                out.push('\n');
            }
        }
        for file in &form.files {
            out.push_str(&format!("    {}:\n", escape(&file.name)));
            for line in &file.lines {
                out.push_str("      ");
                out.push_str(&escape(line));
                out.push('\n');
            }
        }
    }
}

/// `--wide`: one line per check.
fn checks_wide(checks: &[CheckResult], color: bool) -> String {
    let mut grid = Grid::new(&["Check", "Verdict", "Summary", "Key evidence", "Fix"]);
    for check in checks {
        let evidence: Vec<String> = key_evidence(check)
            .iter()
            .map(|e| format!("{}: {}", e.label, e.text))
            .collect();
        let fix: Vec<&str> = check.remediation.iter().flat_map(|r| r.lines()).collect();
        grid.add_row(vec![
            Cell::new(escape(&check.id)),
            Cell::new(check.verdict.as_str()).colored(color.then(|| verdict_code(check.verdict))),
            Cell::new(escape(&check.summary.replace('\n', " "))),
            Cell::new(escape(&evidence.join("; "))),
            Cell::new(escape(&fix.join(" · "))),
        ]);
    }
    grid.render(None)
}

fn errors_block(out: &mut String, report: &BundleReport, columns: usize) {
    if report.errors.is_empty() {
        return;
    }
    out.push('\n');
    push_wrapped(
        out,
        &format!("Problems reading {}:", escape(&report.bundle)),
        columns,
        "",
        "  ",
    );
    for error in &report.errors {
        for (i, line) in error.lines().enumerate() {
            let first = if i == 0 { "  - " } else { "    " };
            push_wrapped(out, &escape(line), columns, first, "    ");
        }
    }
}

/// What a batch row says beside its verdict: the failing and unknown
/// checks, or why the bundle could not be read, and how many problems
/// reading it met.
fn bundle_note(report: &BundleReport) -> Vec<String> {
    if let Some(why) = &report.skipped {
        return vec![format!("skipped: {}", escape(why))];
    }
    if report.verdict == Verdict::Error {
        return report
            .errors
            .first()
            .map(|e| e.lines().map(|l| escape(l).into_owned()).collect())
            .unwrap_or_default();
    }
    let mut note: Vec<String> = report
        .checks
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Unknown))
        .map(|c| format!("{} ({})", escape(&c.id), c.verdict))
        .collect();
    // A verdict from a hive read without its logs' changes is marked, so
    // it never looks like a clean one.
    if report
        .checks
        .iter()
        .any(|c| c.evidence.contains_key("hive_logs_not_applied"))
    {
        note.push("stale data: hive logs not applied".to_string());
    }
    match report.errors.len() {
        0 => {}
        1 => note.push("1 problem reading it".to_string()),
        n => note.push(format!("{n} problems reading it")),
    }
    note
}

fn many_bundles(reports: &[BundleReport], style: TableStyle) -> String {
    let mut grid = Grid::new(&[
        "Bundle",
        "Verdict",
        "Computer",
        "Windows",
        "Failing / unknown checks",
    ]);
    for report in reports {
        let note = bundle_note(report);
        let note = match style.width {
            Some(_) => Cell::lines(note),
            None => Cell::new(note.join(", ")),
        };
        grid.add_row(vec![
            Cell::new(escape(&report.bundle)),
            Cell::new(report.verdict.as_str())
                .colored(style.color.then(|| verdict_code(report.verdict))),
            Cell::new(escape(report.computer_name.as_deref().unwrap_or_default())),
            Cell::new(escape(&windows_short(report.windows.as_ref()))),
            note,
        ]);
    }
    let mut out = if grid.fits(style.width) {
        grid.render(style.width)
    } else {
        bundle_list(reports, style)
    };
    totals(&mut out, reports, style.color);
    out
}

/// A batch too wide for columns: per bundle its verdict and name, then
/// (computer, Windows) and what fails, wrapped under the name.
fn bundle_list(reports: &[BundleReport], style: TableStyle) -> String {
    let columns = style.width.unwrap_or(usize::MAX);
    let verdict_width = reports
        .iter()
        .map(|r| r.verdict.as_str().len())
        .max()
        .unwrap_or(0);
    let indent = " ".repeat(verdict_width + 2);
    let mut out = String::new();
    for report in reports {
        let verdict = report.verdict.as_str();
        let pad = " ".repeat(verdict_width - verdict.len() + 2);
        let first = format!(
            "{}{pad}",
            verdict_text(report.verdict, verdict, style.color)
        );
        let mut head = escape(&report.bundle).into_owned();
        let about: Vec<String> = [
            report
                .computer_name
                .as_deref()
                .map(|c| escape(c).into_owned()),
            Some(windows_short(report.windows.as_ref())).filter(|w| !w.is_empty()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !about.is_empty() {
            head.push_str(&format!(" ({})", about.join(", ")));
        }
        let keep = [escape(&report.bundle).into_owned()];
        push_wrapped_keeping(&mut out, &head, columns, &first, &indent, &keep);
        for line in bundle_note(report) {
            push_wrapped(&mut out, &line, columns, &indent, &indent);
        }
    }
    out
}

/// The end of a batch's table: bundles per verdict, then each failing
/// check with how many bundles fail it (most first), then the bundles
/// that fail each check, so a support team sees the common causes first.
fn totals(out: &mut String, reports: &[BundleReport], color: bool) {
    out.push_str(&format!("\nTotals: {} bundles\n", reports.len()));
    for verdict in VERDICT_ORDER {
        let count = reports.iter().filter(|r| r.verdict == verdict).count();
        if count > 0 {
            let skipped = reports.iter().filter(|r| r.skipped.is_some()).count();
            let note = if verdict == Verdict::Error && skipped > 0 {
                format!(" ({skipped} skipped: archives hivetriage does not read)")
            } else {
                String::new()
            };
            out.push_str(&format!(
                "  {count:>6} {}{note}\n",
                verdict_text(verdict, verdict.as_str(), color)
            ));
        }
    }
    let failing = failing_checks(reports);
    if failing.is_empty() {
        return;
    }
    out.push_str("\nFailing checks:\n");
    for (id, bundles) in &failing {
        let noun = if bundles.len() == 1 {
            "bundle fails"
        } else {
            "bundles fail"
        };
        out.push_str(&format!("  {} {noun} {}\n", bundles.len(), escape(id)));
    }
    for (id, bundles) in &failing {
        out.push_str(&format!("\nBundles failing {}:\n", escape(id)));
        for bundle in bundles {
            out.push_str(&format!("  {}\n", escape(bundle)));
        }
    }
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
        let style = TableStyle {
            color,
            ..TableStyle::default()
        };
        write_table_styled(&mut out, reports, style).unwrap();
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
        assert!(colored.contains("\x1b[1;32mpass\x1b[0m"), "{colored:?}");
        assert!(colored.contains("\x1b[1;35merror\x1b[0m"), "{colored:?}");
        assert!(!render(&many, false).contains('\x1b'));
    }

    #[test]
    fn windows_is_shortened_for_a_column() {
        let version = |v: &str, sp: Option<&str>, product: Option<&str>| WindowsVersion {
            current_version: Some(v.to_string()),
            build: None,
            service_pack: sp.map(str::to_string),
            product_name: product.map(str::to_string),
        };
        assert_eq!(
            windows_short(Some(&version("4.0", Some("Service Pack 6a"), None))),
            "NT 4.0 SP6"
        );
        assert_eq!(
            windows_short(Some(&version(
                "5.2",
                Some("Service Pack 2"),
                Some("Microsoft Windows Server 2003")
            ))),
            "Server 2003 SP2"
        );
        assert_eq!(windows_short(None), "");
    }
}
