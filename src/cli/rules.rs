//! `hivetriage rules`: every rule and check with what it needs from a
//! bundle, and `rules show <ID>` printing a rule's (or one check's)
//! documentation, which is the rule module's own Markdown doc.

use anyhow::bail;
use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{ContentArrangement, Table, presets};
use hivetriage::rules::{self, Rule};
use serde_json::json;
use std::io::{self, Write};

#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub action: Option<RulesAction>,

    #[command(flatten)]
    pub list: ListArgs,
}

#[derive(Subcommand, Debug)]
pub enum RulesAction {
    /// List every rule and check (what `hivetriage rules` does).
    #[command(
        after_help = "Examples:\n  hivetriage rules list\n  hivetriage rules list --format json"
    )]
    List(ListArgs),
    /// Print the documentation of a rule or of one check: what it checks, why
    /// it matters, the evidence it reports, the fix.
    #[command(after_help = "Examples:\n  hivetriage rules show Q306957\n  \
                            hivetriage rules show Q306957.pickup-acl")]
    Show(ShowArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// Output format of the list.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// An article (e.g. Q306957) or a check id (e.g. Q306957.pickup-acl),
    /// case-insensitive.
    #[arg(value_name = "ID")]
    pub id: String,
}

pub fn run(args: RulesArgs) -> anyhow::Result<u8> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let written = match args.action {
        None => list(&mut out, args.list.format),
        Some(RulesAction::List(list_args)) => list(&mut out, list_args.format),
        Some(RulesAction::Show(show_args)) => {
            let Some(text) = documentation_of(&show_args.id) else {
                bail!(
                    "no rule or check '{}'; known: {}",
                    show_args.id,
                    known_ids().join(", ")
                );
            };
            out.write_all(text.as_bytes())
        }
    }
    .and_then(|_| out.flush());
    match written {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(0),
    }
}

/// What `rules show <id>` prints: the whole documentation of an article, or
/// the section of one check followed by what it needs from a bundle.
pub fn documentation_of(id: &str) -> Option<String> {
    if let Some(rule) = rules::find_rule(id) {
        return Some(rule.documentation().to_string());
    }
    let (rule, check) = rules::find_check(id)?;
    let section = rules::check_documentation(rule.documentation(), check.id)?;
    Some(format!(
        "{section}\n**Needs from a bundle.** {}\n\n(Part of {}: {}; `hivetriage rules show {}` prints it all.)\n",
        check.needs,
        rule.article(),
        rule.title(),
        rule.article()
    ))
}

fn known_ids() -> Vec<&'static str> {
    rules::all()
        .iter()
        .flat_map(|rule| std::iter::once(rule.article()).chain(rule.checks().iter().map(|c| c.id)))
        .collect()
}

fn list(out: &mut dyn Write, format: ListFormat) -> io::Result<()> {
    let all = rules::all();
    match format {
        ListFormat::Json => {
            let listing: Vec<_> = all.iter().map(|rule| rule_json(*rule)).collect();
            serde_json::to_writer_pretty(&mut *out, &listing)?;
            writeln!(out)
        }
        ListFormat::Table => {
            let mut table = Table::new();
            table
                .load_style(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_header(vec!["Check", "Article", "Title", "Needs from a bundle"]);
            for rule in &all {
                for check in rule.checks() {
                    table.add_row(vec![check.id, rule.article(), check.title, check.needs]);
                }
            }
            for rule in &all {
                writeln!(out, "{}: {}", rule.article(), rule.title())?;
            }
            writeln!(out, "{table}")?;
            writeln!(
                out,
                "`hivetriage rules show <ARTICLE or CHECK>` prints what a rule checks, why, its evidence and its fix."
            )
        }
    }
}

fn rule_json(rule: &dyn Rule) -> serde_json::Value {
    json!({
        "article": rule.article(),
        "title": rule.title(),
        "checks": rule.checks().iter().map(|check| json!({
            "id": check.id,
            "title": check.title,
            "needs": check.needs,
        })).collect::<Vec<_>>(),
    })
}
