//! `schemagit snapshot` and `schemagit verify` end to end: a real PostgreSQL, real git
//! repositories, the compiled binary.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{cluster, fixtures, Repo};
use schemagit::codec;
use schemagit::folder::read_folder;

const FOLDER: &str = "snapshots/default";

/// Snapshots `dbname` into `repo` and returns the run's JSON report.
fn snapshot(repo: &Repo, dbname: &str) -> serde_json::Value {
    let url = cluster().url(dbname);
    repo.schemagit(&["snapshot", "--json", "--database-url", &url])
        .success()
        .json()
}

fn fingerprint_of(dbname: &str) -> (String, BTreeMap<String, Vec<u8>>) {
    let repo = Repo::new();
    let report = snapshot(&repo, dbname);
    let files = read_folder(&repo.path().join(FOLDER)).unwrap();
    (report["fingerprint"].as_str().unwrap().to_string(), files)
}

fn all_kinds() -> String {
    cluster().database_from("kinds", &fixtures("kinds"))
}

#[test]
fn files_round_trip_through_the_model_byte_for_byte() {
    let db = all_kinds();
    let (_, files) = fingerprint_of(&db);
    let model = codec::decode(&files).unwrap();
    assert_eq!(codec::encode(model).unwrap().files, files);
    assert!(codec::verify(&files).is_empty());
    for kind in [
        "schema",
        "table",
        "view",
        "materialized_view",
        "sequence",
        "function",
        "procedure",
        "aggregate",
        "type",
        "extension",
    ] {
        let manifest = codec::decode_manifest(&files).unwrap();
        assert!(
            manifest.objects.iter().any(|e| e.kind == kind),
            "no {kind} in the snapshot"
        );
    }
}

#[test]
fn the_snapshot_holds_what_was_created() {
    let db = all_kinds();
    let (_, files) = fingerprint_of(&db);
    let text =
        |path: &str| String::from_utf8(files[path].clone()).unwrap_or_else(|_| panic!("{path}"));
    let customers = text("shop/tables/customers.json");
    for expected in [
        r#""enabled": true"#,
        r#""forced": true"#,
        r#"{"name": "id", "type": "bigint", "not_null": true, "identity": {"generated": "always", "sequence": {"type": "bigint", "start": 100, "increment": 5"#,
        r#"{"name": "name", "type": "text", "collation": "\"C\"", "default": "'anonymous'::text", "storage": "external"}"#,
        r#""generated": "lower(email)""#,
        r#"DEFERRABLE INITIALLY DEFERRED"#,
        r#"NOT VALID"#,
        r#""comment": "roughly an email""#,
        r#"WHERE (mood <> 'sad'::shop.mood)"#,
        r#"{"name": "customers_insert", "mode": "restrictive", "command": "insert", "roles": ["fixture_reader", "fixture_writer"], "with_check": "(mood <> 'sad'::shop.mood)"}"#,
        r#""enabled": "disabled""#,
        r#"{"grantee": "fixture_reader", "column": "name", "privileges": ["UPDATE"], "with_grant_option": true}"#,
        r#"{"grantee": "fixture_writer", "privileges": ["SELECT", "INSERT"]}"#,
    ] {
        assert!(
            customers.contains(expected),
            "customers.json lacks {expected}:\n{customers}"
        );
    }
    let reset = text("shop/functions/admin_reset().json");
    assert!(reset.contains(r#""security_definer": true"#), "{reset}");
    assert!(
        reset.contains(r#""search_path=pg_catalog, shop""#),
        "{reset}"
    );
    assert!(
        reset.contains(r#"{"grantee": "PUBLIC", "privileges": ["EXECUTE"]}"#),
        "revoked from PUBLIC: {reset}"
    );
    assert!(text("shop/types/mood.json")
        .contains("\"labels\": [\n    \"sad\",\n    \"ok\",\n    \"happy\"\n  ]"));
    assert!(text("shop/types/positive.json").contains("CHECK ((VALUE > 0))"));
    assert!(text("shop/views/big_orders.json").contains("security_barrier=true"));
    assert!(text("shop/materialized_views/order_counts.json").contains("order_counts_customer_idx"));
    assert!(text("shop/sequences/invoice_no.json").contains(r#""start": 1000"#));
    assert!(text("shop/tables/events_2024.json").contains(r#""partition_of": "shop.events""#));
    assert!(text("shop/tables/events.json").contains(r#""partition_by": "RANGE (at)""#));
    assert!(text("shop/tables/child_log.json").contains("shop.base_log"));
    assert!(text("shop/tables/scratch.json").contains(r#""unlogged": true"#));
    assert!(text("shop/functions/sum_int(integer).json").contains("SFUNC = shop.add_int"));
    assert!(files.contains_key("shop/functions/total_for(bigint, date).json"));
    assert!(files.contains_key("shop/functions/total_for(text).json"));
    assert!(files.contains_key("_database/extensions/pgcrypto.json"));
    assert!(
        !files.keys().any(|p| p.contains("gen_random_uuid")),
        "extension members are not snapshotted"
    );
    let sequences: Vec<&String> = files.keys().filter(|p| p.contains("/sequences/")).collect();
    assert!(
        !sequences.iter().any(|p| p.contains("customers_id_seq")),
        "identity sequences live in their column: {sequences:?}"
    );
}

#[test]
fn creation_order_and_dump_restore_do_not_change_the_fingerprint() {
    let files = fixtures("kinds");
    let forward = cluster().database_from("forward", &files);
    // Another order, with objects created and dropped in between so every OID differs and
    // the table has a dropped-column gap.
    let other = cluster().fresh_database("other");
    cluster().execute(
        &other,
        "CREATE TABLE public.junk (x int); CREATE TYPE public.junk_t AS ENUM ('x');",
    );
    let mut reordered = files.clone();
    reordered.swap(3, 4);
    for file in &reordered {
        let sql = std::fs::read_to_string(file).unwrap();
        cluster().execute(&other, &sql);
        if file.ends_with("20_tables.sql") {
            cluster().execute(&other, "ALTER TABLE shop.customers ADD COLUMN gap int; ALTER TABLE shop.customers DROP COLUMN gap;");
        }
    }
    cluster().execute(&other, "DROP TABLE public.junk; DROP TYPE public.junk_t;");

    let restored = cluster().fresh_database("restored");
    let dump = std::env::temp_dir().join(format!("schemagit-test-{}.dump", std::process::id()));
    let status = cluster()
        .tool("pg_dump")
        .args(["-Fc", "-s", "-f"])
        .arg(&dump)
        .arg(&forward)
        .status()
        .unwrap();
    assert!(status.success());
    let output = cluster()
        .tool("pg_restore")
        .args(["--exit-on-error", "-d", &restored])
        .arg(&dump)
        .output()
        .unwrap();
    std::fs::remove_file(&dump).unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // pg_dump 14 leaves out the grants on an identity column's sequence (13 and 15 on keep
    // them): grant what the dump lost, so what is compared is what schemagit reads.
    if cluster().major == 14 {
        cluster().execute(
            &restored,
            "GRANT USAGE ON SEQUENCE shop.line_item_ids TO fixture_writer;",
        );
    }
    // Database-level settings and the database's comment belong to CREATE DATABASE, which
    // `pg_dump -s` leaves out (only --create carries them): set them as --create would.
    cluster().execute(
        &restored,
        "DO $$ BEGIN
           EXECUTE format('ALTER DATABASE %I SET search_path = shop, public', current_database());
           EXECUTE format('ALTER ROLE fixture_reader IN DATABASE %I SET statement_timeout = ''5s''', current_database());
           EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), 'database: the shop');
         END $$;",
    );

    let (a, a_files) = fingerprint_of(&forward);
    let (b, b_files) = fingerprint_of(&other);
    let (c, c_files) = fingerprint_of(&restored);
    assert_same_files(&a_files, &b_files, "another creation order");
    assert_same_files(&a_files, &c_files, "dump and restore");
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn a_foreign_key_to_a_partitioned_table_is_one_constraint_whatever_the_partition_order() {
    // PostgreSQL copies the key onto `notes` once per partition, named by creation order.
    let build = |name: &str, years: [u32; 2]| {
        let db = cluster().fresh_database(name);
        let mut sql = String::from(
            "CREATE TABLE public.events (id bigint, at date, PRIMARY KEY (id, at))
               PARTITION BY RANGE (at);",
        );
        for year in years {
            sql += &format!(
                "CREATE TABLE public.events_{year} PARTITION OF public.events
                   FOR VALUES FROM ('{year}-01-01') TO ('{}-01-01');",
                year + 1
            );
        }
        sql += "CREATE TABLE public.notes (id bigint, at date,
                  CONSTRAINT notes_event_fk FOREIGN KEY (id, at) REFERENCES public.events);";
        cluster().execute(&db, &sql);
        db
    };
    let (a, a_files) = fingerprint_of(&build("partitions_forward", [2025, 2026]));
    let (b, b_files) = fingerprint_of(&build("partitions_backward", [2026, 2025]));
    assert_same_files(&a_files, &b_files, "another partition order");
    assert_eq!(a, b);
    let notes = String::from_utf8_lossy(&a_files["public/tables/notes.json"]).into_owned();
    assert_eq!(notes.matches("FOREIGN KEY").count(), 1, "{notes}");
}

/// Names every file that differs, with both texts of the first one.
fn assert_same_files(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>, what: &str) {
    let differing: BTreeSet<&String> = a
        .keys()
        .chain(b.keys())
        .filter(|p| a.get(*p) != b.get(*p))
        .collect();
    // The manifest differs whenever an object does: show the object.
    let first = differing
        .iter()
        .find(|p| p.as_str() != "manifest.json")
        .or(differing.first());
    if let Some(first) = first {
        let text = |files: &BTreeMap<String, Vec<u8>>| {
            files
                .get(*first)
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
                .unwrap_or_else(|| "(missing)".into())
        };
        panic!(
            "{what} changed {differing:?}\n--- {first} before:\n{}\n--- after:\n{}",
            text(a),
            text(b)
        );
    }
}

#[test]
fn a_second_run_makes_no_commit() {
    let db = all_kinds();
    let repo = Repo::new();
    let first = snapshot(&repo, &db);
    assert!(first["commit"].is_string());
    let commits = repo.commit_count();
    let second = snapshot(&repo, &db);
    assert!(second["commit"].is_null(), "{second}");
    assert_eq!(second["changes"].as_array().unwrap().len(), 0);
    assert_eq!(repo.commit_count(), commits);
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn one_added_column_changes_one_object_file_by_a_line() {
    let db = all_kinds();
    let repo = Repo::new();
    snapshot(&repo, &db);
    cluster().execute(&db, "ALTER TABLE shop.orders ADD COLUMN note text");
    let report = snapshot(&repo, &db);
    assert_eq!(
        report["changes"],
        serde_json::json!([{"action": "changed", "kind": "table", "object": "shop.orders", "path": "shop/tables/orders.json"}])
    );
    let numstat = repo.git(&["diff", "--numstat", "HEAD~1", "HEAD"]);
    let mut lines: Vec<&str> = numstat.lines().collect();
    lines.sort_by_key(|line| line.rsplit('\t').next());
    assert_eq!(lines.len(), 2, "{numstat}");
    assert!(
        lines[0].ends_with("snapshots/default/manifest.json"),
        "{numstat}"
    );
    assert!(
        lines[1].ends_with("snapshots/default/shop/tables/orders.json"),
        "{numstat}"
    );
    let counts: Vec<u32> = lines[1]
        .split('\t')
        .take(2)
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(
        counts[0] <= 2 && counts[1] <= 1,
        "the column is one line: {numstat}"
    );
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with(
            "schema(default): 1 change, 1 critical\n\nCritical:\n  added column shop.orders.note: text\n"
        ),
        "{message}"
    );
    for trailer in [
        "Schema-Env: default",
        "Schema-Fingerprint: blake3:",
        "Server-Version: ",
        "Schemagit-Version: ",
    ] {
        assert!(message.contains(trailer), "{message}");
    }
    assert!(message.contains(report["fingerprint"].as_str().unwrap()));
}

#[test]
fn dropped_objects_lose_their_files() {
    let db = all_kinds();
    let repo = Repo::new();
    snapshot(&repo, &db);
    assert!(repo
        .path()
        .join(FOLDER)
        .join("shop/views/big_orders.json")
        .exists());
    // The folder the encoder makes for the schema "We/ird" (`^` marks an upper-case letter).
    let weird = repo.path().join(FOLDER).join("^we%2Fird");
    assert!(
        weird.join("tables").is_dir(),
        "{} is missing",
        weird.display()
    );
    cluster().execute(
        &db,
        "DROP VIEW shop.big_orders; DROP SCHEMA \"We/ird\" CASCADE;",
    );
    let report = snapshot(&repo, &db);
    let removed: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "removed")
        .map(|c| c["object"].as_str().unwrap())
        .collect();
    assert!(
        removed.contains(&"shop.big_orders") && removed.contains(&"\"We/ird\".\"Users\""),
        "{removed:?}"
    );
    assert!(!repo
        .path()
        .join(FOLDER)
        .join("shop/views/big_orders.json")
        .exists());
    assert!(!weird.exists(), "{} is left behind", weird.display());
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    assert!(repo
        .git(&["ls-files"])
        .lines()
        .all(|p| !p.contains("big_orders")));
}

#[test]
fn hostile_names_stay_inside_the_folder_and_survive_case_insensitive_checkouts() {
    let db = cluster().fresh_database("hostile");
    let long_args: Vec<String> = (0..40)
        .map(|i| format!("\"argument number {i:02}\" integer"))
        .collect();
    cluster().execute(
        &db,
        &format!(
            r#"CREATE SCHEMA "../up";
               CREATE SCHEMA "_database";
               CREATE TABLE public."../x" (id int);
               CREATE TABLE public."a/b\c" (id int);
               CREATE TABLE public."Users" (id int);
               CREATE TABLE public.users (id int);
               CREATE TABLE public."CON" (id int);
               CREATE TABLE public.con (id int);
               CREATE TABLE public."trailing." (id int);
               CREATE TABLE public."naïve 日本" (id int);
               CREATE TABLE "../up"."x:y*z?" (id int);
               CREATE TABLE "_database".extensions (id int);
               CREATE FUNCTION public.long_identity({}) RETURNS int LANGUAGE sql AS 'SELECT 1';"#,
            long_args.join(", ")
        ),
    );
    let repo = Repo::new();
    let report = snapshot(&repo, &db);
    let files = read_folder(&repo.path().join(FOLDER)).unwrap();
    assert_eq!(
        report["objects"].as_u64().unwrap() as usize + 1,
        files.len()
    );
    let mut lower = std::collections::HashSet::new();
    for path in repo
        .git(&["ls-files"])
        .lines()
        .filter(|p| p.starts_with("snapshots/"))
    {
        assert!(path.starts_with(FOLDER), "{path} escaped");
        assert!(
            lower.insert(path.to_lowercase()),
            "{path} collides ignoring case"
        );
        for segment in path.split('/') {
            assert!(segment.len() <= 255, "{segment}");
            assert!(!segment.ends_with('.') && !segment.ends_with(' '), "{path}");
            assert!(!segment.chars().any(|c| "\\:*?\"<>|".contains(c)), "{path}");
            let stem = segment.split('.').next().unwrap().to_ascii_lowercase();
            assert!(
                !["con", "prn", "aux", "nul"].contains(&stem.as_str()),
                "{path}"
            );
        }
    }
    let manifest = codec::decode_manifest(&files).unwrap();
    let names: Vec<&str> = manifest.objects.iter().map(|e| e.name.as_str()).collect();
    for name in [
        "public.\"../x\"",
        "public.\"a/b\\c\"",
        "public.\"Users\"",
        "public.users",
        "public.\"CON\"",
        "public.con",
        "\"../up\".\"x:y*z?\"",
        "_database.extensions",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert!(names
        .iter()
        .any(|n| n.starts_with("public.long_identity(") && n.len() > 255));
    assert!(codec::verify(&files).is_empty());
    assert_eq!(
        repo.schemagit(&["verify"]).success().stdout.lines().count(),
        1
    );
}

#[test]
fn other_staged_and_unstaged_work_survives_a_snapshot_commit() {
    let db = all_kinds();
    let repo = Repo::new();
    std::fs::write(repo.path().join("staged.txt"), "staged\n").unwrap();
    repo.git(&["add", "staged.txt"]);
    std::fs::write(repo.path().join("README.md"), "edited, not staged\n").unwrap();
    std::fs::write(repo.path().join("untracked.txt"), "untracked\n").unwrap();

    snapshot(&repo, &db);
    let committed = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        committed.lines().all(|p| p.starts_with(FOLDER)),
        "{committed}"
    );
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "staged.txt\n"
    );
    assert_eq!(repo.git(&["diff", "--name-only"]), "README.md\n");
    assert_eq!(
        std::fs::read_to_string(repo.path().join("README.md")).unwrap(),
        "edited, not staged\n"
    );
    assert!(repo
        .git(&["status", "--porcelain"])
        .contains("?? untracked.txt"));
}

#[test]
fn branch_mode_leaves_the_work_tree_and_head_alone() {
    let db = all_kinds();
    let repo = Repo::new();
    let head = repo.git(&["rev-parse", "HEAD"]);
    let url = cluster().url(&db);
    let report = repo
        .schemagit(&[
            "snapshot",
            "--json",
            "--branch",
            "schema/nightly",
            "--database-url",
            &url,
        ])
        .success()
        .json();
    assert_eq!(report["branch"], "refs/heads/schema/nightly");
    assert_eq!(repo.git(&["rev-parse", "HEAD"]), head);
    assert!(!repo.path().join("snapshots").exists());
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
    let listed = repo.git(&["ls-tree", "-r", "--name-only", "schema/nightly"]);
    assert!(listed.contains("snapshots/default/shop/tables/customers.json"));
    assert!(listed.contains("README.md"));
    let verify = repo
        .schemagit(&["verify", "--rev", "schema/nightly"])
        .success();
    assert!(verify.stdout.contains("check out"), "{}", verify.stdout);
}

#[test]
fn verify_names_every_broken_file() {
    let db = all_kinds();
    let repo = Repo::new();
    snapshot(&repo, &db);
    let folder = repo.path().join(FOLDER);
    std::fs::write(
        folder.join("shop/tables/orders.json"),
        "{\"not\": \"a table\"}\n",
    )
    .unwrap();
    std::fs::write(folder.join("shop/tables/stray.json"), "{}\n").unwrap();
    std::fs::remove_file(folder.join("shop/views/big_orders.json")).unwrap();
    let run = repo.schemagit(&["verify"]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    for path in [
        "shop/tables/orders.json",
        "shop/tables/stray.json",
        "shop/views/big_orders.json",
    ] {
        assert!(
            run.stdout.contains(path),
            "{path} not named in:\n{}",
            run.stdout
        );
    }
    assert_eq!(run.stdout.lines().count(), 3, "{}", run.stdout);
    assert!(
        run.stderr
            .starts_with("error: snapshot snapshots/default is not intact: 3 files fail"),
        "{}",
        run.stderr
    );
    let json = repo.schemagit(&["verify", "--json"]).json();
    assert_eq!(json["ok"], false);
    assert_eq!(json["problems"].as_array().unwrap().len(), 3);
}

fn assert_one_clear_line(run: &common::Run, code: i32, expected: &str, secret: Option<&str>) {
    assert_eq!(
        run.code, code,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains(expected),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count()
            == 1,
        "{}",
        run.stderr
    );
    if let Some(secret) = secret {
        assert!(
            !run.stderr.contains(secret) && !run.stdout.contains(secret),
            "leaked: {}",
            run.stderr
        );
    }
}

#[test]
fn an_unreachable_database_is_one_clear_line() {
    let repo = Repo::new();
    let run = repo.schemagit(&[
        "snapshot",
        "--database-url",
        "postgresql://alice:s3cr3t-pw@127.0.0.1:1/app",
    ]);
    assert_one_clear_line(&run, 4, "127.0.0.1", Some("s3cr3t-pw"));
    assert_eq!(repo.commit_count(), 1);
}

#[test]
fn a_wrong_password_is_one_clear_line_without_the_password() {
    let cluster = cluster();
    cluster.execute(
        "postgres",
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pw_user') THEN CREATE ROLE pw_user LOGIN PASSWORD 'right-pw'; END IF; END $$;",
    );
    let hba = cluster.data_dir.join("pg_hba.conf");
    let original = std::fs::read_to_string(&hba).unwrap();
    if !original.starts_with("local all pw_user") {
        std::fs::write(&hba, format!("local all pw_user scram-sha-256\n{original}")).unwrap();
        cluster.execute("postgres", "SELECT pg_reload_conf()");
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let repo = Repo::new();
    let url = format!(
        "postgresql://pw_user:wr%40ng-pw@/postgres?host={}&port={}",
        cluster.socket_dir.display(),
        cluster.port
    );
    let run = repo.schemagit(&["snapshot", "--database-url", &url]);
    assert_one_clear_line(&run, 4, "password authentication failed", Some("wr@ng-pw"));
    assert!(!run.stderr.contains("wr%40ng-pw"));
}

#[test]
fn outside_a_git_repository_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = common::run_schemagit(
        dir.path(),
        &["snapshot", "--database-url", "postgresql://x@127.0.0.1:1/x"],
    );
    assert_one_clear_line(&run, 5, "not inside a git repository", None);
}

#[test]
fn diff_of_databases_and_folders_needs_no_repository() {
    let a = cluster().fresh_database("outside_a");
    let b = cluster().fresh_database("outside_b");
    cluster().execute(&b, "CREATE TABLE public.extra (id int)");
    let dir = tempfile::tempdir().unwrap();
    let (url_a, url_b) = (cluster().url(&a), cluster().url(&b));
    let run = common::run_schemagit(dir.path(), &["diff", "--json", &url_a, &url_b]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["changes"][0]["object"], "public.extra");
    // Two snapshot folders, written by snapshots in a repository elsewhere.
    let repo = Repo::new();
    for (env, url) in [("a", &url_a), ("b", &url_b)] {
        repo.schemagit(&["snapshot", "--env", env, "--database-url", url])
            .success();
    }
    let folders = |env: &str| {
        repo.path()
            .join("snapshots")
            .join(env)
            .display()
            .to_string()
    };
    let run = common::run_schemagit(
        dir.path(),
        &["diff", "--json", &folders("a"), &folders("b")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["changes"][0]["object"], "public.extra");
    // A revision needs the repository, and says so.
    let run = common::run_schemagit(dir.path(), &["diff", "HEAD~1", "HEAD"]);
    assert_one_clear_line(&run, 5, "not inside a git repository", None);
}

#[test]
fn a_malformed_snapshot_file_is_one_clear_line() {
    let repo = Repo::new();
    let folder = repo.path().join(FOLDER);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("manifest.json"), "{ this is not json").unwrap();
    let run = repo.schemagit(&["verify"]);
    assert_one_clear_line(&run, 6, "not intact", None);
    assert!(run.stdout.contains("manifest.json"), "{}", run.stdout);
}

#[test]
fn bad_arguments_exit_with_a_usage_code() {
    let repo = Repo::new();
    let run = repo.schemagit(&["snapshot", "--no-such-flag"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let run = repo.schemagit(&["--env", "../x", "verify"]);
    assert_one_clear_line(&run, 3, "not usable as a folder name", None);
}

#[test]
fn arguments_that_would_pick_the_wrong_database_are_refused() {
    let db = cluster().fresh_database("target");
    cluster().execute(&db, "CREATE TABLE public.only_here (id int)");
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[env.prod]\nurl_env = \"PROD_URL\"\n[env.dev]\n",
    )
    .unwrap();
    let run_with = |args: &[&str], vars: &[(&str, &str)]| {
        let mut command =
            common::hermetic(std::process::Command::new(env!("CARGO_BIN_EXE_schemagit")));
        command.args(args).current_dir(repo.path());
        for (name, value) in vars {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        common::Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    };
    let elsewhere = cluster().url("postgres");
    let run = run_with(
        &["--env", "dev", "snapshot", "--database-url", ""],
        &[("DATABASE_URL", &elsewhere)],
    );
    assert_one_clear_line(&run, 3, "--database-url is empty", None);
    let run = run_with(&["--env", "dev", "snapshot"], &[]);
    assert_one_clear_line(&run, 3, "no database to read", None);
    let run = run_with(
        &["--env", "prdo", "snapshot"],
        &[("DATABASE_URL", &elsewhere)],
    );
    assert_one_clear_line(
        &run,
        3,
        "unknown environment \"prdo\": schemagit.toml defines dev, prod",
        None,
    );
    // prod names its own variable: a shared DATABASE_URL never stands in for it…
    let run = run_with(
        &["--env", "prod", "snapshot"],
        &[("DATABASE_URL", &elsewhere)],
    );
    assert_one_clear_line(&run, 3, "$PROD_URL, which is not set", None);
    assert_eq!(repo.commit_count(), 1, "nothing was snapshotted");
    // …and wins over it when set.
    let url = cluster().url(&db);
    run_with(
        &["--env", "prod", "snapshot"],
        &[("DATABASE_URL", &elsewhere), ("PROD_URL", &url)],
    )
    .success();
    assert!(repo
        .path()
        .join("snapshots/prod/public/tables/only_here.json")
        .is_file());
    // Commands that do not connect never need the variable.
    run_with(&["--env", "prod", "verify"], &[]).success();
    run_with(&["--env", "prod", "diff", "HEAD", "HEAD"], &[]).success();
    let offline = run_with(&["--env", "prod", "diff", "HEAD~1", "HEAD", "--json"], &[]);
    assert_eq!(offline.code, 1, "{}", offline.stderr);
    let log = run_with(&["--env", "prod", "log", "public.only_here"], &[]).success();
    assert!(log.stdout.contains("public.only_here"), "{}", log.stdout);
    let show = run_with(&["--env", "prod", "show", "public.only_here"], &[]).success();
    assert!(show.stdout.contains("only_here"), "{}", show.stdout);
}

/// The project's own example: `migrations/` must build exactly the committed `snapshots/dev/`.
#[test]
fn the_example_migrations_build_the_committed_snapshot() {
    if !cluster()
        .deparses_like_the_committed_snapshot("the_example_migrations_build_the_committed_snapshot")
    {
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let repo = Repo::new();
    copy_dir(&root.join("migrations"), &repo.path().join("migrations"));
    let report = repo
        .schemagit(&["snapshot", "--json", "--env", "dev", "--from-migrations"])
        .success()
        .json();
    assert!(report["commit"].is_string());
    let built = read_folder(&repo.path().join("snapshots/dev")).unwrap();
    let committed = read_folder(&root.join("snapshots/dev")).unwrap();
    let differing: Vec<&String> = built
        .keys()
        .chain(committed.keys())
        .filter(|p| built.get(*p) != committed.get(*p))
        .collect();
    assert!(
        differing.is_empty(),
        "migrations/ and snapshots/dev/ disagree on {differing:?}; run `schemagit snapshot --env dev --from-migrations` and commit"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_lock_held_too_long_names_the_table_and_the_session() {
    let db = all_kinds();
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "lock_timeout_ms = 300\n",
    )
    .unwrap();
    let runtime = common::runtime();
    let url = cluster().url(&db);
    let holder = common::session(
        &runtime,
        &url,
        "SET application_name = 'migration-in-progress';
         BEGIN; LOCK TABLE shop.orders IN ACCESS EXCLUSIVE MODE;",
    );
    let run = repo.schemagit(&["snapshot", "--database-url", &url]);
    runtime.block_on(async { holder.batch_execute("ROLLBACK").await.unwrap() });
    assert_one_clear_line(&run, 4, "lock_timeout", None);
    assert!(
        run.stderr.contains("shop.orders is locked by pid")
            && run.stderr.contains("migration-in-progress"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.commit_count(), 1, "nothing is committed");
    // Once the lock is gone, the same run succeeds.
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
}

#[test]
fn the_scope_leaves_out_schemas_objects_and_folded_partitions() {
    let db = all_kinds();
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[scope]\nexclude_schemas = [\"We/ird\"]\nexclude_objects = [\"shop.scratch\", \"shop.total_for\"]\nfold_partitions = [\"shop.events_*\"]\n",
    )
    .unwrap();
    snapshot(&repo, &db);
    let files = read_folder(&repo.path().join(FOLDER)).unwrap();
    assert!(
        !files.keys().any(|p| p.starts_with("^we%2Fird/")),
        "excluded schema"
    );
    assert!(!files
        .keys()
        .any(|p| p.contains("scratch") || p.contains("total_for(")));
    assert!(!files.contains_key("shop/tables/events_2024.json"));
    assert!(!files.contains_key("shop/tables/events_default.json"));
    assert!(
        files.contains_key("shop/tables/events.json"),
        "the parent stays"
    );
    assert!(files.contains_key("shop/tables/orders.json"));
    // A new partition of a folded table is not a change.
    cluster().execute(
        &db,
        "CREATE TABLE shop.events_2025 PARTITION OF shop.events
           FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00')",
    );
    let report = snapshot(&repo, &db);
    assert!(report["commit"].is_null(), "{report}");
    let url = cluster().url(&db);
    let check = repo.schemagit(&["check", "--database-url", &url]);
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (0, "no changes\n"),
        "{}",
        check.stderr
    );
}
