//! [`RegistryView`]: the bundle's registry data, one source per hive kind.
//!
//! Paths given to the view are relative to the hive root. In SYSTEM a first
//! component `CurrentControlSet` (any case) stands for the control set that
//! `Select\Current` names; it is never guessed. Answers keep apart "not
//! there" ([`Lookup::NotFound`], saying which key or value), "no data"
//! ([`Lookup::NoData`]) and "damaged" ([`Lookup::Failed`]).

use std::sync::OnceLock;

use super::key_path::{key_components, tidy_key_path};
use super::{
    HiveData, HiveKind, LookupError, RegKey, RegValue, WalkControl, WalkSummary, names_equal,
    reg_type,
};

/// The outcome of a lookup, keeping apart what the rules must tell apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup<T> {
    Found(T),
    /// The hive is there but the key or value is not; `missing` says which
    /// (e.g. `key ControlSet001\Services\MSExchangeIMC`).
    NotFound {
        missing: String,
    },
    /// The bundle has no usable data for this hive; `reason` says why
    /// (absent, two candidates, unreadable).
    NoData {
        reason: String,
    },
    /// The data is there but damaged where the lookup needed it.
    Failed(LookupError),
}

impl<T> Lookup<T> {
    /// The found item, if any.
    pub fn found(self) -> Option<T> {
        match self {
            Lookup::Found(item) => Some(item),
            _ => None,
        }
    }

    /// The same outcome with the found item transformed.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Lookup<U> {
        match self {
            Lookup::Found(item) => Lookup::Found(f(item)),
            Lookup::NotFound { missing } => Lookup::NotFound { missing },
            Lookup::NoData { reason } => Lookup::NoData { reason },
            Lookup::Failed(error) => Lookup::Failed(error),
        }
    }
}

/// A value found by [`RegistryView::read_value`], with where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundValue {
    /// The source's origin (entry name).
    pub origin: String,
    /// The key path with the control set resolved, prefixed with the hive,
    /// e.g. `HKLM\SYSTEM\ControlSet002\Services\MSExchangeIMC\Parameters`.
    pub key_path: String,
    pub value: RegValue,
    pub key_last_written: Option<u64>,
    /// Set when the value was rebuilt from text that may not show it
    /// exactly (e.g. `reg query` output): what may differ.
    pub note: Option<String>,
}

/// Which control set `CurrentControlSet` stands for, and how that was decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlSet {
    /// e.g. `ControlSet002`, or `CurrentControlSet` when the data only has
    /// that alias (text exports); `None` when it could not be decided.
    pub name: Option<String>,
    /// How it was decided, or why not (e.g. `SYSTEM\Select\Current = 2`).
    pub how: String,
}

/// A path under `CurrentControlSet` when the current control set is not
/// known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the current control set is unknown: {how}")]
pub struct UnknownControlSet {
    /// Why it could not be decided ([`ControlSet::how`]).
    pub how: String,
}

/// The result of expanding `%SystemRoot%` / `%SystemDrive%` in a string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    pub text: String,
    /// Variables left as they were because their value is unknown, as
    /// written (e.g. `%windir%`), each once.
    pub unexpanded: Vec<String>,
}

/// The registry of one bundle.
#[derive(Default)]
pub struct RegistryView {
    hives: Vec<(HiveKind, Box<dyn HiveData>)>,
    unusable: Vec<(HiveKind, String)>,
    /// Hives of a kind the bundle holds but that could not be read at all.
    damaged: Vec<(HiveKind, String)>,
    /// Hives read without changes that only their transaction logs hold.
    stale: Vec<(HiveKind, String)>,
    /// `control_set()` reads SYSTEM once; reset whenever sources change.
    control_set: OnceLock<ControlSet>,
}

/// The name every `CurrentControlSet` component resolves through.
const CURRENT_CONTROL_SET: &str = "CurrentControlSet";

impl RegistryView {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the data for one hive kind. A second source for the same kind
    /// is not silently preferred: the kind becomes unusable (lookups give
    /// `NoData` naming both), as two SYSTEM hives in one bundle must.
    pub fn add(&mut self, kind: HiveKind, data: Box<dyn HiveData>) {
        self.control_set = OnceLock::new();
        if let Some((_, first)) = self.hives.iter().find(|(k, _)| *k == kind) {
            let reason = format!(
                "two sources of {kind} data ({} and {}); neither is used",
                first.origin(),
                data.origin()
            );
            self.mark_unusable(kind, reason);
            return;
        }
        self.hives.push((kind, data));
    }

    /// Records that a hive kind has data that must not be used (for example
    /// two different SYSTEM hives in one bundle); lookups give `NoData`.
    pub fn mark_unusable(&mut self, kind: HiveKind, reason: String) {
        self.control_set = OnceLock::new();
        match self.unusable.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, existing)) => {
                existing.push_str("; ");
                existing.push_str(&reason);
            }
            None => self.unusable.push((kind, reason)),
        }
    }

    /// Records that the bundle holds a hive of `kind` that could not be
    /// read at all (`reason` names the file): when there is no other data
    /// for that kind, lookups say the hive is damaged rather than absent.
    pub fn note_damaged(&mut self, kind: HiveKind, reason: String) {
        self.damaged.push((kind, reason));
    }

    /// Records that the hive used for `kind` was read without changes its
    /// transaction logs hold (a dirty hive whose logs could not be applied,
    /// or applied only in part): its data may be out of date.
    pub fn note_stale(&mut self, kind: HiveKind, reason: String) {
        self.stale.push((kind, reason));
    }

    /// Why the data of `kind` may be out of date, when it may.
    pub fn stale_reason(&self, kind: HiveKind) -> Option<&str> {
        self.hive(kind)?;
        self.stale
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, reason)| reason.as_str())
    }

    /// Whether the bundle holds a hive of `kind` that could not be read.
    pub fn is_damaged(&self, kind: HiveKind) -> bool {
        self.hive(kind).is_none() && self.damaged.iter().any(|(k, _)| *k == kind)
    }

    /// The data for a hive kind, when the bundle has usable data for it.
    pub fn hive(&self, kind: HiveKind) -> Option<&dyn HiveData> {
        if self.unusable.iter().any(|(k, _)| *k == kind) {
            return None;
        }
        self.hives
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, data)| data.as_ref())
    }

    /// Why there is no usable data for `kind`.
    pub fn no_data_reason(&self, kind: HiveKind) -> String {
        match self.unusable.iter().find(|(k, _)| *k == kind) {
            Some((_, reason)) => format!("{kind} data is unusable: {reason}"),
            None => match self.damaged.iter().find(|(k, _)| *k == kind) {
                Some((_, reason)) => {
                    format!("the bundle's {kind} hive is damaged and cannot be read ({reason})")
                }
                None => format!("the bundle has no {kind} data"),
            },
        }
    }

    /// The current control set, from `SYSTEM\Select\Current`.
    pub fn control_set(&self) -> ControlSet {
        self.control_set
            .get_or_init(|| self.decide_control_set())
            .clone()
    }

    fn decide_control_set(&self) -> ControlSet {
        let undecided = |how: String| ControlSet { name: None, how };
        let Some(system) = self.hive(HiveKind::System) else {
            return undecided(self.no_data_reason(HiveKind::System));
        };
        let select = match system.read_key("Select") {
            Ok(Some(select)) => select,
            Ok(None) => {
                // Text exports show only the alias, never Select.
                return match system.read_key(CURRENT_CONTROL_SET) {
                    Ok(Some(_)) => ControlSet {
                        name: Some(CURRENT_CONTROL_SET.into()),
                        how: "no SYSTEM\\Select key; the data names its keys under SYSTEM\\CurrentControlSet".into(),
                    },
                    Ok(None) => undecided(
                        "SYSTEM has no Select key, so the current control set is unknown".into(),
                    ),
                    Err(error) => undecided(format!(
                        "SYSTEM has no Select key, and reading CurrentControlSet failed: {error}"
                    )),
                };
            }
            Err(error) => return undecided(format!("SYSTEM\\Select cannot be read: {error}")),
        };
        let Some(current) = select.value("Current") else {
            let why = match select.value_problem("Current") {
                Some(problem) => format!("SYSTEM\\Select value Current cannot be read: {problem}"),
                None => "SYSTEM\\Select has no value Current".to_string(),
            };
            return undecided(why);
        };
        let number = match (current.type_code, current.as_dword()) {
            (reg_type::DWORD, Some(number)) => number,
            _ => {
                return undecided(format!(
                    "SYSTEM\\Select\\Current is {} of {} bytes, not a REG_DWORD",
                    current.type_name(),
                    current.raw.len()
                ));
            }
        };
        if !(1..=999).contains(&number) {
            return undecided(format!(
                "SYSTEM\\Select\\Current = {number} does not name a control set"
            ));
        }
        let name = format!("ControlSet{number:03}");
        let mut how = format!("SYSTEM\\Select\\Current = {number}");
        match system.read_key(&name) {
            Ok(Some(_)) => {}
            Ok(None) => how.push_str(&format!(" (but SYSTEM has no key {name})")),
            Err(error) => how.push_str(&format!(" (and {name} cannot be read: {error})")),
        }
        ControlSet {
            name: Some(name),
            how,
        }
    }

    /// `path` with a leading `CurrentControlSet` replaced by the current
    /// control set (SYSTEM only), separators tidied.
    /// `Err` says why, when the control set is unknown (the `NoData`
    /// reason).
    fn resolve_path(&self, kind: HiveKind, path: &str) -> Result<String, UnknownControlSet> {
        let mut components = key_components(path);
        let first = components.next();
        let mut resolved = String::with_capacity(path.len());
        match first {
            None => return Ok(resolved),
            Some(first) if kind == HiveKind::System && names_equal(first, CURRENT_CONTROL_SET) => {
                let control_set = self.control_set();
                match control_set.name {
                    Some(name) => resolved.push_str(&name),
                    None => {
                        return Err(UnknownControlSet {
                            how: control_set.how,
                        });
                    }
                }
            }
            Some(first) => resolved.push_str(first),
        }
        for component in components {
            resolved.push('\\');
            resolved.push_str(component);
        }
        Ok(resolved)
    }

    /// Reads a key; `path` is relative to the hive root and may contain
    /// `CurrentControlSet`.
    pub fn read_key(&self, kind: HiveKind, path: &str) -> Lookup<RegKey> {
        let Some(hive) = self.hive(kind) else {
            return Lookup::NoData {
                reason: self.no_data_reason(kind),
            };
        };
        let resolved = match self.resolve_path(kind, path) {
            Ok(resolved) => resolved,
            Err(unknown) => {
                return Lookup::NoData {
                    reason: unknown.to_string(),
                };
            }
        };
        match hive.read_key(&resolved) {
            Ok(Some(key)) => Lookup::Found(key),
            Ok(None) => not_found_or_not_covered(hive, &format!("HKLM\\{kind}"), &resolved),
            Err(error) => Lookup::Failed(error),
        }
    }

    /// Reads one value of a key (name matched case-insensitively).
    pub fn read_value(
        &self,
        kind: HiveKind,
        key_path: &str,
        value_name: &str,
    ) -> Lookup<FoundValue> {
        let key = match self.read_key(kind, key_path) {
            Lookup::Found(key) => key,
            Lookup::NotFound { missing } => return Lookup::NotFound { missing },
            Lookup::NoData { reason } => return Lookup::NoData { reason },
            Lookup::Failed(error) => return Lookup::Failed(error),
        };
        if let Some(value) = key.value(value_name) {
            return Lookup::Found(FoundValue {
                origin: self
                    .hive(kind)
                    .map(|h| h.origin().to_string())
                    .unwrap_or_default(),
                key_path: full_key_path(kind, &key.path),
                value: value.clone(),
                key_last_written: key.last_written,
                note: key.value_note(value_name).map(str::to_string),
            });
        }
        if let Some(problem) = key.value_problem(value_name) {
            return Lookup::Failed(problem.clone());
        }
        let hive = self.hive(kind);
        if let Some(hive) = hive.filter(|hive| !hive.lists_in_full(&key.path)) {
            return Lookup::NoData {
                reason: format!(
                    "{} does not list every value of {}, so it cannot show whether {} is there",
                    hive.origin(),
                    full_key_path(kind, &key.path),
                    shown_value_name(value_name)
                ),
            };
        }
        Lookup::NotFound {
            missing: format!("value {} of key {}", shown_value_name(value_name), key.path),
        }
    }

    /// Walks the key at `path` (which may contain `CurrentControlSet`) and
    /// every key below it; see [`HiveData::walk`].
    pub fn walk(
        &self,
        kind: HiveKind,
        path: &str,
        visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
    ) -> Lookup<WalkSummary> {
        let Some(hive) = self.hive(kind) else {
            return Lookup::NoData {
                reason: self.no_data_reason(kind),
            };
        };
        let resolved = match self.resolve_path(kind, path) {
            Ok(resolved) => resolved,
            Err(unknown) => {
                return Lookup::NoData {
                    reason: unknown.to_string(),
                };
            }
        };
        match hive.walk(&resolved, visitor) {
            Ok(Some(summary)) => Lookup::Found(summary),
            Ok(None) => not_found_or_not_covered(hive, &format!("HKLM\\{kind}"), &resolved),
            Err(error) => Lookup::Failed(error),
        }
    }

    /// `SYSTEM\<current control set>\Control\ComputerName\ComputerName`.
    pub fn computer_name(&self) -> Option<String> {
        let found = self
            .read_value(
                HiveKind::System,
                "CurrentControlSet\\Control\\ComputerName\\ComputerName",
                "ComputerName",
            )
            .found()?;
        let name = found.value.as_string()?;
        let name = name.trim();
        (!name.is_empty()).then(|| name.to_string())
    }

    /// `SOFTWARE\Microsoft\Windows NT\CurrentVersion` value `SystemRoot`.
    fn system_root(&self) -> Option<String> {
        let found = self
            .read_value(
                HiveKind::Software,
                "Microsoft\\Windows NT\\CurrentVersion",
                "SystemRoot",
            )
            .found()?;
        let root = found.value.as_string()?;
        let root = root.trim().trim_end_matches('\\');
        (!root.is_empty()).then(|| root.to_string())
    }

    /// Expands `%SystemRoot%` and `%SystemDrive%` using
    /// `SOFTWARE\Microsoft\Windows NT\CurrentVersion\SystemRoot`; variable
    /// names are matched case-insensitively. Anything else between percent
    /// signs is kept as written and listed in `unexpanded`.
    pub fn expand(&self, text: &str) -> Expansion {
        if !text.contains('%') {
            return Expansion {
                text: text.to_string(),
                unexpanded: Vec::new(),
            };
        }
        let system_root = self.system_root();
        let system_drive = system_root.as_deref().and_then(drive_of);
        expand_with(text, |name| {
            if name.eq_ignore_ascii_case("SystemRoot") {
                system_root.clone()
            } else if name.eq_ignore_ascii_case("SystemDrive") {
                system_drive.clone()
            } else {
                None
            }
        })
    }
}

/// `HKLM\SYSTEM\ControlSet001\...` for a path relative to the hive root.
fn full_key_path(kind: HiveKind, path: &str) -> String {
    rooted(&format!("HKLM\\{kind}"), path)
}

/// `root\path`, or `root` for the hive root itself.
fn rooted(root: &str, path: &str) -> String {
    if path.is_empty() {
        root.to_string()
    } else {
        format!("{root}\\{path}")
    }
}

/// Reads a key of a source outside the view (a user hive, or one of
/// unknown kind); `root` names it in messages (`HKU\NTUSER.DAT`). No
/// `CurrentControlSet` is resolved.
pub fn read_key_of(hive: &dyn HiveData, root: &str, path: &str) -> Lookup<RegKey> {
    let path = tidy_key_path(path);
    match hive.read_key(&path) {
        Ok(Some(key)) => Lookup::Found(key),
        Ok(None) => not_found_or_not_covered(hive, root, &path),
        Err(error) => Lookup::Failed(error),
    }
}

/// Walks a key of a source outside the view, as [`read_key_of`] reads one.
pub fn walk_of(
    hive: &dyn HiveData,
    root: &str,
    path: &str,
    visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
) -> Lookup<WalkSummary> {
    let path = tidy_key_path(path);
    match hive.walk(&path, visitor) {
        Ok(Some(summary)) => Lookup::Found(summary),
        Ok(None) => not_found_or_not_covered(hive, root, &path),
        Err(error) => Lookup::Failed(error),
    }
}

/// `(Default)` for the default value's empty name.
fn shown_value_name(name: &str) -> &str {
    if name.is_empty() { "(Default)" } else { name }
}

/// The answer for a key that `hive` does not have: `NotFound` when the
/// source lists its parent in full, else `NoData` (a text export that does
/// not cover that part of the tree cannot say the key is absent).
fn not_found_or_not_covered<T>(hive: &dyn HiveData, root: &str, path: &str) -> Lookup<T> {
    let missing = missing_prefix(hive, path);
    if hive.lists_in_full(path) {
        return Lookup::NotFound {
            missing: format!("key {missing}"),
        };
    }
    Lookup::NoData {
        reason: format!(
            "{} does not cover {}, so it cannot show whether that key exists",
            hive.origin(),
            rooted(root, &missing)
        ),
    }
}

/// The shortest prefix of `path` that does not exist (so the message names
/// the first missing key, not a descendant of it), e.g.
/// `ControlSet001\Services\MSExchangeIMC` for a lookup of its `Parameters`.
fn missing_prefix(hive: &dyn HiveData, path: &str) -> String {
    let mut prefix = String::new();
    for component in path.split('\\') {
        if !prefix.is_empty() {
            prefix.push('\\');
        }
        prefix.push_str(component);
        if !matches!(hive.read_key(&prefix), Ok(Some(_))) {
            return prefix;
        }
    }
    path.to_string()
}

/// `C:` from `C:\WINNT`; `None` without a drive letter.
fn drive_of(path: &str) -> Option<String> {
    let mut chars = path.chars();
    match (chars.next(), chars.next()) {
        (Some(letter), Some(':')) if letter.is_ascii_alphabetic() => Some(format!("{letter}:")),
        _ => None,
    }
}

/// Replaces `%NAME%` by `lookup(NAME)` where that is known.
fn expand_with(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Expansion {
    let mut out = String::with_capacity(text.len());
    let mut unexpanded: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('%') else {
            // A lone percent sign is text.
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let name = &after[..end];
        let written = &rest[start..start + end + 2];
        match (!name.is_empty()).then(|| lookup(name)).flatten() {
            Some(value) => out.push_str(&value),
            None => {
                out.push_str(written);
                if !name.is_empty() && !unexpanded.iter().any(|u| u.eq_ignore_ascii_case(written)) {
                    unexpanded.push(written.to_string());
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Expansion {
        text: out,
        unexpanded,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source made of keys given by path, for testing the view alone.
    struct Keys {
        origin: &'static str,
        keys: Vec<RegKey>,
    }

    impl HiveData for Keys {
        fn origin(&self) -> &str {
            self.origin
        }

        fn read_key(&self, path: &str) -> Result<Option<RegKey>, LookupError> {
            let path = path.trim_matches('\\');
            if path.eq_ignore_ascii_case("broken") {
                return Err(LookupError {
                    file: self.origin.into(),
                    key_path: path.into(),
                    offset: Some(0x1234),
                    detail: "damaged".into(),
                });
            }
            Ok(self
                .keys
                .iter()
                .find(|k| names_equal(&k.path, path))
                .cloned())
        }
    }

    fn key(path: &str, values: Vec<RegValue>) -> RegKey {
        RegKey {
            path: path.into(),
            values,
            ..RegKey::default()
        }
    }

    fn dword(name: &str, n: u32) -> RegValue {
        RegValue::new(name, reg_type::DWORD, n.to_le_bytes().to_vec())
    }

    fn sz(name: &str, text: &str) -> RegValue {
        RegValue::new(name, reg_type::SZ, crate::encoding::utf16le_with_nul(text))
    }

    fn system(select_current: Option<RegValue>, extra: Vec<RegKey>) -> Box<dyn HiveData> {
        let mut keys = vec![key("", vec![])];
        if let Some(current) = select_current {
            keys.push(key("Select", vec![current]));
        }
        keys.extend(extra);
        Box::new(Keys {
            origin: "SYSTEM",
            keys,
        })
    }

    #[test]
    fn without_system_everything_is_no_data() {
        let view = RegistryView::new();
        assert_eq!(view.control_set().name, None);
        assert!(view.control_set().how.contains("no SYSTEM data"));
        assert!(matches!(
            view.read_value(HiveKind::System, "Select", "Current"),
            Lookup::NoData { .. }
        ));
        assert_eq!(view.computer_name(), None);
    }

    #[test]
    fn select_current_decides_and_is_zero_padded() {
        let mut view = RegistryView::new();
        view.add(
            HiveKind::System,
            system(
                Some(dword("Current", 12)),
                vec![key("ControlSet012", vec![])],
            ),
        );
        let cs = view.control_set();
        assert_eq!(cs.name.as_deref(), Some("ControlSet012"));
        assert_eq!(cs.how, "SYSTEM\\Select\\Current = 12");
    }

    #[test]
    fn a_missing_control_set_key_is_named_not_replaced() {
        let mut view = RegistryView::new();
        view.add(
            HiveKind::System,
            system(
                Some(dword("Current", 3)),
                vec![key("ControlSet001", vec![])],
            ),
        );
        let cs = view.control_set();
        assert_eq!(cs.name.as_deref(), Some("ControlSet003"));
        assert!(cs.how.contains("no key ControlSet003"), "{}", cs.how);
        assert_eq!(
            view.read_key(HiveKind::System, "CurrentControlSet\\Services"),
            Lookup::NotFound {
                missing: "key ControlSet003".into()
            }
        );
    }

    #[test]
    fn invalid_select_values_leave_the_control_set_unknown() {
        for (current, expected) in [
            (Some(dword("Current", 0)), "does not name"),
            (Some(sz("Current", "1")), "not a REG_DWORD"),
            (None, "no Select key"),
            (Some(dword("Default", 1)), "no value Current"),
        ] {
            let mut view = RegistryView::new();
            view.add(HiveKind::System, system(current, vec![]));
            let cs = view.control_set();
            assert_eq!(cs.name, None);
            assert!(cs.how.contains(expected), "{}", cs.how);
            assert!(matches!(
                view.read_key(HiveKind::System, "CurrentControlSet\\Control"),
                Lookup::NoData { .. }
            ));
        }
    }

    #[test]
    fn a_literal_current_control_set_is_used_when_there_is_no_select() {
        let mut view = RegistryView::new();
        view.add(
            HiveKind::System,
            system(
                None,
                vec![
                    key("CurrentControlSet", vec![]),
                    key(
                        "CurrentControlSet\\Control\\ComputerName\\ComputerName",
                        vec![sz("ComputerName", "EXCH01")],
                    ),
                ],
            ),
        );
        assert_eq!(
            view.control_set().name.as_deref(),
            Some("CurrentControlSet")
        );
        assert_eq!(view.computer_name().as_deref(), Some("EXCH01"));
    }

    #[test]
    fn two_sources_of_one_kind_make_it_unusable() {
        let mut view = RegistryView::new();
        view.add(HiveKind::System, system(Some(dword("Current", 1)), vec![]));
        view.add(
            HiveKind::System,
            Box::new(Keys {
                origin: "other/SYSTEM",
                keys: vec![],
            }),
        );
        assert!(view.hive(HiveKind::System).is_none());
        match view.read_key(HiveKind::System, "Select") {
            Lookup::NoData { reason } => {
                assert!(
                    reason.contains("SYSTEM") && reason.contains("other/SYSTEM"),
                    "{reason}"
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(view.control_set().name, None);
    }

    #[test]
    fn missing_keys_and_values_are_named_exactly() {
        let mut view = RegistryView::new();
        view.add(
            HiveKind::System,
            system(
                Some(dword("Current", 1)),
                vec![
                    key("ControlSet001", vec![]),
                    key("ControlSet001\\Services", vec![]),
                ],
            ),
        );
        assert_eq!(
            view.read_value(
                HiveKind::System,
                "CurrentControlSet\\Services\\MSExchangeIMC\\Parameters",
                "RootDir"
            ),
            Lookup::NotFound {
                missing: "key ControlSet001\\Services\\MSExchangeIMC".into()
            }
        );
        assert_eq!(
            view.read_value(HiveKind::System, "currentcontrolset\\Services", ""),
            Lookup::NotFound {
                missing: "value (Default) of key ControlSet001\\Services".into()
            }
        );
        assert!(matches!(
            view.read_key(HiveKind::System, "broken"),
            Lookup::Failed(LookupError {
                offset: Some(0x1234),
                ..
            })
        ));
    }

    #[test]
    fn a_value_problem_makes_a_missing_value_a_failure() {
        use super::super::{KeyProblem, ProblemSubject};
        let mut damaged = key("ControlSet001", vec![dword("Other", 1)]);
        damaged.problems.push(KeyProblem {
            about: ProblemSubject::Value("RootDir".into()),
            error: LookupError {
                file: "SYSTEM".into(),
                key_path: "ControlSet001".into(),
                offset: Some(0x2000),
                detail: "value \"RootDir\": data runs past the end".into(),
            },
        });
        // A subkey problem says nothing about values.
        damaged.problems.push(KeyProblem {
            about: ProblemSubject::SubkeyList,
            error: LookupError {
                file: "SYSTEM".into(),
                key_path: "ControlSet001".into(),
                offset: Some(0x3000),
                detail: "subkey #0: damaged".into(),
            },
        });
        let mut view = RegistryView::new();
        view.add(
            HiveKind::System,
            system(Some(dword("Current", 1)), vec![damaged]),
        );
        assert!(matches!(
            view.read_value(HiveKind::System, "CurrentControlSet", "rootdir"),
            Lookup::Failed(LookupError {
                offset: Some(0x2000),
                ..
            })
        ));
        assert!(matches!(
            view.read_value(HiveKind::System, "CurrentControlSet", "Absent"),
            Lookup::NotFound { .. }
        ));
    }

    #[test]
    fn found_values_carry_the_resolved_path() {
        let mut view = RegistryView::new();
        view.add(
            HiveKind::System,
            system(
                Some(dword("Current", 2)),
                vec![
                    key("ControlSet002", vec![]),
                    key("ControlSet002\\services\\X", vec![sz("RootDir", "C:\\x")]),
                ],
            ),
        );
        let found = view
            .read_value(
                HiveKind::System,
                "CurrentControlSet\\Services\\X",
                "ROOTDIR",
            )
            .found()
            .unwrap();
        assert_eq!(found.key_path, "HKLM\\SYSTEM\\ControlSet002\\services\\X");
        assert_eq!(found.origin, "SYSTEM");
        assert_eq!(found.value.as_string().as_deref(), Some("C:\\x"));
    }

    #[test]
    fn expansion_of_system_root_and_drive() {
        let mut view = RegistryView::new();
        view.add(
            HiveKind::Software,
            Box::new(Keys {
                origin: "SOFTWARE",
                keys: vec![key(
                    "Microsoft\\Windows NT\\CurrentVersion",
                    vec![sz("SystemRoot", "D:\\WINNT")],
                )],
            }),
        );
        let expanded = view.expand("%SystemRoot%\\..\\exchsrvr\\imcdata");
        assert_eq!(expanded.text, "D:\\WINNT\\..\\exchsrvr\\imcdata");
        assert!(expanded.unexpanded.is_empty());
        let expanded = view.expand("%SYSTEMDRIVE%\\x;%systemroot%;%windir%\\y;%WINDIR%;100%");
        assert_eq!(expanded.text, "D:\\x;D:\\WINNT;%windir%\\y;%WINDIR%;100%");
        assert_eq!(expanded.unexpanded, vec!["%windir%".to_string()]);
    }

    #[test]
    fn expansion_without_software_keeps_the_variables() {
        let view = RegistryView::new();
        let expanded = view.expand("%SystemRoot%\\system32");
        assert_eq!(expanded.text, "%SystemRoot%\\system32");
        assert_eq!(expanded.unexpanded, vec!["%SystemRoot%".to_string()]);
        assert_eq!(view.expand("no variables").text, "no variables");
        assert_eq!(expand_with("%%", |_| None).text, "%%");
    }

    #[test]
    fn drives() {
        assert_eq!(drive_of("C:\\WINNT").as_deref(), Some("C:"));
        assert_eq!(drive_of("\\\\server\\share"), None);
        assert_eq!(drive_of(""), None);
    }
}
