//! `hivetriage collect`: each script gathers what the rules declare they
//! need, and every file it writes is recognised by bundle discovery as the
//! kind the rule needs: realistic contents are built for each produced name
//! (with the fixture writers) and run through the real classification and
//! analysis.

mod common;

use hivetriage::analyze::{AnalyzeOptions, evaluate};
use hivetriage::bundle::{self, Limits};
use hivetriage::fixture::acl::{get_acl_list, icacls_save_bytes};
use hivetriage::fixture::scenario::{Scenario, pickup_sddl_with_add};
use hivetriage::load::load_bundle;
use hivetriage::registry::{HiveFile, HiveKind};
use hivetriage::report::collect_script::{
    CollectionScript, ProducedContent, Target, collection_script, merged_needs,
};
use hivetriage::rules::{self, FolderLocation, Verdict};
use hivetriage::source::{self, SNIFF_LEN, Sniffed, SourceKind};
use std::path::Path;

const TARGETS: [(Target, &str); 3] = [
    (Target::Nt4, "nt4"),
    (Target::W2k, "w2k"),
    (Target::Modern, "modern"),
];

fn script(target: Target) -> CollectionScript {
    collection_script(target, &rules::all())
}

/// `cacls <folder>` output of the healthy pickup folder as NT 4.0 prints
/// it: names, an inheritance-only file entry per directory entry, and
/// `(special access:)` blocks for rights that have no letter.
fn cacls_display(folder: &str) -> Vec<u8> {
    let indent = " ".repeat(folder.len() + 1);
    let mut text = format!("{folder} EXCH01\\IUSR_EXCH01:(CI)(special access:)\r\n");
    for right in [
        "READ_CONTROL",
        "SYNCHRONIZE",
        "FILE_WRITE_DATA",
        "FILE_APPEND_DATA",
        "FILE_WRITE_EA",
        "FILE_EXECUTE",
        "FILE_READ_ATTRIBUTES",
        "FILE_WRITE_ATTRIBUTES",
    ] {
        text.push_str(&format!("{indent}{}{right}\r\n", " ".repeat(33)));
    }
    for line in [
        "BUILTIN\\Administrators:(OI)(CI)F",
        "NT AUTHORITY\\SYSTEM:(OI)(CI)F",
        "Everyone:(OI)(CI)R",
    ] {
        text.push_str(&format!("{indent}{line}\r\n"));
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// What the file at a produced name holds on a healthy server.
fn realistic_content(content: &ProducedContent, scenario: &Scenario) -> Vec<u8> {
    let folder = r"C:\exchsrvr\imcdata\Pickup";
    match content {
        ProducedContent::Hive(HiveKind::System) => scenario.system_hive(),
        ProducedContent::Hive(HiveKind::Software) => scenario.software_hive(),
        ProducedContent::Hive(HiveKind::Sam) => scenario.sam_hive(),
        ProducedContent::Hive(other) => panic!("no fixture for the {other} hive"),
        // icacls /save writes the folder's own name, relative to where it ran.
        ProducedContent::IcaclsSave { .. } => {
            icacls_save_bytes(&[("Pickup", &pickup_sddl_with_add())], false)
        }
        // Out-File -Encoding utf8 in Windows PowerShell writes a BOM.
        ProducedContent::GetAclList { .. } => {
            let mut bytes = vec![0xEF, 0xBB, 0xBF];
            bytes.extend(get_acl_list(&[(folder, &pickup_sddl_with_add())], 4096).into_bytes());
            bytes
        }
        ProducedContent::CaclsDisplay { .. } => cacls_display(folder),
    }
}

/// Writes the bundle a script would produce on a healthy server into `dir`.
fn produce(script: &CollectionScript, dir: &Path) {
    let scenario = Scenario::healthy();
    for file in &script.produces {
        let path = dir.join(&file.name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, realistic_content(&file.content, &scenario)).unwrap();
    }
}

#[test]
fn scripts_gather_what_the_rules_declare() {
    let all = rules::all();
    let (hives, folders) = merged_needs(&all);
    assert_eq!(hives, [HiveKind::System, HiveKind::Software, HiveKind::Sam]);
    assert_eq!(folders.len(), 1);
    for (target, name) in TARGETS {
        let script = script(target);
        let text = &script.text;
        assert!(text.is_ascii(), "{name}: ASCII");
        assert!(
            !text.replace("\r\n", "").contains(['\r', '\n']),
            "{name}: CRLF line ends only"
        );
        for hive in &hives {
            assert!(
                script
                    .produces
                    .iter()
                    .any(|f| f.content == ProducedContent::Hive(*hive)),
                "{name}: saves {hive}"
            );
        }
        for file in &script.produces {
            let written = file.name.replace('/', "\\");
            assert!(
                text.contains(&written),
                "{name}: the script writes {written}"
            );
        }
        for folder in &folders {
            let FolderLocation::FromRegistry {
                key,
                value,
                default,
                subfolder,
            } = folder.location
            else {
                panic!("Q306957's folder is read from the registry");
            };
            assert!(
                text.contains(key.trim_start_matches("SYSTEM\\")),
                "{name}: reads {key}"
            );
            assert!(text.contains(value) && text.contains(default) && text.contains(subfolder));
            assert!(
                script
                    .produces
                    .iter()
                    .any(|f| f.name.starts_with(&format!("acl/{}", folder.label))),
                "{name}: saves the ACL of {}",
                folder.label
            );
        }
    }
    let nt4 = script(Target::Nt4).text;
    assert!(nt4.contains("regback \"%OUT%\\Reg\\system.hiv\" machine system\r\n"));
    assert!(nt4.contains("cacls \"%HT_PICKUP%\" > \"%OUT%\\acl\\pickup-cacls.txt\"\r\n"));
    let w2k = script(Target::W2k).text;
    assert!(w2k.contains("reg save HKLM\\SAM \"%OUT%\\Reg\\sam.hiv\"\r\n"));
    let modern = script(Target::Modern).text;
    for command in [
        "reg.exe save",
        "icacls.exe $folder /save",
        "Get-Acl",
        "Format-List",
        "Compress-Archive",
        "Get-ItemProperty",
    ] {
        assert!(modern.contains(command), "modern uses {command}");
    }
}

#[test]
fn script_snapshots() {
    for (target, name) in TARGETS {
        insta::assert_snapshot!(
            format!("collect_{name}"),
            script(target).text.replace("\r\n", "\n")
        );
    }
}

#[test]
fn collect_prints_the_script_exactly() {
    for (target, name) in TARGETS {
        let (status, stdout, _) = common::hivetriage(["collect", "--for", name]).run_bytes();
        assert_eq!(status, 0);
        assert_eq!(stdout, script(target).text.into_bytes(), "{name}");
    }
    let (status, _, _) = common::hivetriage(["collect", "--for", "win95"]).run();
    assert_eq!(status, 2);
}

/// The produced names that bundle discovery must recognise today (the
/// `cacls` display form is read by a reader on another branch; see the
/// ignored test below).
fn classify_every_produced_file(target: Target, include_cacls: bool) {
    let script = script(target);
    let dir = tempfile::tempdir().unwrap();
    produce(&script, dir.path());
    for file in &script.produces {
        if matches!(file.content, ProducedContent::CaclsDisplay { .. }) && !include_cacls {
            continue;
        }
        let bytes = std::fs::read(dir.path().join(&file.name)).unwrap();
        let prefix = &bytes[..bytes.len().min(SNIFF_LEN)];
        let sniffed = source::sniff(&file.name, prefix);
        match &file.content {
            ProducedContent::Hive(kind) => {
                assert!(
                    matches!(sniffed, Sniffed::Hive(_)),
                    "{}: {sniffed:?}",
                    file.name
                );
                let (hive, _) = HiveFile::open(file.name.clone(), bytes).unwrap();
                assert_eq!(hive.identify(&file.name).kind, Some(*kind), "{}", file.name);
            }
            _ => assert!(
                matches!(sniffed, Sniffed::AclSnapshot(_)),
                "{}: {sniffed:?}",
                file.name
            ),
        }
    }

    // The whole bundle, as analyze reads it.
    let mut opened = bundle::open(dir.path(), "collected", Limits::default()).unwrap();
    let loaded = load_bundle(opened.as_mut(), Limits::default());
    for file in &script.produces {
        if matches!(file.content, ProducedContent::CaclsDisplay { .. }) && !include_cacls {
            continue;
        }
        let source = loaded
            .sources
            .iter()
            .find(|s| s.name == file.name)
            .unwrap_or_else(|| panic!("{} not among the sources {:?}", file.name, loaded.sources));
        let expected = match file.content {
            ProducedContent::Hive(_) => SourceKind::Hive,
            _ => SourceKind::AclSnapshot,
        };
        assert_eq!(source.kind, expected, "{}: {source:?}", file.name);
        if let ProducedContent::Hive(kind) = file.content {
            assert_eq!(source.detail, kind.name(), "{}", file.name);
        }
    }
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let report = evaluate(loaded, &AnalyzeOptions::default());
    let needs_cacls = script
        .produces
        .iter()
        .any(|f| matches!(f.content, ProducedContent::CaclsDisplay { .. }));
    for check in &report.checks {
        let acl_pending = check.id == "Q306957.pickup-acl" && needs_cacls && !include_cacls;
        if !acl_pending {
            assert_eq!(check.verdict, Verdict::Pass, "{check:#?}");
        }
    }
}

#[test]
fn every_file_the_modern_script_writes_is_recognised_and_sufficient() {
    classify_every_produced_file(Target::Modern, true);
}

#[test]
fn the_hives_the_nt4_and_w2k_scripts_write_are_recognised() {
    classify_every_produced_file(Target::Nt4, false);
    classify_every_produced_file(Target::W2k, false);
}

#[test]
fn the_cacls_output_of_the_nt4_and_w2k_scripts_is_recognised() {
    classify_every_produced_file(Target::Nt4, true);
    classify_every_produced_file(Target::W2k, true);
}
