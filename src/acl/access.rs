//! Windows' access check for a folder, and its evaluation for a token whose
//! identity may be only partly known.

use super::rights::{
    self, ACCESS_SYSTEM_SECURITY, FILE_ALL_ACCESS, MAXIMUM_ALLOWED, READ_CONTROL, WRITE_DAC,
};
use super::sid::known;
use super::{Ace, Dacl, Principals, SecurityDescriptor, Sid, Token, Trustee, ace_type};
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
    /// The answer depends on who the account is or which groups it is in.
    Undecided {
        /// (assumption, outcome) for every assumption tried.
        outcomes: Vec<(String, AccessOutcome)>,
        /// The unknown parts that the answer depends on, in words.
        depends_on: Vec<String>,
    },
}

/// Above this many groups of unknown membership named in one descriptor,
/// the check tries the two extremes instead of every combination.
const MAX_MEMBERSHIP_COMBINATIONS: usize = 8;

/// What one variant of the check takes the unknown parts of the token as.
#[derive(Clone, Debug, Default)]
struct Assumed {
    /// The account (its SID unknown) taken as this principal.
    account: Option<Trustee>,
    /// Groups of unknown membership taken as holding the account.
    member_of: Vec<Trustee>,
}

/// Checks `desired` for the token. When the account's SID is unknown, the
/// check is repeated with the account taken as none of the DACL's
/// unresolved principals and as each one that could be it (or, for a name,
/// one of its groups); when the DACL names groups whose membership is
/// unknown (damaged SAM records), with the account in and out of each;
/// when an ACE's rights are partly unknown, with those rights counted for
/// and against the account. It is decided when every variant gives the
/// same answer.
pub fn evaluate_for_token(
    descriptor: &SecurityDescriptor,
    token: &Token,
    desired: u32,
) -> TokenAccess {
    let uncertain_aces = unknown_rights_aces(descriptor);
    let ace_numbers = uncertain_aces
        .iter()
        .map(|index| format!("#{}", index + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let mut shapes = rights_shapes(descriptor, &uncertain_aces, &ace_numbers);
    let candidates = if token.account_sid.is_none() {
        account_candidates(descriptor, token)
    } else {
        Vec::new()
    };
    let accounts = account_assumptions(token, &candidates);

    // Groups of unknown membership the descriptor names: every combination
    // of in and out, or (too many to try) the two extremes.
    let unknown_groups = unknown_membership_trustees(descriptor, token);
    let memberships = if unknown_groups.len() <= MAX_MEMBERSHIP_COMBINATIONS {
        membership_combinations(token, &unknown_groups)
    } else {
        let extremes = membership_extremes(&shapes, &unknown_groups);
        shapes.extend(extremes);
        vec![(String::new(), Vec::new())]
    };

    let mut outcomes = every_outcome(&accounts, &memberships, &shapes, |shape, assumed| {
        let applies = |trustee: &Trustee| token_holds(token, assumed, trustee);
        access_check(shape, &applies, desired)
    });
    if outcomes.len() == 1 && token.account_sid.is_some() {
        let (_, outcome) = outcomes.remove(0);
        return TokenAccess::Decided {
            outcome,
            variants: Vec::new(),
        };
    }
    let first = outcomes[0].1.granted;
    if outcomes.iter().all(|(_, outcome)| outcome.granted == first) {
        let variants = outcomes.iter().map(|(words, _)| words.clone()).collect();
        let outcome = outcomes.swap_remove(0).1;
        return TokenAccess::Decided { outcome, variants };
    }
    let mut depends_on = Vec::new();
    if token.account_sid.is_none() && !candidates.is_empty() {
        depends_on.push(match token.unknown.first() {
            Some(unknown) => {
                format!("which account the descriptor's unresolved principals are: {unknown}")
            }
            None => "which account the descriptor's unresolved principals are".to_string(),
        });
    }
    depends_on.extend(
        unknown_groups
            .iter()
            .filter_map(|(trustee, _)| unknown_membership_why(token, trustee)),
    );
    if !uncertain_aces.is_empty() {
        depends_on.push(format!(
            "the rights of ACE {ace_numbers}, which the snapshot does not show in full"
        ));
    }
    TokenAccess::Undecided {
        outcomes,
        depends_on,
    }
}

/// One way of taking what is unknown, in words (empty for "as it is"),
/// with what it takes it as.
type Variant<T> = (String, T);

/// The descriptor as it is and, when ACEs (`ace_numbers`) have rights the
/// snapshot does not show in full, with those rights counted for and
/// against the account.
fn rights_shapes(
    descriptor: &SecurityDescriptor,
    uncertain_aces: &[usize],
    ace_numbers: &str,
) -> Vec<Variant<SecurityDescriptor>> {
    let as_it_is = (String::new(), descriptor.clone());
    if uncertain_aces.is_empty() {
        return vec![as_it_is];
    }
    vec![
        as_it_is,
        (
            format!("the unknown rights of ACE {ace_numbers} favour the account"),
            with_unknown_rights(descriptor, true),
        ),
        (
            format!("the unknown rights of ACE {ace_numbers} work against the account"),
            with_unknown_rights(descriptor, false),
        ),
    ]
}

/// Who the account is taken as: itself when its SID is known; else none of
/// the descriptor's unresolved principals, then each `candidate`.
fn account_assumptions(token: &Token, candidates: &[Trustee]) -> Vec<Variant<Option<Trustee>>> {
    if token.account_sid.is_some() {
        return vec![(String::new(), None)];
    }
    let name = &token.account_name;
    let mut accounts = vec![(
        format!("{name} is none of the descriptor's unresolved principals"),
        None,
    )];
    for candidate in candidates {
        let words = match candidate {
            Trustee::Sid(sid) => format!("{name} is {sid}"),
            Trustee::Name(group) => format!("{name} is {group} or one of its members"),
        };
        accounts.push((words, Some(candidate.clone())));
    }
    accounts
}

/// Every combination of the account in and out of each group of unknown
/// membership.
fn membership_combinations(
    token: &Token,
    unknown_groups: &[(Trustee, String)],
) -> Vec<Variant<Vec<Trustee>>> {
    (0..1usize << unknown_groups.len())
        .map(|combination| {
            let mut member_of = Vec::new();
            let mut words = Vec::new();
            for (bit, (trustee, name)) in unknown_groups.iter().enumerate() {
                if combination & (1 << bit) != 0 {
                    member_of.push(trustee.clone());
                    words.push(format!("{} is in {name}", token.account_name));
                } else {
                    words.push(format!("{} is not in {name}", token.account_name));
                }
            }
            (words.join(", "), member_of)
        })
        .collect()
}

/// Too many groups of unknown membership to combine: each shape with their
/// memberships all counted for, and all against, the account.
fn membership_extremes(
    shapes: &[Variant<SecurityDescriptor>],
    unknown_groups: &[(Trustee, String)],
) -> Vec<Variant<SecurityDescriptor>> {
    let names = unknown_groups
        .iter()
        .map(|(_, name)| name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let trustees: Vec<Trustee> = unknown_groups.iter().map(|(t, _)| t.clone()).collect();
    shapes
        .iter()
        .flat_map(|(words, shape)| {
            [
                (
                    join_words(
                        words,
                        &format!("membership of {names} counted for the account"),
                    ),
                    with_memberships(shape, &trustees, true),
                ),
                (
                    join_words(
                        words,
                        &format!("membership of {names} counted against the account"),
                    ),
                    with_memberships(shape, &trustees, false),
                ),
            ]
        })
        .collect()
}

/// The check's outcome under every variant (account, memberships, shape),
/// with the variant in words.
fn every_outcome(
    accounts: &[Variant<Option<Trustee>>],
    memberships: &[Variant<Vec<Trustee>>],
    shapes: &[Variant<SecurityDescriptor>],
    check: impl Fn(&SecurityDescriptor, &Assumed) -> AccessOutcome,
) -> Vec<(String, AccessOutcome)> {
    let mut outcomes = Vec::new();
    for (account_words, account) in accounts {
        for (membership_words, member_of) in memberships {
            let assumed = Assumed {
                account: account.clone(),
                member_of: member_of.clone(),
            };
            for (shape_words, shape) in shapes {
                let words = [
                    account_words.as_str(),
                    membership_words.as_str(),
                    shape_words.as_str(),
                ]
                .into_iter()
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
                outcomes.push((words, check(shape, &assumed)));
            }
        }
    }
    outcomes
}

/// Why the account's membership of a group the descriptor names is unknown.
fn unknown_membership_why(token: &Token, trustee: &Trustee) -> Option<String> {
    match trustee {
        Trustee::Sid(sid) => token.unknown_membership(sid).map(|u| u.why.clone()),
        Trustee::Name(name) => token
            .unknown_groups
            .iter()
            .find(|u| u.name.as_deref().is_some_and(|n| names_match(n, name)))
            .map(|u| u.why.clone()),
    }
}

fn join_words(first: &str, second: &str) -> String {
    if first.is_empty() {
        second.to_string()
    } else {
        format!("{first}; {second}")
    }
}

/// The trustees (owner and ACE trustees) whose membership the token leaves
/// unknown, each once with a name to show, in descriptor order.
fn unknown_membership_trustees(
    descriptor: &SecurityDescriptor,
    token: &Token,
) -> Vec<(Trustee, String)> {
    let mut found: Vec<(Trustee, String)> = Vec::new();
    let mut consider = |trustee: &Trustee| {
        if found.iter().any(|(t, _)| t == trustee)
            || token_holds(token, &Assumed::default(), trustee)
        {
            return;
        }
        let name =
            match trustee {
                Trustee::Sid(sid) => token.unknown_membership(sid).map(|unknown| {
                    match (&unknown.sid, &unknown.name) {
                        (Some(_), Some(name)) => name.clone(),
                        _ => Principals::default()
                            .name_of(sid)
                            .unwrap_or_else(|| sid.to_string()),
                    }
                }),
                Trustee::Name(name) => token
                    .unknown_groups
                    .iter()
                    .any(|u| u.name.as_deref().is_some_and(|n| names_match(n, name)))
                    .then(|| name.clone()),
            };
        if let Some(name) = name {
            found.push((trustee.clone(), name));
        }
    };
    if let Some(owner) = &descriptor.owner {
        consider(&Trustee::Sid(owner.clone()));
    }
    if let Dacl::Entries(aces) = &descriptor.dacl {
        for ace in aces {
            consider(&ace.trustee);
        }
    }
    found
}

/// The descriptor with the ACEs of `trustees` made to favour the account
/// (allows apply, denies do not) or to work against it. Granting only
/// grows with more applicable allows and fewer applicable denies, so these
/// two bound every combination of memberships.
fn with_memberships(
    descriptor: &SecurityDescriptor,
    trustees: &[Trustee],
    favour: bool,
) -> SecurityDescriptor {
    let mut shaped = descriptor.clone();
    if let Dacl::Entries(aces) = &mut shaped.dacl {
        for ace in aces
            .iter_mut()
            .filter(|ace| trustees.contains(&ace.trustee))
        {
            let allow = ace.ace_type == ace_type::ACCESS_ALLOWED;
            // Everyone is in every token; the NULL SID in none.
            ace.trustee = Trustee::Sid(if allow == favour {
                known::everyone()
            } else {
                Sid::new(0, &[0])
            });
        }
    }
    shaped
}

/// Positions of the ACEs whose rights are partly unknown.
fn unknown_rights_aces(descriptor: &SecurityDescriptor) -> Vec<usize> {
    match &descriptor.dacl {
        Dacl::Entries(aces) => aces
            .iter()
            .enumerate()
            .filter(|(_, ace)| ace.unknown_rights != 0)
            .map(|(index, _)| index)
            .collect(),
        _ => Vec::new(),
    }
}

/// The descriptor with each ACE's unknown rights counted for the account
/// (`favour`: allows hold them, denies do not) or against it. Granting is
/// monotonic in both, so these two bound every possibility.
fn with_unknown_rights(descriptor: &SecurityDescriptor, favour: bool) -> SecurityDescriptor {
    let mut shaped = descriptor.clone();
    if let Dacl::Entries(aces) = &mut shaped.dacl {
        for ace in aces {
            let allow = ace.ace_type == ace_type::ACCESS_ALLOWED;
            if allow == favour {
                ace.mask |= ace.unknown_rights;
            }
        }
    }
    shaped
}

/// The principals that could be the account (or, for names, one of its
/// groups) when its SID is unknown: SIDs of user accounts created after
/// installation (see [`Sid::could_be_created_account`]) and names that are
/// neither well-known nor qualified by an authority, that the token does
/// not already hold.
fn account_candidates(descriptor: &SecurityDescriptor, token: &Token) -> Vec<Trustee> {
    let mut candidates: Vec<Trustee> = Vec::new();
    let mut consider = |trustee: &Trustee| {
        let possible = match trustee {
            Trustee::Sid(sid) => sid.could_be_created_account(),
            Trustee::Name(name) => {
                !name.trim().is_empty()
                    && !super::names::is_authority_name(name)
                    && super::well_known_sid(name).is_none()
            }
        };
        if possible
            && !token_holds(token, &Assumed::default(), trustee)
            && !candidates.contains(trustee)
        {
            candidates.push(trustee.clone());
        }
    };
    if let Some(owner) = &descriptor.owner {
        consider(&Trustee::Sid(owner.clone()));
    }
    if let Dacl::Entries(aces) = &descriptor.dacl {
        for ace in aces {
            consider(&ace.trustee);
        }
    }
    candidates
}

impl Token {
    /// Whether the token holds the trustee: its account or a group by SID,
    /// or by name for names a text snapshot printed (unknown parts of the
    /// token taken as holding nothing).
    pub fn holds(&self, trustee: &Trustee) -> bool {
        token_holds(self, &Assumed::default(), trustee)
    }

    /// Whether the token may or may not hold the trustee: a group whose
    /// membership a damaged SAM record leaves unknown.
    pub fn may_hold(&self, trustee: &Trustee) -> bool {
        !self.holds(trustee)
            && match trustee {
                Trustee::Sid(sid) => self.unknown_membership(sid).is_some(),
                Trustee::Name(name) => self
                    .unknown_groups
                    .iter()
                    .any(|u| u.name.as_deref().is_some_and(|n| names_match(n, name))),
            }
    }
}

/// Whether the token (with `assumed` standing for its unknown parts)
/// holds the trustee. A name holds when it is the account's name (with or
/// without a `COMPUTER\` prefix), a group member's name, or the name of a
/// well-known SID the token holds.
fn token_holds(token: &Token, assumed: &Assumed, trustee: &Trustee) -> bool {
    if assumed.member_of.contains(trustee) {
        return true;
    }
    let holds_sid = |sid: &Sid| {
        token.account_sid.as_ref() == Some(sid)
            || matches!(&assumed.account, Some(Trustee::Sid(a)) if a == sid)
            || token.groups.iter().any(|member| member.sid == *sid)
    };
    match trustee {
        Trustee::Sid(sid) => holds_sid(sid),
        Trustee::Name(name) => {
            names_match(name, &token.account_name)
                || matches!(&assumed.account, Some(Trustee::Name(a)) if crate::registry::names_equal(a.trim(), name.trim()))
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

/// Whether two snapshots of a folder say the same about access to it, as
/// far as their forms can tell: owners when both record one, and the DACL's
/// allow/deny ACEs in order with their trustee, whether they apply to the
/// folder itself (inherit-only or not) and their file-mapped rights. What
/// some forms cannot show is not compared: the inherited flag (cacls before
/// Vista prints none), generic versus specific rights (`F` for `GA`), object
/// ACEs, and a name against a SID when the name could not be mapped. A NULL
/// DACL and one granting Everyone full control are the same.
pub fn same_access(a: &SecurityDescriptor, b: &SecurityDescriptor) -> bool {
    if let (Some(owner_a), Some(owner_b)) = (&a.owner, &b.owner) {
        if owner_a != owner_b {
            return false;
        }
    }
    let shape = |descriptor: &SecurityDescriptor| -> Vec<(u8, Trustee, bool, u32, u32)> {
        match &descriptor.dacl {
            Dacl::Null | Dacl::NotPresent => {
                vec![(
                    ace_type::ACCESS_ALLOWED,
                    Trustee::Sid(known::everyone()),
                    false,
                    FILE_ALL_ACCESS,
                    0,
                )]
            }
            Dacl::Entries(aces) => aces
                .iter()
                .filter(|ace| !ace.is_object_ace())
                .map(|ace| {
                    (
                        ace.ace_type,
                        ace.trustee.clone(),
                        ace.is_inherit_only(),
                        rights::map_generic(ace.mask),
                        ace.unknown_rights,
                    )
                })
                .collect(),
        }
    };
    let (left, right) = (shape(a), shape(b));
    left.len() == right.len()
        && left.iter().zip(&right).all(|(x, y)| {
            let trustees = match (&x.1, &y.1) {
                (Trustee::Sid(p), Trustee::Sid(q)) => p == q,
                (Trustee::Name(p), Trustee::Name(q)) => names_match(p, q),
                // A name no SID was found for may be that SID.
                _ => true,
            };
            x.0 == y.0 && x.2 == y.2 && x.3 == y.3 && x.4 == y.4 && trustees
        })
}

/// Who decided one right in an access check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RightDecision {
    pub right: u32,
    pub name: &'static str,
    pub granted: bool,
    /// The ACE (0-based position) that granted or denied it; `None` when no
    /// ACE did (not granted by any, or a NULL DACL, or the owner's rights).
    pub ace: Option<usize>,
    /// Granted to the owner without an ACE (READ_CONTROL, WRITE_DAC).
    pub by_owner: bool,
}

/// For each file right, whether the token gets it and which ACE decided:
/// the first applicable ACE that names the right, in DACL order.
pub fn explain_rights(
    descriptor: &SecurityDescriptor,
    applies: &dyn Fn(&Trustee) -> bool,
) -> Vec<RightDecision> {
    let mut decisions = Vec::new();
    for bit in (0..32).map(|shift| 1u32 << shift) {
        if FILE_ALL_ACCESS & bit == 0 {
            continue;
        }
        let outcome = access_check(descriptor, applies, bit);
        let ace = outcome
            .deciding_aces
            .iter()
            .find(|d| (d.granted | d.denied) & bit != 0)
            .map(|d| d.index);
        decisions.push(RightDecision {
            right: bit,
            name: rights::describe(bit).first().copied().unwrap_or("?"),
            granted: outcome.granted,
            ace,
            by_owner: outcome.owner_implicit & bit != 0,
        });
    }
    decisions
}
