//! A throwaway PostgreSQL cluster started from the server binaries installed on this machine.
//!
//! Owns finding those binaries, `initdb` into a private temporary directory, running `postgres`
//! as our own child on a Unix socket only, waiting until it accepts connections, and tearing it
//! down again. Used by `snapshot --from-migrations`, `diff migrations:…`, the README demo and the
//! integration tests.
//!
//! Teardown has four triggers: [`EphemeralPostgres::stop`], `Drop`, [`cleanup_all`] (from the
//! CLI's Ctrl-C handler) and process exit (for clusters kept in a `static`, whose `Drop` never
//! runs). Every live cluster sits in one process-wide registry, and whichever trigger removes it
//! from there does the work, so each cluster is stopped exactly once. If schemagit itself is
//! killed outright, the kernel stops the server (Linux parent-death signal) and the next start
//! removes the directory left behind.
//!
//! One file per concern: `binaries` finds the server installation, `user` picks whom to run it
//! as when we are root, `directory` makes the private temporary directory (and removes those of
//! killed runs), `cluster` runs `initdb` and `postgres` and waits for them, `spawn` forks the
//! server so that it dies with us, and `registry` owns every live cluster and tears it down.

mod binaries;
mod cluster;
mod directory;
mod error;
mod registry;
mod spawn;
mod user;

pub use binaries::find_server_binaries;
pub use cluster::EphemeralPostgres;
pub use error::EphemeralError;
pub use registry::cleanup_all;
