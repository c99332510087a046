//! `schemagit migrations verify|status`: the migration files, the database's tracking table and
//! git history set against each other. Reads only.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::judge::FailOn;
use super::source::configured_target;
use super::{runtime, CliError, Context, ErrorKind, Outcome};
use crate::catalog::connect::{self, ConnectOptions};
use crate::diff::Severity;
use crate::migrations::tools::{self, expand_rows, LocalMigration, Tool};
use crate::migrations::verify::{self, GitFacts, Tracking, Verified};
use crate::migrations::{tracking, trailer};
use crate::report::migrations as report;

#[derive(Debug, Args)]
pub struct MigrationsArgs {
    #[command(subcommand)]
    pub command: MigrationsCommand,
}

#[derive(Debug, Subcommand)]
pub enum MigrationsCommand {
    /// Check files, tracking table and git history against each other; exit 0/1/2 like check
    Verify(VerifyArgs),
    /// Every migration: version, file, state, applied at, checksum, the commit that added the
    /// file and the last that changed it
    Status(InspectArgs),
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub inspect: InspectArgs,

    /// The lowest severity that fails: critical exits 1, warning (and info, when asked) exit 2
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The migrations folder, relative to the repository root [default: the environment's
    /// `migrations` from schemagit.toml, else migrations/]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// The migration tool [default: detected from the files and the tracking tables]: drizzle,
    /// prisma, sqlx, flyway, golang-migrate, rails, dbmate, supabase, plain
    #[arg(long, value_name = "TOOL", value_parser = parse_tool)]
    pub tool: Option<Tool>,

    /// Files and git history only: do not connect to the database (no tracking table)
    #[arg(long)]
    pub offline: bool,
}

pub(super) fn parse_tool(text: &str) -> Result<Tool, String> {
    Tool::from_name(text).ok_or_else(|| {
        let names: Vec<&str> = Tool::ALL.iter().map(|tool| tool.name()).collect();
        format!("unknown tool {text:?}; one of {}", names.join(", "))
    })
}

pub fn run(context: &mut Context, args: MigrationsArgs) -> Result<Outcome, CliError> {
    match args.command {
        MigrationsCommand::Verify(args) => {
            let (tool, files, verified) = inspect(context, &args.inspect)?;
            let written = if context.json {
                report::write_verify_json(context.out, tool.name(), &verified.findings)
            } else {
                report::write_verify_human(context.out, &verified.findings, files.len())
            };
            written.map_err(|e| CliError::writing_stdout(&e))?;
            let threshold = match args.fail_on {
                FailOn::Critical => Severity::Critical,
                FailOn::Warning => Severity::Warning,
                FailOn::Info => Severity::Info,
            };
            Ok(match verified.findings.iter().map(|f| f.severity).max() {
                Some(Severity::Critical) => Outcome::Critical,
                Some(severity) if severity >= threshold => Outcome::Warning,
                _ => Outcome::Clean,
            })
        }
        MigrationsCommand::Status(args) => {
            let (tool, _, verified) = inspect(context, &args)?;
            let written = if context.json {
                report::write_status_json(context.out, tool.name(), &verified.rows)
            } else {
                report::write_status_human(context.out, &verified.rows)
            };
            written.map_err(|e| CliError::writing_stdout(&e))?;
            Ok(Outcome::Clean)
        }
    }
}

/// Reads the files, the tracking table (unless `--offline`) and git history, and checks them.
fn inspect(
    context: &mut Context,
    args: &InspectArgs,
) -> Result<(Tool, Vec<LocalMigration>, Verified), CliError> {
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| context.config.migrations.clone());
    let root = context.work_tree("migrations")?.to_path_buf();
    let folder = root.join(&dir);
    let from_files = match args.tool {
        Some(tool) => vec![tool],
        None => Tool::detect_from_files(&folder)?,
    };
    let (tool, rows, source) = if args.offline {
        (
            choose(&from_files, None, &dir)?,
            None,
            "git history alone (--offline)".to_string(),
        )
    } else {
        let target = configured_target(context).map_err(|error| {
            let hint = error.hint.clone().unwrap_or_default();
            error.with_hint(format!(
                "{hint}{}pass --offline to check the files and git history without a database",
                if hint.is_empty() { "" } else { "; or " }
            ))
        })?;
        let (tool, rows) = runtime()?.block_on(async {
            let client = connect::connect(&target).await?;
            let present = tracking::present(&client).await?;
            let tool = choose(&from_files, Some(&present), &dir)?;
            let rows = tracking::rows(&client, tool).await?;
            Ok::<_, CliError>((tool, Some(rows)))
        })?;
        (tool, rows, target.display_redacted())
    };
    let files = tool.discover(&folder)?;
    let tracking = match rows {
        None if args.offline => Tracking::NotChecked,
        None | Some(None) => Tracking::Missing,
        Some(Some(rows)) => Tracking::Rows(expand_rows(tool, &files, rows)),
    };
    let git = git_facts(context, &root, &folder, &files, tool)?;
    let header = format!(
        "migrations {}: {} ({}) against {source}",
        context.config.env,
        dir.display(),
        tool.name()
    );
    context.note(header);
    let label = dir.display().to_string();
    let verified = verify::verify(tool, &label, &files, &tracking, &git);
    Ok((tool, files, verified))
}

pub(super) fn choose(
    from_files: &[Tool],
    trackers: Option<&[Tool]>,
    dir: &Path,
) -> Result<Tool, CliError> {
    tools::choose(from_files, trackers).map_err(|candidates| {
        let names: Vec<&str> = candidates.iter().map(|tool| tool.name()).collect();
        CliError::new(
            ErrorKind::Usage,
            format!(
                "the migrations in {} match several tools: {}",
                dir.display(),
                names.join(", ")
            ),
        )
        .with_hint("choose one with --tool")
    })
}

/// What git knows about the files: keyed by file relative to the migrations folder.
fn git_facts(
    context: &Context,
    root: &Path,
    folder: &Path,
    files: &[LocalMigration],
    tool: Tool,
) -> Result<GitFacts, CliError> {
    let Ok(relative) = folder.strip_prefix(root) else {
        return Ok(GitFacts::default());
    };
    let prefix: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    let in_repo = |file: &str| {
        let mut parts = prefix.clone();
        parts.push(file.to_string());
        parts.join("/")
    };
    let repo = context.repo()?;
    let paths: Vec<String> = files.iter().map(|file| in_repo(&file.file)).collect();
    let mut histories = repo.file_histories(&paths)?;
    let files = files
        .iter()
        .filter_map(|file| {
            histories
                .remove(&in_repo(&file.file))
                .map(|history| (file.file.clone(), history))
        })
        .collect();
    let snapshots = repo
        .migration_trailers(&context.config.env)?
        .into_iter()
        .filter(|snapshot| snapshot.tool == tool.name())
        .collect();
    Ok(GitFacts { files, snapshots })
}

/// The `Schema-Migrations` trailer for the live database at `target`: the latest migration
/// its tracking table records as applied, in the convention of the environment's migrations
/// folder. `None` without a folder, a tracking table or one tool; a failure to read it is a
/// warning on stderr, never a failed snapshot or check.
pub(super) fn latest_applied(context: &mut Context, target: &ConnectOptions) -> Option<String> {
    let folder = context
        .work_tree("the migrations folder")
        .ok()?
        .join(&context.config.migrations);
    match latest_applied_in(&folder, target) {
        Ok(latest) => latest,
        Err(error) => {
            context.note(format_args!(
                "warning: the latest applied migration is unknown: {}",
                error.message
            ));
            None
        }
    }
}

/// The `Schema-Migrations` value of `target`: the latest of `folder`'s migrations that its
/// tracking table says were applied; `None` without the folder, a known tool or its table.
pub(super) fn latest_applied_in(
    folder: &Path,
    target: &ConnectOptions,
) -> Result<Option<String>, CliError> {
    if !folder.is_dir() {
        return Ok(None);
    }
    let from_files = Tool::detect_from_files(folder)?;
    runtime()?.block_on(async {
        let client = connect::connect(target).await?;
        let present = tracking::present(&client).await?;
        let Ok(tool) = tools::choose(&from_files, Some(&present)) else {
            return Ok(None);
        };
        let Some(rows) = tracking::rows(&client, tool).await? else {
            return Ok(None);
        };
        let files = tool.discover(folder)?;
        let rows = expand_rows(tool, &files, rows);
        Ok(trailer::latest_applied(&files, &rows).map(|file| trailer::value(tool, &file.name)))
    })
}
