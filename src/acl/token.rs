//! The anonymous web account's token, as the contract builds it: the
//! account, its groups, Everyone, Authenticated Users and INTERACTIVE, then
//! every local group (alias) that lists a SID already in the token, until
//! nothing changes (Windows' alias expansion at logon). Each group says why
//! it is there. Groups whose membership a damaged SAM record hides are kept
//! apart, so the access check can try both ways.

use super::sid::known;
use super::{Principals, Sid};
use crate::registry::sam::{DamagedPart, DamagedRecord, GroupKind, LocalAccounts, LocalGroup};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenMember {
    pub name: String,
    pub sid: Sid,
    /// Why the group is in the token, in words, e.g. `member of
    /// BUILTIN\Users through NT AUTHORITY\INTERACTIVE`.
    pub why: String,
    /// How it came into the token.
    pub how: Membership,
    /// For alias expansion: the SIDs already in the token that the alias
    /// lists, in the alias's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub through: Vec<Sid>,
}

/// How a group came into the token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// The SAM lists the account in the group.
    Direct,
    /// Every such logon's token holds it (Everyone, Authenticated Users,
    /// INTERACTIVE).
    WellKnown,
    /// An alias that lists a SID already in the token.
    AliasExpansion,
}

/// A group the account may or may not be in, because the SAM record that
/// would tell could not be read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnknownMembership {
    /// The group's name, when known (from the `Names` index of the SAM).
    pub name: Option<String>,
    /// The group's SID, when known.
    pub sid: Option<Sid>,
    /// Set when the SAM could not list a domain's groups: any group SID of
    /// this domain (`S-1-5-32`, the machine SID; `S-1-5-21` when the
    /// machine SID itself is unknown) outside `except` may hold the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any_in_domain: Option<String>,
    /// SIDs of the domain that the SAM did read (users, and groups whose
    /// members are known): never unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<Sid>,
    /// Why it is unknown, naming the damaged record.
    pub why: String,
}

/// The token the access check evaluates, with what could not be established.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Token {
    pub account_name: String,
    /// From SAM; `None` when the bundle has no SAM or the account is not in it.
    pub account_sid: Option<Sid>,
    /// The account's groups from SAM, then Everyone, Authenticated Users,
    /// INTERACTIVE, then the aliases alias expansion adds.
    pub groups: Vec<TokenMember>,
    /// Parts of the token that could not be established, in words.
    pub unknown: Vec<String>,
    /// Groups whose membership is unknown (damaged SAM records; without a
    /// SAM, BUILTIN\Users and BUILTIN\Guests).
    pub unknown_groups: Vec<UnknownMembership>,
    /// What the token takes for granted about parts nothing in the bundle
    /// shows, in words (without a SAM: that no other local group holds the
    /// account).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<String>,
}

impl Token {
    /// Builds the anonymous account's token from the SAM's accounts, if any.
    pub fn anonymous(account_name: &str, accounts: Option<&LocalAccounts>) -> Token {
        let mut token = Token {
            account_name: account_name.to_string(),
            account_sid: None,
            groups: Vec::new(),
            unknown: Vec::new(),
            unknown_groups: Vec::new(),
            assumed: Vec::new(),
        };
        match accounts {
            None => {
                token.unknown.push(format!(
                    "the SID of {account_name} (the bundle has no SAM hive)"
                ));
                token.unknown.push(format!(
                    "the local groups of {account_name} (the bundle has no SAM hive)"
                ));
                token.add_memberships_without_sam();
            }
            Some(accounts) => token.add_from_sam(account_name, accounts),
        }
        for (name, sid, why) in [
            (
                "Everyone",
                known::everyone(),
                "every logon's token holds Everyone",
            ),
            (
                "NT AUTHORITY\\Authenticated Users",
                known::authenticated_users(),
                "the account logs on with its password (not as a guest or anonymously), \
                 so its token holds Authenticated Users",
            ),
            (
                "NT AUTHORITY\\INTERACTIVE",
                known::interactive(),
                "IIS logs the anonymous account on interactively (IIS 4.0 and 5.0 do by \
                 default), so its token holds INTERACTIVE",
            ),
        ] {
            token.add_group(
                name.to_string(),
                sid,
                why.to_string(),
                Membership::WellKnown,
                Vec::new(),
            );
        }
        if let Some(accounts) = accounts {
            token.expand_aliases(accounts);
            token.add_unknown_memberships(accounts);
        }
        token
    }

    /// Without a SAM the account's groups are unknown. Two builtin aliases
    /// hold it on the servers the article is about, so its membership of
    /// them is left open for the access check to try both ways: on Windows
    /// 2000 and later BUILTIN\Users lists INTERACTIVE (and Authenticated
    /// Users), which IIS's anonymous logon carries, and IIS setup makes
    /// IUSR_<computer> a member of BUILTIN\Guests. Every other local group
    /// is taken not to hold it, and the token says so.
    fn add_memberships_without_sam(&mut self) {
        let account = self.account_name.clone();
        for (rid, name, reason) in [
            (
                545,
                "BUILTIN\\Users",
                "on Windows 2000 and later Users lists INTERACTIVE and Authenticated Users, \
                 so the anonymous account is in it; on NT 4.0 it lists the domain's Domain Users",
            ),
            (
                546,
                "BUILTIN\\Guests",
                "IIS setup makes IUSR_<computer> a member of Guests",
            ),
        ] {
            self.unknown_groups.push(UnknownMembership {
                name: Some(name.to_string()),
                sid: Some(Sid::new(5, &[32, rid])),
                any_in_domain: None,
                except: Vec::new(),
                why: format!(
                    "whether {account} is in {name}: the bundle has no SAM hive to tell ({reason})"
                ),
            });
        }
        for unknown in &self.unknown_groups {
            self.unknown.push(unknown.why.clone());
        }
        self.assumed.push(format!(
            "{account} is taken to be in no local group other than BUILTIN\\Users and \
             BUILTIN\\Guests (without a SAM hive their members are unknown)"
        ));
    }

    /// The account's SID and the groups the SAM lists it in.
    fn add_from_sam(&mut self, account_name: &str, accounts: &LocalAccounts) {
        let Some(user) = accounts.user(account_name) else {
            let damaged = accounts.damaged.iter().find(|record| match &record.part {
                DamagedPart::User { name } => crate::registry::names_equal(name, account_name),
                DamagedPart::UserList => true,
                _ => false,
            });
            match damaged {
                Some(record) => self.unknown.push(format!(
                    "the SID of {account_name} (its SAM record cannot be read: {})",
                    record.error
                )),
                None if account_name.contains('\\') => self.unknown.push(format!(
                    "the SID of {account_name} (not a local account of this computer: its SAM \
                     holds local accounts only)"
                )),
                None => self.unknown.push(format!(
                    "the SID of {account_name} (the SAM has no account {account_name})"
                )),
            }
            return;
        };
        let sid = match user.sid.as_deref().map(str::parse::<Sid>) {
            Some(Ok(sid)) => sid,
            Some(Err(e)) => {
                self.unknown.push(format!(
                    "the SID of {account_name} (the SAM gives an unreadable one: {e})"
                ));
                return;
            }
            None => {
                let why = accounts
                    .damaged
                    .iter()
                    .find(|record| record.part == DamagedPart::MachineSid)
                    .map(|record| format!(": {}", record.error))
                    .unwrap_or_default();
                self.unknown.push(format!(
                    "the SID of {account_name} (RID {} found, but the SAM's machine SID is unknown{why})",
                    user.rid
                ));
                return;
            }
        };
        for group in accounts.groups_of(&sid.to_string()) {
            match group.sid.as_deref().map(str::parse::<Sid>) {
                Some(Ok(group_sid)) => {
                    let name = group_name(&group_sid, &group.name);
                    let why = format!("member of {name} directly");
                    self.add_group(name, group_sid, why, Membership::Direct, Vec::new());
                }
                _ => self.unknown.push(format!(
                    "the SID of local group {} (RID {}), of which {account_name} is a member",
                    group.name, group.rid
                )),
            }
        }
        self.account_sid = Some(sid);
    }

    /// Adds every alias that lists a SID already in the token, until
    /// nothing changes. (Windows asks each domain once, with the user's
    /// and groups' SIDs; SAM aliases cannot hold aliases, so one round adds
    /// everything on a real SAM, and repeating costs nothing.)
    fn expand_aliases(&mut self, accounts: &LocalAccounts) {
        loop {
            let mut added = false;
            for group in accounts.groups.iter().filter(|g| g.kind.is_alias()) {
                let Some(Ok(sid)) = group.sid.as_deref().map(str::parse::<Sid>) else {
                    continue;
                };
                if self.holds_sid(&sid) {
                    continue;
                }
                // Every SID of the token the alias lists, in the alias's
                // order (Windows 2000's Users: INTERACTIVE, then
                // Authenticated Users).
                let through: Vec<(String, Sid)> = group
                    .member_sids
                    .iter()
                    .filter_map(|listed| {
                        self.members()
                            .find(|(_, held)| listed.eq_ignore_ascii_case(&held.to_string()))
                            .map(|(name, held)| (name.to_string(), held.clone()))
                    })
                    .collect();
                if !through.is_empty() {
                    let name = group_name(&sid, &group.name);
                    let paths: Vec<String> = through
                        .iter()
                        .map(|(name, _)| format!("through {name}"))
                        .collect();
                    let why = format!("member of {name} {}", paths.join(", and "));
                    let through = through.into_iter().map(|(_, sid)| sid).collect();
                    self.add_group(name, sid, why, Membership::AliasExpansion, through);
                    added = true;
                }
            }
            if !added {
                break;
            }
        }
    }

    /// Groups whose records could not be read, groups the SAM could not
    /// list, and (when the account's own SID is unknown because of damage)
    /// groups that list a SID the account may have; then aliases that list
    /// any of those, until nothing changes.
    fn add_unknown_memberships(&mut self, accounts: &LocalAccounts) {
        for record in &accounts.damaged {
            if let Some(unknown) = self.unknown_from_damage(record, accounts) {
                self.unknown_groups.push(unknown);
            }
        }
        if self.own_record_damaged(accounts) {
            self.add_groups_listing_a_possible_own_sid(accounts);
        }
        self.add_aliases_listing_unknowns(accounts);
        for unknown in &self.unknown_groups {
            self.unknown.push(unknown.why.clone());
        }
    }

    /// The membership a damaged SAM record leaves unknown: the group whose
    /// record cannot be read, or any group of the domain the SAM could not
    /// list; `None` for user records and for a group the token holds.
    fn unknown_from_damage(
        &self,
        record: &DamagedRecord,
        accounts: &LocalAccounts,
    ) -> Option<UnknownMembership> {
        let error = &record.error;
        match &record.part {
            DamagedPart::Group {
                kind,
                rid,
                name,
                sid,
            } => {
                let sid: Option<Sid> = sid.as_deref().and_then(|s| s.parse().ok());
                if sid.as_ref().is_some_and(|s| self.holds_sid(s)) {
                    return None;
                }
                let shown = match (&sid, name) {
                    (Some(sid), name) => group_name(sid, name.as_deref().unwrap_or("")),
                    (None, Some(name)) => name.clone(),
                    (None, None) => String::new(),
                };
                let shown = if shown.is_empty() {
                    format!("{} RID {rid}", kind_words(*kind))
                } else {
                    shown
                };
                Some(UnknownMembership {
                    name: Some(shown.clone()),
                    sid,
                    any_in_domain: None,
                    except: Vec::new(),
                    why: format!(
                        "whether {} is in {shown}: its SAM record cannot be read ({error})",
                        self.account_name
                    ),
                })
            }
            DamagedPart::GroupList { kind } => {
                let domain = match kind {
                    GroupKind::BuiltinAlias => Some("S-1-5-32".to_string()),
                    _ => accounts.machine_sid.clone(),
                };
                let domain = domain.unwrap_or_else(|| "S-1-5-21".to_string());
                Some(UnknownMembership {
                    name: None,
                    except: sids_read_in_domain(accounts, &domain),
                    any_in_domain: Some(domain),
                    sid: None,
                    why: format!(
                        "whether {} is in {} the SAM could not list ({error})",
                        self.account_name,
                        kind_words(*kind)
                    ),
                })
            }
            // Account-domain SIDs cannot be formed: any of them may be one
            // of the account's groups.
            DamagedPart::MachineSid => Some(UnknownMembership {
                name: None,
                sid: None,
                any_in_domain: Some("S-1-5-21".to_string()),
                except: sids_read_in_domain(accounts, "S-1-5-21"),
                why: format!(
                    "which account-domain groups {} is in: the machine SID is unknown ({error})",
                    self.account_name
                ),
            }),
            DamagedPart::User { .. } | DamagedPart::UserList => None,
        }
    }

    /// Whether the account's SID is unknown because its own record (or the
    /// list of users, or the machine SID) cannot be read.
    fn own_record_damaged(&self, accounts: &LocalAccounts) -> bool {
        self.account_sid.is_none()
            && accounts.damaged.iter().any(|record| match &record.part {
                DamagedPart::User { name } => {
                    crate::registry::names_equal(name, &self.account_name)
                }
                DamagedPart::UserList | DamagedPart::MachineSid => true,
                _ => false,
            })
    }

    /// `the SAM record '...' cannot be read`: the account's own damaged
    /// record, else the damaged list of users or machine SID.
    fn own_record_problem(&self, accounts: &LocalAccounts) -> String {
        accounts
            .damaged
            .iter()
            .find(|record| match &record.part {
                DamagedPart::User { name } => {
                    crate::registry::names_equal(name, &self.account_name)
                }
                _ => false,
            })
            .or_else(|| {
                accounts.damaged.iter().find(|record| {
                    matches!(record.part, DamagedPart::UserList | DamagedPart::MachineSid)
                })
            })
            .map(|record| format!("the SAM record '{}' cannot be read", record.error.key_path))
            .unwrap_or_default()
    }

    /// The account's own record is damaged: groups that list a SID it may
    /// have (one the SAM gives no other user) may hold it.
    fn add_groups_listing_a_possible_own_sid(&mut self, accounts: &LocalAccounts) {
        let account_record = self.own_record_problem(accounts);
        for group in &accounts.groups {
            let Some(Ok(sid)) = group.sid.as_deref().map(str::parse::<Sid>) else {
                continue;
            };
            if self.holds_sid(&sid) {
                continue;
            }
            if let Some(member) = possible_own_sid(accounts, group) {
                let name = group_name(&sid, &group.name);
                self.unknown_groups.push(UnknownMembership {
                    why: format!(
                        "whether {} is in {name}: it lists {member}, which may be {}'s SID \
                         ({})",
                        self.account_name, self.account_name, account_record
                    ),
                    name: Some(name),
                    sid: Some(sid),
                    any_in_domain: None,
                    except: Vec::new(),
                });
            }
        }
    }

    /// Aliases that list a group of unknown membership, until nothing
    /// changes.
    fn add_aliases_listing_unknowns(&mut self, accounts: &LocalAccounts) {
        loop {
            let mut added = false;
            for group in accounts.groups.iter().filter(|g| g.kind.is_alias()) {
                let Some(Ok(sid)) = group.sid.as_deref().map(str::parse::<Sid>) else {
                    continue;
                };
                if self.holds_sid(&sid)
                    || self
                        .unknown_groups
                        .iter()
                        .any(|u| u.sid == Some(sid.clone()))
                {
                    continue;
                }
                let through = group.member_sids.iter().find_map(|member| {
                    let member: Sid = member.parse().ok()?;
                    self.unknown_groups
                        .iter()
                        .find(|u| u.covers(&member))
                        .map(|u| (member, u.name.clone()))
                });
                if let Some((member, member_name)) = through {
                    let name = group_name(&sid, &group.name);
                    let via = member_name.unwrap_or_else(|| member.to_string());
                    self.unknown_groups.push(UnknownMembership {
                        why: format!(
                            "whether {} is in {name}: it lists {via}, whose membership is unknown",
                            self.account_name
                        ),
                        name: Some(name),
                        sid: Some(sid),
                        any_in_domain: None,
                        except: Vec::new(),
                    });
                    added = true;
                }
            }
            if !added {
                break;
            }
        }
    }

    fn add_group(
        &mut self,
        name: String,
        sid: Sid,
        why: String,
        how: Membership,
        through: Vec<Sid>,
    ) {
        if !self.holds_sid(&sid) {
            self.groups.push(TokenMember {
                name,
                sid,
                why,
                how,
                through,
            });
        }
    }

    fn holds_sid(&self, sid: &Sid) -> bool {
        self.account_sid.as_ref() == Some(sid) || self.groups.iter().any(|m| m.sid == *sid)
    }

    /// (name, SID) of the account, when known, and each group, in order.
    fn members(&self) -> impl Iterator<Item = (&str, &Sid)> {
        self.account_sid
            .iter()
            .map(|sid| (self.account_name.as_str(), sid))
            .chain(self.groups.iter().map(|m| (m.name.as_str(), &m.sid)))
    }

    /// Every SID the token holds (the account's, when known, first).
    pub fn sids(&self) -> Vec<&Sid> {
        self.members().map(|(_, sid)| sid).collect()
    }

    /// Why the token holds `sid`, when it does.
    pub fn why_holds(&self, sid: &Sid) -> Option<&str> {
        if self.account_sid.as_ref() == Some(sid) {
            return Some("the account itself");
        }
        self.groups
            .iter()
            .find(|m| m.sid == *sid)
            .map(|m| m.why.as_str())
    }

    /// The unknown membership that covers `sid`, if any.
    pub fn unknown_membership(&self, sid: &Sid) -> Option<&UnknownMembership> {
        if self.holds_sid(sid) {
            return None;
        }
        self.unknown_groups.iter().find(|u| u.covers(sid))
    }
}

impl UnknownMembership {
    /// Whether the account's membership of the group with `sid` is what
    /// this leaves unknown.
    pub fn covers(&self, sid: &Sid) -> bool {
        if self.sid.as_ref() == Some(sid) {
            return true;
        }
        match &self.any_in_domain {
            Some(domain) => {
                let text = sid.to_string();
                in_domain(&text, domain) && !self.except.contains(sid)
            }
            None => false,
        }
    }
}

/// `S-1-5-32-545` is in `S-1-5-32`; `S-1-5-21-1-2-3-1001` in `S-1-5-21`
/// and in `S-1-5-21-1-2-3`.
fn in_domain(sid: &str, domain: &str) -> bool {
    sid.len() > domain.len()
        && sid[..domain.len()].eq_ignore_ascii_case(domain)
        && sid.as_bytes()[domain.len()] == b'-'
}

/// The SIDs of users and groups the SAM did read in a domain.
fn sids_read_in_domain(accounts: &LocalAccounts, domain: &str) -> Vec<Sid> {
    let users = accounts.users.iter().filter_map(|u| u.sid.as_deref());
    let groups = accounts.groups.iter().filter_map(|g| g.sid.as_deref());
    users
        .chain(groups)
        .filter(|sid| in_domain(sid, domain))
        .filter_map(|sid| sid.parse().ok())
        .collect()
}

/// A member of `group` that may be the SID of an account whose record is
/// damaged: a local account created after installation (the machine
/// domain, when known, and a RID of 1000 or more) that the SAM gives no
/// other user or group.
fn possible_own_sid<'g>(accounts: &LocalAccounts, group: &'g LocalGroup) -> Option<&'g String> {
    let domain = accounts.machine_sid.as_deref().unwrap_or("S-1-5-21");
    group.member_sids.iter().find(|member| {
        in_domain(member, domain)
            && member
                .parse::<Sid>()
                .is_ok_and(|sid| sid.could_be_created_account())
            && !accounts
                .users
                .iter()
                .filter_map(|u| u.sid.as_deref())
                .any(|u| u.eq_ignore_ascii_case(member))
            && !accounts.groups.iter().any(|g| {
                g.sid
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(member))
            })
    })
}

/// A group's name as the token shows it: Windows' name for well-known
/// SIDs (`BUILTIN\Users`), else the SAM's.
fn group_name(sid: &Sid, sam_name: &str) -> String {
    Principals::default()
        .name_of(sid)
        .unwrap_or_else(|| sam_name.to_string())
}

fn kind_words(kind: GroupKind) -> &'static str {
    match kind {
        GroupKind::BuiltinAlias => "the builtin aliases",
        GroupKind::AccountAlias => "the local groups (account-domain aliases)",
        GroupKind::AccountGroup => "the account-domain groups",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_contain_their_sids_only() {
        assert!(in_domain("S-1-5-32-545", "S-1-5-32"));
        assert!(!in_domain("S-1-5-32", "S-1-5-32"));
        assert!(!in_domain("S-1-5-320-1", "S-1-5-32"));
        assert!(in_domain("S-1-5-21-1-2-3-1001", "S-1-5-21"));
        assert!(in_domain("S-1-5-21-1-2-3-1001", "S-1-5-21-1-2-3"));
        assert!(!in_domain("S-1-5-21-1-2-30-1001", "S-1-5-21-1-2-3"));
    }
}
