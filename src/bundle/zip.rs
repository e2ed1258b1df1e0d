//! Zip bundles, read in memory with the `zip` crate.
