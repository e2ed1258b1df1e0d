//! `hivetriage analyze`: discover bundles, analyze them in parallel, print
//! the reports and decide the exit status.

use super::{EXIT_USAGE, parse_size};
use crate::analyze::{AnalyzeOptions, analyze_location};
use crate::bundle::{self, BundleLocation, Limits};
use crate::report::fix_files::{FixFiles, fix_dir_names, fix_files};
use crate::report::{self, BundleReport, Format};
use crate::rules::RuleOptions;
use anyhow::Context;
use clap::Args;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Bundles: .zip files, bundle directories, or folders of bundles.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,

    /// The anonymous web account, when it is not IUSR_<ComputerName>.
    #[arg(long, value_name = "NAME")]
    pub anonymous_account: Option<String>,

    /// Bundles analyzed in parallel (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Largest inflated size accepted for one bundle entry (bytes; K, M, G suffixes allowed).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub max_entry_size: u64,

    /// Largest inflated/compressed ratio accepted for entries over 4 MiB
    /// (larger ratios are refused as likely zip bombs).
    #[arg(long, value_name = "RATIO", default_value_t = Limits::default().max_compression_ratio)]
    pub max_compression_ratio: u64,

    /// For each bundle with failing checks, write fix.reg (REGEDIT4) and/or
    /// fix.cmd (ACL changes in the form the server's Windows version
    /// supports) into a folder named after the bundle under DIR. Passing
    /// bundles get nothing.
    #[arg(long, value_name = "DIR")]
    pub fix_dir: Option<PathBuf>,
}

/// Runs `analyze`; `color` says whether tables colour their verdicts.
pub fn run(args: AnalyzeArgs, color: bool) -> anyhow::Result<u8> {
    let discovered = bundle::discover(&args.inputs, &|path, prefix| {
        crate::source::is_registry_data(&path.to_string_lossy(), prefix)
    });
    let mut locations = Vec::new();
    let mut unopened = Vec::new();
    for item in discovered {
        match item {
            Ok(location) => locations.push(location),
            Err(error) => {
                eprintln!("hivetriage: {error}");
                unopened.push(error);
            }
        }
    }
    if locations.is_empty() {
        eprintln!("hivetriage: no input could be opened");
        return Ok(EXIT_USAGE);
    }

    let options = AnalyzeOptions {
        limits: Limits {
            max_entry_size: args.max_entry_size,
            max_compression_ratio: args.max_compression_ratio.max(1),
            ..Limits::default()
        },
        rules: RuleOptions {
            anonymous_account: args.anonymous_account,
        },
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);

    let stdout = io::stdout();
    let mut out = stdout.lock();
    // Inputs that could not be opened are reported like unreadable bundles,
    // so a batch's output accounts for every input.
    let mut reports: Vec<BundleReport> = unopened
        .iter()
        .map(|error| BundleReport::unreadable(&error.path, error.to_string()))
        .collect();
    if args.format == Format::Jsonl {
        for report in &reports {
            let _ = report::write_jsonl_line(&mut out, report);
        }
    }
    let analyzed = analyze_all(&locations, &options, jobs, |report| {
        if args.format == Format::Jsonl {
            // Streamed as each bundle finishes; a closed pipe ends output.
            let _ = report::write_jsonl_line(&mut out, report).and_then(|_| out.flush());
        }
    });
    reports.extend(analyzed);

    let fixes_written = match &args.fix_dir {
        Some(dir) => write_fix_files(dir, &reports),
        None => Ok(()),
    };

    let written = match args.format {
        Format::Jsonl => Ok(()),
        Format::Json => report::write_json(&mut out, &reports),
        Format::Csv => report::write_csv(&mut out, &reports),
        Format::Markdown => report::write_markdown(&mut out, &reports),
        Format::Table => report::write_table_colored(&mut out, &reports, color),
    }
    .and_then(|_| out.flush());
    match written {
        // A reader that stopped early (`| head`) is not a failure of the analysis.
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => fixes_written.map(|_| report::exit_code(&reports)),
    }
}

/// Writes the fix files of every bundle that has some, each into its own
/// safely named directory under `dir`, and says on stderr what it wrote.
fn write_fix_files(dir: &Path, reports: &[BundleReport]) -> anyhow::Result<()> {
    let with_fixes: Vec<(&BundleReport, FixFiles)> = reports
        .iter()
        .filter_map(|report| fix_files(report).map(|files| (report, files)))
        .collect();
    let names = fix_dir_names(with_fixes.iter().map(|(report, _)| report.bundle.as_str()));
    for ((report, files), name) in with_fixes.iter().zip(names) {
        let bundle_dir = dir.join(&name);
        std::fs::create_dir_all(&bundle_dir)
            .with_context(|| format!("cannot create {}", bundle_dir.display()))?;
        for (file_name, content) in [("fix.reg", &files.reg), ("fix.cmd", &files.cmd)] {
            let path = bundle_dir.join(file_name);
            match content {
                Some(text) => {
                    std::fs::write(&path, text.as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("hivetriage: {}: wrote {}", report.bundle, path.display());
                }
                // A file left from an earlier run would no longer be right.
                None if path.exists() => std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove the stale {}", path.display()))?,
                None => {}
            }
        }
    }
    Ok(())
}

/// Analyzes bundles on `jobs` threads; `on_done` sees each report as it
/// finishes (in completion order); the result is in input order.
fn analyze_all(
    locations: &[BundleLocation],
    options: &AnalyzeOptions,
    jobs: usize,
    mut on_done: impl FnMut(&BundleReport),
) -> Vec<BundleReport> {
    let next = AtomicUsize::new(0);
    let (sender, receiver) = mpsc::channel::<(usize, BundleReport)>();
    let mut slots: Vec<Option<BundleReport>> = (0..locations.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(locations.len()) {
            let sender = sender.clone();
            let next = &next;
            scope.spawn(move || {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(location) = locations.get(index) else {
                        break;
                    };
                    let report = analyze_location(location, options);
                    if sender.send((index, report)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(sender);
        for (index, report) in receiver {
            on_done(&report);
            slots[index] = Some(report);
        }
    });
    slots.into_iter().flatten().collect()
}
