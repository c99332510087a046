//! Two models → an ordered list of changes a person can act on, each with a severity.
//!
//! [`diff`] walks every object kind down to the part that changed; [`severity`] decides how much
//! each change matters (access-widening changes are critical); [`rules`] checks what must hold
//! whatever the snapshot says; [`scope`] removes what is not drift between environments (ignored
//! objects and kinds, role names that differ per environment).

mod about;
mod grants;
mod objects;
pub mod rules;
pub mod scope;
pub mod severity;
mod text;

use crate::model::Database;
pub use about::retain_about;
pub use severity::{Severity, SeverityOverrides};

/// What happened to the thing that changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Added,
    Removed,
    Changed,
    /// A rule from `schemagit.toml` does not hold.
    Violated,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Added => "added",
            Action::Removed => "removed",
            Action::Changed => "changed",
            Action::Violated => "violated",
        }
    }
}

/// One change between two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub severity: Severity,
    /// `table`, `column`, `policy`, `grant`, … (see the contract's list).
    pub kind: &'static str,
    /// The qualified name of the thing that changed (`app.users.email`).
    pub object: String,
    /// The file-level object it belongs to (`app.users`), for grouping.
    pub parent: String,
    pub action: Action,
    /// What changed, in a few words: `type character varying(100) -> text`.
    pub detail: String,
    /// A unified diff of a multi-line definition, when that is what changed.
    pub text_diff: Option<String>,
}

impl Change {
    /// A change whose severity is the kind's default, or critical when `widens` access.
    fn new(
        kind: &'static str,
        object: impl Into<String>,
        parent: impl Into<String>,
        action: Action,
        detail: impl Into<String>,
    ) -> Self {
        Change {
            severity: severity::default_for(kind, action),
            kind,
            object: object.into(),
            parent: parent.into(),
            action,
            detail: detail.into(),
            text_diff: None,
        }
    }

    /// Marks a change that widens access: always critical by default.
    fn widening(mut self) -> Self {
        self.severity = Severity::Critical;
        self
    }

    fn with_text_diff(mut self, diff: Option<String>) -> Self {
        self.text_diff = diff;
        self
    }

    /// Whether everything this change changed is cosmetic (whitespace, or how the server
    /// spells the same expression): such a change is info, whatever the overrides say.
    pub fn cosmetic_only(&self) -> bool {
        self.action == Action::Changed && self.detail.split("; ").all(text::Cosmetic::ends)
    }
}

/// Every change from `old` to `new`, most severe first, then by object.
pub fn diff(old: &Database, new: &Database) -> Vec<Change> {
    let mut changes = objects::diff_database(old, new);
    sort(&mut changes);
    changes
}

/// The canonical order of a change list: severity, then object, then kind and action.
pub fn sort(changes: &mut [Change]) {
    changes.sort_by(|a, b| {
        (
            b.severity, &a.parent, &a.object, a.kind, a.action, &a.detail,
        )
            .cmp(&(
                a.severity, &b.parent, &b.object, b.kind, b.action, &b.detail,
            ))
    });
}

/// How many changes there are of each severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
}

impl Summary {
    pub fn of(changes: &[Change]) -> Self {
        let mut summary = Summary::default();
        for change in changes {
            match change.severity {
                Severity::Critical => summary.critical += 1,
                Severity::Warning => summary.warning += 1,
                Severity::Info => summary.info += 1,
            }
        }
        summary
    }
}

#[cfg(test)]
mod tests;
