//! Schemas, extensions, types, sequences and functions.
//!
//! Each kind is matched by its identity on both sides: what only the new side has is created
//! (with its owner, comment and privileges), what only the old side has is dropped, and what
//! both have is altered in place where PostgreSQL can. An enum that loses or reorders labels,
//! a domain whose base type changes, a range whose subtype changes and a function whose
//! signature or result changes cannot be altered: they are replaced, and `invalidated` names
//! them so that what uses them is rebuilt too. An enum or domain that table columns use is
//! replaced under a temporary name, the columns converted to the new type, and the old one
//! dropped after them.

use std::collections::{BTreeMap, BTreeSet};

use super::access::{self, literal};
use super::step::{name, HazardKind, Name, Rank, Step};
use super::Context;
use crate::model::{
    qualified, quote_ident, Column, Constraint, Database, Extension, Function, MemberPrivileges,
    Policy, Sequence, Table, TypeDef,
};

/// The statements for every schema, extension, type, sequence and function that differs.
pub fn steps(old: &Database, new: &Database, context: &Context) -> Vec<Step> {
    let mut steps = Vec::new();
    schemas(old, new, &mut steps);
    extensions(old, new, &mut steps);
    types(old, new, &mut steps);
    sequences(old, new, &mut steps);
    functions(old, new, context, &mut steps);
    steps
}

/// Types and functions the plan drops, or drops and creates again, rather than altering
/// them, and the tables whose columns are converted to a replaced type.
pub fn invalidated(old: &Database, new: &Database) -> Vec<Name> {
    let mut names = Vec::new();
    let new_types = by_key(&new.types, |t| (t.schema.as_str(), t.name.as_str()));
    for ty in &old.types {
        match new_types.get(&(ty.schema.as_str(), ty.name.as_str())) {
            None => names.push(name(&ty.schema, &ty.name)),
            Some(next) if replaced(ty, next) => {
                names.push(name(&ty.schema, &ty.name));
                names.extend(
                    retyped_columns(old, new, ty)
                        .into_iter()
                        .map(|(table, _)| name(&table.schema, &table.name)),
                );
            }
            Some(_) => {}
        }
    }
    let new_functions = by_key(&new.functions, function_key);
    for function in &old.functions {
        let same = new_functions
            .get(&function_key(function))
            .is_some_and(|next| !function_replaced(function, next));
        if !same {
            names.push(name(&function.schema, &function.name));
        }
    }
    names
}

fn by_key<'a, T, K: Ord>(items: &'a [T], key: impl Fn(&'a T) -> K) -> BTreeMap<K, &'a T> {
    items.iter().map(|item| (key(item), item)).collect()
}

/// A definition kept as lines, as one statement without its closing semicolon.
fn statement(lines: &[String]) -> String {
    let text = lines.join("\n");
    let text = text.trim_end();
    text.strip_suffix(';')
        .unwrap_or(text)
        .trim_end()
        .to_string()
}

// Schemas

fn schemas(old: &Database, new: &Database, steps: &mut Vec<Step>) {
    let olds = by_key(&old.schemas, |s| s.name.as_str());
    let news = by_key(&new.schemas, |s| s.name.as_str());
    for (schema, next) in &news {
        let target = format!("SCHEMA {}", quote_ident(schema));
        match olds.get(schema) {
            None => {
                steps.push(
                    Step::new(Rank::CreateSchema, format!("CREATE {target}"))
                        .provides(name("", schema)),
                );
                steps.extend(access::owner(&target, None, &next.owner));
                steps.extend(access::comment(&target, None, next.comment.as_deref()));
                steps.extend(access::created_privileges(
                    &target,
                    "schemas",
                    None,
                    old,
                    (&next.grants, &next.revoked),
                ));
            }
            Some(prev) => {
                steps.extend(access::owner(&target, Some(&prev.owner), &next.owner));
                steps.extend(access::comment(
                    &target,
                    prev.comment.as_deref(),
                    next.comment.as_deref(),
                ));
                steps.extend(access::privileges(
                    &target,
                    Some((&prev.grants, &prev.revoked)),
                    (&next.grants, &next.revoked),
                ));
            }
        }
    }
    for schema in olds.keys().filter(|s| !news.contains_key(*s)) {
        steps.push(
            Step::new(
                Rank::DropSchema,
                format!("DROP SCHEMA {}", quote_ident(schema)),
            )
            .removes(name("", schema)),
        );
    }
}

// Extensions

fn extensions(old: &Database, new: &Database, steps: &mut Vec<Step>) {
    let olds = by_key(&old.extensions, |e| e.name.as_str());
    let news = by_key(&new.extensions, |e| e.name.as_str());
    let created: Vec<&str> = news
        .keys()
        .filter(|e| !olds.contains_key(*e))
        .copied()
        .collect();
    if !created.is_empty() {
        hold_default_privileges(old, &created, steps);
    }
    for (extension, next) in &news {
        let target = format!("EXTENSION {}", quote_ident(extension));
        match olds.get(extension) {
            None => {
                steps.push(
                    Step::new(
                        Rank::CreateExtension,
                        format!(
                            "CREATE {target} WITH SCHEMA {} VERSION {}",
                            quote_ident(&next.schema),
                            literal(&next.version)
                        ),
                    )
                    .provides(name("", extension))
                    .needs(name("", &next.schema)),
                );
                // The extension's script may have set a comment of its own.
                let text = next.comment.as_deref().map_or("NULL".to_string(), literal);
                steps.push(Step::new(
                    Rank::Comment,
                    format!("COMMENT ON {target} IS {text}"),
                ));
                member_privileges(&[], &next.member_privileges, steps);
            }
            Some(prev) => {
                extension_changes(prev, next, &target, steps);
            }
        }
    }
    for (extension, prev) in olds.iter().filter(|(e, _)| !news.contains_key(*e)) {
        steps.push(
            Step::new(
                Rank::DropExtension,
                format!("DROP EXTENSION {}", quote_ident(extension)),
            )
            .removes(name("", extension))
            .hazard(
                HazardKind::DataLoss,
                format!(
                    "drops extension {extension} and every object it installed in {}",
                    prev.schema
                ),
            ),
        );
    }
}

/// Default privileges held back while extensions are created: PostgreSQL gives them to an
/// extension's members without recording them as what the extension started with, so they
/// would show as changes. Each entry of `old` is undone before the first `CREATE EXTENSION`
/// and made again after the last.
fn hold_default_privileges(old: &Database, created: &[&str], steps: &mut Vec<Step>) {
    for entry in old.others.iter().filter(|o| o.kind == "default_privileges") {
        let Some((_, kind)) = entry.name.rsplit_once(" on ") else {
            continue;
        };
        let Some(role) = entry.properties.get("role").and_then(|v| v.as_str()) else {
            continue;
        };
        let scope = match entry.properties.get("schema").and_then(|v| v.as_str()) {
            Some(schema) => format!(" IN SCHEMA {}", quote_ident(schema)),
            None => String::new(),
        };
        let prefix = format!(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {}{scope} ",
            access::role(role)
        );
        let on = kind.to_uppercase();
        let list = (&entry.grants[..], &entry.revoked[..]);
        for step in access::privileges(&on, Some(list), (&[], &[])) {
            steps.push(
                Step::new(Rank::CreateSchema, format!("{prefix}{}", step.sql)).hazard(
                    HazardKind::Access,
                    format!(
                        "default privileges of {role} on new {kind} are held back while extensions are created"
                    ),
                ),
            );
        }
        for step in access::privileges(&on, Some((&[], &[])), list) {
            let mut again = Step::new(Rank::CreateExtension, format!("{prefix}{}", step.sql));
            for extension in created {
                again = again.needs(name("", extension));
            }
            steps.push(again);
        }
    }
}

fn extension_changes(prev: &Extension, next: &Extension, target: &str, steps: &mut Vec<Step>) {
    if prev.version != next.version {
        steps.push(
            Step::new(
                Rank::CreateExtension,
                format!("ALTER {target} UPDATE TO {}", literal(&next.version)),
            )
            .provides(name("", &next.name)),
        );
    }
    let mut members = prev.member_privileges.clone();
    if prev.schema != next.schema {
        let mut step = Step::new(
            Rank::CreateExtension,
            format!("ALTER {target} SET SCHEMA {}", quote_ident(&next.schema)),
        )
        .provides(name("", &next.name))
        .needs(name("", &next.schema));
        step.releases.push(name("", &prev.schema));
        steps.push(step);
        // The members move with the extension, and their privileges with them.
        let (from, to) = (
            format!("{}.", quote_ident(&prev.schema)),
            format!("{}.", quote_ident(&next.schema)),
        );
        for member in &mut members {
            member.object = member.object.replace(&from, &to);
        }
    }
    steps.extend(access::comment(
        target,
        prev.comment.as_deref(),
        next.comment.as_deref(),
    ));
    member_privileges(&members, &next.member_privileges, steps);
}

/// GRANT and REVOKE on an extension's members, relative to what its script gave them.
fn member_privileges(old: &[MemberPrivileges], new: &[MemberPrivileges], steps: &mut Vec<Step>) {
    let olds = by_key(old, |m| m.object.as_str());
    let news = by_key(new, |m| m.object.as_str());
    let objects: BTreeSet<&str> = olds.keys().chain(news.keys()).copied().collect();
    for object in objects {
        let on = member_target(object, olds.get(object).or(news.get(object)).copied());
        let before = olds
            .get(object)
            .map_or((&[][..], &[][..]), |m| (&m.grants[..], &m.revoked[..]));
        let after = news
            .get(object)
            .map_or((&[][..], &[][..]), |m| (&m.grants[..], &m.revoked[..]));
        steps.extend(access::privileges(&on, Some(before), after));
    }
}

/// A member as GRANT names it: a routine when it has an argument list, a type when only
/// USAGE changes on it, else a table (which GRANT accepts for sequences too). The identity is
/// the server's, quoted as SQL already.
fn member_target(object: &str, member: Option<&MemberPrivileges>) -> String {
    if object.ends_with(')') {
        return format!("ROUTINE {object}");
    }
    let usage_only = member.is_some_and(|m| {
        m.grants
            .iter()
            .chain(&m.revoked)
            .flat_map(|g| &g.privileges)
            .all(|p| *p == crate::model::Privilege::Usage)
    });
    if usage_only {
        format!("TYPE {object}")
    } else {
        format!("TABLE {object}")
    }
}

// Types

/// `TYPE s.t`, or `DOMAIN s.t` for a domain: how ALTER, COMMENT and GRANT name it.
fn type_target(ty: &TypeDef) -> String {
    let keyword = if ty.kind == "domain" {
        "DOMAIN"
    } else {
        "TYPE"
    };
    format!("{keyword} {}", qualified(&ty.schema, &ty.name))
}

/// Whether the old type cannot become the new one in place.
fn replaced(prev: &TypeDef, next: &TypeDef) -> bool {
    if prev.kind != next.kind {
        return true;
    }
    match next.kind.as_str() {
        "enum" => enum_change(&prev.labels, &next.labels).is_none(),
        "domain" => prev.base_type != next.base_type || prev.collation != next.collation,
        "range" => prev.subtype != next.subtype || prev.collation != next.collation,
        "composite" => attribute_changes(&prev.attributes, &next.attributes).is_none(),
        _ => false,
    }
}

/// How an enum's labels change in place: labels added (each with the label it goes before or
/// after), or labels renamed where they stand. `None` when labels are removed or reordered.
enum EnumChange {
    Add(Vec<String>),
    Rename(Vec<(String, String)>),
}

fn enum_change(old: &[String], new: &[String]) -> Option<EnumChange> {
    let mut rest = old.iter().peekable();
    for label in new {
        if rest.peek() == Some(&label) {
            rest.next();
        }
    }
    if rest.peek().is_none() {
        let mut clauses = Vec::new();
        for (i, label) in new.iter().enumerate() {
            if old.contains(label) {
                continue;
            }
            let place = match (i.checked_sub(1).map(|p| &new[p]), new.get(i + 1)) {
                (Some(previous), _) => format!(" AFTER {}", literal(previous)),
                (None, Some(following)) => format!(" BEFORE {}", literal(following)),
                (None, None) => String::new(),
            };
            clauses.push(format!("{}{place}", literal(label)));
        }
        return Some(EnumChange::Add(clauses));
    }
    if old.len() != new.len() {
        return None;
    }
    let renames: Vec<(String, String)> = old
        .iter()
        .zip(new)
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.clone(), b.clone()))
        .collect();
    let clean = renames
        .iter()
        .all(|(from, to)| !new.contains(from) && !old.contains(to));
    clean.then_some(EnumChange::Rename(renames))
}

/// The attribute changes that turn one composite into another in place: `None` when the
/// attributes that stay would change order.
fn attribute_changes(old: &[Column], new: &[Column]) -> Option<Vec<String>> {
    let kept_old: Vec<&str> = old
        .iter()
        .filter(|a| new.iter().any(|b| b.name == a.name))
        .map(|a| a.name.as_str())
        .collect();
    let kept_new: Vec<&str> = new
        .iter()
        .filter(|b| old.iter().any(|a| a.name == b.name))
        .map(|b| b.name.as_str())
        .collect();
    let added_last = new
        .iter()
        .skip_while(|b| old.iter().any(|a| a.name == b.name))
        .all(|b| !old.iter().any(|a| a.name == b.name));
    if kept_old != kept_new || !added_last {
        return None;
    }
    let mut clauses = Vec::new();
    for attribute in old.iter().filter(|a| !new.iter().any(|b| b.name == a.name)) {
        clauses.push(format!("DROP ATTRIBUTE {}", quote_ident(&attribute.name)));
    }
    for attribute in new {
        match old.iter().find(|a| a.name == attribute.name) {
            None => clauses.push(format!("ADD ATTRIBUTE {}", attribute_sql(attribute))),
            Some(prev)
                if prev.data_type != attribute.data_type
                    || prev.collation != attribute.collation =>
            {
                clauses.push(format!(
                    "ALTER ATTRIBUTE {} TYPE {}{}",
                    quote_ident(&attribute.name),
                    attribute.data_type,
                    collate(attribute.collation.as_deref())
                ));
            }
            Some(_) => {}
        }
    }
    Some(clauses)
}

fn collate(collation: Option<&str>) -> String {
    collation.map_or_else(String::new, |c| format!(" COLLATE {c}"))
}

fn attribute_sql(attribute: &Column) -> String {
    format!(
        "{} {}{}",
        quote_ident(&attribute.name),
        attribute.data_type,
        collate(attribute.collation.as_deref())
    )
}

/// The `CREATE` statement of a type (a domain's `NOT VALID` constraints are added after it).
fn create_type(ty: &TypeDef) -> String {
    let target = qualified(&ty.schema, &ty.name);
    match ty.kind.as_str() {
        "enum" => format!(
            "CREATE TYPE {target} AS ENUM ({})",
            ty.labels
                .iter()
                .map(|l| literal(l))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        "domain" => {
            let mut sql = format!(
                "CREATE DOMAIN {target} AS {}{}",
                ty.base_type.as_deref().unwrap_or_default(),
                collate(ty.collation.as_deref())
            );
            if let Some(default) = &ty.default {
                sql.push_str(&format!(" DEFAULT {default}"));
            }
            if ty.not_null {
                sql.push_str(" NOT NULL");
            }
            for constraint in ty.constraints.iter().filter(|c| !not_valid(c)) {
                sql.push_str(&format!(
                    " CONSTRAINT {} {}",
                    quote_ident(&constraint.name),
                    constraint.definition
                ));
            }
            sql
        }
        "range" => {
            let mut sql = format!(
                "CREATE TYPE {target} AS RANGE (SUBTYPE = {}",
                ty.subtype.as_deref().unwrap_or_default()
            );
            if let Some(collation) = &ty.collation {
                sql.push_str(&format!(", COLLATION = {collation}"));
            }
            sql.push(')');
            sql
        }
        _ => format!(
            "CREATE TYPE {target} AS ({})",
            ty.attributes
                .iter()
                .map(attribute_sql)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn not_valid(constraint: &Constraint) -> bool {
    constraint.definition.ends_with(" NOT VALID")
}

fn types(old: &Database, new: &Database, steps: &mut Vec<Step>) {
    let olds = by_key(&old.types, |t| (t.schema.as_str(), t.name.as_str()));
    let news = by_key(&new.types, |t| (t.schema.as_str(), t.name.as_str()));
    for (key, next) in &news {
        match olds.get(key) {
            None => create_type_steps(old, next, steps),
            Some(prev) if replaced(prev, next) => replace_type(old, new, prev, next, steps),
            Some(prev) => alter_type(prev, next, steps),
        }
    }
    for (_, prev) in olds.iter().filter(|(k, _)| !news.contains_key(*k)) {
        steps.push(drop_type(prev, &qualified(&prev.schema, &prev.name)));
    }
}

fn drop_type(ty: &TypeDef, target: &str) -> Step {
    let keyword = if ty.kind == "domain" {
        "DOMAIN"
    } else {
        "TYPE"
    };
    Step::new(Rank::DropType, format!("DROP {keyword} {target}"))
        .removes(name(&ty.schema, &ty.name))
        .releases(&create_type(ty))
}

/// A type made from nothing: its statement, constraints added `NOT VALID`, attribute
/// comments, owner, comment and privileges.
fn create_type_steps(old: &Database, ty: &TypeDef, steps: &mut Vec<Step>) {
    let target = type_target(ty);
    steps.push(Step::new(Rank::CreateType, create_type(ty)).provides(name(&ty.schema, &ty.name)));
    for constraint in ty.constraints.iter().filter(|c| not_valid(c)) {
        steps.push(add_domain_constraint(ty, constraint));
    }
    for constraint in &ty.constraints {
        steps.extend(constraint_comment(ty, constraint, None));
    }
    for attribute in &ty.attributes {
        steps.extend(attribute_comment(ty, attribute, None));
    }
    steps.extend(access::owner(&target, None, &ty.owner));
    steps.extend(access::comment(&target, None, ty.comment.as_deref()));
    steps.extend(access::created_privileges(
        &target,
        "types",
        Some(&ty.schema),
        old,
        (&ty.grants, &ty.revoked),
    ));
}

fn add_domain_constraint(ty: &TypeDef, constraint: &Constraint) -> Step {
    let step = Step::new(
        Rank::CreateConstraint,
        format!(
            "ALTER DOMAIN {} ADD CONSTRAINT {} {}",
            qualified(&ty.schema, &ty.name),
            quote_ident(&constraint.name),
            constraint.definition
        ),
    );
    if not_valid(constraint) {
        step
    } else {
        step.hazard(
            HazardKind::DataLoss,
            format!(
                "fails if a stored value of domain {}.{} breaks constraint {}",
                ty.schema, ty.name, constraint.name
            ),
        )
        .hazard(HazardKind::Lock, domain_check(ty))
    }
}

/// What checking every stored value of a domain means.
fn domain_check(ty: &TypeDef) -> String {
    format!(
        "blocks writes to every table with a column of domain {}.{} while its rows are checked",
        ty.schema, ty.name
    )
}

fn constraint_comment(
    ty: &TypeDef,
    constraint: &Constraint,
    old: Option<&Constraint>,
) -> Option<Step> {
    access::comment(
        &format!(
            "CONSTRAINT {} ON DOMAIN {}",
            quote_ident(&constraint.name),
            qualified(&ty.schema, &ty.name)
        ),
        old.and_then(|c| c.comment.as_deref()),
        constraint.comment.as_deref(),
    )
}

fn attribute_comment(ty: &TypeDef, attribute: &Column, old: Option<&Column>) -> Option<Step> {
    access::comment(
        &format!(
            "COLUMN {}.{}",
            qualified(&ty.schema, &ty.name),
            quote_ident(&attribute.name)
        ),
        old.and_then(|a| a.comment.as_deref()),
        attribute.comment.as_deref(),
    )
}

/// The table columns (of tables on both sides, the same type on both) that hold `ty`, or
/// arrays of it.
fn retyped_columns<'a>(
    old: &'a Database,
    new: &'a Database,
    ty: &TypeDef,
) -> Vec<(&'a Table, &'a Column)> {
    let own = qualified(&ty.schema, &ty.name);
    let array = format!("{own}[]");
    let olds = by_key(&old.tables, |t| (t.schema.as_str(), t.name.as_str()));
    let mut found = Vec::new();
    // A partition's columns are its parent's, and change with them.
    for table in new.tables.iter().filter(|t| t.partition_of.is_none()) {
        let Some(prev) = olds.get(&(table.schema.as_str(), table.name.as_str())) else {
            continue;
        };
        for column in &table.columns {
            let same = prev
                .columns
                .iter()
                .any(|c| c.name == column.name && c.data_type == column.data_type);
            if same
                && (column.data_type == own || column.data_type == array)
                && !column.inherited_only
            {
                found.push((*prev, column));
            }
        }
    }
    found
}

/// A type that cannot change in place. When no table column holds it, it is dropped and
/// created again; otherwise the old one is renamed out of the way, the new one created, each
/// column converted (dropping and restoring its default, and the indexes, check constraints,
/// policies and triggers of its table that name the type or the column), and the old one
/// dropped last.
fn replace_type(
    old: &Database,
    new: &Database,
    prev: &TypeDef,
    next: &TypeDef,
    steps: &mut Vec<Step>,
) {
    let columns = retyped_columns(old, new, prev);
    if columns.is_empty() {
        steps.push(drop_type(prev, &qualified(&prev.schema, &prev.name)));
        create_type_steps(old, next, steps);
        return;
    }
    let aside = format!("{}__replaced", prev.name);
    let keyword = if prev.kind == "domain" {
        "DOMAIN"
    } else {
        "TYPE"
    };
    steps.push(
        Step::new(
            Rank::DropType,
            format!(
                "ALTER {keyword} {} RENAME TO {}",
                qualified(&prev.schema, &prev.name),
                quote_ident(&aside)
            ),
        )
        .removes(name(&prev.schema, &prev.name)),
    );
    create_type_steps(old, next, steps);
    let own = qualified(&next.schema, &next.name);
    let aside_name = qualified(&prev.schema, &aside);
    let new_tables = by_key(&new.tables, |t| (t.schema.as_str(), t.name.as_str()));
    let mut tables_done: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (table, column) in &columns {
        let Some(new_table) = new_tables.get(&(table.schema.as_str(), table.name.as_str())) else {
            continue;
        };
        let target = qualified(&table.schema, &table.name);
        let col = quote_ident(&column.name);
        let prev_column = table.columns.iter().find(|c| c.name == column.name);
        let cast = if column.data_type.ends_with("[]") {
            format!("{col}::text[]::{own}[]")
        } else if next.kind == "enum" {
            format!("{col}::text::{own}")
        } else {
            format!("{col}::{own}")
        };
        let mut clauses = Vec::new();
        if prev_column.is_some_and(|c| c.default.is_some()) {
            clauses.push(format!("ALTER COLUMN {col} DROP DEFAULT"));
        }
        clauses.push(format!(
            "ALTER COLUMN {col} TYPE {} USING {cast}",
            column.data_type
        ));
        if let Some(default) = &column.default {
            clauses.push(format!("ALTER COLUMN {col} SET DEFAULT {default}"));
        }
        let who = format!("{}.{}.{}", table.schema, table.name, column.name);
        steps.push(
            Step::new(
                Rank::AlterTable,
                format!("ALTER TABLE {target} {}", clauses.join(", ")),
            )
            .provides(name(&table.schema, &table.name))
            .removes(name(&table.schema, &table.name))
            .releases(&aside_name)
            .hazard(
                HazardKind::DataLoss,
                format!(
                    "fails if a row holds a value {}.{} no longer allows, in {who}",
                    next.schema, next.name
                ),
            )
            .hazard(
                HazardKind::Lock,
                format!(
                    "takes an ACCESS EXCLUSIVE lock on {}.{}",
                    table.schema, table.name
                ),
            )
            .hazard(
                HazardKind::Rewrite,
                format!("rewrites {}.{} to convert {who}", table.schema, table.name),
            ),
        );
        if tables_done.insert((table.schema.as_str(), table.name.as_str())) {
            let words: Vec<&str> = columns
                .iter()
                .filter(|(t, _)| t.schema == table.schema && t.name == table.name)
                .map(|(_, c)| c.name.as_str())
                .collect();
            rebuild_table_parts(table, new_table, &own, &words, steps);
        }
    }
    steps.push(
        Step::new(Rank::DropType, format!("DROP {keyword} {aside_name}"))
            .removes(name(&prev.schema, &aside)),
    );
}

/// Whether `text` names `word` as an identifier (bare or quoted), or holds `type_name`.
fn names(text: &str, type_name: &str, words: &[&str]) -> bool {
    if text.contains(type_name) {
        return true;
    }
    words.iter().any(|word| {
        let quoted = quote_ident(word);
        text.match_indices(quoted.as_str()).any(|(i, m)| {
            let before = text[..i].chars().next_back();
            let after = text[i + m.len()..].chars().next();
            let edge = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            edge(before) && edge(after)
        })
    })
}

/// Drops, before a column of `table` changes to a replacement type, what of the table names
/// the type or the column and keeps PostgreSQL from changing it (indexes, check constraints,
/// policies, triggers), and makes each again from `new_table` after. Parts whose definition
/// differs between the sides are left to the table's own changes.
fn rebuild_table_parts(
    table: &Table,
    new_table: &Table,
    type_name: &str,
    words: &[&str],
    steps: &mut Vec<Step>,
) {
    let target = qualified(&table.schema, &table.name);
    let table_name = name(&table.schema, &table.name);
    let label = format!("{}.{}", table.schema, table.name);
    for index in &table.indexes {
        let Some(next) = new_table.indexes.iter().find(|i| i.name == index.name) else {
            continue;
        };
        if next.definition != index.definition || !names(&index.definition, type_name, words) {
            continue;
        }
        let index_name = qualified(&table.schema, &index.name);
        steps.push(
            Step::new(Rank::DropIndex, format!("DROP INDEX {index_name}"))
                .releases(&index.definition),
        );
        steps.push(
            Step::new(Rank::CreateIndex, next.definition.clone())
                .needs(table_name.clone())
                .hazard(
                    HazardKind::IndexBuild,
                    format!("builds index {} on {label} again", index.name),
                ),
        );
        if let Some(text) = &next.comment {
            steps.extend(access::comment(
                &format!("INDEX {index_name}"),
                None,
                Some(text),
            ));
        }
    }
    for constraint in &table.constraints {
        let Some(next) = new_table
            .constraints
            .iter()
            .find(|c| c.name == constraint.name)
        else {
            continue;
        };
        if constraint.constraint_type != "check"
            || next.definition != constraint.definition
            || !constraint.definition.contains(type_name)
        {
            continue;
        }
        let constraint_name = quote_ident(&constraint.name);
        steps.push(
            Step::new(
                Rank::DropConstraint,
                format!("ALTER TABLE {target} DROP CONSTRAINT {constraint_name}"),
            )
            .releases(&target),
        );
        steps.push(
            Step::new(
                Rank::CreateConstraint,
                format!(
                    "ALTER TABLE {target} ADD CONSTRAINT {constraint_name} {}",
                    next.definition
                ),
            )
            .hazard(
                HazardKind::Lock,
                format!("checks every row of {label} again under an ACCESS EXCLUSIVE lock"),
            ),
        );
        if let Some(text) = &next.comment {
            steps.extend(access::comment(
                &format!("CONSTRAINT {constraint_name} ON {target}"),
                None,
                Some(text),
            ));
        }
    }
    for policy in &table.policies {
        let Some(next) = new_table.policies.iter().find(|p| p.name == policy.name) else {
            continue;
        };
        let uses = [&policy.using, &policy.with_check]
            .into_iter()
            .flatten()
            .any(|e| names(e, type_name, words));
        let same = Policy {
            comment: policy.comment.clone(),
            ..next.clone()
        } == *policy;
        if !same || !uses {
            continue;
        }
        let policy_name = quote_ident(&policy.name);
        steps.push(
            Step::new(
                Rank::DropPolicy,
                format!("DROP POLICY {policy_name} ON {target}"),
            )
            .releases(&target)
            .hazard(
                HazardKind::Access,
                format!(
                    "policy {} on {label} is off until it is made again",
                    policy.name
                ),
            ),
        );
        let mut sql = format!(
            "CREATE POLICY {policy_name} ON {target} AS {} FOR {} TO {}",
            next.mode.to_uppercase(),
            next.command.to_uppercase(),
            next.roles
                .iter()
                .map(|r| access::role(r))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Some(using) = &next.using {
            sql.push_str(&format!(" USING ({using})"));
        }
        if let Some(check) = &next.with_check {
            sql.push_str(&format!(" WITH CHECK ({check})"));
        }
        steps.push(Step::new(Rank::CreatePolicy, sql).hazard(
            HazardKind::Access,
            format!("policy {} on {label}", policy.name),
        ));
        if let Some(text) = &next.comment {
            steps.extend(access::comment(
                &format!("POLICY {policy_name} ON {target}"),
                None,
                Some(text),
            ));
        }
    }
    for trigger in &table.triggers {
        let Some(next) = new_table.triggers.iter().find(|t| t.name == trigger.name) else {
            continue;
        };
        if next.definition != trigger.definition || !names(&trigger.definition, type_name, words) {
            continue;
        }
        let trigger_name = quote_ident(&trigger.name);
        steps.push(
            Step::new(
                Rank::DropTrigger,
                format!("DROP TRIGGER {trigger_name} ON {target}"),
            )
            .releases(&trigger.definition),
        );
        steps.push(Step::new(Rank::CreateTrigger, next.definition.clone()));
        let enable = match next.enabled.as_str() {
            "disabled" => Some("DISABLE"),
            "replica" => Some("ENABLE REPLICA"),
            "always" => Some("ENABLE ALWAYS"),
            _ => None,
        };
        if let Some(enable) = enable {
            steps.push(Step::new(
                Rank::CreateTrigger,
                format!("ALTER TABLE {target} {enable} TRIGGER {trigger_name}"),
            ));
        }
        if let Some(text) = &next.comment {
            steps.extend(access::comment(
                &format!("TRIGGER {trigger_name} ON {target}"),
                None,
                Some(text),
            ));
        }
    }
}

/// The in-place changes of a type on both sides.
fn alter_type(prev: &TypeDef, next: &TypeDef, steps: &mut Vec<Step>) {
    let target = type_target(next);
    let own = qualified(&next.schema, &next.name);
    let provides = name(&next.schema, &next.name);
    match next.kind.as_str() {
        "enum" => match enum_change(&prev.labels, &next.labels) {
            Some(EnumChange::Add(clauses)) => {
                for clause in clauses {
                    steps.push(
                        Step::new(
                            Rank::CreateType,
                            format!("ALTER TYPE {own} ADD VALUE {clause}"),
                        )
                        .provides(provides.clone())
                        .outside_transaction(),
                    );
                }
            }
            Some(EnumChange::Rename(renames)) => {
                for (from, to) in renames {
                    steps.push(
                        Step::new(
                            Rank::CreateType,
                            format!(
                                "ALTER TYPE {own} RENAME VALUE {} TO {}",
                                literal(&from),
                                literal(&to)
                            ),
                        )
                        .provides(provides.clone()),
                    );
                }
            }
            None => {}
        },
        "domain" => alter_domain(prev, next, steps),
        "composite" => {
            for clause in attribute_changes(&prev.attributes, &next.attributes).unwrap_or_default()
            {
                let mut step = Step::new(Rank::CreateType, format!("ALTER TYPE {own} {clause}"))
                    .provides(provides.clone());
                if !clause.starts_with("ADD ") {
                    step = step.hazard(
                        HazardKind::DataLoss,
                        format!(
                            "{clause} on {}.{} changes or loses the values stored in it",
                            next.schema, next.name
                        ),
                    );
                }
                steps.push(step);
            }
            for attribute in &next.attributes {
                let before = prev.attributes.iter().find(|a| a.name == attribute.name);
                steps.extend(attribute_comment(next, attribute, before));
            }
        }
        _ => {}
    }
    steps.extend(access::owner(&target, Some(&prev.owner), &next.owner));
    steps.extend(access::comment(
        &target,
        prev.comment.as_deref(),
        next.comment.as_deref(),
    ));
    steps.extend(access::privileges(
        &target,
        Some((&prev.grants, &prev.revoked)),
        (&next.grants, &next.revoked),
    ));
}

fn alter_domain(prev: &TypeDef, next: &TypeDef, steps: &mut Vec<Step>) {
    let own = qualified(&next.schema, &next.name);
    let label = format!("{}.{}", next.schema, next.name);
    let provides = name(&next.schema, &next.name);
    if prev.default != next.default {
        let sql = match &next.default {
            Some(default) => format!("ALTER DOMAIN {own} SET DEFAULT {default}"),
            None => format!("ALTER DOMAIN {own} DROP DEFAULT"),
        };
        steps.push(Step::new(Rank::CreateType, sql).provides(provides.clone()));
    }
    if prev.not_null != next.not_null {
        let step = if next.not_null {
            Step::new(
                Rank::CreateConstraint,
                format!("ALTER DOMAIN {own} SET NOT NULL"),
            )
            .hazard(
                HazardKind::DataLoss,
                format!("fails if a column of domain {label} holds a NULL"),
            )
            .hazard(HazardKind::Lock, domain_check(next))
        } else {
            Step::new(
                Rank::DropConstraint,
                format!("ALTER DOMAIN {own} DROP NOT NULL"),
            )
        };
        steps.push(step.provides(provides.clone()));
    }
    let olds = by_key(&prev.constraints, |c| c.name.as_str());
    let news = by_key(&next.constraints, |c| c.name.as_str());
    let gone: Vec<&Constraint> = prev
        .constraints
        .iter()
        .filter(|c| !news.contains_key(c.name.as_str()))
        .collect();
    let mut renamed: BTreeSet<&str> = BTreeSet::new();
    for constraint in &next.constraints {
        match olds.get(constraint.name.as_str()) {
            Some(before) if before.definition == constraint.definition => {
                steps.extend(constraint_comment(next, constraint, Some(before)));
            }
            Some(before) if before.definition == format!("{} NOT VALID", constraint.definition) => {
                steps.push(
                    Step::new(
                        Rank::CreateConstraint,
                        format!(
                            "ALTER DOMAIN {own} VALIDATE CONSTRAINT {}",
                            quote_ident(&constraint.name)
                        ),
                    )
                    .hazard(
                        HazardKind::DataLoss,
                        format!(
                            "fails if a stored value of domain {label} breaks constraint {}",
                            constraint.name
                        ),
                    )
                    .hazard(HazardKind::Lock, domain_check(next)),
                );
                steps.extend(constraint_comment(next, constraint, Some(before)));
            }
            Some(before) => {
                steps.push(drop_domain_constraint(next, before));
                steps.push(add_domain_constraint(next, constraint));
                steps.extend(constraint_comment(next, constraint, None));
            }
            None => {
                let twin = gone.iter().find(|c| {
                    c.definition == constraint.definition && !renamed.contains(c.name.as_str())
                });
                match twin {
                    Some(before) => {
                        renamed.insert(before.name.as_str());
                        steps.push(Step::new(
                            Rank::CreateConstraint,
                            format!(
                                "ALTER DOMAIN {own} RENAME CONSTRAINT {} TO {}",
                                quote_ident(&before.name),
                                quote_ident(&constraint.name)
                            ),
                        ));
                        steps.extend(constraint_comment(next, constraint, Some(before)));
                    }
                    None => {
                        steps.push(add_domain_constraint(next, constraint));
                        steps.extend(constraint_comment(next, constraint, None));
                    }
                }
            }
        }
    }
    for before in gone.iter().filter(|c| !renamed.contains(c.name.as_str())) {
        steps.push(drop_domain_constraint(next, before));
    }
}

fn drop_domain_constraint(ty: &TypeDef, constraint: &Constraint) -> Step {
    Step::new(
        Rank::DropConstraint,
        format!(
            "ALTER DOMAIN {} DROP CONSTRAINT {}",
            qualified(&ty.schema, &ty.name),
            quote_ident(&constraint.name)
        ),
    )
    .releases(&constraint.definition)
}

// Sequences

fn sequence_sql(sequence: &Sequence) -> String {
    format!(
        "CREATE SEQUENCE {} AS {} INCREMENT BY {} MINVALUE {} MAXVALUE {} START WITH {} CACHE {}{}",
        qualified(&sequence.schema, &sequence.name),
        sequence.data_type,
        sequence.increment,
        sequence.min,
        sequence.max,
        sequence.start,
        sequence.cache,
        if sequence.cycle {
            " CYCLE"
        } else {
            " NO CYCLE"
        }
    )
}

/// Everything of a sequence but its name.
fn same_definition(a: &Sequence, b: &Sequence) -> bool {
    Sequence {
        name: b.name.clone(),
        ..a.clone()
    } == *b
}

/// `schema.table` of an `OWNED BY schema.table.column`.
fn owning_table(owned_by: &str) -> Vec<Name> {
    super::order::mentions(owned_by)
        .into_iter()
        .take(1)
        .collect()
}

fn sequences(old: &Database, new: &Database, steps: &mut Vec<Step>) {
    let olds = by_key(&old.sequences, |s| (s.schema.as_str(), s.name.as_str()));
    let news = by_key(&new.sequences, |s| (s.schema.as_str(), s.name.as_str()));
    let gone: Vec<&Sequence> = old
        .sequences
        .iter()
        .filter(|s| !news.contains_key(&(s.schema.as_str(), s.name.as_str())))
        .collect();
    let added: Vec<&Sequence> = new
        .sequences
        .iter()
        .filter(|s| !olds.contains_key(&(s.schema.as_str(), s.name.as_str())))
        .collect();
    let mut renamed: BTreeSet<(&str, &str)> = BTreeSet::new();
    for next in &added {
        let twins: Vec<&&Sequence> = gone
            .iter()
            .filter(|s| s.schema == next.schema && same_definition(s, next))
            .collect();
        let unique = twins.len() == 1
            && added
                .iter()
                .filter(|s| s.schema == next.schema && same_definition(twins[0], s))
                .count()
                == 1;
        if unique {
            let prev = twins[0];
            renamed.insert((prev.schema.as_str(), prev.name.as_str()));
            steps.push(
                Step::new(
                    Rank::CreateSequence,
                    format!(
                        "ALTER SEQUENCE {} RENAME TO {}",
                        qualified(&prev.schema, &prev.name),
                        quote_ident(&next.name)
                    ),
                )
                .removes(name(&prev.schema, &prev.name))
                .provides(name(&next.schema, &next.name)),
            );
        } else {
            create_sequence(old, next, steps);
        }
    }
    for (key, next) in &news {
        if let Some(prev) = olds.get(key) {
            alter_sequence(prev, next, steps);
        }
    }
    for prev in gone
        .iter()
        .filter(|s| !renamed.contains(&(s.schema.as_str(), s.name.as_str())))
    {
        steps.push(drop_sequence(old, prev));
    }
}

fn create_sequence(old: &Database, sequence: &Sequence, steps: &mut Vec<Step>) {
    let target = format!("SEQUENCE {}", qualified(&sequence.schema, &sequence.name));
    steps.push(
        Step::new(Rank::CreateSequence, sequence_sql(sequence))
            .provides(name(&sequence.schema, &sequence.name)),
    );
    match &sequence.owned_by {
        // A sequence owned by a column has its table's owner: a table the plan creates
        // passes its owner on when it gets it, one that exists already needs it first.
        Some(owned_by) => {
            let table = owning_table(owned_by);
            let exists = old
                .tables
                .iter()
                .any(|t| table.contains(&name(&t.schema, &t.name)));
            if exists {
                steps.extend(owner_first(&target, None, &sequence.owner));
            }
            steps.push(owned_by_step(sequence, owned_by));
        }
        None => steps.extend(access::owner(&target, None, &sequence.owner)),
    }
    steps.extend(access::comment(&target, None, sequence.comment.as_deref()));
    steps.extend(access::created_privileges(
        &target,
        "sequences",
        Some(&sequence.schema),
        old,
        (&sequence.grants, &sequence.revoked),
    ));
}

/// The owner change of a sequence about to be owned by a column: before `OWNED BY`, which
/// needs the table's owner.
fn owner_first(target: &str, old: Option<&str>, new: &str) -> Option<Step> {
    access::owner(target, old, new).map(|mut step| {
        step.rank = Rank::CreateSequence;
        step
    })
}

fn owned_by_step(sequence: &Sequence, owned_by: &str) -> Step {
    Step::new(
        Rank::CreateSequence,
        format!(
            "ALTER SEQUENCE {} OWNED BY {owned_by}",
            qualified(&sequence.schema, &sequence.name)
        ),
    )
}

/// `DROP SEQUENCE`, after every change to a table of `old` whose column defaults call it. A
/// sequence owned by a column may already be gone with its table or column.
fn drop_sequence(old: &Database, sequence: &Sequence) -> Step {
    let own = qualified(&sequence.schema, &sequence.name);
    let call = format!("{}::regclass", literal(&own));
    let exists = if sequence.owned_by.is_some() {
        " IF EXISTS"
    } else {
        ""
    };
    let mut step = Step::new(Rank::DropSequence, format!("DROP SEQUENCE{exists} {own}"))
        .removes(name(&sequence.schema, &sequence.name))
        .hazard(
            HazardKind::DataLoss,
            format!(
                "drops sequence {}.{} and its current value",
                sequence.schema, sequence.name
            ),
        );
    for table in &old.tables {
        let calls = table
            .columns
            .iter()
            .any(|c| c.default.as_deref().is_some_and(|d| d.contains(&call)));
        if calls {
            step = step.needs(name(&table.schema, &table.name));
        }
    }
    step
}

fn alter_sequence(prev: &Sequence, next: &Sequence, steps: &mut Vec<Step>) {
    let own = qualified(&next.schema, &next.name);
    let target = format!("SEQUENCE {own}");
    let label = format!("{}.{}", next.schema, next.name);
    let mut clauses = Vec::new();
    if prev.data_type != next.data_type {
        clauses.push(format!("AS {}", next.data_type));
    }
    if prev.increment != next.increment {
        clauses.push(format!("INCREMENT BY {}", next.increment));
    }
    // A new type resets bounds that were its old type's, so they are always given with it.
    if prev.min != next.min || prev.data_type != next.data_type {
        clauses.push(format!("MINVALUE {}", next.min));
    }
    if prev.max != next.max || prev.data_type != next.data_type {
        clauses.push(format!("MAXVALUE {}", next.max));
    }
    if prev.start != next.start {
        clauses.push(format!("START WITH {}", next.start));
    }
    if prev.cache != next.cache {
        clauses.push(format!("CACHE {}", next.cache));
    }
    if prev.cycle != next.cycle {
        clauses.push(if next.cycle { "CYCLE" } else { "NO CYCLE" }.to_string());
    }
    if !clauses.is_empty() {
        let mut step = Step::new(
            Rank::CreateSequence,
            format!("ALTER SEQUENCE {own} {}", clauses.join(" ")),
        )
        .provides(name(&next.schema, &next.name));
        if next.min > prev.min || next.max < prev.max {
            step = step.hazard(
                HazardKind::DataLoss,
                format!("fails if the current value of {label} lies outside its new bounds"),
            );
        }
        steps.push(step);
    }
    if prev.owned_by != next.owned_by {
        let prev_table = prev.owned_by.as_deref().map(owning_table);
        let next_table = next.owned_by.as_deref().map(owning_table);
        if let Some(before) = prev_table.filter(|t| Some(t) != next_table.as_ref()) {
            let mut step = Step::new(
                Rank::CreateSequence,
                format!("ALTER SEQUENCE {own} OWNED BY NONE"),
            );
            step.releases.extend(before);
            steps.push(step);
        }
        if let Some(owned_by) = &next.owned_by {
            if prev.owned_by.is_none() {
                steps.extend(owner_first(&target, Some(&prev.owner), &next.owner));
            }
            steps.push(owned_by_step(next, owned_by));
        }
    }
    if next.owned_by.is_none() {
        steps.extend(access::owner(&target, Some(&prev.owner), &next.owner));
    }
    steps.extend(access::comment(
        &target,
        prev.comment.as_deref(),
        next.comment.as_deref(),
    ));
    steps.extend(access::privileges(
        &target,
        Some((&prev.grants, &prev.revoked)),
        (&next.grants, &next.revoked),
    ));
}

// Functions

fn function_key(function: &Function) -> (&str, &str, &str) {
    (
        function.schema.as_str(),
        function.name.as_str(),
        function.identity_arguments.as_str(),
    )
}

/// `FUNCTION s.f(integer)`, `PROCEDURE …` or `AGGREGATE …`: how ALTER, COMMENT and DROP name it.
fn routine_target(function: &Function) -> String {
    let keyword = match function.kind.as_str() {
        "procedure" => "PROCEDURE",
        "aggregate" => "AGGREGATE",
        _ => "FUNCTION",
    };
    format!("{keyword} {}", signature(function))
}

/// How GRANT names it: aggregates are granted as functions.
fn grant_target(function: &Function) -> String {
    let keyword = if function.kind == "procedure" {
        "PROCEDURE"
    } else {
        "FUNCTION"
    };
    format!("{keyword} {}", signature(function))
}

fn signature(function: &Function) -> String {
    format!(
        "{}({})",
        qualified(&function.schema, &function.name),
        function.identity_arguments
    )
}

/// Whether the old function cannot become the new one by `CREATE OR REPLACE`: another kind,
/// result or argument list (names and defaults included), or an aggregate changed at all.
fn function_replaced(prev: &Function, next: &Function) -> bool {
    if prev.definition == next.definition {
        return false;
    }
    prev.kind != next.kind
        || prev.kind == "aggregate"
        || prev.returns != next.returns
        || prev.definition.first() != next.definition.first()
}

fn functions(old: &Database, new: &Database, context: &Context, steps: &mut Vec<Step>) {
    let olds = by_key(&old.functions, function_key);
    let news = by_key(&new.functions, function_key);
    for (key, next) in &news {
        match olds.get(key) {
            None => create_function(old, next, steps),
            Some(prev)
                if function_replaced(prev, next)
                    || context.rebuild.contains(&name(&next.schema, &next.name)) =>
            {
                steps.push(drop_function(prev));
                create_function(old, next, steps);
            }
            Some(prev) => alter_function(prev, next, steps),
        }
    }
    for (_, prev) in olds.iter().filter(|(k, _)| !news.contains_key(*k)) {
        steps.push(drop_function(prev));
    }
}

fn security_definer(function: &Function) -> Option<String> {
    function.security_definer.then(|| {
        format!(
            "{}.{} runs with the privileges of its owner {} (SECURITY DEFINER)",
            function.schema, function.name, function.owner
        )
    })
}

fn create_function(old: &Database, function: &Function, steps: &mut Vec<Step>) {
    let mut step = Step::new(Rank::CreateFunction, statement(&function.definition))
        .provides(name(&function.schema, &function.name));
    if let Some(detail) = security_definer(function) {
        step = step.hazard(HazardKind::Access, detail);
    }
    steps.push(step);
    let target = routine_target(function);
    steps.extend(access::owner(&target, None, &function.owner));
    steps.extend(access::comment(&target, None, function.comment.as_deref()));
    steps.extend(access::created_privileges(
        &grant_target(function),
        "functions",
        Some(&function.schema),
        old,
        (&function.grants, &function.revoked),
    ));
}

fn drop_function(function: &Function) -> Step {
    Step::new(
        Rank::DropFunction,
        format!("DROP {}", routine_target(function)),
    )
    .removes(name(&function.schema, &function.name))
    .releases(&statement(&function.definition))
}

fn alter_function(prev: &Function, next: &Function, steps: &mut Vec<Step>) {
    if prev.definition != next.definition {
        let mut step = Step::new(Rank::CreateFunction, statement(&next.definition))
            .provides(name(&next.schema, &next.name))
            .releases(&statement(&prev.definition));
        if !prev.security_definer {
            if let Some(detail) = security_definer(next) {
                step = step.hazard(HazardKind::Access, detail);
            }
        }
        steps.push(step);
    }
    let target = routine_target(next);
    steps.extend(access::owner(&target, Some(&prev.owner), &next.owner));
    steps.extend(access::comment(
        &target,
        prev.comment.as_deref(),
        next.comment.as_deref(),
    ));
    steps.extend(access::privileges(
        &grant_target(next),
        Some((&prev.grants, &prev.revoked)),
        (&next.grants, &next.revoked),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(list: &[&str]) -> Vec<String> {
        list.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn new_labels_go_where_they_stand_and_removed_ones_replace_the_enum() {
        let Some(EnumChange::Add(clauses)) =
            enum_change(&labels(&["b", "d"]), &labels(&["a", "b", "c", "d", "e"]))
        else {
            panic!("labels only added");
        };
        assert_eq!(
            clauses,
            ["'a' BEFORE 'b'", "'c' AFTER 'b'", "'e' AFTER 'd'"]
        );
        let Some(EnumChange::Rename(renames)) =
            enum_change(&labels(&["sad", "ok"]), &labels(&["sad", "fine"]))
        else {
            panic!("a label renamed");
        };
        assert_eq!(renames, [("ok".to_string(), "fine".to_string())]);
        assert!(enum_change(&labels(&["a", "b"]), &labels(&["a"])).is_none());
        assert!(enum_change(&labels(&["a", "b"]), &labels(&["b", "a"])).is_none());
    }

    #[test]
    fn extension_members_are_granted_as_routines_types_or_tables() {
        let usage = MemberPrivileges {
            object: "public.citext".into(),
            grants: vec![crate::model::Grant {
                grantee: "reader".into(),
                column: None,
                privileges: vec![crate::model::Privilege::Usage],
                with_grant_option: false,
            }],
            revoked: Vec::new(),
        };
        assert_eq!(
            member_target("public.digest(pg_catalog.text,pg_catalog.text)", None),
            "ROUTINE public.digest(pg_catalog.text,pg_catalog.text)"
        );
        assert_eq!(
            member_target("public.citext", Some(&usage)),
            "TYPE public.citext"
        );
        let mut select = usage.clone();
        select.grants[0].privileges = vec![crate::model::Privilege::Select];
        assert_eq!(
            member_target("public.config", Some(&select)),
            "TABLE public.config"
        );
    }

    #[test]
    fn a_sequence_is_created_with_every_option() {
        let sequence = Sequence {
            schema: "shop".into(),
            name: "invoice no".into(),
            owner: "postgres".into(),
            data_type: "integer".into(),
            start: 1000,
            increment: 10,
            min: 1,
            max: 999999,
            cache: 5,
            cycle: true,
            owned_by: None,
            comment: None,
            grants: Vec::new(),
            revoked: Vec::new(),
        };
        assert_eq!(
            sequence_sql(&sequence),
            "CREATE SEQUENCE shop.\"invoice no\" AS integer INCREMENT BY 10 MINVALUE 1 \
             MAXVALUE 999999 START WITH 1000 CACHE 5 CYCLE"
        );
    }
}
