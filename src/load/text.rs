//! Registry text sources (`.reg` exports, saved `reg query` output): used
//! for the kinds the bundle has no hive of, merged in name order.

use super::entries::Candidate;
use super::view::BuiltRegistry;
use super::{Loader, Place, Problem, ProblemKind};
use crate::registry::TextHive;
use crate::source::reg_text::{TextRegistryBuilder, read_reg_text};
use crate::source::{RegTextForm, SourceKind};

impl Loader<'_> {
    /// Reads the registry text entries into `registry`; returns the text
    /// under `HKEY_USERS\<name>`, by that name.
    pub(super) fn add_registry_text(
        &mut self,
        registry: &mut BuiltRegistry,
        mut text_entries: Vec<(Candidate, RegTextForm)>,
    ) -> Vec<(String, TextHive)> {
        text_entries.sort_by(|a, b| self.name(a.0.index).cmp(self.name(b.0.index)));
        let mut text = TextRegistryBuilder::new(std::mem::take(&mut registry.hive_kinds));
        for (candidate, form) in text_entries {
            if self.deadline_passed() {
                break;
            }
            let name = self.name(candidate.index).to_string();
            let bytes = match candidate.expanded {
                Some((bytes, _)) => bytes,
                None => match self.bundle.read_entry(candidate.index) {
                    Ok(bytes) => bytes.into_vec(),
                    Err(error) => {
                        self.unreadable(candidate.index, &error);
                        let detail = format!("{}; not read: {error}", form.words());
                        self.source(&name, SourceKind::RegExport, detail);
                        continue;
                    }
                },
            };
            let outcome = text.add(&name, read_reg_text(&name, &bytes, form));
            for problem in &outcome.problems {
                self.error(
                    Problem::new(
                        ProblemKind::RegistryText,
                        &problem.file,
                        problem.to_string(),
                    )
                    .at(Some(Place::Line(problem.line))),
                );
            }
            self.source(&name, SourceKind::RegExport, outcome.detail);
        }
        let trees = text.finish_with_users();
        for (kind, hive) in trees.machine {
            registry.view.add(kind, Box::new(hive));
        }
        trees.users
    }
}
