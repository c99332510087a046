//! `schemagit snapshot`: introspect a live database (or the schema the migrations build),
//! write `snapshots/<env>/` and commit it when it changed. The commit records the latest
//! applied migration; a schema change without a new one is flagged as a manual change.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::fleet::FleetArgs;
use super::judge::{Compared, Format};
use super::notify::{self, Drift, NotifyArgs};
use super::{source, CliError, Context, ErrorKind, Outcome};
use crate::audit::{self, Since};
use crate::catalog::Introspection;
use crate::codec::{self, file_changes, DecodeError, FileChange, Manifest, Snapshot};
use crate::compare::{compare, since_snapshot, Side};
use crate::config::Config;
use crate::diff::Change;
use crate::interrupt::{self, Critical};
use crate::migrations::trailer;
use crate::model::Database;
use crate::report::changes::counted;
use crate::report::markdown::write_markdown;
use crate::report::wire::{self, SnapshotReport};
use crate::report::{commit_message, CommitFacts};
use crate::vcs::{CredentialSources, FolderUpdate, Previous, PushError, SnapshotCommit};

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

    /// After committing, push the branch to REMOTE: a remote's name, a URL or a path [default
    /// when given without a value: origin]. An unchanged run pushes nothing, unless the last
    /// push of this branch did not land
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "origin", conflicts_with = "dry_run")]
    pub push: Option<String>,

    /// Output format (--json overrides it): markdown is the report for a pull request of the
    /// branch, what the commit changed
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// Where the schema came from, for the commit message and progress lines, and what the audit
/// log says happened since the previous snapshot (a live database with the audit trail only).
struct Read {
    introspection: Introspection,
    source: String,
    /// The latest applied migration, for the `Schema-Migrations` trailer.
    migrations: Option<String>,
    audit: Option<audit::LogRead>,
}

pub fn run(context: &mut Context, args: SnapshotArgs) -> Result<Outcome, CliError> {
    if args.fleet.is_fleet() {
        return super::fleet::run(context, &args, &args.fleet);
    }
    let progress = context.progress();
    let started = Instant::now();
    if args.branch.is_none() && !args.dry_run {
        context.work_tree("a snapshot without --branch")?;
    }
    // Which branch a push would send, known before anything is read.
    let push_branch = match (&args.push, &args.branch) {
        (None, _) => None,
        (Some(_), Some(branch)) => Some(format!("refs/heads/{branch}")),
        (Some(_), None) => Some(context.repo()?.head_branch().ok_or_else(|| {
            CliError::new(
                ErrorKind::Usage,
                "--push needs a branch, and HEAD is detached",
            )
            .with_hint("name the branch to commit onto and push with --branch NAME")
        })?),
    };
    let previous = previous_snapshot(context, args.branch.as_deref())?;
    let mut read = match &args.from_migrations {
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
            let replay = source::read_migrations(&root.join(&dir), &context.config)?;
            Read {
                source: format!(
                    "{} ({}, throwaway PostgreSQL {})",
                    dir.display(),
                    replay.tool.name(),
                    replay.introspection.server_version
                ),
                introspection: replay.introspection,
                migrations: replay.latest,
                audit: None,
            }
        }
        None => {
            let target = source::configured_target(context)?;
            if progress {
                context.note(format_args!("reading {}…", target.display_redacted()));
            }
            let since = previous
                .as_ref()
                .map(|commit| Since::commit(&commit.message, commit.time))
                .unwrap_or_default();
            let bar = context.progress_bar(0, "queries");
            let read =
                source::read_live_audited(&target, &context.config, Some(&since), false, &|step| {
                    bar.watch(step)
                });
            bar.finish();
            let (introspection, audited) = read?;
            if let Some(reason) = &audited.unreadable {
                context.note(format_args!(
                    "warning: the audit trail could not be read, so the commit names no one: {reason}"
                ));
            }
            Read {
                migrations: super::migrations::latest_applied(context, &target),
                introspection,
                source: target.display_redacted(),
                audit: audited.log,
            }
        }
    };
    let database = std::mem::take(&mut read.introspection.database);
    let unreadable = database.unreadable();
    let object_count = database.object_count();
    let snapshot = codec::encode(database)?;
    return_freed_memory();
    if progress {
        context.note(format_args!(
            "read {} in {:.1}s",
            counted(object_count, "object"),
            started.elapsed().as_secs_f64()
        ));
    }

    let attempts = read.introspection.attempts;
    if attempts > 1 {
        context.note(format_args!(
            "note: DDL committed while the catalog was read; it was read {attempts} times to get one state"
        ));
    }
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
        migrations: read.migrations.as_deref(),
        audit: read.audit.as_ref(),
    };
    let previous_migrations = previous
        .as_ref()
        .and_then(|commit| trailer::in_message(&commit.message));
    // From the repository lock to the commit, Ctrl-C and SIGTERM are recorded, not acted on, so
    // that the exit code can say whether the commit landed.
    let critical = Critical::enter();
    let mut changes: Vec<FileChange> = Vec::new();
    // What the commit's message lists: what the markdown report and a drift alert say.
    let mut semantic: Option<Vec<Change>> = None;
    // Why the previous snapshot could not be compared with this one, when it could not.
    let mut undecodable: Option<DecodeError> = None;
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
        let previous = if config.reads_changed_files_only() {
            Previous::Changed {
                always: codec::MANIFEST,
            }
        } else {
            Previous::Whole
        };
        context.repo()?.commit_folder(
            &folder,
            &snapshot.files,
            args.branch.as_deref(),
            config.repo_lock_timeout(),
            previous,
            |old| {
                changes = file_changes_since(old, &snapshot.manifest);
                let compared = old
                    .map(|old| since_snapshot(config, old, &snapshot))
                    .transpose()
                    .unwrap_or_else(|error| {
                        undecodable = Some(error);
                        None
                    });
                semantic = compared.map(|mut semantic| {
                    let manual =
                        trailer::manual_change(previous_migrations, facts.migrations, &semantic);
                    semantic.splice(0..0, manual);
                    semantic
                });
                commit_message(&facts, semantic.as_deref())
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
    if let (Some(committed), Some(error)) = (&committed, &undecodable) {
        context.note(format_args!(
            "warning: the previous snapshot is damaged ({error}), so commit {id} lists no changes; `schemagit verify --rev {id}~1` shows what is wrong",
            id = short(&committed.id)
        ));
    }
    if let Some(committed) = committed.as_ref().filter(|c| c.detached()) {
        context.note(format_args!(
            "warning: HEAD is detached: committed {id} onto no branch; `git branch NAME {id}` keeps it",
            id = committed.id
        ));
    }

    // A commit is pushed; so is an unchanged branch whose last push did not land. Once a
    // commit has landed, Ctrl-C no longer ends the run: it stops a push not yet started, and
    // the run reports the commit. Without a commit, Ctrl-C stops the push at once. A run
    // already told to stop does not start it.
    let _landed = committed.as_ref().map(|_| Critical::enter());
    drop(critical);
    let mut push_interrupted = None;
    let pushed = match (&args.push, &push_branch) {
        (Some(remote), Some(reference))
            if !interrupt::pending()
                && (committed.is_some() || context.repo()?.unpushed(remote, reference)) =>
        {
            interrupt::pause_point(context.repo()?.git_dir(), "push");
            if interrupt::pending() {
                push_interrupted = Some((remote.clone(), reference.clone()));
                None
            } else {
                if context.progress() {
                    context.note(format_args!("pushing to {remote}…"));
                }
                let result =
                    context
                        .repo()?
                        .push(remote, reference, &CredentialSources::from_env());
                Some((remote.clone(), reference.clone(), result))
            }
        }
        _ => None,
    };
    let _report = Critical::enter();

    let report = SnapshotReport {
        env: context.config.env.clone(),
        folder,
        fingerprint: snapshot.manifest.fingerprint.clone(),
        objects: snapshot.manifest.objects.len(),
        commit: committed.as_ref().map(|c| c.id.clone()),
        branch: committed.as_ref().map(|c| c.reference.clone()),
        dry_run: args.dry_run,
        pushed: pushed
            .as_ref()
            .filter(|(_, _, result)| result.is_ok())
            .map(|(remote, _, _)| remote.clone()),
        changes: changes.iter().map(Into::into).collect(),
    };
    let compared = compared(&report, &read.source);
    let written = if context.json {
        wire::write_json(context.out, &report)
    } else if args.format == Format::Markdown {
        let semantic = match (&committed, &semantic) {
            (None, _) => Vec::new(),
            (Some(_), Some(semantic)) => semantic.clone(),
            (Some(_), None) => first_snapshot(&snapshot, &context.config)?,
        };
        write_markdown(context.out, &compared.subject(), &semantic)
    } else {
        wire::write_snapshot_human(context.out, &report)
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    // A commit that records changes since the previous snapshot is drift to alert on.
    let drift = semantic.as_deref().unwrap_or_default();
    if committed.is_some() && !drift.is_empty() {
        let drift = Drift {
            what: &compared.header,
            report: compared.subject(),
            changes: drift,
        };
        notify::send(context, &args.notify, &drift);
    }
    match (committed.as_ref().filter(|_| interrupt::pending()), push_interrupted) {
        (Some(committed), Some((remote, reference))) => context.note(format_args!(
            "note: interrupted before the push: {} is committed, the push was interrupted; `git push {remote} {}` sends it",
            committed.id,
            reference.trim_start_matches("refs/heads/")
        )),
        (Some(committed), None) => context.note(format_args!(
            "note: interrupted during the commit: stopped after the commit landed, {} is complete",
            committed.id
        )),
        (None, _) => {}
    }
    if let Some((_, reference, Err(error))) = pushed {
        return Err(push_failed(
            error,
            &reference,
            committed.as_ref().map(|c| c.id.as_str()),
        ));
    }
    Ok(Outcome::Clean)
}

/// The previous snapshot commit of this environment on the branch the commit goes onto
/// (`HEAD` for a new `--branch`): where the audit log's attribution starts, and the latest
/// migration it recorded.
fn previous_snapshot(
    context: &Context,
    branch: Option<&str>,
) -> Result<Option<SnapshotCommit>, CliError> {
    let repo = context.repo()?;
    let env = &context.config.env;
    Ok(match branch {
        Some(branch) => match repo.last_snapshot_commit(branch, env) {
            Err(crate::vcs::VcsError::UnknownRevision { .. }) => {
                repo.last_snapshot_commit("HEAD", env)?
            }
            found => found?,
        },
        None => repo.last_snapshot_commit("HEAD", env)?,
    })
}

/// Hands the pages the model filled back to the system now that encoding has freed it: glibc
/// keeps freed memory inside its per-thread arenas otherwise, and the commit that follows
/// would stand on top of it (some 20 MiB of a 10,000-table snapshot's peak).
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own arenas; it may be
    // called at any time from any thread.
    unsafe {
        nix::libc::malloc_trim(0);
    }
}

/// A commit id as people quote it.
fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// A push that did not land: the error, and that the local commit is kept.
fn push_failed(error: PushError, reference: &str, commit: Option<&str>) -> CliError {
    let branch = reference.trim_start_matches("refs/heads/");
    let kept = match commit {
        Some(id) => format!("the commit {} stays on {branch} here", short(id)),
        None => format!("{branch} is unchanged here"),
    };
    let next = match &error {
        PushError::Rejected { .. } => "fetch and look at the remote branch; push another branch name, or delete the remote one if it is stale",
        PushError::Authentication { .. } => "give the job a way in: an SSH agent or ~/.ssh key, a git credential helper, or GITHUB_TOKEN/GIT_TOKEN for HTTPS",
        PushError::UnknownRemote { .. } => "name a remote from `git remote -v`, or pass a URL or path",
        PushError::Network { .. } | PushError::Failed { .. } => "run the snapshot again when the remote can be reached: it pushes the branch even when the schema did not change",
    };
    CliError::new(ErrorKind::Repository, error.to_string()).with_hint(format!("{kept}; {next}"))
}

/// The first snapshot of an environment, as changes: every object added.
fn first_snapshot(snapshot: &Snapshot, config: &Config) -> Result<Vec<Change>, CliError> {
    let side = |database| Side {
        database,
        env: config.env.clone(),
    };
    let database = codec::decode(&snapshot.files)?;
    Ok(compare(config, side(Database::default()), side(database)))
}

/// What a snapshot's report says was read and where it was committed: the line a drift alert
/// opens with and the markdown report's table (the pull-request body of a nightly branch).
fn compared(report: &SnapshotReport, source: &str) -> Compared {
    let mut facts = vec![
        ("Environment".to_string(), report.env.clone()),
        ("Database".to_string(), source.to_string()),
        ("Fingerprint".to_string(), report.fingerprint.clone()),
    ];
    let mut header = format!("snapshot {}: {source}", report.env);
    if let (Some(commit), Some(branch)) = (&report.commit, &report.branch) {
        let committed = format!(
            "{} on {}",
            short(commit),
            branch.trim_start_matches("refs/heads/")
        );
        header = format!("{header} committed {committed}");
        facts.push(("Commit".to_string(), committed));
    }
    Compared {
        header,
        title: format!("Schema snapshot of {}", report.env),
        facts,
        full_list: format!("`schemagit log --env {} -n 1`", report.env),
    }
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
