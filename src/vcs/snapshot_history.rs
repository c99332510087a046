//! Walking a snapshot folder's history: the first-parent line of a revision, newest first, each
//! commit with the files under the folder that differ from its parent. A commit whose tree under
//! the folder (or under each watched file) has the same id as its parent's is skipped without
//! reading a blob; only the files that differ are read.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{Commit, ObjectType, Oid, Tree};

use super::{Repo, VcsError};
use crate::time::Instant;

/// Blob ids before and after, by path.
type Differing = BTreeMap<String, (Option<Oid>, Option<Oid>)>;

/// One commit that changed the folder (or a watched file in it).
#[derive(Debug, Clone)]
pub struct FolderCommit {
    pub id: String,
    /// The author's time, in the author's offset.
    pub time: Instant,
    /// `Name <email>`.
    pub author: String,
    pub subject: String,
    /// The whole commit message, trailers included.
    pub message: String,
    /// The files that differ from the first parent, by path relative to the folder, as they
    /// were before (those that existed)…
    pub old: BTreeMap<String, Vec<u8>>,
    /// …and as they are in this commit (those that still exist).
    pub new: BTreeMap<String, Vec<u8>>,
}

/// What to walk.
pub struct HistoryQuery<'a> {
    pub revision: &'a str,
    /// The snapshot folder, `/`-separated from the repository root.
    pub folder: &'a str,
    /// Only these files (relative to the folder); every file when `None`.
    pub files: Option<&'a [String]>,
    /// Files that change with every commit that changes anything (the manifest): not read,
    /// and alone they do not make a commit count as changed.
    pub unread: &'a [&'a str],
    /// Commits before this (Unix seconds) are passed over.
    pub since: Option<i64>,
    /// Commits after this are passed over.
    pub until: Option<i64>,
}

/// The commits of a [`HistoryQuery`], newest first.
pub struct FolderHistory<'r> {
    repo: &'r Repo,
    next: Option<Commit<'r>>,
    folder: String,
    files: Option<Vec<String>>,
    unread: Vec<String>,
    since: Option<i64>,
    until: Option<i64>,
    seen: bool,
}

impl Repo {
    /// The first-parent history of `query.revision` that touched the folder. An unborn `HEAD`
    /// has none; a revision that names no commit is an error.
    pub fn folder_history(&self, query: &HistoryQuery) -> Result<FolderHistory<'_>, VcsError> {
        let start = self.commit_at(query.revision)?;
        Ok(FolderHistory {
            repo: self,
            next: start,
            folder: query.folder.to_string(),
            files: query.files.map(<[String]>::to_vec),
            unread: query.unread.iter().map(|f| f.to_string()).collect(),
            since: query.since,
            until: query.until,
            seen: false,
        })
    }
}

impl FolderHistory<'_> {
    /// Whether any watched file (or the folder) existed in a commit walked so far.
    pub fn seen(&self) -> bool {
        self.seen
    }

    /// The ids of the files that differ between two versions of the folder.
    fn differing(&mut self, old: Option<&Tree>, new: Option<&Tree>) -> Result<Differing, VcsError> {
        let mut out = BTreeMap::new();
        match &self.files {
            Some(files) => {
                let id = |tree: Option<&Tree>, file: &str| {
                    tree.and_then(|t| t.get_path(Path::new(file)).ok())
                        .filter(|e| e.kind() == Some(ObjectType::Blob))
                        .map(|e| e.id())
                };
                for file in files {
                    let (before, after) = (id(old, file), id(new, file));
                    self.seen |= before.is_some() || after.is_some();
                    if before != after {
                        out.insert(file.clone(), (before, after));
                    }
                }
            }
            None => {
                self.seen |= old.is_some() || new.is_some();
                diff_trees(self.repo, old, new, "", &mut out)?;
                out.retain(|file, _| !self.unread.contains(file));
            }
        }
        Ok(out)
    }

    fn read(&self, id: Option<Oid>) -> Result<Option<Vec<u8>>, VcsError> {
        id.map(|id| Ok(self.repo.repo.find_blob(id)?.content().to_vec()))
            .transpose()
    }

    fn step(&mut self) -> Result<Option<FolderCommit>, VcsError> {
        while let Some(commit) = self.next.take() {
            self.next = commit.parent(0).ok();
            let author = commit.author();
            let when = author.when();
            if self.until.is_some_and(|until| when.seconds() > until)
                || self.since.is_some_and(|since| when.seconds() < since)
            {
                continue;
            }
            let new = subtree(self.repo, &self.folder, &commit)?;
            let old = match &self.next {
                Some(parent) => subtree(self.repo, &self.folder, parent)?,
                None => None,
            };
            if old.as_ref().map(Tree::id) == new.as_ref().map(Tree::id) {
                self.seen |= new.is_some() && self.files.is_none();
                continue;
            }
            let ids = self.differing(old.as_ref(), new.as_ref())?;
            if ids.is_empty() {
                continue;
            }
            let (mut old_files, mut new_files) = (BTreeMap::new(), BTreeMap::new());
            for (file, (before, after)) in ids {
                if let Some(bytes) = self.read(before)? {
                    old_files.insert(file.clone(), bytes);
                }
                if let Some(bytes) = self.read(after)? {
                    new_files.insert(file, bytes);
                }
            }
            return Ok(Some(FolderCommit {
                id: commit.id().to_string(),
                time: Instant {
                    seconds: when.seconds(),
                    offset_minutes: when.offset_minutes(),
                },
                author: format!(
                    "{} <{}>",
                    String::from_utf8_lossy(author.name_bytes()),
                    String::from_utf8_lossy(author.email_bytes())
                ),
                subject: commit.summary().unwrap_or_default().to_string(),
                message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
                old: old_files,
                new: new_files,
            }));
        }
        Ok(None)
    }
}

impl Iterator for FolderHistory<'_> {
    type Item = Result<FolderCommit, VcsError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.step().transpose()
    }
}

/// The tree of `folder` at `commit`, when there is one.
fn subtree<'r>(
    repo: &'r Repo,
    folder: &str,
    commit: &Commit,
) -> Result<Option<Tree<'r>>, VcsError> {
    let root = commit.tree()?;
    let entry = match root.get_path(Path::new(folder)) {
        Ok(entry) => entry,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if entry.kind() != Some(ObjectType::Tree) {
        return Ok(None);
    }
    Ok(Some(repo.repo.find_tree(entry.id())?))
}

/// The blobs that differ between two trees, by path under `prefix`; subtrees with equal ids are
/// not opened.
fn diff_trees(
    repo: &Repo,
    old: Option<&Tree>,
    new: Option<&Tree>,
    prefix: &str,
    out: &mut Differing,
) -> Result<(), VcsError> {
    let entries = |tree: Option<&Tree>| -> BTreeMap<Vec<u8>, (Oid, Option<ObjectType>)> {
        tree.map(|t| {
            t.iter()
                .map(|e| (e.name_bytes().to_vec(), (e.id(), e.kind())))
                .collect()
        })
        .unwrap_or_default()
    };
    let (before, after) = (entries(old), entries(new));
    let mut names: Vec<&Vec<u8>> = before.keys().chain(after.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let (a, b) = (before.get(name), after.get(name));
        if a.map(|e| e.0) == b.map(|e| e.0) {
            continue;
        }
        let path = format!("{prefix}{}", String::from_utf8_lossy(name));
        let tree_of =
            |entry: Option<&(Oid, Option<ObjectType>)>| -> Result<Option<Tree>, VcsError> {
                match entry {
                    Some((id, Some(ObjectType::Tree))) => Ok(Some(repo.repo.find_tree(*id)?)),
                    _ => Ok(None),
                }
            };
        let blob_of = |entry: Option<&(Oid, Option<ObjectType>)>| match entry {
            Some((id, Some(ObjectType::Blob))) => Some(*id),
            _ => None,
        };
        let (old_tree, new_tree) = (tree_of(a)?, tree_of(b)?);
        if old_tree.is_some() || new_tree.is_some() {
            diff_trees(
                repo,
                old_tree.as_ref(),
                new_tree.as_ref(),
                &format!("{path}/"),
                out,
            )?;
        }
        let (old_blob, new_blob) = (blob_of(a), blob_of(b));
        if old_blob.is_some() || new_blob.is_some() {
            out.insert(path, (old_blob, new_blob));
        }
    }
    Ok(())
}
