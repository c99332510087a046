//! A snapshot leaves the repository as it was or fully committed: interrupts at every stage of
//! the repository update, locks left behind by killed processes, concurrent runs, a damaged
//! work tree, and repositories without a checked-out branch or without a work tree.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{cluster, hermetic, run_schemagit, Repo, Run};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

const FOLDER: &str = "snapshots/default";

/// A small database: a table with a view over it, so that reading the view waits for a lock
/// held on the table.
fn small_database() -> String {
    let db = cluster().fresh_database("safety");
    cluster().execute(
        &db,
        "CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric);
         CREATE VIEW public.big_orders AS SELECT id FROM public.orders WHERE total > 100;",
    );
    db
}

fn spawn_schemagit(dir: &Path, args: &[&str], pause: Option<&str>) -> Child {
    let mut command = hermetic(Command::new(env!("CARGO_BIN_EXE_schemagit")));
    command
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(stage) = pause {
        command.env("SCHEMAGIT_TEST_PAUSE", stage);
    }
    command.spawn().unwrap()
}

fn finish(child: Child) -> Run {
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn signal(child: &Child, signal: Signal) {
    kill(Pid::from_raw(i32::try_from(child.id()).unwrap()), signal).unwrap();
}

/// Every lock file in the git directory: index.lock, refs/**/*.lock, HEAD.lock, schemagit.lock.
fn lock_files(git_dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(git_dir)
        .into_iter()
        .map(|entry| entry.unwrap().into_path())
        .filter(|path| path.extension().is_some_and(|e| e == "lock"))
        .collect()
}

/// The repository is usable and clean, and the snapshot folder checks out.
fn assert_intact(repo: &Repo) {
    assert_eq!(lock_files(&repo.path().join(".git")), Vec::<PathBuf>::new());
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    repo.schemagit(&["verify"]).success();
}

/// Pauses a snapshot at `stage` of the repository update, signals it there, and checks that
/// the signal was deferred until the commit had landed.
fn signalled_while_committing(stage: &str, sent: Signal) {
    let db = small_database();
    let repo = Repo::new();
    let url = cluster().url(&db);
    let child = spawn_schemagit(
        repo.path(),
        &["snapshot", "--database-url", &url],
        Some(stage),
    );
    let marker = repo
        .path()
        .join(".git")
        .join(format!("schemagit-paused-{stage}"));
    wait_for(&format!("the pause at {stage}"), || marker.exists());
    assert!(repo.path().join(".git/schemagit.lock").exists());
    if stage == "index" {
        assert!(
            repo.path().join(".git/index.lock").exists(),
            "the index is locked at this pause"
        );
    }
    if stage == "ref" {
        assert!(
            repo.path().join(".git/refs/heads/main.lock").exists(),
            "the ref is locked at this pause"
        );
    }
    signal(&child, sent);
    let run = finish(child);
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains("stopped after the commit landed"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("committed "), "{}", run.stdout);
    assert_eq!(repo.commit_count(), 2);
    assert!(!marker.exists());
    assert_intact(&repo);
}

macro_rules! signalled_while_committing {
    ($($name:ident: $stage:literal, $signal:ident;)*) => {$(
        #[test]
        fn $name() {
            signalled_while_committing($stage, Signal::$signal);
        }
    )*};
}

signalled_while_committing! {
    sigint_once_the_repository_is_locked_still_commits: "locked", SIGINT;
    sigterm_once_the_repository_is_locked_still_commits: "locked", SIGTERM;
    sigint_after_the_first_work_tree_file_still_commits: "work-tree", SIGINT;
    sigterm_after_the_first_work_tree_file_still_commits: "work-tree", SIGTERM;
    sigint_while_the_index_is_locked_still_commits: "index", SIGINT;
    sigterm_while_the_index_is_locked_still_commits: "index", SIGTERM;
    sigint_while_the_ref_is_locked_still_commits: "ref", SIGINT;
    sigterm_while_the_ref_is_locked_still_commits: "ref", SIGTERM;
}

/// Holds the table under the view locked from a second session, signals the snapshot while it
/// waits for that lock, and checks that it stopped at once with nothing written.
fn signalled_while_reading(sent: Signal) {
    let db = small_database();
    let repo = Repo::new();
    std::fs::create_dir_all(repo.path().join(".git/info")).unwrap();
    std::fs::write(repo.path().join(".git/info/exclude"), "schemagit.toml\n").unwrap();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "lock_timeout_ms = 60000\n",
    )
    .unwrap();
    let url = cluster().url(&db);
    let runtime = common::runtime();
    let holder = common::session(
        &runtime,
        &url,
        "BEGIN; LOCK TABLE public.orders IN ACCESS EXCLUSIVE MODE;",
    );
    let mut child = spawn_schemagit(repo.path(), &["snapshot", "--database-url", &url], None);
    wait_for("the snapshot to wait for the table lock", || {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the snapshot ended early"
        );
        runtime.block_on(async {
            let row = holder
                .query_one(
                    // pg_locks, not pg_stat_activity: this session is inside a transaction,
                    // where the activity view stays as it was first read.
                    "SELECT count(*) FROM pg_locks
                      WHERE NOT granted AND relation = 'public.orders'::regclass
                        AND database = (SELECT oid FROM pg_database
                                         WHERE datname = current_database())",
                    &[],
                )
                .await
                .unwrap();
            row.get::<_, i64>(0) > 0
        })
    });
    signal(&child, sent);
    let run = finish(child);
    runtime.block_on(async { holder.batch_execute("ROLLBACK").await.unwrap() });
    assert_eq!(
        run.code, 130,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.starts_with("error: interrupted"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.commit_count(), 1);
    assert!(!repo.path().join("snapshots").exists());
    assert_eq!(lock_files(&repo.path().join(".git")), Vec::<PathBuf>::new());
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn sigint_while_reading_the_database_stops_with_nothing_committed() {
    signalled_while_reading(Signal::SIGINT);
}

#[test]
fn sigterm_while_reading_the_database_stops_with_nothing_committed() {
    signalled_while_reading(Signal::SIGTERM);
}

/// A lock file left behind by a killed git process stops the run before anything is written.
fn left_behind(relative: &str) {
    let db = small_database();
    let repo = Repo::new();
    let path = repo.path().join(".git").join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "").unwrap();
    let url = cluster().url(&db);
    let run = repo.schemagit(&["snapshot", "--database-url", &url]);
    assert_eq!(
        run.code, 5,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ")
            && first.contains(relative)
            && first.contains(
                "no schemagit process is running: if no git command is either, delete it"
            ),
        "{}",
        run.stderr
    );
    assert_eq!(repo.commit_count(), 1);
    assert!(
        !repo.path().join("snapshots").exists(),
        "work tree untouched"
    );
    assert!(path.exists());
    std::fs::remove_file(&path).unwrap();
    assert_eq!(repo.git(&["status", "--porcelain"]), "", "index untouched");
    assert!(!repo.path().join(".git/schemagit.lock").exists());
}

#[test]
fn an_index_lock_left_by_a_killed_git_stops_the_run_before_writing() {
    left_behind("index.lock");
}

#[test]
fn a_branch_lock_left_by_a_killed_git_stops_the_run_before_writing() {
    left_behind("refs/heads/main.lock");
}

#[test]
fn a_damaged_snapshot_folder_is_restored_without_a_commit() {
    let db = small_database();
    let repo = Repo::new();
    let url = cluster().url(&db);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let folder = repo.path().join(FOLDER);
    std::fs::write(folder.join("public/tables/orders.json"), "{}\n").unwrap();
    std::fs::write(folder.join("public/tables/stray.json"), "{}\n").unwrap();
    repo.git(&["add", "snapshots"]);
    std::fs::remove_file(folder.join("public/views/big_orders.json")).unwrap();
    assert_eq!(repo.schemagit(&["verify"]).code, 6);
    let commits = repo.commit_count();

    let run = repo
        .schemagit(&["snapshot", "--database-url", &url])
        .success();
    assert!(
        run.stderr.contains("restored snapshots/default"),
        "stdout: {}\nstderr: {}",
        run.stdout,
        run.stderr
    );
    assert_eq!(repo.commit_count(), commits, "no new commit");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    repo.schemagit(&["verify"]).success();
}

/// A snapshot run that holds the repository lock, paused just after taking it, and the marker
/// whose removal lets it go on.
fn holder_of_the_repository_lock(repo: &Repo, url: &str) -> (Child, PathBuf) {
    let holder = spawn_schemagit(
        repo.path(),
        &["snapshot", "--database-url", url],
        Some("locked"),
    );
    let marker = repo.path().join(".git/schemagit-paused-locked");
    wait_for("the holder to take the lock", || marker.exists());
    (holder, marker)
}

#[test]
fn a_live_holder_of_the_repository_lock_is_waited_for_then_named() {
    let db = small_database();
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "repo_lock_timeout_ms = 500\n",
    )
    .unwrap();
    let url = cluster().url(&db);
    let (holder, marker) = holder_of_the_repository_lock(&repo, &url);
    let holder_pid = holder.id();
    let started = Instant::now();
    let run = repo.schemagit(&["snapshot", "--database-url", &url]);
    let waited = started.elapsed();
    let lock = repo.path().join(".git/schemagit.lock");
    assert!(lock.exists(), "a live holder's lock is left alone");
    std::fs::remove_file(&marker).unwrap();
    finish(holder).success();
    assert_eq!(
        run.code, 5,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains(&format!("pid {holder_pid}")),
        "{}",
        run.stderr
    );
    assert!(
        waited >= Duration::from_millis(500) && waited < Duration::from_secs(10),
        "waited {waited:?}"
    );
    assert_eq!(repo.commit_count(), 2, "the holder's commit, and only it");
    assert_eq!(lock_files(&repo.path().join(".git")), Vec::<PathBuf>::new());
}

#[test]
fn sigterm_while_waiting_for_the_repository_lock_commits_nothing() {
    let db = small_database();
    let repo = Repo::new();
    let url = cluster().url(&db);
    let (holder, marker) = holder_of_the_repository_lock(&repo, &url);
    let waiter = spawn_schemagit(
        repo.path(),
        &["snapshot", "--database-url", &url],
        Some("lock-wait"),
    );
    let waiting = repo.path().join(".git/schemagit-paused-lock-wait");
    wait_for("the second run to wait for the lock", || waiting.exists());
    signal(&waiter, Signal::SIGTERM);
    let run = finish(waiter);
    assert_eq!(
        run.code, 130,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains("interrupted: nothing was committed"),
        "{}",
        run.stderr
    );
    assert_eq!(
        repo.commit_count(),
        1,
        "nothing committed while the holder waits"
    );
    std::fs::remove_file(&marker).unwrap();
    finish(holder).success();
    assert_eq!(repo.commit_count(), 2);
    assert_intact(&repo);
}

#[test]
fn sigint_in_the_repository_update_with_the_database_unchanged_commits_nothing() {
    let db = small_database();
    let repo = Repo::new();
    let url = cluster().url(&db);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let child = spawn_schemagit(
        repo.path(),
        &["snapshot", "--database-url", &url],
        Some("locked"),
    );
    let marker = repo.path().join(".git/schemagit-paused-locked");
    wait_for("the pause at locked", || marker.exists());
    signal(&child, Signal::SIGINT);
    let run = finish(child);
    assert_eq!(
        run.code, 130,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains("interrupted: nothing was committed"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.commit_count(), 2);
    assert_intact(&repo);
}

#[test]
fn a_run_killed_while_the_ref_is_locked_leaves_a_lock_the_next_run_names() {
    let db = small_database();
    let repo = Repo::new();
    let url = cluster().url(&db);
    let child = spawn_schemagit(
        repo.path(),
        &["snapshot", "--database-url", &url],
        Some("ref"),
    );
    let marker = repo.path().join(".git/schemagit-paused-ref");
    wait_for("the pause at ref", || marker.exists());
    signal(&child, Signal::SIGKILL);
    finish(child);
    std::fs::remove_file(&marker).unwrap();
    let stale = repo.path().join(".git/refs/heads/main.lock");
    assert!(stale.exists());
    let run = repo.schemagit(&["snapshot", "--database-url", &url]);
    assert_eq!(
        run.code, 5,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ")
            && first.contains(&stale.display().to_string())
            && first.contains("no schemagit process is running"),
        "{}",
        run.stderr
    );
    assert!(
        !repo.path().join(".git/schemagit.lock").exists(),
        "the killed run's repository lock was taken over and released"
    );
    assert_eq!(repo.commit_count(), 1);
}

#[test]
fn three_environments_snapshotted_at_once_all_land() {
    let db = small_database();
    let repo = Repo::new();
    let url = cluster().url(&db);
    let children: Vec<Child> = ["a", "b", "c"]
        .iter()
        .map(|env| {
            spawn_schemagit(
                repo.path(),
                &["snapshot", "--env", env, "--database-url", &url],
                None,
            )
        })
        .collect();
    for child in children {
        finish(child).success();
    }
    assert_eq!(repo.commit_count(), 4);
    let listed = repo.git(&["ls-tree", "--name-only", "HEAD", "snapshots/"]);
    assert_eq!(listed, "snapshots/a\nsnapshots/b\nsnapshots/c\n");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    for env in ["a", "b", "c"] {
        repo.schemagit(&["verify", "--env", env]).success();
    }
}

#[test]
fn branch_naming_the_checked_out_branch_is_a_plain_snapshot() {
    let db = small_database();
    let repo = Repo::new();
    let url = cluster().url(&db);
    let report = repo
        .schemagit(&[
            "snapshot",
            "--json",
            "--branch",
            "main",
            "--database-url",
            &url,
        ])
        .success()
        .json();
    assert_eq!(report["branch"], "refs/heads/main");
    assert_eq!(repo.commit_count(), 2);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    repo.schemagit(&["verify"]).success();
}

#[test]
fn a_detached_head_commits_with_a_warning() {
    let db = small_database();
    let repo = Repo::new();
    let main = repo.git(&["rev-parse", "main"]);
    repo.git(&["checkout", "-q", "--detach"]);
    let url = cluster().url(&db);
    let run = repo
        .schemagit(&["snapshot", "--database-url", &url])
        .success();
    assert!(
        run.stderr.starts_with("warning: ") && run.stderr.contains("detached"),
        "{}",
        run.stderr
    );
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert!(run.stdout.contains(&head[..12]), "{}", run.stdout);
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), main);
    assert_eq!(repo.git(&["rev-parse", "main"]), main, "no branch moved");
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    repo.schemagit(&["verify"]).success();
}

/// A bare clone of a fresh repository, and a directory outside any repository to run in.
fn bare_clone() -> (Repo, tempfile::TempDir, PathBuf) {
    let source = Repo::new();
    let outside = tempfile::tempdir().unwrap();
    let bare = outside.path().join("bare.git");
    let status = hermetic(Command::new("git"))
        .args(["clone", "-q", "--bare"])
        .arg(source.path())
        .arg(&bare)
        .status()
        .unwrap();
    assert!(status.success());
    (source, outside, bare)
}

fn assert_refused(run: &Run, code: i32, expected: &str) {
    assert_eq!(
        run.code, code,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let mut lines = run.stderr.lines();
    let first = lines.next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains(expected),
        "{}",
        run.stderr
    );
    assert!(
        lines.all(|line| line.starts_with("hint: ")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_bare_repository_is_refused_where_a_work_tree_is_needed() {
    let db = small_database();
    let (_source, outside, bare) = bare_clone();
    let bare = bare.to_str().unwrap();
    let url = cluster().url(&db);
    for args in [
        vec!["--repo", bare, "snapshot", "--database-url", &url],
        vec!["--repo", bare, "snapshot", "--from-migrations"],
        vec!["--repo", bare, "verify"],
    ] {
        let run = run_schemagit(outside.path(), &args);
        assert_refused(&run, 5, "is bare");
    }
    let log = hermetic(Command::new("git"))
        .args(["--git-dir", bare, "rev-list", "--count", "--all"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&log.stdout), "1\n");
}

#[test]
fn a_bare_repository_takes_branch_snapshots_verify_rev_and_diff() {
    let db = small_database();
    let (_source, outside, bare) = bare_clone();
    let bare = bare.to_str().unwrap();
    let url = cluster().url(&db);
    let branch_snapshot = [
        "--repo",
        bare,
        "snapshot",
        "--branch",
        "nightly",
        "--database-url",
        &url,
    ];
    run_schemagit(outside.path(), &branch_snapshot).success();
    cluster().execute(&db, "ALTER TABLE public.orders ADD COLUMN note text");
    run_schemagit(outside.path(), &branch_snapshot).success();
    let listed = hermetic(Command::new("git"))
        .args(["--git-dir", bare, "ls-tree", "-r", "--name-only", "nightly"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("snapshots/default/manifest.json"));
    run_schemagit(
        outside.path(),
        &["--repo", bare, "verify", "--rev", "nightly"],
    )
    .success();
    let diff = run_schemagit(
        outside.path(),
        &["--repo", bare, "diff", "nightly~1", "nightly"],
    );
    assert_eq!(
        diff.code, 1,
        "stdout: {}\nstderr: {}",
        diff.stdout, diff.stderr
    );
    assert!(
        diff.stdout.contains("public.orders.note"),
        "{}",
        diff.stdout
    );
}

#[test]
fn a_file_as_the_repository_is_a_usage_error() {
    let repo = Repo::new();
    let file = repo.path().join("README.md");
    let run = run_schemagit(
        repo.path(),
        &["--repo", file.to_str().unwrap(), "verify", "--rev", "HEAD"],
    );
    assert_refused(&run, 3, "is a file");
}

#[test]
fn sigint_before_the_push_reports_the_commit_and_exits_0() {
    let db = small_database();
    let repo = Repo::new();
    let remotes = tempfile::tempdir().unwrap();
    let remote = remotes.path().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    let url = cluster().url(&db);
    let child = spawn_schemagit(
        repo.path(),
        &["snapshot", "--push", "--database-url", &url],
        Some("push"),
    );
    let marker = repo.path().join(".git/schemagit-paused-push");
    wait_for("the pause before the push", || marker.exists());
    signal(&child, Signal::SIGINT);
    let run = finish(child);
    assert_eq!(
        run.code, 0,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let commit = repo.git(&["rev-parse", "HEAD"]);
    assert!(
        run.stdout.contains(&format!("committed {}", &commit[..7])),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("the push was interrupted; `git push origin main` sends it"),
        "{}",
        run.stderr
    );
    let pushed = hermetic(Command::new("git"))
        .args(["rev-parse", "--verify", "-q", "refs/heads/main"])
        .current_dir(&remote)
        .output()
        .unwrap();
    assert!(!pushed.status.success(), "nothing reached the remote");
    assert_eq!(repo.commit_count(), 2);
    assert_intact(&repo);
}
