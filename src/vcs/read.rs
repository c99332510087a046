//! Reading a snapshot folder out of a revision's tree.

use std::collections::BTreeMap;

use git2::{ObjectType, Tree};

use super::{Repo, VcsError};

impl Repo {
    /// Every file under `folder` at `revision`, keyed by path relative to `folder`;
    /// `None` when the revision has no such folder.
    pub fn read_folder(
        &self,
        revision: &str,
        folder: &str,
    ) -> Result<Option<BTreeMap<String, Vec<u8>>>, VcsError> {
        let commit = self
            .repo
            .revparse_single(revision)
            .and_then(|object| object.peel_to_commit())
            .map_err(|e| VcsError::UnknownRevision {
                revision: revision.to_string(),
                message: e.message().to_string(),
            })?;
        let root = commit.tree()?;
        self.read_subtree(&root, folder)
    }

    pub(super) fn read_subtree(
        &self,
        root: &Tree,
        folder: &str,
    ) -> Result<Option<BTreeMap<String, Vec<u8>>>, VcsError> {
        let entry = match root.get_path(std::path::Path::new(folder)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let Some(tree) = entry.to_object(&self.repo)?.into_tree().ok() else {
            return Ok(None);
        };
        let mut files = BTreeMap::new();
        self.collect(&tree, "", &mut files)?;
        Ok(Some(files))
    }

    fn collect(
        &self,
        tree: &Tree,
        prefix: &str,
        files: &mut BTreeMap<String, Vec<u8>>,
    ) -> Result<(), VcsError> {
        for entry in tree.iter() {
            let name = String::from_utf8_lossy(entry.name_bytes()).into_owned();
            let path = format!("{prefix}{name}");
            match entry.kind() {
                Some(ObjectType::Tree) => {
                    let subtree = self.repo.find_tree(entry.id())?;
                    self.collect(&subtree, &format!("{path}/"), files)?;
                }
                Some(ObjectType::Blob) => {
                    let blob = self.repo.find_blob(entry.id())?;
                    files.insert(path, blob.content().to_vec());
                }
                _ => {}
            }
        }
        Ok(())
    }
}
