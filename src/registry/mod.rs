//! The registry view: hives (and, later, text exports) of one bundle behind
//! one interface, with case-insensitive lookups and `CurrentControlSet`
//! resolved through `SYSTEM\Select\Current`.
//!
//! Sources implement [`HiveData`]; [`RegistryView`] holds at most one per
//! [`HiveKind`] and answers the rules' questions with a [`Lookup`] that keeps
//! "not there", "no data" and "could not be read" apart.

mod around;
mod base_block;
pub mod guard;
mod hive_file;
mod key_path;
pub mod log;
mod reader;
pub mod sam;
mod text_hive;
mod value;
mod view;
mod warning;
pub mod windows_version;

pub use base_block::{HiveHeader, sniff_regf};
pub use hive_file::{
    HiveFile, HiveIdentification, HiveOpenError, OpenedHive, kind_from_entry_name,
};
pub use key_path::{ROOT_KEYS, key_components, split_machine_key, split_root_key, tidy_key_path};
pub use text_hive::{
    SectionContents, TextHive, TextProblem, TextRoot, TextSection, TextValueOp, locate_root,
};
pub use value::{Hex, JsonData, RegData, RegValue, hex, reg_type, type_name};
pub use view::{
    ControlSet, Expansion, FoundValue, Lookup, RegistryView, UnknownControlSet, read_key_of,
    walk_of,
};
pub use warning::{HiveWarning, HiveWarningKind};

use serde::Serialize;

/// The machine hives a bundle may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HiveKind {
    System,
    Software,
    Sam,
    Security,
}

impl HiveKind {
    pub const ALL: [HiveKind; 4] = [
        HiveKind::System,
        HiveKind::Software,
        HiveKind::Sam,
        HiveKind::Security,
    ];

    /// The name under `HKEY_LOCAL_MACHINE`, e.g. `SYSTEM`.
    pub fn name(self) -> &'static str {
        match self {
            HiveKind::System => "SYSTEM",
            HiveKind::Software => "SOFTWARE",
            HiveKind::Sam => "SAM",
            HiveKind::Security => "SECURITY",
        }
    }

    /// Parses `SYSTEM`, `software`, ... (case-insensitive).
    pub fn from_name(name: &str) -> Option<HiveKind> {
        HiveKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for HiveKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A lookup that failed because the data is damaged: names the file, the
/// key path being read and, when known, the byte offset of the bad data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: reading key '{key_path}'{}: {detail}", offset.map(|o| format!(" (at byte offset {o:#x})")).unwrap_or_default())]
pub struct LookupError {
    pub file: String,
    pub key_path: String,
    pub offset: Option<u64>,
    pub detail: String,
}

/// One key as read: its path as stored (relative to the hive root, `\`
/// separated), its values, its subkey names, and what could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegKey {
    pub path: String,
    pub values: Vec<RegValue>,
    pub subkeys: Vec<String>,
    /// Last-write time as a Windows FILETIME, when the source records it.
    pub last_written: Option<u64>,
    /// Values or subkeys of this key that could not be read.
    pub problems: Vec<KeyProblem>,
    /// Values whose stored bytes were rebuilt from text that may not
    /// express them exactly (`reg query` output), with why.
    pub value_notes: Vec<ValueNote>,
}

/// Why a value's bytes, rebuilt from text, may differ from what is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueNote {
    /// The value's name (`""` for the default value).
    pub value: String,
    pub note: String,
}

/// Something of a key that could not be read, and what it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyProblem {
    pub about: ProblemSubject,
    pub error: LookupError,
}

impl std::fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// What a [`KeyProblem`] is about: it decides whether an absent value or
/// subkey is "not there" or "could not be read".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProblemSubject {
    /// The value of this name (as stored) could not be read.
    Value(String),
    /// The value list, or a value whose name could not be read: any value
    /// may be the one missing.
    ValueList,
    /// The subkey of this name (as stored) is left out (a second subkey of
    /// the same name, or a name no path can reach).
    Subkey(String),
    /// The subkey list, or an entry of it that could not be read: any
    /// subkey may be the one missing.
    SubkeyList,
    /// The key itself (for sources that can list a key yet not read it;
    /// a hive key that nt-hive cannot read is not reached at all).
    Key,
}

impl RegKey {
    /// Finds a value by name, case-insensitively (`""` is the default value).
    pub fn value(&self, name: &str) -> Option<&RegValue> {
        self.values.iter().find(|v| names_equal(&v.name, name))
    }

    /// The note on value `name`, when its bytes were rebuilt from lossy text.
    pub fn value_note(&self, name: &str) -> Option<&str> {
        self.value_notes
            .iter()
            .find(|n| names_equal(&n.value, name))
            .map(|n| n.note.as_str())
    }

    /// A problem of this key that may be why value `name` is absent: one
    /// about that value, or about the value list (which includes values
    /// whose names could not be read).
    pub fn value_problem(&self, name: &str) -> Option<&LookupError> {
        self.problems
            .iter()
            .find(|problem| match &problem.about {
                ProblemSubject::Value(stored) => names_equal(stored, name),
                ProblemSubject::ValueList => true,
                _ => false,
            })
            .map(|problem| &problem.error)
    }

    /// A problem of this key that may hide subkeys: any about a subkey or
    /// the subkey list.
    pub fn subkey_problem(&self) -> Option<&LookupError> {
        self.problems
            .iter()
            .find(|problem| {
                matches!(
                    problem.about,
                    ProblemSubject::Subkey(_) | ProblemSubject::SubkeyList
                )
            })
            .map(|problem| &problem.error)
    }
}

/// Depth below the starting key at which walks stop (Windows allows 512
/// levels of keys).
pub const MAX_WALK_DEPTH: usize = 512;

/// What a walk's visitor wants next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WalkControl {
    Continue,
    /// Do not descend into this key's subkeys.
    SkipSubkeys,
    Stop,
}

/// What a walk did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalkSummary {
    /// Keys handed to the visitor.
    pub keys: usize,
    /// Why parts of the tree were not walked (unreadable subkeys, cycles,
    /// depth or work limits). Problems inside a key are in its `problems`.
    pub problems: Vec<LookupError>,
    /// The walk ended before the whole subtree was visited (the visitor
    /// said `Stop`, or reading could not go on).
    pub stopped: bool,
}

/// A name as it may be shown in a message: control characters (real hives
/// hold names with CR, LF or NUL in them) written as visible escapes, by
/// the one escaping function ([`crate::escape::escape`]).
pub fn printable(name: &str) -> std::borrow::Cow<'_, str> {
    crate::escape::escape(name)
}

/// Registry names compare case-insensitively: Windows upper-cases each
/// UTF-16 character on its own (no `ß` -> `SS` expansions).
pub fn names_equal(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars().map(upcase).eq(b.chars().map(upcase))
}

/// Upper-cases one character when its upper case is a single character.
pub fn upcase(c: char) -> char {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// One hive's worth of registry data, whatever form it came in.
pub trait HiveData: Send + Sync {
    /// Where the data came from, for evidence and messages (an entry name).
    fn origin(&self) -> &str;

    /// Reads the key at `path` (components separated by `\`, relative to the
    /// hive root, matched case-insensitively; `""` is the root).
    /// `Ok(None)` when some component does not exist.
    fn read_key(&self, path: &str) -> Result<Option<RegKey>, LookupError>;

    /// Whether this source lists the key at `path` in full — every value
    /// and subkey — so that one missing from it is known not to exist. For
    /// a key that does not exist: whether its nearest existing ancestor is
    /// listed in full. Hives hold whole trees; a text export knows only
    /// the keys it lists (see [`TextHive`]).
    fn lists_in_full(&self, path: &str) -> bool {
        let _ = path;
        true
    }

    /// Where the data of value `name` of the key at `path` starts in the
    /// file (a byte offset), for messages that point into a value; `None`
    /// when the source cannot tell (text exports, data kept in the value
    /// record or in big-data segments, unreadable records).
    fn value_data_offset(&self, path: &str, name: &str) -> Option<u64> {
        let _ = (path, name);
        None
    }

    /// Visits the key at `path` and every key below it, depth first: a key
    /// before its subkeys, subkeys in stored order (what `reg query /s`
    /// prints). `Ok(None)` when `path` does not exist. The key handed to
    /// the visitor may be a reused buffer: clone what you keep. Walks are
    /// bounded ([`MAX_WALK_DEPTH`]), whatever the data.
    ///
    /// The default reads every key through [`HiveData::read_key`]; hives
    /// override it with a faster walk.
    fn walk(
        &self,
        path: &str,
        visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
    ) -> Result<Option<WalkSummary>, LookupError> {
        walk_by_lookup(self, path, visitor)
    }
}

/// [`HiveData::walk`] for sources that only have `read_key`.
fn walk_by_lookup<D: HiveData + ?Sized>(
    data: &D,
    path: &str,
    visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
) -> Result<Option<WalkSummary>, LookupError> {
    let Some(start) = data.read_key(path)? else {
        return Ok(None);
    };
    let mut summary = WalkSummary::default();
    // Keys still to visit, the next one last; each with its depth.
    let mut pending = vec![(start, 0usize)];
    while let Some((key, depth)) = pending.pop() {
        summary.keys += 1;
        match visitor(&key) {
            WalkControl::Stop => {
                summary.stopped = true;
                break;
            }
            WalkControl::SkipSubkeys => continue,
            WalkControl::Continue => {}
        }
        if key.subkeys.is_empty() {
            continue;
        }
        if depth >= MAX_WALK_DEPTH {
            summary.problems.push(LookupError {
                file: data.origin().to_string(),
                key_path: key.path.clone(),
                offset: None,
                detail: format!("subkeys deeper than {MAX_WALK_DEPTH} levels were not walked"),
            });
            continue;
        }
        let at = pending.len();
        for name in &key.subkeys {
            let child_path = if key.path.is_empty() {
                name.clone()
            } else {
                format!("{}\\{name}", key.path)
            };
            match data.read_key(&child_path) {
                Ok(Some(child)) => pending.push((child, depth + 1)),
                Ok(None) => summary.problems.push(LookupError {
                    file: data.origin().to_string(),
                    key_path: child_path,
                    offset: None,
                    detail: "a listed subkey cannot be found by its name".into(),
                }),
                Err(error) => summary.problems.push(error),
            }
        }
        pending[at..].reverse();
    }
    Ok(Some(summary))
}
