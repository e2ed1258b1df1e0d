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
//!   -> report   (table, JSON, JSONL, CSV, Markdown)
//! ```
//!
//! [`analyze`] wires the layers together for one bundle; `main.rs`/`cli.rs`
//! are the command-line edge. Nothing in a lower layer imports a higher one.
#![deny(unsafe_code)]

pub mod acl;
pub mod analyze;
pub mod bundle;
pub mod cli;
pub mod escape;
/// Writers of test fixtures and samples: only with the `fixture` feature
/// (tests, examples, benches and fuzz targets turn it on) and in the
/// library's own unit tests.
#[cfg(any(test, feature = "fixture"))]
pub mod fixture;
pub mod load;
pub mod registry;
pub mod report;
pub mod rules;
pub mod source;
