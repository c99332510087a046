//! Views and materialized views.
//!
//! A view whose query changes is replaced in place (`CREATE OR REPLACE VIEW`) when its columns
//! only grow at the end; otherwise, and for any materialized view whose query changes, it is
//! dropped and created again, which `invalidated` reports so that what reads it is rebuilt
//! too. Everything attached to a view (column defaults and comments, options, triggers,
//! rules, owner, grants, comment) and to a materialized view (indexes, options, column
//! comments, owner, grants, comment) is altered one by one otherwise.

use std::collections::BTreeMap;

use super::access;
use super::order::mentions;
use super::step::{name, HazardKind, Name, Rank, Step};
use super::Context;
use crate::model::{
    qualified, quote_ident, Database, Index, MaterializedView, Rule, Trigger, View, ViewColumn,
};

/// The statements for every view and materialized view that differs.
pub fn steps(old: &Database, new: &Database, context: &Context) -> Vec<Step> {
    let mut steps = Vec::new();
    let olds = by_key(&old.views, |v| (v.schema.as_str(), v.name.as_str()));
    let news = by_key(&new.views, |v| (v.schema.as_str(), v.name.as_str()));
    for (key, next) in &news {
        match olds.get(key) {
            None => create_view(old, next, &mut steps),
            Some(prev)
                if view_recreated(prev, next)
                    || context.rebuild.contains(&name(&next.schema, &next.name)) =>
            {
                steps.push(drop_view(prev));
                create_view(old, next, &mut steps);
            }
            Some(prev) => alter_view(prev, next, &mut steps),
        }
    }
    for (_, prev) in olds.iter().filter(|(k, _)| !news.contains_key(*k)) {
        steps.push(drop_view(prev));
    }
    let olds = by_key(&old.materialized_views, |v| {
        (v.schema.as_str(), v.name.as_str())
    });
    let news = by_key(&new.materialized_views, |v| {
        (v.schema.as_str(), v.name.as_str())
    });
    for (key, next) in &news {
        match olds.get(key) {
            None => create_matview(old, next, context, &mut steps),
            Some(prev)
                if matview_recreated(prev, next)
                    || context.rebuild.contains(&name(&next.schema, &next.name)) =>
            {
                steps.push(drop_matview(prev));
                create_matview(old, next, context, &mut steps);
            }
            Some(prev) => alter_matview(prev, next, context, &mut steps),
        }
    }
    for (_, prev) in olds.iter().filter(|(k, _)| !news.contains_key(*k)) {
        steps.push(drop_matview(prev));
    }
    steps
}

/// Views and materialized views on both sides that are dropped and created again rather than
/// replaced in place.
pub fn invalidated(old: &Database, new: &Database) -> Vec<Name> {
    let mut names = Vec::new();
    let news = by_key(&new.views, |v| (v.schema.as_str(), v.name.as_str()));
    for view in &old.views {
        if news
            .get(&(view.schema.as_str(), view.name.as_str()))
            .is_some_and(|next| view_recreated(view, next))
        {
            names.push(name(&view.schema, &view.name));
        }
    }
    let news = by_key(&new.materialized_views, |v| {
        (v.schema.as_str(), v.name.as_str())
    });
    for view in &old.materialized_views {
        if news
            .get(&(view.schema.as_str(), view.name.as_str()))
            .is_some_and(|next| matview_recreated(view, next))
        {
            names.push(name(&view.schema, &view.name));
        }
    }
    names
}

/// Every view, materialized view and function on both sides, with the names its old
/// definition uses.
pub fn dependants(old: &Database, new: &Database) -> Vec<Dependant> {
    let mut found = Vec::new();
    let mut add = |own: Name, definition: &[String]| {
        let text = definition.join("\n");
        let uses = mentions(&text).into_iter().filter(|n| *n != own).collect();
        found.push(Dependant {
            name: own,
            uses,
            folded: text.to_lowercase(),
        });
    };
    let views = by_key(&new.views, |v| (v.schema.as_str(), v.name.as_str()));
    for view in &old.views {
        if views.contains_key(&(view.schema.as_str(), view.name.as_str())) {
            add(name(&view.schema, &view.name), &view.definition);
        }
    }
    let matviews = by_key(&new.materialized_views, |v| {
        (v.schema.as_str(), v.name.as_str())
    });
    for view in &old.materialized_views {
        if matviews.contains_key(&(view.schema.as_str(), view.name.as_str())) {
            add(name(&view.schema, &view.name), &view.definition);
        }
    }
    let functions = by_key(&new.functions, |f| {
        (
            f.schema.as_str(),
            f.name.as_str(),
            f.identity_arguments.as_str(),
        )
    });
    for function in &old.functions {
        let key = (
            function.schema.as_str(),
            function.name.as_str(),
            function.identity_arguments.as_str(),
        );
        if functions.contains_key(&key) {
            add(name(&function.schema, &function.name), &function.definition);
        }
    }
    found
}

/// A view, materialized view or function on both sides, with the names its old definition
/// mentions and that definition, case folded once.
pub struct Dependant {
    pub name: Name,
    pub uses: Vec<Name>,
    folded: String,
}

impl Dependant {
    /// Whether the definition may read `column`: whether its name appears anywhere in it,
    /// case folded (the server deparses a view's columns qualified, so one it reads always
    /// appears; a name that appears for another reason only costs a rebuild).
    pub fn may_read(&self, column: &str) -> bool {
        self.folded.contains(&column.to_lowercase())
    }
}

fn by_key<'a, T, K: Ord>(items: &'a [T], key: impl Fn(&'a T) -> K) -> BTreeMap<K, &'a T> {
    items.iter().map(|item| (key(item), item)).collect()
}

/// A query kept as lines, without its closing semicolon.
fn query(lines: &[String]) -> String {
    let text = lines.join("\n");
    let text = text.trim_end();
    text.strip_suffix(';')
        .unwrap_or(text)
        .trim_end()
        .to_string()
}

fn with_options(options: &[String]) -> String {
    if options.is_empty() {
        String::new()
    } else {
        format!(" WITH ({})", options.join(", "))
    }
}

/// The name of a `name=value` option.
fn option_name(option: &str) -> &str {
    option.split_once('=').map_or(option, |(n, _)| n)
}

/// `ALTER <target> SET (…)` and `RESET (…)` for options that differ.
fn option_steps(target: &str, old: &[String], new: &[String], provides: &Name) -> Vec<Step> {
    let set: Vec<&String> = new.iter().filter(|o| !old.contains(o)).collect();
    let reset: Vec<&str> = old
        .iter()
        .map(|o| option_name(o))
        .filter(|n| !new.iter().any(|o| option_name(o) == *n))
        .collect();
    let mut steps = Vec::new();
    if !reset.is_empty() {
        let mut step = Step::new(
            Rank::CreateView,
            format!("ALTER {target} RESET ({})", reset.join(", ")),
        )
        .provides(provides.clone());
        for option in reset.iter().filter(|n| n.starts_with("security_")) {
            step = step.hazard(
                HazardKind::Access,
                format!("{target}: {option} is reset, which changes whose rights apply"),
            );
        }
        steps.push(step);
    }
    if !set.is_empty() {
        let list: Vec<&str> = set.iter().map(|s| s.as_str()).collect();
        let mut step = Step::new(
            Rank::CreateView,
            format!("ALTER {target} SET ({})", list.join(", ")),
        )
        .provides(provides.clone());
        for option in list
            .iter()
            .map(|o| option_name(o))
            .filter(|n| n.starts_with("security_"))
        {
            step = step.hazard(
                HazardKind::Access,
                format!("{target}: {option} changes, which changes whose rights apply"),
            );
        }
        steps.push(step);
    }
    steps
}

// Views

fn view_name(view: &View) -> String {
    qualified(&view.schema, &view.name)
}

/// Whether the query cannot be replaced in place: a column that was there is renamed,
/// retyped, moved or gone.
fn view_recreated(prev: &View, next: &View) -> bool {
    prev.definition != next.definition && !columns_grow(&prev.columns, &next.columns)
}

fn columns_grow(old: &[ViewColumn], new: &[ViewColumn]) -> bool {
    old.len() <= new.len()
        && old
            .iter()
            .zip(new)
            .all(|(a, b)| a.name == b.name && a.data_type == b.data_type)
}

fn create_view_sql(view: &View, replace: bool) -> String {
    format!(
        "CREATE {}VIEW {}{} AS\n{}",
        if replace { "OR REPLACE " } else { "" },
        view_name(view),
        with_options(&view.options),
        query(&view.definition)
    )
}

fn create_view(old: &Database, view: &View, steps: &mut Vec<Step>) {
    let own = view_name(view);
    let provides = name(&view.schema, &view.name);
    steps
        .push(Step::new(Rank::CreateView, create_view_sql(view, false)).provides(provides.clone()));
    for column in &view.columns {
        view_column(&own, &provides, column, None, steps);
    }
    for trigger in &view.triggers {
        create_trigger(&own, trigger, steps);
    }
    for rule in &view.rules {
        create_rule(&own, rule, steps);
    }
    let target = format!("VIEW {own}");
    steps.extend(access::owner(&target, None, &view.owner));
    steps.extend(access::comment(&target, None, view.comment.as_deref()));
    steps.extend(access::created_privileges(
        &format!("TABLE {own}"),
        "tables",
        Some(&view.schema),
        old,
        (&view.grants, &view.revoked),
    ));
}

fn drop_view(view: &View) -> Step {
    Step::new(Rank::DropView, format!("DROP VIEW {}", view_name(view)))
        .removes(name(&view.schema, &view.name))
        .releases(&view.definition.join("\n"))
        .hazard(HazardKind::Lock, view_lock(&view.schema, &view.name))
}

/// What taking an existing view's ACCESS EXCLUSIVE lock means.
fn view_lock(schema: &str, view: &str) -> String {
    format!("takes an ACCESS EXCLUSIVE lock on {schema}.{view}: it waits for the queries reading it, and new ones wait for it")
}

/// A view column's default and comment, from `old` (`None` for a new column).
fn view_column(
    own: &str,
    provides: &Name,
    column: &ViewColumn,
    old: Option<&ViewColumn>,
    steps: &mut Vec<Step>,
) {
    let col = quote_ident(&column.name);
    let old_default = old.and_then(|c| c.default.as_ref());
    if old_default != column.default.as_ref() {
        let sql = match &column.default {
            Some(default) => format!("ALTER VIEW {own} ALTER COLUMN {col} SET DEFAULT {default}"),
            None => format!("ALTER VIEW {own} ALTER COLUMN {col} DROP DEFAULT"),
        };
        steps.push(Step::new(Rank::CreateView, sql).provides(provides.clone()));
    }
    steps.extend(access::comment(
        &format!("COLUMN {own}.{col}"),
        old.and_then(|c| c.comment.as_deref()),
        column.comment.as_deref(),
    ));
}

fn create_trigger(own: &str, trigger: &Trigger, steps: &mut Vec<Step>) {
    steps.push(Step::new(Rank::CreateTrigger, trigger.definition.clone()));
    steps.extend(access::comment(
        &format!("TRIGGER {} ON {own}", quote_ident(&trigger.name)),
        None,
        trigger.comment.as_deref(),
    ));
}

fn drop_trigger(own: &str, trigger: &Trigger) -> Step {
    Step::new(
        Rank::DropTrigger,
        format!("DROP TRIGGER {} ON {own}", quote_ident(&trigger.name)),
    )
    .releases(&trigger.definition)
}

fn rule_sql(rule: &Rule) -> String {
    let text = rule.definition.trim_end();
    text.strip_suffix(';').unwrap_or(text).to_string()
}

fn create_rule(own: &str, rule: &Rule, steps: &mut Vec<Step>) {
    steps.push(Step::new(Rank::CreateRule, rule_sql(rule)));
    steps.extend(access::comment(
        &format!("RULE {} ON {own}", quote_ident(&rule.name)),
        None,
        rule.comment.as_deref(),
    ));
}

fn drop_rule(own: &str, rule: &Rule) -> Step {
    Step::new(
        Rank::DropRule,
        format!("DROP RULE {} ON {own}", quote_ident(&rule.name)),
    )
    .releases(&rule_sql(rule))
}

fn alter_view(prev: &View, next: &View, steps: &mut Vec<Step>) {
    let own = view_name(next);
    let target = format!("VIEW {own}");
    let provides = name(&next.schema, &next.name);
    if prev.definition != next.definition {
        // CREATE OR REPLACE sets the options it is given, so they need no statement of
        // their own.
        steps.push(
            Step::new(Rank::CreateView, create_view_sql(next, true))
                .provides(provides.clone())
                .releases(&prev.definition.join("\n"))
                .hazard(HazardKind::Lock, view_lock(&next.schema, &next.name)),
        );
    } else {
        steps.extend(option_steps(
            &target,
            &prev.options,
            &next.options,
            &provides,
        ));
    }
    for column in &next.columns {
        let before = prev.columns.iter().find(|c| c.name == column.name);
        view_column(&own, &provides, column, before, steps);
    }
    for trigger in &prev.triggers {
        if !next
            .triggers
            .iter()
            .any(|t| t.name == trigger.name && t.definition == trigger.definition)
        {
            steps.push(drop_trigger(&own, trigger));
        }
    }
    for trigger in &next.triggers {
        match prev.triggers.iter().find(|t| t.name == trigger.name) {
            Some(before) if before.definition == trigger.definition => {
                steps.extend(access::comment(
                    &format!("TRIGGER {} ON {own}", quote_ident(&trigger.name)),
                    before.comment.as_deref(),
                    trigger.comment.as_deref(),
                ));
            }
            _ => create_trigger(&own, trigger, steps),
        }
    }
    for rule in &prev.rules {
        if !next
            .rules
            .iter()
            .any(|r| r.name == rule.name && r.definition == rule.definition)
        {
            steps.push(drop_rule(&own, rule));
        }
    }
    for rule in &next.rules {
        match prev.rules.iter().find(|r| r.name == rule.name) {
            Some(before) if before.definition == rule.definition => {
                steps.extend(access::comment(
                    &format!("RULE {} ON {own}", quote_ident(&rule.name)),
                    before.comment.as_deref(),
                    rule.comment.as_deref(),
                ));
            }
            _ => create_rule(&own, rule, steps),
        }
    }
    steps.extend(access::owner(&target, Some(&prev.owner), &next.owner));
    steps.extend(access::comment(
        &target,
        prev.comment.as_deref(),
        next.comment.as_deref(),
    ));
    steps.extend(access::privileges(
        &format!("TABLE {own}"),
        Some((&prev.grants, &prev.revoked)),
        (&next.grants, &next.revoked),
    ));
}

// Materialized views

fn matview_name(view: &MaterializedView) -> String {
    qualified(&view.schema, &view.name)
}

fn matview_recreated(prev: &MaterializedView, next: &MaterializedView) -> bool {
    prev.definition != next.definition
}

fn create_matview(
    old: &Database,
    view: &MaterializedView,
    context: &Context,
    steps: &mut Vec<Step>,
) {
    let own = matview_name(view);
    let label = format!("{}.{}", view.schema, view.name);
    steps.push(
        Step::new(
            Rank::CreateView,
            format!(
                "CREATE MATERIALIZED VIEW {own}{} AS\n{}\nWITH NO DATA",
                with_options(&view.options),
                query(&view.definition)
            ),
        )
        .provides(name(&view.schema, &view.name))
        .hazard(
            HazardKind::DataLoss,
            format!(
                "materialized view {label} is created empty: run REFRESH MATERIALIZED VIEW {own} before it is read"
            ),
        ),
    );
    for index in &view.indexes {
        create_index(view, index, true, context, steps);
    }
    for column in &view.columns {
        steps.extend(access::comment(
            &format!("COLUMN {own}.{}", quote_ident(&column.name)),
            None,
            column.comment.as_deref(),
        ));
    }
    let target = format!("MATERIALIZED VIEW {own}");
    steps.extend(access::owner(&target, None, &view.owner));
    steps.extend(access::comment(&target, None, view.comment.as_deref()));
    steps.extend(access::created_privileges(
        &format!("TABLE {own}"),
        "tables",
        Some(&view.schema),
        old,
        (&view.grants, &view.revoked),
    ));
}

fn drop_matview(view: &MaterializedView) -> Step {
    Step::new(
        Rank::DropView,
        format!("DROP MATERIALIZED VIEW {}", matview_name(view)),
    )
    .removes(name(&view.schema, &view.name))
    .releases(&view.definition.join("\n"))
    .hazard(
        HazardKind::DataLoss,
        format!(
            "drops materialized view {}.{} and the rows it holds",
            view.schema, view.name
        ),
    )
    .hazard(HazardKind::Lock, view_lock(&view.schema, &view.name))
}

/// An index on a materialized view; `empty` when the view was just created without data,
/// which makes the build free. Online, an index on a view that holds rows is built
/// concurrently.
fn create_index(
    view: &MaterializedView,
    index: &Index,
    empty: bool,
    context: &Context,
    steps: &mut Vec<Step>,
) {
    let label = format!("{}.{}", view.schema, view.name);
    let mut step = if empty {
        Step::new(Rank::CreateIndex, index.definition.clone())
    } else if context.options.online {
        Step::new(
            Rank::CreateIndex,
            index
                .definition
                .replacen(" INDEX ", " INDEX CONCURRENTLY ", 1),
        )
        .outside_transaction()
        .hazard(
            HazardKind::IndexBuild,
            format!("builds index {} on {label}", index.name),
        )
    } else {
        Step::new(Rank::CreateIndex, index.definition.clone())
            .hazard(
                HazardKind::IndexBuild,
                format!("builds index {} on {label}", index.name),
            )
            .hazard(
                HazardKind::Lock,
                format!("blocks REFRESH MATERIALIZED VIEW {label} while the index builds"),
            )
    };
    step = step.provides(name(&view.schema, &index.name));
    steps.push(step);
    steps.extend(access::comment(
        &format!("INDEX {}", qualified(&view.schema, &index.name)),
        None,
        index.comment.as_deref(),
    ));
}

fn drop_index(view: &MaterializedView, index: &Index, context: &Context) -> Step {
    let own = qualified(&view.schema, &index.name);
    let step = if context.options.online {
        Step::new(Rank::DropIndex, format!("DROP INDEX CONCURRENTLY {own}")).outside_transaction()
    } else {
        Step::new(Rank::DropIndex, format!("DROP INDEX {own}")).hazard(
            HazardKind::Lock,
            format!(
                "takes an ACCESS EXCLUSIVE lock on {}.{}",
                view.schema, view.name
            ),
        )
    };
    step.removes(name(&view.schema, &index.name))
}

fn alter_matview(
    prev: &MaterializedView,
    next: &MaterializedView,
    context: &Context,
    steps: &mut Vec<Step>,
) {
    let own = matview_name(next);
    let target = format!("MATERIALIZED VIEW {own}");
    let provides = name(&next.schema, &next.name);
    steps.extend(option_steps(
        &target,
        &prev.options,
        &next.options,
        &provides,
    ));
    for index in &prev.indexes {
        if !next
            .indexes
            .iter()
            .any(|i| i.name == index.name && i.definition == index.definition)
        {
            steps.push(drop_index(prev, index, context));
        }
    }
    for index in &next.indexes {
        match prev.indexes.iter().find(|i| i.name == index.name) {
            Some(before) if before.definition == index.definition => {
                steps.extend(access::comment(
                    &format!("INDEX {}", qualified(&next.schema, &index.name)),
                    before.comment.as_deref(),
                    index.comment.as_deref(),
                ));
            }
            _ => create_index(next, index, false, context, steps),
        }
    }
    for column in &next.columns {
        let before = prev.columns.iter().find(|c| c.name == column.name);
        steps.extend(access::comment(
            &format!("COLUMN {own}.{}", quote_ident(&column.name)),
            before.and_then(|c| c.comment.as_deref()),
            column.comment.as_deref(),
        ));
    }
    steps.extend(access::owner(&target, Some(&prev.owner), &next.owner));
    steps.extend(access::comment(
        &target,
        prev.comment.as_deref(),
        next.comment.as_deref(),
    ));
    steps.extend(access::privileges(
        &format!("TABLE {own}"),
        Some((&prev.grants, &prev.revoked)),
        (&next.grants, &next.revoked),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(name: &str, data_type: &str) -> ViewColumn {
        ViewColumn {
            name: name.into(),
            data_type: data_type.into(),
            default: None,
            comment: None,
        }
    }

    #[test]
    fn a_view_is_replaced_in_place_only_when_its_columns_grow_at_the_end() {
        let a = [column("id", "integer"), column("total", "numeric")];
        let grown = [a[0].clone(), a[1].clone(), column("note", "text")];
        assert!(columns_grow(&a, &grown));
        assert!(!columns_grow(&grown, &a));
        assert!(!columns_grow(&a, &[column("id", "bigint"), a[1].clone()]));
        assert!(!columns_grow(&a, &[a[1].clone(), a[0].clone()]));
    }

    #[test]
    fn options_are_set_and_reset_by_name() {
        let old = [
            "security_barrier=true".to_string(),
            "check_option=local".to_string(),
        ];
        let new = ["check_option=cascaded".to_string()];
        let steps = option_steps("VIEW s.v", &old, &new, &name("s", "v"));
        let sql: Vec<&str> = steps.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "ALTER VIEW s.v RESET (security_barrier)",
                "ALTER VIEW s.v SET (check_option=cascaded)"
            ]
        );
        assert_eq!(steps[0].hazards.len(), 1);
        assert!(steps[1].hazards.is_empty());
    }
}
