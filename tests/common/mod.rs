//! Shared harness for the integration tests: one throwaway PostgreSQL cluster per test binary,
//! a fresh database per test, fresh git repositories, and the compiled binary run hermetically.

#![allow(dead_code)] // each test binary uses its own part of the harness

pub mod changes;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, OnceLock};

use schemagit::ephemeral::EphemeralPostgres;

/// What the tests need to know about the cluster.
pub struct Cluster {
    pub socket_dir: PathBuf,
    pub port: u16,
    pub user: String,
    pub bin_dir: PathBuf,
    pub data_dir: PathBuf,
    /// The server's major version (13, 14, …).
    pub major: u32,
}

/// The one cluster of this test binary. It is started on a thread that lives as long as the
/// process, because the server's parent-death signal follows the thread that started it, and
/// it is torn down when the process exits.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let server = EphemeralPostgres::start()
                .expect("PostgreSQL server binaries are needed for the integration tests");
            sender
                .send(Cluster {
                    socket_dir: server.socket_dir().to_path_buf(),
                    port: server.port(),
                    user: server.superuser().to_string(),
                    bin_dir: server.bin_dir().to_path_buf(),
                    data_dir: server.data_dir().to_path_buf(),
                    major: server
                        .server_version()
                        .split(|c: char| !c.is_ascii_digit())
                        .next()
                        .and_then(|major| major.parse().ok())
                        .expect("postgres --version names a major version"),
                })
                .expect("the test thread waits for the cluster");
            std::mem::forget(server);
            loop {
                std::thread::park();
            }
        });
        let cluster = receiver
            .recv()
            .expect("the cluster thread sends its cluster");
        record_server(&cluster);
        cluster
    })
}

/// Adds `<major> <bin dir>` to `target/tmp/servers-used.txt`, from which `.ci/run` checks that
/// each run was on the PostgreSQL version it promises.
fn record_server(cluster: &Cluster) {
    append_line(
        "servers-used.txt",
        &format!("{} {}\n", cluster.major, cluster.bin_dir.display()),
    );
}

impl Cluster {
    /// Whether the committed `snapshots/dev/` can be compared byte for byte with what this
    /// server builds: PostgreSQL 13 deparses some expressions and procedure signatures
    /// differently from 14 and later (`timezone('UTC', x)` for `x AT TIME ZONE 'UTC'`, no `IN`
    /// in a procedure's argument list), and the snapshot was recorded on a newer server.
    pub fn deparses_like_the_committed_snapshot(&self, test: &str) -> bool {
        if self.major < 14 {
            skip(
                test,
                "this server deparses differently from the committed snapshots/dev",
            );
            return false;
        }
        true
    }

    /// A key=value connection string for `dbname`.
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "host={} port={} user={} dbname={dbname}",
            self.socket_dir.display(),
            self.port,
            self.user
        )
    }

    /// Runs SQL (many statements) in `dbname`.
    pub fn execute(&self, dbname: &str, sql: &str) {
        let url = self.url(dbname);
        runtime().block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("connect to {dbname}: {e}"));
            let task = tokio::spawn(connection);
            client
                .batch_execute(sql)
                .await
                .unwrap_or_else(|e| panic!("SQL failed in {dbname}: {e:?}\n{sql}"));
            drop(client);
            let _ = task.await;
        });
    }

    /// A new, empty database with a unique name.
    pub fn fresh_database(&self, hint: &str) -> String {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let name = format!("{hint}_{}", COUNTER.fetch_add(1, Ordering::Relaxed));
        self.execute("postgres", &format!("CREATE DATABASE {name}"));
        name
    }

    /// A new database holding the fixture files, applied in the given order. One load at a
    /// time: the fixtures create cluster-wide roles, and two concurrent `IF NOT EXISTS` guards
    /// can both decide to create the same role.
    pub fn database_from(&self, hint: &str, files: &[PathBuf]) -> String {
        static LOADING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one_at_a_time = LOADING.lock().unwrap_or_else(|e| e.into_inner());
        let name = self.fresh_database(hint);
        for file in files {
            let sql = std::fs::read_to_string(file).unwrap();
            self.execute(&name, &sql);
        }
        name
    }

    /// Runs one of the cluster's client programs (pg_dump, pg_restore, …).
    pub fn tool(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command
            .env("PGHOST", &self.socket_dir)
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", &self.user);
        command
    }
}

/// Says that `test` cannot run on this server, and why: on stderr, and as a line of
/// `target/tmp/skipped-tests.txt`, which `.ci/run` prints after each server version's run, so a
/// case a version cannot run is skipped by name, visibly.
pub fn skip(test: &str, reason: &str) {
    record_skip(&format!(
        "skipped on PostgreSQL {}: {test}: {reason}\n",
        cluster().major
    ));
}

/// Says that `test` cannot run on this machine, and why, the way [`skip`] does: for a test that
/// needs a tool other than PostgreSQL, and so must never be skipped in CI, where `.ci/run`
/// installs it.
pub fn skip_without_tool(test: &str, reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {reason}; CI must install it (.ci/run)"
    );
    record_skip(&format!("skipped: {test}: {reason}\n"));
}

fn record_skip(line: &str) {
    eprint!("{line}");
    append_line("skipped-tests.txt", line);
}

fn append_line(file: &str, line: &str) {
    use std::io::Write;
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(file);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.write_all(line.as_bytes()).unwrap();
}

/// A session on `url` that has run `sql` and stays open, with whatever transaction and locks
/// that left, until it is dropped or told otherwise; its connection runs on `runtime`.
pub fn session(runtime: &tokio::runtime::Runtime, url: &str, sql: &str) -> tokio_postgres::Client {
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("connect to {url}: {e}"));
        tokio::spawn(connection);
        client
            .batch_execute(sql)
            .await
            .unwrap_or_else(|e| panic!("SQL failed: {e:?}\n{sql}"));
        client
    })
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The fixture files of a folder under tests/fixtures, in name order.
pub fn fixtures(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// A fresh git repository with one commit holding a README.
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repo { dir };
        repo.git(&["init", "-q", "-b", "main"]);
        std::fs::write(repo.path().join("README.md"), "hello\n").unwrap();
        repo.git(&["add", "README.md"]);
        repo.git(&["commit", "-q", "-m", "initial"]);
        repo
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git in the repository and returns its stdout; panics when git fails.
    pub fn git(&self, args: &[&str]) -> String {
        let output = hermetic(Command::new("git"))
            .args(args)
            .current_dir(self.path())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs schemagit in the repository.
    pub fn schemagit(&self, args: &[&str]) -> Run {
        run_schemagit(self.path(), args)
    }

    pub fn commit_count(&self) -> usize {
        self.git(&["rev-list", "--count", "HEAD"])
            .trim()
            .parse()
            .unwrap()
    }
}

/// git and schemagit without the user's configuration or database environment.
pub fn hermetic(mut command: Command) -> Command {
    for var in [
        "DATABASE_URL",
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGPASSWORD",
        "PGDATABASE",
        "PGSSLMODE",
        "PGPASSFILE",
        "SLACK_WEBHOOK_URL",
        "SMTP_USERNAME",
        "SMTP_PASSWORD",
    ] {
        command.env_remove(var);
    }
    command
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("NO_COLOR", "1");
    command
}

/// The result of one schemagit run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run_schemagit(dir: &Path, args: &[&str]) -> Run {
    run_schemagit_with(dir, args, &[])
}

/// Runs schemagit with these variables set on top of the hermetic environment.
pub fn run_schemagit_with(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let output: Output = hermetic(Command::new(env!("CARGO_BIN_EXE_schemagit")))
        .args(args)
        .envs(vars.iter().copied())
        .current_dir(dir)
        .output()
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

impl Run {
    pub fn success(self) -> Run {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }
}

/// A copy of `template` (no session may be connected to it) with `sql` run in it.
pub fn copy_database(template: &str, hint: &str, sql: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!("{hint}_{}", COUNTER.fetch_add(1, Ordering::Relaxed));
    let subscriptions = subscriptions_again(template);
    cluster().execute(
        "postgres",
        &format!("CREATE DATABASE {name} TEMPLATE {template}"),
    );
    if !subscriptions.is_empty() {
        cluster().execute(&name, &subscriptions);
    }
    if !sql.is_empty() {
        cluster().execute(&name, sql);
    }
    name
}

/// The statements that make a database's subscriptions again, read from the shared catalog
/// (`$1` is the database): each with its connection, publications, slot, options, owner,
/// comment and enabled state, never connecting.
const SUBSCRIPTIONS_AGAIN: &str = "
SELECT format('CREATE SUBSCRIPTION %I CONNECTION %L PUBLICATION %s WITH (connect = false, slot_name = %s%s)',
              s.subname, s.subconninfo,
              (SELECT string_agg(quote_ident(p), ', ') FROM unnest(s.subpublications) AS p),
              COALESCE(quote_literal(s.subslotname), 'NONE'),
              (SELECT string_agg(', ' || o.option || ' = ' || o.value, '' ORDER BY o.option)
                 FROM (VALUES
                   ('binary', to_jsonb(s) ->> 'subbinary'),
                   ('streaming', CASE to_jsonb(s) ->> 'substream' WHEN 'true' THEN 'on' WHEN 't' THEN 'on'
                                                                 WHEN 'p' THEN 'parallel' WHEN 'false' THEN 'off'
                                                                 WHEN 'f' THEN 'off' END),
                   ('synchronous_commit', quote_literal(s.subsynccommit)),
                   ('two_phase', CASE to_jsonb(s) ->> 'subtwophasestate' WHEN 'd' THEN 'false'
                                                                        WHEN 'p' THEN 'true' WHEN 'e' THEN 'true' END),
                   ('disable_on_error', to_jsonb(s) ->> 'subdisableonerr'),
                   ('origin', quote_literal(to_jsonb(s) ->> 'suborigin')),
                   ('password_required', to_jsonb(s) ->> 'subpasswordrequired'),
                   ('run_as_owner', to_jsonb(s) ->> 'subrunasowner'),
                   ('failover', to_jsonb(s) ->> 'subfailover')) AS o(option, value)
                WHERE o.value IS NOT NULL))
       || format('; ALTER SUBSCRIPTION %I OWNER TO %I', s.subname, pg_get_userbyid(s.subowner))
       || COALESCE(format('; COMMENT ON SUBSCRIPTION %I IS %L', s.subname,
                          shobj_description(s.oid, 'pg_subscription')), '')
       || CASE WHEN s.subenabled THEN format('; ALTER SUBSCRIPTION %I ENABLE', s.subname) ELSE '' END
  FROM pg_subscription s
 WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = $1)";

/// `CREATE DATABASE … TEMPLATE` copies no subscription (they live in a shared catalog): the
/// statements that make `template`'s again, read from another database so that the template
/// has no session while it is copied.
fn subscriptions_again(template: &str) -> String {
    let url = cluster().url("postgres");
    runtime().block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|e| panic!("connect to postgres: {e}"));
        let task = tokio::spawn(connection);
        let rows = client
            .query(SUBSCRIPTIONS_AGAIN, &[&template])
            .await
            .unwrap_or_else(|e| panic!("reading the subscriptions of {template}: {e:?}"));
        drop(client);
        let _ = task.await;
        rows.iter()
            .map(|row| row.get::<_, String>(0))
            .collect::<Vec<_>>()
            .join(";\n")
    })
}

/// Drops a database, with the subscriptions in it (they block DROP DATABASE).
pub fn drop_database(name: &str) {
    let subscriptions = "DO $$
         DECLARE s name;
         BEGIN
           FOR s IN SELECT subname FROM pg_subscription
                     WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           LOOP
             EXECUTE format('ALTER SUBSCRIPTION %I DISABLE', s);
             EXECUTE format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', s);
             EXECUTE format('DROP SUBSCRIPTION %I', s);
           END LOOP;
         END $$";
    cluster().execute(name, subscriptions);
    cluster().execute(
        "postgres",
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
}

/// Runs a `plan --json` output's statements in `dbname` as `schemagit` runs a plan: each run of
/// transactional statements in one transaction. Returns the failing statement and error.
pub fn apply_plan(dbname: &str, plan: &serde_json::Value) -> Result<(), String> {
    let url = cluster().url(dbname);
    let statements = plan["statements"].as_array().cloned().unwrap_or_default();
    runtime().block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .map_err(|e| e.to_string())?;
        let task = tokio::spawn(connection);
        let mut open = false;
        let mut result = Ok(());
        for statement in &statements {
            let transactional = statement["transactional"].as_bool().unwrap_or(true);
            let sql = statement["sql"].as_str().unwrap_or_default();
            if transactional != open {
                let edge = if open { "COMMIT" } else { "BEGIN" };
                if let Err(e) = client.batch_execute(edge).await {
                    result = Err(format!("{edge}: {e}"));
                    break;
                }
                open = transactional;
            }
            if let Err(e) = client.batch_execute(sql).await {
                let reason = e
                    .as_db_error()
                    .map_or(e.to_string(), |d| d.message().to_string());
                result = Err(format!("{sql}\n  failed: {reason}"));
                break;
            }
        }
        if result.is_ok() && open {
            result = client
                .batch_execute("COMMIT")
                .await
                .map_err(|e| e.to_string());
        }
        drop(client);
        let _ = task.await;
        result
    })
}

/// The fingerprint `snapshot` would record for `dbname` now.
pub fn fingerprint_of(repo: &Repo, dbname: &str) -> String {
    let url = cluster().url(dbname);
    repo.schemagit(&["snapshot", "--dry-run", "--json", "--database-url", &url])
        .success()
        .json()["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Plans between the schema of `base` and the schema `change` makes of a copy of it, both
/// ways, and applies each plan to a real copy of its starting database: the result must have
/// exactly the other side's fingerprint. Also a plan between equal schemas must be empty.
/// Returns what went wrong, or `None`.
pub fn plan_round_trip(base: &str, change: &str) -> Option<String> {
    let a = copy_database(base, "plan_a", "");
    let b = match std::panic::catch_unwind(|| copy_database(base, "plan_b", change)) {
        Ok(b) => b,
        Err(_) => {
            drop_database(&a);
            return Some("the change itself failed".into());
        }
    };
    let repo = Repo::new();
    for db in [&a, &b] {
        let url = cluster().url(db);
        repo.schemagit(&["snapshot", "--database-url", &url])
            .success();
    }
    let mut problem = None;
    if repo.commit_count() != 3 {
        problem = Some("the change did not change the schema".to_string());
    }
    let same = repo
        .schemagit(&["plan", "HEAD", "HEAD", "--json"])
        .success()
        .json();
    if problem.is_none() && same["statements"] != serde_json::json!([]) {
        problem = Some(format!("a plan between equal schemas is not empty: {same}"));
    }
    for (from, from_rev, to_rev) in [(&a, "HEAD~1", "HEAD"), (&b, "HEAD", "HEAD~1")] {
        if problem.is_some() {
            break;
        }
        let plan = repo
            .schemagit(&["plan", from_rev, to_rev, "--json"])
            .success()
            .json();
        let script = repo.schemagit(&["plan", from_rev, to_rev]).success().stdout;
        if plan["statements"].as_array().map_or(0, Vec::len) == 0 {
            problem = Some(format!("plan {from_rev} {to_rev} is empty"));
            break;
        }
        let target = copy_database(from, "plan_run", "");
        if let Err(error) = apply_plan(&target, &plan) {
            problem = Some(format!(
                "plan {from_rev} {to_rev} failed at\n  {error}\n{script}"
            ));
        } else {
            let manifest =
                repo.git(&["show", &format!("{to_rev}:snapshots/default/manifest.json")]);
            let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
            if fingerprint_of(&repo, &target)
                != manifest["fingerprint"].as_str().unwrap_or_default()
            {
                let url = cluster().url(&target);
                let diff = repo.schemagit(&["diff", to_rev, &url]).stdout;
                problem = Some(format!(
                    "plan {from_rev} {to_rev} ran but did not arrive:\n{diff}\n{script}"
                ));
            }
        }
        drop_database(&target);
    }
    drop_database(&a);
    drop_database(&b);
    problem
}

/// Runs `plan_round_trip` for every case on a few threads and fails once, listing every case
/// that went wrong. A first line `-- PostgreSQL 15+` skips a case on older servers.
pub fn plan_round_trips(test: &str, base: &str, cases: &[&str]) {
    let major = |sql: &str| -> u32 {
        sql.strip_prefix("-- PostgreSQL ")
            .and_then(|rest| rest.split('+').next())
            .and_then(|m| m.parse().ok())
            .unwrap_or(0)
    };
    let runnable: Vec<&str> = cases
        .iter()
        .copied()
        .filter(|sql| {
            let ok = major(sql) <= cluster().major;
            if !ok {
                skip(
                    &format!("{test}: {sql}"),
                    "the case needs a newer PostgreSQL",
                );
            }
            ok
        })
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = runnable.get(i) else { break };
                if let Some(problem) = plan_round_trip(base, case) {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("== {case}\n{problem}"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} cases do not round-trip:\n{}",
        failures.len(),
        runnable.len(),
        failures.join("\n\n")
    );
}

/// `schemagit restore` builds the schema of `base` from nothing into an empty database, with
/// the same fingerprint.
pub fn plan_restores(base: &str) {
    let repo = Repo::new();
    let url = cluster().url(base);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let empty = cluster().fresh_database("restored");
    let target = cluster().url(&empty);
    let restored = repo.schemagit(&["restore", "HEAD", "--database-url", &target]);
    let script = repo.schemagit(&["plan", "empty", "HEAD"]).stdout;
    assert_eq!(restored.code, 0, "{}\n{script}", restored.stderr);
    assert_eq!(fingerprint_of(&repo, &empty), fingerprint_of(&repo, base));
    drop_database(&empty);
}
