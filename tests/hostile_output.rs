//! A bundle whose names and registry data hold terminal control sequences
//! (a ComputerName that clears the screen, a bundle file name that sets
//! the window title, entry names with colour codes and a C1 CSI): no text
//! output or message may pass one through raw; they are shown escaped
//! (`\x1b`). JSON and Markdown escape by their own rules, also checked.

mod common;

use common::run_hivetriage as run;
use hivetriage::fixture::scenario::Scenario;
use hivetriage::fixture::zip::zip_bytes;
use std::path::{Path, PathBuf};

const PICKUP: &str = r"C:\exchsrvr\imcdata\Pickup";
/// Clears the screen.
const CLEAR: &str = "\u{1b}[2J";
/// Sets the terminal's title (OSC ... BEL).
const TITLE: &str = "\u{1b}]0;pwned\u{7}";

/// Any character that would act on a terminal.
fn raw_control(text: &str) -> Option<char> {
    text.chars()
        .find(|&c| (c.is_control() && c != '\n' && c != '\r' && c != '\t') || c == '\u{202e}')
}

fn assert_clean(what: &str, text: &str) {
    if let Some(c) = raw_control(text) {
        panic!("{what}: raw {c:?} in\n{text:?}");
    }
}

/// A folder holding the hostile bundle (its file name hostile too) and a
/// plain one, so batch outputs are covered; returns (folder, hostile zip).
fn hostile_batch(dir: &Path) -> (PathBuf, PathBuf) {
    let batch = dir.join("batch");
    std::fs::create_dir(&batch).unwrap();
    let mut scenario = Scenario::healthy();
    scenario.computer_name = Some(format!("EXCH{CLEAR}01\u{9b}31m"));
    let mut entries = scenario.entries();
    entries.push((format!("notes/\u{1b}[31mred{TITLE}.txt"), b"x".to_vec()));
    entries.push(("notes/\u{202e}txt.exe".to_string(), b"x".to_vec()));
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let hostile = batch.join(format!("case{TITLE}.zip"));
    std::fs::write(&hostile, zip_bytes(&borrowed)).unwrap();
    std::fs::write(batch.join("plain.zip"), Scenario::healthy().zip()).unwrap();
    std::fs::write(
        batch.join(format!("old{CLEAR}.7z")),
        b"7z\xBC\xAF\x27\x1C\x00\x04",
    )
    .unwrap();
    (batch, hostile)
}

#[test]
fn no_text_output_or_message_passes_a_control_character_through() {
    let dir = tempfile::tempdir().unwrap();
    let (batch, hostile) = hostile_batch(dir.path());
    let (batch, hostile) = (batch.to_str().unwrap(), hostile.to_str().unwrap());
    let missing = dir.path().join(format!("gone{CLEAR}.zip"));
    let missing = missing.to_str().unwrap();
    let fixes = dir.path().join("fixes");

    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("table, one bundle", vec!["analyze", hostile]),
        ("table, --wide", vec!["analyze", "--wide", hostile]),
        ("table, batch", vec!["analyze", batch]),
        ("table, batch --wide", vec!["analyze", "--wide", batch]),
        ("csv", vec!["analyze", "--format", "csv", batch]),
        ("json", vec!["analyze", "--format", "json", batch]),
        ("jsonl", vec!["analyze", "--format", "jsonl", batch]),
        ("markdown", vec!["analyze", "--format", "markdown", batch]),
        ("--list", vec!["analyze", "--list", batch]),
        ("missing input", vec!["analyze", missing, hostile]),
        (
            "fix files",
            vec!["analyze", "--fix-dir", fixes.to_str().unwrap(), batch],
        ),
        ("acl", vec!["acl", hostile, PICKUP]),
        ("acl json", vec!["acl", "--format", "json", hostile, PICKUP]),
        (
            "query",
            vec![
                "query",
                hostile,
                r"HKLM\SYSTEM\ControlSet001\Control\ComputerName\ComputerName",
            ],
        ),
        (
            "query, missing key",
            vec!["query", hostile, r"HKLM\SYSTEM\No\x1bKey"],
        ),
    ];
    let mut escapes_seen = 0;
    for (what, args) in runs {
        let (_, out, err) = run(&args);
        if matches!(what, "json" | "jsonl" | "markdown" | "acl json") {
            // Their own rules: JSON writes C0 controls as \u001b, Markdown
            // as spaces; both leave other characters as they are.
            assert!(!out.contains(['\u{1b}', '\u{7}']), "{what}: {out:?}");
        } else {
            assert_clean(&format!("{what}: stdout"), &out);
        }
        assert_clean(&format!("{what}: stderr"), &err);
        escapes_seen += usize::from(out.contains(r"\x1b") || err.contains(r"\x1b"));
    }
    // The hostile text is shown (escaped), not dropped.
    let (_, table, _) = run(&["analyze", hostile]);
    assert!(table.contains(r"EXCH\x1b[2J01\u{9b}31m"), "{table}");
    assert!(table.contains(r"case\x1b]0;pwned\x07.zip"), "{table}");
    assert!(table.contains(r"notes/\x1b[31mred"), "{table}");
    assert!(table.contains(r"\u{202e}txt.exe"), "{table}");
    let (_, query, _) = run(&[
        "query",
        hostile,
        r"HKLM\SYSTEM\ControlSet001\Control\ComputerName\ComputerName",
    ]);
    // query's text must also read back exactly, so data that holds control
    // characters is written in its exact form: the stored bytes in hex
    // (ESC is the 1B00 of UTF-16LE), nothing raw and nothing altered.
    assert!(
        query.contains(r#""ComputerName"    hex(1)    45005800430048001B005B0032004A00"#),
        "{query}"
    );
    let (_, _, err) = run(&["analyze", missing, hostile]);
    assert!(err.contains(r"gone\x1b[2J.zip"), "{err}");
    assert!(escapes_seen >= 12, "{escapes_seen}");
}

#[test]
fn csv_cells_are_escaped_and_guarded_against_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let mut scenario = Scenario::healthy();
    scenario.computer_name = Some(format!("=cmd{CLEAR}"));
    let zip = dir.path().join("@case.zip");
    std::fs::write(&zip, scenario.zip()).unwrap();
    let (_, csv, _) = run(&["analyze", "--format", "csv", zip.to_str().unwrap()]);
    assert_clean("csv", &csv);
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains(r"'=cmd\x1b[2J"), "{row}");
    // The bundle's path starts with `/`, so it needs no guard; the name alone would.
    assert!(row.starts_with('/'), "{row}");
}
