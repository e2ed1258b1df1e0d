//! The ACL view: folder security descriptors from the bundle's snapshots,
//! the principals they name, the anonymous account's token, and Windows'
//! access check over them.

mod access;
mod binary;
pub mod manifest;
pub mod names;
pub mod rights;
mod sddl_text;
mod sid;
pub mod snapshot;
mod token;

pub use access::{
    AccessOutcome, AceDecision, RightDecision, TokenAccess, access_check, evaluate_for_token,
    explain_rights, same_access,
};
pub use names::{NameStyle, Principals};
pub use sddl_text::{render_ace, render_sddl};
pub use sid::{Sid, SidParseError, known, well_known_name, well_known_sid};
pub use snapshot::{
    AclView, FolderAcl, FolderMatch, SnapshotForm, SnapshotProblem, SnapshotRead, read_snapshot,
    read_snapshot_as, read_snapshot_file, sniff_snapshot,
};
pub use token::{Membership, Token, TokenMember, UnknownMembership};

use serde::Serialize;

/// ACE type bytes that matter for folders.
pub mod ace_type {
    pub const ACCESS_ALLOWED: u8 = 0;
    pub const ACCESS_DENIED: u8 = 1;
    pub const SYSTEM_AUDIT: u8 = 2;
    pub const ACCESS_ALLOWED_OBJECT: u8 = 5;
    pub const ACCESS_DENIED_OBJECT: u8 = 6;
}

/// ACE flag bits.
pub mod ace_flags {
    pub const OBJECT_INHERIT: u8 = 0x01;
    pub const CONTAINER_INHERIT: u8 = 0x02;
    pub const NO_PROPAGATE_INHERIT: u8 = 0x04;
    pub const INHERIT_ONLY: u8 = 0x08;
    pub const INHERITED: u8 = 0x10;
}

/// SECURITY_DESCRIPTOR_CONTROL bits (MS-DTYP 2.4.6).
pub mod control {
    pub const OWNER_DEFAULTED: u16 = 0x0001;
    pub const GROUP_DEFAULTED: u16 = 0x0002;
    pub const DACL_PRESENT: u16 = 0x0004;
    pub const DACL_DEFAULTED: u16 = 0x0008;
    pub const SACL_PRESENT: u16 = 0x0010;
    pub const DACL_AUTO_INHERIT_REQ: u16 = 0x0100;
    pub const SACL_AUTO_INHERIT_REQ: u16 = 0x0200;
    pub const DACL_AUTO_INHERITED: u16 = 0x0400;
    pub const SACL_AUTO_INHERITED: u16 = 0x0800;
    pub const DACL_PROTECTED: u16 = 0x1000;
    pub const SACL_PROTECTED: u16 = 0x2000;
    pub const SELF_RELATIVE: u16 = 0x8000;
}

/// Who an ACE names: a SID, or (in text snapshots that print names) a name
/// that could not be turned into a SID.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Trustee {
    Sid(Sid),
    Name(String),
}

impl std::fmt::Display for Trustee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Trustee::Sid(sid) => sid.fmt(f),
            Trustee::Name(name) => f.write_str(name),
        }
    }
}

/// One access control entry, with its mask exactly as stored (generic bits
/// not yet mapped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ace {
    pub ace_type: u8,
    pub flags: u8,
    pub mask: u32,
    pub trustee: Trustee,
    /// The principal's name as the snapshot printed it, when it printed one.
    pub display_name: Option<String>,
    /// Rights the ACE may hold beyond `mask`, which the snapshot named in a
    /// way this tool does not know (an unknown right name in a text
    /// snapshot). The access check tries both; 0 for every SDDL or binary ACE.
    #[serde(skip_serializing_if = "is_zero")]
    pub unknown_rights: u32,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// A descriptor's DACL: absent and NULL both grant everything; an empty
/// list grants nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "aces", rename_all = "snake_case")]
pub enum Dacl {
    NotPresent,
    Null,
    Entries(Vec<Ace>),
}

impl Ace {
    /// Inherit-only ACEs do not apply to the folder that holds them.
    pub fn is_inherit_only(&self) -> bool {
        self.flags & ace_flags::INHERIT_ONLY != 0
    }

    /// Object ACEs (allowed/denied object) do not apply to files and folders.
    pub fn is_object_ace(&self) -> bool {
        matches!(
            self.ace_type,
            ace_type::ACCESS_ALLOWED_OBJECT | ace_type::ACCESS_DENIED_OBJECT
        )
    }

    /// "allow", "deny", "allow (object)", ... for reports.
    pub fn type_word(&self) -> &'static str {
        match self.ace_type {
            ace_type::ACCESS_ALLOWED => "allow",
            ace_type::ACCESS_DENIED => "deny",
            ace_type::ACCESS_ALLOWED_OBJECT => "allow (object)",
            ace_type::ACCESS_DENIED_OBJECT => "deny (object)",
            ace_type::SYSTEM_AUDIT => "audit",
            _ => "other",
        }
    }
}

/// The parts of a security descriptor that decide access to a folder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecurityDescriptor {
    /// The control word, when the source carries one (binary, or derived
    /// from SDDL flags).
    pub control: Option<u16>,
    pub owner: Option<Sid>,
    pub group: Option<Sid>,
    pub dacl: Dacl,
}

/// Parses SDDL text (`O:`, `G:`, `D:`, `S:` parts in any order; `D:` may be
/// `NO_ACCESS_CONTROL`). The SACL is skipped.
pub fn parse_sddl(text: &str) -> Result<SecurityDescriptor, SddlError> {
    sddl_text::parse_sddl(text)
}

/// Parses a binary self-relative security descriptor.
pub fn parse_binary_descriptor(bytes: &[u8]) -> Result<SecurityDescriptor, SddlError> {
    binary::parse_binary_descriptor(bytes)
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SddlError(pub String);
