//! The pipeline for one bundle: bundle -> sources -> views -> rules -> report.
//!
//! Every problem met on the way becomes a line in the report's `errors` and
//! the analysis goes on with what is left: one bad entry does not end the
//! bundle, and one bad bundle does not end the batch.
//!
//! Transaction logs go with the hive they are named after (`<hive>.LOG`,
//! `.LOG1`, `.LOG2`, any case) and are replayed when the hive is dirty;
//! each log's `sources` detail says what was applied or why not.

use crate::acl::{AclView, snapshot::read_snapshot_file};
use crate::bundle::{self, Bundle, BundleLocation, Limits};
use crate::registry::log::TransactionLog;
use crate::registry::sam::LocalAccounts;
use crate::registry::windows_version::WindowsVersion;
use crate::registry::{HiveData, HiveFile, HiveKind, RegistryView};
use crate::report::BundleReport;
use crate::rules::{self, RuleOptions, Views};
use crate::source::{self, SNIFF_LEN, Sniffed, SourceEntry, SourceKind};
use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Settings for analyzing bundles.
#[derive(Clone, Debug, Default)]
pub struct AnalyzeOptions {
    pub limits: Limits,
    pub rules: RuleOptions,
}

/// Opens and analyzes one bundle. Never panics: an internal failure becomes
/// an `error` report naming the bundle.
pub fn analyze_location(location: &BundleLocation, options: &AnalyzeOptions) -> BundleReport {
    let name = location.display_name.clone();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        match bundle::open(&location.path, &location.display_name, options.limits) {
            Ok(mut opened) => analyze_bundle(opened.as_mut(), options),
            Err(error) => BundleReport::unreadable(&name, error.to_string()),
        }
    }));
    outcome.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown cause".to_string());
        BundleReport::unreadable(
            &name,
            format!(
                "{name}: internal error while analyzing this bundle ({what}); please report it"
            ),
        )
    })
}

/// A hive read from the bundle, before it is assigned to a kind.
struct LoadedHive {
    entry: String,
    kind: Option<HiveKind>,
    reason: String,
    hive: HiveFile,
}

/// A bundle read into its views, with what was found and what went wrong.
/// `analyze`, `acl` and `query` all start from this.
pub struct LoadedBundle {
    pub name: String,
    pub registry: RegistryView,
    pub acl: AclView,
    /// Local accounts, when the bundle has a readable SAM hive.
    pub accounts: Option<LocalAccounts>,
    pub sources: Vec<SourceEntry>,
    pub errors: Vec<String>,
}

/// Opens a bundle and reads it into its views.
pub fn open_and_load(
    location: &BundleLocation,
    limits: Limits,
) -> Result<LoadedBundle, bundle::BundleError> {
    let mut opened = bundle::open(&location.path, &location.display_name, limits)?;
    Ok(load_bundle_within(opened.as_mut(), limits))
}

/// Analyzes an opened bundle.
pub fn analyze_bundle(bundle: &mut dyn Bundle, options: &AnalyzeOptions) -> BundleReport {
    evaluate(load_bundle_within(bundle, options.limits), options)
}

/// Runs every rule over a loaded bundle.
pub fn evaluate(loaded: LoadedBundle, options: &AnalyzeOptions) -> BundleReport {
    let views = Views {
        registry: &loaded.registry,
        acl: &loaded.acl,
        accounts: loaded.accounts.as_ref(),
        options: &options.rules,
    };
    let checks: Vec<_> = rules::all()
        .iter()
        .flat_map(|rule| rule.evaluate(&views))
        .collect();
    let control_set = loaded
        .registry
        .hive(HiveKind::System)
        .and_then(|_| loaded.registry.control_set().name);
    BundleReport {
        windows: WindowsVersion::from_registry(&loaded.registry),
        verdict: rules::bundle_verdict(&checks),
        computer_name: loaded.registry.computer_name(),
        control_set,
        bundle: loaded.name,
        sources: loaded.sources,
        errors: loaded.errors,
        checks,
    }
}

/// Reads a bundle's entries into the registry and ACL views, with the
/// default [`Limits`] for hives recovered from their transaction logs.
pub fn load_bundle(bundle: &mut dyn Bundle) -> LoadedBundle {
    load_bundle_within(bundle, Limits::default())
}

/// Reads a bundle's entries into the registry and ACL views; a hive
/// recovered from its transaction logs stays within `limits` too.
pub fn load_bundle_within(bundle: &mut dyn Bundle, limits: Limits) -> LoadedBundle {
    let mut errors: Vec<String> = bundle.warnings().to_vec();
    let mut sources: Vec<SourceEntry> = Vec::new();
    let entries = bundle.entries().to_vec();

    // Sources: what each entry is, from its first bytes.
    let mut hive_entries = Vec::new();
    let mut log_entries = Vec::new();
    // Entries named like a log that are nothing else: logs when their hive
    // is in the bundle (a log whose base block is damaged), else ignored.
    let mut unrecognised_logs = Vec::new();
    let mut snapshot_entries = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if let Some(warning) = &entry.name_warning {
            errors.push(format!(
                "{}: unusual entry name ({warning}); it is only used as a name",
                entry.name
            ));
        }
        let prefix = match bundle.read_prefix(index, SNIFF_LEN) {
            Ok(prefix) => prefix,
            Err(error) => {
                errors.push(error.to_string());
                sources.push(source_entry(
                    &entry.name,
                    SourceKind::Ignored,
                    format!("unreadable: {error}"),
                ));
                continue;
            }
        };
        match source::sniff(&entry.name, &prefix) {
            Sniffed::Hive(_) => hive_entries.push(index),
            Sniffed::TransactionLog(_) => log_entries.push(index),
            Sniffed::AclSnapshot(form) => snapshot_entries.push((index, form)),
            Sniffed::Manifest => sources.push(source_entry(
                &entry.name,
                SourceKind::Manifest,
                "bundle manifest".to_string(),
            )),
            Sniffed::Other(why) if source::transaction_log_base(&entry.name).is_some() => {
                unrecognised_logs.push((index, why));
            }
            Sniffed::Other(why) => {
                sources.push(source_entry(&entry.name, SourceKind::Ignored, why));
            }
        }
    }
    let hive_names = HiveNames::new(&hive_entries, &entries);
    for (index, why) in unrecognised_logs {
        let name = &entries[index].name;
        if hive_names.hive_of_log(name).is_some() {
            log_entries.push(index);
        } else {
            sources.push(source_entry(name, SourceKind::Ignored, why));
        }
    }
    // Each log with the hive it belongs to, by name (`<hive>.LOG1`, ...).
    let mut logs_of_hive: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &index in &log_entries {
        let name = &entries[index].name;
        match hive_names.hive_of_log(name) {
            Some(hive) => logs_of_hive.entry(hive).or_default().push(index),
            None => {
                let detail = match source::transaction_log_base(name) {
                    Some(base) => {
                        format!("log of {base}: not applied: the bundle holds no hive named {base}")
                    }
                    None => "transaction log: not applied: its name does not say which hive it \
                             belongs to (<hive>.LOG, .LOG1 or .LOG2)"
                        .to_string(),
                };
                sources.push(source_entry(name, SourceKind::TransactionLog, detail));
            }
        }
    }

    // Hives: read whole, identified by structure, one per kind.
    let mut loaded = Vec::new();
    let max_hive_len = usize::try_from(limits.max_entry_size).unwrap_or(usize::MAX);
    for index in hive_entries {
        let name = &entries[index].name;
        let log_indices = logs_of_hive.remove(&index).unwrap_or_default();
        let bytes = match bundle.read_entry(index) {
            Ok(bytes) => bytes,
            Err(error) => {
                errors.push(error.to_string());
                sources.push(source_entry(
                    name,
                    SourceKind::Hive,
                    format!("not read: {error}"),
                ));
                for log in log_indices {
                    sources.push(source_entry(
                        &entries[log].name,
                        SourceKind::TransactionLog,
                        format!("log of {name}: not applied: the hive could not be read"),
                    ));
                }
                continue;
            }
        };
        let logs = read_logs(bundle, name, &log_indices, &mut sources, &mut errors);
        let offered: Vec<TransactionLog> = logs
            .iter()
            .map(|(log_name, bytes)| TransactionLog {
                name: log_name,
                bytes,
            })
            .collect();
        let (opened, reports) =
            HiveFile::open_with_logs(name.clone(), bytes.into_vec(), &offered, max_hive_len);
        for report in reports {
            sources.push(source_entry(
                &report.name,
                SourceKind::TransactionLog,
                format!("log of {name}: {}", report.outcome),
            ));
        }
        match opened {
            Ok((hive, warnings)) => {
                errors.extend(warnings);
                let identification = hive.identify(name);
                loaded.push(LoadedHive {
                    entry: name.clone(),
                    kind: identification.kind,
                    reason: identification.reason,
                    hive,
                });
            }
            Err(error) => {
                errors.push(error.to_string());
                sources.push(source_entry(
                    name,
                    SourceKind::Hive,
                    format!("unreadable: {error}"),
                ));
            }
        }
    }
    let registry = build_registry(loaded, &mut sources, &mut errors);

    // ACL snapshots.
    let mut acl = AclView::default();
    for (index, form) in snapshot_entries {
        let name = &entries[index].name;
        match bundle.read_entry(index) {
            Ok(bytes) => {
                let (folders, problems) = read_snapshot_file(name, &bytes);
                let detail = format!(
                    "{}: {} folder(s){}",
                    source::snapshot_form_words(form),
                    folders.len(),
                    if problems.is_empty() {
                        String::new()
                    } else {
                        format!(", {} problem(s)", problems.len())
                    }
                );
                errors.extend(problems.iter().map(|p| p.to_string()));
                acl.folders.extend(folders);
                sources.push(source_entry(name, SourceKind::AclSnapshot, detail));
            }
            Err(error) => {
                errors.push(error.to_string());
                sources.push(source_entry(
                    name,
                    SourceKind::AclSnapshot,
                    format!("not read: {error}"),
                ));
            }
        }
    }

    // Accounts, when there is a SAM.
    let accounts =
        registry
            .hive(HiveKind::Sam)
            .and_then(|sam| match LocalAccounts::from_sam(sam) {
                Ok(accounts) => Some(accounts),
                Err(error) => {
                    errors.push(format!("SAM accounts could not be read: {error}"));
                    None
                }
            });

    sources.sort_by(|a, b| a.name.cmp(&b.name));
    LoadedBundle {
        name: bundle.name().to_string(),
        registry,
        acl,
        accounts,
        sources,
        errors,
    }
}

/// The hive entries by name, to find the hive a log belongs to.
struct HiveNames<'a> {
    exact: HashMap<&'a str, usize>,
    /// By ASCII-lowercased name: the first hive of each.
    folded: HashMap<String, usize>,
}

impl<'a> HiveNames<'a> {
    fn new(hive_entries: &[usize], entries: &'a [bundle::EntryInfo]) -> HiveNames<'a> {
        let mut names = HiveNames {
            exact: HashMap::new(),
            folded: HashMap::new(),
        };
        for &index in hive_entries {
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

/// Reads a hive's logs whole (within the bundle's limits), in name order
/// (`.LOG`, `.LOG1`, `.LOG2`); a log that cannot be read is listed and
/// left out.
fn read_logs(
    bundle: &mut dyn Bundle,
    hive_name: &str,
    log_indices: &[usize],
    sources: &mut Vec<SourceEntry>,
    errors: &mut Vec<String>,
) -> Vec<(String, bundle::EntryBytes)> {
    let mut logs = Vec::new();
    for &index in log_indices {
        let name = bundle.entries()[index].name.clone();
        match bundle.read_entry(index) {
            Ok(bytes) => logs.push((name, bytes)),
            Err(error) => {
                errors.push(error.to_string());
                sources.push(source_entry(
                    &name,
                    SourceKind::TransactionLog,
                    format!("log of {hive_name}: not read: {error}"),
                ));
            }
        }
    }
    logs.sort_by(|a, b| a.0.cmp(&b.0));
    logs
}

fn source_entry(name: &str, kind: SourceKind, detail: String) -> SourceEntry {
    SourceEntry {
        name: name.to_string(),
        kind,
        detail,
    }
}

/// Puts each identified hive into the registry view. Two hives of the same
/// kind are an error, and that kind is then not used at all: guessing which
/// one the customer meant could give a confident wrong verdict.
fn build_registry(
    loaded: Vec<LoadedHive>,
    sources: &mut Vec<SourceEntry>,
    errors: &mut Vec<String>,
) -> RegistryView {
    let mut by_kind: BTreeMap<HiveKind, Vec<LoadedHive>> = BTreeMap::new();
    for hive in loaded {
        match hive.kind {
            Some(kind) => by_kind.entry(kind).or_default().push(hive),
            None => {
                sources.push(source_entry(
                    &hive.entry,
                    SourceKind::Hive,
                    format!("unidentified hive ({}); not used", hive.reason),
                ));
            }
        }
    }
    let mut registry = RegistryView::new();
    for (kind, mut hives) in by_kind {
        if hives.len() == 1 {
            let hive = hives.remove(0);
            sources.push(source_entry(
                &hive.entry,
                SourceKind::Hive,
                kind.name().to_string(),
            ));
            registry.add(kind, Box::new(hive.hive) as Box<dyn HiveData>);
        } else {
            let names: Vec<&str> = hives.iter().map(|h| h.entry.as_str()).collect();
            let reason = format!(
                "{} {kind} hives in the bundle ({}); none is used, remove all but one",
                hives.len(),
                names.join(", ")
            );
            errors.push(reason.clone());
            for hive in &hives {
                sources.push(source_entry(
                    &hive.entry,
                    SourceKind::Hive,
                    format!("{kind} (duplicate; not used)"),
                ));
            }
            registry.mark_unusable(kind, reason);
        }
    }
    registry
}
