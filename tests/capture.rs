//! Drift captured as a migration, per tool: the live database drifts from what the migration
//! folder builds, the plan script of the drift is captured into the folder, and then the
//! tool's own discovery lists it last, the integrity rules see it as the one pending migration,
//! and the folder replayed in a throwaway PostgreSQL builds exactly the live schema.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{cluster, Repo};
use schemagit::migrations::capture::capture;
use schemagit::migrations::tools::{expand_rows, Applied, AppliedState, Tool};
use schemagit::migrations::verify::{self, GitFacts, Tracking};
use schemagit::plan::{Hazard, HazardKind, Plan, Statement};

const USERS: &str = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);\n";
const POSTS: &str =
    "CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users, body text);\n";

/// A tool's folder holding the two migrations `USERS` and `POSTS` as the tool writes them.
struct Folder {
    tool: Tool,
    dir: &'static str,
    files: Vec<(&'static str, String)>,
    /// Whether the tool can run a migration outside a transaction.
    outside_transaction: bool,
    /// Whether the files alone name the tool.
    detected: bool,
}

fn dbmate(body: &str) -> String {
    format!("-- migrate:up\n{body}\n-- migrate:down\n")
}

fn folders() -> Vec<Folder> {
    let journal = r#"{
  "version": "7",
  "dialect": "postgresql",
  "entries": [
    {
      "idx": 0,
      "version": "7",
      "when": 1700000000000,
      "tag": "0000_users",
      "breakpoints": true
    },
    {
      "idx": 1,
      "version": "7",
      "when": 1700000000001,
      "tag": "0001_posts",
      "breakpoints": true
    }
  ]
}"#;
    vec![
        Folder {
            tool: Tool::Plain,
            dir: "db",
            files: vec![
                ("0001_users.sql", USERS.into()),
                ("0002_posts.sql", POSTS.into()),
            ],
            outside_transaction: true,
            detected: true,
        },
        Folder {
            tool: Tool::Dbmate,
            dir: "db/migrations",
            files: vec![
                ("20240101000001_users.sql", dbmate(USERS)),
                ("20240101000002_posts.sql", dbmate(POSTS)),
            ],
            outside_transaction: true,
            detected: true,
        },
        Folder {
            tool: Tool::Drizzle,
            dir: "drizzle",
            files: vec![
                ("0000_users.sql", USERS.into()),
                ("0001_posts.sql", POSTS.into()),
                ("meta/_journal.json", journal.into()),
            ],
            outside_transaction: false,
            detected: true,
        },
        Folder {
            tool: Tool::Prisma,
            dir: "prisma/migrations",
            files: vec![
                ("20240101000001_users/migration.sql", USERS.into()),
                ("20240101000002_posts/migration.sql", POSTS.into()),
                ("migration_lock.toml", "provider = \"postgresql\"\n".into()),
            ],
            outside_transaction: true,
            detected: true,
        },
        Folder {
            tool: Tool::Sqlx,
            dir: "migrations",
            files: vec![
                ("20240101000001_users.sql", USERS.into()),
                ("20240101000002_posts.sql", POSTS.into()),
            ],
            outside_transaction: true,
            detected: false,
        },
        Folder {
            tool: Tool::Flyway,
            dir: "sql",
            files: vec![
                ("V1__users.sql", USERS.into()),
                ("V2__posts.sql", POSTS.into()),
            ],
            outside_transaction: true,
            detected: true,
        },
        Folder {
            tool: Tool::GolangMigrate,
            dir: "migrations",
            files: vec![
                ("000001_users.up.sql", USERS.into()),
                ("000001_users.down.sql", "DROP TABLE users;\n".into()),
                ("000002_posts.up.sql", POSTS.into()),
                ("000002_posts.down.sql", "DROP TABLE posts;\n".into()),
            ],
            outside_transaction: true,
            detected: false,
        },
        Folder {
            tool: Tool::Supabase,
            dir: "supabase/migrations",
            files: vec![
                ("20240101000001_users.sql", USERS.into()),
                ("20240101000002_posts.sql", POSTS.into()),
            ],
            outside_transaction: true,
            detected: false,
        },
        Folder {
            tool: Tool::Sqlx,
            dir: "reversible",
            files: vec![
                ("20240101000001_users.up.sql", USERS.into()),
                (
                    "20240101000001_users.down.sql",
                    "DROP TABLE users;\n".into(),
                ),
                ("20240101000002_posts.up.sql", POSTS.into()),
                (
                    "20240101000002_posts.down.sql",
                    "DROP TABLE posts;\n".into(),
                ),
            ],
            outside_transaction: true,
            detected: false,
        },
    ]
}

fn statement(sql: &str, transactional: bool, hazard: Option<(HazardKind, &str)>) -> Statement {
    Statement {
        sql: sql.into(),
        hazards: hazard
            .map(|(kind, detail)| Hazard {
                kind,
                detail: detail.into(),
            })
            .into_iter()
            .collect(),
        transactional,
    }
}

/// The first drift: a column, and a function whose body holds semicolons, quotes and a
/// backslash.
fn first_drift() -> Plan {
    Plan {
        statements: vec![
            statement("SET check_function_bodies = false", true, None),
            statement(
                "ALTER TABLE public.posts ADD COLUMN published_at timestamp with time zone",
                true,
                Some((HazardKind::Lock, "ACCESS EXCLUSIVE on public.posts")),
            ),
            statement(
                "CREATE FUNCTION public.slug(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT regexp_replace(lower(t), E'\\\\s+', '-', 'g'); $$",
                true,
                None,
            ),
        ],
    }
}

/// The second drift: an index (built concurrently where the tool can run it outside a
/// transaction) and a comment after it.
fn second_drift(concurrently: bool) -> Plan {
    let index = if concurrently {
        "CREATE INDEX CONCURRENTLY posts_published_at ON public.posts USING btree (published_at)"
    } else {
        "CREATE INDEX posts_published_at ON public.posts USING btree (published_at)"
    };
    Plan {
        statements: vec![
            statement("SET check_function_bodies = false", true, None),
            statement(
                index,
                !concurrently,
                Some((HazardKind::IndexBuild, "builds posts_published_at")),
            ),
            statement(
                "COMMENT ON COLUMN public.posts.published_at IS 'when it went out; it''s UTC'",
                true,
                None,
            ),
        ],
    }
}

/// Runs a plan's statements on the live database one by one, as a person making the change
/// by hand would.
fn drift(db: &str, plan: &Plan) {
    for statement in &plan.statements {
        cluster().execute(db, &statement.sql);
    }
}

/// 2025-12-02 18:26:40 UTC: both captures are made in the same second.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_764_700_000)
}

fn commit_all(repo: &Repo, message: &str) {
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", message]);
}

/// The tracking rows a tool would hold with every migration of `folder` applied.
fn all_applied(tool: Tool, folder: &std::path::Path) -> Vec<Applied> {
    let files = tool.discover(folder).unwrap();
    let rows: Vec<Applied> = files
        .iter()
        .zip(0..)
        .map(|(file, rank)| Applied {
            version: file.version.clone(),
            name: Some(file.name.clone()),
            checksum: tool.checksum(&file.bytes),
            state: AppliedState::Applied,
            applied_at: None,
            rank,
        })
        .collect();
    match tool {
        // golang-migrate keeps one row: the latest version.
        Tool::GolangMigrate => rows.into_iter().last().into_iter().collect(),
        _ => rows,
    }
}

fn exercise(folder: &Folder) {
    let tool = folder.tool;
    let name = tool.name();
    let repo = Repo::new();
    let dir = repo.path().join(folder.dir);
    for (file, text) in &folder.files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    commit_all(&repo, "migrations");
    let applied = all_applied(tool, &dir);
    let before = tool.discover(&dir).unwrap().len();

    let db = cluster().fresh_database(&format!("capture_{}", name.replace('-', "_")));
    cluster().execute(&db, &format!("{USERS}{POSTS}"));
    let first = first_drift();
    let second = second_drift(folder.outside_transaction);
    drift(&db, &first);
    drift(&db, &second);

    let one = capture(&dir, tool, "capture_drift", &first.script(), false, now())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let two = capture(
        &dir,
        tool,
        "capture_index",
        &second.script(),
        folder.outside_transaction,
        now(),
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let captured: Vec<String> = one
        .migrations
        .iter()
        .chain(&two.migrations)
        .cloned()
        .collect();
    if folder.outside_transaction && tool != Tool::Plain {
        // The concurrent build is a migration of its own, between its neighbours.
        assert_eq!(two.migrations.len(), 3, "{name}: {two:?}");
    }

    // The tool's discovery lists the new migrations last, in the order they were captured.
    let files = tool.discover(&dir).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names[before..], captured, "{name}: {names:?}");

    // With every earlier migration applied, the new ones are pending and nothing else is said.
    if tool != Tool::Plain {
        let rows = expand_rows(tool, &files, applied);
        let verified = verify::verify(
            tool,
            folder.dir,
            &files,
            &Tracking::Rows(rows),
            &GitFacts::default(),
        );
        let findings: Vec<(&str, &str)> = verified
            .findings
            .iter()
            .map(|f| (f.kind, f.migration.as_str()))
            .collect();
        let pending: Vec<(&str, &str)> = captured.iter().map(|m| ("pending", m.as_str())).collect();
        assert_eq!(findings, pending, "{name}");
    }

    // `migrations status` detects the tool from the files and lists the new migrations.
    commit_all(&repo, "capture drift");
    let mut args = vec![
        "migrations",
        "status",
        "--offline",
        "--json",
        "--dir",
        folder.dir,
    ];
    // Without a database, plain `.sql` files name no tool, and `.up.sql` files two.
    if !folder.detected {
        args.extend(["--tool", name]);
    }
    let status = repo.schemagit(&args).success().json();
    assert_eq!(status["tool"], name);
    let listed: Vec<&str> = status["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, names, "{name}");

    // Replayed, the folder builds the live schema: the drift is all in the new migrations.
    let run = repo.schemagit(&[
        "diff",
        &format!("migrations:{}", folder.dir),
        &cluster().url(&db),
    ]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "no changes\n"),
        "{name}: {}",
        run.stderr
    );
}

#[test]
fn plain_capture_replays_to_the_live_schema() {
    exercise(&folders()[0]);
}

#[test]
fn dbmate_capture_replays_to_the_live_schema() {
    exercise(&folders()[1]);
}

#[test]
fn drizzle_capture_replays_to_the_live_schema() {
    exercise(&folders()[2]);
}

#[test]
fn prisma_capture_replays_to_the_live_schema() {
    exercise(&folders()[3]);
}

#[test]
fn sqlx_capture_replays_to_the_live_schema() {
    exercise(&folders()[4]);
}

#[test]
fn flyway_capture_replays_to_the_live_schema() {
    exercise(&folders()[5]);
}

#[test]
fn golang_migrate_capture_replays_to_the_live_schema() {
    exercise(&folders()[6]);
}

#[test]
fn supabase_capture_replays_to_the_live_schema() {
    exercise(&folders()[7]);
}

/// A folder of `.up.sql` and `.down.sql` pairs replays as sqlx runs it, `-- no-transaction`
/// included.
#[test]
fn reversible_sqlx_capture_replays_to_the_live_schema() {
    exercise(&folders()[8]);
}

/// `migrations verify` against dbmate's tracking table, which records the folder's two
/// migrations as applied, names each captured migration as the one thing pending.
#[test]
fn verify_against_the_tracking_table_finds_the_captured_migrations_pending() {
    let folder = &folders()[1];
    let repo = Repo::new();
    let dir = repo.path().join(folder.dir);
    for (file, text) in &folder.files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let db = cluster().fresh_database("capture_verify");
    cluster().execute(
        &db,
        &format!(
            "{USERS}{POSTS}CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
             INSERT INTO schema_migrations VALUES ('20240101000001'), ('20240101000002');"
        ),
    );
    let mut captured = Vec::new();
    for (name, plan, outside) in [
        ("capture_drift", first_drift(), false),
        ("capture_index", second_drift(true), true),
    ] {
        drift(&db, &plan);
        let written = capture(&dir, Tool::Dbmate, name, &plan.script(), outside, now()).unwrap();
        captured.extend(written.migrations);
    }
    commit_all(&repo, "migrations and the captured drift");

    let url = cluster().url(&db);
    let run = repo.schemagit(&[
        "migrations",
        "verify",
        "--json",
        "--database-url",
        &url,
        "--dir",
        folder.dir,
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let json = run.json();
    assert_eq!(json["tool"], "dbmate");
    let findings: Vec<(&str, &str)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap(),
                f["migration"].as_str().unwrap(),
            )
        })
        .collect();
    let pending: Vec<(&str, &str)> = captured.iter().map(|m| ("pending", m.as_str())).collect();
    assert_eq!(findings, pending, "{json}");
}
