//! Security identifiers and the well-known ones a folder ACL names.

use serde::Serialize;

/// A SID in its numeric form (`S-1-5-21-...`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid {
    pub revision: u8,
    pub authority: u64,
    pub sub_authorities: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a SID: {0}")]
pub struct SidParseError(pub String);

impl std::str::FromStr for Sid {
    type Err = SidParseError;
    fn from_str(text: &str) -> Result<Sid, SidParseError> {
        let _ = text;
        todo!("acl helper")
    }
}

impl std::fmt::Display for Sid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "S-{}-{}", self.revision, self.authority)?;
        for sub in &self.sub_authorities {
            write!(f, "-{sub}")?;
        }
        Ok(())
    }
}

impl Serialize for Sid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The display name Windows gives a well-known SID (`Everyone`,
/// `BUILTIN\Administrators`, `NT AUTHORITY\SYSTEM`, ...).
pub fn well_known_name(sid: &Sid) -> Option<&'static str> {
    let _ = sid;
    todo!("acl helper")
}
