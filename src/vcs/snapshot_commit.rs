//! Finding the previous snapshot commit of an environment: where the audit log's attribution
//! and `check`'s manual changes start. A fleet commit holds several environments, each with
//! its own block of trailers opened by its `Schema-Env:` line; what is said of one environment
//! is read from its block alone.

use std::collections::BTreeMap;

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
                    message: env_section(&message, env).to_string(),
                }));
            }
        }
        Ok(None)
    }

    /// [`Repo::last_snapshot_commit`] of each of `envs`, in one walk of the history: the walk
    /// stops when every environment is found. Environments with no snapshot are left out.
    pub fn last_snapshot_commits(
        &self,
        revision: &str,
        envs: &[String],
    ) -> Result<BTreeMap<String, SnapshotCommit>, VcsError> {
        let mut found = BTreeMap::new();
        let Some(start) = self.commit_at(revision)? else {
            return Ok(found);
        };
        let mut walk = self.repo.revwalk()?;
        walk.simplify_first_parent()?;
        walk.push(start.id())?;
        for id in walk {
            if found.len() == envs.len() {
                break;
            }
            let commit = self.repo.find_commit(id?)?;
            let message = String::from_utf8_lossy(commit.message_bytes());
            for env in snapshot_envs(&message) {
                if found.contains_key(env) || !envs.iter().any(|wanted| wanted == env) {
                    continue;
                }
                found.insert(
                    env.to_string(),
                    SnapshotCommit {
                        id: commit.id().to_string(),
                        time: commit.time().seconds(),
                        message: env_section(&message, env).to_string(),
                    },
                );
            }
        }
        Ok(found)
    }
}

/// The environments a commit message is a snapshot of, from its `Schema-Env:` trailers.
fn snapshot_envs(message: &str) -> impl Iterator<Item = &str> {
    message
        .lines()
        .filter_map(|line| line.trim_end().strip_prefix(ENV_TRAILER))
}

const ENV_TRAILER: &str = "Schema-Env: ";

/// What a commit message says of `env`: the whole message of a single-environment commit; in
/// a fleet commit, the block of trailers from its `Schema-Env:` line to the next one.
pub fn env_section<'m>(message: &'m str, env: &str) -> &'m str {
    if snapshot_envs(message).nth(1).is_none() {
        return message;
    }
    let mut start = None;
    let mut offset = 0;
    for line in message.split_inclusive('\n') {
        let named = line.trim_end().strip_prefix(ENV_TRAILER);
        match (start, named) {
            (None, Some(name)) if name == env => start = Some(offset),
            (Some(from), Some(_)) => return &message[from..offset],
            _ => {}
        }
        offset += line.len();
    }
    start.map_or("", |from| &message[from..])
}

/// Whether a commit message is a snapshot commit of `env`: it has the trailer
/// `Schema-Env: <env>`.
pub(super) fn is_snapshot_of(message: &str, env: &str) -> bool {
    message
        .lines()
        .any(|line| line.trim_end().strip_prefix(ENV_TRAILER) == Some(env))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fleet_commit_says_of_each_environment_what_its_block_says() {
        let fleet = "schema: 2 of 3 databases changed\n\ntenant_a: 1 change\n\nSchema-Env: tenant_a\nSchema-Migrations: sqlx 1\nSchema-Env: tenant_b\nSchema-Migrations: sqlx 2\n";
        assert_eq!(
            env_section(fleet, "tenant_a"),
            "Schema-Env: tenant_a\nSchema-Migrations: sqlx 1\n"
        );
        assert_eq!(
            env_section(fleet, "tenant_b"),
            "Schema-Env: tenant_b\nSchema-Migrations: sqlx 2\n"
        );
        assert_eq!(env_section(fleet, "tenant_c"), "");
        assert!(is_snapshot_of(fleet, "tenant_b") && !is_snapshot_of(fleet, "tenant_c"));
        let single = "schema(prod): 1 change\n\nSchema-Env: prod\nSchema-Migrations: x 1\n";
        assert_eq!(env_section(single, "prod"), single);
    }
}
