//! Building a check's result, shared by every rule: `CheckResult`'s
//! constructors, evidence from registry lookups, `unknown` results that
//! name the next step (what to collect when a hive is missing or damaged),
//! the stale-data flag, and principals' names for evidence.

use super::collect::collect_advice;
use super::{CheckResult, Evidence, FixAction, Verdict};
use crate::acl::{NameStyle, Principals, Trustee};
use crate::registry::sam::LocalAccounts;
use crate::registry::windows_version::WindowsVersion;
use crate::registry::{FoundValue, HiveKind, RegValue, RegistryView};
use serde_json::{Value, json};

/// What ends an `unknown` summary before its next step.
const NEXT_STEP: &str = "; next step: ";

impl CheckResult {
    /// A result without a fix; `remediation` and `remediation_forms` are
    /// filled in from the fix once the server's Windows version is known
    /// (`report::remediation`).
    pub fn new(
        id: &str,
        verdict: Verdict,
        summary: impl Into<String>,
        evidence: Evidence,
    ) -> CheckResult {
        CheckResult {
            id: id.to_string(),
            verdict,
            summary: summary.into(),
            evidence,
            remediation: None,
            fix: Vec::new(),
            remediation_forms: Vec::new(),
        }
    }

    pub fn pass(id: &str, summary: impl Into<String>, evidence: Evidence) -> CheckResult {
        CheckResult::new(id, Verdict::Pass, summary, evidence)
    }

    /// A failure; give it its fix with [`CheckResult::with_fix`].
    pub fn fail(id: &str, summary: impl Into<String>, evidence: Evidence) -> CheckResult {
        CheckResult::new(id, Verdict::Fail, summary, evidence)
    }

    /// An `unknown` always says what to do next: its summary is `why`, then
    /// `; next step: ` and the step, which the evidence carries too
    /// (`next_step`).
    pub fn unknown(
        id: &str,
        why: impl Into<String>,
        next_step: impl Into<String>,
        mut evidence: Evidence,
    ) -> CheckResult {
        let (why, next_step) = (why.into(), next_step.into());
        evidence.insert("next_step".into(), json!(next_step));
        CheckResult::new(
            id,
            Verdict::Unknown,
            format!("{why}{NEXT_STEP}{next_step}"),
            evidence,
        )
    }

    pub fn not_applicable(id: &str, why: impl Into<String>) -> CheckResult {
        CheckResult::new(id, Verdict::NotApplicable, why, Evidence::new())
    }

    /// The same result with the changes that fix it.
    pub fn with_fix(mut self, fix: impl IntoIterator<Item = FixAction>) -> CheckResult {
        self.fix.extend(fix);
        self
    }

    /// An `unknown`'s next step (see [`CheckResult::unknown`]).
    pub fn next_step(&self) -> Option<&str> {
        self.evidence.get("next_step").and_then(Value::as_str)
    }

    /// An `unknown`'s summary without its next step: why it is unknown.
    pub fn unknown_why(&self) -> &str {
        self.summary
            .split(NEXT_STEP)
            .next()
            .unwrap_or(&self.summary)
    }

    /// Marks a result whose hives (`kinds`) were read without their logs'
    /// changes, so that it does not look like a clean one: an evidence
    /// field naming each such hive and a word in the summary.
    pub fn flag_stale_hives(&mut self, registry: &RegistryView, kinds: &[HiveKind]) {
        if self.verdict == Verdict::NotApplicable {
            return;
        }
        let stale: Vec<(HiveKind, &str)> = kinds
            .iter()
            .filter_map(|kind| registry.stale_reason(*kind).map(|why| (*kind, why)))
            .collect();
        if stale.is_empty() {
            return;
        }
        let names: Vec<&str> = stale.iter().map(|(kind, _)| kind.name()).collect();
        self.evidence.insert(
            "hive_logs_not_applied".into(),
            Value::Array(
                stale
                    .iter()
                    .map(|(kind, why)| json!({"hive": kind.name(), "why": why}))
                    .collect(),
            ),
        );
        self.summary.push_str(&format!(
            " [stale data: the {} hive's transaction logs could not be applied, so its latest \
             changes may be missing]",
            names.join(" and ")
        ));
    }
}

/// Evidence from (field, value) pairs, in their order.
pub fn evidence(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Evidence {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// A registry value as evidence: `source`, `key`, `value`, `type`, `data`
/// (the fields the table joins into one line), and `as_printed` when the
/// value was rebuilt from text that may not show it exactly.
pub fn registry_value_evidence(found: &FoundValue) -> Evidence {
    let mut ev = evidence([
        ("source", json!(found.origin)),
        ("key", json!(found.key_path)),
        ("value", json!(found.value.name)),
        ("type", json!(found.value.type_name())),
        ("data", found.value.data_json()),
    ]);
    if let Some(note) = &found.note {
        ev.insert("as_printed".into(), json!(note));
    }
    ev
}

/// A value's type and data in words (`REG_DWORD 0`), e.g. for what a
/// registry fix changes.
pub fn value_in_words(value: &RegValue) -> String {
    format!(
        "{} {}",
        value.type_name(),
        evidence_text(&value.data_json())
    )
}

/// Renders an evidence value for people: strings as they are, other JSON
/// compactly.
pub fn evidence_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "—".to_string(),
        other => other.to_string(),
    }
}

/// Why a registry lookup gave nothing to judge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupProblem {
    /// The bundle has no usable data for the hive (`Lookup::NoData`).
    NoData(String),
    /// The hive is damaged where the lookup needed it (`Lookup::Failed`).
    Damaged(String),
}

/// The `unknown` result of a lookup of `what` in the `kind` hive that found
/// no data or damaged data: the problem as evidence, and as next step the
/// hive to collect (a new copy when the one sent is damaged).
pub fn lookup_unknown(
    id: &str,
    what: &str,
    kind: HiveKind,
    problem: LookupProblem,
    registry: &RegistryView,
    windows: Option<&WindowsVersion>,
) -> CheckResult {
    let (problem, why, damaged) = match problem {
        LookupProblem::NoData(no_data) => (
            no_data.clone(),
            format!("Cannot check {what}: {no_data}"),
            registry.is_damaged(kind),
        ),
        LookupProblem::Damaged(damage) => (
            damage.clone(),
            format!(
                "Cannot check {what}: the {kind} hive is damaged where it is stored ({damage})"
            ),
            true,
        ),
    };
    CheckResult::unknown(
        id,
        why,
        collect_hive_step(windows, kind, damaged),
        evidence([("problem", json!(problem))]),
    )
}

/// The next step when a hive's data is missing or damaged: collect it (a
/// new copy when the one sent is damaged) with the collection script for
/// the server's Windows.
pub fn collect_hive_step(
    windows: Option<&WindowsVersion>,
    kind: HiveKind,
    damaged: bool,
) -> String {
    collect_advice(windows, |target| {
        format!(
            "{}the {kind} hive ({})",
            if damaged { "a new copy of " } else { "" },
            target.hive_file(kind)
        )
    })
}

/// A principal's name for evidence: as the snapshot printed it, else
/// well-known, else from the SAM (the bare account or group name).
pub fn principal_name(
    trustee: &Trustee,
    display: Option<&str>,
    accounts: Option<&LocalAccounts>,
) -> Option<String> {
    Principals::new(None, accounts).trustee_name(trustee, display, NameStyle::Bare)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::collect::Target;

    #[test]
    fn an_unknown_carries_its_next_step_in_summary_and_evidence() {
        let check = CheckResult::unknown(
            "A.one",
            "No snapshot",
            "collect one",
            evidence([("folder", json!("C:\\x"))]),
        );
        assert_eq!(check.verdict, Verdict::Unknown);
        assert_eq!(check.summary, "No snapshot; next step: collect one");
        assert_eq!(check.next_step(), Some("collect one"));
        assert_eq!(check.unknown_why(), "No snapshot");
        let fields: Vec<&str> = check.evidence.keys().map(String::as_str).collect();
        assert_eq!(fields, ["folder", "next_step"]);
        assert!(check.fix.is_empty() && check.remediation.is_none());
    }

    #[test]
    fn a_fail_takes_its_fix() {
        let fix = FixAction::ByHand(crate::rules::ManualFix {
            what: "do it".into(),
        });
        let check = CheckResult::fail("A.one", "broken", Evidence::new()).with_fix([fix.clone()]);
        assert_eq!((check.verdict, check.fix), (Verdict::Fail, vec![fix]));
    }

    #[test]
    fn collection_advice_follows_the_windows_version() {
        let version = |current: &str| WindowsVersion {
            current_version: Some(current.to_string()),
            ..WindowsVersion::default()
        };
        let nt4 = collect_hive_step(Some(&version("4.0")), HiveKind::Sam, false);
        assert_eq!(
            nt4,
            "collect the SAM hive (Reg\\sam.hiv) with the script `hivetriage collect --for nt4` \
             prints, run on the server"
        );
        let w2k3 = collect_hive_step(Some(&version("5.2")), HiveKind::System, true);
        assert!(w2k3.contains("a new copy of the SYSTEM hive") && w2k3.contains("--for w2k"));
        let modern = collect_hive_step(Some(&version("6.1")), HiveKind::Sam, false);
        assert!(modern.contains("--for modern"), "{modern}");
        let unknown = collect_hive_step(None, HiveKind::Sam, false);
        for target in ["--for nt4", "--for w2k", "--for modern"] {
            assert!(unknown.contains(target), "{unknown}");
        }
        assert_eq!(Target::for_version(None), None);
    }
}
