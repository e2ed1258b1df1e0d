//! The modules are layered, and imports go one way: down. This reads every
//! source file under `src/`, finds each path it names (`use crate::x`,
//! `use crate::{x, y}`, inline `crate::x::f()`, `super::` chains that leave
//! a top-level module, and `hivetriage::x` from the binary), and fails when
//! a module names one of a higher rank, or two modules name each other.
//! `fixture` (test-only writers, behind a feature) is left out both ways.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules by rank: a module may name modules of its own rank or
/// lower, never higher. `main` is `src/main.rs`. A module missing here
/// fails the test (give it a rank); a ranked module that does not exist
/// (yet) is fine.
const RANKS: &[(&str, u8)] = &[
    ("escape", 0),
    ("encoding", 0),
    ("bundle", 1),
    ("registry", 2),
    ("acl", 3),
    ("source", 4),
    ("load", 5),
    ("rules", 6),
    ("report", 7),
    ("analyze", 8),
    ("cli", 9),
    ("main", 9),
];

/// Left out of the check: may name anything, and is named only by tests.
const EXEMPT: &[&str] = &["fixture"];

fn rank(module: &str) -> Option<u8> {
    RANKS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, rank)| *rank)
}

/// The source with comments, string and character literals blanked, so
/// that only code is searched.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && raw_string_starts(&chars, i)
        {
            // A raw string: r"...", r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= chars.len() {
                    break;
                }
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i = past_quoted(&chars, i);
            out.push_str("\"\"");
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A character literal (not a lifetime).
            i = past_quoted(&chars, i);
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Where the string or character literal whose opening quote is at `at`
/// ends (just past its closing quote), escapes skipped.
fn past_quoted(chars: &[char], at: usize) -> usize {
    let quote = chars[at];
    let mut i = at + 1;
    while i < chars.len() && chars[i] != quote {
        if chars[i] == '\\' {
            i += 1;
        }
        i += 1;
    }
    i + 1
}

/// Whether the `r` at `at` starts a raw string (`r"`, `r#"`, `br"`) rather
/// than ending a name.
fn raw_string_starts(chars: &[char], at: usize) -> bool {
    let before = |n: usize| at.checked_sub(n).map(|i| chars[i]);
    match before(1) {
        Some('b') => !before(2).is_some_and(is_ident_char),
        Some(c) => !is_ident_char(c),
        None => true,
    }
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Parses a path (or `use` tree) at `at`, below `prefix`; adds every full path it names to `paths`; returns where it
/// ends.
fn parse_tree(
    chars: &[char],
    mut at: usize,
    prefix: Vec<String>,
    paths: &mut Vec<Vec<String>>,
) -> usize {
    let skip_ws = |at: &mut usize| {
        while *at < chars.len() && chars[*at].is_whitespace() {
            *at += 1;
        }
    };
    let mut segments = prefix;
    loop {
        skip_ws(&mut at);
        if chars.get(at) == Some(&'{') {
            at += 1;
            loop {
                skip_ws(&mut at);
                match chars.get(at) {
                    None => return at,
                    Some('}') => return at + 1,
                    Some(',') => at += 1,
                    _ => {
                        let before = at;
                        at = parse_tree(chars, at, segments.clone(), paths);
                        if at == before {
                            at += 1;
                        }
                    }
                }
            }
        }
        let start = at;
        while at < chars.len() && (is_ident_char(chars[at]) || chars[at] == '*') {
            at += 1;
        }
        if at == start {
            if !segments.is_empty() {
                paths.push(segments);
            }
            return at;
        }
        segments.push(chars[start..at].iter().collect());
        let mut after = at;
        skip_ws(&mut after);
        if chars.get(after) == Some(&':') && chars.get(after + 1) == Some(&':') {
            at = after + 2;
        } else {
            paths.push(segments);
            return at;
        }
    }
}

/// Every path starting with `crate`, `super`, `self` or `hivetriage` that
/// the code names, as written, each with the inline modules (`mod tests {`)
/// it is written in.
fn named_paths(code: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let chars: Vec<char> = code.chars().collect();
    let mut paths = Vec::new();
    // Inline modules open here, with the brace depth inside each.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut at = 0;
    while at < chars.len() {
        let starts_word = at == 0 || !(is_ident_char(chars[at - 1]) || chars[at - 1] == '$');
        match chars[at] {
            '{' => {
                depth += 1;
                at += 1;
                continue;
            }
            '}' => {
                if inline.last().is_some_and(|(_, inside)| *inside == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                at += 1;
                continue;
            }
            _ => {}
        }
        if starts_word && word_at(&chars, at) == "mod" {
            // `mod name {`: an inline module; `mod name;` is a file.
            let mut next = at + 3;
            while next < chars.len() && chars[next].is_whitespace() {
                next += 1;
            }
            let name = word_at(&chars, next);
            let mut after = next + name.len();
            while after < chars.len() && chars[after].is_whitespace() {
                after += 1;
            }
            if !name.is_empty() && chars.get(after) == Some(&'{') {
                inline.push((name, depth + 1));
            }
            at += 3;
            continue;
        }
        let rest: String = chars[at..chars.len().min(at + 12)].iter().collect();
        let root = ["crate", "super", "self", "hivetriage"]
            .into_iter()
            .find(|root| {
                rest.starts_with(root) && {
                    let mut after = at + root.len();
                    while after < chars.len() && chars[after].is_whitespace() {
                        after += 1;
                    }
                    chars.get(after) == Some(&':') && chars.get(after + 1) == Some(&':')
                }
            });
        match root {
            Some(_) if starts_word => {
                let mut found = Vec::new();
                at = parse_tree(&chars, at, Vec::new(), &mut found);
                let within: Vec<String> = inline.iter().map(|(name, _)| name.clone()).collect();
                paths.extend(found.into_iter().map(|path| (within.clone(), path)));
            }
            _ => at += 1,
        }
    }
    paths
}

/// The word (name) starting at `at`, empty when none does.
fn word_at(chars: &[char], at: usize) -> String {
    chars[at.min(chars.len())..]
        .iter()
        .take_while(|c| is_ident_char(**c))
        .collect()
}

/// The module a file under `src/` is: `registry/log/mod.rs` is
/// `registry::log`; `main.rs` is `main`; `lib.rs` the root (empty).
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] {
        parts.clear();
    }
    parts
}

/// A path as written, resolved against the module it is written in: the
/// absolute path from the crate root (`None` when `super` climbs past it).
fn resolve(module: &[String], path: &[String]) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    match first.as_str() {
        "crate" | "hivetriage" => Some(rest.to_vec()),
        "self" => Some(module.iter().chain(rest).cloned().collect()),
        "super" => {
            let mut base = module.to_vec();
            let mut rest = path;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
            Some(base.into_iter().chain(rest.iter().cloned()).collect())
        }
        _ => None,
    }
}

/// One file under `src/` (relative), its module and the absolute paths it
/// names.
struct SourceFile {
    file: PathBuf,
    module: Vec<String>,
    named: Vec<Vec<String>>,
}

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every file under `src/`.
fn references(src: &Path) -> Vec<SourceFile> {
    let mut files = Vec::new();
    source_files(src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(src).unwrap().to_path_buf();
            let module = module_of(&relative);
            let text = std::fs::read_to_string(&file).unwrap();
            let named = named_paths(&code_only(&text))
                .iter()
                .filter_map(|(within, path)| {
                    resolve(&[module.clone(), within.clone()].concat(), path)
                })
                .filter(|path| !path.is_empty())
                .collect();
            SourceFile {
                file: relative,
                module,
                named,
            }
        })
        .collect()
}

/// Every way the files break the layering, in words.
fn violations(files: &[SourceFile]) -> Vec<String> {
    let mut problems = BTreeSet::new();
    let mut edges: BTreeMap<(String, String), String> = BTreeMap::new();
    for SourceFile {
        file,
        module,
        named,
    } in files
    {
        let Some(from) = module.first() else {
            continue; // lib.rs: the root only declares the modules.
        };
        if EXEMPT.contains(&from.as_str()) {
            continue;
        }
        let Some(from_rank) = rank(from) else {
            problems.insert(format!(
                "src/{} is in module `{from}`, which has no rank in tests/layers.rs",
                file.display()
            ));
            continue;
        };
        for path in named {
            let to = &path[0];
            if to == from || EXEMPT.contains(&to.as_str()) {
                continue;
            }
            let Some(to_rank) = rank(to) else {
                problems.insert(format!(
                    "src/{} names `{}`, which is not a ranked top-level module",
                    file.display(),
                    path.join("::")
                ));
                continue;
            };
            if to_rank > from_rank {
                problems.insert(format!(
                    "src/{} (`{from}`, rank {from_rank}) names `{}` (`{to}`, rank {to_rank}): \
                     a lower layer may not import a higher one",
                    file.display(),
                    path.join("::")
                ));
            }
            edges
                .entry((from.clone(), to.clone()))
                .or_insert_with(|| format!("src/{}", file.display()));
        }
    }
    for ((from, to), file) in &edges {
        if from < to {
            if let Some(back) = edges.get(&(to.clone(), from.clone())) {
                problems.insert(format!(
                    "`{from}` and `{to}` import each other ({file}, {back})"
                ));
            }
        }
    }
    problems.into_iter().collect()
}

/// Files of the module `within` (and below it) that name `target` (or
/// something below it).
fn files_naming(files: &[SourceFile], within: &[&str], target: &[&str]) -> Vec<String> {
    files
        .iter()
        .filter(|f| f.module.len() >= within.len() && f.module[..within.len()] == *within)
        .filter(|f| {
            f.named
                .iter()
                .any(|path| path.len() >= target.len() && path[..target.len()] == *target)
        })
        .map(|f| format!("src/{}", f.file.display()))
        .collect()
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn modules_import_only_their_own_rank_or_lower() {
    let files = references(&src());
    assert!(files.len() > 50, "read only {} files", files.len());
    let problems = violations(&files);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn hive_files_and_logs_do_not_import_each_other() {
    let files = references(&src());
    let log_names_hive_file =
        files_naming(&files, &["registry", "log"], &["registry", "hive_file"]);
    let hive_file_names_log =
        files_naming(&files, &["registry", "hive_file"], &["registry", "log"]);
    assert!(
        log_names_hive_file.is_empty() || hive_file_names_log.is_empty(),
        "registry::hive_file and registry::log import each other: {log_names_hive_file:?} and \
         {hive_file_names_log:?}"
    );
    assert!(
        log_names_hive_file.is_empty(),
        "the log replay must not import hive_file: {log_names_hive_file:?}"
    );
}

/// The checker itself finds every form of an upward import, so that the
/// tests above cannot pass by reading nothing.
#[test]
fn the_checker_sees_every_form_of_import() {
    let file = |path: &str, text: &str| {
        let relative = PathBuf::from(path);
        let module = module_of(&relative);
        let named = named_paths(&code_only(text))
            .iter()
            .filter_map(|(within, p)| resolve(&[module.clone(), within.clone()].concat(), p))
            .collect();
        SourceFile {
            file: relative,
            module,
            named,
        }
    };
    let upward = [
        ("registry/view.rs", "use crate::report::evidence_text;"),
        ("registry/view.rs", "use crate::{acl, escape};"),
        (
            "registry/view.rs",
            "use crate::{\n    escape::x,\n    rules::{check, fix},\n};",
        ),
        (
            "registry/view.rs",
            "fn f() { let x = crate :: source::text::lines(\"\"); }",
        ),
        ("registry/log/mod.rs", "use super::super::acl::Sid;"),
        (
            "acl/token.rs",
            "pub(crate) fn f() -> super::super::rules::Verdict { todo!() }",
        ),
        ("bundle/mod.rs", "use hivetriage::analyze::LoadedBundle;"),
        (
            "escape.rs",
            "mod tests {\n    fn f() {}\n}\nuse super::bundle::x;",
        ),
        (
            "escape.rs",
            "#[cfg(test)]\nmod tests {\n    use super::super::bundle::x;\n}",
        ),
        (
            "escape.rs",
            "use crate::encoding::lines;\nfn f() { crate::bundle::x(); }",
        ),
    ];
    for (path, text) in upward {
        assert!(
            !violations(&[file(path, text)]).is_empty(),
            "{path}: not seen: {text}"
        );
    }
    let fine = [
        (
            "registry/view.rs",
            "// use crate::report::x;\nuse crate::escape::printable;",
        ),
        (
            "registry/view.rs",
            "/// [`crate::rules::Rule`]\nconst X: &str = \"crate::rules::x\";",
        ),
        ("registry/view.rs", "use crate::fixture::regf::HiveBuilder;"),
        ("registry/log/mod.rs", "use super::base_block::sniff_regf;"),
        ("report/mod.rs", "use crate::{acl::Sid, rules::Verdict};"),
        ("fixture/scenario.rs", "use crate::report::x;"),
        ("main.rs", "use hivetriage::cli;"),
        (
            "acl/names.rs",
            "let c = '\"'; use crate::registry::sam::LocalAccounts;",
        ),
        (
            "escape.rs",
            "mod tests {\n    use super::*;\n    use super::super::encoding::x;\n}",
        ),
    ];
    for (path, text) in fine {
        let found = violations(&[file(path, text)]);
        assert!(found.is_empty(), "{path}: {text}: {found:?}");
    }
    // Two modules of one rank may not import each other either.
    let both = [
        file("escape.rs", "use crate::encoding::lines;"),
        file("encoding.rs", "use crate::escape::printable;"),
    ];
    assert!(!violations(&both).is_empty());
    let cycle = [
        file("registry/log/mod.rs", "use super::hive_file::sniff_regf;"),
        file("registry/hive_file.rs", "use super::log::replay;"),
    ];
    assert!(!files_naming(&cycle, &["registry", "log"], &["registry", "hive_file"]).is_empty());
    assert!(!files_naming(&cycle, &["registry", "hive_file"], &["registry", "log"]).is_empty());
}
