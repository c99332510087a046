//! Ctrl-C and SIGTERM, deferred while the repository is being updated.
//!
//! Outside a critical section a signal runs the binary's stop action at once (tear down any
//! throwaway server, exit 130): nothing has been written yet. Inside one — from taking the
//! repository lock to moving the branch — it is only recorded, because git writes the index and
//! refs through lock files that a process exiting halfway leaves behind, next to a half-synced
//! work tree. The code that held the section asks [`pending`] afterwards and reports what
//! really happened. One mutex orders the handler and the sections: a signal is either acted on
//! before a section begins or recorded inside it, never lost in between.

use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

struct State {
    /// Critical sections open now (they nest).
    sections: usize,
    /// A signal arrived while a section was open.
    pending: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    sections: 0,
    pending: false,
});

fn state() -> MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Handles Ctrl-C and SIGTERM from now on. `stop` runs for a signal that arrives outside every
/// critical section, with the state locked so that no section can begin while it runs; it is
/// expected to end the process.
pub fn install(stop: impl Fn() + Send + 'static) -> Result<(), ctrlc::Error> {
    ctrlc::set_handler(move || {
        let mut state = state();
        if state.sections > 0 {
            state.pending = true;
        } else {
            stop();
        }
    })
}

/// While alive, Ctrl-C and SIGTERM are recorded instead of acted on.
#[must_use = "the critical section ends when the guard is dropped"]
pub struct Critical {
    _private: (),
}

impl Critical {
    pub fn enter() -> Critical {
        state().sections += 1;
        Critical { _private: () }
    }
}

impl Drop for Critical {
    fn drop(&mut self) {
        state().sections -= 1;
    }
}

/// Whether a signal arrived during a critical section.
pub fn pending() -> bool {
    state().pending
}

/// Test-only failpoint: when `SCHEMAGIT_TEST_PAUSE` names `stage`, creates
/// `dir/schemagit-paused-<stage>` and waits there (30 s at most) until the test deletes it or a
/// signal is recorded, so that a test can look at, and signal, this exact point of a run.
pub fn pause_point(dir: &Path, stage: &str) {
    if std::env::var("SCHEMAGIT_TEST_PAUSE").ok().as_deref() != Some(stage) {
        return;
    }
    let marker = dir.join(format!("schemagit-paused-{stage}"));
    if std::fs::write(&marker, b"").is_err() {
        return;
    }
    let started = Instant::now();
    while marker.exists() && !pending() && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = std::fs::remove_file(&marker);
}
