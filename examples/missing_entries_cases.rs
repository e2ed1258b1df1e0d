//! Writes the transaction-log layouts with missing entries
//! (`fixture::regf::log_cases::missing_entries_cases`) for running yarp on
//! them: `cargo run --example missing_entries_cases -- DIR` writes
//! `DIR/<case>/SYSTEM`, `SYSTEM.LOG1` and `SYSTEM.LOG2`, and `ours`, the
//! hive our replay recovers (none when it recovers nothing). The SHA-256s
//! of what yarp saved are kept in tests/registry_logs.rs
//! (`YARP_MISSING_ENTRIES`).

use hivetriage::fixture::regf::log_cases::missing_entries_cases;
use hivetriage::registry::log::{TransactionLog, replay};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: missing_entries_cases DIR")?,
    );
    for (name, files, _) in missing_entries_cases() {
        let case = dir.join(name);
        std::fs::create_dir_all(&case)?;
        std::fs::write(case.join("SYSTEM"), &files.primary)?;
        std::fs::write(case.join("SYSTEM.LOG1"), &files.log1)?;
        std::fs::write(case.join("SYSTEM.LOG2"), &files.log2)?;
        let logs = [
            TransactionLog {
                name: "SYSTEM.LOG1",
                bytes: &files.log1,
            },
            TransactionLog {
                name: "SYSTEM.LOG2",
                bytes: &files.log2,
            },
        ];
        let replayed = replay("SYSTEM", files.primary.clone(), &logs, usize::MAX);
        if let Some(recovered) = replayed.recovered {
            std::fs::write(case.join("ours"), recovered)?;
        }
        println!("{}", case.display());
    }
    Ok(())
}
