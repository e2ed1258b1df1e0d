//! Writes seed inputs for a fuzz target, built with the fixture writers,
//! so a fuzzing run starts from inputs that reach deep into the parser:
//! `cargo run --example fuzz_seeds -- hive_logs [DIR]`, DIR defaulting to
//! `fuzz/corpus/hive_logs`, the corpus `cargo fuzz run hive_logs` reads.
//! The same inputs are replayed by tests/registry_logs_fuzz_regressions.rs.

use hivetriage::fixture::regf::log_cases::hive_logs_inputs;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let target = args
        .next()
        .ok_or("usage: fuzz_seeds TARGET [DIR] (targets: hive_logs)")?;
    let inputs = match target.as_str() {
        "hive_logs" => hive_logs_inputs(),
        other => {
            return Err(format!("no seeds for the fuzz target {other}; known: hive_logs").into());
        }
    };
    let dir = match args.next() {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/corpus")
            .join(&target),
    };
    std::fs::create_dir_all(&dir)?;
    for (index, data) in inputs.iter().enumerate() {
        std::fs::write(dir.join(format!("writer-{index}")), data)?;
    }
    println!("{}: {} seeds for {target}", dir.display(), inputs.len());
    Ok(())
}
