//! Registry data saved as text — `.reg` exports ([`super::reg_export`]) and
//! `reg query` output ([`super::reg_query`]) — recognised, read, and put
//! together into one [`TextHive`] per hive kind.
//!
//! Text is used for a hive kind only when the bundle has no hive of that
//! kind: a hive holds everything, an export only what was exported. Several
//! files covering parts of one hive are merged in the order of their names
//! (later files win for the same value, as importing them in turn would).
//! Keys under `HKEY_USERS\<name>` make one tree per name, which `query`
//! answers for (what `hivetriage query` prints of a user hive reads back
//! so); keys under other roots (`HKCU`, `HKLM\HARDWARE`) are listed, not
//! used.

use super::reg_export::{RegExportVersion, parse_reg_export, sniff_reg_export};
use super::reg_query::{RegQueryLayout, parse_reg_query, sniff_reg_query};
use crate::registry::{
    HiveData, HiveKind, TextHive, TextProblem, TextSection, locate_root, names_equal,
};
use std::collections::{BTreeMap, BTreeSet};

/// The text forms of registry data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegTextForm {
    Export(RegExportVersion),
    Query(RegQueryLayout),
}

impl RegTextForm {
    /// Words for the report's `sources[].detail`.
    pub fn words(self) -> &'static str {
        match self {
            RegTextForm::Export(RegExportVersion::Regedit4) => "REGEDIT4 export",
            RegTextForm::Export(RegExportVersion::Regedit5) => {
                "Windows Registry Editor Version 5.00 export"
            }
            RegTextForm::Query(RegQueryLayout::Xp) => {
                "reg query output (Windows XP / Server 2003 reg.exe 3.0 layout)"
            }
            RegTextForm::Query(RegQueryLayout::Vista) => {
                "reg query output (Vista-and-later layout)"
            }
        }
    }
}

/// Recognises registry text from a file's first bytes.
pub fn sniff_reg_text(prefix: &[u8]) -> Option<RegTextForm> {
    if let Some(version) = sniff_reg_export(prefix) {
        return Some(RegTextForm::Export(version));
    }
    sniff_reg_query(prefix).map(RegTextForm::Query)
}

/// One text file read into sections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegText {
    pub form: RegTextForm,
    pub encoding: &'static str,
    pub sections: Vec<TextSection>,
    pub problems: Vec<TextProblem>,
}

/// Reads a whole file recognised as `form` by its prefix.
pub fn read_reg_text(file: &str, bytes: &[u8], form: RegTextForm) -> RegText {
    match form {
        RegTextForm::Export(version) => match parse_reg_export(file, bytes) {
            Ok(export) => RegText {
                form: RegTextForm::Export(export.version),
                encoding: export.encoding,
                sections: export.sections,
                problems: export.problems,
            },
            // The prefix said `.reg`; the whole file decoded otherwise.
            Err(problem) => RegText {
                form: RegTextForm::Export(version),
                encoding: "unknown",
                sections: Vec::new(),
                problems: vec![problem],
            },
        },
        RegTextForm::Query(_) => {
            let output = parse_reg_query(file, bytes);
            RegText {
                form: RegTextForm::Query(output.layout),
                encoding: output.encoding,
                sections: output.sections,
                problems: output.problems,
            }
        }
    }
}

/// Puts text files together into one [`TextHive`] per hive kind.
pub struct TextRegistryBuilder {
    /// Kinds the bundle has a hive of: text for them is not used.
    hive_kinds: BTreeSet<HiveKind>,
    hives: BTreeMap<HiveKind, TextHive>,
    /// Trees under `HKEY_USERS`, by the name below it (case as first seen).
    users: Vec<(String, TextHive)>,
}

/// The root `locate_root` shows for `HKEY_USERS`.
const USERS_ROOT: &str = "HKU";

/// The trees text files make: machine hives, and names under `HKEY_USERS`.
pub struct TextTrees {
    pub machine: Vec<(HiveKind, TextHive)>,
    pub users: Vec<(String, TextHive)>,
}

/// What became of one text file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextFileOutcome {
    /// For `sources[].detail`, e.g. `REGEDIT4 export of HKLM\SOFTWARE
    /// (used: no SOFTWARE hive)`.
    pub detail: String,
    /// For `errors`.
    pub problems: Vec<TextProblem>,
}

impl TextRegistryBuilder {
    /// `hive_kinds`: the kinds the bundle has hives of.
    pub fn new(hive_kinds: BTreeSet<HiveKind>) -> TextRegistryBuilder {
        TextRegistryBuilder {
            hive_kinds,
            hives: BTreeMap::new(),
            users: Vec::new(),
        }
    }

    /// Adds one file; call in the order of file names.
    pub fn add(&mut self, file: &str, text: RegText) -> TextFileOutcome {
        let mut problems = text.problems;
        // Roots in the order they first appear, with whether they are used.
        let mut roots: Vec<(String, Option<HiveKind>)> = Vec::new();
        for section in &text.sections {
            let Some(root) = locate_root(&section.path) else {
                problems.push(TextProblem {
                    file: file.to_string(),
                    line: section.line,
                    detail: format!(
                        "key {} is not under a registry root key (HKEY_LOCAL_MACHINE, ...); ignored",
                        crate::registry::printable(&section.path)
                    ),
                });
                continue;
            };
            if root.shown == USERS_ROOT {
                if let Some((name, rest)) = self.user_section(&root.rest) {
                    let shown = format!("{USERS_ROOT}\\{name}");
                    if !roots.iter().any(|(s, _)| *s == shown) {
                        roots.push((shown, None));
                    }
                    let hive = self.user_tree(&name);
                    if !hive.origin().split(", ").any(|n| n == file) {
                        hive.add_origin(file);
                    }
                    hive.apply(file, &rest, section, &mut problems);
                    continue;
                }
            }
            if !roots.iter().any(|(shown, _)| *shown == root.shown) {
                roots.push((root.shown.clone(), root.kind));
            }
            let Some(kind) = root.kind.filter(|kind| !self.hive_kinds.contains(kind)) else {
                continue;
            };
            let hive = self.hives.entry(kind).or_insert_with(|| TextHive::new(""));
            if !hive.origin().split(", ").any(|name| name == file) {
                hive.add_origin(file);
            }
            hive.apply(file, &root.rest, section, &mut problems);
        }
        problems.sort_by_key(|p| p.line);

        let parts: Vec<String> = roots
            .iter()
            .map(|(shown, kind)| match kind {
                Some(kind) if self.hive_kinds.contains(kind) => {
                    format!("{shown} (not used: the {kind} hive is in the bundle)")
                }
                Some(kind) => format!("{shown} (used: no {kind} hive)"),
                None if shown.starts_with("HKU\\") => {
                    format!("{shown} (for query only: the rules read machine hives)")
                }
                None => format!(
                    "{shown} (not used: only HKLM\\SYSTEM, SOFTWARE, SAM and SECURITY are read)"
                ),
            })
            .collect();
        let mut detail = match parts.is_empty() {
            true => format!("{} with no keys", text.form.words()),
            false => format!("{} of {}", text.form.words(), parts.join("; ")),
        };
        if !problems.is_empty() {
            detail.push_str(&format!("; {} problem(s)", problems.len()));
        }
        TextFileOutcome { detail, problems }
    }

    /// `<name>` and the path below it for a path below `HKEY_USERS`;
    /// `None` for `HKEY_USERS` itself.
    fn user_section(&self, rest: &str) -> Option<(String, String)> {
        let mut parts = rest.splitn(2, '\\');
        let name = parts.next().filter(|n| !n.is_empty())?;
        Some((name.to_string(), parts.next().unwrap_or("").to_string()))
    }

    /// The tree of the user hive named `name` (case-insensitively).
    fn user_tree(&mut self, name: &str) -> &mut TextHive {
        let at = match self.users.iter().position(|(n, _)| names_equal(n, name)) {
            Some(at) => at,
            None => {
                self.users.push((name.to_string(), TextHive::new("")));
                self.users.len() - 1
            }
        };
        &mut self.users[at].1
    }

    /// The trees built, one per kind without a hive.
    pub fn finish(self) -> Vec<(HiveKind, TextHive)> {
        self.hives.into_iter().collect()
    }

    /// The trees built: one per kind without a hive, and one per name
    /// under `HKEY_USERS`.
    pub fn finish_with_users(self) -> TextTrees {
        TextTrees {
            machine: self.hives.into_iter().collect(),
            users: self.users,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fills_in_for_missing_hives_only() {
        let export = b"REGEDIT4\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Exchange]\r\n\"A\"=dword:00000001\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n\"Current\"=dword:00000001\r\n\r\n[HKEY_CURRENT_USER\\Software\\X]\r\n";
        let form = sniff_reg_text(export).unwrap();
        assert_eq!(form, RegTextForm::Export(RegExportVersion::Regedit4));
        let mut builder = TextRegistryBuilder::new([HiveKind::System].into());
        let outcome = builder.add("a.reg", read_reg_text("a.reg", export, form));
        assert_eq!(
            outcome.detail,
            "REGEDIT4 export of HKLM\\SOFTWARE (used: no SOFTWARE hive); HKLM\\SYSTEM (not used: \
             the SYSTEM hive is in the bundle); HKCU (not used: only HKLM\\SYSTEM, SOFTWARE, SAM \
             and SECURITY are read)"
        );
        let hives = builder.finish();
        assert_eq!(hives.len(), 1);
        assert_eq!(hives[0].0, HiveKind::Software);
        assert_eq!(hives[0].1.origin(), "a.reg");
        assert!(
            hives[0]
                .1
                .read_key(r"Microsoft\Exchange")
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn files_merge_in_the_order_given() {
        let first = b"\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\K\r\n    V    REG_SZ    old\r\n\r\n";
        let second = b"Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\K]\r\n\"V\"=\"new\"\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\K2]\r\n";
        let mut builder = TextRegistryBuilder::new(BTreeSet::new());
        for (name, bytes) in [("1.txt", &first[..]), ("2.reg", &second[..])] {
            let form = sniff_reg_text(bytes).unwrap();
            let outcome = builder.add(name, read_reg_text(name, bytes, form));
            assert!(outcome.problems.is_empty(), "{outcome:?}");
        }
        let hives = builder.finish();
        let hive = &hives[0].1;
        assert_eq!(hive.origin(), "1.txt, 2.reg");
        let key = hive.read_key("K").unwrap().unwrap();
        assert_eq!(key.value("V").unwrap().as_string().as_deref(), Some("new"));
        assert!(hive.read_key("K2").unwrap().is_some());
    }

    #[test]
    fn keys_under_hkey_users_make_one_tree_per_name() {
        let text = "\r\nHKEY_USERS\\S-1-5-21-1-2-3-1001\\Software\\K\r\n    V    REG_SZ    x\r\n\r\nHKEY_USERS\\Users/bob/NTUSER.DAT\r\n\r\nHKEY_USERS\r\n\r\n";
        let mut builder = TextRegistryBuilder::new(BTreeSet::new());
        let form = sniff_reg_text(text.as_bytes()).unwrap();
        let outcome = builder.add("hku.txt", read_reg_text("hku.txt", text.as_bytes(), form));
        assert!(outcome.problems.is_empty(), "{outcome:?}");
        assert!(
            outcome
                .detail
                .contains("HKU\\S-1-5-21-1-2-3-1001 (for query only"),
            "{}",
            outcome.detail
        );
        let trees = builder.finish_with_users();
        assert!(trees.machine.is_empty());
        let names: Vec<&str> = trees.users.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["S-1-5-21-1-2-3-1001", "Users/bob/NTUSER.DAT"]);
        let key = trees.users[0].1.read_key("software\\k").unwrap().unwrap();
        assert_eq!(key.value("v").unwrap().as_string().as_deref(), Some("x"));
    }

    #[test]
    fn keys_outside_any_root_are_problems() {
        let text = b"REGEDIT4\r\n[SOFTWARE\\Microsoft]\r\n";
        let mut builder = TextRegistryBuilder::new(BTreeSet::new());
        let outcome = builder.add(
            "x.reg",
            read_reg_text("x.reg", text, sniff_reg_text(text).unwrap()),
        );
        assert_eq!(outcome.problems.len(), 1);
        assert_eq!(outcome.problems[0].line, 2);
        assert_eq!(outcome.detail, "REGEDIT4 export with no keys; 1 problem(s)");
    }
}
