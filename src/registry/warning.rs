//! Warnings about a hive that was opened, with what they say of its data:
//! whether it may lack changes its transaction logs hold.

/// What a [`HiveWarning`] says of the hive's data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HiveWarningKind {
    /// The hive is still dirty: changes in its transaction logs are
    /// missing (no log could be applied).
    Dirty,
    /// Log replay stopped early: later changes are missing.
    RecoveryStopped,
    /// Anything else tolerated (a wrong checksum, an unknown version...).
    Other,
}

/// A warning about an opened hive, shown as its text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text}")]
pub struct HiveWarning {
    pub kind: HiveWarningKind,
    pub text: String,
}

impl HiveWarning {
    pub(crate) fn new(kind: HiveWarningKind, text: String) -> HiveWarning {
        HiveWarning { kind, text }
    }

    /// Whether it says the hive may lack changes its logs hold.
    pub fn says_stale(&self) -> bool {
        self.kind != HiveWarningKind::Other
    }
}
