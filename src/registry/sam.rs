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
//! Every offset, length and count is checked against the value's size; a
//! damaged structure is a [`LookupError`] naming the key, never a panic.

use super::{HiveData, LookupError, RegKey, RegValue};

/// What a SAM hive says about the machine's local principals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalAccounts {
    /// `S-1-5-21-a-b-c`, from `SAM\Domains\Account` value `V`.
    pub machine_sid: Option<String>,
    pub users: Vec<LocalUser>,
    /// Builtin aliases (S-1-5-32-x), account-domain aliases and groups.
    pub groups: Vec<LocalGroup>,
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

impl LocalAccounts {
    /// Reads the accounts and groups of a SAM hive.
    pub fn from_sam(sam: &dyn HiveData) -> Result<LocalAccounts, LookupError> {
        let damaged = |key_path: &str, detail: String| LookupError {
            file: sam.origin().to_string(),
            key_path: key_path.to_string(),
            offset: None,
            detail,
        };
        if sam.read_key(paths::DOMAINS)?.is_none() {
            return Err(damaged(
                paths::DOMAINS,
                "no key SAM\\Domains: this is not a SAM hive".into(),
            ));
        }

        let machine_sid = match sam.read_key(paths::ACCOUNT)? {
            Some(account) => match required_value(&account, "V")? {
                Some(v) => Some(
                    domain_sid_from_v(&v.raw)
                        .map_err(|detail| damaged(paths::ACCOUNT, format!("value V: {detail}")))?,
                ),
                None => None,
            },
            None => None,
        };
        let with_rid = |rid: u32| machine_sid.as_ref().map(|sid| format!("{sid}-{rid}"));

        let mut users = Vec::new();
        if let Some(names) = sam.read_key(paths::USER_NAMES)? {
            check_readable(&names)?;
            for name in &names.subkeys {
                let path = format!("{}\\{name}", paths::USER_NAMES);
                let key = sam.read_key(&path)?.ok_or_else(|| {
                    damaged(&path, "a listed key cannot be found by its name".into())
                })?;
                let default = required_value(&key, "")?.ok_or_else(|| {
                    damaged(
                        &path,
                        "no default value, whose type number would be the RID".into(),
                    )
                })?;
                users.push(LocalUser {
                    name: name.clone(),
                    rid: default.type_code,
                    sid: with_rid(default.type_code),
                });
            }
        }

        let mut groups = Vec::new();
        for (parent, kind) in [
            (paths::BUILTIN_ALIASES, GroupKind::BuiltinAlias),
            (paths::ACCOUNT_ALIASES, GroupKind::AccountAlias),
            (paths::ACCOUNT_GROUPS, GroupKind::AccountGroup),
        ] {
            let Some(list) = sam.read_key(parent)? else {
                continue;
            };
            check_readable(&list)?;
            for sub in &list.subkeys {
                let Some(rid) = rid_of_key_name(sub) else {
                    continue; // `Names`, `Members`
                };
                let path = format!("{parent}\\{sub}");
                let key = sam.read_key(&path)?.ok_or_else(|| {
                    damaged(&path, "a listed key cannot be found by its name".into())
                })?;
                let c = required_value(&key, "C")?
                    .ok_or_else(|| damaged(&path, "no value C".into()))?;
                let record = match kind {
                    GroupKind::AccountGroup => parse_group_c(&c.raw),
                    _ => parse_alias_c(&c.raw),
                }
                .map_err(|detail| damaged(&path, format!("value C: {detail}")))?;
                if record.rid != rid {
                    return Err(damaged(
                        &path,
                        format!("value C names RID {} but the key names {rid}", record.rid),
                    ));
                }
                let (sid, member_sids) = match (kind, record.members) {
                    (GroupKind::BuiltinAlias, Members::Sids(sids)) => {
                        (Some(format!("S-1-5-32-{rid}")), sids)
                    }
                    (_, Members::Sids(sids)) => (with_rid(rid), sids),
                    (_, Members::Rids(rids)) => (
                        with_rid(rid),
                        rids.into_iter().filter_map(with_rid).collect(),
                    ),
                };
                groups.push(LocalGroup {
                    name: record.name,
                    kind,
                    rid,
                    sid,
                    member_sids,
                });
            }
        }

        Ok(LocalAccounts {
            machine_sid,
            users,
            groups,
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

/// A value the SAM reading needs: `Ok(None)` when absent, `Err` when the
/// key says it could not read it.
fn required_value<'k>(key: &'k RegKey, name: &str) -> Result<Option<&'k RegValue>, LookupError> {
    if let Some(value) = key.value(name) {
        return Ok(Some(value));
    }
    match key.value_problem(name) {
        Some(problem) => Err(problem.clone()),
        None => Ok(None),
    }
}

/// A list key whose subkeys could not all be read would hide accounts.
fn check_readable(key: &RegKey) -> Result<(), LookupError> {
    match key.subkey_problem() {
        Some(problem) => Err(problem.clone()),
        None => Ok(()),
    }
}

/// `000001F4` -> 500: exactly eight hex digits.
fn rid_of_key_name(name: &str) -> Option<u32> {
    (name.len() == 8 && name.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u32::from_str_radix(name, 16).ok())
        .flatten()
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, String> {
    bytes
        .get(at..at.checked_add(4).ok_or("offset overflow")?)
        .map(|d| u32::from_le_bytes([d[0], d[1], d[2], d[3]]))
        .ok_or_else(|| format!("{} bytes, too short for the field at {at}", bytes.len()))
}

/// `bytes[base + offset .. + length]`, checked.
fn region<'b>(
    bytes: &'b [u8],
    base: usize,
    offset: u32,
    length: u32,
    what: &str,
) -> Result<&'b [u8], String> {
    let start = base
        .checked_add(offset as usize)
        .ok_or_else(|| format!("{what}: offset overflow"))?;
    let end = start
        .checked_add(length as usize)
        .ok_or_else(|| format!("{what}: length overflow"))?;
    bytes.get(start..end).ok_or_else(|| {
        format!(
            "{what} at {start}..{end} lies outside the {} bytes of the value",
            bytes.len()
        )
    })
}

/// Parses a binary SID; returns it in `S-1-...` form and its length.
pub fn parse_sid(bytes: &[u8]) -> Result<(String, usize), String> {
    let [revision, count, ..] = *bytes else {
        return Err("a SID needs at least 8 bytes".into());
    };
    if revision != 1 {
        return Err(format!("SID revision {revision}, expected 1"));
    }
    if count > 15 {
        return Err(format!("SID with {count} sub-authorities (at most 15)"));
    }
    let length = 8 + 4 * count as usize;
    let Some(sid) = bytes.get(..length) else {
        return Err(format!(
            "SID of {length} bytes but only {} are left",
            bytes.len()
        ));
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
fn domain_sid_from_v(v: &[u8]) -> Result<String, String> {
    let from_descriptor = (|| {
        let offset = u32_at(v, 0x0C)?;
        let length = u32_at(v, 0x10)?;
        let bytes = region(v, DOMAIN_V_DATA_START, offset, length, "domain SID")?;
        let (sid, used) = parse_sid(bytes)?;
        if used != bytes.len() {
            return Err(format!(
                "a SID of {used} bytes in a field of {}",
                bytes.len()
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
                _ => Err(format!(
                    "no domain SID: {descriptor_error}, and the last 24 bytes are not one"
                )),
            }
        }
    }
}

#[derive(Debug)]
enum Members {
    Sids(Vec<String>),
    Rids(Vec<u32>),
}

#[derive(Debug)]
struct GroupRecord {
    rid: u32,
    name: String,
    members: Members,
}

fn utf16(bytes: &[u8]) -> String {
    char::decode_utf16(
        bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
    )
    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
    .collect()
}

/// An alias `C` value (see the module notes for the layout).
fn parse_alias_c(c: &[u8]) -> Result<GroupRecord, String> {
    let rid = u32_at(c, 0)?;
    let name = region(
        c,
        ALIAS_C_DATA_START,
        u32_at(c, 16)?,
        u32_at(c, 20)?,
        "name",
    )?;
    let members = region(
        c,
        ALIAS_C_DATA_START,
        u32_at(c, 40)?,
        u32_at(c, 44)?,
        "member array",
    )?;
    let count = u32_at(c, 48)?;
    let mut sids = Vec::new();
    let mut rest = members;
    for index in 0..count {
        let (sid, used) = parse_sid(rest).map_err(|e| format!("member {index}: {e}"))?;
        sids.push(sid);
        rest = &rest[used..];
    }
    Ok(GroupRecord {
        rid,
        name: utf16(name),
        members: Members::Sids(sids),
    })
}

/// A group `C` value (see the module notes for the layout).
fn parse_group_c(c: &[u8]) -> Result<GroupRecord, String> {
    let rid = u32_at(c, 4)?;
    let name = region(
        c,
        GROUP_C_DATA_START,
        u32_at(c, 32)?,
        u32_at(c, 36)?,
        "name",
    )?;
    let members = region(
        c,
        GROUP_C_DATA_START,
        u32_at(c, 56)?,
        u32_at(c, 60)?,
        "member array",
    )?;
    let count = u32_at(c, 64)? as usize;
    if count > members.len() / 4 {
        return Err(format!(
            "{count} members declared but the member array holds {} bytes",
            members.len()
        ));
    }
    let rids = members
        .chunks_exact(4)
        .take(count)
        .map(|d| u32::from_le_bytes([d[0], d[1], d[2], d[3]]))
        .collect();
    Ok(GroupRecord {
        rid,
        name: utf16(name),
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
        assert!(parse_alias_c(&c).unwrap_err().contains("outside"));
        let mut c = vec![0u8; 52];
        c[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        c[20] = 2;
        assert!(parse_alias_c(&c).is_err());
        let mut c = vec![0u8; 60];
        c[48] = 1; // one member, empty array
        assert!(parse_alias_c(&c).unwrap_err().contains("member 0"));
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
