//! The DDL audit trail: installed by `schemagit audit install` in a real database, fed by real
//! roles' DDL, read back through the log, the SQL API, `check` and the snapshot commit.

mod common;

use std::sync::OnceLock;

use common::{cluster, runtime, session, Repo, Run};
use serde_json::Value;

/// The roles of these tests, created once for the cluster: a person making manual changes, a
/// deploy role whose name marks its sessions as migrations (the person may act as it), and a
/// role that may create in a database but is no superuser.
fn roles() {
    static CREATED: OnceLock<()> = OnceLock::new();
    CREATED.get_or_init(|| {
        cluster().execute(
            "postgres",
            "CREATE ROLE audit_alice LOGIN;
             CREATE ROLE audit_deployer LOGIN;
             CREATE ROLE audit_plain LOGIN;
             GRANT audit_deployer TO audit_alice;",
        );
    });
}

/// A fresh database where every test role may create objects in `public`.
fn database(hint: &str) -> String {
    roles();
    let db = cluster().fresh_database(hint);
    cluster().execute(
        &db,
        &format!(
            "GRANT CREATE ON DATABASE {db} TO audit_plain;
             GRANT CREATE, USAGE ON SCHEMA public TO audit_alice, audit_deployer, audit_plain;"
        ),
    );
    db
}

/// A connection string for `dbname` as `role`, with `application_name`.
fn url_as(role: &str, dbname: &str, application: &str) -> String {
    let cluster = cluster();
    format!(
        "host={} port={} user={role} dbname={dbname} application_name={application}",
        cluster.socket_dir.display(),
        cluster.port
    )
}

/// Runs `sql` in `dbname` as `role` from `application`, in one simple-query message.
fn run_as(role: &str, dbname: &str, application: &str, sql: &str) {
    let runtime = runtime();
    let client = session(&runtime, &url_as(role, dbname, application), sql);
    drop(client);
}

/// One query's rows, as text, as the superuser.
fn rows(dbname: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let runtime = runtime();
    let client = session(&runtime, &cluster().url(dbname), "");
    runtime.block_on(async {
        let rows = client
            .simple_query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
        rows.into_iter()
            .filter_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    })
}

fn one(dbname: &str, sql: &str) -> String {
    rows(dbname, sql)[0][0].clone().unwrap_or_default()
}

fn audit(repo: &Repo, db: &str, args: &[&str]) -> Run {
    let url = cluster().url(db);
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--database-url", &url]);
    repo.schemagit(&all)
}

fn install(repo: &Repo, db: &str) {
    let run = audit(repo, db, &["install"]).success();
    assert!(
        run.stdout
            .starts_with("installed the audit trail (version 2)"),
        "{}",
        run.stdout
    );
}

/// `audit log --json` with `extra` filters.
fn log(repo: &Repo, db: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["log", "--json"];
    args.extend_from_slice(extra);
    let run = audit(repo, db, &args).success();
    run.json().as_array().unwrap().clone()
}

fn find<'a>(events: &'a [Value], tag: &str, identity: &str) -> &'a Value {
    events
        .iter()
        .find(|e| e["command_tag"] == tag && e["object_identity"] == identity)
        .unwrap_or_else(|| panic!("no {tag} {identity} in {events:#?}"))
}

#[test]
fn manual_and_migration_changes_are_attributed_and_drops_logged() {
    let db = database("attributed");
    let repo = Repo::new();
    install(&repo, &db);
    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE TABLE public.by_hand (id int)",
    );
    run_as(
        "audit_deployer",
        &db,
        "deploy-script",
        "CREATE TABLE public.by_role (id int)",
    );
    run_as(
        "audit_alice",
        &db,
        "flyway",
        "CREATE TABLE public.by_tool (id int)",
    );
    run_as(
        "audit_alice",
        &db,
        "psql",
        "SET schemagit.migration = 'on'; CREATE TABLE public.by_setting (id int)",
    );
    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE TEMP TABLE scratch (id int); CREATE INDEX ON scratch (id); DROP TABLE scratch",
    );
    run_as("audit_alice", &db, "psql", "DROP TABLE public.by_tool");
    // Another role's DDL after SET ROLE is the role it acted as (alice is a member of it).
    run_as(
        "audit_alice",
        &db,
        "psql",
        "SET ROLE audit_deployer; CREATE SEQUENCE public.as_deployer",
    );

    // The trail's own schema is never logged, whoever changes it.
    cluster().execute(
        &db,
        "COMMENT ON TABLE schemagit.schema_drift_log IS 'notes';
         CREATE INDEX ON schemagit.schema_drift_log (command_tag);",
    );

    let events = log(&repo, &db, &[]);
    assert!(
        events.iter().all(|e| e["schema_name"] != "schemagit"
            && !e["statement"]
                .as_str()
                .unwrap_or("")
                .contains("schema_drift_log")),
        "{events:#?}"
    );
    let by_hand = find(&events, "CREATE TABLE", "public.by_hand");
    assert_eq!(by_hand["session_user_name"], "audit_alice");
    assert_eq!(by_hand["current_user_name"], "audit_alice");
    assert_eq!(by_hand["application_name"], "psql");
    assert_eq!(by_hand["event_type"], "ddl_command_end");
    assert_eq!(by_hand["object_type"], "table");
    assert_eq!(by_hand["schema_name"], "public");
    assert_eq!(by_hand["statement"], "CREATE TABLE public.by_hand (id int)");
    assert_eq!(by_hand["is_migration"], false);
    assert!(by_hand["transaction_id"].is_string() && by_hand["backend_pid"].is_number());
    for identity in ["public.by_role", "public.by_tool", "public.by_setting"] {
        assert_eq!(
            find(&events, "CREATE TABLE", identity)["is_migration"],
            true,
            "{identity}"
        );
    }
    let dropped = find(&events, "DROP TABLE", "public.by_tool");
    assert_eq!(dropped["event_type"], "sql_drop");
    assert_eq!(dropped["session_user_name"], "audit_alice");
    assert_eq!(dropped["is_migration"], false);
    let sequence = find(&events, "CREATE SEQUENCE", "public.as_deployer");
    assert_eq!(sequence["session_user_name"], "audit_alice");
    assert_eq!(sequence["current_user_name"], "audit_deployer");
    assert_eq!(sequence["is_migration"], true);
    assert!(
        !events
            .iter()
            .any(|e| e["statement"].as_str().unwrap_or("").contains("scratch")),
        "a temporary object was logged: {events:#?}"
    );

    // The filters.
    let manual = log(&repo, &db, &["--manual"]);
    let manual_tags: Vec<(&str, &str)> = manual
        .iter()
        .map(|e| {
            (
                e["command_tag"].as_str().unwrap(),
                e["object_identity"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        manual_tags,
        [
            ("CREATE TABLE", "public.by_hand"),
            ("DROP TABLE", "public.by_tool")
        ]
    );
    let deployer = log(&repo, &db, &["--user", "audit_deployer"]);
    assert_eq!(deployer.len(), 2, "{deployer:#?}");
    assert!(log(&repo, &db, &["--until", "1h"]).is_empty());
    assert_eq!(log(&repo, &db, &["--since", "1h"]).len(), events.len());
    assert!(log(&repo, &db, &["--since", "2999-01-01"]).is_empty());
    let bad = audit(&repo, &db, &["log", "--since", "last tuesday"]);
    assert_eq!(bad.code, 3, "{}", bad.stderr);
    assert!(
        bad.stderr
            .starts_with("error: --since \"last tuesday\" is neither an age"),
        "{}",
        bad.stderr
    );

    // The human log: one line per event, who, how, what.
    let human = audit(&repo, &db, &["log", "--manual"]).success().stdout;
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines.len(), 2, "{human}");
    assert!(
        lines[0].ends_with(
            "  manual     audit_alice (psql)  CREATE TABLE public.by_hand: CREATE TABLE public.by_hand (id int)"
        ),
        "{human}"
    );
}

#[test]
fn migration_patterns_come_from_schemagit_toml() {
    let db = database("patterns");
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[audit]\nmigration_applications = [\"release-*\"]\nmigration_roles = []\n",
    )
    .unwrap();
    install(&repo, &db);
    run_as(
        "audit_alice",
        &db,
        "release-42",
        "CREATE TABLE public.released (id int)",
    );
    run_as(
        "audit_deployer",
        &db,
        "flyway",
        "CREATE TABLE public.not_a_tool_here (id int)",
    );
    let events = log(&repo, &db, &[]);
    assert_eq!(
        find(&events, "CREATE TABLE", "public.released")["is_migration"],
        true
    );
    assert_eq!(
        find(&events, "CREATE TABLE", "public.not_a_tool_here")["is_migration"],
        false
    );
    // The printed SQL carries the same settings, for a team that ships it as a migration.
    let sql = repo.schemagit(&["audit", "sql"]).success().stdout;
    assert!(sql.starts_with("-- schemagit DDL audit trail, version 2"));
    assert!(sql.contains("VALUES ('migration_applications', ARRAY['release-*']::text[])"));
    let uninstall = repo
        .schemagit(&["audit", "sql", "--uninstall"])
        .success()
        .stdout;
    assert!(uninstall.contains("DROP SCHEMA IF EXISTS schemagit CASCADE;"));
    // Run as a migration of its own, it installs the same trail.
    let shipped = database("shipped");
    cluster().execute(&shipped, &format!("BEGIN;\n{sql}\nCOMMIT;"));
    let status = audit(&repo, &shipped, &["status", "--json"]).success();
    assert_eq!(status.json()["version"], 2);
    run_as(
        "audit_alice",
        &shipped,
        "release-7",
        "CREATE TABLE public.t (id int)",
    );
    assert_eq!(
        find(&log(&repo, &shipped, &[]), "CREATE TABLE", "public.t")["is_migration"],
        true
    );
}

#[test]
fn a_password_is_never_stored() {
    let db = database("passwords");
    let repo = Repo::new();
    install(&repo, &db);
    // Role statements fire no event trigger, but they travel in one query string with DDL
    // that does, and the log stores the query string.
    cluster().execute(
        &db,
        "CREATE ROLE audit_secret_a LOGIN PASSWORD 'hunter2-b'; CREATE TABLE public.t2 (id int);
         ALTER ROLE audit_secret_a WITH ENCRYPTED PASSWORD 'hunter2-c' VALID UNTIL 'infinity'; CREATE TABLE public.t3 (id int);
         CREATE FOREIGN DATA WRAPPER audit_wrapper;
         CREATE SERVER audit_server FOREIGN DATA WRAPPER audit_wrapper;
         CREATE USER MAPPING FOR PUBLIC SERVER audit_server OPTIONS (user 'remote', password 'hunter2-d');
         ALTER USER MAPPING FOR PUBLIC SERVER audit_server OPTIONS (SET password 'hunter2-e');",
    );
    cluster().execute(
        &db,
        &format!(
            "CREATE SUBSCRIPTION audit_sub_{db} CONNECTION 'host=/nonexistent dbname=x password=hunter2-f'
               PUBLICATION p WITH (connect = false);
             DROP ROLE audit_secret_a;"
        ),
    );
    let everything = rows(
        &db,
        "SELECT string_agg(l::text, E'\\n') FROM schemagit.schema_drift_log l",
    );
    let stored = everything[0][0].clone().unwrap_or_default();
    for secret in [
        "hunter2-b",
        "hunter2-c",
        "hunter2-d",
        "hunter2-e",
        "hunter2-f",
    ] {
        assert!(!stored.contains(secret), "{secret} stored:\n{stored}");
    }
    assert!(stored.contains("PASSWORD '<redacted>'"), "{stored}");
    assert!(stored.contains("password=<redacted>"), "{stored}");
    assert!(stored.contains("CREATE USER MAPPING"), "{stored}");
    assert!(stored.contains("CREATE SUBSCRIPTION"), "{stored}");
}

#[test]
fn the_sql_api_answers() {
    let db = database("api");
    let repo = Repo::new();
    install(&repo, &db);
    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE TABLE public.orders (id int); ALTER TABLE public.orders ALTER id TYPE bigint; DROP TABLE public.orders",
    );
    run_as(
        "audit_deployer",
        &db,
        "psql",
        "CREATE TABLE public.deployed (id int)",
    );
    cluster().execute(
        &db,
        "UPDATE schemagit.schema_drift_log SET executed_at = now() - interval '8 days'
          WHERE object_identity = 'public.deployed'",
    );
    let recent = rows(
        &db,
        "SELECT command_tag, object_identity FROM schemagit.v_recent_schema_changes ORDER BY id",
    );
    assert!(recent
        .iter()
        .all(|r| r[1].as_deref() != Some("public.deployed")));
    assert_eq!(recent.len(), 4, "{recent:?}");
    let manual = rows(
        &db,
        "SELECT command_tag, current_user_name FROM schemagit.detect_unauthorized_schema_changes(1)
          WHERE event_type <> 'table_rewrite'",
    );
    assert_eq!(
        manual,
        [
            vec![Some("CREATE TABLE".into()), Some("audit_alice".into())],
            vec![Some("ALTER TABLE".into()), Some("audit_alice".into())],
            vec![Some("DROP TABLE".into()), Some("audit_alice".into())],
        ]
    );
    let alerts = rows(
        &db,
        "SELECT level, alert, detail FROM schemagit.check_schema_drift_alerts()",
    );
    let levels: Vec<(&str, &str)> = alerts
        .iter()
        .map(|a| (a[0].as_deref().unwrap(), a[2].as_deref().unwrap()))
        .collect();
    assert_eq!(
        levels,
        [
            ("critical", "audit_alice ran DROP TABLE on public.orders"),
            ("warning", "audit_alice ran CREATE TABLE on public.orders"),
            ("warning", "audit_alice ran ALTER TABLE on public.orders"),
            ("info", "ALTER TABLE rewrote public.orders"),
        ]
    );
    cluster().execute(&db, "ALTER EVENT TRIGGER schemagit_audit_drop DISABLE");
    let first = rows(
        &db,
        "SELECT level, alert, detail FROM schemagit.check_schema_drift_alerts() LIMIT 1",
    );
    assert_eq!(
        first[0],
        [
            Some("critical".into()),
            Some("audit trigger disabled".into()),
            Some("event trigger schemagit_audit_drop does not log DDL".into())
        ]
    );
}

#[test]
fn a_failure_inside_the_logging_never_blocks_the_ddl() {
    let db = database("failing");
    let repo = Repo::new();
    install(&repo, &db);
    cluster().execute(
        &db,
        "ALTER TABLE schemagit.schema_drift_log ADD CONSTRAINT refuse CHECK (false) NOT VALID",
    );
    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE TABLE public.still (id int)",
    );
    assert_eq!(
        one(&db, "SELECT count(*) FROM pg_class WHERE relname = 'still'"),
        "1"
    );
    assert_eq!(
        one(&db, "SELECT count(*) FROM schemagit.schema_drift_log"),
        "0"
    );
}

#[test]
fn prune_keeps_recent_rows_and_archive_moves_old_ones() {
    let db = database("prune");
    let repo = Repo::new();
    install(&repo, &db);
    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE TABLE public.a (id int); CREATE TABLE public.b (id int); CREATE TABLE public.c (id int); CREATE TABLE public.d (id int)",
    );
    cluster().execute(
        &db,
        "UPDATE schemagit.schema_drift_log SET executed_at = now() - interval '100 days'
          WHERE object_identity IN ('public.a', 'public.b');
         UPDATE schemagit.schema_drift_log SET executed_at = now() - interval '50 days'
          WHERE object_identity = 'public.c';",
    );
    let bad = audit(&repo, &db, &["prune", "--older-than", "90 days"]);
    assert_eq!(bad.code, 3, "{}", bad.stderr);
    let run = audit(&repo, &db, &["prune", "--older-than", "90d"]).success();
    assert_eq!(run.stdout, "deleted 2 events older than 90 days\n");
    let left = rows(
        &db,
        "SELECT object_identity FROM schemagit.schema_drift_log ORDER BY id",
    );
    assert_eq!(
        left,
        [vec![Some("public.c".into())], vec![Some("public.d".into())]]
    );
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM schemagit.schema_drift_log_archive"
        ),
        "0"
    );

    let run = audit(&repo, &db, &["prune", "--older-than", "30d", "--archive"]).success();
    assert_eq!(
        run.stdout,
        "moved 1 event older than 30 days into schemagit.schema_drift_log_archive\n"
    );
    assert_eq!(
        rows(
            &db,
            "SELECT object_identity, session_user_name, statement IS NOT NULL FROM schemagit.schema_drift_log_archive"
        ),
        [vec![
            Some("public.c".into()),
            Some("audit_alice".into()),
            Some("t".into())
        ]]
    );
    assert_eq!(
        one(
            &db,
            "SELECT string_agg(object_identity, ',') FROM schemagit.schema_drift_log"
        ),
        "public.d"
    );
}

#[test]
fn uninstall_leaves_nothing_and_ddl_still_works() {
    let db = database("uninstall");
    let repo = Repo::new();
    let before = one(
        &db,
        "SELECT (SELECT count(*) FROM pg_namespace) || '/' || (SELECT count(*) FROM pg_proc) || '/' || (SELECT count(*) FROM pg_event_trigger)",
    );
    install(&repo, &db);
    let again = audit(&repo, &db, &["install"]).success();
    assert!(
        again.stdout.contains("was already installed"),
        "{}",
        again.stdout
    );
    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE TABLE public.kept (id int)",
    );
    let run = audit(&repo, &db, &["uninstall"]).success();
    assert!(
        run.stdout.contains("with its 1 logged event\n"),
        "{}",
        run.stdout
    );
    let after = one(
        &db,
        "SELECT (SELECT count(*) FROM pg_namespace) || '/' || (SELECT count(*) FROM pg_proc) || '/' || (SELECT count(*) FROM pg_event_trigger)",
    );
    assert_eq!(after, before);
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'schemagit'"
        ),
        "0"
    );
    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE TABLE public.after (id int); DROP TABLE public.kept",
    );
    let status = audit(&repo, &db, &["status"]).success();
    assert!(
        status.stdout.starts_with("audit trail: not installed"),
        "{}",
        status.stdout
    );
    let twice = audit(&repo, &db, &["uninstall"]).success();
    assert!(twice.stdout.contains("nothing to remove"));
    let log = audit(&repo, &db, &["log"]);
    assert_eq!(log.code, 4, "{}", log.stderr);
    assert!(log
        .stderr
        .starts_with("error: the audit trail is not installed in this database\n"));
}

#[test]
fn install_is_refused_for_a_non_superuser_with_nothing_changed() {
    let db = database("refused");
    let repo = Repo::new();
    let url = url_as("audit_plain", &db, "psql");
    let run = repo.schemagit(&["audit", "install", "--database-url", &url]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    let first = run.stderr.lines().next().unwrap();
    assert!(
        first.starts_with("error: installing the audit trail needs a superuser")
            && first.contains("role audit_plain may not"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: nothing was changed"));
    assert_eq!(
        one(
            &db,
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'schemagit'"
        ),
        "0"
    );
    assert_eq!(one(&db, "SELECT count(*) FROM pg_event_trigger"), "0");
    // The role may create schemas here: the refusal is the event trigger's, and it rolled back
    // the schema created before it.
    run_as(
        "audit_plain",
        &db,
        "psql",
        "CREATE SCHEMA mine; DROP SCHEMA mine",
    );
    let status = audit(&repo, &db, &["status"]).success();
    assert!(status.stdout.starts_with("audit trail: not installed"));
    // Nor may it remove a trail a superuser installed.
    install(&repo, &db);
    let run = repo.schemagit(&["audit", "uninstall", "--database-url", &url]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: removing the audit trail needs a superuser"),
        "{}",
        run.stderr
    );
    assert_eq!(one(&db, "SELECT count(*) FROM pg_event_trigger"), "3");
}

#[test]
fn an_upgrade_from_an_older_install_keeps_the_log() {
    let db = database("upgrade");
    let repo = Repo::new();
    let v1 = common::fixtures("audit_v1");
    cluster().execute(&db, &std::fs::read_to_string(&v1[0]).unwrap());
    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE TABLE public.old (id int)",
    );
    let status = audit(&repo, &db, &["status", "--json"]);
    assert_eq!(
        status.code, 1,
        "two triggers are missing: {}{}",
        status.stdout, status.stderr
    );
    assert_eq!(status.json()["version"], 1);
    let outdated = audit(&repo, &db, &["log"]);
    assert_eq!(outdated.code, 4, "{}", outdated.stderr);
    assert_eq!(
        outdated.stderr,
        "error: this database holds audit trail version 1, older than version 2, whose log this schemagit reads\nhint: `schemagit audit install` upgrades it in place, keeping the log\n"
    );

    let run = audit(&repo, &db, &["install"]).success();
    assert_eq!(
        run.stdout.split(" in ").next().unwrap(),
        "upgraded the audit trail",
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .ends_with(" from version 1 to version 2; its log is kept\n"));
    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE TABLE public.new (id int); DROP TABLE public.old",
    );
    let events = log(&repo, &db, &[]);
    let old = find(&events, "CREATE TABLE", "public.old");
    assert_eq!(old["session_user_name"], "audit_alice");
    assert_eq!(old["transaction_id"], Value::Null);
    let new = find(&events, "CREATE TABLE", "public.new");
    assert!(new["transaction_id"].is_string());
    assert_eq!(
        find(&events, "DROP TABLE", "public.old")["event_type"],
        "sql_drop"
    );
    let status = audit(&repo, &db, &["status", "--json"]).success();
    assert_eq!(
        status.json(),
        serde_json::json!({
            "installed": true,
            "version": 2,
            "triggers": [
                {"name": "schemagit_audit_ddl", "state": "enabled"},
                {"name": "schemagit_audit_drop", "state": "enabled"},
                {"name": "schemagit_audit_rewrite", "state": "enabled"}
            ],
            "events": 3
        })
    );
}

#[test]
fn the_snapshot_commit_names_who_changed_what_and_check_reports_manual_changes() {
    let db = database("attribution");
    let repo = Repo::new();
    let url = cluster().url(&db);
    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE TABLE public.first (id int)",
    );
    // Without the trail, nothing is different.
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(!message.contains("Schema-Audit") && !message.contains("Changed"));

    install(&repo, &db);
    let unchanged = repo
        .schemagit(&["snapshot", "--database-url", &url])
        .success();
    assert!(
        unchanged.stdout.contains("\nunchanged: "),
        "the trail is not part of the schema: {}",
        unchanged.stdout
    );
    let check = repo.schemagit(&["check", "--json", "--database-url", &url]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);

    run_as(
        "audit_alice",
        &db,
        "psql",
        "CREATE INDEX first_id_idx ON public.first (id)",
    );
    run_as(
        "audit_deployer",
        &db,
        "dbmate",
        "CREATE TABLE public.second (id int)",
    );
    // check names the person who made the manual change; the migration is no finding.
    let check = repo.schemagit(&["check", "--json", "--database-url", &url]);
    assert_eq!(check.code, 1, "{}\n{}", check.stdout, check.stderr);
    let changes = check.json()["changes"].as_array().unwrap().clone();
    let audit_findings: Vec<&Value> = changes.iter().filter(|c| c["kind"] == "audit").collect();
    assert_eq!(audit_findings.len(), 1, "{changes:#?}");
    assert_eq!(audit_findings[0]["severity"], "critical");
    assert_eq!(audit_findings[0]["object"], "public.first_id_idx");
    let detail = audit_findings[0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(
            "manual change since the snapshot: CREATE INDEX public.first_id_idx by audit_alice (psql) at "
        ) && detail.ends_with(": CREATE INDEX first_id_idx ON public.first (id)"),
        "{detail}"
    );

    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.contains("\nChanged by (audit log):\n  "),
        "{message}"
    );
    assert!(
        message.contains(" audit_alice (psql), manual: CREATE INDEX public.first_id_idx: CREATE INDEX first_id_idx ON public.first (id)\n"),
        "{message}"
    );
    assert!(
        message.contains(" audit_deployer (dbmate), migration: CREATE TABLE public.second: CREATE TABLE public.second (id int)\n"),
        "{message}"
    );
    let trailers = repo.git(&[
        "log",
        "-1",
        "--format=%(trailers:key=Schema-Changed-By,valueonly)",
    ]);
    assert_eq!(
        trailers.trim_end(),
        "audit_alice (manual, 1 event)\naudit_deployer (migration, 1 event)"
    );
    // schemagit log says who, for the commit and for the table a manual change touched.
    let log = repo
        .schemagit(&["log", "-n", "1", "--json"])
        .success()
        .json();
    assert_eq!(
        log[0]["changed_by"],
        serde_json::json!([
            "audit_alice (manual, 1 event)",
            "audit_deployer (migration, 1 event)"
        ])
    );
    let log = repo.schemagit(&["log", "public.first"]).success();
    assert!(
        log.stdout
            .contains("\n  changed by audit_alice (manual, 1 event)\n"),
        "{}",
        log.stdout
    );
    let snapshot_trailer = repo.git(&[
        "log",
        "-1",
        "--format=%(trailers:key=Schema-Audit-Snapshot,valueonly)",
    ]);
    assert!(snapshot_trailer.trim().contains(':'), "{snapshot_trailer}");
    // The snapshot holds nothing of the trail.
    let files = repo.git(&["ls-tree", "-r", "--name-only", "HEAD", "snapshots/default"]);
    assert!(!files.contains("schemagit"), "{files}");

    // Right after the snapshot, check is clean: what it attributed is not reported again.
    let check = repo.schemagit(&["check", "--json", "--database-url", &url]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);

    // The next snapshot cites only what came after the last one.
    run_as("audit_alice", &db, "psql", "DROP TABLE public.second");
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let message = repo.git(&["log", "-1", "--format=%B"]);
    let cited: Vec<&str> = message
        .lines()
        .skip_while(|l| *l != "Changed by (audit log):")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(cited.len(), 1, "{message}");
    assert!(
        cited[0].ends_with(
            " audit_alice (psql), manual: DROP TABLE public.second: DROP TABLE public.second"
        ),
        "{message}"
    );

    // A disabled audit trigger is itself critical.
    cluster().execute(&db, "ALTER EVENT TRIGGER schemagit_audit_ddl DISABLE");
    let check = repo.schemagit(&["check", "--json", "--database-url", &url]);
    assert_eq!(check.code, 1, "{}\n{}", check.stdout, check.stderr);
    assert_eq!(
        check.json()["changes"],
        serde_json::json!([{
            "severity": "critical", "kind": "audit", "object": "schemagit_audit_ddl",
            "action": "changed",
            "detail": "audit event trigger disabled: schema changes are not being logged"
        }])
    );
    let status = audit(&repo, &db, &["status"]);
    assert_eq!(status.code, 1);
    assert!(
        status
            .stdout
            .contains("\n  schemagit_audit_ddl      disabled\n"),
        "{}",
        status.stdout
    );
}

#[test]
fn a_role_that_may_not_read_the_log_still_snapshots_with_a_warning() {
    let db = database("unreadable_log");
    let repo = Repo::new();
    install(&repo, &db);
    run_as("audit_alice", &db, "psql", "CREATE TABLE public.t (id int)");
    let reader = url_as("audit_plain", &db, "psql");
    let run = repo
        .schemagit(&["snapshot", "--database-url", &reader])
        .success();
    assert!(
        run.stderr
            .contains("warning: the audit trail could not be read, so the commit names no one: ")
            && run
                .stderr
                .contains("role audit_plain may not read the audit log schemagit.schema_drift_log"),
        "{}",
        run.stderr
    );
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(!message.contains("Schema-Audit"), "{message}");
    // Once granted, the same role reads it.
    cluster().execute(
        &db,
        "GRANT USAGE ON SCHEMA schemagit TO audit_plain;
         GRANT SELECT ON schemagit.schema_drift_log TO audit_plain;",
    );
    run_as("audit_alice", &db, "psql", "CREATE TABLE public.u (id int)");
    let run = repo
        .schemagit(&["snapshot", "--database-url", &reader])
        .success();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    // The previous commit has no record of what its read saw, so its time is where this one
    // starts (to the second: public.t may be cited again).
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.contains(
            " audit_alice (psql), manual: CREATE TABLE public.u: CREATE TABLE public.u (id int)\n"
        ) && message.contains("Schema-Changed-By: audit_alice (manual, "),
        "{message}"
    );
}
