//! The same registry content — every scenario of `fixture::scenario` —
//! given as hives, as REGEDIT4 and version 5.00 exports, as `reg query`
//! output in both layouts and as SZDD repair copies gives the same
//! verdicts and the same evidence. The one allowed difference: text shows
//! only `CurrentControlSet`, so the control set is named so.

mod common;

use hivetriage::analyze::{AnalyzeOptions, analyze_bundle};
use hivetriage::bundle::{Limits, open_zip_bytes};
use hivetriage::fixture::scenario::{
    RegistryForm, Scenario, ValueSpec, pickup_sddl_guests_denied, pickup_sddl_read_only,
};
use hivetriage::source::reg_export::RegExportVersion;
use hivetriage::source::reg_query::RegQueryLayout;
use serde_json::Value;

fn report(zip: Vec<u8>) -> Value {
    let mut bundle = open_zip_bytes("bundle.zip", zip, Limits::default()).expect("a zip");
    let report = serde_json::to_value(analyze_bundle(bundle.as_mut(), &AnalyzeOptions::default()))
        .expect("serializable");
    common::without_timing(report)
}

/// Every scenario worth comparing: healthy, each failure, each unknown.
fn scenarios() -> Vec<(&'static str, Scenario)> {
    let healthy = Scenario::healthy();
    vec![
        ("healthy", healthy.clone()),
        (
            "active messaging 0",
            Scenario {
                active_messaging: Some(ValueSpec::Dword(0)),
                ..healthy.clone()
            },
        ),
        (
            "active messaging missing",
            Scenario {
                active_messaging: None,
                ..healthy.clone()
            },
        ),
        (
            "active messaging a string",
            Scenario {
                active_messaging: Some(ValueSpec::Sz("1".into())),
                ..healthy.clone()
            },
        ),
        (
            "active messaging binary",
            Scenario {
                active_messaging: Some(ValueSpec::Binary(vec![1, 0, 0, 0])),
                ..healthy.clone()
            },
        ),
        (
            "no RootDir",
            Scenario {
                rootdir: None,
                ..healthy.clone()
            },
        ),
        (
            "RootDir to expand",
            Scenario {
                rootdir: Some(ValueSpec::ExpandSz(
                    r"%SystemRoot%\..\exchsrvr\imcdata".into(),
                )),
                system_root: r"D:\WINNT".into(),
                ..healthy.clone()
            },
        ),
        (
            "RootDir with an unknown variable",
            Scenario {
                rootdir: Some(ValueSpec::ExpandSz(r"%ExchangeRoot%\imcdata".into())),
                ..healthy.clone()
            },
        ),
        (
            "control set 2",
            Scenario {
                current_control_set: 2,
                ..healthy.clone()
            },
        ),
        (
            "no computer name",
            Scenario {
                computer_name: None,
                ..healthy.clone()
            },
        ),
        (
            "no IMC service",
            Scenario {
                imc_service: false,
                rootdir: None,
                ..healthy.clone()
            },
        ),
        (
            "not Exchange",
            Scenario {
                exchange_key: false,
                active_messaging: None,
                imc_service: false,
                rootdir: None,
                ..healthy.clone()
            },
        ),
        (
            "read-only pickup",
            healthy.clone().with_pickup_sddl(&pickup_sddl_read_only()),
        ),
        (
            "guests denied",
            healthy
                .clone()
                .with_pickup_sddl(&pickup_sddl_guests_denied()),
        ),
        (
            "IUSR not in SAM",
            Scenario {
                iusr_in_sam: false,
                ..healthy.clone()
            },
        ),
        (
            "no SOFTWARE",
            Scenario {
                software_entry: None,
                ..healthy.clone()
            },
        ),
        (
            "no SYSTEM",
            Scenario {
                system_entry: None,
                ..healthy
            },
        ),
    ]
}

/// Replaces `ControlSet` + three digits by `CurrentControlSet` in a string.
fn alias_control_sets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("ControlSet") {
        let after = &rest[at + "ControlSet".len()..];
        let numbered = after.len() >= 3 && after.as_bytes()[..3].iter().all(u8::is_ascii_digit);
        let aliased = rest[..at].ends_with("Current");
        out.push_str(&rest[..at]);
        if numbered && !aliased {
            out.push_str("CurrentControlSet");
            rest = &after[3..];
        } else {
            out.push_str("ControlSet");
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The checks with what may differ between forms taken out: the source
/// entry names, how the control set was decided, notes on printed values,
/// and (for text) the control set's number.
fn comparable(checks: &Value, alias: bool) -> Value {
    fn walk(value: &Value, alias: bool) -> Value {
        match value {
            Value::String(text) if alias => Value::String(alias_control_sets(text)),
            Value::Array(items) => Value::Array(items.iter().map(|v| walk(v, alias)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "source" | "control_set_from"))
                    .map(|(k, v)| (k.clone(), walk(v, alias)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    walk(checks, alias)
}

fn is_text(form: RegistryForm) -> bool {
    matches!(form, RegistryForm::RegExport(_) | RegistryForm::RegQuery(_))
}

#[test]
fn every_form_gives_the_same_verdicts_and_evidence() {
    for (name, scenario) in scenarios() {
        let expected = report(scenario.zip_as(RegistryForm::Hives));
        assert_eq!(
            expected,
            report(scenario.zip()),
            "{name}: zip_as(Hives) is zip()"
        );
        for form in RegistryForm::ALL {
            let actual = report(scenario.zip_as(form));
            let alias = is_text(form);
            let context = format!("{name}, {form:?}: {actual:#}");
            assert_eq!(actual["verdict"], expected["verdict"], "{context}");
            assert_eq!(
                actual["computer_name"], expected["computer_name"],
                "{context}"
            );
            let control_set = match (&expected["control_set"], alias) {
                (Value::String(_), true) => Value::from("CurrentControlSet"),
                (other, _) => other.clone(),
            };
            assert_eq!(actual["control_set"], control_set, "{context}");
            assert_eq!(
                comparable(&actual["checks"], alias),
                comparable(&expected["checks"], alias),
                "{context}"
            );
            // None of these values is one the text forms cannot show.
            assert!(!actual.to_string().contains("as_printed"), "{context}");
            let errors = actual["errors"].as_array().unwrap();
            assert!(errors.is_empty(), "{context}");
        }
    }
}

#[test]
fn sources_say_which_form_each_entry_is_and_that_it_was_used() {
    let scenario = Scenario::healthy();
    let expectations = [
        (
            RegistryForm::RegExport(RegExportVersion::Regedit4),
            "Reg/software.reg",
            "REGEDIT4 export of HKLM\\SOFTWARE (used: no SOFTWARE hive)",
        ),
        (
            RegistryForm::RegExport(RegExportVersion::Regedit5),
            "Reg/system.reg",
            "Windows Registry Editor Version 5.00 export of HKLM\\SYSTEM (used: no SYSTEM hive)",
        ),
        (
            RegistryForm::RegQuery(RegQueryLayout::Xp),
            "Reg/system.txt",
            "reg query output (Windows XP / Server 2003 reg.exe 3.0 layout) of HKLM\\SYSTEM (used: no SYSTEM hive)",
        ),
        (
            RegistryForm::RegQuery(RegQueryLayout::Vista),
            "Reg/software.txt",
            "reg query output (Vista-and-later layout) of HKLM\\SOFTWARE (used: no SOFTWARE hive)",
        ),
        (
            RegistryForm::Szdd,
            "Reg/system._",
            "SYSTEM (SZDD-compressed repair copy)",
        ),
        (
            RegistryForm::Cabinet,
            "Reg/software._",
            "SOFTWARE (single-file cabinet (MSCF))",
        ),
    ];
    for (form, entry, detail) in expectations {
        let report = report(scenario.zip_as(form));
        let sources = report["sources"].as_array().unwrap();
        let source = sources
            .iter()
            .find(|s| s["name"] == entry)
            .unwrap_or_else(|| panic!("{form:?}: no {entry} in {sources:#?}"));
        let kind = if matches!(form, RegistryForm::Szdd | RegistryForm::Cabinet) {
            "hive"
        } else {
            "reg_export"
        };
        assert_eq!(source["kind"], kind, "{form:?}");
        assert_eq!(source["detail"], detail, "{form:?}");
    }
}

#[test]
fn control_set_aliasing_is_exact() {
    assert_eq!(
        alias_control_sets(r"HKLM\SYSTEM\ControlSet002\Services; ControlSet01; CurrentControlSet"),
        r"HKLM\SYSTEM\CurrentControlSet\Services; ControlSet01; CurrentControlSet"
    );
}
