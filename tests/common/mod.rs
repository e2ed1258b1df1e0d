//! Helpers shared by the integration tests: running the binary, where
//! `../shared` is, and reading its files without copying them into the
//! repository.
#![allow(dead_code)]

pub mod browser;
pub mod reglookup;

use std::path::PathBuf;

/// Runs `hivetriage` with `args`; returns (exit status, stdout, stderr).
/// A panic (status 101) fails the test whatever it expected.
pub fn run_hivetriage(args: &[&str]) -> (i32, String, String) {
    let output = assert_cmd::Command::cargo_bin("hivetriage")
        .expect("binary built")
        .args(args)
        .output()
        .expect("hivetriage runs");
    let status = output.status.code().expect("exited, not killed");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8 stderr");
    assert_ne!(status, 101, "panicked: {stderr}");
    (
        status,
        String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr,
    )
}

/// `../shared` beside the repository, or `None` (with the reason printed)
/// when it is absent, so a fresh clone still passes.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (tests against the shared corpus and oracle need it)",
            dir.display()
        );
        None
    }
}

/// A file under `../shared`, read whole; `None` when `../shared` is absent.
pub fn shared_file(relative: &str) -> Option<Vec<u8>> {
    let path = shared_dir()?.join(relative);
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// A corpus hive kept xz-compressed (regipy's), decompressed in memory.
pub fn shared_xz_file(relative: &str) -> Option<Vec<u8>> {
    let compressed = shared_file(relative)?;
    let mut out = Vec::new();
    lzma_rs::xz_decompress(&mut compressed.as_slice(), &mut out)
        .unwrap_or_else(|e| panic!("{relative}: xz: {e:?}"));
    Some(out)
}

/// A JSON report without what differs from run to run (when the analysis
/// started, how long it took), for comparing runs.
pub fn without_timing(mut report: serde_json::Value) -> serde_json::Value {
    if let Some(fields) = report.as_object_mut() {
        fields.remove("analyzed_at");
        fields.remove("analysis_ms");
    }
    report
}

/// JSON Lines of reports with [`without_timing`] applied, one line each.
pub fn jsonl_without_timing(lines: &str) -> Vec<String> {
    lines
        .lines()
        .map(|line| {
            let report = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            without_timing(report).to_string()
        })
        .collect()
}
