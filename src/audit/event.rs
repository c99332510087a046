//! One row of `schemagit.schema_drift_log`, as `audit log --json` prints it and the snapshot
//! commit message cites it.

use serde::Serialize;
use tokio_postgres::Row;

/// An event of the audit log: the wire shape of `audit log --json`, one field per column of
/// `schemagit.schema_drift_log`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    pub id: i64,
    /// UTC, ISO 8601 with microseconds: `2026-12-02T02:31:07.123456Z`.
    pub executed_at: String,
    /// `ddl_command_end`, `sql_drop` or `table_rewrite`.
    pub event_type: Option<String>,
    /// `CREATE TABLE`, `DROP INDEX`, …
    pub command_tag: Option<String>,
    pub object_type: Option<String>,
    pub object_identity: Option<String>,
    pub schema_name: Option<String>,
    pub session_user_name: Option<String>,
    /// The role the command ran as (after `SET ROLE`).
    pub current_user_name: Option<String>,
    pub application_name: Option<String>,
    pub client_addr: Option<String>,
    pub backend_pid: Option<i32>,
    pub transaction_id: Option<String>,
    /// The statement as the client sent it, with passwords and other secrets redacted.
    pub statement: Option<String>,
    pub is_migration: bool,
    pub metadata: serde_json::Value,
}

impl AuditEvent {
    /// An event from a row of `events.sql` or `events_since.sql`.
    pub(super) fn from_row(row: &Row) -> Result<AuditEvent, tokio_postgres::Error> {
        Ok(AuditEvent {
            id: row.try_get(0)?,
            executed_at: row.try_get(1)?,
            event_type: row.try_get(2)?,
            command_tag: row.try_get(3)?,
            object_type: row.try_get(4)?,
            object_identity: row.try_get(5)?,
            schema_name: row.try_get(6)?,
            session_user_name: row.try_get(7)?,
            current_user_name: row.try_get(8)?,
            application_name: row.try_get(9)?,
            client_addr: row.try_get(10)?,
            backend_pid: row.try_get(11)?,
            transaction_id: row.try_get(12)?,
            statement: row.try_get(13)?,
            is_migration: row.try_get(14)?,
            metadata: row.try_get(15)?,
        })
    }

    /// Who made the change: the acting role, and the session's when it differs.
    pub fn who(&self) -> String {
        let acting = self.current_user_name.as_deref().unwrap_or("?");
        match self.session_user_name.as_deref() {
            Some(session) if session != acting => format!("{acting} (as {session})"),
            _ => acting.to_string(),
        }
    }

    /// `migration` or `manual`.
    pub fn origin(&self) -> &'static str {
        if self.is_migration {
            "migration"
        } else {
            "manual"
        }
    }

    /// What was done to what: `DROP TABLE public.orders`.
    pub fn what(&self) -> String {
        let tag = self.command_tag.as_deref().unwrap_or("DDL");
        match (&self.object_identity, self.event_type.as_deref()) {
            (Some(object), Some("table_rewrite")) => format!("{tag} rewrote {object}"),
            (Some(object), _) => format!("{tag} {object}"),
            (None, _) => tag.to_string(),
        }
    }

    /// `2026-12-02 02:31:07 UTC`: the time to the second, for people.
    pub fn when(&self) -> String {
        let seconds = self.executed_at.split('.').next().unwrap_or_default();
        format!("{} UTC", seconds.replace('T', " ").trim_end_matches('Z'))
    }

    /// The statement on one line, cut to `limit` characters.
    pub fn statement_line(&self, limit: usize) -> String {
        let flat = self
            .statement
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match flat.char_indices().nth(limit) {
            Some((end, _)) => format!("{}…", &flat[..end]),
            None => flat,
        }
    }
}

#[cfg(test)]
pub(crate) fn example(user: &str, migration: bool) -> AuditEvent {
    AuditEvent {
        id: 1,
        executed_at: "2026-12-02T02:31:07.123456Z".into(),
        event_type: Some("ddl_command_end".into()),
        command_tag: Some("CREATE INDEX".into()),
        object_type: Some("index".into()),
        object_identity: Some("app.users_email_idx".into()),
        schema_name: Some("app".into()),
        session_user_name: Some(user.into()),
        current_user_name: Some(user.into()),
        application_name: Some("psql".into()),
        client_addr: None,
        backend_pid: Some(42),
        transaction_id: Some("770".into()),
        statement: Some("CREATE INDEX users_email_idx\n  ON app.users (email)".into()),
        is_migration: migration,
        metadata: serde_json::json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_reads_as_who_what_and_when() {
        let mut event = example("alice", false);
        assert_eq!(event.who(), "alice");
        assert_eq!(event.what(), "CREATE INDEX app.users_email_idx");
        assert_eq!(event.when(), "2026-12-02 02:31:07 UTC");
        assert_eq!(event.origin(), "manual");
        assert_eq!(
            event.statement_line(100),
            "CREATE INDEX users_email_idx ON app.users (email)"
        );
        assert_eq!(event.statement_line(6), "CREATE…");
        event.current_user_name = Some("owner".into());
        assert_eq!(event.who(), "owner (as alice)");
    }
}
