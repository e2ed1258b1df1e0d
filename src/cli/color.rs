//! `--color auto|always|never`: whether tables colour their verdicts. `auto`
//! colours only on a terminal, and never when `NO_COLOR` is set to
//! something (<https://no-color.org>) or `TERM` is `dumb`; an explicit
//! `always` wins over `NO_COLOR`, as that convention asks.

use clap::ValueEnum;
use std::io::IsTerminal;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    Always,
    Never,
}

/// Decides from the choice, whether stdout is a terminal, and the values of
/// `NO_COLOR` and `TERM`.
pub fn decide(
    choice: ColorChoice,
    stdout_is_terminal: bool,
    no_color: Option<&str>,
    term: Option<&str>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            stdout_is_terminal && no_color.is_none_or(str::is_empty) && term != Some("dumb")
        }
    }
}

/// [`decide`] for this process.
pub fn use_color(choice: ColorChoice) -> bool {
    let no_color = std::env::var("NO_COLOR").ok();
    let term = std::env::var("TERM").ok();
    decide(
        choice,
        std::io::stdout().is_terminal(),
        no_color.as_deref(),
        term.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::{ColorChoice, decide};

    #[test]
    fn auto_colours_terminals_without_no_color() {
        assert!(decide(ColorChoice::Auto, true, None, Some("xterm")));
        assert!(
            decide(ColorChoice::Auto, true, Some(""), None),
            "empty NO_COLOR is unset"
        );
        assert!(!decide(ColorChoice::Auto, true, Some("1"), None));
        assert!(!decide(ColorChoice::Auto, false, None, None));
        assert!(!decide(ColorChoice::Auto, true, None, Some("dumb")));
        assert!(decide(ColorChoice::Always, false, Some("1"), Some("dumb")));
        assert!(!decide(ColorChoice::Never, true, None, None));
    }
}
