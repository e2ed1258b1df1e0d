//! Batch triage through the real binary: folders of many bundles analyzed
//! in parallel, one report per bundle in every format, the contract's exit
//! status, `--shard`, `--timeout-per-bundle`, the table's totals, and
//! entries that are not read whole.

mod common;

use common::run_hivetriage as run;

use hivetriage::fixture::regf::HiveBuilder;
use hivetriage::fixture::scenario::{Scenario, pickup_sddl_read_only};
use hivetriage::fixture::zip::{
    RawEntry, bomb_entry, deflated_with_zeros, raw_zip, with_corrupt_data, zip_bytes,
};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Parses JSON Lines output, one report per line.
fn jsonl(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Each report's bundle (file name only) with its verdict.
fn verdicts(reports: &[Value]) -> BTreeMap<String, String> {
    reports
        .iter()
        .map(|report| {
            let bundle = report["bundle"].as_str().expect("bundle string");
            let name = Path::new(bundle).file_name().expect("a file name");
            (
                name.to_string_lossy().into_owned(),
                report["verdict"].as_str().expect("verdict").to_string(),
            )
        })
        .collect()
}

fn failing_zip() -> Vec<u8> {
    Scenario::healthy()
        .with_pickup_sddl(&pickup_sddl_read_only())
        .zip()
}

/// A folder of good, failing and broken bundles, with what each must give.
fn mixed_batch(dir: &Path) -> BTreeMap<String, String> {
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes).unwrap();
    write("good-1.zip", &Scenario::healthy().zip());
    write("good-2.zip", &Scenario::healthy().zip());
    Scenario::healthy()
        .write_dir(&dir.join("good-dir"))
        .unwrap();
    write("failing-1.zip", &failing_zip());
    write("failing-2.zip", &failing_zip());
    write("broken-not-a-zip.zip", b"this is no zip at all");
    write("broken-truncated.zip", &failing_zip()[..300]);
    // Readable, but its SYSTEM hive is damaged: checks needing it are unknown.
    let mut entries = Scenario::healthy().entries();
    entries[0].1.truncate(2000);
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    write("damaged-hive.zip", &zip_bytes(&borrowed));
    // Not a bundle: passed over by discovery.
    write("notes.txt", b"customer notes");
    [
        ("good-1.zip", "pass"),
        ("good-2.zip", "pass"),
        ("good-dir", "pass"),
        ("failing-1.zip", "fail"),
        ("failing-2.zip", "fail"),
        ("broken-not-a-zip.zip", "error"),
        ("broken-truncated.zip", "error"),
        ("damaged-hive.zip", "unknown"),
    ]
    .into_iter()
    .map(|(name, verdict)| (name.to_string(), verdict.to_string()))
    .collect()
}

#[test]
fn a_mixed_batch_gives_one_report_per_bundle_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let expected = mixed_batch(dir.path());
    let batch = dir.path().to_str().unwrap();

    let (status, stdout, stderr) = run(&["analyze", "--format", "jsonl", "-j", "2", batch]);
    assert_eq!(status, 1, "a failing check decides the status: {stderr}");
    let reports = jsonl(&stdout);
    assert_eq!(reports.len(), expected.len(), "{stdout}");
    assert_eq!(verdicts(&reports), expected);
    for report in &reports {
        if report["verdict"] == "error" {
            assert_eq!(report["checks"], Value::Array(vec![]));
            let why = report["errors"][0].as_str().unwrap();
            assert!(why.contains("broken-"), "errors name the bundle: {why}");
        }
    }

    // `json`: the same reports, in input (name) order.
    let (status, stdout, _) = run(&["analyze", "--format", "json", "-j", "2", batch]);
    assert_eq!(status, 1);
    let array: Vec<Value> = serde_json::from_str(&stdout).unwrap();
    let order: Vec<String> = verdicts(&array).into_keys().collect();
    let shown: Vec<String> = array
        .iter()
        .map(|r| {
            let bundle = r["bundle"].as_str().unwrap();
            Path::new(bundle)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(shown, order, "sorted by name, as the folder lists them");

    // `csv`: one row per bundle and check (one row for an unreadable bundle).
    let (_, stdout, _) = run(&["analyze", "--format", "csv", "-j", "2", batch]);
    let mut rows_per_bundle: BTreeMap<String, usize> = BTreeMap::new();
    for row in csv_records(&stdout).iter().skip(1) {
        let name = Path::new(&row[0]).file_name().unwrap().to_string_lossy();
        *rows_per_bundle.entry(name.into_owned()).or_default() += 1;
    }
    for (bundle, verdict) in &expected {
        let rows = if verdict == "error" { 1 } else { 3 };
        assert_eq!(
            rows_per_bundle.get(bundle),
            Some(&rows),
            "{bundle}: {stdout}"
        );
    }
    assert_eq!(rows_per_bundle.len(), expected.len());
}

/// RFC 4180 records (fields may be quoted, with `""` and line breaks inside).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        !quoted && field.is_empty() && record.is_empty(),
        "CSV ends with a record"
    );
    records
}

#[test]
fn exit_status_three_when_nothing_fails_but_a_bundle_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.zip"), Scenario::healthy().zip()).unwrap();
    std::fs::write(dir.path().join("broken.zip"), b"PK\x03\x04 cut short").unwrap();
    let (status, stdout, _) = run(&["analyze", "--format", "jsonl", dir.path().to_str().unwrap()]);
    assert_eq!(status, 3);
    assert_eq!(jsonl(&stdout).len(), 2);
}

/// Writes `count` bundles (every third one failing) into `dir`; returns
/// their names.
fn numbered_batch(dir: &Path, count: usize) -> BTreeSet<String> {
    let (good, failing) = (Scenario::healthy().zip(), failing_zip());
    (0..count)
        .map(|i| {
            let name = format!("case{i:03}.zip");
            let bytes = if i % 3 == 0 { &failing } else { &good };
            std::fs::write(dir.join(&name), bytes).unwrap();
            name
        })
        .collect()
}

#[test]
fn jsonl_over_200_bundles_is_200_lines_of_json() {
    let dir = tempfile::tempdir().unwrap();
    let names = numbered_batch(dir.path(), 200);
    let (status, stdout, stderr) = run(&[
        "analyze",
        "--format",
        "jsonl",
        "-j",
        "2",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(status, 1, "{stderr}");
    // Not a terminal: no progress bar, and nothing else, on stderr.
    assert_eq!(stderr, "");
    assert_eq!(stdout.lines().count(), 200);
    let reports = jsonl(&stdout);
    let seen = verdicts(&reports);
    assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), names);
    let failing = seen.values().filter(|v| *v == "fail").count();
    assert_eq!(failing, 67, "every third of 200, from 0");
    assert!(seen.values().all(|v| v == "fail" || v == "pass"));
}

#[test]
fn shards_cover_every_bundle_exactly_once_and_concatenate_to_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("incoming");
    std::fs::create_dir(&batch).unwrap();
    let names = numbered_batch(&batch, 40);
    let batch_arg = batch.to_str().unwrap();

    let (_, whole, _) = run(&["analyze", "--format", "jsonl", "-j", "2", batch_arg]);
    // The same lines but for when each analysis ran and how long it took.
    let mut whole = common::jsonl_without_timing(&whole);
    whole.sort_unstable();

    for count in [1, 3, 4] {
        let mut concatenated = String::new();
        let mut seen: Vec<String> = Vec::new();
        for k in 1..=count {
            let shard = format!("{k}/{count}");
            let (status, stdout, stderr) = run(&[
                "analyze", "--format", "jsonl", "--shard", &shard, "-j", "2", batch_arg,
            ]);
            assert!(matches!(status, 0 | 1), "{shard}: {status} {stderr}");
            let share = verdicts(&jsonl(&stdout));
            if count > 1 {
                assert!(
                    share.len() < names.len(),
                    "shard {shard} holds only part: {}",
                    share.len()
                );
            }
            seen.extend(share.into_keys());
            concatenated.push_str(&stdout);
        }
        seen.sort();
        let expected: Vec<String> = names.iter().cloned().collect();
        assert_eq!(seen, expected, "{count} shards: each bundle exactly once");
        let mut lines = common::jsonl_without_timing(&concatenated);
        lines.sort_unstable();
        assert_eq!(
            lines, whole,
            "{count} shards concatenate to the whole result"
        );
    }

    // The same batch elsewhere (another machine's mount) splits the same way.
    let other = dir.path().join("elsewhere").join("incoming");
    std::fs::create_dir_all(&other).unwrap();
    numbered_batch(&other, 40);
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let share = |path: &Path| {
            let args = ["analyze", "--format", "jsonl", "--shard", &shard];
            let (_, stdout, _) = run(&[&args[..], &[path.to_str().unwrap()]].concat());
            verdicts(&jsonl(&stdout)).into_keys().collect::<Vec<_>>()
        };
        assert_eq!(share(&batch), share(&other), "shard {shard}");
    }
}

#[test]
fn bad_shards_are_usage_errors() {
    for bad in ["0/3", "4/3", "1/0", "two/3", "3"] {
        let (status, stdout, stderr) = run(&["analyze", "--shard", bad, "samples/healthy.zip"]);
        assert_eq!(status, 2, "{bad}: {stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("shard"), "{bad}: {stderr}");
    }
}

/// The healthy bundle, its SYSTEM hive followed by `padding` zero bytes
/// (read whole, as a hive is: slow to inflate, cheap to build).
fn bundle_with_long_system_hive(padding: u32) -> Vec<u8> {
    let entries = Scenario::healthy().entries();
    let raw: Vec<RawEntry> = entries
        .iter()
        .enumerate()
        .map(|(position, (name, bytes))| {
            if position == 0 {
                deflated_with_zeros(name, bytes, padding)
            } else {
                RawEntry::stored(name, bytes)
            }
        })
        .collect();
    assert!(entries[0].0.to_ascii_lowercase().contains("system"));
    raw_zip(&raw)
}

#[test]
fn a_bundle_over_its_time_is_an_error_saying_so_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    // 256 MiB to inflate cannot be done in 1 ms (it is more than memory
    // bandwidth allows), so this bundle times out whatever the machine.
    std::fs::write(
        dir.path().join("a-slow.zip"),
        bundle_with_long_system_hive(256 << 20),
    )
    .unwrap();
    std::fs::write(dir.path().join("b-broken.zip"), b"not a zip").unwrap();
    let (status, stdout, stderr) = run(&[
        "analyze",
        "--format",
        "jsonl",
        "--timeout-per-bundle",
        "1ms",
        "--max-compression-ratio",
        "100000",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(status, 3, "{stderr}");
    let reports = jsonl(&stdout);
    assert_eq!(reports.len(), 2, "the batch went on: {stdout}");
    let slow = reports
        .iter()
        .find(|r| r["bundle"].as_str().unwrap().ends_with("a-slow.zip"))
        .expect("a report for the slow bundle");
    assert_eq!(slow["verdict"], "error");
    assert_eq!(slow["checks"], Value::Array(vec![]));
    let why = slow["errors"][0].as_str().unwrap();
    assert!(why.contains("a-slow.zip"), "{why}");
    assert!(why.contains("timed out"), "{why}");
    assert!(why.contains("--timeout-per-bundle"), "{why}");
}

#[test]
fn without_the_time_limit_the_same_long_bundle_passes() {
    // The padding is only slow, not wrong: what timed out above is the time.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.zip");
    std::fs::write(&path, bundle_with_long_system_hive(8 << 20)).unwrap();
    let (status, stdout, stderr) = run(&[
        "analyze",
        "--format",
        "jsonl",
        "--timeout-per-bundle",
        "0",
        "--max-compression-ratio",
        "100000",
        path.to_str().unwrap(),
    ]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(jsonl(&stdout)[0]["verdict"], "pass");
}

#[test]
fn the_table_ends_with_totals_and_failing_checks_grouped() {
    let dir = tempfile::tempdir().unwrap();
    mixed_batch(dir.path());
    let (status, table, _) = run(&["analyze", "--color", "never", dir.path().to_str().unwrap()]);
    assert_eq!(status, 1);
    let tail = &table[table.find("Totals: 8 bundles").expect("totals")..];
    let lines: Vec<&str> = tail.lines().map(str::trim).collect();
    assert_eq!(
        &lines[..6],
        [
            "Totals: 8 bundles",
            "2 fail",
            "1 unknown",
            "2 error",
            "3 pass",
            ""
        ]
    );
    assert_eq!(lines[6], "Failing checks:");
    assert_eq!(lines[7], "2 bundles fail Q306957.pickup-acl");
    let listed: Vec<&str> = tail
        .split("Bundles failing Q306957.pickup-acl:\n")
        .nth(1)
        .expect("bundles of the failing check")
        .lines()
        .map(str::trim)
        .collect();
    assert!(listed[0].ends_with("failing-1.zip"), "{tail}");
    assert!(listed[1].ends_with("failing-2.zip"), "{tail}");
    assert_eq!(listed.len(), 2, "{tail}");
}

#[test]
fn unrelated_entries_and_unneeded_hives_are_not_read_whole() {
    // A big memory dump and a SECURITY hive, each with its deflate data
    // broken half-way: read whole, either would be reported as corrupt.
    let dump = bomb_entry("dump/memory.dmp", 512 << 20);
    let mut security = HiveBuilder::new();
    security
        .root_name("SECURITY")
        .file_name(r"\SystemRoot\System32\Config\SECURITY");
    // Enough incompressible-looking data that the break lies past the
    // first 256 KiB, which is all that is looked at to identify the hive.
    for i in 0..64 {
        let noise = hivetriage::fixture::noise(16_384, 0x2545_f491 + i);
        security
            .key(&format!(r"Policy\Secrets\S{i}"))
            .binary("CurrVal", &noise);
    }
    let security = security.to_bytes();
    assert!(security.len() > 1 << 20);

    let mut entries: Vec<RawEntry> = Scenario::healthy()
        .entries()
        .iter()
        .map(|(name, bytes)| RawEntry::stored(name, bytes))
        .collect();
    entries.push(dump);
    let zip = with_corrupt_data(&raw_zip(&entries), "dump/memory.dmp");
    let dir = tempfile::tempdir().unwrap();
    let with_dump = dir.path().join("dump.zip");
    std::fs::write(&with_dump, zip).unwrap();

    // The SECURITY hive deflated by a real zip writer, then broken.
    let mut all = Scenario::healthy().entries();
    all.push(("Reg/SECURITY".to_string(), security));
    let borrowed: Vec<(&str, &[u8])> = all
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    let with_security = dir.path().join("security.zip");
    std::fs::write(
        &with_security,
        with_corrupt_data(&zip_bytes(&borrowed), "Reg/SECURITY"),
    )
    .unwrap();

    for (path, entry, detail) in [
        (&with_dump, "dump/memory.dmp", "ignored"),
        (&with_security, "Reg/SECURITY", "not read further"),
    ] {
        let (status, stdout, stderr) =
            run(&["analyze", "--format", "jsonl", path.to_str().unwrap()]);
        assert_eq!(status, 0, "{stderr}");
        let report = &jsonl(&stdout)[0];
        assert_eq!(report["verdict"], "pass", "{report:#}");
        let errors = report["errors"].to_string();
        assert!(!errors.contains(entry), "{entry} was read whole: {errors}");
        let source = report["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == entry)
            .unwrap_or_else(|| panic!("{entry} listed: {report:#}"));
        let shown = format!("{} {}", source["kind"], source["detail"]);
        assert!(shown.contains(detail), "{entry}: {shown}");
    }
}

#[test]
fn mapped_and_copied_reads_give_the_same_reports() {
    // Directory bundles and stored zip entries are memory-mapped unless
    // --no-mmap; what is read must not depend on it.
    let dir = tempfile::tempdir().unwrap();
    let failing = Scenario::healthy().with_pickup_sddl(&pickup_sddl_read_only());
    failing.write_dir(&dir.path().join("as-dir")).unwrap();
    let entries = failing.entries();
    let stored: Vec<RawEntry> = entries
        .iter()
        .map(|(name, bytes)| RawEntry::stored(name, bytes))
        .collect();
    std::fs::write(dir.path().join("stored.zip"), raw_zip(&stored)).unwrap();
    let batch = dir.path().to_str().unwrap();
    let (status, mapped, _) = run(&["analyze", "--format", "json", batch]);
    assert_eq!(status, 1);
    let (status, copied, _) = run(&["analyze", "--format", "json", "--no-mmap", batch]);
    assert_eq!(status, 1);
    let timeless = |json: &str| -> Vec<Value> {
        let reports: Vec<Value> = serde_json::from_str(json).unwrap();
        reports.into_iter().map(common::without_timing).collect()
    };
    assert_eq!(timeless(&mapped), timeless(&copied));
    let reports: Vec<Value> = serde_json::from_str(&mapped).unwrap();
    assert_eq!(reports.len(), 2);
    assert!(reports.iter().all(|r| r["verdict"] == "fail"), "{mapped}");
}

/// Archives hivetriage does not read, in a folder of bundles: skipped with
/// the reason in every output and on stderr, exit 3 when nothing fails;
/// `--list` shows the same without analyzing.
#[test]
fn archives_not_read_are_skipped_visibly_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    std::fs::create_dir_all(batch.join("week2")).unwrap();
    std::fs::write(batch.join("healthy.zip"), Scenario::healthy().zip()).unwrap();
    std::fs::write(
        batch.join("week2/also-healthy.zip"),
        Scenario::healthy().zip(),
    )
    .unwrap();
    std::fs::write(batch.join("old.7z"), b"7z\xBC\xAF\x27\x1C\x00\x04").unwrap();
    let batch_arg = batch.to_str().unwrap();

    let (status, out, err) = run(&["analyze", "--list", batch_arg]);
    assert_eq!(status, 3, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].starts_with("analyze    ") && lines[0].ends_with("batch/healthy.zip"));
    assert!(
        lines[1].starts_with("skip       ")
            && lines[1].contains("batch/old.7z: skipped: a 7-Zip archive")
    );
    assert!(lines[2].ends_with("batch/week2/also-healthy.zip"), "{out}");
    assert_eq!(lines[3], "2 to analyze, 1 skipped, 0 unreadable");

    let (status, out, err) = run(&["analyze", "--format", "jsonl", batch_arg]);
    assert_eq!(status, 3, "nothing fails, one input skipped");
    assert!(err.contains("old.7z: skipped: a 7-Zip archive"), "{err}");
    let reports = jsonl(&out);
    assert_eq!(reports.len(), 3);
    let skipped: Vec<&Value> = reports
        .iter()
        .filter(|r| r["skipped"].is_string())
        .collect();
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0]["verdict"], "error");
    assert!(
        skipped[0]["errors"][0]
            .as_str()
            .unwrap()
            .contains("extract it")
    );

    let (status, table, _) = run(&["analyze", "--wide", batch_arg]);
    assert_eq!(status, 3);
    assert!(table.contains("skipped: a 7-Zip archive"), "{table}");
    assert!(table.contains("1 error (1 skipped"), "{table}");

    // Only archives: still looked at, so exit 3, not 2 (bad usage).
    let only = dir.path().join("only");
    std::fs::create_dir(&only).unwrap();
    std::fs::write(only.join("x.rar"), b"Rar!\x1A\x07\x00").unwrap();
    let (status, _, _) = run(&["analyze", only.to_str().unwrap()]);
    assert_eq!(status, 3);
}
