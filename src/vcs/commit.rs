//! Committing a snapshot folder.
//!
//! The new folder's tree is built from the snapshot's bytes and grafted into the parent commit's
//! tree, so the commit holds exactly the old tree with `folder` replaced: other staged or
//! unstaged work is never picked up. The blobs and trees the parent commit does not hold, and
//! the commit, are written as one pack (see [`super::pack`]). On the checked-out branch the
//! work tree and index entries under `folder` are then brought up to date, only where they
//! differ, and the branch moves last, in one atomic ref update: an interrupted run leaves at
//! most an uncommitted snapshot, never a partial commit.
//!
//! The whole update, from taking the repository lock to moving the branch, is one critical
//! section (see [`crate::interrupt`]): Ctrl-C and SIGTERM wait until it is over, so no git lock
//! file is left behind and the work tree is never half-synced.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use git2::{Commit, FileMode, Index, IndexEntry, IndexTime, Oid, Repository, Signature, Tree};

use super::lock::RepoLock;
use super::pack::{blob_ids, Entry, Pack};
use super::{Repo, VcsError};
use crate::interrupt::{self, Critical};

/// A commit that was made.
#[derive(Debug, Clone)]
pub struct Committed {
    pub id: String,
    /// The branch it was made on, such as `refs/heads/main`, or `HEAD` when HEAD is detached.
    pub reference: String,
}

impl Committed {
    /// Whether the commit went onto a detached HEAD, which no branch keeps.
    pub fn detached(&self) -> bool {
        self.reference == "HEAD"
    }
}

/// What [`Repo::commit_folder`] did.
#[derive(Debug, Clone)]
pub enum FolderUpdate {
    /// A commit was made; on the checked-out branch, the work tree and index match it.
    Committed(Committed),
    /// The folder was already committed, but the work tree or index under it differed from the
    /// commit and was restored to it.
    Restored,
    /// The folder was already committed, and nothing differed.
    Unchanged,
}

/// The reference a snapshot commit moves, and what it is built on.
pub(super) struct Target<'r> {
    /// `refs/heads/<branch>`, or `HEAD` when HEAD is detached.
    pub(super) reference: String,
    /// The commit to build on; none on an unborn branch.
    pub(super) parent: Option<Commit<'r>>,
    /// Whether the reference exists yet (a new `--branch` starts from HEAD without it).
    exists: bool,
    /// The work tree that has the reference checked out (this one, or another work tree of the
    /// repository), whose files and index under the folder follow the commit.
    pub(super) checkout: Option<Repository>,
}

/// The blob id of each file of a folder, by path relative to it.
pub(super) type BlobIds = BTreeMap<String, Oid>;

/// What of the folder's previous commit the commit message is given.
#[derive(Debug, Clone, Copy)]
pub enum Previous<'a> {
    /// Every file.
    Whole,
    /// The files that differ from the new ones (their blob ids differ, or the new folder has
    /// no such file), and `always`: reading is proportional to what changed.
    Changed { always: &'a str },
}

/// A tree under construction: files (bytes and blob id) and sub-folders by name.
#[derive(Default)]
pub(super) struct Folder<'a> {
    files: BTreeMap<&'a str, (&'a [u8], Oid)>,
    folders: BTreeMap<&'a str, Folder<'a>>,
}

impl<'a> Folder<'a> {
    /// The folder of `files`, whose blob ids `blobs` holds by the same paths.
    pub(super) fn from_files(files: &'a BTreeMap<String, Vec<u8>>, blobs: &BlobIds) -> Self {
        let mut root = Folder::default();
        for (path, bytes) in files {
            let mut folder = &mut root;
            let mut parts = path.split('/').peekable();
            while let Some(part) = parts.next() {
                if parts.peek().is_some() {
                    folder = folder.folders.entry(part).or_default();
                } else {
                    folder.files.insert(part, (bytes, blobs[path]));
                }
            }
        }
        root
    }

    /// Adds the tree, its sub-trees and blobs to `pack`; returns the tree's id.
    pub(super) fn write(&self, pack: &mut Pack<'a>) -> Result<Oid, git2::Error> {
        let mut entries = Vec::with_capacity(self.files.len() + self.folders.len());
        for (name, (bytes, id)) in &self.files {
            pack.blob(*id, bytes);
            entries.push(Entry {
                name: Cow::Borrowed(name.as_bytes()),
                mode: FileMode::Blob.into(),
                id: *id,
            });
        }
        for (name, folder) in &self.folders {
            entries.push(Entry {
                name: Cow::Borrowed(name.as_bytes()),
                mode: FileMode::Tree.into(),
                id: folder.write(pack)?,
            });
        }
        pack.tree(entries)
    }
}

/// Adds to `pack` the tree `base` with the tree at each path of `grafts` (components from
/// `base`) replaced by its new id, and the trees above them; returns the new tree's id. The
/// paths are never one inside another (see [`VcsError::Overlap`]).
fn graft(
    repo: &Repository,
    base: Option<&Tree>,
    grafts: &[(&[&str], Oid)],
    pack: &mut Pack,
) -> Result<Oid, git2::Error> {
    let mut replaced: BTreeMap<&str, Oid> = BTreeMap::new();
    let mut below: BTreeMap<&str, Vec<(&[&str], Oid)>> = BTreeMap::new();
    for (path, id) in grafts {
        match path.split_first() {
            Some((name, [])) => {
                replaced.insert(name, *id);
            }
            Some((name, rest)) => below.entry(name).or_default().push((rest, *id)),
            None => unreachable!("a snapshot folder path is never empty"),
        }
    }
    for (name, grafts) in below {
        let child = match base.and_then(|tree| tree.get_name(name)) {
            Some(entry) => entry.to_object(repo)?.into_tree().ok(),
            None => None,
        };
        let id = graft(repo, child.as_ref(), &grafts, pack)?;
        replaced.insert(name, id);
    }
    let mut entries: Vec<Entry> = base
        .into_iter()
        .flat_map(Tree::iter)
        .filter(|entry| !entry.name().is_some_and(|name| replaced.contains_key(name)))
        .map(|entry| Entry {
            name: Cow::Owned(entry.name_bytes().to_vec()),
            mode: entry.filemode_raw(),
            id: entry.id(),
        })
        .collect();
    entries.extend(replaced.into_iter().map(|(name, id)| Entry {
        name: Cow::Borrowed(name.as_bytes()),
        mode: FileMode::Tree.into(),
        id,
    }));
    pack.tree(entries)
}

/// Adds to `pack` the tree `base` with `grafts` (see [`graft`]) and a commit of it on
/// `target`'s parent, with `signature` and `message`, and writes the pack; returns
/// the commit's id. The pack is stored before the index names its blobs: nothing refers to
/// them until the branch moves.
pub(super) fn write_commit(
    repo: &Repository,
    target: &Target,
    base: Option<&Tree>,
    grafts: &[(&[&str], Oid)],
    signature: &Signature,
    message: &str,
    mut pack: Pack,
) -> Result<Oid, VcsError> {
    let tree = graft(repo, base, grafts, &mut pack)?;
    let parents: Vec<Oid> = target.parent.iter().map(Commit::id).collect();
    let id = pack.commit(tree, &parents, signature, message)?;
    pack.write(repo)?;
    Ok(id)
}

/// `commit` here while `write` brings the files of `checkout` (the target's work tree, when
/// it has one) up to date on a thread of its own: deflating a pack keeps the cores busy,
/// creating files mostly the kernel. The index is staged after both, once the commit's blobs
/// are in the repository. The first failure is returned, and the branch has not moved either
/// way: a work tree written ahead of its branch is what a failed commit leaves, and the next
/// snapshot commits again.
pub(super) fn beside_work_tree<T>(
    checkout: Option<Repository>,
    write: impl FnOnce(&Repository) -> Result<Vec<Staging>, VcsError> + Send,
    commit: impl FnOnce() -> Result<T, VcsError>,
) -> Result<T, VcsError> {
    let Some(checkout) = checkout else {
        return commit();
    };
    let (checkout, written, committed) = std::thread::scope(|scope| {
        let writing = scope.spawn(move || {
            let written = write(&checkout);
            (checkout, written)
        });
        let committed = commit();
        match writing.join() {
            Ok((checkout, written)) => (checkout, written, committed),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    let committed = committed?;
    stage(&checkout, &written?)?;
    Ok(committed)
}

/// A folder path's components.
pub(super) fn components(folder: &str) -> Vec<&str> {
    folder.split('/').filter(|part| !part.is_empty()).collect()
}

pub(super) fn signature(repo: &Repository) -> Result<Signature<'static>, git2::Error> {
    match repo.signature() {
        Ok(signature) => Ok(signature.to_owned()),
        Err(_) => Signature::now("schemagit", "schemagit@localhost"),
    }
}

impl Repo {
    /// Commits `files` as the whole content of `folder` (a `/`-separated path from the
    /// repository root). With `branch`, the commit goes onto that branch (created from HEAD when
    /// new) and the work tree is not touched, unless it is the checked-out branch; without, onto
    /// the checked-out branch (or a detached HEAD). On the checked-out branch the work tree and
    /// index under `folder` are updated to match, and restored when only they differ from the
    /// commit. `message` gets the folder's previous files (if any) and returns the commit
    /// message. Waits up to `lock_timeout` for another run's repository lock.
    pub fn commit_folder(
        &self,
        folder: &str,
        files: &BTreeMap<String, Vec<u8>>,
        branch: Option<&str>,
        lock_timeout: Duration,
        previous: Previous,
        message: impl FnOnce(Option<&BTreeMap<String, Vec<u8>>>) -> String,
    ) -> Result<FolderUpdate, VcsError> {
        let _critical = Critical::enter();
        let _lock = RepoLock::acquire(self.repo.commondir(), lock_timeout)?;
        interrupt::pause_point(self.repo.path(), "locked");
        let mut target = self.target(branch)?;
        self.refuse_git_locks(&target)?;
        let parent_tree = target.parent.as_ref().map(Commit::tree).transpose()?;

        let blobs = blob_ids(files)?;
        let mut pack = Pack::new();
        if let Some(tree) = &parent_tree {
            pack.know_folder(&self.repo, tree, folder)?;
        }
        let subtree = Folder::from_files(files, &blobs).write(&mut pack)?;
        let unchanged = parent_tree
            .as_ref()
            .and_then(|tree| tree.get_path(Path::new(folder)).ok())
            .is_some_and(|entry| entry.id() == subtree);
        if unchanged {
            let restored = match &target.checkout {
                Some(checkout) => sync_work_tree(checkout, folder, files, &blobs)?,
                None => false,
            };
            return Ok(if restored {
                FolderUpdate::Restored
            } else {
                FolderUpdate::Unchanged
            });
        }
        let unless_same = match previous {
            Previous::Whole => None,
            Previous::Changed { always } => Some((&blobs, always)),
        };
        let old_files = match &parent_tree {
            Some(tree) => self.read_subtree(tree, folder, unless_same)?,
            None => None,
        };
        let message = message(old_files.as_ref());
        let signature = signature(&self.repo)?;
        let path = components(folder);
        let write =
            |checkout: &Repository| Ok(vec![write_work_tree(checkout, folder, files, &blobs)?]);
        let id = beside_work_tree(target.checkout.take(), write, || {
            write_commit(
                &self.repo,
                &target,
                parent_tree.as_ref(),
                &[(&path, subtree)],
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
        Ok(FolderUpdate::Committed(Committed {
            id: id.to_string(),
            reference: target.reference,
        }))
    }

    pub(super) fn target(&self, branch: Option<&str>) -> Result<Target<'_>, VcsError> {
        let repo = &self.repo;
        let head_commit = || repo.head().ok().map(|h| h.peel_to_commit()).transpose();
        match branch {
            Some(name) => {
                let reference = format!("refs/heads/{name}");
                if !git2::Reference::is_valid_name(&reference) {
                    return Err(VcsError::Git(git2::Error::from_str(&format!(
                        "{name:?} is not a valid branch name"
                    ))));
                }
                let checkout = self.checkout_of(&reference)?;
                match repo.find_reference(&reference) {
                    Ok(existing) => Ok(Target {
                        reference,
                        parent: Some(existing.peel_to_commit()?),
                        exists: true,
                        checkout,
                    }),
                    Err(_) => Ok(Target {
                        reference,
                        parent: head_commit()?,
                        exists: false,
                        checkout,
                    }),
                }
            }
            None => {
                let parent = head_commit()?;
                let head = repo.find_reference("HEAD")?;
                Ok(Target {
                    reference: head
                        .symbolic_target()
                        .map_or_else(|| "HEAD".to_string(), str::to_string),
                    exists: parent.is_some(),
                    parent,
                    checkout: self.this_work_tree()?,
                })
            }
        }
    }

    /// This repository's own work tree, opened on its own; `None` when bare.
    fn this_work_tree(&self) -> Result<Option<Repository>, VcsError> {
        match self.repo.workdir() {
            Some(workdir) => Ok(Some(Repository::open(workdir)?)),
            None => Ok(None),
        }
    }

    /// The work tree that has `reference` checked out: this one, the main one, or a linked one
    /// (as `git worktree list` shows them); `None` when no work tree has.
    fn checkout_of(&self, reference: &str) -> Result<Option<Repository>, VcsError> {
        let has_checked_out = |repo: &Repository| {
            !repo.is_bare()
                && repo
                    .find_reference("HEAD")
                    .ok()
                    .and_then(|head| head.symbolic_target().map(str::to_string))
                    .as_deref()
                    == Some(reference)
        };
        if has_checked_out(&self.repo) {
            return self.this_work_tree();
        }
        let mut others = Vec::new();
        if self.repo.is_worktree() {
            others.push(Repository::open(self.repo.commondir())?);
        }
        for name in self.repo.worktrees()?.iter().flatten() {
            let worktree = self.repo.find_worktree(name)?;
            if worktree.validate().is_ok() {
                others.push(Repository::open_from_worktree(&worktree)?);
            }
        }
        Ok(others
            .into_iter()
            .find(|other| has_checked_out(other) && other.workdir() != self.repo.workdir()))
    }

    /// Stops before anything is written when git's own lock on the index (for a checked-out
    /// target) or on the reference is there: a git command is writing, or one was killed and
    /// left it. This runs under the repository lock, so no other schemagit run holds it.
    pub(super) fn refuse_git_locks(&self, target: &Target) -> Result<(), VcsError> {
        let mut locks = vec![self.reference_lock(&target.reference)];
        if let Some(checkout) = &target.checkout {
            locks.push(checkout.path().join("index.lock"));
        }
        match locks.into_iter().find(|path| path.exists()) {
            Some(path) => Err(VcsError::GitLocked { path }),
            None => Ok(()),
        }
    }

    /// git's lock file for `reference`: `HEAD` lives in this work tree's git directory,
    /// branches in the repository's common one.
    fn reference_lock(&self, reference: &str) -> PathBuf {
        let dir = if reference == "HEAD" {
            self.repo.path()
        } else {
            self.repo.commondir()
        };
        dir.join(format!("{reference}.lock"))
    }

    /// Moves `target` to `id` in one transaction. The reference stays locked from the check to
    /// the move, and moves only from the commit this one was built on: a concurrent change to
    /// the branch fails the update instead of being overwritten.
    pub(super) fn move_reference(
        &self,
        target: &Target,
        id: Oid,
        signature: &Signature,
        log: &str,
    ) -> Result<(), VcsError> {
        let mut transaction = self.repo.transaction()?;
        transaction.lock_ref(&target.reference)?;
        interrupt::pause_point(self.repo.path(), "ref");
        let current = self.repo.refname_to_id(&target.reference).ok();
        let built_on = target
            .parent
            .as_ref()
            .filter(|_| target.exists)
            .map(Commit::id);
        if current != built_on {
            return Err(VcsError::Moved {
                reference: target.reference.clone(),
            });
        }
        transaction.set_target(&target.reference, id, Some(signature), log)?;
        transaction.commit()?;
        Ok(())
    }
}

/// Makes `folder` in the work tree hold exactly `files` (whose blob ids `blobs` holds by the
/// same paths), and stages exactly them there, touching only what differs (see
/// [`write_work_tree`]). Returns whether anything was changed.
pub(super) fn sync_work_tree(
    checkout: &Repository,
    folder: &str,
    files: &BTreeMap<String, Vec<u8>>,
    blobs: &BlobIds,
) -> Result<bool, VcsError> {
    let staging = write_work_tree(checkout, folder, files, blobs)?;
    stage(checkout, &[staging])
}

/// What bringing a folder of the work tree up to date leaves for the index to record.
pub(super) struct Staging {
    folder: String,
    /// Whether the folder has conflicted entries, which go.
    conflicted: bool,
    /// Entries under the folder for files that are no longer there, by path from the folder.
    removed: Vec<String>,
    /// Entries for files just written, or found right but not staged as they are.
    added: Vec<IndexEntry>,
    /// Whether a file on disk was written or removed.
    changed: bool,
}

impl Staging {
    /// Whether the index needs an entry under the folder changed.
    fn restages(&self) -> bool {
        self.conflicted || !self.removed.is_empty() || !self.added.is_empty()
    }
}

/// Numbers the temporary files that replace work-tree files, unique within the process.
static TEMPORARY: AtomicUsize = AtomicUsize::new(0);

/// Makes `folder` in the work tree hold exactly `files` (whose blob ids `blobs` holds by the
/// same paths), touching only what differs: a file whose index entry has its blob id and
/// whose stat data still matches that entry is neither read nor written, and a file on disk
/// that holds the right bytes is not rewritten. Returns what the index then needs, which
/// [`stage`] records once the blobs are in the repository.
pub(super) fn write_work_tree(
    checkout: &Repository,
    folder: &str,
    files: &BTreeMap<String, Vec<u8>>,
    blobs: &BlobIds,
) -> Result<Staging, VcsError> {
    let workdir = checkout.workdir().expect("a checkout has a work tree");
    let root = workdir.join(folder);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| VcsError::Io { path, source }
    };
    let mut changed = false;
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
                changed = true;
            }
        }
    }
    let mut index = checkout.index()?;
    // Another run may have written the index since this process first read it.
    index.read(true)?;
    // Stat data no older than the index itself may hide a change made in the same instant.
    let index_time = fs::metadata(checkout.path().join("index"))
        .ok()
        .map(|m| (m.mtime(), m.mtime_nsec()));
    let prefix = format!("{folder}/");
    let mut staged = BTreeMap::new();
    let mut conflicted = false;
    for entry in index.iter() {
        let path = String::from_utf8_lossy(&entry.path).into_owned();
        if let Some(relative) = path.strip_prefix(&prefix) {
            if (entry.flags >> 12) & 0x3 != 0 {
                conflicted = true;
            } else {
                staged.insert(relative.to_string(), entry);
            }
        }
    }
    // Each file with the index entry it has, if that entry is for its blob.
    let work: Vec<(&String, &Vec<u8>, Oid, Option<IndexEntry>)> = files
        .iter()
        .map(|(relative, bytes)| {
            let id = blobs[relative];
            let entry = staged
                .remove(relative)
                .filter(|e| e.id == id && e.mode == u32::from(FileMode::Blob));
            (relative, bytes, id, entry)
        })
        .collect();
    // The folders first, each once, so that the files can be written in any order.
    let folders: std::collections::BTreeSet<&Path> = files
        .keys()
        .map(|relative| {
            Path::new(relative.as_str())
                .parent()
                .unwrap_or(Path::new(""))
        })
        .collect();
    for parent in folders {
        let parent = root.join(parent);
        if !parent.is_dir() {
            fs::create_dir_all(&parent).map_err(io(&parent))?;
        }
    }
    // Creating files is mostly the kernel's work, and ext4 does it on several cores at once.
    let written = AtomicUsize::new(0);
    let git_dir = checkout.path();
    // Per file: the index entry it needs, and whether it was written.
    type Checked = Result<(Option<IndexEntry>, bool), VcsError>;
    let checked = crate::parallel::map(&work, |(relative, bytes, id, entry)| -> Checked {
        let path = root.join(relative);
        let on_disk = fs::symlink_metadata(&path).ok().filter(|m| m.is_file());
        if let (Some(entry), Some(meta)) = (entry, &on_disk) {
            if stat_matches(entry, meta, index_time) {
                return Ok((None, false));
            }
        }
        let holds_bytes =
            on_disk.is_some() && fs::read(&path).ok().as_deref() == Some(bytes.as_slice());
        if !holds_bytes {
            if on_disk.is_some() {
                // A file is replaced whole, never seen half-written.
                let temporary = path.with_file_name(format!(
                    ".schemagit.{}.tmp",
                    TEMPORARY.fetch_add(1, Ordering::Relaxed)
                ));
                fs::write(&temporary, bytes).map_err(io(&temporary))?;
                fs::rename(&temporary, &path).map_err(io(&path))?;
            } else {
                fs::write(&path, bytes).map_err(io(&path))?;
            }
            if written.fetch_add(1, Ordering::Relaxed) == 0 {
                interrupt::pause_point(git_dir, "work-tree");
            }
        }
        if entry.is_none() || !holds_bytes {
            let meta = fs::metadata(&path).map_err(io(&path))?;
            let added = staged_entry(&format!("{prefix}{relative}"), *id, &meta);
            return Ok((Some(added), !holds_bytes));
        }
        Ok((None, false))
    });
    let mut added = Vec::new();
    for result in checked {
        let (entry, wrote) = result?;
        added.extend(entry);
        changed |= wrote;
    }
    Ok(Staging {
        folder: folder.to_string(),
        conflicted,
        removed: staged.into_keys().collect(),
        added,
        changed,
    })
}

/// Records `stagings` in `checkout`'s index, which is written once, and only when an entry
/// changed; every blob they name must be in the repository. Returns whether anything was
/// changed, on disk or in the index.
pub(super) fn stage(checkout: &Repository, stagings: &[Staging]) -> Result<bool, VcsError> {
    if !stagings.iter().any(Staging::restages) {
        return Ok(stagings.iter().any(|s| s.changed));
    }
    let mut index = checkout.index()?;
    index.read(true)?;
    for staging in stagings {
        let folder = Path::new(&staging.folder);
        if staging.conflicted {
            for stage in 1..=3 {
                index.remove_dir(folder, stage)?;
            }
        }
        for relative in &staging.removed {
            index.remove_path(&folder.join(relative))?;
        }
        for entry in &staging.added {
            index.add(entry)?;
        }
    }
    write_index(checkout, &index)?;
    Ok(true)
}

/// Whether `meta`, a file's stat data, is still what `entry` recorded when it was staged, and
/// recorded before the index was written (else the file may have changed unseen since).
fn stat_matches(entry: &IndexEntry, meta: &fs::Metadata, index_time: Option<(i64, i64)>) -> bool {
    let staged_at = (
        i64::from(entry.mtime.seconds()),
        i64::from(entry.mtime.nanoseconds()),
    );
    entry.file_size == meta.len() as u32
        && entry.ino == meta.ino() as u32
        && staged_at == (meta.mtime(), meta.mtime_nsec())
        && (
            i64::from(entry.ctime.seconds()),
            i64::from(entry.ctime.nanoseconds()),
        ) == (meta.ctime(), meta.ctime_nsec())
        && index_time.is_some_and(|index| staged_at < index)
}

/// The index entry of a file at `path` (from the repository root) just written or found right.
fn staged_entry(path: &str, id: Oid, meta: &fs::Metadata) -> IndexEntry {
    let time = |seconds: i64, nanoseconds: i64| IndexTime::new(seconds as i32, nanoseconds as u32);
    IndexEntry {
        ctime: time(meta.ctime(), meta.ctime_nsec()),
        mtime: time(meta.mtime(), meta.mtime_nsec()),
        dev: meta.dev() as u32,
        ino: meta.ino() as u32,
        mode: u32::from(FileMode::Blob),
        uid: meta.uid(),
        gid: meta.gid(),
        file_size: meta.len() as u32,
        id,
        flags: 0,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

/// Writes `index` the way git does, in steps a signal can be deferred through: takes
/// `index.lock` (created exclusively, so a git command writing the index meanwhile fails this
/// run instead of being overwritten), fills it with the new index, renames it over `index`.
fn write_index(checkout: &Repository, index: &Index) -> Result<(), VcsError> {
    let git_dir = checkout.path();
    let lock = git_dir.join("index.lock");
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AlreadyExists => VcsError::GitLocked { path: lock.clone() },
            _ => VcsError::Io {
                path: lock.clone(),
                source,
            },
        })?;
    let written = fill_and_rename(git_dir, &lock, index);
    if written.is_err() {
        let _ = fs::remove_file(&lock);
    }
    written
}

fn fill_and_rename(git_dir: &Path, lock: &Path, index: &Index) -> Result<(), VcsError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| VcsError::Io { path, source }
    };
    // libgit2 writes an index only to the path it was opened at: a scratch index gets the
    // entries, then takes the lock file's place.
    let scratch = git_dir.join("schemagit-index.new");
    if scratch.exists() {
        fs::remove_file(&scratch).map_err(io(&scratch))?;
    }
    let mut copy = Index::open(&scratch)?;
    for entry in index.iter() {
        copy.add(&entry)?;
    }
    copy.write()?;
    fs::rename(&scratch, lock).map_err(io(lock))?;
    interrupt::pause_point(git_dir, "index");
    let target = git_dir.join("index");
    fs::rename(lock, &target).map_err(io(&target))
}
