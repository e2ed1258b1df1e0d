//! The pipeline for one bundle: bundle -> sources -> views -> rules -> report.
//!
//! Every problem met on the way becomes a line in the report's `errors` and
//! the analysis goes on with what is left: one bad entry does not end the
//! bundle, and one bad bundle does not end the batch.
//!
//! Transaction logs go with the hive they are named after (`<hive>.LOG`,
//! `.LOG1`, `.LOG2`, any case) and are replayed when the hive is dirty;
//! each log's `sources` detail says what was applied or why not.

use crate::acl::manifest::{find_entry, read_manifest};
use crate::acl::snapshot::folder_from_binary;
use crate::acl::{AclView, Principals, SnapshotForm, read_snapshot};
use crate::bundle::{self, Bundle, BundleLocation, EntryBytes, Limits};
use crate::registry::log::TransactionLog;
use crate::registry::sam::LocalAccounts;
use crate::registry::windows_version::WindowsVersion;
use crate::registry::{HiveData, HiveFile, HiveKind, RegistryView, TextHive};
use crate::report::BundleReport;
use crate::rules::{self, RuleOptions, Views};
use crate::source::reg_text::{TextRegistryBuilder, read_reg_text};
use crate::source::{self, Packing, RegTextForm, SNIFF_LEN, Sniffed, SourceEntry, SourceKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

/// Settings for analyzing bundles.
#[derive(Clone, Debug, Default)]
pub struct AnalyzeOptions {
    pub limits: Limits,
    pub rules: RuleOptions,
    /// Whether to compute the SHA-256 of a bundle's file (`sha256`).
    pub hash: bool,
}

/// Opens and analyzes one bundle, saying when it started and how long it
/// took (and, when asked, the file's SHA-256). Never panics: an internal
/// failure becomes an `error` report naming the bundle.
pub fn analyze_location(location: &BundleLocation, options: &AnalyzeOptions) -> BundleReport {
    let started = std::time::SystemTime::now();
    let clock = std::time::Instant::now();
    let mut report = analyze_location_untimed(location, options);
    report.analyzed_at = crate::report::utc_timestamp(started);
    report.analysis_ms = (clock.elapsed().as_secs_f64() * 1e4).round() / 10.0;
    report
}

fn analyze_location_untimed(location: &BundleLocation, options: &AnalyzeOptions) -> BundleReport {
    let name = location.display_name.clone();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // Hashed first: one pass from start to end, after which the zip
        // reader's reads come from the page cache.
        let hashed = (options.hash && location.path.is_file())
            .then(|| bundle::sha256_file(&location.path, &options.limits));
        let mut report = match bundle::open(&location.path, &location.display_name, options.limits)
        {
            Ok(mut opened) => analyze_bundle(opened.as_mut(), options),
            Err(error) => BundleReport::unreadable(&name, error.to_string()),
        };
        match hashed {
            Some(Ok(sha256)) => report.sha256 = Some(sha256),
            Some(Err(why)) => report.errors.push(format!("{name}: not hashed: {why}")),
            None => {}
        }
        report
    }));
    // Reads stop early once the deadline passes, so an analysis that ends
    // after it may lack entries: never report it as if it were whole.
    if options.limits.deadline_passed() {
        return BundleReport::unreadable(
            &name,
            format!(
                "{name}: timed out: the time allowed for one bundle \
                 (--timeout-per-bundle) ran out before its analysis was done"
            ),
        );
    }
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
    hive: Arc<HiveFile>,
    /// Expanded from a compressed file (an NT 4.0 repair copy).
    packing: Option<Packing>,
    /// Why the hive may lack changes its transaction logs hold.
    stale: Option<String>,
}

/// Why a hive just opened may be out of date: it is still dirty (no log
/// could be applied), or its log replay stopped early. `None` when it is
/// whole.
fn stale_reason(hive: &HiveFile, warnings: &[String]) -> Option<String> {
    let dirty = hive.header().is_dirty();
    warnings
        .iter()
        .find(|warning| {
            (dirty && warning.contains("dirty hive")) || warning.contains("recovery stopped")
        })
        .cloned()
        .or_else(|| {
            dirty.then(|| {
                format!(
                    "{}: dirty hive: changes still in its transaction logs are missing",
                    hive.origin()
                )
            })
        })
}

/// An entry to read whole: from the bundle, or already expanded from a
/// compressed file.
struct Candidate {
    index: usize,
    expanded: Option<(Vec<u8>, Packing)>,
    /// For a hive, the kind its header's file name names.
    named_kind: Option<HiveKind>,
    /// For a hive, whether its header says it is dirty.
    dirty: bool,
}

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
    pub errors: Vec<String>,
}

/// Opens a bundle and reads it into its views.
pub fn open_and_load(
    location: &BundleLocation,
    limits: Limits,
) -> Result<LoadedBundle, bundle::BundleError> {
    let mut opened = bundle::open(&location.path, &location.display_name, limits)?;
    Ok(load_bundle(opened.as_mut(), limits))
}

/// Analyzes an opened bundle, reading in full only the hives the rules
/// need.
pub fn analyze_bundle(bundle: &mut dyn Bundle, options: &AnalyzeOptions) -> BundleReport {
    let needed = rules_need_hives();
    evaluate(
        load_bundle_needing(bundle, options.limits, Some(&needed)),
        options,
    )
}

/// The hive kinds some rule reads (what each rule says to collect).
pub fn rules_need_hives() -> Vec<HiveKind> {
    let mut kinds: Vec<HiveKind> = rules::all()
        .iter()
        .flat_map(|rule| rule.collection().hives.iter().copied())
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
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
    let mut checks = checks;
    let windows = WindowsVersion::from_registry(&loaded.registry);
    crate::report::remediation::fill_remediation(&mut checks, windows.as_ref());
    let control_set = loaded
        .registry
        .hive(HiveKind::System)
        .and_then(|_| loaded.registry.control_set().name);
    BundleReport {
        windows,
        verdict: rules::bundle_verdict(&checks),
        computer_name: loaded.registry.computer_name(),
        control_set,
        bundle: loaded.name,
        sources: loaded.sources,
        errors: loaded.errors,
        checks,
        skipped: None,
        tool: crate::report::ToolVersion::current(),
        rules: crate::report::rule_versions(),
        sha256: None,
        analyzed_at: crate::report::utc_timestamp(std::time::SystemTime::now()),
        analysis_ms: 0.0,
    }
}

/// Bytes read from the start of a hive no rule seems to need, to identify
/// it without reading it all: the root key and its subkeys are usually
/// among the first cells of a hive.
const IDENTIFY_LOOK: usize = 256 << 10;

/// Reads a bundle's entries into the registry and ACL views. `limits`
/// bound what is expanded in memory (compressed files), as the bundle's own
/// limits bound its entries.
pub fn load_bundle(bundle: &mut dyn Bundle, limits: Limits) -> LoadedBundle {
    load_bundle_needing(bundle, limits, None)
}

/// [`load_bundle`], reading in full only hives of the `needed` kinds
/// (`None`: every hive). A clean hive without logs whose header names no
/// needed kind is first identified from its first [`IDENTIFY_LOOK`]
/// bytes; when those decide it is of another kind, it is listed and
/// passed over unread.
pub fn load_bundle_needing(
    bundle: &mut dyn Bundle,
    limits: Limits,
    needed: Option<&[HiveKind]>,
) -> LoadedBundle {
    let mut errors: Vec<String> = bundle.warnings().to_vec();
    let mut sources: Vec<SourceEntry> = Vec::new();
    let entries = bundle.entries().to_vec();

    // Sources: what each entry is, from its first bytes.
    let mut hive_entries: Vec<Candidate> = Vec::new();
    let mut text_entries: Vec<(Candidate, RegTextForm)> = Vec::new();
    let mut packed_entries = Vec::new();
    let mut log_entries = Vec::new();
    // Entries named like a log that are nothing else: logs when their hive
    // is in the bundle (a log whose base block is damaged), else ignored.
    let mut unrecognised_logs = Vec::new();
    let mut snapshot_entries = Vec::new();
    let mut manifest_entries = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if limits.deadline_passed() {
            break;
        }
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
            Sniffed::Hive(header) => hive_entries.push(Candidate {
                index,
                expanded: None,
                named_kind: header.named_kind(),
                dirty: header.is_dirty(),
            }),
            Sniffed::RegText(form) => text_entries.push((
                Candidate {
                    index,
                    expanded: None,
                    named_kind: None,
                    dirty: false,
                },
                form,
            )),
            Sniffed::Packed(packing) => packed_entries.push((index, packing)),
            Sniffed::TransactionLog(_) => log_entries.push(index),
            Sniffed::AclSnapshot(form) => snapshot_entries.push((index, form)),
            Sniffed::Manifest => {
                manifest_entries.push(index);
                sources.push(source_entry(
                    &entry.name,
                    SourceKind::Manifest,
                    "bundle manifest".to_string(),
                ));
            }
            Sniffed::Other(why) if source::transaction_log_base(&entry.name).is_some() => {
                unrecognised_logs.push((index, why));
            }
            Sniffed::Other(why) => {
                sources.push(source_entry(&entry.name, SourceKind::Ignored, why));
            }
        }
    }

    // Compressed files: expanded in memory within the entry limit, then
    // taken for what their content is.
    for (index, packing) in packed_entries {
        if limits.deadline_passed() {
            break;
        }
        let name = &entries[index].name;
        let expanded = bundle
            .read_entry(index)
            .map_err(|error| error.to_string())
            .and_then(|bytes| packing.expand(name, &bytes, limits.max_entry_size));
        let expanded = match expanded {
            Ok(expanded) => expanded,
            Err(error) => {
                sources.push(source_entry(
                    name,
                    SourceKind::Ignored,
                    format!("{}; not expanded: {error}", packing.short_words()),
                ));
                errors.push(error);
                continue;
            }
        };
        let (data, warnings) = expanded;
        errors.extend(warnings);
        match source::sniff(name, &data[..data.len().min(SNIFF_LEN)]) {
            Sniffed::Hive(header) => hive_entries.push(Candidate {
                index,
                expanded: Some((data, packing)),
                named_kind: header.named_kind(),
                dirty: header.is_dirty(),
            }),
            Sniffed::RegText(form) => text_entries.push((
                Candidate {
                    index,
                    expanded: Some((data, packing)),
                    named_kind: None,
                    dirty: false,
                },
                form,
            )),
            _ => sources.push(source_entry(
                name,
                SourceKind::Ignored,
                format!(
                    "{}; expanded, it is not a hive or registry text",
                    packing.short_words()
                ),
            )),
        }
    }

    let hive_names = HiveNames::new(hive_entries.iter().map(|c| c.index), &entries);
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

    // Hives: read whole, identified by structure, one per kind. A clean
    // hive without logs, of a kind no rule needs, is passed over after a
    // bounded look; a dirty one or one with logs is read whole, since its
    // first bytes may be out of date and its logs are to be reported on.
    let mut loaded = Vec::new();
    let mut damaged_hives: Vec<(HiveKind, String)> = Vec::new();
    let mut passed_over_kinds = Vec::new();
    let max_hive_len = usize::try_from(limits.max_entry_size).unwrap_or(usize::MAX);
    for candidate in hive_entries {
        if limits.deadline_passed() {
            break;
        }
        let name = &entries[candidate.index].name;
        let log_indices = logs_of_hive.remove(&candidate.index).unwrap_or_default();
        let packing = candidate.expanded.as_ref().map(|(_, packing)| *packing);
        if let Some(needed) = needed
            && packing.is_none()
            && !candidate.dirty
            && log_indices.is_empty()
            && !candidate
                .named_kind
                .is_some_and(|kind| needed.contains(&kind))
            && let Some((passed_over, kind)) = pass_over(bundle, candidate.index, name, needed)
        {
            sources.push(passed_over);
            passed_over_kinds.extend(kind);
            continue;
        }
        let (kind_words, bytes) = match candidate.expanded {
            Some((bytes, packing)) => (format!("{}; ", packing.words()), EntryBytes::from(bytes)),
            None => match bundle.read_entry(candidate.index) {
                Ok(bytes) => (String::new(), bytes),
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
            },
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
            HiveFile::open_with_logs(name.clone(), bytes, &offered, max_hive_len);
        for report in reports {
            sources.push(source_entry(
                &report.name,
                SourceKind::TransactionLog,
                format!("log of {name}: {}", report.outcome),
            ));
        }
        match opened {
            Ok((hive, warnings)) => {
                let stale = stale_reason(&hive, &warnings);
                errors.extend(warnings);
                let identification = hive.identify(name);
                loaded.push(LoadedHive {
                    entry: name.clone(),
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
                    .or_else(|| crate::registry::kind_from_entry_name(name))
                {
                    damaged_hives.push((kind, error.to_string()));
                }
                errors.push(error.to_string());
                sources.push(source_entry(
                    name,
                    SourceKind::Hive,
                    format!("{kind_words}unreadable: {error}"),
                ));
            }
        }
    }
    // A hive passed over still stands for its kind: text exports are only
    // used for kinds the bundle has no hive of, as when it is read.
    let hive_kinds: BTreeSet<HiveKind> = loaded
        .iter()
        .filter_map(|hive| hive.kind)
        .chain(passed_over_kinds)
        .collect();
    let (mut registry, mut hives) = build_registry(loaded, &mut sources, &mut errors);
    hives.sort_by(|a, b| a.entry.cmp(&b.entry));
    for (kind, reason) in damaged_hives {
        registry.note_damaged(kind, reason);
    }

    // Registry text: used for the kinds without a hive, merged in name order.
    text_entries.sort_by(|a, b| entries[a.0.index].name.cmp(&entries[b.0.index].name));
    let mut text = TextRegistryBuilder::new(hive_kinds);
    for (candidate, form) in text_entries {
        if limits.deadline_passed() {
            break;
        }
        let name = &entries[candidate.index].name;
        let bytes = match candidate.expanded {
            Some((bytes, _)) => bytes,
            None => match bundle.read_entry(candidate.index) {
                Ok(bytes) => bytes.into_vec(),
                Err(error) => {
                    errors.push(error.to_string());
                    sources.push(source_entry(
                        name,
                        SourceKind::RegExport,
                        format!("{}; not read: {error}", form.words()),
                    ));
                    continue;
                }
            },
        };
        let outcome = text.add(name, read_reg_text(name, &bytes, form));
        errors.extend(outcome.problems.iter().map(|p| p.to_string()));
        sources.push(source_entry(name, SourceKind::RegExport, outcome.detail));
    }
    let trees = text.finish_with_users();
    let user_text = trees.users;
    for (kind, hive) in trees.machine {
        registry.add(kind, Box::new(hive));
    }

    // ACL snapshots.
    let mut acl = AclView::default();
    for (index, form) in snapshot_entries {
        if limits.deadline_passed() {
            break;
        }
        let name = &entries[index].name;
        match bundle.read_entry(index) {
            Ok(bytes) => {
                let read = read_snapshot(name, &bytes);
                let detail = format!(
                    "{}: {} folder(s){}",
                    source::snapshot_form_words(read.form.unwrap_or(form)),
                    read.folders.len(),
                    if read.problems.is_empty() {
                        String::new()
                    } else {
                        format!(", {} problem(s)", read.problems.len())
                    }
                );
                errors.extend(read.problems.iter().map(|p| p.to_string()));
                acl.add(&read);
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

    // Binary descriptors, whose folders the manifest names.
    for manifest in manifest_entries {
        if limits.deadline_passed() {
            break;
        }
        let manifest_name = &entries[manifest].name;
        let bytes = match bundle.read_entry(manifest) {
            Ok(bytes) => bytes,
            Err(error) => {
                errors.push(error.to_string());
                continue;
            }
        };
        let (listed, problems) = read_manifest(manifest_name, &bytes);
        errors.extend(problems.iter().map(|p| p.to_string()));
        for item in listed {
            let names = entries.iter().map(|e| e.name.as_str()).enumerate();
            let Some(index) = find_entry(names, &item.file) else {
                errors.push(format!(
                    "{manifest_name} line {}: [[acl]] file '{}' (for {}) is not in the bundle",
                    item.line, item.file, item.path
                ));
                continue;
            };
            let name = &entries[index].name;
            let read = bundle
                .read_entry(index)
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    folder_from_binary(name, &item.path, &bytes).map_err(|p| p.to_string())
                });
            let detail = match read {
                Ok(folder) => {
                    acl.folders.push(folder);
                    format!(
                        "{} of {} ({manifest_name} line {})",
                        SnapshotForm::Binary.words(),
                        item.path,
                        item.line
                    )
                }
                Err(why) => {
                    errors.push(format!(
                        "{why} (named in {manifest_name} line {})",
                        item.line
                    ));
                    format!("not used: {why}")
                }
            };
            sources.retain(|s| s.name != *name);
            sources.push(source_entry(name, SourceKind::AclSnapshot, detail));
        }
    }

    // Accounts, when there is a SAM.
    let accounts =
        registry
            .hive(HiveKind::Sam)
            .and_then(|sam| match LocalAccounts::from_sam(sam) {
                Ok(accounts) => {
                    // One bad record costs only what it holds: the rest is used.
                    for record in &accounts.damaged {
                        errors.push(format!("SAM record not used: {}", record.error));
                    }
                    Some(accounts)
                }
                Err(error) => {
                    errors.push(format!("SAM accounts could not be read: {error}"));
                    None
                }
            });

    // Printed principal names become SIDs where this machine's names allow.
    let computer_name = registry.computer_name();
    acl.resolve_names(&Principals::new(
        computer_name.as_deref(),
        accounts.as_ref(),
    ));

    if limits.deadline_passed() {
        errors.push(format!(
            "{}: reading stopped: the time allowed for one bundle (--timeout-per-bundle) ran out",
            bundle.name()
        ));
    }
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    LoadedBundle {
        name: bundle.name().to_string(),
        registry,
        hives,
        user_text,
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
    fn new(
        hive_entries: impl Iterator<Item = usize>,
        entries: &'a [bundle::EntryInfo],
    ) -> HiveNames<'a> {
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

/// The source entry of a hive that a bounded look shows to be of a kind
/// no rule needs (or of no machine hive kind), so it is not read further,
/// with that kind. `None` when the look does not decide: the hive is then
/// read whole.
fn pass_over(
    bundle: &mut dyn Bundle,
    index: usize,
    name: &str,
    needed: &[HiveKind],
) -> Option<(SourceEntry, Option<HiveKind>)> {
    let prefix = bundle.read_prefix(index, IDENTIFY_LOOK).ok()?;
    let identification = HiveFile::identify_from_prefix(name, prefix)?;
    let detail = match identification.kind {
        Some(kind) if needed.contains(&kind) => return None,
        Some(kind) => format!("{kind} (no rule reads it; not read further)"),
        None => format!("unidentified hive ({}); not used", identification.reason),
    };
    Some((
        source_entry(name, SourceKind::Hive, detail),
        identification.kind,
    ))
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
/// one the customer meant could give a confident wrong verdict. Every hive
/// is returned too, for `query`.
fn build_registry(
    loaded: Vec<LoadedHive>,
    sources: &mut Vec<SourceEntry>,
    errors: &mut Vec<String>,
) -> (RegistryView, Vec<BundleHive>) {
    let mut by_kind: BTreeMap<HiveKind, Vec<LoadedHive>> = BTreeMap::new();
    let mut hives = Vec::new();
    for hive in loaded {
        match hive.kind {
            Some(kind) => by_kind.entry(kind).or_default().push(hive),
            None => {
                sources.push(source_entry(
                    &hive.entry,
                    SourceKind::Hive,
                    format!("unidentified hive ({}); not used", hive.reason),
                ));
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
    let mut registry = RegistryView::new();
    for (kind, hives_of_kind) in by_kind {
        let in_view = hives_of_kind.len() == 1;
        if in_view {
            let hive = &hives_of_kind[0];
            let detail = match hive.packing {
                Some(packing) => format!("{kind} ({})", packing.words()),
                None => kind.name().to_string(),
            };
            sources.push(source_entry(&hive.entry, SourceKind::Hive, detail));
            if let Some(stale) = &hive.stale {
                registry.note_stale(kind, stale.clone());
            }
            registry.add(kind, Box::new(Arc::clone(&hive.hive)) as Box<dyn HiveData>);
        } else {
            let names: Vec<&str> = hives_of_kind.iter().map(|h| h.entry.as_str()).collect();
            let reason = format!(
                "{} {kind} hives in the bundle ({}); none is used, remove all but one",
                hives_of_kind.len(),
                names.join(", ")
            );
            errors.push(reason.clone());
            for hive in &hives_of_kind {
                sources.push(source_entry(
                    &hive.entry,
                    SourceKind::Hive,
                    format!("{kind} (duplicate; not used)"),
                ));
            }
            registry.mark_unusable(kind, reason);
        }
        hives.extend(hives_of_kind.into_iter().map(|hive| BundleHive {
            entry: hive.entry,
            kind: Some(kind),
            in_view,
            identification: hive.reason,
            hive: hive.hive,
        }));
    }
    (registry, hives)
}
