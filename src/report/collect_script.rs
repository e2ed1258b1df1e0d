//! Collection scripts for `hivetriage collect`: what the customer runs to
//! produce a bundle this tool reads, built from what the rules declare they
//! need ([`crate::rules::CollectionNeeds`]).
//!
//! * `nt4`: a `.cmd` for Windows NT 4.0: hives with `regback` (NT 4.0
//!   Resource Kit), folder locations with the Resource Kit's `reg query`,
//!   ACLs with `cacls`.
//! * `w2k`: a `.cmd` for Windows 2000 (and XP / 2003): `reg save` (Support
//!   Tools on 2000, built in later), `reg query`, `cacls`.
//! * `modern`: a PowerShell script: `reg save`, `Get-ItemProperty`,
//!   `icacls /save`, `Get-Acl | Format-List`, `Compress-Archive`.
//!
//! Every script writes into `%SystemDrive%\hivetriage\<computer>`, with
//! hives under `Reg\` and ACLs under `acl\`; [`CollectionScript::produces`]
//! lists those files and what they hold, so tests can check that bundle
//! discovery recognises each one. Scripts are ASCII with CRLF line ends.

use crate::registry::HiveKind;
use crate::rules::collect::{hive_file_name, windows_name};
use crate::rules::{CollectionNeeds, FolderLocation, FolderNeed, Rule};

/// Which script to print is the rules' choice (their `unknown`s name the
/// script to run); re-exported as the argument of [`collection_script`].
pub use crate::rules::collect::Target;

/// A collection script and the files it writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollectionScript {
    /// A name to save the script under, e.g. `collect-hivetriage.cmd`.
    pub file_name: &'static str,
    /// The script: ASCII, CRLF.
    pub text: String,
    /// The files it writes into the bundle folder.
    pub produces: Vec<ProducedFile>,
}

/// One file a collection script writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducedFile {
    /// Its path inside the bundle, `/`-separated, e.g. `Reg/system.hiv`.
    pub name: String,
    pub content: ProducedContent,
}

/// What a produced file holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProducedContent {
    /// A hive saved with `regback` or `reg save`.
    Hive(HiveKind),
    /// `cacls <folder>` output (names, not SIDs), in the OEM code page.
    CaclsDisplay { folder: String },
    /// `icacls <folder> /save <file>`: UTF-16LE, the folder's last name
    /// then its SDDL.
    IcaclsSave { folder: String },
    /// `Get-Acl <folder> | Format-List` written as UTF-8 with BOM.
    GetAclList { folder: String },
}

/// The needs of every rule, merged: each hive once (in a fixed order),
/// each folder once by label.
pub fn merged_needs(rules: &[&dyn Rule]) -> (Vec<HiveKind>, Vec<FolderNeed>) {
    let needs: Vec<&CollectionNeeds> = rules.iter().map(|rule| rule.collection()).collect();
    let hives = HiveKind::ALL
        .into_iter()
        .filter(|kind| needs.iter().any(|n| n.hives.contains(kind)))
        .collect();
    let mut folders: Vec<FolderNeed> = Vec::new();
    for need in needs.iter().flat_map(|n| n.folders.iter()) {
        if !folders.iter().any(|f| f.label == need.label) {
            folders.push(*need);
        }
    }
    (hives, folders)
}

/// The collection script for a target, covering every rule given.
pub fn collection_script(target: Target, rules: &[&dyn Rule]) -> CollectionScript {
    let (hives, folders) = merged_needs(rules);
    let articles: Vec<String> = rules
        .iter()
        .map(|rule| format!("{} ({})", rule.article(), rule.title()))
        .collect();
    let mut produces: Vec<ProducedFile> = hives
        .iter()
        .map(|kind| ProducedFile {
            name: hive_file_name(*kind),
            content: ProducedContent::Hive(*kind),
        })
        .collect();
    for folder in &folders {
        let label = folder.label.to_string();
        match target {
            Target::Nt4 | Target::W2k => produces.push(ProducedFile {
                name: format!("acl/{label}-cacls.txt"),
                content: ProducedContent::CaclsDisplay { folder: label },
            }),
            Target::Modern => {
                produces.push(ProducedFile {
                    name: format!("acl/{label}.icacls"),
                    content: ProducedContent::IcaclsSave {
                        folder: label.clone(),
                    },
                });
                produces.push(ProducedFile {
                    name: format!("acl/{label}-getacl.txt"),
                    content: ProducedContent::GetAclList { folder: label },
                });
            }
        }
    }
    let lines = match target {
        Target::Nt4 | Target::W2k => cmd_script(target, &articles, &hives, &folders),
        Target::Modern => powershell_script(&articles, &hives, &folders),
    };
    let mut text = lines.join("\r\n");
    text.push_str("\r\n");
    CollectionScript {
        file_name: match target {
            Target::Nt4 | Target::W2k => "collect-hivetriage.cmd",
            Target::Modern => "collect-hivetriage.ps1",
        },
        text,
        produces,
    }
}

/// The variable a cmd script keeps a folder in: `HT_PICKUP`.
fn cmd_variable(label: &str) -> String {
    format!(
        "HT_{}",
        label
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            })
            .collect::<String>()
    )
}

/// Text for a comment or message in a script: one line of printable
/// ASCII (anything else becomes `?`), as cmd and regedit read it.
pub(super) fn ascii(text: &str) -> String {
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

/// A `rem` line (`%` doubled: cmd expands variables even in comments).
fn rem(text: &str) -> String {
    let text = ascii(text).replace('%', "%%");
    if text.is_empty() {
        "rem".to_string()
    } else {
        format!("rem {text}")
    }
}

/// An `echo` line with cmd's special characters escaped.
fn echo(text: &str) -> String {
    let mut line = String::from("echo ");
    for c in ascii(text).chars() {
        if matches!(c, '^' | '&' | '|' | '<' | '>' | '(' | ')') {
            line.push('^');
        }
        line.push(c);
    }
    line
}

fn cmd_script(
    target: Target,
    articles: &[String],
    hives: &[HiveKind],
    folders: &[FolderNeed],
) -> Vec<String> {
    let nt4 = target == Target::Nt4;
    let mut lines = vec![
        "@echo off".to_string(),
        rem(&format!(
            "hivetriage collection script for {}.",
            if nt4 {
                "Windows NT 4.0"
            } else {
                "Windows 2000, XP and Server 2003"
            }
        )),
        rem("It gathers what these articles need, and changes nothing on the server:"),
    ];
    lines.extend(articles.iter().map(|a| rem(&format!("  {a}"))));
    lines.extend([
        rem("Run it as an administrator. It writes %SystemDrive%\\hivetriage\\<computer name>;"),
        rem("zip that folder (or copy it whole) and send it to your support engineer."),
    ]);
    if nt4 {
        lines.extend([
            rem("It needs regback.exe and reg.exe from the Windows NT 4.0 Resource Kit."),
            rem("Without regback: run rdisk /s- and send %SystemRoot%\\repair\\*._ instead."),
        ]);
    } else {
        lines.push(rem(
            "On Windows 2000 it needs reg.exe from the Support Tools (XP and later have it).",
        ));
    }
    lines.extend([
        "setlocal".to_string(),
        "set OUT=%SystemDrive%\\hivetriage".to_string(),
        "if not exist \"%OUT%\" mkdir \"%OUT%\"".to_string(),
        "set OUT=%OUT%\\%COMPUTERNAME%".to_string(),
        "if not exist \"%OUT%\" mkdir \"%OUT%\"".to_string(),
        "if not exist \"%OUT%\\Reg\" mkdir \"%OUT%\\Reg\"".to_string(),
        "if not exist \"%OUT%\\acl\" mkdir \"%OUT%\\acl\"".to_string(),
        String::new(),
        rem(if nt4 {
            "Registry hives (regback will not overwrite a file: earlier copies go first)."
        } else {
            "Registry hives (reg save will not overwrite a file: earlier copies go first)."
        }),
    ]);
    for kind in hives {
        let file = format!("%OUT%\\{}", windows_name(&hive_file_name(*kind)));
        lines.push(format!("if exist \"{file}\" del \"{file}\""));
        lines.push(if nt4 {
            format!(
                "regback \"{file}\" machine {}",
                kind.name().to_ascii_lowercase()
            )
        } else {
            format!("reg save HKLM\\{} \"{file}\"", kind.name())
        });
        lines.push(format!(
            "if errorlevel 1 {}",
            echo(&format!(
                "Could not save the {} hive: see the messages above.",
                kind.name()
            ))
        ));
    }
    for folder in folders {
        let variable = cmd_variable(folder.label);
        lines.push(String::new());
        lines.push(rem(&format!("ACL of {}.", folder.description)));
        match folder.location {
            FolderLocation::FromRegistry {
                key,
                value,
                subfolder,
                default,
            } => {
                lines.extend([
                    rem(&format!("Its location is read from HKLM\\{key}")),
                    rem(&format!(
                        "value {value}. reg.exe prints NAME TYPE DATA (some versions TYPE NAME"
                    )),
                    rem("DATA), so both orders are matched. A value holding %variables% is"),
                    rem("not expanded here."),
                ]);
                lines.push(format!("set {variable}="));
                let query = format!("reg query \"HKLM\\{key}\" 2^>nul");
                for (name, data) in [("%%a", "%%c"), ("%%b", "%%c")] {
                    lines.push(format!(
                        "for /f \"tokens=1,2*\" %%a in ('{query}') do if /i \"{name}\"==\"{value}\" set {variable}={data}"
                    ));
                }
                lines.push(format!(
                    "if \"%{variable}%\"==\"\" {}",
                    echo(&format!(
                        "{value} was not found in HKLM\\{key}; using the default {default}."
                    ))
                ));
                lines.push(format!(
                    "if \"%{variable}%\"==\"\" set {variable}={default}"
                ));
                if !subfolder.is_empty() {
                    lines.push(format!("set {variable}=%{variable}%\\{subfolder}"));
                }
            }
            FolderLocation::Fixed(path) => lines.push(format!("set {variable}={path}")),
        }
        let file = format!("%OUT%\\acl\\{}-cacls.txt", folder.label);
        lines.push(format!("echo ACL of %{variable}%"));
        lines.push(format!("cacls \"%{variable}%\" > \"{file}\""));
        lines.push(format!(
            "if errorlevel 1 {}",
            echo(&format!("Could not read the ACL of %{variable}%."))
        ));
    }
    lines.extend([
        String::new(),
        "echo.".to_string(),
        "echo Done. Send the folder %OUT% (zipped, if you can).".to_string(),
        "endlocal".to_string(),
    ]);
    lines
}

/// A PowerShell single-quoted string.
fn ps_string(text: &str) -> String {
    format!("'{}'", ascii(text).replace('\'', "''"))
}

fn powershell_script(
    articles: &[String],
    hives: &[HiveKind],
    folders: &[FolderNeed],
) -> Vec<String> {
    let mut lines = vec![
        "# hivetriage collection script for Windows Vista / Server 2008 and later".to_string(),
        "# (Windows PowerShell 5.1 or PowerShell 7). It gathers what these articles".to_string(),
        "# need, and changes nothing on the server:".to_string(),
    ];
    lines.extend(articles.iter().map(|a| format!("#   {}", ascii(a))));
    lines.extend([
        "# Run it in an elevated PowerShell:".to_string(),
        "#   powershell -ExecutionPolicy Bypass -File .\\collect-hivetriage.ps1".to_string(),
        "# It writes $env:SystemDrive\\hivetriage\\<computer name> and zips it beside.".to_string(),
        "#Requires -RunAsAdministrator".to_string(),
        "$ErrorActionPreference = 'Stop'".to_string(),
        "$out = Join-Path $env:SystemDrive \"hivetriage\\$env:COMPUTERNAME\"".to_string(),
        "New-Item -ItemType Directory -Force -Path (Join-Path $out 'Reg'), (Join-Path $out 'acl') | Out-Null"
            .to_string(),
        String::new(),
        "# Registry hives.".to_string(),
    ]);
    for kind in hives {
        let file = ps_string(&windows_name(&hive_file_name(*kind)));
        lines.push(format!(
            "reg.exe save HKLM\\{} (Join-Path $out {file}) /y | Out-Null",
            kind.name()
        ));
        lines.push(format!(
            "if ($LASTEXITCODE -ne 0) {{ throw 'reg save HKLM\\{} failed' }}",
            kind.name()
        ));
    }
    for folder in folders {
        lines.push(String::new());
        lines.push(format!("# ACL of {}.", ascii(folder.description)));
        match folder.location {
            FolderLocation::FromRegistry {
                key,
                value,
                subfolder,
                default,
            } => {
                lines.push(format!(
                    "$dir = (Get-ItemProperty -Path {} -Name {} -ErrorAction SilentlyContinue).{value}",
                    ps_string(&format!("HKLM:\\{key}")),
                    ps_string(value)
                ));
                lines.push(format!(
                    "if (-not $dir) {{ Write-Warning {}; $dir = {} }}",
                    ps_string(&format!(
                        "{value} was not found in HKLM\\{key}; using the default {default}"
                    )),
                    ps_string(default)
                ));
                if subfolder.is_empty() {
                    lines.push("$folder = $dir".to_string());
                } else {
                    lines.push(format!("$folder = Join-Path $dir {}", ps_string(subfolder)));
                }
            }
            FolderLocation::Fixed(path) => lines.push(format!("$folder = {}", ps_string(path))),
        }
        let icacls = ps_string(&format!("acl\\{}.icacls", folder.label));
        let get_acl = ps_string(&format!("acl\\{}-getacl.txt", folder.label));
        lines.extend([
            "if (Test-Path -LiteralPath $folder) {".to_string(),
            format!("    icacls.exe $folder /save (Join-Path $out {icacls}) | Out-Null"),
            "    if ($LASTEXITCODE -ne 0) { Write-Warning \"icacls /save $folder failed\" }"
                .to_string(),
            format!(
                "    Get-Acl -LiteralPath $folder | Format-List | Out-File -FilePath (Join-Path $out {get_acl}) -Encoding utf8 -Width 4096"
            ),
            "} else {".to_string(),
            "    Write-Warning \"$folder does not exist: its ACL is not in the bundle\"".to_string(),
            "}".to_string(),
        ]);
    }
    lines.extend([
        String::new(),
        "$zip = \"$out.zip\"".to_string(),
        "Compress-Archive -Path (Join-Path $out '*') -DestinationPath $zip -Force".to_string(),
        "Write-Host \"Done. Send $zip to your support engineer.\"".to_string(),
    ]);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmd_text_is_escaped() {
        assert_eq!(rem("100% & more"), "rem 100%% & more");
        assert_eq!(echo("a (b) & c"), "echo a ^(b^) ^& c");
        assert_eq!(ps_string("it's"), "'it''s'");
        assert_eq!(cmd_variable("pickup-2"), "HT_PICKUP_2");
        assert_eq!(hive_file_name(HiveKind::Software), "Reg/software.hiv");
    }
}
