//! The command line: argument definitions and one driver per subcommand
//! (`cli/<command>.rs`).
//! This is the edge: errors here are `anyhow`, and the exit status is
//! decided from what the reports say, after every bundle is done.

mod acl;
mod analyze;
mod collect;
pub mod color;
mod completions;
pub mod query;
mod rules;

pub use acl::AclArgs;
pub use analyze::AnalyzeArgs;
pub use collect::CollectArgs;
pub use color::ColorChoice;
pub use completions::{CompletionsArgs, ManArgs};
pub use rules::RulesArgs;

use clap::{Parser, Subcommand};

/// Exit status for bad usage or when no input could be opened at all.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "hivetriage",
    version,
    propagate_version = true,
    about = "Reads customers' support bundles (registry hives, ACL snapshots) offline and \
             evaluates knowledge-base articles against them",
    after_help = "Examples:\n  hivetriage analyze samples/healthy.zip\n  \
                  hivetriage analyze --format jsonl -j 2 incoming/\n  \
                  hivetriage analyze --fix-dir fixes --format markdown case123.zip\n  \
                  hivetriage rules show Q306957\n  \
                  hivetriage collect --for nt4 > collect-hivetriage.cmd\n\n\
                  Exit status: 0 all pass or not applicable, 1 a check fails, \
                  3 something is unknown or a bundle is unreadable, 2 bad usage or no input could be opened."
)]
pub struct Cli {
    /// Colour verdicts in tables: auto (on a terminal, unless NO_COLOR is
    /// set), always or never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Evaluate the rules against one or more bundles.
    #[command(after_help = "Examples:\n  \
        hivetriage analyze samples/healthy.zip\n  \
        hivetriage analyze --format json case123.zip\n  \
        hivetriage analyze --anonymous-account IUSR_WEB --format markdown case123/\n  \
        hivetriage analyze --format jsonl -j 2 incoming/   (a folder of bundles)\n  \
        hivetriage analyze --format html incoming/ > triage.html   (one page to share)\n  \
        hivetriage analyze --format jsonl --shard 2/4 --timeout-per-bundle 60 incoming/   (the 2nd of 4 shares)\n  \
        hivetriage analyze --fix-dir fixes samples/no-add-permission.zip   (writes fixes/EXCH01-no-add-permission/fix.cmd)\n  \
        hivetriage analyze --list incoming/   (what would be analyzed, what is skipped and why)\n  \
        hivetriage analyze --wide incoming/ | less -S   (one line per bundle, nothing wrapped)\n\n\
        Tables fit the terminal's width (or COLUMNS; 100 columns in a pipe). Archives other than\n\
        zip (.7z, .rar, .tar.gz, cabinets of several files) in a folder of bundles are skipped\n\
        with the reason. JSON reports carry the tool's and rules' versions, the bundle's SHA-256\n\
        and when the analysis ran.\n\n\
        Exit status: 0 every bundle passes or the rule does not apply; 1 at least one check fails;\n\
        3 nothing fails but something is unknown or a bundle could not be read; 2 bad usage or\n\
        no input could be opened at all.")]
    Analyze(AnalyzeArgs),
    /// List the rules and their checks, or show a rule's documentation.
    #[command(after_help = "Examples:\n  \
        hivetriage rules\n  \
        hivetriage rules show Q306957\n  \
        hivetriage rules show Q306957.pickup-acl\n  \
        hivetriage rules list --format json")]
    Rules(RulesArgs),
    /// Print a script the customer runs to gather a bundle this tool reads.
    #[command(after_help = "Examples:\n  \
        hivetriage collect --for nt4 > collect-hivetriage.cmd\n  \
        hivetriage collect --for w2k > collect-hivetriage.cmd\n  \
        hivetriage collect --for modern > collect-hivetriage.ps1\n\n\
        The script saves the hives and the ACLs of the folders the rules need (their location\n\
        read from the server's registry when it runs) into %SystemDrive%\\hivetriage\\<computer>.")]
    Collect(CollectArgs),
    /// Print a shell completion script.
    #[command(after_help = "Examples:\n  \
        hivetriage completions bash > /etc/bash_completion.d/hivetriage\n  \
        hivetriage completions zsh > \"${fpath[1]}/_hivetriage\"\n  \
        hivetriage completions fish > ~/.config/fish/completions/hivetriage.fish\n  \
        hivetriage completions powershell >> $PROFILE")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), or write one per subcommand.
    #[command(after_help = "Examples:\n  \
        hivetriage man > hivetriage.1 && man ./hivetriage.1\n  \
        hivetriage man --dir /usr/local/share/man/man1")]
    Man(ManArgs),
    /// An offline `reg query`: print a key of any hive or registry source of a bundle.
    #[command(after_help = "Examples:\n  \
        hivetriage query case123.zip   (lists the hives, and the key to query each by)\n  \
        hivetriage query samples/healthy.zip 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchangeIMC\\Parameters'\n  \
        hivetriage query samples/healthy.zip 'HKLM\\SOFTWARE\\Microsoft\\Exchange' /s\n  \
        hivetriage query case123.zip 'HKU\\Users/bob/NTUSER.DAT\\Software' /s   (any other hive, by entry name)\n  \
        hivetriage query case123.zip 'HKLM\\SYSTEM' /f exchsrvr /s /d   (reg query's /v /ve /f /k /d /c /e /t)\n  \
        hivetriage query --format json case123.zip 'HKEY_LOCAL_MACHINE\\SYSTEM\\Select'\n\n\
        The text output is the Vista-and-later `reg query` layout (an exact form where it cannot hold\n\
        a value) and reads back as a registry source. Exit status: 0 printed; 1 no such key, value or\n\
        hive, or nothing matched; 2 bad usage; 3 no data for that hive, damaged data, or the bundle\n\
        cannot be read.")]
    Query(query::QueryArgs),
    /// Show one folder's ACL from a bundle, and an account's effective rights on it.
    #[command(after_help = "Examples:\n  \
        hivetriage acl samples/no-add-permission.zip 'C:\\exchsrvr\\imcdata\\Pickup'\n  \
        hivetriage acl --account 'EXCH01\\IWAM_EXCH01' case123.zip 'C:\\exchsrvr\\imcdata\\Pickup'\n  \
        hivetriage acl --format json case123/ 'C:\\exchsrvr\\imcdata\\Pickup'\n\n\
        Shows each ACE (principal name and SID, allow/deny, rights in words and as a mask,\n\
        inheritance), the snapshot it came from and how the folder matched; then the account's\n\
        token, its effective rights and the ACE that decided each right (default account:\n\
        IUSR_<ComputerName>).\n\n\
        Exit status: 0 shown; 3 the folder has no snapshot or the bundle cannot be read; 2 bad usage.")]
    Acl(AclArgs),
}

/// What `--version` prints after the name: the tool's version, then each
/// rule's (`rules: Q306957 1`), as every JSON report records them.
pub fn long_version() -> &'static str {
    let rules: Vec<String> = hivetriage::rules::all()
        .iter()
        .map(|rule| format!("{} {}", rule.article(), rule.version()))
        .collect();
    let text = format!("{}\nrules: {}", env!("CARGO_PKG_VERSION"), rules.join(", "));
    // Built once per process, for clap, which keeps it to the end.
    Box::leak(text.into_boxed_str())
}

/// Parses `1073741824`, `512M`, `1G`, `64KiB` and the like.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size (e.g. 1073741824, 512M, 1G)"))?;
    let factor: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        other => return Err(format!("unknown size unit '{other}' (use K, M or G)")),
    };
    number
        .checked_mul(factor)
        .filter(|&size| size > 0)
        .ok_or_else(|| format!("'{text}' is not a usable size"))
}

/// Runs the command line; returns the exit status.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let color = color::use_color(cli.color);
    match cli.command {
        Command::Analyze(args) => analyze::run(args, color),
        Command::Rules(args) => rules::run(args),
        Command::Collect(args) => collect::run(args),
        Command::Completions(args) => completions::completions(args),
        Command::Man(args) => completions::man(args),
        Command::Query(args) => query::run(args),
        Command::Acl(args) => acl::run(args),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_accept_plain_bytes_and_binary_suffixes() {
        assert_eq!(parse_size("1073741824"), Ok(1 << 30));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("64KiB"), Ok(64 << 10));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("M").is_err());
    }
}
