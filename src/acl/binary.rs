//! Binary self-relative security descriptors (MS-DTYP 2.4.6), as stored in
//! files and registry values.
//!
//! The 20-byte header and its offsets are read here, whatever order the
//! parts are laid out in (Samba writes owner, group, SACL, DACL; Windows
//! usually SACL, DACL, owner, group). The `sddl` crate reads each ACE's
//! type, flags, mask and object fields from a copy bounded by the size the
//! ACE declares: its own descriptor reader ties owner presence to the
//! OwnerDefaulted flag, rejects NULL DACLs, and ignores an ACE's declared
//! size. SIDs are read by [`Sid::from_binary`]: the crate's SID reader
//! panics on `S-1-5-32-...` SIDs with other than two sub-authorities
//! (found by fuzzing), so the crate is handed a placeholder trustee.

use super::sddl_text::ace_from_crate;
use super::sid::Sid;
use super::{Ace, Dacl, SddlError, SecurityDescriptor, Trustee, ace_type, control};
use binrw::BinReaderExt;
use std::io::Cursor;

const HEADER_SIZE: usize = 20;
const ACL_HEADER_SIZE: usize = 8;
const ACE_HEADER_SIZE: usize = 4;

/// Parses a binary self-relative security descriptor.
pub fn parse_binary_descriptor(bytes: &[u8]) -> Result<SecurityDescriptor, SddlError> {
    let header = bytes.get(..HEADER_SIZE).ok_or_else(|| {
        SddlError(format!(
            "{} bytes, a security descriptor needs at least 20",
            bytes.len()
        ))
    })?;
    if header[0] != 1 {
        return Err(SddlError(format!(
            "descriptor revision {}, expected 1",
            header[0]
        )));
    }
    let control_word = u16::from_le_bytes([header[2], header[3]]);
    if control_word & control::SELF_RELATIVE == 0 {
        return Err(SddlError(
            "not self-relative (SE_SELF_RELATIVE clear): an absolute descriptor holds pointers, not offsets".into(),
        ));
    }
    let offset = |at: usize| {
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let owner = read_sid_at(bytes, offset(4), "owner")?;
    let group = read_sid_at(bytes, offset(8), "group")?;
    let dacl_offset = offset(16);
    let dacl = if control_word & control::DACL_PRESENT == 0 {
        Dacl::NotPresent
    } else if dacl_offset == 0 {
        Dacl::Null
    } else {
        Dacl::Entries(read_dacl_at(bytes, dacl_offset)?)
    };
    // The SACL (offset 12) does not decide access and is not read.
    Ok(SecurityDescriptor {
        control: Some(control_word),
        owner,
        group,
        dacl,
    })
}

/// Bytes from `offset` on, or an error naming what was looked for.
fn tail<'b>(bytes: &'b [u8], offset: u32, what: &str) -> Result<&'b [u8], SddlError> {
    usize::try_from(offset)
        .ok()
        .filter(|start| *start >= HEADER_SIZE)
        .and_then(|start| bytes.get(start..))
        .filter(|rest| !rest.is_empty())
        .ok_or_else(|| {
            SddlError(format!(
                "{what} offset {offset} is outside the descriptor ({} bytes)",
                bytes.len()
            ))
        })
}

fn read_sid_at(bytes: &[u8], offset: u32, what: &str) -> Result<Option<Sid>, SddlError> {
    if offset == 0 {
        return Ok(None);
    }
    let rest = tail(bytes, offset, what)?;
    let (sid, _) = Sid::from_binary(rest)
        .map_err(|e| SddlError(format!("{what} SID at offset {offset}: {e}")))?;
    Ok(Some(sid))
}

fn read_dacl_at(bytes: &[u8], offset: u32) -> Result<Vec<Ace>, SddlError> {
    let rest = tail(bytes, offset, "DACL")?;
    let header = rest
        .get(..ACL_HEADER_SIZE)
        .ok_or_else(|| SddlError(format!("DACL at offset {offset}: truncated ACL header")))?;
    let revision = header[0];
    if !(2..=4).contains(&revision) {
        return Err(SddlError(format!(
            "DACL at offset {offset}: ACL revision {revision}, expected 2 to 4"
        )));
    }
    let acl_size = usize::from(u16::from_le_bytes([header[2], header[3]]));
    let ace_count = usize::from(u16::from_le_bytes([header[4], header[5]]));
    let acl = rest
        .get(..acl_size)
        .filter(|_| acl_size >= ACL_HEADER_SIZE)
        .ok_or_else(|| {
            SddlError(format!(
                "DACL at offset {offset}: declared size {acl_size} does not fit the {} bytes left",
                rest.len()
            ))
        })?;
    let mut aces = Vec::with_capacity(ace_count.min(acl_size / 8));
    let mut position = ACL_HEADER_SIZE;
    for number in 1..=ace_count {
        let ace_header = acl
            .get(position..position + ACE_HEADER_SIZE)
            .ok_or_else(|| {
                SddlError(format!(
                    "DACL: ACE {number} of {ace_count} starts beyond the ACL's {acl_size} bytes"
                ))
            })?;
        let kind = ace_header[0];
        let ace_size = usize::from(u16::from_le_bytes([ace_header[2], ace_header[3]]));
        let slice = acl
            .get(position..position + ace_size)
            .filter(|_| ace_size >= ACE_HEADER_SIZE + 4 && ace_size % 4 == 0)
            .ok_or_else(|| {
                SddlError(format!(
                    "DACL: ACE {number} declares size {ace_size}, which is not a multiple of 4 within the ACL"
                ))
            })?;
        if !matches!(
            kind,
            ace_type::ACCESS_ALLOWED
                | ace_type::ACCESS_DENIED
                | ace_type::ACCESS_ALLOWED_OBJECT
                | ace_type::ACCESS_DENIED_OBJECT
        ) {
            return Err(SddlError(format!(
                "DACL: ACE {number} has type {kind:#04x}, which cannot be evaluated in a DACL"
            )));
        }
        let sid_offset = sid_offset(kind, slice).ok_or_else(|| {
            SddlError(format!(
                "DACL: ACE {number} is too short for its object fields"
            ))
        })?;
        let (sid, _) = slice
            .get(sid_offset..)
            .ok_or_else(|| SddlError(format!("DACL: ACE {number} has no room for its SID")))
            .and_then(|rest| {
                Sid::from_binary(rest)
                    .map_err(|e| SddlError(format!("DACL: ACE {number}: SID: {e}")))
            })?;
        // The crate reads a copy ending in a placeholder SID (Everyone), so a
        // declared size larger than the contents can neither shift the next
        // ACE nor reach the crate's SID reader.
        let mut copy = slice[..sid_offset].to_vec();
        if let Some(object_flags) = copy.get_mut(8..12).filter(|_| sid_offset > 8) {
            // Only bits 0x1 and 0x2 are defined; the crate unwraps on others
            // (found by fuzzing). They change nothing here: object ACEs are
            // kept but never decide access to a folder.
            object_flags[0] &= 0x3;
            object_flags[1..].fill(0);
        }
        copy.extend(PLACEHOLDER_SID);
        let copy_size = u16::try_from(copy.len()).unwrap_or(u16::MAX);
        copy[2..4].copy_from_slice(&copy_size.to_le_bytes());
        let ace: ::sddl::Ace = Cursor::new(copy.as_slice()).read_le().map_err(|e| {
            SddlError(format!(
                "DACL: ACE {number}: {}",
                first_line(&e.to_string())
            ))
        })?;
        let mut converted = ace_from_crate(&ace)?;
        converted.trustee = Trustee::Sid(sid);
        aces.push(converted);
        position += ace_size;
    }
    Ok(aces)
}

/// S-1-1-0 in binary form: 12 bytes, keeping ACE sizes multiples of 4.
const PLACEHOLDER_SID: [u8; 12] = [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];

/// Where an ACE's SID starts: after header and mask, and for object ACEs
/// after their flags word and the GUIDs those flags announce.
fn sid_offset(kind: u8, ace: &[u8]) -> Option<usize> {
    const OBJECT_TYPE_PRESENT: u32 = 0x1;
    const INHERITED_OBJECT_TYPE_PRESENT: u32 = 0x2;
    match kind {
        ace_type::ACCESS_ALLOWED_OBJECT | ace_type::ACCESS_DENIED_OBJECT => {
            let flags = u32::from_le_bytes(ace.get(8..12)?.try_into().ok()?);
            let guids = usize::from(flags & OBJECT_TYPE_PRESENT != 0)
                + usize::from(flags & INHERITED_OBJECT_TYPE_PRESENT != 0);
            Some(12 + 16 * guids)
        }
        _ => Some(8),
    }
}

/// binrw errors carry a multi-line backtrace; the first line says what.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::parse_sddl;
    use crate::fixture::acl::to_binary_descriptor;

    #[test]
    fn null_dacl_and_absent_parts() {
        // Header only: DACL present, offset 0 (NULL DACL); no owner, no group.
        let mut bytes = vec![1, 0, 0x04, 0x80];
        bytes.extend([0u8; 16]);
        let d = parse_binary_descriptor(&bytes).unwrap();
        assert_eq!(d.dacl, Dacl::Null);
        assert_eq!((d.owner, d.group), (None, None));
        bytes[2] = 0;
        assert_eq!(
            parse_binary_descriptor(&bytes).unwrap().dacl,
            Dacl::NotPresent
        );
    }

    #[test]
    fn writer_and_reader_agree() {
        let d = parse_sddl(
            "O:BAG:SYD:PAI(A;OICIID;FA;;;BA)(D;;0x2;;;S-1-5-21-1-2-3-1001)(OA;;0x4;;;WD)",
        )
        .unwrap();
        let bytes = to_binary_descriptor(&d);
        assert_eq!(parse_binary_descriptor(&bytes).unwrap(), d);
    }

    #[test]
    fn oversized_ace_does_not_shift_the_next() {
        let d = parse_sddl("D:(A;;0x2;;;WD)(D;;0x4;;;BA)").unwrap();
        let bytes = to_binary_descriptor(&d);
        // Grow the first ACE by 4 bytes of trailing data, as the format allows.
        let acl_at = 20;
        let mut grown = bytes[..acl_at + 8].to_vec();
        let first_size = u16::from_le_bytes([bytes[acl_at + 10], bytes[acl_at + 11]]) as usize;
        let mut first = bytes[acl_at + 8..acl_at + 8 + first_size].to_vec();
        first.extend([0xEE; 4]);
        first[2..4].copy_from_slice(&((first_size + 4) as u16).to_le_bytes());
        grown.extend(first);
        grown.extend(&bytes[acl_at + 8 + first_size..]);
        let acl_size = (grown.len() - acl_at) as u16;
        grown[acl_at + 2..acl_at + 4].copy_from_slice(&acl_size.to_le_bytes());
        assert_eq!(parse_binary_descriptor(&grown).unwrap(), d);
    }

    #[test]
    fn sids_the_crate_cannot_read_are_read() {
        // The fuzzer's find: S-1-5-32 with more than two sub-authorities.
        for text in [
            "O:S-1-5-32-1-2-3D:(A;;FA;;;S-1-5-32-1417001333-436374069-854245398-513)",
            "O:S-1-5-32G:S-1-5-32-1-2D:(OA;;0x2;bf967aba-0de6-11d0-a285-00aa003049e2;;S-1-5-32)",
        ] {
            let d = parse_sddl(text).unwrap();
            assert_eq!(
                parse_binary_descriptor(&to_binary_descriptor(&d)).unwrap(),
                d,
                "{text}"
            );
        }
    }

    #[test]
    fn undefined_object_ace_flags_are_ignored() {
        let d = parse_sddl("D:(OA;;0x2;;;WD)(A;;0x4;;;BA)").unwrap();
        let mut bytes = to_binary_descriptor(&d);
        // The object ACE's flags word follows the ACL header (8), ACE header (4) and mask (4).
        bytes[20 + 16..20 + 20].copy_from_slice(&0xFFFF_FC00u32.to_le_bytes());
        assert_eq!(parse_binary_descriptor(&bytes).unwrap(), d);
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let good = to_binary_descriptor(&parse_sddl("O:BAD:(A;;FA;;;WD)").unwrap());
        for cut in 0..good.len() {
            assert!(
                parse_binary_descriptor(&good[..cut]).is_err(),
                "cut at {cut}"
            );
        }
        let mut bad_offset = good.clone();
        bad_offset[4..8].copy_from_slice(&9999u32.to_le_bytes());
        assert!(parse_binary_descriptor(&bad_offset).is_err());
        let mut not_self_relative = good.clone();
        not_self_relative[3] = 0;
        assert!(parse_binary_descriptor(&not_self_relative).is_err());
    }
}
