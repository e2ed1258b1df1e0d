//! Helpers shared by the integration tests: running the binary (checking
//! for panics), where `../shared` is and reading its files without copying
//! them into the repository, and skipping a check whose input or tool is
//! missing, which fails instead under `.ci/run` ([`NO_SKIP`]).
#![allow(dead_code)]

pub mod browser;
pub mod reglookup;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The variable `.ci/run` sets: a test whose input (`../shared`) or
/// external tool (reglookup, hivex, mscompress, gcab, chntpw, tmux,
/// sha256sum) is missing fails instead of skipping, so CI cannot pass
/// while checking nothing. Elsewhere (a fresh clone) such tests skip and
/// print why.
pub const NO_SKIP: &str = "HIVETRIAGE_NO_SKIP";

/// Whether [`NO_SKIP`] is set (to anything but empty or `0`).
pub fn skipping_fails() -> bool {
    std::env::var_os(NO_SKIP).is_some_and(|value| !value.is_empty() && value != "0")
}

/// Leaves out a check whose input or tool is missing: prints why, or
/// fails the test when [`NO_SKIP`] is set.
#[track_caller]
pub fn skip(why: &str) {
    assert!(
        !skipping_fails(),
        "{why}; {NO_SKIP} is set, so nothing may be skipped"
    );
    eprintln!("skipped: {why}");
}

/// `hivetriage` with `args`, to run with the environment and working
/// folder a test needs; every test that runs the binary goes through here,
/// so a panic fails it whatever it expected.
pub fn hivetriage<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Hivetriage {
    let mut command = assert_cmd::Command::cargo_bin("hivetriage").expect("binary built");
    command.args(args);
    Hivetriage(command)
}

/// The binary about to run (see [`hivetriage`]).
pub struct Hivetriage(assert_cmd::Command);

impl Hivetriage {
    pub fn env(mut self, name: &str, value: impl AsRef<OsStr>) -> Hivetriage {
        self.0.env(name, value);
        self
    }

    pub fn env_remove(mut self, name: &str) -> Hivetriage {
        self.0.env_remove(name);
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Hivetriage {
        self.0.current_dir(dir);
        self
    }

    /// Runs it: (exit status, stdout, stderr). A panic (status 101) or an
    /// end by a signal fails the test.
    pub fn run_bytes(mut self) -> (i32, Vec<u8>, String) {
        let output = self.0.output().expect("hivetriage runs");
        let stderr = String::from_utf8(output.stderr).expect("UTF-8 stderr");
        let status = output
            .status
            .code()
            .unwrap_or_else(|| panic!("ended by a signal: {stderr}"));
        assert_ne!(status, 101, "panicked: {stderr}");
        (status, output.stdout, stderr)
    }

    /// [`Hivetriage::run_bytes`] with stdout as text.
    pub fn run(self) -> (i32, String, String) {
        let (status, stdout, stderr) = self.run_bytes();
        (
            status,
            String::from_utf8(stdout).expect("UTF-8 stdout"),
            stderr,
        )
    }
}

/// Runs `hivetriage` with `args`; returns (exit status, stdout, stderr).
/// A panic (status 101) fails the test whatever it expected.
pub fn run_hivetriage(args: &[&str]) -> (i32, String, String) {
    hivetriage(args).run()
}

/// `../shared` beside the repository, or `None` (with the reason printed)
/// when it is absent, so a fresh clone still passes; under [`NO_SKIP`] its
/// absence fails the test.
#[track_caller]
pub fn shared_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&format!(
            "{} is absent (tests against the shared corpus and oracle need it)",
            dir.display()
        ));
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
