//! The anonymous web account's token, as the contract builds it: the
//! account, its local groups, Everyone, Authenticated Users and INTERACTIVE.

use super::sid::known;
use super::{Sid, well_known_name};
use crate::registry::sam::LocalAccounts;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TokenMember {
    pub name: String,
    pub sid: Sid,
}

/// The token the access check evaluates, with what could not be established.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Token {
    pub account_name: String,
    /// From SAM; `None` when the bundle has no SAM or the account is not in it.
    pub account_sid: Option<Sid>,
    /// Local groups from SAM, then Everyone, Authenticated Users, INTERACTIVE.
    pub groups: Vec<TokenMember>,
    /// Parts of the token that could not be established, in words.
    pub unknown: Vec<String>,
}

impl Token {
    /// Builds the anonymous account's token from the SAM's accounts, if any.
    pub fn anonymous(account_name: &str, accounts: Option<&LocalAccounts>) -> Token {
        let mut token = Token {
            account_name: account_name.to_string(),
            account_sid: None,
            groups: Vec::new(),
            unknown: Vec::new(),
        };
        match accounts {
            None => {
                token.unknown.push(format!(
                    "the SID of {account_name} (the bundle has no SAM hive)"
                ));
                token.unknown.push(format!(
                    "the local groups of {account_name} (the bundle has no SAM hive)"
                ));
            }
            Some(accounts) => token.add_from_sam(account_name, accounts),
        }
        for (name, sid) in [
            ("Everyone", known::everyone()),
            (
                "NT AUTHORITY\\Authenticated Users",
                known::authenticated_users(),
            ),
            ("NT AUTHORITY\\INTERACTIVE", known::interactive()),
        ] {
            token.add_group(name.to_string(), sid);
        }
        token
    }

    /// The account's SID and local groups as the SAM records them.
    fn add_from_sam(&mut self, account_name: &str, accounts: &LocalAccounts) {
        let Some(user) = accounts.user(account_name) else {
            self.unknown.push(format!(
                "the SID of {account_name} (the SAM has no such account)"
            ));
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
                self.unknown.push(format!(
                    "the SID of {account_name} (RID {} found, but the SAM's machine SID is unknown)",
                    user.rid
                ));
                return;
            }
        };
        for group in accounts.groups_of(&sid.to_string()) {
            match group.sid.as_deref().map(str::parse::<Sid>) {
                Some(Ok(group_sid)) => {
                    let name = well_known_name(&group_sid)
                        .map(str::to_string)
                        .unwrap_or_else(|| group.name.clone());
                    self.add_group(name, group_sid);
                }
                _ => self.unknown.push(format!(
                    "the SID of local group {} (RID {}), of which {account_name} is a member",
                    group.name, group.rid
                )),
            }
        }
        self.account_sid = Some(sid);
    }

    fn add_group(&mut self, name: String, sid: Sid) {
        if !self.groups.iter().any(|member| member.sid == sid) {
            self.groups.push(TokenMember { name, sid });
        }
    }

    /// Every SID the token holds (the account's, when known, first).
    pub fn sids(&self) -> Vec<&Sid> {
        self.account_sid
            .iter()
            .chain(self.groups.iter().map(|member| &member.sid))
            .collect()
    }
}
