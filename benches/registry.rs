//! Registry benchmarks (issue 5): a full walk decoding every key and value
//! (what `query /s` does), in MB/s of hive, and the Q306957 rule's lookups
//! once a hive is in memory; over a generated SOFTWARE-like hive of
//! ≥ 100 MB and ≥ 500,000 keys (built here, never committed) and, when
//! `../shared` is beside the repository, the corpus's real SYSTEM hive.
//!
//! `cargo bench --bench registry`; `scripts/bench.sh` runs it with the
//! whole-process figures.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hivetriage::acl::AclView;
use hivetriage::fixture::large::add_class_keys;
use hivetriage::fixture::scenario::Scenario;
use hivetriage::registry::{HiveFile, HiveKind, RegKey, RegistryView, WalkControl};
use hivetriage::rules::{self, RuleOptions, Views};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

/// Keys generated into the large hive: enough for ≥ 100 MB.
const LARGE_KEYS: usize = 520_000;

fn large_software_hive() -> Vec<u8> {
    let mut hive = Scenario::healthy().software_builder();
    add_class_keys(&mut hive, LARGE_KEYS);
    let bytes = hive.to_bytes();
    assert!(bytes.len() >= 100 << 20, "{} bytes", bytes.len());
    bytes
}

/// The corpus's Windows 7 SYSTEM hive, when `../shared` is there.
fn corpus_system_hive() -> Option<Vec<u8>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/regipy/SYSTEM.xz");
    let Ok(compressed) = std::fs::read(&path) else {
        eprintln!(
            "skipping the corpus SYSTEM benchmarks: {} is absent",
            path.display()
        );
        return None;
    };
    let mut bytes = Vec::new();
    lzma_rs::xz_decompress(&mut compressed.as_slice(), &mut bytes).expect("corpus SYSTEM.xz");
    Some(bytes)
}

fn open(name: &str, bytes: Vec<u8>) -> HiveFile {
    HiveFile::open(name.to_string(), bytes)
        .expect("bench hive")
        .0
}

/// Walks every key, decoding each value's data as `query` prints it;
/// returns a sum so nothing is optimised away.
fn full_walk(hive: &HiveFile) -> usize {
    let mut decoded = 0usize;
    let mut visit = |key: &RegKey| {
        decoded += key.path.len() + key.subkeys.len();
        for value in &key.values {
            decoded += value.name.len() + value.type_name().len();
            decoded += match value.data() {
                hivetriage::registry::RegData::String(text) => text.len(),
                hivetriage::registry::RegData::Number(number) => number as usize & 1,
                hivetriage::registry::RegData::MultiString(list) => list.len(),
                hivetriage::registry::RegData::Bytes(bytes) => bytes.len(),
            };
        }
        WalkControl::Continue
    };
    let summary = hive.walk_keys("", &mut visit).expect("walk").expect("root");
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    decoded + summary.keys
}

fn walks(c: &mut Criterion) {
    let mut group = c.benchmark_group("full_walk");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let large = large_software_hive();
    group.throughput(Throughput::Bytes(large.len() as u64));
    let large = open("SOFTWARE (generated)", large);
    group.bench_function("generated_software", |b| {
        b.iter(|| black_box(full_walk(&large)))
    });
    if let Some(system) = corpus_system_hive() {
        group.throughput(Throughput::Bytes(system.len() as u64));
        let system = open("SYSTEM (corpus)", system);
        group.bench_function("corpus_system", |b| {
            b.iter(|| black_box(full_walk(&system)))
        });
    }
    group.finish();
}

/// Every Q306957 check over a registry view whose SOFTWARE hive is the
/// large one (and SYSTEM the healthy sample's, or the corpus's).
fn rule_lookups(c: &mut Criterion) {
    let scenario = Scenario::healthy();
    let mut registry = RegistryView::new();
    registry.add(
        HiveKind::Software,
        Box::new(open("SOFTWARE (generated)", large_software_hive())),
    );
    registry.add(
        HiveKind::System,
        Box::new(open("SYSTEM", scenario.system_hive())),
    );
    let acl = AclView::default();
    let options = RuleOptions::default();
    let views = Views {
        registry: &registry,
        acl: &acl,
        accounts: None,
        options: &options,
    };
    c.bench_function("q306957_lookups_generated_software", |b| {
        b.iter(|| {
            let checks: Vec<_> = rules::all()
                .iter()
                .flat_map(|rule| rule.evaluate(black_box(&views)))
                .collect();
            black_box(checks)
        })
    });
}

criterion_group!(benches, walks, rule_lookups);
criterion_main!(benches);
