use clap::Parser;
use hivetriage::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse_from(cli::query::rewrite_slash_options(
        std::env::args_os().collect(),
    ));
    match cli::run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(error) => {
            // Output errors (e.g. a closed pipe) and the like: say so, exit 2.
            hivetriage::escape::warn(format_args!("{error:#}"));
            ExitCode::from(cli::EXIT_USAGE)
        }
    }
}
