//! `schemagit.toml` + environment + flags → one resolved [`Config`].
//!
//! ```toml
//! default_env = "prod"          # the snapshot folder when --env is not given
//! snapshot_dir = "snapshots"    # where snapshot folders live, from the repository root
//!
//! [env.prod]
//! url_env = "PROD_DATABASE_URL" # the variable that holds this environment's URL
//!
//! [env.dev]
//! migrations = "migrations"     # what --from-migrations builds when given no folder
//! roles = { app_rw_dev = "app_rw" } # role names compared as others (diff env:dev env:prod)
//!
//! [severity]                    # per kind, or per kind.action
//! index = "info"
//!
//! [ignore]
//! objects = ["app.tmp_*"]
//! kinds = ["comment"]
//!
//! [scope]                       # what a snapshot covers
//! exclude_schemas = ["scratch"]
//! fold_partitions = ["app.events_*"]
//!
//! [rules]                       # checked on the live side by check and diff
//! min_policies = 10
//! require_rls = ["public.*"]
//! required = ["app.users"]
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::diff::rules::Rules;
use crate::diff::scope::Ignore;
use crate::diff::SeverityOverrides;
use crate::model::scope::Scope;

pub const FILE_NAME: &str = "schemagit.toml";
const DEFAULT_ENV: &str = "default";
const DEFAULT_SNAPSHOT_DIR: &str = "snapshots";
const DEFAULT_MIGRATIONS: &str = "migrations";

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    default_env: Option<String>,
    snapshot_dir: Option<String>,
    lock_timeout_ms: Option<u64>,
    statement_timeout_ms: Option<u64>,
    repo_lock_timeout_ms: Option<u64>,
    #[serde(default)]
    env: BTreeMap<String, EnvConfig>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    ignore: IgnoreConfig,
    #[serde(default)]
    rules: Rules,
    #[serde(default)]
    scope: Scope,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvConfig {
    url_env: Option<String>,
    migrations: Option<String>,
    /// This environment's role names → the names they are compared under.
    #[serde(default)]
    roles: BTreeMap<String, String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreConfig {
    #[serde(default)]
    objects: Vec<String>,
    #[serde(default)]
    kinds: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("environment name {0:?} is not usable as a folder name (use letters, digits, '_', '-' and '.')")]
    EnvName(String),
    #[error("environment {env:?} takes its database URL from ${var}, which is not set")]
    UrlVariableUnset { env: String, var: String },
}

/// What the flags say, before the file and the environment fill the gaps.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub env: Option<String>,
    pub database_url: Option<String>,
}

/// Everything a command needs to know about where and what.
#[derive(Debug, Clone)]
pub struct Config {
    /// The environment, which names the snapshot folder.
    pub env: String,
    /// `snapshots/<env>`, `/`-separated, relative to the repository root.
    pub snapshot_folder: String,
    /// The connection string, when one was given by flag, `DATABASE_URL` or the environment's
    /// variable; `None` leaves it to the libpq environment (`PGHOST`, …).
    pub database_url: Option<String>,
    /// The migrations folder of this environment, relative to the repository root.
    pub migrations: PathBuf,
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
    /// `[severity]`: overrides per kind or per `kind.action`.
    pub severity: SeverityOverrides,
    /// `[ignore]`: objects and kinds that are not drift.
    pub ignore: Ignore,
    /// `[rules]`: what must hold on the live side.
    pub rules: Rules,
    /// `[scope]`: what a snapshot covers.
    pub scope: Scope,
    file: FileConfig,
}

fn valid_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

impl Config {
    /// Resolves the configuration of a repository rooted at `root` (which may hold no
    /// `schemagit.toml`). `var` reads the process environment.
    pub fn resolve(
        root: &Path,
        flags: &Flags,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let path = root.join(FILE_NAME);
        let file: FileConfig = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| ConfigError::Invalid {
                path: path.clone(),
                message: e.message().to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => FileConfig::default(),
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        let env = flags
            .env
            .clone()
            .or_else(|| file.default_env.clone())
            .unwrap_or_else(|| DEFAULT_ENV.to_string());
        if !valid_env_name(&env) {
            return Err(ConfigError::EnvName(env));
        }
        let env_config = file.env.get(&env).cloned().unwrap_or_default();
        let database_url = match (
            &flags.database_url,
            var("DATABASE_URL"),
            &env_config.url_env,
        ) {
            (Some(url), _, _) => Some(url.clone()),
            (None, Some(url), _) if !url.is_empty() => Some(url),
            (None, _, Some(name)) => {
                Some(var(name).ok_or_else(|| ConfigError::UrlVariableUnset {
                    env: env.clone(),
                    var: name.clone(),
                })?)
            }
            _ => None,
        };
        let snapshot_dir = file
            .snapshot_dir
            .clone()
            .unwrap_or_else(|| DEFAULT_SNAPSHOT_DIR.to_string());
        let severity =
            SeverityOverrides::new(&file.severity).map_err(|message| ConfigError::Invalid {
                path: path.clone(),
                message,
            })?;
        Ok(Config {
            severity,
            ignore: Ignore {
                objects: file.ignore.objects.clone(),
                kinds: file.ignore.kinds.clone(),
            },
            rules: file.rules.clone(),
            scope: file.scope.clone(),
            snapshot_folder: format!("{}/{env}", snapshot_dir.trim_end_matches('/')),
            migrations: PathBuf::from(
                env_config
                    .migrations
                    .unwrap_or_else(|| DEFAULT_MIGRATIONS.to_string()),
            ),
            lock_timeout: Duration::from_millis(file.lock_timeout_ms.unwrap_or(5_000)),
            statement_timeout: Duration::from_millis(file.statement_timeout_ms.unwrap_or(300_000)),
            env,
            database_url,
            file,
        })
    }

    /// How long a snapshot waits for another run's repository lock: `repo_lock_timeout_ms`,
    /// default 30 s.
    pub fn repo_lock_timeout(&self) -> Duration {
        Duration::from_millis(self.file.repo_lock_timeout_ms.unwrap_or(30_000))
    }

    /// The role mapping of environment `name` (`[env.NAME.roles]`).
    pub fn roles(&self, name: &str) -> BTreeMap<String, String> {
        self.file
            .env
            .get(name)
            .map(|e| e.roles.clone())
            .unwrap_or_default()
    }

    /// The database URL of another environment named in `schemagit.toml` (`env:NAME` sources).
    pub fn env_url(
        &self,
        name: &str,
        var: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<String>, ConfigError> {
        match self.file.env.get(name).and_then(|e| e.url_env.clone()) {
            Some(variable) => var(&variable)
                .map(Some)
                .ok_or(ConfigError::UrlVariableUnset {
                    env: name.to_string(),
                    var: variable,
                }),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(
        toml: Option<&str>,
        flags: Flags,
        vars: &[(&str, &str)],
    ) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        if let Some(text) = toml {
            std::fs::write(dir.path().join(FILE_NAME), text).unwrap();
        }
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let var = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Config::resolve(dir.path(), &flags, &var)
    }

    #[test]
    fn defaults_without_a_file() {
        let config = resolve(None, Flags::default(), &[]).unwrap();
        assert_eq!(config.env, "default");
        assert_eq!(config.snapshot_folder, "snapshots/default");
        assert_eq!(config.database_url, None);
        assert_eq!(config.migrations, PathBuf::from("migrations"));
    }

    #[test]
    fn flag_beats_database_url_beats_env_variable() {
        let toml = "default_env = \"prod\"\n[env.prod]\nurl_env = \"PROD_URL\"\n";
        let vars = [
            ("PROD_URL", "postgres://prod"),
            ("DATABASE_URL", "postgres://du"),
        ];
        let flag = Flags {
            env: None,
            database_url: Some("postgres://flag".into()),
        };
        assert_eq!(
            resolve(Some(toml), flag, &vars)
                .unwrap()
                .database_url
                .unwrap(),
            "postgres://flag"
        );
        assert_eq!(
            resolve(Some(toml), Flags::default(), &vars)
                .unwrap()
                .database_url
                .unwrap(),
            "postgres://du"
        );
        let config = resolve(Some(toml), Flags::default(), &vars[..1]).unwrap();
        assert_eq!(config.database_url.unwrap(), "postgres://prod");
        assert_eq!(config.snapshot_folder, "snapshots/prod");
    }

    #[test]
    fn unset_url_variable_names_it() {
        let toml = "[env.prod]\nurl_env = \"PROD_URL\"\n";
        let flags = Flags {
            env: Some("prod".into()),
            database_url: None,
        };
        let message = resolve(Some(toml), flags, &[]).unwrap_err().to_string();
        assert!(message.contains("$PROD_URL"), "{message}");
    }

    #[test]
    fn severity_ignore_rules_and_roles_are_read() {
        let toml = r#"
[severity]
index = "info"
"column.added" = "warning"
[ignore]
objects = ["app.tmp_*"]
kinds = ["comment"]
[rules]
min_policies = 3
require_rls = ["public.*"]
required = ["app.users"]
[scope]
exclude_schemas = ["scratch"]
fold_partitions = ["app.events_*"]
[env.staging]
url_env = "STAGING_URL"
roles = { app_rw_staging = "app_rw" }
"#;
        let config = resolve(Some(toml), Flags::default(), &[]).unwrap();
        assert_eq!(config.ignore.objects, ["app.tmp_*"]);
        assert_eq!(config.rules.min_policies, Some(3));
        assert_eq!(config.scope.exclude_schemas, ["scratch"]);
        assert_eq!(config.scope.fold_partitions, ["app.events_*"]);
        assert_eq!(config.roles("staging")["app_rw_staging"], "app_rw");
        assert!(config.roles("prod").is_empty());
        let bad = resolve(
            Some("[severity]\nindex = \"loud\"\n"),
            Flags::default(),
            &[],
        );
        assert!(bad.unwrap_err().to_string().contains("loud"));
    }

    #[test]
    fn bad_files_and_names_are_refused() {
        assert!(resolve(Some("default_env = 3"), Flags::default(), &[]).is_err());
        assert!(resolve(Some("unknown_key = 1"), Flags::default(), &[]).is_err());
        let flags = Flags {
            env: Some("../x".into()),
            database_url: None,
        };
        assert!(matches!(
            resolve(None, flags, &[]),
            Err(ConfigError::EnvName(_))
        ));
    }
}
