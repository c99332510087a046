//! git2 only: open the repository, commit a snapshot folder as one atomic commit that touches
//! nothing else, and read a snapshot folder back from any revision.

mod commit;
mod commit_many;
mod history;
mod lock;
mod pack;
mod push;
mod read;
mod snapshot_commit;
mod snapshot_history;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::time::Duration;

use git2::Repository;

pub use commit::{Committed, FolderUpdate, Previous};
pub use commit_many::{Files, FoldersUpdate};
pub use push::{CredentialSources, PushError};
pub use read::FolderFiles;
pub use snapshot_commit::{env_section, SnapshotCommit};
pub use snapshot_history::{FolderCommit, FolderHistory, HistoryQuery};

#[derive(Debug, thiserror::Error)]
pub enum VcsError {
    #[error("{path} is not inside a git repository")]
    NotARepository { path: PathBuf },
    #[error("unknown revision {revision:?}: {message}")]
    UnknownRevision { revision: String, message: String },
    #[error(
        "another schemagit run{} still holds the repository lock {path} after {:.1} s",
        .holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default(),
        .waited.as_secs_f64()
    )]
    Locked {
        path: PathBuf,
        holder: Option<u32>,
        waited: Duration,
    },
    #[error("{path} exists: a git command is writing the repository, or one was killed; no schemagit process is running: if no git command is either, delete it")]
    GitLocked { path: PathBuf },
    #[error("{reference} moved while the snapshot was being committed")]
    Moved { reference: String },
    #[error("the snapshot folders {outer} and {inner} overlap: each is the whole content of its path, so neither can hold the other")]
    Overlap { outer: String, inner: String },
    #[error("interrupted while waiting for the repository lock")]
    Interrupted,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("git: {0}")]
    Git(#[from] git2::Error),
}

/// The repository a snapshot lives in.
pub struct Repo {
    repo: Repository,
}

impl Repo {
    /// Opens the repository at or around `start` (the current directory when `None`).
    pub fn discover(start: Option<&Path>) -> Result<Repo, VcsError> {
        let start = match start {
            Some(path) => path.to_path_buf(),
            None => std::env::current_dir().map_err(|source| VcsError::Io {
                path: PathBuf::from("."),
                source,
            })?,
        };
        let repo = Repository::discover(&start).map_err(|_| VcsError::NotARepository {
            path: start.clone(),
        })?;
        Ok(Repo { repo })
    }

    /// The work tree's root, or `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// The branch `HEAD` names (`refs/heads/main`), or `None` when it is detached.
    pub fn head_branch(&self) -> Option<String> {
        self.repo
            .find_reference("HEAD")
            .ok()?
            .symbolic_target()
            .map(str::to_string)
    }

    /// The git directory (`.git` of a work tree, or the bare repository itself).
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// Where `schemagit.toml` and relative paths are looked up: the work tree's root, or the
    /// git directory of a bare repository.
    pub fn root(&self) -> &Path {
        self.repo.workdir().unwrap_or_else(|| self.repo.path())
    }
}
