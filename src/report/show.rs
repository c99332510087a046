//! `schemagit show`: one object's definition for a person: a table as its columns, constraints,
//! indexes, policies, triggers and grants; a function as its full `CREATE` text; every other
//! kind as its properties.

use std::io::{self, Write};

use crate::codec::{catalog_object_name, function_name};
use crate::model::{
    qualified, quote_ident, CatalogObject, Column, Database, Extension, Function, Grant, Index,
    MaterializedView, Schema, Sequence, Table, TypeDef, View,
};

/// Rows padded to aligned columns, each line after two spaces; the last cell is not padded.
fn aligned(out: &mut dyn Write, rows: &[Vec<String>]) -> io::Result<()> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::from(" ");
        for (i, cell) in row.iter().enumerate() {
            line.push(' ');
            line.push_str(cell);
            if i + 1 < row.len() {
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 1));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// A titled section of rows; nothing when there are none.
fn section(out: &mut dyn Write, title: &str, rows: Vec<Vec<String>>) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    writeln!(out, "\n{title}")?;
    aligned(out, &rows)
}

/// `owner`, `comment`, … as aligned `label value` lines, the empty ones left out.
fn properties(out: &mut dyn Write, pairs: &[(&str, Option<String>)]) -> io::Result<()> {
    let rows: Vec<Vec<String>> = pairs
        .iter()
        .filter_map(|(label, value)| value.clone().map(|v| vec![label.to_string(), v]))
        .collect();
    aligned(out, &rows)
}

fn grants(out: &mut dyn Write, granted: &[Grant], revoked: &[Grant]) -> io::Result<()> {
    let row = |g: &Grant| {
        let privileges: Vec<&str> = g.privileges.iter().map(|p| p.sql()).collect();
        let mut cells = vec![g.grantee.clone(), privileges.join(", ")];
        if let Some(column) = &g.column {
            cells.push(format!("on {}", quote_ident(column)));
        }
        if g.with_grant_option {
            cells.push("with grant option".into());
        }
        cells
    };
    section(out, "grants", granted.iter().map(row).collect())?;
    section(
        out,
        "revoked from the default",
        revoked.iter().map(row).collect(),
    )
}

fn yes(flag: bool, text: &str) -> Option<String> {
    flag.then(|| text.to_string())
}

fn column_row(c: &Column) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(identity) = &c.identity {
        notes.push(format!("generated {} as identity", identity.generated));
    }
    if let Some(expression) = &c.generated {
        notes.push(format!("generated always as ({expression}) stored"));
    }
    if let Some(default) = &c.default {
        notes.push(format!("default {default}"));
    }
    if let Some(collation) = &c.collation {
        notes.push(format!("collate {collation}"));
    }
    if c.inherited_only {
        notes.push("inherited".into());
    }
    if let Some(comment) = &c.comment {
        notes.push(format!("-- {comment}"));
    }
    vec![
        quote_ident(&c.name),
        c.data_type.clone(),
        if c.not_null { "not null" } else { "null" }.into(),
        notes.join("; "),
    ]
}

fn index_row(i: &Index) -> Vec<String> {
    let mut definition = i.definition.clone();
    if i.invalid {
        definition.push_str(" (invalid)");
    }
    vec![quote_ident(&i.name), definition]
}

fn enabled(state: &str) -> String {
    match state {
        "origin" => String::new(),
        other => format!("({other})"),
    }
}

/// A table, or with `part` only that column, constraint, index, policy or trigger of it.
fn table(out: &mut dyn Write, t: &Table, part: Option<&str>) -> io::Result<()> {
    let kind = if t.foreign.is_some() {
        "foreign table"
    } else {
        "table"
    };
    writeln!(out, "{kind} {}", qualified(&t.schema, &t.name))?;
    let keep = |name: &str| part.map_or(true, |p| p == name);
    if part.is_none() {
        let rls = t.row_level_security;
        properties(
            out,
            &[
                ("owner", Some(t.owner.clone())),
                ("unlogged", yes(t.unlogged, "yes")),
                ("partition by", t.partition_by.clone()),
                ("partition of", t.partition_of.clone()),
                ("bound", t.partition_bound.clone()),
                (
                    "inherits",
                    (!t.inherits.is_empty()).then(|| t.inherits.join(", ")),
                ),
                (
                    "row-level security",
                    rls.enabled.then(|| {
                        if rls.forced {
                            "enabled, forced".to_string()
                        } else {
                            "enabled".to_string()
                        }
                    }),
                ),
                (
                    "options",
                    (!t.options.is_empty()).then(|| t.options.join(", ")),
                ),
                ("replica identity", t.replica_identity.clone()),
                ("access method", t.access_method.clone()),
                (
                    "server",
                    t.foreign.as_ref().map(|f| {
                        let mut server = f.server.clone();
                        if !f.options.is_empty() {
                            server.push_str(&format!(" ({})", f.options.join(", ")));
                        }
                        server
                    }),
                ),
                ("comment", t.comment.clone()),
            ],
        )?;
    }
    let rows = |rows: Vec<(&String, Vec<String>)>| -> Vec<Vec<String>> {
        rows.into_iter()
            .filter(|(name, _)| keep(name))
            .map(|(_, row)| row)
            .collect()
    };
    section(
        out,
        "columns",
        rows(t.columns.iter().map(|c| (&c.name, column_row(c))).collect()),
    )?;
    section(
        out,
        "constraints",
        rows(
            t.constraints
                .iter()
                .map(|c| {
                    (
                        &c.name,
                        vec![
                            quote_ident(&c.name),
                            c.constraint_type.clone(),
                            c.definition.clone(),
                        ],
                    )
                })
                .collect(),
        ),
    )?;
    section(
        out,
        "indexes",
        rows(t.indexes.iter().map(|i| (&i.name, index_row(i))).collect()),
    )?;
    section(
        out,
        "policies",
        rows(
            t.policies
                .iter()
                .map(|p| {
                    let mut row = vec![
                        quote_ident(&p.name),
                        p.mode.clone(),
                        format!("for {}", p.command),
                        format!("to {}", p.roles.join(", ")),
                    ];
                    row.extend(p.using.iter().map(|u| format!("using ({u})")));
                    row.extend(p.with_check.iter().map(|w| format!("with check ({w})")));
                    (&p.name, row)
                })
                .collect(),
        ),
    )?;
    section(
        out,
        "triggers",
        rows(
            t.triggers
                .iter()
                .map(|tr| {
                    let row = vec![
                        quote_ident(&tr.name),
                        tr.definition.clone(),
                        enabled(&tr.enabled),
                    ];
                    (&tr.name, row)
                })
                .collect(),
        ),
    )?;
    section(
        out,
        "rules",
        rows(
            t.rules
                .iter()
                .map(|r| {
                    (
                        &r.name,
                        vec![
                            quote_ident(&r.name),
                            r.definition.clone(),
                            enabled(&r.enabled),
                        ],
                    )
                })
                .collect(),
        ),
    )?;
    section(
        out,
        "statistics",
        rows(
            t.statistics
                .iter()
                .map(|s| (&s.name, vec![s.name.clone(), s.definition.clone()]))
                .collect(),
        ),
    )?;
    if part.is_none() {
        grants(out, &t.grants, &t.revoked)?;
    }
    Ok(())
}

fn definition(out: &mut dyn Write, lines: &[String]) -> io::Result<()> {
    writeln!(out)?;
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn view_columns(columns: &[crate::model::ViewColumn]) -> Vec<Vec<String>> {
    columns
        .iter()
        .map(|c| {
            let mut row = vec![quote_ident(&c.name), c.data_type.clone()];
            row.extend(c.default.iter().map(|d| format!("default {d}")));
            row.extend(c.comment.iter().map(|d| format!("-- {d}")));
            row
        })
        .collect()
}

fn view(out: &mut dyn Write, v: &View) -> io::Result<()> {
    let name = qualified(&v.schema, &v.name);
    writeln!(out, "view {name}")?;
    properties(
        out,
        &[
            ("owner", Some(v.owner.clone())),
            (
                "options",
                (!v.options.is_empty()).then(|| v.options.join(", ")),
            ),
            ("comment", v.comment.clone()),
        ],
    )?;
    section(out, "columns", view_columns(&v.columns))?;
    writeln!(out, "\nCREATE VIEW {name} AS")?;
    for line in &v.definition {
        writeln!(out, "{line}")?;
    }
    section(
        out,
        "triggers",
        v.triggers
            .iter()
            .map(|t| {
                vec![
                    quote_ident(&t.name),
                    t.definition.clone(),
                    enabled(&t.enabled),
                ]
            })
            .collect(),
    )?;
    grants(out, &v.grants, &v.revoked)
}

fn materialized_view(out: &mut dyn Write, m: &MaterializedView) -> io::Result<()> {
    let name = qualified(&m.schema, &m.name);
    writeln!(out, "materialized view {name}")?;
    properties(
        out,
        &[
            ("owner", Some(m.owner.clone())),
            (
                "options",
                (!m.options.is_empty()).then(|| m.options.join(", ")),
            ),
            ("comment", m.comment.clone()),
        ],
    )?;
    section(out, "columns", view_columns(&m.columns))?;
    writeln!(out, "\nCREATE MATERIALIZED VIEW {name} AS")?;
    for line in &m.definition {
        writeln!(out, "{line}")?;
    }
    section(out, "indexes", m.indexes.iter().map(index_row).collect())?;
    grants(out, &m.grants, &m.revoked)
}

fn sequence(out: &mut dyn Write, s: &Sequence) -> io::Result<()> {
    writeln!(out, "sequence {}", qualified(&s.schema, &s.name))?;
    properties(
        out,
        &[
            ("owner", Some(s.owner.clone())),
            ("type", Some(s.data_type.clone())),
            ("start", Some(s.start.to_string())),
            ("increment", Some(s.increment.to_string())),
            ("min", Some(s.min.to_string())),
            ("max", Some(s.max.to_string())),
            ("cache", Some(s.cache.to_string())),
            ("cycle", yes(s.cycle, "yes")),
            ("owned by", s.owned_by.clone()),
            ("comment", s.comment.clone()),
        ],
    )?;
    grants(out, &s.grants, &s.revoked)
}

fn function(out: &mut dyn Write, f: &Function) -> io::Result<()> {
    writeln!(out, "{} {}", f.kind, function_name(f))?;
    properties(
        out,
        &[
            ("owner", Some(f.owner.clone())),
            ("comment", f.comment.clone()),
        ],
    )?;
    definition(out, &f.definition)?;
    grants(out, &f.grants, &f.revoked)
}

fn type_def(out: &mut dyn Write, t: &TypeDef) -> io::Result<()> {
    writeln!(out, "type {} ({})", qualified(&t.schema, &t.name), t.kind)?;
    properties(
        out,
        &[
            ("owner", Some(t.owner.clone())),
            ("base type", t.base_type.clone()),
            ("subtype", t.subtype.clone()),
            ("collation", t.collation.clone()),
            ("not null", yes(t.not_null, "yes")),
            ("default", t.default.clone()),
            ("comment", t.comment.clone()),
        ],
    )?;
    section(
        out,
        "labels",
        t.labels.iter().map(|l| vec![format!("{l:?}")]).collect(),
    )?;
    section(
        out,
        "constraints",
        t.constraints
            .iter()
            .map(|c| vec![quote_ident(&c.name), c.definition.clone()])
            .collect(),
    )?;
    section(
        out,
        "attributes",
        t.attributes.iter().map(column_row).collect(),
    )?;
    grants(out, &t.grants, &t.revoked)
}

fn schema(out: &mut dyn Write, s: &Schema) -> io::Result<()> {
    writeln!(out, "schema {}", quote_ident(&s.name))?;
    properties(
        out,
        &[
            ("owner", Some(s.owner.clone())),
            ("comment", s.comment.clone()),
        ],
    )?;
    grants(out, &s.grants, &s.revoked)
}

fn extension(out: &mut dyn Write, e: &Extension) -> io::Result<()> {
    writeln!(out, "extension {}", quote_ident(&e.name))?;
    properties(
        out,
        &[
            ("version", Some(e.version.clone())),
            ("schema", Some(e.schema.clone())),
            ("owner", Some(e.owner.clone())),
            ("comment", e.comment.clone()),
        ],
    )?;
    section(
        out,
        "privileges changed on members",
        e.member_privileges
            .iter()
            .map(|m| {
                let count = |list: &[Grant]| list.len().to_string();
                vec![
                    m.object.clone(),
                    format!("{} granted", count(&m.grants)),
                    format!("{} revoked", count(&m.revoked)),
                ]
            })
            .collect(),
    )
}

fn catalog_object(out: &mut dyn Write, o: &CatalogObject) -> io::Result<()> {
    writeln!(
        out,
        "{} {}",
        o.kind.replace('_', " "),
        catalog_object_name(o)
    )?;
    let mut pairs = vec![("owner", o.owner.clone()), ("comment", o.comment.clone())];
    let unreadable = o.unreadable.join(", ");
    if !unreadable.is_empty() {
        pairs.push(("unreadable", Some(unreadable)));
    }
    properties(out, &pairs)?;
    section(
        out,
        "properties",
        o.properties
            .iter()
            .map(|(key, value)| {
                let text = match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                vec![key.clone(), text]
            })
            .collect(),
    )?;
    grants(out, &o.grants, &o.revoked)
}

/// The one object of `db` (a model decoded from one object file); `part` narrows a table to
/// one of its columns, constraints, indexes, policies or triggers.
pub fn write_object(out: &mut dyn Write, db: &Database, part: Option<&str>) -> io::Result<()> {
    if let Some(t) = db.tables.first() {
        return table(out, t, part);
    }
    if let Some(f) = db.functions.first() {
        return function(out, f);
    }
    if let Some(v) = db.views.first() {
        return view(out, v);
    }
    if let Some(m) = db.materialized_views.first() {
        return materialized_view(out, m);
    }
    if let Some(s) = db.sequences.first() {
        return sequence(out, s);
    }
    if let Some(t) = db.types.first() {
        return type_def(out, t);
    }
    if let Some(s) = db.schemas.first() {
        return schema(out, s);
    }
    if let Some(e) = db.extensions.first() {
        return extension(out, e);
    }
    match db.others.first() {
        Some(o) => catalog_object(out, o),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Constraint, Policy, Privilege, RowLevelSecurity};

    fn users() -> Table {
        Table {
            schema: "app".into(),
            name: "users".into(),
            owner: "app_owner".into(),
            row_level_security: RowLevelSecurity {
                enabled: true,
                forced: false,
            },
            columns: vec![
                Column {
                    name: "id".into(),
                    data_type: "bigint".into(),
                    not_null: true,
                    ..Column::default()
                },
                Column {
                    name: "email".into(),
                    data_type: "text".into(),
                    default: Some("''::text".into()),
                    ..Column::default()
                },
            ],
            constraints: vec![Constraint {
                name: "users_pkey".into(),
                constraint_type: "primary key".into(),
                definition: "PRIMARY KEY (id)".into(),
                attached_to: None,
                inherit_count: 0,
                inherited_only: false,
                comment: None,
            }],
            policies: vec![Policy {
                name: "own".into(),
                mode: "permissive".into(),
                command: "select".into(),
                roles: vec!["app_rw".into()],
                using: Some("(id = 1)".into()),
                with_check: None,
                comment: None,
            }],
            grants: vec![Grant {
                grantee: "app_ro".into(),
                column: None,
                privileges: vec![Privilege::Select],
                with_grant_option: false,
            }],
            ..Table::default()
        }
    }

    fn render(db: &Database, part: Option<&str>) -> String {
        let mut out = Vec::new();
        write_object(&mut out, db, part).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_table_is_its_columns_constraints_policies_and_grants() {
        let db = Database {
            tables: vec![users()],
            ..Database::default()
        };
        assert_eq!(
            render(&db, None),
            "table app.users\n  owner               app_owner\n  row-level security  enabled\n\
             \ncolumns\n  id     bigint  not null\n  email  text    null      default ''::text\n\
             \nconstraints\n  users_pkey  primary key  PRIMARY KEY (id)\n\
             \npolicies\n  own  permissive  for select  to app_rw  using ((id = 1))\n\
             \ngrants\n  app_ro  SELECT\n"
        );
        assert_eq!(
            render(&db, Some("email")),
            "table app.users\n\ncolumns\n  email  text  null  default ''::text\n"
        );
    }
}
