//! The binary's one error type: every failure classified, with its cause chain and a hint,
//! ready for `main` to print (`error:` / `caused by:` / `hint:`) and map to an exit code.

use std::error::Error;
use std::fmt;
use std::io;

use crate::catalog::{connect::ConnectError, IntrospectError};
use crate::codec::{DecodeError, EncodeError};
use crate::config::ConfigError;
use crate::ephemeral::EphemeralError;
use crate::folder::FolderError;
use crate::migrations::capture::CaptureError;
use crate::migrations::tracking::TrackingError;
use crate::migrations::MigrationError;
use crate::vcs::VcsError;

/// What kind of thing went wrong; `main` turns each into its own exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad arguments or configuration.
    Usage,
    /// The database could not be reached or read.
    Database,
    /// The git repository could not be used.
    Repository,
    /// A snapshot is unreadable, malformed or fails verification.
    Snapshot,
    /// The throwaway PostgreSQL or the migrations failed.
    Migrations,
    /// Reading or writing a file failed.
    Io,
    /// The object named (`show`, `log OBJECT`) is not in the snapshot.
    UnknownObject,
    /// Interrupted by a signal.
    Interrupted,
    /// Whoever read the output stopped reading (`| head`): not a failure, nothing to say.
    OutputClosed,
}

impl ErrorKind {
    /// The worse of two failures, for a run that reports many (a fleet): the one whose exit
    /// code is higher: the variants up to `Interrupted` are declared in the order of their codes.
    pub fn worse(self, other: ErrorKind) -> ErrorKind {
        let rank = |kind: ErrorKind| kind as u8;
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
    /// What lies beneath the message, outermost first: printed as `caused by:` lines.
    pub causes: Vec<String>,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            causes: Vec::new(),
            hint: None,
        }
    }

    /// An error whose message is `error`'s own, with its sources as the causes.
    fn from_error(kind: ErrorKind, error: &(dyn Error + 'static)) -> Self {
        let mut cli_error = CliError::new(kind, error.to_string());
        if let Some(source) = error.source() {
            cli_error.add_causes(source);
        }
        cli_error
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Names `cause` (and its sources) as what lies beneath the message.
    pub fn caused_by(mut self, cause: &(dyn Error + 'static)) -> Self {
        self.add_causes(cause);
        self
    }

    /// Adds `cause` and its sources. One whose text a line above already includes (an error
    /// that prints its source inline) is not repeated.
    fn add_causes(&mut self, cause: &(dyn Error + 'static)) {
        let mut next = Some(cause);
        while let Some(cause) = next {
            let text = cause.to_string();
            let printed = std::iter::once(&self.message)
                .chain(&self.causes)
                .any(|line| line.contains(&text));
            if !printed {
                self.causes.push(text);
            }
            next = cause.source();
        }
    }

    /// Writing the command's output to stdout failed; a reader that went away (`| head`) is no
    /// failure.
    pub fn writing_stdout(error: &io::Error) -> Self {
        if error.kind() == io::ErrorKind::BrokenPipe {
            return CliError::new(ErrorKind::OutputClosed, "stdout was closed");
        }
        CliError::new(ErrorKind::Io, "cannot write to standard output")
            .caused_by(error)
            .with_hint("check where stdout goes: a full disk, or a file or pipe that can no longer be written")
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        let error = CliError::from_error(ErrorKind::Usage, &e);
        match e.hint() {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

impl From<ConnectError> for CliError {
    fn from(e: ConnectError) -> Self {
        // What the user wrote is wrong before any connection is tried: a bad argument.
        let kind = match &e {
            ConnectError::InvalidUrl { .. }
            | ConnectError::InvalidConninfo { .. }
            | ConnectError::InvalidEnvironment { .. }
            | ConnectError::UnsupportedScheme { .. } => ErrorKind::Usage,
            _ => ErrorKind::Database,
        };
        let error = CliError::from_error(kind, &e);
        match e.hint() {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

impl From<IntrospectError> for CliError {
    fn from(e: IntrospectError) -> Self {
        let hint = match &e {
            IntrospectError::LockTimeout { .. } => Some(
                "run again when that session has finished, or raise lock_timeout_ms in schemagit.toml",
            ),
            IntrospectError::Unsupported { .. } => Some("upgrade the server, or snapshot a newer copy of it"),
            _ => None,
        };
        let error = CliError::from_error(ErrorKind::Database, &e);
        match hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

impl From<VcsError> for CliError {
    fn from(e: VcsError) -> Self {
        let hint = match &e {
            VcsError::NotARepository { .. } => Some(
                "run schemagit inside a git repository, pass --repo DIR, or `git init` one"
                    .to_string(),
            ),
            VcsError::Locked { path, .. } => Some(format!(
                "wait for the other run to finish, or raise repo_lock_timeout_ms in schemagit.toml; if that process is not schemagit, delete {}",
                path.display()
            )),
            VcsError::GitLocked { .. } => Some(
                "nothing was written; run schemagit again once the file is gone".to_string(),
            ),
            VcsError::Moved { .. } => {
                Some("nothing was committed; run schemagit again to build on the new commit".to_string())
            }
            VcsError::UnknownRevision { .. } => {
                Some("name a commit, branch or tag that exists (see `git log`)".to_string())
            }
            VcsError::Overlap { .. } => Some(
                "give each environment in schemagit.toml a folder beside the others".to_string(),
            ),
            _ => None,
        };
        let kind = match &e {
            VcsError::Interrupted => ErrorKind::Interrupted,
            _ => ErrorKind::Repository,
        };
        let error = CliError::from_error(kind, &e);
        match hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

impl From<DecodeError> for CliError {
    fn from(e: DecodeError) -> Self {
        CliError::new(ErrorKind::Snapshot, format!("unreadable snapshot: {e}"))
            .caused_by(&e)
            .with_hint("run `schemagit verify` to see every broken file; a fresh `schemagit snapshot` rewrites the folder")
    }
}

impl From<EncodeError> for CliError {
    fn from(e: EncodeError) -> Self {
        CliError::from_error(ErrorKind::Snapshot, &e)
    }
}

impl From<FolderError> for CliError {
    fn from(e: FolderError) -> Self {
        let (kind, hint) = match e {
            FolderError::Missing(_) => (
                ErrorKind::Snapshot,
                "choose the environment with --env, or run `schemagit snapshot` to write the folder",
            ),
            FolderError::Read { .. } => (
                ErrorKind::Io,
                "check that file's permissions; `git checkout -- <folder>` restores a committed snapshot",
            ),
        };
        CliError::from_error(kind, &e).with_hint(hint)
    }
}

impl From<EphemeralError> for CliError {
    fn from(e: EphemeralError) -> Self {
        CliError::from_error(ErrorKind::Migrations, &e)
    }
}

impl From<MigrationError> for CliError {
    fn from(e: MigrationError) -> Self {
        let (kind, hint) = match &e {
            MigrationError::DirNotFound { .. } | MigrationError::NoMigrations { .. } => (
                ErrorKind::Usage,
                "name the folder with --from-migrations DIR or migrations:DIR (relative to the repository root), or set `migrations` in schemagit.toml",
            ),
            MigrationError::ReadDir { .. } | MigrationError::ReadFile { .. } => (
                ErrorKind::Io,
                "migration files must be readable UTF-8 text",
            ),
            MigrationError::Failed(_) | MigrationError::Apply { .. } => (
                ErrorKind::Migrations,
                "fix that migration file and run again",
            ),
            MigrationError::BadJournal { .. } => (
                ErrorKind::Usage,
                "drizzle-kit writes meta/_journal.json with an `entries` list; regenerate it with drizzle-kit",
            ),
            MigrationError::NotReplayable { .. } => (
                ErrorKind::Usage,
                "compare against a live database or a snapshot instead, or name a folder of SQL files",
            ),
        };
        CliError::from_error(kind, &e).with_hint(hint)
    }
}

impl From<CaptureError> for CliError {
    fn from(e: CaptureError) -> Self {
        let (kind, hint) = match e {
            CaptureError::Migrations(inner) => return inner.into(),
            CaptureError::Exists { .. } | CaptureError::Write { .. } => (
                ErrorKind::Io,
                "nothing was written; move the file aside or choose another --name",
            ),
            CaptureError::NeedsNoTransaction { .. } => (
                ErrorKind::Usage,
                "plan without --online, so every statement can run in the tool's transaction",
            ),
            CaptureError::BadName { .. } | CaptureError::NameTaken { .. } => (
                ErrorKind::Usage,
                "choose another --name",
            ),
            _ => (
                ErrorKind::Usage,
                "name the tool with --tool, or write the migration by hand from `schemagit plan --capture`'s output",
            ),
        };
        CliError::from_error(kind, &e).with_hint(hint)
    }
}

impl From<TrackingError> for CliError {
    fn from(e: TrackingError) -> Self {
        CliError::from_error(ErrorKind::Database, &e)
            .with_hint("the role needs SELECT on the migration tool's tracking table")
    }
}
