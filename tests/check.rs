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

/// One real change and what check must report about it.
struct Case {
    sql: &'static str,
    severity: &'static str,
    kind: &'static str,
    action: &'static str,
    object: &'static str,
    detail: &'static str,
    exit: i32,
}

const fn case(
    sql: &'static str,
    severity: &'static str,
    kind: &'static str,
    action: &'static str,
    object: &'static str,
    detail: &'static str,
    exit: i32,
) -> Case {
    Case {
        sql,
        severity,
        kind,
        action,
        object,
        detail,
        exit,
    }
}

const CASES: &[Case] = &[
    case("ALTER TABLE shop.customers ALTER COLUMN name TYPE varchar(50)", "critical", "column", "changed", "shop.customers.name", "type text -> character varying(50)", 1),
    case("ALTER TABLE shop.orders ALTER COLUMN total DROP NOT NULL", "critical", "column", "changed", "shop.orders.total", "NOT NULL removed", 1),
    case("ALTER TABLE shop.orders ALTER COLUMN total SET DEFAULT 1", "critical", "column", "changed", "shop.orders.total", "default 0 -> 1", 1),
    case("ALTER TABLE shop.customers ALTER COLUMN id SET INCREMENT BY 7", "critical", "column", "changed", "shop.customers.id", "identity", 1),
    case("ALTER TABLE shop.customers ALTER COLUMN name SET DATA TYPE text COLLATE \"POSIX\"", "critical", "column", "changed", "shop.customers.name", "collation", 1),
    case("ALTER TABLE shop.orders ADD COLUMN note text", "critical", "column", "added", "shop.orders.note", "text", 1),
    case("ALTER TABLE shop.customers DISABLE ROW LEVEL SECURITY", "critical", "rls", "changed", "shop.customers", "row-level security disabled", 1),
    case("ALTER TABLE shop.customers NO FORCE ROW LEVEL SECURITY", "critical", "rls", "changed", "shop.customers", "FORCE row-level security removed", 1),
    case("DROP POLICY customers_self ON shop.customers", "critical", "policy", "removed", "shop.customers.customers_self", "policy removed", 1),
    case("ALTER POLICY customers_self ON shop.customers USING (true)", "critical", "policy", "changed", "shop.customers.customers_self", "USING (email = CURRENT_USER) -> true", 1),
    case("ALTER POLICY customers_self ON shop.customers TO public", "critical", "policy", "changed", "shop.customers.customers_self", "roles [fixture_reader] -> [public]", 1),
    case("CREATE POLICY customers_all ON shop.customers USING (true)", "critical", "policy", "added", "shop.customers.customers_all", "policy added", 1),
    case("CREATE INDEX orders_total_idx ON shop.orders (total)", "warning", "index", "added", "shop.orders.orders_total_idx", "index added", 2),
    case("DROP INDEX shop.orders_customer_idx", "warning", "index", "removed", "shop.orders.orders_customer_idx", "index removed", 2),
    case("ALTER TABLE shop.orders ADD CONSTRAINT orders_total_check CHECK (total >= 0)", "warning", "constraint", "added", "shop.orders.orders_total_check", "constraint added", 2),
    case("ALTER TABLE shop.orders ALTER CONSTRAINT orders_customer_id_fkey DEFERRABLE", "warning", "constraint", "changed", "shop.orders.orders_customer_id_fkey", "ON DELETE CASCADE DEFERRABLE", 2),
    case("ALTER TABLE shop.customers ENABLE TRIGGER customers_audit", "warning", "trigger", "changed", "shop.customers.customers_audit", "enabled disabled -> origin", 2),
    case("DROP TRIGGER customers_touch ON shop.customers", "warning", "trigger", "removed", "shop.customers.customers_touch", "trigger removed", 2),
    case("CREATE OR REPLACE VIEW shop.big_orders WITH (security_barrier = true) AS SELECT o.id, o.total, c.email FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id WHERE o.total > 1000", "warning", "view", "changed", "shop.big_orders", "definition changed", 2),
    case("ALTER VIEW shop.big_orders RESET (security_barrier)", "critical", "view", "changed", "shop.big_orders", "options [security_barrier=true] -> []", 1),
    case("CREATE OR REPLACE FUNCTION shop.total_for(customer text) RETURNS numeric LANGUAGE sql AS $$ SELECT 1::numeric $$", "info", "function", "changed", "shop.total_for(text)", "definition changed", 0),
    case("ALTER FUNCTION shop.total_for(text) SECURITY DEFINER", "critical", "function", "changed", "shop.total_for(text)", "SECURITY DEFINER added", 1),
    case("ALTER FUNCTION shop.admin_reset() RESET search_path", "critical", "function", "changed", "shop.admin_reset()", "SET search_path removed", 1),
    case("ALTER FUNCTION shop.total_for(bigint, date) VOLATILE", "info", "function", "changed", "shop.total_for(bigint, date)", "volatility stable -> volatile", 0),
    case("ALTER SEQUENCE shop.invoice_no INCREMENT BY 3", "warning", "sequence", "changed", "shop.invoice_no", "increment 10 -> 3", 2),
    case("ALTER TYPE shop.mood ADD VALUE 'ecstatic'", "warning", "type", "changed", "shop.mood", "labels [sad, ok, happy] -> [sad, ok, happy, ecstatic]", 2),
    case("ALTER DOMAIN shop.positive DROP NOT NULL", "warning", "type", "changed", "shop.positive", "NOT NULL removed", 2),
    case("ALTER DOMAIN shop.positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000)", "warning", "constraint", "added", "shop.positive.positive_small", "constraint added", 2),
    case("ALTER TABLE shop.orders OWNER TO fixture_writer", "warning", "owner", "changed", "shop.orders", "owner schemagit -> fixture_writer", 2),
    case("GRANT SELECT ON shop.orders TO PUBLIC", "critical", "grant", "added", "shop.orders", "SELECT to PUBLIC", 1),
    case("GRANT SELECT (total) ON shop.orders TO fixture_reader", "critical", "grant", "added", "shop.orders.total", "SELECT to fixture_reader", 1),
    case("GRANT EXECUTE ON FUNCTION shop.admin_reset() TO PUBLIC", "critical", "grant", "added", "shop.admin_reset()", "EXECUTE to PUBLIC", 1),
    case("GRANT CREATE ON SCHEMA shop TO PUBLIC", "critical", "grant", "added", "shop", "CREATE to PUBLIC", 1),
    case("REVOKE INSERT ON shop.customers FROM fixture_writer", "warning", "grant", "removed", "shop.customers", "INSERT from fixture_writer", 2),
    case("COMMENT ON TABLE shop.orders IS 'what was bought'", "info", "comment", "added", "shop.orders", "comment \"what was bought\"", 0),
    case("COMMENT ON COLUMN shop.customers.email IS NULL", "info", "comment", "removed", "shop.customers.email", "comment removed", 0),
    case("CREATE TABLE shop.refunds (id int)", "critical", "table", "added", "shop.refunds", "table added", 1),
    case("DROP TABLE shop.child_log", "critical", "table", "removed", "shop.child_log", "table removed", 1),
    case("ALTER TABLE shop.scratch SET LOGGED", "critical", "table", "changed", "shop.scratch", "UNLOGGED removed", 1),
    case("ALTER TABLE shop.events DETACH PARTITION shop.events_2024", "critical", "table", "changed", "shop.events_2024", "partition of shop.events -> none", 1),
    case("DROP MATERIALIZED VIEW shop.order_counts", "warning", "materialized_view", "removed", "shop.order_counts", "materialized view removed", 2),
    case("CREATE SCHEMA reports", "warning", "schema", "added", "reports", "schema added", 2),
    // Moving the extension renames its members; their changed privileges stay what they were.
    case("ALTER EXTENSION pgcrypto SET SCHEMA shop", "warning", "extension", "changed", "pgcrypto", "schema public -> shop", 2),
    case("GRANT EXECUTE ON FUNCTION public.gen_random_bytes(integer) TO PUBLIC", "critical", "grant", "added", "pgcrypto member public.gen_random_bytes(integer)", "EXECUTE to PUBLIC", 1),
    case("ALTER TABLE shop.customers ALTER COLUMN name SET STORAGE EXTENDED", "critical", "column", "changed", "shop.customers.name", "storage external -> none", 1),
    case("ALTER TABLE shop.orders ALTER COLUMN total SET STATISTICS 100", "critical", "column", "changed", "shop.orders.total", "statistics 500 -> 100", 1),
    case("ALTER TABLE shop.orders REPLICA IDENTITY DEFAULT", "critical", "table", "changed", "shop.orders", "replica identity full -> none", 1),
    case("DROP RULE orders_no_delete ON shop.orders", "warning", "rewrite_rule", "removed", "shop.orders.orders_no_delete", "rewrite rule removed", 2),
    case("DROP STATISTICS shop.orders_stats", "warning", "statistics", "removed", "shop.orders.\"shop.orders_stats\"", "statistics removed", 2),
    case("ALTER PUBLICATION shop_pub ADD TABLE shop.base_log", "warning", "publication", "changed", "shop_pub", "tables", 2),
    case("ALTER EVENT TRIGGER shop_ddl DISABLE", "warning", "event_trigger", "changed", "shop_ddl", "enabled origin -> disabled", 2),
    case("ALTER SERVER shop_srv OPTIONS (SET host 'db2.example')", "warning", "foreign_server", "changed", "shop_srv", "host=db2.example", 2),
    case("ALTER DEFAULT PRIVILEGES IN SCHEMA shop GRANT INSERT ON TABLES TO fixture_reader", "critical", "grant", "added", "schemagit in schema shop on tables", "INSERT to fixture_reader", 1),
    case("ALTER FOREIGN TABLE shop.remote_items OPTIONS (SET table_name 'items_v2')", "warning", "foreign_table", "changed", "shop.remote_items", "table_name=items_v2", 2),
    case("CREATE COLLATION shop.c2 (locale = 'C')", "warning", "collation", "added", "shop.c2", "collation added", 2),
    case("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET work_mem = ''64MB''', current_database()); END $$", "warning", "settings", "added", "database", "settings added", 2),
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
        let found = report["changes"].as_array().unwrap().iter().any(|c| {
            c["severity"] == case.severity
                && c["kind"] == case.kind
                && c["action"] == case.action
                && c["object"] == case.object
                && c["detail"].as_str().unwrap().contains(case.detail)
        });
        if !found || code != case.exit {
            failures.push(format!(
                "{}\n  want {} {} {} {} ({}), exit {}\n  got exit {code}: {}",
                case.sql,
                case.severity,
                case.kind,
                case.action,
                case.object,
                case.detail,
                case.exit,
                serde_json::to_string(&report["changes"]).unwrap()
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
        markdown.stdout.contains("| critical | 1 |"),
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
    let (code, report) = check_json(&repo, &copy, &[]);
    assert_eq!(code, 1, "{report}");
    let lines: Vec<String> = report["changes"]
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
        .collect();
    assert_eq!(
        lines,
        [
            "critical rule violated min_policies",
            "critical rule violated shop.audit_log",
            "critical rule violated shop.orders",
            "info index added shop.orders.orders_total_idx",
        ],
        "{report}"
    );
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
    if !cluster().deparses_like_the_committed_snapshot() {
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
    let run = repo.schemagit(&["check", "--database-url", &url]);
    assert_eq!(run.code, 6, "{}", run.stderr);
    assert!(
        run.stderr.contains("shop/tables/extra.json: stray file"),
        "{}",
        run.stderr
    );
}
