//! Fix files for `analyze --fix-dir`: from the structured fixes of a
//! bundle's failing checks, a `fix.reg` (REGEDIT4, which NT 4.0's regedit
//! imports) setting registry values and a `fix.cmd` changing folder ACLs in
//! the form the server's Windows version supports.
//!
//! Both files are ASCII with CRLF line ends, so they are valid in any ANSI
//! or OEM code page: a value or path with other characters is written as a
//! comment telling the customer to set it by hand, since the server's code
//! page is not known here.
//!
//! Which ACL tool (decided from `CurrentVersion` and `CSDVersion`):
//! * `icacls` on Windows Vista / Server 2008 (6.0) and later and on
//!   Windows Server 2003 (5.2) with Service Pack 2 or later, which added it:
//!   it grants exactly the rights asked for.
//! * `cacls /E /G user:perm` before that, only where one of its letters
//!   grants what the check needs and nothing beyond the rights asked for:
//!   Windows 2000, XP and Server 2003 before SP2 have `W` (FILE_GENERIC_WRITE,
//!   which includes Add's FILE_ADD_FILE); cacls makes the entry inherited by
//!   files too, which the script says. `C` and `F` also grant reading and
//!   deleting, so they are never used.
//! * Otherwise (NT 4.0's cacls knows only R, C and F) the article's Explorer
//!   steps, as `rem` comments.
//!
//! When the version is unknown the script uses icacls if the server has it
//! and otherwise prints the Explorer steps.

use super::BundleReport;
use crate::acl::rights::{
    self, FILE_ALL_ACCESS, FILE_GENERIC_WRITE, FILE_MODIFY, FILE_READ_EXECUTE,
};
use crate::registry::windows_version::WindowsVersion;
use crate::rules::{CheckResult, DenyFix, FixAction, FixData, GrantFix, RegistryFix, Verdict};

/// The files to write for one bundle; `None` for a file with nothing to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixFiles {
    /// `fix.reg`: ASCII, CRLF.
    pub reg: Option<String>,
    /// `fix.cmd`: ASCII, CRLF.
    pub cmd: Option<String>,
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

/// Text for a comment: one line, ASCII (anything else becomes `?`).
fn comment_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// `text` broken into lines of at most `width` characters (words are never
/// split), each prefixed with `prefix`.
fn wrapped(prefix: &str, text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in comment_text(text).split(' ').filter(|w| !w.is_empty()) {
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
        format!("Written by hivetriage for bundle {}.", report.bundle),
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
        "Import it on that server as an administrator: double-click it, or run regedit /s fix.reg.",
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

/// A REGEDIT4 string: backslashes and quotes escaped.
fn reg_string(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn registry_lines(value: &RegistryFix) -> Vec<String> {
    let data = match &value.data {
        FixData::Dword(number) => format!("dword:{number:08x}"),
        FixData::Sz(text) => format!("\"{}\"", reg_string(text)),
    };
    let entry = [
        format!("[{}]", value.key),
        format!("\"{}\"={data}", reg_string(&value.value)),
    ];
    let ascii = entry
        .iter()
        .all(|line| line.is_ascii() && !line.contains(['\r', '\n']));
    let mut lines = Vec::new();
    let reason = if !ascii {
        Some(
            "This value has characters outside ASCII, and this file cannot know the server's \
             code page: set it by hand in regedit."
                .to_string(),
        )
    } else {
        value
            .confirm
            .as_ref()
            .map(|confirm| format!("{confirm}. Then remove the ; before the next two lines."))
    };
    match reason {
        Some(reason) => {
            lines.extend(wrapped("; ", &reason, 78));
            lines.extend(entry.iter().map(|line| format!(";{}", comment_text(line))));
        }
        None => lines.extend(entry),
    }
    lines
}

// ---------------------------------------------------------------- fix.cmd

/// Which ACL tool the server has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclTool {
    /// Windows Server 2003 SP2, Vista / 2008 and later.
    Icacls,
    /// cacls with R, W, C and F: Windows 2000, XP, Server 2003 before SP2.
    CaclsWithWrite,
    /// cacls with R, C and F only: NT 4.0 and earlier.
    CaclsWithoutWrite,
    /// The version is not in the bundle: decide on the server.
    Unknown,
}

impl AclTool {
    /// The tool for a Windows version (see the module documentation).
    pub fn for_version(windows: Option<&WindowsVersion>) -> AclTool {
        let Some((major, minor)) = windows.and_then(WindowsVersion::major_minor) else {
            return AclTool::Unknown;
        };
        let service_pack = windows.map_or(0, WindowsVersion::service_pack_number);
        match (major, minor) {
            (6.., _) => AclTool::Icacls,
            (5, 2..) if service_pack >= 2 => AclTool::Icacls,
            (5, _) => AclTool::CaclsWithWrite,
            _ => AclTool::CaclsWithoutWrite,
        }
    }

    /// The cacls permission letters this tool knows, with the rights each
    /// grants.
    fn cacls_letters(self) -> &'static [(char, u32)] {
        match self {
            AclTool::CaclsWithWrite => &[
                ('R', FILE_READ_EXECUTE),
                ('W', FILE_GENERIC_WRITE),
                ('C', FILE_MODIFY),
                ('F', FILE_ALL_ACCESS),
            ],
            AclTool::CaclsWithoutWrite => &[
                ('R', FILE_READ_EXECUTE),
                ('C', FILE_MODIFY),
                ('F', FILE_ALL_ACCESS),
            ],
            AclTool::Icacls | AclTool::Unknown => &[],
        }
    }
}

/// The cacls letter that can stand for a grant: it must include what the
/// check needs and grant nothing beyond the rights asked for (so W can
/// stand for Add, C and F cannot: they also grant reading and deleting).
pub fn cacls_letter(tool: AclTool, grant: &GrantFix) -> Option<(char, u32)> {
    tool.cacls_letters()
        .iter()
        .copied()
        .find(|(_, mask)| mask & grant.needed == grant.needed && mask & !grant.rights == 0)
}

/// icacls' abbreviations of the specific rights, in bit order.
const ICACLS_RIGHTS: &[(u32, &str)] = &[
    (0x1, "RD"),
    (0x2, "WD"),
    (0x4, "AD"),
    (0x8, "REA"),
    (0x10, "WEA"),
    (0x20, "X"),
    (0x40, "DC"),
    (0x80, "RA"),
    (0x100, "WA"),
    (0x10000, "DE"),
    (0x20000, "RC"),
    (0x40000, "WDAC"),
    (0x80000, "WO"),
    (0x100000, "S"),
];

/// A mask as icacls' list of specific rights, e.g. NT 4.0's Add
/// (0x1201b6) -> `WD,AD,WEA,X,RA,WA,RC,S`; `None` when the mask has bits
/// icacls cannot name.
pub fn icacls_rights(mask: u32) -> Option<String> {
    let named = ICACLS_RIGHTS.iter().fold(0, |all, (bit, _)| all | bit);
    if mask == 0 || mask & !named != 0 {
        return None;
    }
    Some(
        ICACLS_RIGHTS
            .iter()
            .filter(|(bit, _)| mask & bit != 0)
            .map(|(_, name)| *name)
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// Words for the rights in a mask, for comments: `list the folder / read
/// file data, delete`.
fn rights_words(mask: u32) -> String {
    const WORDS: &[(u32, &str)] = &[
        (0x1, "list the folder / read file data"),
        (0x2, "create files / write file data"),
        (0x4, "create subfolders / append file data"),
        (0x8, "read extended attributes"),
        (0x10, "write extended attributes"),
        (0x20, "traverse / execute"),
        (0x40, "delete what the folder holds"),
        (0x80, "read attributes"),
        (0x100, "write attributes"),
        (0x10000, "delete"),
        (0x20000, "read permissions"),
        (0x40000, "change permissions"),
        (0x80000, "take ownership"),
        (0x100000, "synchronize"),
    ];
    let mapped = rights::map_generic(mask);
    let words: Vec<&str> = WORDS
        .iter()
        .filter(|(bit, _)| mapped & bit != 0)
        .map(|(_, word)| *word)
        .collect();
    match words.as_slice() {
        [] => format!("0x{mask:x}"),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `R, C and F`.
fn letters_words(letters: &[(char, u32)]) -> String {
    let names: Vec<String> = letters.iter().map(|(l, _)| l.to_string()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// A string inside double quotes on a cmd line: `%` doubled so cmd does
/// not expand it. `None` when it cannot be written safely (a quote, a
/// line break, or characters outside ASCII, whose code page is unknown).
fn cmd_quoted(text: &str) -> Option<String> {
    (text.is_ascii() && !text.contains(['"', '\r', '\n']) && !text.is_empty())
        .then(|| format!("\"{}\"", text.replace('%', "%%")))
}

/// A `rem` line's text: `%` doubled (cmd expands variables even there).
fn rem(text: &str) -> Vec<String> {
    wrapped("rem ", &text.replace('%', "%%"), 78)
}

/// An `echo` line: cmd's special characters escaped with `^`, `%` doubled.
fn echo(text: &str) -> String {
    let mut line = String::from("echo ");
    for c in comment_text(text).chars() {
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

/// The commands of one ACL change, or the reason it is left to the person.
struct Commands {
    /// One line saying what the change is, for the console.
    short: String,
    /// Comment lines explaining the change.
    notes: Vec<String>,
    /// The commands; empty when the change must be done by hand.
    run: Vec<String>,
    /// Comment lines with the manual steps, when there are any.
    manual: Vec<String>,
}

/// `fix.cmd`, or `None` when no failing check changes an ACL.
fn fix_cmd(report: &BundleReport, failing: &[&CheckResult]) -> Option<String> {
    let tool = AclTool::for_version(report.windows.as_ref());
    let mut body: Vec<String> = Vec::new();
    let mut folders: Vec<&str> = Vec::new();
    for check in failing {
        let actions: Vec<&FixAction> = check
            .fix
            .iter()
            .filter(|action| !matches!(action, FixAction::SetRegistryValue(_)))
            .collect();
        if actions.is_empty() {
            continue;
        }
        body.push(String::new());
        body.extend(rem(&format!("{}: {}", check.id, check.summary)));
        // Deny entries first: a grant does not help while they are there.
        let ordered = actions
            .iter()
            .filter(|a| matches!(a, FixAction::RemoveDenyEntries(_)))
            .chain(
                actions
                    .iter()
                    .filter(|a| matches!(a, FixAction::GrantFolderAccess(_))),
            );
        for action in ordered {
            let (folder, commands) = match action {
                FixAction::GrantFolderAccess(grant) => (&grant.folder, grant_commands(tool, grant)),
                FixAction::RemoveDenyEntries(deny) => (&deny.folder, deny_commands(tool, deny)),
                FixAction::SetRegistryValue(_) => continue,
            };
            if !folders.contains(&folder.as_str()) {
                folders.push(folder);
            }
            body.push("rem".to_string());
            for note in &commands.notes {
                body.extend(rem(note));
            }
            for step in &commands.manual {
                body.extend(rem(step));
            }
            let by_hand = commands.run.is_empty();
            body.extend(commands.run);
            if by_hand {
                body.push(echo(&format!(
                    "To do by hand: {} (the steps are in this file).",
                    commands.short
                )));
            }
        }
    }
    if folders.is_empty() {
        return None;
    }

    let mut lines = vec!["@echo off".to_string()];
    for line in headline(report) {
        lines.extend(rem(&line));
    }
    let computer = report.computer_name.as_deref().filter(|name| {
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    });
    match computer {
        Some(computer) => {
            lines.extend(rem(&format!("Run it on {computer} as an administrator.")));
            lines.push(format!(
                "if /i not \"%COMPUTERNAME%\"==\"{computer}\" goto wrongcomputer"
            ));
        }
        None => lines.extend(rem(
            "Run it as an administrator on the server the bundle came from.",
        )),
    }
    lines.extend(body);
    lines.push(String::new());
    lines.push("echo.".to_string());
    lines.push(echo("The permissions now:"));
    for folder in folders {
        match cmd_quoted(folder) {
            // cacls is on every version; icacls shows inheritance more clearly.
            Some(quoted) if tool == AclTool::Icacls => lines.push(format!("icacls {quoted}")),
            Some(quoted) => lines.push(format!("cacls {quoted}")),
            None => lines.extend(rem(&format!("Check the permissions of {folder} by hand."))),
        }
    }
    lines.push("goto end".to_string());
    if let Some(computer) = computer {
        lines.push(":wrongcomputer".to_string());
        lines.push(echo(&format!(
            "This fix is for {computer}, and this computer is %COMPUTERNAME%. Nothing was changed."
        )).replace("%%COMPUTERNAME%%", "%COMPUTERNAME%"));
    }
    lines.push(":end".to_string());
    Some(crlf(&lines))
}

/// The article's Explorer steps for granting rights on a folder.
fn explorer_grant_steps(grant: &GrantFix) -> Vec<String> {
    vec![
        "In Windows Explorer:".to_string(),
        format!("1. Go to the folder {}.", grant.folder),
        "2. Right-click the folder, and then click Properties.".to_string(),
        "3. Click the Security tab, and then click Permissions.".to_string(),
        format!(
            "4. In the Directory Permissions dialog box, add {} if it is not already listed.",
            grant.principal
        ),
        format!(
            "5. Give {} {} permission (Type of Access: {}), and click OK.",
            grant.principal, grant.rights_name, grant.rights_name
        ),
    ]
}

fn grant_commands(tool: AclTool, grant: &GrantFix) -> Commands {
    let short = format!(
        "give {} {} on {}",
        grant.principal, grant.rights_name, grant.folder
    );
    let what = format!(
        "Grant {} the {} permission on {}: 0x{:x} ({}) on the folder and on subfolders \
         created in it later, nothing for files, like NT 4.0's directory permission.",
        grant.principal,
        grant.rights_name,
        grant.folder,
        grant.rights,
        rights_words(grant.rights)
    );
    let by_hand = |notes: Vec<String>| Commands {
        short: short.clone(),
        notes,
        run: Vec::new(),
        manual: explorer_grant_steps(grant),
    };
    let (Some(folder), Some(principal)) = (cmd_quoted(&grant.folder), cmd_quoted(&grant.principal))
    else {
        return by_hand(vec![
            what,
            "The folder or account name has characters this script cannot write safely for an \
             unknown code page: do it by hand."
                .to_string(),
        ]);
    };
    let bare = principal.trim_matches('"');
    let icacls = icacls_rights(grant.rights)
        .map(|list| format!("icacls {folder} /grant \"{bare}:(CI)({list})\""));
    match (tool, icacls) {
        (AclTool::Icacls, Some(command)) => Commands {
            short,
            notes: vec![what],
            run: vec![command],
            manual: Vec::new(),
        },
        (AclTool::Unknown, Some(command)) => Commands {
            short: short.clone(),
            notes: vec![
                what,
                "The bundle does not say which Windows this is: icacls is used when the server \
                 has it (Windows Server 2003 SP2 and later), else the Explorer steps below apply."
                    .to_string(),
            ],
            run: vec![
                format!("if exist \"%SystemRoot%\\system32\\icacls.exe\" {command}"),
                format!(
                    "if not exist \"%SystemRoot%\\system32\\icacls.exe\" {}",
                    echo(&format!(
                        "To do by hand: {short} (the steps are in this file)."
                    ))
                ),
            ],
            manual: explorer_grant_steps(grant),
        },
        (AclTool::Icacls | AclTool::Unknown, None) => by_hand(vec![
            what,
            "These rights have no icacls name: set them by hand.".to_string(),
        ]),
        (AclTool::CaclsWithWrite | AclTool::CaclsWithoutWrite, _) => {
            let letters = tool.cacls_letters();
            match cacls_letter(tool, grant) {
                Some((letter, mask)) => {
                    let mut notes = vec![
                        what,
                        format!(
                            "cacls knows only {} and cannot grant {} exactly. {letter} includes \
                             what the check needs and nothing beyond {}: {}. cacls makes the \
                             entry inherited by files created in the folder later too, so {} \
                             may also write to those files (not read or delete them).",
                            letters_words(letters),
                            grant.rights_name,
                            grant.rights_name,
                            rights_words(mask),
                            grant.principal
                        ),
                    ];
                    let missing = grant.rights & !mask;
                    if missing != 0 {
                        notes.push(format!(
                            "{letter} leaves out {} of {}, which adding a file does not need \
                             (users hold Bypass traverse checking by default).",
                            rights_words(missing),
                            grant.rights_name
                        ));
                    }
                    Commands {
                        short,
                        notes,
                        run: vec![format!("cacls {folder} /E /G \"{bare}\":{letter}")],
                        manual: Vec::new(),
                    }
                }
                None => {
                    let mut notes = vec![
                        what,
                        format!(
                            "{}'s cacls knows only {}, and none of them grants {} without more.",
                            if tool == AclTool::CaclsWithoutWrite {
                                "Windows NT 4.0"
                            } else {
                                "This Windows"
                            },
                            letters_words(letters),
                            grant.rights_name
                        ),
                    ];
                    if let Some((letter, mask)) = letters
                        .iter()
                        .copied()
                        .find(|(_, mask)| mask & grant.needed == grant.needed)
                    {
                        notes.push(format!(
                            "{letter} includes {} but also grants {} on the folder and on every \
                             file in it, the messages waiting there included; so this script \
                             does not use cacls for it.",
                            grant.rights_name,
                            rights_words(mask & !grant.rights)
                        ));
                    }
                    by_hand(notes)
                }
            }
        }
    }
}

fn deny_commands(tool: AclTool, deny: &DenyFix) -> Commands {
    let who = deny
        .principal
        .clone()
        .or_else(|| deny.sid.clone())
        .unwrap_or_else(|| "an unnamed principal".to_string());
    let aces: Vec<String> = deny.aces.iter().map(|n| format!("#{n}")).collect();
    let short = format!("remove the deny entries of {who} on {}", deny.folder);
    let what = format!(
        "Remove the deny entries of {who} on {} (ACE {}, denying {}): they take the right away \
         even after the grant.",
        deny.folder,
        aces.join(", "),
        rights_words(deny.denied)
    );
    let commands = |notes: Vec<String>, run: Vec<String>, manual: Vec<String>| Commands {
        short: short.clone(),
        notes,
        run,
        manual,
    };
    let manual = vec![format!(
        "In Windows Explorer: right-click {}, Properties, Security, Permissions; remove the \
             entry of {who} that denies access (No Access, or a special access that is denied), \
             and click OK. If {who} must keep other rights, give them back after.",
        deny.folder
    )];
    let Some(folder) = cmd_quoted(&deny.folder) else {
        return commands(vec![what], Vec::new(), manual);
    };
    // icacls takes a SID as *S-1-..., whatever the system's language.
    let icacls_target = deny
        .sid
        .as_ref()
        .map(|sid| format!("*{sid}"))
        .or_else(|| deny.principal.as_deref().and_then(cmd_quoted));
    let icacls = icacls_target.map(|target| format!("icacls {folder} /remove:d {target}"));
    let cacls_target = deny.principal.as_deref().and_then(cmd_quoted);
    match tool {
        AclTool::Icacls => match icacls {
            Some(command) => commands(
                vec![
                    what,
                    "icacls /remove:d removes only the deny entries.".to_string(),
                ],
                vec![command],
                Vec::new(),
            ),
            None => commands(vec![what], Vec::new(), manual),
        },
        AclTool::Unknown => match icacls {
            Some(command) => commands(
                vec![
                    what,
                    "The bundle does not say which Windows this is: icacls is used when the \
                     server has it, else the Explorer steps below apply."
                        .to_string(),
                ],
                vec![
                    format!("if exist \"%SystemRoot%\\system32\\icacls.exe\" {command}"),
                    format!(
                        "if not exist \"%SystemRoot%\\system32\\icacls.exe\" {}",
                        echo(&format!(
                            "To do by hand: {short} (the steps are in this file)."
                        ))
                    ),
                ],
                manual,
            ),
            None => commands(vec![what], Vec::new(), manual),
        },
        AclTool::CaclsWithWrite | AclTool::CaclsWithoutWrite => match cacls_target {
            Some(target) if !deny.principal_has_allow_entries => commands(
                vec![
                    what,
                    format!(
                        "cacls /E /R removes every entry of {who} on the folder; its only \
                         entries there are deny entries."
                    ),
                ],
                vec![format!("cacls {folder} /E /R {target}")],
                Vec::new(),
            ),
            _ => commands(
                vec![
                    what,
                    format!(
                        "cacls cannot remove only the deny entries of {who} (/R removes all its \
                         entries, and it also has allow entries, or its name is unknown)."
                    ),
                ],
                Vec::new(),
                manual,
            ),
        },
    }
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

/// Directory names for bundles in order: [`safe_dir_name`] of each, with
/// `-2`, `-3`, ... added where two would be the same (case-insensitively,
/// as on Windows and macOS).
pub fn fix_dir_names<'a>(bundles: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut taken: Vec<String> = Vec::new();
    let mut names = Vec::new();
    for bundle in bundles {
        let base = safe_dir_name(bundle);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::rights::{FILE_ADD_FILE, NT4_ADD};

    fn version(current: &str, service_pack: Option<&str>) -> WindowsVersion {
        WindowsVersion {
            current_version: Some(current.to_string()),
            build: None,
            service_pack: service_pack.map(str::to_string),
            product_name: None,
        }
    }

    fn add_grant() -> GrantFix {
        GrantFix {
            folder: r"C:\exchsrvr\imcdata\Pickup".to_string(),
            principal: r"EXCH01\IUSR_EXCH01".to_string(),
            rights: NT4_ADD,
            needed: FILE_ADD_FILE,
            rights_name: "Add".to_string(),
        }
    }

    #[test]
    fn the_tool_follows_the_windows_version() {
        let tool = |v: &str, sp: Option<&str>| AclTool::for_version(Some(&version(v, sp)));
        assert_eq!(
            tool("4.0", Some("Service Pack 6")),
            AclTool::CaclsWithoutWrite
        );
        assert_eq!(tool("3.51", None), AclTool::CaclsWithoutWrite);
        assert_eq!(tool("5.0", Some("Service Pack 4")), AclTool::CaclsWithWrite);
        assert_eq!(tool("5.1", Some("Service Pack 3")), AclTool::CaclsWithWrite);
        assert_eq!(tool("5.2", Some("Service Pack 1")), AclTool::CaclsWithWrite);
        assert_eq!(tool("5.2", None), AclTool::CaclsWithWrite);
        assert_eq!(tool("5.2", Some("Service Pack 2")), AclTool::Icacls);
        assert_eq!(tool("6.0", None), AclTool::Icacls);
        assert_eq!(tool("6.3", None), AclTool::Icacls);
        assert_eq!(AclTool::for_version(None), AclTool::Unknown);
        assert_eq!(tool("garbage", None), AclTool::Unknown);
    }

    #[test]
    fn cacls_w_stands_for_add_and_c_never_does() {
        let grant = add_grant();
        assert_eq!(
            cacls_letter(AclTool::CaclsWithWrite, &grant),
            Some(('W', FILE_GENERIC_WRITE))
        );
        // NT 4.0's cacls has no W; C and F grant reading and deleting.
        assert_eq!(cacls_letter(AclTool::CaclsWithoutWrite, &grant), None);
        assert_eq!(cacls_letter(AclTool::Icacls, &grant), None);
        // W includes FILE_ADD_FILE and grants nothing beyond Add.
        assert_eq!(FILE_GENERIC_WRITE & FILE_ADD_FILE, FILE_ADD_FILE);
        assert_eq!(FILE_GENERIC_WRITE & !NT4_ADD, 0);
        assert_ne!(FILE_MODIFY & !NT4_ADD, 0);
    }

    #[test]
    fn icacls_rights_name_every_bit_of_add() {
        let list = icacls_rights(NT4_ADD).unwrap();
        assert_eq!(list, "WD,AD,WEA,X,RA,WA,RC,S");
        let back = list.split(',').fold(0, |mask, name| {
            mask | ICACLS_RIGHTS.iter().find(|(_, n)| *n == name).unwrap().0
        });
        assert_eq!(back, NT4_ADD);
        assert_eq!(icacls_rights(0), None);
        assert_eq!(
            icacls_rights(0x1000_0000),
            None,
            "generic bits are not listed"
        );
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
            fix_dir_names(["x/case.zip", "y/case.zip", "z/CASE", "case-2.zip"]),
            ["case", "case-2", "CASE-3", "case-2-2"]
        );
    }

    #[test]
    fn cmd_text_cannot_run_what_it_quotes() {
        assert_eq!(
            cmd_quoted(r"C:\100%\Pickup"),
            Some(r#""C:\100%%\Pickup""#.to_string())
        );
        assert_eq!(cmd_quoted("a\"b"), None);
        assert_eq!(cmd_quoted("caf\u{e9}"), None);
        assert_eq!(echo("a & b | c > d %x%"), "echo a ^& b ^| c ^> d %%x%%");
        assert_eq!(rem("100% sure"), ["rem 100%% sure"]);
        assert_eq!(reg_string(r#"C:\a "b""#), r#"C:\\a \"b\""#);
    }
}
