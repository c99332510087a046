//! Forking the server so that it dies with schemagit: from one long-lived thread, with the
//! kernel's parent-death signal set where there is one.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};
use std::sync::{mpsc, Mutex};
use std::thread;

use super::registry::lock;

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Linux sends the parent-death signal when the *thread* that forked the child exits, not the
/// process. Callers start clusters from short-lived threads (test threads, `spawn_blocking`), so
/// the server is forked by one thread that lives as long as the process.
pub(super) fn spawn_from_keeper_thread(command: Command) -> io::Result<Child> {
    static KEEPER: Mutex<Option<mpsc::Sender<SpawnRequest>>> = Mutex::new(None);
    let (reply_to, reply) = mpsc::channel();
    {
        let mut keeper = lock(&KEEPER);
        if keeper.is_none() {
            let (requests, incoming) = mpsc::channel::<SpawnRequest>();
            thread::Builder::new()
                .name("schemagit-pg-parent".to_owned())
                .spawn(move || {
                    for (mut command, reply_to) in incoming {
                        // The requester may have given up waiting; the Child then drops.
                        let _ = reply_to.send(command.spawn());
                    }
                })?;
            *keeper = Some(requests);
        }
        let requests = keeper
            .as_ref()
            .expect("the keeper thread was started above");
        requests
            .send((command, reply_to))
            .map_err(|_| io::Error::other("the thread that starts PostgreSQL has exited"))?;
    }
    reply
        .recv()
        .map_err(|_| io::Error::other("the thread that starts PostgreSQL has exited"))?
}

/// Makes the kernel send SIGQUIT (immediate shutdown) to the server when we die without
/// cleaning up, e.g. on `kill -9`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) fn die_with_parent(command: &mut Command) {
    use nix::libc;
    let parent = nix::unistd::getpid().as_raw();
    // SAFETY: between fork and exec the closure only calls async-signal-safe functions (prctl,
    // getppid) and allocates nothing. It runs after std has switched uid/gid, which matters:
    // changing credentials clears the parent-death signal.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT as libc::c_ulong) == -1 {
                return Err(io::Error::last_os_error());
            }
            // We may have died before prctl took effect; then nobody would ever stop the server.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Other systems have no parent-death signal; a killed schemagit leaves the server running
/// until the next start finds and removes its directory.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) fn die_with_parent(_command: &mut Command) {}
