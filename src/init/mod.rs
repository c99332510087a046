//! What `schemagit init` writes: a commented `schemagit.toml`, `snapshots/.gitkeep` and two
//! GitHub workflows, rendered from the files in `templates/` for a list of environments. Pure:
//! the CLI checks the repository and writes them.
//!
//! Environment names end up in YAML, shell scripts, branch names and secret names, so only
//! names that are safe in all four are accepted: letters, digits, `_` and `-`.

/// The environments when `init` is given none: the two the workflows' secrets are named for.
pub const DEFAULT_ENVIRONMENTS: [&str; 2] = ["production", "staging"];

/// The composite action the workflows install schemagit with, unless `--action` names another.
pub const DEFAULT_ACTION: &str = "schemagit/schemagit@v1";

/// The workflow input that stands for every environment.
const ALL: &str = "all";

const CONFIG: &str = include_str!("templates/schemagit.toml");
const CONFIG_ENVIRONMENT: &str = include_str!("templates/environment.toml");
const SCHEMA_VALIDATE: &str = include_str!("templates/schema-validate.yml");
const SNAPSHOT_GEN: &str = include_str!("templates/snapshot-gen.yml");
const COMPARE_JOB: &str = include_str!("templates/compare-job.yml");
const SNAPSHOT_FLEET: &str = include_str!("templates/snapshot-fleet.yml");

/// The indentation of a step's `env:` entries in the templates.
const STEP_ENV_INDENT: &str = "          ";

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum InitError {
    #[error("environment name {0:?} cannot be used in a workflow: use letters, digits, '_' and '-', starting with a letter or digit")]
    EnvName(String),
    #[error("environment {0:?} is given twice")]
    Repeated(String),
    #[error("environment name \"all\" is taken: the snapshot workflow's input uses it for every environment")]
    ReservedName,
    #[error("environments {first:?} and {second:?} would share the secret {secret}")]
    SameSecret {
        first: String,
        second: String,
        secret: String,
    },
    #[error("--action {0:?} is not an action reference: use OWNER/REPO@REF, or ./PATH in this repository")]
    Action(String),
}

/// One file to write, its path relative to the repository root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: &'static str,
    pub contents: String,
}

/// The variable (and CI secret) that holds an environment's database URL:
/// `staging-eu` → `STAGING_EU_DATABASE_URL`. The workflows' shell computes the same name with
/// `tr '[:lower:]-' '[:upper:]_'`.
pub fn url_variable(env: &str) -> String {
    format!(
        "{}_DATABASE_URL",
        env.to_ascii_uppercase().replace('-', "_")
    )
}

fn valid_name(env: &str) -> bool {
    env.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && env
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
}

/// `OWNER/REPO@REF` (optionally `OWNER/REPO/PATH@REF`) or `./PATH`.
fn valid_action(action: &str) -> bool {
    let safe = |text: &str| {
        !text.is_empty()
            && !text.contains("..")
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
    };
    if action == "./" {
        return true;
    }
    if let Some(path) = action.strip_prefix("./") {
        return safe(path);
    }
    match action.split_once('@') {
        Some((name, reference)) => {
            safe(name) && safe(reference) && name.split('/').filter(|p| !p.is_empty()).count() >= 2
        }
        None => false,
    }
}

fn check_environments(envs: &[String]) -> Result<(), InitError> {
    for (index, env) in envs.iter().enumerate() {
        if !valid_name(env) {
            return Err(InitError::EnvName(env.clone()));
        }
        if env == ALL {
            return Err(InitError::ReservedName);
        }
        if let Some(earlier) = envs[..index]
            .iter()
            .find(|other| url_variable(other) == url_variable(env))
        {
            if earlier == env {
                return Err(InitError::Repeated(env.clone()));
            }
            return Err(InitError::SameSecret {
                first: earlier.clone(),
                second: env.clone(),
                secret: url_variable(env),
            });
        }
    }
    Ok(())
}

/// `["production", "staging"]`: a YAML flow sequence, and JSON too.
fn sequence<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items
        .into_iter()
        .map(|item| format!("\"{item}\""))
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// The `env:` lines that give a matrix job its own environment's secret and no other:
/// `PRODUCTION_DATABASE_URL: ${{ matrix.environment == 'production' && secrets.… || '' }}`.
fn matrix_secrets(envs: &[String], key: &str) -> Vec<String> {
    envs.iter()
        .map(|env| {
            let variable = url_variable(env);
            format!(
                "{STEP_ENV_INDENT}{variable}: ${{{{ matrix.{key} == '{env}' && secrets.{variable} || '' }}}}"
            )
        })
        .collect()
}

fn compare_job(envs: &[String], action: &str) -> String {
    let Some((base, others)) = envs.split_first().filter(|(_, others)| !others.is_empty()) else {
        return String::new();
    };
    let variable = url_variable(base);
    let mut secrets = vec![format!(
        "{STEP_ENV_INDENT}{variable}: ${{{{ secrets.{variable} }}}}"
    )];
    secrets.extend(matrix_secrets(others, "other"));
    COMPARE_JOB
        .replace("@ACTION@", action)
        .replace(
            "@OTHER_ENVIRONMENTS@",
            &sequence(others.iter().map(String::as_str)),
        )
        .replace("@DATABASE_SECRETS@", &secrets.join("\n"))
        .replace("@BASE_ENV@", base)
}

fn config(envs: &[String]) -> String {
    let tables: String = envs
        .iter()
        .map(|env| {
            CONFIG_ENVIRONMENT
                .replace("@ENV@", env)
                .replace("@URL_VARIABLE@", &url_variable(env))
        })
        .collect();
    CONFIG
        .replace("@DEFAULT_ENV@", &envs[0])
        .replace("@ENVIRONMENT_TABLES@", &tables)
}

/// Every file `init` writes for `envs` (the defaults when empty), in the order it writes them;
/// the workflows install schemagit with `action`.
pub fn files(envs: &[String], action: &str) -> Result<Vec<File>, InitError> {
    let envs: Vec<String> = if envs.is_empty() {
        DEFAULT_ENVIRONMENTS.iter().map(|e| e.to_string()).collect()
    } else {
        envs.to_vec()
    };
    check_environments(&envs)?;
    if !valid_action(action) {
        return Err(InitError::Action(action.to_string()));
    }
    let names = sequence(envs.iter().map(String::as_str));
    let secrets = matrix_secrets(&envs, "environment").join("\n");
    let validate = SCHEMA_VALIDATE
        .replace("@ACTION@", action)
        .replace("@ENVIRONMENTS@", &names)
        .replace("@DATABASE_SECRETS@", &secrets);
    let snapshot = SNAPSHOT_GEN
        .replace("@COMPARE_JOB@", &compare_job(&envs, action))
        .replace("@ACTION@", action)
        .replace(
            "@ENVIRONMENT_CHOICES@",
            &sequence(std::iter::once(ALL).chain(envs.iter().map(String::as_str))),
        )
        .replace("@ENVIRONMENTS@", &names)
        .replace("@DATABASE_SECRETS@", &secrets);
    Ok(vec![
        File {
            path: crate::config::FILE_NAME,
            contents: config(&envs),
        },
        File {
            path: "snapshots/.gitkeep",
            contents: String::new(),
        },
        File {
            path: ".github/workflows/schema-validate.yml",
            contents: validate,
        },
        File {
            path: ".github/workflows/snapshot-gen.yml",
            contents: snapshot,
        },
    ])
}

/// The fleet's snapshot workflow (`init --shards N`): a matrix of `shards` jobs, each running
/// `snapshot --databases … --shard I/N` onto its own branch; the workflow installs schemagit
/// with `action`.
pub fn fleet_workflow(shards: u16, action: &str) -> Result<File, InitError> {
    if !valid_action(action) {
        return Err(InitError::Action(action.to_string()));
    }
    let list: Vec<String> = (1..=shards).map(|i| i.to_string()).collect();
    Ok(File {
        path: ".github/workflows/snapshot-fleet.yml",
        contents: SNAPSHOT_FLEET
            .replace("@SHARD_LIST@", &format!("[{}]", list.join(", ")))
            .replace("@SHARDS@", &shards.to_string())
            .replace("@ACTION@", action),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Flags};

    #[test]
    fn the_fleet_workflow_runs_one_job_per_shard() {
        let file = fleet_workflow(3, DEFAULT_ACTION).unwrap();
        assert!(file.contents.contains("        shard: [1, 2, 3]\n"));
        assert!(file
            .contents
            .contains("--shard \"$SHARD/3\" --branch \"$branch\" --push"));
        assert!(!file.contents.contains("@SHARDS@") && !file.contents.contains("@ACTION@"));
    }

    fn names(envs: &[&str]) -> Vec<String> {
        envs.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn the_configuration_loads_with_each_environment_and_its_secret() {
        let files = files(&names(&["prod", "staging-eu"]), DEFAULT_ACTION).unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("schemagit.toml"), &files[0].contents).unwrap();
        let vars = |name: &str| (name == "STAGING_EU_DATABASE_URL").then(|| "postgres://s".into());
        let config = Config::resolve(dir.path(), &Flags::default(), &vars).unwrap();
        assert_eq!(config.env, "prod");
        assert_eq!(config.snapshot_folder, "snapshots/prod");
        assert_eq!(config.env_url("staging-eu").unwrap(), "postgres://s");
        assert!(config
            .database()
            .unwrap_err()
            .to_string()
            .contains("$PROD_DATABASE_URL"));
    }

    #[test]
    fn every_placeholder_is_filled() {
        for envs in [names(&[]), names(&["dev"]), names(&["a", "b", "c"])] {
            for file in files(&envs, "./").unwrap() {
                let placeholder = file.contents.split('@').skip(1).any(|rest| {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                        .collect();
                    !name.is_empty() && rest[name.len()..].starts_with('@')
                });
                assert!(!placeholder, "{}:\n{}", file.path, file.contents);
            }
        }
    }

    #[test]
    fn each_matrix_job_gets_only_its_own_secret() {
        let files = files(&[], DEFAULT_ACTION).unwrap();
        let validate = &files[2].contents;
        assert!(validate.contains("          PRODUCTION_DATABASE_URL: ${{ matrix.environment == 'production' && secrets.PRODUCTION_DATABASE_URL || '' }}\n"));
        assert!(validate.contains("environment: [\"production\", \"staging\"]"));
        assert!(validate.contains("uses: schemagit/schemagit@v1"));
        let snapshot = &files[3].contents;
        assert!(snapshot.contains("options: [\"all\", \"production\", \"staging\"]"));
        assert!(snapshot.contains("name: compare production with ${{ matrix.other }}"));
        assert!(snapshot.contains("          STAGING_DATABASE_URL: ${{ matrix.other == 'staging' && secrets.STAGING_DATABASE_URL || '' }}\n"));
        // One environment has nothing to compare with.
        let single = super::files(&names(&["dev"]), "./").unwrap();
        assert!(!single[3].contents.contains("compare"));
    }

    #[test]
    fn unsafe_names_and_references_are_refused() {
        for (envs, error) in [
            (vec!["prod;rm"], InitError::EnvName("prod;rm".into())),
            (vec!["-x"], InitError::EnvName("-x".into())),
            (vec!["a.b"], InitError::EnvName("a.b".into())),
            (vec!["all"], InitError::ReservedName),
            (vec!["prod", "prod"], InitError::Repeated("prod".into())),
            (
                vec!["eu-1", "eu_1"],
                InitError::SameSecret {
                    first: "eu-1".into(),
                    second: "eu_1".into(),
                    secret: "EU_1_DATABASE_URL".into(),
                },
            ),
        ] {
            assert_eq!(files(&names(&envs), DEFAULT_ACTION).unwrap_err(), error);
        }
        for action in [
            "schemagit",
            "a/b",
            "a/b@",
            "../x",
            "./a/../b",
            "a/b@v1 x",
            "a@v1",
        ] {
            assert_eq!(
                files(&[], action).unwrap_err(),
                InitError::Action(action.into())
            );
        }
        for action in [
            "./",
            "./tools/schemagit",
            "acme/schemagit@v1.2",
            "acme/mono/schemagit@main",
        ] {
            assert!(files(&[], action).is_ok(), "{action}");
        }
    }
}
