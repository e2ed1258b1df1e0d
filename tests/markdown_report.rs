//! `--format markdown` renders cleanly in Markdown viewers: parsed with
//! pulldown-cmark (GitHub's table dialect), every report has its headline,
//! a section per failing or unknown check, evidence tables whose rows all
//! have two cells, fixes in closed code blocks holding exactly the fix, and
//! no HTML, whatever the bundle's strings contain.

use hivetriage::analyze::{AnalyzeOptions, analyze_location};
use hivetriage::bundle::BundleLocation;
use hivetriage::report::{BundleReport, write_markdown};
use hivetriage::rules::{CheckResult, Evidence, Verdict};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde_json::json;
use std::path::Path;

fn sample_report(file_name: &str) -> BundleReport {
    analyze_location(
        &BundleLocation {
            path: Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("samples")
                .join(file_name),
            display_name: format!("samples/{file_name}"),
        },
        &AnalyzeOptions::default(),
    )
}

fn markdown(reports: &[BundleReport]) -> String {
    let mut out = Vec::new();
    write_markdown(&mut out, reports).unwrap();
    String::from_utf8(out).unwrap()
}

/// What a viewer would show, structurally.
#[derive(Debug, Default)]
struct Rendered {
    headings: Vec<(HeadingLevel, String)>,
    /// Each table: its rows (header first), each a list of cell texts.
    tables: Vec<Vec<Vec<String>>>,
    /// Each fenced code block's text.
    code_blocks: Vec<String>,
    html: Vec<String>,
    /// All text shown, in order.
    text: String,
    unclosed: usize,
}

fn render(markdown: &str) -> Rendered {
    let mut rendered = Rendered::default();
    let mut heading: Option<(HeadingLevel, String)> = None;
    let mut code: Option<String> = None;
    let mut cell: Option<String> = None;
    let mut depth = 0usize;
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    for event in Parser::new_ext(markdown, options) {
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            _ => {}
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => heading = Some((level, String::new())),
            Event::End(TagEnd::Heading(_)) => rendered.headings.extend(heading.take()),
            Event::Start(Tag::CodeBlock(kind)) => {
                assert!(
                    matches!(kind, CodeBlockKind::Fenced(_)),
                    "only fenced blocks"
                );
                code = Some(String::new());
            }
            Event::End(TagEnd::CodeBlock) => rendered.code_blocks.extend(code.take()),
            Event::Start(Tag::Table(_)) => rendered.tables.push(Vec::new()),
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => {
                rendered.tables.last_mut().unwrap().push(Vec::new())
            }
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => {
                let text = cell.take().unwrap();
                let table = rendered.tables.last_mut().unwrap();
                table.last_mut().unwrap().push(text);
            }
            Event::Html(raw) | Event::InlineHtml(raw) => rendered.html.push(raw.to_string()),
            Event::Text(text) | Event::Code(text) => {
                rendered.text.push_str(&text);
                if let Some((_, h)) = &mut heading {
                    h.push_str(&text);
                } else if let Some(c) = &mut code {
                    c.push_str(&text);
                } else if let Some(c) = &mut cell {
                    c.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => rendered.text.push('\n'),
            _ => {}
        }
    }
    rendered.unclosed = depth;
    rendered
}

/// The checks every report's rendering must satisfy.
fn assert_renders_cleanly(reports: &[BundleReport]) -> Rendered {
    let text = markdown(reports);
    let rendered = render(&text);
    assert!(
        rendered.html.is_empty(),
        "HTML in the output: {:?}\n{text}",
        rendered.html
    );
    assert_eq!(rendered.unclosed, 0, "unclosed blocks\n{text}");

    let h1: Vec<&String> = rendered
        .headings
        .iter()
        .filter(|(level, _)| *level == HeadingLevel::H1)
        .map(|(_, t)| t)
        .collect();
    assert_eq!(h1.len(), reports.len(), "one headline per bundle\n{text}");
    let mut fixes = Vec::new();
    let mut open_checks = 0;
    for (report, headline) in reports.iter().zip(&h1) {
        assert!(
            headline.starts_with(&format!(
                "{}: {}",
                report.verdict.as_str().replace('_', " ").to_uppercase(),
                report.bundle
            )),
            "headline {headline:?} names verdict and bundle"
        );
        if let Some(computer) = &report.computer_name {
            assert!(headline.ends_with(&format!("({computer})")), "{headline:?}");
        }
        for check in &report.checks {
            if matches!(check.verdict, Verdict::Fail | Verdict::Unknown) {
                open_checks += 1;
                let wanted = format!("{} — {}", check.id, check.verdict);
                assert!(
                    rendered
                        .headings
                        .iter()
                        .any(|(l, t)| *l == HeadingLevel::H2 && *t == wanted),
                    "no '## {wanted}'\n{text}"
                );
                if check.remediation_forms.is_empty() {
                    fixes.extend(check.remediation.clone());
                }
                // Per form: each step's commands, the files, each undo
                // step's commands, every one a code block of its own.
                for form in &check.remediation_forms {
                    let steps = form.steps.iter().map(|s| s.commands.join("\n"));
                    let files = form.files.iter().map(|f| f.lines.join("\n"));
                    let undo = form.undo.iter().map(|s| s.commands.join("\n"));
                    fixes.extend(
                        steps
                            .chain(files)
                            .chain(undo)
                            .filter(|block| !block.is_empty())
                            .map(|block| block.trim_end_matches('\n').to_string()),
                    );
                }
            } else {
                assert!(
                    rendered.text.contains(&check.summary),
                    "{}'s summary is listed\n{text}",
                    check.id
                );
            }
        }
    }
    // Tables: every row has the header's cell count (2 for evidence).
    assert!(rendered.tables.len() >= open_checks.min(1), "{text}");
    for table in &rendered.tables {
        assert_eq!(table[0], ["Evidence", "Value"]);
        for row in table {
            assert_eq!(row.len(), 2, "row {row:?}\n{text}");
        }
    }
    // Code blocks hold exactly the fixes, each whole.
    let blocks: Vec<String> = rendered
        .code_blocks
        .iter()
        .map(|b| b.trim_end_matches('\n').to_string())
        .collect();
    assert_eq!(blocks, fixes, "{text}");
    rendered
}

#[test]
fn sample_reports_render_cleanly() {
    let names = [
        "healthy.zip",
        "active-messaging-off.zip",
        "no-imc-rootdir.zip",
        "no-add-permission.zip",
        "guests-denied.zip",
        "not-exchange.zip",
    ];
    let reports: Vec<BundleReport> = names.iter().map(|n| sample_report(n)).collect();
    for report in &reports {
        assert_renders_cleanly(std::slice::from_ref(report));
    }
    let rendered = assert_renders_cleanly(&reports);
    // The guests-denied evidence table shows the deciding deny entry.
    assert!(
        rendered
            .tables
            .iter()
            .flatten()
            .any(|row| row[0] == "deciding_aces.1" && row[1].contains(r"name: BUILTIN\Guests")),
        "{:#?}",
        rendered.tables
    );
}

#[test]
fn markdown_snapshots() {
    insta::assert_snapshot!(
        "no_add_permission_markdown",
        markdown(&[sample_report("no-add-permission.zip")])
    );
    insta::assert_snapshot!(
        "batch_markdown",
        markdown(&[
            sample_report("healthy.zip"),
            sample_report("no-imc-rootdir.zip"),
            sample_report("not-exchange.zip"),
        ])
    );
}

/// A report whose every string is hostile Markdown.
fn hostile_report() -> BundleReport {
    let mut evidence = Evidence::new();
    evidence.insert("a|b".into(), json!("<img src=x onerror=alert(1)>"));
    evidence.insert(
        "multi\nline".into(),
        json!("first | cell\n| injected | row |\n---"),
    );
    evidence.insert(
        "nested".into(),
        json!({"list": ["*x*", "`y`"], "objects": [{"k": "[link](http://e)"}], "empty": []}),
    );
    evidence.insert("empty".into(), json!(""));
    let fix = "icacls \"C:\\x\" /grant \"A:(CI)(WD)\"\n```\n<b>not html</b>\n````\nend";
    BundleReport {
        bundle: "cases/<script>alert(1)</script>|`x`#[a](b).zip".into(),
        verdict: Verdict::Fail,
        computer_name: Some("EX|CH<b>01</b>_*".into()),
        control_set: Some("ControlSet001".into()),
        sources: Vec::new(),
        errors: vec!["entry <x>: & broken | ```".into()],
        checks: vec![
            CheckResult {
                id: "Q306957.pickup-acl".into(),
                verdict: Verdict::Fail,
                summary: "- 1. > # not a heading <b>bold</b> ```".into(),
                evidence,
                remediation: Some(fix.into()),
                fix: Vec::new(),
                remediation_forms: Vec::new(),
            },
            CheckResult {
                id: "Q306957.active-messaging".into(),
                verdict: Verdict::Pass,
                summary: "12. passed <i>ok</i> | done".into(),
                evidence: Evidence::new(),
                remediation: None,
                fix: Vec::new(),
                remediation_forms: Vec::new(),
            },
        ],
        windows: None,
        // The fields added since (tool, rules, hash, time) as any report has them.
        ..BundleReport::unreadable("", "")
    }
}

#[test]
fn bundle_supplied_strings_never_become_markup() {
    let report = hostile_report();
    let rendered = assert_renders_cleanly(std::slice::from_ref(&report));
    let table = &rendered.tables[0];
    let names: Vec<&str> = table[1..].iter().map(|row| row[0].as_str()).collect();
    assert_eq!(
        names,
        [
            "a|b",
            "multi line",
            "nested.list",
            "nested.objects.1",
            "nested.empty",
            "empty"
        ]
    );
    assert_eq!(table[1][1], "<img src=x onerror=alert(1)>");
    assert_eq!(table[2][1], "first | cell | injected | row | ---");
    assert_eq!(table[3][1], "*x*, `y`");
    assert_eq!(table[4][1], "k: [link](http://e)");
    assert_eq!(table[5][1], "none");
    // Every string shows as itself: nothing was taken as syntax.
    for shown in [
        report.bundle.as_str(),
        "EX|CH<b>01</b>_*",
        "- 1. > # not a heading <b>bold</b> ```",
        "12. passed <i>ok</i> | done",
        "entry <x>: & broken | ```",
    ] {
        assert!(
            rendered.text.contains(shown),
            "{shown:?} not shown as text:\n{}",
            rendered.text
        );
    }
}
