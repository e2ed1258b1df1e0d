//! `hivetriage acl`: one folder's ACL as a bundle recorded it — every ACE
//! with its principal's name and SID, the source and how the folder
//! matched — and an account's token, effective rights and the ACEs that
//! decided each right.

use super::{EXIT_USAGE, parse_size};
use clap::{Args, ValueEnum};
use hivetriage::acl::rights::{self, FILE_ADD_FILE, MAXIMUM_ALLOWED};
use hivetriage::acl::{
    Ace, Dacl, FolderAcl, FolderMatch, Principals, SnapshotForm, Token, TokenAccess, Trustee,
    ace_flags, evaluate_for_token, explain_rights,
};
use hivetriage::bundle::{BundleLocation, Limits};
use hivetriage::load::{LoadedBundle, open_and_load};
use serde_json::{Value, json};
use std::io::{self, Write};
use std::path::PathBuf;

/// Exit status when the folder has no snapshot or the bundle cannot be read.
const EXIT_NOT_SHOWN: u8 = 3;

#[derive(Args, Debug)]
pub struct AclArgs {
    /// The bundle: a .zip file or a bundle directory.
    #[arg(value_name = "BUNDLE")]
    pub bundle: PathBuf,

    /// The folder, as on the customer's machine (e.g. 'C:\exchsrvr\imcdata\Pickup').
    #[arg(value_name = "FOLDER")]
    pub folder: String,

    /// The account whose access to show (default: the bundle's anonymous web
    /// account IUSR_<ComputerName>).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: AclFormat,

    /// Largest inflated size accepted for one bundle entry (bytes; K, M, G suffixes allowed).
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub max_entry_size: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AclFormat {
    Text,
    Json,
}

pub fn run(args: AclArgs) -> anyhow::Result<u8> {
    if !args.bundle.exists() {
        hivetriage::escape::warn(format_args!(
            "{}: no such file or directory",
            args.bundle.display()
        ));
        return Ok(EXIT_USAGE);
    }
    let location = BundleLocation {
        path: args.bundle.clone(),
        display_name: args.bundle.to_string_lossy().into_owned(),
    };
    let limits = Limits {
        max_entry_size: args.max_entry_size,
        ..Limits::default()
    };
    let loaded = match open_and_load(&location, limits) {
        Ok(loaded) => loaded,
        Err(error) => {
            hivetriage::escape::warn(format_args!("{error}"));
            return Ok(EXIT_NOT_SHOWN);
        }
    };
    let view = build_view(&loaded, &args);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        AclFormat::Json => serde_json::to_writer_pretty(&mut out, &view)
            .map_err(io::Error::other)
            .and_then(|_| writeln!(out)),
        AclFormat::Text => write_text(&mut out, &view),
    }
    .and_then(|_| out.flush());
    match written {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ if view["snapshots"].as_array().is_some_and(|s| s.is_empty()) => Ok(EXIT_NOT_SHOWN),
        _ => Ok(0),
    }
}

/// Everything shown, as JSON (the text form is rendered from it).
fn build_view(loaded: &LoadedBundle, args: &AclArgs) -> Value {
    let computer = loaded.registry.computer_name();
    let principals = Principals::new(computer.as_deref(), loaded.accounts.as_ref());
    // `COMPUTER\name` and `.\name` name the local account `name`.
    let account = args
        .account
        .as_deref()
        .map(|given| hivetriage::acl::names::local_account_name(given, computer.as_deref()))
        .or_else(|| computer.as_ref().map(|c| format!("IUSR_{c}")));
    let token = account
        .as_deref()
        .map(|name| Token::anonymous(name, loaded.accounts.as_ref()));
    let matches = loaded.acl.find(&args.folder);
    let snapshots: Vec<Value> = matches
        .iter()
        .map(|(acl, how)| snapshot_view(acl, how, &principals, token.as_ref()))
        .collect();
    let problems: Vec<String> = loaded
        .acl
        .problems_for(&args.folder)
        .iter()
        .map(|p| p.to_string())
        .collect();
    let known: Vec<&str> = loaded.acl.folders.iter().map(|f| f.path.as_str()).collect();
    json!({
        "bundle": loaded.name,
        "folder": args.folder,
        "computer_name": computer,
        "account": account,
        "token": token,
        "snapshots": snapshots,
        "problems": problems,
        "snapshots_in_bundle": known,
        "errors": loaded.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

fn snapshot_view(
    acl: &FolderAcl,
    how: &FolderMatch,
    principals: &Principals,
    token: Option<&Token>,
) -> Value {
    let matched = match how {
        FolderMatch::ExactPath => "the same path".to_string(),
        FolderMatch::TrailingComponents { components } => {
            format!(
                "relative name '{}' matched the last {components} component(s)",
                acl.path
            )
        }
    };
    let dacl = match &acl.descriptor.dacl {
        Dacl::Entries(aces) => Value::Array(
            aces.iter()
                .enumerate()
                .map(|(i, a)| ace_view(i, a, acl.form, principals))
                .collect(),
        ),
        Dacl::Null => json!("NULL DACL: everyone has full control"),
        Dacl::NotPresent => json!("no DACL: everyone has full control"),
    };
    let access = token.map(|token| access_view(acl, token, principals));
    json!({
        "source": acl.origin,
        "line": acl.line,
        "form": acl.form.words(),
        "path": acl.path,
        "matched": matched,
        "records": acl.records,
        "sddl": acl.sddl,
        "aces": dacl,
        "access": access,
    })
}

/// The principal's name as printed, or as this machine names its SID, or the SID.
fn principal_name(ace: &Ace, principals: &Principals) -> String {
    principals
        .trustee_name(
            &ace.trustee,
            ace.display_name.as_deref(),
            hivetriage::acl::NameStyle::Qualified,
        )
        .unwrap_or_else(|| ace.trustee.to_string())
}

fn ace_view(index: usize, ace: &Ace, form: SnapshotForm, principals: &Principals) -> Value {
    let (sid, name) = match &ace.trustee {
        Trustee::Sid(sid) => (
            Some(sid.to_string()),
            ace.display_name.clone().or_else(|| principals.name_of(sid)),
        ),
        Trustee::Name(name) => (None, Some(name.clone())),
    };
    let inheritance: Vec<&str> = [
        (ace_flags::OBJECT_INHERIT, "OI"),
        (ace_flags::CONTAINER_INHERIT, "CI"),
        (ace_flags::NO_PROPAGATE_INHERIT, "NP"),
        (ace_flags::INHERIT_ONLY, "IO"),
    ]
    .iter()
    .filter(|(bit, _)| ace.flags & bit != 0)
    .map(|(_, word)| *word)
    .collect();
    let mut rights_words = rights::common_name(ace.mask)
        .map(str::to_string)
        .unwrap_or_else(|| rights::describe(ace.mask).join(", "));
    if ace.unknown_rights != 0 {
        rights_words.push_str(" (+ rights not known to this tool)");
    }
    json!({
        "ace": index + 1,
        "principal": name,
        "sid": sid,
        "type": ace.type_word(),
        "mask": format!("0x{:08x}", ace.mask),
        "rights": rights_words,
        "inheritance": inheritance,
        "inherited": ace.flags & ace_flags::INHERITED != 0,
        // cacls before Vista prints no marker for inherited ACEs.
        "inheritance_shown": form != SnapshotForm::Cacls || ace.flags & ace_flags::INHERITED != 0,
        "applies_to_folder": !ace.is_inherit_only(),
    })
}

/// The account's effective rights on the folder, who decided each, and
/// whether it has Add (FILE_ADD_FILE).
fn access_view(acl: &FolderAcl, token: &Token, principals: &Principals) -> Value {
    let applies = |trustee: &Trustee| token.holds(trustee);
    let rights: Vec<Value> = explain_rights(&acl.descriptor, &applies)
        .iter()
        .map(|d| {
            json!({
                "right": d.name,
                "mask": format!("0x{:x}", d.right),
                "granted": d.granted,
                "decided_by_ace": d.ace.map(|i| i + 1),
                "by_owner": d.by_owner,
            })
        })
        .collect();
    let maximum = evaluate_for_token(&acl.descriptor, token, MAXIMUM_ALLOWED);
    let effective = match &maximum {
        TokenAccess::Decided { outcome, .. } => outcome.effective_mask,
        TokenAccess::Undecided { outcomes, .. } => outcomes[0].1.effective_mask,
    };
    let add = match evaluate_for_token(&acl.descriptor, token, FILE_ADD_FILE) {
        TokenAccess::Decided { outcome, variants } => json!({
            "decided": true,
            "granted": outcome.granted,
            "deciding_aces": outcome.deciding_aces.iter().map(|d| d.index + 1).collect::<Vec<_>>(),
            "assumptions_tried": variants,
        }),
        TokenAccess::Undecided {
            outcomes,
            depends_on,
        } => json!({
            "decided": false,
            "depends_on": depends_on,
            "outcomes": outcomes.iter().map(|(words, o)| json!({
                "assumption": words,
                "granted": o.granted,
                "deciding_aces": o.deciding_aces.iter().map(|d| d.index + 1).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        }),
    };
    // Every ACE as the check for Add sees it.
    let considered: Vec<Value> = match &acl.descriptor.dacl {
        Dacl::Entries(aces) => aces
            .iter()
            .enumerate()
            .map(|(index, ace)| {
                let why = if ace.is_inherit_only() {
                    "inherit-only: does not apply to the folder itself"
                } else if token.may_hold(&ace.trustee) {
                    "may apply: whether the account is in this group is unknown (a damaged SAM record)"
                } else if !token.holds(&ace.trustee) {
                    "not the account or one of its groups"
                } else if rights::map_generic(ace.mask) & FILE_ADD_FILE == 0 {
                    "applies, but does not name Add"
                } else if ace.ace_type == hivetriage::acl::ace_type::ACCESS_DENIED {
                    "applies and denies Add"
                } else {
                    "applies and grants Add"
                };
                json!({"ace": index + 1, "principal": principal_name(ace, principals), "why": why})
            })
            .collect(),
        _ => Vec::new(),
    };
    json!({
        "considered_for_add": considered,
        "effective_mask": format!("0x{effective:08x}"),
        "effective_rights": rights::describe(effective),
        "rights": rights,
        "add": add,
    })
}

/// A value of the view as text: strings escaped (everything shown may come
/// from the bundle; JSON has its own escaping), null as `-`.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => hivetriage::escape::escape(s).into_owned(),
        Value::Null => "-".to_string(),
        other => other.to_string(),
    }
}

fn write_text(out: &mut dyn Write, view: &Value) -> io::Result<()> {
    writeln!(out, "Bundle: {}", text(&view["bundle"]))?;
    writeln!(out, "Folder: {}", text(&view["folder"]))?;
    let snapshots = view["snapshots"].as_array().cloned().unwrap_or_default();
    if snapshots.is_empty() {
        return write_no_snapshot(out, view);
    }
    for problem in view["problems"].as_array().into_iter().flatten() {
        writeln!(out, "Note: {}", text(problem))?;
    }
    for snapshot in &snapshots {
        write_snapshot(out, snapshot)?;
        let access = &snapshot["access"];
        if access.is_null() {
            writeln!(
                out,
                "No account to evaluate (the computer name is unknown; give --account)."
            )?;
            continue;
        }
        write_token(out, view)?;
        write_rights(out, access)?;
        write_add(out, access)?;
    }
    Ok(())
}

/// When the folder has no snapshot: why, and which folders have one.
fn write_no_snapshot(out: &mut dyn Write, view: &Value) -> io::Result<()> {
    writeln!(out, "\nNo ACL snapshot of this folder in the bundle.")?;
    for problem in view["problems"].as_array().into_iter().flatten() {
        writeln!(out, "  {}", text(problem))?;
    }
    let known = view["snapshots_in_bundle"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if known.is_empty() {
        writeln!(out, "The bundle holds no folder ACLs.")?;
    } else {
        writeln!(out, "Folders with snapshots:")?;
        for path in known {
            writeln!(out, "  {}", text(&path))?;
        }
    }
    Ok(())
}

/// One snapshot: where it is from and its ACEs.
fn write_snapshot(out: &mut dyn Write, snapshot: &Value) -> io::Result<()> {
    let line = snapshot["line"]
        .as_u64()
        .map(|l| format!(" line {l}"))
        .unwrap_or_default();
    // A record repeated in its file is shown once, with its count.
    let records = match snapshot["records"].as_u64() {
        Some(count) if count > 1 => format!("; {count} identical records"),
        _ => String::new(),
    };
    writeln!(
        out,
        "\nSnapshot: {}{line} ({}); {}{records}",
        text(&snapshot["source"]),
        text(&snapshot["form"]),
        text(&snapshot["matched"])
    )?;
    match &snapshot["aces"] {
        Value::Array(aces) => writeln!(out, "{}", ace_table(aces)),
        other => writeln!(out, "{}", text(other)),
    }
}

/// The ACEs of one snapshot as a table.
fn ace_table(aces: &[Value]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_header([
            "#",
            "principal",
            "SID",
            "type",
            "rights",
            "mask",
            "inheritance",
            "origin",
        ]);
    for ace in aces {
        let inheritance: Vec<String> = ace["inheritance"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| format!("({})", text(w)))
            .collect();
        table.add_row([
            text(&ace["ace"]),
            text(&ace["principal"]),
            ace["sid"]
                .as_str()
                .map_or("(not resolved)".to_string(), |sid| {
                    hivetriage::escape::escape(sid).into_owned()
                }),
            text(&ace["type"]),
            text(&ace["rights"]),
            text(&ace["mask"]),
            inheritance.join(""),
            if ace["inherited"] == true {
                "inherited"
            } else if ace["inheritance_shown"] == true {
                "explicit"
            } else {
                "not shown by cacls"
            }
            .to_string(),
        ]);
    }
    table
}

/// The account evaluated and its token's groups.
fn write_token(out: &mut dyn Write, view: &Value) -> io::Result<()> {
    let token = &view["token"];
    writeln!(
        out,
        "\nAccount: {} (SID {})",
        text(&view["account"]),
        text(&token["account_sid"])
    )?;
    writeln!(out, "Token groups:")?;
    for group in token["groups"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "  {} ({}): {}",
            text(&group["name"]),
            text(&group["sid"]),
            text(&group["why"])
        )?;
    }
    for unknown in token["unknown"].as_array().into_iter().flatten() {
        writeln!(out, "Unknown: {}", text(unknown))?;
    }
    Ok(())
}

/// The effective rights, each with what decided it.
fn write_rights(out: &mut dyn Write, access: &Value) -> io::Result<()> {
    writeln!(out, "Effective rights: {}", text(&access["effective_mask"]))?;
    for right in access["rights"].as_array().into_iter().flatten() {
        let who = if right["by_owner"] == true {
            "as the owner".to_string()
        } else {
            match right["decided_by_ace"].as_u64() {
                Some(ace) if right["granted"] == true => format!("granted by ACE #{ace}"),
                Some(ace) => format!("denied by ACE #{ace}"),
                None if right["granted"] == true => "granted (no DACL restricts it)".into(),
                None => "not granted by any ACE".into(),
            }
        };
        let mark = if right["granted"] == true {
            "yes"
        } else {
            "no "
        };
        writeln!(out, "  {mark} {:<24} {who}", text(&right["right"]))?;
    }
    Ok(())
}

/// Whether the account may add a file (what Q306957 needs): decided, with
/// the ACEs considered, or undecided, with what it depends on.
fn write_add(out: &mut dyn Write, access: &Value) -> io::Result<()> {
    let add = &access["add"];
    if add["decided"] == true {
        let aces: Vec<String> = add["deciding_aces"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| format!("#{}", text(a)))
            .collect();
        let decided = if aces.is_empty() {
            String::new()
        } else {
            format!(" (decided by ACE {})", aces.join(", "))
        };
        writeln!(
            out,
            "Add (FILE_ADD_FILE, what Q306957 needs): {}{decided}",
            if add["granted"] == true {
                "granted"
            } else {
                "NOT granted"
            }
        )?;
        for ace in access["considered_for_add"]
            .as_array()
            .into_iter()
            .flatten()
        {
            writeln!(
                out,
                "  ACE #{} {}: {}",
                text(&ace["ace"]),
                text(&ace["principal"]),
                text(&ace["why"])
            )?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "Add (FILE_ADD_FILE, what Q306957 needs): undecided; it depends on:"
    )?;
    for why in add["depends_on"].as_array().into_iter().flatten() {
        writeln!(out, "  - {}", text(why))?;
    }
    writeln!(out, "Outcomes tried:")?;
    for outcome in add["outcomes"].as_array().into_iter().flatten() {
        writeln!(
            out,
            "  {}: {}",
            text(&outcome["assumption"]),
            if outcome["granted"] == true {
                "granted"
            } else {
                "not granted"
            }
        )?;
    }
    Ok(())
}
