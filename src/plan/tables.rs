//! Tables and what lives in their files: columns, constraints, indexes, row-level security,
//! policies, triggers, rules, statistics, partitions, inheritance, storage and privileges.
//!
//! A table the plan creates is planned as a change from the table its `CREATE TABLE` makes
//! (columns, inline checks, what a partition or inheritance child takes from its parent) to
//! the table wanted, so creating and altering share one diff. A table on both sides is
//! altered in place where PostgreSQL allows it, and dropped and created again where it does
//! not (a foreign table moved to another server, a new partition key, columns reordered, a
//! locally declared column or constraint made inherited only). A table gone and an otherwise
//! identical one added is renamed, and a column dropped and an otherwise identical one added
//! at the same position is renamed.
//!
//! What a parent does to its partitions and inheritance children (columns added, dropped,
//! renamed or retyped, foreign keys and checks) is planned on the parent only; the children's
//! own plans start from the state the parent's statements leave them in. A brand-new table is
//! empty and unused, so its statements carry no lock, rewrite, index build or data loss
//! hazard; grants, policies and row-level security on it still change access.

use std::collections::{HashMap, HashSet};

use super::access::{self, literal};
use super::order::mentions;
use super::step::{name, HazardKind, Name, Rank, Step};
use super::Context;
use crate::model::{
    qualified, quote_ident, Column, Constraint, Database, Identity, Index, Policy, Rule,
    Statistics, Table,
};

/// The statements for every table that differs between the sides.
pub fn steps(old: &Database, new: &Database, context: &Context) -> Vec<Step> {
    let renames = renamed_tables(old, new);
    let old_tables: Vec<Table> = old
        .tables
        .iter()
        .map(|t| following_renames(t, &renames))
        .collect();
    let sides = Sides {
        old: &old_tables,
        new: &new.tables,
        online: context.options.online,
        defaults: old,
    };
    let mut steps = Vec::new();
    for (from, to) in &renames {
        steps.push(rename_table(from, to));
    }
    for table in &new.tables {
        match sides.old_table(&table.schema, &table.name) {
            Some(before) if replaced(before, table) => {
                steps.extend(drop_table(before));
                steps.extend(create_table(table, &sides));
            }
            Some(before) => steps.extend(alter_table(before, table, &sides, false)),
            None => steps.extend(create_table(table, &sides)),
        }
    }
    for table in &old_tables {
        if sides.new_table(&table.schema, &table.name).is_none() {
            steps.extend(drop_table(table));
        }
    }
    steps
}

/// The tables whose change a view or function using them cannot survive, each with the
/// columns it is about: `None` when the whole table is made again, else the columns dropped or
/// given another type or collation (PostgreSQL refuses either while a view uses the column,
/// and allows it while none does).
pub fn invalidated(old: &Database, new: &Database) -> Vec<(Name, Option<Vec<String>>)> {
    let mut names = Vec::new();
    for table in &new.tables {
        let Some(before) = old
            .tables
            .iter()
            .find(|t| t.schema == table.schema && t.name == table.name)
        else {
            continue;
        };
        let here = name(&table.schema, &table.name);
        if replaced(before, table) {
            names.push((here, None));
            continue;
        }
        let renames = column_renames(before, table);
        let columns: Vec<String> = before
            .columns
            .iter()
            .filter(|c| {
                let now = renames
                    .iter()
                    .find(|(from, _)| from == &c.name)
                    .map_or(c.name.as_str(), |(_, to)| to.as_str());
                table
                    .columns
                    .iter()
                    .find(|n| n.name == now)
                    .map_or(true, |n| {
                        n.data_type != c.data_type || n.collation != c.collation
                    })
            })
            .map(|c| c.name.clone())
            .collect();
        if !columns.is_empty() {
            names.push((here, Some(columns)));
        }
    }
    names
}

/// Both sides' tables, the old ones already following the tables renamed.
struct Sides<'a> {
    old: &'a [Table],
    new: &'a [Table],
    online: bool,
    /// The schema the plan runs against, whose default privileges new tables get.
    defaults: &'a Database,
}

impl Sides<'_> {
    fn old_table(&self, schema: &str, table: &str) -> Option<&Table> {
        self.old
            .iter()
            .find(|t| t.schema == schema && t.name == table)
    }

    fn new_table(&self, schema: &str, table: &str) -> Option<&Table> {
        self.new
            .iter()
            .find(|t| t.schema == schema && t.name == table)
    }

    /// A table by its qualified name as the catalog prints it (`shop.events`).
    fn by_qualified<'t>(tables: &'t [Table], text: &str) -> Option<&'t Table> {
        tables
            .iter()
            .find(|t| qualified(&t.schema, &t.name) == text)
    }

    /// The partition parent and inheritance parents of `table` on one side.
    fn parents<'t>(tables: &'t [Table], table: &Table) -> Vec<&'t Table> {
        table
            .partition_of
            .iter()
            .chain(&table.inherits)
            .filter_map(|p| Self::by_qualified(tables, p))
            .collect()
    }
}

fn table_name(table: &Table) -> String {
    qualified(&table.schema, &table.name)
}

fn own_name(table: &Table) -> Name {
    name(&table.schema, &table.name)
}

/// `TABLE shop.t` or `FOREIGN TABLE shop.t`, as ALTER, COMMENT and DROP name it.
fn target(table: &Table) -> String {
    let kind = if table.foreign.is_some() {
        "FOREIGN TABLE"
    } else {
        "TABLE"
    };
    format!("{kind} {}", table_name(table))
}

/// The object named by the qualified text the catalog printed (`shop.orders_stats`).
fn named(qualified_text: &str) -> Option<Name> {
    mentions(qualified_text).into_iter().next()
}

/// `a=b` storage or option text split at its first `=`.
fn option_parts(option: &str) -> (&str, &str) {
    option.split_once('=').unwrap_or((option, ""))
}

/// An option name as SQL takes it: each dotted part (`toast.autovacuum_enabled`) quoted
/// where needed.
fn option_name(key: &str) -> String {
    key.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
}

/// `fillfactor='70', autovacuum_enabled='false'`.
fn option_list(options: &[String]) -> String {
    options
        .iter()
        .map(|o| {
            let (key, value) = option_parts(o);
            format!("{}={}", option_name(key), literal(value))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `SET (…)` and `RESET (…)` clauses that turn one option list into another.
fn option_changes(old: &[String], new: &[String]) -> Vec<String> {
    let keys = |list: &[String]| -> Vec<String> {
        list.iter().map(|o| option_parts(o).0.to_string()).collect()
    };
    let new_keys = keys(new);
    let reset: Vec<String> = keys(old)
        .into_iter()
        .filter(|k| !new_keys.contains(k))
        .map(|k| option_name(&k))
        .collect();
    let set: Vec<String> = new.iter().filter(|o| !old.contains(o)).cloned().collect();
    let mut clauses = Vec::new();
    if !reset.is_empty() {
        clauses.push(format!("RESET ({})", reset.join(", ")));
    }
    if !set.is_empty() {
        clauses.push(format!("SET ({})", option_list(&set)));
    }
    clauses
}

/// Foreign options as `OPTIONS (…)` takes them: `table_name 'items'`.
fn foreign_option_list(options: &[String]) -> String {
    options
        .iter()
        .map(|o| {
            let (key, value) = option_parts(o);
            format!("{} {}", quote_ident(key), literal(value))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `OPTIONS (ADD …, SET …, DROP …)` turning one foreign option list into another.
fn foreign_option_changes(old: &[String], new: &[String]) -> Option<String> {
    let old_map: HashMap<&str, &str> = old.iter().map(|o| option_parts(o)).collect();
    let new_map: HashMap<&str, &str> = new.iter().map(|o| option_parts(o)).collect();
    let mut parts = Vec::new();
    for o in old {
        let key = option_parts(o).0;
        if !new_map.contains_key(key) {
            parts.push(format!("DROP {}", quote_ident(key)));
        }
    }
    for o in new {
        let (key, value) = option_parts(o);
        match old_map.get(key) {
            None => parts.push(format!("ADD {} {}", quote_ident(key), literal(value))),
            Some(before) if *before != value => {
                parts.push(format!("SET {} {}", quote_ident(key), literal(value)))
            }
            Some(_) => {}
        }
    }
    (!parts.is_empty()).then(|| format!("OPTIONS ({})", parts.join(", ")))
}

/// Replaces the qualified name `from` by `to` in `text` wherever it stands as a whole name.
fn replace_name(text: &str, from: &str, to: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let end = at + from.len();
        let before_ok = rest[..at]
            .chars()
            .last()
            .or_else(|| out.chars().last())
            .map_or(true, |c| {
                !(c.is_alphanumeric() || c == '_' || c == '"' || c == '.')
            });
        let after_ok = rest[end..].chars().next().map_or(true, |c| {
            !(c.is_alphanumeric() || c == '_' || c == '$' || c == '"')
        });
        out.push_str(&rest[..at]);
        out.push_str(if before_ok && after_ok { to } else { from });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The sequences a default's `nextval('…'::regclass)` names: the literal hides them from
/// `mentions`, yet the table needs them first.
fn sequences_used(column: &Column) -> Vec<Name> {
    let Some(default) = &column.default else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut rest = default.as_str();
    while let Some(at) = rest.find("nextval('") {
        rest = &rest[at + "nextval('".len()..];
        let end = rest.find("'::regclass").unwrap_or(rest.len());
        let text = rest[..end].replace("''", "'");
        if let Some(n) = named(&text) {
            found.push(n);
        }
        rest = &rest[end..];
    }
    found
}

/// The synthetic name a partition's attachment to its parent provides: what must wait for
/// the partition to be in place (its indexes attached to the parent's) needs it.
fn attachment(table: &Table) -> Name {
    name(&table.schema, &format!("{} partition of", table.name))
}

// ---------------------------------------------------------------------------------------
// Renames

/// Pairs of (old, new) tables where a table is gone and an otherwise identical one (in the
/// same schema) was added, each pair unambiguous.
fn renamed_tables<'a>(old: &'a Database, new: &'a Database) -> Vec<(&'a Table, &'a Table)> {
    let gone: Vec<&Table> = old
        .tables
        .iter()
        .filter(|t| {
            !new.tables
                .iter()
                .any(|n| n.schema == t.schema && n.name == t.name)
        })
        .collect();
    let added: Vec<&Table> = new
        .tables
        .iter()
        .filter(|t| {
            !old.tables
                .iter()
                .any(|o| o.schema == t.schema && o.name == t.name)
        })
        .collect();
    let mut pairs = Vec::new();
    for from in &gone {
        let matches: Vec<&&Table> = added
            .iter()
            .filter(|to| to.schema == from.schema && renamed_as(from, &to.name) == ***to)
            .collect();
        if let [to] = matches.as_slice() {
            let rivals = gone
                .iter()
                .filter(|g| g.schema == to.schema && renamed_as(g, &to.name) == ***to)
                .count();
            if rivals == 1 {
                pairs.push((*from, **to));
            }
        }
    }
    pairs
}

/// `table` as `ALTER TABLE … RENAME TO new_name` leaves it: definitions name it anew, and an
/// identity sequence keeps its name.
fn renamed_as(table: &Table, new_name: &str) -> Table {
    let from = table_name(table);
    let to = qualified(&table.schema, new_name);
    let mut renamed = table.clone();
    renamed.name = new_name.to_string();
    for column in &mut renamed.columns {
        let column_name = column.name.clone();
        if let Some(identity) = &mut column.identity {
            let sequence = identity.sequence_name(&table.name, &column_name);
            identity.sequence_name =
                (sequence != format!("{new_name}_{column_name}_seq")).then_some(sequence);
        }
    }
    rename_in_definitions(&mut renamed, &from, &to);
    renamed
}

fn rename_in_definitions(table: &mut Table, from: &str, to: &str) {
    let edit = |text: &mut String| *text = replace_name(text, from, to);
    for c in &mut table.constraints {
        edit(&mut c.definition);
    }
    for i in &mut table.indexes {
        edit(&mut i.definition);
    }
    for t in &mut table.triggers {
        edit(&mut t.definition);
    }
    for r in &mut table.rules {
        edit(&mut r.definition);
    }
    for s in &mut table.statistics {
        edit(&mut s.definition);
    }
    for p in &mut table.policies {
        for e in [&mut p.using, &mut p.with_check].into_iter().flatten() {
            edit(e);
        }
    }
    for c in &mut table.columns {
        for e in [&mut c.default, &mut c.generated].into_iter().flatten() {
            edit(e);
        }
    }
    for p in table
        .partition_of
        .iter_mut()
        .chain(table.inherits.iter_mut())
    {
        edit(p);
    }
}

/// An old table as it reads once the renamed tables have their new names (a foreign key
/// to a renamed table names it anew without being changed).
fn following_renames(table: &Table, renames: &[(&Table, &Table)]) -> Table {
    let mut table = match renames
        .iter()
        .find(|(from, _)| from.schema == table.schema && from.name == table.name)
    {
        Some((_, to)) => renamed_as(table, &to.name),
        None => table.clone(),
    };
    for (from, to) in renames {
        rename_in_definitions(&mut table, &table_name(from), &table_name(to));
    }
    table
}

fn rename_table(from: &Table, to: &Table) -> Step {
    Step::new(
        Rank::AlterTable,
        format!("ALTER {} RENAME TO {}", target(from), quote_ident(&to.name)),
    )
    .provides(own_name(to))
    .removes(own_name(from))
    .hazard(
        HazardKind::Lock,
        format!(
            "renames {} to {}: what still uses the old name fails",
            table_name(from),
            table_name(to)
        ),
    )
}

/// Columns dropped and added at the same position that are otherwise identical: renamed.
fn column_renames(old: &Table, new: &Table) -> Vec<(String, String)> {
    let mut renames = Vec::new();
    for (i, column) in old.columns.iter().enumerate() {
        if new.columns.iter().any(|c| c.name == column.name) {
            continue;
        }
        let Some(candidate) = new.columns.get(i) else {
            continue;
        };
        if old.columns.iter().any(|c| c.name == candidate.name) {
            continue;
        }
        let same = Column {
            name: candidate.name.clone(),
            ..column.clone()
        };
        let same_identity = same.identity.as_ref().map(|identity| {
            Box::new(Identity {
                sequence_name: Some(identity.sequence_name(&old.name, &column.name)),
                ..(**identity).clone()
            })
        });
        let candidate_identity = candidate.identity.as_ref().map(|identity| {
            Box::new(Identity {
                sequence_name: Some(identity.sequence_name(&new.name, &candidate.name)),
                ..(**identity).clone()
            })
        });
        let left = Column {
            identity: same_identity,
            ..same
        };
        let right = Column {
            identity: candidate_identity,
            ..candidate.clone()
        };
        if left == right {
            renames.push((column.name.clone(), candidate.name.clone()));
        }
    }
    renames
}

// ---------------------------------------------------------------------------------------
// Replace, drop, create

/// Whether `new` cannot be reached from `old` in place.
fn replaced(old: &Table, new: &Table) -> bool {
    let renames = column_renames(old, new);
    let renamed = |c: &str| -> String {
        renames
            .iter()
            .find(|(from, _)| from == c)
            .map_or(c.to_string(), |(_, to)| to.clone())
    };
    let kept_old: Vec<String> = old
        .columns
        .iter()
        .filter(|c| {
            new.columns
                .iter()
                .any(|n| n.name == renamed(&c.name) && !regenerated(c, n))
        })
        .map(|c| renamed(&c.name))
        .collect();
    let kept_new: Vec<&str> = new
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .filter(|c| kept_old.iter().any(|o| o == c))
        .collect();
    let leading: Vec<&str> = new.columns[..kept_new.len()]
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let reordered = kept_old != kept_new || leading != kept_new;
    let server = |t: &Table| t.foreign.as_ref().map(|f| f.server.clone());
    let made_inherited = old.columns.iter().any(|c| {
        !c.inherited_only
            && new
                .columns
                .iter()
                .any(|n| n.name == renamed(&c.name) && n.inherited_only)
    }) || old.constraints.iter().any(|c| {
        !c.inherited_only
            && new
                .constraints
                .iter()
                .any(|n| n.name == c.name && n.inherited_only)
    });
    let made_local = old.columns.iter().any(|c| {
        c.inherited_only
            && new
                .columns
                .iter()
                .any(|n| n.name == c.name && !n.inherited_only)
    });
    reordered
        || server(old) != server(new)
        || old.partition_by != new.partition_by
        || made_inherited
        || (made_local && !rejoins(old, new))
}

/// Whether inherited-only columns become declared by the table itself the one way
/// PostgreSQL has, leaving its one parent and joining it again (which makes every inherited
/// column and constraint local): when that is what the new side has.
fn rejoins(old: &Table, new: &Table) -> bool {
    let made_local = old.columns.iter().any(|c| {
        c.inherited_only
            && new
                .columns
                .iter()
                .any(|n| n.name == c.name && !n.inherited_only)
    });
    made_local
        && new.inherits.len() == 1
        && old.inherits == new.inherits
        && !new.columns.iter().any(|c| c.inherited_only)
        && !new.constraints.iter().any(|c| c.inherited_only)
}

/// Whether a column must be dropped and added again: it is given a generation expression,
/// which PostgreSQL cannot add to an existing column.
fn regenerated(old: &Column, new: &Column) -> bool {
    new.generated.is_some() && new.generated != old.generated
}

fn drop_table(table: &Table) -> Vec<Step> {
    let kind = if table.foreign.is_some() {
        "FOREIGN TABLE"
    } else {
        "TABLE"
    };
    let mut definitions = create_statement(table, None).0;
    for parent in table.partition_of.iter().chain(&table.inherits) {
        definitions.push('\n');
        definitions.push_str(parent);
    }
    for text in table
        .constraints
        .iter()
        .map(|c| c.definition.as_str())
        .chain(table.indexes.iter().map(|i| i.definition.as_str()))
        .chain(table.triggers.iter().map(|t| t.definition.as_str()))
        .chain(table.rules.iter().map(|r| r.definition.as_str()))
        .chain(table.statistics.iter().map(|s| s.definition.as_str()))
        .chain(
            table
                .policies
                .iter()
                .flat_map(|p| p.using.iter().chain(&p.with_check))
                .map(String::as_str),
        )
    {
        definitions.push('\n');
        definitions.push_str(text);
    }
    let mut step = Step::new(
        Rank::DropTable,
        format!("DROP {kind} {}", table_name(table)),
    )
    .removes(own_name(table))
    .releases(&definitions)
    .hazard(
        HazardKind::DataLoss,
        format!("drops table {} and all its rows", table_name(table)),
    )
    .hazard(
        HazardKind::Lock,
        format!("takes an ACCESS EXCLUSIVE lock on {}", table_name(table)),
    );
    for column in &table.columns {
        step.releases.extend(sequences_used(column));
        if let Some(identity) = &column.identity {
            step = step.removes(name(
                &table.schema,
                &identity.sequence_name(&table.name, &column.name),
            ));
        }
    }
    for statistics in &table.statistics {
        if let Some(n) = named(&statistics.name) {
            step = step.removes(n);
        }
    }
    // A partition is detached before it is dropped: PostgreSQL refuses to drop one that a
    // foreign key to its parent reaches, and a detached one drops alone.
    let detach = table.partition_of.as_ref().map(|parent| {
        Step::new(
            Rank::DropConstraint,
            format!(
                "ALTER TABLE {parent} DETACH PARTITION {}",
                table_name(table)
            ),
        )
        .hazard(
            HazardKind::Lock,
            format!("takes an ACCESS EXCLUSIVE lock on {parent}"),
        )
    });
    detach.into_iter().chain([step]).collect()
}

/// How a new table is made: as a partition of its parent in one statement when the parent
/// is new too (so the parent's indexes and keys, made after, are attached explicitly), or
/// as a table of its own attached after its indexes and constraints are in place when the
/// parent already has them (attaching adopts them instead of cloning new ones).
#[derive(Clone, Copy, PartialEq)]
enum Made {
    Plain,
    PartitionOf,
    Attached,
}

fn create_table(table: &Table, sides: &Sides) -> Vec<Step> {
    let parent = table
        .partition_of
        .as_deref()
        .and_then(|p| Sides::by_qualified(sides.new, p));
    let made = match (&table.partition_of, parent) {
        (None, _) => Made::Plain,
        (Some(p), _) if Sides::by_qualified(sides.old, p).is_some() => Made::Attached,
        (Some(_), _) => Made::PartitionOf,
    };
    let parents: Vec<&Table> = table
        .inherits
        .iter()
        .filter_map(|p| Sides::by_qualified(sides.new, p))
        .collect();
    let partition_parent = (made == Made::PartitionOf).then_some(parent).flatten();
    let (sql, start) = create_statement(table, Some((made, partition_parent, &parents)));
    let mut create = Step::new(Rank::CreateTable, sql).provides(own_name(table));
    for column in &table.columns {
        create.needs.extend(sequences_used(column));
        if let Some(identity) = &column.identity {
            create = create.provides(name(
                &table.schema,
                &identity.sequence_name(&table.name, &column.name),
            ));
        }
    }
    if let Some(foreign) = &table.foreign {
        create = create.needs(name("", &foreign.server));
    }
    if let Some(method) = &table.access_method {
        create = create.needs(name("", method));
    }
    let mut steps = vec![create];
    steps.extend(alter_table(&start, table, sides, true));
    steps
}

/// The `CREATE TABLE` statement and the table it makes. `how` is `None` when only the
/// statement's text matters (what a dropped table's definition used).
fn create_statement(
    table: &Table,
    how: Option<(Made, Option<&Table>, &[&Table])>,
) -> (String, Table) {
    let (made, parent, parents) = how.unwrap_or((Made::Plain, None, &[]));
    let mut start = Table {
        schema: table.schema.clone(),
        name: table.name.clone(),
        owner: String::new(),
        unlogged: table.unlogged,
        partition_by: table.partition_by.clone(),
        partition_of: None,
        partition_bound: None,
        inherits: table.inherits.clone(),
        options: table.options.clone(),
        replica_identity: table.foreign.is_some().then(|| "nothing".to_string()),
        access_method: table.access_method.clone(),
        foreign: table.foreign.clone(),
        ..Table::default()
    };
    let mut elements = Vec::new();
    for column in &table.columns {
        match (made, parent) {
            (Made::PartitionOf, Some(parent)) => {
                let from = parent.columns.iter().find(|c| c.name == column.name);
                let mut created = from.map_or_else(|| column.clone(), inherited_column);
                let mut with = Vec::new();
                if column.default.is_some() && column.default != created.default {
                    with.push(format!(
                        "DEFAULT {}",
                        column.default.as_deref().unwrap_or("")
                    ));
                    created.default = column.default.clone();
                }
                if column.not_null && !created.not_null {
                    with.push("NOT NULL".to_string());
                    created.not_null = true;
                }
                if !with.is_empty() {
                    elements.push(format!(
                        "{} WITH OPTIONS {}",
                        quote_ident(&column.name),
                        with.join(" ")
                    ));
                }
                start.columns.push(created);
            }
            _ if column.inherited_only => {
                let from = parents
                    .iter()
                    .find_map(|p| p.columns.iter().find(|c| c.name == column.name));
                let mut created = from.map_or_else(|| column.clone(), inherited_column);
                created.inherit_count = column.inherit_count;
                created.inherited_only = true;
                start.columns.push(created);
            }
            _ => {
                elements.push(column_definition(table, column));
                let mut created = Column {
                    statistics: None,
                    storage: None,
                    compression: None,
                    options: Vec::new(),
                    comment: None,
                    ..column.clone()
                };
                if let Some(identity) = &mut created.identity {
                    identity.grants.clear();
                    identity.revoked.clear();
                }
                if let Some(from) = parents
                    .iter()
                    .find_map(|p| p.columns.iter().find(|c| c.name == column.name))
                {
                    created.not_null |= from.not_null;
                    created.default = created.default.or_else(|| from.default.clone());
                    created.storage = from.storage.clone();
                    created.compression = from.compression.clone();
                }
                start.columns.push(created);
            }
        }
    }
    for constraint in &table.constraints {
        let from_parent = match (made, parent) {
            (Made::PartitionOf, Some(parent)) => comes_from_parent(constraint, parent),
            _ => false,
        };
        if constraint.inherited_only || from_parent {
            start.constraints.push(Constraint {
                comment: None,
                ..constraint.clone()
            });
        } else if constraint.constraint_type == "check"
            && !constraint.definition.ends_with("NOT VALID")
        {
            elements.push(format!(
                "CONSTRAINT {} {}",
                quote_ident(&constraint.name),
                constraint.definition
            ));
            start.constraints.push(Constraint {
                comment: None,
                ..constraint.clone()
            });
        }
    }
    let kind = match (&table.foreign, table.unlogged) {
        (Some(_), _) => "FOREIGN TABLE",
        (None, true) => "UNLOGGED TABLE",
        (None, false) => "TABLE",
    };
    let mut sql = format!("CREATE {kind} {}", table_name(table));
    match (made, &table.partition_of, &table.partition_bound) {
        (Made::PartitionOf, Some(parent), Some(bound)) => {
            sql.push_str(&format!(" PARTITION OF {parent}"));
            if !elements.is_empty() {
                sql.push_str(&format!(" (\n    {}\n)", elements.join(",\n    ")));
            }
            sql.push_str(&format!(" {bound}"));
            start.partition_of = Some(parent.clone());
            start.partition_bound = Some(bound.clone());
        }
        _ => {
            sql.push_str(&format!(" (\n    {}\n)", elements.join(",\n    ")));
            if !table.inherits.is_empty() {
                sql.push_str(&format!(" INHERITS ({})", table.inherits.join(", ")));
            }
        }
    }
    if let Some(key) = &table.partition_by {
        sql.push_str(&format!(" PARTITION BY {key}"));
    }
    if let Some(method) = &table.access_method {
        sql.push_str(&format!(" USING {}", quote_ident(method)));
    }
    if !table.options.is_empty() {
        sql.push_str(&format!(" WITH ({})", option_list(&table.options)));
    }
    if let Some(foreign) = &table.foreign {
        sql.push_str(&format!(" SERVER {}", quote_ident(&foreign.server)));
        if !foreign.options.is_empty() {
            sql.push_str(&format!(
                " OPTIONS ({})",
                foreign_option_list(&foreign.options)
            ));
        }
    }
    (sql, start)
}

/// A parent's column as a partition or inheritance child gets it from `CREATE TABLE`.
fn inherited_column(parent: &Column) -> Column {
    Column {
        name: parent.name.clone(),
        data_type: parent.data_type.clone(),
        collation: parent.collation.clone(),
        not_null: parent.not_null,
        default: parent.default.clone(),
        generated: parent.generated.clone(),
        storage: parent.storage.clone(),
        compression: parent.compression.clone(),
        ..Column::default()
    }
}

/// Whether a partition's foreign key or check is its parent's, cloned onto it.
fn comes_from_parent(constraint: &Constraint, parent: &Table) -> bool {
    matches!(constraint.constraint_type.as_str(), "foreign key" | "check")
        && parent.constraints.iter().any(|p| {
            p.name == constraint.name
                && p.constraint_type == constraint.constraint_type
                && p.definition == constraint.definition
        })
}

/// `name type [COLLATE …] [GENERATED ALWAYS AS (…) STORED | DEFAULT …] [NOT NULL]
/// [GENERATED … AS IDENTITY (…)] [OPTIONS (…)]`.
fn column_definition(table: &Table, column: &Column) -> String {
    let mut sql = format!("{} {}", quote_ident(&column.name), column.data_type);
    if let Some(collation) = &column.collation {
        sql.push_str(&format!(" COLLATE {collation}"));
    }
    if let Some(expression) = &column.generated {
        sql.push_str(&format!(" GENERATED ALWAYS AS ({expression}) STORED"));
    } else if let Some(default) = &column.default {
        sql.push_str(&format!(" DEFAULT {default}"));
    }
    if column.not_null {
        sql.push_str(" NOT NULL");
    }
    if let Some(identity) = &column.identity {
        sql.push_str(&format!(
            " GENERATED {} AS IDENTITY ({})",
            identity.generated.to_uppercase(),
            identity_options(table, identity, true)
        ));
    }
    if !column.foreign_options.is_empty() {
        sql.push_str(&format!(
            " OPTIONS ({})",
            foreign_option_list(&column.foreign_options)
        ));
    }
    sql
}

/// An identity sequence's options, with its name when it is not the default one (its type
/// is always the column's).
fn identity_options(table: &Table, identity: &Identity, with_name: bool) -> String {
    let s = &identity.sequence;
    let mut parts = Vec::new();
    if with_name {
        if let Some(sequence) = &identity.sequence_name {
            parts.push(format!(
                "SEQUENCE NAME {}",
                qualified(&table.schema, sequence)
            ));
        }
    }
    parts.push(format!("START WITH {}", s.start));
    parts.push(format!("INCREMENT BY {}", s.increment));
    parts.push(format!("MINVALUE {}", s.min));
    parts.push(format!("MAXVALUE {}", s.max));
    parts.push(format!("CACHE {}", s.cache));
    parts.push(if s.cycle { "CYCLE" } else { "NO CYCLE" }.to_string());
    parts.join(" ")
}

// ---------------------------------------------------------------------------------------
// Alter

/// The statements that turn table `old` into `new` (same schema and name). `fresh` when
/// `old` is what the plan's own `CREATE TABLE` made.
fn alter_table(old: &Table, new: &Table, sides: &Sides, fresh: bool) -> Vec<Step> {
    let mut plan = TablePlan {
        old,
        new,
        sides,
        fresh,
        q: table_name(new),
        steps: Vec::new(),
    };
    plan.columns();
    plan.table_properties();
    plan.partition();
    plan.constraints();
    plan.indexes();
    plan.row_level_security();
    plan.policies();
    plan.triggers();
    plan.rules();
    plan.statistics();
    plan.access();
    plan.steps
}

struct TablePlan<'a> {
    old: &'a Table,
    new: &'a Table,
    sides: &'a Sides<'a>,
    fresh: bool,
    q: String,
    steps: Vec<Step>,
}

/// One subcommand of an `ALTER TABLE` and its hazards.
struct Clause {
    sql: String,
    hazards: Vec<(HazardKind, String)>,
}

impl Clause {
    fn new(sql: String) -> Clause {
        Clause {
            sql,
            hazards: Vec::new(),
        }
    }

    fn hazard(mut self, kind: HazardKind, detail: String) -> Clause {
        self.hazards.push((kind, detail));
        self
    }
}

impl<'a> TablePlan<'a> {
    fn lock(&self) -> String {
        format!("takes an ACCESS EXCLUSIVE lock on {}", self.q)
    }

    /// A step with the hazard only when the table is in use (not made by this plan).
    fn live(&self, step: Step, kind: HazardKind, detail: String) -> Step {
        if self.fresh {
            step
        } else {
            step.hazard(kind, detail)
        }
    }

    /// One `ALTER [FOREIGN] TABLE [ONLY] q clause, clause, …` step.
    fn alter(&mut self, only: bool, clauses: Vec<Clause>, provides: bool, removes: bool) {
        if clauses.is_empty() {
            return;
        }
        let kind = if self.new.foreign.is_some() {
            "FOREIGN TABLE"
        } else {
            "TABLE"
        };
        let only = if only { "ONLY " } else { "" };
        let sql = format!(
            "ALTER {kind} {only}{}\n    {}",
            self.q,
            clauses
                .iter()
                .map(|c| c.sql.as_str())
                .collect::<Vec<_>>()
                .join(",\n    ")
        );
        let mut step = Step::new(Rank::AlterTable, sql);
        if provides {
            step = step.provides(own_name(self.new));
        }
        if removes {
            step = step.removes(own_name(self.new));
        }
        let mut seen = HashSet::new();
        for (kind, detail) in clauses.into_iter().flat_map(|c| c.hazards) {
            if !self.fresh && seen.insert((kind, detail.clone())) {
                step = step.hazard(kind, detail);
            }
        }
        if !self.fresh && !step.hazards.iter().any(|h| h.kind == HazardKind::Lock) {
            step = step.hazard(HazardKind::Lock, self.lock());
        }
        self.steps.push(step);
    }

    fn parents(&self, tables: &'_ [Table], table: &Table) -> Vec<Table> {
        Sides::parents(tables, table).into_iter().cloned().collect()
    }

    /// Columns: renamed, added, dropped, retyped; defaults, NOT NULL, identity, generation,
    /// statistics, storage, compression, options; comments and the identity sequences'
    /// privileges.
    fn columns(&mut self) {
        let (old, new) = (self.old, self.new);
        let old_parents = self.parents(self.sides.old, old);
        let new_parents = self.parents(self.sides.new, new);
        let parent_pairs: Vec<(Table, Table)> = new_parents
            .iter()
            .filter_map(|p| {
                old_parents
                    .iter()
                    .find(|o| o.schema == p.schema && o.name == p.name)
                    .map(|o| (o.clone(), p.clone()))
            })
            .collect();
        let renames = if self.fresh {
            Vec::new()
        } else {
            column_renames(old, new)
        };
        for (from, to) in &renames {
            let by_parent = parent_pairs
                .iter()
                .any(|(po, pn)| column_renames(po, pn).contains(&(from.clone(), to.clone())));
            if !by_parent {
                self.steps.push(
                    Step::new(
                        Rank::AlterTable,
                        format!(
                            "ALTER {} RENAME COLUMN {} TO {}",
                            target(new),
                            quote_ident(from),
                            quote_ident(to)
                        ),
                    )
                    .provides(own_name(new))
                    .hazard(HazardKind::Lock, self.lock()),
                );
            }
        }
        let renamed = |c: &str| -> String {
            renames
                .iter()
                .find(|(from, _)| from == c)
                .map_or(c.to_string(), |(_, to)| to.clone())
        };
        // The old columns as the parents' own changes leave them.
        let mut before: Vec<Column> = Vec::new();
        for column in &old.columns {
            let mut column = column.clone();
            column.name = renamed(&column.name);
            let parent_change = parent_pairs.iter().find_map(|(po, pn)| {
                let pr = column_renames(po, pn);
                let from = pr
                    .iter()
                    .find(|(_, to)| to == &column.name)
                    .map_or(column.name.clone(), |(f, _)| f.clone());
                let was = po.columns.iter().find(|c| c.name == from)?;
                Some((
                    was.clone(),
                    pn.columns.iter().find(|c| c.name == column.name).cloned(),
                ))
            });
            match parent_change {
                Some((_, None)) if column.inherited_only || new.partition_of.is_some() => continue,
                Some((was, Some(now))) => {
                    if was.data_type == column.data_type
                        && was.collation == column.collation
                        && (was.data_type != now.data_type || was.collation != now.collation)
                    {
                        column.data_type = now.data_type.clone();
                        column.collation = now.collation.clone();
                    }
                    if was.not_null == column.not_null && was.not_null != now.not_null {
                        column.not_null = now.not_null;
                    }
                    if was.generated == column.generated && now.generated.is_none() {
                        column.generated = None;
                    }
                }
                _ => {}
            }
            before.push(column);
        }
        for column in &new.columns {
            if before.iter().any(|c| c.name == column.name) {
                continue;
            }
            let by_parent = parent_pairs.iter().find_map(|(po, pn)| {
                let added = pn.columns.iter().find(|c| c.name == column.name)?;
                (!po.columns.iter().any(|c| c.name == column.name)
                    && !column_renames(po, pn)
                        .iter()
                        .any(|(_, to)| to == &column.name))
                .then(|| added.clone())
            });
            if let Some(added) = by_parent {
                let mut created = inherited_column(&added);
                if new.partition_of.is_none() {
                    created.inherit_count = column.inherit_count;
                    created.inherited_only = true;
                }
                before.push(created);
            }
        }

        let regenerated_columns: Vec<String> = before
            .iter()
            .filter(|c| {
                new.columns
                    .iter()
                    .any(|n| n.name == c.name && regenerated(c, n))
            })
            .map(|c| c.name.clone())
            .collect();
        let gone = |column: &Column| {
            regenerated_columns.contains(&column.name)
                || !new.columns.iter().any(|c| c.name == column.name)
        };
        let mut shape: Vec<Clause> = Vec::new();
        let mut attributes: Vec<Clause> = Vec::new();
        let mut destructive = !regenerated_columns.is_empty();
        let mut released: Vec<String> = Vec::new();
        let mut drops: Vec<Clause> = Vec::new();
        // Generated columns first: they depend on the columns they are computed from.
        let mut dropping: Vec<&Column> = before.iter().filter(|c| gone(c)).collect();
        dropping.sort_by_key(|c| c.generated.is_none());
        for column in dropping {
            {
                drops.push(
                    Clause::new(format!("DROP COLUMN {}", quote_ident(&column.name))).hazard(
                        HazardKind::DataLoss,
                        format!("drops column {}.{} and its values", self.q, column.name),
                    ),
                );
            }
        }
        if !drops.is_empty() {
            let mut definitions = String::new();
            for column in before.iter().filter(|c| gone(c)) {
                {
                    for text in [&column.default, &column.generated].into_iter().flatten() {
                        definitions.push_str(text);
                        definitions.push('\n');
                    }
                    definitions.push_str(&column.data_type);
                    definitions.push('\n');
                }
            }
            let kind = if new.foreign.is_some() {
                "FOREIGN TABLE"
            } else {
                "TABLE"
            };
            let mut step = Step::new(
                Rank::DropColumn,
                format!(
                    "ALTER {kind} {}\n    {}",
                    self.q,
                    drops
                        .iter()
                        .map(|c| c.sql.as_str())
                        .collect::<Vec<_>>()
                        .join(",\n    ")
                ),
            )
            .removes(own_name(new))
            .releases(&definitions)
            .hazard(HazardKind::Lock, self.lock());
            for (kind, detail) in drops.into_iter().flat_map(|c| c.hazards) {
                step = step.hazard(kind, detail);
            }
            self.steps.push(step);
        }

        let mut needs = Vec::new();
        let mut sequences = Vec::new();
        for column in &new.columns {
            let col = quote_ident(&column.name);
            let Some(was) = before
                .iter()
                .find(|c| c.name == column.name && !regenerated_columns.contains(&c.name))
            else {
                needs.extend(sequences_used(column));
                let mut clause =
                    Clause::new(format!("ADD COLUMN {}", column_definition(new, column)));
                if column.default.as_deref().is_some_and(volatile) || column.generated.is_some() {
                    clause = clause.hazard(
                        HazardKind::Rewrite,
                        format!(
                            "adds column {}.{} whose value is computed for every row: the table is rewritten",
                            self.q, column.name
                        ),
                    );
                }
                if column.not_null
                    && column.default.is_none()
                    && column.identity.is_none()
                    && column.generated.is_none()
                {
                    clause = clause.hazard(
                        HazardKind::DataLoss,
                        format!("adds NOT NULL column {}.{} without a default: fails unless the table is empty", self.q, column.name),
                    );
                }
                shape.push(clause);
                let added = Column {
                    statistics: None,
                    storage: None,
                    compression: None,
                    options: Vec::new(),
                    comment: None,
                    ..column.clone()
                };
                self.column_attributes(&added, column, &mut attributes);
                self.column_extras(&added, column, true);
                continue;
            };
            let mut was = was.clone();
            if was.data_type != column.data_type || was.collation != column.collation {
                destructive = true;
                released.push(format!(
                    "{} {}",
                    was.data_type,
                    was.default.as_deref().unwrap_or("")
                ));
                if was.default.is_some() && column.default.is_some() {
                    shape.push(Clause::new(format!("ALTER COLUMN {col} DROP DEFAULT")));
                    was.default = None;
                }
                let mut sql = format!("ALTER COLUMN {col} TYPE {}", column.data_type);
                if let Some(collation) = &column.collation {
                    sql.push_str(&format!(" COLLATE {collation}"));
                }
                if was.data_type != column.data_type && column.generated.is_none() {
                    sql.push_str(&format!(" USING {col}::{}", column.data_type));
                }
                let mut clause = Clause::new(sql);
                let (rewrites, loses) = type_change(&was.data_type, &column.data_type);
                if rewrites || was.collation != column.collation {
                    clause = clause.hazard(
                        HazardKind::Rewrite,
                        format!(
                            "changes the type of {}.{} from {} to {}: the table and its indexes are rewritten",
                            self.q, column.name, was.data_type, column.data_type
                        ),
                    );
                }
                if loses {
                    clause = clause.hazard(
                        HazardKind::DataLoss,
                        format!(
                            "casts {}.{} from {} to {}: values that do not fit fail the statement or are cut",
                            self.q, column.name, was.data_type, column.data_type
                        ),
                    );
                }
                shape.push(clause);
            }
            if was.generated.is_some() && column.generated.is_none() {
                shape.push(Clause::new(format!("ALTER COLUMN {col} DROP EXPRESSION")));
            }
            if was.not_null != column.not_null && column.identity.is_none() {
                if column.not_null {
                    shape.push(
                        Clause::new(format!("ALTER COLUMN {col} SET NOT NULL")).hazard(
                            HazardKind::DataLoss,
                            format!("fails if {}.{} holds NULL", self.q, column.name),
                        ),
                    );
                } else if was.identity.is_none() || column.identity.is_some() {
                    shape.push(Clause::new(format!("ALTER COLUMN {col} DROP NOT NULL")));
                }
            }
            match (&was.identity, &column.identity) {
                (None, Some(identity)) => {
                    if !was.not_null {
                        shape.push(Clause::new(format!("ALTER COLUMN {col} SET NOT NULL")));
                    }
                    shape.push(Clause::new(format!(
                        "ALTER COLUMN {col} ADD GENERATED {} AS IDENTITY ({})",
                        identity.generated.to_uppercase(),
                        identity_options(new, identity, true)
                    )));
                    sequences.push(name(
                        &new.schema,
                        &identity.sequence_name(&new.name, &column.name),
                    ));
                }
                (Some(_), None) => {
                    shape.push(Clause::new(format!("ALTER COLUMN {col} DROP IDENTITY")));
                    if !column.not_null {
                        shape.push(Clause::new(format!("ALTER COLUMN {col} DROP NOT NULL")));
                    }
                }
                (Some(a), Some(b)) => {
                    let mut parts = Vec::new();
                    if a.generated != b.generated {
                        parts.push(format!("SET GENERATED {}", b.generated.to_uppercase()));
                    }
                    let (x, y) = (&a.sequence, &b.sequence);
                    if x.start != y.start {
                        parts.push(format!("SET START WITH {}", y.start));
                    }
                    if x.increment != y.increment {
                        parts.push(format!("SET INCREMENT BY {}", y.increment));
                    }
                    if x.min != y.min {
                        parts.push(format!("SET MINVALUE {}", y.min));
                    }
                    if x.max != y.max {
                        parts.push(format!("SET MAXVALUE {}", y.max));
                    }
                    if x.cache != y.cache {
                        parts.push(format!("SET CACHE {}", y.cache));
                    }
                    if x.cycle != y.cycle {
                        parts.push(if y.cycle { "SET CYCLE" } else { "SET NO CYCLE" }.into());
                    }
                    if !parts.is_empty() {
                        shape.push(Clause::new(format!(
                            "ALTER COLUMN {col} {}",
                            parts.join(" ")
                        )));
                    }
                    let old_sequence = a.sequence_name(&new.name, &column.name);
                    let new_sequence = b.sequence_name(&new.name, &column.name);
                    if old_sequence != new_sequence && !self.fresh {
                        self.steps.push(
                            Step::new(
                                Rank::AlterTable,
                                format!(
                                    "ALTER SEQUENCE {} RENAME TO {}",
                                    qualified(&new.schema, &old_sequence),
                                    quote_ident(&new_sequence)
                                ),
                            )
                            .provides(name(&new.schema, &new_sequence))
                            .removes(name(&new.schema, &old_sequence)),
                        );
                    }
                }
                (None, None) => {}
            }
            if was.default != column.default && column.generated.is_none() {
                released.extend(was.default.clone());
                match &column.default {
                    Some(default) => {
                        needs.extend(sequences_used(column));
                        attributes.push(Clause::new(format!(
                            "ALTER COLUMN {col} SET DEFAULT {default}"
                        )));
                    }
                    None => {
                        attributes.push(Clause::new(format!("ALTER COLUMN {col} DROP DEFAULT")))
                    }
                }
            }
            self.column_attributes(&was, column, &mut attributes);
            self.column_extras(&was, column, false);
        }
        let provides = !self.fresh;
        // What the old types and defaults named (a domain, an enum, a function) is free to be
        // dropped once the columns stop using it.
        let released = mentions(&released.join("\n"));
        let at = self.steps.len();
        self.alter(false, shape, provides, destructive);
        if let Some(step) = self.steps.get_mut(at) {
            step.needs.extend(needs);
            step.provides.extend(sequences);
            step.releases.extend(released.iter().cloned());
        }
        let at = self.steps.len();
        self.alter(true, attributes, false, false);
        if let Some(step) = self.steps.get_mut(at) {
            step.releases.extend(released);
        }
    }

    /// Statistics target, storage, compression and attribute and foreign options of one column.
    fn column_attributes(&self, was: &Column, column: &Column, out: &mut Vec<Clause>) {
        let col = quote_ident(&column.name);
        if was.statistics != column.statistics {
            out.push(Clause::new(format!(
                "ALTER COLUMN {col} SET STATISTICS {}",
                column.statistics.unwrap_or(-1)
            )));
        }
        if was.storage != column.storage {
            let storage = column
                .storage
                .clone()
                .or_else(|| self.type_storage(column))
                .unwrap_or_else(|| "extended".to_string());
            out.push(Clause::new(format!(
                "ALTER COLUMN {col} SET STORAGE {}",
                storage.to_uppercase()
            )));
        }
        if was.compression != column.compression {
            let compression = column.compression.as_deref().unwrap_or("default");
            out.push(Clause::new(format!(
                "ALTER COLUMN {col} SET COMPRESSION {}",
                quote_ident(compression)
            )));
        }
        for clause in option_changes(&was.options, &column.options) {
            out.push(Clause::new(format!("ALTER COLUMN {col} {clause}")));
        }
        if was.foreign_options != column.foreign_options {
            if let Some(options) =
                foreign_option_changes(&was.foreign_options, &column.foreign_options)
            {
                out.push(Clause::new(format!("ALTER COLUMN {col} {options}")));
            }
        }
    }

    /// The storage a column's type has by default, when that is not `extended`: a column
    /// whose recorded storage is removed goes back to it.
    fn type_storage(&self, column: &Column) -> Option<String> {
        let fixed = [
            "integer",
            "bigint",
            "smallint",
            "boolean",
            "real",
            "double precision",
            "date",
            "uuid",
            "oid",
            "timestamp with time zone",
            "timestamp without time zone",
            "time without time zone",
            "time with time zone",
            "interval",
            "money",
        ];
        fixed
            .contains(&column.data_type.as_str())
            .then(|| "plain".to_string())
            .or_else(|| {
                (column.data_type == "numeric" || column.data_type.starts_with("numeric("))
                    .then(|| "main".to_string())
            })
    }

    /// A column's comment and its identity sequence's privileges.
    fn column_extras(&mut self, was: &Column, column: &Column, added: bool) {
        let new = self.new;
        if let Some(step) = access::comment(
            &format!("COLUMN {}.{}", self.q, quote_ident(&column.name)),
            was.comment.as_deref(),
            column.comment.as_deref(),
        ) {
            self.steps.push(step);
        }
        if let Some(identity) = &column.identity {
            let sequence = qualified(
                &new.schema,
                &identity.sequence_name(&new.name, &column.name),
            );
            let on = format!("SEQUENCE {sequence}");
            let wanted = (identity.grants.as_slice(), identity.revoked.as_slice());
            self.steps
                .extend(match (&was.identity, added || self.fresh) {
                    (Some(before), false) => access::privileges(
                        &on,
                        Some((before.grants.as_slice(), before.revoked.as_slice())),
                        wanted,
                    ),
                    _ => access::created_privileges(
                        &on,
                        "sequences",
                        Some(&new.schema),
                        self.sides.defaults,
                        wanted,
                    ),
                });
        }
    }

    /// Storage options, logging, access method, replica identity, clustering, inheritance
    /// and a foreign table's options.
    fn table_properties(&mut self) {
        let (old, new) = (self.old, self.new);
        let mut clauses = Vec::new();
        let q = self.q.clone();
        for clause in option_changes(&old.options, &new.options) {
            let light = clause.starts_with("SET") || clause.starts_with("RESET");
            let mut c = Clause::new(clause);
            if !light {
                c = c.hazard(HazardKind::Lock, self.lock());
            }
            clauses.push(c);
        }
        if old.unlogged != new.unlogged {
            clauses.push(
                Clause::new(
                    if new.unlogged {
                        "SET UNLOGGED"
                    } else {
                        "SET LOGGED"
                    }
                    .into(),
                )
                .hazard(HazardKind::Lock, self.lock())
                .hazard(
                    HazardKind::Rewrite,
                    format!("rewrites {q} to change its logging"),
                ),
            );
        }
        if old.access_method != new.access_method {
            let method = new.access_method.as_deref().unwrap_or("heap");
            clauses.push(
                Clause::new(format!("SET ACCESS METHOD {}", quote_ident(method)))
                    .hazard(HazardKind::Lock, self.lock())
                    .hazard(
                        HazardKind::Rewrite,
                        format!("rewrites {q} into access method {method}"),
                    ),
            );
        }
        if let (Some(a), Some(b)) = (&old.foreign, &new.foreign) {
            if let Some(options) = foreign_option_changes(&a.options, &b.options) {
                clauses.push(Clause::new(options));
            }
        }
        for parent in &old.inherits {
            if !new.inherits.contains(parent) {
                clauses.push(
                    Clause::new(format!("NO INHERIT {parent}"))
                        .hazard(HazardKind::Lock, self.lock()),
                );
            }
        }
        let mut step_before = self.steps.len();
        self.alter(false, clauses, false, false);
        if let Some(step) = self.steps.get_mut(step_before) {
            for parent in old.inherits.iter().filter(|p| !new.inherits.contains(p)) {
                step.releases.extend(mentions(parent));
            }
        }
        step_before = self.steps.len();
        let added: Vec<&String> = new
            .inherits
            .iter()
            .filter(|p| !old.inherits.contains(p))
            .collect();
        if !added.is_empty() {
            let clauses = added
                .iter()
                .map(|p| Clause::new(format!("INHERIT {p}")).hazard(HazardKind::Lock, self.lock()))
                .collect();
            self.alter(false, clauses, false, false);
            if let Some(step) = self.steps.get_mut(step_before) {
                step.rank = Rank::CreateForeignKey;
                for constraint in &new.constraints {
                    step.needs.push(name(&new.schema, &constraint.name));
                }
            }
        }
        if rejoins(old, new) {
            let parent = &new.inherits[0];
            let clauses = vec![
                Clause::new(format!("NO INHERIT {parent}")),
                Clause::new(format!("INHERIT {parent}")),
            ];
            self.alter(false, clauses, false, false);
        }
        if old.replica_identity != new.replica_identity {
            let (form, needs) = match new.replica_identity.as_deref() {
                None => ("DEFAULT".to_string(), None),
                Some("full") => ("FULL".to_string(), None),
                Some("nothing") => ("NOTHING".to_string(), None),
                Some(other) => {
                    let index = other.strip_prefix("index ").unwrap_or(other);
                    (
                        format!("USING INDEX {index}"),
                        Some(name(&new.schema, &unquote(index))),
                    )
                }
            };
            let step = Step::new(
                Rank::CreateIndex,
                format!("ALTER {} REPLICA IDENTITY {form}", target(new)),
            );
            let step = self.live(step, HazardKind::Lock, self.lock());
            self.steps.push(match needs {
                Some(index) => step.needs(index),
                None => step,
            });
        }
        if old.clustered_on != new.clustered_on {
            let step = match &new.clustered_on {
                Some(index) => Step::new(
                    Rank::CreateIndex,
                    format!("ALTER TABLE {q} CLUSTER ON {index}"),
                )
                .needs(name(&new.schema, &unquote(index))),
                None => Step::new(
                    Rank::AlterTable,
                    format!("ALTER TABLE {q} SET WITHOUT CLUSTER"),
                ),
            };
            self.steps.push(step);
        }
    }

    /// Detaching from the old parent and attaching to the new one.
    fn partition(&mut self) {
        let (old, new) = (self.old, self.new);
        if old.partition_of == new.partition_of && old.partition_bound == new.partition_bound {
            return;
        }
        if let Some(parent) = &old.partition_of {
            self.steps.push(
                Step::new(
                    Rank::AlterTable,
                    format!("ALTER TABLE {parent} DETACH PARTITION {}", self.q),
                )
                .releases(parent)
                .hazard(
                    HazardKind::Lock,
                    format!("takes an ACCESS EXCLUSIVE lock on {parent} and {}", self.q),
                ),
            );
        }
        if let (Some(parent), Some(bound)) = (&new.partition_of, &new.partition_bound) {
            let mut step = Step::new(
                Rank::CreateForeignKey,
                format!("ALTER TABLE {parent} ATTACH PARTITION {} {bound}", self.q),
            )
            .provides(attachment(new));
            for constraint in &new.constraints {
                step = step.needs(name(&new.schema, &constraint.name));
            }
            for index in &new.indexes {
                step = step.needs(name(&new.schema, &index.name));
            }
            let step = self.live(
                step,
                HazardKind::Lock,
                format!("takes an ACCESS EXCLUSIVE lock on {}", self.q),
            );
            let step = self.live(
                step,
                HazardKind::DataLoss,
                format!("fails if a row of {} is outside {bound}", self.q),
            );
            self.steps.push(step);
        }
    }

    /// The constraints this table's own statements drop and add: not those it inherits
    /// only, nor the foreign keys and checks a partition gets from (or loses with) its
    /// parent's statements, nor the foreign keys attaching it clones.
    fn own_constraints(&self) -> (Vec<&'a Constraint>, Vec<&'a Constraint>) {
        let (old, new) = (self.old, self.new);
        let same = |a: &Constraint, b: &Constraint| {
            a.name == b.name
                && a.definition == b.definition
                && a.constraint_type == b.constraint_type
        };
        let old_tables = if self.fresh {
            self.sides.new
        } else {
            self.sides.old
        };
        let attached_now =
            old.partition_of != new.partition_of || old.partition_bound != new.partition_bound;
        let new_parent = new
            .partition_of
            .as_deref()
            .and_then(|p| Sides::by_qualified(self.sides.new, p));
        let parent_before = new
            .partition_of
            .as_deref()
            .and_then(|p| Sides::by_qualified(old_tables, p));
        let added = new
            .constraints
            .iter()
            .filter(|c| !c.inherited_only)
            .filter(|c| {
                if old.constraints.iter().any(|o| same(o, c)) {
                    return true;
                }
                match new_parent {
                    Some(parent) if comes_from_parent(c, parent) => {
                        let parent_adds = parent_before
                            .map_or(true, |p| !p.constraints.iter().any(|x| same(x, c)));
                        let cloned = attached_now && c.constraint_type == "foreign key";
                        !(cloned || (parent_adds && !attached_now))
                    }
                    _ => true,
                }
            })
            .collect();
        let old_parent = old
            .partition_of
            .as_deref()
            .and_then(|p| Sides::by_qualified(old_tables, p));
        let dropped = old
            .constraints
            .iter()
            .filter(|c| !c.inherited_only)
            .filter(|c| {
                if new.constraints.iter().any(|n| same(n, c)) {
                    return true;
                }
                match old_parent {
                    Some(parent) if comes_from_parent(c, parent) => {
                        let parent_after = Sides::by_qualified(
                            self.sides.new,
                            &qualified(&parent.schema, &parent.name),
                        );
                        parent_after.is_some_and(|p| p.constraints.iter().any(|x| same(x, c)))
                    }
                    _ => true,
                }
            })
            .collect();
        (dropped, added)
    }

    fn constraints(&mut self) {
        let (old, new) = (self.old, self.new);
        let (old_own, new_own) = self.own_constraints();
        let dropped_parent_keys: Vec<String> = self
            .sides
            .old
            .iter()
            .flat_map(|t| {
                t.constraints
                    .iter()
                    .filter(|c| {
                        self.sides
                            .new_table(&t.schema, &t.name)
                            .map_or(true, |n| !n.constraints.contains(c))
                    })
                    .map(|c| qualified(&t.schema, &c.name))
                    .collect::<Vec<_>>()
            })
            .collect();
        for constraint in &old_own {
            let kept = new_own.iter().any(|c| {
                c.name == constraint.name
                    && c.definition == constraint.definition
                    && c.constraint_type == constraint.constraint_type
            });
            if kept {
                continue;
            }
            if constraint
                .attached_to
                .as_ref()
                .is_some_and(|p| dropped_parent_keys.contains(p))
            {
                continue;
            }
            let rank = if constraint.constraint_type == "foreign key" {
                Rank::DropForeignKey
            } else {
                Rank::DropConstraint
            };
            let mut step = Step::new(
                rank,
                format!(
                    "ALTER {} DROP CONSTRAINT {}",
                    target(new),
                    quote_ident(&constraint.name)
                ),
            )
            .releases(&constraint.definition)
            .hazard(HazardKind::Lock, self.lock());
            if matches!(
                constraint.constraint_type.as_str(),
                "primary key" | "unique" | "exclusion"
            ) {
                step = step.removes(name(&new.schema, &constraint.name));
            }
            self.steps.push(step);
        }
        for constraint in &new_own {
            let rejoined = rejoins(old, new);
            let before = old.constraints.iter().find(|c| {
                c.name == constraint.name
                    && c.definition == constraint.definition
                    && c.constraint_type == constraint.constraint_type
                    && (rejoined || old_own.contains(c))
            });
            match before {
                Some(before) => {
                    self.constraint_comment(before.comment.as_deref(), constraint);
                    if let Some(parent) = &constraint.attached_to {
                        if before.attached_to.as_ref() != Some(parent) {
                            self.attach_index(parent, &constraint.name);
                        }
                    }
                }
                None => {
                    self.add_constraint(constraint);
                    self.constraint_comment(None, constraint);
                }
            }
        }
    }

    fn constraint_comment(&mut self, old: Option<&str>, constraint: &Constraint) {
        if let Some(step) = access::comment(
            &format!("CONSTRAINT {} ON {}", quote_ident(&constraint.name), self.q),
            old,
            constraint.comment.as_deref(),
        ) {
            self.steps.push(step);
        }
    }

    fn add_constraint(&mut self, constraint: &Constraint) {
        let new = self.new;
        let q = self.q.clone();
        let kind = constraint.constraint_type.as_str();
        let keyed = matches!(kind, "primary key" | "unique" | "exclusion");
        let validate_later = self.sides.online
            && !self.fresh
            && matches!(kind, "foreign key" | "check")
            && !constraint.definition.ends_with("NOT VALID");
        let definition = if validate_later {
            format!("{} NOT VALID", constraint.definition)
        } else {
            constraint.definition.clone()
        };
        let only = if keyed && new.foreign.is_none() {
            "ONLY "
        } else {
            ""
        };
        let rank = if kind == "foreign key" {
            Rank::CreateForeignKey
        } else {
            Rank::CreateConstraint
        };
        let kind_sql = if new.foreign.is_some() {
            "FOREIGN TABLE"
        } else {
            "TABLE"
        };
        let mut step = Step::new(
            rank,
            format!(
                "ALTER {kind_sql} {only}{q} ADD CONSTRAINT {} {definition}",
                quote_ident(&constraint.name)
            ),
        )
        .provides(name(&new.schema, &constraint.name));
        if !self.fresh {
            step = step.hazard(
                HazardKind::Lock,
                if kind == "foreign key" {
                    format!("takes a SHARE ROW EXCLUSIVE lock on {q} and the table it references")
                } else {
                    self.lock()
                },
            );
            if keyed {
                step = step.hazard(
                    HazardKind::IndexBuild,
                    format!("builds the index of {} on {q}", constraint.name),
                );
            }
            if !definition.ends_with("NOT VALID") {
                step = step.hazard(
                    HazardKind::DataLoss,
                    format!("fails if a row of {q} breaks {}", constraint.name),
                );
            }
        }
        self.steps.push(step);
        if validate_later {
            self.steps.push(
                Step::new(
                    Rank::CreateForeignKey,
                    format!(
                        "ALTER TABLE {q} VALIDATE CONSTRAINT {}",
                        quote_ident(&constraint.name)
                    ),
                )
                .needs(name(&new.schema, &constraint.name))
                .hazard(
                    HazardKind::DataLoss,
                    format!("fails if a row of {q} breaks {}", constraint.name),
                ),
            );
        }
        if let Some(parent) = &constraint.attached_to {
            self.attach_index(parent, &constraint.name);
        }
    }

    /// `ALTER INDEX parent ATTACH PARTITION index`, once this partition is in its parent.
    fn attach_index(&mut self, parent: &str, index: &str) {
        let mut step = Step::new(
            Rank::CreateIndex,
            format!(
                "ALTER INDEX {parent} ATTACH PARTITION {}",
                qualified(&self.new.schema, index)
            ),
        );
        if self.old.partition_of != self.new.partition_of
            || self.old.partition_bound != self.new.partition_bound
        {
            step = step.needs(attachment(self.new));
        }
        self.steps.push(step);
    }

    fn indexes(&mut self) {
        let (old, new) = (self.old, self.new);
        let partitioned = new.partition_by.is_some();
        let dropped: Vec<String> = self
            .sides
            .old
            .iter()
            .flat_map(|t| {
                t.indexes
                    .iter()
                    .filter(|i| {
                        self.sides.new_table(&t.schema, &t.name).map_or(true, |n| {
                            !n.indexes
                                .iter()
                                .any(|x| x.name == i.name && keeps_index(i, x, is_detached(t, n)))
                        })
                    })
                    .map(|i| qualified(&t.schema, &i.name))
                    .collect::<Vec<_>>()
            })
            .chain(self.sides.old.iter().flat_map(|t| {
                t.constraints
                    .iter()
                    .filter(|c| {
                        self.sides
                            .new_table(&t.schema, &t.name)
                            .map_or(true, |n| !n.constraints.contains(c))
                    })
                    .map(|c| qualified(&t.schema, &c.name))
                    .collect::<Vec<_>>()
            }))
            .collect();
        let detached = is_detached(old, new);
        for index in &old.indexes {
            if new
                .indexes
                .iter()
                .any(|i| i.name == index.name && keeps_index(index, i, detached))
            {
                continue;
            }
            if index
                .attached_to
                .as_ref()
                .is_some_and(|p| dropped.contains(p))
            {
                continue;
            }
            let q = qualified(&new.schema, &index.name);
            let concurrently = self.sides.online && !partitioned && index.attached_to.is_none();
            let mut step = Step::new(
                Rank::DropIndex,
                format!(
                    "DROP INDEX {}{q}",
                    if concurrently { "CONCURRENTLY " } else { "" }
                ),
            )
            .removes(name(&new.schema, &index.name))
            .releases(&index.definition);
            if concurrently {
                step = step.outside_transaction();
            } else {
                step = step.hazard(HazardKind::Lock, self.lock());
            }
            self.steps.push(step);
        }
        for index in &new.indexes {
            let q = qualified(&new.schema, &index.name);
            match old.indexes.iter().find(|i| i.name == index.name) {
                Some(before)
                    if keeps_index(before, index, detached)
                        && !before
                            .attached_to
                            .as_ref()
                            .is_some_and(|p| dropped.contains(p)) =>
                {
                    let (_, old_options) = split_index_options(&before.definition);
                    let (_, new_options) = split_index_options(&index.definition);
                    let clauses = option_changes(&old_options, &new_options);
                    if !clauses.is_empty() {
                        for clause in clauses {
                            self.steps.push(
                                Step::new(Rank::CreateIndex, format!("ALTER INDEX {q} {clause}"))
                                    .hazard(HazardKind::Lock, self.lock()),
                            );
                        }
                    }
                    if let Some(step) = access::comment(
                        &format!("INDEX {q}"),
                        before.comment.as_deref(),
                        index.comment.as_deref(),
                    ) {
                        self.steps.push(step);
                    }
                    if let Some(parent) = &index.attached_to {
                        if before.attached_to.as_ref() != Some(parent) {
                            self.attach_index(parent, &index.name);
                        }
                    }
                }
                _ => {
                    let concurrently = self.sides.online && !self.fresh && !partitioned;
                    let sql = if concurrently {
                        concurrent(&index.definition)
                    } else {
                        index.definition.clone()
                    };
                    let mut step =
                        Step::new(Rank::CreateIndex, sql).provides(name(&new.schema, &index.name));
                    if !self.fresh {
                        step = step.hazard(
                            HazardKind::IndexBuild,
                            format!("builds index {q} over every row of {}", self.q),
                        );
                    }
                    if concurrently {
                        step = step.outside_transaction();
                    }
                    self.steps.push(step);
                    if let Some(step) =
                        access::comment(&format!("INDEX {q}"), None, index.comment.as_deref())
                    {
                        self.steps.push(step);
                    }
                    if let Some(parent) = &index.attached_to {
                        self.attach_index(parent, &index.name);
                    }
                }
            }
        }
    }

    fn row_level_security(&mut self) {
        let (old, new) = (self.old.row_level_security, self.new.row_level_security);
        let mut forms = Vec::new();
        if old.enabled != new.enabled {
            forms.push(if new.enabled { "ENABLE" } else { "DISABLE" });
        }
        if old.forced != new.forced {
            forms.push(if new.forced { "FORCE" } else { "NO FORCE" });
        }
        for form in forms {
            let step = Step::new(
                Rank::CreatePolicy,
                format!("ALTER TABLE {} {form} ROW LEVEL SECURITY", self.q),
            )
            .hazard(
                HazardKind::Access,
                format!(
                    "{form} ROW LEVEL SECURITY on {}: who sees which rows changes",
                    self.q
                ),
            );
            let step = self.live(step, HazardKind::Lock, self.lock());
            self.steps.push(step);
        }
    }

    fn policies(&mut self) {
        let (old, new) = (self.old, self.new);
        for policy in &old.policies {
            let kept = new.policies.iter().find(|p| p.name == policy.name);
            if kept.is_some_and(|p| !policy_replaced(policy, p)) {
                continue;
            }
            let mut definitions = String::new();
            for e in policy.using.iter().chain(&policy.with_check) {
                definitions.push_str(e);
                definitions.push('\n');
            }
            let step = Step::new(
                Rank::DropPolicy,
                format!("DROP POLICY {} ON {}", quote_ident(&policy.name), self.q),
            )
            .releases(&definitions)
            .hazard(
                HazardKind::Access,
                format!(
                    "drops policy {} on {}: {}",
                    policy.name,
                    self.q,
                    if policy.mode == "restrictive" {
                        "the rows it held back are no longer held back"
                    } else {
                        "the rows only it let through are no longer let through"
                    }
                ),
            )
            .hazard(HazardKind::Lock, self.lock());
            self.steps.push(step);
        }
        for policy in &new.policies {
            let target_sql = format!("POLICY {} ON {}", quote_ident(&policy.name), self.q);
            let before = old
                .policies
                .iter()
                .find(|p| p.name == policy.name)
                .filter(|p| !policy_replaced(p, policy));
            match before {
                None => {
                    let mut sql = format!(
                        "CREATE POLICY {} ON {} AS {} FOR {} TO {}",
                        quote_ident(&policy.name),
                        self.q,
                        policy.mode.to_uppercase(),
                        policy.command.to_uppercase(),
                        policy_roles(policy)
                    );
                    if let Some(using) = &policy.using {
                        sql.push_str(&format!(" USING ({using})"));
                    }
                    if let Some(check) = &policy.with_check {
                        sql.push_str(&format!(" WITH CHECK ({check})"));
                    }
                    let step = Step::new(Rank::CreatePolicy, sql).hazard(
                        HazardKind::Access,
                        format!(
                            "policy {} on {} decides which rows its roles see",
                            policy.name, self.q
                        ),
                    );
                    let step = self.live(step, HazardKind::Lock, self.lock());
                    self.steps.push(step);
                    if let Some(step) =
                        access::comment(&target_sql, None, policy.comment.as_deref())
                    {
                        self.steps.push(step);
                    }
                }
                Some(before) => {
                    let mut sql = format!("ALTER {target_sql}");
                    let mut changed = false;
                    if before.roles != policy.roles {
                        sql.push_str(&format!(" TO {}", policy_roles(policy)));
                        changed = true;
                    }
                    if before.using != policy.using {
                        if let Some(using) = &policy.using {
                            sql.push_str(&format!(" USING ({using})"));
                            changed = true;
                        }
                    }
                    if before.with_check != policy.with_check {
                        if let Some(check) = &policy.with_check {
                            sql.push_str(&format!(" WITH CHECK ({check})"));
                            changed = true;
                        }
                    }
                    if changed {
                        self.steps.push(
                            Step::new(Rank::CreatePolicy, sql)
                                .hazard(
                                    HazardKind::Access,
                                    format!(
                                        "changes which rows policy {} on {} lets through",
                                        policy.name, self.q
                                    ),
                                )
                                .hazard(HazardKind::Lock, self.lock()),
                        );
                    }
                    if let Some(step) = access::comment(
                        &target_sql,
                        before.comment.as_deref(),
                        policy.comment.as_deref(),
                    ) {
                        self.steps.push(step);
                    }
                }
            }
        }
    }

    fn triggers(&mut self) {
        let (old, new) = (self.old, self.new);
        for trigger in &old.triggers {
            if new
                .triggers
                .iter()
                .any(|t| t.name == trigger.name && t.definition == trigger.definition)
            {
                continue;
            }
            self.steps.push(
                Step::new(
                    Rank::DropTrigger,
                    format!("DROP TRIGGER {} ON {}", quote_ident(&trigger.name), self.q),
                )
                .releases(&trigger.definition)
                .hazard(HazardKind::Lock, self.lock()),
            );
        }
        for trigger in &new.triggers {
            let before = old
                .triggers
                .iter()
                .find(|t| t.name == trigger.name && t.definition == trigger.definition);
            if before.is_none() {
                let step = Step::new(Rank::CreateTrigger, trigger.definition.clone());
                let step = self.live(
                    step,
                    HazardKind::Lock,
                    format!("takes a SHARE ROW EXCLUSIVE lock on {}", self.q),
                );
                self.steps.push(step);
            }
            let enabled = before.map_or("origin", |t| t.enabled.as_str());
            if enabled != trigger.enabled {
                self.steps.push(self.enable(
                    Rank::CreateTrigger,
                    "TRIGGER",
                    &trigger.name,
                    &trigger.enabled,
                ));
            }
            if let Some(step) = access::comment(
                &format!("TRIGGER {} ON {}", quote_ident(&trigger.name), self.q),
                before.and_then(|t| t.comment.as_deref()),
                trigger.comment.as_deref(),
            ) {
                self.steps.push(step);
            }
        }
    }

    /// `ALTER TABLE q {ENABLE|DISABLE|ENABLE REPLICA|ENABLE ALWAYS} {TRIGGER|RULE} name`.
    fn enable(&self, rank: Rank, what: &str, object: &str, state: &str) -> Step {
        let form = match state {
            "disabled" => "DISABLE",
            "replica" => "ENABLE REPLICA",
            "always" => "ENABLE ALWAYS",
            _ => "ENABLE",
        };
        let step = Step::new(
            rank,
            format!(
                "ALTER TABLE {} {form} {what} {}",
                self.q,
                quote_ident(object)
            ),
        );
        self.live(
            step,
            HazardKind::Lock,
            format!("takes a SHARE ROW EXCLUSIVE lock on {}", self.q),
        )
    }

    fn rules(&mut self) {
        let (old, new) = (self.old, self.new);
        for rule in &old.rules {
            if new.rules.iter().any(|r| r.name == rule.name) {
                continue;
            }
            self.steps.push(
                Step::new(
                    Rank::DropRule,
                    format!("DROP RULE {} ON {}", quote_ident(&rule.name), self.q),
                )
                .releases(&rule.definition)
                .hazard(HazardKind::Lock, self.lock()),
            );
        }
        for rule in &new.rules {
            let before: Option<&Rule> = old.rules.iter().find(|r| r.name == rule.name);
            if before.map_or(true, |r| r.definition != rule.definition) {
                let definition = rule.definition.trim_end().trim_end_matches(';');
                let sql = match before {
                    Some(_) => definition.replacen("CREATE RULE", "CREATE OR REPLACE RULE", 1),
                    None => definition.to_string(),
                };
                let step = Step::new(Rank::CreateRule, sql);
                let step = self.live(step, HazardKind::Lock, self.lock());
                self.steps.push(step);
            }
            let enabled = before.map_or("origin", |r| r.enabled.as_str());
            if enabled != rule.enabled {
                self.steps
                    .push(self.enable(Rank::CreateRule, "RULE", &rule.name, &rule.enabled));
            }
            if let Some(step) = access::comment(
                &format!("RULE {} ON {}", quote_ident(&rule.name), self.q),
                before.and_then(|r| r.comment.as_deref()),
                rule.comment.as_deref(),
            ) {
                self.steps.push(step);
            }
        }
    }

    fn statistics(&mut self) {
        let (old, new) = (self.old, self.new);
        for statistics in &old.statistics {
            if new
                .statistics
                .iter()
                .any(|s| s.name == statistics.name && s.definition == statistics.definition)
            {
                continue;
            }
            let mut step = Step::new(
                Rank::DropIndex,
                format!("DROP STATISTICS {}", statistics.name),
            )
            .releases(&statistics.definition);
            if let Some(n) = named(&statistics.name) {
                step = step.removes(n);
            }
            self.steps.push(step);
        }
        for statistics in &new.statistics {
            let before: Option<&Statistics> = old
                .statistics
                .iter()
                .find(|s| s.name == statistics.name && s.definition == statistics.definition);
            if before.is_none() {
                let mut step = Step::new(Rank::CreateIndex, statistics.definition.clone());
                if let Some(n) = named(&statistics.name) {
                    step = step.provides(n);
                }
                self.steps.push(step);
            }
            if before.and_then(|s| s.target) != statistics.target {
                self.steps.push(Step::new(
                    Rank::CreateIndex,
                    format!(
                        "ALTER STATISTICS {} SET STATISTICS {}",
                        statistics.name,
                        statistics.target.unwrap_or(-1)
                    ),
                ));
            }
            if let Some(step) = access::owner(
                &format!("STATISTICS {}", statistics.name),
                before.map(|s| s.owner.as_str()),
                &statistics.owner,
            ) {
                self.steps.push(step);
            }
            if let Some(step) = access::comment(
                &format!("STATISTICS {}", statistics.name),
                before.and_then(|s| s.comment.as_deref()),
                statistics.comment.as_deref(),
            ) {
                self.steps.push(step);
            }
        }
    }

    /// Owner, comment and privileges of the table itself.
    fn access(&mut self) {
        let (old, new) = (self.old, self.new);
        let target = target(new);
        let old_owner = (!self.fresh).then_some(old.owner.as_str());
        if let Some(step) = access::owner(&target, old_owner, &new.owner) {
            self.steps
                .push(self.live(step, HazardKind::Lock, self.lock()));
        }
        if let Some(step) = access::comment(&target, old.comment.as_deref(), new.comment.as_deref())
        {
            self.steps.push(step);
        }
        let old_grants = (!self.fresh).then(|| {
            let renames = column_renames(old, new);
            let rename = |g: &crate::model::Grant| {
                let mut g = g.clone();
                if let Some(column) = &g.column {
                    if let Some((_, to)) = renames.iter().find(|(from, _)| from == column) {
                        g.column = Some(to.clone());
                    }
                }
                g
            };
            (
                old.grants.iter().map(rename).collect::<Vec<_>>(),
                old.revoked.iter().map(rename).collect::<Vec<_>>(),
            )
        });
        let on = format!("TABLE {}", self.q);
        let wanted = (new.grants.as_slice(), new.revoked.as_slice());
        self.steps.extend(match &old_grants {
            Some((granted, revoked)) => access::privileges(&on, Some((granted, revoked)), wanted),
            None => access::created_privileges(
                &on,
                "tables",
                Some(&new.schema),
                self.sides.defaults,
                wanted,
            ),
        });
    }
}

fn unquote(identifier: &str) -> String {
    identifier
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .map_or_else(|| identifier.to_string(), |s| s.replace("\"\"", "\""))
}

fn policy_roles(policy: &Policy) -> String {
    if policy.roles.is_empty() {
        return "PUBLIC".into();
    }
    policy
        .roles
        .iter()
        .map(|r| {
            if r == "public" {
                "PUBLIC".to_string()
            } else {
                access::role(r)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a policy must be dropped and created again: its mode or command changed, or an
/// expression was taken away (`ALTER POLICY` can only set them).
fn policy_replaced(old: &Policy, new: &Policy) -> bool {
    old.mode != new.mode
        || old.command != new.command
        || (old.using.is_some() && new.using.is_none())
        || (old.with_check.is_some() && new.with_check.is_none())
}

/// Whether index `old` can become `new` in place: the same definition but for its options,
/// and no way back PostgreSQL lacks (an attached partition index cannot be detached, nor a
/// valid partitioned index made invalid: both are built again). A table that is `detached`
/// from its parent takes its indexes along, detached with it.
fn keeps_index(old: &Index, new: &Index, detached: bool) -> bool {
    same_index(old, new)
        && (detached || old.attached_to.is_none() || old.attached_to == new.attached_to)
        && (old.invalid || !new.invalid)
}

/// Whether `old` leaves the partitioned table it was a partition of.
fn is_detached(old: &Table, new: &Table) -> bool {
    old.partition_of.is_some() && old.partition_of != new.partition_of
}

fn same_index(a: &Index, b: &Index) -> bool {
    split_index_options(&a.definition).0 == split_index_options(&b.definition).0
}

/// An index definition without its `WITH (…)` clause, and the options in it.
fn split_index_options(definition: &str) -> (String, Vec<String>) {
    let Some(at) = top_level(definition, " WITH (") else {
        return (definition.to_string(), Vec::new());
    };
    let open = at + " WITH ".len();
    let mut depth = 0;
    let mut quoted = false;
    let mut close = definition.len();
    for (i, c) in definition[open..].char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    close = open + i;
                    break;
                }
            }
            _ => {}
        }
    }
    let inner = &definition[open + 1..close.max(open + 1)];
    let options = inner
        .split(", ")
        .filter(|o| !o.is_empty())
        .map(|o| {
            let (key, value) = option_parts(o);
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(value)
                .replace("''", "'");
            format!("{key}={value}")
        })
        .collect();
    let rest = format!(
        "{}{}",
        &definition[..at],
        definition.get(close + 1..).unwrap_or("")
    );
    (rest, options)
}

/// Where `needle` first occurs in `text` outside parentheses and string literals.
fn top_level(text: &str, needle: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => depth -= 1,
            _ if !quoted && depth == 0 && text[i..].starts_with(needle) => return Some(i),
            _ => {}
        }
    }
    None
}

/// `CREATE [UNIQUE] INDEX CONCURRENTLY …` from an index definition.
fn concurrent(definition: &str) -> String {
    for prefix in ["CREATE UNIQUE INDEX ", "CREATE INDEX "] {
        if let Some(rest) = definition.strip_prefix(prefix) {
            return format!("{prefix}CONCURRENTLY {rest}");
        }
    }
    definition.to_string()
}

/// Whether a default is computed per row (so `ADD COLUMN` with it rewrites the table).
fn volatile(default: &str) -> bool {
    [
        "nextval(",
        "random(",
        "gen_random_uuid(",
        "clock_timestamp(",
        "uuid_generate",
    ]
    .iter()
    .any(|f| default.contains(f))
}

/// Whether changing a column's type from `old` to `new` rewrites the table, and whether it
/// can lose values or fail on them.
fn type_change(old: &str, new: &str) -> (bool, bool) {
    let length = |t: &str, base: &str| -> Option<Option<u32>> {
        let rest = t.strip_prefix(base)?;
        if rest.is_empty() {
            return Some(None);
        }
        rest.strip_prefix('(')?
            .strip_suffix(')')?
            .parse()
            .ok()
            .map(Some)
    };
    let varchar = |t: &str| length(t, "character varying");
    let wider = |a: Option<u32>, b: Option<u32>| match (a, b) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(a), Some(b)) => b >= a,
    };
    if let (Some(a), Some(b)) = (varchar(old), varchar(new)) {
        return (false, !wider(a, b));
    }
    if varchar(old).is_some() && new == "text" {
        return (false, false);
    }
    if old == "text" && varchar(new).is_some() {
        return (false, true);
    }
    let numeric = |t: &str| -> Option<Option<(u32, u32)>> {
        let rest = t.strip_prefix("numeric")?;
        if rest.is_empty() {
            return Some(None);
        }
        let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
        let (p, s) = inner.split_once(',').unwrap_or((inner, "0"));
        Some(Some((p.trim().parse().ok()?, s.trim().parse().ok()?)))
    };
    if let (Some(a), Some(b)) = (numeric(old), numeric(new)) {
        return match (a, b) {
            (_, None) => (false, false),
            (None, Some(_)) => (true, true),
            (Some((p1, s1)), Some((p2, s2))) if s1 == s2 && p2 >= p1 => (false, false),
            _ => (true, true),
        };
    }
    let widening = [
        ("smallint", "integer"),
        ("smallint", "bigint"),
        ("integer", "bigint"),
        ("real", "double precision"),
    ];
    if widening.contains(&(old, new)) {
        return (true, false);
    }
    (true, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{plan, Options};

    fn column(name: &str, data_type: &str) -> Column {
        Column {
            name: name.into(),
            data_type: data_type.into(),
            ..Column::default()
        }
    }

    fn table(name: &str, columns: Vec<Column>) -> Table {
        Table {
            schema: "shop".into(),
            name: name.into(),
            owner: "postgres".into(),
            columns,
            ..Table::default()
        }
    }

    fn db(tables: Vec<Table>) -> Database {
        Database {
            tables,
            ..Database::default()
        }
    }

    fn sql(old: &Database, new: &Database, online: bool) -> Vec<String> {
        plan(old, new, Options { online })
            .statements
            .into_iter()
            .map(|s| s.sql)
            .skip_while(|s| s.starts_with("SET "))
            .collect()
    }

    #[test]
    fn a_new_table_is_created_with_everything_in_its_file() {
        let mut t = table(
            "We/ird",
            vec![
                Column {
                    not_null: true,
                    identity: Some(Box::new(Identity {
                        generated: "always".into(),
                        sequence_name: Some("ids".into()),
                        sequence_owner: None,
                        sequence: crate::model::SequenceOptions {
                            data_type: "bigint".into(),
                            start: 100,
                            increment: 5,
                            min: 1,
                            max: i64::MAX,
                            cache: 1,
                            cycle: false,
                        },
                        grants: Vec::new(),
                        revoked: Vec::new(),
                    })),
                    ..column("Id", "bigint")
                },
                Column {
                    statistics: Some(100),
                    comment: Some("it's the note".into()),
                    ..column("note", "text")
                },
            ],
        );
        t.unlogged = true;
        t.options = vec!["fillfactor=70".into()];
        t.comment = Some("odd".into());
        let statements = sql(&db(vec![]), &db(vec![t]), false);
        assert_eq!(
            statements,
            [
                "CREATE UNLOGGED TABLE shop.\"We/ird\" (\n    \"Id\" bigint NOT NULL GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME shop.ids START WITH 100 INCREMENT BY 5 MINVALUE 1 MAXVALUE 9223372036854775807 CACHE 1 NO CYCLE),\n    note text\n) WITH (fillfactor='70')",
                "ALTER TABLE ONLY shop.\"We/ird\"\n    ALTER COLUMN note SET STATISTICS 100",
                "ALTER TABLE shop.\"We/ird\" OWNER TO postgres",
                "COMMENT ON COLUMN shop.\"We/ird\".note IS 'it''s the note'",
                "COMMENT ON TABLE shop.\"We/ird\" IS 'odd'",
            ]
        );
    }

    #[test]
    fn a_dropped_and_added_column_at_the_same_place_is_renamed() {
        let old = db(vec![table(
            "t",
            vec![column("a", "int"), column("note", "text")],
        )]);
        let new = db(vec![table(
            "t",
            vec![column("a", "int"), column("remark", "text")],
        )]);
        assert_eq!(
            sql(&old, &new, false),
            ["ALTER TABLE shop.t RENAME COLUMN note TO remark"]
        );
        assert!(invalidated(&old, &new).is_empty());
    }

    #[test]
    fn a_table_gone_and_an_identical_one_added_is_renamed() {
        let old = db(vec![table("scratch", vec![column("k", "text")])]);
        let new = db(vec![table("scratch_pad", vec![column("k", "text")])]);
        assert_eq!(
            sql(&old, &new, false),
            ["ALTER TABLE shop.scratch RENAME TO scratch_pad"]
        );
    }

    #[test]
    fn a_type_change_casts_rewrites_and_invalidates() {
        let old = db(vec![table("t", vec![column("v", "text")])]);
        let new = db(vec![table("t", vec![column("v", "integer")])]);
        let p = plan(&old, &new, Options::default());
        let step = p.statements.last().unwrap();
        assert_eq!(
            step.sql,
            "ALTER TABLE shop.t\n    ALTER COLUMN v TYPE integer USING v::integer"
        );
        let kinds: Vec<HazardKind> = step.hazards.iter().map(|h| h.kind).collect();
        assert!(kinds.contains(&HazardKind::Rewrite));
        assert!(kinds.contains(&HazardKind::DataLoss));
        assert!(kinds.contains(&HazardKind::Lock));
        assert_eq!(
            invalidated(&old, &new),
            [(name("shop", "t"), Some(vec!["v".to_string()]))]
        );
        let widened = db(vec![table("t", vec![column("v", "character varying(10)")])]);
        let wider = db(vec![table("t", vec![column("v", "character varying(20)")])]);
        let p = plan(&widened, &wider, Options::default());
        let kinds: Vec<HazardKind> = p
            .statements
            .last()
            .unwrap()
            .hazards
            .iter()
            .map(|h| h.kind)
            .collect();
        assert_eq!(kinds, [HazardKind::Lock]);
    }

    #[test]
    fn online_indexes_and_constraints_take_the_light_forms() {
        let mut old_t = table("t", vec![column("a", "integer")]);
        old_t.indexes.push(Index {
            name: "t_old_idx".into(),
            definition: "CREATE INDEX t_old_idx ON shop.t USING btree (a)".into(),
            attached_to: None,
            invalid: false,
            comment: None,
        });
        let mut new_t = table("t", vec![column("a", "integer")]);
        new_t.indexes.push(Index {
            name: "t_a_idx".into(),
            definition: "CREATE UNIQUE INDEX t_a_idx ON shop.t USING btree (a)".into(),
            attached_to: None,
            invalid: false,
            comment: None,
        });
        new_t.constraints.push(Constraint {
            name: "t_a_check".into(),
            constraint_type: "check".into(),
            definition: "CHECK ((a > 0))".into(),
            attached_to: None,
            inherit_count: 0,
            inherited_only: false,
            comment: None,
        });
        let p = plan(&db(vec![old_t]), &db(vec![new_t]), Options { online: true });
        let find = |prefix: &str| {
            p.statements
                .iter()
                .find(|s| s.sql.starts_with(prefix))
                .unwrap_or_else(|| panic!("no {prefix} in {p:?}"))
        };
        assert!(!find("DROP INDEX CONCURRENTLY shop.t_old_idx").transactional);
        let create = find("CREATE UNIQUE INDEX CONCURRENTLY t_a_idx ON shop.t");
        assert!(!create.transactional);
        assert_eq!(create.hazards[0].kind, HazardKind::IndexBuild);
        let add = find("ALTER TABLE shop.t ADD CONSTRAINT t_a_check CHECK ((a > 0)) NOT VALID");
        assert!(add.hazards.iter().all(|h| h.kind != HazardKind::DataLoss));
        let validate = find("ALTER TABLE shop.t VALIDATE CONSTRAINT t_a_check");
        let position = |s: &crate::plan::Statement| p.statements.iter().position(|x| x == s);
        assert!(position(add) < position(validate));
    }

    #[test]
    fn index_options_change_in_place() {
        let index = |with: &str| Index {
            name: "i".into(),
            definition: format!("CREATE INDEX i ON shop.t USING btree (a){with} WHERE (a > 0)"),
            attached_to: None,
            invalid: false,
            comment: None,
        };
        let mut a = table("t", vec![column("a", "integer")]);
        a.indexes.push(index(" WITH (fillfactor='80')"));
        let mut b = a.clone();
        b.indexes = vec![index(" WITH (fillfactor='60', deduplicate_items='off')")];
        let mut c = a.clone();
        c.indexes = vec![index("")];
        assert_eq!(
            sql(&db(vec![a.clone()]), &db(vec![b]), false),
            ["ALTER INDEX shop.i SET (fillfactor='60', deduplicate_items='off')"]
        );
        assert_eq!(
            sql(&db(vec![a]), &db(vec![c]), false),
            ["ALTER INDEX shop.i RESET (fillfactor)"]
        );
    }

    #[test]
    fn names_are_replaced_only_whole() {
        assert_eq!(
            replace_name("ON shop.t2, shop.t, shop.t_x (shop.t)", "shop.t", "shop.u"),
            "ON shop.t2, shop.u, shop.t_x (shop.u)"
        );
    }
}
