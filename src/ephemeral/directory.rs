//! The private temporary directory of one cluster (data directory, log and socket): its name,
//! creating it with mode 0700, and removing the ones that killed runs left behind.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::sys::signal::kill;
use nix::unistd::Pid;

use super::EphemeralError;

/// Temporary directories are named `<prefix><creator pid>-<serial>`, which is how a later run
/// recognises the ones a killed process left behind.
const DIR_PREFIX: &str = "schemagit-pg-";

pub(super) fn create_private_dir(
    base: &Path,
    pid: u32,
    id: u64,
) -> Result<PathBuf, EphemeralError> {
    let mut attempt = 0u32;
    loop {
        let name = match attempt {
            0 => format!("{DIR_PREFIX}{pid}-{id}"),
            _ => format!("{DIR_PREFIX}{pid}-{id}-{attempt}"),
        };
        let dir = base.join(name);
        match fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {
                // The umask may have taken bits away, never added any; set exactly 0700.
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(|source| {
                    EphemeralError::CreateDir {
                        dir: dir.clone(),
                        source,
                    }
                })?;
                return Ok(dir);
            }
            // Left by an earlier process with the same pid, and not removable as stale: either
            // that process still runs or the directory is not ours to delete.
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(source) => return Err(EphemeralError::CreateDir { dir, source }),
        }
    }
}

/// Deletes directories of earlier runs that were killed before they could clean up: their
/// creator is gone and no server answers on their socket.
pub(super) fn remove_stale_clusters(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
        let creator = entry.file_name().to_str().and_then(creator_pid);
        let Some(creator) = creator.filter(|_| is_dir) else {
            continue;
        };
        let dir = entry.path();
        if process_exists(creator) || server_listening(&dir) {
            continue;
        }
        // Someone else's directory we may not delete is not our problem.
        let _ = fs::remove_dir_all(dir);
    }
}

fn creator_pid(dir_name: &str) -> Option<i32> {
    let rest = dir_name.strip_prefix(DIR_PREFIX)?;
    let pid = rest.split('-').next()?.parse::<i32>().ok()?;
    (pid > 0).then_some(pid)
}

fn process_exists(pid: i32) -> bool {
    // EPERM means it exists but belongs to someone else.
    kill(Pid::from_raw(pid), None) != Err(Errno::ESRCH)
}

/// A connectable socket means a live server even when its creator's pid means nothing here
/// (another PID namespace sharing the same /tmp).
fn server_listening(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name.starts_with(".s.PGSQL.")
            && !name.ends_with(".lock")
            && UnixStream::connect(entry.path()).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_directories_are_recognised_by_name() {
        assert_eq!(creator_pid("schemagit-pg-4242-0"), Some(4242));
        assert_eq!(creator_pid("schemagit-pg-4242-3-1"), Some(4242));
        assert_eq!(creator_pid("schemagit-pg-0-1"), None);
        assert_eq!(creator_pid("schemagit-pg--1-1"), None);
        assert_eq!(creator_pid("other-4242-0"), None);
    }
}
