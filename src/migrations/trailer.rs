//! The `Schema-Migrations` commit trailer: which migration was the latest applied when a
//! snapshot was taken (`Schema-Migrations: drizzle 0007_add_orgs`), so that a schema change
//! with no new migration behind it shows as a manual change.

use super::tools::{Applied, AppliedState, LocalMigration, Tool};

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

#[cfg(test)]
mod tests {
    use super::*;

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
