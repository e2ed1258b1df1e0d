//! The ACL view: folder security descriptors from the bundle's snapshots,
//! the principals they name, the anonymous account's token, and Windows'
//! access check over them.

mod access;
pub mod rights;
mod sid;
pub mod snapshot;
mod token;

pub use access::{AccessOutcome, AceDecision, TokenAccess, access_check, evaluate_for_token};
pub use sid::{Sid, SidParseError, well_known_name};
pub use snapshot::{AclView, FolderAcl, FolderMatch, SnapshotForm, SnapshotProblem};
pub use token::{Token, TokenMember};

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
    let _ = text;
    todo!("acl helper")
}

/// Parses a binary self-relative security descriptor.
pub fn parse_binary_descriptor(bytes: &[u8]) -> Result<SecurityDescriptor, SddlError> {
    let _ = bytes;
    todo!("acl helper")
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SddlError(pub String);
