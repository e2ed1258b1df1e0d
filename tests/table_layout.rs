//! The `table` format as a person sees it, at 80, 100 and 200 columns and
//! with `--wide`, on samples with a failing ACL (a deny entry), a missing
//! RootDir (a fix whose command is longer than 80 columns) and a batch.
//!
//! The renderings are snapshots (`tests/snapshots/table_layout__*.snap`,
//! to be read when reviewing a change); every line fits its width unless
//! it is one unbreakable unit (a command); each fix's commands appear
//! whole on one line. `what_a_terminal_shows_is_the_snapshot` runs the
//! real binary in tmux at each width (it finds the width itself, from the
//! terminal) and checks the pane holds exactly the snapshot's text; it
//! skips, saying so, when tmux is not installed (`.ci/run` installs it).

mod common;

use hivetriage::analyze::{AnalyzeOptions, analyze_location};
use hivetriage::bundle::{BundleLocation, discover};
use hivetriage::report::layout::{units, width};
use hivetriage::report::{BundleReport, TableStyle, write_table_styled};
use std::path::PathBuf;
use std::process::Command;

const WIDTHS: [usize; 3] = [80, 100, 200];

/// The reports of an input as `analyze` finds and names them (paths
/// relative to the repository, as the tests run there).
fn reports(input: &str) -> Vec<BundleReport> {
    let found = discover(&[PathBuf::from(input)], &|path, first| {
        hivetriage::source::is_registry_data(&path.to_string_lossy(), first)
    });
    found
        .into_iter()
        .map(|location| {
            let location: BundleLocation = location.expect("samples are readable");
            analyze_location(&location, &AnalyzeOptions::default())
        })
        .collect()
}

fn render(reports: &[BundleReport], width: Option<usize>) -> String {
    let mut out = Vec::new();
    let style = TableStyle {
        color: false,
        width,
    };
    write_table_styled(&mut out, reports, style).unwrap();
    String::from_utf8(out).unwrap()
}

/// The inputs shown, with the names their snapshots get.
const INPUTS: [(&str, &str); 3] = [
    ("samples/guests-denied.zip", "guests_denied"),
    ("samples/no-imc-rootdir.zip", "no_imc_rootdir"),
    ("samples", "batch"),
];

/// Every command of every fix, as the check's remediation forms give them
/// (steps and undo): what an engineer pastes.
fn commands(reports: &[BundleReport]) -> Vec<String> {
    reports
        .iter()
        .flat_map(|r| &r.checks)
        .flat_map(|c| &c.remediation_forms)
        .flat_map(|form| form.steps.iter().chain(&form.undo))
        .flat_map(|step| step.commands.iter().cloned())
        .collect()
}

fn check_layout(what: &str, text: &str, columns: usize, reports: &[BundleReport]) {
    let commands = commands(reports);
    for line in text.lines() {
        if width(line) > columns {
            let content = line.trim_start();
            // A command stays whole on a line of its own (the terminal
            // folds it); anything else wider than the line is one unit
            // that cannot be broken (a path, a SID).
            assert!(
                commands.iter().any(|c| c == content) || units(content).len() == 1,
                "{what}: a line wider than {columns} columns that could have been wrapped:\n{line}"
            );
        }
    }
    if reports.len() == 1 {
        assert!(
            reports[0].verdict != hivetriage::rules::Verdict::Fail || !commands.is_empty(),
            "{what}: a failing bundle whose fix has no command"
        );
        for command in &commands {
            assert!(
                text.lines().any(|line| line.trim_start() == command),
                "{what}: the command is not whole on a line of its own: {command}\n{text}"
            );
        }
    }
}

#[test]
fn tables_at_80_100_and_200_columns_and_wide() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(true);
    settings.bind(|| {
        for (input, name) in INPUTS {
            let reports = reports(input);
            for columns in WIDTHS {
                let text = render(&reports, Some(columns));
                check_layout(&format!("{name} at {columns}"), &text, columns, &reports);
                insta::assert_snapshot!(format!("{name}_{columns}"), text);
            }
            let wide = render(&reports, None);
            let lines_per_item = if reports.len() == 1 {
                reports[0].checks.len()
            } else {
                reports.len()
            };
            // Header, borders, one line per check (or bundle).
            let rows = wide.lines().filter(|l| l.starts_with('│')).count();
            assert_eq!(rows, lines_per_item + 1, "{name} --wide:\n{wide}");
            insta::assert_snapshot!(format!("{name}_wide"), wide);
        }
    });
}

/// Runs `hivetriage analyze INPUT` in a detached tmux session `columns`
/// wide (COLUMNS unset: the width comes from the terminal) and returns the
/// pane's text, folded lines joined (`capture-pane -J`), or `None` when
/// tmux is not installed.
fn in_tmux(input: &str, columns: usize) -> Option<String> {
    let available = Command::new("tmux").arg("-V").output();
    if !available.is_ok_and(|o| o.status.success()) {
        return None;
    }
    let socket = format!("hivetriage-test-{}-{columns}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs")
    };
    let binary = env!("CARGO_BIN_EXE_hivetriage");
    let script = format!(
        "cd '{}' && env -u COLUMNS '{binary}' analyze '{input}'; echo __END__ $?; sleep 60",
        env!("CARGO_MANIFEST_DIR")
    );
    let (x, y) = (columns.to_string(), "200".to_string());
    let started = tmux(&["new-session", "-d", "-x", &x, "-y", &y, "-s", "t", &script]);
    assert!(started.status.success(), "{started:?}");
    let mut pane = String::new();
    for _ in 0..200 {
        let captured = tmux(&["capture-pane", "-p", "-J", "-S", "-", "-t", "t"]);
        pane = String::from_utf8_lossy(&captured.stdout).into_owned();
        if pane.contains("__END__") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    tmux(&["kill-server"]);
    let end = pane
        .find("__END__")
        .expect("the command finished in the pane");
    // Run in a terminal, not through common::hivetriage: check for a panic
    // (status 101) here.
    let status = pane[end..].split_whitespace().nth(1);
    assert_ne!(status, Some("101"), "panicked: {pane}");
    Some(pane[..end].to_string())
}

#[test]
fn what_a_terminal_shows_is_the_snapshot() {
    for (input, name) in INPUTS {
        let reports = reports(input);
        for columns in WIDTHS {
            let Some(pane) = in_tmux(input, columns) else {
                common::skip("tmux is not installed (apt-get install tmux)");
                return;
            };
            assert!(pane.contains("Q306957."), "{name} at {columns}: {pane}");
            let trimmed = |text: &str| -> Vec<String> {
                text.lines().map(|l| l.trim_end().to_string()).collect()
            };
            let expected = render(&reports, Some(columns));
            assert_eq!(
                trimmed(&pane),
                trimmed(&expected),
                "{name} at {columns} columns: the terminal shows something else"
            );
        }
    }
}

#[test]
fn the_table_fits_columns_given_by_the_environment() {
    let run = |columns: &str| {
        let (_, stdout, _) = common::hivetriage(["analyze", "samples/guests-denied.zip"])
            .env("COLUMNS", columns)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .run();
        stdout
    };
    let reports = reports("samples/guests-denied.zip");
    assert_eq!(run("80"), render(&reports, Some(80)));
    // In a pipe without COLUMNS: 100 columns.
    let (_, stdout, _) = common::hivetriage(["analyze", "samples/guests-denied.zip"])
        .env_remove("COLUMNS")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .run();
    assert_eq!(stdout, render(&reports, Some(100)));
}

/// A check whose evidence is mostly sentences (an `unknown` without a SAM:
/// the token's unknowns, what it depends on, the next step with a command
/// in backquotes) wraps them all at every width, keeping the command whole.
#[test]
fn sentences_in_evidence_wrap_and_commands_in_them_stay_whole() {
    use hivetriage::fixture::scenario::{Scenario, pickup_sddl_guests_denied};
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("no-sam.zip");
    let scenario = Scenario {
        sam_entry: None,
        ..Scenario::healthy().with_pickup_sddl(&pickup_sddl_guests_denied())
    };
    std::fs::write(&bundle, scenario.zip()).unwrap();
    let reports = reports(bundle.to_str().unwrap());
    assert_eq!(reports[0].verdict, hivetriage::rules::Verdict::Unknown);
    for columns in WIDTHS {
        let text = render(&reports, Some(columns));
        check_layout(&format!("no SAM at {columns}"), &text, columns, &reports);
        assert!(
            text.lines()
                .any(|line| line.contains("`hivetriage collect --for nt4`")),
            "at {columns}: the collect command is broken:\n{text}"
        );
    }
}
