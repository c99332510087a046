//! Rules that must hold whatever the snapshot says, checked against the live side: a minimum
//! number of policies, tables that must have row-level security, objects that must exist.

use serde::Deserialize;

use super::scope::glob_match;
use super::{Action, Change};
use crate::codec::{catalog_object_name, function_name};
use crate::model::{qualified, quote_ident, Database};

/// `[rules]` of `schemagit.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// At least this many row-level security policies in the whole database.
    pub min_policies: Option<usize>,
    /// Patterns over `schema.table`: every matching table has RLS enabled.
    #[serde(default)]
    pub require_rls: Vec<String>,
    /// Objects that must exist, by qualified name (`app.users`, `app.users.users_tenant`).
    #[serde(default)]
    pub required: Vec<String>,
}

fn violation(object: impl Into<String>, detail: impl Into<String>) -> Change {
    let object = object.into();
    Change::new("rule", object.clone(), object, Action::Violated, detail)
}

/// Every qualified name in `db`: file-level objects and their parts.
pub fn names(db: &Database) -> Vec<String> {
    let mut names: Vec<String> = db.schemas.iter().map(|s| quote_ident(&s.name)).collect();
    for t in &db.tables {
        let table = qualified(&t.schema, &t.name);
        let part = |name: &str| format!("{table}.{}", quote_ident(name));
        names.extend(t.columns.iter().map(|c| part(&c.name)));
        names.extend(t.constraints.iter().map(|c| part(&c.name)));
        names.extend(t.indexes.iter().map(|i| part(&i.name)));
        names.extend(t.policies.iter().map(|p| part(&p.name)));
        names.extend(t.triggers.iter().map(|tr| part(&tr.name)));
        names.extend(t.rules.iter().map(|r| part(&r.name)));
        names.extend(t.statistics.iter().map(|st| st.name.clone()));
        names.push(table);
    }
    names.extend(db.views.iter().map(|v| qualified(&v.schema, &v.name)));
    names.extend(
        db.materialized_views
            .iter()
            .map(|m| qualified(&m.schema, &m.name)),
    );
    names.extend(db.sequences.iter().map(|s| qualified(&s.schema, &s.name)));
    names.extend(db.functions.iter().map(function_name));
    names.extend(db.types.iter().map(|t| qualified(&t.schema, &t.name)));
    names.extend(db.extensions.iter().map(|e| quote_ident(&e.name)));
    names.extend(db.others.iter().map(catalog_object_name));
    names
}

/// The rules `db` breaks, as critical findings.
pub fn check(rules: &Rules, db: &Database) -> Vec<Change> {
    let mut out = Vec::new();
    if let Some(minimum) = rules.min_policies {
        let count: usize = db.tables.iter().map(|t| t.policies.len()).sum();
        if count < minimum {
            out.push(violation(
                "min_policies",
                format!("{count} row-level security policies, at least {minimum} required"),
            ));
        }
    }
    for table in &db.tables {
        let plain = format!("{}.{}", table.schema, table.name);
        let display = qualified(&table.schema, &table.name);
        let rule = rules
            .require_rls
            .iter()
            .find(|p| glob_match(p, &plain) || glob_match(p, &display));
        if let (Some(pattern), false) = (rule, table.row_level_security.enabled) {
            out.push(violation(
                display,
                format!("row-level security is not enabled (require_rls {pattern:?})"),
            ));
        }
    }
    let present = names(db);
    for required in &rules.required {
        if !present.iter().any(|name| glob_match(required, name)) {
            out.push(violation(required.clone(), "required object is missing"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RowLevelSecurity, Table};

    fn table(name: &str, rls: bool) -> Table {
        Table {
            schema: "public".into(),
            name: name.into(),
            owner: "o".into(),
            unlogged: false,
            partition_by: None,
            partition_of: None,
            partition_bound: None,
            inherits: vec![],
            options: vec![],
            comment: None,
            row_level_security: RowLevelSecurity {
                enabled: rls,
                forced: false,
            },
            columns: vec![],
            constraints: vec![],
            indexes: vec![],
            policies: vec![],
            triggers: vec![],
            grants: vec![],
            revoked: vec![],
            ..Table::default()
        }
    }

    #[test]
    fn broken_rules_are_critical_findings() {
        let db = Database {
            tables: vec![table("users", true), table("Orders", false)],
            ..Database::default()
        };
        let rules = Rules {
            min_policies: Some(2),
            require_rls: vec!["public.*".into()],
            required: vec!["public.users".into(), "public.invoices".into()],
        };
        let found = check(&rules, &db);
        let objects: Vec<&str> = found.iter().map(|c| c.object.as_str()).collect();
        assert_eq!(
            objects,
            ["min_policies", "public.\"Orders\"", "public.invoices"]
        );
        assert!(found
            .iter()
            .all(|c| c.severity == crate::diff::Severity::Critical));
    }
}
