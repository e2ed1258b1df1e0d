//! The anonymous account's token (from SAM or without it) and the check
//! evaluated for a token whose account SID may be unknown.

use hivetriage::acl::{
    Ace, Dacl, SecurityDescriptor, Token, TokenAccess, Trustee, access_check, evaluate_for_token,
    parse_sddl, rights,
};
use hivetriage::registry::sam::{GroupKind, LocalAccounts, LocalGroup, LocalUser};

const MACHINE: &str = "S-1-5-21-1417001333-436374069-854245398";

fn sid(rid: u32) -> String {
    format!("{MACHINE}-{rid}")
}

fn sam() -> LocalAccounts {
    LocalAccounts {
        machine_sid: Some(MACHINE.into()),
        users: vec![
            LocalUser {
                name: "Administrator".into(),
                rid: 500,
                sid: Some(sid(500)),
            },
            LocalUser {
                name: "IUSR_EXCH01".into(),
                rid: 1001,
                sid: Some(sid(1001)),
            },
            LocalUser {
                name: "IWAM_EXCH01".into(),
                rid: 1002,
                sid: Some(sid(1002)),
            },
        ],
        groups: vec![
            LocalGroup {
                name: "Guests".into(),
                kind: GroupKind::BuiltinAlias,
                rid: 546,
                sid: Some("S-1-5-32-546".into()),
                member_sids: vec![sid(501), sid(1001)],
            },
            LocalGroup {
                name: "Administrators".into(),
                kind: GroupKind::BuiltinAlias,
                rid: 544,
                sid: Some("S-1-5-32-544".into()),
                member_sids: vec![sid(500)],
            },
            LocalGroup {
                name: "Web Writers".into(),
                kind: GroupKind::AccountAlias,
                rid: 1003,
                sid: Some(sid(1003)),
                member_sids: vec![sid(1001)],
            },
            LocalGroup {
                name: "None".into(),
                kind: GroupKind::AccountGroup,
                rid: 513,
                sid: Some(sid(513)),
                member_sids: vec![sid(500), sid(1001), sid(1002)],
            },
        ],
        damaged: Vec::new(),
    }
}

fn names(token: &Token) -> Vec<(String, String)> {
    token
        .groups
        .iter()
        .map(|m| (m.name.clone(), m.sid.to_string()))
        .collect()
}

#[test]
fn token_from_sam() {
    let accounts = sam();
    let token = Token::anonymous("iusr_exch01", Some(&accounts));
    assert_eq!(token.account_sid, Some(sid(1001).parse().unwrap()));
    assert!(token.unknown.is_empty(), "{:?}", token.unknown);
    assert_eq!(
        names(&token),
        [
            ("BUILTIN\\Guests".to_string(), "S-1-5-32-546".to_string()),
            ("Web Writers".into(), sid(1003)),
            ("None".into(), sid(513)),
            ("Everyone".into(), "S-1-1-0".into()),
            (
                "NT AUTHORITY\\Authenticated Users".into(),
                "S-1-5-11".into()
            ),
            ("NT AUTHORITY\\INTERACTIVE".into(), "S-1-5-4".into()),
        ]
    );
}

#[test]
fn token_without_sam_or_account() {
    let token = Token::anonymous("IUSR_EXCH01", None);
    assert_eq!(token.account_sid, None);
    assert_eq!(token.groups.len(), 3);
    assert_eq!(token.unknown.len(), 4, "{:?}", token.unknown);
    assert!(token.unknown[0].contains("SID") && token.unknown[0].contains("no SAM"));
    assert!(token.unknown[1].contains("local groups"));
    // Without a SAM, Users (which lists INTERACTIVE from Windows 2000 on)
    // and Guests (where IIS setup puts IUSR_<computer>) may hold the
    // account; every other alias is assumed not to, and the token says so.
    let open: Vec<(Option<&str>, Option<String>)> = token
        .unknown_groups
        .iter()
        .map(|u| (u.name.as_deref(), u.sid.as_ref().map(|s| s.to_string())))
        .collect();
    assert_eq!(
        open,
        [
            (Some("BUILTIN\\Users"), Some("S-1-5-32-545".to_string())),
            (Some("BUILTIN\\Guests"), Some("S-1-5-32-546".to_string()))
        ]
    );
    assert!(token.unknown[2].contains("BUILTIN\\Users") && token.unknown[2].contains("no SAM"));
    assert_eq!(token.assumed.len(), 1);
    assert!(
        token.assumed[0].contains("no local group other than"),
        "{:?}",
        token.assumed
    );

    let accounts = sam();
    let token = Token::anonymous("IUSR_OTHER", Some(&accounts));
    assert_eq!(token.account_sid, None);
    assert_eq!(token.groups.len(), 3);
    assert_eq!(token.unknown.len(), 1);
    assert!(
        token.unknown[0].contains("the SAM has no account IUSR_OTHER"),
        "{:?}",
        token.unknown
    );
    // A domain account is not looked for in the local SAM.
    let token = Token::anonymous("CONTOSO\\IUSR_WEB", Some(&accounts));
    assert!(
        token.unknown[0].contains("not a local account"),
        "{:?}",
        token.unknown
    );

    let mut no_machine_sid = sam();
    no_machine_sid.users[1].sid = None;
    let token = Token::anonymous("IUSR_EXCH01", Some(&no_machine_sid));
    assert_eq!(token.account_sid, None);
    assert!(
        token.unknown[0].contains("machine SID"),
        "{:?}",
        token.unknown
    );
}

fn decided_granted(access: &TokenAccess) -> Option<bool> {
    match access {
        TokenAccess::Decided { outcome, .. } => Some(outcome.granted),
        TokenAccess::Undecided { .. } => None,
    }
}

#[test]
fn known_account_is_one_check() {
    let accounts = sam();
    let token = Token::anonymous("IUSR_EXCH01", Some(&accounts));
    let pickup = parse_sddl(&format!(
        "D:(A;CI;0x1201b6;;;{})(A;OICI;FA;;;BA)",
        sid(1001)
    ))
    .unwrap();
    let access = evaluate_for_token(&pickup, &token, rights::FILE_ADD_FILE);
    let TokenAccess::Decided { outcome, variants } = &access else {
        panic!("{access:?}")
    };
    assert!(outcome.granted);
    assert!(variants.is_empty());
    assert_eq!(outcome.deciding_aces.len(), 1);
    assert_eq!(outcome.deciding_aces[0].index, 0);
    assert_eq!(outcome.deciding_aces[0].granted, 0x2);

    // Through a local group from SAM; denied through Guests first.
    let via_group = parse_sddl(&format!("D:(D;;0x2;;;BG)(A;;0x2;;;{})", sid(1003))).unwrap();
    let access = evaluate_for_token(&via_group, &token, 0x2);
    let TokenAccess::Decided { outcome, .. } = &access else {
        panic!()
    };
    assert!(!outcome.granted);
    assert_eq!(outcome.deciding_aces[0].denied, 0x2);
    let via_group = parse_sddl(&format!("D:(A;;0x2;;;{})(D;;0x2;;;BG)", sid(1003))).unwrap();
    assert_eq!(
        decided_granted(&evaluate_for_token(&via_group, &token, 0x2)),
        Some(true)
    );
}

#[test]
fn unknown_account_is_decided_when_no_candidate_changes_the_answer() {
    let token = Token::anonymous("IUSR_EXCH01", None);
    let everyone = parse_sddl("D:(A;OICI;0x1301bf;;;WD)(A;OICI;FA;;;BA)").unwrap();
    let access = evaluate_for_token(&everyone, &token, 0x2);
    let TokenAccess::Decided { outcome, variants } = &access else {
        panic!("{access:?}")
    };
    assert!(outcome.granted);
    assert_eq!(variants.len(), 1, "{variants:?}");

    // RID 500 (Administrator) and 513 are built in: never the anonymous account.
    let builtins = parse_sddl(&format!(
        "O:{}D:(A;;FA;;;{})(A;;FA;;;{})(A;;FR;;;WD)",
        sid(500),
        sid(500),
        sid(513)
    ))
    .unwrap();
    let access = evaluate_for_token(&builtins, &token, 0x2);
    let TokenAccess::Decided { outcome, variants } = &access else {
        panic!("{access:?}")
    };
    assert!(!outcome.granted);
    assert_eq!(variants.len(), 1);

    // A candidate that does not change the answer still counts as a variant.
    let same = parse_sddl(&format!("D:(A;;FA;;;WD)(A;;FR;;;{})", sid(1004))).unwrap();
    let access = evaluate_for_token(&same, &token, 0x2);
    let TokenAccess::Decided { variants, .. } = &access else {
        panic!("{access:?}")
    };
    assert_eq!(variants.len(), 2);
    assert!(variants[1].contains(&sid(1004)), "{variants:?}");
}

#[test]
fn unknown_account_is_undecided_when_a_candidate_changes_the_answer() {
    let token = Token::anonymous("IUSR_EXCH01", None);
    let pickup = parse_sddl(&format!(
        "D:(A;CI;0x1201b6;;;{})(A;OICI;FA;;;BA)(A;;FR;;;{})",
        sid(1001),
        "S-1-5-21-3623811015-3361044348-30300820-1107"
    ))
    .unwrap();
    let access = evaluate_for_token(&pickup, &token, 0x2);
    let TokenAccess::Undecided { outcomes, .. } = &access else {
        panic!("{access:?}")
    };
    let answers: Vec<_> = outcomes
        .iter()
        .map(|(words, o)| (words.as_str(), o.granted))
        .collect();
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert!(!answers[0].1, "as none of them: no Add");
    assert!(answers[1].0.contains(&sid(1001)) && answers[1].1);
    assert!(!answers[2].1);

    let deny = parse_sddl(&format!("D:(D;;0x2;;;{})(A;;FA;;;WD)", sid(1002))).unwrap();
    let access = evaluate_for_token(&deny, &token, 0x2);
    let TokenAccess::Undecided { outcomes, .. } = &access else {
        panic!("{access:?}")
    };
    assert_eq!(
        outcomes.iter().map(|(_, o)| o.granted).collect::<Vec<_>>(),
        [true, false]
    );
}

fn named(name: &str, ace_type: u8, mask: u32) -> Ace {
    Ace {
        ace_type,
        flags: 0,
        mask,
        trustee: Trustee::Name(name.into()),
        display_name: Some(name.into()),
        unknown_rights: 0,
    }
}

#[test]
fn names_from_text_snapshots() {
    let token = Token::anonymous("IUSR_EXCH01", None);
    let by_name = |aces: Vec<Ace>| SecurityDescriptor {
        control: None,
        owner: None,
        group: None,
        dacl: Dacl::Entries(aces),
    };
    // The account by name, with or without the computer prefix, is the account itself.
    for name in ["EXCH01\\IUSR_EXCH01", "iusr_exch01"] {
        let access = evaluate_for_token(&by_name(vec![named(name, 0, 0x1201B6)]), &token, 0x2);
        assert_eq!(decided_granted(&access), Some(true), "{name}");
    }
    let access = evaluate_for_token(
        &by_name(vec![
            named("EXCH01\\IUSR_EXCH01", 1, 0x2),
            named("Everyone", 0, 0x1F01FF),
        ]),
        &token,
        0x2,
    );
    assert_eq!(decided_granted(&access), Some(false));
    // Well-known names resolve to the token's groups.
    let access = evaluate_for_token(
        &by_name(vec![named("NT AUTHORITY\\Authenticated Users", 0, 0x2)]),
        &token,
        0x2,
    );
    assert_eq!(decided_granted(&access), Some(true));
    let access = evaluate_for_token(
        &by_name(vec![named("BUILTIN\\Administrators", 0, 0x1F01FF)]),
        &token,
        0x2,
    );
    assert_eq!(decided_granted(&access), Some(false));
}

#[test]
fn access_check_details() {
    let everyone = |_: &Trustee| true;
    let nobody = |_: &Trustee| false;
    // NULL and absent DACLs grant everything; an empty DACL nothing.
    for text in ["D:NO_ACCESS_CONTROL", "O:BA"] {
        let outcome = access_check(&parse_sddl(text).unwrap(), &nobody, 0x2);
        assert!(
            outcome.granted && outcome.effective_mask == 0x1F01FF,
            "{text}"
        );
    }
    let outcome = access_check(&parse_sddl("O:BAD:").unwrap(), &everyone, 0x2);
    assert!(!outcome.granted);
    assert_eq!(
        outcome.effective_mask, 0x60000,
        "only the owner's implicit rights"
    );
    assert_eq!(outcome.owner_implicit, 0x60000);

    // A generic desired mask is mapped first; the outcome is in mapped form.
    let d = parse_sddl("D:(A;;FW;;;WD)").unwrap();
    let outcome = access_check(&d, &everyone, rights::GENERIC_WRITE);
    assert!(outcome.granted);
    assert_eq!(outcome.desired, rights::FILE_GENERIC_WRITE);

    // Inherit-only and object ACEs are skipped; generic ACE masks are mapped.
    let d = parse_sddl(
        "D:(D;OICIIO;FA;;;WD)(OD;;FA;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)(A;;GW;;;WD)",
    )
    .unwrap();
    let outcome = access_check(&d, &everyone, 0x2);
    assert!(outcome.granted);
    assert_eq!(
        outcome
            .deciding_aces
            .iter()
            .map(|a| a.index)
            .collect::<Vec<_>>(),
        [2]
    );
    assert_eq!(outcome.effective_mask, rights::FILE_GENERIC_WRITE);

    // A deny after the allow of the same bit does not take it back.
    let d = parse_sddl("D:(A;;0x6;;;WD)(D;;0x2;;;WD)(A;;0x1;;;WD)").unwrap();
    let outcome = access_check(&d, &everyone, 0x7);
    assert!(outcome.granted);
    assert_eq!(outcome.effective_mask, 0x7);
    let d = parse_sddl("D:(A;;0x4;;;WD)(D;;0x2;;;WD)(A;;0x3;;;WD)").unwrap();
    let outcome = access_check(&d, &everyone, 0x6);
    assert!(!outcome.granted);
    assert_eq!(
        outcome
            .deciding_aces
            .iter()
            .map(|a| (a.index, a.granted, a.denied))
            .collect::<Vec<_>>(),
        [(0, 0x4, 0), (1, 0, 0x2)]
    );
    assert_eq!(outcome.effective_mask, 0x5);
    // MAXIMUM_ALLOWED asks for the effective mask.
    let outcome = access_check(&d, &everyone, 0x0200_0000);
    assert!(outcome.granted);
}
