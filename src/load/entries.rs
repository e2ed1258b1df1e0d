//! Sorting a bundle's entries by what they are, from their first bytes;
//! compressed files are expanded and sorted by what they hold.

use super::{Loader, Problem, ProblemKind};
use crate::acl::SnapshotForm;
use crate::registry::{HiveHeader, HiveKind};
use crate::source::{self, Packing, RegTextForm, SNIFF_LEN, Sniffed, SourceKind};

/// An entry to read whole: from the bundle, or already expanded from a
/// compressed file.
pub(super) struct Candidate {
    pub(super) index: usize,
    pub(super) expanded: Option<(Vec<u8>, Packing)>,
    /// For a hive, the kind its header's file name names.
    pub(super) named_kind: Option<HiveKind>,
    /// For a hive, whether its header says it is dirty.
    pub(super) dirty: bool,
}

impl Candidate {
    fn hive(index: usize, expanded: Option<(Vec<u8>, Packing)>, header: &HiveHeader) -> Self {
        Candidate {
            index,
            expanded,
            named_kind: header.named_kind(),
            dirty: header.is_dirty(),
        }
    }

    fn text(index: usize, expanded: Option<(Vec<u8>, Packing)>) -> Self {
        Candidate {
            index,
            expanded,
            named_kind: None,
            dirty: false,
        }
    }
}

/// The bundle's entries by what they are (entry indices).
#[derive(Default)]
pub(super) struct Sorted {
    pub(super) hives: Vec<Candidate>,
    pub(super) text: Vec<(Candidate, RegTextForm)>,
    packed: Vec<(usize, Packing)>,
    pub(super) logs: Vec<usize>,
    /// Entries named like a log that are nothing else: logs when their
    /// hive is in the bundle (a log whose base block is damaged), else
    /// ignored.
    pub(super) unrecognised_logs: Vec<(usize, String)>,
    pub(super) snapshots: Vec<(usize, SnapshotForm)>,
    pub(super) manifests: Vec<usize>,
}

impl Loader<'_> {
    /// Sources: what each entry is, from its first bytes.
    pub(super) fn sort_entries(&mut self) -> Sorted {
        let mut sorted = Sorted::default();
        for index in 0..self.entries.len() {
            if self.deadline_passed() {
                break;
            }
            let entry = &self.entries[index];
            let name = entry.name.clone();
            if let Some(warning) = &entry.name_warning {
                let message =
                    format!("{name}: unusual entry name ({warning}); it is only used as a name");
                self.error(Problem::new(ProblemKind::Bundle, &name, message));
            }
            let prefix = match self.bundle.read_prefix(index, SNIFF_LEN) {
                Ok(prefix) => prefix,
                Err(error) => {
                    self.unreadable(index, &error);
                    self.source(&name, SourceKind::Ignored, format!("unreadable: {error}"));
                    continue;
                }
            };
            match source::sniff(&name, &prefix) {
                Sniffed::Hive(header) => sorted.hives.push(Candidate::hive(index, None, &header)),
                Sniffed::RegText(form) => sorted.text.push((Candidate::text(index, None), form)),
                Sniffed::Packed(packing) => sorted.packed.push((index, packing)),
                Sniffed::TransactionLog(_) => sorted.logs.push(index),
                Sniffed::AclSnapshot(form) => sorted.snapshots.push((index, form)),
                Sniffed::Manifest => {
                    sorted.manifests.push(index);
                    self.source(&name, SourceKind::Manifest, "bundle manifest".to_string());
                }
                Sniffed::Other(why) if source::transaction_log_base(&name).is_some() => {
                    sorted.unrecognised_logs.push((index, why));
                }
                Sniffed::Other(why) => self.source(&name, SourceKind::Ignored, why),
            }
        }
        sorted
    }

    /// Compressed files: expanded in memory within the entry limit, then
    /// taken for what their content is.
    pub(super) fn expand_packed(&mut self, sorted: &mut Sorted) {
        for (index, packing) in std::mem::take(&mut sorted.packed) {
            if self.deadline_passed() {
                break;
            }
            let name = self.name(index).to_string();
            let max_entry_size = self.limits.max_entry_size;
            let expanded = match self.bundle.read_entry(index) {
                Ok(bytes) => packing
                    .expand(&name, &bytes, max_entry_size)
                    .map_err(|error| (ProblemKind::Expansion, error.to_string())),
                Err(error) => Err((ProblemKind::Unreadable, error.to_string())),
            };
            let (data, warnings) = match expanded {
                Ok(expanded) => expanded,
                Err((kind, error)) => {
                    let detail = format!("{}; not expanded: {error}", packing.short_words());
                    self.source(&name, SourceKind::Ignored, detail);
                    self.error(Problem::new(kind, &name, error));
                    continue;
                }
            };
            for warning in warnings {
                self.error(Problem::new(ProblemKind::Expansion, &name, warning));
            }
            match source::sniff(&name, &data[..data.len().min(SNIFF_LEN)]) {
                Sniffed::Hive(header) => {
                    let candidate = Candidate::hive(index, Some((data, packing)), &header);
                    sorted.hives.push(candidate);
                }
                Sniffed::RegText(form) => {
                    let candidate = Candidate::text(index, Some((data, packing)));
                    sorted.text.push((candidate, form));
                }
                _ => {
                    let detail = format!(
                        "{}; expanded, it is not a hive or registry text",
                        packing.short_words()
                    );
                    self.source(&name, SourceKind::Ignored, detail);
                }
            }
        }
    }
}
