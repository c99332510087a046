//! Reading a snapshot folder out of a revision's tree.

use std::collections::BTreeMap;

use git2::{ObjectType, Oid, Tree};

use super::{Repo, VcsError};

/// The files of a snapshot folder at one revision, by path relative to the folder, listed
/// from its trees without reading a blob.
pub struct FolderFiles {
    ids: BTreeMap<String, Oid>,
}

impl FolderFiles {
    /// Every file's path.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.ids.keys().map(String::as_str)
    }

    /// Whether `path` is the same blob, byte for byte, here and in `other`.
    pub fn same_file(&self, other: &FolderFiles, path: &str) -> bool {
        matches!((self.ids.get(path), other.ids.get(path)), (Some(a), Some(b)) if a == b)
    }
}

impl Repo {
    /// Every file under `folder` at `revision`, keyed by path relative to `folder`;
    /// `None` when the revision has no such folder, or is the empty history before the first
    /// commit: the parent of a root commit (`HEAD~1` of a one-commit branch) or an unborn
    /// `HEAD`.
    pub fn read_folder(
        &self,
        revision: &str,
        folder: &str,
    ) -> Result<Option<BTreeMap<String, Vec<u8>>>, VcsError> {
        let Some(commit) = self.commit_at(revision)? else {
            return Ok(None);
        };
        let root = commit.tree()?;
        self.read_subtree(&root, folder, None)
    }

    /// The given files under `folder` at `revision` (paths relative to `folder`), those that
    /// exist; `None` when the revision is the empty history before the first commit.
    pub fn read_files(
        &self,
        revision: &str,
        folder: &str,
        files: &[String],
    ) -> Result<Option<BTreeMap<String, Vec<u8>>>, VcsError> {
        let Some(commit) = self.commit_at(revision)? else {
            return Ok(None);
        };
        let root = commit.tree()?;
        let mut found = BTreeMap::new();
        for file in files {
            let path = std::path::Path::new(folder).join(file);
            let Ok(entry) = root.get_path(&path) else {
                continue;
            };
            if let Ok(blob) = entry.to_object(&self.repo)?.into_blob() {
                found.insert(file.clone(), blob.content().to_vec());
            }
        }
        Ok(Some(found))
    }

    /// The files of `folder` at `revision`, listed but not read; `None` as for
    /// [`Repo::read_folder`].
    pub fn folder_files(
        &self,
        revision: &str,
        folder: &str,
    ) -> Result<Option<FolderFiles>, VcsError> {
        let Some(commit) = self.commit_at(revision)? else {
            return Ok(None);
        };
        let Some(tree) = self.folder_tree(&commit.tree()?, folder)? else {
            return Ok(None);
        };
        let mut ids = BTreeMap::new();
        self.list(&tree, "", &mut ids)?;
        Ok(Some(FolderFiles { ids }))
    }

    /// The bytes of the given files of `listed` (paths relative to its folder), those it has.
    pub fn read_listed<'a>(
        &self,
        listed: &FolderFiles,
        paths: impl IntoIterator<Item = &'a str>,
    ) -> Result<BTreeMap<String, Vec<u8>>, VcsError> {
        let mut files = BTreeMap::new();
        for path in paths {
            if let Some(id) = listed.ids.get(path) {
                let blob = self.repo.find_blob(*id)?;
                files.insert(path.to_string(), blob.content().to_vec());
            }
        }
        Ok(files)
    }

    /// The full id of the commit `revision` names; `None` for the empty history before the
    /// first commit.
    pub fn commit_id(&self, revision: &str) -> Result<Option<String>, VcsError> {
        Ok(self.commit_at(revision)?.map(|c| c.id().to_string()))
    }

    pub(super) fn commit_at(&self, revision: &str) -> Result<Option<git2::Commit<'_>>, VcsError> {
        match self
            .repo
            .revparse_single(revision)
            .and_then(|object| object.peel_to_commit())
        {
            Ok(commit) => Ok(Some(commit)),
            Err(_) if self.before_history(revision) => Ok(None),
            Err(e) => Err(VcsError::UnknownRevision {
                revision: revision.to_string(),
                message: e.message().to_string(),
            }),
        }
    }

    /// Whether `revision`, which names no commit, is the empty history just before one: an
    /// unborn `HEAD`, or one first-parent step past a root commit. Two steps past it, or a name
    /// that resolves to nothing, is an unknown revision.
    fn before_history(&self, revision: &str) -> bool {
        if revision == "HEAD" {
            return matches!(self.repo.head(), Err(e) if e.code() == git2::ErrorCode::UnbornBranch);
        }
        let Some((base, steps)) = first_parent_steps(revision) else {
            return false;
        };
        let Ok(mut commit) = self
            .repo
            .revparse_single(base)
            .and_then(|object| object.peel_to_commit())
        else {
            return false;
        };
        for step in 1..=steps {
            match commit.parent(0) {
                Ok(parent) => commit = parent,
                Err(_) => return step == steps,
            }
        }
        false
    }

    /// The files of `folder` in `root`; with `unless_same`, only those whose blob is not the
    /// one it gives for the same path (and `always`, whatever its blob).
    pub(super) fn read_subtree(
        &self,
        root: &Tree,
        folder: &str,
        unless_same: Option<(&BTreeMap<String, Oid>, &str)>,
    ) -> Result<Option<BTreeMap<String, Vec<u8>>>, VcsError> {
        let Some(tree) = self.folder_tree(root, folder)? else {
            return Ok(None);
        };
        let mut ids = BTreeMap::new();
        self.list(&tree, "", &mut ids)?;
        let listed = FolderFiles { ids };
        let wanted = listed.paths().filter(|path| match unless_same {
            Some((same, always)) => *path == always || same.get(*path) != listed.ids.get(*path),
            None => true,
        });
        Ok(Some(self.read_listed(&listed, wanted)?))
    }

    /// The tree of `folder` in `root`, when it is one.
    fn folder_tree(&self, root: &Tree, folder: &str) -> Result<Option<Tree<'_>>, VcsError> {
        let entry = match root.get_path(std::path::Path::new(folder)) {
            Ok(entry) => entry,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(entry.to_object(&self.repo)?.into_tree().ok())
    }

    fn list(
        &self,
        tree: &Tree,
        prefix: &str,
        ids: &mut BTreeMap<String, Oid>,
    ) -> Result<(), VcsError> {
        for entry in tree.iter() {
            let path = format!("{prefix}{}", String::from_utf8_lossy(entry.name_bytes()));
            match entry.kind() {
                Some(ObjectType::Tree) => {
                    let subtree = self.repo.find_tree(entry.id())?;
                    self.list(&subtree, &format!("{path}/"), ids)?;
                }
                Some(ObjectType::Blob) => {
                    ids.insert(path, entry.id());
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// `rev~N`, `rev~`, `rev^` and `rev^1` suffixes (in any sequence) split into the base revision and
/// the number of first-parent steps they take; `None` when there is no such suffix.
pub(super) fn first_parent_steps(revision: &str) -> Option<(&str, usize)> {
    let mut rest = revision;
    let mut steps = 0usize;
    loop {
        let prefix = rest.trim_end_matches(|c: char| c.is_ascii_digit());
        let digits = &rest[prefix.len()..];
        if let Some(base) = prefix.strip_suffix('~') {
            let count = if digits.is_empty() {
                1
            } else {
                digits.parse().ok()?
            };
            steps = steps.checked_add(count)?;
            rest = base;
        } else if let Some(base) = prefix
            .strip_suffix('^')
            .filter(|_| matches!(digits, "" | "1"))
        {
            steps = steps.checked_add(1)?;
            rest = base;
        } else {
            break;
        }
    }
    (steps > 0 && !rest.is_empty()).then_some((rest, steps))
}
