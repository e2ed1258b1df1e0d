//! The pipeline for one bundle: bundle -> sources -> views -> rules -> report.
