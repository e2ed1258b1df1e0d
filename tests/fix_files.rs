//! `analyze --fix-dir`: the files written for failing bundles, nothing for
//! passing ones, and the round trip: `fix.reg` read back and laid over the
//! failing sample's registry (and the ACL fix over its pickup folder's ACL)
//! turns the failing check into a pass.
//!
//! `fix.reg` is read back with the project's own `.reg` reader.

mod common;

use hivetriage::analyze::{AnalyzeOptions, analyze_location, evaluate};
use hivetriage::bundle::{self, BundleLocation, Limits};
use hivetriage::fixture::scenario::{Scenario, iusr_sid, samples};
use hivetriage::load::load_bundle;
use hivetriage::registry::TextValueOp;
use hivetriage::registry::{
    HiveData, HiveFile, HiveKind, LookupError, RegKey, RegValue, RegistryView, names_equal,
};
use hivetriage::report::BundleReport;
use hivetriage::report::fix_files::{FixFiles, fix_files};
use hivetriage::rules::{FixAction, Verdict};
use hivetriage::source::reg_export::{RegExportVersion, parse_reg_export};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

const AM: &str = "Q306957.active-messaging";
const ROOTDIR: &str = "Q306957.imc-rootdir";
const ACL: &str = "Q306957.pickup-acl";

fn sample_scenario(file_name: &str) -> Scenario {
    samples()
        .into_iter()
        .find(|s| s.file_name == file_name)
        .unwrap_or_else(|| panic!("no sample {file_name}"))
        .scenario
}

fn sample_path(file_name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(file_name)
}

/// The report of a sample, named as `analyze samples/<name>` names it.
fn sample_report(file_name: &str) -> BundleReport {
    analyze_location(
        &BundleLocation {
            path: sample_path(file_name),
            display_name: format!("samples/{file_name}"),
        },
        &AnalyzeOptions::default(),
    )
}

fn verdict(report: &BundleReport, id: &str) -> Verdict {
    report
        .checks
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no check {id}"))
        .verdict
}

fn run_fix_dir(inputs: &[&Path], dir: &Path) -> (i32, String) {
    // Samples are named relative to the checkout, as a user would type them,
    // so the bundle names written into the fix files do not depend on where
    // the repository is cloned.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let inputs: Vec<&Path> = inputs
        .iter()
        .map(|input| input.strip_prefix(root).unwrap_or(input))
        .collect();
    let mut args: Vec<&OsStr> = ["analyze", "--format", "json", "--fix-dir"]
        .map(OsStr::new)
        .to_vec();
    args.push(dir.as_os_str());
    args.extend(inputs.iter().map(|input| input.as_os_str()));
    let (status, stdout, stderr) = common::hivetriage(args).current_dir(root).run();
    serde_json::from_str::<serde_json::Value>(&stdout).expect("stdout is still pure JSON");
    (status, stderr)
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap();
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

/// ASCII with CRLF line ends only: what NT 4.0's regedit and cmd read in any
/// code page.
fn assert_ansi_crlf(name: &str, bytes: &[u8]) {
    assert!(bytes.is_ascii(), "{name} is not ASCII");
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' {
            assert!(
                i > 0 && bytes[i - 1] == b'\r',
                "{name}: bare LF at byte {i}"
            );
        }
        if b == b'\r' {
            assert_eq!(
                bytes.get(i + 1),
                Some(&b'\n'),
                "{name}: bare CR at byte {i}"
            );
        }
    }
    assert!(bytes.ends_with(b"\r\n"), "{name} ends with CRLF");
}

#[test]
fn failing_samples_get_fix_files_and_passing_ones_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<PathBuf> = samples().iter().map(|s| sample_path(s.file_name)).collect();
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    let (status, stderr) = run_fix_dir(&inputs, dir.path());
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(
        files_under(dir.path()),
        [
            "EXCH01-active-messaging-off/fix.cmd",
            "EXCH01-active-messaging-off/fix.reg",
            "EXCH01-guests-denied/fix.cmd",
            "EXCH01-no-add-permission/fix.cmd",
            "EXCH01-no-imc-rootdir/fix.cmd",
            "EXCH01-no-imc-rootdir/fix.reg",
        ]
    );
    assert!(
        stderr.contains("EXCH01-no-add-permission/fix.cmd")
            || stderr.contains(r"EXCH01-no-add-permission\fix.cmd"),
        "{stderr}"
    );
    for file in files_under(dir.path()) {
        assert_ansi_crlf(&file, &std::fs::read(dir.path().join(&file)).unwrap());
    }

    let healthy = tempfile::tempdir().unwrap();
    let (status, _) = run_fix_dir(&[&sample_path("healthy.zip")], healthy.path());
    assert_eq!(status, 0);
    assert!(
        files_under(healthy.path()).is_empty(),
        "nothing for a passing bundle"
    );
}

#[test]
fn fix_cmd_names_the_exact_folder_and_account() {
    let dir = tempfile::tempdir().unwrap();
    run_fix_dir(&[&sample_path("no-add-permission.zip")], dir.path());
    let cmd = std::fs::read_to_string(dir.path().join("EXCH01-no-add-permission/fix.cmd")).unwrap();
    assert!(cmd.starts_with("@echo off\r\n"), "{cmd}");
    assert!(cmd.contains(r"C:\exchsrvr\imcdata\Pickup"), "{cmd}");
    assert!(cmd.contains(r"EXCH01\IUSR_EXCH01"), "{cmd}");
    // NT 4.0: no icacls, and cacls' C would grant too much; Explorer steps.
    assert!(!cmd.contains("icacls"), "{cmd}");
    assert!(!cmd.contains("/G "), "{cmd}");
    // The comments, unwrapped, hold the article's steps.
    let comments = cmd.replace("\r\nrem ", " ");
    assert!(
        comments.contains("click the Security tab, and then click Permissions"),
        "{cmd}"
    );
    assert!(
        cmd.contains("echo To do by hand: Q306957.pickup-acl step 2"),
        "{cmd}"
    );
    // The ACL is saved before anything changes, and the comments say how
    // to undo.
    let save = cmd
        .find("if not exist \"Pickup-acl-before.txt\" cacls \"C:\\exchsrvr\\imcdata\\Pickup\" > \"Pickup-acl-before.txt\"\r\n")
        .expect("the ACL is saved");
    assert!(save < cmd.find("To do by hand").unwrap(), "{cmd}");
    assert!(cmd.contains("rem To undo:"), "{cmd}");
    assert!(cmd.contains(r#"if /i not "%COMPUTERNAME%"=="EXCH01" goto wrongcomputer"#));
}

#[test]
fn the_acl_command_follows_the_servers_windows_version() {
    let mut report = sample_report("guests-denied.zip");
    let cmd_for = |report: &BundleReport| fix_files(report).unwrap().cmd.unwrap();

    // NT 4.0 (the sample): the deny entry is removed with cacls /E /R, which
    // NT 4.0 has; the grant is left to Explorer.
    let nt4 = cmd_for(&report);
    assert!(
        nt4.contains("cacls \"C:\\exchsrvr\\imcdata\\Pickup\" /E /R \"BUILTIN\\Guests\"\r\n"),
        "{nt4}"
    );
    insta::assert_snapshot!("guests_denied_nt4_fix_cmd", nt4.replace("\r\n", "\n"));

    let windows = report.windows.as_mut().unwrap();
    windows.current_version = Some("5.0".into());
    windows.service_pack = Some("Service Pack 4".into());
    let w2k = cmd_for(&report);
    assert!(
        w2k.contains("cacls \"C:\\exchsrvr\\imcdata\\Pickup\" /E /G \"EXCH01\\IUSR_EXCH01\":W\r\n"),
        "{w2k}"
    );
    assert!(w2k.contains("inherited by files"), "{w2k}");
    insta::assert_snapshot!("guests_denied_w2k_fix_cmd", w2k.replace("\r\n", "\n"));

    let windows = report.windows.as_mut().unwrap();
    windows.current_version = Some("5.2".into());
    windows.service_pack = Some("Service Pack 2".into());
    let w2k3sp2 = cmd_for(&report);
    assert!(w2k3sp2.contains(
        "icacls \"C:\\exchsrvr\\imcdata\\Pickup\" /grant \"EXCH01\\IUSR_EXCH01:(CI)(WD,AD,WEA,X,RA,WA,RC,S)\"\r\n"
    ), "{w2k3sp2}");
    assert!(
        w2k3sp2.contains("icacls \"C:\\exchsrvr\\imcdata\\Pickup\" /remove:d *S-1-5-32-546\r\n"),
        "{w2k3sp2}"
    );
    let deny_at = w2k3sp2.find("/remove:d").unwrap();
    let grant_at = w2k3sp2.find("/grant").unwrap();
    assert!(deny_at < grant_at, "deny entries go first");
    insta::assert_snapshot!(
        "guests_denied_icacls_fix_cmd",
        w2k3sp2.replace("\r\n", "\n")
    );

    // Unknown: both forms, the icacls one where icacls exists.
    report.windows = None;
    let unknown = cmd_for(&report);
    assert!(
        unknown.contains("if exist \"%SystemRoot%\\system32\\icacls.exe\" goto form1\r\n"),
        "{unknown}"
    );
    let form1 = &unknown[unknown.find("\r\n:form1\r\n").unwrap()..];
    let form2 = &unknown[unknown.find("\r\n:form2\r\n").unwrap()..];
    assert!(
        form1.contains("\r\nicacls \"C:\\exchsrvr\\imcdata\\Pickup\" /remove:d *S-1-5-32-546\r\n")
    );
    assert!(
        form2.contains("\r\ncacls \"C:\\exchsrvr\\imcdata\\Pickup\" /E /R \"BUILTIN\\Guests\"\r\n")
    );
    assert!(!form2[..form2.find("goto end").unwrap()].contains("icacls"));
}

#[test]
fn hostile_bundle_names_stay_inside_the_fix_dir() {
    let outer = tempfile::tempdir().unwrap();
    let fix_dir = outer.path().join("fixes");
    let inputs = outer.path().join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    let bytes = std::fs::read(sample_path("no-add-permission.zip")).unwrap();
    for name in ["..zip", "con.zip", "a b&c.zip"] {
        std::fs::write(inputs.join(name), &bytes).unwrap();
    }
    let paths: Vec<PathBuf> = ["..zip", "con.zip", "a b&c.zip"]
        .iter()
        .map(|n| inputs.join(n))
        .collect();
    let paths: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let (status, stderr) = run_fix_dir(&paths, &fix_dir);
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(
        files_under(&fix_dir),
        [
            "EXCH01-_con/fix.cmd",
            "EXCH01-a_b_c/fix.cmd",
            "EXCH01-bundle/fix.cmd"
        ]
    );
    assert_eq!(
        files_under(outer.path()).len(),
        6,
        "nothing written outside the fix dir: {:?}",
        files_under(outer.path())
    );
}

// ------------------------------------------------------------ round trip

/// A value set by a `.reg` file: (full key, value).
type RegSetting = (String, RegValue);

/// The values a `fix.reg` sets, as the analysis would read the file.
fn read_regedit4(text: &str) -> Vec<RegSetting> {
    // The project's own `.reg` reader, as the analysis uses it for exports.
    let export = parse_reg_export("fix.reg", text.as_bytes()).expect("fix.reg is a .reg file");
    assert_eq!(
        export.version,
        RegExportVersion::Regedit4,
        "NT 4.0's regedit imports REGEDIT4"
    );
    assert!(
        export.problems.is_empty(),
        "fix.reg reads cleanly: {:?}",
        export.problems
    );
    let mut settings = Vec::new();
    for section in export.sections {
        for op in section.values {
            match op {
                TextValueOp::Set { value, .. } => settings.push((section.path.clone(), value)),
                TextValueOp::Delete { name, .. } => panic!("fix.reg deletes {name}"),
            }
        }
    }
    settings
}

/// A hive with values laid over it, as importing a `.reg` file would leave it.
struct Overlay {
    base: HiveFile,
    /// (key path relative to the hive root, value)
    values: Vec<(String, RegValue)>,
}

impl HiveData for Overlay {
    fn origin(&self) -> &str {
        self.base.origin()
    }

    fn read_key(&self, path: &str) -> Result<Option<RegKey>, LookupError> {
        let mut key = self.base.read_key(path)?;
        for (key_path, value) in &self.values {
            if !names_equal(key_path, path) {
                continue;
            }
            let key = key.get_or_insert_with(|| RegKey {
                path: path.to_string(),
                ..RegKey::default()
            });
            key.values.retain(|v| !names_equal(&v.name, &value.name));
            key.values.push(value.clone());
        }
        Ok(key)
    }
}

/// The scenario's registry with `settings` imported, `CurrentControlSet`
/// standing for the scenario's current control set as on a live server.
fn registry_with(scenario: &Scenario, settings: &[RegSetting]) -> RegistryView {
    let control_set = format!("ControlSet{:03}", scenario.current_control_set);
    let mut view = RegistryView::new();
    for (kind, bytes) in [
        (HiveKind::System, scenario.system_hive()),
        (HiveKind::Software, scenario.software_hive()),
        (HiveKind::Sam, scenario.sam_hive()),
    ] {
        let (base, _) = HiveFile::open(format!("{kind} of the sample"), bytes).unwrap();
        let prefix = format!("HKEY_LOCAL_MACHINE\\{}\\", kind.name());
        let values = settings
            .iter()
            .filter_map(|(key, value)| {
                let relative = key.strip_prefix(&prefix)?;
                let relative = match relative.split_once('\\') {
                    Some((first, rest)) if first.eq_ignore_ascii_case("CurrentControlSet") => {
                        format!("{control_set}\\{rest}")
                    }
                    _ => relative.to_string(),
                };
                Some((relative, value.clone()))
            })
            .collect();
        view.add(kind, Box::new(Overlay { base, values }));
    }
    view
}

/// Analyzes a sample with `settings` imported into its registry.
fn analyze_with(file_name: &str, settings: &[RegSetting]) -> BundleReport {
    let scenario = sample_scenario(file_name);
    let path = sample_path(file_name);
    let mut opened = bundle::open(&path, file_name, Default::default()).unwrap();
    let mut loaded = load_bundle(opened.as_mut(), Limits::default());
    loaded.registry = registry_with(&scenario, settings);
    evaluate(loaded, &AnalyzeOptions::default())
}

fn written_fix(file_name: &str) -> FixFiles {
    let dir = tempfile::tempdir().unwrap();
    run_fix_dir(&[&sample_path(file_name)], dir.path());
    let stem = format!("EXCH01-{}", file_name.trim_end_matches(".zip"));
    let read = |name: &str| std::fs::read_to_string(dir.path().join(&stem).join(name)).ok();
    FixFiles {
        reg: read("fix.reg"),
        cmd: read("fix.cmd"),
    }
}

#[test]
fn importing_fix_reg_turns_active_messaging_to_pass() {
    let reg = written_fix("active-messaging-off.zip")
        .reg
        .expect("fix.reg written");
    assert!(reg.starts_with("REGEDIT4\r\n\r\n"), "{reg}");
    assert!(reg.ends_with("\r\n\r\n"), "REGEDIT4 ends with a blank line");
    insta::assert_snapshot!("active_messaging_off_fix_reg", reg.replace("\r\n", "\n"));
    let settings = read_regedit4(&reg);
    assert_eq!(settings.len(), 1, "{settings:?}");

    let before = analyze_with("active-messaging-off.zip", &[]);
    assert_eq!(verdict(&before, AM), Verdict::Fail);
    let after = analyze_with("active-messaging-off.zip", &settings);
    assert_eq!(verdict(&after, AM), Verdict::Pass, "{:#?}", after.checks);
    assert_eq!(after.verdict, Verdict::Pass);
}

#[test]
fn the_suggested_rootdir_is_commented_until_confirmed_then_it_fixes() {
    let reg = written_fix("no-imc-rootdir.zip")
        .reg
        .expect("fix.reg written");
    insta::assert_snapshot!("no_imc_rootdir_fix_reg", reg.replace("\r\n", "\n"));
    // As written, nothing is set: the default must be confirmed first.
    assert!(read_regedit4(&reg).is_empty(), "{reg}");
    assert_eq!(
        verdict(&analyze_with("no-imc-rootdir.zip", &[]), ROOTDIR),
        Verdict::Fail
    );
    // Doing what the comment says: remove the ; before the two lines.
    let confirmed = reg
        .replace(";[HKEY_LOCAL_MACHINE", "[HKEY_LOCAL_MACHINE")
        .replace(";\"RootDir\"", "\"RootDir\"");
    let settings = read_regedit4(&confirmed);
    assert_eq!(settings.len(), 1);
    let after = analyze_with("no-imc-rootdir.zip", &settings);
    assert_eq!(
        verdict(&after, ROOTDIR),
        Verdict::Pass,
        "{:#?}",
        after.checks
    );
    assert_eq!(
        verdict(&after, ACL),
        Verdict::Pass,
        "the pickup folder is known again"
    );
}

/// The SDDL's ACEs, each with its parentheses, after its `D:` flags.
fn split_sddl(sddl: &str) -> (String, Vec<String>) {
    let open = sddl.find('(').unwrap();
    let aces = sddl[open..]
        .split_inclusive(')')
        .map(str::to_string)
        .collect();
    (sddl[..open].to_string(), aces)
}

#[test]
fn applying_the_acl_fix_turns_pickup_acl_to_pass() {
    for file_name in ["no-add-permission.zip", "guests-denied.zip"] {
        let report = sample_report(file_name);
        assert_eq!(verdict(&report, ACL), Verdict::Fail);
        let fix = &report.checks.iter().find(|c| c.id == ACL).unwrap().fix;
        let scenario = sample_scenario(file_name);
        let sddl = scenario.snapshots[0].folders[0].1.clone();
        let (flags, mut aces) = split_sddl(&sddl);

        let mut removed: Vec<usize> = Vec::new();
        let mut granted = 0;
        for action in fix {
            match action {
                FixAction::RemoveDenyEntries(deny) => {
                    assert_eq!(deny.folder, r"C:\exchsrvr\imcdata\Pickup");
                    for &n in &deny.aces {
                        assert!(aces[n - 1].starts_with("(D;"), "#{n} is a deny entry");
                        removed.push(n - 1);
                    }
                }
                FixAction::GrantFolderAccess(grant) => {
                    assert_eq!(grant.folder, r"C:\exchsrvr\imcdata\Pickup");
                    assert_eq!(grant.principal, r"EXCH01\IUSR_EXCH01");
                    granted += 1;
                    aces.push(format!("(A;CI;0x{:x};;;{})", grant.rights, iusr_sid()));
                }
                FixAction::SetRegistryValue(_) | FixAction::ByHand(_) => {
                    panic!("no registry change or manual step for an ACL")
                }
            }
        }
        assert_eq!(granted, 1, "{file_name}: one grant");
        removed.sort_unstable();
        for index in removed.into_iter().rev() {
            aces.remove(index);
        }
        let fixed_sddl = format!("{flags}{}", aces.concat());

        let fixed = scenario.with_pickup_sddl(&fixed_sddl);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file_name);
        std::fs::write(&path, fixed.zip()).unwrap();
        let after = analyze_location(
            &BundleLocation {
                path,
                display_name: file_name.to_string(),
            },
            &AnalyzeOptions::default(),
        );
        assert_eq!(
            verdict(&after, ACL),
            Verdict::Pass,
            "{file_name}: {fixed_sddl}"
        );
        assert_eq!(after.verdict, Verdict::Pass);
    }
}

#[test]
fn the_grant_alone_does_not_fix_a_deny() {
    // The guests-denied fix must remove the deny entry: the grant alone
    // leaves the check failing, so a writer that dropped it would be wrong.
    let scenario = sample_scenario("guests-denied.zip");
    let sddl = scenario.snapshots[0].folders[0].1.clone();
    let (flags, aces) = split_sddl(&sddl);
    let grant = format!("(A;CI;0x1201b6;;;{})", iusr_sid());
    let only_grant = format!("{flags}{}{grant}", aces.concat());
    let report = |sddl: &str| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.zip");
        std::fs::write(&path, scenario.clone().with_pickup_sddl(sddl).zip()).unwrap();
        analyze_location(
            &BundleLocation {
                path,
                display_name: "b.zip".into(),
            },
            &AnalyzeOptions::default(),
        )
    };
    assert_eq!(verdict(&report(&only_grant), ACL), Verdict::Fail);
}

// ------------------------------------------------------- earlier runs

/// `analyze --fix-dir DIR [extra] inputs` from `cwd`: (status, stderr).
fn run_in(cwd: &Path, dir: &str, extra: &[&str], inputs: &[&str]) -> (i32, String) {
    let head = ["analyze", "--format", "json", "--fix-dir", dir];
    let args = head.iter().chain(extra).chain(inputs);
    let (status, _, stderr) = common::hivetriage(args).current_dir(cwd).run();
    (status, stderr)
}

#[test]
fn a_batch_of_bundle_zips_gets_readable_folders() {
    let work = tempfile::tempdir().unwrap();
    let failing = sample_scenario("no-add-permission.zip");
    for (case, computer) in [("4711", "EXCH01"), ("4712", "WEB02")] {
        let scenario = Scenario {
            computer_name: Some(computer.into()),
            ..failing.clone()
        };
        let folder = work.path().join("cases").join(case);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("bundle.zip"), scenario.zip()).unwrap();
    }
    let (status, stderr) = run_in(work.path(), "fixes", &[], &["cases"]);
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(
        files_under(&work.path().join("fixes")),
        ["EXCH01-4711-bundle/fix.cmd", "WEB02-4712-bundle/fix.cmd"]
    );
}

#[test]
fn an_earlier_runs_files_are_never_replaced_silently() {
    let work = tempfile::tempdir().unwrap();
    let bundle = work.path().join("case.zip");
    std::fs::write(
        &bundle,
        std::fs::read(sample_path("no-add-permission.zip")).unwrap(),
    )
    .unwrap();
    let fix_cmd = work.path().join("fixes/EXCH01-case/fix.cmd");

    let (status, stderr) = run_in(work.path(), "fixes", &[], &["case.zip"]);
    assert_eq!(status, 1, "{stderr}");
    let first = std::fs::read_to_string(&fix_cmd).unwrap();

    // A second run refuses, names the file, and changes nothing.
    let edited = first.replace("@echo off\r\n", "@echo off\r\nrem edited by hand\r\n");
    std::fs::write(&fix_cmd, &edited).unwrap();
    let (status, stderr) = run_in(work.path(), "fixes", &[], &["case.zip"]);
    assert_eq!(status, 2, "{stderr}");
    assert!(
        stderr.contains("files from an earlier run are there") && stderr.contains("fix.cmd"),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&fix_cmd).unwrap(), edited);

    // --force replaces it.
    let (status, stderr) = run_in(work.path(), "fixes", &["--force"], &["case.zip"]);
    assert_eq!(status, 1, "{stderr}");
    assert_eq!(std::fs::read_to_string(&fix_cmd).unwrap(), first);

    // The bundle now passes: its old fix is stale. Without --force that is
    // refused too; with it the fix and its folder go, and nothing else.
    std::fs::write(&bundle, std::fs::read(sample_path("healthy.zip")).unwrap()).unwrap();
    let (status, stderr) = run_in(work.path(), "fixes", &[], &["case.zip"]);
    assert_eq!(status, 2, "{stderr}");
    assert!(fix_cmd.exists());
    let notes = work.path().join("fixes/notes.txt");
    std::fs::write(&notes, "mine").unwrap();
    let (status, stderr) = run_in(work.path(), "fixes", &["--force"], &["case.zip"]);
    assert_eq!(status, 0, "{stderr}");
    assert!(
        stderr.contains("removed") && stderr.contains("no longer needs it"),
        "{stderr}"
    );
    assert!(!fix_cmd.exists());
    assert!(
        !fix_cmd.parent().unwrap().exists(),
        "the emptied folder goes too"
    );
    assert!(notes.exists(), "nothing it did not write is removed");
}

#[test]
fn files_hivetriage_did_not_write_are_never_touched() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("case.zip"),
        std::fs::read(sample_path("no-add-permission.zip")).unwrap(),
    )
    .unwrap();
    let folder = work.path().join("fixes/EXCH01-case");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("fix.cmd"),
        "@echo off\r\nrem someone else's\r\n",
    )
    .unwrap();
    for extra in [&[][..], &["--force"][..]] {
        let (status, stderr) = run_in(work.path(), "fixes", extra, &["case.zip"]);
        assert_eq!(status, 2, "{extra:?}: {stderr}");
        assert!(stderr.contains("hivetriage did not write it"), "{stderr}");
        assert_eq!(
            std::fs::read_to_string(folder.join("fix.cmd")).unwrap(),
            "@echo off\r\nrem someone else's\r\n"
        );
    }
}
