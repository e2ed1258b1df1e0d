//! `hivetriage query`: an offline `reg query` over any registry source of a
//! bundle (hives, dirty hives, `.reg` exports, `reg query` text, SZDD
//! copies). Its text output is the Vista-and-later `reg query` layout, so
//! it can be saved and read back as a registry source; `--format json` is
//! the contract's array of keys.
//!
//! Exit status: 0 the key was printed; 1 the key does not exist; 2 bad
//! usage (e.g. a key outside `HKEY_LOCAL_MACHINE\SYSTEM|SOFTWARE|SAM|SECURITY`);
//! 3 the bundle cannot be read, has no data for that hive, or the data is
//! damaged where the key is.

use super::{EXIT_USAGE, parse_size};
use crate::analyze::{LoadedBundle, open_and_load};
use crate::bundle::{BundleLocation, Limits};
use crate::registry::{HiveKind, Lookup, RegKey, WalkControl};
use crate::report::reg_query::write_key;
use crate::source::reg_query::RegQueryLayout;
use clap::{Args, ValueEnum};
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;

const EXIT_NOT_FOUND: u8 = 1;
const EXIT_NO_DATA: u8 = 3;

#[derive(Args, Debug)]
pub struct QueryArgs {
    /// The bundle: a .zip file or a bundle directory.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// The key, e.g. HKLM\SYSTEM\CurrentControlSet\Services\MSExchangeIMC.
    #[arg(value_name = "KEY")]
    pub key: String,

    /// The whole subtree (`/s` is accepted too).
    #[arg(short = 's', long)]
    pub recursive: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: QueryFormat,

    /// Largest inflated size accepted for one bundle entry.
    #[arg(long, value_name = "SIZE", default_value = "1G", value_parser = parse_size)]
    pub max_entry_size: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum QueryFormat {
    /// The Vista-and-later `reg query` layout.
    Text,
    /// An array of keys in depth-first order (the contract's shape).
    Json,
}

/// `reg.exe` accepts `/s`; clap does not know slash options, so the
/// arguments of `query` are rewritten before parsing.
pub fn rewrite_slash_options(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let is_query = args.get(1).is_some_and(|a| a == "query");
    args.into_iter()
        .map(|arg| {
            if is_query && (arg == "/s" || arg == "/S") {
                "--recursive".into()
            } else {
                arg
            }
        })
        .collect()
}

/// `HKLM\SYSTEM\X` -> (SYSTEM, `X`); `None` when the root is not a machine
/// hive a bundle can hold.
pub fn split_key(key: &str) -> Option<(HiveKind, String)> {
    let key = key.trim().trim_matches('\\').replace('/', "\\");
    let mut parts = key.splitn(3, '\\');
    let root = parts.next()?;
    if !root.eq_ignore_ascii_case("HKLM") && !root.eq_ignore_ascii_case("HKEY_LOCAL_MACHINE") {
        return None;
    }
    let kind = HiveKind::from_name(parts.next()?)?;
    Some((kind, parts.next().unwrap_or("").to_string()))
}

fn full_path(kind: HiveKind, key: &RegKey) -> String {
    if key.path.is_empty() {
        format!("HKEY_LOCAL_MACHINE\\{kind}")
    } else {
        format!("HKEY_LOCAL_MACHINE\\{kind}\\{}", key.path)
    }
}

fn key_json(kind: HiveKind, key: &RegKey) -> Value {
    let values: Vec<Value> = key
        .values
        .iter()
        .map(|value| {
            json!({
                "name": value.name,
                "type": value.type_name(),
                "type_code": value.type_code,
                "data": value.data_json(),
                "raw": crate::registry::hex(&value.raw),
            })
        })
        .collect();
    json!({ "path": full_path(kind, key), "values": values, "subkeys": key.subkeys })
}

pub fn run(args: QueryArgs) -> anyhow::Result<u8> {
    let Some((kind, path)) = split_key(&args.key) else {
        crate::escape::warn(format_args!(
            "'{}' is not a key a bundle holds: give HKLM\\SYSTEM, HKLM\\SOFTWARE, \
             HKLM\\SAM or HKLM\\SECURITY and a path below it",
            args.key
        ));
        return Ok(EXIT_USAGE);
    };
    let location = BundleLocation {
        display_name: args.input.display().to_string(),
        path: args.input.clone(),
    };
    let limits = Limits {
        max_entry_size: args.max_entry_size,
        ..Limits::default()
    };
    let loaded: LoadedBundle = match open_and_load(&location, limits) {
        Ok(loaded) => loaded,
        Err(error) => {
            crate::escape::warn(format_args!("{error}"));
            return Ok(EXIT_NO_DATA);
        }
    };
    for error in &loaded.errors {
        crate::escape::warn(format_args!("{error}"));
    }

    let mut keys: Vec<RegKey> = Vec::new();
    let lookup = if args.recursive {
        loaded
            .registry
            .walk(kind, &path, &mut |key| {
                keys.push(key.clone());
                WalkControl::Continue
            })
            .map(|_| ())
    } else {
        loaded
            .registry
            .read_key(kind, &path)
            .map(|key| keys.push(key))
    };
    let status = match lookup {
        Lookup::Found(()) => 0,
        Lookup::NotFound { missing } => {
            eprintln!(
                "ERROR: The system was unable to find the specified registry key or value ({}).",
                crate::escape::escape(&missing)
            );
            return Ok(EXIT_NOT_FOUND);
        }
        Lookup::NoData { reason } => {
            crate::escape::warn(format_args!("{reason}"));
            return Ok(EXIT_NO_DATA);
        }
        Lookup::Failed(error) => {
            crate::escape::warn(format_args!("{error}"));
            EXIT_NO_DATA
        }
    };
    for key in &keys {
        for problem in &key.problems {
            crate::escape::warn(format_args!("{problem}"));
        }
    }

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        QueryFormat::Json => {
            let array: Vec<Value> = keys.iter().map(|key| key_json(kind, key)).collect();
            serde_json::to_writer_pretty(&mut out, &array)
                .map_err(std::io::Error::from)
                .and_then(|_| out.write_all(b"\n"))
        }
        QueryFormat::Text => {
            let mut text = String::from("\n");
            for key in &keys {
                write_key(
                    &mut text,
                    &full_path(kind, key),
                    &key.values,
                    RegQueryLayout::Vista,
                    "\n",
                    crate::escape::escape,
                );
                if !args.recursive {
                    // Like reg.exe without /s: the subkeys, by full path.
                    for subkey in &key.subkeys {
                        text.push_str(&format!(
                            "{}\\{}\n",
                            crate::escape::escape(&full_path(kind, key)),
                            crate::escape::escape(subkey)
                        ));
                    }
                }
            }
            out.write_all(text.as_bytes())
        }
    };
    match written.and_then(|_| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_a_machine_hive_and_a_path() {
        assert_eq!(
            split_key(r"HKLM\SYSTEM\CurrentControlSet\Services"),
            Some((HiveKind::System, r"CurrentControlSet\Services".to_string()))
        );
        assert_eq!(
            split_key(r"hkey_local_machine\software"),
            Some((HiveKind::Software, String::new()))
        );
        assert_eq!(split_key(r"HKCU\Software"), None);
        assert_eq!(split_key(r"HKLM\HARDWARE\DESCRIPTION"), None);
        assert_eq!(split_key("HKLM"), None);
    }

    #[test]
    fn slash_s_becomes_recursive_only_for_query() {
        let rewritten = rewrite_slash_options(vec![
            "hivetriage".into(),
            "query".into(),
            "b.zip".into(),
            "HKLM\\SYSTEM".into(),
            "/s".into(),
        ]);
        assert_eq!(rewritten[4], "--recursive");
        let untouched =
            rewrite_slash_options(vec!["hivetriage".into(), "analyze".into(), "/s".into()]);
        assert_eq!(untouched[2], "/s");
    }
}
