//! The process-wide registry of live clusters, and their teardown: whichever trigger (`stop`,
//! `Drop`, [`cleanup_all`], process exit) takes a cluster out of the registry stops its process
//! and deletes its directory, so each cluster is torn down exactly once.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::PathBuf;
use std::process::Child;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, Once, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::cluster::POLL_INTERVAL;
use super::EphemeralError;

const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Stops every live throwaway cluster and deletes its directory. Safe to call from any thread,
/// including a Ctrl-C handler while another thread is starting or using a cluster.
pub fn cleanup_all() {
    let clusters = std::mem::take(&mut *lock(&REGISTRY));
    for cluster in clusters.into_values() {
        // Best effort: this runs on the way out, with nobody left to report to.
        let _ = cluster.tear_down();
    }
}

/// One live cluster, owned by the registry so that any thread can tear it down.
pub(super) struct Cluster {
    pub(super) dir: PathBuf,
    /// `initdb` while it runs, then the server.
    pub(super) process: Option<Child>,
}

impl Cluster {
    pub(super) fn tear_down(mut self) -> Result<(), EphemeralError> {
        let stopped = self.process.take().map_or(Ok(()), stop_process);
        // Remove the directory even when stopping failed, so that at least no disk is leaked.
        let removed = match fs::remove_dir_all(&self.dir) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => {
                Err(EphemeralError::RemoveDir {
                    dir: self.dir,
                    source: error,
                })
            }
            _ => Ok(()),
        };
        stopped.and(removed)
    }
}

fn stop_process(mut process: Child) -> Result<(), EphemeralError> {
    let pid = process.id();
    let wait_error = |source| EphemeralError::Wait { pid, source };
    if process.try_wait().map_err(wait_error)?.is_some() {
        return Ok(());
    }
    let raw_pid = i32::try_from(pid).expect("process ids fit in pid_t");
    // SIGINT is the server's fast shutdown (roll back open transactions, exit promptly) and
    // makes initdb remove what it created and exit.
    match kill(Pid::from_raw(raw_pid), Signal::SIGINT) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(source) => return Err(EphemeralError::Signal { pid, source }),
    }
    let deadline = Instant::now() + STOP_TIMEOUT;
    while Instant::now() < deadline {
        if process.try_wait().map_err(wait_error)?.is_some() {
            return Ok(());
        }
        thread::sleep(POLL_INTERVAL);
    }
    // A postmaster's backends notice its death and exit on their own.
    process.kill().map_err(wait_error)?;
    process.wait().map_err(wait_error)?;
    Ok(())
}

pub(super) static REGISTRY: Mutex<BTreeMap<u64, Cluster>> = Mutex::new(BTreeMap::new());
pub(super) static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A panic elsewhere while holding the lock leaves the map itself consistent (every operation on
/// it is a single insert, remove or take), so teardown must still be able to use it.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers [`cleanup_all`] to run at normal process exit, for clusters kept in a `static`
/// (one per test binary) whose `Drop` never runs.
pub(super) fn cleanup_at_exit() {
    extern "C" fn run_cleanup() {
        cleanup_all();
    }
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: `run_cleanup` is a plain `extern "C" fn()`, as atexit requires, and does not
        // unwind. If registration fails, stop, Drop and cleanup_all still cover the usual paths.
        unsafe {
            nix::libc::atexit(run_cleanup);
        }
    });
}
