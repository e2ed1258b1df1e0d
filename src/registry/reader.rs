//! Reading keys through nt-hive: finding a key by path, filling a
//! [`RegKey`] with its values and subkey names, and walking a subtree.
//!
//! nt-hive does the parsing (key nodes, subkey lists of every kind, value
//! lists, values, big data, names). Around it:
//!
//! * subkey lists are scanned linearly with Windows' name comparison, never
//!   with nt-hive's `subkey()`/`subpath()`, whose binary search misses keys
//!   in unsorted lists (the corpus WrongOrderHive);
//! * every call that follows an offset read from the file goes through
//!   [`contain`], and zero-length value data (stored with the offset
//!   0xFFFFFFFF, on which nt-hive's `data()` asserts) is never asked for;
//! * a listed subkey must name this key as its parent (Windows checks this
//!   when it loads a hive; nt-hive does not), so a list shared with another
//!   key is reported, not read twice;
//! * work is bounded whatever the data: a walk visits each key node once
//!   (shared or cyclic lists cannot make it loop or explode), depth stops at
//!   [`MAX_WALK_DEPTH`], and one read or walk follows no more list entries
//!   than a quarter of the hive bins data and copies no more value bytes
//!   than the data holds (a [`Budget`]): each entry takes 4 bytes of its own
//!   and each data byte is stored once in a well-formed hive.
//!
//! A value or subkey that cannot be read becomes a [`KeyProblem`] of its
//! key, saying what it is about; the rest of the key is still returned.

use std::cell::Cell;
use std::ops::ControlFlow;

use nt_hive::{Hive, KeyNode, KeyValue, KeyValueData, NtHiveError, NtHiveNameString};

use super::around::{BIG_DATA_SEGMENT_SIZE, Bins, Damage, describe, file_offset};
use super::guard::{Contained, contain};
use super::{
    KeyProblem, LookupError, MAX_WALK_DEPTH, ProblemSubject, RegKey, RegValue, WalkControl,
    WalkSummary, printable,
};
use crate::encoding::utf16le_chars;

pub(crate) type Node<'h> = KeyNode<'h, &'h [u8]>;
type Value<'h> = KeyValue<'h, &'h [u8]>;

/// Limits on the work one read or walk may do (see the module notes).
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    items: usize,
    bytes: usize,
}

const BUDGET_EXHAUSTED: &str = "the hive references more list entries than it can hold (shared or cyclic lists); reading stopped";

impl Budget {
    pub fn for_data(data_len: usize) -> Budget {
        Budget {
            items: data_len / 4 + 64,
            bytes: data_len + 64,
        }
    }

    fn take_item(&mut self) -> bool {
        if self.items == 0 {
            return false;
        }
        self.items -= 1;
        true
    }

    fn take_bytes(&mut self, n: usize) -> bool {
        if n <= self.bytes {
            self.bytes -= n;
            true
        } else {
            false
        }
    }
}

/// Buffers of values and names a walk moves out of one key and reuses in
/// the next (a key handed to the visitor holds exactly its own).
#[derive(Default)]
pub(crate) struct Spare {
    values: Vec<RegValue>,
    names: Vec<String>,
}

/// A readable subkey: its node and cell offset.
#[derive(Clone)]
pub(crate) struct Child<'h> {
    node: Node<'h>,
    offset: u32,
}

impl Child<'_> {
    /// The name, which [`Reader::child`] found readable (nt-hive's
    /// `KeyNode::name` borrows the node, so it is not kept beside it).
    fn name(&self) -> NtHiveNameString<'_> {
        self.node.name().unwrap_or(NtHiveNameString::Latin1(&[]))
    }
}

/// Reads keys of one hive.
pub(crate) struct Reader<'h> {
    origin: &'h str,
    hive: &'h Hive<&'h [u8]>,
    bins: Bins<'h>,
    /// Format 1.4 and later keep data over 16344 bytes in big-data records.
    big_data: bool,
    /// The root key's cell offset (from the header).
    root_offset: u32,
    /// How calls into nt-hive are guarded just now.
    guarding: Cell<Guarding>,
}

/// How [`Reader::guard`] runs a call into nt-hive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Guarding {
    /// Each call through [`contain`].
    EachCall,
    /// Directly: a [`Reader::pass`] guards the whole read.
    InsidePass,
}

/// A panic nt-hive had, as damage (its place is not known).
fn contained(panic: Contained) -> Damage {
    Damage {
        offset: None,
        detail: panic.describe(),
    }
}

fn prefixed(prefix: &str, damage: Damage) -> Damage {
    Damage {
        offset: damage.offset,
        detail: format!("{prefix}{}", damage.detail),
    }
}

impl<'h> Reader<'h> {
    pub fn new(
        origin: &'h str,
        hive: &'h Hive<&'h [u8]>,
        bins: Bins<'h>,
        minor_version: u32,
        root_offset: u32,
    ) -> Reader<'h> {
        Reader {
            origin,
            hive,
            bins,
            big_data: minor_version > 3,
            root_offset,
            guarding: Cell::new(Guarding::EachCall),
        }
    }

    /// Runs one call into nt-hive, turning a panic into [`Contained`]
    /// (see [`Reader::pass`]).
    fn guard<T>(&self, call: impl FnOnce() -> T) -> Result<T, Contained> {
        match self.guarding.get() {
            Guarding::InsidePass => Ok(call()),
            Guarding::EachCall => contain(call),
        }
    }

    /// Runs `read` (which starts afresh each time) with one guard around
    /// it; if nt-hive panicked inside, runs it again with each call
    /// guarded, so only the entry that panics is lost. One guard per key
    /// instead of one per entry keeps a walk fast; panics happen only in
    /// damaged hives. A panic of our own code recurs in the second run,
    /// outside any guard, and is not hidden.
    fn pass<T>(&self, mut read: impl FnMut() -> T) -> T {
        if self.guarding.get() == Guarding::InsidePass {
            return read();
        }
        self.guarding.set(Guarding::InsidePass);
        let outcome = contain(&mut read);
        self.guarding.set(Guarding::EachCall);
        match outcome {
            Ok(value) => value,
            Err(_) => read(),
        }
    }

    pub fn budget(&self) -> Budget {
        Budget::for_data(self.bins.len())
    }

    fn describe(&self, error: &NtHiveError) -> Damage {
        describe(error, self.bins.len())
    }

    fn error(&self, key_path: &str, damage: Damage, fallback: Option<u64>) -> LookupError {
        LookupError {
            file: self.origin.to_string(),
            key_path: key_path.to_string(),
            offset: damage.offset.or(fallback),
            detail: damage.detail,
        }
    }

    fn problem(
        &self,
        key_path: &str,
        about: ProblemSubject,
        damage: Damage,
        fallback: Option<u64>,
    ) -> KeyProblem {
        KeyProblem {
            about,
            error: self.error(key_path, damage, fallback),
        }
    }

    /// The root key node. `HiveFile::open` checked that the header names a
    /// cell (nt-hive asserts on 0xFFFFFFFF) and that nt-hive reads it.
    pub fn root(&self) -> Result<Node<'h>, Damage> {
        let at = file_offset(self.root_offset);
        if self.root_offset == super::around::NO_CELL {
            return Err(Damage::at(
                at,
                "the header references no root cell (0xFFFFFFFF)",
            ));
        }
        match contain(|| self.hive.root_key_node()) {
            Ok(Ok(root)) => Ok(root),
            Ok(Err(error)) => Err(self.describe(&error)),
            Err(panic) => Err(Damage::at(at, panic.describe())),
        }
    }

    /// `node` as a subkey of the key at `parent`: its name must be readable
    /// and the node must name `parent` as its parent.
    fn child(&self, node: Node<'h>, parent: u32) -> Result<Child<'h>, Damage> {
        let offset = {
            let name = node
                .name()
                .map_err(|error| prefixed("key name: ", self.describe(&error)))?;
            self.bins.key_node_of(&name)
        };
        let Some(offset) = offset else {
            // nt-hive returns names as slices of the hive bytes; this is
            // only reached if that ever changes.
            return Err(Damage {
                offset: None,
                detail: "the key node's place in the hive cannot be told".into(),
            });
        };
        match self.bins.key_parent(offset) {
            Some(stored) if stored != parent => Err(Damage::at(
                file_offset(offset) + 4 + 16,
                format!(
                    "the key node at cell {offset:#x} names cell {stored:#x} as its parent, not this key (cell {parent:#x})"
                ),
            )),
            _ => Ok(Child { node, offset }),
        }
    }

    /// Hands each entry of the subkey list of `node` (at cell `offset`) to
    /// `each`, with its index: a readable child, or the damage met (with a
    /// `subkey list: ` or `subkey list entry <index>: ` prefix; under an
    /// index root an unreadable leaf list is one entry). `Err` when the budget
    /// ran out.
    fn subkey_entries(
        &self,
        node: &Node<'h>,
        offset: u32,
        budget: &mut Budget,
        mut each: impl FnMut(usize, Result<Child<'h>, Damage>) -> ControlFlow<()>,
    ) -> Result<(), Damage> {
        let mut entries = match self.guard(|| node.subkeys()) {
            Ok(None) => return Ok(()),
            Ok(Some(Ok(entries))) => entries,
            Ok(Some(Err(error))) => {
                let _ = each(0, Err(prefixed("subkey list: ", self.describe(&error))));
                return Ok(());
            }
            Err(panic) => {
                let _ = each(0, Err(prefixed("subkey list: ", contained(panic))));
                return Ok(());
            }
        };
        for index in 0.. {
            if !budget.take_item() {
                return Err(Damage::at(file_offset(offset), BUDGET_EXHAUSTED));
            }
            // Each step advances the iterator before it follows an offset,
            // so after an error or a contained panic the next step reads
            // the next entry.
            let entry = match self.guard(|| entries.next()) {
                Ok(None) => break,
                Ok(Some(Ok(child))) => self.child(child, offset),
                Ok(Some(Err(error))) => Err(self.describe(&error)),
                Err(panic) => Err(contained(panic)),
            };
            let entry =
                entry.map_err(|damage| prefixed(&format!("subkey list entry {index}: "), damage));
            if each(index, entry).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// The file offset where the data of value `name` of the key at `path`
    /// starts, when the data lies in a cell of its own (see
    /// [`Bins::value_data_file_offset`]); `None` when anything on the way
    /// cannot be read.
    pub fn value_data_offset(&self, path: &str, name: &str) -> Option<u64> {
        let mut budget = self.budget();
        let (node, _, _) = self.resolve(path, &mut budget).ok()??;
        let mut list = self.guard(|| node.values()).ok()??.ok()?;
        loop {
            let value = match self.guard(|| list.next()).ok()? {
                None => return None,
                Some(Ok(value)) => value,
                Some(Err(_)) => continue,
            };
            let Ok(stored) = value.name() else { continue };
            if name_matches(&stored, name) {
                let vk = self.bins.value_of(&stored)?;
                return self.bins.value_data_file_offset(vk, self.big_data);
            }
        }
    }

    /// Finds the key at `path`; returns it with its cell offset and its path
    /// as stored.
    pub fn resolve(
        &self,
        path: &str,
        budget: &mut Budget,
    ) -> Result<Option<(Node<'h>, u32, String)>, LookupError> {
        let mut node = self.root().map_err(|damage| self.error("", damage, None))?;
        let mut offset = self.root_offset;
        let mut stored_path = String::new();
        for component in path.split('\\').filter(|c| !c.is_empty()) {
            let before = budget.clone();
            let mut again = false;
            let (found, first_damage, damaged) = self
                .pass(|| {
                    if again {
                        *budget = before.clone();
                    }
                    again = true;
                    let mut found = None;
                    let mut first_damage = None;
                    let mut damaged = 0usize;
                    let scanned =
                        self.subkey_entries(&node, offset, budget, |_, entry| match entry {
                            Ok(child) if name_matches(&child.name(), component) => {
                                found = Some(child);
                                ControlFlow::Break(())
                            }
                            Ok(_) => ControlFlow::Continue(()),
                            Err(damage) => {
                                damaged += 1;
                                first_damage.get_or_insert(damage);
                                ControlFlow::Continue(())
                            }
                        });
                    scanned.map(|()| (found, first_damage, damaged))
                })
                .map_err(|damage| self.error(path, damage, None))?;
            let Some(child) = found else {
                let Some(first) = first_damage else {
                    return Ok(None);
                };
                let parent = if stored_path.is_empty() {
                    "the root key".to_string()
                } else {
                    format!("'{}'", printable(&stored_path))
                };
                return Err(LookupError {
                    file: self.origin.to_string(),
                    key_path: path.to_string(),
                    offset: first.offset.or(Some(file_offset(offset))),
                    detail: format!(
                        "no readable subkey '{}' under {parent}, and {damaged} of its subkey entries could not be read (first: {})",
                        printable(component),
                        first.detail
                    ),
                });
            };
            if !stored_path.is_empty() {
                stored_path.push('\\');
            }
            push_name(&child.name(), &mut stored_path);
            node = child.node;
            offset = child.offset;
        }
        Ok(Some((node, offset, stored_path)))
    }

    /// Fills `key` (reusing its buffers; `key.path` is its path) with the
    /// values and subkey names of `node` at cell `offset`; `children`
    /// receives the subkeys a walk may enter, in stored order. `Err` only
    /// when the budget ran out.
    pub fn fill_key(
        &self,
        node: &Node<'h>,
        offset: u32,
        key: &mut RegKey,
        children: &mut Vec<Child<'h>>,
        budget: &mut Budget,
        spare: &mut Spare,
    ) -> Result<(), LookupError> {
        let before = budget.clone();
        let mut again = false;
        self.pass(|| {
            if again {
                *budget = before.clone();
            }
            again = true;
            self.fill_key_once(node, offset, key, children, budget, spare)
        })
    }

    fn fill_key_once(
        &self,
        node: &Node<'h>,
        offset: u32,
        key: &mut RegKey,
        children: &mut Vec<Child<'h>>,
        budget: &mut Budget,
        spare: &mut Spare,
    ) -> Result<(), LookupError> {
        let at = Some(file_offset(offset));
        key.last_written = self.bins.key_last_written(offset);
        key.problems.clear();
        self.fill_values(node, at, key, budget, &mut spare.values)
            .map_err(|damage| self.error(&key.path, damage, at))?;

        children.clear();
        let mut named = 0;
        let RegKey {
            path,
            subkeys,
            problems,
            ..
        } = key;
        self.subkey_entries(node, offset, budget, |index, entry| {
            match entry {
                Ok(child) => {
                    if named == subkeys.len() {
                        subkeys.push(spare.names.pop().unwrap_or_default());
                    }
                    let slot = &mut subkeys[named];
                    slot.clear();
                    push_name(&child.name(), slot);
                    if slot.is_empty() || slot.contains('\\') {
                        // Windows allows neither; no path could name it.
                        let damage = Damage::at(
                            file_offset(child.offset),
                            format!(
                                "subkey list entry {index}: its name '{}' is empty or holds a backslash, so no path reaches it; not read",
                                printable(slot)
                            ),
                        );
                        let about = ProblemSubject::Subkey(slot.clone());
                        problems.push(self.problem(path, about, damage, at));
                    } else {
                        named += 1;
                        children.push(child);
                    }
                }
                Err(damage) => {
                    problems.push(self.problem(path, ProblemSubject::SubkeyList, damage, at));
                }
            }
            ControlFlow::Continue(())
        })
        .map_err(|damage| self.error(path, damage, at))?;
        spare.names.extend(subkeys.drain(named..));
        self.drop_duplicate_subkeys(key, children);
        Ok(())
    }

    /// Reads the values of `node` into `key.values`; unreadable ones become
    /// problems. `Err` only when the budget ran out.
    fn fill_values(
        &self,
        node: &Node<'h>,
        at: Option<u64>,
        key: &mut RegKey,
        budget: &mut Budget,
        spare: &mut Vec<RegValue>,
    ) -> Result<(), Damage> {
        let mut kept = 0;
        let list = match self.guard(|| node.values()) {
            Ok(None) => None,
            Ok(Some(Ok(list))) => Some(list),
            Ok(Some(Err(error))) => {
                let damage = prefixed("value list: ", self.describe(&error));
                key.problems
                    .push(self.problem(&key.path, ProblemSubject::ValueList, damage, at));
                None
            }
            Err(panic) => {
                let damage = prefixed("value list: ", contained(panic));
                key.problems
                    .push(self.problem(&key.path, ProblemSubject::ValueList, damage, at));
                None
            }
        };
        if let Some(mut list) = list {
            for index in 0.. {
                if !budget.take_item() {
                    return Err(Damage {
                        offset: None,
                        detail: BUDGET_EXHAUSTED.into(),
                    });
                }
                let entry = match self.guard(|| list.next()) {
                    Ok(None) => break,
                    Ok(Some(Ok(value))) => match value.name() {
                        Ok(name) => Ok((value, name)),
                        Err(error) => Err(prefixed("value name: ", self.describe(&error))),
                    },
                    Ok(Some(Err(error))) => Err(self.describe(&error)),
                    Err(panic) => {
                        let damage = prefixed(&format!("value #{index}: "), contained(panic));
                        key.problems.push(self.problem(
                            &key.path,
                            ProblemSubject::ValueList,
                            damage,
                            at,
                        ));
                        continue;
                    }
                };
                let (value, name) = match entry {
                    Ok(entry) => entry,
                    Err(damage) => {
                        let damage = prefixed(&format!("value #{index}: "), damage);
                        key.problems.push(self.problem(
                            &key.path,
                            ProblemSubject::ValueList,
                            damage,
                            at,
                        ));
                        continue;
                    }
                };
                let vk = self.bins.value_of(&name);
                let type_code = match value.data_type() {
                    Ok(known) => known as u32,
                    // Types nt-hive has no name for (0x200000, the
                    // 0xFFFF00xx device properties) are kept as numbers.
                    Err(NtHiveError::UnsupportedKeyValueDataType { actual, .. }) => actual,
                    Err(error) => {
                        let damage = prefixed(&format!("value #{index}: "), self.describe(&error));
                        let vk_at = vk.map(file_offset).or(at);
                        key.problems.push(self.problem(
                            &key.path,
                            ProblemSubject::ValueList,
                            damage,
                            vk_at,
                        ));
                        continue;
                    }
                };
                if kept == key.values.len() {
                    let slot = spare
                        .pop()
                        .unwrap_or_else(|| RegValue::new("", 0, Vec::new()));
                    key.values.push(slot);
                }
                let slot = &mut key.values[kept];
                slot.name.clear();
                push_name(&name, &mut slot.name);
                slot.type_code = type_code;
                match self.value_data(&value, vk, &mut slot.raw, budget) {
                    Ok(()) => kept += 1,
                    Err(damage) => {
                        let name = slot.name.clone();
                        let damage =
                            prefixed(&format!("value \"{}\": ", name.escape_debug()), damage);
                        let vk_at = vk.map(file_offset).or(at);
                        key.problems.push(self.problem(
                            &key.path,
                            ProblemSubject::Value(name),
                            damage,
                            vk_at,
                        ));
                    }
                }
            }
        }
        spare.extend(key.values.drain(kept..));
        Ok(())
    }

    /// Copies the data of `value` (record at cell `vk`) into `out`.
    fn value_data(
        &self,
        value: &Value<'h>,
        vk: Option<u32>,
        out: &mut Vec<u8>,
        budget: &mut Budget,
    ) -> Result<(), Damage> {
        out.clear();
        let size = value.data_size() as usize;
        if size == 0 {
            // Empty data is often stored with the offset 0xFFFFFFFF, on
            // which nt-hive's `data()` asserts.
            return Ok(());
        }
        if size > BIG_DATA_SEGMENT_SIZE && !self.big_data {
            // Before format 1.4 there are no big-data records.
            return self.one_cell_data(vk, out, budget);
        }
        let data = match self.guard(|| value.data()) {
            Ok(Ok(data)) => data,
            Ok(Err(error)) => {
                // A 1.4+ hive may keep one-cell data from before an upgrade.
                if size > BIG_DATA_SEGMENT_SIZE && self.one_cell_data(vk, out, budget).is_ok() {
                    return Ok(());
                }
                return Err(self.describe(&error));
            }
            Err(panic) => return Err(contained(panic)),
        };
        let too_much = || Damage {
            offset: None,
            detail: format!(
                "data of {size} bytes is more than the hive has left to give (shared cells?)"
            ),
        };
        match data {
            KeyValueData::Small(bytes) => {
                if !budget.take_bytes(bytes.len()) {
                    return Err(too_much());
                }
                out.extend_from_slice(bytes);
            }
            KeyValueData::Big(mut segments) => {
                if !budget.take_bytes(size) {
                    return Err(too_much());
                }
                out.reserve(size);
                loop {
                    match self.guard(|| segments.next()) {
                        Ok(None) => break,
                        Ok(Some(Ok(segment))) => out.extend_from_slice(segment),
                        Ok(Some(Err(error))) => return Err(self.describe(&error)),
                        Err(panic) => return Err(contained(panic)),
                    }
                }
            }
        }
        Ok(())
    }

    /// Value data kept in one cell whatever its size (read around nt-hive).
    fn one_cell_data(
        &self,
        vk: Option<u32>,
        out: &mut Vec<u8>,
        budget: &mut Budget,
    ) -> Result<(), Damage> {
        let Some(vk) = vk else {
            return Err(Damage {
                offset: None,
                detail: "the value record's place in the hive cannot be told".into(),
            });
        };
        let data = self.bins.one_cell_value_data(vk)?;
        if !budget.take_bytes(data.len()) {
            return Err(Damage {
                offset: Some(file_offset(vk)),
                detail: format!(
                    "data of {} bytes is more than the hive has left to give (shared cells?)",
                    data.len()
                ),
            });
        }
        out.clear();
        out.extend_from_slice(data);
        Ok(())
    }

    /// Windows never stores two subkeys with one name; a damaged hive may.
    /// Lookups find the first, so the walk and `subkeys` keep only the
    /// first too (the others become problems) and every listed path reads
    /// back. Sorted lists (the normal case) prove there are none cheaply.
    fn drop_duplicate_subkeys(&self, key: &mut RegKey, children: &mut Vec<Child<'h>>) {
        let strictly_sorted = key
            .subkeys
            .windows(2)
            .all(|pair| compare_names(&pair[0], &pair[1]) == std::cmp::Ordering::Less);
        if strictly_sorted {
            return;
        }
        let mut seen = std::collections::HashSet::with_capacity(key.subkeys.len());
        let mut keep = Vec::with_capacity(key.subkeys.len());
        for (index, name) in key.subkeys.iter().enumerate() {
            let folded: String = name.chars().map(super::upcase).collect();
            let first = seen.insert(folded);
            if !first {
                let damage = Damage::at(
                    file_offset(children[index].offset),
                    format!(
                        "subkeys: a second subkey named '{}'; only the first is read",
                        printable(name)
                    ),
                );
                let about = ProblemSubject::Subkey(name.clone());
                key.problems
                    .push(self.problem(&key.path, about, damage, None));
            }
            keep.push(first);
        }
        let mut flags = keep.iter();
        key.subkeys.retain(|_| *flags.next().unwrap_or(&true));
        let mut flags = keep.iter();
        children.retain(|_| *flags.next().unwrap_or(&true));
    }

    /// Visits the key at `path` and every key below it, depth first, a key
    /// before its subkeys, subkeys in stored order, each key node once.
    pub fn walk(
        &self,
        path: &str,
        visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
    ) -> Result<Option<WalkSummary>, LookupError> {
        let mut budget = self.budget();
        let Some((start, start_offset, start_path)) = self.resolve(path, &mut budget)? else {
            return Ok(None);
        };
        // One bit per 8 bytes of hive bins data: 190 KB for a 12 MB hive.
        // nt-hive takes unaligned offsets too, but a key node is far longer
        // than 8 bytes, so two keys sharing a slot overlap: damage that is
        // then reported as a key reached twice.
        let mut visited = vec![0u64; self.bins.len() / (64 * 8) + 1];
        let mut mark = |offset: u32| -> bool {
            let bit = offset as usize / 8;
            let (word, mask) = (bit / 64, 1u64 << (bit % 64));
            let Some(slot) = visited.get_mut(word) else {
                return false;
            };
            let fresh = *slot & mask == 0;
            *slot |= mask;
            fresh
        };

        struct Frame<'h> {
            children: Vec<Child<'h>>,
            next: usize,
            path_len: usize,
        }
        let mut frames: Vec<Frame<'h>> = Vec::new();
        let mut spare: Vec<Vec<Child<'h>>> = Vec::new();
        let mut summary = WalkSummary::default();
        let mut key = RegKey {
            path: start_path,
            ..RegKey::default()
        };
        let mut buffers = Spare::default();
        let (mut node, mut offset) = (start, start_offset);
        mark(offset);

        loop {
            // Visit `node`, whose path is in `key.path`.
            let mut children = spare.pop().unwrap_or_default();
            if let Err(error) = self.fill_key(
                &node,
                offset,
                &mut key,
                &mut children,
                &mut budget,
                &mut buffers,
            ) {
                summary.problems.push(error);
                summary.stopped = true;
                return Ok(Some(summary));
            }
            summary.keys += 1;
            match visitor(&key) {
                WalkControl::Stop => {
                    summary.stopped = true;
                    return Ok(Some(summary));
                }
                WalkControl::SkipSubkeys => spare.push(children),
                WalkControl::Continue if children.is_empty() => spare.push(children),
                WalkControl::Continue if frames.len() >= MAX_WALK_DEPTH => {
                    summary.problems.push(LookupError {
                        file: self.origin.to_string(),
                        key_path: key.path.clone(),
                        offset: Some(file_offset(offset)),
                        detail: format!(
                            "subkeys deeper than {MAX_WALK_DEPTH} levels were not walked"
                        ),
                    });
                    spare.push(children);
                }
                WalkControl::Continue => frames.push(Frame {
                    children,
                    next: 0,
                    path_len: key.path.len(),
                }),
            }

            // Find the next key to visit.
            let child = loop {
                let Some(frame) = frames.last_mut() else {
                    return Ok(Some(summary));
                };
                let Some(child) = frame.children.get(frame.next) else {
                    let mut done = frames.pop().map(|f| f.children).unwrap_or_default();
                    done.clear();
                    spare.push(done);
                    continue;
                };
                frame.next += 1;
                key.path.truncate(frame.path_len);
                if !mark(child.offset) {
                    summary.problems.push(LookupError {
                        file: self.origin.to_string(),
                        key_path: key.path.clone(),
                        offset: Some(file_offset(child.offset)),
                        detail: "a subkey is reached a second time (a cycle or a shared list); it is not walked again".into(),
                    });
                    continue;
                }
                break child.clone();
            };
            if !key.path.is_empty() {
                key.path.push('\\');
            }
            push_name(&child.name(), &mut key.path);
            node = child.node;
            offset = child.offset;
        }
    }
}

/// Appends a name as stored: compressed names are Latin-1 (one byte per
/// character, so 0x9F is U+009F, not Windows-1252's U+0178), others
/// UTF-16LE (unpaired surrogates become U+FFFD, an odd last byte is
/// ignored).
pub(crate) fn push_name(name: &NtHiveNameString<'_>, out: &mut String) {
    match *name {
        NtHiveNameString::Latin1(bytes) => {
            if bytes.is_ascii() {
                // ASCII bytes are valid UTF-8 as they are.
                out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
            } else {
                out.extend(bytes.iter().map(|&b| char::from(b)));
            }
        }
        NtHiveNameString::Utf16LE(bytes) => out.extend(utf16le_chars(bytes)),
    }
}

/// Whether a stored name equals `wanted` the way Windows compares names
/// (each character upper-cased on its own, as [`super::names_equal`]).
pub(crate) fn name_matches(name: &NtHiveNameString<'_>, wanted: &str) -> bool {
    match *name {
        // Fast path: no Latin-1 letter upper-cases to ASCII, so an ASCII
        // name can be compared byte by byte.
        NtHiveNameString::Latin1(bytes) if wanted.is_ascii() => {
            bytes.eq_ignore_ascii_case(wanted.as_bytes())
        }
        NtHiveNameString::Latin1(bytes) => bytes
            .iter()
            .map(|&b| super::upcase(char::from(b)))
            .eq(wanted.chars().map(super::upcase)),
        NtHiveNameString::Utf16LE(bytes) => utf16le_chars(bytes)
            .map(super::upcase)
            .eq(wanted.chars().map(super::upcase)),
    }
}

/// Orders names the way subkey lists are sorted: by upper-cased characters.
fn compare_names(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a
            .bytes()
            .map(|c| c.to_ascii_uppercase())
            .cmp(b.bytes().map(|c| c.to_ascii_uppercase()));
    }
    a.chars()
        .map(super::upcase)
        .cmp(b.chars().map(super::upcase))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: NtHiveNameString<'_>) -> String {
        let mut out = String::new();
        push_name(&name, &mut out);
        out
    }

    #[test]
    fn latin1_names_keep_c1_controls_distinct_from_windows_1252() {
        let name = NtHiveNameString::Latin1(&[0x9F]);
        assert_eq!(text(name.clone()), "\u{9F}");
        assert!(!name_matches(&name, "\u{178}"));
        let utf16 = NtHiveNameString::Utf16LE(&[0x78, 0x01]);
        assert_eq!(text(utf16.clone()), "\u{178}");
        assert!(name_matches(&utf16, "\u{FF}"), "ÿ upper-cases to Ÿ");
        assert!(name_matches(&NtHiveNameString::Latin1(b"Select"), "SELECT"));
        assert_eq!(
            text(NtHiveNameString::Utf16LE(&[0x00, 0xD8, 0x41])),
            "\u{FFFD}"
        );
    }

    #[test]
    fn budget_runs_out() {
        let mut budget = Budget::for_data(0);
        for _ in 0..64 {
            assert!(budget.take_item());
        }
        assert!(!budget.take_item());
        assert!(budget.take_bytes(64));
        assert!(!budget.take_bytes(1));
    }
}
