//! `schemagit check` and `schemagit diff` end to end: real changes applied to copies of a real
//! database, judged against the committed snapshot.

mod common;

use std::sync::OnceLock;

use common::{cluster, fixtures, Repo};

/// The database every case copies (`CREATE DATABASE … TEMPLATE`), built once.
fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| cluster().database_from("check_base", &fixtures("kinds")))
}

/// A copy of the base database, and a repository whose HEAD holds the base's snapshot.
fn setup() -> (String, Repo) {
    let copy = format!("copy_{}", uniq());
    cluster().execute(
        "postgres",
        &format!("CREATE DATABASE {copy} TEMPLATE {}", base()),
    );
    // The copy, not the base, is the expected schema: a template copy carries neither the
    // base's database settings nor its subscriptions, which belong to the database itself.
    let repo = Repo::new();
    repo.schemagit(&["snapshot", "--database-url", &cluster().url(&copy)])
        .success();
    (copy, repo)
}

fn uniq() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn check_json(repo: &Repo, db: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let url = cluster().url(db);
    let mut args = vec!["check", "--json", "--database-url", &url];
    args.extend_from_slice(extra);
    let run = repo.schemagit(&args);
    assert!(run.code <= 2, "check failed: {}", run.stderr);
    (run.code, run.json())
}

/// One real change, every change check must report about it, and the exit code.
struct Case {
    sql: &'static str,
    exit: i32,
    /// The full change set: (severity, kind, action, object, detail), in report order.
    changes: &'static [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    )],
}

const fn case(
    sql: &'static str,
    exit: i32,
    changes: &'static [(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    )],
) -> Case {
    Case { sql, exit, changes }
}

#[rustfmt::skip]
const CASES: &[Case] = &[
    case("ALTER TABLE shop.customers ALTER COLUMN name TYPE varchar(50)", 1, &[("critical", "column", "changed", "shop.customers.name", "type text -> character varying(50); collation \"C\" -> none; storage external -> none")]),
    case("ALTER TABLE shop.orders ALTER COLUMN total DROP NOT NULL", 1, &[("critical", "column", "changed", "shop.orders.total", "NOT NULL removed")]),
    case("ALTER TABLE shop.orders ALTER COLUMN total SET DEFAULT 1", 1, &[("critical", "column", "changed", "shop.orders.total", "default 0 -> 1")]),
    case("ALTER TABLE shop.customers ALTER COLUMN id SET INCREMENT BY 7", 1, &[("critical", "column", "changed", "shop.customers.id", "identity always (bigint start 100 increment 5 min 1 max 9223372036854775807 cache 1) -> always (bigint start 100 increment 7 min 1 max 9223372036854775807 cache 1)")]),
    case("ALTER TABLE shop.customers ALTER COLUMN name SET DATA TYPE text COLLATE \"POSIX\"", 1, &[("critical", "column", "changed", "shop.customers.name", "collation \"C\" -> \"POSIX\"; storage external -> none")]),
    case("ALTER TABLE shop.orders ADD COLUMN note text", 1, &[("critical", "column", "added", "shop.orders.note", "text")]),
    case("ALTER TABLE shop.customers DISABLE ROW LEVEL SECURITY", 1, &[("critical", "rls", "changed", "shop.customers", "row-level security disabled")]),
    case("ALTER TABLE shop.customers NO FORCE ROW LEVEL SECURITY", 1, &[("critical", "rls", "changed", "shop.customers", "FORCE row-level security removed")]),
    case("DROP POLICY customers_self ON shop.customers", 1, &[("critical", "policy", "removed", "shop.customers.customers_self", "policy removed")]),
    case("ALTER POLICY customers_self ON shop.customers USING (true)", 1, &[("critical", "policy", "changed", "shop.customers.customers_self", "USING (email = CURRENT_USER) -> true")]),
    case("ALTER POLICY customers_self ON shop.customers TO public", 1, &[("critical", "policy", "changed", "shop.customers.customers_self", "roles [fixture_reader] -> [public]")]),
    case("CREATE POLICY customers_all ON shop.customers USING (true)", 1, &[("critical", "policy", "added", "shop.customers.customers_all", "policy added")]),
    case("CREATE INDEX orders_total_idx ON shop.orders (total)", 2, &[("warning", "index", "added", "shop.orders.orders_total_idx", "index added")]),
    case("DROP INDEX shop.orders_customer_idx", 2, &[("warning", "index", "removed", "shop.orders.orders_customer_idx", "index removed")]),
    case("ALTER TABLE shop.orders ADD CONSTRAINT orders_total_check CHECK (total >= 0)", 2, &[("warning", "constraint", "added", "shop.orders.orders_total_check", "constraint added")]),
    case("ALTER TABLE shop.orders ALTER CONSTRAINT orders_customer_id_fkey DEFERRABLE", 2, &[("warning", "constraint", "changed", "shop.orders.orders_customer_id_fkey", "definition FOREIGN KEY (customer_id) REFERENCES shop.customers(id) ON DELETE CASCADE -> FOREIGN KEY (customer_id) REFERENCES shop.customers(id) ON DELETE CASCADE DEFERRABLE")]),
    case("ALTER TABLE shop.customers ENABLE TRIGGER customers_audit", 2, &[("warning", "trigger", "changed", "shop.customers.customers_audit", "enabled disabled -> origin")]),
    case("DROP TRIGGER customers_touch ON shop.customers", 2, &[("warning", "trigger", "removed", "shop.customers.customers_touch", "trigger removed")]),
    case("CREATE OR REPLACE VIEW shop.big_orders WITH (security_barrier = true) AS SELECT o.id, o.total, c.email FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id WHERE o.total > 1000", 2, &[("warning", "view", "changed", "shop.big_orders", "definition changed")]),
    case("ALTER VIEW shop.big_orders RESET (security_barrier)", 1, &[("critical", "view", "changed", "shop.big_orders", "options [security_barrier=true] -> []")]),
    case("CREATE OR REPLACE FUNCTION shop.total_for(customer text) RETURNS numeric LANGUAGE sql AS $$ SELECT 1::numeric $$", 0, &[("info", "function", "changed", "shop.total_for(text)", "definition changed")]),
    case("ALTER FUNCTION shop.total_for(text) SECURITY DEFINER", 1, &[("critical", "function", "changed", "shop.total_for(text)", "SECURITY DEFINER added")]),
    case("ALTER FUNCTION shop.admin_reset() RESET search_path", 1, &[("critical", "function", "changed", "shop.admin_reset()", "SET search_path removed")]),
    case("ALTER FUNCTION shop.total_for(bigint, date) VOLATILE", 0, &[("info", "function", "changed", "shop.total_for(bigint, date)", "volatility stable -> volatile")]),
    case("ALTER SEQUENCE shop.invoice_no INCREMENT BY 3", 2, &[("warning", "sequence", "changed", "shop.invoice_no", "increment 10 -> 3")]),
    case("ALTER TYPE shop.mood ADD VALUE 'ecstatic'", 2, &[("warning", "type", "changed", "shop.mood", "labels [sad, ok, happy] -> [sad, ok, happy, ecstatic]")]),
    case("ALTER DOMAIN shop.positive DROP NOT NULL", 2, &[("warning", "type", "changed", "shop.positive", "NOT NULL removed")]),
    case("ALTER DOMAIN shop.positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000)", 2, &[("warning", "constraint", "added", "shop.positive.positive_small", "constraint added")]),
    case("ALTER TABLE shop.orders OWNER TO fixture_writer", 2, &[("warning", "owner", "changed", "shop.orders", "owner schemagit -> fixture_writer")]),
    case("GRANT SELECT ON shop.orders TO PUBLIC", 1, &[("critical", "grant", "added", "shop.orders", "SELECT to PUBLIC")]),
    case("GRANT SELECT (total) ON shop.orders TO fixture_reader", 1, &[("critical", "grant", "added", "shop.orders.total", "SELECT to fixture_reader")]),
    case("GRANT EXECUTE ON FUNCTION shop.admin_reset() TO PUBLIC", 1, &[("critical", "grant", "added", "shop.admin_reset()", "EXECUTE to PUBLIC")]),
    case("GRANT CREATE ON SCHEMA shop TO PUBLIC", 1, &[("critical", "grant", "added", "shop", "CREATE to PUBLIC")]),
    case("REVOKE INSERT ON shop.customers FROM fixture_writer", 2, &[("warning", "grant", "removed", "shop.customers", "INSERT from fixture_writer")]),
    case("COMMENT ON TABLE shop.orders IS 'what was bought'", 0, &[("info", "comment", "added", "shop.orders", "comment \"what was bought\"")]),
    case("COMMENT ON COLUMN shop.customers.email IS NULL", 0, &[("info", "comment", "removed", "shop.customers.email", "comment removed")]),
    case("CREATE TABLE shop.refunds (id int)", 1, &[("critical", "table", "added", "shop.refunds", "table added; grants SELECT to fixture_reader")]),
    case("DROP TABLE shop.child_log", 1, &[("critical", "table", "removed", "shop.child_log", "table removed")]),
    case("ALTER TABLE shop.scratch SET LOGGED", 1, &[("critical", "table", "changed", "shop.scratch", "UNLOGGED removed")]),
    case("ALTER TABLE shop.events DETACH PARTITION shop.events_2024", 1, &[("critical", "table", "changed", "shop.events_2024", "partition of shop.events -> none; partition bound FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00') -> none"), ("warning", "index", "changed", "shop.events_2024.events_2024_at_idx", "attached to shop.events_at_idx -> none"), ("warning", "index", "changed", "shop.events_2024.events_2024_kind_idx", "attached to shop.events_kind_idx -> none")]),
    case("DROP MATERIALIZED VIEW shop.order_counts", 2, &[("warning", "materialized_view", "removed", "shop.order_counts", "materialized view removed")]),
    case("CREATE SCHEMA reports", 2, &[("warning", "schema", "added", "reports", "schema added")]),
    case("ALTER EXTENSION pgcrypto SET SCHEMA shop", 2, &[("warning", "extension", "changed", "pgcrypto", "schema public -> shop")]),
    case("GRANT EXECUTE ON FUNCTION public.gen_random_bytes(integer) TO PUBLIC", 1, &[("critical", "grant", "added", "pgcrypto member public.gen_random_bytes(integer)", "EXECUTE to PUBLIC")]),
    case("ALTER TABLE shop.customers ALTER COLUMN name SET STORAGE EXTENDED", 1, &[("critical", "column", "changed", "shop.customers.name", "storage external -> none")]),
    case("ALTER TABLE shop.orders ALTER COLUMN total SET STATISTICS 100", 1, &[("critical", "column", "changed", "shop.orders.total", "statistics 500 -> 100")]),
    case("ALTER TABLE shop.orders REPLICA IDENTITY DEFAULT", 1, &[("critical", "table", "changed", "shop.orders", "replica identity FULL -> DEFAULT")]),
    case("DROP RULE orders_no_delete ON shop.orders", 2, &[("warning", "rewrite_rule", "removed", "shop.orders.orders_no_delete", "rewrite rule removed")]),
    case("DROP STATISTICS shop.orders_stats", 2, &[("warning", "statistics", "removed", "shop.orders.\"shop.orders_stats\"", "statistics removed")]),
    case("ALTER PUBLICATION shop_pub ADD TABLE shop.base_log", 2, &[("warning", "publication", "changed", "shop_pub", "tables [\"shop.customers\",\"shop.orders\"] -> [\"shop.base_log\",\"shop.child_log\",\"shop.customers\",\"shop.orders\"]")]),
    case("ALTER EVENT TRIGGER shop_ddl DISABLE", 2, &[("warning", "event_trigger", "changed", "shop_ddl", "enabled origin -> disabled")]),
    case("ALTER SERVER shop_srv OPTIONS (SET host 'db2.example')", 2, &[("warning", "foreign_server", "changed", "shop_srv", "options [\"dbname=x\",\"host=db.example\"] -> [\"dbname=x\",\"host=db2.example\"]")]),
    case("ALTER DEFAULT PRIVILEGES IN SCHEMA shop GRANT INSERT ON TABLES TO fixture_reader", 1, &[("critical", "grant", "added", "schemagit in schema shop on tables", "INSERT to fixture_reader")]),
    case("ALTER FOREIGN TABLE shop.remote_items OPTIONS (SET table_name 'items_v2')", 2, &[("warning", "foreign_table", "changed", "shop.remote_items", "foreign options [table_name=items] -> [table_name=items_v2]")]),
    case("CREATE COLLATION shop.c2 (locale = 'C')", 2, &[("warning", "collation", "added", "shop.c2", "collation added")]),
    case("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem = ''64MB''', current_database()); END $$", 2, &[("warning", "settings", "added", "database", "settings added")]),
];

#[test]
fn a_clean_database_has_no_changes_and_exits_0() {
    let (copy, repo) = setup();
    let (code, report) = check_json(&repo, &copy, &[]);
    assert_eq!(code, 0, "{report}");
    assert_eq!(
        report,
        serde_json::json!({"summary": {"critical": 0, "warning": 0, "info": 0}, "changes": []})
    );
    let url = cluster().url(&copy);
    let human = repo.schemagit(&["check", "--database-url", &url]).success();
    assert_eq!(human.stdout, "no changes\n");
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "check writes nothing"
    );
}

#[test]
fn every_kind_of_change_is_found_with_its_severity_and_exit_code() {
    let mut failures = Vec::new();
    for case in CASES {
        let (copy, repo) = setup();
        cluster().execute(&copy, case.sql);
        let commits = repo.commit_count();
        let (code, report) = check_json(&repo, &copy, &[]);
        assert_eq!(repo.commit_count(), commits, "check must not commit");
        let found: Vec<(String, String, String, String, String)> = report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let text = |key: &str| c[key].as_str().unwrap_or("").to_string();
                (
                    text("severity"),
                    text("kind"),
                    text("action"),
                    text("object"),
                    text("detail"),
                )
            })
            .collect();
        let wanted: Vec<(String, String, String, String, String)> = case
            .changes
            .iter()
            .map(|(s, k, a, o, d)| {
                (
                    s.to_string(),
                    k.to_string(),
                    a.to_string(),
                    o.to_string(),
                    d.to_string(),
                )
            })
            .collect();
        if found != wanted || code != case.exit {
            failures.push(format!(
                "{}\n  want exit {}: {wanted:?}\n  got exit {code}: {found:?}",
                case.sql, case.exit
            ));
        }
        cluster().execute("postgres", &format!("DROP DATABASE {copy}"));
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn offline_revisions_agree_with_the_live_check() {
    let (copy, repo) = setup();
    cluster().execute(
        &copy,
        "ALTER TABLE shop.customers DISABLE ROW LEVEL SECURITY;
         CREATE INDEX orders_total_idx ON shop.orders (total);
         CREATE OR REPLACE FUNCTION shop.total_for(customer text) RETURNS numeric LANGUAGE sql AS $$ SELECT 2::numeric $$;",
    );
    let (live_code, live) = check_json(&repo, &copy, &[]);
    repo.schemagit(&["snapshot", "--database-url", &cluster().url(&copy)])
        .success();
    let offline = repo.schemagit(&["diff", "--json", "HEAD~1", "HEAD"]);
    assert_eq!(offline.code, live_code);
    assert_eq!(offline.json(), live);
    assert_eq!(
        live["summary"],
        serde_json::json!({"critical": 1, "warning": 1, "info": 1})
    );
    // The work tree's folder is a source too.
    let folder = repo.schemagit(&["diff", "--json", "HEAD~1", "snapshots/default"]);
    assert_eq!(folder.json(), live);
    // And after the snapshot, the live database matches HEAD again.
    let (code, _) = check_json(&repo, &copy, &[]);
    assert_eq!(code, 0);
}

#[test]
fn human_and_markdown_reports_show_definitions_as_diffs() {
    let (copy, repo) = setup();
    cluster().execute(&copy, "CREATE OR REPLACE FUNCTION shop.total_for(customer text) RETURNS numeric LANGUAGE sql AS $$ SELECT 2::numeric $$; ALTER TABLE shop.customers DISABLE ROW LEVEL SECURITY;");
    let url = cluster().url(&copy);
    let human = repo.schemagit(&["check", "--database-url", &url]);
    assert_eq!(human.code, 1);
    assert!(human.stdout.starts_with("critical (1)\n  shop.customers\n    changed rls shop.customers: row-level security disabled\n"), "{}", human.stdout);
    assert!(human.stdout.contains("\n      -AS $function$ SELECT 0::numeric $function$\n      +AS $function$ SELECT 2::numeric $function$\n"), "{}", human.stdout);
    assert!(
        human
            .stdout
            .ends_with("\n2 changes: 1 critical, 0 warnings, 1 info\n"),
        "{}",
        human.stdout
    );
    assert!(!human.stdout.contains('\x1b'), "no colour off a terminal");
    let markdown = repo.schemagit(&["check", "--format", "markdown", "--database-url", &url]);
    assert!(
        markdown.stdout.contains("| 🔴 critical | 1 |"),
        "{}",
        markdown.stdout
    );
    assert!(markdown.stdout.contains("```diff"), "{}", markdown.stdout);
}

#[test]
fn fail_on_sets_the_threshold() {
    let (copy, repo) = setup();
    cluster().execute(&copy, "CREATE INDEX orders_total_idx ON shop.orders (total); COMMENT ON TABLE shop.orders IS 'x';");
    assert_eq!(check_json(&repo, &copy, &[]).0, 2);
    assert_eq!(check_json(&repo, &copy, &["--fail-on", "critical"]).0, 0);
    cluster().execute(&copy, "DROP INDEX shop.orders_total_idx");
    assert_eq!(
        check_json(&repo, &copy, &[]).0,
        0,
        "info alone passes by default"
    );
    assert_eq!(check_json(&repo, &copy, &["--fail-on", "info"]).0, 2);
}

#[test]
fn configuration_rules_ignores_and_overrides_apply() {
    let (copy, repo) = setup();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        r#"
[severity]
index = "info"
[ignore]
kinds = ["comment"]
objects = ["shop.scratch"]
[rules]
min_policies = 5
require_rls = ["shop.orders", "shop.customers"]
required = ["shop.customers.customers_self", "shop.audit_log"]
"#,
    )
    .unwrap();
    cluster().execute(&copy, "CREATE INDEX orders_total_idx ON shop.orders (total); COMMENT ON TABLE shop.orders IS 'x'; ALTER TABLE shop.scratch SET LOGGED;");
    let lines = |report: &serde_json::Value| -> Vec<String> {
        report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                format!(
                    "{} {} {} {}",
                    c["severity"].as_str().unwrap(),
                    c["kind"].as_str().unwrap(),
                    c["action"].as_str().unwrap(),
                    c["object"].as_str().unwrap()
                )
            })
            .collect()
    };
    let expected = [
        "critical rule violated min_policies",
        "critical rule violated shop.audit_log",
        "critical rule violated shop.orders",
        "info index added shop.orders.orders_total_idx",
    ];
    let (code, report) = check_json(&repo, &copy, &[]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(lines(&report), expected, "{report}");
    // Between two committed snapshots the same configuration gives the same changes: the
    // rules judge the whole new snapshot, however little of it changed.
    repo.schemagit(&["snapshot", "--database-url", &cluster().url(&copy)])
        .success();
    let diff = |repo: &Repo| {
        let run = repo.schemagit(&["diff", "HEAD~1", "HEAD", "--json"]);
        assert!(run.code <= 2, "diff failed: {}", run.stderr);
        run.json()
    };
    assert_eq!(lines(&diff(&repo)), expected);
    // The snapshot's commit message says the same, the rules judging the snapshot just made.
    let message = repo.git(&["log", "-1", "--format=%B"]);
    for line in [
        "schema(default): 4 changes, 3 critical",
        "  violated rule shop.audit_log: required object is missing",
        "  added index shop.orders.orders_total_idx: index added",
    ] {
        assert!(message.lines().any(|l| l == line), "{line:?} in {message}");
    }
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[severity]\nindex = \"info\"\n[ignore]\nkinds = [\"comment\"]\nobjects = [\"shop.scratch\"]\n",
    )
    .unwrap();
    assert_eq!(lines(&diff(&repo)), expected[3..]);
}

#[test]
fn errors_are_one_line_with_exit_codes_above_2() {
    let (copy, repo) = setup();
    let url = cluster().url(&copy);
    let unknown = repo.schemagit(&["check", "--rev", "no-such-branch", "--database-url", &url]);
    assert_eq!(unknown.code, 5, "{}", unknown.stderr);
    assert!(
        unknown
            .stderr
            .starts_with("error: unknown revision \"no-such-branch\""),
        "{}",
        unknown.stderr
    );

    let dead = repo.schemagit(&[
        "check",
        "--database-url",
        "postgresql://u:hunter2@127.0.0.1:1/x",
    ]);
    assert_eq!(dead.code, 4, "{}", dead.stderr);
    assert!(!dead.stderr.contains("hunter2"));
    assert_eq!(
        dead.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1
    );

    let before = repo.commit_count();
    std::fs::write(
        repo.path()
            .join("snapshots/default/shop/tables/orders.json"),
        "{ broken",
    )
    .unwrap();
    repo.git(&["commit", "-qam", "break a snapshot file"]);
    let broken = repo.schemagit(&["check", "--database-url", &url]);
    assert_eq!(broken.code, 6, "{}", broken.stderr);
    assert!(
        broken
            .stderr
            .starts_with("error: unreadable snapshot: shop/tables/orders.json"),
        "{}",
        broken.stderr
    );
    assert_eq!(repo.commit_count(), before + 1);

    let no_snapshot = repo.schemagit(&["diff", "HEAD~1", "HEAD", "--env", "prod"]);
    assert_eq!(no_snapshot.code, 6, "{}", no_snapshot.stderr);
    assert!(
        no_snapshot
            .stderr
            .contains("has no snapshot folder snapshots/prod"),
        "{}",
        no_snapshot.stderr
    );
}

#[test]
fn environments_compare_under_their_role_maps() {
    let a = cluster().database_from("env_a", &fixtures("kinds"));
    let b = cluster().database_from("env_b", &fixtures("kinds"));
    cluster().execute(&a, "GRANT SELECT ON shop.orders TO fixture_reader");
    cluster().execute(
        &b,
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fixture_staging') THEN CREATE ROLE fixture_staging NOLOGIN; END IF; END $$;
         GRANT SELECT ON shop.orders TO fixture_staging;",
    );
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[env.a]\nurl_env = \"A_URL\"\n[env.b]\nurl_env = \"B_URL\"\nroles = { fixture_staging = \"fixture_reader\" }\n",
    )
    .unwrap();
    let diff = |args: &[&str]| {
        let output = common::hermetic(std::process::Command::new(env!("CARGO_BIN_EXE_schemagit")))
            .args(args)
            .env("A_URL", cluster().url(&a))
            .env("B_URL", cluster().url(&b))
            .current_dir(repo.path())
            .output()
            .unwrap();
        (
            output.status.code().unwrap(),
            String::from_utf8(output.stdout).unwrap(),
        )
    };
    let (code, out) = diff(&["diff", "env:a", "env:b"]);
    assert_eq!((code, out.as_str()), (0, "no changes\n"));
    // Without the map the same databases differ.
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[env.a]\nurl_env = \"A_URL\"\n[env.b]\nurl_env = \"B_URL\"\n",
    )
    .unwrap();
    let (code, out) = diff(&["diff", "--json", "env:a", "env:b"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("\"detail\": \"SELECT to fixture_staging\""),
        "{out}"
    );
}

#[test]
fn migrations_are_a_source() {
    if !cluster().deparses_like_the_committed_snapshot("migrations_are_a_source") {
        return;
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = common::run_schemagit(root, &["diff", "HEAD", "migrations", "--env", "dev"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, "no changes\n"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_tampered_committed_snapshot_is_refused_never_reported_as_drift() {
    let (db, repo) = setup();
    let url = cluster().url(&db);
    let table = repo
        .path()
        .join("snapshots/default/shop/tables/orders.json");
    let edited = std::fs::read_to_string(&table)
        .unwrap()
        .replace("\"bigint\"", "\"text\"");
    std::fs::write(&table, edited).unwrap();
    repo.git(&["commit", "-q", "-am", "hand edit"]);
    for args in [
        vec!["check", "--database-url", url.as_str()],
        vec!["diff", "HEAD~1", "HEAD"],
        vec!["diff", "snapshots/default", "HEAD~1"],
    ] {
        let run = repo.schemagit(&args);
        assert_eq!(run.code, 6, "{args:?}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.stdout, "", "{args:?}: a tampered file is no drift");
        assert!(
            run.stderr
                .starts_with("error: unreadable snapshot: shop/tables/orders.json: content hash"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // A stray file committed beside the snapshot is refused the same way.
    repo.git(&["revert", "--no-edit", "HEAD"]);
    std::fs::write(
        repo.path().join("snapshots/default/shop/tables/extra.json"),
        "{}\n",
    )
    .unwrap();
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "stray file"]);
    for args in [
        vec!["check", "--database-url", url.as_str()],
        vec!["diff", "HEAD~1", "HEAD"],
    ] {
        let run = repo.schemagit(&args);
        assert_eq!(run.code, 6, "{args:?}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.stdout, "", "{args:?}: a stray file is no drift");
        assert!(
            run.stderr.contains("shop/tables/extra.json: stray file"),
            "{args:?}: {}",
            run.stderr
        );
    }
    // So is a committed snapshot with a file missing.
    repo.git(&["revert", "--no-edit", "HEAD"]);
    repo.git(&["rm", "-q", "snapshots/default/shop/tables/orders.json"]);
    repo.git(&["commit", "-q", "-m", "missing file"]);
    for args in [
        vec!["check", "--database-url", url.as_str()],
        vec!["diff", "HEAD~1", "HEAD"],
    ] {
        let run = repo.schemagit(&args);
        assert_eq!(run.code, 6, "{args:?}: {}{}", run.stdout, run.stderr);
        assert_eq!(run.stdout, "", "{args:?}: a missing file is no drift");
        assert!(
            run.stderr
                .contains("shop/tables/orders.json: missing from the snapshot folder"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_snapshot_over_a_tampered_previous_one_commits_and_says_it_lists_no_changes() {
    let (db, repo) = setup();
    let url = cluster().url(&db);
    let table = repo
        .path()
        .join("snapshots/default/shop/tables/orders.json");
    let edited = std::fs::read_to_string(&table)
        .unwrap()
        .replace("\"bigint\"", "\"text\"");
    std::fs::write(&table, edited).unwrap();
    repo.git(&["commit", "-q", "-am", "hand edit"]);
    let run = repo
        .schemagit(&["snapshot", "--database-url", &url])
        .success();
    let commit = repo.git(&["rev-parse", "HEAD"]);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("warning: the previous snapshot is damaged"))
        .collect();
    assert_eq!(warnings.len(), 1, "{}", run.stderr);
    assert!(
        warnings[0].contains("shop/tables/orders.json: content hash")
            && warnings[0].contains(&format!("commit {} lists no changes", &commit[..12])),
        "{}",
        run.stderr
    );
    assert_eq!(repo.commit_count(), 4, "the real state is committed");
    repo.schemagit(&["verify"]).success();
}

/// A report's changes as `severity kind action object: detail` lines, in report order.
fn change_rows(report: &serde_json::Value) -> Vec<String> {
    report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let text = |key: &str| c[key].as_str().unwrap_or("").to_string();
            format!(
                "{} {} {} {}: {}",
                text("severity"),
                text("kind"),
                text("action"),
                text("object"),
                text("detail")
            )
        })
        .collect()
}

#[test]
fn severity_overrides_never_raise_a_cosmetic_change() {
    let (copy, repo) = setup();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[severity]\nfunction = \"critical\"\n",
    )
    .unwrap();
    cluster().execute(
        &copy,
        "CREATE OR REPLACE FUNCTION shop.total_for(customer text) RETURNS numeric LANGUAGE sql AS $$
           SELECT 0::numeric
         $$;
         CREATE OR REPLACE FUNCTION shop.admin_reset() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
           SET search_path = pg_catalog, shop AS $$ begin delete from shop.scratch; end $$;
         CREATE OR REPLACE FUNCTION shop.total_for(customer bigint, since date DEFAULT NULL)
           RETURNS numeric LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT 1::numeric $$;",
    );
    let (code, report) = check_json(&repo, &copy, &[]);
    assert_eq!(
        (code, change_rows(&report)),
        (
            1,
            vec![
                "critical function changed shop.total_for(bigint, date): definition changed"
                    .to_string(),
                "info function changed shop.admin_reset(): definition changed: same expression, spelled differently"
                    .to_string(),
                "info function changed shop.total_for(text): definition changed: whitespace only"
                    .to_string(),
            ]
        ),
        "{report}"
    );
}

#[test]
fn an_index_taken_over_by_a_new_constraint_is_reported_as_that() {
    let (copy, repo) = setup();
    let url = cluster().url(&copy);
    cluster().execute(
        &copy,
        "CREATE TABLE shop.codes (code text NOT NULL);
         CREATE UNIQUE INDEX codes_code_idx ON shop.codes (code);
         CREATE UNIQUE INDEX orders_id_total_idx ON shop.orders (id, total);",
    );
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    cluster().execute(
        &copy,
        "ALTER TABLE shop.codes ADD CONSTRAINT codes_pkey PRIMARY KEY USING INDEX codes_code_idx;
         ALTER TABLE shop.orders ADD CONSTRAINT orders_id_total_key UNIQUE USING INDEX orders_id_total_idx;",
    );
    let wanted = vec![
        "warning constraint added shop.codes.codes_pkey: primary key using index codes_code_idx"
            .to_string(),
        "warning constraint added shop.orders.orders_id_total_key: unique using index orders_id_total_idx"
            .to_string(),
    ];
    let (code, report) = check_json(&repo, &copy, &[]);
    assert_eq!(
        (code, change_rows(&report)),
        (2, wanted.clone()),
        "{report}"
    );
    // The snapshot commit's own step says the same.
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let offline = repo.schemagit(&["diff", "--json", "HEAD~1", "HEAD"]);
    assert_eq!((offline.code, change_rows(&offline.json())), (2, wanted));
}
