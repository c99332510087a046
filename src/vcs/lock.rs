//! One snapshot commit at a time per repository: `schemagit.lock` in the git directory, naming
//! the process that holds it. A second run polls for it a bounded time; a lock whose holder is
//! gone (killed with SIGKILL) is taken over.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::VcsError;
use crate::interrupt;

const LOCK_FILE: &str = "schemagit.lock";
const POLL: Duration = Duration::from_millis(50);

/// Held while a snapshot is written and committed; removed on drop.
pub(super) struct RepoLock {
    path: PathBuf,
}

impl RepoLock {
    /// Takes the lock in `git_dir`, waiting up to `timeout` while a live process holds it.
    /// A signal recorded while waiting gives up at once.
    pub(super) fn acquire(git_dir: &Path, timeout: Duration) -> Result<Self, VcsError> {
        let path = git_dir.join(LOCK_FILE);
        let started = Instant::now();
        let mut waited = false;
        loop {
            match create(&path) {
                Ok(()) => return Ok(RepoLock { path }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(source) => return Err(VcsError::Io { path, source }),
            }
            let holder = holder(&path);
            if let Some(pid) = holder.filter(|pid| !alive(*pid)) {
                break_stale(&path, pid)?;
                continue;
            }
            if !waited {
                waited = true;
                interrupt::pause_point(git_dir, "lock-wait");
            }
            if interrupt::pending() {
                return Err(VcsError::Interrupted);
            }
            if started.elapsed() >= timeout {
                return Err(VcsError::Locked {
                    path,
                    holder,
                    waited: timeout,
                });
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for RepoLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Creates the lock file with this process's pid already in it: written aside, then linked into
/// place, which fails when the lock exists. A reader never sees an empty lock.
fn create(path: &Path) -> std::io::Result<()> {
    let pid = std::process::id();
    let aside = path.with_file_name(format!("{LOCK_FILE}.{pid}.new"));
    fs::write(&aside, format!("{pid}\n"))?;
    let linked = fs::hard_link(&aside, path);
    let _ = fs::remove_file(&aside);
    linked
}

/// The pid a lock file names, if it can be read.
fn holder(path: &Path) -> Option<u32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Whether `pid` is a running schemagit process other than this one (a recycled pid equal to
/// ours cannot be the holder: a run never waits for its own lock). Where `/proc` tells, a pid
/// recycled by another program is no holder either: its command name must be this one's.
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let Ok(raw) = i32::try_from(pid) else {
        return false;
    };
    let exists = !matches!(
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(raw), None),
        Err(nix::errno::Errno::ESRCH)
    );
    let command = |pid: &str| fs::read_to_string(format!("/proc/{pid}/comm")).ok();
    match (command("self"), command(&pid.to_string())) {
        (Some(ours), Some(theirs)) => exists && ours == theirs,
        (Some(_), None) => false,
        (None, _) => exists,
    }
}

/// Removes a lock whose holder `pid` is gone. It is moved aside first and checked again: if
/// another waiter took the lock over in between, that run's lock is put back.
fn break_stale(path: &Path, pid: u32) -> Result<(), VcsError> {
    let aside = path.with_file_name(format!("{LOCK_FILE}.{}.stale", std::process::id()));
    match fs::rename(path, &aside) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(VcsError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    }
    if holder(&aside) != Some(pid) {
        let _ = fs::hard_link(&aside, path);
    }
    let _ = fs::remove_file(&aside);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_names_its_holder_and_goes_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let lock = RepoLock::acquire(dir.path(), Duration::ZERO).unwrap();
        let path = dir.path().join(LOCK_FILE);
        assert_eq!(holder(&path), Some(std::process::id()));
        drop(lock);
        assert!(!path.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_dead_holder_or_another_program_is_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        fs::write(&path, format!("{dead}\n")).unwrap();
        drop(RepoLock::acquire(dir.path(), Duration::ZERO).unwrap());

        // A pid recycled by a program that is not schemagit.
        let mut sleeper = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        fs::write(&path, format!("{}\n", sleeper.id())).unwrap();
        let taken = RepoLock::acquire(dir.path(), Duration::from_secs(5));
        sleeper.kill().unwrap();
        sleeper.wait().unwrap();
        let taken = taken.unwrap();
        assert_eq!(holder(&path), Some(std::process::id()));
        drop(taken);
    }
}
