//! Builds the inputs `scripts/bench.sh` times, into OUT_DIR:
//!
//! * `corpus-system.zip` and `corpus-system/`: the corpus's real Windows 7
//!   SYSTEM hive (11.8 MB, from `../shared/corpus`) with the sample
//!   SOFTWARE and SAM hives and pickup-folder ACL, as a deflated zip and as
//!   a directory;
//! * `with-dump.zip` and `with-dump/`: the same plus an unrelated 2 GiB
//!   `memory.dmp` (stored in the zip, as collectors add dumps that are
//!   already compressed; a sparse file in the directory);
//! * `large-software.zip` and `large-software/`: the sample bundle with the
//!   generated SOFTWARE-like hive of 200 MB and 520,000 keys;
//! * `batch/`: 200 zip bundles, half of them the corpus bundle, half the
//!   samples (healthy and each failure mode) in turn;
//! * `repeated-acl.zip`: the healthy sample whose pickup snapshot is one
//!   `<path><TAB><SDDL>` line repeated 50,000 times (9 MB), as a collection
//!   script looping by mistake writes it (issue 11).
//!
//! `cargo run --release --example bench_bundle -- OUT_DIR [repeated-acl]`
//! (with `repeated-acl`, only that bundle, which needs no `../shared`).

use hivetriage::fixture::large::add_class_keys;
use hivetriage::fixture::scenario::{Scenario, samples};
use hivetriage::fixture::zip::zip_bytes;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

type Entries = Vec<(String, Vec<u8>)>;

const DUMP_SIZE: u64 = 2 << 30;
const BATCH_SIZE: usize = 200;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: bench_bundle OUT_DIR")?,
    );
    std::fs::create_dir_all(&out)?;

    write_zip(&out.join("repeated-acl.zip"), &repeated_acl_bundle())?;
    if std::env::args().nth(2).as_deref() == Some("repeated-acl") {
        println!("{}", out.display());
        return Ok(());
    }

    let corpus = corpus_bundle()?;
    write_zip(&out.join("corpus-system.zip"), &corpus)?;
    write_dir(&out.join("corpus-system"), &corpus)?;

    write_zip_with_dump(&out.join("with-dump.zip"), &corpus)?;
    write_dir(&out.join("with-dump"), &corpus)?;
    File::create(out.join("with-dump/memory.dmp"))?.set_len(DUMP_SIZE)?;

    let scenario = Scenario::healthy();
    let mut software = scenario.software_builder();
    add_class_keys(&mut software, 520_000);
    let mut large = scenario.entries();
    let software_name = scenario.software_entry.clone();
    let software_entry = large
        .iter_mut()
        .find(|(name, _)| Some(name) == software_name.as_ref())
        .ok_or("the healthy scenario has a SOFTWARE entry")?;
    software_entry.1 = software.to_bytes();
    write_zip(&out.join("large-software.zip"), &large)?;
    write_dir(&out.join("large-software"), &large)?;

    let batch = out.join("batch");
    std::fs::create_dir_all(&batch)?;
    let corpus_zip = std::fs::read(out.join("corpus-system.zip"))?;
    let sample_zips: Vec<Vec<u8>> = samples().iter().map(|s| s.scenario.zip()).collect();
    for index in 0..BATCH_SIZE {
        let bytes = if index % 2 == 0 {
            &corpus_zip
        } else {
            &sample_zips[(index / 2) % sample_zips.len()]
        };
        std::fs::write(batch.join(format!("bundle-{index:03}.zip")), bytes)?;
    }
    println!("{}", out.display());
    Ok(())
}

/// Lines in the repeated snapshot, and their SDDL: the pickup folder's
/// inherited ACL as `icacls` prints it for a folder under a drive root
/// (about 180 bytes a line, 9 MB in all).
const REPEATED_LINES: usize = 50_000;
const REPEATED_SDDL: &str = "D:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)(A;OICIID;0x1200a9;;;WD)\
    (A;OICIID;0x1200a9;;;BU)(A;CIIOID;DC;;;BU)(A;OICIIOID;GA;;;CO)(A;OICIID;0x1301bf;;;AU)";

/// The healthy sample with its snapshot replaced by one line repeated.
fn repeated_acl_bundle() -> Entries {
    let mut entries = Scenario::healthy().entries();
    entries.retain(|(name, _)| !name.starts_with("acl/"));
    let line = format!("C:\\exchsrvr\\imcdata\\Pickup\t{REPEATED_SDDL}\r\n");
    entries.push((
        "acl/pickup.txt".to_string(),
        line.repeat(REPEATED_LINES).into_bytes(),
    ));
    entries
}

/// The healthy sample's entries with the corpus SYSTEM hive in place of
/// its own.
fn corpus_bundle() -> Result<Entries, Box<dyn std::error::Error>> {
    let corpus =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/regipy/SYSTEM.xz");
    let compressed = std::fs::read(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let mut system = Vec::new();
    lzma_rs::xz_decompress(&mut compressed.as_slice(), &mut system)
        .map_err(|e| format!("xz: {e:?}"))?;
    let mut entries = Scenario::healthy().entries();
    entries[0] = ("Reg/SYSTEM".to_string(), system);
    Ok(entries)
}

fn write_zip(path: &Path, entries: &Entries) -> std::io::Result<()> {
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    std::fs::write(path, zip_bytes(&borrowed))
}

fn write_dir(dir: &Path, entries: &Entries) -> std::io::Result<()> {
    for (name, bytes) in entries {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("entry has a parent"))?;
        std::fs::write(path, bytes)?;
    }
    Ok(())
}

/// The entries deflated, then a stored 2 GiB dump of a repeated
/// pseudo-random block, written as it goes (never held in memory).
fn write_zip_with_dump(path: &Path, entries: &Entries) -> Result<(), Box<dyn std::error::Error>> {
    let mut zip = ZipWriter::new(BufWriter::new(File::create(path)?));
    for (name, bytes) in entries {
        zip.start_file(name, SimpleFileOptions::default())?;
        zip.write_all(bytes)?;
    }
    let stored = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    zip.start_file("Dumps/memory.dmp", stored)?;
    let block = hivetriage::fixture::noise(1 << 20, 0x4f6c_dd1d);
    for _ in 0..DUMP_SIZE / block.len() as u64 {
        zip.write_all(&block)?;
    }
    zip.finish()?.flush()?;
    Ok(())
}
