//! The audit trail is not part of the schema: its schema, every object in it and its event
//! triggers are left out of every read, so they are never snapshotted and never drift.

use crate::model::Database;

/// The schema the audit trail lives in.
pub const SCHEMA: &str = "schemagit";

/// The audit trail's event triggers.
pub const EVENT_TRIGGERS: [&str; 3] = [
    "schemagit_audit_ddl",
    "schemagit_audit_drop",
    "schemagit_audit_rewrite",
];

/// Removes the audit trail's objects from `db`.
pub fn remove_audit_objects(db: &mut Database) {
    let outside = |schema: &str| schema != SCHEMA;
    db.schemas.retain(|s| outside(&s.name));
    db.tables.retain(|t| outside(&t.schema));
    db.views.retain(|v| outside(&v.schema));
    db.materialized_views.retain(|m| outside(&m.schema));
    db.sequences.retain(|s| outside(&s.schema));
    db.functions.retain(|f| outside(&f.schema));
    db.types.retain(|t| outside(&t.schema));
    db.others.retain(|o| {
        let audit_trigger = o.kind == "event_trigger" && EVENT_TRIGGERS.contains(&o.name.as_str());
        let in_schema = o.schema.as_deref() == Some(SCHEMA)
            || o.properties.get("schema").and_then(|s| s.as_str()) == Some(SCHEMA);
        !audit_trigger && !in_schema
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CatalogObject, Table};

    fn other(kind: &str, schema: Option<&str>, name: &str) -> CatalogObject {
        CatalogObject {
            kind: kind.into(),
            schema: schema.map(str::to_string),
            name: name.into(),
            arguments: None,
            owner: None,
            comment: None,
            properties: Default::default(),
            unreadable: vec![],
            grants: vec![],
            revoked: vec![],
        }
    }

    #[test]
    fn the_audit_schema_and_triggers_are_left_out() {
        let table = |schema: &str, name: &str| Table {
            schema: schema.into(),
            name: name.into(),
            ..Table::default()
        };
        let mut db = Database {
            tables: vec![
                table("schemagit", "schema_drift_log"),
                table("app", "users"),
            ],
            others: vec![
                other("event_trigger", None, "schemagit_audit_ddl"),
                other("event_trigger", None, "their_trigger"),
                other("collation", Some("schemagit"), "c"),
            ],
            ..Database::default()
        };
        remove_audit_objects(&mut db);
        assert_eq!(db.tables.len(), 1);
        assert_eq!(db.tables[0].name, "users");
        let others: Vec<&str> = db.others.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(others, ["their_trigger"]);
    }
}
