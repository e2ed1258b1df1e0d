//! Binary self-relative security descriptors (MS-DTYP 2.4.6), as stored in
//! files and registry values.
//!
//! The 20-byte header and its offsets are read here, whatever order the
//! parts are laid out in (Samba writes owner, group, SACL, DACL; Windows
//! usually SACL, DACL, owner, group). The `sddl` crate reads each SID and
//! each ACE from a slice bounded by the sizes the descriptor declares: its
//! own descriptor reader ties owner presence to the OwnerDefaulted flag,
//! rejects NULL DACLs, and ignores an ACE's declared size.

use super::sddl_text::{ace_from_crate, sid_from_crate};
use super::sid::Sid;
use super::{Ace, Dacl, SddlError, SecurityDescriptor, ace_type, control};
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
    let info: ::sddl::SidInfo = Cursor::new(rest).read_le().map_err(|e| {
        SddlError(format!(
            "{what} SID at offset {offset}: {}",
            first_line(&e.to_string())
        ))
    })?;
    Ok(Some(sid_from_crate(&info)))
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
        // Each ACE is read from its own slice, so a short or oversized
        // declared size can neither run past it nor shift the next ACE.
        let ace: ::sddl::Ace = Cursor::new(slice).read_le().map_err(|e| {
            SddlError(format!(
                "DACL: ACE {number}: {}",
                first_line(&e.to_string())
            ))
        })?;
        aces.push(ace_from_crate(&ace)?);
        position += ace_size;
    }
    Ok(aces)
}

/// binrw errors carry a multi-line backtrace; the first line says what.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// Writes a self-relative descriptor (header, owner, group, DACL), for
/// fixtures and for checking the reader. Object ACEs are written without
/// GUIDs; `Trustee::Name` entries cannot be written and are left out.
pub fn to_binary_descriptor(descriptor: &SecurityDescriptor) -> Vec<u8> {
    let mut control_word = descriptor.control.unwrap_or(0) | control::SELF_RELATIVE;
    // The SACL is not kept, so it is not announced either.
    control_word &= !control::SACL_PRESENT;
    match descriptor.dacl {
        Dacl::NotPresent => control_word &= !control::DACL_PRESENT,
        _ => control_word |= control::DACL_PRESENT,
    }
    let mut out = vec![0u8; HEADER_SIZE];
    out[0] = 1;
    out[2..4].copy_from_slice(&control_word.to_le_bytes());
    let set_offset = |out: &mut Vec<u8>, at: usize| {
        let here = u32::try_from(out.len()).unwrap_or(0);
        out[at..at + 4].copy_from_slice(&here.to_le_bytes());
    };
    if let Some(owner) = &descriptor.owner {
        set_offset(&mut out, 4);
        out.extend(owner.to_binary());
    }
    if let Some(group) = &descriptor.group {
        set_offset(&mut out, 8);
        out.extend(group.to_binary());
    }
    if let Dacl::Entries(aces) = &descriptor.dacl {
        set_offset(&mut out, 16);
        let mut body = Vec::new();
        let mut count = 0u16;
        for ace in aces {
            let super::Trustee::Sid(sid) = &ace.trustee else {
                continue;
            };
            let sid_bytes = sid.to_binary();
            let object = matches!(
                ace.ace_type,
                ace_type::ACCESS_ALLOWED_OBJECT | ace_type::ACCESS_DENIED_OBJECT
            );
            let size = ACE_HEADER_SIZE + 4 + if object { 4 } else { 0 } + sid_bytes.len();
            body.push(ace.ace_type);
            body.push(ace.flags);
            body.extend_from_slice(&u16::try_from(size).unwrap_or(0).to_le_bytes());
            body.extend_from_slice(&ace.mask.to_le_bytes());
            if object {
                body.extend_from_slice(&0u32.to_le_bytes());
            }
            body.extend(sid_bytes);
            count += 1;
        }
        let revision = if aces
            .iter()
            .any(|a| a.ace_type >= ace_type::ACCESS_ALLOWED_OBJECT)
        {
            4
        } else {
            2
        };
        out.push(revision);
        out.push(0);
        out.extend_from_slice(
            &u16::try_from(ACL_HEADER_SIZE + body.len())
                .unwrap_or(0)
                .to_le_bytes(),
        );
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend(body);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::parse_sddl;

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
