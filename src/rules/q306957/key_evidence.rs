//! What the table shows of Q306957's evidence. The registry checks follow
//! the generic conventions (`rules::generic_key_evidence`); the pickup ACL
//! check's evidence is structured (snapshots, token, deciding ACEs), so its
//! lines are picked here: the folder, the snapshot and how it matched, the
//! ACE that decided Add, the effective rights, the account and the token's
//! groups the folder's ACL names (the ones that can matter), then the rest.

use crate::acl::{Dacl, Trustee, parse_sddl};
use crate::rules::{CheckResult, KeyEvidence, generic_key_evidence};
use serde_json::Value;

/// Fields whose lines are made here rather than by the generic pick.
const PICKED: &[&str] = &[
    "folder",
    "account",
    "snapshots",
    "token",
    "effective_mask",
    "effective_rights",
    "add_granted",
    "deciding_aces",
    "outcomes",
];

pub fn key_evidence(check: &CheckResult) -> Vec<KeyEvidence> {
    if check.id != super::PICKUP_ACL_ID || !check.evidence.contains_key("folder") {
        // The registry checks, and an ACL check that never got as far
        // as a folder, leave only scalars: the generic pick shows them.
        return generic_key_evidence(&check.evidence, &["control_set"]);
    }
    let ev = &check.evidence;
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_string);
    let mut lines = Vec::new();
    if let Some(folder) = text(ev.get("folder")) {
        lines.push(KeyEvidence::new("folder", folder));
    }
    let snapshots = ev
        .get("snapshots")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for snapshot in &snapshots {
        let mut words = text(snapshot.get("source")).unwrap_or_default();
        if let Some(line) = snapshot.get("line").and_then(Value::as_u64) {
            words.push_str(&format!(" line {line}"));
        }
        if let Some(records) = snapshot.get("records").and_then(Value::as_u64) {
            words.push_str(&format!(" ({records} identical records)"));
        }
        if let Some(matched) = text(snapshot.get("matched")) {
            words.push_str(&format!(": {matched}"));
        }
        // Snapshots that disagree are told apart by what they say.
        if snapshots.len() > 1 {
            if let Some(sddl) = text(snapshot.get("sddl")) {
                words.push_str(&format!(" {sddl}"));
            }
        }
        let source = text(snapshot.get("source")).into_iter();
        lines.push(KeyEvidence::new("snapshot", words).keeping(source));
    }

    let deciding = ev
        .get("deciding_aces")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let granted = ev.get("add_granted").and_then(Value::as_bool);
    if deciding.is_empty() {
        match granted {
            Some(true) => lines.push(KeyEvidence::new(
                "decided by",
                "no DACL restricts the folder (everyone has full control)",
            )),
            Some(false) => lines.push(KeyEvidence::new(
                "decided by",
                "no ACE grants Add to the account or its groups",
            )),
            None => {}
        }
    }
    for ace in &deciding {
        let number = ace.get("ace").and_then(Value::as_u64).unwrap_or(0);
        let kind = text(ace.get("type")).unwrap_or_default();
        let trustee = text(ace.get("trustee")).unwrap_or_default();
        let who = match text(ace.get("name")) {
            Some(name) if name != trustee => format!("{name} {trustee}"),
            _ => trustee,
        };
        let mask = text(ace.get("mask")).unwrap_or_default();
        lines.push(
            KeyEvidence::new(
                "decided by",
                format!("ACE #{number} {kind} {who}, mask {mask}"),
            )
            .keeping([who]),
        );
    }
    if let Some(mask) = text(ev.get("effective_mask")) {
        let rights: Vec<&str> = ev
            .get("effective_rights")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        lines.push(KeyEvidence::new(
            "effective",
            format!("{mask} {}", rights.join(", "))
                .trim_end()
                .to_string(),
        ));
    }

    let token = ev.get("token");
    let account = text(ev.get("account")).unwrap_or_default();
    let sid = token.and_then(|t| text(t.get("account_sid")));
    lines.push(
        KeyEvidence::new(
            "account",
            match sid {
                Some(sid) => format!("{account} {sid}"),
                None => format!("{account} (SID unknown)"),
            },
        )
        .keeping([account]),
    );
    if let Some(token) = token {
        lines.extend(group_lines(token, &snapshots, &deciding));
        for unknown in token
            .get("unknown")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            lines.push(KeyEvidence::new("token unknown", unknown));
        }
    }
    for outcome in ev
        .get("outcomes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let assumption = text(outcome.get("assumption")).unwrap_or_default();
        let verdict = match outcome.get("add_granted").and_then(Value::as_bool) {
            Some(true) => "Add granted",
            _ => "Add not granted",
        };
        lines.push(KeyEvidence::new("if", format!("{assumption}: {verdict}")));
    }
    lines.extend(generic_key_evidence(ev, PICKED));
    lines
}

/// The token's groups: those an ACE of the folder names (one line each,
/// with the ACEs), then the others by name. Without the DACL (a snapshot printed by
/// name), the groups a deciding ACE names are the relevant ones.
fn group_lines(token: &Value, snapshots: &[Value], deciding: &[Value]) -> Vec<KeyEvidence> {
    let groups: Vec<(String, String)> = token
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|g| {
            let field = |name: &str| {
                g.get(name)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            (field("name"), field("sid"))
        })
        .collect();
    if groups.is_empty() {
        return Vec::new();
    }
    // Each ACE as (number, type word, trustee SID).
    let aces: Vec<(usize, &'static str, String)> = match snapshots
        .first()
        .and_then(|s| s.get("sddl"))
        .and_then(Value::as_str)
        .map(parse_sddl)
    {
        Some(Ok(descriptor)) => match descriptor.dacl {
            Dacl::Entries(entries) => entries
                .iter()
                .enumerate()
                .filter_map(|(i, ace)| match &ace.trustee {
                    Trustee::Sid(sid) => Some((i + 1, ace.type_word(), sid.to_string())),
                    Trustee::Name(_) => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => deciding
            .iter()
            .filter_map(|ace| {
                Some((
                    ace.get("ace")?.as_u64()? as usize,
                    if ace.get("type")?.as_str()? == "deny" {
                        "deny"
                    } else {
                        "allow"
                    },
                    ace.get("trustee")?.as_str()?.to_string(),
                ))
            })
            .collect(),
    };
    let mut named = Vec::new();
    let mut others = Vec::new();
    for (name, sid) in &groups {
        let refs: Vec<String> = aces
            .iter()
            .filter(|(_, _, trustee)| trustee.eq_ignore_ascii_case(sid))
            .map(|(number, kind, _)| format!("ACE #{number} {kind}"))
            .collect();
        if refs.is_empty() {
            others.push(name.clone());
        } else {
            named.push(
                KeyEvidence::new(
                    "groups in ACL",
                    format!("{name} {sid}: {}", refs.join(", ")),
                )
                .keeping([name.clone()]),
            );
        }
    }
    let mut lines = named;
    if !others.is_empty() {
        let label = if lines.is_empty() {
            "groups"
        } else {
            "other groups"
        };
        lines.push(KeyEvidence::new(label, others.join(", ")).keeping(others));
    }
    lines
}
