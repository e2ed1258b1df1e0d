//! `hivetriage completions <shell>` and `hivetriage man`: shell completion
//! scripts (clap_complete) and roff manual pages (clap_mangen), generated
//! at run time from the same definitions as `--help`, so they never lag
//! behind the options.

use super::Cli;
use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;
use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell (or elvish).
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write hivetriage.1 and one page per subcommand
    /// (hivetriage-analyze.1, ...) into DIR instead of printing hivetriage.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

pub fn completions(args: CompletionsArgs) -> anyhow::Result<u8> {
    let mut command = Cli::command();
    let mut out = io::stdout().lock();
    clap_complete::generate(args.shell, &mut command, "hivetriage", &mut out);
    finish(out.flush())
}

pub fn man(args: ManArgs) -> anyhow::Result<u8> {
    let command = Cli::command();
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(command, &dir)
                .with_context(|| format!("cannot write the manual pages into {}", dir.display()))?;
            hivetriage::escape::warn(format_args!(
                "wrote the manual pages into {}",
                dir.display()
            ));
            Ok(0)
        }
        None => {
            let mut out = io::stdout().lock();
            let written = clap_mangen::Man::new(command)
                .render(&mut out)
                .and_then(|_| out.flush());
            finish(written)
        }
    }
}

/// A reader that stopped early (`| head`) is not an error.
fn finish(written: io::Result<()>) -> anyhow::Result<u8> {
    match written {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(0),
    }
}
