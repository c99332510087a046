//! What `check` reports from the audit trail: an audit event trigger that does not log, and
//! every manual change since the snapshot, naming who made it. Both are critical.

use crate::diff::{Action, Change, Severity};

/// An audit event trigger's state, as `pg_event_trigger.evtenabled` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enabled {
    /// Fires (`O`, or `A`: always).
    Enabled,
    /// `D`: fires never.
    Disabled,
    /// `R`: fires only in replica sessions, so not for ordinary DDL.
    ReplicaOnly,
    /// Not there at all.
    Missing,
}

impl Enabled {
    pub(super) fn from_catalog(evtenabled: Option<&str>) -> Enabled {
        match evtenabled {
            None => Enabled::Missing,
            Some("D") => Enabled::Disabled,
            Some("R") => Enabled::ReplicaOnly,
            Some(_) => Enabled::Enabled,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Enabled::Enabled => "enabled",
            Enabled::Disabled => "disabled",
            Enabled::ReplicaOnly => "enabled for replica sessions only",
            Enabled::Missing => "missing",
        }
    }
}

/// One audit event trigger and its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerState {
    pub name: String,
    pub enabled: Enabled,
}

/// The critical findings: each trigger that does not log, each manual change in `manual`.
pub fn findings(triggers: &[TriggerState], manual: &[super::AuditEvent]) -> Vec<Change> {
    let mut changes: Vec<Change> = triggers
        .iter()
        .filter(|t| t.enabled != Enabled::Enabled)
        .map(|t| Change {
            severity: Severity::Critical,
            kind: "audit",
            object: t.name.clone(),
            parent: t.name.clone(),
            action: if t.enabled == Enabled::Missing {
                Action::Removed
            } else {
                Action::Changed
            },
            detail: format!(
                "audit event trigger {}: schema changes are not being logged",
                t.enabled.as_str()
            ),
            text_diff: None,
        })
        .collect();
    changes.extend(manual.iter().filter(|e| !e.is_migration).map(|event| {
        let object = event
            .object_identity
            .clone()
            .unwrap_or_else(|| event.command_tag.clone().unwrap_or_default());
        Change {
            severity: Severity::Critical,
            kind: "audit",
            parent: object.clone(),
            object,
            action: Action::Changed,
            detail: format!(
                "manual change since the snapshot: {} by {} ({}) at {}: {}",
                event.what(),
                event.who(),
                event
                    .application_name
                    .as_deref()
                    .unwrap_or("no application_name"),
                event.when(),
                event.statement_line(120)
            ),
            text_diff: None,
        }
    }));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::event::example;

    #[test]
    fn a_trigger_that_does_not_log_and_a_manual_change_are_critical() {
        let triggers = [
            TriggerState {
                name: "schemagit_audit_ddl".into(),
                enabled: Enabled::Disabled,
            },
            TriggerState {
                name: "schemagit_audit_drop".into(),
                enabled: Enabled::Enabled,
            },
        ];
        let changes = findings(
            &triggers,
            &[example("alice", false), example("deploy", true)],
        );
        assert_eq!(changes.len(), 2);
        assert!(changes.iter().all(|c| c.severity == Severity::Critical));
        assert_eq!(
            changes[0].detail,
            "audit event trigger disabled: schema changes are not being logged"
        );
        assert_eq!(changes[1].object, "app.users_email_idx");
        assert_eq!(
            changes[1].detail,
            "manual change since the snapshot: CREATE INDEX app.users_email_idx by alice (psql) at 2026-12-02 02:31:07 UTC: CREATE INDEX users_email_idx ON app.users (email)"
        );
    }
}
