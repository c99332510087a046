//! `schemagit snapshot --all` and `--databases PATTERN`: many databases in one run, each into
//! its own folder, read concurrently by at most `--jobs` connections, landed in one commit.
//! A database that fails is reported and left out; the others still land.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use clap::Args;

use super::migrations::latest_applied_in;
use super::progress::Progress;
use super::snapshot::SnapshotArgs;
use super::{runtime, source, CliError, Context, ErrorKind, Outcome};
use crate::audit::Since;
use crate::catalog::connect::{self, ConnectOptions};
use crate::codec::{self, file_changes, Snapshot};
use crate::compare::{compare, since_snapshot, Side};
use crate::config::{Config, DatabaseTarget, Flags};
use crate::fleet::Shard;
use crate::model::scope::glob_match;
use crate::report::wire::{self, FleetFailure, FleetReport, SnapshotReport};
use crate::report::{fleet_commit_message, CommitFacts, FleetMember};
use crate::vcs::{CredentialSources, Files, FoldersUpdate, Previous, SnapshotCommit};

#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Snapshot every environment schemagit.toml defines, each from its own URL variable
    /// into its own folder, in one commit
    #[arg(long, conflicts_with = "databases")]
    pub all: bool,

    /// Snapshot every database on the server (--database-url, else DATABASE_URL) whose name
    /// matches PATTERN (`*` any run, `?` one character) into snapshots/<name>, in one commit
    #[arg(long, value_name = "PATTERN", conflicts_with = "from_migrations")]
    pub databases: Option<String>,

    /// Only the share I of N of the fleet: the names whose BLAKE3 hash (first 8 bytes, as a
    /// little-endian u64) modulo N is I-1; `{shard}` in --branch becomes I
    #[arg(long, value_name = "I/N", value_parser = Shard::parse)]
    pub shard: Option<Shard>,

    /// How many databases are read at once, each on one connection [default: jobs from
    /// schemagit.toml, else 4]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

impl FleetArgs {
    pub fn is_fleet(&self) -> bool {
        self.all || self.databases.is_some()
    }
}

/// One database of the fleet, before it is read.
struct Member {
    name: String,
    config: Config,
    target: Result<ConnectOptions, CliError>,
}

/// One database of the fleet, read.
struct Read {
    source: String,
    server_version: String,
    snapshot: Snapshot,
    database: crate::model::Database,
    unreadable: Vec<String>,
    audit: Option<crate::audit::LogRead>,
    /// The latest applied migration, for the `Schema-Migrations` trailer.
    migrations: Option<String>,
    /// Why the latest applied migration is unknown, when it could not be read: a warning.
    migrations_unknown: Option<String>,
}

pub fn run(
    context: &mut Context,
    args: &SnapshotArgs,
    fleet: &FleetArgs,
) -> Result<Outcome, CliError> {
    if args.branch.is_none() && !args.dry_run {
        context.work_tree("a snapshot without --branch")?;
    }
    let branch = match (&args.branch, fleet.shard) {
        (Some(branch), Some(shard)) => Some(branch.replace("{shard}", &shard.index.to_string())),
        (branch, _) => branch.clone(),
    };
    let push_branch = match (&args.push, &branch) {
        (None, _) => None,
        (Some(_), Some(branch)) => Some(format!("refs/heads/{branch}")),
        (Some(_), None) => context.repo()?.head_branch(),
    };
    let (what, mut members) = if fleet.all {
        ("environments", environments(context)?)
    } else {
        let pattern = fleet.databases.as_deref().unwrap_or("*");
        ("databases", databases(context, pattern)?)
    };
    if let Some(shard) = fleet.shard {
        members.retain(|member| shard.contains(&member.name));
    }
    if members.is_empty() {
        context.note("nothing to snapshot: no database in this fleet (or in this shard)");
        return Ok(Outcome::Clean);
    }
    let names: Vec<String> = members.iter().map(|m| m.name.clone()).collect();
    let previous = previous_snapshots(context, branch.as_deref(), &names)?;
    let jobs = context.config.jobs(fleet.jobs.map(usize::from));
    if context.progress() {
        context.note(format_args!(
            "reading {} {what}, {} at a time…",
            members.len(),
            jobs.min(members.len())
        ));
    }
    let progress = context.progress_bar(members.len(), what);
    // Each member's migrations folder, as in the work tree: a fleet's databases usually run one.
    let root = context
        .work_tree("the migrations folder")
        .ok()
        .map(Path::to_path_buf);
    let results = read_all(&members, &previous, root.as_deref(), jobs, &progress);
    progress.finish();

    let mut failed = Vec::new();
    let mut read = Vec::new();
    for (member, result) in members.iter().zip(results) {
        match result {
            Ok(done) => {
                if let Some(reason) = &done.migrations_unknown {
                    context.note(format_args!(
                        "warning: {}: the latest applied migration is unknown: {reason}",
                        member.name
                    ));
                }
                read.push((member, done));
            }
            Err(error) => {
                context.note(format_args!("error: {}: {}", member.name, error.message));
                failed.push((member.name.clone(), error));
            }
        }
    }

    let mut changes: BTreeMap<String, Vec<codec::FileChange>> = BTreeMap::new();
    let update = if args.dry_run {
        let revision = branch.as_deref().unwrap_or("HEAD");
        for (member, done) in &read {
            let old = match context
                .repo()?
                .read_folder(revision, &member.config.snapshot_folder)
            {
                Ok(files) => files,
                Err(crate::vcs::VcsError::UnknownRevision { .. }) => None,
                Err(e) => return Err(e.into()),
            };
            changes.insert(member.name.clone(), changes_since(old.as_ref(), done));
        }
        FoldersUpdate::Unchanged
    } else if read.is_empty() {
        FoldersUpdate::Unchanged
    } else {
        let folders: Vec<(String, &Files)> = read
            .iter()
            .map(|(m, done)| (m.config.snapshot_folder.clone(), &done.snapshot.files))
            .collect();
        let total = members.len();
        let previous = if read
            .iter()
            .all(|(m, _)| m.config.reads_changed_files_only())
        {
            Previous::Changed {
                always: codec::MANIFEST,
            }
        } else {
            Previous::Whole
        };
        context.repo()?.commit_folders(
            &folders,
            branch.as_deref(),
            context.config.repo_lock_timeout(),
            previous,
            |old| {
                let mut changed = Vec::new();
                for (member, done) in &read {
                    let Some(old) = old.get(&member.config.snapshot_folder) else {
                        continue;
                    };
                    changes.insert(member.name.clone(), changes_since(old.as_ref(), done));
                    changed.push(FleetMember {
                        facts: CommitFacts {
                            env: &member.name,
                            fingerprint: &done.snapshot.manifest.fingerprint,
                            object_count: done.snapshot.manifest.objects.len(),
                            server_version: &done.server_version,
                            source: &done.source,
                            unreadable: &done.unreadable,
                            migrations: done.migrations.as_deref(),
                            audit: done.audit.as_ref(),
                        },
                        changes: old.as_ref().and_then(|old| {
                            since_snapshot(&member.config, old, &done.snapshot).ok()
                        }),
                    });
                }
                fleet_commit_message(what, total, &changed)
            },
        )?
    };
    let committed = match &update {
        FoldersUpdate::Committed { committed, .. } => Some(committed.clone()),
        FoldersUpdate::Restored(folders) => {
            for folder in folders {
                context.note(format_args!(
                    "note: restored {folder} in the work tree and index to match the last commit"
                ));
            }
            None
        }
        FoldersUpdate::Unchanged => None,
    };
    if committed.is_none() && crate::interrupt::pending() {
        return Err(CliError::new(
            ErrorKind::Interrupted,
            "interrupted: nothing was committed",
        ));
    }

    let pushed = match (&args.push, &push_branch) {
        (Some(remote), Some(reference))
            if !crate::interrupt::pending()
                && (committed.is_some() || context.repo()?.unpushed(remote, reference)) =>
        {
            let result = context
                .repo()?
                .push(remote, reference, &CredentialSources::from_env());
            Some((remote.clone(), result))
        }
        _ => None,
    };
    let pushed_to = pushed
        .as_ref()
        .filter(|(_, result)| result.is_ok())
        .map(|(remote, _)| remote.clone());

    let report = FleetReport {
        commit: committed.as_ref().map(|c| c.id.clone()),
        branch: committed.as_ref().map(|c| c.reference.clone()),
        dry_run: args.dry_run,
        pushed: pushed_to.clone(),
        databases: read
            .iter()
            .map(|(member, done)| {
                let changed = changes.get(&member.name).filter(|c| !c.is_empty());
                let landed = changed.and(committed.as_ref());
                SnapshotReport {
                    env: member.name.clone(),
                    folder: member.config.snapshot_folder.clone(),
                    fingerprint: done.snapshot.manifest.fingerprint.clone(),
                    objects: done.snapshot.manifest.objects.len(),
                    commit: landed.map(|c| c.id.clone()),
                    branch: landed.map(|c| c.reference.clone()),
                    dry_run: args.dry_run,
                    pushed: landed.and(pushed_to.clone()),
                    changes: changed
                        .map(|c| c.iter().map(Into::into).collect())
                        .unwrap_or_default(),
                }
            })
            .collect(),
        failed: failed
            .iter()
            .map(|(env, error)| FleetFailure {
                env: env.clone(),
                error: error.message.clone(),
            })
            .collect(),
    };
    let written = if context.json {
        wire::write_json(context.out, &report)
    } else {
        wire::write_fleet_human(context.out, &report)
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    if let Some((_, Err(error))) = pushed {
        return Err(CliError::new(ErrorKind::Repository, error.to_string()));
    }
    match failed
        .iter()
        .map(|(_, error)| error.kind)
        .reduce(ErrorKind::worse)
    {
        None => Ok(Outcome::Clean),
        Some(kind) => {
            let names: Vec<&str> = failed.iter().map(|(name, _)| name.as_str()).collect();
            Err(CliError::new(
                kind,
                format!(
                    "{} of {} {what} failed: {}",
                    failed.len(),
                    members.len(),
                    names.join(", ")
                ),
            )
            .with_hint("the others landed; run again to retry the ones that failed"))
        }
    }
}

/// Every environment of `schemagit.toml`, each with the database its own variable names.
fn environments(context: &Context) -> Result<Vec<Member>, CliError> {
    if context.config.environments().is_empty() {
        return Err(CliError::new(
            ErrorKind::Usage,
            "--all needs environments, and schemagit.toml defines none",
        )
        .with_hint("add [env.NAME] sections with url_env = \"VARIABLE\", or use --databases"));
    }
    let var = |name: &str| std::env::var(name).ok();
    context
        .config
        .environments()
        .into_iter()
        .map(|name| {
            let flags = Flags {
                env: Some(name.clone()),
                database_url: None,
            };
            let config = Config::resolve(&context.root, &flags, &var)?;
            let target = config
                .env_url(&name)
                .map_err(CliError::from)
                .and_then(|url| Ok(ConnectOptions::parse(&url)?));
            Ok(Member {
                name,
                config,
                target,
            })
        })
        .collect()
}

/// Every database of the server whose name matches `pattern`.
fn databases(context: &Context, pattern: &str) -> Result<Vec<Member>, CliError> {
    let server = match context.config.database()? {
        DatabaseTarget::Url(url) => ConnectOptions::parse(&url)?,
        DatabaseTarget::LibpqEnvironment => ConnectOptions::from_env()?,
    };
    let names = runtime()?.block_on(async {
        let client = connect::connect(&server).await?;
        crate::catalog::databases(&client).await.map_err(|e| {
            CliError::new(
                ErrorKind::Database,
                format!("cannot list the databases of {}", server.display_redacted()),
            )
            .caused_by(&e)
        })
    })?;
    names
        .into_iter()
        .filter(|name| glob_match(pattern, name))
        .map(|name| {
            Ok(Member {
                config: context.config.fleet_member(&name)?,
                target: Ok(server.with_dbname(&name)),
                name,
            })
        })
        .collect()
}

/// The previous snapshot commit of each member on the branch the commit goes onto (`HEAD`
/// for a new `--branch`), in one walk of the history.
fn previous_snapshots(
    context: &Context,
    branch: Option<&str>,
    names: &[String],
) -> Result<BTreeMap<String, SnapshotCommit>, CliError> {
    let repo = context.repo()?;
    Ok(match branch {
        Some(branch) => match repo.last_snapshot_commits(branch, names) {
            Err(crate::vcs::VcsError::UnknownRevision { .. }) => {
                repo.last_snapshot_commits("HEAD", names)?
            }
            found => found?,
        },
        None => repo.last_snapshot_commits("HEAD", names)?,
    })
}

/// Reads every member, `jobs` at a time: each worker holds one connection at a time.
fn read_all(
    members: &[Member],
    previous: &BTreeMap<String, SnapshotCommit>,
    root: Option<&Path>,
    jobs: usize,
    progress: &Progress,
) -> Vec<Result<Read, CliError>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Read, CliError>>>> =
        Mutex::new(members.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(members.len()) {
            scope.spawn(|| loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(member) = members.get(index) else {
                    break;
                };
                let result = read_one(member, previous.get(&member.name), root);
                progress.inc();
                results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)[index] = Some(result);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .map(|result| result.expect("every member was read by a worker"))
        .collect()
}

fn read_one(
    member: &Member,
    previous: Option<&SnapshotCommit>,
    root: Option<&Path>,
) -> Result<Read, CliError> {
    let target = member.target.as_ref().map_err(|error| CliError {
        kind: error.kind,
        message: error.message.clone(),
        causes: error.causes.clone(),
        hint: error.hint.clone(),
    })?;
    let since = previous
        .map(|commit| Since::commit(&commit.message, commit.time))
        .unwrap_or_default();
    // The fleet's concurrency is its databases: each is read over one session, so that a run
    // holds at most --jobs connections.
    let mut config = member.config.clone();
    config.connections = 1;
    let (introspection, audited) =
        source::read_live_audited(target, &config, Some(&since), false, &|_| {})?;
    let snapshot = codec::encode(introspection.database.clone())?;
    let latest = match root {
        Some(root) => latest_applied_in(&root.join(&member.config.migrations), target),
        None => Ok(None),
    };
    let (migrations, migrations_unknown) = match latest {
        Ok(latest) => (latest, None),
        Err(error) => (None, Some(error.message)),
    };
    Ok(Read {
        migrations,
        migrations_unknown,
        source: target.display_redacted(),
        server_version: introspection.server_version,
        unreadable: introspection.database.unreadable(),
        database: introspection.database,
        snapshot,
        audit: audited.log,
    })
}

/// The object files changed since the folder's previous files.
fn changes_since(old: Option<&Files>, done: &Read) -> Vec<codec::FileChange> {
    let old = old
        .and_then(|files| codec::decode_manifest(files).ok())
        .map(|manifest| manifest.objects)
        .unwrap_or_default();
    file_changes(&old, &done.snapshot.manifest.objects)
}

/// `schemagit diff --databases PATTERN`: every matching database read, grouped by
/// fingerprint; the largest group is the majority schema, and each other database is compared
/// with it. Exit 0/1/2 by the worst change, as `check`.
pub fn diff(
    context: &mut Context,
    pattern: &str,
    args: &super::diff::DiffArgs,
) -> Result<Outcome, CliError> {
    let members = databases(context, pattern)?;
    if members.is_empty() {
        return Err(CliError::new(
            ErrorKind::Usage,
            format!("no database on the server matches {pattern:?}"),
        )
        .with_hint("check the pattern: `*` matches any run of characters, `?` one"));
    }
    let jobs = context.config.jobs(args.jobs.map(usize::from));
    let progress = context.progress_bar(members.len(), "databases");
    let results = read_all(&members, &BTreeMap::new(), None, jobs, &progress);
    progress.finish();
    let mut read = BTreeMap::new();
    let mut failed = Vec::new();
    for (member, result) in members.iter().zip(results) {
        match result {
            Ok(done) => {
                read.insert(member.name.clone(), (member, done));
            }
            Err(error) => {
                context.note(format_args!("error: {}: {}", member.name, error.message));
                failed.push((member.name.clone(), error));
            }
        }
    }
    let fingerprints: Vec<(String, String)> = read
        .iter()
        .map(|(name, (_, done))| (name.clone(), done.snapshot.manifest.fingerprint.clone()))
        .collect();
    let groups = crate::fleet::groups(&fingerprints);
    let mut differing = Vec::new();
    if let Some(majority) = groups.first() {
        let (_, reference) = &read[&majority.databases[0]];
        for group in &groups[1..] {
            for name in &group.databases {
                let (member, done) = &read[name];
                let side = |database, env: &str| Side {
                    database,
                    env: env.to_string(),
                };
                let changes = compare(
                    &member.config,
                    side(reference.database.clone(), &majority.databases[0]),
                    side(done.database.clone(), name),
                );
                differing.push((name.clone(), group.fingerprint.clone(), changes));
            }
        }
    }
    let all: Vec<crate::diff::Change> = differing
        .iter()
        .flat_map(|(_, _, changes)| changes.iter().cloned())
        .collect();
    let written = if context.json {
        wire::write_json(
            context.out,
            &wire::FleetDiffReport::new(
                &groups,
                &differing,
                failed
                    .iter()
                    .map(|(env, error)| FleetFailure {
                        env: env.clone(),
                        error: error.message.clone(),
                    })
                    .collect(),
            ),
        )
    } else {
        wire::write_fleet_diff(
            context.out,
            &groups,
            &differing,
            args.format == super::judge::Format::Markdown,
            context.color,
        )
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    if let Some(kind) = failed.iter().map(|(_, e)| e.kind).reduce(ErrorKind::worse) {
        return Err(CliError::new(
            kind,
            format!(
                "{} of {} could not be read",
                failed.len(),
                crate::report::changes::counted(members.len(), "database")
            ),
        ));
    }
    let threshold = match args.fail_on {
        super::judge::FailOn::Critical => crate::diff::Severity::Critical,
        super::judge::FailOn::Warning => crate::diff::Severity::Warning,
        super::judge::FailOn::Info => crate::diff::Severity::Info,
    };
    Ok(match all.iter().map(|c| c.severity).max() {
        Some(crate::diff::Severity::Critical) => Outcome::Critical,
        Some(severity) if severity >= threshold => Outcome::Warning,
        _ => Outcome::Clean,
    })
}
