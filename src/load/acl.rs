//! ACL snapshots, the binary descriptors the manifest names, and the SAM's
//! local accounts (which name the principals of the ACLs).

use super::{Loader, Place, Problem, ProblemKind};
use crate::acl::manifest::{find_entry, read_manifest};
use crate::acl::snapshot::folder_from_binary;
use crate::acl::{AclView, SnapshotForm, SnapshotProblem, read_snapshot};
use crate::registry::sam::LocalAccounts;
use crate::registry::{HiveKind, RegistryView};
use crate::source::{self, SourceKind};

impl Loader<'_> {
    /// Reads the ACL snapshots (saved `icacls`, `cacls`, `Get-Acl`, SDDL
    /// output) into a view.
    pub(super) fn read_snapshots(&mut self, snapshots: Vec<(usize, SnapshotForm)>) -> AclView {
        let mut acl = AclView::default();
        for (index, form) in snapshots {
            if self.deadline_passed() {
                break;
            }
            let name = self.name(index).to_string();
            match self.bundle.read_entry(index) {
                Ok(bytes) => {
                    let read = read_snapshot(&name, &bytes);
                    let detail = format!(
                        "{}: {} folder(s){}",
                        source::snapshot_form_words(read.form.unwrap_or(form)),
                        read.folders.len(),
                        if read.problems.is_empty() {
                            String::new()
                        } else {
                            format!(", {} problem(s)", read.problems.len())
                        }
                    );
                    self.snapshot_problems(&read.problems);
                    acl.add(&read);
                    self.source(&name, SourceKind::AclSnapshot, detail);
                }
                Err(error) => {
                    self.unreadable(index, &error);
                    self.source(&name, SourceKind::AclSnapshot, format!("not read: {error}"));
                }
            }
        }
        acl
    }

    /// Binary descriptors, whose folders the manifest names.
    pub(super) fn read_manifests(&mut self, acl: &mut AclView, manifests: Vec<usize>) {
        for manifest in manifests {
            if self.deadline_passed() {
                break;
            }
            let manifest_name = self.name(manifest).to_string();
            let bytes = match self.bundle.read_entry(manifest) {
                Ok(bytes) => bytes,
                Err(error) => {
                    self.unreadable(manifest, &error);
                    continue;
                }
            };
            let (listed, problems) = read_manifest(&manifest_name, &bytes);
            self.snapshot_problems(&problems);
            for item in listed {
                let names = self.entries.iter().map(|e| e.name.as_str()).enumerate();
                let Some(index) = find_entry(names, &item.file) else {
                    let message = format!(
                        "{manifest_name} line {}: [[acl]] file '{}' (for {}) is not in the bundle",
                        item.line, item.file, item.path
                    );
                    self.error(
                        Problem::new(ProblemKind::Acl, &manifest_name, message)
                            .at(Some(Place::Line(item.line))),
                    );
                    continue;
                };
                let name = self.name(index).to_string();
                let read = match self.bundle.read_entry(index) {
                    Ok(bytes) => folder_from_binary(&name, &item.path, &bytes)
                        .map_err(|problem| (ProblemKind::Acl, problem.to_string())),
                    Err(error) => Err((ProblemKind::Unreadable, error.to_string())),
                };
                let detail = match read {
                    Ok(folder) => {
                        acl.folders.push(folder);
                        format!(
                            "{} of {} ({manifest_name} line {})",
                            SnapshotForm::Binary.words(),
                            item.path,
                            item.line
                        )
                    }
                    Err((kind, why)) => {
                        let message =
                            format!("{why} (named in {manifest_name} line {})", item.line);
                        self.error(Problem::new(kind, &name, message));
                        format!("not used: {why}")
                    }
                };
                self.sources.retain(|s| s.name != name);
                self.source(&name, SourceKind::AclSnapshot, detail);
            }
        }
    }

    /// Local accounts, when there is a SAM. One bad record costs only what
    /// it holds: the rest is used.
    pub(super) fn read_accounts(&mut self, registry: &RegistryView) -> Option<LocalAccounts> {
        let sam = registry.hive(HiveKind::Sam)?;
        match LocalAccounts::from_sam(sam) {
            Ok(accounts) => {
                for record in &accounts.damaged {
                    let message = format!("SAM record not used: {}", record.error);
                    let place = Place::Key(record.error.key_path.clone());
                    let problem = Problem::new(ProblemKind::Accounts, &record.error.file, message);
                    self.error(problem.at(Some(place)));
                }
                Some(accounts)
            }
            Err(error) => {
                let message = format!("SAM accounts could not be read: {error}");
                self.error(Problem::new(ProblemKind::Accounts, sam.origin(), message));
                None
            }
        }
    }

    fn snapshot_problems(&mut self, problems: &[SnapshotProblem]) {
        for problem in problems {
            let place = problem.line.map(Place::Line);
            let error = Problem::new(ProblemKind::Acl, &problem.origin, problem.to_string());
            self.error(error.at(place));
        }
    }
}
