//! The command line's contract end to end: exit codes for each kind of failure, first and empty
//! histories, what human output says and how it looks, closed pipes, `--dry-run` writing
//! nothing, and the commit message telling the same story as `check`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{cluster, fixtures, hermetic, run_schemagit, Repo, Run};

const FOLDER: &str = "snapshots/default";

/// A database with one table, and a repository whose HEAD holds its snapshot.
fn snapshotted() -> (String, Repo) {
    let db = cluster().fresh_database("cli");
    cluster().execute(&db, "CREATE TABLE public.items (id bigint PRIMARY KEY);");
    let repo = Repo::new();
    repo.schemagit(&["snapshot", "--database-url", &cluster().url(&db)])
        .success();
    (db, repo)
}

/// schemagit with `vars` set on top of the hermetic environment and `unset` removed from it.
fn run_with(dir: &Path, args: &[&str], unset: &[&str]) -> Run {
    let mut command = hermetic(Command::new(env!("CARGO_BIN_EXE_schemagit")));
    command.args(args).current_dir(dir);
    for var in unset {
        command.env_remove(var);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// Asserts the exit code, one `error:` line containing `expected` and a `hint:`.
fn assert_error(run: &Run, code: i32, expected: &str) {
    assert_eq!(
        run.code, code,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains(expected), "{}", run.stderr);
}

#[test]
fn malformed_urls_and_missing_migration_folders_are_bad_arguments() {
    let (_db, repo) = snapshotted();
    for url in ["mysql://x", "postgres://[bad"] {
        let run = repo.schemagit(&["snapshot", "--database-url", url]);
        assert_error(&run, 3, "");
        assert!(run.stderr.contains("\nhint: "), "{}", run.stderr);
        let run = repo.schemagit(&["check", "--database-url", url]);
        assert_error(&run, 3, "");
    }
    let run = repo.schemagit(&["snapshot", "--from-migrations", "nowhere"]);
    assert_error(&run, 3, "migrations directory");
    assert!(run.stderr.contains("\nhint: "), "{}", run.stderr);
    let run = repo.schemagit(&["diff", "HEAD", "migrations:nowhere"]);
    assert_error(&run, 3, "migrations directory");
    assert_eq!(repo.commit_count(), 2, "nothing was committed");
}

/// Runs schemagit with stdout a pipe whose reading end is already closed, as `| head -c0`.
fn into_closed_pipe(dir: &Path, args: &[&str]) -> Run {
    let (reader, writer) = nix::unistd::pipe().unwrap();
    drop(reader);
    let output = hermetic(Command::new(env!("CARGO_BIN_EXE_schemagit")))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let (db, repo) = snapshotted();
    cluster().execute(&db, "CREATE TABLE public.more (id int);");
    let url = cluster().url(&db);
    for args in [
        &["verify", "--json"][..],
        &["diff", "HEAD", "HEAD"][..],
        &["check", "--database-url", &url][..],
    ] {
        let run = into_closed_pipe(repo.path(), args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains("error") && !run.stderr.contains("Broken pipe"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn the_first_snapshot_commit_diffs_as_everything_added() {
    let db = cluster().fresh_database("first");
    cluster().execute(&db, "CREATE TABLE public.items (id bigint PRIMARY KEY);");
    let url = cluster().url(&db);
    // HEAD~1 exists but holds no snapshot folder…
    let repo = Repo::new();
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    // …and the snapshot commit is the root commit: HEAD~1 is the empty history before it.
    let root = tempfile::tempdir().unwrap();
    Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .current_dir(root.path())
        .status()
        .unwrap();
    run_schemagit(root.path(), &["snapshot", "--database-url", &url]).success();
    for dir in [repo.path(), root.path()] {
        let run = run_schemagit(dir, &["diff", "--json", "HEAD~1", "HEAD"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let changes = run.json()["changes"].as_array().unwrap().clone();
        assert!(!changes.is_empty());
        assert!(
            changes.iter().all(|c| c["action"] == "added"),
            "{changes:?}"
        );
        assert!(changes.iter().any(|c| c["object"] == "public.items"));
        let back = run_schemagit(dir, &["diff", "--json", "HEAD", "HEAD~1"]);
        assert!(back.json()["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["action"] == "removed"));
    }
    // Two steps before the first commit, or a name that resolves to nothing, is no revision.
    let run = run_schemagit(root.path(), &["diff", "HEAD~2", "HEAD"]);
    assert_error(&run, 5, "unknown revision \"HEAD~2\"");
    let run = run_schemagit(root.path(), &["diff", "no-such-branch", "HEAD"]);
    assert_error(&run, 5, "unknown revision \"no-such-branch\"");
    // Neither side has a snapshot: nothing to compare.
    let run = repo.schemagit(&["diff", "HEAD~1", "HEAD", "--env", "prod"]);
    assert_error(&run, 6, "has no snapshot folder snapshots/prod");
}

#[test]
fn check_without_a_snapshot_says_to_take_one() {
    let db = cluster().fresh_database("nosnap");
    let url = cluster().url(&db);
    let unborn = tempfile::tempdir().unwrap();
    Command::new("git")
        .args(["init", "-q", "-b", "main"])
        .current_dir(unborn.path())
        .status()
        .unwrap();
    let readme_only = Repo::new();
    for dir in [unborn.path(), readme_only.path()] {
        let run = run_schemagit(dir, &["check", "--database-url", &url]);
        assert_error(&run, 6, "no snapshot to check against");
        assert_eq!(run.stderr.lines().count(), 2, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("\nhint: run `schemagit snapshot` first"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn human_output_says_what_was_compared_and_counts_in_words() {
    let (db, repo) = snapshotted();
    cluster().execute(
        &db,
        "CREATE TABLE public.more (id int); CREATE INDEX items_id_idx ON public.items (id);
         CREATE INDEX items_id_desc_idx ON public.items (id DESC);",
    );
    let url = cluster().url(&db);
    let run = repo.schemagit(&["check", "--database-url", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let header = format!("check default: postgresql://{}@", cluster().user);
    assert!(
        run.stderr.starts_with(&header)
            && run
                .stderr
                .ends_with(&format!("/{db} against HEAD:{FOLDER}\n"))
            && run.stderr.lines().count() == 1,
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .ends_with("\n3 changes: 1 critical, 2 warnings, 0 info\n"),
        "{}",
        run.stdout
    );
    let diff = repo.schemagit(&["diff", "HEAD", FOLDER]).success();
    assert_eq!(diff.stderr, format!("diff: HEAD:{FOLDER} → {FOLDER}\n"));
    // --quiet leaves only the data; --json keeps stdout JSON.
    let quiet = repo.schemagit(&["--quiet", "check", "--database-url", &url]);
    assert_eq!((quiet.code, quiet.stderr.as_str()), (1, ""));
    let json = repo.schemagit(&["check", "--json", "--database-url", &url]);
    assert_eq!(json.json()["summary"]["warning"], 2);
}

#[test]
fn colour_follows_the_flag_then_no_color_then_the_terminal() {
    let (db, repo) = snapshotted();
    cluster().execute(&db, "CREATE TABLE public.more (id int);");
    let url = cluster().url(&db);
    let check = |color: &[&str], unset: &[&str]| {
        let mut args = color.to_vec();
        args.extend(["check", "--database-url", &url]);
        let run = run_with(repo.path(), &args, unset);
        assert_eq!(run.code, 1, "{}", run.stderr);
        run.stdout.contains('\x1b')
    };
    assert!(check(&["--color", "always"], &["NO_COLOR"]));
    assert!(
        check(&["--color", "always"], &[]),
        "the flag wins over NO_COLOR"
    );
    assert!(!check(&["--color", "never"], &["NO_COLOR"]));
    assert!(!check(&[], &["NO_COLOR"]), "auto: not a terminal");
    assert!(!check(&["--color", "auto"], &[]));
}

#[test]
fn a_failed_migration_is_exit_7_naming_the_file_and_line() {
    let repo = Repo::new();
    let dir = repo.path().join("db");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("0001_items.sql"), "CREATE TABLE items (id int);\n").unwrap();
    std::fs::write(
        dir.join("0002_broken.sql"),
        "-- a comment\nCREATE TABLE ok (id int);\n\nCREATE TABLEX broken (id int);\n",
    )
    .unwrap();
    let run = repo.schemagit(&["snapshot", "--from-migrations", "db"]);
    assert_error(&run, 7, "db/0002_broken.sql failed at line 4: syntax error");
    assert_eq!(repo.commit_count(), 1);
}

#[test]
fn an_unreadable_file_is_exit_8_with_its_cause() {
    let repo = Repo::new();
    let dir = repo.path().join("db");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("0001_items.sql"), b"CREATE TABLE \xff (id int);\n").unwrap();
    let run = repo.schemagit(&["snapshot", "--from-migrations", "db"]);
    assert_error(&run, 8, "could not read migration");
    assert!(
        run.stderr
            .contains("\ncaused by: stream did not contain valid UTF-8\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn output_that_cannot_be_written_is_exit_8_naming_stdout() {
    let (_db, repo) = snapshotted();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = hermetic(Command::new(env!("CARGO_BIN_EXE_schemagit")))
        .args(["verify", "--json"])
        .current_dir(repo.path())
        .stdout(Stdio::from(full))
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(8), "{stderr}");
    assert!(
        stderr.starts_with(
            "error: cannot write to standard output\ncaused by: No space left on device"
        ),
        "{stderr}"
    );
}

#[test]
fn a_git_failure_is_exit_5() {
    let (_db, repo) = snapshotted();
    let run = repo.schemagit(&["verify", "--rev", "v9.9"]);
    assert_error(&run, 5, "unknown revision \"v9.9\"");
    assert!(run.stderr.contains("\nhint: "), "{}", run.stderr);
}

/// Every file under the git directory, with its size: objects, refs, the index, logs.
fn git_files(repo: &Repo) -> Vec<(String, u64)> {
    let git = repo.path().join(".git");
    walkdir::WalkDir::new(&git)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let path = e.path().strip_prefix(&git).unwrap().display().to_string();
            (path, e.metadata().unwrap().len())
        })
        .collect()
}

#[test]
fn a_dry_run_writes_nothing() {
    let (db, repo) = snapshotted();
    cluster().execute(&db, "CREATE TABLE public.more (id int);");
    let url = cluster().url(&db);
    let fresh = Repo::new();
    for repo in [&repo, &fresh] {
        let git_before = git_files(repo);
        let index_before = std::fs::read(repo.path().join(".git/index")).unwrap();
        let tree_before = repo.git(&["ls-files", "--stage"]);
        let report = repo
            .schemagit(&["snapshot", "--dry-run", "--json", "--database-url", &url])
            .success()
            .json();
        assert_eq!(report["dry_run"], true);
        assert!(report["commit"].is_null());
        assert!(report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["object"] == "public.more"));
        assert_eq!(git_files(repo), git_before, "nothing added under .git");
        assert_eq!(
            std::fs::read(repo.path().join(".git/index")).unwrap(),
            index_before
        );
        assert_eq!(repo.git(&["ls-files", "--stage"]), tree_before);
        assert_eq!(repo.git(&["status", "--porcelain"]), "", "no file written");
    }
    assert!(!fresh.path().join("snapshots").exists());
}

#[test]
fn a_login_role_with_only_connect_snapshots() {
    let db = cluster().database_from("readonly", &fixtures("kinds"));
    cluster().execute(
        &db,
        &format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'connect_only') THEN
                 CREATE ROLE connect_only LOGIN;
               END IF;
             END $$;
             GRANT CONNECT ON DATABASE {db} TO connect_only;"
        ),
    );
    let cluster = cluster();
    let url = format!(
        "host={} port={} user=connect_only dbname={db}",
        cluster.socket_dir.display(),
        cluster.port
    );
    let repo = Repo::new();
    let report = repo
        .schemagit(&["snapshot", "--json", "--database-url", &url])
        .success()
        .json();
    assert!(report["commit"].is_string(), "{report}");
    assert!(report["objects"].as_u64().unwrap() > 10, "{report}");
    repo.schemagit(&["verify"]).success();
    let check = repo.schemagit(&["check", "--json", "--database-url", &url]);
    assert_eq!(check.code, 0, "{}", check.stderr);
}

#[test]
fn the_commit_message_leaves_out_what_check_ignores() {
    let (db, repo) = snapshotted();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[ignore]\nkinds = [\"comment\"]\n",
    )
    .unwrap();
    repo.git(&["add", "schemagit.toml"]);
    repo.git(&["commit", "-q", "-m", "config"]);
    cluster().execute(
        &db,
        "COMMENT ON TABLE public.items IS 'what we sell'; ALTER TABLE public.items ADD COLUMN name text;",
    );
    let url = cluster().url(&db);
    let check = repo.schemagit(&["check", "--json", "--database-url", &url]);
    let kinds: Vec<String> = check.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["column"]);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("schema(default): 1 change, 1 critical\n\nCritical:\n  added column public.items.name: "),
        "{message}"
    );
    assert!(!message.contains("comment"), "{message}");
}

/// What schemagit drew on a terminal (util-linux `script` gives it one for stdin, stdout and
/// stderr), whatever its exit code, with `NO_COLOR` set as everywhere in the tests; `None` where
/// `script` is missing.
fn on_a_terminal(dir: &Path, args: &[&str]) -> Option<String> {
    let quoted = |word: &str| format!("'{}'", word.replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_schemagit"))
        .chain(args.iter().copied())
        .map(quoted)
        .collect();
    let output = hermetic(Command::new("script"))
        .args(["-qefc", &line.join(" "), "/dev/null"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The `done/all unit` counters a progress bar drew, in order.
fn counters(drawn: &str, unit: &str) -> Vec<(u32, u32)> {
    let marker = format!(" {unit} ");
    drawn
        .match_indices(&marker)
        .filter_map(|(at, _)| {
            let counter = drawn[..at].rsplit(' ').next()?;
            let (done, all) = counter.split_once('/')?;
            Some((done.parse().ok()?, all.parse().ok()?))
        })
        .collect()
}

#[test]
fn long_work_draws_a_progress_bar_on_a_terminal_and_nothing_elsewhere() {
    let test = "long_work_draws_a_progress_bar_on_a_terminal_and_nothing_elsewhere";
    let (db, repo) = snapshotted();
    let url = cluster().url(&db);
    cluster().execute(&db, "CREATE TABLE public.more (id int);");
    let Some(drawn) = on_a_terminal(repo.path(), &["snapshot", "--database-url", &url]) else {
        common::skip_without_tool(test, "util-linux `script` is not installed");
        return;
    };
    // The read's queries, counted up to the whole read; then the bar is gone and the report
    // follows.
    let read = counters(&drawn, "queries");
    assert!(!read.is_empty(), "no bar on a terminal: {drawn:?}");
    let all = read[0].1;
    assert!(all > 10, "{read:?}");
    assert!(
        read.iter().all(|&(done, of)| of == all && done <= all),
        "{read:?}"
    );
    assert!(read.windows(2).all(|w| w[0].0 <= w[1].0), "{read:?}");
    assert!(drawn.contains("committed "), "{drawn:?}");
    // --json and --quiet draw nothing, even on a terminal; nor does a run off a terminal.
    cluster().execute(&db, "CREATE TABLE public.again (id int);");
    for args in [
        &["check", "--json", "--database-url", &url][..],
        &["snapshot", "--quiet", "--dry-run", "--database-url", &url][..],
    ] {
        let drawn = on_a_terminal(repo.path(), args).unwrap();
        assert!(
            counters(&drawn, "queries").is_empty(),
            "{args:?}: {drawn:?}"
        );
    }
    let run = repo.schemagit(&["snapshot", "--database-url", &url]);
    assert!(
        !run.stderr.contains("queries") && !run.stderr.contains('\r'),
        "{}",
        run.stderr
    );
    // A fleet counts its databases.
    let tenant = format!("{db}_tenant");
    cluster().execute("postgres", &format!("CREATE DATABASE {tenant}"));
    let drawn = on_a_terminal(
        repo.path(),
        &[
            "snapshot",
            "--databases",
            &format!("{db}*"),
            "--database-url",
            &url,
        ],
    )
    .unwrap();
    let fleet = counters(&drawn, "databases");
    assert!(!fleet.is_empty(), "{drawn:?}");
    assert!(
        fleet.iter().all(|&(done, all)| all == 2 && done <= 2),
        "{drawn:?}"
    );
}
