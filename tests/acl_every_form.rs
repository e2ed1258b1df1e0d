//! The same folder ACLs written in every form a customer can send (SDDL
//! lines, icacls /save, Get-Acl, cacls with and without `(ID)`, icacls
//! display, binary descriptor + manifest) must give `Q306957.pickup-acl`
//! the same verdict and the same effective mask. The verdicts and masks
//! are worked out by hand below from the access-check rules (ACEs in
//! order, first word on a bit wins, inherit-only skipped, generic rights
//! file-mapped), not taken from the program.

use hivetriage::analyze::{AnalyzeOptions, analyze_location};
use hivetriage::bundle::BundleLocation;
use hivetriage::fixture::scenario::{
    DOMAIN_PRINCIPALS, MACHINE_SID, Scenario, SnapshotFormat, SnapshotSpec, iusr_sid,
};
use hivetriage::report::BundleReport;

const PICKUP: &str = "C:\\exchsrvr\\imcdata\\Pickup";

/// Every form, with the path it writes the folder under.
fn forms() -> Vec<(SnapshotFormat, &'static str)> {
    vec![
        (SnapshotFormat::IcaclsSave { bom: true }, "Pickup"),
        (SnapshotFormat::TabSeparated, PICKUP),
        (SnapshotFormat::GetAcl { width: 80 }, PICKUP),
        (
            SnapshotFormat::Cacls {
                inherited_marker: false,
            },
            PICKUP,
        ),
        (
            SnapshotFormat::Cacls {
                inherited_marker: true,
            },
            "imcdata\\Pickup",
        ),
        (SnapshotFormat::IcaclsDisplay, PICKUP),
        (SnapshotFormat::Binary, PICKUP),
    ]
}

/// One ACL with the verdict and effective mask (MAXIMUM_ALLOWED for the
/// anonymous account, whose token per the SAM is the account, Guests,
/// None, Everyone, Authenticated Users, INTERACTIVE).
struct Case {
    what: &'static str,
    sddl: String,
    verdict: &'static str,
    effective: u32,
}

fn cases() -> Vec<Case> {
    let iusr = iusr_sid();
    let none = format!("{MACHINE_SID}-513");
    let unknown_local = format!("{MACHINE_SID}-1234");
    let domain_admins = DOMAIN_PRINCIPALS[0].0;
    let webdev = DOMAIN_PRINCIPALS[1].0;
    let web_deny = DOMAIN_PRINCIPALS[2].0;
    let case = |what, sddl: String, verdict, effective| Case {
        what,
        sddl,
        verdict,
        effective,
    };
    vec![
        case(
            "NT 4.0 Add for the account, read for everyone",
            format!(
                "D:(A;CI;0x1201b6;;;{iusr})(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;WD)"
            ),
            "pass",
            0x1201B6 | 0x1200A9,
        ),
        case(
            "inherited read only",
            "D:AI(A;OICIID;FA;;;BA)(A;OICIID;FA;;;SY)(A;OICIID;0x1200a9;;;WD)".into(),
            "fail",
            0x1200A9,
        ),
        case(
            "Guests denied writing before Everyone's change",
            "D:P(D;;0x116;;;BG)(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1301bf;;;WD)".into(),
            "fail",
            0x1301BF & !0x116,
        ),
        case(
            "Everyone change",
            "D:(A;OICI;0x1301bf;;;WD)".into(),
            "pass",
            0x1301BF,
        ),
        case(
            "Everyone generic all",
            "D:(A;;GA;;;WD)".into(),
            "pass",
            0x1F01FF,
        ),
        case(
            "the account's grant is inherit-only",
            format!("D:(A;OICIIO;FA;;;{iusr})(A;;0x1200a9;;;WD)"),
            "fail",
            0x1200A9,
        ),
        case(
            "a deny after the grant comes too late",
            format!("D:(A;;0x1201b6;;;{iusr})(D;;0x2;;;WD)"),
            "pass",
            0x1201B6,
        ),
        case(
            "a deny before the grant wins",
            format!("D:(D;;0x2;;;WD)(A;;FA;;;{iusr})"),
            "fail",
            0x1F01FF & !0x2,
        ),
        case(
            "group grant: Authenticated Users",
            "D:(A;OICI;0x1301bf;;;AU)(A;OICI;FA;;;BA)".into(),
            "pass",
            0x1301BF,
        ),
        case(
            "group grant: the local group None",
            format!("D:(A;;0x6;;;{none})(A;;0x1200a9;;;BA)"),
            "pass",
            0x6,
        ),
        case(
            "group grant: Guests write (cacls W)",
            "D:(A;;0x120116;;;BG)".into(),
            "pass",
            0x120116,
        ),
        case(
            "unresolved domain group's deny does not apply to a local account",
            format!("D:(D;;0x2;;;{web_deny})(A;;0x1201b6;;;{iusr})"),
            "pass",
            0x1201B6,
        ),
        case(
            "unresolved domain account's grant does not apply",
            format!("D:(A;;FA;;;{webdev})(A;;0x1200a9;;;WD)"),
            "fail",
            0x1200A9,
        ),
        case(
            "domain admins and an unnamed local SID (printed as a SID)",
            format!("D:(A;;FA;;;{domain_admins})(A;;FA;;;{unknown_local})(A;;FR;;;WD)"),
            "fail",
            0x120089,
        ),
        case(
            "NT 4.0 Add stored as generic write and execute",
            format!("D:(A;;GWGX;;;{iusr})"),
            "pass",
            0x1201B6,
        ),
        case(
            "one right per ACE, as in special access lists",
            format!("D:(A;CI;0x4;;;BU)(A;CI;0x2;;;{iusr})"),
            "pass",
            0x2,
        ),
        case(
            "the local group None denied everything (cacls N)",
            format!("D:(D;;FA;;;{none})(A;;FA;;;WD)"),
            "fail",
            0,
        ),
        case("NULL DACL", "D:NO_ACCESS_CONTROL".into(), "pass", 0x1F01FF),
        case(
            "inherited grant to the account, CREATOR OWNER inherit-only",
            format!("D:AI(A;ID;0x1301bf;;;{iusr})(A;OICIIOID;GA;;;CO)"),
            "pass",
            0x1301BF,
        ),
        case(
            "the account denied writing, Everyone full control after",
            format!("D:(D;OICI;0x116;;;{iusr})(A;OICI;FA;;;WD)"),
            "fail",
            0x1F01FF & !0x116,
        ),
        case(
            "Add from two ACEs of different principals",
            format!("D:(A;;0x1200a0;;;{iusr})(A;;0x100002;;;WD)"),
            "pass",
            0x1200A2,
        ),
        case(
            "Add granted before a deny of write for Everyone",
            format!("D:(A;;0x2;;;{iusr})(D;;0x120116;;;WD)(A;;FA;;;WD)"),
            "pass",
            0x2 | (0x1F01FF & !0x120116),
        ),
        case(
            "generic read and execute only (special access GENERIC_READ, GENERIC_EXECUTE)",
            "D:(A;;GRGX;;;WD)(A;OICIIO;GA;;;CO)".into(),
            "fail",
            0x1200A9,
        ),
        case(
            "write attributes and append only, no add file",
            format!("D:(A;;0x104;;;{iusr})(A;;0x20;;;IU)"),
            "fail",
            0x104 | 0x20,
        ),
    ]
}

fn analyze(scenario: &Scenario) -> BundleReport {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bundle.zip");
    std::fs::write(&path, scenario.zip()).expect("write bundle");
    let location = BundleLocation {
        path: path.clone(),
        display_name: path.to_string_lossy().into_owned(),
    };
    analyze_location(&location, &AnalyzeOptions::default())
}

/// (verdict, effective mask) of the pickup check.
fn pickup_result(report: &BundleReport) -> (String, Option<String>) {
    let check = report
        .checks
        .iter()
        .find(|c| c.id == "Q306957.pickup-acl")
        .expect("pickup check");
    (
        check.verdict.to_string(),
        check
            .evidence
            .get("effective_mask")
            .and_then(|v| v.as_str())
            .map(String::from),
    )
}

fn with_snapshot(
    mut scenario: Scenario,
    format: SnapshotFormat,
    path: &str,
    sddl: &str,
) -> Scenario {
    scenario.snapshots = vec![SnapshotSpec {
        entry: "acl/pickup.acl".into(),
        format,
        folders: vec![
            // Another folder first, so the right one must be found.
            (
                "C:\\exchsrvr\\imcdata\\Out".into(),
                "D:(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)".into(),
            ),
            (path.to_string(), sddl.to_string()),
        ],
    }];
    scenario
}

#[test]
fn every_form_gives_the_same_verdict_and_effective_mask() {
    let cases = cases();
    assert!(cases.len() >= 20);
    let mut checked = 0;
    for case in &cases {
        for (format, path) in forms() {
            let scenario = with_snapshot(Scenario::healthy(), format, path, &case.sddl);
            let report = analyze(&scenario);
            let (verdict, effective) = pickup_result(&report);
            let context = format!(
                "{} ({}) as {format:?}: errors {:?}",
                case.what, case.sddl, report.errors
            );
            assert!(report.errors.is_empty(), "{context}");
            assert_eq!(verdict, case.verdict, "{context}");
            assert_eq!(
                effective.as_deref(),
                Some(format!("0x{:08x}", case.effective).as_str()),
                "{context}"
            );
            checked += 1;
        }
    }
    println!(
        "{} ACLs x {} forms = {checked} bundles agree",
        cases.len(),
        forms().len()
    );
}

/// Without a SAM the account's SID is unknown: a text snapshot that names
/// the account decides the check by name, SDDL that holds only its SID
/// cannot (the contract's example); an unresolved group's deny that could
/// hold the account leaves it open in every form.
#[test]
fn without_sam_names_decide_where_sids_cannot() {
    let no_sam = || Scenario {
        sam_entry: None,
        ..Scenario::healthy()
    };
    let add = format!(
        "D:(A;CI;0x1201b6;;;{})(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;WD)",
        iusr_sid()
    );
    for (format, path) in forms() {
        let (verdict, _) = pickup_result(&analyze(&with_snapshot(no_sam(), format, path, &add)));
        let by_name = matches!(
            format,
            SnapshotFormat::Cacls { .. }
                | SnapshotFormat::IcaclsDisplay
                | SnapshotFormat::GetAcl { .. }
        );
        // Get-Acl carries SDDL, read from its Sddl line: a SID like the others.
        let want = if by_name && !matches!(format, SnapshotFormat::GetAcl { .. }) {
            "pass"
        } else {
            "unknown"
        };
        assert_eq!(verdict, want, "{format:?}");
    }
    // Well-known principals only: decided in every form.
    for (format, path) in forms() {
        let (verdict, _) = pickup_result(&analyze(&with_snapshot(
            no_sam(),
            format,
            path,
            "D:(D;;0x2;;;AN)(A;OICI;0x1301bf;;;AU)",
        )));
        assert_eq!(verdict, "pass", "{format:?}");
    }
    // A domain group's deny before Everyone's grant: could hold the account.
    let deny = format!("D:(D;;0x2;;;{})(A;;FA;;;WD)", DOMAIN_PRINCIPALS[2].0);
    for (format, path) in forms() {
        let report = analyze(&with_snapshot(no_sam(), format, path, &deny));
        let (verdict, _) = pickup_result(&report);
        assert_eq!(verdict, "unknown", "{format:?}");
    }
}

/// Two snapshots of the folder in different forms agree (cacls shows no
/// inherited flag and `F` for generic all; icacls /save has no owner), so
/// the check is decided; two that really differ leave it unknown.
#[test]
fn snapshots_of_one_folder_in_two_forms_agree() {
    let sddl = format!(
        "O:BAD:AI(A;ID;0x1201b6;;;{})(A;OICIIOID;GA;;;CO)(A;OICIID;FA;;;BA)",
        iusr_sid()
    );
    for (first, second) in [
        (
            SnapshotFormat::GetAcl { width: 80 },
            SnapshotFormat::Cacls {
                inherited_marker: false,
            },
        ),
        (
            SnapshotFormat::IcaclsSave { bom: false },
            SnapshotFormat::IcaclsDisplay,
        ),
        (
            SnapshotFormat::Binary,
            SnapshotFormat::Cacls {
                inherited_marker: true,
            },
        ),
    ] {
        let mut scenario = Scenario::healthy();
        scenario.snapshots = vec![
            SnapshotSpec {
                entry: "acl/one".into(),
                format: first,
                folders: vec![(PICKUP.into(), sddl.clone())],
            },
            SnapshotSpec {
                entry: "acl/two".into(),
                format: second,
                folders: vec![(PICKUP.into(), sddl.clone())],
            },
        ];
        let (verdict, _) = pickup_result(&analyze(&scenario));
        assert_eq!(verdict, "pass", "{first:?} and {second:?}");
        // The second snapshot grants nothing to the account: they disagree.
        scenario.snapshots[1].folders[0].1 = "D:(A;OICI;FA;;;BA)".into();
        let (verdict, _) = pickup_result(&analyze(&scenario));
        assert_eq!(verdict, "unknown", "{first:?} and {second:?}");
    }
}
