//! Walking history for the migration checks: which commit added each migration file and which
//! changed it since, whether the work tree holds it uncommitted, and the `Schema-Migrations`
//! trailers of snapshot commits.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{Commit, Oid, Sort, Status};

use super::snapshot_commit::{env_section, is_snapshot_of};
use super::{Repo, VcsError};
use crate::migrations::trailer;
use crate::migrations::verify::{AppliedBy, CommitRef, FileHistory};

impl Repo {
    /// The history of each of `paths` (relative to the repository root, `/`-separated) along
    /// HEAD's first-parent line, oldest first: a merge counts as the commit that brought its
    /// branch's changes. Empty histories on an unborn branch.
    pub fn file_histories(
        &self,
        paths: &[String],
    ) -> Result<BTreeMap<String, FileHistory>, VcsError> {
        let mut histories: BTreeMap<String, FileHistory> = paths
            .iter()
            .map(|path| (path.clone(), FileHistory::default()))
            .collect();
        // The last content each file had, so that a file deleted and restored as it was is
        // not a change.
        let mut last: BTreeMap<String, Oid> = BTreeMap::new();
        // Commits that leave the folder holding the files as it was are skipped whole.
        let folder = common_folder(paths);
        let mut last_folder: Option<Oid> = None;
        for (sequence, commit) in self.first_parent_line()?.into_iter().enumerate() {
            let tree = commit.tree()?;
            let folder_now = if folder.is_empty() {
                Some(tree.id())
            } else {
                tree.get_path(Path::new(&folder))
                    .ok()
                    .map(|entry| entry.id())
            };
            if folder_now == last_folder {
                continue;
            }
            last_folder = folder_now;
            for (path, history) in &mut histories {
                let Some(now) = blob_at(&commit, path) else {
                    continue;
                };
                let before = last.insert(path.clone(), now);
                if before == Some(now) {
                    continue;
                }
                let reference = |whitespace_only| CommitRef {
                    id: commit.id().to_string(),
                    time: commit.time().seconds(),
                    sequence,
                    whitespace_only,
                };
                match before {
                    None => history.added = Some(reference(false)),
                    Some(before) => {
                        let whitespace_only =
                            self.same_but_whitespace(before, now).unwrap_or(false);
                        history.changed.push(reference(whitespace_only));
                    }
                }
            }
        }
        if self.repo.workdir().is_some() {
            for (path, history) in &mut histories {
                let status = self.repo.status_file(Path::new(path))?;
                history.uncommitted = !(status.is_empty() || status.contains(Status::IGNORED));
            }
        }
        Ok(histories)
    }

    /// The snapshot commits of `env` along HEAD's first-parent line that carry a
    /// `Schema-Migrations` trailer, oldest first.
    pub fn migration_trailers(&self, env: &str) -> Result<Vec<AppliedBy>, VcsError> {
        let mut found = Vec::new();
        for (sequence, commit) in self.first_parent_line()?.into_iter().enumerate() {
            let message = commit.message().unwrap_or_default();
            if !is_snapshot_of(message, env) {
                continue;
            }
            if let Some((tool, latest)) =
                trailer::in_message(env_section(message, env)).and_then(trailer::parse)
            {
                found.push(AppliedBy {
                    commit: CommitRef {
                        id: commit.id().to_string(),
                        time: commit.time().seconds(),
                        sequence,
                        whitespace_only: false,
                    },
                    tool: tool.to_string(),
                    latest: latest.to_string(),
                });
            }
        }
        Ok(found)
    }

    /// HEAD's first-parent line, oldest first.
    fn first_parent_line(&self) -> Result<Vec<Commit<'_>>, VcsError> {
        let mut walk = self.repo.revwalk()?;
        match walk.push_head() {
            Ok(()) => {}
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                return Ok(Vec::new())
            }
            Err(e) => return Err(e.into()),
        }
        walk.simplify_first_parent()?;
        walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
        walk.map(|id| Ok(self.repo.find_commit(id?)?)).collect()
    }

    fn same_but_whitespace(&self, a: Oid, b: Oid) -> Result<bool, git2::Error> {
        let a = self.repo.find_blob(a)?;
        let b = self.repo.find_blob(b)?;
        Ok(normalized(a.content()) == normalized(b.content()))
    }
}

/// The deepest folder holding every one of `paths` (`/`-separated; empty for the root).
fn common_folder(paths: &[String]) -> String {
    let mut common: Option<Vec<&str>> = None;
    for path in paths {
        let mut parts: Vec<&str> = path.split('/').collect();
        parts.pop();
        common = Some(match common {
            None => parts,
            Some(mut common) => {
                let same = common
                    .iter()
                    .zip(&parts)
                    .take_while(|(a, b)| a == b)
                    .count();
                common.truncate(same);
                common
            }
        });
    }
    common.unwrap_or_default().join("/")
}

fn blob_at(commit: &Commit, path: &str) -> Option<Oid> {
    let entry = commit.tree().ok()?.get_path(Path::new(path)).ok()?;
    (entry.kind() == Some(git2::ObjectType::Blob)).then(|| entry.id())
}

/// Text with line endings and trailing whitespace taken out of the comparison.
fn normalized(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines: Vec<String> = text
        .split('\n')
        .map(|line| line.trim_end().to_string())
        .collect();
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::common_folder;

    #[test]
    fn the_common_folder_of_migration_files() {
        let paths = |list: &[&str]| list.iter().map(|p| p.to_string()).collect::<Vec<_>>();
        assert_eq!(
            common_folder(&paths(&[
                "prisma/migrations/1_a/migration.sql",
                "prisma/migrations/2_b/migration.sql"
            ])),
            "prisma/migrations"
        );
        assert_eq!(common_folder(&paths(&["migrations/1.sql"])), "migrations");
        assert_eq!(common_folder(&paths(&["1.sql", "db/2.sql"])), "");
        assert_eq!(common_folder(&[]), "");
    }
}
