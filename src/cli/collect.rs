//! `hivetriage collect --for nt4|w2k|modern`: prints the script a customer
//! runs to gather a bundle with everything the rules need.

use clap::Args;
use hivetriage::report::collect_script::{Target, collection_script};
use hivetriage::rules;
use std::io::{self, Write};

#[derive(Args, Debug)]
pub struct CollectArgs {
    /// The customer's Windows: nt4 (a .cmd using the NT 4.0 Resource Kit's
    /// regback and reg), w2k (a .cmd using reg save and cacls; Windows 2000,
    /// XP, 2003) or modern (a PowerShell script; Vista / 2008 and later).
    #[arg(long = "for", value_enum, value_name = "WINDOWS")]
    pub target: Target,
}

pub fn run(args: CollectArgs) -> anyhow::Result<u8> {
    let script = collection_script(args.target, &rules::all());
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match out
        .write_all(script.text.as_bytes())
        .and_then(|_| out.flush())
    {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(0),
    }
}
