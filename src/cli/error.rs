//! The binary's one error type: every failure classified, with a hint, ready for `main` to print
//! and map to an exit code.

use std::fmt;

use crate::catalog::{connect::ConnectError, IntrospectError};
use crate::codec::{DecodeError, EncodeError};
use crate::config::ConfigError;
use crate::ephemeral::EphemeralError;
use crate::folder::FolderError;
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
    /// Interrupted by a signal.
    Interrupted,
}

#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        let error = CliError::new(ErrorKind::Usage, e.to_string());
        match e.hint() {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

impl From<ConnectError> for CliError {
    fn from(e: ConnectError) -> Self {
        let hint = e.hint().map(str::to_string);
        CliError {
            kind: ErrorKind::Database,
            message: e.to_string(),
            hint,
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
        let error = CliError::new(ErrorKind::Database, e.to_string());
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
            _ => None,
        };
        let kind = match &e {
            VcsError::Interrupted => ErrorKind::Interrupted,
            _ => ErrorKind::Repository,
        };
        CliError {
            kind,
            message: e.to_string(),
            hint,
        }
    }
}

impl From<DecodeError> for CliError {
    fn from(e: DecodeError) -> Self {
        CliError::new(ErrorKind::Snapshot, format!("unreadable snapshot: {e}"))
            .with_hint("run `schemagit verify` to see every broken file; a fresh `schemagit snapshot` rewrites the folder")
    }
}

impl From<EncodeError> for CliError {
    fn from(e: EncodeError) -> Self {
        CliError::new(ErrorKind::Snapshot, e.to_string())
    }
}

impl From<FolderError> for CliError {
    fn from(e: FolderError) -> Self {
        let kind = match e {
            FolderError::Missing(_) => ErrorKind::Snapshot,
            FolderError::Read { .. } => ErrorKind::Io,
        };
        CliError::new(kind, e.to_string())
    }
}

impl From<EphemeralError> for CliError {
    fn from(e: EphemeralError) -> Self {
        CliError::new(ErrorKind::Migrations, e.to_string())
    }
}

impl From<MigrationError> for CliError {
    fn from(e: MigrationError) -> Self {
        CliError::new(ErrorKind::Migrations, e.to_string())
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::new(ErrorKind::Io, format!("writing output failed: {e}"))
    }
}
