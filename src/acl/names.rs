//! Principal names and SIDs, both ways, for one machine.
//!
//! Text snapshots (cacls, icacls display) print names where SDDL has SIDs:
//! `Everyone`, `BUILTIN\Administrators`, `NT AUTHORITY\SYSTEM`,
//! `EXCH01\IUSR_EXCH01`, or a SID string when Windows could not name it.
//! Well-known names map to their SIDs anywhere; `COMPUTER\account` and a
//! bare `account` map to local accounts and groups through the bundle's
//! SAM, when it has one. What cannot be mapped stays a name: the access
//! check then matches it by name and says when that leaves the answer open.

use super::{Dacl, SecurityDescriptor, Sid, Trustee, well_known_name, well_known_sid};
use crate::registry::names_equal;
use crate::registry::sam::{GroupKind, LocalAccounts};

/// Authorities whose names are never a local or domain account.
const AUTHORITY_DOMAINS: &[&str] = &[
    "NT AUTHORITY",
    "BUILTIN",
    "NT SERVICE",
    "Mandatory Label",
    "APPLICATION PACKAGE AUTHORITY",
];

/// How [`Principals::sid_name`] writes a name from the SAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameStyle {
    /// As Windows prints it: `COMPUTER\\account` (when the computer's name
    /// is known), `BUILTIN\\alias`.
    Qualified,
    /// The account's or group's name alone, for evidence.
    Bare,
}

/// What is known about one machine's principals: its name, and its SAM's
/// accounts when the bundle has a SAM.
#[derive(Clone, Copy, Debug, Default)]
pub struct Principals<'a> {
    pub computer_name: Option<&'a str>,
    pub accounts: Option<&'a LocalAccounts>,
}

/// `DOMAIN\name` split at its first backslash; a bare name has no domain.
pub fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.trim().split_once('\\') {
        Some((domain, bare)) => (Some(domain.trim()), bare.trim()),
        None => (None, name.trim()),
    }
}

/// An account name as a person gives it (`--anonymous-account`,
/// `acl --account`): `.\name` and `COMPUTER\name` (this machine's name,
/// any case) both mean the local account `name`, as Windows tools take
/// them; any other `DOMAIN\name` is kept whole (an account the local SAM
/// cannot hold). An empty domain (`\name`) counts as local too.
pub fn local_account_name(given: &str, computer_name: Option<&str>) -> String {
    match split_domain(given) {
        (Some(domain), bare)
            if domain.is_empty()
                || domain == "."
                || computer_name.is_some_and(|computer| names_equal(domain, computer.trim())) =>
        {
            bare.to_string()
        }
        _ => given.trim().to_string(),
    }
}

/// Whether a name is qualified by an authority (`NT AUTHORITY\...`,
/// `BUILTIN\...`) rather than a computer or domain.
pub fn is_authority_name(name: &str) -> bool {
    matches!(split_domain(name), (Some(domain), _)
        if AUTHORITY_DOMAINS.iter().any(|known| known.eq_ignore_ascii_case(domain)))
}

impl<'a> Principals<'a> {
    pub fn new(computer_name: Option<&'a str>, accounts: Option<&'a LocalAccounts>) -> Self {
        Principals {
            computer_name,
            accounts,
        }
    }

    /// The SID a printed name stands for, when it can be known: a SID
    /// string, a well-known name, or a local account or group in the SAM.
    pub fn sid_of(&self, name: &str) -> Option<Sid> {
        let name = name.trim();
        if let Ok(sid) = name.parse::<Sid>() {
            return Some(sid);
        }
        if let Some(sid) = well_known_sid(name) {
            return Some(sid);
        }
        let accounts = self.accounts?;
        let (domain, bare) = split_domain(name);
        let local = match domain {
            None => true,
            // Without the computer name a domain-qualified name could be a
            // domain account of the same name: not guessed.
            Some(domain) => self
                .computer_name
                .is_some_and(|computer| names_equal(computer, domain)),
        };
        let builtin = domain.is_some_and(|d| d.eq_ignore_ascii_case("BUILTIN"));
        let sid_text = if builtin {
            accounts
                .groups
                .iter()
                .find(|g| g.kind == GroupKind::BuiltinAlias && names_equal(&g.name, bare))
                .and_then(|g| g.sid.clone())
        } else if local {
            accounts
                .user(bare)
                .and_then(|u| u.sid.clone())
                .or_else(|| {
                    accounts
                        .groups
                        .iter()
                        .find(|g| g.kind != GroupKind::BuiltinAlias && names_equal(&g.name, bare))
                        .and_then(|g| g.sid.clone())
                })
                .or_else(|| {
                    // A bare builtin alias name the well-known table lacks.
                    domain.is_none().then_some(()).and_then(|_| {
                        accounts
                            .groups
                            .iter()
                            .find(|g| names_equal(&g.name, bare))
                            .and_then(|g| g.sid.clone())
                    })
                })
        } else {
            None
        };
        sid_text.and_then(|text| text.parse().ok())
    }

    /// The name Windows would print for a SID on this machine: well-known
    /// names, then `COMPUTER\\account` or `BUILTIN\\alias` from the SAM.
    pub fn name_of(&self, sid: &Sid) -> Option<String> {
        self.sid_name(sid, NameStyle::Qualified)
    }

    /// The one naming of a SID: its well-known name, else the SAM's
    /// account, else the SAM's group of that SID, written in `style`.
    pub fn sid_name(&self, sid: &Sid, style: NameStyle) -> Option<String> {
        if let Some(name) = well_known_name(sid) {
            return Some(name.to_string());
        }
        let accounts = self.accounts?;
        let text = sid.to_string();
        let same = |candidate: &Option<String>| {
            candidate
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case(&text))
        };
        let qualify = |name: &str| match (style, self.computer_name) {
            (NameStyle::Qualified, Some(computer)) => format!("{computer}\\{name}"),
            _ => name.to_string(),
        };
        if let Some(user) = accounts.users.iter().find(|u| same(&u.sid)) {
            return Some(qualify(&user.name));
        }
        accounts
            .groups
            .iter()
            .find(|g| same(&g.sid))
            .map(|g| match (style, g.kind) {
                (NameStyle::Qualified, GroupKind::BuiltinAlias) => format!("BUILTIN\\{}", g.name),
                _ => qualify(&g.name),
            })
    }

    /// A trustee's name: as the snapshot printed it (`printed`), else its
    /// SID's name ([`Principals::sid_name`]); `None` for a SID nothing names.
    pub fn trustee_name(
        &self,
        trustee: &Trustee,
        printed: Option<&str>,
        style: NameStyle,
    ) -> Option<String> {
        if let Some(name) = printed {
            return Some(name.to_string());
        }
        match trustee {
            Trustee::Sid(sid) => self.sid_name(sid, style),
            Trustee::Name(_) => None,
        }
    }

    /// The descriptor with every named trustee that can be mapped replaced
    /// by its SID (the printed name stays in `display_name`).
    pub fn resolve(&self, descriptor: &SecurityDescriptor) -> SecurityDescriptor {
        let mut resolved = descriptor.clone();
        if let Dacl::Entries(aces) = &mut resolved.dacl {
            for ace in aces {
                if let Trustee::Name(name) = &ace.trustee {
                    if let Some(sid) = self.sid_of(name) {
                        if ace.display_name.is_none() {
                            ace.display_name = Some(name.clone());
                        }
                        ace.trustee = Trustee::Sid(sid);
                    }
                }
            }
        }
        resolved
    }
}

/// The names of a descriptor's trustees that are still names (could not be
/// mapped to SIDs), each once, in DACL order.
pub fn unresolved_names(descriptor: &SecurityDescriptor) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if let Dacl::Entries(aces) = &descriptor.dacl {
        for ace in aces {
            if let Trustee::Name(name) = &ace.trustee {
                if !names.iter().any(|known| names_equal(known, name)) {
                    names.push(name.clone());
                }
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::sam::{LocalGroup, LocalUser};

    const MACHINE: &str = "S-1-5-21-1-2-3";

    fn sam() -> LocalAccounts {
        LocalAccounts {
            machine_sid: Some(MACHINE.into()),
            users: vec![LocalUser {
                name: "IUSR_EXCH01".into(),
                rid: 1001,
                sid: Some(format!("{MACHINE}-1001")),
            }],
            groups: vec![
                LocalGroup {
                    name: "Guests".into(),
                    kind: GroupKind::BuiltinAlias,
                    rid: 546,
                    sid: Some("S-1-5-32-546".into()),
                    member_sids: vec![],
                },
                LocalGroup {
                    name: "IIS_WPG".into(),
                    kind: GroupKind::BuiltinAlias,
                    rid: 1100,
                    sid: Some("S-1-5-32-1100".into()),
                    member_sids: vec![],
                },
                LocalGroup {
                    name: "Web Writers".into(),
                    kind: GroupKind::AccountAlias,
                    rid: 1010,
                    sid: Some(format!("{MACHINE}-1010")),
                    member_sids: vec![],
                },
            ],
            damaged: Vec::new(),
        }
    }

    #[test]
    fn names_map_to_sids_with_and_without_sam() {
        let accounts = sam();
        let with = Principals::new(Some("EXCH01"), Some(&accounts));
        let without = Principals::new(Some("EXCH01"), None);
        let sid = |text: &str| text.parse::<Sid>().ok();
        for (name, want_with, want_without) in [
            ("Everyone", sid("S-1-1-0"), sid("S-1-1-0")),
            ("NT AUTHORITY\\SYSTEM", sid("S-1-5-18"), sid("S-1-5-18")),
            ("BUILTIN\\Guests", sid("S-1-5-32-546"), sid("S-1-5-32-546")),
            ("BUILTIN\\IIS_WPG", sid("S-1-5-32-1100"), None),
            (
                "S-1-5-21-9-9-9-1105",
                sid("S-1-5-21-9-9-9-1105"),
                sid("S-1-5-21-9-9-9-1105"),
            ),
            ("EXCH01\\IUSR_EXCH01", sid("S-1-5-21-1-2-3-1001"), None),
            ("exch01\\web writers", sid("S-1-5-21-1-2-3-1010"), None),
            ("IUSR_EXCH01", sid("S-1-5-21-1-2-3-1001"), None),
            // Another domain's account of the same name is not the local one.
            ("CONTOSO\\IUSR_EXCH01", None, None),
            ("EXCH01\\nobody", None, None),
        ] {
            assert_eq!(with.sid_of(name), want_with, "{name} with SAM");
            assert_eq!(without.sid_of(name), want_without, "{name} without SAM");
        }
        // Without the computer name, a qualified local name is not guessed.
        let nameless = Principals::new(None, Some(&accounts));
        assert_eq!(nameless.sid_of("EXCH01\\IUSR_EXCH01"), None);
        assert_eq!(nameless.sid_of("IUSR_EXCH01"), sid("S-1-5-21-1-2-3-1001"));
    }

    #[test]
    fn sids_map_to_the_names_windows_prints() {
        let accounts = sam();
        let with = Principals::new(Some("EXCH01"), Some(&accounts));
        let sid = |text: &str| text.parse::<Sid>().unwrap();
        assert_eq!(
            with.name_of(&sid("S-1-5-11")).as_deref(),
            Some("NT AUTHORITY\\Authenticated Users")
        );
        assert_eq!(
            with.name_of(&sid("S-1-5-21-1-2-3-1001")).as_deref(),
            Some("EXCH01\\IUSR_EXCH01")
        );
        assert_eq!(
            with.name_of(&sid("S-1-5-32-1100")).as_deref(),
            Some("BUILTIN\\IIS_WPG")
        );
        assert_eq!(
            with.name_of(&sid("S-1-5-21-1-2-3-1010")).as_deref(),
            Some("EXCH01\\Web Writers")
        );
        assert_eq!(with.name_of(&sid("S-1-5-21-9-9-9-1105")), None);
        assert!(is_authority_name("nt authority\\NETWORK"));
        assert!(!is_authority_name("EXCH01\\Web Writers"));
        assert!(!is_authority_name("Everyone"));
    }
}
