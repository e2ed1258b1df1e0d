//! What each JSON report says about how it was made: the tool's and the
//! rules' versions (also `--version`), the bundle file's SHA-256 (checked
//! against coreutils' `sha256sum`), when the analysis ran and how long it
//! took.

mod common;

use common::run_hivetriage as run;
use serde_json::Value;
use std::path::Path;

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn one_report(args: &[&str]) -> Value {
    let (_, out, err) = run(args);
    let reports: Vec<Value> = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(reports.len(), 1);
    reports.into_iter().next().unwrap()
}

#[test]
fn version_names_the_tool_and_every_rule() {
    let (status, out, _) = run(&["--version"]);
    assert_eq!(status, 0);
    assert_eq!(
        out,
        format!(
            "hivetriage {}\nrules: Q306957 1\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    // Every subcommand answers it too.
    let (status, out, _) = run(&["analyze", "--version"]);
    assert_eq!(status, 0);
    assert!(out.contains(env!("CARGO_PKG_VERSION")), "{out}");
}

#[test]
fn a_json_report_says_which_tool_rules_bundle_and_when() {
    let zip = sample("healthy.zip");
    let report = one_report(&["analyze", "--format", "json", &zip]);
    assert_eq!(
        report["tool"],
        serde_json::json!({"name": "hivetriage", "version": env!("CARGO_PKG_VERSION")})
    );
    assert_eq!(
        report["rules"],
        serde_json::json!([{"article": "Q306957", "version": "1"}])
    );
    let at = report["analyzed_at"].as_str().unwrap();
    // 2024-05-01T09:30:00.125Z
    assert_eq!(at.len(), 24, "{at}");
    assert!(at.ends_with('Z') && at.as_bytes()[10] == b'T', "{at}");
    assert!(report["analysis_ms"].as_f64().unwrap() >= 0.0);

    let sha256 = report["sha256"].as_str().unwrap();
    match std::process::Command::new("sha256sum").arg(&zip).output() {
        Ok(output) if output.status.success() => {
            let text = String::from_utf8(output.stdout).unwrap();
            assert_eq!(sha256, text.split_whitespace().next().unwrap());
        }
        other => common::skip(&format!(
            "the comparison with sha256sum: it did not run ({other:?})"
        )),
    }
    // JSON Lines carry the same; --no-hash and directory bundles say null.
    let (_, line, _) = run(&["analyze", "--format", "jsonl", &zip]);
    let line: Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(line["sha256"], sha256);
    let report = one_report(&["analyze", "--format", "json", "--no-hash", &zip]);
    assert_eq!(report["sha256"], Value::Null);
    let dir = tempfile::tempdir().unwrap();
    hivetriage::fixture::scenario::Scenario::healthy()
        .write_dir(dir.path())
        .unwrap();
    let report = one_report(&["analyze", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(report["sha256"], Value::Null);
    assert_eq!(report["verdict"], "pass");
}
