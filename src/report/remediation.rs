//! A failing check's fix, rendered for the server it is for: the one place
//! that turns the check's [`FixAction`]s into steps and commands. The
//! report's `remediation` and `remediation_forms`, the table, CSV and
//! Markdown, and `fix.cmd` / `fix.reg` (`analyze --fix-dir`) all come from
//! here, so they say the same thing.
//!
//! What each Windows has, from `CurrentVersion` and `CSDVersion`:
//!
//! * **icacls**: Windows Vista / Server 2008 (6.0) and later, and Windows
//!   Server 2003 (5.2) from Service Pack 2 on (Microsoft KB 919240, "The
//!   Icacls.exe utility is available for Windows Server 2003 with Service
//!   Pack 2": "included in Windows Vista and in Windows Server 2003 SP2").
//!   `icacls <name> /save <file>` stores the DACL and
//!   `icacls <parent> /restore <file>` puts it back (same article).
//! * **cacls**: every version. `/E` edits instead of replacing, `/G
//!   user:perm` grants, `/R user` revokes every entry of the user (only with
//!   `/E`). NT 4.0's cacls knows the permissions R, C and F only (its
//!   `cacls /?`, e.g. as quoted at pic.hallikainen.org/techref/os/win/winnt);
//!   Windows 2000's adds W (its `cacls /?` as quoted at everything2.com
//!   "CACLS"; one pocket reference lists only R, C, F for 2000, so `fix.cmd`
//!   tells to do it by hand if cacls refuses W). Server 2003's
//!   documentation lists N, R, W, C, F (learn.microsoft.com, cc755611).
//! * **reg.exe**: built into Windows XP and later (pg-fl.jp's reference
//!   marks `reg` "XP or later"); Windows 2000 had it only in the Support
//!   Tools and NT 4.0 only in the Resource Kit, so neither is assumed there.
//! * **regedit**: every version imports a `REGEDIT4` file (Microsoft KB
//!   310516: "REGEDIT4" is the header for Windows NT 4.0 and "also works
//!   on Windows 2000-based, Windows XP-based, and Windows Server
//!   2003-based computers"); `regedit /s <file>` imports it without the
//!   confirmation dialog (regedit's command line, as used in many scripts;
//!   no Microsoft page for NT 4.0 was found to cite).
//!
//! So registry values are set with `reg add` from XP on and by importing a
//! REGEDIT4 `fix.reg` with `regedit /s` on NT 4.0 and 2000; folder ACLs are
//! changed with icacls where it exists, `cacls /E /G ...:W` where cacls has
//! W, and by the article's Explorer steps on NT 4.0 (whose cacls letters
//! would all grant more than Add). When the bundle does not say which
//! Windows the server runs, two forms are given: one for servers with
//! icacls, one that any Windows from NT 4.0 on can run.
//!
//! Commands are written so that they can be pasted into a Command Prompt
//! and also run from `fix.cmd` unchanged: a path or name that cmd could
//! read otherwise (a `"` or `%`, characters outside ASCII, whose code page
//! is unknown) is never put into a command; that change is left to the
//! person, with the steps in words.

use crate::acl::rights::{
    self, FILE_ALL_ACCESS, FILE_GENERIC_WRITE, FILE_MODIFY, FILE_READ_EXECUTE,
};
use crate::acl::snapshot::WindowsPath;
use crate::registry::windows_version::WindowsVersion;
use crate::rules::fix::MISSING;
use crate::rules::{
    CheckResult, DenyFix, FixAction, FixData, GrantFix, RegistryFix, RemediationFile,
    RemediationForm, RemediationStep, Verdict,
};

/// How a server changes folder ACLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclTool {
    /// Windows Server 2003 SP2, Vista / 2008 and later.
    Icacls,
    /// cacls with R, W, C and F: Windows 2000, XP, Server 2003 before SP2.
    CaclsWithWrite,
    /// cacls with R, C and F only: NT 4.0 and earlier.
    CaclsWithoutWrite,
}

impl AclTool {
    /// The tool of a Windows version; `None` when the version is unknown.
    pub fn for_version(windows: Option<&WindowsVersion>) -> Option<AclTool> {
        let windows = windows?;
        let (major, minor) = windows.major_minor()?;
        Some(match (major, minor) {
            (6.., _) => AclTool::Icacls,
            (5, 2..) if windows.service_pack_number() >= 2 => AclTool::Icacls,
            (5, _) => AclTool::CaclsWithWrite,
            _ => AclTool::CaclsWithoutWrite,
        })
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
            AclTool::Icacls => &[],
        }
    }
}

/// How a server sets registry values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistryTool {
    /// `reg add`: Windows XP and later.
    RegAdd,
    /// A REGEDIT4 file imported with `regedit /s`: every version, and the
    /// only stock way on NT 4.0 and 2000.
    RegeditImport,
}

impl RegistryTool {
    /// The tool of a Windows version; `None` when the version is unknown.
    pub fn for_version(windows: Option<&WindowsVersion>) -> Option<RegistryTool> {
        let (major, minor) = windows?.major_minor()?;
        Some(if (major, minor) >= (5, 1) {
            RegistryTool::RegAdd
        } else {
            RegistryTool::RegeditImport
        })
    }
}

/// The tools one form of a fix uses, and whom it is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub windows: String,
    pub acl: AclTool,
    pub registry: RegistryTool,
}

/// How a form for an unknown Windows version begins.
pub const UNKNOWN_VERSION: &str =
    "Windows version unknown (the bundle's SOFTWARE hive does not say)";

/// The forms a fix takes for a server: one for a known Windows version;
/// when it is unknown, one for servers with icacls and one any Windows from
/// NT 4.0 on can run.
pub fn platforms(windows: Option<&WindowsVersion>) -> Vec<Platform> {
    match (
        AclTool::for_version(windows),
        RegistryTool::for_version(windows),
        windows,
    ) {
        (Some(acl), Some(registry), Some(windows)) => vec![Platform {
            windows: windows.describe(),
            acl,
            registry,
        }],
        _ => vec![
            Platform {
                windows: format!(
                    "{UNKNOWN_VERSION}; this form is for servers with icacls \
                     (%SystemRoot%\\system32\\icacls.exe): Windows Server 2003 SP2, \
                     Vista / Server 2008 and later"
                ),
                acl: AclTool::Icacls,
                registry: RegistryTool::RegAdd,
            },
            Platform {
                windows: format!("{UNKNOWN_VERSION}; this form runs on any Windows from NT 4.0 on"),
                acl: AclTool::CaclsWithoutWrite,
                registry: RegistryTool::RegeditImport,
            },
        ],
    }
}

/// Fills `remediation_forms` and `remediation` of every failing check from
/// its `fix`, for the server's Windows version.
pub fn fill_remediation(checks: &mut [CheckResult], windows: Option<&WindowsVersion>) {
    for check in checks {
        if check.verdict != Verdict::Fail || check.fix.is_empty() {
            continue;
        }
        check.remediation_forms = remediation_forms(&check.fix, windows);
        check.remediation = remediation_text(&check.remediation_forms);
    }
}

/// The fix in each form the server may take (see [`platforms`]).
pub fn remediation_forms(
    actions: &[FixAction],
    windows: Option<&WindowsVersion>,
) -> Vec<RemediationForm> {
    if actions.is_empty() {
        return Vec::new();
    }
    platforms(windows)
        .iter()
        .map(|platform| form_for(actions, platform))
        .collect()
}

/// The forms as text: per form its steps numbered, each step's commands
/// indented below it, then the files and how to undo.
pub fn remediation_text(forms: &[RemediationForm]) -> Option<String> {
    const INDENT: &str = "     ";
    let mut blocks = Vec::new();
    for form in forms {
        let mut lines = vec![if form.windows.starts_with(UNKNOWN_VERSION) {
            format!("{}:", form.windows)
        } else {
            format!("On {}:", form.windows)
        }];
        for (number, step) in form.steps.iter().enumerate() {
            lines.push(format!("{}. {}", number + 1, step.text));
            lines.extend(step.commands.iter().map(|c| format!("{INDENT}{c}")));
        }
        for file in &form.files {
            lines.push(format!("{}:", file.name));
            lines.extend(file.lines.iter().map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{INDENT}{l}")
                }
            }));
        }
        for step in &form.undo {
            lines.push(format!("Undo: {}", step.text));
            lines.extend(step.commands.iter().map(|c| format!("{INDENT}{c}")));
        }
        blocks.push(lines.join("\n"));
    }
    (!blocks.is_empty()).then(|| blocks.join("\n\n"))
}

fn step(text: impl Into<String>, commands: Vec<String>) -> RemediationStep {
    RemediationStep {
        text: text.into(),
        commands,
        confirm_first: false,
    }
}

fn form_for(actions: &[FixAction], platform: &Platform) -> RemediationForm {
    let mut steps = Vec::new();
    let mut undo = Vec::new();
    let mut files: Vec<RemediationFile> = Vec::new();
    for action in actions {
        match action {
            FixAction::SetRegistryValue(value) => {
                let (set, back, file) = registry_steps(value, platform.registry);
                steps.push(set);
                undo.extend(back);
                if let Some(lines) = file {
                    match files.iter_mut().find(|f| f.name == "fix.reg") {
                        // One fix.reg holds every value: the header once.
                        Some(existing) => existing.lines.extend(lines.into_iter().skip(2)),
                        None => files.push(RemediationFile {
                            name: "fix.reg".to_string(),
                            lines,
                        }),
                    }
                }
            }
            FixAction::ByHand(manual) => steps.push(step(manual.what.clone(), Vec::new())),
            FixAction::GrantFolderAccess(_) | FixAction::RemoveDenyEntries(_) => {}
        }
    }
    // Folder changes, folder by folder: the ACL saved first, deny entries
    // removed before the grant (a grant does not help while they are
    // there), then the ACL shown.
    let mut folders: Vec<&str> = Vec::new();
    for action in actions {
        let folder = match action {
            FixAction::GrantFolderAccess(grant) => &grant.folder,
            FixAction::RemoveDenyEntries(deny) => &deny.folder,
            _ => continue,
        };
        if !folders.contains(&folder.as_str()) {
            folders.push(folder);
        }
    }
    for (position, folder) in folders.iter().enumerate() {
        let backup = backup_file_name(folder, position, platform.acl);
        let (save, restore) = backup_steps(folder, &backup, platform.acl);
        steps.push(save);
        let mut grant_undo = Vec::new();
        for action in actions {
            if let FixAction::RemoveDenyEntries(deny) = action
                && deny.folder == *folder
            {
                steps.push(deny_step(platform.acl, deny));
            }
        }
        for action in actions {
            if let FixAction::GrantFolderAccess(grant) = action
                && grant.folder == *folder
            {
                let (grant_step, back) = grant_steps(platform.acl, grant);
                steps.push(grant_step);
                grant_undo.extend(back);
            }
        }
        steps.push(show_acl_step(folder, platform.acl));
        undo.extend(restore);
        undo.extend(grant_undo);
    }
    let commands = steps.iter().flat_map(|s| s.commands.clone()).collect();
    RemediationForm {
        windows: platform.windows.clone(),
        steps,
        commands,
        undo,
        files,
    }
}

// ------------------------------------------------------------- registry

/// `HKEY_LOCAL_MACHINE\...` as reg.exe takes it: `HKLM\...`.
fn reg_exe_key(key: &str) -> String {
    match crate::registry::split_root_key(key) {
        Some(("HKLM", rest)) if key.contains('\\') => format!("HKLM\\{rest}"),
        _ => key.to_string(),
    }
}

/// `REG_DWORD 1`, `REG_SZ "C:\exchsrvr\imcdata"`.
fn data_words(data: &FixData) -> String {
    match data {
        FixData::Dword(number) => format!("REG_DWORD {number}"),
        FixData::Sz(text) => format!("REG_SZ \"{text}\""),
    }
}

/// The step that sets a value, the step that takes it back, and (for
/// regedit) the lines of its `fix.reg`.
fn registry_steps(
    value: &RegistryFix,
    tool: RegistryTool,
) -> (
    RemediationStep,
    Option<RemediationStep>,
    Option<Vec<String>>,
) {
    let key = reg_exe_key(&value.key);
    let what = format!(
        "Set {key} value \"{}\" to {}.",
        value.value,
        data_words(&value.data)
    );
    let what = match &value.confirm {
        Some(confirm) => format!("{what} {confirm}."),
        None => what,
    };
    let back = value.before.as_ref().map(|before| {
        if before == MISSING {
            let command = match (tool, cmd_quoted(&key), cmd_quoted(&value.value)) {
                (RegistryTool::RegAdd, Some(key), Some(name)) => {
                    vec![format!("reg delete {key} /v {name} /f")]
                }
                _ => Vec::new(),
            };
            step(
                format!(
                    "Delete {key} value \"{}\" again: it was not there before{}.",
                    value.value,
                    if command.is_empty() {
                        " (in regedit)"
                    } else {
                        ""
                    }
                ),
                command,
            )
        } else {
            step(
                format!(
                    "Set {key} value \"{}\" back to what it was: {before}.",
                    value.value
                ),
                Vec::new(),
            )
        }
    });
    match tool {
        RegistryTool::RegAdd => {
            let data = match &value.data {
                FixData::Dword(number) => Some(("REG_DWORD", number.to_string())),
                // reg.exe reads \" inside quotes as a quote: a trailing
                // backslash is doubled.
                FixData::Sz(text) => cmd_quoted(text).map(|quoted| {
                    let inner = &quoted[1..quoted.len() - 1];
                    let inner = if inner.ends_with('\\') {
                        format!("{inner}\\")
                    } else {
                        inner.to_string()
                    };
                    ("REG_SZ", format!("\"{inner}\""))
                }),
            };
            let command = match (cmd_quoted(&key), cmd_quoted(&value.value), data) {
                (Some(key), Some(name), Some((kind, data))) => {
                    Some(format!("reg add {key} /v {name} /t {kind} /d {data} /f"))
                }
                _ => None,
            };
            let set = match command {
                Some(command) => RemediationStep {
                    text: if value.confirm.is_some() {
                        format!("{what} Only then run the command.")
                    } else {
                        what
                    },
                    commands: vec![command],
                    confirm_first: value.confirm.is_some(),
                },
                None => step(
                    format!(
                        "{what} Its name or data has characters a command line cannot carry \
                         safely here: set it by hand in regedit."
                    ),
                    Vec::new(),
                ),
            };
            (set, back, None)
        }
        RegistryTool::RegeditImport => {
            let entry = regedit4_entry(value);
            let mut lines = vec!["REGEDIT4".to_string(), String::new()];
            let importable = entry.is_some();
            match entry {
                Some(entry) if value.confirm.is_some() => {
                    lines.extend(entry.iter().map(|line| format!(";{line}")));
                }
                Some(entry) => lines.extend(entry),
                None => {}
            }
            lines.push(String::new());
            let text = match (&value.confirm, importable) {
                (_, false) => format!(
                    "{what} Its name or data has characters outside ASCII, which a .reg file \
                     cannot carry without knowing the server's code page: set it by hand in \
                     regedit."
                ),
                (None, true) => format!(
                    "{what} Import it with regedit, as every Windows from NT 4.0 on can: save \
                     the lines of fix.reg below as fix.reg (plain ANSI text; `hivetriage \
                     analyze --fix-dir` writes it), then run the command in its folder."
                ),
                (Some(_), true) => format!(
                    "{what} fix.reg below (plain ANSI text; `hivetriage analyze --fix-dir` \
                     writes it) holds the value commented out: once it is confirmed, remove the \
                     ; before its two lines, then run the command in fix.reg's folder."
                ),
            };
            if !importable {
                return (step(text, Vec::new()), back, None);
            }
            let set = RemediationStep {
                text,
                commands: vec!["regedit /s fix.reg".to_string()],
                confirm_first: value.confirm.is_some(),
            };
            (set, back, Some(lines))
        }
    }
}

/// A REGEDIT4 string: backslashes and quotes escaped.
pub fn reg_string(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The key line and value line of a value in a REGEDIT4 file; `None`
/// when they would not be plain ASCII on one line each.
pub fn regedit4_entry(value: &RegistryFix) -> Option<[String; 2]> {
    let data = match &value.data {
        FixData::Dword(number) => format!("dword:{number:08x}"),
        FixData::Sz(text) => format!("\"{}\"", reg_string(text)),
    };
    let entry = [
        format!("[{}]", value.key),
        format!("\"{}\"={data}", reg_string(&value.value)),
    ];
    entry
        .iter()
        .all(|line| line.is_ascii() && !line.chars().any(|c| c.is_ascii_control()))
        .then_some(entry)
}

// ------------------------------------------------------------ folder ACLs

/// A string inside double quotes on a cmd line; `None` when it cannot be
/// written so that pasting it and running it from a batch file both give
/// it exactly: a quote, a `%` (a batch file would need it doubled, a prompt
/// not), control characters, or characters outside ASCII.
pub fn cmd_quoted(text: &str) -> Option<String> {
    (!text.is_empty()
        && text.is_ascii()
        && !text.contains(['"', '%'])
        && !text.chars().any(|c| c.is_ascii_control()))
    .then(|| format!("\"{text}\""))
}

/// The cacls letter that can stand for a grant: it must include what the
/// check needs and grant nothing beyond the rights asked for (so W can
/// stand for Add; C and F cannot: they also grant reading and deleting).
pub fn cacls_letter(tool: AclTool, grant: &GrantFix) -> Option<(char, u32)> {
    tool.cacls_letters()
        .iter()
        .copied()
        .find(|(_, mask)| mask & grant.needed == grant.needed && mask & !grant.rights == 0)
}

/// Words for the rights in a mask: `list the folder / read file data,
/// delete`.
pub fn rights_words(mask: u32) -> String {
    let words = rights::words(rights::map_generic(mask));
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

/// Where the folder's ACL is saved before the change, in the current
/// folder: `Pickup-acl-before.txt` (cacls' listing) or
/// `Pickup-acl-before.icacls` (icacls /save).
fn backup_file_name(folder: &str, position: usize, tool: AclTool) -> String {
    let last = folder
        .rsplit(['\\', '/'])
        .find(|part| !part.is_empty())
        .unwrap_or("folder");
    let mut stem: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(40)
        .collect();
    if position > 0 {
        stem.push_str(&format!("-{}", position + 1));
    }
    let extension = match tool {
        AclTool::Icacls => "icacls",
        AclTool::CaclsWithWrite | AclTool::CaclsWithoutWrite => "txt",
    };
    format!("{stem}-acl-before.{extension}")
}

/// Saving the folder's ACL, and putting it back.
fn backup_steps(
    folder: &str,
    backup: &str,
    tool: AclTool,
) -> (RemediationStep, Vec<RemediationStep>) {
    let Some(quoted) = cmd_quoted(folder) else {
        return (
            step(
                format!(
                    "Write down the permissions of {folder} first (Properties, Security), so \
                     the change can be undone; its name has characters a command line cannot \
                     carry safely here."
                ),
                Vec::new(),
            ),
            vec![step(
                format!("Set the permissions of {folder} back to what you wrote down."),
                Vec::new(),
            )],
        );
    };
    match tool {
        AclTool::Icacls => {
            let save = step(
                format!(
                    "Save the ACL of {folder} first, so the change can be undone: icacls /save \
                     writes it to {backup} in the current folder (a copy already there is \
                     kept: it holds the ACL from before the first change)."
                ),
                vec![format!(
                    "if not exist \"{backup}\" icacls {quoted} /save \"{backup}\""
                )],
            );
            let parent = WindowsPath::parse(folder)
                .to_string()
                .rsplit_once('\\')
                .map(|(parent, _)| parent.to_string())
                .filter(|parent| !parent.is_empty() && !parent.ends_with(':'));
            let restore = match parent.as_deref().and_then(cmd_quoted) {
                Some(parent) => step(
                    format!(
                        "Put back the ACL saved in {backup}: icacls /restore is given the \
                         folder that holds {folder}, from the folder where {backup} is."
                    ),
                    vec![format!("icacls {parent} /restore \"{backup}\"")],
                ),
                None => step(
                    format!("Put back the ACL saved in {backup} with icacls /restore."),
                    Vec::new(),
                ),
            };
            (save, vec![restore])
        }
        AclTool::CaclsWithWrite | AclTool::CaclsWithoutWrite => {
            let save = step(
                format!(
                    "Save the ACL of {folder} first, so the change can be undone: cacls lists it \
                     into {backup} in the current folder (a copy already there is kept: it holds \
                     the ACL from before the first change)."
                ),
                vec![format!(
                    "if not exist \"{backup}\" cacls {quoted} > \"{backup}\""
                )],
            );
            let restore = step(
                format!(
                    "{backup} lists the ACL of {folder} from before the change (cacls cannot \
                     restore it by itself): compare it with `cacls {quoted}`, and give back in \
                     Windows Explorer (Properties, Security) any entry the change removed."
                ),
                Vec::new(),
            );
            (save, vec![restore])
        }
    }
}

fn show_acl_step(folder: &str, tool: AclTool) -> RemediationStep {
    match cmd_quoted(folder) {
        Some(quoted) => step(
            format!("Show the ACL of {folder} now, to check the change."),
            vec![match tool {
                AclTool::Icacls => format!("icacls {quoted}"),
                AclTool::CaclsWithWrite | AclTool::CaclsWithoutWrite => format!("cacls {quoted}"),
            }],
        ),
        None => step(
            format!(
                "Check the permissions of {folder} in Windows Explorer (Properties, Security)."
            ),
            Vec::new(),
        ),
    }
}

/// Windows Explorer steps for granting rights on a folder: the article's
/// for NT 4.0, the Security tab's for later versions.
fn explorer_grant_steps(grant: &GrantFix, tool: AclTool) -> String {
    match tool {
        AclTool::CaclsWithoutWrite => format!(
            "In Windows Explorer: go to the folder {}; right-click it, and then click \
             Properties; click the Security tab, and then click Permissions; in the Directory \
             Permissions dialog box, add {} if it is not already listed; give it {} permission \
             (Type of Access: {}), and click OK.",
            grant.folder, grant.principal, grant.rights_name, grant.rights_name
        ),
        AclTool::CaclsWithWrite | AclTool::Icacls => format!(
            "In Windows Explorer: right-click the folder {}, and then click Properties; on the \
             Security tab add {} if it is not already listed, allow it Write, and click OK.",
            grant.folder, grant.principal
        ),
    }
}

/// The step that grants the rights, and the steps that take the grant back.
fn grant_steps(tool: AclTool, grant: &GrantFix) -> (RemediationStep, Vec<RemediationStep>) {
    let what = format!(
        "Grant {} the {} permission on {} (0x{:x}, as NT 4.0's directory permission {}: on the \
         folder and on subfolders created in it later, nothing for files).",
        grant.principal, grant.rights_name, grant.folder, grant.rights, grant.rights_name
    );
    let by_hand = |why: String| {
        (
            step(
                format!("{what} {why} {}", explorer_grant_steps(grant, tool)),
                Vec::new(),
            ),
            vec![step(
                format!(
                    "Remove the entry of {} from {} in Windows Explorer the same way.",
                    grant.principal, grant.folder
                ),
                Vec::new(),
            )],
        )
    };
    let (Some(folder), Some(principal)) = (cmd_quoted(&grant.folder), cmd_quoted(&grant.principal))
    else {
        return by_hand(
            "The folder or account name has characters a command line cannot carry safely \
             here: do it by hand."
                .to_string(),
        );
    };
    let bare = &principal[1..principal.len() - 1];
    match tool {
        AclTool::Icacls => match rights::icacls_specific_list(grant.rights) {
            Some(list) => (
                step(
                    what,
                    vec![format!("icacls {folder} /grant \"{bare}:(CI)({list})\"")],
                ),
                vec![step(
                    format!(
                        "Or take back only this grant: icacls /remove:g removes every allow \
                         entry of {} on the folder (give back any it had before, as {} shows).",
                        grant.principal, "the saved ACL"
                    ),
                    vec![format!("icacls {folder} /remove:g {principal}")],
                )],
            ),
            None => by_hand("These rights have no icacls name: set them by hand.".to_string()),
        },
        AclTool::CaclsWithWrite | AclTool::CaclsWithoutWrite => {
            let letters = tool.cacls_letters();
            match cacls_letter(tool, grant) {
                Some((letter, mask)) => {
                    let mut text = format!(
                        "{what} cacls knows only {} and cannot grant {} exactly. {letter} \
                         includes what the check needs and nothing beyond {}: {}. cacls makes \
                         the entry inherited by files created in the folder later too, so {} may \
                         also write to those files (not read or delete them).",
                        letters_words(letters),
                        grant.rights_name,
                        grant.rights_name,
                        rights_words(mask),
                        grant.principal
                    );
                    let missing = grant.rights & !mask;
                    if missing != 0 {
                        text.push_str(&format!(
                            " {letter} leaves out {} of {}, which adding a file does not need \
                             (users hold Bypass traverse checking by default).",
                            rights_words(missing),
                            grant.rights_name
                        ));
                    }
                    text.push_str(&format!(
                        " If cacls answers that a parameter is wrong, do it by hand instead: {}",
                        explorer_grant_steps(grant, tool)
                    ));
                    (
                        step(
                            text,
                            vec![format!("cacls {folder} /E /G {principal}:{letter}")],
                        ),
                        vec![step(
                            format!(
                                "Or take back only the grant: cacls /E /R removes every entry \
                                 of {} on the folder (give back any it had before, as the \
                                 saved listing shows).",
                                grant.principal
                            ),
                            vec![format!("cacls {folder} /E /R {principal}")],
                        )],
                    )
                }
                None => {
                    let mut why = format!(
                        "{}'s cacls knows only {}, and none of them grants {} without more.",
                        if tool == AclTool::CaclsWithoutWrite {
                            "Windows NT 4.0"
                        } else {
                            "This Windows"
                        },
                        letters_words(letters),
                        grant.rights_name
                    );
                    if let Some((letter, mask)) = letters
                        .iter()
                        .copied()
                        .find(|(_, mask)| mask & grant.needed == grant.needed)
                    {
                        why.push_str(&format!(
                            " {letter} includes {} but also grants {} on the folder and on \
                             every file in it, the messages waiting there included; so it is \
                             done by hand.",
                            grant.rights_name,
                            rights_words(mask & !grant.rights)
                        ));
                    }
                    by_hand(why)
                }
            }
        }
    }
}

fn deny_step(tool: AclTool, deny: &DenyFix) -> RemediationStep {
    let who = deny
        .principal
        .clone()
        .or_else(|| deny.sid.clone())
        .unwrap_or_else(|| "an unnamed principal".to_string());
    let aces: Vec<String> = deny.aces.iter().map(|n| format!("#{n}")).collect();
    let mut what = format!(
        "Remove the deny entries of {who} on {} (ACE {}, denying {}): they take the right away \
         even after the grant.",
        deny.folder,
        aces.join(", "),
        rights_words(deny.denied)
    );
    if let Some(cause) = &deny.possible_cause {
        what = format!(
            "Possible cause: {cause}. Remove the deny entries of {who} on {} (ACE {}, denying \
             {}): if the account is in {who}, they take the right away even after the grant.",
            deny.folder,
            aces.join(", "),
            rights_words(deny.denied)
        );
    }
    let manual = format!(
        "In Windows Explorer: right-click {}, Properties, Security (then Permissions on NT \
         4.0); remove the entry of {who} that denies access (No Access, or a special access \
         that is denied), and click OK. If {who} must keep other rights, give them back after.",
        deny.folder
    );
    if deny.inherited {
        return step(
            format!(
                "{what} They are inherited from a parent folder: remove them there, where they \
                 are set (the parent's permissions in Windows Explorer), or the folder keeps \
                 getting them."
            ),
            Vec::new(),
        );
    }
    let Some(folder) = cmd_quoted(&deny.folder) else {
        return step(format!("{what} {manual}"), Vec::new());
    };
    match tool {
        AclTool::Icacls => {
            // icacls takes a SID as *S-1-..., whatever the system's language.
            let target = deny
                .sid
                .as_ref()
                .map(|sid| format!("*{sid}"))
                .or_else(|| deny.principal.as_deref().and_then(cmd_quoted));
            match target {
                Some(target) => step(
                    format!("{what} icacls /remove:d removes only the deny entries."),
                    vec![format!("icacls {folder} /remove:d {target}")],
                ),
                None => step(format!("{what} {manual}"), Vec::new()),
            }
        }
        AclTool::CaclsWithWrite | AclTool::CaclsWithoutWrite => {
            match deny.principal.as_deref().and_then(cmd_quoted) {
                Some(target) if !deny.principal_has_allow_entries => step(
                    format!(
                        "{what} cacls /E /R removes every entry of {who} on the folder; its only \
                         entries there are deny entries."
                    ),
                    vec![format!("cacls {folder} /E /R {target}")],
                ),
                _ => step(
                    format!(
                        "{what} cacls cannot remove only the deny entries of {who} (/R removes all \
                         its entries, and it also has allow entries there, or its name is \
                         unknown). {manual}"
                    ),
                    Vec::new(),
                ),
            }
        }
    }
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
    fn the_tools_follow_the_windows_version() {
        let acl = |v: &str, sp: Option<&str>| AclTool::for_version(Some(&version(v, sp)));
        let reg = |v: &str| RegistryTool::for_version(Some(&version(v, None)));
        assert_eq!(
            acl("4.0", Some("Service Pack 6")),
            Some(AclTool::CaclsWithoutWrite)
        );
        assert_eq!(acl("3.51", None), Some(AclTool::CaclsWithoutWrite));
        assert_eq!(
            acl("5.0", Some("Service Pack 4")),
            Some(AclTool::CaclsWithWrite)
        );
        assert_eq!(
            acl("5.1", Some("Service Pack 3")),
            Some(AclTool::CaclsWithWrite)
        );
        assert_eq!(
            acl("5.2", Some("Service Pack 1")),
            Some(AclTool::CaclsWithWrite)
        );
        assert_eq!(acl("5.2", None), Some(AclTool::CaclsWithWrite));
        assert_eq!(acl("5.2", Some("Service Pack 2")), Some(AclTool::Icacls));
        assert_eq!(acl("6.0", None), Some(AclTool::Icacls));
        assert_eq!(acl("6.3", None), Some(AclTool::Icacls));
        assert_eq!(AclTool::for_version(None), None);
        assert_eq!(acl("garbage", None), None);
        assert_eq!(reg("4.0"), Some(RegistryTool::RegeditImport));
        assert_eq!(reg("5.0"), Some(RegistryTool::RegeditImport));
        assert_eq!(reg("5.1"), Some(RegistryTool::RegAdd));
        assert_eq!(reg("5.2"), Some(RegistryTool::RegAdd));
        assert_eq!(reg("10.0"), Some(RegistryTool::RegAdd));
        assert_eq!(platforms(None).len(), 2, "both forms when unknown");
        assert_eq!(platforms(Some(&version("4.0", None))).len(), 1);
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
        assert_eq!(FILE_GENERIC_WRITE & FILE_ADD_FILE, FILE_ADD_FILE);
        assert_eq!(FILE_GENERIC_WRITE & !NT4_ADD, 0);
        assert_ne!(FILE_MODIFY & !NT4_ADD, 0);
    }

    #[test]
    fn icacls_rights_name_every_bit_of_add() {
        let list = rights::icacls_specific_list(NT4_ADD).unwrap();
        assert_eq!(list, "WD,AD,WEA,X,RA,WA,RC,S");
        let back = list.split(',').fold(0, |mask, name| {
            mask | crate::acl::rights::icacls_right(name).unwrap()
        });
        assert_eq!(back, NT4_ADD);
        assert_eq!(rights::icacls_specific_list(0), None);
        assert_eq!(
            rights::icacls_specific_list(0x1000_0000),
            None,
            "generic bits are not listed"
        );
    }

    #[test]
    fn commands_never_carry_what_cmd_could_read_otherwise() {
        assert_eq!(
            cmd_quoted(r"C:\a b\Pickup"),
            Some(r#""C:\a b\Pickup""#.to_string())
        );
        assert_eq!(cmd_quoted(r"C:\100%\Pickup"), None);
        assert_eq!(cmd_quoted("a\"b"), None);
        assert_eq!(cmd_quoted("caf\u{e9}"), None);
        assert_eq!(cmd_quoted("a\nb"), None);
        assert_eq!(cmd_quoted(""), None);
        assert_eq!(reg_string(r#"C:\a "b""#), r#"C:\\a \"b\""#);
        let value = RegistryFix {
            key: r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\X".into(),
            value: "RootDir".into(),
            data: FixData::Sz(r"D:\data\".into()),
            confirm: None,
            before: None,
        };
        let (set, _, _) = registry_steps(&value, RegistryTool::RegAdd);
        assert_eq!(
            set.commands,
            [
                r#"reg add "HKLM\SYSTEM\CurrentControlSet\Services\X" /v "RootDir" /t REG_SZ /d "D:\data\\" /f"#
            ]
        );
    }

    #[test]
    fn backups_are_named_after_the_folder() {
        assert_eq!(
            backup_file_name(r"C:\exchsrvr\imcdata\Pickup", 0, AclTool::Icacls),
            "Pickup-acl-before.icacls"
        );
        assert_eq!(
            backup_file_name(r"C:\a b\Pick up", 1, AclTool::CaclsWithoutWrite),
            "Pick_up-2-acl-before.txt"
        );
        let (_, restore) = backup_steps(
            r"C:\exchsrvr\imcdata\Pickup",
            "Pickup-acl-before.icacls",
            AclTool::Icacls,
        );
        assert_eq!(
            restore[0].commands,
            [r#"icacls "C:\exchsrvr\imcdata" /restore "Pickup-acl-before.icacls""#]
        );
    }
}
