//! The load stage: bundle -> sources -> views.
//!
//! Every entry of a bundle is looked at once, sorted by what it is
//! (`entries.rs`), and read by its phase: hives with their transaction logs
//! (`hives.rs`) into the registry view (`view.rs`), registry text exports
//! (`text.rs`), then ACL snapshots, the manifest's binary descriptors and
//! the SAM's local accounts (`acl.rs`). Every problem met on the way becomes one
//! of the bundle's `errors` and loading goes on with what is left: one bad
//! entry does not end the bundle.
//!
//! Transaction logs go with the hive they are named after (`<hive>.LOG`,
//! `.LOG1`, `.LOG2`, any case) and are replayed when the hive is dirty;
//! each log's `sources` detail says what was applied or why not.

mod acl;
mod entries;
mod hives;
mod problem;
mod text;
mod view;

pub use problem::{Place, Problem, ProblemKind};

use crate::acl::{AclView, Principals};
use crate::bundle::{self, Bundle, BundleLocation, EntryError, EntryInfo, Limits};
use crate::registry::sam::LocalAccounts;
use crate::registry::{HiveFile, HiveKind, RegistryView, TextHive};
use crate::source::{SourceEntry, SourceKind};
use std::sync::Arc;

/// A hive file of the bundle that was read whole (with its logs replayed
/// when it was dirty), whatever its kind: `query` answers for each.
pub struct BundleHive {
    /// The bundle entry it was read from.
    pub entry: String,
    /// The machine hive it was identified as; `None` for a user hive
    /// (NTUSER.DAT, UsrClass.dat) or one of unknown kind.
    pub kind: Option<HiveKind>,
    /// Whether it is the registry view's source for `kind` (a second hive
    /// of one kind makes neither used).
    pub in_view: bool,
    /// How it was identified, or why not.
    pub identification: String,
    pub hive: Arc<HiveFile>,
}

/// A bundle read into its views, with what was found and what went wrong.
/// `analyze`, `acl` and `query` all start from this.
pub struct LoadedBundle {
    pub name: String,
    pub registry: RegistryView,
    /// Every hive file read whole, in entry-name order. Hives passed over
    /// unread (see [`load_bundle_needing`]) are not here.
    pub hives: Vec<BundleHive>,
    /// Registry text under `HKEY_USERS\<name>` (saved `reg query HKU\...`
    /// output, `hivetriage query` output of a user hive), by that name.
    pub user_text: Vec<(String, TextHive)>,
    pub acl: AclView,
    /// Local accounts, when the bundle has a readable SAM hive.
    pub accounts: Option<LocalAccounts>,
    pub sources: Vec<SourceEntry>,
    /// What went wrong, in the order met.
    pub errors: Vec<Problem>,
}

/// Opens a bundle and reads it into its views.
pub fn open_and_load(
    location: &BundleLocation,
    limits: Limits,
) -> Result<LoadedBundle, bundle::BundleError> {
    let mut opened = bundle::open(&location.path, &location.display_name, limits)?;
    Ok(load_bundle(opened.as_mut(), limits))
}

/// Reads a bundle's entries into the registry and ACL views. `limits`
/// bound what is expanded in memory (compressed files), as the bundle's own
/// limits bound its entries.
pub fn load_bundle(bundle: &mut dyn Bundle, limits: Limits) -> LoadedBundle {
    load_bundle_needing(bundle, limits, None)
}

/// [`load_bundle`], reading in full only hives of the `needed` kinds
/// (`None`: every hive). A clean hive without logs whose header names no
/// needed kind is first identified from its first bytes (a bounded look);
/// when those decide it is of another kind, it is listed and passed over
/// unread.
pub fn load_bundle_needing(
    bundle: &mut dyn Bundle,
    limits: Limits,
    needed: Option<&[HiveKind]>,
) -> LoadedBundle {
    let mut loader = Loader::new(bundle, limits);
    let mut sorted = loader.sort_entries();
    loader.expand_packed(&mut sorted);
    let logs_of_hive = loader.pair_logs(&sorted);
    let read = loader.read_hives(sorted.hives, logs_of_hive, needed);
    let mut registry = loader.build_registry(read);
    let user_text = loader.add_registry_text(&mut registry, sorted.text);
    let mut acl = loader.read_snapshots(sorted.snapshots);
    loader.read_manifests(&mut acl, sorted.manifests);
    let accounts = loader.read_accounts(&registry.view);

    // Printed principal names become SIDs where this machine's names allow.
    let computer_name = registry.view.computer_name();
    acl.resolve_names(&Principals::new(
        computer_name.as_deref(),
        accounts.as_ref(),
    ));
    loader.finish(registry, user_text, acl, accounts)
}

/// One bundle being read: what each entry was found to be (`sources`) and
/// what went wrong (`errors`), which every phase adds to.
struct Loader<'a> {
    bundle: &'a mut dyn Bundle,
    limits: Limits,
    /// The bundle's entries as listed.
    entries: Vec<EntryInfo>,
    sources: Vec<SourceEntry>,
    errors: Vec<Problem>,
}

impl<'a> Loader<'a> {
    fn new(bundle: &'a mut dyn Bundle, limits: Limits) -> Loader<'a> {
        let name = bundle.name();
        Loader {
            errors: (bundle.warnings().iter())
                .map(|warning| Problem::new(ProblemKind::Bundle, name, warning.as_str()))
                .collect(),
            entries: bundle.entries().to_vec(),
            bundle,
            limits,
            sources: Vec::new(),
        }
    }

    /// The name of entry `index`.
    fn name(&self, index: usize) -> &str {
        &self.entries[index].name
    }

    /// Lists `name` among the sources, as `kind`, with `detail`.
    fn source(&mut self, name: &str, kind: SourceKind, detail: String) {
        self.sources.push(SourceEntry {
            name: name.to_string(),
            kind,
            detail,
        });
    }

    fn error(&mut self, problem: Problem) {
        self.errors.push(problem);
    }

    /// Entry `index` could not be read.
    fn unreadable(&mut self, index: usize, error: &EntryError) {
        let problem = Problem::new(ProblemKind::Unreadable, self.name(index), error.to_string());
        self.error(problem);
    }

    fn deadline_passed(&self) -> bool {
        self.limits.deadline_passed()
    }

    fn finish(
        mut self,
        registry: view::BuiltRegistry,
        user_text: Vec<(String, TextHive)>,
        acl: AclView,
        accounts: Option<LocalAccounts>,
    ) -> LoadedBundle {
        if self.deadline_passed() {
            let name = self.bundle.name();
            let message = format!(
                "{name}: reading stopped: the time allowed for one bundle (--timeout-per-bundle) ran out"
            );
            self.error(Problem::new(ProblemKind::Bundle, name, message));
        }
        self.sources.sort_by(|a, b| a.name.cmp(&b.name));
        LoadedBundle {
            name: self.bundle.name().to_string(),
            registry: registry.view,
            hives: registry.hives,
            user_text,
            acl,
            accounts,
            sources: self.sources,
            errors: self.errors,
        }
    }
}
