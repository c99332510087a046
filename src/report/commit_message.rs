//! The message of a snapshot commit: a subject that summarises, a body that lists the changed
//! objects, and trailers with the volatile facts the snapshot files must not hold.

use std::fmt::Write;

use crate::codec::{FileAction, FileChange};

/// At most this many objects are listed per action; the rest are counted.
const LISTED: usize = 200;

/// Facts about the run that belong in the commit, not in the tree.
#[derive(Debug, Clone)]
pub struct CommitFacts<'a> {
    pub env: &'a str,
    pub fingerprint: &'a str,
    pub object_count: usize,
    pub server_version: &'a str,
    /// Where the schema was read from, without credentials.
    pub source: &'a str,
}

/// The commit message. `changes` is `None` for the first snapshot of an environment.
pub fn commit_message(facts: &CommitFacts, changes: Option<&[FileChange]>) -> String {
    let mut message = String::new();
    match changes {
        None => {
            let _ = writeln!(
                message,
                "schema({}): initial snapshot, {} objects",
                facts.env, facts.object_count
            );
        }
        Some(changes) => {
            let count = |action| changes.iter().filter(|c| c.action == action).count();
            let parts: Vec<String> = [FileAction::Added, FileAction::Changed, FileAction::Removed]
                .into_iter()
                .filter(|a| count(*a) > 0)
                .map(|a| format!("{} {}", count(a), a.as_str()))
                .collect();
            let noun = if changes.len() == 1 {
                "change"
            } else {
                "changes"
            };
            let _ = writeln!(
                message,
                "schema({}): {} {noun} ({})",
                facts.env,
                changes.len(),
                parts.join(", ")
            );
            for action in [FileAction::Added, FileAction::Changed, FileAction::Removed] {
                let listed: Vec<&FileChange> =
                    changes.iter().filter(|c| c.action == action).collect();
                if listed.is_empty() {
                    continue;
                }
                let _ = writeln!(message, "\n{}:", capitalised(action.as_str()));
                for change in listed.iter().take(LISTED) {
                    let _ = writeln!(
                        message,
                        "  {} {}",
                        change.kind.replace('_', " "),
                        change.name
                    );
                }
                if listed.len() > LISTED {
                    let _ = writeln!(message, "  … and {} more", listed.len() - LISTED);
                }
            }
        }
    }
    let _ = write!(
        message,
        "\nSchema-Env: {}\nSchema-Fingerprint: {}\nServer-Version: {}\nSchemagit-Version: {}\nSchema-Source: {}\n",
        facts.env,
        facts.fingerprint,
        facts.server_version,
        env!("CARGO_PKG_VERSION"),
        facts.source
    );
    message
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> CommitFacts<'static> {
        CommitFacts {
            env: "prod",
            fingerprint: "blake3:ab",
            object_count: 7,
            server_version: "15.18",
            source: "postgresql://app@db:5432/app",
        }
    }

    fn change(action: FileAction, kind: &str, name: &str) -> FileChange {
        FileChange {
            action,
            kind: kind.into(),
            name: name.into(),
            path: String::new(),
        }
    }

    #[test]
    fn subject_summarises_and_body_lists_by_action() {
        let changes = [
            change(FileAction::Added, "table", "app.events"),
            change(FileAction::Changed, "table", "app.users"),
            change(FileAction::Changed, "materialized_view", "app.revenue"),
        ];
        let message = commit_message(&facts(), Some(&changes));
        assert!(message.starts_with("schema(prod): 3 changes (1 added, 2 changed)\n\nAdded:\n  table app.events\n\nChanged:\n  table app.users\n  materialized view app.revenue\n"), "{message}");
        for trailer in [
            "Schema-Env: prod",
            "Schema-Fingerprint: blake3:ab",
            "Server-Version: 15.18",
            "Schemagit-Version: ",
            "Schema-Source: postgresql://app@db:5432/app",
        ] {
            assert!(
                message.contains(trailer),
                "{trailer} missing from {message}"
            );
        }
    }

    #[test]
    fn first_snapshot_says_so() {
        let message = commit_message(&facts(), None);
        assert!(message.starts_with("schema(prod): initial snapshot, 7 objects\n"));
    }
}
