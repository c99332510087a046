//! `schemagit plan` and `schemagit restore` end to end on real servers: plans between releases
//! of real schemas applied to real copies of their databases, schemas restored from nothing,
//! `--verify` in a throwaway PostgreSQL, `--revert` of drift, the online forms under
//! concurrent reads and writes, and what restore refuses.

mod common;

use std::path::{Path, PathBuf};

use common::{cluster, fingerprint_of, Repo};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/plan")
        .join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The example application's migrations, in order.
fn migrations() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_store_round_trips_between_its_releases() {
    let base = cluster().database_from("store_v1", &[fixture("store_v1.sql")]);
    common::plan_round_trips(
        "the_store_round_trips_between_its_releases",
        &base,
        &[&read(&fixture("store_v2.sql"))],
    );
}

/// A column dropped or retyped by hand is the commonest drift: the plan touches only the views
/// that read it, so reverting an added column does not drop and empty a materialized view.
#[test]
fn only_the_views_that_read_a_changed_column_are_made_again() {
    let base = cluster().database_from("store_columns", &[fixture("store_v1.sql")]);
    let drops = |change: &str| -> Vec<String> {
        let changed = common::copy_database(&base, "store_changed", change);
        let plan = Repo::new()
            .schemagit(&[
                "plan",
                &cluster().url(&changed),
                &cluster().url(&base),
                "--json",
            ])
            .success()
            .json();
        common::drop_database(&changed);
        plan["statements"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["sql"].as_str())
            .filter(|sql| sql.starts_with("DROP VIEW") || sql.starts_with("DROP MATERIALIZED VIEW"))
            .map(str::to_string)
            .collect()
    };
    let added = "ALTER TABLE sales.customers ADD COLUMN nickname text;";
    let retyped_unread = "ALTER TABLE sales.customers ALTER COLUMN name TYPE varchar(200);";
    let retyped_read = "ALTER TABLE sales.customers ALTER COLUMN created_at TYPE timestamp;
                        DROP VIEW sales.customer_totals CASCADE;
                        CREATE VIEW sales.customer_totals AS
                          SELECT c.id, c.email, c.created_at, 0::numeric AS spent FROM sales.customers c;";
    assert_eq!(drops(added), Vec::<String>::new());
    assert_eq!(drops(retyped_unread), Vec::<String>::new());
    assert!(
        drops(retyped_read).contains(&"DROP VIEW sales.customer_totals".to_string()),
        "{:?}",
        drops(retyped_read)
    );
    for change in [added, retyped_unread, retyped_read] {
        if let Some(problem) = common::plan_round_trip(&base, change) {
            panic!("{change}: {problem}");
        }
    }
}

#[test]
fn the_example_application_round_trips_between_migration_levels() {
    let files = migrations();
    let (first, rest) = files.split_at(3);
    let base = cluster().database_from("app_early", first);
    let later: String = rest.iter().map(|f| read(f)).collect::<Vec<_>>().join("\n");
    common::plan_round_trips(
        "the_example_application_round_trips_between_migration_levels",
        &base,
        &[&later],
    );
}

#[test]
fn real_schemas_restore_from_nothing_with_the_same_fingerprint() {
    let store = cluster().database_from("store_whole", &[fixture("store_v1.sql")]);
    common::plan_restores(&store);
    let released = common::copy_database(&store, "store_next", &read(&fixture("store_v2.sql")));
    common::plan_restores(&released);
    let app = cluster().database_from("app_whole", &migrations());
    common::plan_restores(&app);
}

#[test]
fn verify_proves_a_plan_in_a_throwaway_server() {
    let db = cluster().database_from("verify_store", &[fixture("store_v1.sql")]);
    let repo = Repo::new();
    let url = cluster().url(&db);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    cluster().execute(&db, &read(&fixture("store_v2.sql")));
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();

    let run = repo
        .schemagit(&["plan", "HEAD~1", "HEAD", "--verify"])
        .success();
    assert!(run.stderr.contains("verified"), "{}", run.stderr);
    assert!(
        run.stdout.contains("-- verified in a throwaway PostgreSQL"),
        "{}",
        run.stdout
    );
    let json = repo
        .schemagit(&["plan", "HEAD~1", "HEAD", "--verify", "--json"])
        .success()
        .json();
    assert_eq!(json["summary"]["verified"], true);
    let statements = json["statements"].as_array().unwrap();
    assert_eq!(json["summary"]["statements"], statements.len());
    for statement in statements {
        assert!(statement["sql"].is_string() && statement["transactional"].is_boolean());
        assert!(statement["hazards"].as_array().is_some());
    }
}

/// A schema PostgreSQL cannot build (a view over a table that is nowhere, in a folder whose
/// hashes were recomputed so it reads as a sound snapshot) fails `--verify` with exit 7 and
/// the statement the server refused.
#[test]
fn verify_reports_a_plan_the_server_refuses() {
    let db = cluster().database_from("verify_refused", &[fixture("store_v1.sql")]);
    let repo = Repo::new();
    let url = cluster().url(&db);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let folder = repo.path().join("snapshots/default");
    let mut files = std::collections::BTreeMap::new();
    for entry in walkdir::WalkDir::new(&folder) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let path = entry.path().strip_prefix(&folder).unwrap();
            files.insert(
                path.to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    let mut schema = schemagit::codec::decode(&files).unwrap();
    let view = schema
        .views
        .iter_mut()
        .find(|v| v.name == "order_totals")
        .unwrap();
    view.definition = vec![
        " SELECT nowhere.id".into(),
        "   FROM nowhere.orders;".into(),
    ];
    let tampered = tempfile::tempdir().unwrap();
    for (path, bytes) in schemagit::codec::encode(schema).unwrap().files {
        let file = tampered.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, bytes).unwrap();
    }
    let run = repo.schemagit(&[
        "plan",
        "HEAD",
        tampered.path().to_str().unwrap(),
        "--verify",
    ]);
    assert_eq!(run.code, 7, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("the plan failed at"), "{}", run.stderr);
    assert!(run.stderr.contains("nowhere"), "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "no plan is printed when it is refused: {}",
        run.stdout
    );
}

#[test]
fn revert_undoes_drift_and_an_empty_drift_plans_nothing() {
    let db = cluster().database_from("revert_store", &[fixture("store_v1.sql")]);
    let repo = Repo::new();
    let url = cluster().url(&db);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let clean = repo
        .schemagit(&["plan", "--revert", "--json", "--database-url", &url])
        .success()
        .json();
    assert_eq!(clean["statements"], serde_json::json!([]));

    cluster().execute(
        &db,
        "DROP POLICY customers_report ON sales.customers;
         ALTER TABLE sales.customers DISABLE ROW LEVEL SECURITY;
         CREATE INDEX customers_name_idx ON sales.customers (name);
         GRANT DELETE ON sales.orders TO store_app;",
    );
    let plan = repo
        .schemagit(&["plan", "--revert", "--json", "--database-url", &url])
        .success()
        .json();
    let kinds: Vec<&str> = plan["statements"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["hazards"].as_array().unwrap())
        .filter_map(|h| h["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"access"), "{plan}");
    common::apply_plan(&db, &plan).unwrap();
    let committed = repo.git(&["show", "HEAD:snapshots/default/manifest.json"]);
    let committed: serde_json::Value = serde_json::from_str(&committed).unwrap();
    assert_eq!(
        fingerprint_of(&repo, &db),
        committed["fingerprint"].as_str().unwrap()
    );
    let check = repo.schemagit(&["check", "--database-url", &url]);
    assert_eq!(check.code, 0, "{}", check.stdout);
}

#[test]
fn restore_refuses_a_database_that_holds_anything_and_leaves_it_as_it_was() {
    let source = cluster().database_from("restore_source", &[fixture("store_v1.sql")]);
    let repo = Repo::new();
    repo.schemagit(&["snapshot", "--database-url", &cluster().url(&source)])
        .success();
    let occupied = cluster().fresh_database("restore_occupied");
    cluster().execute(
        &occupied,
        "CREATE TABLE public.keep (id int); INSERT INTO public.keep VALUES (1);",
    );
    let before = fingerprint_of(&repo, &occupied);
    let run = repo.schemagit(&[
        "restore",
        "HEAD",
        "--database-url",
        &cluster().url(&occupied),
    ]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("is not empty: it holds table public.keep"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr
            .trim()
            .lines()
            .filter(|l| l.starts_with("error"))
            .count(),
        1
    );
    assert_eq!(fingerprint_of(&repo, &occupied), before);
}

#[test]
fn restore_names_the_roles_the_server_lacks_and_builds_nothing() {
    let source = cluster().fresh_database("restore_roles_source");
    cluster().execute(
        &source,
        "CREATE ROLE \"restore gone\" NOLOGIN;
         CREATE TABLE public.kept (id int);
         GRANT SELECT ON public.kept TO \"restore gone\";",
    );
    let repo = Repo::new();
    repo.schemagit(&["snapshot", "--database-url", &cluster().url(&source)])
        .success();
    common::drop_database(&source);
    cluster().execute("postgres", "DROP ROLE \"restore gone\"");
    let target = cluster().fresh_database("restore_roles_target");
    let before = fingerprint_of(&repo, &target);
    let run = repo.schemagit(&["restore", "HEAD", "--database-url", &cluster().url(&target)]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("lacks roles that HEAD:snapshots/default names: restore gone"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("CREATE ROLE \"restore gone\" NOLOGIN;"),
        "{}",
        run.stderr
    );
    assert_eq!(fingerprint_of(&repo, &target), before);
}

/// A production snapshot's `plpgsql` is owned by that server's bootstrap superuser, which the
/// server built into is not: no statement changes an extension's owner, so restore and
/// `--verify` say so and compare the rest.
#[test]
fn the_owner_a_new_database_gives_plpgsql_is_no_difference() {
    let source = cluster().fresh_database("plpgsql_owner_source");
    cluster().execute(&source, "CREATE TABLE public.t (id int);");
    cluster().execute("postgres", "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'elsewhere') THEN CREATE ROLE elsewhere NOLOGIN; END IF; END $$");
    let repo = Repo::new();
    repo.schemagit(&["snapshot", "--database-url", &cluster().url(&source)])
        .success();
    let mut files = schemagit::folder::read_folder(&repo.path().join("snapshots/default")).unwrap();
    let mut db = schemagit::codec::decode(&files).unwrap();
    let plpgsql = db
        .extensions
        .iter_mut()
        .find(|e| e.name == "plpgsql")
        .unwrap();
    plpgsql.owner = "elsewhere".into();
    files = schemagit::codec::encode(db).unwrap().files;
    let folder = tempfile::tempdir().unwrap();
    for (path, bytes) in &files {
        let file = folder.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, bytes).unwrap();
    }
    let folder = folder.path().to_str().unwrap();

    let target = cluster().fresh_database("plpgsql_owner_target");
    let run = repo.schemagit(&["restore", folder, "--database-url", &cluster().url(&target)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("the same but for the owner of plpgsql (owned by schemagit here)"),
        "{}",
        run.stderr
    );
    let plan = repo.schemagit(&["plan", "empty", folder, "--verify", "--json"]);
    assert_eq!(plan.code, 0, "{}", plan.stderr);
    assert_eq!(plan.json()["summary"]["verified"], true);
    assert!(!plan.stdout.contains("plpgsql"), "{}", plan.stdout);
}

/// Holds a transaction that wrote to a table open, then runs a plan that builds an index on it
/// while a third session reads and writes: with `--online` the build takes no lock that stops
/// them (it waits for the open transaction instead), without it the build queues for a lock
/// that makes the writes wait.
#[test]
fn online_index_builds_let_reads_and_writes_through() {
    let db = cluster().database_from("online_store", &[fixture("store_v1.sql")]);
    let repo = Repo::new();
    let url = cluster().url(&db);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let built = common::copy_database(
        &db,
        "online_built",
        "CREATE INDEX customers_name_idx ON sales.customers (name)",
    );
    repo.schemagit(&["snapshot", "--database-url", &cluster().url(&built)])
        .success();
    for (online, writes_pass) in [(true, true), (false, false)] {
        let mut args = vec!["plan", "HEAD~1", "HEAD", "--json"];
        if online {
            args.push("--online");
        }
        let plan = repo.schemagit(&args).success().json();
        let statements = plan["statements"].as_array().unwrap();
        let index = statements
            .iter()
            .find(|s| s["sql"].as_str().unwrap().contains("customers_name_idx"))
            .unwrap();
        assert_eq!(index["transactional"], !online, "{plan}");
        let kinds: Vec<&str> = index["hazards"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|h| h["kind"].as_str())
            .collect();
        assert!(kinds.contains(&"index_build"), "{plan}");

        let target = common::copy_database(&db, "online_target", "");
        let runtime = common::runtime();
        let holder = common::session(
            &runtime,
            &cluster().url(&target),
            "BEGIN; INSERT INTO sales.customers (email, name) VALUES ('holder@example.com', 'h');",
        );
        let apply = {
            let target = target.clone();
            let plan = plan.clone();
            std::thread::spawn(move || common::apply_plan(&target, &plan))
        };
        let other = common::session(&runtime, &cluster().url(&target), "SET lock_timeout = '2s'");
        runtime.block_on(async {
            loop {
                let waiting = other
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                          AND pid <> pg_backend_pid() AND query LIKE '%customers_name_idx%'
                          AND wait_event_type = 'Lock' AND state = 'active'",
                        &[],
                    )
                    .await
                    .unwrap()
                    .get::<_, i64>(0);
                if waiting > 0 {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            let read = other
                .simple_query("SELECT count(*) FROM sales.customers")
                .await;
            assert!(read.is_ok(), "online={online}: a read waited: {read:?}");
            let write = other
                .simple_query(
                    "INSERT INTO sales.customers (email, name) VALUES ('other@example.com', 'o')",
                )
                .await;
            assert_eq!(write.is_ok(), writes_pass, "online={online}: {write:?}");
            holder.batch_execute("COMMIT").await.unwrap();
        });
        apply.join().unwrap().unwrap();
        drop(other);
        common::drop_database(&target);
    }
}

#[test]
fn capture_writes_the_drift_as_the_next_migration_which_builds_the_live_schema() {
    let repo = Repo::new();
    let first = "CREATE TABLE public.notes (id bigint PRIMARY KEY, body text NOT NULL);\n";
    std::fs::create_dir_all(repo.path().join("migrations")).unwrap();
    std::fs::write(repo.path().join("migrations/0001_notes.sql"), first).unwrap();
    let db = cluster().fresh_database("capture_notes");
    cluster().execute(&db, first);
    let url = cluster().url(&db);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();

    let clean = repo
        .schemagit(&["plan", "--capture", "--json", "--database-url", &url])
        .success()
        .json();
    assert_eq!(clean["summary"]["captured"], serde_json::Value::Null);
    assert!(!repo
        .path()
        .join("migrations/0002_capture_drift.sql")
        .exists());

    cluster().execute(
        &db,
        "ALTER TABLE public.notes ADD COLUMN pinned boolean NOT NULL DEFAULT false;
         CREATE INDEX notes_pinned_idx ON public.notes (pinned);",
    );
    let run = repo.schemagit(&[
        "plan",
        "--capture",
        "--json",
        "--database-url",
        &url,
        "--tool",
        "plain",
    ]);
    let json = run.json();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        json["summary"]["captured"]["files"],
        serde_json::json!(["migrations/0002_capture_drift.sql"])
    );
    assert!(
        run.stderr
            .contains("captured the drift as migrations/0002_capture_drift.sql"),
        "{}",
        run.stderr
    );
    let written = read(&repo.path().join("migrations/0002_capture_drift.sql"));
    assert!(written.contains("notes_pinned_idx"), "{written}");
    let replayed = repo.schemagit(&["diff", "migrations", &url]);
    assert_eq!(replayed.code, 0, "{}\n{}", replayed.stdout, replayed.stderr);
}
