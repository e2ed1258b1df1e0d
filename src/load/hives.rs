//! Hives with their transaction logs: each log paired with the hive it is
//! named after, each hive read whole (its logs replayed when it is dirty)
//! and identified by structure, or passed over after a bounded look when no
//! rule needs its kind.

use super::entries::{Candidate, Sorted};
use super::{Loader, Problem, ProblemKind};
use crate::bundle::{EntryBytes, EntryInfo};
use crate::registry::log::TransactionLog;
use crate::registry::{HiveData, HiveFile, HiveKind, HiveWarning};
use crate::source::{self, Packing, SourceEntry, SourceKind};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Bytes read from the start of a hive no rule seems to need, to identify
/// it without reading it all: the root key and its subkeys are usually
/// among the first cells of a hive.
const IDENTIFY_LOOK: usize = 256 << 10;

/// A hive read from the bundle, before it is assigned to a kind.
pub(super) struct LoadedHive {
    pub(super) entry: String,
    pub(super) kind: Option<HiveKind>,
    pub(super) reason: String,
    pub(super) hive: Arc<HiveFile>,
    /// Expanded from a compressed file (an NT 4.0 repair copy).
    pub(super) packing: Option<Packing>,
    /// Why the hive may lack changes its transaction logs hold.
    pub(super) stale: Option<String>,
}

/// What reading the hives gave.
pub(super) struct ReadHives {
    pub(super) loaded: Vec<LoadedHive>,
    /// Hives that could not be read, by the kind they seem to be.
    pub(super) damaged: Vec<(HiveKind, String)>,
    /// The kinds of hives passed over unread.
    pub(super) passed_over_kinds: Vec<HiveKind>,
}

/// Each hive's logs (entry indices), by the hive's entry index.
pub(super) type LogsOfHive = BTreeMap<usize, Vec<usize>>;

impl Loader<'_> {
    /// Each log with the hive it belongs to, by name (`<hive>.LOG1`, ...);
    /// a log without its hive is listed as not applied.
    pub(super) fn pair_logs(&mut self, sorted: &Sorted) -> LogsOfHive {
        let entries = std::mem::take(&mut self.entries);
        let hive_names = HiveNames::new(sorted.hives.iter().map(|c| c.index), &entries);
        let mut log_entries = sorted.logs.clone();
        for (index, why) in &sorted.unrecognised_logs {
            let name = &entries[*index].name;
            if hive_names.hive_of_log(name).is_some() {
                log_entries.push(*index);
            } else {
                self.source(name, SourceKind::Ignored, why.clone());
            }
        }
        let mut logs_of_hive = LogsOfHive::new();
        for index in log_entries {
            let name = &entries[index].name;
            match hive_names.hive_of_log(name) {
                Some(hive) => logs_of_hive.entry(hive).or_default().push(index),
                None => {
                    let detail = match source::transaction_log_base(name) {
                        Some(base) => format!(
                            "log of {base}: not applied: the bundle holds no hive named {base}"
                        ),
                        None => "transaction log: not applied: its name does not say which \
                                 hive it belongs to (<hive>.LOG, .LOG1 or .LOG2)"
                            .to_string(),
                    };
                    self.source(name, SourceKind::TransactionLog, detail);
                }
            }
        }
        drop(hive_names);
        self.entries = entries;
        logs_of_hive
    }

    /// Hives: read whole, identified by structure, one per kind. A clean
    /// hive without logs, of a kind no rule needs, is passed over after a
    /// bounded look; a dirty one or one with logs is read whole, since its
    /// first bytes may be out of date and its logs are to be reported on.
    pub(super) fn read_hives(
        &mut self,
        candidates: Vec<Candidate>,
        mut logs_of_hive: LogsOfHive,
        needed: Option<&[HiveKind]>,
    ) -> ReadHives {
        let mut read = ReadHives {
            loaded: Vec::new(),
            damaged: Vec::new(),
            passed_over_kinds: Vec::new(),
        };
        for candidate in candidates {
            if self.deadline_passed() {
                break;
            }
            let logs = logs_of_hive.remove(&candidate.index).unwrap_or_default();
            if let Some(needed) = needed
                && candidate.expanded.is_none()
                && !candidate.dirty
                && logs.is_empty()
                && !candidate
                    .named_kind
                    .is_some_and(|kind| needed.contains(&kind))
                && let Some((passed_over, kind)) = self.pass_over(candidate.index, needed)
            {
                self.sources.push(passed_over);
                read.passed_over_kinds.extend(kind);
                continue;
            }
            self.read_hive(candidate, &logs, &mut read);
        }
        read
    }

    /// Reads one hive whole, replaying its logs when it is dirty.
    fn read_hive(&mut self, candidate: Candidate, log_indices: &[usize], read: &mut ReadHives) {
        let name = self.name(candidate.index).to_string();
        let packing = candidate.expanded.as_ref().map(|(_, packing)| *packing);
        let (kind_words, bytes) = match candidate.expanded {
            Some((bytes, packing)) => (format!("{}; ", packing.words()), EntryBytes::from(bytes)),
            None => match self.bundle.read_entry(candidate.index) {
                Ok(bytes) => (String::new(), bytes),
                Err(error) => {
                    self.unreadable(candidate.index, &error);
                    self.source(&name, SourceKind::Hive, format!("not read: {error}"));
                    for &log in log_indices {
                        let log_name = self.name(log).to_string();
                        let detail =
                            format!("log of {name}: not applied: the hive could not be read");
                        self.source(&log_name, SourceKind::TransactionLog, detail);
                    }
                    return;
                }
            },
        };
        let logs = self.read_logs(&name, log_indices);
        let offered: Vec<TransactionLog> = logs
            .iter()
            .map(|(log_name, bytes)| TransactionLog {
                name: log_name,
                bytes,
            })
            .collect();
        let max_hive_len = usize::try_from(self.limits.max_entry_size).unwrap_or(usize::MAX);
        let (opened, reports) =
            HiveFile::open_with_logs(name.clone(), bytes, &offered, max_hive_len);
        for report in reports {
            let detail = format!("log of {name}: {}", report.outcome);
            self.source(&report.name, SourceKind::TransactionLog, detail);
        }
        match opened {
            Ok((hive, warnings)) => {
                let stale = stale_reason(&hive, &warnings);
                for warning in warnings {
                    self.error(Problem::new(ProblemKind::Hive, &name, warning.text));
                }
                let identification = hive.identify(&name);
                read.loaded.push(LoadedHive {
                    entry: name,
                    kind: identification.kind,
                    reason: identification.reason,
                    hive: Arc::new(hive),
                    packing,
                    stale,
                });
            }
            Err(error) => {
                // Named for what it seems to be, so checks that need that
                // hive say it is damaged, not absent.
                if let Some(kind) = candidate
                    .named_kind
                    .or_else(|| crate::registry::kind_from_entry_name(&name))
                {
                    read.damaged.push((kind, error.to_string()));
                }
                self.error(Problem::new(ProblemKind::Hive, &name, error.to_string()));
                let detail = format!("{kind_words}unreadable: {error}");
                self.source(&name, SourceKind::Hive, detail);
            }
        }
    }

    /// Reads a hive's logs whole (within the bundle's limits), in name
    /// order (`.LOG`, `.LOG1`, `.LOG2`); a log that cannot be read is
    /// listed and left out.
    fn read_logs(&mut self, hive_name: &str, log_indices: &[usize]) -> Vec<(String, EntryBytes)> {
        let mut logs = Vec::new();
        for &index in log_indices {
            let name = self.name(index).to_string();
            match self.bundle.read_entry(index) {
                Ok(bytes) => logs.push((name, bytes)),
                Err(error) => {
                    self.unreadable(index, &error);
                    let detail = format!("log of {hive_name}: not read: {error}");
                    self.source(&name, SourceKind::TransactionLog, detail);
                }
            }
        }
        logs.sort_by(|a, b| a.0.cmp(&b.0));
        logs
    }

    /// The source entry of a hive that a bounded look shows to be of a
    /// kind no rule needs (or of no machine hive kind), so it is not read
    /// further, with that kind. `None` when the look does not decide: the
    /// hive is then read whole.
    fn pass_over(
        &mut self,
        index: usize,
        needed: &[HiveKind],
    ) -> Option<(SourceEntry, Option<HiveKind>)> {
        let name = self.name(index).to_string();
        let prefix = self.bundle.read_prefix(index, IDENTIFY_LOOK).ok()?;
        let identification = HiveFile::identify_from_prefix(&name, prefix)?;
        let detail = match identification.kind {
            Some(kind) if needed.contains(&kind) => return None,
            Some(kind) => format!("{kind} (no rule reads it; not read further)"),
            None => format!("unidentified hive ({}); not used", identification.reason),
        };
        let entry = SourceEntry {
            name,
            kind: SourceKind::Hive,
            detail,
        };
        Some((entry, identification.kind))
    }
}

/// Why a hive just opened may be out of date: it is still dirty (no log
/// could be applied), or its log replay stopped early. `None` when it is
/// whole.
fn stale_reason(hive: &HiveFile, warnings: &[HiveWarning]) -> Option<String> {
    let dirty = hive.header().is_dirty();
    warnings
        .iter()
        .find(|warning| warning.says_stale())
        .map(|warning| warning.text.clone())
        .or_else(|| {
            dirty.then(|| {
                format!(
                    "{}: dirty hive: changes still in its transaction logs are missing",
                    hive.origin()
                )
            })
        })
}

/// The hive entries by name, to find the hive a log belongs to.
struct HiveNames<'a> {
    exact: HashMap<&'a str, usize>,
    /// By ASCII-lowercased name: the first hive of each.
    folded: HashMap<String, usize>,
}

impl<'a> HiveNames<'a> {
    fn new(hive_entries: impl Iterator<Item = usize>, entries: &'a [EntryInfo]) -> HiveNames<'a> {
        let mut names = HiveNames {
            exact: HashMap::new(),
            folded: HashMap::new(),
        };
        for index in hive_entries {
            let name = entries[index].name.as_str();
            names.exact.entry(name).or_insert(index);
            names
                .folded
                .entry(name.to_ascii_lowercase())
                .or_insert(index);
        }
        names
    }

    /// The hive entry that a log named `<hive>.LOG`, `.LOG1` or `.LOG2`
    /// belongs to. Names compare case-insensitively, as on Windows; an
    /// exact match is preferred.
    fn hive_of_log(&self, log_name: &str) -> Option<usize> {
        let base = source::transaction_log_base(log_name)?;
        self.exact
            .get(base)
            .or_else(|| self.folded.get(&base.to_ascii_lowercase()))
            .copied()
    }
}
