//! git2 only: open the repository, commit a snapshot folder as one atomic commit that touches
//! nothing else, and read a snapshot folder back from any revision.

mod commit;
mod lock;
mod read;

use std::path::{Path, PathBuf};

use git2::Repository;

pub use commit::Committed;

#[derive(Debug, thiserror::Error)]
pub enum VcsError {
    #[error("{path} is not inside a git repository")]
    NotARepository { path: PathBuf },
    #[error("unknown revision {revision:?}: {message}")]
    UnknownRevision { revision: String, message: String },
    #[error("another schemagit run holds the repository lock {path}")]
    Locked { path: PathBuf },
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
}
