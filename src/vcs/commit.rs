//! Committing a snapshot folder.
//!
//! The new folder's tree is built from the snapshot's bytes and grafted into the parent commit's
//! tree, so the commit holds exactly the old tree with `folder` replaced: other staged or
//! unstaged work is never picked up. On the checked-out branch the work tree and index entries
//! under `folder` are brought up to date first, and the branch moves last, in one atomic ref
//! update: an interrupted run leaves at most an uncommitted snapshot, never a partial commit.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use git2::{Commit, FileMode, Oid, Repository, Signature, Tree};

use super::lock::RepoLock;
use super::{Repo, VcsError};

/// A commit that was made.
#[derive(Debug, Clone)]
pub struct Committed {
    pub id: String,
    /// The branch it was made on, such as `refs/heads/main`.
    pub reference: String,
}

/// A tree under construction: file bytes and sub-folders by name.
#[derive(Default)]
struct Folder<'a> {
    files: BTreeMap<&'a str, &'a [u8]>,
    folders: BTreeMap<&'a str, Folder<'a>>,
}

impl<'a> Folder<'a> {
    fn from_files(files: &'a BTreeMap<String, Vec<u8>>) -> Self {
        let mut root = Folder::default();
        for (path, bytes) in files {
            let mut folder = &mut root;
            let mut parts = path.split('/').peekable();
            while let Some(part) = parts.next() {
                if parts.peek().is_some() {
                    folder = folder.folders.entry(part).or_default();
                } else {
                    folder.files.insert(part, bytes);
                }
            }
        }
        root
    }

    fn write(&self, repo: &Repository) -> Result<Oid, git2::Error> {
        let mut builder = repo.treebuilder(None)?;
        for (name, bytes) in &self.files {
            builder.insert(name, repo.blob(bytes)?, FileMode::Blob.into())?;
        }
        for (name, folder) in &self.folders {
            builder.insert(name, folder.write(repo)?, FileMode::Tree.into())?;
        }
        builder.write()
    }
}

/// `base` with the tree at `path` replaced by `subtree`.
fn graft(
    repo: &Repository,
    base: Option<&Tree>,
    path: &[&str],
    subtree: Oid,
) -> Result<Oid, git2::Error> {
    let mut builder = repo.treebuilder(base)?;
    let (first, rest) = path
        .split_first()
        .expect("a snapshot folder path is never empty");
    if rest.is_empty() {
        builder.insert(first, subtree, FileMode::Tree.into())?;
    } else {
        let child = match base.and_then(|tree| tree.get_name(first)) {
            Some(entry) => entry.to_object(repo)?.into_tree().ok(),
            None => None,
        };
        let grafted = graft(repo, child.as_ref(), rest, subtree)?;
        builder.insert(first, grafted, FileMode::Tree.into())?;
    }
    builder.write()
}

fn signature(repo: &Repository) -> Result<Signature<'static>, git2::Error> {
    match repo.signature() {
        Ok(signature) => Ok(signature.to_owned()),
        Err(_) => Signature::now("schemagit", "schemagit@localhost"),
    }
}

impl Repo {
    /// Commits `files` as the whole content of `folder` (a `/`-separated path from the
    /// repository root). With `branch`, the commit goes onto that branch (created from HEAD when
    /// new) and the work tree is not touched; without, onto the checked-out branch, with the work
    /// tree and index under `folder` updated to match. `message` gets the folder's previous
    /// files (if any) and returns the commit message. Returns `None`, and changes
    /// nothing, when the folder is already exactly `files`.
    pub fn commit_folder(
        &self,
        folder: &str,
        files: &BTreeMap<String, Vec<u8>>,
        branch: Option<&str>,
        message: impl FnOnce(Option<&BTreeMap<String, Vec<u8>>>) -> String,
    ) -> Result<Option<Committed>, VcsError> {
        let _lock = RepoLock::acquire(self.repo.path())?;
        let repo = &self.repo;
        let (reference, parent, exists) = self.target(branch)?;
        let parent_tree = parent.as_ref().map(Commit::tree).transpose()?;

        let subtree = Folder::from_files(files).write(repo)?;
        let components: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
        let unchanged = parent_tree
            .as_ref()
            .and_then(|tree| tree.get_path(Path::new(folder)).ok())
            .is_some_and(|entry| entry.id() == subtree);
        if unchanged {
            return Ok(None);
        }
        let old_files = match &parent_tree {
            Some(tree) => self.read_subtree(tree, folder)?,
            None => None,
        };
        let message = message(old_files.as_ref());
        let tree_id = graft(repo, parent_tree.as_ref(), &components, subtree)?;
        let tree = repo.find_tree(tree_id)?;

        let checked_out = branch.is_none() && !repo.is_bare();
        if checked_out {
            self.sync_work_tree(folder, files)?;
        }
        let signature = signature(repo)?;
        let parents: Vec<&Commit> = parent.iter().collect();
        let id = repo.commit(None, &signature, &signature, &message, &tree, &parents)?;
        let log = format!(
            "schemagit snapshot: {}",
            message.lines().next().unwrap_or_default()
        );
        // The ref moves only from the commit this one was built on: a concurrent change to
        // the branch fails the update instead of being overwritten.
        match &parent {
            Some(parent) if exists => {
                repo.reference_matching(&reference, id, true, parent.id(), &log)?
            }
            _ => repo.reference(&reference, id, false, &log)?,
        };
        Ok(Some(Committed {
            id: id.to_string(),
            reference,
        }))
    }

    /// The reference to move, the commit to build on (none on an unborn branch), and whether
    /// the reference exists yet.
    fn target(&self, branch: Option<&str>) -> Result<(String, Option<Commit<'_>>, bool), VcsError> {
        let repo = &self.repo;
        match branch {
            Some(name) => {
                let reference = format!("refs/heads/{name}");
                if !git2::Reference::is_valid_name(&reference) {
                    return Err(VcsError::Git(git2::Error::from_str(&format!(
                        "{name:?} is not a valid branch name"
                    ))));
                }
                match repo.find_reference(&reference) {
                    Ok(existing) => Ok((reference, Some(existing.peel_to_commit()?), true)),
                    Err(_) => {
                        let parent = repo.head().ok().map(|h| h.peel_to_commit()).transpose()?;
                        Ok((reference, parent, false))
                    }
                }
            }
            None => {
                let head = repo.find_reference("HEAD")?;
                let reference = match head.symbolic_target() {
                    Some(target) => target.to_string(),
                    None => "HEAD".to_string(),
                };
                let parent = repo.head().ok().map(|h| h.peel_to_commit()).transpose()?;
                let exists = parent.is_some();
                Ok((reference, parent, exists))
            }
        }
    }

    /// Makes `folder` in the work tree hold exactly `files`, and stages exactly them there.
    fn sync_work_tree(
        &self,
        folder: &str,
        files: &BTreeMap<String, Vec<u8>>,
    ) -> Result<(), VcsError> {
        let workdir = self
            .repo
            .workdir()
            .expect("only called for a repository with a work tree");
        let root = workdir.join(folder);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| VcsError::Io { path, source }
        };
        if root.exists() {
            for entry in walkdir::WalkDir::new(&root).contents_first(true) {
                let entry = entry.map_err(|e| VcsError::Io {
                    path: root.clone(),
                    source: e.into(),
                })?;
                let path = entry.path();
                let relative = path
                    .strip_prefix(&root)
                    .expect("walkdir stays under its root")
                    .to_string_lossy()
                    .replace('\\', "/");
                if entry.file_type().is_dir() {
                    if path != root && fs::read_dir(path).map_err(io(path))?.next().is_none() {
                        fs::remove_dir(path).map_err(io(path))?;
                    }
                } else if !files.contains_key(&relative) {
                    fs::remove_file(path).map_err(io(path))?;
                }
            }
        }
        for (relative, bytes) in files {
            let path = root.join(relative);
            if fs::read(&path).ok().as_deref() == Some(bytes.as_slice()) {
                continue;
            }
            let parent = path.parent().expect("a file path has a parent");
            fs::create_dir_all(parent).map_err(io(parent))?;
            let temporary = parent.join(".schemagit.tmp");
            fs::write(&temporary, bytes).map_err(io(&temporary))?;
            fs::rename(&temporary, &path).map_err(io(&path))?;
        }
        let mut index = self.repo.index()?;
        index.remove_dir(Path::new(folder), 0)?;
        for relative in files.keys() {
            index.add_path(&Path::new(folder).join(relative))?;
        }
        index.write()?;
        Ok(())
    }
}
