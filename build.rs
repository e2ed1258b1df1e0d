//! Generates the list of rules from the files in `src/rules/`, so that a new
//! article is added by adding one rule module and nothing else. Each module
//! `src/rules/<name>.rs` must define `pub static RULE: <type implementing Rule>`,
//! except the modules `src/rules/mod.rs` declares itself ([`NOT_RULES`]).

use std::fmt::Write;
use std::path::Path;

/// Files in `src/rules/` that are not rules: the folder's own module and
/// the helpers it declares for every rule (building results and evidence,
/// what to collect next, building fixes). A helper left out of this list fails to build, twice
/// declared and without a `RULE`.
const NOT_RULES: &[&str] = &["mod", "check", "collect", "fix"];

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let rules_dir = Path::new(&manifest_dir).join("src").join("rules");
    println!("cargo:rerun-if-changed={}", rules_dir.display());

    let mut modules: Vec<String> = std::fs::read_dir(&rules_dir)
        .expect("src/rules exists")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter_map(|path| {
            path.file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
        })
        .filter(|stem| !NOT_RULES.contains(&stem.as_str()))
        .collect();
    modules.sort();

    let mut generated = String::new();
    for module in &modules {
        let path = rules_dir.join(format!("{module}.rs"));
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            generated,
            "#[path = {:?}]\npub mod {module};",
            path.display().to_string()
        )
        .unwrap();
    }
    writeln!(generated, "\n/// Every rule, in module-name order.").unwrap();
    writeln!(
        generated,
        "pub fn all() -> Vec<&'static dyn Rule> {{\n    vec!["
    )
    .unwrap();
    for module in &modules {
        writeln!(generated, "        &{module}::RULE,").unwrap();
    }
    writeln!(generated, "    ]\n}}").unwrap();

    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(Path::new(&out_dir).join("rules_list.rs"), generated)
        .expect("OUT_DIR is writable");
}
