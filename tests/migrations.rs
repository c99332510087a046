//! `schemagit migrations verify|status` end to end, per tool convention: real migration files in
//! real git repositories, tracking tables created and written the way each tool writes them,
//! and the replay of migration folders in a throwaway PostgreSQL compared with live databases.

mod common;

use common::{cluster, Repo};

/// A tool's convention as the tests drive it: where migration `n` lives, its tracking table,
/// and the SQL that records, fails and forgets a migration the way the tool itself does.
struct Convention {
    tool: &'static str,
    dir: &'static str,
    /// The path of migration `n` under `dir`, and its name as findings print it.
    file: fn(u32) -> (String, String),
    /// The file's content for a migration body.
    wrap: fn(&str) -> String,
    create: &'static str,
    /// SQL recording migration `n` with file content `content` as applied.
    record: fn(u32, &str) -> String,
    /// SQL marking migration `n` as failed or dirty, when the tool has such a state.
    fail: Option<fn(u32) -> String>,
    forget: fn(u32) -> String,
    /// What `migrations verify` says of a file whose line endings alone changed after it was
    /// applied: the finding kind and the start of its detail, or `None` when the tool's own
    /// rule accepts the file.
    line_endings: Option<(&'static str, &'static str)>,
    /// The tracking tables a `no_tracker` finding names.
    tables: &'static str,
}

fn dollar(content: &str) -> String {
    format!("$m${content}$m$")
}

fn numbered(n: u32) -> (String, String) {
    (format!("{n:04}_t{n}.sql"), format!("{n:04}_t{n}"))
}

fn plain_wrap(body: &str) -> String {
    body.to_string()
}

/// Flyway's checksum as its Java code computes it, for LF files: CRC-32 over the lines without
/// terminators, as a signed integer.
fn flyway_crc(content: &str) -> i32 {
    let mut hasher = crc32fast::Hasher::new();
    for line in content.lines() {
        hasher.update(line.as_bytes());
    }
    i32::from_ne_bytes(hasher.finalize().to_ne_bytes())
}

fn conventions() -> Vec<Convention> {
    vec![
        Convention {
            tool: "drizzle",
            dir: "drizzle",
            file: numbered,
            wrap: plain_wrap,
            create: "CREATE SCHEMA IF NOT EXISTS drizzle;
                     CREATE TABLE IF NOT EXISTS drizzle.__drizzle_migrations (
                         id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint);",
            record: |n, content| {
                format!(
                    "INSERT INTO drizzle.__drizzle_migrations (hash, created_at)
                     VALUES (encode(sha256(convert_to({}, 'UTF8')), 'hex'), {});",
                    dollar(content),
                    1_700_000_000_000_u64 + u64::from(n)
                )
            },
            fail: None,
            forget: |n| {
                format!(
                    "DELETE FROM drizzle.__drizzle_migrations WHERE created_at = {}",
                    1_700_000_000_000_u64 + u64::from(n)
                )
            },
            line_endings: Some(("edited", "only line endings or trailing whitespace changed")),
            tables: "drizzle.__drizzle_migrations",
        },
        Convention {
            tool: "prisma",
            dir: "prisma/migrations",
            file: |n| {
                let name = format!("2024010100000{n}_t{n}");
                (format!("{name}/migration.sql"), name)
            },
            wrap: plain_wrap,
            create: r#"CREATE TABLE "_prisma_migrations" (
                    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
                    "checksum" VARCHAR(64) NOT NULL,
                    "finished_at" TIMESTAMPTZ,
                    "migration_name" VARCHAR(255) NOT NULL,
                    "logs" TEXT,
                    "rolled_back_at" TIMESTAMPTZ,
                    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
                    "applied_steps_count" INTEGER NOT NULL DEFAULT 0);"#,
            record: |n, content| {
                format!(
                    "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
                     VALUES (md5(random()::text)::varchar(36), encode(sha256(convert_to({}, 'UTF8')), 'hex'), now(), '2024010100000{n}_t{n}', now(), 1);",
                    dollar(content)
                )
            },
            fail: Some(|n| {
                format!("UPDATE _prisma_migrations SET finished_at = NULL, logs = 'error' WHERE migration_name = '2024010100000{n}_t{n}'")
            }),
            forget: |n| format!("DELETE FROM _prisma_migrations WHERE migration_name = '2024010100000{n}_t{n}'"),
            line_endings: None,
            tables: "_prisma_migrations",
        },
        Convention {
            tool: "sqlx",
            dir: "migrations",
            file: numbered,
            wrap: plain_wrap,
            create: "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
                         version BIGINT PRIMARY KEY, description TEXT NOT NULL,
                         installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL,
                         checksum BYTEA NOT NULL, execution_time BIGINT NOT NULL);",
            record: |n, content| {
                format!(
                    "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                     VALUES ({n}, 't{n}', TRUE, sha384(convert_to({}, 'UTF8')), 1200);",
                    dollar(content)
                )
            },
            fail: Some(|n| format!("UPDATE _sqlx_migrations SET success = FALSE WHERE version = {n}")),
            forget: |n| format!("DELETE FROM _sqlx_migrations WHERE version = {n}"),
            line_endings: Some(("edited", "only line endings or trailing whitespace changed")),
            tables: "_sqlx_migrations",
        },
        Convention {
            tool: "flyway",
            dir: "sql",
            file: |n| (format!("V{n}__t{n}.sql"), format!("V{n}__t{n}")),
            wrap: plain_wrap,
            create: r#"CREATE TABLE "flyway_schema_history" (
                    "installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL,
                    "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT,
                    "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
                    "execution_time" INT NOT NULL, "success" BOOL NOT NULL,
                    CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"));"#,
            record: |n, content| {
                format!(
                    "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
                     VALUES ((SELECT coalesce(max(installed_rank), 0) + 1 FROM flyway_schema_history), '{n}', 't{n}', 'SQL', 'V{n}__t{n}.sql', {}, current_user, 7, TRUE);",
                    flyway_crc(content)
                )
            },
            fail: Some(|n| format!("UPDATE flyway_schema_history SET success = FALSE WHERE version = '{n}'")),
            forget: |n| format!("DELETE FROM flyway_schema_history WHERE version = '{n}'"),
            line_endings: None,
            tables: "flyway_schema_history",
        },
        Convention {
            tool: "dbmate",
            dir: "db/migrations",
            file: |n| (format!("2024010100000{n}_t{n}.sql"), format!("2024010100000{n}_t{n}")),
            wrap: |body| format!("-- migrate:up\n{body}\n-- migrate:down\nSELECT 1;\n"),
            create: "CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY);",
            record: |n, _| format!("INSERT INTO schema_migrations (version) VALUES ('2024010100000{n}');"),
            fail: None,
            forget: |n| format!("DELETE FROM schema_migrations WHERE version = '2024010100000{n}'"),
            line_endings: None,
            tables: "schema_migrations",
        },
        Convention {
            tool: "supabase",
            dir: "supabase/migrations",
            file: |n| (format!("2024010100000{n}_t{n}.sql"), format!("2024010100000{n}_t{n}")),
            wrap: plain_wrap,
            create: "CREATE SCHEMA IF NOT EXISTS supabase_migrations;
                     CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (
                         version text NOT NULL PRIMARY KEY, statements text[], name text);",
            record: |n, content| {
                format!(
                    "INSERT INTO supabase_migrations.schema_migrations (version, statements, name)
                     VALUES ('2024010100000{n}', ARRAY[{}], 't{n}');",
                    dollar(content.trim())
                )
            },
            fail: None,
            forget: |n| format!("DELETE FROM supabase_migrations.schema_migrations WHERE version = '2024010100000{n}'"),
            line_endings: None,
            tables: "supabase_migrations.schema_migrations",
        },
        Convention {
            tool: "rails",
            dir: "db/migrate",
            file: |n| (format!("2024010100000{n}_create_t{n}.rb"), format!("2024010100000{n}_create_t{n}")),
            wrap: |body| format!("class CreateT < ActiveRecord::Migration[7.1]\n  def change\n    execute <<~SQL\n      {body}\n    SQL\n  end\nend\n"),
            create: "CREATE TABLE IF NOT EXISTS schema_migrations (version character varying NOT NULL PRIMARY KEY);
                     CREATE TABLE IF NOT EXISTS ar_internal_metadata (key character varying NOT NULL PRIMARY KEY,
                         value character varying, created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);
                     INSERT INTO ar_internal_metadata VALUES ('environment', 'development', now(), now())
                         ON CONFLICT DO NOTHING;",
            record: |n, _| format!("INSERT INTO schema_migrations (version) VALUES ('2024010100000{n}');"),
            fail: None,
            forget: |n| format!("DELETE FROM schema_migrations WHERE version = '2024010100000{n}'"),
            line_endings: None,
            tables: "schema_migrations, ar_internal_metadata",
        },
        Convention {
            tool: "golang-migrate",
            dir: "migrations",
            file: |n| (format!("{n:06}_t{n}.up.sql"), format!("{n:06}_t{n}")),
            wrap: plain_wrap,
            create: "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);",
            // golang-migrate keeps one row: it empties the table and writes the new version.
            record: |n, _| format!("TRUNCATE schema_migrations; INSERT INTO schema_migrations (version, dirty) VALUES ({n}, FALSE);"),
            fail: Some(|n| format!("UPDATE schema_migrations SET dirty = TRUE WHERE version = {n}")),
            forget: |n| format!("TRUNCATE schema_migrations; INSERT INTO schema_migrations (version, dirty) SELECT {} , FALSE WHERE {n} > 1;", n.saturating_sub(1)),
            line_endings: None,
            tables: "schema_migrations",
        },
    ]
}

fn body(n: u32) -> String {
    format!("CREATE TABLE t{n} (id int);\n")
}

/// Writes migration `n` (and, for drizzle, the journal of 1..=n) and commits it.
fn write_migration(repo: &Repo, convention: &Convention, n: u32, content: &str) {
    let (file, _) = (convention.file)(n);
    let path = repo.path().join(convention.dir).join(&file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    if convention.tool == "drizzle" {
        let upto = (1..10)
            .take_while(|m| {
                repo.path()
                    .join(convention.dir)
                    .join((convention.file)(*m).0)
                    .exists()
            })
            .last()
            .unwrap_or(n);
        write_journal(repo, convention.dir, upto);
    }
}

fn write_journal(repo: &Repo, dir: &str, upto: u32) {
    let entries: Vec<String> = (1..=upto)
        .map(|n| {
            format!(
                r#"{{"idx": {}, "version": "7", "when": {}, "tag": "{n:04}_t{n}", "breakpoints": true}}"#,
                n - 1,
                1_700_000_000_000_u64 + u64::from(n)
            )
        })
        .collect();
    let path = repo.path().join(dir).join("meta/_journal.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        path,
        format!(
            r#"{{"version": "7", "dialect": "postgresql", "entries": [{}]}}"#,
            entries.join(", ")
        ),
    )
    .unwrap();
}

fn commit_all(repo: &Repo, message: &str) {
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", message]);
}

fn verify(repo: &Repo, db: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let url = cluster().url(db);
    let mut args = vec!["migrations", "verify", "--json", "--database-url", &url];
    args.extend_from_slice(extra);
    let run = repo.schemagit(&args);
    assert!(
        run.code <= 2,
        "verify failed ({}): {}",
        run.code,
        run.stderr
    );
    (run.code, run.json())
}

/// `(severity, kind, migration)` of every finding.
fn findings(json: &serde_json::Value) -> Vec<(String, String, String)> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
                f["migration"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn finding(severity: &str, kind: &str, migration: &str) -> (String, String, String) {
    (severity.into(), kind.into(), migration.into())
}

fn detail_of<'a>(json: &'a serde_json::Value, kind: &str) -> &'a str {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == kind)
        .and_then(|f| f["detail"].as_str())
        .unwrap_or_else(|| panic!("no {kind} finding in {json}"))
}

/// Every integrity case of one convention, on one fresh database and one repository.
fn exercise(convention: &Convention) {
    let tool = convention.tool;
    let db = cluster().fresh_database(&format!("mig_{}", tool.replace('-', "_")));
    let repo = Repo::new();
    let content = |n| (convention.wrap)(&body(n));
    let name = |n| (convention.file)(n).1;
    let verify = |db: &str, extra: &[&str]| {
        let mut args = vec!["--dir", convention.dir];
        args.extend_from_slice(extra);
        verify(&repo, db, &args)
    };
    for n in 1..=2 {
        write_migration(&repo, convention, n, &content(n));
    }
    commit_all(&repo, "two migrations");
    cluster().execute(&db, convention.create);
    for n in 1..=2 {
        cluster().execute(&db, &(convention.record)(n, &content(n)));
    }

    // Clean: detected from files and tracking table, nothing to say.
    let (code, json) = verify(&db, &[]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{tool}: {json}");
    assert_eq!(json["tool"], tool);
    assert_eq!(json["summary"]["critical"], 0);
    let status = repo.schemagit(&[
        "migrations",
        "status",
        "--database-url",
        &cluster().url(&db),
        "--dir",
        convention.dir,
    ]);
    assert_eq!(status.code, 0, "{tool}: {}", status.stderr);
    assert!(status.stdout.starts_with("VERSION"), "{}", status.stdout);
    assert!(
        status
            .stdout
            .lines()
            .skip(1)
            .all(|line| line.contains(" applied ")),
        "{tool}: {}",
        status.stdout
    );

    // Pending.
    cluster().execute(&db, &(convention.forget)(2));
    let (code, json) = verify(&db, &[]);
    assert_eq!(
        (code, findings(&json)),
        (2, vec![finding("warning", "pending", &name(2))]),
        "{tool}: {json}"
    );
    cluster().execute(&db, &(convention.record)(2, &content(2)));

    // Failed or dirty.
    if let Some(fail) = convention.fail {
        cluster().execute(&db, &fail(2));
        let (code, json) = verify(&db, &[]);
        let kind = if tool == "golang-migrate" {
            "dirty"
        } else {
            "failed"
        };
        assert_eq!(
            (code, findings(&json)),
            (1, vec![finding("critical", kind, &name(2))]),
            "{tool}: {json}"
        );
        cluster().execute(&db, &(convention.forget)(2));
        cluster().execute(&db, &(convention.record)(2, &content(2)));
    }

    // Missing: applied, and the file is gone from the repository.
    let (file2, _) = (convention.file)(2);
    let path2 = repo.path().join(convention.dir).join(&file2);
    std::fs::remove_file(&path2).unwrap();
    if tool == "drizzle" {
        write_journal(&repo, convention.dir, 1);
    }
    commit_all(&repo, "lose a migration");
    let (code, json) = verify(&db, &[]);
    let missing = findings(&json);
    assert_eq!(code, 1, "{tool}: {json}");
    assert_eq!(missing.len(), 1, "{tool}: {json}");
    assert_eq!(
        (missing[0].0.as_str(), missing[0].1.as_str()),
        ("critical", "missing"),
        "{tool}"
    );
    repo.git(&["revert", "--no-edit", "HEAD"]);

    // Out of order: 1 and 3 applied, 2 not; then 2 applied after 3, which tools that record
    // the order of applies show (golang-migrate records one version, so an out-of-order apply
    // cannot be recorded; Rails, dbmate and Supabase record versions only).
    write_migration(&repo, convention, 3, &content(3));
    commit_all(&repo, "third migration");
    if tool != "golang-migrate" {
        cluster().execute(&db, &(convention.forget)(2));
        cluster().execute(&db, &(convention.record)(3, &content(3)));
        let (code, json) = verify(&db, &[]);
        assert_eq!(
            (code, findings(&json)),
            (2, vec![finding("warning", "out_of_order", &name(2))]),
            "{tool}: {json}"
        );
        cluster().execute(&db, &(convention.record)(2, &content(2)));
        let (code, json) = verify(&db, &[]);
        if ["drizzle", "prisma", "sqlx", "flyway"].contains(&tool) {
            assert_eq!(
                (code, findings(&json)),
                (2, vec![finding("warning", "out_of_order", &name(2))]),
                "{tool}: {json}"
            );
            assert_eq!(
                detail_of(&json, "out_of_order"),
                format!("applied after {}, which comes after it", name(3))
            );
        } else {
            assert_eq!((code, findings(&json)), (0, vec![]), "{tool}: {json}");
        }
        cluster().execute(&db, &(convention.forget)(2));
        cluster().execute(&db, &(convention.forget)(3));
        cluster().execute(&db, &(convention.record)(2, &content(2)));
        cluster().execute(&db, &(convention.record)(3, &content(3)));
    } else {
        cluster().execute(&db, &(convention.record)(3, &content(3)));
    }
    let (code, json) = verify(&db, &[]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{tool}: {json}");

    // Only line endings changed after the apply.
    write_migration(&repo, convention, 1, &content(1).replace('\n', "\r\n"));
    commit_all(&repo, "line endings");
    let (code, json) = verify(&db, &[]);
    let mut expected = vec![];
    if let Some((kind, _)) = convention.line_endings {
        expected.push(finding("critical", kind, &name(1)));
    }
    expected.push(finding("warning", "changed_after_added", &name(1)));
    assert_eq!(findings(&json), expected, "{tool}: {json}");
    assert_eq!(
        code,
        if convention.line_endings.is_some() {
            1
        } else {
            2
        }
    );
    if let Some((kind, detail)) = convention.line_endings {
        assert!(detail_of(&json, kind).starts_with(detail), "{tool}: {json}");
    }
    assert!(
        detail_of(&json, "changed_after_added")
            .contains("(only line endings or trailing whitespace)"),
        "{tool}: {json}"
    );

    // Edited after the apply: a checksum says so; without one, git history does.
    write_migration(
        &repo,
        convention,
        1,
        &(convention.wrap)("CREATE TABLE t1 (id bigint);\n"),
    );
    commit_all(&repo, "edit an applied migration");
    let (code, json) = verify(&db, &[]);
    let kinds: Vec<String> = findings(&json).into_iter().map(|f| f.1).collect();
    let edited = ["drizzle", "prisma", "sqlx", "flyway"].contains(&tool);
    if edited {
        assert_eq!(code, 1, "{tool}: {json}");
        assert_eq!(kinds, ["edited", "changed_after_added"], "{tool}: {json}");
        assert!(detail_of(&json, "edited").starts_with("the file changed since it was applied"));
    } else {
        assert_eq!(code, 2, "{tool}: {json}");
        assert_eq!(kinds, ["changed_after_added"], "{tool}: {json}");
    }
    let commits = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "changed_after_added")
        .unwrap()["commits"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(commits, 3, "{tool}: added, line endings, edit: {json}");

    // No tracking table.
    let empty = cluster().fresh_database("mig_empty");
    let (code, json) = verify(&empty, &["--tool", tool]);
    assert!(code == 2, "{tool}: {json}");
    let no_tracker = detail_of(&json, "no_tracker");
    assert!(
        no_tracker.contains(convention.tables),
        "{tool}: {no_tracker}"
    );
}

#[test]
fn drizzle_tracking_and_files() {
    exercise(&conventions()[0]);
}

#[test]
fn prisma_tracking_and_files() {
    exercise(&conventions()[1]);
}

#[test]
fn sqlx_tracking_and_files() {
    exercise(&conventions()[2]);
}

#[test]
fn flyway_tracking_and_files() {
    exercise(&conventions()[3]);
}

#[test]
fn dbmate_tracking_and_files() {
    exercise(&conventions()[4]);
}

#[test]
fn supabase_tracking_and_files() {
    exercise(&conventions()[5]);
}

#[test]
fn rails_tracking_and_files() {
    exercise(&conventions()[6]);
}

#[test]
fn golang_migrate_tracking_and_files() {
    exercise(&conventions()[7]);
}

#[test]
fn a_plain_folder_relies_on_git_history_and_uncommitted_files_are_named() {
    let repo = Repo::new();
    let dir = repo.path().join("migrations");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("0001_init.sql"), "CREATE TABLE a (id int);\n").unwrap();
    commit_all(&repo, "init");
    let added = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    std::fs::write(dir.join("0001_init.sql"), "CREATE TABLE a (id bigint);\n").unwrap();
    commit_all(&repo, "edit");
    let edited = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    std::fs::write(dir.join("0002_more.sql"), "CREATE TABLE b (id int);\n").unwrap();

    let run = repo.schemagit(&["migrations", "verify", "--offline", "--json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["tool"], "plain");
    assert_eq!(
        findings(&json),
        [
            finding("warning", "changed_after_added", "0001_init"),
            finding("warning", "uncommitted", "0002_more"),
        ]
    );
    assert_eq!(
        json["findings"][0]["commits"],
        serde_json::json!([added, edited])
    );
    assert_eq!(
        json["findings"][0]["detail"],
        format!(
            "changed in git after the commit that added it: added in {}, changed in {}",
            &added[..7],
            &edited[..7]
        )
    );
    assert_eq!(
        json["findings"][1]["detail"],
        "migrations/0002_more.sql is not committed"
    );

    let human = repo.schemagit(&["migrations", "verify", "--offline"]);
    assert_eq!(
        human.stdout,
        format!(
            "warning  changed_after_added 0001_init changed in git after the commit that added it: added in {}, changed in {}\n\
             warning  uncommitted         0002_more migrations/0002_more.sql is not committed\n\
             2 findings: 0 critical, 2 warnings, 0 info\n",
            &added[..7],
            &edited[..7]
        )
    );
    let status = repo.schemagit(&["migrations", "status", "--offline"]);
    assert_eq!(
        status.stdout,
        format!(
            "VERSION        NAME           STATE    APPLIED AT  CHECKSUM  ADDED    CHANGED\n\
             0001_init.sql  0001_init.sql  unknown  -           -         {}  {}\n\
             0002_more.sql  0002_more.sql  unknown  -           -         -        -\n",
            &added[..7],
            &edited[..7]
        )
    );
}

#[test]
fn bad_tool_and_ambiguous_folders_are_usage_errors() {
    let repo = Repo::new();
    let dir = repo.path().join("migrations");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("1_a.up.sql"), "select 1;").unwrap();
    let run = repo.schemagit(&["migrations", "verify", "--offline"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.starts_with(
            "error: the migrations in migrations match several tools: golang-migrate, sqlx"
        ),
        "{}",
        run.stderr
    );
    let run = repo.schemagit(&["migrations", "verify"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("pass --offline to check the files and git history"),
        "{}",
        run.stderr
    );
    let run = repo.schemagit(&["migrations", "verify", "--tool", "liquibase"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let run = repo.schemagit(&["migrations", "verify", "--offline", "--dir", "nowhere"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
}

/// The snapshot commit records the latest applied migration; a change that came with no
/// new migration is a manual change, in the commit and in `check`; a file changed after the
/// snapshot that recorded it as applied is critical for a tracker without checksums.
#[test]
fn snapshots_record_the_latest_migration_and_flag_manual_changes() {
    let db = cluster().fresh_database("mig_manual");
    let url = cluster().url(&db);
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[env.default]\nmigrations = \"db/migrations\"\n",
    )
    .unwrap();
    let dbmate = &conventions()[4];
    let content = |n| (dbmate.wrap)(&body(n));
    write_migration(&repo, dbmate, 1, &content(1));
    commit_all(&repo, "first migration");
    cluster().execute(&db, dbmate.create);
    cluster().execute(&db, &body(1));
    cluster().execute(&db, &(dbmate.record)(1, ""));
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.contains("\nSchema-Migrations: dbmate 20240101000001_t1\n"),
        "{message}"
    );
    // The tracking table is bookkeeping: it is not in the snapshot.
    assert!(!repo
        .path()
        .join("snapshots/default/public/tables/schema_migrations.json")
        .exists());
    assert!(repo
        .path()
        .join("snapshots/default/public/tables/t1.json")
        .exists());

    // A change by hand: check says so, and so does the next snapshot's commit.
    cluster().execute(&db, "CREATE TABLE by_hand (id int);");
    let run = repo.schemagit(&["check", "--json", "--database-url", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let changes = run.json()["changes"].clone();
    assert_eq!(changes[0]["kind"], "manual_change", "{changes}");
    assert_eq!(changes[0]["severity"], "critical");
    assert_eq!(
        changes[0]["detail"],
        "1 schema change with no new migration: the latest applied is still dbmate 20240101000001_t1, as at the previous snapshot"
    );
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("schema(default): 2 changes, 2 critical\n\nCritical:\n  changed manual change dbmate 20240101000001_t1: 1 schema change with no new migration"),
        "{message}"
    );

    // A change that came with a migration is no manual change.
    write_migration(&repo, dbmate, 2, &content(2));
    commit_all(&repo, "second migration");
    cluster().execute(&db, &body(2));
    cluster().execute(&db, &(dbmate.record)(2, ""));
    let run = repo.schemagit(&["check", "--json", "--database-url", &url]);
    let kinds: Vec<String> = run.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["table"], "{}", run.stdout);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(!message.contains("manual change"), "{message}");

    // dbmate keeps no checksum: the snapshot that recorded 1 as applied dates the apply, and a
    // commit changing the file after it is critical.
    write_migration(
        &repo,
        dbmate,
        1,
        &(dbmate.wrap)("CREATE TABLE t1 (id bigint);\n"),
    );
    commit_all(&repo, "edit the applied migration");
    let edit = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let (code, json) = verify(&repo, &db, &[]);
    assert_eq!(code, 1, "{json}");
    let after = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "edited_after_apply")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(after["severity"], "critical");
    assert_eq!(after["migration"], "20240101000001_t1");
    assert_eq!(after["commits"].as_array().unwrap().last().unwrap(), &edit);
}

/// Runs migration files against a live database as the tool would, as `role`.
fn apply_live(db: &str, role: &str, statements: &[&str]) {
    let mut sql = format!("SET ROLE {role};\n");
    for statement in statements {
        sql.push_str(statement);
        sql.push('\n');
    }
    cluster().execute(db, &sql);
}

/// A drizzle folder replayed in a throwaway PostgreSQL builds what the migrations built in the
/// live database, owned there by the application's role: no drift, tracking table and owner
/// included. A change made by hand in the live database then shows.
#[test]
fn replayed_migrations_equal_the_live_schema_and_a_manual_change_shows() {
    let db = cluster().fresh_database("mig_replay");
    let role = format!("{db}_owner");
    cluster().execute(
        "postgres",
        &format!("CREATE ROLE {role} NOLOGIN; GRANT CREATE ON DATABASE {db} TO {role};"),
    );
    let repo = Repo::new();
    let dir = repo.path().join("drizzle");
    std::fs::create_dir_all(dir.join("meta")).unwrap();
    let first = "CREATE SCHEMA app;\n--> statement-breakpoint\nCREATE TABLE app.users (id bigint PRIMARY KEY, email text NOT NULL);\n--> statement-breakpoint\nCREATE INDEX CONCURRENTLY users_email ON app.users (email);\n";
    let second = "ALTER TABLE app.users ADD COLUMN name text;\n";
    std::fs::write(dir.join("0001_t1.sql"), first).unwrap();
    std::fs::write(dir.join("0002_t2.sql"), second).unwrap();
    write_journal(&repo, "drizzle", 2);
    commit_all(&repo, "drizzle migrations");

    apply_live(
        &db,
        &role,
        &[
            "CREATE SCHEMA app;",
            "CREATE TABLE app.users (id bigint PRIMARY KEY, email text NOT NULL);",
        ],
    );
    apply_live(
        &db,
        &role,
        &["CREATE INDEX users_email ON app.users (email);"],
    );
    apply_live(&db, &role, &[second]);
    let drizzle = &conventions()[0];
    cluster().execute(&db, drizzle.create);
    cluster().execute(&db, &(drizzle.record)(1, first));
    cluster().execute(&db, &(drizzle.record)(2, second));

    let url = cluster().url(&db);
    let run = repo.schemagit(&["diff", "migrations:drizzle", &url]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "no changes\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("drizzle, throwaway PostgreSQL"),
        "{}",
        run.stderr
    );
    let (code, json) = verify(&repo, &db, &["--dir", "drizzle"]);
    assert_eq!((code, findings(&json)), (0, vec![]), "{json}");

    cluster().execute(&db, "ALTER TABLE app.users ADD COLUMN nickname text;");
    let run = repo.schemagit(&["diff", "--json", "migrations:drizzle", &url]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let changes = run.json()["changes"].clone();
    assert_eq!(changes[0]["object"], "app.users.nickname", "{changes}");
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes}");
}

/// Files that must not run in a transaction replay: a plain folder whose file holds
/// `CREATE INDEX CONCURRENTLY` among other statements, one marked `-- no-transaction`, and
/// dbmate's `transaction:false`; only dbmate's up section runs.
#[test]
fn folders_with_create_index_concurrently_replay() {
    let repo = Repo::new();
    let write = |dir: &str, name: &str, text: &str| {
        let path = repo.path().join(dir).join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("plain", "0001_t.sql", "CREATE TABLE t (a int);\nCREATE INDEX CONCURRENTLY t_a ON t (a);\nCREATE TABLE u (b int);\n");
    write(
        "dbm",
        "20240101000001_t.sql",
        "-- migrate:up\nCREATE TABLE t (a int);\n-- migrate:down\nDROP TABLE t;\n",
    );
    write("dbm", "20240101000002_i.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY t_a ON t (a);\nCREATE TABLE u (b int);\n\n-- migrate:down\nDROP INDEX t_a;\n");
    write(
        "sqlx",
        "0001_t.sql",
        "CREATE TABLE t (a int);\nCREATE TABLE u (b int);\n",
    );
    write(
        "sqlx",
        "0002_i.sql",
        "-- no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n",
    );
    commit_all(&repo, "folders");
    for (left, right) in [("plain", "dbm"), ("plain", "sqlx")] {
        let run = repo.schemagit(&[
            "diff",
            &format!("migrations:{left}"),
            &format!("migrations:{right}"),
        ]);
        assert_eq!(
            (run.code, run.stdout.as_str()),
            (0, "no changes\n"),
            "{left} {right}: {}",
            run.stderr
        );
    }
    let run = repo.schemagit(&["snapshot", "--from-migrations", "dbm"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(repo
        .path()
        .join("snapshots/default/public/tables/u.json")
        .exists());
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.contains("\nSchema-Migrations: dbmate 20240101000002_i\n"),
        "{message}"
    );

    // A failing statement in a split file names its own line.
    write(
        "bad",
        "0001_t.sql",
        "CREATE TABLE t (a int);\n\nCREATE INDEX CONCURRENTLY t_a ON t (a;\n",
    );
    let run = repo.schemagit(&["diff", "migrations:plain", "migrations:bad"]);
    assert_eq!(run.code, 7, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("bad/0001_t.sql failed at line 3: syntax error at end of input"),
        "{}",
        run.stderr
    );
}
