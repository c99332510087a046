//! The tables and schemas migration tools keep for themselves (`drizzle`,
//! `_prisma_migrations`, `supabase_migrations`, …): bookkeeping, never part of the
//! application's schema, so they are left out of snapshots and comparisons.

use super::tools::{TRACKING_SCHEMAS, TRACKING_TABLES};
use crate::model::Database;

fn tool_schema(schema: &str) -> bool {
    TRACKING_SCHEMAS.contains(&schema)
}

fn tool_table(schema: &str, table: &str) -> bool {
    tool_schema(schema) || TRACKING_TABLES.contains(&table)
}

/// Removes the tools' tracking tables, their sequences and the tools' own schemas from `db`.
pub fn remove_bookkeeping(db: &mut Database) {
    db.schemas.retain(|s| !tool_schema(&s.name));
    db.tables.retain(|t| !tool_table(&t.schema, &t.name));
    db.sequences.retain(|s| {
        let owned_by_tool = s.owned_by.as_deref().is_some_and(|column| {
            let mut parts = column.split('.');
            match (parts.next(), parts.next()) {
                (Some(schema), Some(table)) => tool_table(schema, table),
                _ => false,
            }
        });
        !tool_schema(&s.schema) && !owned_by_tool
    });
    db.views.retain(|v| !tool_schema(&v.schema));
    db.materialized_views.retain(|m| !tool_schema(&m.schema));
    db.functions.retain(|f| !tool_schema(&f.schema));
    db.types.retain(|t| !tool_schema(&t.schema));
    db.others
        .retain(|o| !o.schema.as_deref().is_some_and(tool_schema));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Schema, Sequence, Table};

    fn sequence(name: &str, owned_by: &str) -> Sequence {
        serde_json::from_value(serde_json::json!({
            "schema": "public", "name": name, "owner": "o", "type": "bigint",
            "start": 1, "increment": 1, "min": 1, "max": 9, "cache": 1, "owned_by": owned_by
        }))
        .unwrap()
    }

    #[test]
    fn tool_tables_sequences_and_schemas_are_left_out() {
        let table = |schema: &str, name: &str| Table {
            schema: schema.into(),
            name: name.into(),
            ..Table::default()
        };
        let mut db = Database {
            schemas: ["app", "drizzle", "supabase_migrations"]
                .iter()
                .map(|name| Schema {
                    name: name.to_string(),
                    owner: "o".into(),
                    comment: None,
                    grants: vec![],
                    revoked: vec![],
                })
                .collect(),
            tables: vec![
                table("app", "users"),
                table("drizzle", "__drizzle_migrations"),
                table("public", "_prisma_migrations"),
                table("public", "schema_migrations"),
                table("public", "flyway_schema_history"),
            ],
            sequences: vec![
                sequence("users_id_seq", "app.users.id"),
                sequence("legacy_seq", "public.schema_migrations.id"),
            ],
            ..Database::default()
        };
        remove_bookkeeping(&mut db);
        let tables: Vec<&str> = db.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(tables, ["users"]);
        let schemas: Vec<&str> = db.schemas.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(schemas, ["app"]);
        let sequences: Vec<&str> = db.sequences.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(sequences, ["users_id_seq"]);
    }
}
