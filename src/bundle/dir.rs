//! Directory bundles: every file below the directory is an entry.
