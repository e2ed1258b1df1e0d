//! Builds the bundles the benchmark script times: the corpus's real
//! Windows 7 SYSTEM hive (11.8 MB, from `../shared/corpus`) plus the sample
//! SOFTWARE and SAM hives and pickup-folder ACL, as a `zip -6`-like deflated
//! zip and as a directory. `cargo run --release --example bench_bundle -- OUT_DIR`

use hivetriage::fixture::scenario::Scenario;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: bench_bundle OUT_DIR")?,
    );
    let corpus =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/regipy/SYSTEM.xz");
    let compressed = std::fs::read(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let mut system = Vec::new();
    lzma_rs::xz_decompress(&mut compressed.as_slice(), &mut system)
        .map_err(|e| format!("xz: {e:?}"))?;

    let scenario = Scenario::healthy();
    let mut entries = scenario.entries();
    entries[0] = ("Reg/SYSTEM".to_string(), system);
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    std::fs::create_dir_all(&out)?;
    std::fs::write(
        out.join("corpus-system.zip"),
        hivetriage::fixture::zip::zip_bytes(&borrowed),
    )?;
    let dir = out.join("corpus-system");
    for (name, bytes) in &entries {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("entry has a parent"))?;
        std::fs::write(path, bytes)?;
    }
    println!("{}", out.display());
    Ok(())
}
