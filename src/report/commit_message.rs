//! The message of a snapshot commit: a subject that summarises, a body that lists the changed
//! objects, and trailers with the volatile facts the snapshot files must not hold.

use std::fmt::Write;

use super::changes::counted;
use crate::audit::{self, LogRead};
use crate::diff::{Change, Severity, Summary};

/// At most this many changes are listed per severity; the rest are counted.
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
    /// What the role could not read, one entry per object (see `Database::unreadable`).
    pub unreadable: &'a [String],
    /// The latest applied migration (`drizzle 0007_add_orgs`), when known.
    pub migrations: Option<&'a str>,
    /// The audit log's events since the previous snapshot commit, when the database has the
    /// audit trail: who made the changes, cited in the body and the `Schema-Changed-By:`
    /// trailers.
    pub audit: Option<&'a LogRead>,
}

/// The commit message. `changes` is `None` for the first snapshot of an environment (or one
/// that replaces an unreadable snapshot).
pub fn commit_message(facts: &CommitFacts, changes: Option<&[Change]>) -> String {
    let mut message = format!("schema({}): {}\n", facts.env, summary_of(facts, changes));
    if let Some(changes) = changes {
        write_changes(&mut message, changes, "");
    }
    write_audit(&mut message, facts, "");
    message.push('\n');
    write_trailers(&mut message, facts);
    message
}

/// One environment of a fleet commit: its facts and its changes (`None`: first snapshot).
pub struct FleetMember<'a> {
    pub facts: CommitFacts<'a>,
    pub changes: Option<Vec<Change>>,
}

/// The message of one commit holding several changed folders: a subject that counts what
/// changed out of `total` (`what`: "databases" or "environments"), then per environment a
/// summary line and its changes, then each environment's block of trailers, opened by its
/// `Schema-Env:` line, as a single-environment commit has them. One changed folder gets the
/// single-environment message.
pub fn fleet_commit_message(what: &str, total: usize, members: &[FleetMember]) -> String {
    if let [member] = members {
        return commit_message(&member.facts, member.changes.as_deref());
    }
    let all: Vec<Change> = members
        .iter()
        .flat_map(|m| m.changes.iter().flatten().cloned())
        .collect();
    let summary = Summary::of(&all);
    let mut message = format!(
        "schema: {} of {total} {what} changed, {}",
        members.len(),
        counted(all.len(), "change")
    );
    if summary.critical > 0 {
        let _ = write!(message, ", {} critical", summary.critical);
    }
    if summary.warning > 0 {
        let _ = write!(message, ", {}", counted(summary.warning, "warning"));
    }
    message.push('\n');
    for member in members {
        let changes = member.changes.as_deref();
        let _ = write!(
            message,
            "\n{}: {}\n",
            member.facts.env,
            summary_of(&member.facts, changes)
        );
        if let Some(changes) = changes {
            write_changes(&mut message, changes, "  ");
        }
        write_audit(&mut message, &member.facts, "  ");
    }
    message.push('\n');
    for member in members {
        write_trailers(&mut message, &member.facts);
    }
    message
}

/// `3 changes, 1 critical, 1 warning`, or `initial snapshot, 27 objects`.
fn summary_of(facts: &CommitFacts, changes: Option<&[Change]>) -> String {
    let Some(changes) = changes else {
        return format!(
            "initial snapshot, {}",
            counted(facts.object_count, "object")
        );
    };
    let summary = Summary::of(changes);
    let mut line = counted(changes.len(), "change");
    if summary.critical > 0 {
        let _ = write!(line, ", {} critical", summary.critical);
    }
    if summary.warning > 0 {
        let _ = write!(line, ", {}", counted(summary.warning, "warning"));
    }
    line
}

/// The changes, by severity, each list indented by `indent`.
fn write_changes(message: &mut String, changes: &[Change], indent: &str) {
    for severity in [Severity::Critical, Severity::Warning, Severity::Info] {
        let listed: Vec<&Change> = changes.iter().filter(|c| c.severity == severity).collect();
        if listed.is_empty() {
            continue;
        }
        let _ = writeln!(message, "\n{indent}{}:", capitalised(severity.as_str()));
        for change in listed.iter().take(LISTED) {
            let _ = writeln!(
                message,
                "{indent}  {} {} {}: {}",
                change.action.as_str(),
                change.kind.replace('_', " "),
                change.object,
                change.detail
            );
        }
        if listed.len() > LISTED {
            let _ = writeln!(message, "{indent}  … and {} more", listed.len() - LISTED);
        }
    }
}

/// Who made the changes, from the audit log.
fn write_audit(message: &mut String, facts: &CommitFacts, indent: &str) {
    let Some(log) = facts.audit.filter(|log| !log.events.is_empty()) else {
        return;
    };
    let _ = writeln!(message, "\n{indent}Changed by (audit log):");
    for event in log.events.iter().take(LISTED) {
        let _ = writeln!(
            message,
            "{indent}  {} {} ({}), {}: {}: {}",
            event.when(),
            event.who(),
            event
                .application_name
                .as_deref()
                .filter(|a| !a.is_empty())
                .unwrap_or("no application_name"),
            event.origin(),
            event.what(),
            event.statement_line(160)
        );
    }
    if log.events.len() > LISTED {
        let _ = writeln!(
            message,
            "{indent}  … and {} more",
            log.events.len() - LISTED
        );
    }
}

/// One environment's trailers, `Schema-Env:` first.
fn write_trailers(message: &mut String, facts: &CommitFacts) {
    let _ = write!(
        message,
        "Schema-Env: {}\nSchema-Fingerprint: {}\nServer-Version: {}\nSchemagit-Version: {}\nSchema-Source: {}\n",
        facts.env,
        facts.fingerprint,
        facts.server_version,
        env!("CARGO_PKG_VERSION"),
        facts.source
    );
    if let Some(migrations) = facts.migrations {
        let _ = writeln!(message, "{}: {migrations}", crate::migrations::trailer::KEY);
    }
    if !facts.unreadable.is_empty() {
        let _ = writeln!(
            message,
            "Schema-Unreadable: {}",
            facts.unreadable.join("; ")
        );
    }
    if let Some(log) = facts.audit {
        for who in changed_by(log) {
            let _ = writeln!(message, "{CHANGED_BY}: {who}");
        }
        let _ = writeln!(message, "{}: {}", audit::TRAILER, log.snapshot);
    }
}

/// The trailer that names who made a snapshot's changes, one per role, from the audit log.
const CHANGED_BY: &str = "Schema-Changed-By";

/// The `Schema-Changed-By:` trailers of a commit message: `alice (manual, 2 events)`.
pub fn changed_by_trailers(message: &str) -> Vec<String> {
    message
        .lines()
        .filter_map(|line| line.strip_prefix(CHANGED_BY)?.strip_prefix(": "))
        .map(|who| who.trim().to_string())
        .collect()
}

/// Each role that made a change, and whether by a migration, in the order they first did:
/// `alice (manual, 2 statements)`.
fn changed_by(log: &LogRead) -> Vec<String> {
    let mut seen: Vec<(String, &'static str, usize)> = Vec::new();
    for event in &log.events {
        let who = event.who();
        match seen
            .iter_mut()
            .find(|(w, origin, _)| *w == who && *origin == event.origin())
        {
            Some((_, _, count)) => *count += 1,
            None => seen.push((who, event.origin(), 1)),
        }
    }
    seen.into_iter()
        .map(|(who, origin, count)| format!("{who} ({origin}, {})", counted(count, "event")))
        .collect()
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
    use crate::diff::Action;

    fn facts() -> CommitFacts<'static> {
        CommitFacts {
            env: "prod",
            fingerprint: "blake3:ab",
            object_count: 7,
            server_version: "15.18",
            source: "postgresql://app@db:5432/app",
            unreadable: &[],
            migrations: None,
            audit: None,
        }
    }

    #[test]
    fn the_audit_log_names_who_changed_what() {
        use crate::audit::event_example as example;
        let log = LogRead {
            events: vec![
                example("alice", false),
                example("deploy", true),
                example("alice", false),
            ],
            snapshot: "770:775:".into(),
        };
        let message = commit_message(
            &CommitFacts {
                audit: Some(&log),
                ..facts()
            },
            None,
        );
        assert!(
            message.contains("\n\nChanged by (audit log):\n  2026-12-02 02:31:07 UTC alice (psql), manual: CREATE INDEX app.users_email_idx: CREATE INDEX users_email_idx ON app.users (email)\n  2026-12-02 02:31:07 UTC deploy (psql), migration: "),
            "{message}"
        );
        assert!(
            message.ends_with("\nSchema-Changed-By: alice (manual, 2 events)\nSchema-Changed-By: deploy (migration, 1 event)\nSchema-Audit-Snapshot: 770:775:\n"),
            "{message}"
        );
        let quiet = LogRead {
            events: vec![],
            snapshot: "770:775:".into(),
        };
        let message = commit_message(
            &CommitFacts {
                audit: Some(&quiet),
                ..facts()
            },
            None,
        );
        assert!(!message.contains("Changed by") && !message.contains("Schema-Changed-By"));
        assert!(message.ends_with("Schema-Audit-Snapshot: 770:775:\n"));
    }

    #[test]
    fn what_the_role_could_not_read_is_a_trailer() {
        let unreadable = ["subscription sub (connection)".to_string()];
        let message = commit_message(
            &CommitFacts {
                unreadable: &unreadable,
                ..facts()
            },
            None,
        );
        assert!(
            message.ends_with("\nSchema-Unreadable: subscription sub (connection)\n"),
            "{message}"
        );
        assert!(!commit_message(&facts(), None).contains("Schema-Unreadable"));
    }

    #[test]
    fn subject_counts_by_severity_and_body_lists_by_severity() {
        let change = |severity, kind, object: &str, detail: &str| Change {
            severity,
            kind,
            object: object.into(),
            parent: object.into(),
            action: Action::Changed,
            detail: detail.into(),
            text_diff: None,
        };
        let changes = [
            change(
                Severity::Critical,
                "rls",
                "app.users",
                "row-level security disabled",
            ),
            change(
                Severity::Warning,
                "index",
                "app.users.users_email_idx",
                "definition a -> b",
            ),
            change(Severity::Info, "function", "app.f()", "definition changed"),
        ];
        let message = commit_message(&facts(), Some(&changes));
        let two_warnings = [changes[1].clone(), changes[1].clone()];
        assert!(commit_message(&facts(), Some(&two_warnings))
            .starts_with("schema(prod): 2 changes, 2 warnings\n"));
        assert!(
            commit_message(&facts(), Some(&changes[2..])).starts_with("schema(prod): 1 change\n")
        );
        assert!(
            message.starts_with(
                "schema(prod): 3 changes, 1 critical, 1 warning\n\nCritical:\n  changed rls app.users: row-level security disabled\n\nWarning:\n  changed index app.users.users_email_idx: definition a -> b\n\nInfo:\n  changed function app.f(): definition changed\n"
            ),
            "{message}"
        );
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
    fn the_latest_applied_migration_is_a_trailer() {
        let message = commit_message(
            &CommitFacts {
                migrations: Some("drizzle 0007_add_orgs"),
                ..facts()
            },
            None,
        );
        assert!(
            message.ends_with("\nSchema-Migrations: drizzle 0007_add_orgs\n"),
            "{message}"
        );
        assert!(!commit_message(&facts(), None).contains("Schema-Migrations"));
    }

    #[test]
    fn a_fleet_commit_summarises_each_environment_and_keeps_its_trailers() {
        let change = Change {
            severity: Severity::Critical,
            kind: "rls",
            object: "app.users".into(),
            parent: "app.users".into(),
            action: Action::Changed,
            detail: "row-level security disabled".into(),
            text_diff: None,
        };
        let member = |env, changes| FleetMember {
            facts: CommitFacts { env, ..facts() },
            changes,
        };
        let message = fleet_commit_message(
            "databases",
            24,
            &[
                member("tenant_07", Some(vec![change.clone()])),
                member("tenant_12", None),
            ],
        );
        assert!(
            message.starts_with(
                "schema: 2 of 24 databases changed, 1 change, 1 critical\n\ntenant_07: 1 change, 1 critical\n\n  Critical:\n    changed rls app.users: row-level security disabled\n\ntenant_12: initial snapshot, 7 objects\n\nSchema-Env: tenant_07\nSchema-Fingerprint: blake3:ab\n"
            ),
            "{message}"
        );
        assert!(message.contains("\nSchema-Env: tenant_12\nSchema-Fingerprint: blake3:ab\n"));
        let one = fleet_commit_message("databases", 24, &[member("tenant_07", None)]);
        assert_eq!(
            one,
            commit_message(
                &CommitFacts {
                    env: "tenant_07",
                    ..facts()
                },
                None
            )
        );
    }

    #[test]
    fn first_snapshot_says_so() {
        let message = commit_message(&facts(), None);
        assert!(message.starts_with("schema(prod): initial snapshot, 7 objects\n"));
    }
}
