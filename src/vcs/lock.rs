//! One snapshot commit at a time per repository: a lock file in the git directory.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use super::VcsError;

/// Held while a snapshot is written and committed; removed on drop.
pub(super) struct RepoLock {
    path: PathBuf,
    _file: File,
}

impl RepoLock {
    pub(super) fn acquire(git_dir: &std::path::Path) -> Result<Self, VcsError> {
        let path = git_dir.join("schemagit.lock");
        if holder_is_gone(&path) {
            // A run killed without unwinding (kill -9, Ctrl-C) leaves its lock behind.
            let _ = std::fs::remove_file(&path);
        }
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AlreadyExists => VcsError::Locked { path: path.clone() },
                _ => VcsError::Io {
                    path: path.clone(),
                    source,
                },
            })?;
        // The holder's pid helps whoever finds a lock left behind by a killed run.
        let _ = writeln!(file, "{}", std::process::id());
        Ok(RepoLock { path, _file: file })
    }
}

impl Drop for RepoLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// True when the lock file names a process that no longer exists.
fn holder_is_gone(path: &std::path::Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    let Ok(pid) = text.trim().parse::<i32>() else {
        return false;
    };
    matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None),
        Err(nix::errno::Errno::ESRCH)
    )
}
