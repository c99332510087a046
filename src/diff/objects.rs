//! The differ proper: every object kind, down to the part that changed.

use std::collections::BTreeMap;
use std::fmt::Display;

use super::grants::{diff_access, Access};
use super::text::{cosmetic, unified, Body, Cosmetic};
use super::{Action, Change, Severity};
use crate::codec::{catalog_object_name, function_name, generic_kind};
use crate::model::{
    qualified, quote_ident, CatalogObject, Column, Constraint, Database, Extension, Function,
    Grant, Identity, Index, MaterializedView, MemberPrivileges, Policy, Privileged, Rule, Schema,
    Sequence, Statistics, Table, Trigger, TypeDef, View, ViewColumn,
};

/// The union of two lists by key, in key order: (old, new), at least one present.
fn pair<'a, T>(
    old: &'a [T],
    new: &'a [T],
    key: impl Fn(&T) -> String,
) -> Vec<(String, Option<&'a T>, Option<&'a T>)> {
    let mut both: BTreeMap<String, (Option<&T>, Option<&T>)> = BTreeMap::new();
    for item in old {
        both.entry(key(item)).or_default().0 = Some(item);
    }
    for item in new {
        both.entry(key(item)).or_default().1 = Some(item);
    }
    both.into_iter().map(|(k, (a, b))| (k, a, b)).collect()
}

/// `label old -> new`, when they differ.
fn field<T: PartialEq + Display>(label: &str, old: &T, new: &T) -> Option<String> {
    (old != new).then(|| format!("{label} {old} -> {new}"))
}

/// As [`field`], for a definition or expression: `label changed: whitespace only` when the
/// texts differ only cosmetically.
fn definition(label: &str, old: &str, new: &str) -> Option<String> {
    code_definition(label, old, new, Body::Quoted)
}

/// As [`definition`], reading a function's body as `body` says.
fn code_definition(label: &str, old: &str, new: &str, body: Body) -> Option<String> {
    match cosmetic(old, new, body) {
        Some(how) => Some(format!("{label} changed: {}", how.note())),
        None => field(label, &old, &new),
    }
}

/// As [`definition`], for optional expressions.
fn optional_definition(label: &str, old: &Option<String>, new: &Option<String>) -> Option<String> {
    match (old, new) {
        (Some(a), Some(b)) => definition(label, a, b),
        _ => optional(label, old, new),
    }
}

/// A changed part: info when everything that changed is cosmetic, else the kind's severity.
fn changed_part(kind: &'static str, object: &str, parent: &str, detail: String) -> Change {
    let mut change = Change::new(kind, object, parent, Action::Changed, detail);
    if change.cosmetic_only() {
        change.severity = Severity::Info;
    }
    change
}

/// As [`field`], for optional values, which show as `none`.
fn optional<T: PartialEq + Display>(
    label: &str,
    old: &Option<T>,
    new: &Option<T>,
) -> Option<String> {
    let show = |v: &Option<T>| v.as_ref().map_or("none".to_string(), |v| v.to_string());
    (old != new).then(|| format!("{label} {} -> {}", show(old), show(new)))
}

fn flag(label: &str, old: bool, new: bool) -> Option<String> {
    match (old, new) {
        (false, true) => Some(format!("{label} added")),
        (true, false) => Some(format!("{label} removed")),
        _ => None,
    }
}

fn list(label: &str, old: &[String], new: &[String]) -> Option<String> {
    (old != new).then(|| format!("{label} [{}] -> [{}]", old.join(", "), new.join(", ")))
}

fn details(parts: impl IntoIterator<Item = Option<String>>) -> Option<String> {
    let parts: Vec<String> = parts.into_iter().flatten().collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn part_name(parent: &str, part: &str) -> String {
    format!("{parent}.{}", quote_ident(part))
}

fn owner(object: &str, old: &str, new: &str, out: &mut Vec<Change>) {
    if old != new {
        out.push(Change::new(
            "owner",
            object,
            object,
            Action::Changed,
            format!("owner {old} -> {new}"),
        ));
    }
}

fn comment(
    object: &str,
    parent: &str,
    old: &Option<String>,
    new: &Option<String>,
    out: &mut Vec<Change>,
) {
    let action = match (old, new) {
        (None, Some(_)) => Action::Added,
        (Some(_), None) => Action::Removed,
        (Some(a), Some(b)) if a != b => Action::Changed,
        _ => return,
    };
    let detail = match new {
        Some(text) => format!("comment {text:?}"),
        None => "comment removed".to_string(),
    };
    out.push(Change::new("comment", object, parent, action, detail));
}

fn access(
    object: &str,
    old: (&[Grant], &[Grant]),
    new: (&[Grant], &[Grant]),
    out: &mut Vec<Change>,
) {
    diff_access(
        object,
        object,
        Access {
            grants: old.0,
            revoked: old.1,
        },
        Access {
            grants: new.0,
            revoked: new.1,
        },
        out,
    );
}

/// What a new object brings with it, beyond its own grants: folded into its one row.
#[derive(Default)]
struct Carried {
    /// Replaces `<kind> added` (`SECURITY DEFINER function added`).
    head: Option<String>,
    /// `indexes a, b`, `row-level security enabled`, …
    parts: Vec<String>,
    /// It widens access (a SECURITY DEFINER function, a grant on a part).
    widens: bool,
}

/// `name a, b` for a non-empty list of names.
fn named(label: &str, names: impl IntoIterator<Item = String>) -> Option<String> {
    let names: Vec<String> = names.into_iter().collect();
    (!names.is_empty()).then(|| format!("{label} {}", names.join(", ")))
}

/// A new object's (or part's) privileges, as parts of its one row: `grants SELECT to PUBLIC`,
/// `revokes EXECUTE from PUBLIC`; and whether any widens access.
fn carried_access(object: &str, privileges: (&[Grant], &[Grant])) -> (Vec<String>, bool) {
    let mut changes = Vec::new();
    access(object, (&[], &[]), privileges, &mut changes);
    let show = |c: &Change| match c.object.strip_prefix(object) {
        Some(column) if !column.is_empty() => {
            format!("{} on {}", c.detail, column.trim_start_matches('.'))
        }
        _ => c.detail.clone(),
    };
    let list = |action: Action| -> Vec<String> {
        changes
            .iter()
            .filter(|c| c.action == action)
            .map(show)
            .collect()
    };
    let parts = [
        named("grants", list(Action::Added)),
        named("revokes", list(Action::Removed)),
    ]
    .into_iter()
    .flatten()
    .collect();
    (parts, changes.iter().any(|c| c.action == Action::Added))
}

/// The one row of a new object: what it carries (parts, grants) is folded into its detail, and
/// it is critical when any of that widens access.
fn added_row(
    kind: &'static str,
    object: &str,
    carried: Carried,
    privileges: (&[Grant], &[Grant]),
) -> Change {
    let (grants, grants_widen) = carried_access(object, privileges);
    let head = carried
        .head
        .unwrap_or_else(|| format!("{} added", kind.replace('_', " ")));
    let detail = std::iter::once(head)
        .chain(carried.parts)
        .chain(grants)
        .collect::<Vec<_>>()
        .join("; ");
    let change = Change::new(kind, object, object, Action::Added, detail);
    if carried.widens || grants_widen {
        change.widening()
    } else {
        change
    }
}

/// Added and removed objects of a file kind (a new one in one row, with what it `carries`), and
/// the changes inside those on both sides.
fn objects<T: Privileged>(
    kind: &'static str,
    old: &[T],
    new: &[T],
    name: impl Fn(&T) -> String,
    carries: impl Fn(&str, &T) -> Carried,
    changed: impl Fn(&str, &T, &T, &mut Vec<Change>),
    out: &mut Vec<Change>,
) {
    let noun = kind.replace('_', " ");
    for (object, before, after) in pair(old, new, &name) {
        match (before, after) {
            (None, Some(after)) => out.push(added_row(
                kind,
                &object,
                carries(&object, after),
                after.privileges(),
            )),
            (Some(_), None) => {
                let detail = format!("{noun} removed");
                out.push(Change::new(kind, &object, &object, Action::Removed, detail));
            }
            (Some(before), Some(after)) => changed(&object, before, after, out),
            (None, None) => {}
        }
    }
}

pub(super) fn diff_database(old: &Database, new: &Database) -> Vec<Change> {
    let mut out = Vec::new();
    let out = &mut out;
    objects(
        "schema",
        &old.schemas,
        &new.schemas,
        |s| quote_ident(&s.name),
        |_, _| Carried::default(),
        schema,
        out,
    );
    // Foreign tables are compared as tables, but reported as their own kind.
    let (old_foreign, old_tables): (Vec<&Table>, Vec<&Table>) =
        old.tables.iter().partition(|t| t.foreign.is_some());
    let (new_foreign, new_tables): (Vec<&Table>, Vec<&Table>) =
        new.tables.iter().partition(|t| t.foreign.is_some());
    for (kind, old_tables, new_tables) in [
        ("table", &old_tables, &new_tables),
        ("foreign_table", &old_foreign, &new_foreign),
    ] {
        objects(
            kind,
            old_tables,
            new_tables,
            |t| qualified(&t.schema, &t.name),
            |_, t| table_carries(t),
            |o, a, b, out| table(o, a, b, out),
            out,
        );
    }
    objects(
        "view",
        &old.views,
        &new.views,
        |v| qualified(&v.schema, &v.name),
        |_, v| Carried {
            parts: parts_named([
                ("triggers", v.triggers.iter().map(|t| &t.name).collect()),
                ("rules", v.rules.iter().map(|r| &r.name).collect()),
            ]),
            ..Carried::default()
        },
        view,
        out,
    );
    objects(
        "materialized_view",
        &old.materialized_views,
        &new.materialized_views,
        |m| qualified(&m.schema, &m.name),
        |_, m| Carried {
            parts: parts_named([("indexes", m.indexes.iter().map(|i| &i.name).collect())]),
            ..Carried::default()
        },
        materialized_view,
        out,
    );
    objects(
        "sequence",
        &old.sequences,
        &new.sequences,
        |s| qualified(&s.schema, &s.name),
        |_, _| Carried::default(),
        sequence,
        out,
    );
    objects(
        "function",
        &old.functions,
        &new.functions,
        function_name,
        |_, f| Carried {
            head: f
                .security_definer
                .then(|| format!("SECURITY DEFINER {} added", f.kind)),
            widens: f.security_definer,
            ..Carried::default()
        },
        function,
        out,
    );
    objects(
        "type",
        &old.types,
        &new.types,
        |t| qualified(&t.schema, &t.name),
        |_, t| Carried {
            parts: parts_named([(
                "constraints",
                t.constraints.iter().map(|c| &c.name).collect(),
            )]),
            ..Carried::default()
        },
        type_def,
        out,
    );
    for (object, before, after) in pair(&old.extensions, &new.extensions, |e| quote_ident(&e.name))
    {
        match (before, after) {
            (None, Some(_)) => out.push(Change::new(
                "extension",
                &object,
                &object,
                Action::Added,
                "extension added",
            )),
            (Some(_), None) => out.push(Change::new(
                "extension",
                &object,
                &object,
                Action::Removed,
                "extension removed",
            )),
            (Some(a), Some(b)) => extension(&object, a, b, out),
            (None, None) => {}
        }
    }
    catalog_objects(&old.others, &new.others, out);
    std::mem::take(out)
}

/// `label a, b` for each non-empty list of part names.
fn parts_named<const N: usize>(lists: [(&str, Vec<&String>); N]) -> Vec<String> {
    lists
        .into_iter()
        .filter_map(|(label, names)| named(label, names.into_iter().map(|n| quote_ident(n))))
        .collect()
}

/// What a new table brings: row-level security, its named parts, its identity sequences'
/// grants.
fn table_carries(table: &Table) -> Carried {
    let rls = table.row_level_security;
    let mut parts: Vec<String> = [
        rls.enabled
            .then(|| "row-level security enabled".to_string()),
        rls.forced.then(|| "FORCE row-level security".to_string()),
    ]
    .into_iter()
    .flatten()
    .collect();
    parts.extend(parts_named([
        (
            "constraints",
            table.constraints.iter().map(|c| &c.name).collect(),
        ),
        ("indexes", table.indexes.iter().map(|i| &i.name).collect()),
        ("policies", table.policies.iter().map(|p| &p.name).collect()),
        ("triggers", table.triggers.iter().map(|t| &t.name).collect()),
        ("rules", table.rules.iter().map(|r| &r.name).collect()),
    ]));
    parts.extend(named(
        "statistics",
        table.statistics.iter().map(|s| s.name.clone()),
    ));
    let mut widens = false;
    for column in &table.columns {
        if let Some(identity) = &column.identity {
            let sequence = identity_sequence(table, &column.name, identity);
            let (grants, widen) = carried_access(&sequence, (&identity.grants, &identity.revoked));
            parts.extend(grants.into_iter().map(|g| format!("{sequence} {g}")));
            widens |= widen;
        }
    }
    Carried {
        head: None,
        parts,
        widens,
    }
}

/// The qualified name of a column's identity sequence.
fn identity_sequence(table: &Table, column: &str, identity: &Identity) -> String {
    qualified(&table.schema, &identity.sequence_name(&table.name, column))
}

fn schema(object: &str, old: &Schema, new: &Schema, out: &mut Vec<Change>) {
    owner(object, &old.owner, &new.owner, out);
    comment(object, object, &old.comment, &new.comment, out);
    access(object, old.privileges(), new.privileges(), out);
}

fn table(object: &str, old: &Table, new: &Table, out: &mut Vec<Change>) {
    owner(object, &old.owner, &new.owner, out);
    comment(object, object, &old.comment, &new.comment, out);
    if let Some(detail) = details([
        flag("UNLOGGED", old.unlogged, new.unlogged),
        optional("partition key", &old.partition_by, &new.partition_by),
        optional("partition of", &old.partition_of, &new.partition_of),
        optional(
            "partition bound",
            &old.partition_bound,
            &new.partition_bound,
        ),
        list("inherits", &old.inherits, &new.inherits),
        list("storage parameters", &old.options, &new.options),
        field(
            "replica identity",
            &replica_identity(&old.replica_identity),
            &replica_identity(&new.replica_identity),
        ),
        optional("clustered on", &old.clustered_on, &new.clustered_on),
        optional("access method", &old.access_method, &new.access_method),
        optional(
            "foreign server",
            &old.foreign.as_ref().map(|f| &f.server),
            &new.foreign.as_ref().map(|f| &f.server),
        ),
        list(
            "foreign options",
            old.foreign.as_ref().map_or(&[][..], |f| &f.options),
            new.foreign.as_ref().map_or(&[][..], |f| &f.options),
        ),
    ]) {
        let kind = if new.foreign.is_some() {
            "foreign_table"
        } else {
            "table"
        };
        out.push(Change::new(kind, object, object, Action::Changed, detail));
    }
    rls(object, old, new, out);
    for (name, before, after) in pair(&old.columns, &new.columns, |c| c.name.clone()) {
        column(&part_name(object, &name), object, before, after, out);
        identity_access(object, (old, before), (new, after), out);
    }
    let first_part = out.len();
    constraints(object, &old.constraints, &new.constraints, out);
    indexes(object, &old.indexes, &new.indexes, out);
    promoted_indexes(object, old, new, out, first_part);
    parts(
        "policy",
        object,
        &old.policies,
        &new.policies,
        |p: &Policy| &p.name,
        policy,
        |p| &p.comment,
        out,
    );
    triggers(object, &old.triggers, &new.triggers, out);
    rules(object, &old.rules, &new.rules, out);
    parts(
        "statistics",
        object,
        &old.statistics,
        &new.statistics,
        |s: &Statistics| &s.name,
        |a, b| {
            details([
                field("definition", &a.definition, &b.definition),
                field("owner", &a.owner, &b.owner),
                optional("target", &a.target, &b.target),
            ])
        },
        |s| &s.comment,
        out,
    );
    access(object, old.privileges(), new.privileges(), out);
}

/// `DEFAULT`, `FULL`, `NOTHING` or `USING INDEX name`, as `ALTER TABLE … REPLICA IDENTITY` says.
fn replica_identity(recorded: &Option<String>) -> String {
    match recorded.as_deref() {
        None => "DEFAULT".to_string(),
        Some("full") => "FULL".to_string(),
        Some("nothing") => "NOTHING".to_string(),
        Some(other) => match other.strip_prefix("index ") {
            Some(index) => format!("USING INDEX {index}"),
            None => other.to_uppercase(),
        },
    }
}

/// A column's identity sequence, qualified, with its grants and revokes.
fn identity_of<'a>(table: &Table, column: Option<&'a Column>) -> Option<(String, Access<'a>)> {
    let column = column?;
    let identity = column.identity.as_ref()?;
    Some((
        identity_sequence(table, &column.name, identity),
        Access {
            grants: &identity.grants,
            revoked: &identity.revoked,
        },
    ))
}

/// The grants on a column's identity sequence, reported on the sequence.
fn identity_access(
    parent: &str,
    (old_table, old): (&Table, Option<&Column>),
    (new_table, new): (&Table, Option<&Column>),
    out: &mut Vec<Change>,
) {
    let none = || Access {
        grants: &[],
        revoked: &[],
    };
    // A dropped identity is the column's change; its sequence's grants go with it.
    if let Some((sequence, after)) = identity_of(new_table, new) {
        let before = identity_of(old_table, old).map_or_else(none, |(_, a)| a);
        diff_access(&sequence, parent, before, after, out);
    }
}

/// The columns (and `INCLUDE`) of a plain unique btree index: what a primary key or unique
/// constraint made `USING INDEX` from it says.
fn unique_index_key(definition: &str) -> Option<&str> {
    if !definition.starts_with("CREATE UNIQUE INDEX ") {
        return None;
    }
    definition.split_once(" USING btree ").map(|(_, key)| key)
}

/// The same for a primary key or unique constraint's definition.
fn constraint_key(definition: &str) -> Option<String> {
    let rest = definition
        .strip_prefix("PRIMARY KEY ")
        .or_else(|| definition.strip_prefix("UNIQUE "))?;
    let (rest, nulls) = match rest.strip_prefix("NULLS NOT DISTINCT ") {
        Some(rest) => (rest, " NULLS NOT DISTINCT"),
        None => (rest, ""),
    };
    let key = [" DEFERRABLE", " NOT DEFERRABLE", " INITIALLY "]
        .iter()
        .fold(rest, |key, suffix| key.split(suffix).next().unwrap_or(key));
    Some(format!("{key}{nulls}"))
}

/// An index that a new primary key or unique constraint took over (`ADD CONSTRAINT … USING
/// INDEX`, which also renames the index to the constraint) is one row, the constraint's,
/// saying so; not an `index removed` as well. Looks at the rows from `from` on.
fn promoted_indexes(parent: &str, old: &Table, new: &Table, out: &mut Vec<Change>, from: usize) {
    let gone = old
        .indexes
        .iter()
        .filter(|i| !new.indexes.iter().any(|n| n.name == i.name));
    for index in gone {
        let Some(key) = unique_index_key(&index.definition) else {
            continue;
        };
        let Some(constraint) = new.constraints.iter().find(|c| {
            !old.constraints.iter().any(|o| o.name == c.name)
                && constraint_key(&c.definition).as_deref() == Some(key)
        }) else {
            continue;
        };
        let (index_object, constraint_object) = (
            part_name(parent, &index.name),
            part_name(parent, &constraint.name),
        );
        for change in &mut out[from..] {
            if change.kind == "constraint"
                && change.action == Action::Added
                && change.object == constraint_object
            {
                change.detail = format!(
                    "{} using index {}",
                    constraint.constraint_type,
                    quote_ident(&index.name)
                );
            }
        }
        let mut position = 0;
        out.retain(|change| {
            position += 1;
            position <= from
                || !(change.kind == "index"
                    && change.action == Action::Removed
                    && change.object == index_object)
        });
    }
}

fn constraints(parent: &str, old: &[Constraint], new: &[Constraint], out: &mut Vec<Change>) {
    parts(
        "constraint",
        parent,
        old,
        new,
        |c: &Constraint| &c.name,
        |a, b| {
            details([
                definition("definition", &a.definition, &b.definition),
                optional("attached to", &a.attached_to, &b.attached_to),
                field(
                    "inheritance",
                    &inheritance(a.inherit_count, a.inherited_only),
                    &inheritance(b.inherit_count, b.inherited_only),
                ),
            ])
        },
        |c| &c.comment,
        out,
    );
}

/// `local`, `inherited from 1 parent`, `local and inherited from 2 parents`.
fn inheritance(count: i32, inherited_only: bool) -> String {
    let parents = if count == 1 { "parent" } else { "parents" };
    match (count, inherited_only) {
        (0, _) => "local".to_string(),
        (n, true) => format!("inherited from {n} {parents}"),
        (n, false) => format!("local and inherited from {n} {parents}"),
    }
}

fn rules(parent: &str, old: &[Rule], new: &[Rule], out: &mut Vec<Change>) {
    parts(
        "rewrite_rule",
        parent,
        old,
        new,
        |r: &Rule| &r.name,
        |a, b| {
            details([
                definition("definition", &a.definition, &b.definition),
                field("enabled", &a.enabled, &b.enabled),
            ])
        },
        |r| &r.comment,
        out,
    );
}

fn rls(object: &str, old: &Table, new: &Table, out: &mut Vec<Change>) {
    let (before, after) = (old.row_level_security, new.row_level_security);
    match (before.enabled, after.enabled) {
        (true, false) => out.push(
            Change::new(
                "rls",
                object,
                object,
                Action::Changed,
                "row-level security disabled",
            )
            .widening(),
        ),
        (false, true) => out.push(Change::new(
            "rls",
            object,
            object,
            Action::Changed,
            "row-level security enabled",
        )),
        _ => {}
    }
    match (before.forced, after.forced) {
        (true, false) => out.push(
            Change::new(
                "rls",
                object,
                object,
                Action::Changed,
                "FORCE row-level security removed",
            )
            .widening(),
        ),
        (false, true) => out.push(Change::new(
            "rls",
            object,
            object,
            Action::Changed,
            "FORCE row-level security added",
        )),
        _ => {}
    }
}

fn column(
    object: &str,
    parent: &str,
    old: Option<&Column>,
    new: Option<&Column>,
    out: &mut Vec<Change>,
) {
    match (old, new) {
        (None, Some(c)) => out.push(Change::new(
            "column",
            object,
            parent,
            Action::Added,
            column_summary(c),
        )),
        (Some(c), None) => out.push(Change::new(
            "column",
            object,
            parent,
            Action::Removed,
            column_summary(c),
        )),
        (Some(a), Some(b)) => {
            // Compared by name only where one was recorded: the default name follows the table.
            let sequence_name =
                |c: &Column| c.identity.as_ref().and_then(|i| i.sequence_name.clone());
            let identity = |c: &Column| {
                c.identity
                    .as_ref()
                    .map(|i| format!("{} ({})", i.generated, sequence_text(&i.sequence)))
            };
            if let Some(detail) = details([
                field("type", &a.data_type, &b.data_type),
                optional("collation", &a.collation, &b.collation),
                flag("NOT NULL", a.not_null, b.not_null),
                optional_definition("default", &a.default, &b.default),
                optional("identity", &identity(a), &identity(b)),
                optional("identity sequence", &sequence_name(a), &sequence_name(b)),
                optional(
                    "identity sequence owner",
                    &a.identity.as_ref().and_then(|i| i.sequence_owner.clone()),
                    &b.identity.as_ref().and_then(|i| i.sequence_owner.clone()),
                ),
                optional_definition("generated", &a.generated, &b.generated),
                optional("statistics", &a.statistics, &b.statistics),
                optional("storage", &a.storage, &b.storage),
                optional("compression", &a.compression, &b.compression),
                list("options", &a.options, &b.options),
                list("foreign options", &a.foreign_options, &b.foreign_options),
                field(
                    "inheritance",
                    &inheritance(a.inherit_count, a.inherited_only),
                    &inheritance(b.inherit_count, b.inherited_only),
                ),
            ]) {
                out.push(changed_part("column", object, parent, detail));
            }
            comment(object, parent, &a.comment, &b.comment, out);
        }
        (None, None) => {}
    }
}

/// A column as `CREATE TABLE` would declare it: type, NOT NULL, default, identity, generation.
fn column_summary(column: &Column) -> String {
    let mut text = column.data_type.clone();
    if column.not_null {
        text.push_str(" NOT NULL");
    }
    if let Some(default) = &column.default {
        text.push_str(&format!(" DEFAULT {default}"));
    }
    if let Some(identity) = &column.identity {
        text.push_str(&format!(
            " GENERATED {} AS IDENTITY",
            identity.generated.to_uppercase()
        ));
    }
    if let Some(expression) = &column.generated {
        text.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    }
    text
}

fn sequence_text(s: &crate::model::SequenceOptions) -> String {
    format!(
        "{} start {} increment {} min {} max {} cache {}{}",
        s.data_type,
        s.start,
        s.increment,
        s.min,
        s.max,
        s.cache,
        if s.cycle { " cycle" } else { "" }
    )
}

/// Named parts of an object (constraints, policies): added, removed, or changed as `changed`
/// says, with their comments.
#[allow(clippy::too_many_arguments)]
fn parts<T>(
    kind: &'static str,
    parent: &str,
    old: &[T],
    new: &[T],
    name: impl Fn(&T) -> &String,
    changed: impl Fn(&T, &T) -> Option<String>,
    comment_of: impl Fn(&T) -> &Option<String>,
    out: &mut Vec<Change>,
) {
    for (part, before, after) in pair(old, new, |p| name(p).clone()) {
        let object = part_name(parent, &part);
        match (before, after) {
            (None, Some(_)) => out.push(Change::new(
                kind,
                &object,
                parent,
                Action::Added,
                format!("{} added", kind.replace('_', " ")),
            )),
            (Some(_), None) => out.push(Change::new(
                kind,
                &object,
                parent,
                Action::Removed,
                format!("{} removed", kind.replace('_', " ")),
            )),
            (Some(a), Some(b)) => {
                if let Some(detail) = changed(a, b) {
                    out.push(changed_part(kind, &object, parent, detail));
                }
                comment(&object, parent, comment_of(a), comment_of(b), out);
            }
            (None, None) => {}
        }
    }
}

fn indexes(parent: &str, old: &[Index], new: &[Index], out: &mut Vec<Change>) {
    parts(
        "index",
        parent,
        old,
        new,
        |i: &Index| &i.name,
        |a, b| {
            details([
                definition("definition", &a.definition, &b.definition),
                optional("attached to", &a.attached_to, &b.attached_to),
                match (a.invalid, b.invalid) {
                    (true, false) => Some("became valid".to_string()),
                    (false, true) => Some("became invalid".to_string()),
                    _ => None,
                },
            ])
        },
        |i| &i.comment,
        out,
    );
}

fn triggers(parent: &str, old: &[Trigger], new: &[Trigger], out: &mut Vec<Change>) {
    parts(
        "trigger",
        parent,
        old,
        new,
        |t: &Trigger| &t.name,
        |a, b| {
            details([
                definition("definition", &a.definition, &b.definition),
                field("enabled", &a.enabled, &b.enabled),
            ])
        },
        |t| &t.comment,
        out,
    );
}

fn policy(old: &Policy, new: &Policy) -> Option<String> {
    details([
        field("mode", &old.mode, &new.mode),
        field("command", &old.command, &new.command),
        list("roles", &old.roles, &new.roles),
        optional_definition("USING", &old.using, &new.using),
        optional_definition("WITH CHECK", &old.with_check, &new.with_check),
    ])
}

fn view_columns(old: &[ViewColumn], new: &[ViewColumn]) -> Option<String> {
    let show = |columns: &[ViewColumn]| -> Vec<String> {
        columns
            .iter()
            .map(|c| format!("{} {}", quote_ident(&c.name), c.data_type))
            .collect()
    };
    list("columns", &show(old), &show(new))
}

/// View options whose removal lets more through: `security_barrier` stops leaky functions
/// seeing hidden rows, `security_invoker` applies the caller's RLS and privileges.
fn security_option_removed(old: &[String], new: &[String]) -> bool {
    old.iter()
        .filter(|o| o.starts_with("security_barrier=") || o.starts_with("security_invoker="))
        .any(|o| !new.contains(o))
}

fn view_like(
    kind: &'static str,
    object: &str,
    (old_options, new_options): (&[String], &[String]),
    (old_columns, new_columns): (&[ViewColumn], &[ViewColumn]),
    (old_definition, new_definition): (&[String], &[String]),
    out: &mut Vec<Change>,
) {
    if let Some(detail) = list("options", old_options, new_options) {
        let change = Change::new(kind, object, object, Action::Changed, detail);
        out.push(if security_option_removed(old_options, new_options) {
            change.widening()
        } else {
            change
        });
    }
    if let Some(detail) = view_columns(old_columns, new_columns) {
        out.push(Change::new(kind, object, object, Action::Changed, detail));
    }
    if let Some(diff) = unified(old_definition, new_definition) {
        let detail = definition(
            "definition",
            &old_definition.join("\n"),
            &new_definition.join("\n"),
        )
        .filter(|d| Cosmetic::ends(d))
        .unwrap_or_else(|| "definition changed".to_string());
        out.push(changed_part(kind, object, object, detail).with_text_diff(Some(diff)));
    }
    for (name, before, after) in pair(old_columns, new_columns, |c| c.name.clone()) {
        if let (Some(a), Some(b)) = (before, after) {
            comment(
                &part_name(object, &name),
                object,
                &a.comment,
                &b.comment,
                out,
            );
        }
    }
}

fn view(object: &str, old: &View, new: &View, out: &mut Vec<Change>) {
    owner(object, &old.owner, &new.owner, out);
    comment(object, object, &old.comment, &new.comment, out);
    view_like(
        "view",
        object,
        (&old.options, &new.options),
        (&old.columns, &new.columns),
        (&old.definition, &new.definition),
        out,
    );
    triggers(object, &old.triggers, &new.triggers, out);
    rules(object, &old.rules, &new.rules, out);
    access(object, old.privileges(), new.privileges(), out);
}

fn materialized_view(
    object: &str,
    old: &MaterializedView,
    new: &MaterializedView,
    out: &mut Vec<Change>,
) {
    owner(object, &old.owner, &new.owner, out);
    comment(object, object, &old.comment, &new.comment, out);
    view_like(
        "materialized_view",
        object,
        (&old.options, &new.options),
        (&old.columns, &new.columns),
        (&old.definition, &new.definition),
        out,
    );
    indexes(object, &old.indexes, &new.indexes, out);
    access(object, old.privileges(), new.privileges(), out);
}

fn sequence(object: &str, old: &Sequence, new: &Sequence, out: &mut Vec<Change>) {
    owner(object, &old.owner, &new.owner, out);
    comment(object, object, &old.comment, &new.comment, out);
    if let Some(detail) = details([
        field("type", &old.data_type, &new.data_type),
        field("start", &old.start, &new.start),
        field("increment", &old.increment, &new.increment),
        field("min", &old.min, &new.min),
        field("max", &old.max, &new.max),
        field("cache", &old.cache, &new.cache),
        flag("CYCLE", old.cycle, new.cycle),
        optional("owned by", &old.owned_by, &new.owned_by),
    ]) {
        out.push(Change::new(
            "sequence",
            object,
            object,
            Action::Changed,
            detail,
        ));
    }
    access(object, old.privileges(), new.privileges(), out);
}

fn search_path(config: &[String]) -> Option<&String> {
    config.iter().find(|c| c.starts_with("search_path="))
}

/// A function's changes are one row: what it says, with the definition's text diff; critical
/// when it widens access (SECURITY DEFINER added, `SET search_path` removed).
fn function(object: &str, old: &Function, new: &Function, out: &mut Vec<Change>) {
    owner(object, &old.owner, &new.owner, out);
    comment(object, object, &old.comment, &new.comment, out);
    let search_path_removed =
        search_path(&old.config).is_some() && search_path(&new.config).is_none();
    // The SET list, unless all that changed in it is the search_path said removed.
    let other_settings = |config: &[String]| -> Vec<String> {
        config
            .iter()
            .filter(|c| !c.starts_with("search_path="))
            .cloned()
            .collect()
    };
    let settings =
        if search_path_removed && other_settings(&old.config) == other_settings(&new.config) {
            None
        } else {
            list("SET", &old.config, &new.config)
        };
    let described = details([
        flag(
            "SECURITY DEFINER",
            old.security_definer,
            new.security_definer,
        ),
        search_path_removed.then(|| "SET search_path removed".to_string()),
        field("kind", &old.kind, &new.kind),
        optional("returns", &old.returns, &new.returns),
        field("language", &old.language, &new.language),
        field("volatility", &old.volatility, &new.volatility),
        flag("STRICT", old.strict, new.strict),
        flag("LEAKPROOF", old.leakproof, new.leakproof),
        field("parallel", &old.parallel, &new.parallel),
        settings,
    ]);
    let diff = unified(&old.definition, &new.definition);
    if described.is_some() || diff.is_some() {
        // SQL and PL/pgSQL bodies are SQL, where case and whitespace outside literals do not
        // matter; in other languages they may.
        let sql = |f: &Function| matches!(f.language.as_str(), "sql" | "plpgsql");
        let body = code_definition(
            "definition",
            &old.definition.join("\n"),
            &new.definition.join("\n"),
            if sql(old) && sql(new) {
                Body::Code
            } else {
                Body::Quoted
            },
        )
        .filter(|d| Cosmetic::ends(d))
        .unwrap_or_else(|| "definition changed".to_string());
        let detail = described.unwrap_or(body);
        let change =
            Change::new("function", object, object, Action::Changed, detail).with_text_diff(diff);
        let widens = (!old.security_definer && new.security_definer) || search_path_removed;
        out.push(if widens { change.widening() } else { change });
    }
    access(object, old.privileges(), new.privileges(), out);
}

fn type_def(object: &str, old: &TypeDef, new: &TypeDef, out: &mut Vec<Change>) {
    owner(object, &old.owner, &new.owner, out);
    comment(object, object, &old.comment, &new.comment, out);
    let attributes = |t: &TypeDef| -> Vec<String> {
        t.attributes
            .iter()
            .map(|a| format!("{} {}", quote_ident(&a.name), a.data_type))
            .collect()
    };
    if let Some(detail) = details([
        field("kind", &old.kind, &new.kind),
        list("labels", &old.labels, &new.labels),
        optional("base type", &old.base_type, &new.base_type),
        optional("subtype", &old.subtype, &new.subtype),
        optional("collation", &old.collation, &new.collation),
        flag("NOT NULL", old.not_null, new.not_null),
        optional("default", &old.default, &new.default),
        list("attributes", &attributes(old), &attributes(new)),
    ]) {
        out.push(Change::new("type", object, object, Action::Changed, detail));
    }
    constraints(object, &old.constraints, &new.constraints, out);
    access(object, old.privileges(), new.privileges(), out);
}

fn extension(object: &str, old: &Extension, new: &Extension, out: &mut Vec<Change>) {
    owner(object, &old.owner, &new.owner, out);
    comment(object, object, &old.comment, &new.comment, out);
    if let Some(detail) = details([
        field("version", &old.version, &new.version),
        field("schema", &old.schema, &new.schema),
    ]) {
        out.push(Change::new(
            "extension",
            object,
            object,
            Action::Changed,
            detail,
        ));
    }
    // Members are paired by their names relative to the extension's schema, so that moving the
    // extension (ALTER EXTENSION … SET SCHEMA) does not look like privileges changing.
    let relative = |extension: &Extension| -> Vec<(String, MemberPrivileges)> {
        let prefix = format!("{}.", quote_ident(&extension.schema));
        extension
            .member_privileges
            .iter()
            .map(|m| (m.object.replace(&prefix, ""), m.clone()))
            .collect()
    };
    let (old_members, new_members) = (relative(old), relative(new));
    let empty = MemberPrivileges::default();
    for (_, before, after) in pair(&old_members, &new_members, |(key, _)| key.clone()) {
        let member = after.or(before).map_or("", |(_, m)| m.object.as_str());
        let before = before.map_or(&empty, |(_, m)| m);
        let after = after.map_or(&empty, |(_, m)| m);
        diff_access(
            &format!("{object} member {member}"),
            object,
            Access {
                grants: &before.grants,
                revoked: &before.revoked,
            },
            Access {
                grants: &after.grants,
                revoked: &after.revoked,
            },
            out,
        );
    }
}

fn property_text(value: Option<&serde_json::Value>) -> String {
    match value {
        None => "none".to_string(),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    }
}

/// Generic objects: added, removed, or changed property by property.
fn catalog_objects(old: &[CatalogObject], new: &[CatalogObject], out: &mut Vec<Change>) {
    let key = |o: &CatalogObject| format!("{}\0{}", o.kind, catalog_object_name(o));
    for (_, before, after) in pair(old, new, key) {
        let Some(either) = after.or(before) else {
            continue;
        };
        let kind = generic_kind(&either.kind).unwrap_or("object");
        let object = catalog_object_name(either);
        let noun = either.kind.replace('_', " ");
        match (before, after) {
            (None, Some(o)) => out.push(added_row(
                kind,
                &object,
                Carried {
                    head: Some(format!("{noun} added")),
                    ..Carried::default()
                },
                o.privileges(),
            )),
            (Some(_), None) => {
                let detail = format!("{noun} removed");
                out.push(Change::new(kind, &object, &object, Action::Removed, detail));
            }
            (Some(a), Some(b)) => {
                if let (Some(x), Some(y)) = (&a.owner, &b.owner) {
                    owner(&object, x, y, out);
                }
                let unreadable =
                    |key: &str| a.unreadable.iter().chain(&b.unreadable).any(|u| u == key);
                if !unreadable("comment") {
                    comment(&object, &object, &a.comment, &b.comment, out);
                }
                let keys: std::collections::BTreeSet<&String> = a
                    .properties
                    .keys()
                    .chain(b.properties.keys())
                    .filter(|key| !unreadable(key))
                    .collect();
                let changed = keys.into_iter().map(|k| {
                    let (x, y) = (a.properties.get(k), b.properties.get(k));
                    (x != y).then(|| format!("{k} {} -> {}", property_text(x), property_text(y)))
                });
                if let Some(detail) = details(changed) {
                    out.push(Change::new(kind, &object, &object, Action::Changed, detail));
                }
                access(&object, a.privileges(), b.privileges(), out);
            }
            (None, None) => {}
        }
    }
}
