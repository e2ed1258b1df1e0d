//! Security identifiers and the well-known ones a folder ACL names.
//!
//! Text form `S-R-A-S1-S2-...` (the authority decimal, or `0x` hex as Windows
//! prints authorities of 2^32 and more); binary form per MS-DTYP 2.4.2.2:
//! revision, sub-authority count, 6-byte big-endian authority, then the
//! sub-authorities as little-endian 32-bit words.

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

/// Windows refuses SIDs with more sub-authorities than this (SID_MAX_SUB_AUTHORITIES).
pub const MAX_SUB_AUTHORITIES: usize = 15;
/// The only SID revision Windows knows (SID_REVISION).
pub const SID_REVISION: u8 = 1;
/// The identifier authority is 6 bytes wide.
const MAX_AUTHORITY: u64 = (1 << 48) - 1;

impl Sid {
    /// A revision-1 SID from its authority and sub-authorities.
    pub fn new(authority: u64, sub_authorities: &[u32]) -> Sid {
        Sid {
            revision: SID_REVISION,
            authority,
            sub_authorities: sub_authorities.to_vec(),
        }
    }

    /// Reads a binary SID from the start of `bytes`; returns it and the
    /// number of bytes it occupies. Checks the bounds, the revision and the
    /// sub-authority limit as Windows' IsValidSid does.
    pub fn from_binary(bytes: &[u8]) -> Result<(Sid, usize), SidParseError> {
        let header = bytes.get(..8).ok_or_else(|| {
            SidParseError(format!("{} bytes, a SID needs at least 8", bytes.len()))
        })?;
        let revision = header[0];
        if revision != SID_REVISION {
            return Err(SidParseError(format!("revision {revision}, expected 1")));
        }
        let count = usize::from(header[1]);
        if count > MAX_SUB_AUTHORITIES {
            return Err(SidParseError(format!(
                "{count} sub-authorities, at most {MAX_SUB_AUTHORITIES} allowed"
            )));
        }
        let authority = header[2..8]
            .iter()
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
        let length = 8 + 4 * count;
        let body = bytes.get(8..length).ok_or_else(|| {
            SidParseError(format!(
                "{count} sub-authorities need {length} bytes, only {} present",
                bytes.len()
            ))
        })?;
        let sub_authorities = body
            .chunks_exact(4)
            .map(|word| u32::from_le_bytes([word[0], word[1], word[2], word[3]]))
            .collect();
        Ok((
            Sid {
                revision,
                authority,
                sub_authorities,
            },
            length,
        ))
    }

    /// The last sub-authority (the relative identifier of an account SID).
    pub fn rid(&self) -> Option<u32> {
        self.sub_authorities.last().copied()
    }

    /// Whether this could be a local (or domain) user account created after
    /// installation, as IIS setup creates `IUSR_<computer>`: a machine or
    /// domain SID `S-1-5-21-x-y-z` plus a RID of 1000 or more. RIDs below
    /// 1000 are the built-in accounts and groups (500 Administrator, 501
    /// Guest, 513 None / Domain Users, ...), never the anonymous web account.
    pub fn could_be_created_account(&self) -> bool {
        self.revision == SID_REVISION
            && self.authority == 5
            && self.sub_authorities.len() == 5
            && self.sub_authorities[0] == 21
            && self.sub_authorities[4] >= 1000
    }
}

impl std::str::FromStr for Sid {
    type Err = SidParseError;
    fn from_str(text: &str) -> Result<Sid, SidParseError> {
        let fail = |why: &str| SidParseError(format!("{text:?}: {why}"));
        let mut parts = text.split('-');
        match parts.next() {
            Some(prefix) if prefix.eq_ignore_ascii_case("S") => {}
            _ => return Err(fail("does not start with S-")),
        }
        let revision = parts
            .next()
            .and_then(parse_decimal)
            .and_then(|r| u8::try_from(r).ok())
            .ok_or_else(|| fail("bad revision"))?;
        if revision != SID_REVISION {
            return Err(fail("revision is not 1"));
        }
        let authority_text = parts.next().ok_or_else(|| fail("no authority"))?;
        let authority = match authority_text
            .strip_prefix("0x")
            .or_else(|| authority_text.strip_prefix("0X"))
        {
            Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                u64::from_str_radix(hex, 16).ok()
            }
            Some(_) => None,
            None => parse_decimal(authority_text),
        }
        .filter(|a| *a <= MAX_AUTHORITY)
        .ok_or_else(|| fail("bad identifier authority"))?;
        let mut sub_authorities = Vec::new();
        for part in parts {
            let sub = parse_decimal(part)
                .and_then(|s| u32::try_from(s).ok())
                .ok_or_else(|| fail("bad sub-authority"))?;
            sub_authorities.push(sub);
        }
        if sub_authorities.len() > MAX_SUB_AUTHORITIES {
            return Err(fail("more than 15 sub-authorities"));
        }
        Ok(Sid {
            revision,
            authority,
            sub_authorities,
        })
    }
}

/// Digits only (no sign, no spaces), at most what fits a u64.
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl std::fmt::Display for Sid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Windows prints authorities of 2^32 and more in hex.
        if self.authority >= 1 << 32 {
            write!(f, "S-{}-0x{:012X}", self.revision, self.authority)?;
        } else {
            write!(f, "S-{}-{}", self.revision, self.authority)?;
        }
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

/// Well-known SIDs with the names Windows displays (LookupAccountSid's
/// `DOMAIN\name`, or the bare name for principals without a domain).
const WELL_KNOWN: &[(u64, &[u32], &str)] = &[
    (0, &[0], "NULL SID"),
    (1, &[0], "Everyone"),
    (2, &[0], "LOCAL"),
    (2, &[1], "CONSOLE LOGON"),
    (3, &[0], "CREATOR OWNER"),
    (3, &[1], "CREATOR GROUP"),
    (3, &[2], "CREATOR OWNER SERVER"),
    (3, &[3], "CREATOR GROUP SERVER"),
    (3, &[4], "OWNER RIGHTS"),
    (5, &[1], "NT AUTHORITY\\DIALUP"),
    (5, &[2], "NT AUTHORITY\\NETWORK"),
    (5, &[3], "NT AUTHORITY\\BATCH"),
    (5, &[4], "NT AUTHORITY\\INTERACTIVE"),
    (5, &[6], "NT AUTHORITY\\SERVICE"),
    (5, &[7], "NT AUTHORITY\\ANONYMOUS LOGON"),
    (5, &[8], "NT AUTHORITY\\PROXY"),
    (5, &[9], "NT AUTHORITY\\ENTERPRISE DOMAIN CONTROLLERS"),
    (5, &[10], "NT AUTHORITY\\SELF"),
    (5, &[11], "NT AUTHORITY\\Authenticated Users"),
    (5, &[12], "NT AUTHORITY\\RESTRICTED"),
    (5, &[13], "NT AUTHORITY\\TERMINAL SERVER USER"),
    (5, &[14], "NT AUTHORITY\\REMOTE INTERACTIVE LOGON"),
    (5, &[15], "NT AUTHORITY\\This Organization"),
    (5, &[17], "NT AUTHORITY\\IUSR"),
    (5, &[18], "NT AUTHORITY\\SYSTEM"),
    (5, &[19], "NT AUTHORITY\\LOCAL SERVICE"),
    (5, &[20], "NT AUTHORITY\\NETWORK SERVICE"),
    (5, &[32, 544], "BUILTIN\\Administrators"),
    (5, &[32, 545], "BUILTIN\\Users"),
    (5, &[32, 546], "BUILTIN\\Guests"),
    (5, &[32, 547], "BUILTIN\\Power Users"),
    (5, &[32, 548], "BUILTIN\\Account Operators"),
    (5, &[32, 549], "BUILTIN\\Server Operators"),
    (5, &[32, 550], "BUILTIN\\Print Operators"),
    (5, &[32, 551], "BUILTIN\\Backup Operators"),
    (5, &[32, 552], "BUILTIN\\Replicator"),
    (5, &[32, 554], "BUILTIN\\Pre-Windows 2000 Compatible Access"),
    (5, &[32, 555], "BUILTIN\\Remote Desktop Users"),
    (5, &[32, 556], "BUILTIN\\Network Configuration Operators"),
    (5, &[32, 558], "BUILTIN\\Performance Monitor Users"),
    (5, &[32, 559], "BUILTIN\\Performance Log Users"),
    (5, &[32, 562], "BUILTIN\\Distributed COM Users"),
    (5, &[32, 568], "BUILTIN\\IIS_IUSRS"),
    (5, &[32, 573], "BUILTIN\\Event Log Readers"),
    (
        15,
        &[2, 1],
        "APPLICATION PACKAGE AUTHORITY\\ALL APPLICATION PACKAGES",
    ),
    (16, &[4096], "Mandatory Label\\Low Mandatory Level"),
    (16, &[8192], "Mandatory Label\\Medium Mandatory Level"),
    (16, &[12288], "Mandatory Label\\High Mandatory Level"),
    (16, &[16384], "Mandatory Label\\System Mandatory Level"),
];

/// The display name Windows gives a well-known SID (`Everyone`,
/// `BUILTIN\Administrators`, `NT AUTHORITY\SYSTEM`, ...).
pub fn well_known_name(sid: &Sid) -> Option<&'static str> {
    if sid.revision != SID_REVISION {
        return None;
    }
    WELL_KNOWN
        .iter()
        .find(|(authority, subs, _)| *authority == sid.authority && *subs == sid.sub_authorities)
        .map(|(_, _, name)| *name)
}

/// The well-known SID a printed name stands for, case-insensitively:
/// `Everyone`, `BUILTIN\Users`, `NT AUTHORITY\SYSTEM`, and the bare names
/// of `NT AUTHORITY\` and `BUILTIN\` principals (`Authenticated Users`,
/// `SYSTEM`, `Administrators`), as cacls, icacls and Get-Acl print them.
pub fn well_known_sid(name: &str) -> Option<Sid> {
    let name = name.trim();
    WELL_KNOWN
        .iter()
        .find(|(_, _, known)| {
            known.eq_ignore_ascii_case(name)
                || known.split_once('\\').is_some_and(|(domain, bare)| {
                    matches!(domain, "NT AUTHORITY" | "BUILTIN") && bare.eq_ignore_ascii_case(name)
                })
        })
        .map(|(authority, subs, _)| Sid::new(*authority, subs))
}

/// Frequently needed SIDs.
pub mod known {
    use super::Sid;

    pub fn everyone() -> Sid {
        Sid::new(1, &[0])
    }
    pub fn creator_owner() -> Sid {
        Sid::new(3, &[0])
    }
    pub fn owner_rights() -> Sid {
        Sid::new(3, &[4])
    }
    pub fn interactive() -> Sid {
        Sid::new(5, &[4])
    }
    pub fn authenticated_users() -> Sid {
        Sid::new(5, &[11])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_decimal_and_hex_authorities() {
        let sid: Sid = "S-1-5-21-1417001333-436374069-854245398-1001"
            .parse()
            .unwrap();
        assert_eq!(sid.authority, 5);
        assert_eq!(
            sid.sub_authorities,
            [21, 1417001333, 436374069, 854245398, 1001]
        );
        assert_eq!(
            sid.to_string(),
            "S-1-5-21-1417001333-436374069-854245398-1001"
        );
        let hex: Sid = "S-1-0x5-32-544".parse().unwrap();
        assert_eq!(hex, Sid::new(5, &[32, 544]));
        let big: Sid = "S-1-0x123456789ABC-1".parse().unwrap();
        assert_eq!(big.authority, 0x1234_5678_9ABC);
        assert_eq!(big.to_string(), "S-1-0x123456789ABC-1");
        assert_eq!(big.to_string().parse::<Sid>().unwrap(), big);
    }

    #[test]
    fn rejects_malformed_text() {
        for bad in [
            "",
            "S",
            "S-",
            "S-1",
            "S-2-5-32",
            "S-1-x",
            "S-1-5--1",
            "S-1-5-4294967296",
            "S-1-281474976710656-1",
            "S-1-0x",
            "S-1-5-+1",
            "X-1-5-32",
            "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
        ] {
            assert!(bad.parse::<Sid>().is_err(), "{bad:?} parsed");
        }
        assert!(
            "S-1-5".parse::<Sid>().is_ok(),
            "no sub-authority is a valid SID (NULL authority form)"
        );
    }

    #[test]
    fn binary_round_trip_and_bounds() {
        let sid: Sid = "S-1-5-21-1-2-3-500".parse().unwrap();
        let bytes = crate::fixture::acl::sid_binary(&sid);
        assert_eq!(bytes.len(), 8 + 4 * 5);
        assert_eq!(&bytes[..8], &[1, 5, 0, 0, 0, 0, 0, 5]);
        assert_eq!(Sid::from_binary(&bytes).unwrap(), (sid, 28));
        assert!(Sid::from_binary(&bytes[..27]).is_err());
        assert!(Sid::from_binary(&[2, 0, 0, 0, 0, 0, 0, 5]).is_err());
        assert!(Sid::from_binary(&[1, 16, 0, 0, 0, 0, 0, 5]).is_err());
        assert!(Sid::from_binary(&[]).is_err());
    }

    #[test]
    fn well_known_names_both_ways() {
        assert_eq!(
            well_known_name(&"S-1-1-0".parse().unwrap()),
            Some("Everyone")
        );
        assert_eq!(
            well_known_name(&"S-1-5-32-568".parse().unwrap()),
            Some("BUILTIN\\IIS_IUSRS")
        );
        assert_eq!(
            well_known_name(&"S-1-5-21-1-2-3-500".parse().unwrap()),
            None
        );
        for (name, sid) in [
            ("everyone", "S-1-1-0"),
            ("BUILTIN\\Users", "S-1-5-32-545"),
            ("builtin\\users", "S-1-5-32-545"),
            ("NT AUTHORITY\\SYSTEM", "S-1-5-18"),
            ("Authenticated Users", "S-1-5-11"),
            ("NT AUTHORITY\\Authenticated Users", "S-1-5-11"),
            ("CREATOR OWNER", "S-1-3-0"),
            ("Administrators", "S-1-5-32-544"),
        ] {
            assert_eq!(well_known_sid(name), Some(sid.parse().unwrap()), "{name}");
        }
        assert_eq!(well_known_sid("EXCH01\\IUSR_EXCH01"), None);
        assert_eq!(well_known_sid("OTHER\\Users"), None);
        // Every table entry maps back to itself.
        for (authority, subs, name) in WELL_KNOWN {
            let sid = Sid::new(*authority, subs);
            assert_eq!(well_known_sid(name).as_ref(), Some(&sid));
            assert_eq!(well_known_name(&sid), Some(*name));
        }
    }

    #[test]
    fn created_accounts_are_recognised_by_rid() {
        let iusr: Sid = "S-1-5-21-1417001333-436374069-854245398-1001"
            .parse()
            .unwrap();
        assert!(iusr.could_be_created_account());
        let admin: Sid = "S-1-5-21-1417001333-436374069-854245398-500"
            .parse()
            .unwrap();
        assert!(!admin.could_be_created_account());
        assert!(!known::everyone().could_be_created_account());
    }
}
