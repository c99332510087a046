//! `schemagit snapshot`: introspect a live database (or the schema the migrations build),
//! write `snapshots/<env>/` and commit it when it changed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::notify::{self, Drift, NotifyArgs};
use super::{source, CliError, Context, ErrorKind, Outcome};
use crate::audit::{self, Since};
use crate::catalog::Introspection;
use crate::codec::{self, file_changes, FileChange, Manifest};
use crate::compare::{compare, Side};
use crate::config::Config;
use crate::diff::Change;
use crate::interrupt::{self, Critical};
use crate::model::Database;
use crate::report::wire::{self, SnapshotReport};
use crate::report::{commit_message, CommitFacts};
use crate::vcs::FolderUpdate;

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Snapshot the schema that the migration files build in a throwaway PostgreSQL instead of
    /// a live database [DIR default: the environment's `migrations` from schemagit.toml, else
    /// migrations/]
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub from_migrations: Option<Option<PathBuf>>,

    /// Commit onto this branch (created from HEAD when new) without touching the work tree,
    /// unless it is the checked-out branch
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,

    /// Show what would change; write and commit nothing
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// Where the schema came from, for the commit message and progress lines, and what the audit
/// log says happened since the previous snapshot (a live database with the audit trail only).
struct Read {
    introspection: Introspection,
    source: String,
    audit: Option<audit::LogRead>,
}

pub fn run(context: &mut Context, args: SnapshotArgs) -> Result<Outcome, CliError> {
    let progress = context.progress();
    let started = Instant::now();
    if args.branch.is_none() && !args.dry_run {
        context.work_tree("a snapshot without --branch")?;
    }
    let read = match &args.from_migrations {
        Some(dir) => {
            let dir = dir
                .clone()
                .unwrap_or_else(|| context.config.migrations.clone());
            let root = context
                .work_tree("snapshot --from-migrations")?
                .to_path_buf();
            if progress {
                context.note(format_args!(
                    "building {} in a throwaway PostgreSQL…",
                    dir.display()
                ));
            }
            let introspection = source::read_migrations(&root.join(&dir), &context.config)?;
            Read {
                source: format!(
                    "{} (throwaway PostgreSQL {})",
                    dir.display(),
                    introspection.server_version
                ),
                introspection,
                audit: None,
            }
        }
        None => {
            let target = source::configured_target(context)?;
            if progress {
                context.note(format_args!("reading {}…", target.display_redacted()));
            }
            let since = previous_snapshot(context, args.branch.as_deref())?;
            let (introspection, audited) =
                source::read_live_audited(&target, &context.config, Some(&since), false)?;
            if let Some(reason) = &audited.unreadable {
                context.note(format_args!(
                    "warning: the audit trail could not be read, so the commit names no one: {reason}"
                ));
            }
            Read {
                introspection,
                source: target.display_redacted(),
                audit: audited.log,
            }
        }
    };
    let database = &read.introspection.database;
    let snapshot = codec::encode(database)?;
    if progress {
        context.note(format_args!(
            "read {} objects in {:.1}s",
            database.object_count(),
            started.elapsed().as_secs_f64()
        ));
    }

    let attempts = read.introspection.attempts;
    if attempts > 1 {
        context.note(format_args!(
            "note: DDL committed while the catalog was read; it was read {attempts} times to get one state"
        ));
    }
    let unreadable = database.unreadable();
    if !unreadable.is_empty() {
        context.note(format_args!(
            "warning: this role could not read {}; the snapshot marks them unreadable and check and diff do not compare them",
            unreadable.join("; ")
        ));
    }
    let folder = context.config.snapshot_folder.clone();
    let facts = CommitFacts {
        unreadable: &unreadable,
        env: &context.config.env,
        fingerprint: &snapshot.manifest.fingerprint,
        object_count: snapshot.manifest.objects.len(),
        server_version: &read.introspection.server_version,
        source: &read.source,
        audit: read.audit.as_ref(),
    };
    // From the repository lock to the report's last line, Ctrl-C and SIGTERM are recorded, not
    // acted on, so that the exit code can say whether the commit landed.
    let _critical = Critical::enter();
    let mut changes: Vec<FileChange> = Vec::new();
    // What the commit's message lists: what a drift alert says.
    let mut drift: Vec<Change> = Vec::new();
    let update = if args.dry_run {
        let revision = args.branch.as_deref().unwrap_or("HEAD");
        let old = match context.repo()?.read_folder(revision, &folder) {
            Ok(files) => files,
            Err(crate::vcs::VcsError::UnknownRevision { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        changes = file_changes_since(old.as_ref(), &snapshot.manifest);
        Ok(FolderUpdate::Unchanged)
    } else {
        let config = &context.config;
        context.repo()?.commit_folder(
            &folder,
            &snapshot.files,
            args.branch.as_deref(),
            config.repo_lock_timeout(),
            |old| {
                changes = file_changes_since(old, &snapshot.manifest);
                let semantic = semantic_changes(old, database, config);
                let message = commit_message(&facts, semantic.as_deref());
                drift = semantic.unwrap_or_default();
                message
            },
        )
    };
    let committed = match update {
        Ok(FolderUpdate::Committed(committed)) => Some(committed),
        _ if interrupt::pending() => {
            return Err(CliError::new(
                ErrorKind::Interrupted,
                "interrupted: nothing was committed",
            ))
        }
        Ok(FolderUpdate::Restored) => {
            context.note(format_args!(
                "note: restored {folder} in the work tree and index to match the last commit"
            ));
            None
        }
        Ok(FolderUpdate::Unchanged) => None,
        Err(e) => return Err(e.into()),
    };
    if let Some(committed) = committed.as_ref().filter(|c| c.detached()) {
        context.note(format_args!(
            "warning: HEAD is detached: committed {id} onto no branch; `git branch NAME {id}` keeps it",
            id = committed.id
        ));
    }

    let report = SnapshotReport {
        env: context.config.env.clone(),
        folder,
        fingerprint: snapshot.manifest.fingerprint.clone(),
        objects: snapshot.manifest.objects.len(),
        commit: committed.as_ref().map(|c| c.id.clone()),
        branch: committed.as_ref().map(|c| c.reference.clone()),
        dry_run: args.dry_run,
        changes: changes.iter().map(Into::into).collect(),
    };
    let written = if context.json {
        wire::write_json(context.out, &report)
    } else {
        wire::write_snapshot_human(context.out, &report)
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    if let Some(committed) = committed.as_ref().filter(|_| !drift.is_empty()) {
        let what = format!(
            "snapshot {}: {} committed {} on {}",
            context.config.env,
            read.source,
            short(&committed.id),
            committed.reference.trim_start_matches("refs/heads/")
        );
        let title = format!(
            "Schema changes: {} snapshot {}",
            context.config.env,
            short(&committed.id)
        );
        let drift = Drift {
            what: &what,
            title: &title,
            changes: &drift,
        };
        notify::send(context, &args.notify, &drift);
    }
    if let Some(committed) = committed.filter(|_| interrupt::pending()) {
        context.note(format_args!(
            "note: interrupted during the commit: stopped after the commit landed, {} is complete",
            committed.id
        ));
    }
    Ok(Outcome::Clean)
}

/// Where the audit log's attribution starts: after the previous snapshot commit of this
/// environment on the branch the commit goes onto (`HEAD` for a new `--branch`); everything
/// logged when there is none.
fn previous_snapshot(context: &Context, branch: Option<&str>) -> Result<Since, CliError> {
    let repo = context.repo()?;
    let env = &context.config.env;
    let found = match branch {
        Some(branch) => match repo.last_snapshot_commit(branch, env) {
            Err(crate::vcs::VcsError::UnknownRevision { .. }) => {
                repo.last_snapshot_commit("HEAD", env)?
            }
            found => found?,
        },
        None => repo.last_snapshot_commit("HEAD", env)?,
    };
    Ok(found
        .map(|commit| Since::commit(&commit.message, commit.time))
        .unwrap_or_default())
}

/// A commit id as people quote it.
fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// The object files changed since the previous snapshot (all of them when there was none,
/// or its manifest cannot be read).
fn file_changes_since(old: Option<&BTreeMap<String, Vec<u8>>>, new: &Manifest) -> Vec<FileChange> {
    let old = old
        .and_then(|files| codec::decode_manifest(files).ok())
        .map(|manifest| manifest.objects)
        .unwrap_or_default();
    file_changes(&old, &new.objects)
}

/// What changed since the previous snapshot for the commit message: what `check` would have
/// reported, through the same decision path; `None` when there was no previous snapshot or it
/// cannot be read.
fn semantic_changes(
    old: Option<&BTreeMap<String, Vec<u8>>>,
    new: &Database,
    config: &Config,
) -> Option<Vec<Change>> {
    let old = codec::decode(old?).ok()?;
    let side = |database| Side {
        database,
        env: config.env.clone(),
    };
    Some(compare(config, side(old), side(new.clone())))
}
