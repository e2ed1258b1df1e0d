//! The `hivetriage` command line, over the library of the same name.
#![deny(unsafe_code)]

mod cli;

use clap::{CommandFactory, FromArgMatches};
use cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::query::rewrite_slash_options(std::env::args_os().collect());
    // `--version` also names each rule's version (known only at run time).
    let matches = Cli::command()
        .long_version(cli::long_version())
        .get_matches_from(args);
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    match cli::run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            // Output errors (e.g. a closed pipe) and the like: say so, exit 2.
            hivetriage::escape::warn(format_args!("{error:#}"));
            ExitCode::from(cli::EXIT_USAGE)
        }
    }
}
