//! Building the registry view from the hives read: one hive per kind.

use super::hives::{LoadedHive, ReadHives};
use super::{BundleHive, Loader, Problem, ProblemKind};
use crate::registry::{HiveData, HiveKind, RegistryView};
use crate::source::SourceKind;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The registry view built from the bundle's hives.
pub(super) struct BuiltRegistry {
    pub(super) view: RegistryView,
    /// Every hive read, in entry-name order.
    pub(super) hives: Vec<BundleHive>,
    /// The kinds the bundle has a hive of, read or passed over: registry
    /// text is only used for the others.
    pub(super) hive_kinds: BTreeSet<HiveKind>,
}

impl Loader<'_> {
    /// Puts each identified hive into the registry view. Two hives of the
    /// same kind are an error, and that kind is then not used at all:
    /// guessing which one the customer meant could give a confident wrong
    /// verdict. Every hive is kept too, for `query`.
    pub(super) fn build_registry(&mut self, read: ReadHives) -> BuiltRegistry {
        // A hive passed over still stands for its kind: text exports are
        // only used for kinds the bundle has no hive of, as when it is read.
        let hive_kinds: BTreeSet<HiveKind> = read
            .loaded
            .iter()
            .filter_map(|hive| hive.kind)
            .chain(read.passed_over_kinds)
            .collect();
        let mut by_kind: BTreeMap<HiveKind, Vec<LoadedHive>> = BTreeMap::new();
        let mut hives = Vec::new();
        for hive in read.loaded {
            match hive.kind {
                Some(kind) => by_kind.entry(kind).or_default().push(hive),
                None => {
                    let detail = format!("unidentified hive ({}); not used", hive.reason);
                    self.source(&hive.entry, SourceKind::Hive, detail);
                    hives.push(BundleHive {
                        entry: hive.entry,
                        kind: None,
                        in_view: false,
                        identification: hive.reason,
                        hive: hive.hive,
                    });
                }
            }
        }
        let mut view = RegistryView::new();
        for (kind, hives_of_kind) in by_kind {
            let in_view = hives_of_kind.len() == 1;
            if in_view {
                self.use_hive(&mut view, kind, &hives_of_kind[0]);
            } else {
                self.refuse_duplicates(&mut view, kind, &hives_of_kind);
            }
            hives.extend(hives_of_kind.into_iter().map(|hive| BundleHive {
                entry: hive.entry,
                kind: Some(kind),
                in_view,
                identification: hive.reason,
                hive: hive.hive,
            }));
        }
        hives.sort_by(|a, b| a.entry.cmp(&b.entry));
        for (kind, reason) in read.damaged {
            view.note_damaged(kind, reason);
        }
        BuiltRegistry {
            view,
            hives,
            hive_kinds,
        }
    }

    /// The one hive of `kind`: the view's source for it.
    fn use_hive(&mut self, view: &mut RegistryView, kind: HiveKind, hive: &LoadedHive) {
        let detail = match hive.packing {
            Some(packing) => format!("{kind} ({})", packing.words()),
            None => kind.name().to_string(),
        };
        self.source(&hive.entry, SourceKind::Hive, detail);
        if let Some(stale) = &hive.stale {
            view.note_stale(kind, stale.clone());
        }
        view.add(kind, Box::new(Arc::clone(&hive.hive)) as Box<dyn HiveData>);
    }

    /// Two or more hives of `kind`: none is used.
    fn refuse_duplicates(&mut self, view: &mut RegistryView, kind: HiveKind, hives: &[LoadedHive]) {
        let names: Vec<&str> = hives.iter().map(|h| h.entry.as_str()).collect();
        let reason = format!(
            "{} {kind} hives in the bundle ({}); none is used, remove all but one",
            hives.len(),
            names.join(", ")
        );
        let bundle = self.bundle.name().to_string();
        self.error(Problem::new(ProblemKind::Bundle, bundle, reason.clone()));
        for hive in hives {
            let detail = format!("{kind} (duplicate; not used)");
            self.source(&hive.entry, SourceKind::Hive, detail);
        }
        view.mark_unusable(kind, reason);
    }
}
