//! Evaluation for one bundle: views -> rules -> report. Loading the
//! bundle into its views is [`crate::load`]'s.
//!
//! Every problem met on the way becomes a line in the report's `errors` and
//! the analysis goes on with what is left: one bad entry does not end the
//! bundle, and one bad bundle does not end the batch.

use crate::bundle::{self, Bundle, BundleLocation, Limits};
use crate::load::{LoadedBundle, load_bundle_needing};
use crate::registry::HiveKind;
use crate::registry::windows_version::WindowsVersion;
use crate::report::BundleReport;
use crate::rules::{self, RuleOptions, Views};
use std::panic::{AssertUnwindSafe, catch_unwind};

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
        errors: loaded.errors.iter().map(ToString::to_string).collect(),
        checks,
        skipped: None,
        tool: crate::report::ToolVersion::current(),
        rules: crate::report::rule_versions(),
        sha256: None,
        analyzed_at: crate::report::utc_timestamp(std::time::SystemTime::now()),
        analysis_ms: 0.0,
    }
}
