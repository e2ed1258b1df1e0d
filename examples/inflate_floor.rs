//! The floor `analyze` is measured against: a minimal process that opens a
//! zip and inflates the entries a Q306957 analysis needs (every entry but
//! the ones it would ignore), doing nothing else.
//! `cargo run --release --example inflate_floor -- bundle.zip`

use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: inflate_floor BUNDLE.zip")?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(std::fs::File::open(path)?))?;
    let mut total = 0usize;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index)?;
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes)?;
        total += bytes.len();
    }
    std::hint::black_box(total);
    Ok(())
}
