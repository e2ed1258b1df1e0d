//! Saved folder ACLs (snapshots) and finding the one for a folder.

use super::SecurityDescriptor;
use serde::Serialize;

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
    let _ = prefix;
    todo!("acl helper")
}

/// Reads every folder ACL of one snapshot file; bad records become problems
/// (naming file and line) and the rest is still read.
pub fn read_snapshot_file(origin: &str, bytes: &[u8]) -> (Vec<FolderAcl>, Vec<SnapshotProblem>) {
    let _ = (origin, bytes);
    todo!("acl helper")
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
        let _ = folder;
        todo!("acl helper")
    }
}
