//! The fix for the server it is for: for an NT 4.0, a Windows 2000, a
//! Server 2003 SP1 and a Server 2003 SP2 bundle (the fixture writes each
//! one's `CurrentVersion` / `CSDVersion` into SOFTWARE), every output form
//! (JSON `remediation` and `remediation_forms`, the table, CSV, Markdown,
//! and `fix.cmd` / `fix.reg` from `--fix-dir`) gives the same commands, and
//! only the tools that Windows has: no icacls before 2003 SP2 (Microsoft KB
//! 919240), no reg.exe on NT 4.0 and 2000 (it came only with the Resource
//! Kit / Support Tools there), whose registry changes go through a REGEDIT4
//! file and regedit.

mod common;

use hivetriage::fixture::scenario::{
    Scenario, ValueSpec, WindowsRelease, pickup_sddl_guests_denied, pickup_sddl_read_only,
};
use serde_json::Value;
use std::path::Path;

const AM: &str = "Q306957.active-messaging";
const ROOTDIR: &str = "Q306957.imc-rootdir";
const ACL: &str = "Q306957.pickup-acl";

/// Runs the binary in `dir` with a wide `COLUMNS`, so the table does not
/// wrap; returns (status, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    common::hivetriage(args)
        .current_dir(dir)
        .env("COLUMNS", "2000")
        .run()
}

/// Two bundles per release: Active Messaging off and Guests denied on the
/// pickup folder (a registry fix, and an ACL fix with a deny entry to
/// remove), and RootDir missing (a registry fix to confirm first).
fn bundles(release: WindowsRelease) -> [(&'static str, Scenario); 2] {
    let base = Scenario {
        windows: release,
        ..Scenario::healthy()
    };
    [
        (
            "am-and-acl.zip",
            Scenario {
                active_messaging: Some(ValueSpec::Dword(0)),
                ..base.clone().with_pickup_sddl(&pickup_sddl_guests_denied())
            },
        ),
        (
            "no-rootdir.zip",
            Scenario {
                rootdir: None,
                ..base
            },
        ),
    ]
}

/// Whether a text names a tool the server lacks.
fn names_icacls(text: &str) -> bool {
    text.to_ascii_lowercase().contains("icacls")
}

fn names_reg_exe(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("reg.exe")
        || ["reg add", "reg delete", "reg query", "reg import"]
            .iter()
            .any(|command| lower.contains(command))
}

#[test]
fn every_output_gives_the_same_fix_for_the_servers_windows() {
    for release in WindowsRelease::ALL {
        let dir = tempfile::tempdir().unwrap();
        for (name, scenario) in bundles(release) {
            std::fs::write(dir.path().join(name), scenario.zip()).unwrap();
            let (status, json, _) = run(dir.path(), &["analyze", "--format", "json", name]);
            assert_eq!(status, 1, "{release:?} {name}");
            let report: Value = serde_json::from_str::<Value>(&json).unwrap()[0].clone();
            let (_, table, _) = run(dir.path(), &["analyze", "--color", "never", name]);
            let (_, csv, _) = run(dir.path(), &["analyze", "--format", "csv", name]);
            let (_, markdown, _) = run(dir.path(), &["analyze", "--format", "markdown", name]);
            let fixes = dir.path().join(format!("fixes-{name}"));
            let fixes_arg = fixes.to_str().unwrap();
            let (_, _, stderr) = run(dir.path(), &["analyze", "--fix-dir", fixes_arg, name]);
            let folder = fixes.join(format!("EXCH01-{}", name.trim_end_matches(".zip")));
            let cmd = std::fs::read_to_string(folder.join("fix.cmd"))
                .unwrap_or_else(|e| panic!("{release:?} {name}: fix.cmd: {e}; {stderr}"));
            let cmd_lines: Vec<&str> = cmd.split("\r\n").collect();
            let reg = std::fs::read_to_string(folder.join("fix.reg")).ok();

            let failing: Vec<&Value> = report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["verdict"] == "fail")
                .collect();
            assert!(!failing.is_empty());
            for check in failing {
                let id = check["id"].as_str().unwrap();
                let forms = check["remediation_forms"].as_array().unwrap();
                assert_eq!(
                    forms.len(),
                    1,
                    "{release:?} {id}: one form for a known version"
                );
                let form = &forms[0];
                let (version, _, service_pack) = release.version_values();
                let windows = form["windows"].as_str().unwrap();
                assert!(
                    windows.contains(&format!("version {version}"))
                        && windows.contains(service_pack),
                    "{windows}"
                );
                let remediation = check["remediation"].as_str().unwrap();
                let commands: Vec<&str> = form["commands"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect();
                let confirm_first: Vec<&str> = form["steps"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|s| s["confirm_first"] == true)
                    .flat_map(|s| s["commands"].as_array().unwrap().iter())
                    .map(|c| c.as_str().unwrap())
                    .collect();
                assert!(!commands.is_empty(), "{release:?} {id}: something to run");
                for command in &commands {
                    assert!(
                        remediation.contains(command),
                        "{id}: {command}\n{remediation}"
                    );
                    assert!(table.contains(command), "table: {command}\n{table}");
                    assert!(
                        csv.contains(&command.replace('"', "\"\"")),
                        "csv: {command}"
                    );
                    assert!(
                        markdown.lines().any(|l| l.trim() == *command),
                        "markdown: {command}\n{markdown}"
                    );
                    let in_cmd = if confirm_first.contains(command) {
                        format!("rem {command}")
                    } else {
                        command.to_string()
                    };
                    assert!(
                        cmd_lines.contains(&in_cmd.as_str()),
                        "{release:?} fix.cmd lacks {in_cmd:?}:\n{cmd}"
                    );
                    if command.contains("fix.reg") {
                        let reg = reg.as_deref().expect("fix.reg beside fix.cmd");
                        for line in form["files"][0]["lines"].as_array().unwrap() {
                            let line = line.as_str().unwrap();
                            assert!(
                                reg.split("\r\n").any(|l| l == line),
                                "fix.reg lacks {line:?}:\n{reg}"
                            );
                        }
                    }
                }

                let everything = [remediation, &form.to_string()].concat();
                match release {
                    WindowsRelease::Nt4 | WindowsRelease::Windows2000 => {
                        assert!(!names_icacls(&everything), "{release:?} {id}: {everything}");
                        assert!(
                            !names_reg_exe(&everything),
                            "{release:?} {id}: {everything}"
                        );
                        assert!(!names_icacls(&cmd) && !names_reg_exe(&cmd), "{cmd}");
                    }
                    WindowsRelease::Windows2003Sp1 => {
                        assert!(!names_icacls(&everything), "{id}: {everything}");
                        assert!(!names_icacls(&cmd), "{cmd}");
                    }
                    WindowsRelease::Windows2003Sp2 => {}
                }
                let uses = |needle: &str| commands.iter().any(|c| c.starts_with(needle));
                match (release, id) {
                    (WindowsRelease::Nt4 | WindowsRelease::Windows2000, AM | ROOTDIR) => {
                        assert!(uses("regedit /s fix.reg"), "{commands:?}")
                    }
                    (WindowsRelease::Windows2003Sp1 | WindowsRelease::Windows2003Sp2, AM) => {
                        assert!(
                            uses("reg add \"HKLM\\SOFTWARE\\Microsoft\\Exchange\""),
                            "{commands:?}"
                        )
                    }
                    (WindowsRelease::Nt4, ACL) => {
                        // NT 4.0's cacls cannot grant Add alone: the grant is
                        // by hand, the deny entry removed with cacls.
                        assert!(uses("cacls \"C:\\exchsrvr\\imcdata\\Pickup\" /E /R"));
                        assert!(!commands.iter().any(|c| c.contains("/G ")));
                    }
                    (WindowsRelease::Windows2000 | WindowsRelease::Windows2003Sp1, ACL) => {
                        assert!(uses(
                            "cacls \"C:\\exchsrvr\\imcdata\\Pickup\" /E /G \"EXCH01\\IUSR_EXCH01\":W"
                        ));
                    }
                    (WindowsRelease::Windows2003Sp2, ACL) => {
                        assert!(uses(
                            "icacls \"C:\\exchsrvr\\imcdata\\Pickup\" /grant \"EXCH01\\IUSR_EXCH01:(CI)(WD,AD,WEA,X,RA,WA,RC,S)\""
                        ));
                        assert!(uses(
                            "icacls \"C:\\exchsrvr\\imcdata\\Pickup\" /remove:d *S-1-5-32-546"
                        ));
                    }
                    _ => {}
                }
                if id == ACL {
                    // The ACL is saved before anything changes, and the
                    // form says how to put it back.
                    assert!(
                        commands[0].starts_with("if not exist \"Pickup-acl-before."),
                        "{commands:?}"
                    );
                    assert!(!form["undo"].as_array().unwrap().is_empty());
                }
            }
            // The old wording is gone for good.
            assert!(!table.contains("(no icacls)"), "{table}");
        }
    }
}

#[test]
fn without_a_windows_version_both_forms_are_given() {
    let dir = tempfile::tempdir().unwrap();
    // SOFTWARE without its version values: a SOFTWARE export cut down to
    // the Exchange key would be the same.
    let scenario = Scenario::healthy().with_pickup_sddl(&pickup_sddl_read_only());
    let mut entries = scenario.entries();
    let software_at = entries
        .iter()
        .position(|(n, _)| n == "Reg/software.hiv")
        .unwrap();
    entries.remove(software_at);
    let borrowed: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    std::fs::write(
        dir.path().join("b.zip"),
        hivetriage::fixture::zip::zip_bytes(&borrowed),
    )
    .unwrap();
    let (_, json, _) = run(dir.path(), &["analyze", "--format", "json", "b.zip"]);
    let report: Value = serde_json::from_str::<Value>(&json).unwrap()[0].clone();
    let acl = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == ACL)
        .unwrap();
    assert_eq!(acl["verdict"], "fail", "{acl:#}");
    let forms = acl["remediation_forms"].as_array().unwrap();
    assert_eq!(forms.len(), 2, "{forms:#?}");
    for form in forms {
        assert!(
            form["windows"]
                .as_str()
                .unwrap()
                .contains("Windows version unknown")
        );
    }
    assert!(forms[0].to_string().contains("icacls"));
    assert!(!names_icacls(&forms[1].to_string()), "{:#}", forms[1]);
    let remediation = acl["remediation"].as_str().unwrap();
    assert!(
        remediation.contains("Windows version unknown"),
        "{remediation}"
    );

    let (_, _, stderr) = run(dir.path(), &["analyze", "--fix-dir", "fixes", "b.zip"]);
    let cmd = std::fs::read_to_string(dir.path().join("fixes/EXCH01-b/fix.cmd"))
        .unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert!(
        cmd.contains("if exist \"%SystemRoot%\\system32\\icacls.exe\" goto form1\r\n"),
        "{cmd}"
    );
    assert!(
        cmd.contains("\r\n:form1\r\n") && cmd.contains("\r\n:form2\r\n"),
        "{cmd}"
    );
    let form2 = &cmd[cmd.find(":form2").unwrap()..];
    assert!(
        !names_icacls(&form2[..form2.find("goto end").unwrap()]),
        "{form2}"
    );
}
