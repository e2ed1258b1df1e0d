//! Windows' access check for a folder, and its evaluation for a token whose
//! identity may be only partly known.

use super::rights::{
    self, ACCESS_SYSTEM_SECURITY, FILE_ALL_ACCESS, MAXIMUM_ALLOWED, READ_CONTROL, WRITE_DAC,
};
use super::sid::known;
use super::{Ace, Dacl, SecurityDescriptor, Sid, Token, Trustee, ace_type};
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
///
/// The rules (those the oracle's README states): a NULL or absent DACL
/// grants everything; the owner gets READ_CONTROL | WRITE_DAC up front unless
/// the DACL has an effective OWNER RIGHTS (S-1-3-4) ACE, which then applies
/// to the owner instead; ACEs are walked in stored order, inherit-only and
/// object ACEs skipped, masks file-mapped; an allow grants the bits still
/// wanted, a deny refuses the wanted bits not yet granted. A generic
/// `desired` is mapped first, so `desired` in the outcome is the mapped mask.
pub fn access_check(
    descriptor: &SecurityDescriptor,
    applies: &dyn Fn(&Trustee) -> bool,
    desired: u32,
) -> AccessOutcome {
    let mapped = rights::map_generic(desired);
    let aces = match &descriptor.dacl {
        Dacl::NotPresent | Dacl::Null => {
            return AccessOutcome {
                desired: mapped,
                granted: true,
                effective_mask: FILE_ALL_ACCESS,
                deciding_aces: Vec::new(),
                owner_implicit: 0,
            };
        }
        Dacl::Entries(aces) => aces,
    };
    // MAXIMUM_ALLOWED asks for the effective mask; the remaining bits must
    // still be in it. ACCESS_SYSTEM_SECURITY needs a privilege, which this
    // token never has, so no ACE grants it.
    let wants_maximum = mapped & MAXIMUM_ALLOWED != 0;
    let wanted = mapped & !MAXIMUM_ALLOWED;

    let owner_applies = descriptor
        .owner
        .as_ref()
        .is_some_and(|owner| applies(&Trustee::Sid(owner.clone())));
    let owner_rights = known::owner_rights();
    let owner_rights_present = aces.iter().any(|ace| {
        !ace.is_inherit_only()
            && matches!(
                ace.ace_type,
                ace_type::ACCESS_ALLOWED | ace_type::ACCESS_DENIED
            )
            && ace.trustee == Trustee::Sid(owner_rights.clone())
    });
    let owner_implicit = if owner_applies && !owner_rights_present {
        READ_CONTROL | WRITE_DAC
    } else {
        0
    };
    // An OWNER RIGHTS ACE stands for the owner: it applies exactly when the
    // owner is in the token.
    let ace_applies = |ace: &Ace| match &ace.trustee {
        Trustee::Sid(sid) if *sid == owner_rights => owner_applies,
        trustee => applies(trustee),
    };
    let effective_aces = || {
        aces.iter().enumerate().filter(|(_, ace)| {
            !ace.is_inherit_only()
                && matches!(
                    ace.ace_type,
                    ace_type::ACCESS_ALLOWED | ace_type::ACCESS_DENIED
                )
                && ace_applies(ace)
        })
    };
    let grantable =
        |ace: &Ace| rights::map_generic(ace.mask) & !(ACCESS_SYSTEM_SECURITY | MAXIMUM_ALLOWED);

    // MAXIMUM_ALLOWED walk: every applicable ACE, first word on a bit wins.
    let mut max_granted = owner_implicit;
    let mut max_denied = 0u32;
    for (_, ace) in effective_aces() {
        let mask = grantable(ace);
        if ace.ace_type == ace_type::ACCESS_ALLOWED {
            max_granted |= mask & !max_denied;
        } else {
            max_denied |= mask & !max_granted;
        }
    }
    let effective_mask = max_granted & !max_denied;

    // The walk for the bits asked for, recording the ACEs that decided them.
    let mut remaining = wanted & !owner_implicit;
    let mut deciding_aces = Vec::new();
    let mut refused = false;
    if remaining != 0 {
        for (index, ace) in effective_aces() {
            let mask = grantable(ace);
            if ace.ace_type == ace_type::ACCESS_ALLOWED {
                let granted = mask & remaining;
                if granted != 0 {
                    remaining &= !granted;
                    deciding_aces.push(AceDecision {
                        index,
                        ace: ace.clone(),
                        granted,
                        denied: 0,
                    });
                }
            } else {
                let denied = mask & remaining;
                if denied != 0 {
                    // A denied bit can never be granted later: the request fails here.
                    deciding_aces.push(AceDecision {
                        index,
                        ace: ace.clone(),
                        granted: 0,
                        denied,
                    });
                    refused = true;
                    break;
                }
            }
            if remaining == 0 {
                break;
            }
        }
    }
    // A request for nothing is refused (unconfirmed for Windows, where a
    // caller always asks for something); MAXIMUM_ALLOWED succeeds when the
    // effective mask is not empty.
    let granted = !refused
        && remaining == 0
        && if wants_maximum {
            effective_mask != 0
        } else {
            wanted != 0
        };
    AccessOutcome {
        desired: mapped,
        granted,
        effective_mask,
        deciding_aces,
        owner_implicit,
    }
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
    let check = |assumed_account: Option<&Sid>| {
        let applies = |trustee: &Trustee| token_holds(token, assumed_account, trustee);
        access_check(descriptor, &applies, desired)
    };
    if token.account_sid.is_some() {
        return TokenAccess::Decided {
            outcome: check(None),
            variants: Vec::new(),
        };
    }
    let mut outcomes = vec![(
        format!(
            "{} is none of the descriptor's unresolved accounts",
            token.account_name
        ),
        check(None),
    )];
    for candidate in account_candidates(descriptor, token) {
        outcomes.push((
            format!("{} is {candidate}", token.account_name),
            check(Some(&candidate)),
        ));
    }
    let first = outcomes[0].1.granted;
    if outcomes.iter().all(|(_, outcome)| outcome.granted == first) {
        let variants = outcomes.iter().map(|(words, _)| words.clone()).collect();
        let outcome = outcomes.swap_remove(0).1;
        TokenAccess::Decided { outcome, variants }
    } else {
        TokenAccess::Undecided { outcomes }
    }
}

/// The SIDs of the owner and the DACL that could be the account when its
/// SID is unknown: user accounts created after installation (see
/// [`Sid::could_be_created_account`]) that the token does not already hold.
fn account_candidates(descriptor: &SecurityDescriptor, token: &Token) -> Vec<Sid> {
    let mut candidates: Vec<Sid> = Vec::new();
    let mut consider = |sid: &Sid| {
        if sid.could_be_created_account()
            && !token.groups.iter().any(|member| member.sid == *sid)
            && !candidates.contains(sid)
        {
            candidates.push(sid.clone());
        }
    };
    if let Some(owner) = &descriptor.owner {
        consider(owner);
    }
    if let Dacl::Entries(aces) = &descriptor.dacl {
        for ace in aces {
            if let Trustee::Sid(sid) = &ace.trustee {
                consider(sid);
            }
        }
    }
    candidates
}

/// Whether the token (with `assumed_account` standing in for an unknown
/// account SID) holds the trustee. A name holds when it is the account's
/// name (with or without a `COMPUTER\` prefix), a group member's name, or
/// the name of a well-known SID the token holds.
fn token_holds(token: &Token, assumed_account: Option<&Sid>, trustee: &Trustee) -> bool {
    let holds_sid = |sid: &Sid| {
        token.account_sid.as_ref() == Some(sid)
            || assumed_account == Some(sid)
            || token.groups.iter().any(|member| member.sid == *sid)
    };
    match trustee {
        Trustee::Sid(sid) => holds_sid(sid),
        Trustee::Name(name) => {
            names_match(name, &token.account_name)
                || token
                    .groups
                    .iter()
                    .any(|member| names_match(name, &member.name))
                || super::well_known_sid(name).is_some_and(|sid| holds_sid(&sid))
        }
    }
}

/// Account names compare case-insensitively, ignoring a `DOMAIN\` prefix
/// on either side.
fn names_match(a: &str, b: &str) -> bool {
    let bare = |name: &str| {
        name.rsplit_once('\\')
            .map_or(name, |(_, bare)| bare)
            .trim()
            .to_string()
    };
    crate::registry::names_equal(a.trim(), b.trim())
        || crate::registry::names_equal(&bare(a), &bare(b))
}
