//! [`EphemeralError`]: every way that finding, starting or stopping a throwaway cluster can fail,
//! each naming what it was doing and, where there is one, what to do about it.

use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum EphemeralError {
    #[error(
        "PostgreSQL server binaries (initdb, postgres) not found on PATH, in pg_config --bindir \
         or the usual install locations; install the server package (Debian/Ubuntu: apt-get \
         install postgresql; macOS: brew install postgresql@16) or set SCHEMAGIT_PG_BINDIR"
    )]
    BinariesNotFound,
    #[error(
        "SCHEMAGIT_PG_BINDIR={} does not contain both initdb and postgres; point it at the bin \
         directory of a PostgreSQL server installation or unset it",
        dir.display()
    )]
    BinDirOverrideInvalid { dir: PathBuf },
    #[error(
        "running as root, but there is neither a `postgres` nor a `nobody` user to run the \
         server as (PostgreSQL refuses to run as root); create a `postgres` user"
    )]
    NoUnprivilegedUser,
    #[error("could not look up user `{name}`")]
    UserLookup {
        name: &'static str,
        #[source]
        source: nix::Error,
    },
    #[error(
        "the server must run as user `{user}`, who cannot enter {}; set TMPDIR to a directory \
         every user can traverse, such as /tmp",
        dir.display()
    )]
    TempDirNotTraversable { user: String, dir: PathBuf },
    #[error("could not create the temporary directory {}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not give {} to user `{user}`, who runs the server", dir.display())]
    Chown {
        dir: PathBuf,
        user: String,
        #[source]
        source: nix::Error,
    },
    #[error("could not run {}", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not tell the version of {} from its output {output:?}", program.display())]
    Version { program: PathBuf, output: String },
    #[error("initdb failed ({status}); the end of its output:\n{tail}")]
    Initdb { status: ExitStatus, tail: String },
    #[error("could not create the server log {}", path.display())]
    Log {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("PostgreSQL exited while starting ({status}); the end of its log:\n{tail}")]
    ExitedDuringStartup { status: ExitStatus, tail: String },
    #[error(
        "PostgreSQL did not accept connections within {} s; the end of its log:\n{tail}",
        timeout.as_secs()
    )]
    StartTimeout { timeout: Duration, tail: String },
    #[error("the throwaway PostgreSQL was shut down while it was starting (interrupted)")]
    Interrupted,
    #[error("could not signal PostgreSQL (pid {pid})")]
    Signal {
        pid: u32,
        #[source]
        source: nix::Error,
    },
    #[error("could not wait for PostgreSQL (pid {pid}) to exit")]
    Wait {
        pid: u32,
        #[source]
        source: io::Error,
    },
    #[error("could not remove the temporary directory {}", dir.display())]
    RemoveDir {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_binaries_message_says_what_to_install() {
        let message = EphemeralError::BinariesNotFound.to_string();
        assert!(!message.contains('\n'));
        assert!(message.contains("apt-get install postgresql"));
        assert!(message.contains("brew install postgresql@16"));
        assert!(message.contains("SCHEMAGIT_PG_BINDIR"));
    }
}
