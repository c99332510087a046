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
//! notify = "https://hooks.slack.com/services/…" # drift alerts (else SLACK_WEBHOOK_URL)
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
//!
//! [audit]                       # which sessions the DDL audit trail counts as migrations
//! migration_applications = ["*flyway*"]  # application_name patterns
//! migration_roles = ["deploy"]           # role patterns
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::audit::AuditConfig;
use crate::catalog::DEFAULT_CONNECTIONS;
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
    /// How many sessions one schema read uses.
    connections: Option<usize>,
    /// How many databases a fleet run reads at once (`--jobs`).
    jobs: Option<usize>,
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
    #[serde(default)]
    audit: AuditConfig,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvConfig {
    url_env: Option<String>,
    migrations: Option<String>,
    /// This environment's role names → the names they are compared under.
    #[serde(default)]
    roles: BTreeMap<String, String>,
    /// Where drift alerts go: a webhook or an `smtp://` URL.
    notify: Option<String>,
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
    #[error("unknown environment {name:?}: schemagit.toml defines {known}")]
    UnknownEnv { name: String, known: String },
    #[error("--database-url is empty")]
    EmptyUrl,
    #[error("environment {env:?} takes its database URL from ${var}, which is not set{shared}")]
    UrlVariableUnset {
        env: String,
        var: String,
        /// A note when DATABASE_URL is set: it is not used for an environment with its own.
        shared: &'static str,
    },
    #[error("environment {env:?} has no database in schemagit.toml")]
    NoUrlVariable { env: String },
    #[error("no database to read: no --database-url, no DATABASE_URL and no PGHOST, PGDATABASE or other libpq variable is set")]
    NoDatabase,
}

impl ConfigError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            ConfigError::UnknownEnv { .. } => {
                Some("pass one of those to --env, or add [env.NAME] to schemagit.toml".to_string())
            }
            ConfigError::EmptyUrl => Some(
                "pass a postgres:// URL, or leave the flag out to use DATABASE_URL".to_string(),
            ),
            ConfigError::UrlVariableUnset { var, .. } => Some(format!(
                "export {var}='postgresql://…', or pass --database-url"
            )),
            ConfigError::NoUrlVariable { env } => Some(format!(
                "add url_env = \"VARIABLE\" under [env.{env}] and set that variable"
            )),
            ConfigError::NoDatabase => Some(
                "pass --database-url 'postgresql://user@host/db', or set DATABASE_URL".to_string(),
            ),
            _ => None,
        }
    }
}

/// The libpq variables that name a server or database: when one is set, a connection
/// without a URL goes where they say.
const LIBPQ_TARGET_VARIABLES: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGDATABASE",
    "PGUSER",
    "PGSERVICE",
];

/// Where a command that connects finds its database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A connection string, from a flag or a variable.
    Url(String),
    /// No URL: the libpq variables (`PGHOST`, …) say where.
    LibpqEnvironment,
}

/// What the process environment holds for the database URL, read once; judged only when a
/// command connects, so that offline commands never need it.
#[derive(Debug, Clone, Default)]
struct UrlSources {
    flag: Option<String>,
    database_url: Option<String>,
    /// Each environment's `url_env` variable and its value, if set and not empty.
    env_variables: BTreeMap<String, Option<String>>,
    libpq: bool,
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
    /// The migrations folder of this environment, relative to the repository root.
    pub migrations: PathBuf,
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
    /// The most sessions one schema read uses: `connections`, at least 1.
    pub connections: usize,
    /// `[severity]`: overrides per kind or per `kind.action`.
    pub severity: SeverityOverrides,
    /// `[ignore]`: objects and kinds that are not drift.
    pub ignore: Ignore,
    /// `[rules]`: what must hold on the live side.
    pub rules: Rules,
    /// `[scope]`: what a snapshot covers.
    pub scope: Scope,
    /// `[audit]`: which sessions' DDL the audit trail counts as migrations.
    pub audit: AuditConfig,
    /// Where drift alerts go: the environment's `notify`, else `SLACK_WEBHOOK_URL`.
    pub notify: Option<String>,
    urls: UrlSources,
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
    /// Whether a comparison with a previous snapshot may read only the files that differ:
    /// not when rules are configured, which judge the whole new schema.
    pub fn reads_changed_files_only(&self) -> bool {
        self.rules == Rules::default()
    }

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
        let named = flags.env.is_some() || file.default_env.is_some();
        if named && !file.env.is_empty() && !file.env.contains_key(&env) {
            return Err(ConfigError::UnknownEnv {
                name: env,
                known: file.env.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        }
        let env_config = file.env.get(&env).cloned().unwrap_or_default();
        if flags
            .database_url
            .as_deref()
            .is_some_and(|url| url.trim().is_empty())
        {
            return Err(ConfigError::EmptyUrl);
        }
        let set = |name: &str| var(name).filter(|value| !value.trim().is_empty());
        let urls = UrlSources {
            flag: flags.database_url.clone(),
            database_url: set("DATABASE_URL"),
            env_variables: file
                .env
                .values()
                .filter_map(|e| e.url_env.clone())
                .map(|name| {
                    let value = set(&name);
                    (name, value)
                })
                .collect(),
            libpq: LIBPQ_TARGET_VARIABLES
                .iter()
                .any(|name| set(name).is_some()),
        };
        let snapshot_dir = file
            .snapshot_dir
            .clone()
            .unwrap_or_else(|| DEFAULT_SNAPSHOT_DIR.to_string());
        if let Some(part) = snapshot_dir
            .split('/')
            .find(|part| matches!(*part, "." | "..") || part.eq_ignore_ascii_case(".git"))
        {
            return Err(ConfigError::Invalid {
                path,
                message: format!(
                    "snapshot_dir {snapshot_dir:?} has a {part:?} part: name a folder inside the repository, such as \"snapshots\""
                ),
            });
        }
        let severity =
            SeverityOverrides::new(&file.severity).map_err(|message| ConfigError::Invalid {
                path: path.clone(),
                message,
            })?;
        let connections = match file.connections {
            Some(0) => {
                return Err(ConfigError::Invalid {
                    path,
                    message: "connections must be at least 1 (1 reads over one session)".into(),
                })
            }
            Some(n) => n,
            None => DEFAULT_CONNECTIONS,
        };
        let notify = env_config
            .notify
            .clone()
            .or_else(|| set("SLACK_WEBHOOK_URL"));
        Ok(Config {
            notify,
            severity,
            ignore: Ignore {
                objects: file.ignore.objects.clone(),
                kinds: file.ignore.kinds.clone(),
            },
            rules: file.rules.clone(),
            scope: file.scope.clone(),
            audit: file.audit.clone(),
            snapshot_folder: format!("{}/{env}", snapshot_dir.trim_end_matches('/')),
            migrations: PathBuf::from(
                env_config
                    .migrations
                    .unwrap_or_else(|| DEFAULT_MIGRATIONS.to_string()),
            ),
            lock_timeout: Duration::from_millis(file.lock_timeout_ms.unwrap_or(5_000)),
            statement_timeout: Duration::from_millis(file.statement_timeout_ms.unwrap_or(300_000)),
            connections,
            env,
            urls,
            file,
        })
    }

    /// The database of this environment: `--database-url`; else the environment's own
    /// `url_env` variable, which must then be set (a shared `DATABASE_URL` could be another
    /// environment's database); else `DATABASE_URL`; else the libpq variables. With none of
    /// them, an error rather than a guess at `localhost`.
    pub fn database(&self) -> Result<DatabaseTarget, ConfigError> {
        if let Some(url) = &self.urls.flag {
            return Ok(DatabaseTarget::Url(url.clone()));
        }
        if self
            .file
            .env
            .get(&self.env)
            .is_some_and(|e| e.url_env.is_some())
        {
            return self.env_url(&self.env).map(DatabaseTarget::Url);
        }
        if let Some(url) = &self.urls.database_url {
            return Ok(DatabaseTarget::Url(url.clone()));
        }
        if self.urls.libpq {
            return Ok(DatabaseTarget::LibpqEnvironment);
        }
        Err(ConfigError::NoDatabase)
    }

    /// How long a snapshot waits for another run's repository lock: `repo_lock_timeout_ms`,
    /// default 30 s.
    pub fn repo_lock_timeout(&self) -> Duration {
        Duration::from_millis(self.file.repo_lock_timeout_ms.unwrap_or(30_000))
    }

    /// How many databases a fleet run reads at once: `--jobs`, else `jobs`, default 4.
    pub fn jobs(&self, flag: Option<usize>) -> usize {
        flag.or(self.file.jobs).unwrap_or(4).max(1)
    }

    /// The environments `schemagit.toml` defines, in name order (`snapshot --all`).
    pub fn environments(&self) -> Vec<String> {
        self.file.env.keys().cloned().collect()
    }

    /// This configuration for a fleet's database `name` on the same server: its own folder
    /// `snapshots/<name>`, the migrations folder of the environment the run is under (a fleet's
    /// databases run one application's migrations), no role map or alert address of its own.
    pub fn fleet_member(&self, name: &str) -> Result<Config, ConfigError> {
        if !valid_env_name(name) {
            return Err(ConfigError::EnvName(name.to_string()));
        }
        let snapshot_dir = self
            .file
            .snapshot_dir
            .clone()
            .unwrap_or_else(|| DEFAULT_SNAPSHOT_DIR.to_string());
        Ok(Config {
            env: name.to_string(),
            snapshot_folder: format!("{}/{name}", snapshot_dir.trim_end_matches('/')),
            ..self.clone()
        })
    }

    /// The role mapping of environment `name` (`[env.NAME.roles]`).
    pub fn roles(&self, name: &str) -> BTreeMap<String, String> {
        self.file
            .env
            .get(name)
            .map(|e| e.roles.clone())
            .unwrap_or_default()
    }

    /// The database URL of an environment named in `schemagit.toml` (`env:NAME` sources):
    /// the value of its `url_env` variable.
    pub fn env_url(&self, name: &str) -> Result<String, ConfigError> {
        let Some(env) = self.file.env.get(name) else {
            return Err(ConfigError::UnknownEnv {
                name: name.to_string(),
                known: self.file.env.keys().cloned().collect::<Vec<_>>().join(", "),
            });
        };
        let Some(variable) = env.url_env.clone() else {
            return Err(ConfigError::NoUrlVariable {
                env: name.to_string(),
            });
        };
        match self.urls.env_variables.get(&variable).cloned().flatten() {
            Some(url) => Ok(url),
            None => Err(ConfigError::UrlVariableUnset {
                env: name.to_string(),
                var: variable,
                shared: if self.urls.database_url.is_some() {
                    " (DATABASE_URL is set, but this environment names its own variable)"
                } else {
                    ""
                },
            }),
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
        assert!(matches!(config.database(), Err(ConfigError::NoDatabase)));
        assert_eq!(config.migrations, PathBuf::from("migrations"));
    }

    fn flags(env: Option<&str>, url: Option<&str>) -> Flags {
        Flags {
            env: env.map(str::to_string),
            database_url: url.map(str::to_string),
        }
    }

    fn url(target: Result<DatabaseTarget, ConfigError>) -> String {
        match target.unwrap() {
            DatabaseTarget::Url(url) => url,
            DatabaseTarget::LibpqEnvironment => "libpq".to_string(),
        }
    }

    #[test]
    fn the_flag_wins_then_the_environments_own_variable_then_database_url() {
        let toml = "default_env = \"prod\"\n[env.prod]\nurl_env = \"PROD_URL\"\n[env.dev]\n";
        let both = [
            ("PROD_URL", "postgres://prod"),
            ("DATABASE_URL", "postgres://du"),
        ];
        let config = |f, vars: &[(&str, &str)]| resolve(Some(toml), f, vars).unwrap();
        let flagged = config(flags(None, Some("postgres://flag")), &both);
        assert_eq!(url(flagged.database()), "postgres://flag");
        // The environment's own variable beats a shared DATABASE_URL…
        assert_eq!(
            url(config(flags(None, None), &both).database()),
            "postgres://prod"
        );
        // …which never stands in for it: that could be another environment's database.
        let unset = config(flags(None, None), &both[1..])
            .database()
            .unwrap_err();
        assert!(
            matches!(&unset, ConfigError::UrlVariableUnset { var, .. } if var == "PROD_URL"),
            "{unset}"
        );
        assert!(unset.to_string().contains("DATABASE_URL is set"), "{unset}");
        // An environment without a variable of its own uses DATABASE_URL, then libpq's.
        let dev = config(flags(Some("dev"), None), &both);
        assert_eq!(url(dev.database()), "postgres://du");
        assert_eq!(dev.snapshot_folder, "snapshots/dev");
        let libpq = config(flags(Some("dev"), None), &[("PGHOST", "/run/pg")]);
        assert_eq!(url(libpq.database()), "libpq");
        let nothing = config(flags(Some("dev"), None), &[("PGPASSWORD", "x")]);
        assert!(matches!(nothing.database(), Err(ConfigError::NoDatabase)));
        // env:NAME sources read the named environment's variable.
        assert_eq!(dev.env_url("prod").unwrap(), "postgres://prod");
        assert!(matches!(
            dev.env_url("dev"),
            Err(ConfigError::NoUrlVariable { .. })
        ));
        assert!(matches!(
            dev.env_url("qa"),
            Err(ConfigError::UnknownEnv { .. })
        ));
    }

    #[test]
    fn wrong_targets_are_refused() {
        let empty = resolve(
            None,
            flags(None, Some("")),
            &[("DATABASE_URL", "postgres://du")],
        );
        assert!(matches!(empty, Err(ConfigError::EmptyUrl)));
        let toml = "[env.prod]\n[env.staging]\n";
        let unknown = resolve(Some(toml), flags(Some("prdo"), None), &[]).unwrap_err();
        assert_eq!(
            unknown.to_string(),
            "unknown environment \"prdo\": schemagit.toml defines prod, staging"
        );
        // Without environments in the file, any name is a folder of its own.
        assert!(resolve(None, flags(Some("adhoc"), None), &[]).is_ok());
    }

    #[test]
    fn an_unset_url_variable_does_not_matter_until_a_command_connects() {
        let toml = "[env.prod]\nurl_env = \"PROD_URL\"\n";
        let config = resolve(Some(toml), flags(Some("prod"), None), &[]).unwrap();
        assert_eq!(config.snapshot_folder, "snapshots/prod");
        let message = config.database().unwrap_err().to_string();
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
        let config = resolve(Some(toml), flags(Some("staging"), None), &[]).unwrap();
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
    fn every_key_takes_effect() {
        use crate::diff::{Action, Change, Severity};
        let toml = r#"
default_env = "prod"
snapshot_dir = "schema/"
lock_timeout_ms = 1500
statement_timeout_ms = 60000
repo_lock_timeout_ms = 2500
connections = 2
[env.prod]
url_env = "PROD_URL"
migrations = "db/migrate"
roles = { app_prod = "app" }
[severity]
index = "info"
"column.added" = "critical"
[ignore]
objects = ["app.tmp_*"]
kinds = ["comment"]
[scope]
include_schemas = ["app"]
exclude_schemas = ["scratch"]
exclude_objects = ["app.legacy"]
fold_partitions = ["app.events_*"]
[rules]
min_policies = 3
require_rls = ["app.*"]
required = ["app.users"]
"#;
        let config = resolve(
            Some(toml),
            Flags::default(),
            &[("PROD_URL", "postgres://p")],
        )
        .unwrap();
        assert_eq!(config.env, "prod");
        assert_eq!(config.snapshot_folder, "schema/prod");
        assert_eq!(config.lock_timeout, Duration::from_millis(1500));
        assert_eq!(config.statement_timeout, Duration::from_secs(60));
        assert_eq!(config.repo_lock_timeout(), Duration::from_millis(2500));
        assert_eq!(config.connections, 2);
        assert_eq!(url(config.database()), "postgres://p");
        assert_eq!(config.migrations, PathBuf::from("db/migrate"));
        assert_eq!(config.roles("prod")["app_prod"], "app");
        let change = |kind, action| Change {
            severity: Severity::Warning,
            kind,
            object: "app.users.x".into(),
            parent: "app.users".into(),
            action,
            detail: String::new(),
            text_diff: None,
        };
        let mut changes = vec![
            change("index", Action::Added),
            change("column", Action::Added),
            change("column", Action::Removed),
        ];
        config.severity.apply(&mut changes);
        let severities: Vec<Severity> = changes.iter().map(|c| c.severity).collect();
        assert_eq!(
            severities,
            [Severity::Info, Severity::Critical, Severity::Warning]
        );
        assert_eq!(config.ignore.objects, ["app.tmp_*"]);
        assert_eq!(config.ignore.kinds, ["comment"]);
        assert_eq!(config.scope.include_schemas, ["app"]);
        assert_eq!(config.scope.exclude_schemas, ["scratch"]);
        assert_eq!(config.scope.exclude_objects, ["app.legacy"]);
        assert_eq!(config.scope.fold_partitions, ["app.events_*"]);
        assert_eq!(config.rules.min_policies, Some(3));
        assert_eq!(config.rules.require_rls, ["app.*"]);
        assert_eq!(config.rules.required, ["app.users"]);
        let defaults = resolve(None, Flags::default(), &[]).unwrap();
        assert_eq!(defaults.lock_timeout, Duration::from_secs(5));
        assert_eq!(defaults.statement_timeout, Duration::from_secs(300));
        assert_eq!(defaults.repo_lock_timeout(), Duration::from_secs(30));
    }

    #[test]
    fn drift_alerts_go_to_the_environments_notify_else_slack_webhook_url() {
        let toml = "[env.prod]\nnotify = \"smtp://mail?to=a@x\"\n[env.dev]\n";
        let hook = [("SLACK_WEBHOOK_URL", "https://hooks.example.com/x")];
        let prod = resolve(Some(toml), flags(Some("prod"), None), &hook).unwrap();
        assert_eq!(prod.notify.as_deref(), Some("smtp://mail?to=a@x"));
        let dev = resolve(Some(toml), flags(Some("dev"), None), &hook).unwrap();
        assert_eq!(dev.notify.as_deref(), Some("https://hooks.example.com/x"));
        let empty = resolve(
            Some(toml),
            flags(Some("dev"), None),
            &[("SLACK_WEBHOOK_URL", "")],
        );
        assert_eq!(empty.unwrap().notify, None);
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

    #[test]
    fn a_snapshot_dir_outside_the_repository_or_in_git_is_refused() {
        for dir in ["../outside", "./snapshots", "schema/.git", "a/../b"] {
            let toml = format!("snapshot_dir = {dir:?}\n");
            let refused = resolve(
                Some(&toml),
                Flags::default(),
                &[("DATABASE_URL", "postgres://p")],
            );
            assert!(
                matches!(&refused, Err(ConfigError::Invalid { message, .. }) if message.contains("inside the repository")),
                "{dir}: {refused:?}"
            );
        }
        let nested = resolve(
            Some("snapshot_dir = \"db/schema.snapshots\"\n"),
            Flags::default(),
            &[("DATABASE_URL", "postgres://p")],
        )
        .unwrap();
        assert_eq!(nested.snapshot_folder, "db/schema.snapshots/default");
    }
}
