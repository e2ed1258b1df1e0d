//! The ACL view against the oracle vectors Samba computed
//! (`../shared/oracle`, see its README): every row of `sddl_binary.jsonl`
//! (SDDL and two binary layouts of the same descriptor) and every row of
//! `access_check.jsonl` (granted mask and MAXIMUM_ALLOWED).

mod common;

use hivetriage::acl::{
    Dacl, SecurityDescriptor, Sid, Trustee, access_check, parse_binary_descriptor, parse_sddl,
};
use serde_json::Value;

const MAXIMUM_ALLOWED: u32 = 0x0200_0000;

fn rows(relative: &str) -> Option<Vec<Value>> {
    let bytes = common::shared_file(relative)?;
    let text = String::from_utf8(bytes).expect("oracle files are UTF-8");
    Some(
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| serde_json::from_str(line).expect("oracle line is JSON"))
            .collect(),
    )
}

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd hex length");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digit"))
        .collect()
}

fn sid_field(value: &Value) -> Option<Sid> {
    value.as_str().map(|text| {
        text.parse()
            .unwrap_or_else(|e| panic!("oracle SID {text}: {e}"))
    })
}

fn number(value: &Value, what: &str) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("{what} is not a number: {value}"))
}

/// Compares a parsed descriptor with the row's decoded fields.
fn check_fields(id: &str, how: &str, descriptor: &SecurityDescriptor, row: &Value) {
    assert_eq!(
        descriptor.control.map(u64::from),
        Some(number(&row["control"], "control")),
        "{id} {how}: control"
    );
    assert_eq!(
        descriptor.owner,
        sid_field(&row["owner"]),
        "{id} {how}: owner"
    );
    assert_eq!(
        descriptor.group,
        sid_field(&row["group"]),
        "{id} {how}: group"
    );
    let dacl_null = row["dacl_null"].as_bool().expect("dacl_null is a bool");
    match (&descriptor.dacl, &row["dacl"], dacl_null) {
        (Dacl::Null, Value::Null, true) => {}
        (Dacl::NotPresent, Value::Null, false) => {}
        (Dacl::Entries(aces), Value::Array(expected), false) => {
            assert_eq!(aces.len(), expected.len(), "{id} {how}: ACE count");
            for (position, (ace, want)) in aces.iter().zip(expected).enumerate() {
                let at = format!("{id} {how}: ACE {position}");
                assert_eq!(
                    u64::from(ace.ace_type),
                    number(&want["type"], "type"),
                    "{at} type"
                );
                assert_eq!(
                    u64::from(ace.flags),
                    number(&want["flags"], "flags"),
                    "{at} flags"
                );
                assert_eq!(
                    u64::from(ace.mask),
                    number(&want["mask"], "mask"),
                    "{at} mask"
                );
                assert_eq!(
                    ace.trustee,
                    Trustee::Sid(sid_field(&want["sid"]).expect("ACE SID")),
                    "{at} SID"
                );
            }
        }
        (got, want, null) => panic!("{id} {how}: DACL {got:?}, oracle {want} (dacl_null {null})"),
    }
}

#[test]
fn every_sddl_binary_row_parses_to_the_oracle_descriptor() {
    let Some(rows) = rows("oracle/sddl_binary.jsonl") else {
        return;
    };
    let mut checked = 0;
    for row in &rows {
        let id = row["id"].as_str().expect("id");
        let sddl = row["sddl"].as_str().expect("sddl");
        let from_text = parse_sddl(sddl).unwrap_or_else(|e| panic!("{id}: {sddl}: {e}"));
        check_fields(id, "sddl", &from_text, row);
        for field in ["binary_hex", "binary_hex_dacl_first"] {
            let bytes = hex(row[field].as_str().expect(field));
            let from_binary =
                parse_binary_descriptor(&bytes).unwrap_or_else(|e| panic!("{id} {field}: {e}"));
            assert_eq!(
                from_binary, from_text,
                "{id}: {field} differs from the SDDL"
            );
            check_fields(id, field, &from_binary, row);
        }
        checked += 1;
    }
    assert_eq!(checked, rows.len());
    assert!(
        checked >= 600,
        "the README promises 600 rows, read {checked}"
    );
    println!("sddl_binary.jsonl: {checked} rows checked (SDDL and both binary layouts)");
}

#[test]
fn every_access_check_row_gives_the_oracle_answer() {
    let Some(rows) = rows("oracle/access_check.jsonl") else {
        return;
    };
    let mut checked = 0;
    let mut granted_rows = 0;
    for row in &rows {
        let id = row["id"].as_str().expect("id");
        let sddl = row["sddl"].as_str().expect("sddl");
        let descriptor = parse_sddl(sddl).unwrap_or_else(|e| panic!("{id}: {sddl}: {e}"));
        let token: Vec<Sid> = row["token"]
            .as_array()
            .expect("token")
            .iter()
            .map(|sid| sid_field(sid).expect("token SID"))
            .collect();
        let applies = |trustee: &Trustee| match trustee {
            Trustee::Sid(sid) => token.contains(sid),
            Trustee::Name(_) => false,
        };
        let desired = u32::try_from(number(&row["desired"], "desired")).expect("32-bit desired");
        let outcome = access_check(&descriptor, &applies, desired);
        let granted = if outcome.granted {
            u64::from(outcome.desired)
        } else {
            0
        };
        assert_eq!(
            granted,
            number(&row["granted"], "granted"),
            "{id} ({}): {sddl} token {token:?} desired {desired:#x}: {outcome:#?}",
            row["category"]
        );
        let maximum = access_check(&descriptor, &applies, MAXIMUM_ALLOWED);
        let max_allowed = number(&row["max_allowed"], "max_allowed");
        assert_eq!(
            u64::from(maximum.effective_mask),
            max_allowed,
            "{id}: MAXIMUM_ALLOWED on {sddl} token {token:?}"
        );
        assert_eq!(
            maximum.granted,
            max_allowed != 0,
            "{id}: MAXIMUM_ALLOWED granted"
        );
        assert_eq!(
            u64::from(outcome.effective_mask),
            max_allowed,
            "{id}: effective mask of the desired check"
        );
        // The deciding ACEs account for every desired bit of a grant.
        if outcome.granted {
            granted_rows += 1;
            let by_aces = outcome
                .deciding_aces
                .iter()
                .fold(outcome.owner_implicit & desired, |acc, d| acc | d.granted);
            if matches!(descriptor.dacl, Dacl::Entries(_)) {
                assert_eq!(by_aces, desired, "{id}: deciding ACEs do not add up");
            }
        } else {
            assert!(
                outcome.deciding_aces.iter().all(|d| d.denied == 0)
                    || outcome.deciding_aces.last().is_some_and(|d| d.denied != 0),
                "{id}: a deny decides only at the end"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, rows.len());
    assert!(
        checked >= 6000,
        "the README promises 6000 rows, read {checked}"
    );
    println!("access_check.jsonl: {checked} rows checked ({granted_rows} granted)");
}
