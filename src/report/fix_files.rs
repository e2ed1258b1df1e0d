//! Fix files for `analyze --fix-dir`: from the structured fixes of a
//! bundle's failing checks, rendered for the server's Windows by
//! [`super::remediation`] (the same steps and commands the report's
//! `remediation` shows):
//!
//! * `fix.cmd` runs the fix: it checks it runs on the right computer, saves
//!   each folder's ACL before changing it (cacls' listing on NT 4.0 / 2000 /
//!   XP / 2003 before SP2, `icacls /save` later), runs the commands (setting
//!   registry values with `reg add`, or on NT 4.0 and 2000 by importing
//!   `fix.reg` with `regedit /s`), leaves what must be done by hand or
//!   confirmed first as comments and says so, shows the ACL after, and says
//!   in comments how to undo each change. When the bundle does not say
//!   which Windows the server runs, it holds both forms and picks the icacls
//!   one when `%SystemRoot%\system32\icacls.exe` exists.
//! * `fix.reg` (REGEDIT4, which NT 4.0's regedit imports) sets the registry
//!   values, whatever the version: double-clicking it works anywhere.
//!
//! Both files are ASCII with CRLF line ends, so they are valid in any ANSI
//! or OEM code page: a value or path with other characters is left to the
//! person, with a comment saying so, since the server's code page is not
//! known here. Both begin with [`WRITTEN_BY`], by which a later run knows
//! the files as its own.

use super::BundleReport;
use super::collect_script::ascii;
use super::remediation::{self, reg_string, regedit4_entry};
use crate::registry::windows_version::WindowsVersion;
use crate::rules::{CheckResult, FixAction, RegistryFix, RemediationForm, Verdict};

/// The words both fix files begin with (after `REGEDIT4` / `@echo off`),
/// by which `--fix-dir` tells its own files from anyone else's.
pub const WRITTEN_BY: &str = "Written by hivetriage for bundle";

/// The files to write for one bundle; `None` for a file with nothing to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixFiles {
    /// `fix.reg`: ASCII, CRLF.
    pub reg: Option<String>,
    /// `fix.cmd`: ASCII, CRLF.
    pub cmd: Option<String>,
}

/// Whether a file's text is one `--fix-dir` wrote: [`WRITTEN_BY`] in its
/// first lines.
pub fn written_by_hivetriage(text: &[u8]) -> bool {
    let head = &text[..text.len().min(512)];
    String::from_utf8_lossy(head)
        .lines()
        .take(4)
        .any(|line| line.contains(WRITTEN_BY))
}

/// The fix files of a report; `None` when no check fails with a fix (a
/// passing bundle gets nothing).
pub fn fix_files(report: &BundleReport) -> Option<FixFiles> {
    let failing: Vec<&CheckResult> = report
        .checks
        .iter()
        .filter(|check| check.verdict == Verdict::Fail && !check.fix.is_empty())
        .collect();
    if failing.is_empty() {
        return None;
    }
    let files = FixFiles {
        reg: fix_reg(report, &failing),
        cmd: fix_cmd(report, &failing),
    };
    (files.reg.is_some() || files.cmd.is_some()).then_some(files)
}

/// Lines joined with CRLF, ending with one.
fn crlf(lines: &[String]) -> String {
    let mut text = lines.join("\r\n");
    text.push_str("\r\n");
    text
}

/// `text` broken into lines of at most `width` characters (words are never
/// split), each prefixed with `prefix`.
fn wrapped(prefix: &str, text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in ascii(text).split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && prefix.len() + line.len() + 1 + word.len() > width {
            lines.push(format!("{prefix}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(format!("{prefix}{line}").trim_end().to_string());
    }
    lines
}

fn headline(report: &BundleReport) -> Vec<String> {
    let computer = report
        .computer_name
        .as_deref()
        .unwrap_or("(unknown computer)");
    let windows = report.windows.as_ref().map_or_else(
        || "Windows version unknown".to_string(),
        WindowsVersion::describe,
    );
    vec![
        format!("{WRITTEN_BY} {}.", report.bundle),
        format!("Server: {computer}, {windows}."),
    ]
}

// ---------------------------------------------------------------- fix.reg

/// `fix.reg`, or `None` when no failing check sets a registry value.
fn fix_reg(report: &BundleReport, failing: &[&CheckResult]) -> Option<String> {
    let mut lines = vec!["REGEDIT4".to_string(), String::new()];
    for line in headline(report) {
        lines.extend(wrapped("; ", &line, 78));
    }
    lines.extend(wrapped(
        "; ",
        "Import it on that server as an administrator: double-click it, or run regedit /s fix.reg in its folder.",
        78,
    ));
    let mut any = false;
    for check in failing {
        let values: Vec<&RegistryFix> = check
            .fix
            .iter()
            .filter_map(|action| match action {
                FixAction::SetRegistryValue(value) => Some(value),
                _ => None,
            })
            .collect();
        if values.is_empty() {
            continue;
        }
        any = true;
        lines.push(String::new());
        lines.extend(wrapped(
            "; ",
            &format!("{}: {}", check.id, check.summary),
            78,
        ));
        for value in values {
            lines.extend(registry_lines(value));
        }
    }
    // REGEDIT4 files end with a blank line.
    lines.push(String::new());
    any.then(|| crlf(&lines))
}

fn registry_lines(value: &RegistryFix) -> Vec<String> {
    let mut lines = Vec::new();
    match (regedit4_entry(value), &value.confirm) {
        (Some(entry), None) => lines.extend(entry),
        (Some(entry), Some(confirm)) => {
            lines.extend(wrapped(
                "; ",
                &format!("{confirm}. Then remove the ; before the next two lines."),
                78,
            ));
            lines.extend(entry.iter().map(|line| format!(";{line}")));
        }
        (None, _) => {
            lines.extend(wrapped(
                "; ",
                "This value has characters outside ASCII, and this file cannot know the \
                 server's code page: set it by hand in regedit.",
                78,
            ));
            lines.push(format!(";[{}]", ascii(&value.key)));
            lines.push(format!(";\"{}\"", ascii(&reg_string(&value.value))));
        }
    }
    lines
}

// ---------------------------------------------------------------- fix.cmd

/// A `rem` line's text: `%` doubled (cmd expands variables even there).
fn rem(text: &str) -> Vec<String> {
    wrapped("rem ", &text.replace('%', "%%"), 78)
}

/// An `echo` line: cmd's special characters escaped with `^`, `%` doubled.
fn echo(text: &str) -> String {
    let mut line = String::from("echo ");
    for c in ascii(text).chars() {
        match c {
            '%' => line.push_str("%%"),
            '^' | '&' | '|' | '<' | '>' | '(' | ')' => {
                line.push('^');
                line.push(c);
            }
            other => line.push(other),
        }
    }
    line
}

/// A form's part of `fix.cmd` for one check: its steps as comments and
/// commands, by-hand steps announced on the console, and how to undo.
fn form_lines(check: &CheckResult, form: &RemediationForm) -> Vec<String> {
    let mut lines = vec!["rem".to_string()];
    lines.extend(rem(&format!("{}: {}", check.id, check.summary)));
    for (number, step) in form.steps.iter().enumerate() {
        lines.extend(rem(&format!("{}. {}", number + 1, step.text)));
        if step.commands.is_empty() {
            lines.push(echo(&format!(
                "To do by hand: {} step {} (the steps are in fix.cmd).",
                check.id,
                number + 1
            )));
        } else if step.confirm_first {
            lines.extend(step.commands.iter().map(|c| format!("rem {c}")));
            lines.push(echo(&format!(
                "Not done: {} step {} waits for you to confirm it (see fix.cmd).",
                check.id,
                number + 1
            )));
        } else {
            lines.extend(step.commands.iter().cloned());
        }
    }
    if !form.undo.is_empty() {
        lines.extend(rem("To undo:"));
        for step in &form.undo {
            lines.extend(rem(&format!("- {}", step.text)));
            lines.extend(step.commands.iter().map(|c| format!("rem     {c}")));
        }
    }
    lines
}

/// `fix.cmd`, or `None` when no failing check has a fix.
fn fix_cmd(report: &BundleReport, failing: &[&CheckResult]) -> Option<String> {
    let windows = report.windows.as_ref();
    let forms: Vec<(&CheckResult, Vec<RemediationForm>)> = failing
        .iter()
        .map(|check| (*check, remediation::remediation_forms(&check.fix, windows)))
        .filter(|(_, forms)| !forms.is_empty())
        .collect();
    if forms.is_empty() {
        return None;
    }
    let platforms = remediation::platforms(windows);

    let mut lines = vec!["@echo off".to_string()];
    for line in headline(report) {
        lines.extend(rem(&line));
    }
    let computer = report.computer_name.as_deref().filter(|name| {
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    });
    let where_to_run = "as an administrator, from the folder that holds fix.cmd (and fix.reg): \
                        it saves each folder's ACL there before changing it, so the change can be \
                        undone as the comments at each step say.";
    match computer {
        Some(computer) => {
            lines.extend(rem(&format!("Run it on {computer} {where_to_run}")));
            lines.push(format!(
                "if /i not \"%COMPUTERNAME%\"==\"{computer}\" goto wrongcomputer"
            ));
        }
        None => lines.extend(rem(&format!(
            "Run it on the server the bundle came from, {where_to_run}"
        ))),
    }
    let uses_fix_reg = |index: usize| {
        forms.iter().any(|(_, forms)| {
            forms[index].steps.iter().any(|step| {
                !step.confirm_first && step.commands.iter().any(|c| c.contains("fix.reg"))
            })
        })
    };
    if platforms.len() > 1 {
        lines.extend(rem(
            "The bundle does not say which Windows the server runs: the first form below is \
             used where icacls exists, the second elsewhere.",
        ));
        lines.push("if exist \"%SystemRoot%\\system32\\icacls.exe\" goto form1".to_string());
        lines.push("goto form2".to_string());
    }
    for (index, platform) in platforms.iter().enumerate() {
        lines.push(String::new());
        if platforms.len() > 1 {
            lines.push(format!(":form{}", index + 1));
            lines.extend(rem(&format!("{}.", platform.windows)));
        }
        if uses_fix_reg(index) {
            lines.push("if not exist \"fix.reg\" goto nofixreg".to_string());
        }
        for (check, check_forms) in &forms {
            lines.extend(form_lines(check, &check_forms[index]));
        }
        lines.push("goto end".to_string());
    }
    if let Some(computer) = computer {
        lines.push(":wrongcomputer".to_string());
        lines.push(
            echo(&format!(
                "This fix is for {computer}, and this computer is %COMPUTERNAME%. Nothing was changed."
            ))
            .replace("%%COMPUTERNAME%%", "%COMPUTERNAME%"),
        );
        lines.push("goto end".to_string());
    }
    if (0..platforms.len()).any(uses_fix_reg) {
        lines.push(":nofixreg".to_string());
        lines.push(echo(
            "fix.reg is not in the current folder: run fix.cmd from the folder that holds \
             fix.reg. Nothing was changed.",
        ));
    }
    lines.push(":end".to_string());
    Some(crlf(&lines))
}

// ------------------------------------------------------- directory names

/// Windows device names, which are not usable as folder names there.
const RESERVED: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A directory name for a bundle's fix files: its last path component
/// without `.zip`, with only ASCII letters, digits, `-`, `_` and `.`
/// (others become `_`), no leading or trailing dots, never a Windows
/// device name, at most 64 characters; `bundle` when nothing is left. It
/// can never name a path outside the fix directory.
pub fn safe_dir_name(bundle: &str) -> String {
    let last = bundle
        .split(['/', '\\'])
        .rev()
        .find(|part| !part.trim().is_empty() && part.trim() != "." && part.trim() != "..")
        .unwrap_or("");
    let stem = match last.len().checked_sub(4) {
        Some(cut) if last.is_char_boundary(cut) && last[cut..].eq_ignore_ascii_case(".zip") => {
            &last[..cut]
        }
        _ => last,
    };
    let mut name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    name = name.trim_matches(['.', ' ']).to_string();
    if name.is_empty() || name.chars().all(|c| c == '_') {
        return "bundle".to_string();
    }
    let device = name.split('.').next().unwrap_or("");
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(device)) {
        name.insert(0, '_');
    }
    name
}

/// Directory names for bundles (name, computer name) in order, readable
/// when a batch holds many `bundle.zip` files from many cases:
/// `<computer>-<bundle>`, where `<bundle>` is [`safe_dir_name`] of the
/// bundle, with the folder it is in before it (`4711-bundle`) when another
/// bundle of the batch has the same name; the computer name is left out
/// when unknown. `-2`, `-3`, ... are added where two would still be the
/// same (case-insensitively, as on Windows and macOS).
pub fn fix_dir_names<'a>(
    bundles: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
) -> Vec<String> {
    let bundles: Vec<(&str, Option<&str>)> = bundles.into_iter().collect();
    let stems: Vec<String> = bundles.iter().map(|(b, _)| safe_dir_name(b)).collect();
    let bases: Vec<String> = bundles
        .iter()
        .zip(&stems)
        .map(|((bundle, computer), stem)| {
            let shared = stems
                .iter()
                .filter(|s| s.eq_ignore_ascii_case(stem))
                .count()
                > 1;
            let parent = shared
                .then(|| parent_component(bundle))
                .flatten()
                .map(|parent| safe_dir_name(&parent))
                // Nothing usable was left of it.
                .filter(|parent| parent != "bundle");
            let mut parts = Vec::new();
            if let Some(computer) = computer.filter(|c| !c.trim().is_empty()) {
                parts.push(safe_dir_name(computer));
            }
            parts.extend(parent);
            parts.push(stem.clone());
            parts.join("-")
        })
        .collect();
    let mut taken: Vec<String> = Vec::new();
    let mut names = Vec::new();
    for base in bases {
        let mut name = base.clone();
        let mut n = 1;
        while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
            n += 1;
            name = format!("{base}-{n}");
        }
        taken.push(name.clone());
        names.push(name);
    }
    names
}

/// The path component before a bundle's own name, if any (`4711` in
/// `cases/4711/bundle.zip`).
fn parent_component(bundle: &str) -> Option<String> {
    let parts: Vec<&str> = bundle
        .split(['/', '\\'])
        .filter(|part| !part.trim().is_empty() && part.trim() != "." && part.trim() != "..")
        .collect();
    (parts.len() >= 2).then(|| parts[parts.len() - 2].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names<'a>(bundles: &[(&'a str, Option<&'a str>)]) -> Vec<String> {
        fix_dir_names(bundles.iter().copied())
    }

    #[test]
    fn directory_names_never_escape_and_never_collide() {
        assert_eq!(
            safe_dir_name("samples/no-add-permission.zip"),
            "no-add-permission"
        );
        assert_eq!(safe_dir_name(r"C:\cases\Case 12.ZIP"), "Case_12");
        assert_eq!(safe_dir_name("incoming/case7/"), "case7");
        assert_eq!(safe_dir_name(".."), "bundle");
        assert_eq!(safe_dir_name("../../.."), "bundle");
        assert_eq!(safe_dir_name("a/../.."), "a");
        assert_eq!(safe_dir_name("..zip"), "bundle");
        assert_eq!(safe_dir_name("con.zip"), "_con");
        assert_eq!(safe_dir_name("LPT1.tar"), "_LPT1.tar");
        assert_eq!(safe_dir_name("\u{e9}t\u{e9}.zip"), "_t_");
        assert_eq!(safe_dir_name(""), "bundle");
        assert_eq!(safe_dir_name(&"x".repeat(300)).len(), 64);
        for hostile in [
            "..",
            "/",
            "C:",
            r"\\srv\share",
            "a/b/../../..",
            ". .",
            "...zip",
        ] {
            let name = safe_dir_name(hostile);
            assert!(
                !name.is_empty() && !name.contains(['/', '\\', ':']),
                "{hostile} -> {name}"
            );
            assert!(name != "." && name != "..", "{hostile} -> {name}");
        }
        assert_eq!(
            names(&[
                ("x/case.zip", None),
                ("y/case.zip", None),
                ("z/CASE", None),
                ("case-2.zip", None)
            ]),
            ["x-case", "y-case", "z-CASE", "case-2"]
        );
    }

    #[test]
    fn directory_names_carry_the_computer_and_the_case() {
        // A batch of bundle.zip files from many cases stays readable.
        assert_eq!(
            names(&[
                ("cases/4711/bundle.zip", Some("EXCH01")),
                ("cases/4712/bundle.zip", Some("WEB02")),
                ("cases/4713/bundle.zip", Some("EXCH01")),
                ("samples/healthy.zip", Some("EXCH01")),
                ("other.zip", None),
            ]),
            [
                "EXCH01-4711-bundle",
                "WEB02-4712-bundle",
                "EXCH01-4713-bundle",
                "EXCH01-healthy",
                "other"
            ]
        );
        // The same bundle given twice, and hostile computer names.
        assert_eq!(
            names(&[
                ("a.zip", Some("../EX")),
                ("a.zip", Some("../EX")),
                ("con.zip", Some("")),
            ]),
            ["EX-a", "EX-a-2", "_con"]
        );
        assert!(written_by_hivetriage(
            b"@echo off\r\nrem Written by hivetriage for bundle x.\r\n"
        ));
        assert!(written_by_hivetriage(
            b"REGEDIT4\r\n\r\n; Written by hivetriage for bundle x.\r\n"
        ));
        assert!(!written_by_hivetriage(b"@echo off\r\nrem mine\r\n"));
    }

    #[test]
    fn cmd_text_cannot_run_what_it_quotes() {
        assert_eq!(echo("a & b | c > d %x%"), "echo a ^& b ^| c ^> d %%x%%");
        assert_eq!(rem("100% sure"), ["rem 100%% sure"]);
    }
}
