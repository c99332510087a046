//! What a snapshot covers: schemas included or excluded, objects excluded by pattern, and
//! partitions folded into their parent (so that a new daily partition is not a daily commit).

use serde::Deserialize;

use super::{qualified, Database};

/// `[scope]` of `schemagit.toml`. Patterns use `*` and `?` over `schema.name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Only these schemas (all when empty).
    #[serde(default)]
    pub include_schemas: Vec<String>,
    #[serde(default)]
    pub exclude_schemas: Vec<String>,
    /// Tables, views, sequences, functions, types and other schema objects left out.
    #[serde(default)]
    pub exclude_objects: Vec<String>,
    /// Partitions matching these are left out; their parent, with its partition key, stays.
    #[serde(default)]
    pub fold_partitions: Vec<String>,
}

/// `*` matches any run of characters, `?` any one; everything else matches itself.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl Scope {
    fn any(patterns: &[String], schema: &str, name: &str) -> bool {
        let plain = format!("{schema}.{name}");
        let display = qualified(schema, name);
        patterns
            .iter()
            .any(|p| glob_match(p, &plain) || glob_match(p, &display))
    }

    fn schema_in(&self, schema: &str) -> bool {
        (self.include_schemas.is_empty()
            || self.include_schemas.iter().any(|p| glob_match(p, schema)))
            && !self.exclude_schemas.iter().any(|p| glob_match(p, schema))
    }

    fn keeps(&self, schema: &str, name: &str) -> bool {
        self.schema_in(schema) && !Self::any(&self.exclude_objects, schema, name)
    }

    /// Removes from `db` everything outside the scope.
    pub fn apply(&self, db: &mut Database) {
        if *self == Scope::default() {
            return;
        }
        db.schemas.retain(|s| self.schema_in(&s.name));
        db.tables.retain(|t| {
            self.keeps(&t.schema, &t.name)
                && !(t.partition_of.is_some()
                    && Self::any(&self.fold_partitions, &t.schema, &t.name))
        });
        db.views.retain(|v| self.keeps(&v.schema, &v.name));
        db.materialized_views
            .retain(|m| self.keeps(&m.schema, &m.name));
        db.sequences.retain(|s| self.keeps(&s.schema, &s.name));
        db.functions.retain(|f| self.keeps(&f.schema, &f.name));
        db.types.retain(|t| self.keeps(&t.schema, &t.name));
        db.others.retain(|o| match &o.schema {
            Some(schema) => self.keeps(schema, &o.name),
            None => true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Schema, Table};

    fn table(schema: &str, name: &str, partition_of: Option<&str>) -> Table {
        Table {
            schema: schema.into(),
            name: name.into(),
            partition_of: partition_of.map(str::to_string),
            ..Table::default()
        }
    }

    #[test]
    fn globs_match_like_shell_patterns() {
        assert!(glob_match("public.*", "public.users"));
        assert!(glob_match("app.tmp_*", "app.tmp_2024"));
        assert!(glob_match("a?c", "abc"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("public.*", "app.users"));
        assert!(!glob_match("app.t", "app.tt"));
        assert!(glob_match("*.users.*", "app.users.email"));
    }

    #[test]
    fn schemas_objects_and_partitions_are_scoped() {
        let mut db = Database {
            schemas: ["app", "scratch", "audit"]
                .iter()
                .map(|n| Schema {
                    name: n.to_string(),
                    owner: "o".into(),
                    comment: None,
                    grants: vec![],
                    revoked: vec![],
                })
                .collect(),
            tables: vec![
                table("app", "events", None),
                table("app", "events_2024_01_01", Some("app.events")),
                table("app", "events_archive", None),
                table("app", "tmp_load", None),
                table("scratch", "x", None),
                table("audit", "log", None),
            ],
            ..Database::default()
        };
        let scope = Scope {
            include_schemas: vec!["app".into(), "scratch".into()],
            exclude_schemas: vec!["scratch".into()],
            exclude_objects: vec!["app.tmp_*".into()],
            fold_partitions: vec!["app.events_*".into()],
        };
        scope.apply(&mut db);
        let tables: Vec<&str> = db.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(tables, ["events", "events_archive"]);
        let schemas: Vec<&str> = db.schemas.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(schemas, ["app"]);
    }
}
