//! Local accounts and groups read from a SAM hive: the machine SID, account
//! name -> RID -> SID, and the local groups (aliases) an account belongs to.

use super::{HiveData, LookupError};

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
    /// Member SIDs (numeric form).
    pub member_sids: Vec<String>,
}

impl LocalAccounts {
    /// Reads the accounts and groups of a SAM hive.
    pub fn from_sam(sam: &dyn HiveData) -> Result<LocalAccounts, LookupError> {
        let _ = sam;
        todo!("registry helper")
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
