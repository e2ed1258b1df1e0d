//! [`TextHive`]: one hive's worth of registry data rebuilt from text —
//! `.reg` exports and saved `reg query` output — held in memory behind
//! [`HiveData`], so the view and the rules use it like a hive file.
//!
//! Text knows less than a hive. An export lists some keys in full (every
//! value and every subkey: `regedit` exports, `reg query /s`), others only
//! by name (`reg query` without `/s` lists subkeys without their values) or
//! not at all (the ancestors of the exported key). Each key here remembers
//! whether it was listed in full, and [`HiveData::lists_in_full`] tells the
//! view when a missing key or value is "not covered" rather than "absent".
//!
//! Parsers (in `source`) turn files into [`TextSection`]s with full key
//! paths as written; [`locate_root`] says which hive a path belongs to; and
//! [`TextHive::apply`] applies sections in order, as importing the files in
//! that order would (later values replace earlier ones, `-` deletes).

use super::key_path::{key_components, split_root_key};
use super::{
    HiveData, HiveKind, LookupError, MAX_WALK_DEPTH, RegKey, RegValue, ValueNote, names_equal,
    upcase,
};
use std::collections::HashMap;

/// A problem met while reading a text export, naming the file and line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: line {line}: {detail}")]
pub struct TextProblem {
    pub file: String,
    /// 1-based line of the decoded text.
    pub line: usize,
    pub detail: String,
}

/// What a text section says about its key's contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionContents {
    /// Every value and every subkey of the key is listed (a `regedit`
    /// section, a key of `reg query /s`).
    Full,
    /// Only some of the key is shown: listed by name alone, or as the
    /// result of a search (`reg query /v`, `/f`).
    Partial,
    /// `[-KEY]`: the key and its subtree are deleted.
    Delete,
}

/// One value line of a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextValueOp {
    /// The value with its stored bytes; `note` says what the text may not
    /// have shown exactly.
    Set {
        line: usize,
        value: RegValue,
        note: Option<String>,
    },
    /// `"name"=-`: the value is deleted.
    Delete { line: usize, name: String },
}

/// One key of a text export, as written: `[HKEY_LOCAL_MACHINE\...]` and its
/// value lines, or a `reg query` key line and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextSection {
    /// 1-based line of the key line.
    pub line: usize,
    /// The full path as written, root key included.
    pub path: String,
    pub contents: SectionContents,
    pub values: Vec<TextValueOp>,
}

/// Where a full key path belongs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextRoot {
    /// The root as the report shows it: `HKLM\SYSTEM`, `HKLM\HARDWARE`,
    /// `HKLM`, `HKCU`, ...
    pub shown: String,
    /// The machine hive it is in (`HKLM\SYSTEM`, `SOFTWARE`, `SAM`,
    /// `SECURITY`), if any.
    pub kind: Option<HiveKind>,
    /// The path below the hive root (`CurrentControlSet\Services`), with
    /// empty components dropped; empty for the hive root itself.
    pub rest: String,
}

/// Maps `HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\...` (or `HKLM\...`,
/// any case) to its hive and the path below it. `None` when the path does
/// not start with a root key.
pub fn locate_root(path: &str) -> Option<TextRoot> {
    let (short, below) = split_root_key(path.trim_start_matches('\\'))?;
    let rest: Vec<&str> = key_components(below).collect();
    if short != "HKLM" || rest.is_empty() {
        return Some(TextRoot {
            shown: short.to_string(),
            kind: None,
            rest: rest.join("\\"),
        });
    }
    let kind = HiveKind::from_name(rest[0]);
    let shown = match kind {
        Some(kind) => format!("HKLM\\{kind}"),
        None => format!("HKLM\\{}", rest[0]),
    };
    let rest = match kind {
        Some(_) => rest[1..].join("\\"),
        None => rest.join("\\"),
    };
    Some(TextRoot { shown, kind, rest })
}

/// A key of the tree. Deleted keys stay in the arena, unreachable.
#[derive(Debug, Default)]
struct Node {
    name: String,
    children: Vec<usize>,
    values: Vec<RegValue>,
    notes: Vec<ValueNote>,
    listed_in_full: bool,
    deleted: bool,
}

/// The root node's index.
const ROOT: usize = 0;

/// One hive kind's data rebuilt from one or more text files.
///
/// Keys live in an arena indexed by (parent, upper-cased name), so trees of
/// any shape are built and dropped without recursion and every lookup is
/// one hash probe per path component.
#[derive(Debug)]
pub struct TextHive {
    origin: String,
    nodes: Vec<Node>,
    by_name: HashMap<(usize, String), usize>,
}

fn name_key(name: &str) -> String {
    name.chars().map(upcase).collect()
}

fn components(path: &str) -> Vec<&str> {
    key_components(path).collect()
}

impl TextHive {
    /// An empty tree; `origin` names the file(s) it comes from.
    pub fn new(origin: impl Into<String>) -> TextHive {
        TextHive {
            origin: origin.into(),
            nodes: vec![Node::default()],
            by_name: HashMap::new(),
        }
    }

    /// Adds a file name to the origin (`a.reg, b.txt`).
    pub fn add_origin(&mut self, name: &str) {
        if self.origin.is_empty() {
            self.origin = name.to_string();
        } else {
            self.origin.push_str(", ");
            self.origin.push_str(name);
        }
    }

    /// Keys reachable from the root, the root included.
    pub fn key_count(&self) -> usize {
        let mut count = 0;
        let mut pending = vec![ROOT];
        while let Some(id) = pending.pop() {
            count += 1;
            pending.extend(self.live_children(id));
        }
        count
    }

    /// Applies one section whose path below the hive root is `rest` (see
    /// [`locate_root`]). Problems name `file` and the section's lines.
    pub fn apply(
        &mut self,
        file: &str,
        rest: &str,
        section: &TextSection,
        problems: &mut Vec<TextProblem>,
    ) {
        let path = components(rest);
        if path.len() > MAX_WALK_DEPTH {
            problems.push(TextProblem {
                file: file.to_string(),
                line: section.line,
                detail: format!(
                    "key path has {} levels, more than Windows allows ({MAX_WALK_DEPTH}); ignored",
                    path.len()
                ),
            });
            return;
        }
        if section.contents == SectionContents::Delete {
            self.delete_key(&path);
            if let Some(op) = section.values.first() {
                let line = match op {
                    TextValueOp::Set { line, .. } | TextValueOp::Delete { line, .. } => *line,
                };
                problems.push(TextProblem {
                    file: file.to_string(),
                    line,
                    detail: "value lines under a key deletion [-...] are ignored".to_string(),
                });
            }
            return;
        }
        let id = self.ensure_key(&path);
        if section.contents == SectionContents::Full {
            self.nodes[id].listed_in_full = true;
        }
        for op in &section.values {
            match op {
                TextValueOp::Set { value, note, .. } => self.set_value(id, value, note.as_deref()),
                TextValueOp::Delete { name, .. } => self.delete_value(id, name),
            }
        }
    }

    fn live_children(&self, id: usize) -> impl Iterator<Item = usize> + '_ {
        self.nodes[id]
            .children
            .iter()
            .copied()
            .filter(|&child| !self.nodes[child].deleted)
    }

    fn child(&self, parent: usize, name: &str) -> Option<usize> {
        self.by_name.get(&(parent, name_key(name))).copied()
    }

    /// The node at `path`, creating it and its ancestors as needed (created
    /// ancestors are not listed in full).
    fn ensure_key(&mut self, path: &[&str]) -> usize {
        let mut id = ROOT;
        for name in path {
            id = match self.child(id, name) {
                Some(child) => child,
                None => {
                    let child = self.nodes.len();
                    self.nodes.push(Node {
                        name: name.to_string(),
                        ..Node::default()
                    });
                    self.nodes[id].children.push(child);
                    self.by_name.insert((id, name_key(name)), child);
                    child
                }
            };
        }
        id
    }

    /// The deepest existing node on `path` and how many components it matched.
    fn deepest(&self, path: &[&str]) -> (usize, usize) {
        let mut id = ROOT;
        for (depth, name) in path.iter().enumerate() {
            match self.child(id, name) {
                Some(child) => id = child,
                None => return (id, depth),
            }
        }
        (id, path.len())
    }

    fn delete_key(&mut self, path: &[&str]) {
        if path.is_empty() {
            // The whole hive: keep an empty, unlisted root.
            let root = &mut self.nodes[ROOT];
            root.children.clear();
            root.values.clear();
            root.notes.clear();
            root.listed_in_full = false;
            self.by_name.retain(|(parent, _), _| *parent != ROOT);
            return;
        }
        let (id, matched) = self.deepest(path);
        if matched == path.len() {
            let parent = self.deepest(&path[..path.len() - 1]).0;
            self.by_name
                .remove(&(parent, name_key(path[path.len() - 1])));
            self.nodes[id].deleted = true;
        }
    }

    fn set_value(&mut self, id: usize, value: &RegValue, note: Option<&str>) {
        let node = &mut self.nodes[id];
        // Setting a value that exists keeps its stored name, as Windows does.
        match node
            .values
            .iter_mut()
            .find(|v| names_equal(&v.name, &value.name))
        {
            Some(existing) => {
                existing.type_code = value.type_code;
                existing.raw = value.raw.clone();
            }
            None => node.values.push(value.clone()),
        }
        node.notes.retain(|n| !names_equal(&n.value, &value.name));
        if let Some(note) = note {
            node.notes.push(ValueNote {
                value: value.name.clone(),
                note: note.to_string(),
            });
        }
    }

    fn delete_value(&mut self, id: usize, name: &str) {
        let node = &mut self.nodes[id];
        node.values.retain(|v| !names_equal(&v.name, name));
        node.notes.retain(|n| !names_equal(&n.value, name));
    }
}

impl HiveData for TextHive {
    fn origin(&self) -> &str {
        &self.origin
    }

    fn read_key(&self, path: &str) -> Result<Option<RegKey>, LookupError> {
        let path = components(path);
        let (id, matched) = self.deepest(&path);
        if matched < path.len() {
            return Ok(None);
        }
        let node = &self.nodes[id];
        let stored: Vec<&str> = {
            // The stored names, which may differ in case from the request.
            let mut names = Vec::with_capacity(path.len());
            let mut at = ROOT;
            for name in &path {
                at = self.child(at, name).unwrap_or(at);
                names.push(self.nodes[at].name.as_str());
            }
            names
        };
        Ok(Some(RegKey {
            path: stored.join("\\"),
            values: node.values.clone(),
            subkeys: self
                .live_children(id)
                .map(|child| self.nodes[child].name.clone())
                .collect(),
            last_written: None,
            problems: Vec::new(),
            value_notes: node.notes.clone(),
        }))
    }

    fn lists_in_full(&self, path: &str) -> bool {
        let (id, _) = self.deepest(&components(path));
        self.nodes[id].listed_in_full
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::utf16le_with_nul;
    use crate::registry::reg_type;

    fn sz(name: &str, text: &str) -> TextValueOp {
        TextValueOp::Set {
            line: 2,
            value: RegValue::new(name, reg_type::SZ, utf16le_with_nul(text)),
            note: None,
        }
    }

    fn section(path: &str, contents: SectionContents, values: Vec<TextValueOp>) -> TextSection {
        TextSection {
            line: 1,
            path: path.to_string(),
            contents,
            values,
        }
    }

    fn apply(hive: &mut TextHive, sections: &[TextSection]) -> Vec<TextProblem> {
        let mut problems = Vec::new();
        for s in sections {
            let root = locate_root(&s.path).expect("a root");
            hive.apply("t.reg", &root.rest, s, &mut problems);
        }
        problems
    }

    #[test]
    fn roots_map_to_hive_kinds() {
        let root = locate_root(r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services").unwrap();
        assert_eq!(root.kind, Some(HiveKind::System));
        assert_eq!(root.shown, r"HKLM\SYSTEM");
        assert_eq!(root.rest, r"CurrentControlSet\Services");
        let root = locate_root(r"hklm\software\").unwrap();
        assert_eq!(
            (root.kind, root.rest.as_str()),
            (Some(HiveKind::Software), "")
        );
        let root = locate_root(r"HKEY_LOCAL_MACHINE\HARDWARE\DESCRIPTION").unwrap();
        assert_eq!((root.kind, root.shown.as_str()), (None, r"HKLM\HARDWARE"));
        let root = locate_root(r"HKEY_CURRENT_USER\Software\Microsoft").unwrap();
        assert_eq!((root.kind, root.shown.as_str()), (None, "HKCU"));
        assert_eq!(locate_root(r"HKEY_LOCAL_MACHINE").unwrap().shown, "HKLM");
        assert_eq!(locate_root(r"SOFTWARE\Microsoft"), None);
        assert_eq!(locate_root(""), None);
    }

    #[test]
    fn keys_are_found_case_insensitively_with_stored_names() {
        let mut hive = TextHive::new("a.reg");
        apply(
            &mut hive,
            &[section(
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Exchange",
                SectionContents::Full,
                vec![sz("Setup", "5.5")],
            )],
        );
        let key = hive.read_key(r"MICROSOFT\exchange").unwrap().unwrap();
        assert_eq!(key.path, r"Microsoft\Exchange");
        assert_eq!(
            key.value("setup").unwrap().as_string().as_deref(),
            Some("5.5")
        );
        assert_eq!(
            hive.read_key("Microsoft").unwrap().unwrap().subkeys,
            ["Exchange"]
        );
        assert!(hive.read_key(r"Microsoft\Other").unwrap().is_none());
        assert_eq!(hive.key_count(), 3);
    }

    #[test]
    fn only_keys_listed_in_full_make_absence_authoritative() {
        let mut hive = TextHive::new("a.txt");
        apply(
            &mut hive,
            &[
                section(
                    r"HKLM\SYSTEM\CurrentControlSet\Services\X",
                    SectionContents::Full,
                    vec![],
                ),
                section(
                    r"HKLM\SYSTEM\CurrentControlSet\Services\X\Listed",
                    SectionContents::Partial,
                    vec![],
                ),
            ],
        );
        // Below a key listed in full: absent for sure.
        assert!(hive.lists_in_full(r"CurrentControlSet\Services\X\Missing"));
        assert!(hive.lists_in_full(r"CurrentControlSet\Services\X"));
        // Ancestors created on the way and keys listed by name: not covered.
        assert!(!hive.lists_in_full(r"CurrentControlSet\Services\Y"));
        assert!(!hive.lists_in_full("Select"));
        assert!(!hive.lists_in_full(r"CurrentControlSet\Services\X\Listed"));
        assert!(!hive.lists_in_full(r"CurrentControlSet\Services\X\Listed\Deeper"));
    }

    #[test]
    fn later_sections_replace_values_and_deletions_remove() {
        let mut hive = TextHive::new("a.reg");
        let key = r"HKEY_LOCAL_MACHINE\SOFTWARE\K";
        let problems = apply(
            &mut hive,
            &[
                section(key, SectionContents::Full, vec![sz("a", "1"), sz("B", "2")]),
                section(&format!(r"{key}\Sub"), SectionContents::Full, vec![]),
                section(
                    key,
                    SectionContents::Full,
                    vec![
                        sz("A", "one"),
                        TextValueOp::Delete {
                            line: 9,
                            name: "b".into(),
                        },
                    ],
                ),
                section(
                    &format!(r"{key}\SUB"),
                    SectionContents::Delete,
                    vec![sz("x", "y")],
                ),
            ],
        );
        let read = hive.read_key("K").unwrap().unwrap();
        assert_eq!(read.values.len(), 1);
        assert_eq!(
            read.values[0].name, "a",
            "the first spelling of a name stays"
        );
        assert_eq!(read.values[0].as_string().as_deref(), Some("one"));
        assert!(read.subkeys.is_empty());
        assert!(hive.read_key(r"K\Sub").unwrap().is_none());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].detail.contains("ignored"));
        // A deleted key can be created again.
        apply(
            &mut hive,
            &[section(
                &format!(r"{key}\sub"),
                SectionContents::Full,
                vec![],
            )],
        );
        assert_eq!(hive.read_key("K").unwrap().unwrap().subkeys, ["sub"]);
        // Deleting the hive root empties the tree.
        apply(
            &mut hive,
            &[section(r"HKLM\SOFTWARE", SectionContents::Delete, vec![])],
        );
        assert!(hive.read_key("K").unwrap().is_none());
        assert_eq!(hive.key_count(), 1);
    }

    #[test]
    fn notes_follow_their_values() {
        let mut hive = TextHive::new("q.txt");
        let noted = TextValueOp::Set {
            line: 3,
            value: RegValue::new("V", reg_type::SZ, utf16le_with_nul("x ")),
            note: Some("trailing space".into()),
        };
        apply(
            &mut hive,
            &[section(
                r"HKLM\SOFTWARE\K",
                SectionContents::Full,
                vec![noted],
            )],
        );
        let key = hive.read_key("K").unwrap().unwrap();
        assert_eq!(key.value_note("v"), Some("trailing space"));
        apply(
            &mut hive,
            &[section(
                r"HKLM\SOFTWARE\K",
                SectionContents::Full,
                vec![sz("v", "x")],
            )],
        );
        assert_eq!(hive.read_key("K").unwrap().unwrap().value_note("V"), None);
    }

    #[test]
    fn paths_deeper_than_windows_allows_are_refused() {
        let mut hive = TextHive::new("deep.reg");
        let path = format!(r"HKLM\SOFTWARE{}", r"\a".repeat(MAX_WALK_DEPTH + 1));
        let problems = apply(&mut hive, &[section(&path, SectionContents::Full, vec![])]);
        assert_eq!(problems.len(), 1);
        assert_eq!(hive.key_count(), 1);
    }
}
