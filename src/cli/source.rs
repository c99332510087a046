//! Where a schema comes from: a git revision, a snapshot folder, a live database (URL or
//! `env:NAME`), or the schema that migration files build in a throwaway PostgreSQL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{runtime, CliError, Context, ErrorKind};
use crate::audit;
use crate::catalog::connect::{self, ConnectOptions};
use crate::catalog::{introspect, IntrospectOptions, Introspection, ReadStep};
use crate::codec::{self, MANIFEST};
use crate::config::{Config, DatabaseTarget};
use crate::ephemeral::EphemeralPostgres;
use crate::folder::read_folder;
use crate::migrations::bookkeeping::remove_bookkeeping;
use crate::migrations::owner::adopt_owner;
use crate::migrations::{self, Tool};
use crate::model::Database;
use crate::vcs::FolderFiles;

/// A source as the user wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Revision(String),
    Folder(PathBuf),
    Url(String),
    Env(String),
    Migrations(Option<PathBuf>),
}

impl Source {
    /// `postgres://…` and key=value strings are databases, `env:NAME` an environment's
    /// database, `migrations[:DIR]` the migrations' schema, a folder holding `manifest.json` a
    /// snapshot folder, anything else a git revision.
    pub fn parse(text: &str, root: &Path) -> Source {
        let conninfo = text.contains('=') && text.split_whitespace().all(|word| word.contains('='));
        if text.starts_with("postgres://") || text.starts_with("postgresql://") || conninfo {
            return Source::Url(text.to_string());
        }
        if let Some(name) = text.strip_prefix("env:") {
            return Source::Env(name.to_string());
        }
        if text == "migrations" {
            return Source::Migrations(None);
        }
        if let Some(dir) = text.strip_prefix("migrations:") {
            return Source::Migrations(Some(PathBuf::from(dir)));
        }
        let path = root.join(text);
        if Path::new(text).join(MANIFEST).is_file() || path.join(MANIFEST).is_file() {
            let folder = if Path::new(text).is_dir() {
                PathBuf::from(text)
            } else {
                path
            };
            return Source::Folder(folder);
        }
        Source::Revision(text.to_string())
    }
}

/// A schema read from a source, with the environment whose role names it uses.
pub struct Loaded {
    pub database: Database,
    pub env: String,
    /// How to name the source to a person.
    pub label: String,
    /// For a replay of migrations: the throwaway server's role that owns what it built.
    pub replay_owner: Option<String>,
}

/// Reads both sides of a comparison; live sources only read, nothing is written anywhere. A revision that exists but holds no snapshot folder for
/// the environment (the commit before the first snapshot, or the empty history before a root
/// commit) is the empty schema, provided the other side has one: everything is added, or
/// removed. When neither side has a snapshot there is nothing to compare.
pub fn load_pair(
    context: &Context,
    old: &Source,
    new: &Source,
) -> Result<(Loaded, Loaded), CliError> {
    if let (Source::Revision(old), Source::Revision(new)) = (old, new) {
        if let Some(pair) = differing_objects(context, old, new)? {
            return Ok(pair);
        }
    }
    load_whole_pair(context, old, new)
}

/// Reads both sides of a comparison in full, as [`load_pair`] does when it cannot shortcut.
pub fn load_whole_pair(
    context: &Context,
    old: &Source,
    new: &Source,
) -> Result<(Loaded, Loaded), CliError> {
    let old = find(context, old)?;
    let new = find(context, new)?;
    let (old, new) = match (old, new) {
        (Found::Schema(mut old), Found::Schema(mut new)) => {
            adopt_replay_owners(&mut old, &mut new);
            (Found::Schema(old), Found::Schema(new))
        }
        pair => pair,
    };
    match (old, new) {
        (Found::Schema(old), Found::Schema(new)) => Ok((*old, *new)),
        (Found::NoSnapshot { revision }, Found::Schema(new)) => {
            Ok((empty(context, &revision), *new))
        }
        (Found::Schema(old), Found::NoSnapshot { revision }) => {
            Ok((*old, empty(context, &revision)))
        }
        (Found::NoSnapshot { revision }, Found::NoSnapshot { .. }) => {
            Err(no_snapshot_folder(context, &revision))
        }
    }
}

/// Two revisions' snapshots of the environment, each holding only the objects whose files can
/// differ between them: what both hold byte for byte (one hash in both manifests, one git
/// blob) gives no change whatever the role maps and ignore lists say, since both sides are
/// read under the same environment. Each manifest and file list is checked as a full read
/// checks them, and each file read is checked against its hash. `None` when either revision
/// has no snapshot folder, or when rules are configured, which judge the whole new schema:
/// those are read in full.
fn differing_objects(
    context: &Context,
    old: &str,
    new: &str,
) -> Result<Option<(Loaded, Loaded)>, CliError> {
    if context.config.rules != crate::diff::rules::Rules::default() {
        return Ok(None);
    }
    let folder = &context.config.snapshot_folder;
    let repo = context.repo()?;
    let (Some(old_files), Some(new_files)) = (
        repo.folder_files(old, folder)?,
        repo.folder_files(new, folder)?,
    ) else {
        return Ok(None);
    };
    let manifest = |files: &FolderFiles| -> Result<codec::Manifest, CliError> {
        let read = repo.read_listed(files, [MANIFEST])?;
        let manifest = codec::decode_manifest(&read)?;
        codec::check_listing(&manifest, files.paths())?;
        Ok(manifest)
    };
    let (old_manifest, new_manifest) = (manifest(&old_files)?, manifest(&new_files)?);
    let (old_entries, new_entries) =
        codec::differing_entries(&old_manifest.objects, &new_manifest.objects, |path| {
            old_files.same_file(&new_files, path)
        });
    let side = |files: &FolderFiles, entries: Vec<&codec::ManifestEntry>, revision: &str| {
        let read = repo.read_listed(files, entries.iter().map(|e| e.path.as_str()))?;
        Ok::<_, CliError>(Loaded {
            database: codec::decode_entries(entries, &read)?,
            env: context.config.env.clone(),
            label: format!("{revision}:{folder}"),
            replay_owner: None,
        })
    };
    Ok(Some((
        side(&old_files, old_entries, old)?,
        side(&new_files, new_entries, new)?,
    )))
}

/// A replay's objects belong to the throwaway server's superuser; compared with a schema that
/// is no replay, they are read as owned by that schema's main owner (see
/// [`crate::migrations::owner`]).
pub fn adopt_replay_owners(old: &mut Loaded, new: &mut Loaded) {
    adopt_replay_owner(old, new);
    adopt_replay_owner(new, old);
}

fn adopt_replay_owner(side: &mut Loaded, other: &Loaded) {
    if let (Some(owner), None) = (&side.replay_owner, &other.replay_owner) {
        adopt_owner(&mut side.database, owner, &other.database);
    }
}

/// What a source holds.
pub enum Found {
    Schema(Box<Loaded>),
    /// A revision without the environment's snapshot folder.
    NoSnapshot {
        revision: String,
    },
}

/// The schema before the first snapshot, in place of `revision`, which has none.
fn empty(context: &Context, revision: &str) -> Loaded {
    Loaded {
        database: Database::default(),
        env: context.config.env.clone(),
        label: format!("{revision} (no snapshot)"),
        replay_owner: None,
    }
}

/// A source's schema, or that the revision it names holds no snapshot folder for the
/// environment.
pub fn find(context: &Context, source: &Source) -> Result<Found, CliError> {
    let config = &context.config;
    let env = config.env.clone();
    match source {
        Source::Revision(revision) => {
            let folder = &config.snapshot_folder;
            let Some(files) = context.repo()?.read_folder(revision, folder)? else {
                return Ok(Found::NoSnapshot {
                    revision: revision.clone(),
                });
            };
            Ok(Found::Schema(Box::new(Loaded {
                database: codec::decode(&files)?,
                env,
                label: format!("{revision}:{folder}"),
                replay_owner: None,
            })))
        }
        Source::Folder(path) => Ok(Found::Schema(Box::new(Loaded {
            database: codec::decode(&read_folder(path)?)?,
            env,
            label: path.display().to_string(),
            replay_owner: None,
        }))),
        Source::Url(url) => {
            let target = ConnectOptions::parse(url)?;
            let read = read_live(&target, config)?;
            Ok(Found::Schema(Box::new(Loaded {
                database: read.database,
                env,
                label: target.display_redacted(),
                replay_owner: None,
            })))
        }
        Source::Env(name) => {
            let target = ConnectOptions::parse(&config.env_url(name)?)?;
            let read = read_live(&target, config)?;
            Ok(Found::Schema(Box::new(Loaded {
                database: read.database,
                env: name.clone(),
                label: format!("env:{name} ({})", target.display_redacted()),
                replay_owner: None,
            })))
        }
        Source::Migrations(dir) => {
            let dir = dir.clone().unwrap_or_else(|| config.migrations.clone());
            let root = context.work_tree("a migrations source")?;
            let replay = read_migrations(&root.join(&dir), config)?;
            Ok(Found::Schema(Box::new(Loaded {
                label: format!(
                    "{} ({}, throwaway PostgreSQL {})",
                    dir.display(),
                    replay.tool.name(),
                    replay.introspection.server_version
                ),
                database: replay.introspection.database,
                env,
                replay_owner: Some(replay.superuser),
            })))
        }
    }
}

/// The files of the environment's snapshot folder committed at `revision`.
pub fn committed_folder(
    context: &Context,
    revision: &str,
) -> Result<BTreeMap<String, Vec<u8>>, CliError> {
    let folder = &context.config.snapshot_folder;
    context
        .repo()?
        .read_folder(revision, folder)?
        .ok_or_else(|| no_snapshot_folder(context, revision))
}

fn no_snapshot_folder(context: &Context, revision: &str) -> CliError {
    CliError::new(
        ErrorKind::Snapshot,
        format!(
            "revision {revision} has no snapshot folder {}",
            context.config.snapshot_folder
        ),
    )
    .with_hint("choose the environment with --env, or a revision that has a snapshot (schemagit snapshot makes one)")
}

/// The connection options of the configured database: the URL, else the libpq environment.
pub fn configured_target(context: &Context) -> Result<ConnectOptions, CliError> {
    Ok(match context.config.database()? {
        DatabaseTarget::Url(url) => ConnectOptions::parse(&url)?,
        DatabaseTarget::LibpqEnvironment => ConnectOptions::from_env()?,
    })
}

/// The introspection limits and scope of `config`, applied to a schema read.
fn options(config: &Config) -> IntrospectOptions {
    IntrospectOptions {
        lock_timeout: config.lock_timeout,
        statement_timeout: config.statement_timeout,
        connections: config.connections,
    }
}

/// Reads a live database, within the configured scope.
pub fn read_live(target: &ConnectOptions, config: &Config) -> Result<Introspection, CliError> {
    let mut introspection = runtime()?.block_on(async {
        let client = connect::connect(target).await?;
        Ok::<_, CliError>(introspect(&client, Some(target), options(config), &|_| {}).await?)
    })?;
    within_scope(&mut introspection, config);
    Ok(introspection)
}

/// Reads the database `client` is connected to, within the configured scope.
pub async fn read_connected(
    client: &tokio_postgres::Client,
    target: &ConnectOptions,
    config: &Config,
) -> Result<Database, CliError> {
    let mut introspection = introspect(client, Some(target), options(config), &|_| {}).await?;
    within_scope(&mut introspection, config);
    Ok(introspection.database)
}

/// The configured scope, and never the migration tools' bookkeeping or the audit trail's own
/// objects.
fn within_scope(introspection: &mut Introspection, config: &Config) {
    remove_bookkeeping(&mut introspection.database);
    config.scope.apply(&mut introspection.database);
    audit::scope::remove_audit_objects(&mut introspection.database);
}

/// What the audit trail said, read right after the schema on the same connection.
#[derive(Debug, Default)]
pub struct Audited {
    /// The audit event triggers' states; empty when the trail is not installed.
    pub triggers: Vec<audit::TriggerState>,
    /// The events since the previous snapshot; `None` without an audit log.
    pub log: Option<audit::LogRead>,
    /// Why the trail could not be read, when it could not: a warning, never a failure.
    pub unreadable: Option<String>,
}

/// Reads a live database within the configured scope, then, in a read-only transaction of
/// its own on the same connection, its audit trail: the triggers' states and the events
/// logged since `since`, if given (`manual`: manual changes only). The schema's one consistent read is
/// untouched; a database without the trail reads as before. `watch` follows the read.
pub fn read_live_audited(
    target: &ConnectOptions,
    config: &Config,
    since: Option<&audit::Since>,
    manual: bool,
    watch: &(dyn Fn(ReadStep) + Sync),
) -> Result<(Introspection, Audited), CliError> {
    let (mut introspection, audited) = runtime()?.block_on(async {
        let client = connect::connect(target).await?;
        let introspection = introspect(&client, Some(target), options(config), watch).await?;
        let trail = async {
            let Some(status) = audit::status(&client).await? else {
                return Ok(Audited::default());
            };
            let log = match since {
                Some(since) => audit::events_since(&client, since, manual).await,
                None => Ok(None),
            };
            Ok::<_, audit::AuditError>(match log {
                Ok(log) => Audited {
                    triggers: status.triggers,
                    log,
                    unreadable: None,
                },
                Err(error) => Audited {
                    triggers: status.triggers,
                    log: None,
                    unreadable: Some(error.to_string()),
                },
            })
        };
        let audited = trail.await.unwrap_or_else(|error| Audited {
            unreadable: Some(error.to_string()),
            ..Audited::default()
        });
        Ok::<_, CliError>((introspection, audited))
    })?;
    within_scope(&mut introspection, config);
    Ok((introspection, audited))
}

/// A schema built from migration files.
pub struct Replay {
    pub introspection: Introspection,
    /// The convention the files were run in.
    pub tool: Tool,
    /// The throwaway server's superuser, which owns everything the replay created.
    pub superuser: String,
    /// The `Schema-Migrations` trailer: the last migration replayed.
    pub latest: Option<String>,
}

/// The convention to replay `dir` in, from its files alone. golang-migrate and sqlx lay out
/// `.up.sql` files alike and run them alike (sqlx's `-- no-transaction` marker aside, which a
/// golang-migrate file never carries), so either replays such a folder.
fn replay_tool(dir: &Path) -> Result<Tool, CliError> {
    let from_files = Tool::detect_from_files(dir)?;
    match migrations::tools::choose(&from_files, None) {
        Ok(tool) => Ok(tool),
        Err(candidates) if candidates == [Tool::GolangMigrate, Tool::Sqlx] => Ok(Tool::Sqlx),
        Err(candidates) => {
            let names: Vec<&str> = candidates.iter().map(|tool| tool.name()).collect();
            Err(CliError::new(
                ErrorKind::Usage,
                format!(
                    "the migrations in {} match several tools: {}",
                    dir.display(),
                    names.join(", ")
                ),
            )
            .with_hint("keep one tool's files in the folder, or name the folder of one tool"))
        }
    }
}

/// Builds the migrations' schema in a throwaway PostgreSQL and reads it; the server is
/// stopped and removed whatever happens.
pub fn read_migrations(dir: &Path, config: &Config) -> Result<Replay, CliError> {
    let tool = replay_tool(dir)?;
    let files = tool.discover(dir)?;
    let server = EphemeralPostgres::start()?;
    let superuser = server.superuser().to_string();
    let result = runtime()?.block_on(async {
        let admin = ConnectOptions::parse(&server.url("postgres"))?;
        let client = connect::connect(&admin).await?;
        client
            .batch_execute("CREATE DATABASE schemagit_migrations")
            .await
            .map_err(|e| {
                CliError::new(
                    ErrorKind::Migrations,
                    format!("cannot create the build database: {e}"),
                )
            })?;
        drop(client);
        let target = ConnectOptions::parse(&server.url("schemagit_migrations"))?;
        let client = connect::connect(&target).await?;
        migrations::apply_all(&client, tool, &files).await?;
        Ok::<_, CliError>(introspect(&client, Some(&target), options(config), &|_| {}).await?)
    });
    server.stop()?;
    let mut introspection = result?;
    within_scope(&mut introspection, config);
    // The throwaway server's own version string, not the package's decoration of it.
    introspection.server_version = introspection
        .server_version
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let latest = files
        .iter()
        .rev()
        .find(|file| !file.repeatable)
        .map(|file| migrations::trailer::value(tool, &file.name));
    Ok(Replay {
        introspection,
        tool,
        superuser,
        latest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_told_apart() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("snap")).unwrap();
        std::fs::write(root.path().join("snap/manifest.json"), "{}").unwrap();
        let parse = |text: &str| Source::parse(text, root.path());
        assert_eq!(
            parse("postgres://db/app"),
            Source::Url("postgres://db/app".into())
        );
        assert_eq!(
            parse("host=/tmp dbname=x"),
            Source::Url("host=/tmp dbname=x".into())
        );
        assert_eq!(parse("env:prod"), Source::Env("prod".into()));
        assert_eq!(parse("migrations"), Source::Migrations(None));
        assert_eq!(
            parse("migrations:db/m"),
            Source::Migrations(Some("db/m".into()))
        );
        assert_eq!(parse("snap"), Source::Folder(root.path().join("snap")));
        assert_eq!(parse("HEAD~1"), Source::Revision("HEAD~1".into()));
        assert_eq!(parse("main"), Source::Revision("main".into()));
    }
}
