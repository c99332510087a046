//! The command line: clap definitions (one file per subcommand), the shared context they run
//! in, and the error type `main` maps to exit codes.

mod audit;
mod check;
mod diff;
mod error;
mod fleet;
mod init;
mod judge;
mod migrations;
mod notify;
mod plan;
mod progress;
mod replay;
mod restore;
mod snapshot;
mod source;
mod verify;
// The review loop: history and one object's definition.
mod log;
mod show;
mod suggest;

use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

pub use error::{CliError, ErrorKind};

use crate::config::{Config, Flags};
use crate::vcs::{Repo, VcsError};

#[derive(Debug, Parser)]
#[command(
    name = "schemagit",
    version,
    about = "Keep a PostgreSQL schema under version control",
    long_about = "Keep a PostgreSQL schema under version control: snapshot the live catalog into \
                  canonical, content-hashed files (one per object) and commit them to git."
)]
pub struct Cli {
    /// Connection string (postgres://…, postgresql://… or key=value); else DATABASE_URL, else
    /// the environment's variable from schemagit.toml, else the libpq environment (PGHOST, …)
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,

    /// Environment: names the snapshot folder snapshots/<env> [default: default_env from
    /// schemagit.toml, else "default"]; `init` takes it more than once
    #[arg(long, global = true, value_name = "NAME", action = clap::ArgAction::Append)]
    pub env: Vec<String>,

    /// The git repository [default: the one around the current directory]
    #[arg(long, global = true, value_name = "DIR")]
    pub repo: Option<PathBuf>,

    /// Machine-readable output on stdout (progress and errors stay on stderr)
    #[arg(long, global = true)]
    pub json: bool,

    /// Colour in human output: auto (only on a terminal, and not when NO_COLOR is set),
    /// always or never
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// No progress or notes on stderr: only errors, and the data on stdout
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Introspect the database, write snapshots/<env>/ and commit it when it changed
    Snapshot(snapshot::SnapshotArgs),
    /// Compare the live database with the committed snapshot; writes nothing; exit 0/1/2
    Check(check::CheckArgs),
    /// Semantic diff between two sources: revisions, snapshot folders, databases, migrations
    Diff(diff::DiffArgs),
    /// The snapshot commits, newest first, each with its changes; for one object with OBJECT
    Log(log::LogArgs),
    /// One object's definition at a revision (the stored file with --json)
    Show(show::ShowArgs),
    /// Check a snapshot folder's integrity: every hash, the fingerprint, the format, stray files
    Verify(verify::VerifyArgs),
    /// Migration files vs the database's tracking table vs git history: verify, status
    Migrations(migrations::MigrationsArgs),
    /// The DDL audit trail inside the database: install, uninstall, status, sql, log, prune
    Audit(audit::AuditArgs),
    /// Write schemagit.toml, snapshots/ and CI workflows into the repository (never overwriting
    /// without --force)
    Init(init::InitArgs),
    /// The SQL that turns schema A into schema B, with its hazards; --revert / --capture for
    /// drift; --verify proves it in a throwaway PostgreSQL
    Plan(plan::PlanArgs),
    /// Build a schema (a revision, a snapshot folder, …) into an empty database
    Restore(restore::RestoreArgs),
}

/// `--color`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour stdout: an explicit choice wins; auto colours a terminal unless
    /// NO_COLOR is set to something (<https://no-color.org>).
    fn colors(self, stdout_is_terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stdout_is_terminal && !no_color.is_some_and(|v| !v.is_empty()),
        }
    }
}

/// How a command that ran to the end judged what it saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing above info.
    Clean,
    /// At least one warning, no critical finding.
    Warning,
    /// At least one critical finding.
    Critical,
}

/// What every command needs: the repository, the resolved configuration, the output streams.
pub struct Context<'a> {
    /// The repository around the current directory (or `--repo`); `None` outside one, which
    /// only `diff` of live databases and folders can do without.
    repo: Option<Repo>,
    /// The repository's root, or the current directory outside a repository: where
    /// `schemagit.toml` is read and relative sources are found.
    pub root: PathBuf,
    pub config: Config,
    pub json: bool,
    /// Whether human output on stdout is coloured (`--color`, NO_COLOR, a terminal).
    pub color: bool,
    /// `--quiet`: no progress or notes.
    pub quiet: bool,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

impl Context<'_> {
    /// A line for people on stderr (progress, a note, a warning), unless `--quiet`.
    pub fn note(&mut self, line: impl Display) {
        if !self.quiet {
            // A stderr that cannot be written has no one to tell.
            let _ = writeln!(self.err, "{line}");
        }
    }

    /// Whether long work may show progress: on a terminal, for a person.
    pub fn progress(&self) -> bool {
        !self.quiet && !self.json && std::io::stderr().is_terminal()
    }

    /// A bar of `len` steps of `label` (a read's queries start at 0 and set their own length),
    /// drawn where progress is shown.
    pub fn progress_bar(&self, len: usize, label: &str) -> progress::Progress {
        if self.progress() {
            progress::Progress::new(len, label)
        } else {
            progress::Progress::hidden()
        }
    }

    /// The repository, for a command that needs one.
    pub fn repo(&self) -> Result<&Repo, CliError> {
        self.repo.as_ref().ok_or_else(|| {
            VcsError::NotARepository {
                path: self.root.clone(),
            }
            .into()
        })
    }

    /// The work tree's root, for a command that needs one (`what`, as the error names it): a
    /// bare repository has none, and the command stops here with one clear line.
    pub fn work_tree(&self, what: &str) -> Result<&Path, CliError> {
        let repo = self.repo()?;
        repo.workdir().ok_or_else(|| {
            CliError::new(
                ErrorKind::Repository,
                format!(
                    "the repository {} is bare: {what} needs a work tree",
                    repo.root().display()
                ),
            )
            .with_hint("run it in a clone with a checkout; `snapshot --branch NAME`, `verify --rev REV` and `diff REV1 REV2` work on a bare repository")
        })
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<Outcome, CliError> {
    if let Some(file) = cli.repo.as_deref().filter(|path| path.is_file()) {
        return Err(CliError::new(
            ErrorKind::Usage,
            format!("--repo {} is a file, not a repository", file.display()),
        )
        .with_hint(
            "pass the repository's folder: its work tree, or a bare repository's directory",
        ));
    }
    // Outside a repository only `diff` (of databases and folders) and `audit` can run; every other
    // command, and any source that needs git, says so when it asks for the repository.
    let (repo, root) = match Repo::discover(cli.repo.as_deref()) {
        Ok(repo) => {
            let root = repo.root().to_path_buf();
            (Some(repo), root)
        }
        Err(VcsError::NotARepository { path })
            if cli.repo.is_none()
                && matches!(cli.command, Command::Diff(_) | Command::Audit(_)) =>
        {
            (None, path)
        }
        Err(error) => return Err(error.into()),
    };
    // `init` writes the configuration, so it runs before any is read.
    if let Command::Init(args) = cli.command {
        let init = init::Init {
            repo: repo
                .as_ref()
                .ok_or_else(|| VcsError::NotARepository { path: root.clone() })?,
            envs: &cli.env,
            json: cli.json,
            quiet: cli.quiet,
            out,
            err,
        };
        return init::run(init, args);
    }
    let env = match cli.env.as_slice() {
        [] => None,
        [env] => Some(env.clone()),
        [..] => {
            return Err(
                CliError::new(ErrorKind::Usage, "--env is given more than once")
                    .with_hint("name one environment; only `init` takes several"),
            )
        }
    };
    let flags = Flags {
        env,
        database_url: cli.database_url.clone(),
    };
    let config = Config::resolve(&root, &flags, &|name| std::env::var(name).ok())?;
    let mut context = Context {
        repo,
        root,
        config,
        json: cli.json,
        color: cli.color.colors(
            std::io::stdout().is_terminal(),
            std::env::var_os("NO_COLOR"),
        ),
        quiet: cli.quiet,
        out,
        err,
    };
    let outcome = match cli.command {
        Command::Snapshot(args) => snapshot::run(&mut context, args),
        Command::Check(args) => check::run(&mut context, args),
        Command::Diff(args) => diff::run(&mut context, args),
        Command::Verify(args) => verify::run(&mut context, args),
        Command::Migrations(args) => migrations::run(&mut context, args),
        Command::Init(_) => unreachable!("init returned above"),
        Command::Log(args) => log::run(&mut context, args),
        Command::Show(args) => show::run(&mut context, args),
        Command::Audit(args) => audit::run(&mut context, args),
        Command::Plan(args) => plan::run(&mut context, args),
        Command::Restore(args) => restore::run(&mut context, args),
    }?;
    context
        .out
        .flush()
        .map_err(|e| CliError::writing_stdout(&e))?;
    Ok(outcome)
}

/// A single-threaded runtime: introspection is one connection, and the throwaway server's
/// death signal is tied to the thread that started it.
fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::new(ErrorKind::Io, "cannot start the async runtime").caused_by(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_is_the_flag_else_a_terminal_without_no_color() {
        let set = || Some(std::ffi::OsString::from("1"));
        assert!(ColorChoice::Always.colors(false, set()));
        assert!(!ColorChoice::Never.colors(true, None));
        assert!(ColorChoice::Auto.colors(true, None));
        assert!(ColorChoice::Auto.colors(true, Some("".into())));
        assert!(!ColorChoice::Auto.colors(true, set()));
        assert!(!ColorChoice::Auto.colors(false, None));
    }
}
