//! Catalog rows → model: each query's rows become objects or are attached to their parent.

use std::collections::HashMap;

use tokio_postgres::types::FromSql;
use tokio_postgres::Row;

use super::connect;
use super::redact::{redact_definition, redact_options, redact_settings};
use crate::model::{
    self, acl_changes, lines, CatalogObject, Column, Constraint, Database, Extension, ForeignTable,
    Function, Grant, Identity, Index, MaterializedView, MemberPrivileges, Policy, PrivilegedMut,
    RowLevelSecurity, Rule, Schema, Sequence, SequenceOptions, Statistics, Table, Trigger, TypeDef,
    View, ViewColumn,
};

fn enabled_state(code: &str) -> &'static str {
    match code {
        "D" => "disabled",
        "R" => "replica",
        "A" => "always",
        _ => "origin",
    }
}

/// What a query's rows feed: each bulk query has its part, so no result is bound by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Part {
    Schemas,
    Relations,
    ViewDefinitions,
    Columns,
    Constraints,
    Indexes,
    Policies,
    Triggers,
    Rules,
    Statistics,
    Sequences,
    Functions,
    Aggregates,
    Types,
    Extensions,
    ExtensionMembers,
    Collations,
    Casts,
    Operators,
    TextSearch,
    EventTriggers,
    Publications,
    Subscriptions,
    ForeignData,
    DefaultPrivileges,
    Settings,
    Languages,
}

/// A column as its row said, before it is attached to its relation.
struct ColumnRow {
    parent: Key,
    column: Column,
    grants: Vec<Grant>,
    revoked: Vec<Grant>,
}

/// The columns of one relation in position order, as their rows said, and the privileges
/// their rows grant: the rows of a relation come one after another, and its columns are
/// gathered into a vector of their exact number, which becomes the relation's own.
pub(super) struct RelationColumns {
    parent: Key,
    columns: Vec<Column>,
    grants: Vec<Grant>,
    revoked: Vec<Grant>,
}

impl RelationColumns {
    /// Adds `row` to the last relation of `relations` when it is the row's, else starts one.
    fn gather(relations: &mut Vec<RelationColumns>, row: ColumnRow) {
        match relations.last_mut() {
            Some(last) if last.parent == row.parent => {
                last.columns.push(row.column);
                last.grants.extend(row.grants);
                last.revoked.extend(row.revoked);
            }
            last => {
                if let Some(last) = last {
                    last.columns.shrink_to_fit();
                }
                relations.push(RelationColumns {
                    parent: row.parent,
                    columns: vec![row.column],
                    grants: row.grants,
                    revoked: row.revoked,
                });
            }
        }
    }
}

/// A constraint as its row said, before it is attached to its table or domain.
pub(super) struct ConstraintRow {
    parent: Key,
    on_domain: bool,
    constraint: Constraint,
}

/// One query's result, taken in as its rows arrive: the parts with a row per column, index or
/// constraint become their objects row by row, so those rows are never all held at once; the
/// others are kept as rows for [`assemble`].
pub(super) enum Collected {
    Columns(Vec<RelationColumns>),
    Constraints(Vec<ConstraintRow>),
    Indexes(Vec<(Key, Index)>),
    Rows(Vec<Row>),
}

impl Collected {
    /// Nothing yet, of `part`.
    pub(super) fn new(part: Part) -> Collected {
        match part {
            Part::Columns => Collected::Columns(Vec::new()),
            Part::Constraints => Collected::Constraints(Vec::new()),
            Part::Indexes => Collected::Indexes(Vec::new()),
            _ => Collected::Rows(Vec::new()),
        }
    }

    /// Takes in one more row.
    pub(super) fn add(&mut self, row: Row) -> Result<(), String> {
        match self {
            Collected::Columns(relations) => RelationColumns::gather(relations, column(&row)?),
            Collected::Constraints(constraints) => constraints.push(constraint(&row)?),
            Collected::Indexes(indexes) => indexes.push(index(&row)?),
            Collected::Rows(rows) => rows.push(row),
        }
        Ok(())
    }
}

/// The rows of every query, as fetched.
#[derive(Default)]
pub(super) struct Fetched {
    pub schemas: Vec<Row>,
    pub relations: Vec<Row>,
    pub view_definitions: Vec<Row>,
    pub columns: Vec<RelationColumns>,
    pub constraints: Vec<ConstraintRow>,
    pub indexes: Vec<(Key, Index)>,
    pub policies: Vec<Row>,
    pub triggers: Vec<Row>,
    pub rules: Vec<Row>,
    pub statistics: Vec<Row>,
    pub sequences: Vec<Row>,
    pub functions: Vec<Row>,
    pub aggregates: Vec<Row>,
    pub types: Vec<Row>,
    pub extensions: Vec<Row>,
    pub extension_members: Vec<Row>,
    /// Rows of every generic object query (collations, casts, … languages).
    pub others: Vec<Row>,
}

impl Fetched {
    /// Files a query's result under the part it feeds.
    pub(super) fn push(&mut self, part: Part, collected: Collected) {
        let rows = match collected {
            Collected::Columns(columns) => return self.columns.extend(columns),
            Collected::Constraints(constraints) => return self.constraints.extend(constraints),
            Collected::Indexes(indexes) => return self.indexes.extend(indexes),
            Collected::Rows(rows) => rows,
        };
        let slot = match part {
            Part::Columns | Part::Constraints | Part::Indexes => {
                unreachable!("{part:?} is collected as objects")
            }
            Part::Schemas => &mut self.schemas,
            Part::Relations => &mut self.relations,
            Part::ViewDefinitions => &mut self.view_definitions,
            Part::Policies => &mut self.policies,
            Part::Triggers => &mut self.triggers,
            Part::Rules => &mut self.rules,
            Part::Statistics => &mut self.statistics,
            Part::Sequences => &mut self.sequences,
            Part::Functions => &mut self.functions,
            Part::Aggregates => &mut self.aggregates,
            Part::Types => &mut self.types,
            Part::Extensions => &mut self.extensions,
            Part::ExtensionMembers => &mut self.extension_members,
            Part::Collations
            | Part::Casts
            | Part::Operators
            | Part::TextSearch
            | Part::EventTriggers
            | Part::Publications
            | Part::Subscriptions
            | Part::ForeignData
            | Part::DefaultPrivileges
            | Part::Settings
            | Part::Languages => &mut self.others,
        };
        slot.extend(rows);
    }
}

fn get<'a, T: FromSql<'a>>(row: &'a Row, column: &str) -> Result<T, String> {
    row.try_get(column)
        .map_err(|e| format!("column {column}: {e}"))
}

fn strings(row: &Row, column: &str) -> Result<Vec<String>, String> {
    Ok(get::<Option<Vec<String>>>(row, column)?.unwrap_or_default())
}

/// (granted, revoked) beyond the object's default ACL.
fn privileges(row: &Row, column: Option<&str>) -> Result<(Vec<Grant>, Vec<Grant>), String> {
    let acl: Option<Vec<String>> = get(row, "acl")?;
    let default = strings(row, "default_acl")?;
    acl_changes(acl.as_deref(), &default, column)
}

type Key = (String, String);

fn key(row: &Row, schema: &str, name: &str) -> Result<Key, String> {
    Ok((get(row, schema)?, get(row, name)?))
}

fn missing(what: &str, key: &Key) -> String {
    format!(
        "{what} of unknown object {}",
        model::qualified(&key.0, &key.1)
    )
}

/// Where a relation's parts go.
#[derive(Clone, Copy)]
enum Slot {
    Table(usize),
    View(usize),
    MaterializedView(usize),
    Type(usize),
}

/// Where each relation and type's parts go, by `(schema, name)`.
#[derive(Default)]
struct Slots {
    relations: HashMap<Key, Slot>,
    types: HashMap<Key, usize>,
}

pub(super) fn assemble(rows: Fetched) -> Result<Database, String> {
    let mut db = Database::default();
    let mut slots = Slots::default();
    schemas(&mut db, &rows.schemas)?;
    relations(&mut db, &mut slots, &rows.relations, &rows.view_definitions)?;
    types(&mut db, &mut slots, &rows.types)?;
    attach_columns(&mut db, &slots.relations, rows.columns);
    constraints(&mut db, &slots, rows.constraints)?;
    indexes(&mut db, &slots, rows.indexes);
    policies(&mut db, &slots, &rows.policies)?;
    triggers(&mut db, &slots, &rows.triggers)?;
    rules(&mut db, &slots, &rows.rules)?;
    statistics(&mut db, &slots, &rows.statistics)?;
    sequences(&mut db, &rows.sequences)?;
    for row in &rows.functions {
        db.functions.push(function(row)?);
    }
    for row in &rows.aggregates {
        db.functions.push(aggregate(row)?);
    }
    extensions(&mut db, &rows.extensions, &rows.extension_members)?;
    for row in &rows.others {
        db.others.push(catalog_object(row)?);
    }
    db.sort();
    Ok(db)
}

fn schemas(db: &mut Database, rows: &[Row]) -> Result<(), String> {
    for row in rows {
        let (grants, revoked) = privileges(row, None)?;
        db.schemas.push(Schema {
            name: get(row, "name")?,
            owner: get(row, "owner")?,
            comment: get(row, "comment")?,
            grants,
            revoked,
        });
    }
    Ok(())
}

fn relations(
    db: &mut Database,
    slots: &mut Slots,
    rows: &[Row],
    definition_rows: &[Row],
) -> Result<(), String> {
    let definitions = view_definitions(definition_rows);
    for row in rows {
        let key = key(row, "schema", "name")?;
        let definition = definitions.get(&key).map(|d| lines(d));
        let slot = match get::<String>(row, "kind")?.as_str() {
            "v" => {
                let definition = definition.ok_or_else(|| missing("definition", &key))?;
                db.views.push(view(row, &key, definition)?);
                Slot::View(db.views.len() - 1)
            }
            "m" => {
                let definition = definition.ok_or_else(|| missing("definition", &key))?;
                db.materialized_views
                    .push(materialized_view(row, &key, definition)?);
                Slot::MaterializedView(db.materialized_views.len() - 1)
            }
            _ => {
                db.tables.push(table(row, &key)?);
                Slot::Table(db.tables.len() - 1)
            }
        };
        slots.relations.insert(key, slot);
    }
    Ok(())
}

fn sorted_options(row: &Row) -> Result<Vec<String>, String> {
    let mut options = strings(row, "options")?;
    options.sort();
    Ok(options)
}

fn view(row: &Row, key: &Key, definition: Vec<String>) -> Result<View, String> {
    let (grants, revoked) = privileges(row, None)?;
    Ok(View {
        schema: key.0.clone(),
        name: key.1.clone(),
        owner: get(row, "owner")?,
        options: sorted_options(row)?,
        comment: get(row, "comment")?,
        columns: Vec::new(),
        definition,
        triggers: Vec::new(),
        rules: Vec::new(),
        grants,
        revoked,
    })
}

fn materialized_view(
    row: &Row,
    key: &Key,
    definition: Vec<String>,
) -> Result<MaterializedView, String> {
    let (grants, revoked) = privileges(row, None)?;
    Ok(MaterializedView {
        schema: key.0.clone(),
        name: key.1.clone(),
        owner: get(row, "owner")?,
        options: sorted_options(row)?,
        comment: get(row, "comment")?,
        columns: Vec::new(),
        definition,
        indexes: Vec::new(),
        grants,
        revoked,
    })
}

fn table(row: &Row, key: &Key) -> Result<Table, String> {
    let (grants, revoked) = privileges(row, None)?;
    Ok(Table {
        schema: key.0.clone(),
        name: key.1.clone(),
        owner: get(row, "owner")?,
        unlogged: get(row, "unlogged")?,
        partition_by: get(row, "partition_by")?,
        partition_of: get(row, "partition_of")?,
        partition_bound: get(row, "partition_bound")?,
        inherits: strings(row, "inherits")?,
        options: sorted_options(row)?,
        replica_identity: get(row, "replica_identity")?,
        clustered_on: get(row, "clustered_on")?,
        access_method: get(row, "access_method")?,
        foreign: match get::<Option<String>>(row, "foreign_server")? {
            Some(server) => Some(ForeignTable {
                server,
                options: redact_options(strings(row, "foreign_options")?),
            }),
            None => None,
        },
        comment: get(row, "comment")?,
        row_level_security: RowLevelSecurity {
            enabled: get(row, "rls_enabled")?,
            forced: get(row, "rls_forced")?,
        },
        columns: Vec::new(),
        constraints: Vec::new(),
        indexes: Vec::new(),
        policies: Vec::new(),
        triggers: Vec::new(),
        rules: Vec::new(),
        statistics: Vec::new(),
        grants,
        revoked,
    })
}

fn types(db: &mut Database, slots: &mut Slots, rows: &[Row]) -> Result<(), String> {
    for row in rows {
        let key = key(row, "schema", "name")?;
        let (grants, revoked) = privileges(row, None)?;
        let kind = match get::<String>(row, "kind")?.as_str() {
            "e" => "enum",
            "d" => "domain",
            "c" => "composite",
            "r" => "range",
            other => return Err(format!("unknown type kind {other:?}")),
        };
        db.types.push(TypeDef {
            schema: key.0.clone(),
            name: key.1.clone(),
            kind: kind.to_string(),
            owner: get(row, "owner")?,
            labels: strings(row, "labels")?,
            base_type: get(row, "base_type")?,
            subtype: get(row, "subtype")?,
            collation: get(row, "collation")?,
            not_null: get(row, "not_null")?,
            default: get(row, "default_expr")?,
            constraints: Vec::new(),
            attributes: Vec::new(),
            comment: get(row, "comment")?,
            grants,
            revoked,
        });
        if kind == "composite" {
            slots
                .relations
                .insert(key.clone(), Slot::Type(db.types.len() - 1));
        }
        slots.types.insert(key, db.types.len() - 1);
    }
    Ok(())
}

fn constraint(row: &Row) -> Result<ConstraintRow, String> {
    let constraint_type = match get::<String>(row, "kind")?.as_str() {
        "p" => "primary key",
        "u" => "unique",
        "f" => "foreign key",
        "c" => "check",
        "x" => "exclusion",
        other => return Err(format!("unknown constraint kind {other:?}")),
    };
    Ok(ConstraintRow {
        parent: key(row, "schema", "parent")?,
        on_domain: get(row, "on_domain")?,
        constraint: Constraint {
            name: get(row, "name")?,
            constraint_type: constraint_type.to_string(),
            definition: get(row, "definition")?,
            attached_to: get(row, "attached_to")?,
            inherit_count: get(row, "inherit_count")?,
            inherited_only: get(row, "inherited_only")?,
            comment: get(row, "comment")?,
        },
    })
}

fn constraints(db: &mut Database, slots: &Slots, rows: Vec<ConstraintRow>) -> Result<(), String> {
    for ConstraintRow {
        parent,
        on_domain,
        constraint,
    } in rows
    {
        if on_domain {
            let slot = slots
                .types
                .get(&parent)
                .ok_or_else(|| missing("constraint", &parent))?;
            db.types[*slot].constraints.push(constraint);
        } else if let Some(Slot::Table(i)) = slots.relations.get(&parent) {
            db.tables[*i].constraints.push(constraint);
        }
    }
    Ok(())
}

fn index(row: &Row) -> Result<(Key, Index), String> {
    Ok((
        key(row, "schema", "relation")?,
        Index {
            name: get(row, "name")?,
            definition: get(row, "definition")?,
            attached_to: get(row, "attached_to")?,
            invalid: get(row, "invalid")?,
            comment: get(row, "comment")?,
        },
    ))
}

fn indexes(db: &mut Database, slots: &Slots, rows: Vec<(Key, Index)>) {
    for (parent, index) in rows {
        match slots.relations.get(&parent) {
            Some(Slot::Table(i)) => db.tables[*i].indexes.push(index),
            Some(Slot::MaterializedView(i)) => db.materialized_views[*i].indexes.push(index),
            _ => {}
        }
    }
}

fn policies(db: &mut Database, slots: &Slots, rows: &[Row]) -> Result<(), String> {
    for row in rows {
        let parent = key(row, "schema", "relation")?;
        let command = match get::<String>(row, "command")?.as_str() {
            "r" => "select",
            "a" => "insert",
            "w" => "update",
            "d" => "delete",
            _ => "all",
        };
        let mode = if get::<bool>(row, "permissive")? {
            "permissive"
        } else {
            "restrictive"
        };
        let policy = Policy {
            name: get(row, "name")?,
            mode: mode.to_string(),
            command: command.to_string(),
            roles: strings(row, "roles")?,
            using: get(row, "using_expr")?,
            with_check: get(row, "check_expr")?,
            comment: get(row, "comment")?,
        };
        if let Some(Slot::Table(i)) = slots.relations.get(&parent) {
            db.tables[*i].policies.push(policy);
        }
    }
    Ok(())
}

fn triggers(db: &mut Database, slots: &Slots, rows: &[Row]) -> Result<(), String> {
    for row in rows {
        let parent = key(row, "schema", "relation")?;
        let trigger = Trigger {
            name: get(row, "name")?,
            definition: get(row, "definition")?,
            enabled: enabled_state(&get::<String>(row, "enabled")?).to_string(),
            comment: get(row, "comment")?,
        };
        match slots.relations.get(&parent) {
            Some(Slot::Table(i)) => db.tables[*i].triggers.push(trigger),
            Some(Slot::View(i)) => db.views[*i].triggers.push(trigger),
            _ => {}
        }
    }
    Ok(())
}

fn rules(db: &mut Database, slots: &Slots, rows: &[Row]) -> Result<(), String> {
    for row in rows {
        let parent = key(row, "schema", "relation")?;
        let rule = Rule {
            name: get(row, "name")?,
            definition: get(row, "definition")?,
            enabled: enabled_state(&get::<String>(row, "enabled")?).to_string(),
            comment: get(row, "comment")?,
        };
        match slots.relations.get(&parent) {
            Some(Slot::Table(i)) => db.tables[*i].rules.push(rule),
            Some(Slot::View(i)) => db.views[*i].rules.push(rule),
            _ => {}
        }
    }
    Ok(())
}

fn statistics(db: &mut Database, slots: &Slots, rows: &[Row]) -> Result<(), String> {
    for row in rows {
        let parent = key(row, "schema", "relation")?;
        if let Some(Slot::Table(i)) = slots.relations.get(&parent) {
            db.tables[*i].statistics.push(Statistics {
                name: get(row, "name")?,
                owner: get(row, "owner")?,
                definition: get(row, "definition")?,
                target: get(row, "target")?,
                comment: get(row, "comment")?,
            });
        }
    }
    Ok(())
}

fn sequences(db: &mut Database, rows: &[Row]) -> Result<(), String> {
    for row in rows {
        let (grants, revoked) = privileges(row, None)?;
        db.sequences.push(Sequence {
            schema: get(row, "schema")?,
            name: get(row, "name")?,
            owner: get(row, "owner")?,
            data_type: get(row, "data_type")?,
            start: get(row, "seqstart")?,
            increment: get(row, "seqincrement")?,
            min: get(row, "seqmin")?,
            max: get(row, "seqmax")?,
            cache: get(row, "seqcache")?,
            cycle: get(row, "seqcycle")?,
            owned_by: get(row, "owned_by")?,
            comment: get(row, "comment")?,
            grants,
            revoked,
        });
    }
    Ok(())
}

fn extensions(db: &mut Database, rows: &[Row], members: &[Row]) -> Result<(), String> {
    for row in rows {
        db.extensions.push(Extension {
            name: get(row, "name")?,
            schema: get(row, "schema")?,
            version: get(row, "version")?,
            owner: get(row, "owner")?,
            comment: get(row, "comment")?,
            member_privileges: Vec::new(),
        });
    }
    for row in members {
        let extension: String = get(row, "extension")?;
        let acl = strings(row, "acl")?;
        let (grants, revoked) = acl_changes(Some(&acl), &strings(row, "initial_acl")?, None)?;
        // The same privileges in another order (revoked and granted back) are no change.
        if grants.is_empty() && revoked.is_empty() {
            continue;
        }
        if let Some(e) = db.extensions.iter_mut().find(|e| e.name == extension) {
            e.member_privileges.push(MemberPrivileges {
                object: get(row, "object")?,
                grants,
                revoked,
            });
        }
    }
    Ok(())
}

/// The strings of a JSON list (anything else in it is not an option, setting or name).
fn strings_of(values: &[serde_json::Value]) -> Vec<String> {
    values
        .iter()
        .filter_map(|value| value.as_str().map(str::to_string))
        .collect()
}

fn json_strings(strings: Vec<String>) -> serde_json::Value {
    serde_json::Value::Array(strings.into_iter().map(serde_json::Value::String).collect())
}

/// The view definitions of a read (view_definitions.sql), by (schema, name).
fn view_definitions(rows: &[Row]) -> HashMap<Key, String> {
    rows.iter()
        .map(|row| ((row.get(0), row.get(1)), row.get(2)))
        .collect()
}

/// A generic object row: kind, schema, name, arguments, owner, ACLs, comment, properties.
fn catalog_object(row: &Row) -> Result<CatalogObject, String> {
    let kind: String = get(row, "kind")?;
    let (grants, revoked) = privileges(row, None)?;
    let properties: serde_json::Value = get(row, "properties")?;
    let serde_json::Value::Object(mut map) = properties else {
        return Err(format!("{kind} properties are not an object"));
    };
    let mut unreadable: Vec<String> = match map.remove("unreadable") {
        Some(serde_json::Value::Array(names)) => strings_of(&names),
        _ => Vec::new(),
    };
    unreadable.sort();
    let properties = map
        .into_iter()
        .map(|(key, value)| {
            let value = match (key.as_str(), value) {
                ("options", serde_json::Value::Array(options)) => {
                    json_strings(redact_options(strings_of(&options)))
                }
                ("settings", serde_json::Value::Array(settings)) => {
                    json_strings(redact_settings(strings_of(&settings)))
                }
                ("connection", serde_json::Value::String(conninfo)) => {
                    serde_json::Value::String(connect::redact(&conninfo))
                }
                (_, value) => value,
            };
            (key, value)
        })
        .collect();
    Ok(CatalogObject {
        kind,
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        arguments: get(row, "arguments")?,
        owner: get(row, "owner")?,
        comment: get(row, "comment")?,
        properties,
        unreadable,
        grants,
        revoked,
    })
}

/// A column of a table, view or composite type, as its row says: the parts a view's column
/// has no use for (identity, storage, …) are empty in its row.
fn column(row: &Row) -> Result<ColumnRow, String> {
    let name: String = get(row, "name")?;
    let (grants, revoked) = {
        let acl: Option<Vec<String>> = get(row, "acl")?;
        acl_changes(acl.as_deref(), &[], Some(&name))?
    };
    let default: Option<String> = get(row, "default_expr")?;
    let generated = get::<String>(row, "generated")? == "s";
    let identity = match get::<String>(row, "identity")?.as_str() {
        "a" => Some("always"),
        "d" => Some("by default"),
        _ => None,
    };
    let identity = match identity {
        Some(generated) => {
            let acl: Option<Vec<String>> = get(row, "seq_acl")?;
            let (grants, revoked) =
                acl_changes(acl.as_deref(), &strings(row, "seq_default_acl")?, None)?;
            Some(Box::new(Identity {
                generated: generated.to_string(),
                sequence_name: get(row, "seq_name")?,
                sequence_owner: get(row, "seq_owner")?,
                sequence: SequenceOptions {
                    data_type: get(row, "seq_type")?,
                    start: get(row, "seqstart")?,
                    increment: get(row, "seqincrement")?,
                    min: get(row, "seqmin")?,
                    max: get(row, "seqmax")?,
                    cache: get(row, "seqcache")?,
                    cycle: get(row, "seqcycle")?,
                },
                grants,
                revoked,
            }))
        }
        None => None,
    };
    let storage = get::<Option<String>>(row, "storage")?.map(|code| {
        match code.as_str() {
            "p" => "plain",
            "e" => "external",
            "m" => "main",
            _ => "extended",
        }
        .to_string()
    });
    let compression = get::<Option<String>>(row, "compression")?.map(|code| match code.as_str() {
        "p" => "pglz".to_string(),
        "l" => "lz4".to_string(),
        other => other.to_string(),
    });
    let mut options = strings(row, "options")?;
    options.sort();
    let (default, generated) = if generated {
        (None, default)
    } else {
        (default, None)
    };
    Ok(ColumnRow {
        parent: key(row, "schema", "relation")?,
        column: Column {
            name,
            data_type: get(row, "data_type")?,
            collation: get(row, "collation")?,
            not_null: get(row, "not_null")?,
            default,
            identity,
            generated,
            statistics: get(row, "statistics")?,
            storage,
            compression,
            options,
            foreign_options: redact_options(strings(row, "foreign_options")?),
            inherit_count: get(row, "inherit_count")?,
            inherited_only: get(row, "inherited_only")?,
            comment: get(row, "comment")?,
        },
        grants,
        revoked,
    })
}

fn attach_columns(db: &mut Database, slots: &HashMap<Key, Slot>, relations: Vec<RelationColumns>) {
    for RelationColumns {
        parent,
        columns,
        grants,
        revoked,
    } in relations
    {
        let Some(slot) = slots.get(&parent) else {
            continue;
        };
        let view_columns = |columns: Vec<Column>| {
            columns.into_iter().map(|column| ViewColumn {
                name: column.name,
                data_type: column.data_type,
                default: column.default,
                comment: column.comment,
            })
        };
        match *slot {
            Slot::View(i) => {
                let view = &mut db.views[i];
                view.columns.extend(view_columns(columns));
                grant_columns(view, grants, revoked);
            }
            Slot::MaterializedView(i) => {
                let view = &mut db.materialized_views[i];
                view.columns.extend(view_columns(columns));
                grant_columns(view, grants, revoked);
            }
            Slot::Table(i) => {
                let table = &mut db.tables[i];
                extend(&mut table.columns, columns);
                grant_columns(table, grants, revoked);
            }
            Slot::Type(i) => extend(&mut db.types[i].attributes, columns),
        }
    }
}

/// Appends `more` to `columns`, taking its vector over when there are none yet.
fn extend(columns: &mut Vec<Column>, more: Vec<Column>) {
    if columns.is_empty() {
        *columns = more;
    } else {
        columns.extend(more);
    }
}

/// Adds a column's grants to its relation's, keeping both lists in order.
fn grant_columns(relation: &mut dyn PrivilegedMut, granted: Vec<Grant>, revoked: Vec<Grant>) {
    let (grants, revokes) = relation.privileges_mut();
    grants.extend(granted);
    revokes.extend(revoked);
    grants.sort();
    revokes.sort();
}

fn volatility(code: &str) -> &'static str {
    match code {
        "i" => "immutable",
        "s" => "stable",
        _ => "volatile",
    }
}

fn parallel(code: &str) -> &'static str {
    match code {
        "s" => "safe",
        "r" => "restricted",
        _ => "unsafe",
    }
}

fn function(row: &Row) -> Result<Function, String> {
    let (grants, revoked) = privileges(row, None)?;
    let kind = match get::<String>(row, "kind")?.as_str() {
        "p" => "procedure",
        "w" => "window",
        _ => "function",
    };
    let definition: String = get(row, "definition")?;
    Ok(Function {
        schema: get(row, "schema")?,
        name: get(row, "name")?,
        kind: kind.to_string(),
        identity_arguments: get(row, "identity_arguments")?,
        owner: get(row, "owner")?,
        returns: get(row, "returns")?,
        language: get(row, "language")?,
        volatility: volatility(&get::<String>(row, "volatility")?).to_string(),
        security_definer: get(row, "security_definer")?,
        strict: get(row, "strict")?,
        leakproof: get(row, "leakproof")?,
        parallel: parallel(&get::<String>(row, "parallel")?).to_string(),
        config: redact_settings(strings(row, "config")?),
        comment: get(row, "comment")?,
        definition: lines(&redact_definition(
            definition.strip_suffix('\n').unwrap_or(&definition),
        )),
        grants,
        revoked,
    })
}

/// An aggregate, with a `CREATE AGGREGATE` statement built from its catalog entry (the server
/// has no deparse function for aggregates).
fn aggregate(row: &Row) -> Result<Function, String> {
    let (grants, revoked) = privileges(row, None)?;
    let schema: String = get(row, "schema")?;
    let name: String = get(row, "name")?;
    let arguments: String = get(row, "arguments")?;
    let kind: String = get(row, "aggregate_kind")?;
    let strict: bool = get(row, "strict")?;
    let mut clauses = vec![
        format!("SFUNC = {}", strip_args(&get::<String>(row, "sfunc")?)),
        format!("STYPE = {}", get::<String>(row, "stype")?),
    ];
    let optional = [
        (
            "SSPACE",
            get::<Option<i32>>(row, "sspace")?.map(|n| n.to_string()),
        ),
        (
            "FINALFUNC",
            get::<Option<String>>(row, "finalfunc")?.map(|f| strip_args(&f)),
        ),
        (
            "COMBINEFUNC",
            get::<Option<String>>(row, "combinefunc")?.map(|f| strip_args(&f)),
        ),
        (
            "SERIALFUNC",
            get::<Option<String>>(row, "serialfunc")?.map(|f| strip_args(&f)),
        ),
        (
            "DESERIALFUNC",
            get::<Option<String>>(row, "deserialfunc")?.map(|f| strip_args(&f)),
        ),
        (
            "INITCOND",
            get::<Option<String>>(row, "initcond")?.map(|v| quote_literal(&v)),
        ),
        (
            "SORTOP",
            get::<Option<String>>(row, "sortop")?
                .map(|op| format!("OPERATOR({})", strip_args(&op))),
        ),
    ];
    clauses.extend(
        optional
            .into_iter()
            .filter_map(|(clause, value)| value.map(|v| format!("{clause} = {v}"))),
    );
    if get::<bool>(row, "finalfunc_extra")? {
        clauses.push("FINALFUNC_EXTRA".to_string());
    }
    if kind == "h" {
        clauses.push("HYPOTHETICAL".to_string());
    }
    let volatility_code: String = get(row, "volatility")?;
    let parallel_code: String = get(row, "parallel")?;
    if parallel_code != "u" {
        clauses.push(format!(
            "PARALLEL = {}",
            parallel(&parallel_code).to_uppercase()
        ));
    }
    let mut definition = vec![format!(
        "CREATE AGGREGATE {}({arguments}) (",
        model::qualified(&schema, &name)
    )];
    let last = clauses.len() - 1;
    for (i, clause) in clauses.into_iter().enumerate() {
        definition.push(format!("    {clause}{}", if i == last { "" } else { "," }));
    }
    definition.push(");".to_string());
    Ok(Function {
        schema,
        name,
        kind: "aggregate".to_string(),
        identity_arguments: get(row, "identity_arguments")?,
        owner: get(row, "owner")?,
        returns: get(row, "returns")?,
        language: "internal".to_string(),
        volatility: volatility(&volatility_code).to_string(),
        security_definer: false,
        strict,
        leakproof: false,
        parallel: parallel(&parallel_code).to_string(),
        config: Vec::new(),
        comment: get(row, "comment")?,
        definition,
        grants,
        revoked,
    })
}

/// `app.f(integer)` → `app.f`: a regprocedure or regoperator without its argument list.
fn strip_args(signature: &str) -> String {
    match signature.rfind('(') {
        Some(i) if signature.ends_with(')') => signature[..i].to_string(),
        _ => signature.to_string(),
    }
}

fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
