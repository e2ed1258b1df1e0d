//! What to collect next, for the rules' `unknown` results: the collection
//! script for the server's Windows ([`Target`]), where it saves each file,
//! and the advice naming it ([`collect_advice`]). `report::collect_script`
//! writes the scripts themselves.

use crate::registry::HiveKind;
use crate::registry::windows_version::WindowsVersion;

/// Which Windows the script is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Windows NT 4.0 (with the NT 4.0 Resource Kit).
    Nt4,
    /// Windows 2000 (with the Support Tools), XP and Server 2003.
    W2k,
    /// Windows Vista / Server 2008 and later (PowerShell 5.1 or later).
    Modern,
}

impl Target {
    /// The script for a server's Windows version: `nt4` before Windows
    /// 2000, `w2k` for 2000, XP and 2003 (5.x), `modern` from Vista (6.0)
    /// on; `None` when the version is unknown.
    pub fn for_version(windows: Option<&WindowsVersion>) -> Option<Target> {
        let (major, _) = windows?.major_minor()?;
        Some(match major {
            0..=4 => Target::Nt4,
            5 => Target::W2k,
            _ => Target::Modern,
        })
    }

    /// The value `collect --for` takes.
    pub fn name(self) -> &'static str {
        match self {
            Target::Nt4 => "nt4",
            Target::W2k => "w2k",
            Target::Modern => "modern",
        }
    }

    /// Where the script saves a hive in the bundle, e.g. `Reg\sam.hiv`.
    pub fn hive_file(self, kind: HiveKind) -> String {
        windows_name(&hive_file_name(kind))
    }

    /// Where the script saves the ACL of the folder labelled `label`, e.g.
    /// `acl\pickup-cacls.txt`.
    pub fn acl_file(self, label: &str) -> String {
        match self {
            Target::Nt4 | Target::W2k => format!("acl\\{label}-cacls.txt"),
            Target::Modern => format!("acl\\{label}.icacls"),
        }
    }
}

/// The next step for something a bundle lacks: `collect <what> with the
/// script `hivetriage collect --for nt4` prints, run on the server`, the
/// script chosen for the server's Windows (all three named when the
/// version is unknown). `what` is given the script's file name.
pub fn collect_advice(windows: Option<&WindowsVersion>, what: impl Fn(Target) -> String) -> String {
    match Target::for_version(windows) {
        Some(target) => format!(
            "collect {} with the script `hivetriage collect --for {}` prints, run on the server",
            what(target),
            target.name()
        ),
        None => format!(
            "collect {} with the script `hivetriage collect --for nt4` (Windows NT 4.0), \
             `--for w2k` (2000, XP, 2003) or `--for modern` (Vista and later) prints, run on \
             the server",
            what(Target::W2k)
        ),
    }
}

/// `Reg/system.hiv` for SYSTEM.
pub(crate) fn hive_file_name(kind: HiveKind) -> String {
    format!("Reg/{}.hiv", kind.name().to_ascii_lowercase())
}

/// `Reg\system.hiv`: a produced name as the scripts write it.
pub(crate) fn windows_name(name: &str) -> String {
    name.replace('/', "\\")
}
