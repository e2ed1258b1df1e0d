//! What went wrong while loading a bundle: typed (which file, where in it,
//! what kind of problem) for the library's callers, and one line of the
//! report's `errors` when shown.

/// Where in a file a problem lies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
    /// A registry key, by its path in the hive.
    Key(String),
    /// A line of a text file (1-based).
    Line(usize),
    /// A byte offset in the file.
    Offset(u64),
}

/// What a [`Problem`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The bundle as a whole: its listing, an unusual entry name, two
    /// hives of one kind, the time allowed running out.
    Bundle,
    /// An entry that could not be read.
    Unreadable,
    /// A compressed file that could not be expanded, or was expanded with
    /// reservations.
    Expansion,
    /// A hive: damaged, dirty, or tolerated with reservations.
    Hive,
    /// Registry text: a `.reg` export or saved `reg query` output.
    RegistryText,
    /// ACL snapshots, and the manifest naming binary descriptors.
    Acl,
    /// Local accounts read from the SAM hive.
    Accounts,
}

/// A problem met while loading a bundle. Loading goes on with what is
/// left; the problem becomes one line of the report's `errors`, its
/// [`Display`](std::fmt::Display) form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Problem {
    /// The bundle entry it is about, or the bundle's name for a problem
    /// of the whole bundle.
    pub file: String,
    /// Where in `file`, when the problem lies at one place.
    pub place: Option<Place>,
    pub kind: ProblemKind,
    /// The whole line as reported (it names the file, and the place when
    /// there is one).
    pub message: String,
}

impl Problem {
    pub(crate) fn new(
        kind: ProblemKind,
        file: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            file: file.into(),
            place: None,
            kind,
            message: message.into(),
        }
    }

    pub(crate) fn at(mut self, place: Option<Place>) -> Problem {
        self.place = place;
        self
    }
}
