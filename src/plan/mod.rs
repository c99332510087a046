//! `plan`: the DDL that turns one schema into another, every statement with its hazards, in an
//! order PostgreSQL accepts (pure: model × model → statements).
//!
//! Each object kind has its own generator (`tables`, `objects` for schemas, extensions, types,
//! sequences and functions, `views`, `catalog` for every other kind) that says what to drop,
//! create and alter, with `access` for the owners, comments and privileges they share. The
//! generators do not order anything: each statement says which names it provides, removes and
//! releases, and `order` sorts them by what their SQL mentions. Views (and what else must be
//! dropped to let a table, type or view change) are rebuilt: dropped and created again from
//! the new side, which `Context::rebuild` names.

mod access;
mod catalog;
mod objects;
mod order;
mod roles;
mod step;
mod tables;
mod views;

use std::collections::HashSet;

use serde::Serialize;

pub use roles::roles;
use step::Name;
pub use step::{Hazard, HazardKind};

use crate::model::Database;

/// How the plan is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Lock-light forms: indexes built and dropped concurrently outside the transaction,
    /// constraints added `NOT VALID` and validated after, a `lock_timeout` at the top.
    pub online: bool,
}

/// What every generator is told.
pub struct Context<'a> {
    pub options: Options,
    /// Views, materialized views and functions present on both sides that must be dropped
    /// and created again from the new side, because something they use is.
    pub rebuild: &'a HashSet<Name>,
}

/// One statement of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub sql: String,
    pub hazards: Vec<Hazard>,
    pub transactional: bool,
}

/// The statements that turn one schema into another, in the order to run them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub statements: Vec<Statement>,
}

/// The plan from `old` to `new`: empty when they are the same schema.
pub fn plan(old: &Database, new: &Database, options: Options) -> Plan {
    let rebuild = rebuild(old, new);
    let context = Context {
        options,
        rebuild: &rebuild,
    };
    let mut steps = Vec::new();
    steps.extend(objects::steps(old, new, &context));
    steps.extend(tables::steps(old, new, &context));
    steps.extend(views::steps(old, new, &context));
    steps.extend(catalog::steps(old, new, &context));
    if steps.is_empty() {
        return Plan::default();
    }
    let mut prelude = vec![Statement {
        sql: "SET check_function_bodies = false".into(),
        hazards: Vec::new(),
        transactional: true,
    }];
    if options.online {
        prelude.push(Statement {
            sql: "SET lock_timeout = '5s'".into(),
            hazards: Vec::new(),
            transactional: true,
        });
    }
    let statements = prelude
        .into_iter()
        .chain(order::sort(steps).into_iter().map(|step| Statement {
            sql: step.sql,
            hazards: step.hazards,
            transactional: step.transactional,
        }))
        .collect();
    Plan { statements }
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// How many statements carry each kind of hazard, in kind order.
    pub fn hazard_counts(&self) -> Vec<(HazardKind, usize)> {
        let mut counts: Vec<(HazardKind, usize)> = Vec::new();
        for kind in self
            .statements
            .iter()
            .flat_map(|s| s.hazards.iter().map(|h| h.kind))
            .collect::<std::collections::BTreeSet<_>>()
        {
            let n = self
                .statements
                .iter()
                .filter(|s| s.hazards.iter().any(|h| h.kind == kind))
                .count();
            counts.push((kind, n));
        }
        counts
    }

    /// The plan as one SQL script: each run of transactional statements inside `BEGIN` …
    /// `COMMIT`, the rest between them, every statement preceded by its hazards as comments.
    pub fn script(&self) -> String {
        let mut out = String::new();
        let mut open = false;
        for statement in &self.statements {
            if statement.transactional != open {
                out.push_str(if open { "COMMIT;\n\n" } else { "BEGIN;\n\n" });
                open = statement.transactional;
            }
            for hazard in &statement.hazards {
                out.push_str(&format!("-- {}: {}\n", hazard.kind.label(), hazard.detail));
            }
            out.push_str(&statement.sql);
            out.push_str(";\n\n");
        }
        if open {
            out.push_str("COMMIT;\n");
        }
        out
    }

    /// The statements grouped as they run: a transactional run is one group, applied in one
    /// transaction; each other statement is a group of its own.
    pub fn groups(&self) -> Vec<(bool, Vec<&Statement>)> {
        let mut groups: Vec<(bool, Vec<&Statement>)> = Vec::new();
        for statement in &self.statements {
            match groups.last_mut() {
                Some((true, group)) if statement.transactional => group.push(statement),
                _ => groups.push((statement.transactional, vec![statement])),
            }
        }
        groups
    }
}

/// The views, materialized views and functions on both sides to drop and create again: those
/// that use (transitively) a column that is dropped or changes type, a table made again, or a
/// type, view or function that the generators replace rather than alter.
fn rebuild(old: &Database, new: &Database) -> HashSet<Name> {
    let mut invalid: HashSet<Name> = HashSet::new();
    let mut columns: Vec<(Name, Vec<String>)> = Vec::new();
    for (table, changed) in tables::invalidated(old, new) {
        match changed {
            None => {
                invalid.insert(table);
            }
            Some(changed) => columns.push((table, changed)),
        }
    }
    invalid.extend(objects::invalidated(old, new));
    invalid.extend(views::invalidated(old, new));
    let dependants = views::dependants(old, new);
    let mut rebuild = HashSet::new();
    loop {
        let before = rebuild.len();
        for dependant in &dependants {
            let reads_changed = || {
                columns.iter().any(|(table, changed)| {
                    dependant.uses.contains(table) && changed.iter().any(|c| dependant.may_read(c))
                })
            };
            if !rebuild.contains(&dependant.name)
                && (dependant.uses.iter().any(|u| invalid.contains(u)) || reads_changed())
            {
                rebuild.insert(dependant.name.clone());
                invalid.insert(dependant.name.clone());
            }
        }
        if rebuild.len() == before {
            return rebuild;
        }
    }
}
