//! Local accounts and groups read from a SAM hive: the machine SID, account
//! name -> RID -> SID, and the local groups (aliases) an account belongs to.
//!
//! Where SAM keeps what we read (paths under the hive root):
//!
//! * `SAM\Domains\Account` value `V`: starts with four 12-byte descriptors
//!   (offset, length, unknown); offsets count from byte 0x30. Descriptor 0
//!   is the domain's security descriptor, descriptor 1 the domain SID.
//!   **Confirmed** on the corpus SAM (Windows 7): descriptor 1 gives
//!   offset 0xC8 + 0x30 = 0xF8, length 24, which are the last 24 bytes of V
//!   and read S-1-5-21-1760460187-1592185332-161725925, the value the corpus
//!   README gives from one reader. Three independent structures agree: the
//!   same SID is the name of the key `Builtin\Aliases\Members\<SID>` that SAM
//!   writes, and it prefixes the member SIDs in the Guests and Users alias
//!   `C` values. The same layout gives S-1-5-32 in `Builtin` value `V`.
//!   When descriptor 1 does not hold a SID, the last 24 bytes are tried.
//! * Users: `SAM\Domains\Account\Users\Names\<name>`, whose default value's
//!   *type number* is the RID (the value has no data). **Confirmed** on the
//!   corpus (Administrator 0x1F4, Guest 0x1F5, Preston 0x3E8; the `Users` key
//!   has the matching `000001F4`... subkeys).
//! * Aliases (local groups): `SAM\Domains\Builtin\Aliases\<RID>` (SID
//!   S-1-5-32-RID) and `SAM\Domains\Account\Aliases\<RID>` (machine SID +
//!   RID), RID as 8 hex digits, value `C`:
//!   offset 0 RID; 12 version (2, 1); then (offset, length) pairs at 16/20
//!   name, 28/32 comment, 40/44 member array, 48 member count; offsets count
//!   from byte 52, where the security descriptor starts. The name and
//!   comment are UTF-16LE without terminator; the member array holds
//!   `count` SIDs back to back. Layout from libyal's winreg-kb notes;
//!   **confirmed** on the corpus SAM for all 14 builtin aliases (each
//!   decoded name equals its `Names\<name>` entry, whose type is the RID),
//!   and Guests -> machine-501, Users -> S-1-5-4, S-1-5-11, machine-1000.
//!   The reverse index SAM keeps (`Aliases\Members\<domain SID>\<RID>`,
//!   default value: type = count, data = alias RIDs) agrees with every
//!   member list (tested). **Not confirmed**: account-domain aliases (the
//!   corpus SAM has none; same layout assumed, as libyal describes one `C`
//!   layout for both domains).
//! * Groups (global groups of the account domain, e.g. `None`, RID 513):
//!   `SAM\Domains\Account\Groups\<RID>` value `C`: offset 4 RID; then
//!   (offset, length) pairs at 32/36 name, 44/48 comment, 56/60 member
//!   array, 64 member count; offsets count from byte 68; members are 4-byte
//!   RIDs of the account domain. **Confirmed** on the corpus SAM's `None`
//!   group: name "None", comment "Ordinary users", members 500, 501, 1000.
//!   Its member array length field (100) is larger than count x 4 (the
//!   array runs to the end of the value), so the count decides.
//!   This is where SAM stores group membership (a user's own records hold
//!   only its primary group id, in `F`).
//!
//! Every offset, length and count is checked against the value's size. A
//! record that does not read is a [`DamagedRecord`] naming the key, the
//! value and the byte offset of the bad field (in the value and, for hives,
//! in the file); the rest of the SAM is still read, so one bad record costs
//! only what it holds. Only a hive without `SAM\Domains` is refused whole.

use super::{HiveData, LookupError, RegKey, RegValue};
use crate::encoding::utf16le_lossy;

/// What a SAM hive says about the machine's local principals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalAccounts {
    /// `S-1-5-21-a-b-c`, from `SAM\Domains\Account` value `V`.
    pub machine_sid: Option<String>,
    pub users: Vec<LocalUser>,
    /// Builtin aliases (S-1-5-32-x), account-domain aliases and groups.
    pub groups: Vec<LocalGroup>,
    /// Records that could not be read; everything else was.
    pub damaged: Vec<DamagedRecord>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalUser {
    pub name: String,
    pub rid: u32,
    /// Machine SID plus RID; `None` when the machine SID is unknown.
    pub sid: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// `SAM\Domains\Builtin\Aliases` (Administrators, Users, Guests, ...).
    BuiltinAlias,
    /// `SAM\Domains\Account\Aliases` (local groups created on the machine).
    AccountAlias,
    /// `SAM\Domains\Account\Groups` (e.g. `None`, RID 513).
    AccountGroup,
}

impl GroupKind {
    /// Aliases are what Windows' alias expansion at logon adds to a token.
    pub fn is_alias(self) -> bool {
        matches!(self, GroupKind::BuiltinAlias | GroupKind::AccountAlias)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalGroup {
    pub name: String,
    pub kind: GroupKind,
    pub rid: u32,
    /// `None` when it needs the machine SID and that is unknown.
    pub sid: Option<String>,
    /// Member SIDs (numeric form). Members of account groups are RIDs of
    /// the machine's domain: empty when the machine SID is unknown.
    pub member_sids: Vec<String>,
}

/// A SAM record that could not be read, and what it would have told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamagedRecord {
    pub part: DamagedPart,
    pub error: SamRecordError,
}

/// What a damaged record would have told.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DamagedPart {
    /// `SAM\Domains\Account` value `V`: the machine SID is unknown.
    MachineSid,
    /// The list of user names: users may be missing.
    UserList,
    /// One user's `Users\Names\<name>` record: its RID (hence SID) is unknown.
    User { name: String },
    /// A list of groups of one kind: groups of that kind may be missing.
    GroupList { kind: GroupKind },
    /// One group's record (`...\<RID>`): its members are unknown.
    Group {
        kind: GroupKind,
        rid: u32,
        /// From the `Names` index beside the records, when it names the RID.
        name: Option<String>,
        /// `None` when it needs the machine SID and that is unknown.
        sid: Option<String>,
    },
}

/// Why one SAM record could not be used, with where: the hive file, the
/// record's key, the value and the byte offset of the bad field within
/// the value's data and in the file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: SAM record '{key_path}'{}: {problem}", self.location())]
pub struct SamRecordError {
    pub file: String,
    pub key_path: String,
    /// The value being read (`""` is the default value), when one was.
    pub value: Option<String>,
    /// Where the bad field starts within the value's data.
    pub offset_in_value: Option<u64>,
    /// Where the bad data is in the hive file, when the source can tell.
    pub offset: Option<u64>,
    pub problem: RecordProblem,
}

impl SamRecordError {
    fn location(&self) -> String {
        let mut words = String::new();
        match (&self.value, self.offset_in_value) {
            (Some(value), Some(at)) => {
                words.push_str(&format!(" value {}, byte {at:#x}", value_words(value)))
            }
            (Some(value), None) => words.push_str(&format!(" value {}", value_words(value))),
            _ => {}
        }
        if let Some(offset) = self.offset {
            words.push_str(&format!(" (file offset {offset:#x})"));
        }
        words
    }
}

fn value_words(name: &str) -> String {
    if name.is_empty() {
        "(default)".to_string()
    } else {
        name.to_string()
    }
}

/// What is wrong with a SAM record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    /// The hive itself could not be read there.
    #[error("{detail}")]
    Unreadable { detail: String },
    #[error("a listed key cannot be found by its name")]
    KeyNotFound,
    #[error("no {what}")]
    Missing { what: &'static str },
    #[error("{len} bytes, too short for the field at byte {field_at}")]
    TooShort { field_at: usize, len: usize },
    #[error("{what} at bytes {start}..{end} lies outside the {len} bytes of the value")]
    OutOfBounds {
        what: &'static str,
        start: u64,
        end: u64,
        len: usize,
    },
    #[error("member {index}: {detail}")]
    BadMember { index: u32, detail: String },
    #[error("{count} members declared but the member array holds {bytes} bytes")]
    TooManyMembers { count: u32, bytes: usize },
    #[error("value C names RID {stored} but the key names {key}")]
    RidMismatch { stored: u32, key: u32 },
    #[error("no domain SID: {detail}")]
    NoDomainSid { detail: String },
    #[error("not every entry of the list could be read ({detail})")]
    ListUnreadable { detail: String },
}

/// A problem in a value's data, at a byte offset within it when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub at: Option<usize>,
    pub problem: RecordProblem,
}

impl FieldError {
    fn at(at: usize, problem: RecordProblem) -> FieldError {
        FieldError {
            at: Some(at),
            problem,
        }
    }
}

/// Where the pieces live, relative to the SAM hive root.
pub mod paths {
    pub const DOMAINS: &str = "SAM\\Domains";
    pub const ACCOUNT: &str = "SAM\\Domains\\Account";
    pub const USER_NAMES: &str = "SAM\\Domains\\Account\\Users\\Names";
    pub const BUILTIN_ALIASES: &str = "SAM\\Domains\\Builtin\\Aliases";
    pub const ACCOUNT_ALIASES: &str = "SAM\\Domains\\Account\\Aliases";
    pub const ACCOUNT_GROUPS: &str = "SAM\\Domains\\Account\\Groups";
}

/// Where the data of alias `C` offsets start (after the fixed header).
pub const ALIAS_C_DATA_START: usize = 52;
/// Where the data of group `C` offsets start.
pub const GROUP_C_DATA_START: usize = 68;
/// Where the data of domain `V` offsets start.
pub const DOMAIN_V_DATA_START: usize = 0x30;

/// A damaged record's error while it is passed up (boxed: it is large).
type Bad = Box<SamRecordError>;

/// Reads one SAM hive, keeping what is wrong with each record.
struct SamReader<'s> {
    sam: &'s dyn HiveData,
    damaged: Vec<DamagedRecord>,
}

impl SamReader<'_> {
    fn error(&self, key_path: &str, value: Option<&str>, field: FieldError) -> Bad {
        let offset = match (value, field.at) {
            (Some(value), Some(at)) => self
                .sam
                .value_data_offset(key_path, value)
                .map(|start| start + at as u64),
            _ => None,
        };
        Box::new(SamRecordError {
            file: self.sam.origin().to_string(),
            key_path: key_path.to_string(),
            value: value.map(str::to_string),
            offset_in_value: field.at.map(|at| at as u64),
            offset,
            problem: field.problem,
        })
    }

    fn hive_error(&self, key_path: &str, value: Option<&str>, error: &LookupError) -> Bad {
        Box::new(SamRecordError {
            file: self.sam.origin().to_string(),
            key_path: key_path.to_string(),
            value: value.map(str::to_string),
            offset_in_value: None,
            offset: error.offset,
            problem: RecordProblem::Unreadable {
                detail: error.detail.clone(),
            },
        })
    }

    /// The key at `path`; `Ok(None)` when it does not exist.
    fn key(&self, path: &str) -> Result<Option<RegKey>, Bad> {
        self.sam
            .read_key(path)
            .map_err(|error| self.hive_error(path, None, &error))
    }

    /// A key a list named: it must be there.
    fn listed_key(&self, path: &str) -> Result<RegKey, Bad> {
        self.key(path)?.ok_or_else(|| {
            self.error(
                path,
                None,
                FieldError {
                    at: None,
                    problem: RecordProblem::KeyNotFound,
                },
            )
        })
    }

    /// A value the record needs: absent or unreadable are both damage.
    fn value<'k>(
        &self,
        key: &'k RegKey,
        name: &str,
        what: &'static str,
    ) -> Result<&'k RegValue, Bad> {
        if let Some(value) = key.value(name) {
            return Ok(value);
        }
        Err(match key.value_problem(name) {
            Some(problem) => self.hive_error(&key.path, Some(name), problem),
            None => self.error(
                &key.path,
                None,
                FieldError {
                    at: None,
                    problem: RecordProblem::Missing { what },
                },
            ),
        })
    }

    /// A list key whose subkeys could not all be read hides records.
    fn check_list(&self, key: &RegKey) -> Result<(), Bad> {
        match key.subkey_problem() {
            Some(problem) => Err(Box::new(SamRecordError {
                problem: RecordProblem::ListUnreadable {
                    detail: problem.detail.clone(),
                },
                ..*self.hive_error(&key.path, None, problem)
            })),
            None => Ok(()),
        }
    }

    fn damaged(&mut self, part: DamagedPart, error: SamRecordError) {
        self.damaged.push(DamagedRecord { part, error });
    }

    fn machine_sid(&mut self) -> Option<String> {
        let read = (|| {
            let Some(account) = self.key(paths::ACCOUNT)? else {
                return Ok(None);
            };
            let v = self.value(&account, "V", "value V, which holds the domain SID")?;
            domain_sid_from_v(&v.raw)
                .map(Some)
                .map_err(|field| self.error(&account.path, Some("V"), field))
        })();
        read.unwrap_or_else(|error| {
            self.damaged(DamagedPart::MachineSid, *error);
            None
        })
    }

    fn users(&mut self, machine_sid: Option<&str>) -> Vec<LocalUser> {
        let names = match self.key(paths::USER_NAMES) {
            Ok(Some(names)) => names,
            Ok(None) => return Vec::new(),
            Err(error) => {
                self.damaged(DamagedPart::UserList, *error);
                return Vec::new();
            }
        };
        if let Err(error) = self.check_list(&names) {
            self.damaged(DamagedPart::UserList, *error);
        }
        let mut users = Vec::new();
        for name in &names.subkeys {
            let path = format!("{}\\{name}", names.path);
            let read = self.listed_key(&path).and_then(|key| {
                self.value(
                    &key,
                    "",
                    "default value, whose type number would be the RID",
                )
                .map(|default| default.type_code)
            });
            match read {
                Ok(rid) => users.push(LocalUser {
                    name: name.clone(),
                    rid,
                    sid: machine_sid.map(|sid| format!("{sid}-{rid}")),
                }),
                Err(error) => self.damaged(DamagedPart::User { name: name.clone() }, *error),
            }
        }
        users
    }

    fn groups(&mut self, machine_sid: Option<&str>) -> Vec<LocalGroup> {
        let with_rid = |rid: u32| machine_sid.map(|sid| format!("{sid}-{rid}"));
        let mut groups = Vec::new();
        for (parent, kind) in [
            (paths::BUILTIN_ALIASES, GroupKind::BuiltinAlias),
            (paths::ACCOUNT_ALIASES, GroupKind::AccountAlias),
            (paths::ACCOUNT_GROUPS, GroupKind::AccountGroup),
        ] {
            let list = match self.key(parent) {
                Ok(Some(list)) => list,
                Ok(None) => continue,
                Err(error) => {
                    self.damaged(DamagedPart::GroupList { kind }, *error);
                    continue;
                }
            };
            if let Err(error) = self.check_list(&list) {
                self.damaged(DamagedPart::GroupList { kind }, *error);
            }
            let group_sid = |rid: u32| match kind {
                GroupKind::BuiltinAlias => Some(format!("S-1-5-32-{rid}")),
                _ => with_rid(rid),
            };
            for sub in &list.subkeys {
                let Some(rid) = rid_of_key_name(sub) else {
                    continue; // `Names`, `Members`
                };
                let path = format!("{}\\{sub}", list.path);
                match self.group(&path, kind, rid, with_rid) {
                    Ok(mut group) => {
                        group.sid = group_sid(rid);
                        groups.push(group);
                    }
                    Err(error) => {
                        let name = self.name_of_rid(&list.path, rid);
                        self.damaged(
                            DamagedPart::Group {
                                kind,
                                rid,
                                name,
                                sid: group_sid(rid),
                            },
                            *error,
                        );
                    }
                }
            }
        }
        groups
    }

    /// One group record (`sid` is filled in by the caller).
    fn group(
        &self,
        path: &str,
        kind: GroupKind,
        rid: u32,
        with_rid: impl Fn(u32) -> Option<String>,
    ) -> Result<LocalGroup, Bad> {
        let key = self.listed_key(path)?;
        let c = self.value(&key, "C", "value C, which holds the name and members")?;
        let record = match kind {
            GroupKind::AccountGroup => parse_group_c(&c.raw),
            _ => parse_alias_c(&c.raw),
        }
        .map_err(|field| self.error(&key.path, Some("C"), field))?;
        if record.rid != rid {
            let rid_at = if kind == GroupKind::AccountGroup {
                4
            } else {
                0
            };
            return Err(self.error(
                &key.path,
                Some("C"),
                FieldError::at(
                    rid_at,
                    RecordProblem::RidMismatch {
                        stored: record.rid,
                        key: rid,
                    },
                ),
            ));
        }
        let member_sids = match record.members {
            Members::Sids(sids) => sids,
            Members::Rids(rids) => rids.into_iter().filter_map(with_rid).collect(),
        };
        Ok(LocalGroup {
            name: record.name,
            kind,
            rid,
            sid: None,
            member_sids,
        })
    }

    /// The name the `Names` index beside the records gives `rid` (each
    /// `Names\<name>` key's default value has the RID as its type number).
    fn name_of_rid(&self, list_path: &str, rid: u32) -> Option<String> {
        let names_path = format!("{list_path}\\Names");
        let names = self.sam.read_key(&names_path).ok()??;
        names.subkeys.iter().find_map(|name| {
            let key = self.sam.read_key(&format!("{names_path}\\{name}")).ok()??;
            (key.value("")?.type_code == rid).then(|| name.clone())
        })
    }
}

impl LocalAccounts {
    /// Reads the accounts and groups of a SAM hive. A record that cannot be
    /// read is left out and listed in [`LocalAccounts::damaged`]; `Err`
    /// only when the hive has no readable `SAM\Domains` (not a SAM).
    pub fn from_sam(sam: &dyn HiveData) -> Result<LocalAccounts, LookupError> {
        if sam.read_key(paths::DOMAINS)?.is_none() {
            return Err(LookupError {
                file: sam.origin().to_string(),
                key_path: paths::DOMAINS.to_string(),
                offset: None,
                detail: "no key SAM\\Domains: this is not a SAM hive".into(),
            });
        }
        let mut reader = SamReader {
            sam,
            damaged: Vec::new(),
        };
        let machine_sid = reader.machine_sid();
        let users = reader.users(machine_sid.as_deref());
        let groups = reader.groups(machine_sid.as_deref());
        Ok(LocalAccounts {
            machine_sid,
            users,
            groups,
            damaged: reader.damaged,
        })
    }

    /// Finds a local user by name, case-insensitively.
    pub fn user(&self, name: &str) -> Option<&LocalUser> {
        self.users
            .iter()
            .find(|user| super::names_equal(&user.name, name))
    }

    /// The groups that list `member_sid` as a member.
    pub fn groups_of(&self, member_sid: &str) -> Vec<&LocalGroup> {
        self.groups
            .iter()
            .filter(|group| {
                group
                    .member_sids
                    .iter()
                    .any(|sid| sid.eq_ignore_ascii_case(member_sid))
            })
            .collect()
    }
}

/// `000001F4` -> 500: exactly eight hex digits.
fn rid_of_key_name(name: &str) -> Option<u32> {
    (name.len() == 8 && name.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u32::from_str_radix(name, 16).ok())
        .flatten()
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, FieldError> {
    at.checked_add(4)
        .and_then(|end| bytes.get(at..end))
        .map(|d| u32::from_le_bytes([d[0], d[1], d[2], d[3]]))
        .ok_or_else(|| {
            FieldError::at(
                at,
                RecordProblem::TooShort {
                    field_at: at,
                    len: bytes.len(),
                },
            )
        })
}

/// `bytes[base + offset .. + length]`, checked; `field_at` is where the
/// offset field is (blamed when the region lies outside).
fn region<'b>(
    bytes: &'b [u8],
    base: usize,
    field_at: usize,
    what: &'static str,
) -> Result<(&'b [u8], usize), FieldError> {
    let offset = u32_at(bytes, field_at)?;
    let length = u32_at(bytes, field_at + 4)?;
    let start = base as u64 + u64::from(offset);
    let end = start + u64::from(length);
    let outside = || {
        FieldError::at(
            field_at,
            RecordProblem::OutOfBounds {
                what,
                start,
                end,
                len: bytes.len(),
            },
        )
    };
    let (Ok(first), Ok(last)) = (usize::try_from(start), usize::try_from(end)) else {
        return Err(outside());
    };
    bytes
        .get(first..last)
        .map(|region| (region, first))
        .ok_or_else(outside)
}

/// Why bytes are not a binary SID.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SidError {
    #[error("a SID needs at least 8 bytes")]
    TooShort,
    #[error("SID revision {0}, expected 1")]
    Revision(u8),
    #[error("SID with {0} sub-authorities (at most 15)")]
    TooManySubAuthorities(u8),
    #[error("SID of {length} bytes but only {left} are left")]
    Truncated { length: usize, left: usize },
}

/// Parses a binary SID; returns it in `S-1-...` form and its length.
pub fn parse_sid(bytes: &[u8]) -> Result<(String, usize), SidError> {
    let [revision, count, ..] = *bytes else {
        return Err(SidError::TooShort);
    };
    if revision != 1 {
        return Err(SidError::Revision(revision));
    }
    if count > 15 {
        return Err(SidError::TooManySubAuthorities(count));
    }
    let length = 8 + 4 * count as usize;
    let Some(sid) = bytes.get(..length) else {
        return Err(SidError::Truncated {
            length,
            left: bytes.len(),
        });
    };
    let authority = sid[2..8]
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let mut text = format!("S-1-{authority}");
    for sub in sid[8..].chunks_exact(4) {
        let sub = u32::from_le_bytes([sub[0], sub[1], sub[2], sub[3]]);
        text.push_str(&format!("-{sub}"));
    }
    Ok((text, length))
}

/// The domain SID in a domain's `V` value (see the module notes).
fn domain_sid_from_v(v: &[u8]) -> Result<String, FieldError> {
    let from_descriptor = (|| {
        let (bytes, at) = region(v, DOMAIN_V_DATA_START, 0x0C, "domain SID")?;
        let (sid, used) = parse_sid(bytes).map_err(|error| {
            let detail = error.to_string();
            FieldError::at(at, RecordProblem::NoDomainSid { detail })
        })?;
        if used != bytes.len() {
            return Err(FieldError::at(
                at,
                RecordProblem::NoDomainSid {
                    detail: format!("a SID of {used} bytes in a field of {}", bytes.len()),
                },
            ));
        }
        Ok(sid)
    })();
    match from_descriptor {
        Ok(sid) => Ok(sid),
        Err(descriptor_error) => {
            let tail = v.len().checked_sub(24).map(|start| &v[start..]);
            match tail.map(parse_sid) {
                Some(Ok((sid, 24))) if sid.starts_with("S-1-5-21-") => Ok(sid),
                _ => Err(FieldError {
                    at: descriptor_error.at,
                    problem: RecordProblem::NoDomainSid {
                        detail: format!(
                            "{}, and the last 24 bytes are not one",
                            descriptor_error.problem
                        ),
                    },
                }),
            }
        }
    }
}

/// A group's or alias's members as its `C` value stores them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Members {
    /// Aliases: whole SIDs, of any domain.
    Sids(Vec<String>),
    /// Account groups: RIDs of the account domain.
    Rids(Vec<u32>),
}

/// What a group's or alias's `C` value holds that hivetriage uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecord {
    pub rid: u32,
    pub name: String,
    pub members: Members,
}

/// Parses an alias `C` value (see the module notes for the layout).
pub fn parse_alias_c(c: &[u8]) -> Result<GroupRecord, FieldError> {
    let rid = u32_at(c, 0)?;
    let (name, _) = region(c, ALIAS_C_DATA_START, 16, "name")?;
    let (members, members_at) = region(c, ALIAS_C_DATA_START, 40, "member array")?;
    let count = u32_at(c, 48)?;
    let mut sids = Vec::new();
    let mut used = 0;
    for index in 0..count {
        let (sid, length) = parse_sid(&members[used..]).map_err(|error| {
            let detail = error.to_string();
            FieldError::at(
                members_at + used,
                RecordProblem::BadMember { index, detail },
            )
        })?;
        sids.push(sid);
        used += length;
    }
    Ok(GroupRecord {
        rid,
        name: utf16le_lossy(name),
        members: Members::Sids(sids),
    })
}

/// Parses a group `C` value (see the module notes for the layout).
pub fn parse_group_c(c: &[u8]) -> Result<GroupRecord, FieldError> {
    let rid = u32_at(c, 4)?;
    let (name, _) = region(c, GROUP_C_DATA_START, 32, "name")?;
    let (members, _) = region(c, GROUP_C_DATA_START, 56, "member array")?;
    let count = u32_at(c, 64)?;
    if count as usize > members.len() / 4 {
        return Err(FieldError::at(
            64,
            RecordProblem::TooManyMembers {
                count,
                bytes: members.len(),
            },
        ));
    }
    let rids = members
        .chunks_exact(4)
        .take(count as usize)
        .map(|d| u32::from_le_bytes([d[0], d[1], d[2], d[3]]))
        .collect();
    Ok(GroupRecord {
        rid,
        name: utf16le_lossy(name),
        members: Members::Rids(rids),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sids_parse_and_reject_garbage() {
        let sid = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0];
        assert_eq!(parse_sid(&sid).unwrap(), ("S-1-5-32-544".to_string(), 16));
        assert!(parse_sid(&sid[..12]).is_err());
        assert!(parse_sid(&[2, 0, 0, 0, 0, 0, 0, 5]).is_err());
        assert!(parse_sid(&[1, 16, 0, 0, 0, 0, 0, 5]).is_err());
        assert!(parse_sid(&[1]).is_err());
    }

    #[test]
    fn rid_key_names() {
        assert_eq!(rid_of_key_name("000001F4"), Some(500));
        assert_eq!(rid_of_key_name("0000022b"), Some(0x22B));
        assert_eq!(rid_of_key_name("Names"), None);
        assert_eq!(rid_of_key_name("Members"), None);
        assert_eq!(rid_of_key_name("+0000001"), None);
    }

    #[test]
    fn damaged_c_values_are_errors() {
        assert!(parse_alias_c(&[]).is_err());
        let mut c = vec![0u8; 52];
        c[20] = 200; // name length past the end
        let error = parse_alias_c(&c).unwrap_err();
        assert_eq!(error.at, Some(16), "the name's offset field is blamed");
        assert!(error.problem.to_string().contains("outside"), "{error:?}");
        let mut c = vec![0u8; 52];
        c[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        c[20] = 2;
        assert!(parse_alias_c(&c).is_err());
        let mut c = vec![0u8; 60];
        c[48] = 1; // one member, empty array
        let error = parse_alias_c(&c).unwrap_err();
        assert_eq!(error.at, Some(52), "where member 0 would start");
        assert!(
            error.problem.to_string().starts_with("member 0: "),
            "{error:?}"
        );
        let mut g = vec![0u8; 72];
        g[60] = 4;
        g[64] = 2; // two RIDs in four bytes
        assert!(parse_group_c(&g).is_err());
    }

    #[test]
    fn domain_v_falls_back_to_the_last_24_bytes() {
        let mut v = vec![0u8; 0x30];
        v.extend([
            1, 4, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0,
        ]);
        // Descriptor 1 says nothing useful (offset 0, length 0).
        assert_eq!(domain_sid_from_v(&v).unwrap(), "S-1-5-21-1-2-3");
        assert!(domain_sid_from_v(&v[..10]).is_err());
    }
}
