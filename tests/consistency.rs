//! A snapshot is a state the database was really in: DDL committed while the catalog is read
//! is never mixed into it, and the read fits in a lock table smaller than the schema.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{cluster, hermetic, Repo};
use schemagit::ephemeral::EphemeralPostgres;

const FUNCTION_FILE: &str = "snapshots/default/public/functions/f().json";

/// Returns once a schemagit session in `url`'s database waits for a lock (other tests read other
/// databases of the same server at the same time), with the start time of the read that
/// waits: each read is a transaction on each of its sessions, the first session's the
/// earliest (the others join its snapshot).
fn wait_until_the_read_waits(runtime: &tokio::runtime::Runtime, url: &str) -> String {
    let watcher = common::session(runtime, url, "");
    let started = Instant::now();
    loop {
        let waiting: Option<String> = runtime.block_on(async {
            watcher
                .query_one(
                    "SELECT min(xact_start)::text FROM pg_stat_activity
                      WHERE application_name = 'schemagit' AND datname = current_database()
                        AND xact_start IS NOT NULL
                     HAVING bool_or(wait_event_type = 'Lock')",
                    &[],
                )
                .await
                .ok()
                .map(|row| row.get(0))
        });
        if let Some(read) = waiting {
            return read;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the read never waited"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn_snapshot(repo: &Repo, url: &str) -> Child {
    hermetic(Command::new(env!("CARGO_BIN_EXE_schemagit")))
        .args(["snapshot", "--database-url", url])
        .current_dir(repo.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The number in `SELECT n`-style text: the state a definition or comment belongs to.
fn state_in(text: &str) -> Option<u32> {
    text.split(|c: char| !c.is_ascii_digit())
        .rfind(|part| !part.is_empty())?
        .parse()
        .ok()
}

/// The states that the function's body and its comment, the view's query and the column
/// default each say a committed snapshot is of.
fn states_at(repo: &Repo, commit: &str) -> Vec<Option<u32>> {
    let read = |path: &str| -> serde_json::Value {
        serde_json::from_str(&repo.git(&["show", &format!("{commit}:{path}")])).unwrap()
    };
    let function = read(FUNCTION_FILE);
    let body: Vec<String> = function["definition"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap().to_string())
        .filter(|line| line.contains("SELECT"))
        .collect();
    let view = read("snapshots/default/public/views/v.json");
    let view_query: Vec<String> = view["definition"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap().to_string())
        .collect();
    let table = read("snapshots/default/public/tables/t.json");
    let default = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "c")
        .unwrap()["default"]
        .as_str()
        .unwrap()
        .to_string();
    vec![
        state_in(&body.join(" ")),
        function["comment"].as_str().and_then(state_in),
        state_in(&view_query.join(" ")),
        state_in(&default),
    ]
}

/// One transaction that moves the function and its comment to state `n`.
fn function_state_sql(n: u32) -> String {
    format!(
        "BEGIN;
         CREATE OR REPLACE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT {n}';
         COMMENT ON FUNCTION public.f() IS 'state {n}';
         COMMIT;"
    )
}

/// One transaction that moves every stateful object to state `n`.
fn state_sql(n: u32) -> String {
    format!(
        "BEGIN;
         CREATE OR REPLACE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT {n}';
         COMMENT ON FUNCTION public.f() IS 'state {n}';
         CREATE OR REPLACE VIEW public.v AS SELECT {n}::int AS n FROM public.t;
         ALTER TABLE public.t ALTER COLUMN c SET DEFAULT {n};
         COMMIT;"
    )
}

fn stateful_database(hint: &str) -> String {
    let db = cluster().fresh_database(hint);
    cluster().execute(
        &db,
        &format!("CREATE TABLE public.t (id int, c int);\n{}", state_sql(1)),
    );
    db
}

/// Snapshots `db` into a new repository while `during` runs: the read is made to wait for a
/// lock on `public.t` (deparsing the view over it needs one), `during` runs while it waits,
/// then the lock goes. Returns the repository, whether the run succeeded, and its stderr.
fn snapshot_while_the_read_waits(db: &str, during: impl FnOnce()) -> (Repo, bool, String) {
    snapshot_with_settings_while_the_read_waits(db, "", during)
}

/// [`snapshot_while_the_read_waits`] with `settings` added to `schemagit.toml`.
fn snapshot_with_settings_while_the_read_waits(
    db: &str,
    settings: &str,
    during: impl FnOnce(),
) -> (Repo, bool, String) {
    let url = cluster().url(db);
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        format!("lock_timeout_ms = 60000\n{settings}"),
    )
    .unwrap();
    let runtime = common::runtime();
    let holder = common::session(
        &runtime,
        &url,
        "BEGIN; LOCK TABLE public.t IN ACCESS EXCLUSIVE MODE",
    );
    let child = spawn_snapshot(&repo, &url);
    wait_until_the_read_waits(&runtime, &url);
    during();
    runtime.block_on(async { holder.batch_execute("ROLLBACK").await.unwrap() });
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (repo, output.status.success(), stderr)
}

#[test]
fn ddl_committed_while_the_read_waits_for_a_lock_is_never_mixed_in() {
    let db = stateful_database("mixed");
    // While the read waits, one transaction changes a function and its comment together.
    let (repo, succeeded, stderr) =
        snapshot_while_the_read_waits(&db, || cluster().execute(&db, &function_state_sql(2)));
    assert!(succeeded, "{stderr}");
    assert!(
        stderr.contains("note: DDL committed while the catalog was read; it was read 2 times"),
        "{stderr}"
    );
    let states = states_at(&repo, "HEAD");
    assert_eq!(
        states,
        vec![Some(2), Some(2), Some(1), Some(1)],
        "the committed snapshot mixes states (function body, its comment, view, default)"
    );
}

#[test]
fn ddl_committed_while_a_one_session_read_waits_is_never_mixed_in() {
    // One session judges its read by the stamp it takes first, not by looking from another.
    let db = stateful_database("mixed_one");
    let (repo, succeeded, stderr) =
        snapshot_with_settings_while_the_read_waits(&db, "connections = 1\n", || {
            cluster().execute(&db, &function_state_sql(2))
        });
    assert!(succeeded, "{stderr}");
    assert!(
        stderr.contains("note: DDL committed while the catalog was read; it was read 2 times"),
        "{stderr}"
    );
    assert_eq!(
        states_at(&repo, "HEAD"),
        vec![Some(2), Some(2), Some(1), Some(1)],
        "the committed snapshot mixes states (function body, its comment, view, default)"
    );
}

#[test]
fn databases_and_roles_made_elsewhere_on_the_server_are_not_ddl_here() {
    let db = stateful_database("elsewhere");
    // While the read waits: another database, a comment on it, a new role.
    let (_repo, succeeded, stderr) = snapshot_while_the_read_waits(&db, || {
        let other = cluster().fresh_database("elsewhere_other");
        cluster().execute(
            "postgres",
            &format!(
                "COMMENT ON DATABASE {other} IS 'not ours';
                 DO $$ BEGIN
                   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'elsewhere_role') THEN
                     CREATE ROLE elsewhere_role;
                   END IF;
                 END $$;"
            ),
        );
    });
    assert!(succeeded, "{stderr}");
    assert!(
        !stderr.contains("DDL committed"),
        "read again for nothing: {stderr}"
    );
}

#[test]
fn temporary_objects_and_table_rewrites_made_elsewhere_are_not_ddl() {
    let db = stateful_database("rewrites");
    cluster().execute(
        &db,
        "CREATE TABLE public.u (id int PRIMARY KEY, body text);
         INSERT INTO public.u SELECT g, repeat('x', 3000) FROM generate_series(1, 50) g;
         ALTER TABLE public.u CLUSTER ON u_pkey;
         CREATE TABLE public.w (id serial PRIMARY KEY);
         INSERT INTO public.w DEFAULT VALUES;
         CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql
           AS 'BEGIN RETURN NEW; END';",
    );
    let url = cluster().url(&db);
    let runtime = common::runtime();
    // A session of the application's, whose temporary objects outlive the snapshot.
    let application = common::session(&runtime, &url, "");
    let (_repo, succeeded, stderr) = snapshot_while_the_read_waits(&db, || {
        // One statement at a time: VACUUM cannot run in a transaction block.
        for statement in [
            "TRUNCATE public.w RESTART IDENTITY",
            "VACUUM FULL public.u",
            "CLUSTER public.u",
            "REINDEX TABLE public.u",
            "TRUNCATE public.u",
            "CREATE TEMP TABLE scratch (id serial PRIMARY KEY, at timestamptz DEFAULT now(),
               note text CHECK (note <> ''))",
            "CREATE INDEX ON scratch (at)",
            "CREATE TEMP VIEW scratch_ids AS SELECT s.id FROM scratch s JOIN public.u USING (id)",
            "CREATE TRIGGER scratch_touch BEFORE INSERT ON scratch
               FOR EACH ROW EXECUTE FUNCTION public.touch()",
            "ALTER TABLE scratch ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY scratch_policy ON scratch USING (true)",
            "COMMENT ON TABLE scratch IS 'scratch'",
            "COMMENT ON COLUMN scratch.note IS 'note'",
            "CREATE TEMP TABLE scratch_child () INHERITS (public.u)",
            "CREATE FUNCTION pg_temp.scratch_count() RETURNS bigint LANGUAGE sql
               AS 'SELECT count(*) FROM scratch'",
        ] {
            runtime.block_on(async { application.batch_execute(statement).await.unwrap() });
        }
    });
    assert!(succeeded, "{stderr}");
    assert!(
        !stderr.contains("DDL committed"),
        "read again for nothing: {stderr}"
    );
    drop(application);
}

/// Snapshots `db` while every read is made to wait for a lock on `public.t`, and commits a
/// change of the function while each one waits: no read finishes on the state it started on.
#[test]
fn ddl_committed_during_every_read_fails_with_exit_4_after_five_reads() {
    let db = stateful_database("kept_changing");
    let url = cluster().url(&db);
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "lock_timeout_ms = 60000\n",
    )
    .unwrap();
    let runtime = common::runtime();
    let lock = "BEGIN; LOCK TABLE public.t IN ACCESS EXCLUSIVE MODE";
    let holder = common::session(&runtime, &url, lock);
    let child = spawn_snapshot(&repo, &url);
    // A read may wait for the table more than once; the function changes once per read.
    let mut reads = Vec::new();
    while reads.len() < 5 {
        let read = wait_until_the_read_waits(&runtime, &url);
        if !reads.contains(&read) {
            reads.push(read);
            cluster().execute(&db, &function_state_sql(reads.len() as u32 + 1));
        }
        // Locking again waits for the read to let go of the table, and is queued before the
        // read asks for it again.
        let release = if reads.len() < 5 {
            format!("ROLLBACK; {lock}")
        } else {
            "ROLLBACK".to_string()
        };
        runtime.block_on(async { holder.batch_execute(&release).await.unwrap() });
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(
            "DDL kept changing the schema while it was read: 5 reads in a row saw the catalog change"
        ),
        "{stderr}"
    );
    assert_eq!(repo.commit_count(), 1, "something was committed");
}

#[test]
fn objects_dropped_while_the_read_waits_are_read_again_and_absent() {
    let db = stateful_database("dropped");
    cluster().execute(
        &db,
        "CREATE TABLE public.gone (id int PRIMARY KEY, n int DEFAULT 7 CHECK (n > 0));
         COMMENT ON TABLE public.gone IS 'going';",
    );
    let (repo, succeeded, stderr) = snapshot_while_the_read_waits(&db, || {
        cluster().execute(&db, "DROP FUNCTION public.f(); DROP TABLE public.gone;")
    });
    assert!(succeeded, "{stderr}");
    assert!(
        stderr.contains("note: DDL committed while the catalog was read; it was read 2 times"),
        "{stderr}"
    );
    for symptom in ["unexpected", "reading the catalog", "cache lookup"] {
        assert!(!stderr.contains(symptom), "{symptom}: {stderr}");
    }
    let files = repo.git(&["ls-tree", "-r", "--name-only", "HEAD", "snapshots"]);
    assert!(!files.contains("functions/f()"), "{files}");
    assert!(!files.contains("tables/gone"), "{files}");
    assert!(files.contains("tables/t.json"), "{files}");
}

/// The states the churn loop moves the database through, over and over.
const CHURN_STATES: u32 = 4;

#[test]
fn snapshots_taken_during_ddl_churn_are_each_a_state_the_database_passed_through() {
    let db = stateful_database("churn");
    // Enough of a schema that a read takes long enough for DDL to commit during it.
    let mut tables = String::new();
    for i in 0..40 {
        tables.push_str(&format!(
            "CREATE TABLE public.filler{i} (id int PRIMARY KEY, v text DEFAULT 'x');
             CREATE VIEW public.filler_view{i} AS SELECT id, v FROM public.filler{i};\n"
        ));
    }
    cluster().execute(&db, &tables);
    let url = cluster().url(&db);
    let repo = Repo::new();
    // The fingerprint of each state the loop passes through, taken before it starts.
    let mut fingerprints = Vec::new();
    for n in 1..=CHURN_STATES {
        cluster().execute(&db, &state_sql(n));
        let run = repo
            .schemagit(&["snapshot", "--dry-run", "--json", "--database-url", &url])
            .success();
        fingerprints.push(run.json()["fingerprint"].as_str().unwrap().to_string());
    }
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(
        fingerprints.len(),
        CHURN_STATES as usize,
        "{fingerprints:?}"
    );
    let stop = Arc::new(AtomicBool::new(false));
    let churn = {
        let stop = stop.clone();
        let db = db.clone();
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                cluster().execute(&db, &state_sql(n % CHURN_STATES + 1));
                n += 1;
                std::thread::sleep(Duration::from_millis(300));
            }
        })
    };
    // At least 8 runs, and on until one of them saw DDL commit while it read.
    let (mut runs, mut landed, mut read_again) = (0, 0, 0);
    while runs < 8 || (read_again == 0 && runs < 40) {
        runs += 1;
        let run = repo.schemagit(&["snapshot", "--database-url", &url]);
        match run.code {
            0 => landed += 1,
            4 => assert!(
                run.stderr.contains("DDL kept changing the schema"),
                "an unexplained failure: {}",
                run.stderr
            ),
            code => panic!("exit {code}: {}", run.stderr),
        }
        if run.code == 4
            || run
                .stderr
                .contains("DDL committed while the catalog was read")
        {
            read_again += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    churn.join().unwrap();
    assert!(landed > 0, "no snapshot landed during the churn");
    assert!(
        read_again > 0,
        "no read saw DDL commit while it ran: the test proves nothing"
    );
    let commits = repo.git(&["rev-list", "HEAD", "--", "snapshots"]);
    let commits: Vec<&str> = commits.lines().collect();
    assert!(!commits.is_empty());
    for commit in commits {
        let manifest: serde_json::Value = serde_json::from_str(
            &repo.git(&["show", &format!("{commit}:snapshots/default/manifest.json")]),
        )
        .unwrap();
        let fingerprint = manifest["fingerprint"].as_str().unwrap();
        assert!(
            fingerprints.iter().any(|f| f == fingerprint),
            "{commit} is no state the database passed through: {:?}",
            states_at(&repo, commit)
        );
    }
}

#[test]
fn a_lock_table_smaller_than_the_schema_is_enough() {
    // A shared lock table of about 10 × 10 slots, and a schema of 300 tables and 300 views:
    // deparsing every view in one transaction would hold over 600 relation locks.
    let server = EphemeralPostgres::start_with(&[
        "max_locks_per_transaction=10",
        "max_connections=6",
        "autovacuum_max_workers=1",
        "max_worker_processes=2",
        "max_wal_senders=0",
    ])
    .unwrap();
    let mut sql = String::new();
    for i in 0..300 {
        sql.push_str(&format!(
            "CREATE TABLE public.t{i} (id int PRIMARY KEY, v text);
             CREATE VIEW public.v{i} AS SELECT id, v FROM public.t{i};\n"
        ));
    }
    let runtime = common::runtime();
    common::session(&runtime, &server.url("postgres"), "CREATE DATABASE app");
    let app = common::session(&runtime, &server.url("app"), "");
    // One table at a time: creating them in one transaction would itself need the locks.
    for statement in sql.lines() {
        runtime.block_on(async { app.batch_execute(statement).await.unwrap() });
    }
    let all_at_once = runtime.block_on(async {
        app.batch_execute("BEGIN; SELECT count(pg_get_viewdef(oid)) FROM pg_class WHERE relkind = 'v' AND relnamespace = 'public'::regnamespace")
            .await
    });
    assert!(
        all_at_once.is_err(),
        "the lock table is large enough to deparse every view at once: the test proves nothing"
    );
    runtime.block_on(async { app.batch_execute("ROLLBACK").await.unwrap() });

    let repo = Repo::new();
    let run = repo
        .schemagit(&["snapshot", "--json", "--database-url", &server.url("app")])
        .success();
    assert!(run.json()["commit"].is_string(), "{}", run.stdout);
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repo.path().join("snapshots/default/manifest.json")).unwrap(),
    )
    .unwrap();
    let count = |kind: &str| {
        manifest["objects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["kind"] == kind)
            .count()
    };
    assert_eq!((count("table"), count("view")), (300, 300));
    let view =
        std::fs::read_to_string(repo.path().join("snapshots/default/public/views/v299.json"))
            .unwrap();
    assert!(view.contains("FROM public.t299"), "{view}");
}
