//! SZDD against an independent implementation: Debian's `mscompress` /
//! `msexpand` (`apt-get install mscompress`; `.ci/run` installs it). Our
//! expander reads what `mscompress` writes, `msexpand` reads what our
//! fixture writers write, and NT 4.0 repair copies compressed by
//! `mscompress` are analyzed exactly like the hives they hold. Each test
//! prints why it skips when the tools are absent.

mod common;

use hivetriage::analyze::{AnalyzeOptions, analyze_bundle};
use hivetriage::bundle::{Limits, open_zip_bytes};
use hivetriage::fixture::scenario::{RegistryForm, Scenario};
use hivetriage::fixture::szdd::{szdd_compress, szdd_literals};
use hivetriage::fixture::zip::zip_bytes;
use hivetriage::source::szdd::expand;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Whether `tool` runs; prints why the test skips when it does not.
fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !found {
        common::skip(&format!(
            "{tool} is not installed (apt-get install mscompress)"
        ));
    }
    found
}

/// Inputs of every shape: hives, text, incompressible and very repetitive
/// data. (`mscompress` 0.4 writes one stray byte for an empty file, so
/// empty input is tested against our own writers only.)
fn inputs() -> Vec<(&'static str, Vec<u8>)> {
    let scenario = Scenario::healthy();
    let noise = hivetriage::fixture::noise(60_000, 0x2545_f491);
    vec![
        ("system", scenario.system_hive()),
        ("software", scenario.software_hive()),
        ("sam", scenario.sam_hive()),
        ("text", b"hello hello hello world\n".repeat(300)),
        ("one byte", vec![0x41]),
        ("ten bytes", b"ABCDEFGHIJ".to_vec()),
        ("sixteen bytes", b"ABCDEFGHIJKLMNOP".to_vec()),
        ("noise", noise),
        ("zeros", vec![0; 200_000]),
    ]
}

/// `mscompress` on `data`, read back from the `<name>_` file it writes.
fn mscompress(data: &[u8]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("system");
    std::fs::write(&path, data).unwrap();
    let status = Command::new("mscompress").arg(&path).status().unwrap();
    assert!(status.success(), "mscompress failed");
    std::fs::read(dir.path().join("system_")).unwrap()
}

/// `msexpand` reading `compressed` on standard input.
fn msexpand(compressed: &[u8]) -> Vec<u8> {
    let mut child = Command::new("msexpand")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = compressed.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "msexpand failed");
    output.stdout
}

/// `mscompress` 0.4 mangles inputs shorter than its 16-byte lookahead
/// (`A` comes back as a NUL from `msexpand` too): below that, our expander
/// must agree with `msexpand` rather than with the input.
const MSCOMPRESS_SHORTEST_KEPT: usize = 16;

#[test]
fn our_expander_reads_what_mscompress_writes() {
    if !have("mscompress") || !have("msexpand") {
        return;
    }
    for (name, data) in inputs() {
        let compressed = mscompress(&data);
        let expanded = expand("system._", &compressed, 1 << 30).unwrap();
        assert_eq!(
            expanded.data,
            msexpand(&compressed),
            "{name}: as msexpand does"
        );
        if data.len() >= MSCOMPRESS_SHORTEST_KEPT {
            assert_eq!(expanded.data, data, "{name}");
            assert!(
                expanded.warnings.is_empty(),
                "{name}: {:?}",
                expanded.warnings
            );
            assert_eq!(expanded.header.declared_size as usize, data.len(), "{name}");
        }
    }
}

#[test]
fn msexpand_reads_what_our_writers_write() {
    if !have("msexpand") {
        return;
    }
    let mut inputs = inputs();
    inputs.push(("empty", Vec::new()));
    for (name, data) in inputs {
        assert_eq!(msexpand(&szdd_compress(&data, 0)), data, "{name}, greedy");
        assert_eq!(msexpand(&szdd_literals(&data, 0)), data, "{name}, literals");
    }
}

fn report(zip: Vec<u8>) -> Value {
    let mut bundle = open_zip_bytes("bundle.zip", zip, Limits::default()).unwrap();
    serde_json::to_value(analyze_bundle(bundle.as_mut(), &AnalyzeOptions::default())).unwrap()
}

#[test]
fn repair_copies_compressed_by_mscompress_are_read_like_hives() {
    if !have("mscompress") {
        return;
    }
    let scenario = Scenario::healthy();
    let mut entries: Vec<(String, Vec<u8>)> = vec![
        (
            "repair/system._".into(),
            mscompress(&scenario.system_hive()),
        ),
        (
            "repair/software._".into(),
            mscompress(&scenario.software_hive()),
        ),
        ("repair/sam._".into(), mscompress(&scenario.sam_hive())),
    ];
    for snapshot in &scenario.snapshots {
        entries.push((snapshot.entry.clone(), snapshot.bytes()));
    }
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let compressed = report(zip_bytes(&borrowed));
    let hives = report(scenario.zip_as(RegistryForm::Hives));
    assert_eq!(compressed["errors"], Value::Array(vec![]));
    for field in ["verdict", "computer_name", "control_set"] {
        assert_eq!(compressed[field], hives[field], "{field}");
    }
    let strip_sources = |report: &Value| -> Vec<(Value, Value)> {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let mut evidence = c["evidence"].clone();
                evidence.as_object_mut().unwrap().remove("source");
                (c["verdict"].clone(), evidence)
            })
            .collect()
    };
    assert_eq!(strip_sources(&compressed), strip_sources(&hives));
    let sources = compressed["sources"].as_array().unwrap();
    let detail = |name: &str| sources.iter().find(|s| s["name"] == name).unwrap()["detail"].clone();
    assert_eq!(
        detail("repair/system._"),
        "SYSTEM (SZDD-compressed repair copy)"
    );
    assert_eq!(
        detail("repair/software._"),
        "SOFTWARE (SZDD-compressed repair copy)"
    );
    assert_eq!(detail("repair/sam._"), "SAM (SZDD-compressed repair copy)");
}
