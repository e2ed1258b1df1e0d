//! The properties `sam_records` checks, shared with the regression test
//! that replays saved inputs (`tests/sam_fuzz_regressions.rs`).

use hivetriage::acl::Token;
use hivetriage::fixture::sam::{SamBuilder, sid_bytes};
use hivetriage::registry::HiveFile;
use hivetriage::registry::sam::{
    DamagedPart, GroupKind, LocalAccounts, Members, parse_alias_c, parse_group_c,
};

const MACHINE: &str = "S-1-5-21-1-2-3";
const USERS: &str = "SAM\\Domains\\Builtin\\Aliases\\00000221";
const NONE: &str = "SAM\\Domains\\Account\\Groups\\00000201";

/// `data` as an alias `C` value and as a group `C` value, alone and inside
/// a SAM hive (as the Users alias's, then as the None group's record):
/// nothing panics; a parse error says where; a parsed alias's members
/// re-encode to the bytes they came from; in the hive the record is either
/// read as parsed or listed as damaged, and every other record is read.
pub fn check_sam_records(data: &[u8]) {
    match parse_alias_c(data) {
        Ok(record) => {
            let Members::Sids(sids) = &record.members else {
                panic!("an alias lists SIDs");
            };
            let offset = u32::from_le_bytes(data[40..44].try_into().unwrap()) as usize;
            let encoded: Vec<u8> = sids.iter().flat_map(|sid| sid_bytes(sid)).collect();
            assert_eq!(
                &data[52 + offset..52 + offset + encoded.len()],
                &encoded[..],
                "members {sids:?} do not re-encode to their bytes"
            );
            let count = u32::from_le_bytes(data[48..52].try_into().unwrap());
            assert_eq!(sids.len() as u64, u64::from(count));
        }
        Err(error) => assert!(error.at.is_some(), "no offset: {error:?}"),
    }
    match parse_group_c(data) {
        Ok(record) => assert!(matches!(record.members, Members::Rids(_))),
        Err(error) => assert!(error.at.is_some(), "no offset: {error:?}"),
    }

    for (path, kind) in [
        (USERS, GroupKind::BuiltinAlias),
        (NONE, GroupKind::AccountGroup),
    ] {
        let mut sam = SamBuilder::windows2000_defaults(MACHINE);
        sam.user("IUSR_EXCH01", 1001)
            .alias_member(546, &format!("{MACHINE}-1001"));
        let mut hive = sam.to_hive();
        hive.key(path).binary("C", data);
        let file = HiveFile::open("SAM", hive.to_bytes())
            .expect("the writer's hive opens")
            .0;
        let accounts = LocalAccounts::from_sam(&file).expect("a SAM with one bad record is read");
        let rid = u32::from_str_radix(&path[path.len() - 8..], 16).unwrap();
        let read = accounts
            .groups
            .iter()
            .find(|g| g.kind == kind && g.rid == rid);
        let damaged = accounts.damaged.iter().find(|d| {
            matches!(&d.part, DamagedPart::Group { kind: k, rid: r, .. } if *k == kind && *r == rid)
        });
        match (read, damaged) {
            (Some(_), None) => {}
            (None, Some(record)) => {
                assert_eq!(record.error.key_path, path);
                assert_eq!(accounts.damaged.len(), 1, "{:?}", accounts.damaged);
            }
            other => panic!("{path}: read and damaged at once, or neither: {other:?}"),
        }
        assert_eq!(accounts.users.len(), 3, "every user is still read");
        assert_eq!(
            accounts.groups.len() + accounts.damaged.len(),
            4,
            "every other group is still read"
        );
        let token = Token::anonymous("IUSR_EXCH01", Some(&accounts));
        assert!(token.account_sid.is_some());
        if damaged.is_some() {
            assert!(!token.unknown_groups.is_empty(), "{token:?}");
        }
    }
}
