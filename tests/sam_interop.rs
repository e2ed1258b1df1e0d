//! SAM alias membership as hivetriage reads it, against independent
//! readers: chntpw's `samusrgrp -L` (Debian package chntpw; by Petter N
//! Hagen, its own SAM code) on the corpus's Windows 7 SAM and on the SAMs
//! the fixture writer makes, and offsets hivex gave. Then the token that
//! alias expansion builds from the real SAM.

mod common;

use hivetriage::acl::{Membership, Token};
use hivetriage::fixture::sam::SamBuilder;
use hivetriage::fixture::scenario::{DOMAIN_SID, MACHINE_SID};
use hivetriage::registry::sam::{GroupKind, LocalAccounts};
use hivetriage::registry::{HiveData, HiveFile};
use std::collections::BTreeMap;
use std::process::Command;

/// Builtin alias RID -> member SIDs, as `samusrgrp -L` lists them
/// (`<rid hex>:<alias>:<index>:<member rid hex>:<member name>:<member SID>`);
/// `None` (with the reason printed) when chntpw is not installed.
fn samusrgrp_members(hive: &[u8]) -> Option<BTreeMap<u32, Vec<String>>> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("SAM");
    std::fs::write(&path, hive).expect("write SAM");
    let output = match Command::new("samusrgrp").arg("-L").arg(&path).output() {
        Ok(output) => output,
        Err(error) => {
            common::skip(&format!(
                "samusrgrp (Debian package chntpw) cannot run: {error}"
            ));
            return None;
        }
    };
    let mut members: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let fields: Vec<&str> = line.split(':').collect();
        let [rid, _alias, _index, _member_rid, .., sid] = fields[..] else {
            continue;
        };
        let Ok(rid) = u32::from_str_radix(rid, 16) else {
            continue;
        };
        members.entry(rid).or_default().push(sid.to_string());
    }
    Some(members)
}

/// Builtin alias RID -> member SIDs as hivetriage reads them (aliases
/// without members left out, as samusrgrp prints no line for them).
fn our_members(hive: &[u8]) -> BTreeMap<u32, Vec<String>> {
    let file = HiveFile::open("SAM", hive.to_vec()).unwrap().0;
    let accounts = LocalAccounts::from_sam(&file).unwrap();
    assert!(accounts.damaged.is_empty(), "{:?}", accounts.damaged);
    accounts
        .groups
        .iter()
        .filter(|g| g.kind == GroupKind::BuiltinAlias && !g.member_sids.is_empty())
        .map(|g| (g.rid, g.member_sids.clone()))
        .collect()
}

fn corpus_sam() -> Option<Vec<u8>> {
    common::shared_xz_file("corpus/regipy/SAM.xz")
}

#[test]
fn corpus_alias_members_agree_with_samusrgrp() {
    let Some(sam) = corpus_sam() else { return };
    let Some(theirs) = samusrgrp_members(&sam) else {
        return;
    };
    let ours = our_members(&sam);
    assert_eq!(ours, theirs);
    // The Windows 7 Users alias lists INTERACTIVE and Authenticated Users.
    assert_eq!(
        ours[&0x221][..2],
        ["S-1-5-4".to_string(), "S-1-5-11".to_string()]
    );
}

#[test]
fn fixture_sams_read_the_same_in_samusrgrp() {
    let iusr = format!("{MACHINE_SID}-1001");
    let mut windows2000 = SamBuilder::windows2000_defaults(MACHINE_SID);
    windows2000
        .user("IUSR_EXCH01", 1001)
        .alias_member(546, &iusr)
        .builtin_alias(547, "Power Users", &[&iusr, "S-1-5-4", "S-1-5-32-545"]);
    let mut nt4 = SamBuilder::nt4_member_server_defaults(MACHINE_SID, DOMAIN_SID);
    nt4.user("IUSR_EXCH01", 1001).alias_member(546, &iusr);
    for (model, sam) in [("Windows 2000", windows2000), ("NT 4.0", nt4)] {
        let bytes = sam.to_bytes();
        let Some(theirs) = samusrgrp_members(&bytes) else {
            return;
        };
        assert_eq!(our_members(&bytes), theirs, "{model}");
    }
}

#[test]
fn value_data_offsets_agree_with_hivex() {
    let Some(sam) = corpus_sam() else { return };
    let file = HiveFile::open("SAM", sam).unwrap().0;
    // hivex 1.3.23 (python3-hivex, `value_data_cell_offset` of value C of
    // each alias key) gave these data cells (file offset of the cell's size
    // field); the data starts 4 bytes later.
    for (alias, cell) in [
        ("00000220", 23504u64),
        ("00000221", 23968),
        ("00000222", 9080),
    ] {
        let path = format!("SAM\\Domains\\Builtin\\Aliases\\{alias}");
        assert_eq!(
            file.value_data_offset(&path, "C"),
            Some(cell + 4),
            "{alias}"
        );
    }
    // A value without data (the RID is its type number) has no data cell.
    assert_eq!(
        file.value_data_offset("SAM\\Domains\\Account\\Users\\Names\\Guest", ""),
        None
    );
}

#[test]
fn alias_expansion_on_the_corpus_sam_puts_an_interactive_logon_into_users() {
    let Some(sam) = corpus_sam() else { return };
    let file = HiveFile::open("SAM", sam).unwrap().0;
    let accounts = LocalAccounts::from_sam(&file).unwrap();
    // IIS 7's IUSR is not a SAM account: the token is built from the
    // well-known SIDs alone, and Users still comes in through them.
    let token = Token::anonymous("IUSR_WKS-WIN732BITA", Some(&accounts));
    let users = token
        .groups
        .iter()
        .find(|g| g.sid.to_string() == "S-1-5-32-545")
        .expect("Users");
    assert_eq!(users.how, Membership::AliasExpansion);
    assert_eq!(
        users.why,
        "member of BUILTIN\\Users through NT AUTHORITY\\INTERACTIVE, and through NT AUTHORITY\\Authenticated Users"
    );
    // Preston is listed in Users and Administrators directly.
    let token = Token::anonymous("Preston", Some(&accounts));
    let direct: Vec<&str> = token
        .groups
        .iter()
        .filter(|g| g.how == Membership::Direct)
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(
        direct,
        ["BUILTIN\\Administrators", "BUILTIN\\Users", "None"]
    );
    assert!(
        token
            .groups
            .iter()
            .all(|g| g.how != Membership::AliasExpansion),
        "every alias listing a token SID already lists Preston: {:?}",
        token.groups
    );
}
