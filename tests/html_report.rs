//! `--format html` in a real browser (Debian's headless Chromium, see
//! `common/browser.rs`): the counts, the chart and the rows equal the JSON
//! reports of the same bundles; filtering by a check shows exactly the
//! bundles failing it; sorting orders the rows; details show what the
//! report holds and the fix that `--fix-dir` writes; hostile names render
//! as text and run nothing; the Content-Security-Policy is in force and
//! the page asks nothing of the network; without scripts the summary and
//! the table are still there, the summary above the table; a large batch
//! shows a page of rows at a time, its counts over all. Skipped, with
//! the reason printed, when Chromium is not installed.

mod common;

use common::browser::{Browser, Page};
use common::run_hivetriage;
use hivetriage::fixture::batch::write_mixed_batch;
use hivetriage::fixture::scenario::{Scenario, pickup_sddl_read_only};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const CHECKS: [&str; 3] = [
    "Q306957.active-messaging",
    "Q306957.imc-rootdir",
    "Q306957.pickup-acl",
];

/// The HTML page and the JSON reports of the same inputs; the page is
/// written into `dir`.
/// A browser, or `None` after [`common::skip`] (which fails the test in CI)
/// when Chromium is not installed.
fn launch() -> Option<Browser> {
    let browser = Browser::launch();
    if browser.is_none() {
        common::skip("chromium is not installed (apt-get install chromium, as .ci/run does)");
    }
    browser
}

fn page_and_reports(dir: &Path, inputs: &[&Path], extra: &[&str]) -> (PathBuf, Vec<Value>) {
    let inputs: Vec<&str> = inputs.iter().map(|p| p.to_str().expect("UTF-8")).collect();
    let mut args = vec!["analyze", "-q", "--format", "html"];
    args.extend(extra);
    args.extend(&inputs);
    let (status, html, stderr) = run_hivetriage(&args);
    assert!([0, 1, 3].contains(&status), "{status}: {stderr}");
    let page = dir.join("report.html");
    std::fs::write(&page, html).unwrap();
    let mut args = vec!["analyze", "-q", "--format", "json"];
    args.extend(&inputs);
    let (_, json, _) = run_hivetriage(&args);
    let reports: Vec<Value> = serde_json::from_str(&json).expect("a JSON array");
    (page, reports)
}

fn check_verdict<'a>(report: &'a Value, id: &str) -> &'a str {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["id"] == id)
        .map_or("none", |check| check["verdict"].as_str().unwrap())
}

/// The rows the page shows (not hidden), top to bottom.
const ROWS: &str = "Array.from(document.querySelectorAll('#bundles > tbody > tr:not(.detail)'))
    .filter(tr => !tr.hidden && tr.offsetParent !== null)
    .map(tr => ({bundle: tr.cells[0].textContent, computer: tr.cells[1].textContent,
                 verdict: tr.dataset.v,
                 checks: Array.from(tr.cells).slice(4).map(td => td.classList[1])}))";
const COUNTS: &str = "Object.fromEntries(Array.from(document.querySelectorAll('#counts li'))
    .map(li => [li.dataset.v, Number(li.querySelector('b').textContent)]))";
const CHART: &str = "Array.from(document.querySelectorAll('#chart g[data-check]'))
    .map(g => [g.querySelector('.label').textContent,
               Array.from(g.querySelectorAll('g.bar text')).map(t => t.textContent)])";

/// What the page's rows must say for these reports.
fn expected_rows(reports: &[&Value]) -> Vec<Value> {
    reports
        .iter()
        .map(|report| {
            json!({
                "bundle": report["bundle"],
                "computer": report["computer_name"].as_str().unwrap_or(""),
                "verdict": report["verdict"],
                "checks": CHECKS.iter().map(|id| check_verdict(report, id)).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// Rows as a set of bundle names.
fn bundles(rows: &Value) -> BTreeSet<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| row["bundle"].as_str().unwrap().to_string())
        .collect()
}

fn counts_of(reports: &[&Value]) -> Value {
    let mut counts: BTreeMap<&str, usize> = ["fail", "unknown", "error", "pass", "not_applicable"]
        .iter()
        .map(|v| (*v, 0))
        .collect();
    for report in reports {
        *counts.get_mut(report["verdict"].as_str().unwrap()).unwrap() += 1;
    }
    json!(counts)
}

fn chart_of(reports: &[&Value]) -> Value {
    json!(
        CHECKS
            .iter()
            .map(|id| {
                let count = |verdict: &str| {
                    reports
                        .iter()
                        .filter(|r| check_verdict(r, id) == verdict)
                        .count()
                };
                json!([
                    id,
                    [
                        format!("{} fail", count("fail")),
                        format!("{} unknown", count("unknown"))
                    ]
                ])
            })
            .collect::<Vec<_>>()
    )
}

fn set_select(page: &mut Page, id: &str, value: &str) {
    page.eval(&format!(
        "(() => {{ const s = document.getElementById({id:?}); s.value = {value:?};
                   if (s.value !== {value:?}) throw new Error('no option ' + {value:?});
                   s.dispatchEvent(new Event('change')); }})()"
    ));
}

/// The filter's option value for a check id.
fn check_option(page: &mut Page, id: &str) -> String {
    page.eval(&format!(
        "Array.from(document.querySelectorAll('#f-check option')).find(o => o.textContent === {id:?}).value"
    ))
    .as_str()
    .expect("an option for the check")
    .to_string()
}

fn assert_clean(page: &mut Page) {
    let url = page.url.clone();
    assert_eq!(
        page.requests(),
        vec![url],
        "the page asked for more than itself"
    );
    assert_eq!(page.problems(), Vec::<String>::new());
}

#[test]
fn counts_chart_and_rows_equal_the_reports_and_follow_the_filters() {
    let Some(mut browser) = launch() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("incoming");
    write_mixed_batch(&batch, 30).unwrap();
    let (page_file, reports) = page_and_reports(dir.path(), &[&batch], &["-j", "2"]);
    assert_eq!(reports.len(), 30);
    let all: Vec<&Value> = reports.iter().collect();
    let mut page = browser.open(&page_file, 1280, 900, true);

    // Unfiltered: every bundle, in input order (the JSON's order), and
    // the totals of the reports.
    assert_eq!(page.eval(ROWS), json!(expected_rows(&all)));
    assert_eq!(page.eval(COUNTS), counts_of(&all));
    assert_eq!(page.eval(CHART), chart_of(&all));
    assert_eq!(
        page.eval("document.getElementById('shown').textContent"),
        "30 bundles"
    );
    // The batch has some of everything, so the filters below mean something.
    for verdict in ["fail", "unknown", "error", "pass", "not_applicable"] {
        assert!(all.iter().any(|r| r["verdict"] == verdict), "{verdict}");
    }

    // Every bundle failing Q306957.pickup-acl, and nothing else.
    let option = check_option(&mut page, "Q306957.pickup-acl");
    set_select(&mut page, "f-check", &option);
    set_select(&mut page, "f-check-verdict", "fail");
    let failing: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|r| check_verdict(r, "Q306957.pickup-acl") == "fail")
        .collect();
    assert!(!failing.is_empty() && failing.len() < all.len());
    assert_eq!(page.eval(ROWS), json!(expected_rows(&failing)));
    assert_eq!(page.eval(COUNTS), counts_of(&failing));
    assert_eq!(page.eval(CHART), chart_of(&failing));
    assert_eq!(
        page.eval("document.getElementById('shown').textContent"),
        json!(format!("Showing {} of 30 bundles", failing.len()))
    );

    // The same check unknown.
    set_select(&mut page, "f-check-verdict", "unknown");
    let unknown: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|r| check_verdict(r, "Q306957.pickup-acl") == "unknown")
        .collect();
    assert!(!unknown.is_empty());
    assert_eq!(page.eval(ROWS), json!(expected_rows(&unknown)));

    // By bundle verdict, with a text search over bundle and computer names.
    set_select(&mut page, "f-check", "");
    set_select(&mut page, "f-verdict", "pass");
    page.eval(
        "(() => { const i = document.getElementById('f-text'); i.value = 'MAIL02';
                  i.dispatchEvent(new Event('input')); })()",
    );
    page.sleep(400);
    let passing_on_mail02: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|r| {
            r["verdict"] == "pass"
                && (r["computer_name"] == "MAIL02"
                    || r["bundle"].as_str().unwrap().contains("mail02"))
        })
        .collect();
    assert!(!passing_on_mail02.is_empty());
    assert_eq!(page.eval(ROWS), json!(expected_rows(&passing_on_mail02)));
    assert_eq!(page.eval(COUNTS), counts_of(&passing_on_mail02));

    // Clicking a bar filters by its check and verdict.
    page.eval(
        "document.querySelector('#chart g[data-check] g.bar[data-v=\"fail\"]')
            .dispatchEvent(new MouseEvent('click', {bubbles: true}))",
    );
    page.eval("document.getElementById('filters').reset()");
    page.sleep(50);
    assert_eq!(page.eval(ROWS), json!(expected_rows(&all)));

    assert_clean(&mut page);
}

#[test]
fn every_column_sorts_both_ways() {
    let Some(mut browser) = launch() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("incoming");
    write_mixed_batch(&batch, 20).unwrap();
    let (page_file, reports) = page_and_reports(dir.path(), &[&batch], &[]);
    let mut page = browser.open(&page_file, 1280, 900, true);
    let rank = |verdict: &str| {
        ["fail", "unknown", "error", "pass", "not_applicable", "none"]
            .iter()
            .position(|v| *v == verdict)
            .unwrap()
    };
    let click = |page: &mut Page, column: usize| {
        page.eval(&format!(
            "document.querySelectorAll('#bundles thead th button')[{column}].click()"
        ));
    };

    // Bundle names: ascending, then descending. The names differ in their
    // zero-padded numbers first, so byte order is the page's order.
    let mut names: Vec<String> = reports
        .iter()
        .map(|r| r["bundle"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    click(&mut page, 0);
    let shown = |page: &mut Page, field: &str| -> Vec<Value> {
        page.eval(ROWS)
            .as_array()
            .unwrap()
            .iter()
            .map(|row| row[field].clone())
            .collect()
    };
    assert_eq!(
        shown(&mut page, "bundle"),
        json!(names).as_array().unwrap().clone()
    );
    assert_eq!(
        page.eval("document.querySelectorAll('#bundles thead th')[0].getAttribute('aria-sort')"),
        "ascending"
    );
    click(&mut page, 0);
    names.reverse();
    assert_eq!(
        shown(&mut page, "bundle"),
        json!(names).as_array().unwrap().clone()
    );

    // Computer names, case-insensitively.
    click(&mut page, 1);
    let computers: Vec<String> = shown(&mut page, "computer")
        .iter()
        .map(|c| c.as_str().unwrap().to_lowercase())
        .collect();
    assert!(computers.is_sorted(), "{computers:?}");

    // Verdicts: what needs attention first, then the reverse.
    for column in [3, 4, 5, 6] {
        click(&mut page, column);
        let ranks = |page: &mut Page| -> Vec<usize> {
            page.eval(ROWS)
                .as_array()
                .unwrap()
                .iter()
                .map(|row| {
                    let verdict = if column == 3 {
                        &row["verdict"]
                    } else {
                        &row["checks"][column - 4]
                    };
                    rank(verdict.as_str().unwrap())
                })
                .collect()
        };
        let ascending = ranks(&mut page);
        assert!(ascending.is_sorted(), "column {column}: {ascending:?}");
        assert!(ascending.first() < ascending.last(), "column {column}");
        click(&mut page, column);
        let mut descending = ranks(&mut page);
        descending.reverse();
        assert!(descending.is_sorted(), "column {column}: {descending:?}");
    }

    // Sorting keeps an open bundle's details under its row.
    page.eval("document.querySelector('#bundles tbody button.open').click()");
    click(&mut page, 0);
    assert_eq!(
        page.eval(
            "(() => { const d = document.querySelector('tr.detail');
                      return d.previousElementSibling.cells[0].textContent ===
                             document.querySelector('button.open[aria-expanded=\"true\"]').closest('tr').cells[0].textContent; })()"
        ),
        true
    );
    assert_clean(&mut page);
}

#[test]
fn details_show_checks_evidence_the_fix_for_the_servers_windows_sources_and_errors() {
    let Some(mut browser) = launch() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("incoming");
    std::fs::create_dir_all(&batch).unwrap();
    let failing = Scenario::healthy()
        .with_pickup_sddl(&pickup_sddl_read_only())
        .zip();
    std::fs::write(batch.join("no-add.zip"), &failing).unwrap();
    std::fs::write(batch.join("broken.zip"), b"not a zip").unwrap();
    let fixes = dir.path().join("fixes");
    let (page_file, reports) = page_and_reports(
        dir.path(),
        &[&batch],
        &["--fix-dir", fixes.to_str().unwrap()],
    );
    let mut page = browser.open(&page_file, 1280, 900, true);

    let open = |page: &mut Page, bundle: &str| {
        page.eval(&format!(
            "Array.from(document.querySelectorAll('#bundles tbody tr'))
                .find(tr => tr.cells[0].textContent === {bundle:?})
                .querySelector('button.open').click()"
        ));
    };
    let report = |name: &str| {
        reports
            .iter()
            .find(|r| r["bundle"].as_str().unwrap().ends_with(name))
            .unwrap()
    };

    let no_add = report("no-add.zip");
    open(&mut page, no_add["bundle"].as_str().unwrap());
    let panel = page.eval(
        "(() => { const p = document.querySelector('tr.detail .panel');
                  return {
                    title: p.querySelector('h2').textContent,
                    checks: Array.from(p.querySelectorAll('details')).map(d => ({
                      summary: d.querySelector('summary').textContent, open: d.open,
                      evidence: Object.fromEntries(Array.from(d.querySelectorAll('table.kv tr'))
                        .map(tr => [tr.cells[0].textContent, tr.cells[1].textContent])),
                      fixes: Array.from(d.querySelectorAll('.fix pre')).map(pre => pre.textContent),
                      labels: Array.from(d.querySelectorAll('.fix .head span')).map(s => s.textContent)})),
                    sources: Array.from(p.querySelectorAll('table.list tbody tr'))
                      .map(tr => Array.from(tr.cells).map(td => td.textContent)),
                    facts: Object.fromEntries(Array.from(p.querySelectorAll('dl.facts dt'))
                      .map(dt => [dt.textContent, dt.nextElementSibling.textContent]))}; })()",
    );
    assert_eq!(panel["title"], no_add["bundle"]);
    assert_eq!(panel["facts"]["Computer"], "EXCH01");
    assert_eq!(
        panel["facts"]["Windows"],
        "Windows NT 4.0 (version 4.0, build 1381, Service Pack 6)"
    );
    assert_eq!(panel["facts"]["Control set"], no_add["control_set"]);
    for (shown, check) in panel["checks"]
        .as_array()
        .unwrap()
        .iter()
        .zip(no_add["checks"].as_array().unwrap())
    {
        let verdict = check["verdict"].as_str().unwrap();
        let summary = shown["summary"].as_str().unwrap();
        assert!(summary.contains(check["id"].as_str().unwrap()), "{summary}");
        assert!(
            summary.contains(check["summary"].as_str().unwrap()),
            "{summary}"
        );
        assert_eq!(shown["open"], verdict == "fail" || verdict == "unknown");
        // Top-level evidence strings appear as they are.
        for (key, value) in check["evidence"].as_object().unwrap() {
            if let Some(text) = value.as_str() {
                assert_eq!(shown["evidence"][key], text, "{key}");
            }
        }
    }
    let acl = &panel["checks"][2];
    assert_eq!(acl["evidence"]["folder"], r"C:\exchsrvr\imcdata\Pickup");
    // The fix is the fix.cmd that --fix-dir writes for this bundle (its
    // only failing check), for its NT 4.0 server.
    let fix_cmd = std::fs::read_to_string(fixes.join("EXCH01-no-add/fix.cmd")).unwrap();
    assert_eq!(acl["fixes"], json!([fix_cmd]));
    assert!(
        acl["labels"][0]
            .as_str()
            .unwrap()
            .starts_with("fix.cmd for Windows NT 4.0"),
        "{}",
        acl["labels"]
    );
    let sources: Vec<Value> = no_add["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!([s["name"], s["kind"], s["detail"]]))
        .collect();
    assert_eq!(panel["sources"], json!(sources));

    // The copy button puts the fix on the clipboard.
    browser_grant_clipboard(&mut page);
    page.eval("navigator.clipboard.writeText('')");
    page.eval("document.querySelector('tr.detail .fix button').click()");
    // Copying is asynchronous: wait (a bounded while) for the clipboard.
    let copied = page.eval(
        "(async () => { for (let i = 0; i < 50; i++) {
                           const text = await navigator.clipboard.readText();
                           if (text) return text;
                           await new Promise(done => setTimeout(done, 50)); }
                         return ''; })()",
    );
    assert_eq!(copied, json!(fix_cmd), "the clipboard holds the fix");

    // The unreadable bundle: its errors, no checks.
    let broken = report("broken.zip");
    open(&mut page, broken["bundle"].as_str().unwrap());
    let errors = page.eval(
        "Array.from(document.querySelectorAll('tr.detail'))
            .map(d => Array.from(d.querySelectorAll('ul.errors li')).map(li => li.textContent))
            .find(list => list.length)",
    );
    assert_eq!(errors, broken["errors"]);

    assert_clean(&mut page);
}

fn browser_grant_clipboard(page: &mut Page) {
    page.browser_call(
        "Browser.grantPermissions",
        json!({"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}),
    );
    page.eval("window.focus()");
}

#[test]
fn one_bundle_opens_with_its_details() {
    let Some(mut browser) = launch() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("case.zip");
    std::fs::write(&bundle, Scenario::healthy().zip()).unwrap();
    let (page_file, reports) = page_and_reports(dir.path(), &[&bundle], &[]);
    let mut page = browser.open(&page_file, 1280, 900, true);
    assert_eq!(
        page.eval("document.querySelector('tr.detail .panel h2').textContent"),
        reports[0]["bundle"]
    );
    assert_eq!(
        page.eval("document.getElementById('shown').textContent"),
        "1 bundle"
    );
    assert_clean(&mut page);
}

#[test]
fn hostile_names_render_as_text_run_nothing_and_the_policy_holds() {
    let Some(mut browser) = launch() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // A bundle whose path holds a whole script element (the directory
    // `<script>window.pwned=1<` holds `script>.zip`).
    let script_dir = dir.path().join("<script>window.pwned=1<");
    std::fs::create_dir_all(&script_dir).unwrap();
    let script_bundle = script_dir.join("script>.zip");
    std::fs::write(&script_bundle, Scenario::healthy().zip()).unwrap();
    // A folder of bundles with markup in a file name and in the computer
    // name the registry gives, and a right-to-left override in a name.
    let batch = dir.path().join("batch");
    std::fs::create_dir_all(&batch).unwrap();
    let hostile_computer = "<img src=http://127.0.0.1:9/leak onerror=window.pwned=2>\"'&amp;";
    std::fs::write(
        batch.join("<img src=x onerror=window.pwned=3>.zip"),
        Scenario {
            computer_name: Some(hostile_computer.to_string()),
            ..Scenario::healthy().with_pickup_sddl(&pickup_sddl_read_only())
        }
        .zip(),
    )
    .unwrap();
    std::fs::write(batch.join("invoice\u{202e}piz.exe.zip"), b"not a zip").unwrap();
    let (page_file, reports) = page_and_reports(dir.path(), &[&script_bundle, &batch], &[]);
    assert_eq!(reports.len(), 3);
    let mut page = browser.open(&page_file, 1280, 900, true);

    // Open every bundle's details, so their builder runs on every name.
    page.eval("document.querySelectorAll('#bundles tbody button.open').forEach(b => b.click())");
    assert_eq!(page.eval("typeof window.pwned"), "undefined");
    assert_eq!(
        page.eval(
            "[document.scripts.length, document.querySelectorAll('script:not([type])').length,
              document.images.length, document.querySelectorAll('svg').length]"
        ),
        json!([5, 2, 0, 1]),
        "only the page's own two scripts, the three bundles' data and the chart"
    );
    let shown = page.eval(ROWS);
    let titles =
        page.eval("Array.from(document.querySelectorAll('tr.detail h2')).map(h => h.textContent)");
    for (index, report) in reports.iter().enumerate() {
        let bundle = report["bundle"].as_str().unwrap();
        // Markup shows as the text it is; the override as a visible mark.
        let visible = bundle.replace('\u{202e}', "\u{27e8}U+202E\u{27e9}");
        assert_eq!(shown[index]["bundle"], visible);
        assert_eq!(titles[index], visible);
    }
    assert!(
        reports[0]["bundle"]
            .as_str()
            .unwrap()
            .contains("<script>window.pwned=1</script>")
    );
    assert_eq!(
        shown.as_array().unwrap()[1]["computer"],
        hostile_computer,
        "the computer name is text"
    );
    assert_clean(&mut page);

    // The policy is in force: script the page did not bring does not run,
    // and the page cannot reach the network.
    page.eval(
        "(() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';
                  document.body.appendChild(s); })()",
    );
    assert_eq!(page.eval("typeof window.injected"), "undefined");
    assert_eq!(
        page.eval("fetch('http://127.0.0.1:9/').then(() => 'sent', () => 'refused')"),
        "refused"
    );
    let problems = page.problems();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Content Security Policy") && p.contains("script")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Content Security Policy") && p.contains("connect")),
        "{problems:?}"
    );
    let url = page.url.clone();
    assert_eq!(page.requests(), vec![url]);
}

#[test]
fn without_scripts_the_summary_and_the_table_are_there_summary_first() {
    let Some(mut browser) = launch() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("incoming");
    write_mixed_batch(&batch, 20).unwrap();
    let (page_file, reports) = page_and_reports(dir.path(), &[&batch], &[]);
    let all: Vec<&Value> = reports.iter().collect();
    let mut page = browser.open(&page_file, 1280, 900, false);

    // The page's own script did not run...
    assert_eq!(
        page.eval("document.documentElement.className"),
        "nojs",
        "scripts are off"
    );
    // ...and yet the totals, the chart and every row are there, in the
    // order the bundles finished (input order needs the script).
    assert_eq!(page.eval(COUNTS), counts_of(&all));
    assert_eq!(page.eval(CHART), chart_of(&all));
    let rows = page.eval(ROWS);
    assert_eq!(bundles(&rows), bundles(&json!(expected_rows(&all))));
    let mut sorted_rows = rows.as_array().unwrap().clone();
    sorted_rows.sort_by_key(|row| row["bundle"].as_str().unwrap().to_string());
    assert_eq!(json!(sorted_rows), json!(expected_rows(&all)));
    // The summary is shown above the table; the filters and the detail
    // buttons, which need the script, are not shown.
    assert_eq!(
        page.eval(
            "[document.getElementById('summary').getBoundingClientRect().top <
                document.getElementById('bundles').getBoundingClientRect().top,
              document.getElementById('run').getBoundingClientRect().top <
                document.getElementById('summary').getBoundingClientRect().top,
              document.getElementById('filters').offsetParent,
              document.querySelector('button.open').offsetParent]"
        ),
        json!([true, true, null, null])
    );
    assert_clean(&mut page);
}

#[test]
fn a_large_batch_shows_a_page_of_rows_at_a_time_and_counts_them_all() {
    let Some(mut browser) = launch() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("incoming");
    write_mixed_batch(&batch, 250).unwrap();
    let (page_file, reports) = page_and_reports(dir.path(), &[&batch], &[]);
    let all: Vec<&Value> = reports.iter().collect();
    let mut page = browser.open(&page_file, 1280, 900, true);

    // The first 200 in input order; the counts and chart of all 250.
    assert_eq!(page.eval(ROWS), json!(expected_rows(&all[..200])));
    assert_eq!(page.eval(COUNTS), counts_of(&all));
    assert_eq!(page.eval(CHART), chart_of(&all));
    assert_eq!(
        page.eval("document.querySelector('#pager span').textContent"),
        "Rows 1\u{2013}200 of 250 shown. "
    );
    // The rows as written are kept out of layout.
    assert_eq!(
        page.eval("document.getElementById('rows').getClientRects().length"),
        0
    );

    page.eval("document.querySelector('#pager button').click()");
    assert_eq!(page.eval(ROWS), json!(expected_rows(&all)));
    assert_eq!(
        page.eval("document.getElementById('pager').offsetParent"),
        Value::Null,
        "nothing more to show"
    );

    // Filtering and sorting work on every row, not only those shown.
    let option = check_option(&mut page, "Q306957.imc-rootdir");
    set_select(&mut page, "f-check", &option);
    let failing: Vec<&Value> = all
        .iter()
        .copied()
        .filter(|r| check_verdict(r, "Q306957.imc-rootdir") == "fail")
        .collect();
    assert_eq!(page.eval(ROWS), json!(expected_rows(&failing)));
    set_select(&mut page, "f-check", "");
    page.eval("document.querySelectorAll('#bundles thead th button')[0].click()");
    page.eval("document.querySelectorAll('#bundles thead th button')[0].click()");
    let mut descending: Vec<&Value> = all.clone();
    descending.sort_by_key(|r| std::cmp::Reverse(r["bundle"].as_str().unwrap().to_string()));
    assert_eq!(page.eval(ROWS), json!(expected_rows(&descending[..200])));
    assert_clean(&mut page);
    drop(page);

    // A link to the 241st bundle, past the first page, opens its details
    // and shows the page of rows holding it.
    let url = format!("file://{}#b240", page_file.display());
    let mut page = browser.open_url(&url, 1280, 900, true);
    assert_eq!(
        page.eval("document.querySelector('tr.detail h2').textContent"),
        all[240]["bundle"]
    );
    assert_eq!(page.eval(ROWS).as_array().unwrap().len(), 250);
    assert_clean(&mut page);
}

#[test]
fn the_page_is_about_the_size_of_the_json_lines_plus_a_row_and_the_fixes() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("incoming");
    write_mixed_batch(&batch, 200).unwrap();
    let batch = batch.to_str().unwrap();
    let (_, html, _) = run_hivetriage(&["analyze", "-q", "--format", "html", batch]);
    let (_, jsonl, _) = run_hivetriage(&["analyze", "-q", "--format", "jsonl", batch]);
    // Each report whole (its JSON line), a table row, and for a failing
    // check the fix files rendered for its server; nothing per bundle
    // beyond that.
    let ratio = html.len() as f64 / jsonl.len() as f64;
    assert!(
        (1.0..1.5).contains(&ratio),
        "{} bytes of HTML for {} of JSON Lines ({ratio:.2}x)",
        html.len(),
        jsonl.len()
    );
}
