//! The differ proper: every object kind, down to the part that changed.

use std::collections::BTreeMap;
use std::fmt::Display;

use super::grants::{diff_access, Access};
use super::text::unified;
use super::{Action, Change};
use crate::codec::{catalog_object_name, function_name, generic_kind};
use crate::model::{
    qualified, quote_ident, CatalogObject, Column, Constraint, Database, Extension, Function,
    Grant, Index, MaterializedView, MemberPrivileges, Policy, Privileged, Rule, Schema, Sequence,
    Statistics, Table, Trigger, TypeDef, View, ViewColumn,
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

/// Added and removed objects of a file kind (with what a new object grants), and the changes
/// inside those on both sides.
fn objects<T: Privileged>(
    kind: &'static str,
    old: &[T],
    new: &[T],
    name: impl Fn(&T) -> String,
    changed: impl Fn(&str, &T, &T, &mut Vec<Change>),
    out: &mut Vec<Change>,
) {
    let noun = kind.replace('_', " ");
    for (object, before, after) in pair(old, new, &name) {
        match (before, after) {
            (None, Some(after)) => {
                let detail = format!("{noun} added");
                out.push(Change::new(kind, &object, &object, Action::Added, detail));
                access(&object, (&[], &[]), after.privileges(), out);
            }
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
            |o, a, b, out| table(o, a, b, out),
            out,
        );
    }
    objects(
        "view",
        &old.views,
        &new.views,
        |v| qualified(&v.schema, &v.name),
        view,
        out,
    );
    objects(
        "materialized_view",
        &old.materialized_views,
        &new.materialized_views,
        |m| qualified(&m.schema, &m.name),
        materialized_view,
        out,
    );
    objects(
        "sequence",
        &old.sequences,
        &new.sequences,
        |s| qualified(&s.schema, &s.name),
        sequence,
        out,
    );
    objects(
        "function",
        &old.functions,
        &new.functions,
        function_name,
        function,
        out,
    );
    for added in new.functions.iter().filter(|f| f.security_definer) {
        let object = function_name(added);
        if !old.functions.iter().any(|f| function_name(f) == object) {
            let detail = "SECURITY DEFINER function added";
            out.push(Change::new("function", &object, &object, Action::Added, detail).widening());
        }
    }
    objects(
        "type",
        &old.types,
        &new.types,
        |t| qualified(&t.schema, &t.name),
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
        optional(
            "replica identity",
            &old.replica_identity,
            &new.replica_identity,
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
    }
    parts(
        "constraint",
        object,
        &old.constraints,
        &new.constraints,
        |c: &Constraint| &c.name,
        |a, b| field("definition", &a.definition, &b.definition),
        |c| &c.comment,
        out,
    );
    indexes(object, &old.indexes, &new.indexes, out);
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

fn rules(parent: &str, old: &[Rule], new: &[Rule], out: &mut Vec<Change>) {
    parts(
        "rewrite_rule",
        parent,
        old,
        new,
        |r: &Rule| &r.name,
        |a, b| {
            details([
                field("definition", &a.definition, &b.definition),
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
            let identity = |c: &Column| {
                c.identity
                    .as_ref()
                    .map(|i| format!("{} ({})", i.generated, sequence_text(&i.sequence)))
            };
            if let Some(detail) = details([
                field("type", &a.data_type, &b.data_type),
                optional("collation", &a.collation, &b.collation),
                flag("NOT NULL", a.not_null, b.not_null),
                optional("default", &a.default, &b.default),
                optional("identity", &identity(a), &identity(b)),
                optional("generated", &a.generated, &b.generated),
                optional("statistics", &a.statistics, &b.statistics),
                optional("storage", &a.storage, &b.storage),
                optional("compression", &a.compression, &b.compression),
                list("options", &a.options, &b.options),
                list("foreign options", &a.foreign_options, &b.foreign_options),
            ]) {
                out.push(Change::new(
                    "column",
                    object,
                    parent,
                    Action::Changed,
                    detail,
                ));
            }
            comment(object, parent, &a.comment, &b.comment, out);
        }
        (None, None) => {}
    }
}

fn column_summary(column: &Column) -> String {
    let mut text = column.data_type.clone();
    if column.not_null {
        text.push_str(" NOT NULL");
    }
    if let Some(default) = &column.default {
        text.push_str(&format!(" DEFAULT {default}"));
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
                    out.push(Change::new(kind, &object, parent, Action::Changed, detail));
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
        |a, b| field("definition", &a.definition, &b.definition),
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
                field("definition", &a.definition, &b.definition),
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
        optional("USING", &old.using, &new.using),
        optional("WITH CHECK", &old.with_check, &new.with_check),
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
        out.push(
            Change::new(kind, object, object, Action::Changed, "definition changed")
                .with_text_diff(Some(diff)),
        );
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

fn function(object: &str, old: &Function, new: &Function, out: &mut Vec<Change>) {
    owner(object, &old.owner, &new.owner, out);
    comment(object, object, &old.comment, &new.comment, out);
    match (old.security_definer, new.security_definer) {
        (false, true) => out.push(
            Change::new(
                "function",
                object,
                object,
                Action::Changed,
                "SECURITY DEFINER added",
            )
            .widening(),
        ),
        (true, false) => out.push(Change::new(
            "function",
            object,
            object,
            Action::Changed,
            "SECURITY DEFINER removed",
        )),
        _ => {}
    }
    if search_path(&old.config).is_some() && search_path(&new.config).is_none() {
        out.push(
            Change::new(
                "function",
                object,
                object,
                Action::Changed,
                "SET search_path removed",
            )
            .widening(),
        );
    }
    let described = details([
        field("kind", &old.kind, &new.kind),
        optional("returns", &old.returns, &new.returns),
        field("language", &old.language, &new.language),
        field("volatility", &old.volatility, &new.volatility),
        flag("STRICT", old.strict, new.strict),
        flag("LEAKPROOF", old.leakproof, new.leakproof),
        field("parallel", &old.parallel, &new.parallel),
        list("SET", &old.config, &new.config),
    ]);
    let diff = unified(&old.definition, &new.definition);
    if described.is_some() || diff.is_some() {
        let detail = described.unwrap_or_else(|| "definition changed".to_string());
        out.push(
            Change::new("function", object, object, Action::Changed, detail).with_text_diff(diff),
        );
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
    parts(
        "constraint",
        object,
        &old.constraints,
        &new.constraints,
        |c: &Constraint| &c.name,
        |a, b| field("definition", &a.definition, &b.definition),
        |c| &c.comment,
        out,
    );
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
            (None, Some(o)) => {
                let detail = format!("{noun} added");
                out.push(Change::new(kind, &object, &object, Action::Added, detail));
                access(&object, (&[], &[]), o.privileges(), out);
            }
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
