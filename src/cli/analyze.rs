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
use anyhow::Context;
use clap::Args;
use hivetriage::analyze::{AnalyzeOptions, analyze_location};
use hivetriage::bundle::shard::{Shard, shard_key};
use hivetriage::bundle::{self, BundleLocation, DiscoverError, Limits};
use hivetriage::escape::escape;
use hivetriage::report::fix_files::{FixFiles, fix_dir_names, fix_files, written_by_hivetriage};
use hivetriage::report::html::{HtmlPage, RunInfo};
use hivetriage::report::{self, BundleReport, Format, TableStyle};
use hivetriage::rules::{RuleOptions, Verdict};
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

    /// Tables: one line per check (one bundle) or per bundle (several),
    /// nothing wrapped, however wide. Without it a table fits the terminal
    /// (or COLUMNS; 100 columns in a pipe).
    #[arg(long)]
    pub wide: bool,

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

    /// Do not compute each bundle file's SHA-256 for the JSON reports
    /// (`sha256` is then null): hashing reads every byte of every bundle,
    /// unrelated dumps included, where the analysis reads only what it needs.
    #[arg(long)]
    pub no_hash: bool,

    /// Only list what would be analyzed (after --shard), and what is
    /// skipped or cannot be read and why; analyze nothing. With
    /// --format json or jsonl, one JSON object per line.
    #[arg(long)]
    pub list: bool,

    /// For each bundle with failing checks, write fix.cmd (the fix in the
    /// form the server's Windows version runs, saving the folder's ACL
    /// first) and fix.reg (REGEDIT4) into DIR/<computer>-<bundle>. Passing
    /// bundles get nothing. Files of an earlier run are never replaced
    /// without --force.
    #[arg(long, value_name = "DIR")]
    pub fix_dir: Option<PathBuf>,

    /// With --fix-dir: replace fix files an earlier run wrote, and remove
    /// those of bundles that no longer fail. Files hivetriage did not write
    /// are never touched.
    #[arg(long, requires = "fix_dir")]
    pub force: bool,
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
            hivetriage::source::is_registry_data(&path.to_string_lossy(), prefix)
        }) {
            let found = match &item {
                Ok(location) => PathBuf::from(&location.display_name),
                Err(error) => PathBuf::from(&error.path),
            };
            let key = shard_key(input, &found);
            discovered.push((item, key));
        }
    }
    // Decided before sharding, so every shard of a batch agrees. Skipped
    // archives were found and looked at: they are not "nothing opened".
    let opened = |item: &Result<BundleLocation, DiscoverError>| match item {
        Ok(_) => true,
        Err(error) => error.skipped,
    };
    if !discovered.iter().any(|(item, _)| opened(item)) {
        for (item, _) in &discovered {
            if let Err(error) = item {
                hivetriage::escape::warn(format_args!("{error}"));
            }
        }
        hivetriage::escape::warn(format_args!("no input could be opened"));
        return Ok(EXIT_USAGE);
    }
    if let Some(shard) = args.shard {
        discovered.retain(|(_, key)| shard.holds(key));
    }
    if args.list {
        return list(&discovered, args.format);
    }
    // Positions are kept for every input, opened or not, so `json` is in
    // input order.
    let mut locations = Vec::new();
    let mut unopened = Vec::new();
    for (position, (item, _)) in discovered.into_iter().enumerate() {
        match item {
            Ok(location) => locations.push((position, location)),
            Err(error) => {
                hivetriage::escape::warn(format_args!("{error}"));
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
        // Only the JSON formats show the hash.
        hash: matches!(args.format, Format::Json | Format::Jsonl) && !args.no_hash,
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
    // Inputs that could not be opened, or were skipped, are reported like
    // unreadable bundles, so a batch's output accounts for every input.
    for (position, error) in &unopened {
        let report = if error.skipped {
            let why = error.detail.trim_start_matches("skipped: ");
            BundleReport::skipped(&error.path, why)
        } else {
            BundleReport::unreadable(&error.path, error.to_string())
        };
        output.add(*position, report);
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

    let finished = output.finish(TableStyle {
        color,
        width: table_width(args.wide),
    });
    let fixes_written = match &args.fix_dir {
        Some(dir) => write_fix_files(dir, &finished.fixes, args.force),
        None => Ok(()),
    };
    match finished.written {
        // A reader that stopped early (`| head`) is not a failure of the analysis.
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => fixes_written.map(|_| report::exit_code_of(finished.verdicts)),
    }
}

/// `--list`: each input as discovery sees it, one line each; the exit
/// status says whether anything is skipped or unreadable (3) as `analyze`
/// would.
fn list(
    discovered: &[(Result<BundleLocation, DiscoverError>, String)],
    format: Format,
) -> anyhow::Result<u8> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let json = matches!(format, Format::Json | Format::Jsonl);
    let (mut bundles, mut skipped, mut unreadable) = (0, 0, 0);
    let mut written: io::Result<()> = Ok(());
    for (item, _) in discovered {
        let (status, path, reason) = match item {
            Ok(location) => {
                bundles += 1;
                ("analyze", location.display_name.as_str(), None)
            }
            Err(error) if error.skipped => {
                skipped += 1;
                ("skip", error.path.as_str(), Some(error.detail.as_str()))
            }
            Err(error) => {
                unreadable += 1;
                (
                    "unreadable",
                    error.path.as_str(),
                    Some(error.detail.as_str()),
                )
            }
        };
        let line = if json {
            serde_json::json!({"bundle": path, "status": status, "reason": reason}).to_string()
        } else {
            let reason = reason
                .map(|r| format!(": {}", escape(r)))
                .unwrap_or_default();
            format!("{status:<10} {}{reason}", escape(path))
        };
        if written.is_ok() {
            written = writeln!(out, "{line}");
        }
    }
    if !json && written.is_ok() {
        written = writeln!(
            out,
            "{bundles} to analyze, {skipped} skipped, {unreadable} unreadable"
        );
    }
    match written.and_then(|_| out.flush()) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ if skipped + unreadable > 0 => Ok(3),
        _ => Ok(0),
    }
}

/// The width a table fits: none with `--wide`; else `COLUMNS` when it is
/// set to a number (as `ls` and git honour it), else the terminal's width
/// when stdout is one, else 100 columns (a pipe, a file, a log).
fn table_width(wide: bool) -> Option<usize> {
    if wide {
        return None;
    }
    let columns = std::env::var("COLUMNS").ok();
    Some(decide_width(columns.as_deref(), || {
        console::Term::stdout()
            .size_checked()
            .map(|(_, columns)| usize::from(columns))
    }))
}

/// [`table_width`] from `COLUMNS` and the terminal's width (asked only
/// when `COLUMNS` does not say).
fn decide_width(columns: Option<&str>, terminal: impl FnOnce() -> Option<usize>) -> usize {
    columns
        .and_then(|text| text.trim().parse::<usize>().ok())
        .filter(|&columns| columns > 0)
        .or_else(terminal)
        .filter(|&columns| columns > 0)
        .unwrap_or(report::DEFAULT_WIDTH)
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
    /// What `--fix-dir` needs of each bundle, by input position.
    fixes: Vec<Option<FixPlan>>,
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
    fixes: Vec<FixPlan>,
}

/// One bundle's part of `--fix-dir`: its fix files, or none (then files an
/// earlier run left for it are stale).
struct FixPlan {
    bundle: String,
    computer: Option<String>,
    verdict: Verdict,
    files: Option<FixFiles>,
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
            *slot = Some(FixPlan {
                bundle: report.bundle.clone(),
                computer: report.computer_name.clone(),
                verdict: report.verdict,
                files: fix_files(&report),
            });
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
    fn finish(mut self, style: TableStyle) -> Finished {
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
                _ => report::write_table_styled(&mut self.out, &reports, style),
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
///
/// An earlier run's files are never replaced silently: when any file this
/// run would write, or any fix file left for a bundle that no longer fails,
/// is already there, nothing is written unless `force`. Even then only
/// files hivetriage wrote (by their first lines) are replaced or removed;
/// anyone else's are left alone and named.
fn write_fix_files(dir: &Path, plans: &[FixPlan], force: bool) -> anyhow::Result<()> {
    const FILE_NAMES: [&str; 2] = ["fix.reg", "fix.cmd"];
    let names = fix_dir_names(
        plans
            .iter()
            .map(|plan| (plan.bundle.as_str(), plan.computer.as_deref())),
    );
    // What is there already: (path, written by hivetriage, still wanted).
    let mut existing: Vec<(PathBuf, bool, bool)> = Vec::new();
    for (plan, name) in plans.iter().zip(&names) {
        // A bundle that could not be read says nothing about its old fix.
        if plan.files.is_none() && plan.verdict == Verdict::Error {
            continue;
        }
        for file_name in FILE_NAMES {
            let path = dir.join(name).join(file_name);
            if let Ok(bytes) = std::fs::read(&path) {
                let wanted = plan.files.as_ref().is_some_and(|files| match file_name {
                    "fix.reg" => files.reg.is_some(),
                    _ => files.cmd.is_some(),
                });
                existing.push((path, written_by_hivetriage(&bytes), wanted));
            }
        }
    }
    let foreign: Vec<&PathBuf> = existing
        .iter()
        .filter(|(_, ours, wanted)| !ours && *wanted)
        .map(|(path, _, _)| path)
        .collect();
    if !foreign.is_empty() {
        anyhow::bail!(
            "--fix-dir: {} already exist(s) and hivetriage did not write it: nothing was written \
             (move it away, or choose another --fix-dir)",
            foreign
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let earlier: Vec<&PathBuf> = existing
        .iter()
        .filter(|(_, ours, _)| *ours)
        .map(|(path, _, _)| path)
        .collect();
    if !force && !earlier.is_empty() {
        anyhow::bail!(
            "--fix-dir: files from an earlier run are there: {}; nothing was written (add --force \
             to replace them and remove those of bundles that no longer fail, or choose another \
             --fix-dir)",
            earlier
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for (plan, name) in plans.iter().zip(&names) {
        let bundle_dir = dir.join(name);
        let Some(files) = &plan.files else {
            continue;
        };
        std::fs::create_dir_all(&bundle_dir)
            .with_context(|| format!("cannot create {}", bundle_dir.display()))?;
        for (file_name, content) in FILE_NAMES.iter().zip([&files.reg, &files.cmd]) {
            if let Some(text) = content {
                let path = bundle_dir.join(file_name);
                std::fs::write(&path, text.as_bytes())
                    .with_context(|| format!("cannot write {}", path.display()))?;
                hivetriage::escape::warn(format_args!("{}: wrote {}", plan.bundle, path.display()));
            }
        }
    }
    // Left from an earlier run and no longer right (with --force only).
    for (path, ours, wanted) in &existing {
        if *wanted {
            continue;
        }
        if !ours {
            hivetriage::escape::warn(format_args!(
                "{}: left alone: hivetriage did not write it",
                path.display()
            ));
            continue;
        }
        std::fs::remove_file(path)
            .with_context(|| format!("cannot remove the stale {}", path.display()))?;
        hivetriage::escape::warn(format_args!(
            "removed {}: written by an earlier run, and its bundle no longer needs it",
            path.display()
        ));
        // The folder goes too once nothing else is in it.
        if let Some(parent) = path.parent() {
            let _ = std::fs::remove_dir(parent);
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
    fn width_comes_from_columns_then_the_terminal_then_100() {
        assert_eq!(decide_width(Some("80"), || Some(120)), 80);
        assert_eq!(decide_width(Some(" 132 "), || None), 132);
        assert_eq!(decide_width(Some("wide"), || Some(120)), 120);
        assert_eq!(decide_width(Some("0"), || None), 100);
        assert_eq!(decide_width(None, || Some(90)), 90);
        assert_eq!(decide_width(None, || None), 100);
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
