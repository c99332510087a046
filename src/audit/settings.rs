//! `[audit]` of `schemagit.toml`: which sessions' DDL counts as a migration. The patterns reach
//! the event trigger through the table `schemagit.audit_settings`, which `audit install` writes.

use serde::Deserialize;

/// application_name patterns of common migration tools, matched case-insensitively.
const DEFAULT_APPLICATIONS: &[&str] = &[
    "*alembic*",
    "*atlas*",
    "*dbmate*",
    "*diesel*",
    "*drizzle*",
    "*flyway*",
    "*goose*",
    "*graphile-migrate*",
    "*knex*",
    "*liquibase*",
    "*migrate*",
    "*prisma*",
    "*rails*",
    "*refinery*",
    "*sequelize*",
    "*sqitch*",
    "*sqlx*",
    "*supabase*",
    "*typeorm*",
];

/// Role names of deploy users, matched case-insensitively.
const DEFAULT_ROLES: &[&str] = &["*migrat*", "*deploy*", "flyway", "liquibase"];

/// The patterns that mark a session as a migration (`*` any run, `?` one character).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    #[serde(default = "default_applications")]
    pub migration_applications: Vec<String>,
    #[serde(default = "default_roles")]
    pub migration_roles: Vec<String>,
}

fn default_applications() -> Vec<String> {
    DEFAULT_APPLICATIONS.iter().map(|p| p.to_string()).collect()
}

fn default_roles() -> Vec<String> {
    DEFAULT_ROLES.iter().map(|p| p.to_string()).collect()
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            migration_applications: default_applications(),
            migration_roles: default_roles(),
        }
    }
}

/// The upsert that stores one setting; `$1` its name, `$2` its patterns.
pub(super) const WRITE_SETTING: &str = include_str!("sql/write_setting.sql");

impl AuditConfig {
    /// Each setting's name and patterns, as `schemagit.audit_settings` holds them.
    pub(super) fn rows(&self) -> [(&'static str, &[String]); 2] {
        [
            ("migration_applications", &self.migration_applications),
            ("migration_roles", &self.migration_roles),
        ]
    }

    /// The settings as SQL with literal values, for `audit sql` (a script has no parameters).
    pub fn as_sql(&self) -> String {
        let mut sql = String::from(
            "-- Which sessions are migrations: [audit] of schemagit.toml, as `audit sql` printed it.\n",
        );
        for (name, patterns) in self.rows() {
            let array = patterns
                .iter()
                .map(|p| quote_literal(p))
                .collect::<Vec<_>>()
                .join(", ");
            sql.push_str(&format!(
                "INSERT INTO schemagit.audit_settings (name, patterns) VALUES ({}, ARRAY[{array}]::text[])\n    ON CONFLICT (name) DO UPDATE SET patterns = EXCLUDED.patterns;\n",
                quote_literal(name)
            ));
        }
        sql
    }
}

/// A string as an SQL literal (`standard_conforming_strings`, on since PostgreSQL 9.1): quotes
/// doubled, and `E'…'` never needed because backslashes are plain characters.
fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_print_as_literal_sql() {
        let config = AuditConfig {
            migration_applications: vec!["o'brien*".into()],
            migration_roles: vec![],
        };
        assert_eq!(
            config.as_sql().lines().skip(1).collect::<Vec<_>>(),
            [
                "INSERT INTO schemagit.audit_settings (name, patterns) VALUES ('migration_applications', ARRAY['o''brien*']::text[])",
                "    ON CONFLICT (name) DO UPDATE SET patterns = EXCLUDED.patterns;",
                "INSERT INTO schemagit.audit_settings (name, patterns) VALUES ('migration_roles', ARRAY[]::text[])",
                "    ON CONFLICT (name) DO UPDATE SET patterns = EXCLUDED.patterns;",
            ]
        );
    }

    #[test]
    fn common_migration_tools_are_defaults() {
        let config: AuditConfig = toml::from_str("").unwrap();
        for tool in ["*prisma*", "*flyway*", "*sqlx*", "*migrate*", "*alembic*"] {
            assert!(config.migration_applications.iter().any(|p| p == tool));
        }
        let custom: AuditConfig = toml::from_str("migration_roles = [\"ops_*\"]").unwrap();
        assert_eq!(custom.migration_roles, ["ops_*"]);
        assert_eq!(custom.migration_applications, config.migration_applications);
    }
}
