//! The anonymous web account's token, as the contract builds it: the
//! account, its local groups, Everyone, Authenticated Users and INTERACTIVE.

use super::Sid;
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
        let _ = (account_name, accounts);
        todo!("acl helper")
    }
}
