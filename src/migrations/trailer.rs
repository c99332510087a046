//! The `Schema-Migrations` commit trailer: which migration was the latest applied when a
//! snapshot was taken (`Schema-Migrations: drizzle 0007_add_orgs`), so that a schema change
//! with no new migration behind it shows as a manual change.

use super::tools::{Applied, AppliedState, LocalMigration, Tool};
use crate::diff::{Action, Change, Severity};

pub const KEY: &str = "Schema-Migrations";

/// The trailer's value: the tool and the latest applied migration's name.
pub fn value(tool: Tool, latest: &str) -> String {
    format!("{} {latest}", tool.name())
}

/// `(tool, latest)` from a trailer value.
pub fn parse(value: &str) -> Option<(&str, &str)> {
    value.trim().split_once(' ')
}

/// The value of the trailer in a commit message, if it has one.
pub fn in_message(message: &str) -> Option<&str> {
    message
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix(KEY)?.strip_prefix(": "))
        .map(str::trim)
}

/// The last migration, in the tool's order, that the tracking rows record as applied.
pub fn latest_applied<'f>(
    files: &'f [LocalMigration],
    rows: &[Applied],
) -> Option<&'f LocalMigration> {
    files
        .iter()
        .rev()
        .filter(|file| !file.repeatable)
        .find(|file| {
            rows.iter().any(|row| {
                row.version == file.version
                    && matches!(
                        row.state,
                        AppliedState::Applied | AppliedState::Dirty | AppliedState::Failed
                    )
            })
        })
}

/// A critical change when the schema changed (`changes`) but the latest applied migration
/// (`current`) is the one the previous snapshot recorded (`previous`): a change that came from
/// no migration. Unknown when either side has no trailer.
pub fn manual_change(
    previous: Option<&str>,
    current: Option<&str>,
    changes: &[Change],
) -> Option<Change> {
    let (previous, current) = (previous?, current?);
    if changes.is_empty() || previous != current {
        return None;
    }
    Some(Change {
        severity: Severity::Critical,
        kind: "manual_change",
        object: current.to_string(),
        parent: current.to_string(),
        action: Action::Changed,
        detail: format!(
            "{} with no new migration: the latest applied is still {current}, as at the previous snapshot",
            crate::report::changes::counted(changes.len(), "schema change")
        ),
        text_diff: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_without_a_new_migration_is_manual() {
        let change = Change {
            severity: Severity::Warning,
            kind: "index",
            object: "app.t.i".into(),
            parent: "app.t".into(),
            action: Action::Added,
            detail: "added".into(),
            text_diff: None,
        };
        let same = Some("sqlx 2_add");
        let manual = manual_change(same, same, std::slice::from_ref(&change)).expect("manual");
        assert_eq!(manual.severity, Severity::Critical);
        assert_eq!(
            manual.detail,
            "1 schema change with no new migration: the latest applied is still sqlx 2_add, as at the previous snapshot"
        );
        assert_eq!(
            manual_change(Some("sqlx 1_init"), same, std::slice::from_ref(&change)),
            None
        );
        assert_eq!(
            manual_change(None, same, std::slice::from_ref(&change)),
            None
        );
        assert_eq!(manual_change(same, same, &[]), None);
    }

    #[test]
    fn the_trailer_round_trips_through_a_message() {
        let message = format!(
            "schema(prod): 1 change\n\nSchema-Env: prod\n{KEY}: {}\n",
            value(Tool::Drizzle, "0007_add_orgs")
        );
        assert_eq!(in_message(&message), Some("drizzle 0007_add_orgs"));
        assert_eq!(
            parse("drizzle 0007_add_orgs"),
            Some(("drizzle", "0007_add_orgs"))
        );
        assert_eq!(in_message("schema(prod): x\n\nSchema-Env: prod\n"), None);
    }
}
