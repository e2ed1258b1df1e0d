//! `hivetriage analyze`: discover bundles, keep this process's shard of
//! them, analyze them in parallel (`pool`), show progress (`progress`),
//! print the reports and decide the exit status.
//!
//! Output by format: `jsonl` writes each report the moment its bundle
//! finishes, `csv` its rows and `html` its table row and details likewise
//! (completion order; the header first, the HTML summary last); `json`,
//! `markdown` and `table` are written once every bundle is done, in input
//! order. Only what the chosen output needs is kept: the streaming formats
//! keep each bundle's verdict (and its fix files with `--fix-dir`), not its
//! report.

mod pool;
mod progress;

use super::{EXIT_USAGE, parse_size};
use crate::analyze::{AnalyzeOptions, analyze_location};
use crate::bundle::shard::{Shard, shard_key};
use crate::bundle::{self, BundleLocation, DiscoverError, Limits};
use crate::report::fix_files::{FixFiles, fix_dir_names, fix_files};
use crate::report::html::{HtmlPage, RunInfo};
use crate::report::{self, BundleReport, Format};
use crate::rules::{RuleOptions, Verdict};
use anyhow::Context;
use clap::Args;
use pool::Failure;
use progress::Progress;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    /// Bundles: .zip files, bundle directories, or folders of bundles.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output format (html: one self-contained page for people, streamed
    /// like jsonl).
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,

    /// The anonymous web account, when it is not IUSR_<ComputerName>.
    #[arg(long, value_name = "NAME")]
    pub anonymous_account: Option<String>,

    /// Bundles analyzed in parallel (default: all cores).
    #[arg(short = 'j', long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Time one bundle may take (seconds; ms, s, m suffixes allowed; 0: no
    /// limit). A bundle still running then is reported as error and the
    /// batch goes on.
    #[arg(long, value_name = "TIME", default_value = "120", value_parser = parse_duration)]
    pub timeout_per_bundle: Duration,

    /// Analyze only the K-th of N disjoint shares of the bundles (1 <= K <=
    /// N), chosen by a stable hash of each bundle's name within its input,
    /// so N processes on N machines split one batch.
    #[arg(long, value_name = "K/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,

    /// No progress bar (it is shown only when stderr is a terminal anyway).
    #[arg(short, long)]
    pub quiet: bool,

    /// Read bundle files into memory instead of memory-mapping them: for
    /// bundles on a share that someone may truncate while they are read
    /// (a mapped file cut short ends the process).
    #[arg(long)]
    pub no_mmap: bool,

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

/// Parses `120`, `2.5`, `90s`, `500ms`, `2m` into a duration.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a time (e.g. 120, 90s, 500ms, 2m)"))?;
    let seconds = match unit.trim() {
        "" | "s" => number,
        "ms" => number / 1000.0,
        "m" | "min" => number * 60.0,
        other => return Err(format!("unknown time unit '{other}' (use ms, s or m)")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("'{text}' is not a usable time"))
}

/// Runs `analyze`; `color` says whether tables colour their verdicts.
pub fn run(args: AnalyzeArgs, color: bool) -> anyhow::Result<u8> {
    // Each input on its own, so each bundle's name within its input (what
    // shards are chosen by) is known.
    let mut discovered: Vec<(Result<BundleLocation, DiscoverError>, String)> = Vec::new();
    for input in &args.inputs {
        for item in bundle::discover(std::slice::from_ref(input), &|path, prefix| {
            crate::source::is_registry_data(&path.to_string_lossy(), prefix)
        }) {
            let found = match &item {
                Ok(location) => PathBuf::from(&location.display_name),
                Err(error) => PathBuf::from(&error.path),
            };
            let key = shard_key(input, &found);
            discovered.push((item, key));
        }
    }
    // Decided before sharding, so every shard of a batch agrees.
    if !discovered.iter().any(|(item, _)| item.is_ok()) {
        for (item, _) in &discovered {
            if let Err(error) = item {
                eprintln!("hivetriage: {error}");
            }
        }
        eprintln!("hivetriage: no input could be opened");
        return Ok(EXIT_USAGE);
    }
    if let Some(shard) = args.shard {
        discovered.retain(|(_, key)| shard.holds(key));
    }
    // Positions are kept for every input, opened or not, so `json` is in
    // input order.
    let mut locations = Vec::new();
    let mut unopened = Vec::new();
    for (position, (item, _)) in discovered.into_iter().enumerate() {
        match item {
            Ok(location) => locations.push((position, location)),
            Err(error) => {
                eprintln!("hivetriage: {error}");
                unopened.push((position, error));
            }
        }
    }

    let options = AnalyzeOptions {
        limits: Limits {
            max_entry_size: args.max_entry_size,
            max_compression_ratio: args.max_compression_ratio.max(1),
            deadline: None,
            map_files: !args.no_mmap,
        },
        rules: RuleOptions {
            anonymous_account: args.anonymous_account.clone(),
        },
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let timeout = (!args.timeout_per_bundle.is_zero()).then_some(args.timeout_per_bundle);

    let run_info = (args.format == Format::Html).then(|| run_info(&args, jobs));
    let stdout = io::stdout();
    let mut output = Output::new(
        args.format,
        stdout.lock(),
        args.fix_dir.is_some(),
        locations.len() + unopened.len(),
        run_info.as_ref(),
    );
    // Inputs that could not be opened are reported like unreadable bundles,
    // so a batch's output accounts for every input.
    for (position, error) in &unopened {
        output.add(
            *position,
            BundleReport::unreadable(&error.path, error.to_string()),
        );
    }

    let progress = Progress::new(locations.len() as u64, !args.quiet);
    let positions: Vec<usize> = locations.iter().map(|(position, _)| *position).collect();
    pool::run(
        locations,
        jobs,
        timeout,
        move |(_, location): &(usize, BundleLocation), deadline| {
            let mut options = options.clone();
            options.limits.deadline = deadline;
            analyze_location(location, &options)
        },
        |(_, location), why| failed_report(location, why),
        |index, report| {
            let keep_going = progress.suspend(|| output.add(positions[index], report));
            progress.advance();
            keep_going
        },
    );
    progress.finish();

    let finished = output.finish(color);
    let fixes_written = match &args.fix_dir {
        Some(dir) => write_fix_files(dir, &finished.fixes),
        None => Ok(()),
    };
    match finished.written {
        // A reader that stopped early (`| head`) is not a failure of the analysis.
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => fixes_written.map(|_| report::exit_code_of(finished.verdicts)),
    }
}

/// What the HTML page says about this run: its inputs and the options in
/// effect (defaults included, so the page says how it was made).
fn run_info(args: &AnalyzeArgs, jobs: usize) -> RunInfo {
    let inputs = args
        .inputs
        .iter()
        .map(|input| input.display().to_string())
        .collect();
    let mut options = vec![
        (
            "--anonymous-account".to_string(),
            args.anonymous_account
                .clone()
                .unwrap_or_else(|| "IUSR_<ComputerName> (default)".to_string()),
        ),
        ("--jobs".to_string(), jobs.to_string()),
        (
            "--timeout-per-bundle".to_string(),
            if args.timeout_per_bundle.is_zero() {
                "none".to_string()
            } else {
                describe_duration(args.timeout_per_bundle)
            },
        ),
        (
            "--max-entry-size".to_string(),
            describe_size(args.max_entry_size),
        ),
        (
            "--max-compression-ratio".to_string(),
            args.max_compression_ratio.to_string(),
        ),
    ];
    if let Some(shard) = &args.shard {
        options.push(("--shard".to_string(), shard.to_string()));
    }
    if args.no_mmap {
        options.push((
            "--no-mmap".to_string(),
            "files read, not mapped".to_string(),
        ));
    }
    if let Some(dir) = &args.fix_dir {
        options.push(("--fix-dir".to_string(), dir.display().to_string()));
    }
    RunInfo::new(inputs, options)
}

/// The report of a bundle the pool gave up on.
fn failed_report(location: &BundleLocation, why: Failure) -> BundleReport {
    let name = &location.display_name;
    let detail = match why {
        Failure::TimedOut(limit) => format!(
            "{name}: timed out: its analysis did not finish within {} \
             (--timeout-per-bundle); it was abandoned and the batch went on",
            describe_duration(limit)
        ),
        Failure::Panicked(what) => {
            format!("{name}: internal error while analyzing this bundle ({what}); please report it")
        }
    };
    BundleReport::unreadable(name, detail)
}

/// `1G`, `512M`, `1000 bytes`: as the option takes it.
fn describe_size(bytes: u64) -> String {
    for (unit, size) in [("G", 1u64 << 30), ("M", 1 << 20), ("K", 1 << 10)] {
        if bytes >= size && bytes % size == 0 {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes} bytes")
}

/// `120 s`, `0.5 s`.
fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds.fract() == 0.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{seconds} s")
    }
}

/// Where reports go as bundles finish: straight out for the streaming
/// formats, kept (by input position) for the others.
struct Output<W: Write> {
    format: Format,
    out: W,
    keep_fixes: bool,
    /// Reports by input position (collected formats only).
    slots: Vec<Option<BundleReport>>,
    /// Fix files by input position (with `--fix-dir` only).
    fixes: Vec<Option<(String, FixFiles)>>,
    verdicts: Vec<Verdict>,
    /// The first write error; nothing more is written after one.
    error: Option<io::Error>,
    /// The page being written (`html` only).
    html: Option<HtmlPage>,
}

fn empty_slots<T>(count: usize) -> Vec<Option<T>> {
    (0..count).map(|_| None).collect()
}

/// What is left once every bundle is done.
struct Finished {
    written: io::Result<()>,
    verdicts: Vec<Verdict>,
    fixes: Vec<(String, FixFiles)>,
}

impl<W: Write> Output<W> {
    /// Output for `count` bundles; the CSV header, or the HTML page's head
    /// (from `run`), is written at once.
    fn new(format: Format, out: W, keep_fixes: bool, count: usize, run: Option<&RunInfo>) -> Self {
        let mut output = Output {
            format,
            out,
            keep_fixes,
            slots: Vec::new(),
            fixes: empty_slots(if keep_fixes { count } else { 0 }),
            verdicts: Vec::new(),
            error: None,
            html: None,
        };
        if !output.streams() {
            output.slots = empty_slots(count);
        }
        match (format, run) {
            (Format::Csv, _) => {
                let written = report::write_csv_header(&mut output.out);
                output.note(written);
            }
            (Format::Html, Some(run)) => match HtmlPage::start(&mut output.out, run) {
                Ok(page) => output.html = Some(page),
                Err(error) => output.note(Err(error)),
            },
            _ => {}
        }
        output
    }

    fn streams(&self) -> bool {
        matches!(self.format, Format::Jsonl | Format::Csv | Format::Html)
    }

    /// Takes the report of the bundle at input `position`. Returns whether
    /// more are wanted (false once the reader of a streaming output has
    /// gone away).
    fn add(&mut self, position: usize, report: BundleReport) -> bool {
        self.verdicts.push(report.verdict);
        if let Some(slot) = self.fixes.get_mut(position) {
            *slot = fix_files(&report).map(|files| (report.bundle.clone(), files));
        }
        if self.streams() {
            if self.error.is_none() {
                let written = match (self.format, &mut self.html) {
                    (Format::Csv, _) => report::write_csv_rows(&mut self.out, &report),
                    (Format::Html, Some(page)) => page.add(&mut self.out, position, &report),
                    _ => report::write_jsonl_line(&mut self.out, &report),
                }
                .and_then(|_| self.out.flush());
                self.note(written);
            }
            // A closed pipe: nobody reads what the rest of the batch would
            // say, unless fix files are still to be written for it.
            return self.error.is_none() || self.keep_fixes;
        }
        if let Some(slot) = self.slots.get_mut(position) {
            *slot = Some(report);
        }
        true
    }

    fn note(&mut self, written: io::Result<()>) {
        if let Err(error) = written
            && self.error.is_none()
        {
            self.error = Some(error);
        }
    }

    /// Writes the collected formats, in input order, or the end of the
    /// HTML page.
    fn finish(mut self, color: bool) -> Finished {
        if let Some(page) = self.html.take()
            && self.error.is_none()
        {
            let written = page.finish(&mut self.out).and_then(|_| self.out.flush());
            self.note(written);
        }
        if !self.streams() {
            let reports: Vec<BundleReport> = std::mem::take(&mut self.slots)
                .into_iter()
                .flatten()
                .collect();
            let written = match self.format {
                Format::Json => report::write_json(&mut self.out, &reports),
                Format::Markdown => report::write_markdown(&mut self.out, &reports),
                _ => report::write_table_colored(&mut self.out, &reports, color),
            }
            .and_then(|_| self.out.flush());
            self.note(written);
        }
        Finished {
            written: self.error.map_or(Ok(()), Err),
            verdicts: self.verdicts,
            fixes: self.fixes.into_iter().flatten().collect(),
        }
    }
}

/// Writes the fix files of every bundle that has some, each into its own
/// safely named directory under `dir`, and says on stderr what it wrote.
fn write_fix_files(dir: &Path, with_fixes: &[(String, FixFiles)]) -> anyhow::Result<()> {
    let names = fix_dir_names(with_fixes.iter().map(|(bundle, _)| bundle.as_str()));
    for ((bundle, files), name) in with_fixes.iter().zip(names) {
        let bundle_dir = dir.join(&name);
        std::fs::create_dir_all(&bundle_dir)
            .with_context(|| format!("cannot create {}", bundle_dir.display()))?;
        for (file_name, content) in [("fix.reg", &files.reg), ("fix.cmd", &files.cmd)] {
            let path = bundle_dir.join(file_name);
            match content {
                Some(text) => {
                    std::fs::write(&path, text.as_bytes())
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("hivetriage: {bundle}: wrote {}", path.display());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_accept_seconds_and_units() {
        assert_eq!(parse_duration("120"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-1").is_err());
    }

    #[test]
    fn durations_are_described_plainly() {
        assert_eq!(describe_duration(Duration::from_secs(120)), "120 s");
        assert_eq!(describe_duration(Duration::from_millis(500)), "0.5 s");
    }

    #[test]
    fn sizes_are_described_as_the_option_takes_them() {
        assert_eq!(describe_size(1 << 30), "1G");
        assert_eq!(describe_size(512 << 20), "512M");
        assert_eq!(describe_size(3 << 10), "3K");
        assert_eq!(describe_size(1000), "1000 bytes");
        for size in ["1G", "512M", "3K"] {
            assert_eq!(describe_size(crate::cli::parse_size(size).unwrap()), size);
        }
    }
}
