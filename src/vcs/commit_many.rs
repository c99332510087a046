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
    graft, in_memory, signature, store_as_pack, sync_work_tree, BlobIds, Committed, Folder,
    Previous,
};
use super::lock::RepoLock;
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
        let _critical = Critical::enter();
        let _lock = RepoLock::acquire(self.repo.commondir(), lock_timeout)?;
        interrupt::pause_point(self.repo.path(), "locked");
        let target = self.target(branch)?;
        self.refuse_git_locks(&target)?;
        let parent_tree = target.parent.as_ref().map(Commit::tree).transpose()?;

        let writer = git2::Repository::open(self.repo.path())?;
        let odb = writer.odb()?;
        let pending = in_memory(&odb)?;
        let repo = &writer;
        let mut changed = Vec::new();
        let mut unchanged = Vec::new();
        for (folder, files) in folders {
            let mut blobs = BlobIds::new();
            let subtree = Folder::from_files(files).write(repo, "", &mut blobs)?;
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
        let mut tree = parent_tree;
        for (folder, _, subtree, _) in &changed {
            let components: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
            let grafted = graft(repo, tree.as_ref(), &components, *subtree)?;
            tree = Some(repo.find_tree(grafted)?);
        }
        let tree = tree.expect("at least one folder was grafted");

        let signature = signature(repo)?;
        // libgit2 leaves out a parent that another repository handle looked up.
        let parents: Vec<Commit> = target
            .parent
            .iter()
            .map(|parent| repo.find_commit(parent.id()))
            .collect::<Result<_, _>>()?;
        let parents: Vec<&Commit> = parents.iter().collect();
        let id = repo.commit(None, &signature, &signature, &message, &tree, &parents)?;
        // Stored before the index names the new blobs; nothing refers to them until the
        // branch moves.
        store_as_pack(repo, &odb, &pending)?;
        if let Some(checkout) = &target.checkout {
            for (folder, files, _, blobs) in &changed {
                sync_work_tree(checkout, folder, files, blobs)?;
            }
            for (folder, files, blobs) in &unchanged {
                sync_work_tree(checkout, folder, files, blobs)?;
            }
        }
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
