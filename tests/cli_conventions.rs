//! Command-line conventions: every subcommand's `--help` has an example of
//! itself, shell completions and manual pages are generated, and `--color`
//! colours table verdicts only when asked (NO_COLOR and terminal detection
//! are unit-tested in `cli::color`).

mod common;

use std::path::Path;

fn run(args: &[&str]) -> (i32, String) {
    let (status, stdout, _) = common::hivetriage(args).env_remove("NO_COLOR").run();
    (status, stdout)
}

/// Every subcommand path (`["rules", "show"]`, ...), clap's own `help`
/// left out: read from the `Commands:` list of each `--help` (the command
/// line is the binary's, not the library's).
fn subcommand_paths() -> Vec<Vec<String>> {
    fn walk(prefix: &[String], paths: &mut Vec<Vec<String>>) {
        let mut args: Vec<&str> = prefix.iter().map(String::as_str).collect();
        args.push("--help");
        let (status, help) = run(&args);
        assert_eq!(status, 0, "{args:?}");
        let Some((_, commands)) = help.split_once("\nCommands:\n") else {
            return;
        };
        // One command a line, indented by two spaces; wrapped descriptions
        // are indented further.
        let names: Vec<String> = commands
            .lines()
            .take_while(|line| line.starts_with("  "))
            .filter(|line| !line.starts_with("   "))
            .filter_map(|line| line.split_whitespace().next())
            .filter(|name| *name != "help")
            .map(String::from)
            .collect();
        for name in names {
            let mut path = prefix.to_vec();
            path.push(name);
            paths.push(path.clone());
            walk(&path, paths);
        }
    }
    let mut paths = Vec::new();
    walk(&[], &mut paths);
    paths
}

#[test]
fn every_subcommand_help_has_an_example_of_itself() {
    let paths = subcommand_paths();
    for expected in [
        vec!["analyze"],
        vec!["rules"],
        vec!["rules", "show"],
        vec!["collect"],
        vec!["completions"],
        vec!["man"],
    ] {
        assert!(
            paths.iter().any(|p| *p == expected),
            "{expected:?} is a subcommand: {paths:?}"
        );
    }
    let (_, top) = run(&["--help"]);
    assert!(top.contains("Examples:"), "{top}");
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let (status, help) = run(&args);
        assert_eq!(status, 0, "{args:?}");
        let examples = help
            .split_once("Examples:")
            .unwrap_or_else(|| {
                panic!(
                    "`hivetriage {}` --help has no Examples:\n{help}",
                    path.join(" ")
                )
            })
            .1;
        let invocation = format!("hivetriage {}", path.join(" "));
        assert!(
            examples.contains(&invocation),
            "the examples of {invocation} do not show it:\n{help}"
        );
    }
}

#[test]
fn completions_cover_every_subcommand_and_option() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (status, script) = run(&["completions", shell]);
        assert_eq!(status, 0, "{shell}");
        for word in [
            "hivetriage",
            "analyze",
            "collect",
            "rules",
            "fix-dir",
            "color",
        ] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let (status, _) = run(&["completions", "tcsh"]);
    assert_eq!(status, 2, "an unknown shell is bad usage");
}

#[test]
fn man_prints_roff_and_writes_one_page_per_subcommand() {
    let (status, page) = run(&["man"]);
    assert_eq!(status, 0);
    assert!(page.contains(".TH hivetriage 1"), "{page}");
    assert!(
        page.contains(".SH SYNOPSIS") && page.contains("analyze"),
        "{page}"
    );

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("man1");
    let (status, _) = run(&["man", "--dir", target.to_str().unwrap()]);
    assert_eq!(status, 0);
    for path in subcommand_paths() {
        let page = target.join(format!("hivetriage-{}.1", path.join("-")));
        assert!(page.is_file(), "{} written", page.display());
    }
    let analyze = std::fs::read_to_string(target.join("hivetriage-analyze.1")).unwrap();
    assert!(
        analyze.contains("fix\\-dir"),
        "the analyze page lists --fix-dir"
    );
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn color_is_used_only_when_asked_and_only_in_tables() {
    let failing = sample("guests-denied.zip");
    let (status, always) = run(&["analyze", "--color", "always", &failing]);
    assert_eq!(status, 1);
    assert!(always.contains("\u{1b}[1;31mfail\u{1b}[0m"), "{always}");
    // A pipe is not a terminal: auto means no colour.
    let (_, auto) = run(&["analyze", &failing]);
    assert!(!auto.contains('\u{1b}'), "{auto}");
    let (_, never) = run(&["--color", "never", "analyze", &failing]);
    assert!(!never.contains('\u{1b}'), "{never}");
    // Machine formats are never coloured.
    for format in ["json", "jsonl", "csv", "markdown", "html"] {
        let (_, out) = run(&["analyze", "--color", "always", "--format", format, &failing]);
        assert!(!out.contains('\u{1b}'), "{format}: {out}");
    }
}
