//! `hivetriage query`: an offline `reg query` over any registry source of a
//! bundle (hives, dirty hives with their logs, `.reg` exports, `reg query`
//! text, SZDD copies) and any hive: the machine hives under
//! `HKEY_LOCAL_MACHINE`, every other hive file (user hives, hives of unknown
//! kind, a second hive of one kind) under `HKEY_USERS\<entry name>`.
//!
//! Its text output is the Vista-and-later `reg query` layout, with an exact
//! form where that layout would lose something (see `source::reg_query`),
//! so it reads back as a registry source without loss; `--format json` is
//! the contract's array of keys, one key object per line. Both are written
//! as the walk goes: memory does not grow with the number of keys.
//!
//! `reg query`'s own switches work as documented for `reg.exe`: `/s`,
//! `/v <name>`, `/ve`, `/f <text>` with `/k`, `/d`, `/c`, `/e`, and
//! `/t <type>`.
//!
//! Exit status: 0 printed (or something matched); 1 the key or value does
//! not exist, or a search matched nothing; 2 bad usage (e.g. a key outside
//! `HKLM\SYSTEM|SOFTWARE|SAM|SECURITY` and `HKU\<hive>`); 3 the bundle
//! cannot be read, has no data for that hive, or the data is damaged where
//! the key is.

use super::{EXIT_USAGE, parse_size};
use clap::{Args, ValueEnum};
use hivetriage::bundle::{BundleLocation, Limits};
use hivetriage::load::{LoadedBundle, open_and_load};
use hivetriage::registry::{
    HiveData, HiveKind, JsonData, Lookup, RegKey, RegValue, WalkControl, WalkSummary, read_key_of,
    type_name, upcase, walk_of,
};
use hivetriage::report::reg_query::{printed_data, write_key_line, write_value_line};
use hivetriage::source::reg_query::{RegQueryLayout, VALUE_NOT_SET, VISTA_DEFAULT_NAME};
use serde::Serialize;
use serde::ser::{SerializeSeq, SerializeStruct};
use std::io::Write;
use std::path::PathBuf;

const EXIT_NOT_FOUND: u8 = 1;
const EXIT_NO_DATA: u8 = 3;

/// What `reg.exe` prints when a key or value is not there.
const NOT_FOUND: &str = "ERROR: The system was unable to find the specified registry key or value.";

const LOCAL_MACHINE: &str = "HKEY_LOCAL_MACHINE";
const USERS: &str = "HKEY_USERS";

#[derive(Args, Debug)]
pub struct QueryArgs {
    /// The bundle: a .zip file or a bundle directory.
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,

    /// The key, e.g. HKLM\SYSTEM\CurrentControlSet\Services\MSExchangeIMC,
    /// or HKU\<entry name>\... for a user hive or a hive of unknown kind.
    /// Without it, the hives the bundle holds are listed with the key each
    /// is queried by.
    #[arg(value_name = "KEY")]
    pub key: Option<String>,

    /// The whole subtree (`/s`).
    #[arg(short = 's', long)]
    pub recursive: bool,

    /// Only the value of this name (`/v <name>`); with --find and no name,
    /// search value names only (`/v`).
    #[arg(long = "value", value_name = "NAME", num_args = 0..=1)]
    pub value: Option<Option<String>>,

    /// Only the default value, the one without a name (`/ve`).
    #[arg(long = "default-value", conflicts_with = "value")]
    pub default_value: bool,

    /// Search key names, value names and data for this text (`/f <text>`);
    /// `*` matches everything.
    #[arg(long = "find", value_name = "TEXT")]
    pub find: Option<String>,

    /// With --find: search key names (`/k`).
    #[arg(long = "keys", requires = "find")]
    pub keys: bool,

    /// With --find: search data (`/d`), as `reg query` prints it.
    #[arg(long = "data", requires = "find")]
    pub data: bool,

    /// With --find: case-sensitive (`/c`); the default ignores case.
    #[arg(long = "case-sensitive", requires = "find")]
    pub case_sensitive: bool,

    /// With --find: whole names or data only (`/e`), not a part of them.
    #[arg(long = "exact", requires = "find")]
    pub exact: bool,

    /// Only values of this type (`/t <type>`), e.g. REG_SZ, REG_MULTI_SZ.
    #[arg(long = "type", value_name = "TYPE")]
    pub value_type: Option<String>,

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

/// `reg.exe`'s switches (`/s`, `/v`, ...; any case) as the long options
/// clap knows, for the arguments after `query`. The argument after a
/// switch that takes one is left as it is.
pub fn rewrite_slash_options(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let Some(query_at) = args.iter().position(|a| a == "query") else {
        return args;
    };
    let mut taking_argument = false;
    args.into_iter()
        .enumerate()
        .map(|(at, arg)| {
            if at <= query_at || std::mem::take(&mut taking_argument) {
                return arg;
            }
            let Some(text) = arg.to_str() else {
                return arg;
            };
            let long = match text.to_ascii_lowercase().as_str() {
                "/s" => "--recursive",
                "/v" => "--value",
                "/ve" => "--default-value",
                "/f" => "--find",
                "/k" => "--keys",
                "/d" => "--data",
                "/c" => "--case-sensitive",
                "/e" => "--exact",
                "/t" => "--type",
                _ => return arg,
            };
            taking_argument = matches!(long, "--find" | "--type" | "--value");
            long.into()
        })
        .collect()
}

/// The hive a key is in.
#[derive(Clone, Copy)]
enum HiveRef<'a> {
    /// One of HKLM's four, through the registry view (`CurrentControlSet`
    /// resolved).
    Machine(HiveKind),
    /// Any other source, by the name under `HKEY_USERS`.
    User {
        name: &'a str,
        data: &'a dyn HiveData,
    },
}

impl HiveRef<'_> {
    /// The full path of the hive's root key.
    fn root(&self) -> String {
        match self {
            HiveRef::Machine(kind) => format!("{LOCAL_MACHINE}\\{kind}"),
            HiveRef::User { name, .. } => format!("{USERS}\\{name}"),
        }
    }
}

/// What a key argument names.
enum Target<'a> {
    /// `HKLM` or `HKU` alone: its hives are its subkeys.
    Root {
        path: &'static str,
        hives: Vec<HiveRef<'a>>,
    },
    Key {
        hive: HiveRef<'a>,
        path: String,
    },
}

/// Every source under `HKEY_USERS`: hive files not in the registry view,
/// then registry text under `HKEY_USERS` for names no hive file has.
fn user_hives(loaded: &LoadedBundle) -> Vec<HiveRef<'_>> {
    let mut hives: Vec<HiveRef<'_>> = loaded
        .hives
        .iter()
        .filter(|hive| !hive.in_view)
        .map(|hive| HiveRef::User {
            name: &hive.entry,
            data: hive.hive.as_ref() as &dyn HiveData,
        })
        .collect();
    for (name, text) in &loaded.user_text {
        let taken = hives.iter().any(|hive| match hive {
            HiveRef::User { name: n, .. } => hivetriage::registry::names_equal(n, name),
            HiveRef::Machine(_) => false,
        });
        if !taken {
            hives.push(HiveRef::User {
                name,
                data: text as &dyn HiveData,
            });
        }
    }
    hives
}

/// The machine hives the view has data for.
fn machine_hives(loaded: &LoadedBundle) -> Vec<HiveRef<'static>> {
    HiveKind::ALL
        .into_iter()
        .filter(|kind| loaded.registry.hive(*kind).is_some())
        .map(HiveRef::Machine)
        .collect()
}

/// The root key a key argument starts with: `HKLM`, `HKU`, any other, and
/// the rest after its backslash.
fn split_root(key: &str) -> (&str, &str) {
    let key = key.trim().trim_start_matches('\\');
    match key.split_once('\\') {
        Some((root, rest)) => (root, rest),
        None => (key, ""),
    }
}

fn is_root(text: &str, short: &str) -> bool {
    hivetriage::registry::split_root_key(text).is_some_and(|(root, _)| root == short)
}

/// `HKLM\SYSTEM\X` -> (SYSTEM, `X`); `None` when the root is not a machine
/// hive a bundle can hold.
pub fn split_key(key: &str) -> Option<(HiveKind, String)> {
    let (kind, path) =
        hivetriage::registry::split_machine_key(key.trim().trim_start_matches('\\'))?;
    Some((kind, path.to_string()))
}

/// Whether `text` starts with the entry name `name` (its `/` may be
/// written `\`), case-insensitively, followed by the end or a backslash;
/// then the rest after that backslash.
fn strip_entry_name<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let mut rest = text;
    let components: Vec<&str> = name.split('/').collect();
    for (index, component) in components.iter().enumerate() {
        let head = rest.get(..component.len())?;
        if !hivetriage::registry::names_equal(head, component) {
            return None;
        }
        rest = &rest[component.len()..];
        let last = index + 1 == components.len();
        match rest.chars().next() {
            None if last => return Some(""),
            Some('\\') if last => return Some(&rest[1..]),
            Some('/' | '\\') if !last => rest = &rest[1..],
            _ => return None,
        }
    }
    None
}

/// The user hive `rest` (what follows `HKU\`) starts with, and the path
/// below it: the longest name that matches, else the only hive whose
/// file name (the entry name's last component) matches.
fn find_user_hive<'a>(rest: &str, hives: &[HiveRef<'a>]) -> Option<(HiveRef<'a>, String)> {
    let names = hives.iter().filter_map(|hive| match hive {
        HiveRef::User { name, .. } => Some((*hive, *name)),
        HiveRef::Machine(_) => None,
    });
    let mut best: Option<(HiveRef<'a>, &str, &str)> = None;
    for (hive, name) in names.clone() {
        if let Some(below) = strip_entry_name(rest, name) {
            if best.is_none_or(|(_, longest, _)| name.len() > longest.len()) {
                best = Some((hive, name, below));
            }
        }
    }
    if let Some((hive, _, below)) = best {
        return Some((hive, below.to_string()));
    }
    let by_file_name: Vec<(HiveRef<'a>, &str)> = names
        .filter_map(|(hive, name)| {
            let file_name = name.rsplit('/').next().unwrap_or(name);
            strip_entry_name(rest, file_name).map(|below| (hive, below))
        })
        .collect();
    match by_file_name.as_slice() {
        [(hive, below)] => Some((*hive, below.to_string())),
        _ => None,
    }
}

/// What was wrong with a key argument, for the exit status.
enum BadKey {
    /// Not a root this tool knows (exit 2).
    Usage(String),
    /// A root this tool knows, but no hive of that name (exit 1).
    NoSuchHive(String),
}

fn target<'a>(key: &str, loaded: &'a LoadedBundle) -> Result<Target<'a>, BadKey> {
    let (root, rest) = split_root(key);
    if is_root(root, "HKLM") {
        if rest.trim_matches('\\').is_empty() {
            return Ok(Target::Root {
                path: LOCAL_MACHINE,
                hives: machine_hives(loaded),
            });
        }
        return match split_key(key) {
            Some((kind, path)) => Ok(Target::Key {
                hive: HiveRef::Machine(kind),
                path,
            }),
            None => Err(BadKey::Usage(usage_error(key).unwrap_or_default())),
        };
    }
    if is_root(root, "HKU") {
        let hives = user_hives(loaded);
        if rest.trim_matches('\\').is_empty() {
            return Ok(Target::Root { path: USERS, hives });
        }
        return match find_user_hive(rest, &hives) {
            Some((hive, path)) => Ok(Target::Key { hive, path }),
            None => {
                let first = rest.split('\\').next().unwrap_or(rest);
                let same_file_name = hives
                    .iter()
                    .filter(|hive| match hive {
                        HiveRef::User { name, .. } => {
                            strip_entry_name(first, name.rsplit('/').next().unwrap_or(name))
                                .is_some()
                        }
                        HiveRef::Machine(_) => false,
                    })
                    .count();
                let why = if same_file_name > 1 {
                    format!(
                        "{same_file_name} hives of the bundle are named '{first}': give the \
                         whole entry name (run `hivetriage query <bundle>` to list them)"
                    )
                } else {
                    format!(
                        "the bundle has no hive named like '{rest}' under HKU (run \
                         `hivetriage query <bundle>` to list them)"
                    )
                };
                Err(BadKey::NoSuchHive(why))
            }
        };
    }
    Err(BadKey::Usage(usage_error(key).unwrap_or_default()))
}

/// A value type named as `/t` takes it.
fn parse_type(text: &str) -> Option<u32> {
    const NAMES: [(&str, u32); 12] = [
        ("REG_NONE", 0),
        ("REG_SZ", 1),
        ("REG_EXPAND_SZ", 2),
        ("REG_BINARY", 3),
        ("REG_DWORD", 4),
        ("REG_DWORD_BIG_ENDIAN", 5),
        ("REG_LINK", 6),
        ("REG_MULTI_SZ", 7),
        ("REG_RESOURCE_LIST", 8),
        ("REG_FULL_RESOURCE_DESCRIPTOR", 9),
        ("REG_RESOURCE_REQUIREMENTS_LIST", 10),
        ("REG_QWORD", 11),
    ];
    NAMES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(text))
        .map(|(_, code)| *code)
}

/// `/f`'s text and how it matches.
struct Pattern {
    /// `None` for `*`, which matches everything.
    text: Option<Vec<char>>,
    case_sensitive: bool,
    exact: bool,
}

impl Pattern {
    fn new(text: &str, case_sensitive: bool, exact: bool) -> Pattern {
        let fold = |c: char| if case_sensitive { c } else { upcase(c) };
        Pattern {
            text: (text != "*").then(|| text.chars().map(fold).collect()),
            case_sensitive,
            exact,
        }
    }

    fn matches(&self, candidate: &str) -> bool {
        let Some(wanted) = &self.text else {
            return true;
        };
        let folded: Vec<char> = if self.case_sensitive {
            candidate.chars().collect()
        } else {
            candidate.chars().map(upcase).collect()
        };
        if self.exact {
            return folded == *wanted;
        }
        wanted.is_empty() || folded.windows(wanted.len()).any(|w| w == wanted.as_slice())
    }
}

/// What is asked for, from the switches.
enum Mode {
    /// Every value of each key (`/t` may narrow them).
    All,
    /// One value by name (`/v <name>`; `""` for `/ve`).
    Value(String),
    /// A search (`/f`).
    Find {
        pattern: Pattern,
        in_keys: bool,
        in_names: bool,
        in_data: bool,
    },
}

impl Mode {
    fn from_args(args: &QueryArgs) -> Result<Mode, String> {
        if let Some(text) = &args.find {
            let name_search = args.value.is_some();
            if let Some(Some(name)) = &args.value {
                return Err(format!(
                    "/v takes no name with /f (it means: search value names); got '{name}'"
                ));
            }
            if args.default_value {
                return Err("/ve and /f cannot be combined".into());
            }
            let any = args.keys || args.data || name_search;
            return Ok(Mode::Find {
                pattern: Pattern::new(text, args.case_sensitive, args.exact),
                in_keys: args.keys || !any,
                in_names: name_search || !any,
                in_data: args.data || !any,
            });
        }
        match &args.value {
            Some(Some(name)) => Ok(Mode::Value(name.clone())),
            Some(None) => Err("/v needs a value name (it may go without one only with /f)".into()),
            None if args.default_value => Ok(Mode::Value(String::new())),
            None => Ok(Mode::All),
        }
    }

    fn is_search(&self, recursive: bool) -> bool {
        match self {
            Mode::All => false,
            Mode::Value(_) => recursive,
            Mode::Find { .. } => true,
        }
    }
}

/// Where keys are written as they are found: the Vista layout (with its
/// exact form) or one JSON key object per line, inside an array.
struct Writer<W: Write> {
    out: W,
    format: QueryFormat,
    /// Reused for each key's text.
    text: String,
    keys_written: usize,
    /// An error met while writing; the walk stops at it.
    failed: Option<std::io::Error>,
}

impl<W: Write> Writer<W> {
    fn new(out: W, format: QueryFormat) -> Writer<W> {
        Writer {
            out,
            format,
            text: String::new(),
            keys_written: 0,
            failed: None,
        }
    }

    /// Before the first key: reg.exe starts its output with an empty line.
    fn start(&mut self) {
        if self.format == QueryFormat::Text && self.keys_written == 0 {
            self.write_raw(b"\n");
        }
    }

    fn write_raw(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            if let Err(error) = self.out.write_all(bytes) {
                self.failed = Some(error);
            }
        }
    }

    /// Writes one key: its path, the values `keep` lets through (in text,
    /// then a blank line) and, in text, `listed` subkeys by path (reg.exe
    /// without `/s`); `not_set` adds reg.exe's line for a missing default
    /// value.
    fn key(
        &mut self,
        path: &str,
        key: &RegKey,
        keep: &dyn Fn(&RegValue) -> bool,
        listed: bool,
        not_set: bool,
    ) {
        if self.failed.is_some() {
            return;
        }
        self.start();
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        match self.format {
            QueryFormat::Text => {
                write_key_line(&mut text, path, "\n");
                for value in key.values.iter().filter(|v| keep(v)) {
                    write_value_line(&mut text, value, RegQueryLayout::Vista, "\n");
                }
                if not_set {
                    text.push_str(&format!(
                        "    {VISTA_DEFAULT_NAME}    REG_SZ    {VALUE_NOT_SET}\n"
                    ));
                }
                text.push('\n');
                if listed {
                    for subkey in &key.subkeys {
                        write_key_line(&mut text, &format!("{path}\\{subkey}"), "\n");
                    }
                }
                self.write_raw(text.as_bytes());
            }
            QueryFormat::Json => {
                let separator: &[u8] = if self.keys_written == 0 {
                    b"[\n"
                } else {
                    b",\n"
                };
                self.write_raw(separator);
                let object = KeyJson { path, key, keep };
                if self.failed.is_none() {
                    if let Err(error) = serde_json::to_writer(&mut self.out, &object) {
                        self.failed = Some(error.into());
                    }
                }
            }
        }
        self.text = text;
        self.keys_written += 1;
    }

    /// Ends the output (`matches`: the count for reg.exe's search
    /// footer); broken pipes are not errors.
    fn finish(mut self, matches: Option<usize>) -> std::io::Result<()> {
        match self.format {
            QueryFormat::Text => {
                if let Some(count) = matches {
                    self.start();
                    let footer = format!("End of search: {count} match(es) found.\n");
                    self.write_raw(footer.as_bytes());
                }
            }
            QueryFormat::Json => {
                let end: &[u8] = if self.keys_written == 0 {
                    b"[]\n"
                } else {
                    b"\n]\n"
                };
                self.write_raw(end);
            }
        }
        if self.failed.is_none() {
            if let Err(error) = self.out.flush() {
                self.failed = Some(error);
            }
        }
        match self.failed {
            Some(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error),
            _ => Ok(()),
        }
    }

    fn stopped(&self) -> bool {
        self.failed.is_some()
    }
}

/// One key in the contract's JSON shape, serialized as it is written.
struct KeyJson<'a> {
    path: &'a str,
    key: &'a RegKey,
    keep: &'a dyn Fn(&RegValue) -> bool,
}

impl Serialize for KeyJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_struct("Key", 3)?;
        object.serialize_field("path", self.path)?;
        object.serialize_field(
            "values",
            &ValuesJson {
                values: &self.key.values,
                keep: self.keep,
            },
        )?;
        object.serialize_field("subkeys", &self.key.subkeys)?;
        object.end()
    }
}

struct ValuesJson<'a> {
    values: &'a [RegValue],
    keep: &'a dyn Fn(&RegValue) -> bool,
}

impl Serialize for ValuesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut list = serializer.serialize_seq(None)?;
        for value in self.values.iter().filter(|v| (self.keep)(v)) {
            list.serialize_element(&ValueJson(value))?;
        }
        list.end()
    }
}

struct ValueJson<'a>(&'a RegValue);

impl Serialize for ValueJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = self.0;
        let mut object = serializer.serialize_struct("Value", 5)?;
        object.serialize_field("name", &value.name)?;
        object.serialize_field("type", &type_name(value.type_code))?;
        object.serialize_field("type_code", &value.type_code)?;
        object.serialize_field("data", &JsonData(value))?;
        object.serialize_field("raw", &RawHex(&value.raw))?;
        object.end()
    }
}

struct RawHex<'a>(&'a [u8]);

impl Serialize for RawHex<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&hivetriage::registry::Hex(self.0))
    }
}

/// The full path of a key read from `hive`.
fn full_path(root: &str, key: &RegKey) -> String {
    if key.path.is_empty() {
        root.to_string()
    } else {
        format!("{root}\\{}", key.path)
    }
}

fn report_problems(key: &RegKey) {
    for problem in &key.problems {
        hivetriage::escape::warn(format_args!("{problem}"));
    }
}

/// Reads one key of `hive`.
fn read(loaded: &LoadedBundle, hive: HiveRef<'_>, path: &str) -> Lookup<RegKey> {
    match hive {
        HiveRef::Machine(kind) => loaded.registry.read_key(kind, path),
        HiveRef::User { name, data } => read_key_of(data, &format!("HKU\\{name}"), path),
    }
}

/// Walks a key of `hive` and every key below it.
fn walk(
    loaded: &LoadedBundle,
    hive: HiveRef<'_>,
    path: &str,
    visitor: &mut dyn FnMut(&RegKey) -> WalkControl,
) -> Lookup<WalkSummary> {
    match hive {
        HiveRef::Machine(kind) => loaded.registry.walk(kind, path, visitor),
        HiveRef::User { name, data } => walk_of(data, &format!("HKU\\{name}"), path, visitor),
    }
}

/// Runs the query on one key of one hive; returns the lookup's outcome
/// and how many matches a search found.
fn query_key<W: Write>(
    loaded: &LoadedBundle,
    hive: HiveRef<'_>,
    path: &str,
    args: &QueryArgs,
    mode: &Mode,
    type_filter: Option<u32>,
    writer: &mut Writer<W>,
) -> (Lookup<()>, usize) {
    let root = hive.root();
    let of_type = |value: &RegValue| type_filter.is_none_or(|t| value.type_code == t);
    let mut matches = 0usize;
    let outcome = match mode {
        Mode::All if args.recursive => walk(loaded, hive, path, &mut |key| {
            report_problems(key);
            writer.key(&full_path(&root, key), key, &of_type, false, false);
            if writer.stopped() {
                WalkControl::Stop
            } else {
                WalkControl::Continue
            }
        })
        .map(|summary| report_walk(&summary)),
        Mode::All => read(loaded, hive, path).map(|key| {
            report_problems(&key);
            writer.key(&full_path(&root, &key), &key, &of_type, true, false);
        }),
        Mode::Value(name) => {
            let wanted = |value: &RegValue| {
                hivetriage::registry::names_equal(&value.name, name) && of_type(value)
            };
            if args.recursive {
                walk(loaded, hive, path, &mut |key| {
                    report_problems(key);
                    if key.values.iter().any(&wanted) {
                        matches += 1;
                        writer.key(&full_path(&root, key), key, &wanted, false, false);
                    }
                    if writer.stopped() {
                        WalkControl::Stop
                    } else {
                        WalkControl::Continue
                    }
                })
                .map(|summary| report_walk(&summary))
            } else {
                match read(loaded, hive, path) {
                    Lookup::Found(key) => {
                        report_problems(&key);
                        let found = key.values.iter().any(&wanted);
                        if !found && !name.is_empty() {
                            // reg.exe: the value, not the key, is missing.
                            if let Some(problem) = key.value_problem(name) {
                                Lookup::Failed(problem.clone())
                            } else {
                                Lookup::NotFound {
                                    missing: format!("value {name} of {}", full_path(&root, &key)),
                                }
                            }
                        } else {
                            let not_set = !found && type_filter.is_none_or(|t| t == 1);
                            matches += usize::from(found);
                            writer.key(&full_path(&root, &key), &key, &wanted, false, not_set);
                            Lookup::Found(())
                        }
                    }
                    other => other.map(|_| ()),
                }
            }
        }
        Mode::Find {
            pattern,
            in_keys,
            in_names,
            in_data,
        } => {
            let value_matches = |value: &RegValue| {
                of_type(value)
                    && ((*in_names && pattern.matches(&value.name))
                        || (*in_data
                            && pattern.matches(&printed_data(value, RegQueryLayout::Vista))))
            };
            let depth = |path: &str| path.split('\\').filter(|c| !c.is_empty()).count();
            let start_depth = depth(path);
            // Writes the key if it matches; returns its matches.
            let search = |key: &RegKey, writer: &mut Writer<W>| -> usize {
                // The key searched from is not itself a match by name.
                let below_start = depth(&key.path) > start_depth;
                let name = key.path.rsplit('\\').next().unwrap_or("");
                let key_match = *in_keys && below_start && pattern.matches(name);
                let value_count = key.values.iter().filter(|v| value_matches(v)).count();
                if key_match || value_count > 0 {
                    writer.key(&full_path(&root, key), key, &value_matches, false, false);
                }
                usize::from(key_match) + value_count
            };
            if args.recursive {
                walk(loaded, hive, path, &mut |key| {
                    report_problems(key);
                    matches += search(key, writer);
                    if writer.stopped() {
                        WalkControl::Stop
                    } else {
                        WalkControl::Continue
                    }
                })
                .map(|summary| report_walk(&summary))
            } else {
                // Without /s: the key's values and its subkeys' names.
                match read(loaded, hive, path) {
                    Lookup::Found(key) => {
                        report_problems(&key);
                        matches += search(&key, writer);
                        if *in_keys {
                            let base = full_path(&root, &key);
                            for subkey in key.subkeys.iter().filter(|s| pattern.matches(s)) {
                                matches += 1;
                                let listed = RegKey {
                                    path: subkey.clone(),
                                    ..RegKey::default()
                                };
                                writer.key(
                                    &format!("{base}\\{subkey}"),
                                    &listed,
                                    &|_| false,
                                    false,
                                    false,
                                );
                            }
                        }
                        Lookup::Found(())
                    }
                    other => other.map(|_| ()),
                }
            }
        }
    };
    (outcome, matches)
}

fn report_walk(summary: &WalkSummary) {
    for problem in &summary.problems {
        hivetriage::escape::warn(format_args!("{problem}"));
    }
}

/// `query <bundle>` without a key: each hive and registry text the bundle
/// holds, with the key it is queried by.
fn list_hives(loaded: &LoadedBundle, format: QueryFormat) -> anyhow::Result<u8> {
    struct Listed {
        key: String,
        origin: String,
        detail: String,
    }
    let mut listed: Vec<Listed> = Vec::new();
    for kind in HiveKind::ALL {
        let Some(data) = loaded.registry.hive(kind) else {
            continue;
        };
        let origin = data.origin().to_string();
        let detail = source_detail(loaded, &origin);
        listed.push(Listed {
            key: format!("{LOCAL_MACHINE}\\{kind}"),
            origin,
            detail,
        });
    }
    for hive in user_hives(loaded) {
        let HiveRef::User { name, data } = hive else {
            continue;
        };
        let from_file = loaded.hives.iter().find(|h| h.entry == name);
        let detail = match from_file {
            Some(file) => {
                let header =
                    hivetriage::registry::printable(&file.hive.header().file_name).into_owned();
                let what = match file.kind {
                    Some(kind) => {
                        format!("one of several {kind} hives, of which the rules use none")
                    }
                    None if header.is_empty() => "hive (not a machine hive)".to_string(),
                    None => format!("hive loaded from \"{header}\" (not a machine hive)"),
                };
                let logs: Vec<String> = loaded
                    .sources
                    .iter()
                    .filter(|s| s.detail.starts_with(&format!("log of {name}:")))
                    .map(|s| {
                        format!(
                            "{}: {}",
                            s.name,
                            &s.detail[format!("log of {name}: ").len()..]
                        )
                    })
                    .collect();
                if logs.is_empty() {
                    what
                } else {
                    format!("{what}; {}", logs.join("; "))
                }
            }
            None => "registry text under HKEY_USERS".to_string(),
        };
        listed.push(Listed {
            key: format!("{USERS}\\{name}"),
            origin: data.origin().to_string(),
            detail,
        });
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match format {
        QueryFormat::Json => {
            let array: Vec<serde_json::Value> = listed
                .iter()
                .map(|l| serde_json::json!({"key": l.key, "origin": l.origin, "detail": l.detail}))
                .collect();
            serde_json::to_writer_pretty(&mut out, &array)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
        }
        QueryFormat::Text => {
            let mut text = String::new();
            if listed.is_empty() {
                text.push_str("The bundle holds no registry data.\n");
            }
            for entry in &listed {
                text.push_str(&format!(
                    "{}\n    from {}: {}\n",
                    hivetriage::escape::escape(&entry.key),
                    hivetriage::escape::escape(&entry.origin),
                    hivetriage::escape::escape(&entry.detail)
                ));
            }
            out.write_all(text.as_bytes())
        }
    };
    match written.and_then(|()| out.flush()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(if listed.is_empty() { EXIT_NO_DATA } else { 0 }),
    }
}

/// The `sources` detail of an entry (for a text source: of its first file).
fn source_detail(loaded: &LoadedBundle, origin: &str) -> String {
    let first = origin.split(", ").next().unwrap_or(origin);
    loaded
        .sources
        .iter()
        .find(|s| s.name == first)
        .map(|s| s.detail.clone())
        .unwrap_or_default()
}

pub fn run(args: QueryArgs) -> anyhow::Result<u8> {
    let mode = match Mode::from_args(&args) {
        Ok(mode) => mode,
        Err(why) => {
            hivetriage::escape::warn(format_args!("{why}"));
            return Ok(EXIT_USAGE);
        }
    };
    let type_filter = match args.value_type.as_deref().map(|t| (t, parse_type(t))) {
        None => None,
        Some((_, Some(code))) => Some(code),
        Some((text, None)) => {
            eprintln!(
                "hivetriage: /t '{text}' is not a value type (REG_SZ, REG_MULTI_SZ, \
                 REG_EXPAND_SZ, REG_DWORD, REG_QWORD, REG_BINARY, REG_NONE, ...)"
            );
            return Ok(EXIT_USAGE);
        }
    };
    if let Some(why) = args.key.as_deref().and_then(usage_error) {
        hivetriage::escape::warn(format_args!("{why}"));
        return Ok(EXIT_USAGE);
    }
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
            hivetriage::escape::warn(format_args!("{error}"));
            return Ok(EXIT_NO_DATA);
        }
    };
    for error in &loaded.errors {
        hivetriage::escape::warn(format_args!("{error}"));
    }
    let Some(key) = &args.key else {
        return list_hives(&loaded, args.format);
    };
    let target = match target(key, &loaded) {
        Ok(target) => target,
        Err(BadKey::Usage(why)) => {
            hivetriage::escape::warn(format_args!("{why}"));
            return Ok(EXIT_USAGE);
        }
        Err(BadKey::NoSuchHive(why)) => {
            eprintln!("{NOT_FOUND}");
            hivetriage::escape::warn(format_args!("{why}"));
            return Ok(EXIT_NOT_FOUND);
        }
    };

    let stdout = std::io::stdout();
    let mut writer = Writer::new(
        std::io::BufWriter::with_capacity(1 << 16, stdout.lock()),
        args.format,
    );
    let search = mode.is_search(args.recursive);
    let (outcome, matches) = match &target {
        Target::Key { hive, path } => {
            query_key(&loaded, *hive, path, &args, &mode, type_filter, &mut writer)
        }
        Target::Root { path, hives } => {
            let root_key = RegKey {
                subkeys: hives
                    .iter()
                    .map(|hive| hive.root()[path.len() + 1..].to_string())
                    .collect(),
                ..RegKey::default()
            };
            if args.recursive {
                let mut total = 0;
                let mut outcome = Lookup::Found(());
                if matches!(mode, Mode::All) {
                    writer.key(path, &root_key, &|_| false, false, false);
                }
                for hive in hives {
                    let (one, matches) =
                        query_key(&loaded, *hive, "", &args, &mode, type_filter, &mut writer);
                    total += matches;
                    if !matches!(one, Lookup::Found(())) {
                        outcome = one;
                    }
                }
                (outcome, total)
            } else {
                writer.key(path, &root_key, &|_| false, true, false);
                (Lookup::Found(()), 0)
            }
        }
    };
    let status = match outcome {
        Lookup::Found(()) if search && matches == 0 => EXIT_NOT_FOUND,
        Lookup::Found(()) => 0,
        Lookup::NotFound { missing } => {
            eprintln!("{NOT_FOUND} ({})", hivetriage::escape::escape(&missing));
            EXIT_NOT_FOUND
        }
        Lookup::NoData { reason } => {
            hivetriage::escape::warn(format_args!("{reason}"));
            EXIT_NO_DATA
        }
        Lookup::Failed(error) => {
            hivetriage::escape::warn(format_args!("{error}"));
            EXIT_NO_DATA
        }
    };
    let footer = search.then_some(matches);
    match status {
        // Nothing was printed for a missing key: say nothing on stdout.
        EXIT_NOT_FOUND if writer.keys_written == 0 && !search => Ok(status),
        _ => {
            writer.finish(footer)?;
            Ok(status)
        }
    }
}

/// Why a key argument cannot name anything a bundle holds, told before
/// the bundle is read.
fn usage_error(key: &str) -> Option<String> {
    let (root, rest) = split_root(key);
    if is_root(root, "HKU") {
        return None;
    }
    if is_root(root, "HKLM") {
        if rest.trim_matches('\\').is_empty() || split_key(key).is_some() {
            return None;
        }
        return Some(format!(
            "'{key}' is not a key a bundle holds: under HKLM a bundle holds SYSTEM, SOFTWARE, \
             SAM and SECURITY"
        ));
    }
    Some(format!(
        "'{key}' is not a key a bundle holds: give HKLM\\SYSTEM, HKLM\\SOFTWARE, HKLM\\SAM or \
         HKLM\\SECURITY, or HKU\\<entry name> for any other hive, and a path below it"
    ))
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
        assert_eq!(
            split_key(r"HKLM\SOFTWARE\Classes\MIME\Database\Content Type\text/html"),
            Some((
                HiveKind::Software,
                r"Classes\MIME\Database\Content Type\text/html".to_string()
            )),
            "a slash is part of a key name, as in reg.exe"
        );
        assert_eq!(split_key(r"HKCU\Software"), None);
        assert_eq!(split_key(r"HKLM\HARDWARE\DESCRIPTION"), None);
        assert_eq!(split_key("HKLM"), None);
    }

    #[test]
    fn entry_names_match_with_either_separator_and_any_case() {
        assert_eq!(
            strip_entry_name(r"Users\bob\NTUSER.DAT\Software\x", "Users/bob/NTUSER.DAT"),
            Some(r"Software\x")
        );
        assert_eq!(
            strip_entry_name(r"users/bob/ntuser.dat", "Users/bob/NTUSER.DAT"),
            Some("")
        );
        assert_eq!(
            strip_entry_name(r"Users/bob/NTUSER.DATX\Software", "Users/bob/NTUSER.DAT"),
            None
        );
        assert_eq!(
            strip_entry_name(r"NTUSER.DAT/Software", "NTUSER.DAT"),
            None,
            "below the entry name, a slash is part of a key name"
        );
    }

    #[test]
    fn reg_exe_switches_become_options_only_after_query() {
        let rewritten = rewrite_slash_options(
            [
                "hivetriage",
                "query",
                "b.zip",
                "HKLM\\SYSTEM",
                "/S",
                "/v",
                "/f",
                "/t",
                "REG_SZ",
                "/F",
                "/s",
                "/ve",
                "/K",
                "/d",
                "/c",
                "/e",
            ]
            .map(std::ffi::OsString::from)
            .to_vec(),
        );
        let rewritten: Vec<&str> = rewritten.iter().map(|a| a.to_str().unwrap()).collect();
        assert_eq!(
            rewritten[4..],
            [
                "--recursive",
                "--value",
                "/f",
                "--type",
                "REG_SZ",
                "--find",
                "/s",
                "--default-value",
                "--keys",
                "--data",
                "--case-sensitive",
                "--exact"
            ],
            "the argument of /v, /t and /f is kept as it is"
        );
        let untouched =
            rewrite_slash_options(vec!["hivetriage".into(), "analyze".into(), "/s".into()]);
        assert_eq!(untouched[2], "/s");
    }

    #[test]
    fn patterns_match_parts_unless_exact_and_ignore_case_unless_asked() {
        let loose = Pattern::new("exch", false, false);
        assert!(loose.matches("MSExchangeIMC"));
        assert!(!loose.matches("Exc"));
        let exact = Pattern::new("RootDir", false, true);
        assert!(exact.matches("ROOTDIR"));
        assert!(!exact.matches("RootDir2"));
        let case = Pattern::new("Root", true, false);
        assert!(case.matches("RootDir") && !case.matches("rootdir"));
        assert!(Pattern::new("*", true, true).matches("anything"));
    }
}
