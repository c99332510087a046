//! Synthetic schemas shaped like an application's, for the benchmarks.

use schemagit::model::*;

/// Table `i`, shaped like an application's: twelve columns, a key, indexes, policies, a grant.
pub fn table(i: usize, variant: bool) -> Table {
    let schema = format!("s{:03}", i % 100);
    let name = format!("table_{i:05}");
    let columns = (0..12)
        .map(|c| Column {
            name: format!("column_{c}"),
            data_type: if variant && c == 3 {
                "text".into()
            } else {
                "character varying(100)".into()
            },
            collation: None,
            not_null: c % 3 == 0,
            default: (c % 4 == 0).then(|| "now()".to_string()),
            identity: None,
            generated: None,
            comment: (c == 1).then(|| "a column comment".to_string()),
            ..Column::default()
        })
        .collect();
    Table {
        schema: schema.clone(),
        name: name.clone(),
        owner: "app".into(),
        unlogged: false,
        partition_by: None,
        partition_of: None,
        partition_bound: None,
        inherits: vec![],
        options: vec![],
        comment: Some(format!("table {i}")),
        row_level_security: RowLevelSecurity {
            enabled: !variant && i % 3 == 0,
            forced: false,
        },
        columns,
        constraints: vec![Constraint {
            name: format!("{name}_pkey"),
            constraint_type: "primary key".into(),
            definition: "PRIMARY KEY (column_0)".into(),
            attached_to: None,
            inherit_count: 0,
            inherited_only: false,
            comment: None,
        }],
        indexes: (0..3)
            .map(|n| Index {
                name: format!("{name}_idx_{n}"),
                definition: format!(
                    "CREATE INDEX {name}_idx_{n} ON {schema}.{name} USING btree (column_{n})"
                ),
                attached_to: None,
                invalid: false,
                comment: None,
            })
            .collect(),
        policies: (0..2)
            .map(|n| Policy {
                name: format!("{name}_policy_{n}"),
                mode: "permissive".into(),
                command: "all".into(),
                roles: vec!["app_rw".into()],
                using: Some("(tenant_id = current_setting('app.tenant')::uuid)".into()),
                with_check: None,
                comment: None,
            })
            .collect(),
        triggers: vec![],
        grants: vec![Grant {
            grantee: "app_rw".into(),
            column: None,
            privileges: vec![Privilege::Select, Privilege::Insert],
            with_grant_option: false,
        }],
        revoked: vec![],
        ..Table::default()
    }
}

fn function(i: usize, variant: bool) -> Function {
    let body = if variant { "select 2" } else { "select 1" };
    Function {
        schema: format!("s{:03}", i % 100),
        name: format!("function_{i}"),
        kind: "function".into(),
        identity_arguments: "bigint, text".into(),
        owner: "app".into(),
        returns: Some("bigint".into()),
        language: "sql".into(),
        volatility: "stable".into(),
        security_definer: false,
        strict: false,
        leakproof: false,
        parallel: "unsafe".into(),
        config: vec![],
        comment: None,
        definition: (0..20).map(|l| format!("  line {l} {body}")).collect(),
        grants: vec![],
        revoked: vec![],
    }
}

fn view(i: usize) -> View {
    View {
        schema: format!("s{:03}", i % 100),
        name: format!("view_{i}"),
        owner: "app".into(),
        options: vec![],
        comment: None,
        columns: vec![ViewColumn {
            name: "a".into(),
            data_type: "bigint".into(),
            default: None,
            comment: None,
        }],
        definition: (0..15).map(|l| format!(" SELECT line {l}")).collect(),
        triggers: vec![],
        grants: vec![],
        revoked: vec![],
        ..View::default()
    }
}

/// A schema of so many tables, functions and views; `changed` makes one object in a hundred
/// differ.
pub fn database(tables: usize, functions: usize, views: usize, changed: bool) -> Database {
    let mut db = Database {
        tables: (0..tables)
            .map(|i| table(i, changed && i % 100 == 0))
            .collect(),
        functions: (0..functions)
            .map(|i| function(i, changed && i % 100 == 0))
            .collect(),
        views: (0..views).map(view).collect(),
        ..Database::default()
    };
    db.sort();
    db
}
