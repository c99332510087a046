//! Finding the previous snapshot commit of an environment: where the audit log's attribution
//! and `check`'s manual changes start.

use super::{Repo, VcsError};

/// A snapshot commit: its id, its committer time and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotCommit {
    pub id: String,
    /// Unix seconds.
    pub time: i64,
    pub message: String,
}

impl Repo {
    /// The newest commit at or before `revision`, along first parents, that is a snapshot of
    /// `env` (its message has the trailer `Schema-Env: <env>`); `None` when there is none, or
    /// `revision` is the empty history before the first commit.
    pub fn last_snapshot_commit(
        &self,
        revision: &str,
        env: &str,
    ) -> Result<Option<SnapshotCommit>, VcsError> {
        let Some(start) = self.commit_at(revision)? else {
            return Ok(None);
        };
        let mut walk = self.repo.revwalk()?;
        walk.simplify_first_parent()?;
        walk.push(start.id())?;
        for id in walk {
            let commit = self.repo.find_commit(id?)?;
            let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
            if is_snapshot_of(&message, env) {
                return Ok(Some(SnapshotCommit {
                    id: commit.id().to_string(),
                    time: commit.time().seconds(),
                    message,
                }));
            }
        }
        Ok(None)
    }
}

/// Whether a commit message is a snapshot commit of `env`: it has the trailer
/// `Schema-Env: <env>`.
pub(super) fn is_snapshot_of(message: &str, env: &str) -> bool {
    message
        .lines()
        .any(|line| line.trim_end().strip_prefix("Schema-Env: ") == Some(env))
}
