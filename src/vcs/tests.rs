//! Committing and reading snapshot folders in real temporary repositories.

use std::collections::BTreeMap;
use std::time::Duration;

use git2::{Repository, Signature};

use super::read::first_parent_steps;
use super::{FolderUpdate, FoldersUpdate, Previous, Repo, VcsError};

const FOLDER: &str = "snapshots/prod";

fn files(entries: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    entries
        .iter()
        .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec()))
        .collect()
}

/// A repository with one commit holding `README.md`, and an uncommitted, staged edit to it.
fn repository() -> (tempfile::TempDir, Repo) {
    let dir = tempfile::tempdir().unwrap();
    let git = Repository::init(dir.path()).unwrap();
    std::fs::write(dir.path().join("README.md"), "hello\n").unwrap();
    let mut index = git.index().unwrap();
    index.add_path(std::path::Path::new("README.md")).unwrap();
    index.write().unwrap();
    let tree = git.find_tree(index.write_tree().unwrap()).unwrap();
    let signature = Signature::now("Test", "test@example.com").unwrap();
    git.commit(Some("HEAD"), &signature, &signature, "initial", &tree, &[])
        .unwrap();
    std::fs::write(dir.path().join("README.md"), "work in progress\n").unwrap();
    index.add_path(std::path::Path::new("README.md")).unwrap();
    index.write().unwrap();
    let repo = Repo::discover(Some(dir.path())).unwrap();
    (dir, repo)
}

fn commit(repo: &Repo, snapshot: &BTreeMap<String, Vec<u8>>) -> (FolderUpdate, Option<usize>) {
    let mut old_count = None;
    let update = repo
        .commit_folder(
            FOLDER,
            snapshot,
            None,
            Duration::ZERO,
            Previous::Whole,
            |old| {
                old_count = old.map(BTreeMap::len);
                "schema(prod): test".to_string()
            },
        )
        .unwrap();
    (update, old_count)
}

#[test]
fn a_commit_holds_the_folder_and_leaves_other_work_alone() {
    let (dir, repo) = repository();
    let first = files(&[("manifest.json", "{}\n"), ("app/tables/users.json", "1\n")]);
    let (update, old) = commit(&repo, &first);
    assert!(matches!(update, FolderUpdate::Committed(_)), "{update:?}");
    assert_eq!(old, None, "no folder before the first snapshot");
    assert_eq!(
        repo.read_folder("HEAD", FOLDER).unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(FOLDER).join("app/tables/users.json")).unwrap(),
        "1\n"
    );

    let git = Repository::open(dir.path()).unwrap();
    let head = git.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.message(), Some("schema(prod): test"));
    let readme = head.tree().unwrap().get_path("README.md".as_ref()).unwrap();
    let committed = git.find_blob(readme.id()).unwrap();
    assert_eq!(
        committed.content(),
        b"hello\n",
        "the staged edit is not committed"
    );
    let staged = git.index().unwrap();
    let entry = staged.get_path("README.md".as_ref(), 0).unwrap();
    assert_eq!(
        git.find_blob(entry.id).unwrap().content(),
        b"work in progress\n"
    );

    let (update, _) = commit(&repo, &first);
    assert!(matches!(update, FolderUpdate::Unchanged), "{update:?}");
    let second = files(&[("manifest.json", "{}\n")]);
    let (update, old) = commit(&repo, &second);
    assert!(matches!(update, FolderUpdate::Committed(_)), "{update:?}");
    assert_eq!(old, Some(2), "the message sees the previous folder");
    assert_eq!(repo.read_folder("HEAD", FOLDER).unwrap(), Some(second));
    assert_eq!(repo.read_folder("HEAD~1", FOLDER).unwrap(), Some(first));
    assert!(!dir.path().join(FOLDER).join("app").exists());
}

/// Each file under `FOLDER` by path, with its inode and modification time.
fn file_stamps(dir: &std::path::Path) -> BTreeMap<String, (u64, std::time::SystemTime)> {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(dir.join(FOLDER))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let meta = e.metadata().unwrap();
            let path = e.path().strip_prefix(dir).unwrap().display().to_string();
            (path, (meta.ino(), meta.modified().unwrap()))
        })
        .collect()
}

/// The loose objects of the repository: none is written by a snapshot commit.
fn loose_objects(dir: &std::path::Path) -> usize {
    walkdir::WalkDir::new(dir.join(".git/objects"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .filter(|e| !e.path().starts_with(dir.join(".git/objects/pack")))
        .count()
}

/// The number of objects of each pack, by its index file's name.
fn packs(dir: &std::path::Path) -> BTreeMap<String, u32> {
    std::fs::read_dir(dir.join(".git/objects/pack"))
        .unwrap()
        .map(Result::unwrap)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".idx"))
        .map(|e| {
            let index = std::fs::read(e.path()).unwrap();
            // A version 2 index: magic, version, then 256 counts, the last the total.
            let total: [u8; 4] = index[8 + 255 * 4..8 + 256 * 4].try_into().unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                u32::from_be_bytes(total),
            )
        })
        .collect()
}

/// The object counts of the packs in `after` that `before` lacks.
fn new_packs(before: &BTreeMap<String, u32>, after: &BTreeMap<String, u32>) -> Vec<u32> {
    after
        .iter()
        .filter(|(name, _)| !before.contains_key(*name))
        .map(|(_, count)| *count)
        .collect()
}

#[test]
fn a_commit_writes_one_pack_and_touches_only_changed_files() {
    let (dir, repo) = repository();
    let loose_before = loose_objects(dir.path());
    let first = files(&[
        ("manifest.json", "{}\n"),
        ("app/tables/users.json", "1\n"),
        ("app/tables/orders.json", "2\n"),
    ]);
    let (update, _) = commit(&repo, &first);
    assert!(matches!(update, FolderUpdate::Committed(_)), "{update:?}");
    assert_eq!(
        loose_objects(dir.path()),
        loose_before,
        "the commit is one pack"
    );
    let git = Repository::open(dir.path()).unwrap();
    let head = git.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.parent_count(), 1, "the commit follows the branch");
    let written = file_stamps(dir.path());
    let index_written = std::fs::metadata(dir.path().join(".git/index"))
        .unwrap()
        .modified()
        .unwrap();

    let (update, _) = commit(&repo, &first);
    assert!(matches!(update, FolderUpdate::Unchanged), "{update:?}");
    assert_eq!(file_stamps(dir.path()), written, "no file is rewritten");
    let index_now = std::fs::metadata(dir.path().join(".git/index"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(index_now, index_written, "the index is not rewritten");

    let mut second = first.clone();
    second.insert("app/tables/orders.json".into(), b"3\n".to_vec());
    let packs_before = packs(dir.path());
    let (update, _) = commit(&repo, &second);
    assert!(matches!(update, FolderUpdate::Committed(_)), "{update:?}");
    assert_eq!(
        new_packs(&packs_before, &packs(dir.path())),
        [7],
        "one pack of what changed: the blob, the five trees above it and the commit"
    );
    let after = file_stamps(dir.path());
    let rewritten: Vec<&String> = after
        .iter()
        .filter(|(path, stamp)| written.get(*path) != Some(*stamp))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(rewritten, ["snapshots/prod/app/tables/orders.json"]);
    let status = git.statuses(None).unwrap();
    let dirty: Vec<String> = status
        .iter()
        .filter(|s| s.path().is_some_and(|p| p.starts_with(FOLDER)))
        .map(|s| format!("{:?} {}", s.status(), s.path().unwrap()))
        .collect();
    assert!(
        dirty.is_empty(),
        "index and work tree match the commit: {dirty:?}"
    );
}

#[test]
fn revisions_read_back_or_name_what_is_missing() {
    let (_dir, repo) = repository();
    assert_eq!(
        repo.read_folder("HEAD", FOLDER).unwrap(),
        None,
        "no such folder"
    );
    assert_eq!(
        repo.read_folder("HEAD~1", FOLDER).unwrap(),
        None,
        "the parent of the root commit is the empty history"
    );
    assert_eq!(repo.read_folder("HEAD^", FOLDER).unwrap(), None);
    for unknown in ["HEAD~2", "no-such-branch", "HEAD^2"] {
        let error = repo.read_folder(unknown, FOLDER).unwrap_err();
        assert!(
            matches!(&error, VcsError::UnknownRevision { revision, .. } if revision == unknown),
            "{unknown}: {error}"
        );
    }

    let unborn = tempfile::tempdir().unwrap();
    Repository::init(unborn.path()).unwrap();
    let unborn = Repo::discover(Some(unborn.path())).unwrap();
    assert_eq!(unborn.read_folder("HEAD", FOLDER).unwrap(), None);
    assert!(matches!(
        unborn.read_folder("HEAD~1", FOLDER),
        Err(VcsError::UnknownRevision { .. })
    ));
}

#[test]
fn ancestry_suffixes_count_first_parent_steps() {
    assert_eq!(first_parent_steps("HEAD~1"), Some(("HEAD", 1)));
    assert_eq!(first_parent_steps("HEAD~"), Some(("HEAD", 1)));
    assert_eq!(first_parent_steps("main^^"), Some(("main", 2)));
    assert_eq!(first_parent_steps("v1.0~2^1"), Some(("v1.0", 3)));
    assert_eq!(
        first_parent_steps("HEAD^2"),
        None,
        "a second parent is not a first-parent step"
    );
    assert_eq!(first_parent_steps("v12"), None);
    assert_eq!(first_parent_steps("~1"), None);
}

#[test]
fn a_message_that_asks_for_changed_files_is_given_only_those_and_the_manifest() {
    let (_dir, repo) = repository();
    let first = files(&[
        ("manifest.json", "{}\n"),
        ("app/tables/users.json", "1\n"),
        ("app/tables/orders.json", "1\n"),
        ("app/views/totals.json", "1\n"),
    ]);
    commit(&repo, &first);
    let second = files(&[
        ("manifest.json", "{\"v\": 2}\n"),
        ("app/tables/users.json", "2\n"),
        ("app/tables/orders.json", "1\n"),
    ]);
    let mut given = Vec::new();
    repo.commit_folder(
        FOLDER,
        &second,
        None,
        Duration::ZERO,
        Previous::Changed {
            always: "manifest.json",
        },
        |old| {
            given = old
                .map(|files| files.keys().cloned().collect())
                .unwrap_or_default();
            "schema(prod): second".to_string()
        },
    )
    .unwrap();
    assert_eq!(
        given,
        [
            "app/tables/users.json",
            "app/views/totals.json",
            "manifest.json"
        ],
        "the unchanged orders file is not read; the removed view is"
    );
}

#[test]
fn trees_and_commits_are_the_ones_git_makes() {
    let (dir, repo) = repository();
    // Names whose order differs between a plain sort and git's, where a tree sorts as if
    // its name ended in `/`.
    let snapshot = files(&[
        ("a.b.json", "1\n"),
        ("a/z.json", "2\n"),
        ("a-b/x.json", "3\n"),
        ("a0.json", "4\n"),
        ("ab/é ünïcode.json", "5\n"),
        ("manifest.json", "{}\n"),
    ]);
    let mut changed = snapshot.clone();
    changed.insert("a/z.json".into(), "7\n".into());
    for snapshot in [&snapshot, &changed] {
        let (update, _) = commit(&repo, snapshot);
        assert!(matches!(update, FolderUpdate::Committed(_)), "{update:?}");
    }
    // git itself checks every pack, its index, every object and the order of every tree.
    let git_says = |args: &[&str]| {
        let output = std::process::Command::new("git")
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    git_says(&["fsck", "--strict", "--no-dangling"]);
    for pack in packs(dir.path()).keys() {
        git_says(&["verify-pack", &format!(".git/objects/pack/{pack}")]);
    }
    // The same files staged in a scratch index give the same tree.
    let git = Repository::open(dir.path()).unwrap();
    let mut index = git2::Index::new().unwrap();
    for (path, bytes) in &changed {
        let mut entry = git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            file_size: 0,
            id: git.blob(bytes).unwrap(),
            flags: 0,
            flags_extended: 0,
            path: Vec::new(),
        };
        entry.path = format!("{FOLDER}/{path}").into_bytes();
        index.add(&entry).unwrap();
    }
    let staged = git.find_tree(index.write_tree_to(&git).unwrap()).unwrap();
    let head = git.head().unwrap().peel_to_commit().unwrap();
    let committed = head.tree().unwrap();
    let folder = |tree: &git2::Tree| tree.get_path(std::path::Path::new(FOLDER)).unwrap().id();
    assert_eq!(folder(&committed), folder(&staged));
    assert_eq!(head.message(), Some("schema(prod): test"));
    assert_eq!(head.parent(0).unwrap().parent_count(), 1);
}

#[test]
fn identical_folders_share_their_objects_and_nested_folders_are_refused() {
    let (dir, repo) = repository();
    let tenant = files(&[("manifest.json", "{}\n"), ("app/tables/users.json", "1\n")]);
    let folders = [
        ("snapshots/tenant_a".to_string(), &tenant),
        ("snapshots/tenant_b".to_string(), &tenant),
    ];
    let before = packs(dir.path());
    let update = repo
        .commit_folders(&folders, None, Duration::ZERO, Previous::Whole, |_| {
            "schema: tenants".to_string()
        })
        .unwrap();
    assert!(
        matches!(update, FoldersUpdate::Committed { .. }),
        "{update:?}"
    );
    assert_eq!(
        new_packs(&before, &packs(dir.path())),
        [8],
        "two blobs and three trees of the tenants' folder once, snapshots/, the root, the commit"
    );
    let committed = repo.read_folder("HEAD", "snapshots/tenant_b").unwrap();
    assert_eq!(committed.as_ref(), Some(&tenant));

    let nested = [
        ("snapshots/tenant_a".to_string(), &tenant),
        ("snapshots/tenant_a/eu".to_string(), &tenant),
    ];
    let refused = repo.commit_folders(&nested, None, Duration::ZERO, Previous::Whole, |_| {
        unreachable!("nothing is committed")
    });
    assert!(
        matches!(&refused, Err(VcsError::Overlap { outer, inner })
            if outer == "snapshots/tenant_a" && inner == "snapshots/tenant_a/eu"),
        "{refused:?}"
    );
}

#[test]
fn a_pack_file_a_killed_run_left_half_written_is_replaced() {
    let (dir, repo) = repository();
    let left = dir.path().join(".git/objects/pack/tmp_schemagit_pack");
    std::fs::write(&left, b"PACK\0\0\0\x02half").unwrap();
    let mut read_only = std::fs::metadata(&left).unwrap().permissions();
    read_only.set_readonly(true);
    std::fs::set_permissions(&left, read_only).unwrap();
    let snapshot = files(&[("manifest.json", "{}\n")]);
    let (update, _) = commit(&repo, &snapshot);
    assert!(matches!(update, FolderUpdate::Committed(_)), "{update:?}");
    assert!(!left.exists(), "the temporary file took its name");
    assert_eq!(repo.read_folder("HEAD", FOLDER).unwrap(), Some(snapshot));
}
