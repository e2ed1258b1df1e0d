//! Saved folder ACLs (snapshots) and finding the one for a folder.
//!
//! One submodule per form a customer sends: `icacls /save` files,
//! `<path><TAB><SDDL>` lines, PowerShell `Get-Acl | Format-List` output;
//! `paths` normalises Windows paths and matches them.

mod get_acl;
mod icacls_save;
mod paths;
mod tab_lines;

use super::SecurityDescriptor;
use crate::source::text::{decode_text, lines};
use serde::Serialize;

pub use paths::{WindowsPath, WindowsRoot};

/// The forms an ACL snapshot comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotForm {
    /// `icacls <folder> /save <file>`: name line, SDDL line.
    IcaclsSave,
    /// `<path><TAB><SDDL>` lines.
    TabSeparated,
    /// PowerShell `Get-Acl | Format-List` (`Path`/`PSPath` and `Sddl`).
    GetAclList,
}

/// One folder's ACL as a snapshot recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FolderAcl {
    /// The bundle entry it was read from.
    pub origin: String,
    /// 1-based line where the folder's record starts.
    pub line: Option<usize>,
    /// The path as written (relative for icacls /save).
    pub path: String,
    pub form: SnapshotForm,
    /// The SDDL text as read, when the form carries SDDL.
    pub sddl: Option<String>,
    pub descriptor: SecurityDescriptor,
}

/// Something in a snapshot file that could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct SnapshotProblem {
    pub origin: String,
    pub line: Option<usize>,
    pub message: String,
}

/// How a snapshot's path matched the folder asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum FolderMatch {
    /// The same absolute path, compared case-insensitively.
    ExactPath,
    /// A relative name whose components equal the folder's last ones.
    TrailingComponents { components: usize },
}

/// Recognises an ACL snapshot from a file's first bytes.
pub fn sniff_snapshot(prefix: &[u8]) -> Option<SnapshotForm> {
    sniff_text(&decode_text(prefix).text)
}

/// How many leading lines the sniffer looks at.
const SNIFF_LINES: usize = 64;

fn sniff_text(text: &str) -> Option<SnapshotForm> {
    let sample: Vec<&str> = lines(text).into_iter().take(SNIFF_LINES).collect();
    if get_acl::looks_like(&sample) {
        return Some(SnapshotForm::GetAclList);
    }
    let mut filled = sample.iter().filter(|line| !line.trim().is_empty());
    let first = filled.next()?;
    if tab_lines::looks_like(first) {
        return Some(SnapshotForm::TabSeparated);
    }
    let second = filled.next()?;
    if !first.contains('\t') && !looks_like_sddl(first) && looks_like_sddl(second) {
        return Some(SnapshotForm::IcaclsSave);
    }
    None
}

/// Whether a line starts like SDDL (`D:`, `O:`, `G:`, `S:`) rather than a
/// drive-letter path such as `D:\data`.
pub(crate) fn looks_like_sddl(line: &str) -> bool {
    let line = line.trim();
    let bytes = line.as_bytes();
    bytes.len() >= 2
        && matches!(bytes[0], b'O' | b'G' | b'D' | b'S')
        && bytes[1] == b':'
        && !matches!(bytes.get(2), Some(b'\\' | b'/'))
}

/// A folder ACL from SDDL text, or the problem with it.
fn folder_from_sddl(
    origin: &str,
    line: usize,
    path: &str,
    form: SnapshotForm,
    sddl: &str,
) -> Result<FolderAcl, SnapshotProblem> {
    match super::parse_sddl(sddl) {
        Ok(descriptor) => Ok(FolderAcl {
            origin: origin.to_string(),
            line: Some(line),
            path: path.to_string(),
            form,
            sddl: Some(sddl.to_string()),
            descriptor,
        }),
        Err(e) => Err(problem(
            origin,
            line,
            format!("the SDDL of {path:?} cannot be read: {e}"),
        )),
    }
}

fn problem(origin: &str, line: usize, message: String) -> SnapshotProblem {
    SnapshotProblem {
        origin: origin.to_string(),
        line: Some(line),
        message,
    }
}

/// Reads every folder ACL of one snapshot file; bad records become problems
/// (naming file and line) and the rest is still read.
pub fn read_snapshot_file(origin: &str, bytes: &[u8]) -> (Vec<FolderAcl>, Vec<SnapshotProblem>) {
    let decoded = decode_text(bytes);
    let all_lines = lines(&decoded.text);
    match sniff_text(&decoded.text) {
        Some(SnapshotForm::IcaclsSave) => icacls_save::read(origin, &all_lines),
        Some(SnapshotForm::TabSeparated) => tab_lines::read(origin, &all_lines),
        Some(SnapshotForm::GetAclList) => get_acl::read(origin, &all_lines),
        None => (
            Vec::new(),
            vec![SnapshotProblem {
                origin: origin.to_string(),
                line: None,
                message: format!(
                    "not an ACL snapshot in a known form (icacls /save, path<TAB>SDDL lines, Get-Acl | Format-List); read as {}",
                    decoded.encoding
                ),
            }],
        ),
    }
}

/// All folder ACLs of a bundle.
#[derive(Clone, Debug, Default)]
pub struct AclView {
    pub folders: Vec<FolderAcl>,
}

impl AclView {
    /// The snapshots whose path matches `folder` (an absolute Windows path,
    /// already normalised), with how each matched.
    pub fn find(&self, folder: &str) -> Vec<(&FolderAcl, FolderMatch)> {
        let folder = WindowsPath::parse(folder);
        self.folders
            .iter()
            .filter_map(|acl| {
                paths::match_folder(&WindowsPath::parse(&acl.path), &folder).map(|how| (acl, how))
            })
            .collect()
    }
}
