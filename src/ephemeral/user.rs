//! The unprivileged user the server runs as when schemagit runs as root, since `initdb` and
//! `postgres` refuse to run as root, and whether that user can reach the temporary directory.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use nix::unistd::{geteuid, Gid, Uid, User};

use super::EphemeralError;

/// What to run the server as when we are root, since `initdb` and `postgres` refuse root.
pub(super) struct ServerUser {
    pub(super) name: String,
    pub(super) uid: Uid,
    pub(super) gid: Gid,
}

impl ServerUser {
    pub(super) fn apply(&self, command: &mut Command) {
        // When root switches uid, std also drops all supplementary groups.
        command.uid(self.uid.as_raw()).gid(self.gid.as_raw());
    }

    fn can_traverse(&self, metadata: &fs::Metadata) -> bool {
        let mode = metadata.mode();
        if metadata.uid() == self.uid.as_raw() {
            mode & 0o100 != 0
        } else if metadata.gid() == self.gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    }
}

pub(super) fn unprivileged_user() -> Result<Option<ServerUser>, EphemeralError> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    for name in ["postgres", "nobody"] {
        let user =
            User::from_name(name).map_err(|source| EphemeralError::UserLookup { name, source })?;
        if let Some(user) = user {
            return Ok(Some(ServerUser {
                name: user.name,
                uid: user.uid,
                gid: user.gid,
            }));
        }
    }
    Err(EphemeralError::NoUnprivilegedUser)
}

/// The server user must be able to walk down to its directory; ours is chowned to it, but a
/// `TMPDIR` inside root's home would not be reachable.
pub(super) fn check_traversable(base: &Path, user: &ServerUser) -> Result<(), EphemeralError> {
    for dir in base.ancestors() {
        // An unreadable ancestor makes creating the directory fail with a clearer error.
        let Ok(metadata) = fs::metadata(dir) else {
            continue;
        };
        if !user.can_traverse(&metadata) {
            return Err(EphemeralError::TempDirNotTraversable {
                user: user.name.clone(),
                dir: dir.to_path_buf(),
            });
        }
    }
    Ok(())
}
