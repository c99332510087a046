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

/// A bare repository on disk to push to.
fn bare_remote() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "--bare", "remote.git"]);
    dir
}

fn remote_branch(remote: &Path, branch: &str) -> Option<String> {
    let output = hermetic(Command::new("git"))
        .args([
            "rev-parse",
            "--verify",
            "-q",
            &format!("refs/heads/{branch}"),
        ])
        .current_dir(remote)
        .output()
        .unwrap();
    output
        .status
        .success()
        .then(|| String::from_utf8(output.stdout).unwrap().trim().to_string())
}

#[test]
fn a_nightly_branch_is_committed_and_pushed_and_an_unchanged_rerun_does_neither() {
    let db = database();
    let repo = Repo::new();
    let remotes = bare_remote();
    let remote = remotes.path().join("remote.git");
    let url = format!("file://{}", remote.display());
    repo.git(&["remote", "add", "origin", &url]);
    std::fs::write(repo.path().join("wip.txt"), "staged work\n").unwrap();
    repo.git(&["add", "wip.txt"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let status = repo.git(&["status", "--porcelain"]);
    let nightly = ["--branch", "schema/default/2026-12-02", "--push"];

    let first = snapshot(&repo, &db, &nightly);
    let commit = first["commit"].as_str().unwrap().to_string();
    assert_eq!(first["pushed"], "origin");
    assert_eq!(
        remote_branch(&remote, "schema/default/2026-12-02").as_deref(),
        Some(commit.as_str())
    );
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head, "HEAD stays");
    assert_eq!(repo.git(&["rev-parse", "--abbrev-ref", "HEAD"]), "main\n");
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        status,
        "index and work tree stay"
    );
    assert!(!repo.path().join("snapshots").exists());

    let again = snapshot(&repo, &db, &nightly);
    assert_eq!(
        again["commit"],
        serde_json::Value::Null,
        "nothing to commit"
    );
    assert_eq!(again["pushed"], serde_json::Value::Null, "nothing pushed");
    assert_eq!(
        repo.git(&["rev-parse", "schema/default/2026-12-02"]).trim(),
        commit
    );

    // A plain path works as the remote too, and the branch lands there as it is.
    let other = bare_remote();
    let path = other.path().join("remote.git");
    cluster().execute(&db, "ALTER TABLE app.users ADD COLUMN name text;");
    let human = repo
        .schemagit(&[
            "snapshot",
            "--branch",
            "schema/default/2026-12-02",
            "--push",
            path.to_str().unwrap(),
            "--database-url",
            &cluster().url(&db),
        ])
        .success();
    assert!(
        human
            .stdout
            .ends_with(&format!("pushed to {}\n", path.display())),
        "{}",
        human.stdout
    );
    let pushed = remote_branch(&path, "schema/default/2026-12-02").unwrap();
    assert_eq!(
        repo.git(&["rev-parse", "schema/default/2026-12-02"]).trim(),
        pushed
    );
    assert_eq!(
        repo.git(&["rev-parse", &format!("{pushed}~1")]).trim(),
        commit
    );
    assert_eq!(repo.git(&["status", "--porcelain"]), status);
}

#[test]
fn a_rejected_push_exits_5_and_keeps_the_local_commit() {
    let db = database();
    let repo = Repo::new();
    let remotes = bare_remote();
    let remote = remotes.path().join("remote.git");
    repo.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    snapshot(&repo, &db, &["--branch", "nightly", "--push"]);
    // Someone else moves the remote branch on.
    let other = tempfile::tempdir().unwrap();
    git(
        other.path(),
        &[
            "clone",
            "-q",
            "-b",
            "nightly",
            remote.to_str().unwrap(),
            "clone",
        ],
    );
    let clone = other.path().join("clone");
    std::fs::write(clone.join("other.txt"), "theirs\n").unwrap();
    git(&clone, &["add", "other.txt"]);
    git(&clone, &["commit", "-q", "-m", "theirs"]);
    git(&clone, &["push", "-q", "origin", "nightly"]);
    let theirs = remote_branch(&remote, "nightly").unwrap();

    cluster().execute(&db, "ALTER TABLE app.users ADD COLUMN name text;");
    let url = cluster().url(&db);
    let run = repo.schemagit(&[
        "snapshot",
        "--branch",
        "nightly",
        "--push",
        "--database-url",
        &url,
    ]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let first = run.stderr.lines().next().unwrap();
    assert!(
        first.starts_with("error: push of nightly to origin")
            && first.contains("rejected: not a fast-forward"),
        "{}",
        run.stderr
    );
    let local = repo.git(&["rev-parse", "nightly"]);
    assert!(
        run.stderr
            .contains(&format!("the commit {} stays on nightly", &local[..12])),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("committed"),
        "the report still says what was committed"
    );
    assert_eq!(remote_branch(&remote, "nightly").unwrap(), theirs);
    let files = repo.git(&["show", "--stat", "--format=", "nightly"]);
    assert!(files.contains("app/tables/users.json"), "{files}");
}

/// A repository with three snapshot commits of `db`: the first, the email column's type
/// changed, then an index added and the function's body changed.
fn history(db: &str) -> Repo {
    let repo = Repo::new();
    snapshot(&repo, db, &[]);
    cluster().execute(db, "ALTER TABLE app.users ALTER COLUMN email TYPE text;");
    snapshot(&repo, db, &[]);
    // A commit that does not touch the snapshot folder is passed over.
    std::fs::write(repo.path().join("notes.txt"), "notes\n").unwrap();
    repo.git(&["add", "notes.txt"]);
    repo.git(&["commit", "-q", "-m", "notes"]);
    cluster().execute(
        db,
        "CREATE INDEX users_id_idx ON app.users (id);
         CREATE OR REPLACE FUNCTION app.org_total(org bigint) RETURNS bigint LANGUAGE sql
           AS 'SELECT org * 3';",
    );
    snapshot(&repo, db, &[]);
    repo
}

fn subjects(log: &serde_json::Value) -> Vec<String> {
    log.as_array()
        .unwrap()
        .iter()
        .map(|e| e["subject"].as_str().unwrap().to_string())
        .collect()
}

fn objects(entry: &serde_json::Value) -> Vec<String> {
    entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["action"].as_str().unwrap(),
                c["object"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn log_shows_each_snapshot_commit_for_the_schema_an_object_and_a_column() {
    let db = database();
    let repo = history(&db);
    let log = repo.schemagit(&["log", "--json"]).success().json();
    assert_eq!(
        subjects(&log),
        [
            "schema(default): 2 changes, 1 warning",
            "schema(default): 1 change, 1 critical",
            "schema(default): initial snapshot, 5 objects",
        ]
    );
    let newest = &log[0];
    assert_eq!(
        newest["commit"].as_str().unwrap(),
        repo.git(&["rev-parse", "HEAD"]).trim()
    );
    let author = repo.git(&["log", "-1", "--format=%an <%ae>"]);
    assert_eq!(newest["author"].as_str().unwrap(), author.trim());
    assert!(newest["time"].as_str().unwrap().contains('T'));
    assert_eq!(
        objects(newest),
        [
            "added app.users.users_id_idx",
            "changed app.org_total(bigint)"
        ]
    );
    assert_eq!(
        log[1]["changes"][0],
        serde_json::json!({"severity": "critical", "kind": "column", "object": "app.users.email",
                           "action": "changed", "detail": "type character varying(100) -> text"})
    );
    let mut first = objects(&log[2]);
    first.sort();
    assert_eq!(
        first,
        [
            "added app",
            "added app.org_total(bigint)",
            "added app.users",
            "added plpgsql",
            "added public"
        ]
    );

    let table = repo
        .schemagit(&["log", "app.users", "--json"])
        .success()
        .json();
    assert_eq!(table.as_array().unwrap().len(), 3);
    assert_eq!(objects(&table[0]), ["added app.users.users_id_idx"]);
    assert_eq!(objects(&table[2]), ["added app.users"]);

    let column = repo
        .schemagit(&["log", "app.users.email", "--json"])
        .success()
        .json();
    assert_eq!(
        subjects(&column),
        [
            "schema(default): 1 change, 1 critical",
            "schema(default): initial snapshot, 5 objects"
        ]
    );
    assert_eq!(objects(&column[0]), ["changed app.users.email"]);
    assert_eq!(objects(&column[1]), ["added app.users"]);

    let function = repo
        .schemagit(&["log", "app.org_total(bigint)", "--json"])
        .success()
        .json();
    assert_eq!(function.as_array().unwrap().len(), 2);
    let diff = function[0]["changes"][0]["diff"].as_str().unwrap();
    assert!(
        diff.contains("-AS $function$SELECT org * 2$function$"),
        "{diff}"
    );
    assert!(
        diff.contains("+AS $function$SELECT org * 3$function$"),
        "{diff}"
    );

    let human = repo.schemagit(&["log", "-n", "1"]).success();
    let first = human.stdout.lines().next().unwrap();
    let short = &repo.git(&["rev-parse", "HEAD"])[..12];
    assert!(
        first.contains(&format!(
            " {short} schema(default): 2 changes, 1 warning ({})",
            author.trim()
        )),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("    added index app.users.users_id_idx: index added"),
        "{}",
        human.stdout
    );
    assert!(
        !human.stdout.contains("critical"),
        "-n 1 shows one commit: {}",
        human.stdout
    );

    let none = repo
        .schemagit(&["log", "--json", "--since", "2999-01-01"])
        .success()
        .json();
    assert_eq!(none, serde_json::json!([]));
    let between = repo
        .schemagit(&[
            "log",
            "--json",
            "--since",
            "2000-01-01",
            "--until",
            "2999-12-31",
        ])
        .success()
        .json();
    assert_eq!(between.as_array().unwrap().len(), 3);
    let before = repo
        .schemagit(&["log", "app.users", "--json", "--until", "2000-01-01"])
        .success()
        .json();
    assert_eq!(before, serde_json::json!([]), "known, just not then");
    let unknown = repo.schemagit(&["log", "app.usres"]);
    assert_eq!(unknown.code, 9, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("hint: did you mean app.users?"),
        "{}",
        unknown.stderr
    );
    let bad_date = repo.schemagit(&["log", "--since", "last tuesday"]);
    assert_eq!(bad_date.code, 3, "{}", bad_date.stderr);
}

#[test]
fn show_renders_a_table_and_a_function_and_json_is_the_stored_file() {
    let db = database();
    let repo = history(&db);
    let table = repo.schemagit(&["show", "app.users"]).success();
    assert!(
        table.stdout.starts_with("table app.users\n"),
        "{}",
        table.stdout
    );
    for line in [
        "\ncolumns\n",
        "  id     bigint  not null\n",
        "  email  text    null\n",
        "\nconstraints\n  users_pkey  primary key  PRIMARY KEY (id)\n",
        "\nindexes\n  users_id_idx  CREATE INDEX users_id_idx ON app.users USING btree (id)\n",
    ] {
        assert!(table.stdout.contains(line), "{line:?} in\n{}", table.stdout);
    }
    let before = repo
        .schemagit(&["show", "app.users.email", "--rev", "HEAD~3"])
        .success();
    assert_eq!(
        before.stdout,
        "table app.users\n\ncolumns\n  email  character varying(100)  null\n"
    );
    let function = repo.schemagit(&["show", "app.org_total(bigint)"]).success();
    assert!(
        function
            .stdout
            .starts_with("function app.org_total(bigint)\n"),
        "{}",
        function.stdout
    );
    assert!(
        function.stdout.contains("CREATE OR REPLACE FUNCTION app.org_total(org bigint)\n RETURNS bigint\n LANGUAGE sql\n"),
        "{}",
        function.stdout
    );
    let json = repo.schemagit(&["show", "app.users", "--json"]).success();
    assert_eq!(
        json.stdout.as_bytes(),
        std::fs::read(repo.path().join("snapshots/default/app/tables/users.json")).unwrap()
    );
    let unknown = repo.schemagit(&["show", "app.user"]);
    assert_eq!(unknown.code, 9, "{}", unknown.stderr);
    assert_eq!(
        unknown.stderr,
        "error: no object app.user in snapshots/default at HEAD\nhint: did you mean app.users?\n"
    );
    let no_column = repo.schemagit(&["show", "app.users.nope"]);
    assert_eq!(no_column.code, 9, "{}", no_column.stderr);
}

#[test]
fn the_markdown_report_of_a_first_snapshot_lists_every_object_added() {
    let db = database();
    let repo = Repo::new();
    let url = cluster().url(&db);
    let body = repo
        .schemagit(&["snapshot", "--format", "markdown", "--database-url", &url])
        .success()
        .stdout;
    for added in [
        "- **added** schema `app`",
        "- **added** table `app.users`",
        "- **added** function `app.org_total(bigint)`",
    ] {
        assert!(
            body.lines().any(|line| line.starts_with(added)),
            "{added:?} in {body}"
        );
    }
}

#[test]
fn markdown_names_what_was_compared_without_credentials() {
    let db = database();
    let repo = Repo::new();
    snapshot(&repo, &db, &[]);
    cluster().execute(
        &db,
        "ALTER TABLE app.users ALTER COLUMN email TYPE text;
         CREATE OR REPLACE FUNCTION app.org_total(org bigint) RETURNS bigint LANGUAGE sql
           AS 'SELECT org * 3';",
    );
    let c = cluster();
    let url = format!(
        "postgresql://{}:secret@/{db}?host={}&port={}",
        c.user,
        c.socket_dir.display(),
        c.port
    );
    let run = repo.schemagit(&["check", "--format", "markdown", "--database-url", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let text = run.stdout;
    assert!(!text.contains("secret"), "{text}");
    assert!(
        text.starts_with(
            "## Schema drift in default\n\n| | |\n|---|---|\n| Environment | `default` |\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!("| Database | `postgresql://{}@", c.user)),
        "{text}"
    );
    assert!(
        text.contains("| Expected | `HEAD:snapshots/default` |"),
        "{text}"
    );
    let head = repo.git(&["rev-parse", "HEAD"]);
    assert!(
        text.contains(&format!("| Revision | `HEAD ({})` |", &head[..12])),
        "{text}"
    );
    assert!(
        text.contains("| 🔴 critical | 1 |\n| 🟠 warning | 0 |\n| 🔵 info | 1 |"),
        "{text}"
    );
    assert!(
        text.contains(
            "- **changed** column `app.users.email`: type character varying(100) -> text"
        ),
        "{text}"
    );
    assert!(text.contains("  ```diff\n"), "{text}");

    // The pull-request body of a nightly branch: what that commit changed.
    let body = repo
        .schemagit(&[
            "snapshot",
            "--branch",
            "nightly",
            "--format",
            "markdown",
            "--database-url",
            &url,
        ])
        .success()
        .stdout;
    assert!(
        body.starts_with("## Schema snapshot of default\n"),
        "{body}"
    );
    assert!(!body.contains("secret"), "{body}");
    let nightly = repo.git(&["rev-parse", "nightly"]);
    assert!(
        body.contains(&format!("| Commit | `{} on nightly` |", &nightly[..12])),
        "{body}"
    );
    assert!(
        body.contains("**2 changes: 1 critical, 0 warnings, 1 info**"),
        "{body}"
    );
}

/// A local HTTP git remote that refuses every request with `401`, answering at most `limit`
/// connections, for 30 s at most and until 3 s pass without one after the first; the thread returns how many
/// requests it refused.
fn refusing_remote(limit: usize) -> (String, std::thread::JoinHandle<usize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/app.git", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    let server = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut refused = 0;
        let mut last = std::time::Instant::now();
        while refused < limit
            && std::time::Instant::now() < deadline
            && (refused == 0 || last.elapsed() < std::time::Duration::from_secs(3))
        {
            let Ok((mut stream, _)) = listener.accept() else {
                std::thread::sleep(std::time::Duration::from_millis(20));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            let mut request = Vec::new();
            let mut byte = [0u8; 1];
            while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                request.push(byte[0]);
            }
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            refused += 1;
            last = std::time::Instant::now();
        }
        refused
    });
    (url, server)
}

#[test]
fn a_remote_that_refuses_every_credential_ends_the_push_and_an_unreachable_one_too() {
    let db = database();
    let repo = Repo::new();
    let (url, server) = refusing_remote(50);
    let output = hermetic(Command::new(env!("CARGO_BIN_EXE_schemagit")))
        .args(["snapshot", "--branch", "nightly", "--push", &url])
        .args(["--database-url", &cluster().url(&db)])
        .env("GITHUB_TOKEN", "not-a-real-token")
        .env_remove("SSH_AUTH_SOCK")
        .current_dir(repo.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(5), "{stderr}");
    let first = stderr.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("error: push of nightly to {url}: authentication failed (tried the token in GITHUB_TOKEN/GIT_TOKEN")),
        "{stderr}"
    );
    assert!(!stderr.contains("not-a-real-token"), "{stderr}");
    let refused = server.join().unwrap();
    assert!(refused < 50, "the remote was asked {refused} times");
    assert!(
        repo.git(&["rev-parse", "nightly"]).len() > 12,
        "the commit stays"
    );

    cluster().execute(&db, "ALTER TABLE app.users ADD COLUMN name text;");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/app.git", closed.local_addr().unwrap());
    drop(closed);
    let run = repo.schemagit(&[
        "snapshot",
        "--branch",
        "nightly",
        "--push",
        &dead,
        "--database-url",
        &cluster().url(&db),
    ]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(&format!(
            "error: push of nightly to {dead}: cannot reach the remote"
        )),
        "{}",
        run.stderr
    );
}
