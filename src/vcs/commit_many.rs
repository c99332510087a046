//! Committing many snapshot folders in one commit: a fleet run lands every changed folder
//! together, or none of them.
//!
//! It follows [`Repo::commit_folder`] step for step (one critical section from the repository
//! lock to the ref update, the tree grafted from the parent's, the work tree synced before the
//! branch moves), for a set of folders. Identical folders are the same git objects: a blob or
//! tree is stored once whatever the number of folders that hold it.

use std::collections::BTreeMap;
use std::time::Duration;

use git2::Commit;

use super::commit::{
    beside_work_tree, components, signature, sync_work_tree, write_commit, write_work_tree,
    Committed, Folder, Previous,
};
use super::lock::RepoLock;
use super::pack::{blob_ids, Pack};
use super::{Repo, VcsError};
use crate::interrupt::{self, Critical};

/// A snapshot folder's files, by path relative to the folder.
pub type Files = BTreeMap<String, Vec<u8>>;

/// What [`Repo::commit_folders`] did.
#[derive(Debug, Clone)]
pub enum FoldersUpdate {
    /// One commit holds every changed folder (named, in the order given).
    Committed {
        committed: Committed,
        changed: Vec<String>,
    },
    /// Every folder was already committed; these were restored in the work tree and index.
    Restored(Vec<String>),
    /// Every folder was already committed, and nothing differed.
    Unchanged,
}

impl Repo {
    /// Commits each `(folder, files)` as the whole content of that folder, all in one commit,
    /// onto `branch` as [`Repo::commit_folder`] does. `message` gets, for each folder that
    /// changed, its previous files (`None` when it is new) and returns the commit message.
    pub fn commit_folders(
        &self,
        folders: &[(String, &Files)],
        branch: Option<&str>,
        lock_timeout: Duration,
        previous: Previous,
        message: impl FnOnce(&BTreeMap<String, Option<Files>>) -> String,
    ) -> Result<FoldersUpdate, VcsError> {
        refuse_overlaps(folders)?;
        let _critical = Critical::enter();
        let _lock = RepoLock::acquire(self.repo.commondir(), lock_timeout)?;
        interrupt::pause_point(self.repo.path(), "locked");
        let mut target = self.target(branch)?;
        self.refuse_git_locks(&target)?;
        let parent_tree = target.parent.as_ref().map(Commit::tree).transpose()?;

        let repo = &self.repo;
        let mut pack = Pack::new();
        if let Some(tree) = &parent_tree {
            for (folder, _) in folders {
                pack.know_folder(repo, tree, folder)?;
            }
        }
        let mut changed = Vec::new();
        let mut unchanged = Vec::new();
        for (folder, files) in folders {
            let blobs = blob_ids(files)?;
            let subtree = Folder::from_files(files, &blobs).write(&mut pack)?;
            let committed = parent_tree
                .as_ref()
                .and_then(|tree| tree.get_path(std::path::Path::new(folder)).ok())
                .is_some_and(|entry| entry.id() == subtree);
            if committed {
                unchanged.push((folder, *files, blobs));
            } else {
                changed.push((folder, *files, subtree, blobs));
            }
        }
        if changed.is_empty() {
            let mut restored = Vec::new();
            if let Some(checkout) = &target.checkout {
                for (folder, files, blobs) in &unchanged {
                    if sync_work_tree(checkout, folder, files, blobs)? {
                        restored.push((*folder).clone());
                    }
                }
            }
            return Ok(if restored.is_empty() {
                FoldersUpdate::Unchanged
            } else {
                FoldersUpdate::Restored(restored)
            });
        }
        let mut old = BTreeMap::new();
        for (folder, _, _, blobs) in &changed {
            let unless_same = match previous {
                Previous::Whole => None,
                Previous::Changed { always } => Some((blobs, always)),
            };
            let files = match &parent_tree {
                Some(tree) => self.read_subtree(tree, folder, unless_same)?,
                None => None,
            };
            old.insert((*folder).clone(), files);
        }
        let message = message(&old);
        let paths: Vec<Vec<&str>> = changed.iter().map(|(f, _, _, _)| components(f)).collect();
        let grafts: Vec<(&[&str], git2::Oid)> = paths
            .iter()
            .zip(&changed)
            .map(|(path, (_, _, subtree, _))| (path.as_slice(), *subtree))
            .collect();
        let signature = signature(repo)?;
        let write = |checkout: &git2::Repository| {
            let changed = changed
                .iter()
                .map(|(folder, files, _, blobs)| (folder, files, blobs));
            let unchanged = unchanged
                .iter()
                .map(|(folder, files, blobs)| (folder, files, blobs));
            changed
                .chain(unchanged)
                .map(|(folder, files, blobs)| write_work_tree(checkout, folder, files, blobs))
                .collect()
        };
        let id = beside_work_tree(target.checkout.take(), write, || {
            write_commit(
                repo,
                &target,
                parent_tree.as_ref(),
                &grafts,
                &signature,
                &message,
                pack,
            )
        })?;
        let log = format!(
            "schemagit snapshot: {}",
            message.lines().next().unwrap_or_default()
        );
        self.move_reference(&target, id, &signature, &log)?;
        Ok(FoldersUpdate::Committed {
            committed: Committed {
                id: id.to_string(),
                reference: target.reference,
            },
            changed: changed.into_iter().map(|(f, _, _, _)| f.clone()).collect(),
        })
    }
}

/// Refuses folders one inside another: each is the whole content of its path.
fn refuse_overlaps(folders: &[(String, &Files)]) -> Result<(), VcsError> {
    let mut paths: Vec<Vec<&str>> = folders.iter().map(|(f, _)| components(f)).collect();
    paths.sort();
    match paths.windows(2).find(|pair| pair[1].starts_with(&pair[0])) {
        Some(pair) => Err(VcsError::Overlap {
            outer: pair[0].join("/"),
            inner: pair[1].join("/"),
        }),
        None => Ok(()),
    }
}
