//! The progress bar of a batch, on stderr: bundles done / total, rate and
//! time left. Drawn only when stderr is a terminal (a log file or CI
//! capture would only fill with redraws) and not `--quiet`; it never
//! writes to stdout, which holds the reports.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::fmt::Write;
use std::io::IsTerminal;

/// Shown from this many bundles on: for one bundle it would only flicker.
const MIN_BUNDLES: u64 = 2;

pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar for `total` bundles, when `wanted` and stderr is a terminal.
    pub fn new(total: u64, wanted: bool) -> Progress {
        if !wanted || total < MIN_BUNDLES || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        // The template is fixed and valid; a bar without a style is still a bar.
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:30} {pos}/{len} bundles  {rate:.dim}  ETA {eta}  {elapsed:.dim}",
        ) {
            // Whole bundles per second: indicatif's own rate shows four decimals.
            bar.set_style(
                style.with_key("rate", |state: &ProgressState, out: &mut dyn Write| {
                    let _ = write!(out, "{:.0} bundles/s", state.per_sec());
                }),
            );
        }
        Progress(Some(bar))
    }

    /// Runs `write` with the bar hidden, so that output to the same
    /// terminal (reports streamed to stdout) is not drawn over.
    pub fn suspend<R>(&self, write: impl FnOnce() -> R) -> R {
        match &self.0 {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// One more bundle done.
    pub fn advance(&self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    /// Removes the bar, leaving the terminal as it was.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
