//! Writes the benchmarks' large generated SOFTWARE-like hive (≥ 100 MB,
//! ≥ 500,000 keys) to a file, for whole-process runs of the benchmark
//! script. `cargo run --release --example bench_large_hive -- OUT_FILE [KEYS]`

use hivetriage::fixture::large::add_class_keys;
use hivetriage::fixture::scenario::Scenario;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: bench_large_hive OUT_FILE [KEYS]")?;
    let keys = match args.next() {
        Some(keys) => keys.parse()?,
        None => 520_000,
    };
    let mut hive = Scenario::healthy().software_builder();
    add_class_keys(&mut hive, keys);
    let bytes = hive.to_bytes();
    std::fs::write(&out, &bytes)?;
    println!("{out}: {} bytes, {keys} generated keys", bytes.len());
    Ok(())
}
