//! `schemagit log`: each snapshot commit with its changes, newest first, for people (date,
//! short commit, subject, author, then the changes as check and diff show them) and machines.

use std::io::{self, Write};

use serde::Serialize;

use super::changes::{entries, write_groups, ChangeEntry};
use crate::diff::Change;
use crate::time::Instant;

/// One commit of the history and what it changed.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub commit: String,
    pub time: Instant,
    pub author: String,
    pub subject: String,
    /// Who made the changes, from the commit's `Schema-Changed-By:` trailers (the audit log's
    /// attribution): `alice (manual, 2 events)`.
    pub changed_by: Vec<String>,
    pub changes: Vec<Change>,
}

/// One element of `log --json`.
#[derive(Debug, Serialize)]
struct LogEntryReport<'a> {
    commit: &'a str,
    time: String,
    author: &'a str,
    subject: &'a str,
    changed_by: &'a [String],
    changes: Vec<ChangeEntry<'a>>,
}

pub fn write_log_json(out: &mut dyn Write, log: &[LogEntry]) -> io::Result<()> {
    let report: Vec<LogEntryReport> = log
        .iter()
        .map(|entry| LogEntryReport {
            commit: &entry.commit,
            time: entry.time.rfc3339(),
            author: &entry.author,
            subject: &entry.subject,
            changed_by: &entry.changed_by,
            changes: entries(&entry.changes),
        })
        .collect();
    super::wire::write_json(out, &report)
}

/// One entry in human text; entries are separated by a blank line.
pub fn write_log_entry(
    out: &mut dyn Write,
    entry: &LogEntry,
    first: bool,
    color: bool,
) -> io::Result<()> {
    if !first {
        writeln!(out)?;
    }
    let short = &entry.commit[..entry.commit.len().min(12)];
    let commit = if color {
        format!("\x1b[33m{short}\x1b[0m")
    } else {
        short.to_string()
    };
    writeln!(
        out,
        "{} {commit} {} ({})",
        entry.time.human(),
        entry.subject,
        entry.author
    )?;
    for who in &entry.changed_by {
        writeln!(out, "  changed by {who}")?;
    }
    write_groups(out, &entry.changes, color, "  ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Action, Severity};

    fn entry() -> LogEntry {
        LogEntry {
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
            time: Instant {
                seconds: 1_764_642_600,
                offset_minutes: 60,
            },
            author: "Ana <ana@example.com>".into(),
            subject: "schema(prod): 1 change, 1 critical".into(),
            changed_by: vec!["alice (manual, 1 event)".into()],
            changes: vec![Change {
                severity: Severity::Critical,
                kind: "column",
                object: "app.users.email".into(),
                parent: "app.users".into(),
                action: Action::Changed,
                detail: "type character varying(100) -> text".into(),
                text_diff: None,
            }],
        }
    }

    #[test]
    fn an_entry_reads_like_git_log_then_check() {
        let mut out = Vec::new();
        write_log_entry(&mut out, &entry(), true, false).unwrap();
        write_log_entry(&mut out, &entry(), false, false).unwrap();
        let one = "2025-12-02 03:30:00 +0100 0123456789ab schema(prod): 1 change, 1 critical (Ana <ana@example.com>)\n  changed by alice (manual, 1 event)\n  critical (1)\n    app.users\n      changed column app.users.email: type character varying(100) -> text\n";
        assert_eq!(String::from_utf8(out).unwrap(), format!("{one}\n{one}"));
    }

    #[test]
    fn json_is_a_list_of_commits_with_check_changes() {
        let mut out = Vec::new();
        write_log_json(&mut out, &[entry()]).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            value,
            serde_json::json!([{
                "commit": "0123456789abcdef0123456789abcdef01234567",
                "time": "2025-12-02T03:30:00+01:00",
                "author": "Ana <ana@example.com>",
                "subject": "schema(prod): 1 change, 1 critical",
                "changed_by": ["alice (manual, 1 event)"],
                "changes": [{"severity": "critical", "kind": "column", "object": "app.users.email",
                             "action": "changed", "detail": "type character varying(100) -> text"}]
            }])
        );
    }
}
