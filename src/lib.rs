//! hivetriage reads a customer's support bundle offline and evaluates the
//! conditions of knowledge-base articles against it.
//!
//! Data flows one way, and the modules follow it:
//!
//! ```text
//! bundle  (zip or folder, entries read in memory within limits)
//!   -> source   (what each entry is: hive, log, .reg, ACL snapshot, manifest)
//!   -> registry / acl   (the two views: registry with control-set resolution;
//!                        ACLs with SIDs, names, tokens and an access check)
//!   -> rules    (one article per module, checks are pure functions over views)
//!   -> report   (table, JSON, JSONL, CSV, Markdown, HTML)
//! ```
//!
//! [`load`] reads one bundle into its views ([`LoadedBundle`]);
//! [`analyze`] evaluates the rules over them into a [`BundleReport`]. The
//! command line is the `hivetriage` binary's (`src/main.rs`, `src/cli/`),
//! not part of this library. Nothing in a lower layer imports a higher one.
//!
//! ```no_run
//! use hivetriage::{AnalyzeOptions, BundleLocation, Verdict, analyze_location};
//!
//! let location = BundleLocation {
//!     path: "case123.zip".into(),
//!     display_name: "case123.zip".into(),
//! };
//! let report = analyze_location(&location, &AnalyzeOptions::default());
//! if report.verdict == Verdict::Fail {
//!     for error in &report.errors {
//!         eprintln!("{error}");
//!     }
//! }
//! ```
#![deny(unsafe_code)]

pub mod acl;
pub mod analyze;
// Internals the binary, tests, benches and fuzz targets use: public, but
// not the library's documented surface (their main types are re-exported
// below).
#[doc(hidden)]
pub mod bundle;
#[doc(hidden)]
pub mod encoding;
#[doc(hidden)]
pub mod escape;
/// Writers of test fixtures and samples: only with the `fixture` feature
/// (tests, examples, benches and fuzz targets turn it on) and in the
/// library's own unit tests.
#[cfg(any(test, feature = "fixture"))]
#[doc(hidden)]
pub mod fixture;
pub mod load;
pub mod registry;
pub mod report;
pub mod rules;
#[doc(hidden)]
pub mod source;

pub use acl::AclView;
pub use analyze::{AnalyzeOptions, analyze_bundle, analyze_location, evaluate};
pub use bundle::{Bundle, BundleError, BundleLocation, DiscoverError, Limits, discover};
pub use load::{BundleHive, LoadedBundle, Place, Problem, ProblemKind, load_bundle, open_and_load};
pub use registry::{HiveKind, RegistryView};
pub use report::{BundleReport, Format};
pub use rules::{CheckResult, Rule, RuleOptions, Verdict};
pub use source::{SourceEntry, SourceKind};
