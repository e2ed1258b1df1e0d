//! Saved folder ACLs (snapshots) and finding the one for a folder.
//!
//! One submodule per form a customer sends: `icacls /save` files,
//! `<path><TAB><SDDL>` lines, PowerShell `Get-Acl | Format-List` output,
//! cacls and icacls display output (`display`); binary descriptors come
//! through the bundle's manifest (`crate::acl::manifest`). `paths`
//! normalises Windows paths and matches them.

pub(crate) mod display;
mod get_acl;
mod icacls_save;
mod paths;
mod tab_lines;

use super::SecurityDescriptor;
use crate::encoding::{decode_text, lines};
use serde::Serialize;
use std::collections::HashMap;

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
    /// `cacls <folder>` display output (names, one-letter rights,
    /// `(special access:)` blocks).
    Cacls,
    /// `icacls <folder>` display output (names, rights in parentheses).
    IcaclsDisplay,
    /// A binary self-relative security descriptor named in `manifest.toml`.
    Binary,
}

impl SnapshotForm {
    /// Human words for the form, for reports.
    pub fn words(self) -> &'static str {
        match self {
            SnapshotForm::IcaclsSave => "icacls /save output",
            SnapshotForm::TabSeparated => "path<TAB>SDDL lines",
            SnapshotForm::GetAclList => "Get-Acl | Format-List output",
            SnapshotForm::Cacls => "cacls output",
            SnapshotForm::IcaclsDisplay => "icacls output",
            SnapshotForm::Binary => "binary security descriptor",
        }
    }
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sddl: Option<String>,
    pub descriptor: SecurityDescriptor,
    /// How many identical records of the file this one stands for (the
    /// first is `line`): a file repeating a record is read as one.
    #[serde(skip_serializing_if = "is_one")]
    pub records: usize,
}

fn is_one(count: &usize) -> bool {
    *count == 1
}

/// A snapshot file's folder records, identical ones merged as they are
/// read: a file repeating one record 50,000 times costs one record (and
/// one SDDL parse), counted in [`FolderAcl::records`], so memory and time
/// follow the distinct records, not the file's length.
#[derive(Default)]
pub(crate) struct Records {
    folders: Vec<FolderAcl>,
    /// Positions in `folders` by path as written.
    by_path: HashMap<String, Vec<usize>>,
    /// Records whose SDDL was found unreadable, by path and SDDL text.
    bad_sddl: HashMap<(String, String), SnapshotProblem>,
}

impl Records {
    fn find(&self, path: &str, same: impl Fn(&FolderAcl) -> bool) -> Option<usize> {
        self.by_path
            .get(path)?
            .iter()
            .copied()
            .find(|&i| same(&self.folders[i]))
    }

    /// Adds a record, or counts it on an identical one read before.
    pub(crate) fn push(&mut self, folder: FolderAcl) {
        let same = |known: &FolderAcl| {
            known.form == folder.form
                && known.sddl == folder.sddl
                && known.descriptor == folder.descriptor
        };
        if let Some(i) = self.find(&folder.path, same) {
            self.folders[i].records += folder.records;
            return;
        }
        self.by_path
            .entry(folder.path.clone())
            .or_default()
            .push(self.folders.len());
        self.folders.push(folder);
    }

    /// Adds a record in SDDL form, parsing its SDDL only when no record
    /// with the same path and SDDL text was read before.
    pub(crate) fn push_sddl(
        &mut self,
        origin: &str,
        line: usize,
        path: &str,
        form: SnapshotForm,
        sddl: &str,
    ) -> Result<(), SnapshotProblem> {
        let same = |known: &FolderAcl| known.form == form && known.sddl.as_deref() == Some(sddl);
        if let Some(i) = self.find(path, same) {
            self.folders[i].records += 1;
            return Ok(());
        }
        let key = (path.to_string(), sddl.to_string());
        if let Some(bad) = self.bad_sddl.get(&key) {
            return Err(SnapshotProblem {
                line: Some(line),
                ..bad.clone()
            });
        }
        match folder_from_sddl(origin, line, path, form, sddl) {
            Ok(folder) => {
                self.push(folder);
                Ok(())
            }
            Err(bad) => {
                self.bad_sddl.insert(key, bad.clone());
                Err(bad)
            }
        }
    }

    pub(crate) fn into_vec(self) -> Vec<FolderAcl> {
        self.folders
    }
}

/// Problems that differ only in their line are told once, the first with
/// how many more lines have it: a file repeating a bad record 50,000 times
/// makes one message, not 50,000.
fn merge_problems(problems: Vec<SnapshotProblem>) -> Vec<SnapshotProblem> {
    let mut merged: Vec<SnapshotProblem> = Vec::new();
    let mut seen: HashMap<(String, Option<String>), (usize, usize)> = HashMap::new();
    for problem in problems {
        let key = (problem.message.clone(), problem.folder.clone());
        match seen.get_mut(&key) {
            Some((_, more)) => *more += 1,
            None => {
                seen.insert(key, (merged.len(), 0));
                merged.push(problem);
            }
        }
    }
    for (index, more) in seen.into_values() {
        if more > 0 {
            let noun = if more == 1 { "line" } else { "lines" };
            merged[index]
                .message
                .push_str(&format!(" (the same on {more} more {noun})"));
        }
    }
    merged
}

/// Something in a snapshot file that could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {message}", line.map(|l| format!(" line {l}")).unwrap_or_default())]
pub struct SnapshotProblem {
    pub origin: String,
    pub line: Option<usize>,
    pub message: String,
    /// The folder whose ACL this leaves unread or uncertain, when the
    /// problem concerns one (so a check of that folder can say why).
    pub folder: Option<String>,
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
    if let Some(second) = filled.next() {
        if !first.contains('\t') && !looks_like_sddl(first) && looks_like_sddl(second) {
            return Some(SnapshotForm::IcaclsSave);
        }
    }
    display::sniff(&sample)
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
            records: 1,
        }),
        Err(e) => Err(SnapshotProblem {
            folder: Some(path.to_string()),
            ..problem(
                origin,
                line,
                format!("the SDDL of {path:?} cannot be read: {e}"),
            )
        }),
    }
}

fn problem(origin: &str, line: usize, message: String) -> SnapshotProblem {
    SnapshotProblem {
        origin: origin.to_string(),
        line: Some(line),
        message,
        folder: None,
    }
}

/// A folder ACL from a binary self-relative descriptor, whose folder path
/// the manifest gave.
pub fn folder_from_binary(
    origin: &str,
    path: &str,
    bytes: &[u8],
) -> Result<FolderAcl, SnapshotProblem> {
    match super::parse_binary_descriptor(bytes) {
        Ok(descriptor) => Ok(FolderAcl {
            origin: origin.to_string(),
            line: None,
            path: path.to_string(),
            form: SnapshotForm::Binary,
            sddl: None,
            descriptor,
            records: 1,
        }),
        Err(e) => Err(SnapshotProblem {
            origin: origin.to_string(),
            line: None,
            message: format!("not a binary security descriptor of {path:?}: {e}"),
            folder: Some(path.to_string()),
        }),
    }
}

/// What reading one snapshot file gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotRead {
    /// The form recognised, `None` when the file is in no known form.
    pub form: Option<SnapshotForm>,
    /// The encoding the text was decoded from.
    pub encoding: &'static str,
    pub folders: Vec<FolderAcl>,
    pub problems: Vec<SnapshotProblem>,
}

/// Reads every folder ACL of one snapshot file; bad records become problems
/// (naming file and line) and the rest is still read.
pub fn read_snapshot_file(origin: &str, bytes: &[u8]) -> (Vec<FolderAcl>, Vec<SnapshotProblem>) {
    let read = read_snapshot(origin, bytes);
    (read.folders, read.problems)
}

/// Reads one snapshot file in whichever text form it is in.
pub fn read_snapshot(origin: &str, bytes: &[u8]) -> SnapshotRead {
    let decoded = decode_text(bytes);
    match sniff_text(&decoded.text) {
        Some(form) => read_snapshot_as(form, origin, bytes),
        None => SnapshotRead {
            form: None,
            encoding: decoded.encoding,
            folders: Vec::new(),
            problems: vec![SnapshotProblem {
                origin: origin.to_string(),
                line: None,
                message: format!(
                    "not an ACL snapshot in a known form (icacls /save, path<TAB>SDDL lines, \
                     Get-Acl | Format-List, cacls or icacls output); read as {}",
                    decoded.encoding
                ),
                folder: None,
            }],
        },
    }
}

/// Reads one snapshot file as the given form, whatever it looks like (the
/// fuzz targets reach each reader this way). `Binary` reads the bytes as
/// one descriptor of a folder with no path; bundles name it in the manifest.
pub fn read_snapshot_as(form: SnapshotForm, origin: &str, bytes: &[u8]) -> SnapshotRead {
    let decoded = decode_text(bytes);
    let all_lines = lines(&decoded.text);
    let (folders, problems) = match form {
        SnapshotForm::IcaclsSave => icacls_save::read(origin, &all_lines),
        SnapshotForm::TabSeparated => tab_lines::read(origin, &all_lines),
        SnapshotForm::GetAclList => get_acl::read(origin, &all_lines),
        SnapshotForm::Cacls | SnapshotForm::IcaclsDisplay => {
            display::read(origin, &all_lines, form)
        }
        SnapshotForm::Binary => match folder_from_binary(origin, "", bytes) {
            Ok(folder) => (vec![folder], Vec::new()),
            Err(problem) => (Vec::new(), vec![problem]),
        },
    };
    SnapshotRead {
        form: Some(form),
        encoding: if form == SnapshotForm::Binary {
            "binary"
        } else {
            decoded.encoding
        },
        folders,
        problems: merge_problems(problems),
    }
}

/// All folder ACLs of a bundle.
#[derive(Clone, Debug, Default)]
pub struct AclView {
    pub folders: Vec<FolderAcl>,
    /// Problems that concern a folder (a record that could not be read, a
    /// tool's error message for it), so a check of that folder can say why
    /// it has no usable snapshot.
    pub folder_problems: Vec<SnapshotProblem>,
}

impl AclView {
    /// Adds what one snapshot file gave.
    pub fn add(&mut self, read: &SnapshotRead) {
        self.folders.extend(read.folders.iter().cloned());
        self.folder_problems
            .extend(read.problems.iter().filter(|p| p.folder.is_some()).cloned());
    }

    /// Maps printed principal names to SIDs where this machine's names
    /// allow (see [`super::Principals`]).
    pub fn resolve_names(&mut self, principals: &super::Principals) {
        for folder in &mut self.folders {
            folder.descriptor = principals.resolve(&folder.descriptor);
        }
    }

    /// The problems met with snapshots of `folder` (matched as [`find`]
    /// matches paths), e.g. `cacls` saying it cannot find it.
    ///
    /// [`find`]: AclView::find
    pub fn problems_for(&self, folder: &str) -> Vec<&SnapshotProblem> {
        let folder = WindowsPath::parse(folder);
        self.folder_problems
            .iter()
            .filter(|problem| {
                problem.folder.as_deref().is_some_and(|path| {
                    paths::match_folder(&WindowsPath::parse(path), &folder).is_some()
                })
            })
            .collect()
    }

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
