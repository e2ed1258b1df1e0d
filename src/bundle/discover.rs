//! Turning command-line inputs into bundles: a zip, a directory bundle, or
//! a folder of bundles (each `.zip` and sub-directory in it one bundle).

use std::path::{Path, PathBuf};

/// One bundle to analyze.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleLocation {
    pub path: PathBuf,
    /// The path as given, or as found inside a folder of bundles.
    pub display_name: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct DiscoverError {
    pub path: String,
    pub detail: String,
}

/// Expands the inputs into bundles, in input order (folder contents sorted
/// by name). `is_registry_data(name, first_bytes)` tells whether a file
/// holds registry data, which makes its directory a bundle of its own.
pub fn discover(
    inputs: &[PathBuf],
    is_registry_data: &dyn Fn(&Path, &[u8]) -> bool,
) -> Vec<Result<BundleLocation, DiscoverError>> {
    let _ = (inputs, is_registry_data);
    todo!("bundle helper")
}
