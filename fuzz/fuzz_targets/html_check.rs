//! The properties `html_page` checks, shared with the regression test
//! that replays saved inputs (`tests/html_fuzz_regressions.rs`).

use hivetriage::report::BundleReport;
use hivetriage::report::html::{HtmlPage, RunInfo, escape};
use hivetriage::rules::{CheckResult, Verdict};
use hivetriage::source::{SourceEntry, SourceKind};

fn report(texts: &[String]) -> BundleReport {
    let text = |i: usize| texts.get(i).cloned().unwrap_or_default();
    let mut evidence = serde_json::Map::new();
    evidence.insert(text(4), serde_json::Value::String(text(5)));
    let mut report = BundleReport::unreadable(text(0), text(2));
    report.verdict = Verdict::Fail;
    report.computer_name = Some(text(1));
    report.control_set = Some(text(2));
    report.sources = vec![SourceEntry {
        name: text(3),
        kind: SourceKind::Ignored,
        detail: text(5),
    }];
    report.checks = vec![CheckResult {
        id: "Q306957.pickup-acl".to_string(),
        verdict: Verdict::Fail,
        summary: text(3),
        evidence,
        remediation: Some(text(4)),
        fix: Vec::new(),
        remediation_forms: Vec::new(),
    }];
    report
}

/// What `add` writes for the report.
fn written(report: &BundleReport) -> String {
    let run = RunInfo::new(Vec::new(), Vec::new());
    let mut out = Vec::new();
    let mut page = HtmlPage::start(&mut out, &run).expect("in memory");
    let head = out.len();
    page.add(&mut out, 0, report).expect("in memory");
    String::from_utf8(out[head..].to_vec()).expect("UTF-8")
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// `data` split at 0xff bytes into the texts of a bundle's report (its
/// name, computer name, control set, source name and check summary,
/// evidence name and remediation, evidence value and source detail): the
/// markup written for the bundle has as many tags (`<`) as for a report
/// whose texts are all `x` (but for the folder separators a name may have,
/// which decide whether the name's folder part is set apart), its inline
/// JSON reads back as the report, and `escape` leaves no markup character
/// in any of the texts and reads back to a text without controls.
pub fn check_html_page(data: &[u8]) {
    let texts: Vec<String> = data
        .split(|b| *b == 0xff)
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect();
    let hostile = report(&texts);
    let plain_texts: Vec<String> = texts
        .iter()
        .map(|text| {
            text.chars()
                .map(|c| if c == '/' || c == '\\' { c } else { 'x' })
                .collect()
        })
        .collect();
    let plain = report(&plain_texts);
    let (hostile_out, plain_out) = (written(&hostile), written(&plain));
    assert_eq!(
        hostile_out.matches('<').count(),
        plain_out.matches('<').count(),
        "{hostile_out}"
    );
    // The inline JSON is the report.
    let start = hostile_out.find("id=d0>").expect("the data element") + "id=d0>".len();
    let end = hostile_out.rfind("</script>").expect("its end");
    let json: serde_json::Value = serde_json::from_str(&hostile_out[start..end]).expect("JSON");
    let mut expected = serde_json::to_value(&hostile).expect("serializes");
    expected["checks"][0]
        .as_object_mut()
        .expect("an object")
        .remove("fix_blocks");
    assert_eq!(json, expected);

    for text in &texts {
        let escaped = escape(text);
        assert!(!escaped.contains(['<', '>', '"', '\'']), "{escaped}");
        // Text without controls reads back as itself (controls become
        // visible marks instead).
        let shown_as_is = !text.chars().any(|c| {
            c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        });
        if shown_as_is {
            assert_eq!(&unescape(&escaped), text);
        }
    }
}
