//! Windows' access check for a folder, and its evaluation for a token whose
//! identity may be only partly known.

use super::{Ace, SecurityDescriptor, Token, Trustee};
use serde::Serialize;

/// What one ACE did during the check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AceDecision {
    /// Position in the DACL (0-based).
    pub index: usize,
    pub ace: Ace,
    /// Bits of the desired mask this ACE granted.
    pub granted: u32,
    /// Bits of the desired mask this ACE denied.
    pub denied: u32,
}

/// The result of one access check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessOutcome {
    pub desired: u32,
    /// Every desired bit granted.
    pub granted: bool,
    /// What a MAXIMUM_ALLOWED request would get.
    pub effective_mask: u32,
    /// The ACEs that granted or denied desired bits, in DACL order.
    pub deciding_aces: Vec<AceDecision>,
    /// READ_CONTROL | WRITE_DAC granted to the owner before the walk, if any.
    pub owner_implicit: u32,
}

/// Windows' AccessCheck for a file object without privileges. `applies`
/// says whether an ACE's trustee is in the token; it is also asked about the
/// owner for the owner's implicit rights.
pub fn access_check(
    descriptor: &SecurityDescriptor,
    applies: &dyn Fn(&Trustee) -> bool,
    desired: u32,
) -> AccessOutcome {
    let _ = (descriptor, applies, desired);
    todo!("acl helper")
}

/// The result of checking a token that may be only partly known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "decided", rename_all = "snake_case")]
pub enum TokenAccess {
    /// The same answer whatever the unknown parts are; `variants` lists the
    /// assumptions tried (empty when the token was fully known).
    Decided {
        outcome: AccessOutcome,
        variants: Vec<String>,
    },
    /// The answer depends on who the account is.
    Undecided {
        /// (assumption, outcome) for every assumption tried.
        outcomes: Vec<(String, AccessOutcome)>,
    },
}

/// Checks `desired` for the token. When the account's SID is unknown, the
/// check is repeated with the account taken as none of the DACL's
/// principals and as each principal that could be it; it is decided when all
/// give the same answer.
pub fn evaluate_for_token(
    descriptor: &SecurityDescriptor,
    token: &Token,
    desired: u32,
) -> TokenAccess {
    let _ = (descriptor, token, desired);
    todo!("acl helper")
}
