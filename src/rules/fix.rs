//! The fix layer's first half: what a failing check asks to change on the
//! customer's server ([`FixAction`]), whatever its Windows, and the
//! builders rules share to make those actions, such as the ACL edit that
//! gives an account a right on a folder ([`grant_folder_access`]).
//! `report::remediation` renders the actions for each Windows version
//! (steps, commands for cacls or icacls, undo) into [`RemediationForm`]s,
//! and `report::fix_files` writes them out.

use super::check::principal_name;
use crate::acl::rights::map_generic;
use crate::acl::{
    Ace, Dacl, SecurityDescriptor, Token, TokenAccess, Trustee, ace_flags, ace_type,
    evaluate_for_token,
};
use crate::registry::sam::LocalAccounts;
use serde::{Serialize, Serializer};

/// The fix of one check in the form one kind of server takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemediationForm {
    /// The servers this form is for, e.g. `Windows NT 4.0 (version 4.0,
    /// build 1381, Service Pack 6)`.
    pub windows: String,
    /// What to do, in order.
    pub steps: Vec<RemediationStep>,
    /// Every step's commands in order: what to paste into a Command Prompt
    /// run as an administrator (commands marked `confirm_first` included).
    pub commands: Vec<String>,
    /// How to take the change back.
    pub undo: Vec<RemediationStep>,
    /// Files the commands read (`fix.reg`), with their text.
    pub files: Vec<RemediationFile>,
}

/// One step: prose, and the commands that do it (none when it is done by
/// hand).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemediationStep {
    pub text: String,
    pub commands: Vec<String>,
    /// The commands must not run before the person has confirmed what the
    /// text says (a suggested default); `fix.cmd` leaves them commented.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub confirm_first: bool,
}

/// A file a form's commands read, e.g. `fix.reg`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemediationFile {
    pub name: String,
    /// Its lines (written with CRLF line ends).
    pub lines: Vec<String>,
}

/// One change on the customer's server that a failing check asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FixAction {
    SetRegistryValue(RegistryFix),
    GrantFolderAccess(GrantFix),
    RemoveDenyEntries(DenyFix),
    /// Something no command can do (e.g. install a missing component).
    ByHand(ManualFix),
}

/// A change a person makes by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManualFix {
    /// What to do, in words.
    pub what: String,
}

/// Set a registry value under `HKEY_LOCAL_MACHINE`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistryFix {
    /// The full key, e.g. `HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Exchange`;
    /// SYSTEM keys say `CurrentControlSet`, which the live server resolves.
    pub key: String,
    pub value: String,
    pub data: FixData,
    /// Set when `data` is the usual default rather than known to be right
    /// for this server: what the customer must confirm first. Fix writers
    /// leave such a value commented out.
    pub confirm: Option<String>,
    /// What the value is now, in words (`REG_DWORD 0`, `missing`), so the
    /// change can be undone.
    pub before: Option<String>,
}

/// [`RegistryFix::before`] of a value that did not exist.
pub const MISSING: &str = "missing";

/// Registry data a fix sets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "data")]
pub enum FixData {
    #[serde(rename = "REG_DWORD")]
    Dword(u32),
    #[serde(rename = "REG_SZ")]
    Sz(String),
}

/// Add an allow entry to a folder's ACL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantFix {
    /// The folder as on the customer's machine.
    pub folder: String,
    /// The account as Windows tools take it, e.g. `EXCH01\IUSR_EXCH01`.
    pub principal: String,
    /// The rights to grant on the folder itself and on subfolders created
    /// in it later (container inherit), nothing for files: the form of an
    /// NT 4.0 directory permission such as "Add" (0x1201b6).
    #[serde(serialize_with = "hex_mask")]
    pub rights: u32,
    /// The part of `rights` the check needs (e.g. FILE_ADD_FILE, 0x2): a
    /// tool that cannot grant `rights` exactly must grant at least this.
    #[serde(serialize_with = "hex_mask")]
    pub needed: u32,
    /// What the article calls these rights, e.g. `Add`.
    pub rights_name: String,
}

/// Remove a principal's deny entries from a folder's ACL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DenyFix {
    pub folder: String,
    /// The principal's name as Windows tools take it, when known.
    pub principal: Option<String>,
    /// Its SID, when the snapshot gave one.
    pub sid: Option<String>,
    /// The deny entries to remove, numbered from 1 in DACL order.
    pub aces: Vec<usize>,
    /// The rights those entries deny.
    #[serde(serialize_with = "hex_mask")]
    pub denied: u32,
    /// Whether the principal also has allow entries on the folder, which a
    /// tool that removes all of a principal's entries (`cacls /E /R`)
    /// would take away too.
    pub principal_has_allow_entries: bool,
    /// Set when the entries may or may not apply to the account (its
    /// membership of the principal is unknown): why they may.
    pub possible_cause: Option<String>,
    /// Whether the entries are inherited from a parent folder, where they
    /// must be removed instead.
    pub inherited: bool,
}

fn hex_mask<S: Serializer>(mask: &u32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("0x{mask:08x}"))
}

/// The fix that gives an account `grant.rights` on a folder whose ACL is
/// `descriptor`: the grant, then the removal of every deny entry that would
/// still take `grant.needed` away once the grant is there.
///
/// The grant is put where Windows' tools put an explicit allow entry
/// (after the explicit entries, before inherited ones), the access check
/// rerun for `token`, and the deny entry that decides removed, until the
/// account has what it needs. A deny entry that decides only under some
/// assumption about the unknown parts of the token (a group whose
/// membership is unknown, e.g. Guests without a SAM) is removed too, and
/// says why it may apply. A principal's entries are one removal, listing
/// each entry's position in the snapshot's DACL.
pub fn grant_folder_access(
    grant: GrantFix,
    descriptor: &SecurityDescriptor,
    token: &Token,
    accounts: Option<&LocalAccounts>,
) -> Vec<FixAction> {
    let Dacl::Entries(entries) = &descriptor.dacl else {
        return vec![FixAction::GrantFolderAccess(grant)];
    };
    let blocking = denies_in_the_way(
        descriptor,
        &granted_entry(&grant, token),
        grant.needed,
        token,
    );
    let mut removals: Vec<(Trustee, DenyFix)> = Vec::new();
    for deny in blocking {
        let trustee = &deny.ace.trustee;
        let denied = map_generic(deny.ace.mask);
        let inherited = deny.ace.flags & ace_flags::INHERITED != 0;
        if let Some((_, removal)) = removals.iter_mut().find(|(t, _)| t == trustee) {
            removal.aces.push(deny.position + 1);
            removal.denied |= denied;
            removal.inherited |= inherited;
            continue;
        }
        let removal = DenyFix {
            folder: grant.folder.clone(),
            principal: principal_name(trustee, deny.ace.display_name.as_deref(), accounts),
            sid: match trustee {
                Trustee::Sid(sid) => Some(sid.to_string()),
                Trustee::Name(_) => None,
            },
            aces: vec![deny.position + 1],
            denied,
            principal_has_allow_entries: entries
                .iter()
                .any(|ace| ace.ace_type == ace_type::ACCESS_ALLOWED && &ace.trustee == trustee),
            possible_cause: if deny.only_if_assumed {
                why_may_apply(trustee, token)
            } else {
                None
            },
            inherited,
        };
        removals.push((trustee.clone(), removal));
    }
    let mut fix = vec![FixAction::GrantFolderAccess(grant)];
    fix.extend(
        removals
            .into_iter()
            .map(|(_, removal)| FixAction::RemoveDenyEntries(removal)),
    );
    fix
}

/// The allow entry a grant adds, as cacls and icacls write it: the
/// account's SID (its name when the SID is unknown), container inherit.
fn granted_entry(grant: &GrantFix, token: &Token) -> Ace {
    Ace {
        ace_type: ace_type::ACCESS_ALLOWED,
        flags: ace_flags::CONTAINER_INHERIT,
        mask: grant.rights,
        trustee: match &token.account_sid {
            Some(sid) => Trustee::Sid(sid.clone()),
            None => Trustee::Name(token.account_name.clone()),
        },
        display_name: Some(grant.principal.clone()),
        unknown_rights: 0,
    }
}

/// A deny entry of the snapshot's DACL that stands in the way of a grant.
struct DenyInTheWay {
    /// Its position in the snapshot's DACL (0-based).
    position: usize,
    ace: Ace,
    /// It decides only under an assumption about the token's unknown parts.
    only_if_assumed: bool,
}

/// The deny entries to remove, in the order the access check finds them,
/// so that `token` holds `needed` once `grant` is in the DACL (see
/// [`grant_folder_access`]).
fn denies_in_the_way(
    descriptor: &SecurityDescriptor,
    grant: &Ace,
    needed: u32,
    token: &Token,
) -> Vec<DenyInTheWay> {
    let Dacl::Entries(entries) = &descriptor.dacl else {
        return Vec::new();
    };
    let at = entries
        .iter()
        .position(|ace| ace.flags & ace_flags::INHERITED != 0)
        .unwrap_or(entries.len());
    // The DACL with the grant added and the deny entries found so far
    // removed, and where each remaining entry stood in the snapshot (None
    // for the grant).
    let mut edited = descriptor.clone();
    let mut positions: Vec<Option<usize>> = (0..entries.len()).map(Some).collect();
    if let Dacl::Entries(aces) = &mut edited.dacl {
        aces.insert(at, grant.clone());
    }
    positions.insert(at, None);
    let mut found = Vec::new();
    // Each round removes one entry, so this many rounds always suffice.
    for _ in 0..=entries.len() {
        let (outcome, only_if_assumed) = match evaluate_for_token(&edited, token, needed) {
            TokenAccess::Decided { outcome, .. } if outcome.granted => break,
            TokenAccess::Decided { outcome, .. } => (outcome, false),
            TokenAccess::Undecided { outcomes, .. } => {
                match outcomes.into_iter().find(|(_, outcome)| !outcome.granted) {
                    Some((_, outcome)) => (outcome, true),
                    None => break,
                }
            }
        };
        let Some(deny) = outcome
            .deciding_aces
            .into_iter()
            .find(|d| d.denied & needed != 0)
        else {
            break;
        };
        let Some(position) = positions.remove(deny.index) else {
            break;
        };
        if let Dacl::Entries(remaining) = &mut edited.dacl {
            remaining.remove(deny.index);
        }
        found.push(DenyInTheWay {
            position,
            ace: deny.ace,
            only_if_assumed,
        });
    }
    found
}

/// Why an ACE's trustee may hold the account although the token does not
/// say it does: a group of unknown membership, or a SID that may be the
/// account's own.
fn why_may_apply(trustee: &Trustee, token: &Token) -> Option<String> {
    if token.holds(trustee) {
        return None;
    }
    match trustee {
        Trustee::Sid(sid) => token
            .unknown_membership(sid)
            .map(|unknown| unknown.why.clone())
            .or_else(|| {
                (token.account_sid.is_none() && sid.could_be_created_account()).then(|| {
                    format!(
                        "{sid} may be {}'s own SID ({})",
                        token.account_name,
                        token
                            .unknown
                            .first()
                            .map_or("its SID is unknown", String::as_str)
                    )
                })
            }),
        Trustee::Name(name) => {
            let (_, wanted) = crate::acl::names::split_domain(name);
            token
                .unknown_groups
                .iter()
                .find(|u| {
                    u.name.as_deref().is_some_and(|n| {
                        crate::acl::names::split_domain(n)
                            .1
                            .eq_ignore_ascii_case(wanted)
                    })
                })
                .map(|u| u.why.clone())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::parse_sddl;
    use crate::acl::rights::{FILE_ADD_FILE, NT4_ADD};

    fn remove(fix: &FixAction) -> &DenyFix {
        match fix {
            FixAction::RemoveDenyEntries(deny) => deny,
            other => panic!("not a removal: {other:?}"),
        }
    }

    /// Worked by hand from Windows' rule that ACEs are read in order and a
    /// denied bit stays denied: with the grant added before the inherited
    /// entry, Everyone's deny of FILE_ADD_FILE (#1) still decides, so it
    /// goes; then, without a SAM, Guests' deny (#3) decides if the account
    /// is a guest, so it goes too, saying why it may apply; then the grant
    /// decides.
    #[test]
    fn a_grant_removes_the_deny_entries_in_its_way_in_dacl_order() {
        let descriptor =
            parse_sddl("D:(D;;0x2;;;WD)(A;;0x1200a9;;;BA)(D;;0x2;;;BG)(A;ID;FA;;;SY)").unwrap();
        let token = Token::anonymous("IUSR_EXCH01", None);
        let grant = GrantFix {
            folder: "C:\\x\\Pickup".into(),
            principal: "EXCH01\\IUSR_EXCH01".into(),
            rights: NT4_ADD,
            needed: FILE_ADD_FILE,
            rights_name: "Add".into(),
        };
        let fix = grant_folder_access(grant.clone(), &descriptor, &token, None);
        assert_eq!(fix.len(), 3, "{fix:#?}");
        assert_eq!(fix[0], FixAction::GrantFolderAccess(grant));
        let everyone = remove(&fix[1]);
        assert_eq!(everyone.principal.as_deref(), Some("Everyone"));
        assert_eq!(everyone.sid.as_deref(), Some("S-1-1-0"));
        assert_eq!((everyone.aces.as_slice(), everyone.denied), (&[1][..], 0x2));
        assert_eq!(everyone.possible_cause, None);
        assert!(!everyone.principal_has_allow_entries && !everyone.inherited);
        let guests = remove(&fix[2]);
        assert_eq!(guests.principal.as_deref(), Some("BUILTIN\\Guests"));
        assert_eq!(guests.aces, [3]);
        assert!(guests.possible_cause.is_some(), "{guests:?}");
    }

    #[test]
    fn a_null_dacl_needs_only_the_grant() {
        let descriptor = parse_sddl("D:NO_ACCESS_CONTROL").unwrap();
        let token = Token::anonymous("IUSR_EXCH01", None);
        let grant = GrantFix {
            folder: "C:\\x".into(),
            principal: "IUSR_EXCH01".into(),
            rights: NT4_ADD,
            needed: FILE_ADD_FILE,
            rights_name: "Add".into(),
        };
        assert_eq!(
            grant_folder_access(grant.clone(), &descriptor, &token, None),
            [FixAction::GrantFolderAccess(grant)]
        );
    }
}
