//! The review loop: `log` and `show` over a real history of snapshot commits, nightly branches
//! committed and pushed to real bare remotes on disk, and the markdown report.

mod common;

use std::path::Path;
use std::process::Command;

use common::{cluster, hermetic, Repo};

/// A database holding one table; the tests change it between snapshots.
fn database() -> String {
    let db = cluster().fresh_database("review");
    cluster().execute(
        &db,
        "CREATE SCHEMA app;
         CREATE TABLE app.users (id bigint PRIMARY KEY, email varchar(100));
         CREATE FUNCTION app.org_total(org bigint) RETURNS bigint LANGUAGE sql
           AS 'SELECT org * 2';",
    );
    db
}

fn snapshot(repo: &Repo, db: &str, extra: &[&str]) -> serde_json::Value {
    let url = cluster().url(db);
    let mut args = vec!["snapshot", "--json", "--database-url", &url];
    args.extend_from_slice(extra);
    repo.schemagit(&args).success().json()
}

/// Runs git in `dir`, hermetically; panics when it fails.
fn git(dir: &Path, args: &[&str]) -> String {
    let output = hermetic(Command::new("git"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn branch_checked_out_in_another_work_tree_is_kept_in_step_there() {
    let db = database();
    let repo = Repo::new();
    snapshot(&repo, &db, &[]);
    let linked = tempfile::tempdir().unwrap();
    let linked_path = linked.path().join("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        linked_path.to_str().unwrap(),
    ]);
    cluster().execute(&db, "ALTER TABLE app.users ADD COLUMN name text;");
    let url = cluster().url(&db);
    let report = common::run_schemagit(
        &linked_path,
        &[
            "snapshot",
            "--json",
            "--branch",
            "main",
            "--database-url",
            &url,
        ],
    )
    .success()
    .json();
    assert_eq!(report["branch"], "refs/heads/main");
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "main's own work tree and index follow its new commit"
    );
    assert_eq!(git(&linked_path, &["status", "--porcelain"]), "");
    assert_eq!(
        git(&linked_path, &["rev-parse", "--abbrev-ref", "HEAD"]),
        "feature\n"
    );
    repo.schemagit(&["verify"]).success();
}
