//! SDDL text: split into its `O:`/`G:`/`D:`/`S:` parts here, ACEs read by
//! the `sddl` crate, and a renderer back to text.
//!
//! The crate's own descriptor grammar insists on `O:` and `G:` and knows no
//! `NO_ACCESS_CONTROL`, and its number rules unwrap on overflow, so this
//! module splits the text itself, checks every ACE's fields before the crate
//! sees them, and hands the crate only ACE lists it cannot choke on.

use super::sid::Sid;
use super::{Ace, Dacl, SddlError, SecurityDescriptor, Trustee, ace_type, control};
use binrw::BinWrite;

/// Parses SDDL text (`O:`, `G:`, `D:`, `S:` parts in any order; `D:` may be
/// `NO_ACCESS_CONTROL`). The SACL's entries are skipped; its flags and
/// presence go into the control word.
pub fn parse_sddl(text: &str) -> Result<SecurityDescriptor, SddlError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(SddlError("empty SDDL".into()));
    }
    let parts = split_parts(text)?;
    let mut descriptor = SecurityDescriptor {
        control: Some(control::SELF_RELATIVE),
        owner: None,
        group: None,
        dacl: Dacl::NotPresent,
    };
    let mut control_word = control::SELF_RELATIVE;
    for (letter, value) in parts {
        match letter {
            'O' => descriptor.owner = Some(parse_sid_or_alias(value, "owner")?),
            'G' => descriptor.group = Some(parse_sid_or_alias(value, "group")?),
            'D' => {
                let (flags, aces) = split_acl(value, "D")?;
                control_word |= control::DACL_PRESENT
                    | acl_flag_bits(
                        &flags,
                        control::DACL_PROTECTED,
                        control::DACL_AUTO_INHERITED,
                        control::DACL_AUTO_INHERIT_REQ,
                    );
                descriptor.dacl = if flags.no_access_control {
                    if !aces.is_empty() {
                        return Err(SddlError("D:NO_ACCESS_CONTROL followed by ACEs".into()));
                    }
                    Dacl::Null
                } else {
                    Dacl::Entries(parse_dacl_entries(&aces)?)
                };
            }
            'S' => {
                // The SACL does not decide access: only its presence and flags are kept.
                let (flags, _aces) = split_acl(value, "S")?;
                control_word |= control::SACL_PRESENT;
                control_word |= acl_flag_bits(
                    &flags,
                    control::SACL_PROTECTED,
                    control::SACL_AUTO_INHERITED,
                    control::SACL_AUTO_INHERIT_REQ,
                );
            }
            _ => unreachable!("split_parts yields only O, G, D, S"),
        }
    }
    descriptor.control = Some(control_word);
    Ok(descriptor)
}

/// Splits the text at `O:`, `G:`, `D:` and `S:` outside parentheses. Each
/// part may occur once; nothing may precede the first.
fn split_parts(text: &str) -> Result<Vec<(char, &str)>, SddlError> {
    let bytes = text.as_bytes();
    let mut starts: Vec<(char, usize)> = Vec::new();
    let mut depth = 0usize;
    for (index, byte) in bytes.iter().enumerate() {
        match byte {
            b'(' => depth += 1,
            b')' => {
                depth = depth
                    .checked_sub(1)
                    .ok_or_else(|| SddlError(format!("unbalanced ')' at offset {index}")))?
            }
            b'O' | b'G' | b'D' | b'S' if depth == 0 && bytes.get(index + 1) == Some(&b':') => {
                starts.push((char::from(*byte), index));
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(SddlError("unbalanced '(' (an ACE is not closed)".into()));
    }
    match starts.first() {
        None => return Err(SddlError("no O:, G:, D: or S: part".into())),
        Some((_, 0)) => {}
        Some((_, first)) => {
            return Err(SddlError(format!(
                "unexpected text before the first part: {:?}",
                &text[..*first]
            )));
        }
    }
    let mut parts = Vec::with_capacity(starts.len());
    for (position, (letter, start)) in starts.iter().enumerate() {
        let end = starts
            .get(position + 1)
            .map_or(text.len(), |(_, next)| *next);
        if parts.iter().any(|(seen, _)| seen == letter) {
            return Err(SddlError(format!("the {letter}: part appears twice")));
        }
        parts.push((*letter, &text[start + 2..end]));
    }
    Ok(parts)
}

/// The flags written before an ACL's first ACE.
#[derive(Default)]
struct AclFlags {
    protected: bool,
    auto_inherited: bool,
    auto_inherit_req: bool,
    no_access_control: bool,
}

fn acl_flag_bits(
    flags: &AclFlags,
    protected: u16,
    auto_inherited: u16,
    auto_inherit_req: u16,
) -> u16 {
    let mut bits = 0;
    if flags.protected {
        bits |= protected;
    }
    if flags.auto_inherited {
        bits |= auto_inherited;
    }
    if flags.auto_inherit_req {
        bits |= auto_inherit_req;
    }
    bits
}

/// Splits an ACL part into its flags (`P`, `AI`, `AR`, `NO_ACCESS_CONTROL`,
/// in any order) and the text of each ACE (without parentheses).
fn split_acl<'t>(value: &'t str, part: &str) -> Result<(AclFlags, Vec<&'t str>), SddlError> {
    let value = value.trim();
    let flags_end = value.find('(').unwrap_or(value.len());
    let mut flags = AclFlags::default();
    let mut rest = value[..flags_end].trim();
    while !rest.is_empty() {
        if let Some(tail) = rest.strip_prefix("NO_ACCESS_CONTROL") {
            flags.no_access_control = true;
            rest = tail;
        } else if let Some(tail) = rest.strip_prefix("AI") {
            flags.auto_inherited = true;
            rest = tail;
        } else if let Some(tail) = rest.strip_prefix("AR") {
            flags.auto_inherit_req = true;
            rest = tail;
        } else if let Some(tail) = rest.strip_prefix('P') {
            flags.protected = true;
            rest = tail;
        } else {
            return Err(SddlError(format!("{part}: unknown ACL flags {rest:?}")));
        }
    }
    let mut aces = Vec::new();
    let bytes = value.as_bytes();
    let mut index = flags_end;
    while index < bytes.len() {
        match bytes[index] {
            b'(' => {
                let mut depth = 0usize;
                let start = index + 1;
                let mut end = None;
                for (offset, byte) in bytes[index..].iter().enumerate() {
                    match byte {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(index + offset);
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| SddlError(format!("{part}: an ACE is not closed")))?;
                aces.push(&value[start..end]);
                index = end + 1;
            }
            byte if byte.is_ascii_whitespace() => index += 1,
            _ => {
                return Err(SddlError(format!(
                    "{part}: unexpected text between ACEs: {:?}",
                    &value[index..]
                )));
            }
        }
    }
    Ok((flags, aces))
}

/// Domain-relative SDDL aliases: they stand for `<domain SID>-<RID>`, and a
/// folder snapshot does not say which domain.
const DOMAIN_RELATIVE_ALIASES: &[(&str, &str)] = &[
    ("LA", "the local Administrator account"),
    ("LG", "the local Guest account"),
    ("DA", "Domain Admins"),
    ("DU", "Domain Users"),
    ("DG", "Domain Guests"),
    ("DC", "Domain Computers"),
    ("DD", "Domain Controllers"),
    ("CA", "Cert Publishers"),
    ("SA", "Schema Admins"),
    ("EA", "Enterprise Admins"),
    ("PA", "Group Policy Creator Owners"),
    ("RS", "RAS and IAS Servers"),
    ("RO", "Enterprise Read-only Domain Controllers"),
    ("CN", "Cloneable Domain Controllers"),
    ("AP", "Protected Users"),
    ("KA", "Key Admins"),
    ("EK", "Enterprise Key Admins"),
];

/// A numeric SID, or a two-letter SDDL alias resolved by the `sddl` crate.
fn parse_sid_or_alias(text: &str, what: &str) -> Result<Sid, SddlError> {
    let text = text.trim();
    if text
        .get(..2)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("S-"))
    {
        return text
            .parse::<Sid>()
            .map_err(|e| SddlError(format!("{what}: {e}")));
    }
    if let Some((alias, meaning)) = DOMAIN_RELATIVE_ALIASES
        .iter()
        .find(|(alias, _)| *alias == text)
    {
        return Err(SddlError(format!(
            "{what}: SDDL alias {alias} ({meaning}) is relative to a domain SID, which the descriptor does not give; cannot resolve it"
        )));
    }
    if text.len() != 2 || !text.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(SddlError(format!(
            "{what}: {text:?} is neither a SID nor an SDDL alias"
        )));
    }
    let info = ::sddl::SidInfo::try_from_alias(text, None)
        .map_err(|e| SddlError(format!("{what}: unknown SDDL alias {text:?} ({e})")))?;
    Ok(sid_from_crate(&info))
}

/// Converts the crate's SID by its parts (its Display pads sub-authorities
/// and panics on SIDs without any).
pub(super) fn sid_from_crate(info: &::sddl::SidInfo) -> Sid {
    let sid = info.sid();
    let authority = sid
        .identifier_authority()
        .value()
        .iter()
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
    Sid {
        revision: *sid.revision(),
        authority,
        sub_authorities: sid.sub_authority().clone(),
    }
}

/// The exact stored value of a crate mask or flag word, through its binary
/// writer (its `raw_value()` drops bits outside the crate's flag enum).
pub(super) fn stored_value<T>(value: &T) -> Option<u64>
where
    T: for<'a> BinWrite<Args<'a> = ()>,
{
    let mut cursor = std::io::Cursor::new(Vec::new());
    value.write_le(&mut cursor).ok()?;
    let bytes = cursor.into_inner();
    let mut padded = [0u8; 8];
    padded.get_mut(..bytes.len())?.copy_from_slice(&bytes);
    Some(u64::from_le_bytes(padded))
}

/// Converts one ACE read by the crate.
pub(super) fn ace_from_crate(ace: &::sddl::Ace) -> Result<Ace, SddlError> {
    let ace_type = match ace {
        ::sddl::Ace::ACCESS_ALLOWED_ACE { .. } => ace_type::ACCESS_ALLOWED,
        ::sddl::Ace::ACCESS_DENIED_ACE { .. } => ace_type::ACCESS_DENIED,
        ::sddl::Ace::ACCESS_ALLOWED_OBJECT_ACE { .. } => ace_type::ACCESS_ALLOWED_OBJECT,
        ::sddl::Ace::ACCESS_DENIED_OBJECT_ACE { .. } => ace_type::ACCESS_DENIED_OBJECT,
        _ => {
            return Err(SddlError(
                "an ACE of a type that cannot be evaluated in a DACL".into(),
            ));
        }
    };
    let header = ace.header();
    let flags = stored_value(header.ace_flags())
        .and_then(|v| u8::try_from(v).ok())
        .ok_or_else(|| SddlError("unreadable ACE flags".into()))?;
    let mask = stored_value(header.mask())
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| SddlError("unreadable ACE mask".into()))?;
    Ok(Ace {
        ace_type,
        flags,
        mask,
        trustee: Trustee::Sid(sid_from_crate(ace.sid())),
        display_name: None,
        unknown_rights: 0,
    })
}

const DACL_ACE_TYPES: &[&str] = &["A", "D", "OA", "OD"];
const ACE_FLAG_LETTERS: &[&str] = &["OI", "CI", "NP", "IO", "ID", "SA", "FA", "CR"];

/// Checks and normalises each ACE's fields, then lets the crate read them.
fn parse_dacl_entries(aces: &[&str]) -> Result<Vec<Ace>, SddlError> {
    let mut normalised = String::from("D:");
    let mut sids = Vec::with_capacity(aces.len());
    for (position, ace) in aces.iter().enumerate() {
        let number = position + 1;
        let fields: Vec<&str> = ace.split(';').map(str::trim).collect();
        let [kind, flags, mask, object_type, inherited_object_type, sid] = fields[..] else {
            return Err(SddlError(format!(
                "ACE {number} ({ace}): {} fields, expected 6 (type;flags;rights;object;inherited object;SID)",
                fields.len()
            )));
        };
        if !DACL_ACE_TYPES.contains(&kind) {
            return Err(SddlError(format!(
                "ACE {number} ({ace}): type {kind:?} cannot be evaluated in a DACL (A, D, OA and OD can)"
            )));
        }
        if flags.len() % 2 != 0
            || !flags.as_bytes().chunks(2).all(|pair| {
                ACE_FLAG_LETTERS
                    .iter()
                    .any(|letter| letter.as_bytes() == pair)
            })
        {
            return Err(SddlError(format!(
                "ACE {number} ({ace}): bad ACE flags {flags:?}"
            )));
        }
        let mask = normalise_mask(mask)
            .map_err(|why| SddlError(format!("ACE {number} ({ace}): {why}")))?;
        for guid in [object_type, inherited_object_type] {
            if !guid.is_empty() && !is_guid(guid) {
                return Err(SddlError(format!(
                    "ACE {number} ({ace}): bad GUID {guid:?}"
                )));
            }
            if !guid.is_empty() && !kind.starts_with('O') {
                return Err(SddlError(format!(
                    "ACE {number} ({ace}): a GUID on a non-object ACE"
                )));
            }
        }
        let sid = parse_sid_or_alias(sid, &format!("ACE {number} ({ace})"))?;
        // The crate gets a placeholder trustee: the SID was read above, in
        // every form Windows writes (hex authorities included).
        normalised.push_str(&format!(
            "({kind};{flags};{mask};{object_type};{inherited_object_type};WD)"
        ));
        sids.push(sid);
    }
    // An ACL is at most 64 KiB (its size is a 16-bit field; the crate adds
    // the ACE sizes up in 16 bits and would overflow).
    let binary_size: usize = 8 + sids
        .iter()
        .zip(aces)
        .map(|(sid, ace)| {
            let guids = ace
                .split(';')
                .skip(3)
                .take(2)
                .filter(|g| !g.trim().is_empty())
                .count();
            let object = if ace.starts_with('O') {
                4 + 16 * guids
            } else {
                0
            };
            8 + object + 8 + 4 * sid.sub_authorities.len()
        })
        .sum::<usize>();
    if binary_size > usize::from(u16::MAX) {
        return Err(SddlError(format!(
            "DACL of {} ACEs would take {binary_size} bytes, more than an ACL can hold (65535)",
            sids.len()
        )));
    }
    let acl = ::sddl::Acl::from_sddl(&normalised, None)
        .map_err(|e| SddlError(format!("DACL not understood: {e}")))?;
    if acl.ace_list().len() != sids.len() {
        return Err(SddlError(format!(
            "DACL: read {} ACEs, expected {}",
            acl.ace_list().len(),
            sids.len()
        )));
    }
    acl.ace_list()
        .iter()
        .zip(sids)
        .map(|(ace, sid)| {
            let mut converted = ace_from_crate(ace)?;
            converted.trustee = Trustee::Sid(sid);
            Ok(converted)
        })
        .collect()
}

/// Why a rights field cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
enum MaskError {
    #[error("empty rights field")]
    Empty,
    #[error("bad hex rights {0:?}")]
    BadHex(String),
    #[error("bad octal rights {0:?}")]
    BadOctal(String),
    #[error("bad rights {0:?}")]
    Bad(String),
    #[error("rights {0:?} do not fit 32 bits")]
    TooLarge(String),
}

/// Rights as letters (passed on) or a number (checked to fit 32 bits and
/// rewritten in the `0x` form the crate reads without overflowing).
fn normalise_mask(mask: &str) -> Result<String, MaskError> {
    if mask.is_empty() {
        return Err(MaskError::Empty);
    }
    if mask.as_bytes()[0].is_ascii_digit() {
        let value =
            if let Some(hex) = mask.strip_prefix("0x").or_else(|| mask.strip_prefix("0X")) {
                if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(MaskError::BadHex(mask.to_string()));
                }
                let significant = hex.trim_start_matches('0');
                if significant.is_empty() {
                    Ok(0)
                } else {
                    u32::from_str_radix(significant, 16).map_err(|_| ())
                }
            } else if mask.len() > 1 && mask.starts_with('0') {
                // C's strtoul with base 0, as Windows reads SDDL numbers: leading 0 is octal.
                if !mask.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                    return Err(MaskError::BadOctal(mask.to_string()));
                }
                u32::from_str_radix(mask, 8).map_err(|_| ())
            } else {
                if !mask.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(MaskError::Bad(mask.to_string()));
                }
                mask.parse::<u32>().map_err(|_| ())
            }
            .map_err(|_| MaskError::TooLarge(mask.to_string()))?;
        return Ok(format!("0x{value:x}"));
    }
    if mask.len() % 2 != 0 || !mask.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(MaskError::Bad(mask.to_string()));
    }
    Ok(mask.to_string())
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, length)| {
            group.len() == length && group.bytes().all(|b| b.is_ascii_hexdigit())
        })
}

/// Renders a descriptor as SDDL: owner, group, DACL with its flags, and an
/// entry-less `S:` carrying the SACL flags when the control word has them.
/// Masks are written as `0x` numbers and trustees as numeric SIDs, so the
/// text parses back to the same descriptor; a `Trustee::Name` (from a text
/// snapshot that printed names) is written as the name and does not.
pub fn render_sddl(descriptor: &SecurityDescriptor) -> String {
    let control_word = descriptor.control.unwrap_or(0);
    let mut out = String::new();
    if let Some(owner) = &descriptor.owner {
        out.push_str(&format!("O:{owner}"));
    }
    if let Some(group) = &descriptor.group {
        out.push_str(&format!("G:{group}"));
    }
    let dacl_flags = render_acl_flags(
        control_word,
        control::DACL_PROTECTED,
        control::DACL_AUTO_INHERIT_REQ,
        control::DACL_AUTO_INHERITED,
    );
    match &descriptor.dacl {
        Dacl::NotPresent => {}
        Dacl::Null => out.push_str(&format!("D:{dacl_flags}NO_ACCESS_CONTROL")),
        Dacl::Entries(aces) => {
            out.push_str(&format!("D:{dacl_flags}"));
            for ace in aces {
                out.push_str(&render_ace(ace));
            }
        }
    }
    if control_word & control::SACL_PRESENT != 0 {
        let sacl_flags = render_acl_flags(
            control_word,
            control::SACL_PROTECTED,
            control::SACL_AUTO_INHERIT_REQ,
            control::SACL_AUTO_INHERITED,
        );
        out.push_str(&format!("S:{sacl_flags}"));
    }
    out
}

fn render_acl_flags(
    control_word: u16,
    protected: u16,
    auto_inherit_req: u16,
    auto_inherited: u16,
) -> String {
    let mut flags = String::new();
    if control_word & protected != 0 {
        flags.push('P');
    }
    if control_word & auto_inherit_req != 0 {
        flags.push_str("AR");
    }
    if control_word & auto_inherited != 0 {
        flags.push_str("AI");
    }
    flags
}

/// One ACE as SDDL, `(A;OICI;0x1f01ff;;;S-1-5-32-544)`.
pub fn render_ace(ace: &Ace) -> String {
    let kind = match ace.ace_type {
        ace_type::ACCESS_ALLOWED => "A".to_string(),
        ace_type::ACCESS_DENIED => "D".to_string(),
        ace_type::ACCESS_ALLOWED_OBJECT => "OA".to_string(),
        ace_type::ACCESS_DENIED_OBJECT => "OD".to_string(),
        ace_type::SYSTEM_AUDIT => "AU".to_string(),
        other => format!("0x{other:02x}"),
    };
    let mut flags = String::new();
    for (bit, letters) in [
        (0x01, "OI"),
        (0x02, "CI"),
        (0x04, "NP"),
        (0x08, "IO"),
        (0x10, "ID"),
        (0x20, "CR"),
        (0x40, "SA"),
        (0x80, "FA"),
    ] {
        if ace.flags & bit != 0 {
            flags.push_str(letters);
        }
    }
    format!("({kind};{flags};0x{:x};;;{})", ace.mask, ace.trustee)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sid(text: &str) -> Sid {
        text.parse().unwrap()
    }

    #[test]
    fn icacls_save_line_without_owner_or_group() {
        let d =
            parse_sddl("D:AI(A;OICIID;FA;;;BA)(D;;0x2;;;S-1-5-21-1-2-3-1001)(A;CIIO;GRGX;;;WD)")
                .unwrap();
        assert_eq!(d.owner, None);
        assert_eq!(d.group, None);
        assert_eq!(d.control, Some(0x8000 | 0x0004 | 0x0400));
        let Dacl::Entries(aces) = &d.dacl else {
            panic!("{:?}", d.dacl)
        };
        assert_eq!(aces.len(), 3);
        assert_eq!(
            (aces[0].ace_type, aces[0].flags, aces[0].mask),
            (0, 0x13, 0x1F01FF)
        );
        assert_eq!(aces[0].trustee, Trustee::Sid(sid("S-1-5-32-544")));
        assert_eq!((aces[1].ace_type, aces[1].mask), (1, 2));
        assert_eq!(aces[1].trustee, Trustee::Sid(sid("S-1-5-21-1-2-3-1001")));
        assert_eq!((aces[2].flags, aces[2].mask), (0x0A, 0xA000_0000));
    }

    #[test]
    fn parts_in_any_order_and_null_dacl() {
        let a = parse_sddl("D:P(A;;FR;;;AU)G:SYO:BA").unwrap();
        let b = parse_sddl("O:BAG:SYD:P(A;;FR;;;AU)").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.control, Some(0x9004));
        let null = parse_sddl("O:BAG:SYD:NO_ACCESS_CONTROL").unwrap();
        assert_eq!(null.dacl, Dacl::Null);
        let absent = parse_sddl("O:BAG:SY").unwrap();
        assert_eq!(absent.dacl, Dacl::NotPresent);
        assert_eq!(absent.control, Some(0x8000));
        let empty = parse_sddl("D:").unwrap();
        assert_eq!(empty.dacl, Dacl::Entries(vec![]));
    }

    #[test]
    fn masks_exactly_as_written() {
        for (text, value) in [
            ("FA", 0x1F01FF),
            ("FR", 0x120089),
            ("FW", 0x120116),
            ("FX", 0x1200A0),
            ("GA", 0x1000_0000),
            ("GRGX", 0xA000_0000),
            ("0x1201b6", 0x1201B6),
            ("0X1201B6", 0x1201B6),
            ("0xffffffff", 0xFFFF_FFFF),
            ("0x00000002", 2),
            ("2", 2),
            ("010", 8),
            ("SDRCWDWO", 0xF0000),
        ] {
            let d = parse_sddl(&format!("D:(A;;{text};;;WD)")).unwrap();
            let Dacl::Entries(aces) = d.dacl else {
                panic!()
            };
            assert_eq!(aces[0].mask, value, "{text}");
        }
        assert!(parse_sddl("D:(A;;0x100000000;;;WD)").is_err());
        assert!(parse_sddl("D:(A;;99999999999;;;WD)").is_err());
        assert!(parse_sddl("D:(A;;09;;;WD)").is_err());
    }

    #[test]
    fn sacl_skipped_but_flags_kept() {
        let d = parse_sddl("O:BAG:SYD:AI(A;;FA;;;SY)S:PAI(AU;SAFA;FA;;;WD)(ML;;NW;;;LW)").unwrap();
        assert_eq!(
            d.control,
            Some(0x8000 | 0x4 | 0x400 | 0x10 | 0x2000 | 0x800)
        );
        let Dacl::Entries(aces) = d.dacl else {
            panic!()
        };
        assert_eq!(aces.len(), 1);
    }

    #[test]
    fn object_aces_kept() {
        let d = parse_sddl("D:(OA;CI;0x2;bf967aba-0de6-11d0-a285-00aa003049e2;;BU)(OD;;0x4;;bf967aba-0de6-11d0-a285-00aa003049e2;AN)").unwrap();
        let Dacl::Entries(aces) = d.dacl else {
            panic!()
        };
        assert_eq!((aces[0].ace_type, aces[1].ace_type), (5, 6));
        assert_eq!(aces[1].trustee, Trustee::Sid(sid("S-1-5-7")));
    }

    #[test]
    fn clear_errors() {
        let err = parse_sddl("O:LAD:(A;;FA;;;SY)").unwrap_err();
        assert!(err.0.contains("LA") && err.0.contains("domain"), "{err}");
        let err = parse_sddl("D:(A;;FA;;;DU)").unwrap_err();
        assert!(err.0.contains("DU"), "{err}");
        for bad in [
            "",
            "X",
            "D:(A;;FA;;;WD",
            "D:A;;FA;;;WD)",
            "D:(A;;FA;;WD)",
            "D:(AU;;FA;;;WD)",
            "D:(A;XX;FA;;;WD)",
            "D:(A;;ZZ;;;WD)",
            "D:(A;;FA;;;S-1-x)",
            "D:(A;;FA;;;ZZ)",
            "D:NO_ACCESS_CONTROL(A;;FA;;;WD)",
            "D:QQ(A;;FA;;;WD)",
            "junkD:",
            "D:D:",
            "D:(A;;FA;;;WD)junk(A;;FA;;;WD)",
            "D:(XA;;FA;;;WD;(x))",
            "D:(A;;FA;;;WD))",
        ] {
            assert!(parse_sddl(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn oversized_dacl_is_an_error_not_a_panic() {
        let many = "(A;;FA;;;S-1-5-21-1-2-3-1001)".repeat(2000);
        let err = parse_sddl(&format!("D:{many}")).unwrap_err();
        assert!(err.0.contains("65535"), "{err}");
        let fits = "(A;;FA;;;WD)".repeat(1000);
        assert!(parse_sddl(&format!("D:{fits}")).is_ok());
    }

    #[test]
    fn hex_authority_sids_in_aces() {
        let d = parse_sddl("D:(A;;FA;;;S-1-0x5-32-544)").unwrap();
        let Dacl::Entries(aces) = d.dacl else {
            panic!()
        };
        assert_eq!(aces[0].trustee, Trustee::Sid(sid("S-1-5-32-544")));
    }

    #[test]
    fn render_round_trips() {
        for text in [
            "O:BAG:SYD:PAI(A;OICIID;FA;;;BA)(D;;0x2;;;S-1-5-21-1-2-3-1001)S:ARAI",
            "D:NO_ACCESS_CONTROL",
            "O:S-1-5-21-1-2-3-500",
            "D:PAR(OA;;0x2;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)",
        ] {
            let parsed = parse_sddl(text).unwrap();
            let rendered = render_sddl(&parsed);
            assert_eq!(
                parse_sddl(&rendered).unwrap(),
                parsed,
                "{text} -> {rendered}"
            );
        }
    }
}
