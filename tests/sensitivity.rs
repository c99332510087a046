//! The fingerprint is exactly as sensitive as the schema: every schema change changes it, and
//! nothing else does (data, maintenance, sequence values, objects dropped and made again the
//! same, a temporary table in another session).
//!
//! Each statement runs in its own copy of one base database (`CREATE DATABASE … TEMPLATE`),
//! snapshotted before and after. A copy does not carry what lives in shared catalogs (the
//! base's subscription, database and role settings, the database's comment), which is fine:
//! before and after are both snapshots of the copy.

mod common;

use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use common::changes::CHANGES;
use common::{cluster, fixtures, Repo};

/// The database every case copies, built once from the fixtures.
fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| cluster().database_from("sensitivity_base", &fixtures("kinds")))
}

/// Runs SQL (one simple-query batch) in `dbname`, returning the error instead of panicking.
fn try_execute(dbname: &str, sql: &str) -> Result<(), String> {
    let url = cluster().url(dbname);
    common::runtime().block_on(async {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .map_err(|e| format!("connect to {dbname}: {e}"))?;
        let task = tokio::spawn(connection);
        let result = client
            .batch_execute(sql)
            .await
            .map_err(|e| match e.as_db_error() {
                Some(db) => format!("{}: {}", db.code().code(), db.message()),
                None => e.to_string(),
            });
        drop(client);
        let _ = task.await;
        result
    })
}

fn copy_of_base() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let copy = format!("sens_{}", N.fetch_add(1, Ordering::Relaxed));
    let base = base();
    cluster().execute(
        "postgres",
        &format!("CREATE DATABASE {copy} TEMPLATE {base}"),
    );
    copy
}

/// Drops a copy, with the subscriptions a case may have made in it (they block DROP DATABASE).
fn drop_copy(copy: &str) {
    let _ = try_execute(
        copy,
        "DO $$
         DECLARE s name;
         BEGIN
           FOR s IN SELECT subname FROM pg_subscription
                     WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           LOOP
             EXECUTE format('ALTER SUBSCRIPTION %I DISABLE', s);
             EXECUTE format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', s);
             EXECUTE format('DROP SUBSCRIPTION %I', s);
           END LOOP;
         END $$",
    );
    let _ = try_execute(
        "postgres",
        &format!("DROP DATABASE IF EXISTS {copy} WITH (FORCE)"),
    );
}

/// What one statement did to the snapshot.
struct Outcome {
    sql: &'static str,
    /// The SQL failed: a broken case, reported as such.
    error: Option<String>,
    changed: bool,
    /// The files that changed, when any did.
    files: Vec<String>,
    /// The first lines of the change, for cases that should have changed nothing.
    diff: String,
}

fn run_case(sql: &'static str) -> Outcome {
    let copy = copy_of_base();
    let url = cluster().url(&copy);
    let repo = Repo::new();
    let before = repo
        .schemagit(&["snapshot", "--json", "--database-url", &url])
        .success()
        .json();
    let mut outcome = Outcome {
        sql,
        error: None,
        changed: false,
        files: Vec::new(),
        diff: String::new(),
    };
    if let Err(e) = try_execute(&copy, sql) {
        outcome.error = Some(e);
        drop_copy(&copy);
        return outcome;
    }
    let after = repo
        .schemagit(&["snapshot", "--dry-run", "--json", "--database-url", &url])
        .success()
        .json();
    outcome.changed = before["fingerprint"] != after["fingerprint"];
    outcome.files = after["changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        c["action"].as_str().unwrap_or("?"),
                        c["path"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if outcome.changed {
        // Commit the change to show what it was.
        repo.schemagit(&["snapshot", "--json", "--database-url", &url])
            .success();
        let diff = repo.git(&["diff", "-U0", "HEAD~1", "HEAD", "--", "snapshots"]);
        outcome.diff = diff
            .lines()
            .filter(|l| {
                (l.starts_with('+') || l.starts_with('-'))
                    && !l.starts_with("+++")
                    && !l.starts_with("---")
                    && !l.contains("\"blake3\"")
                    && !l.contains("\"fingerprint\"")
            })
            .take(12)
            .map(|l| format!("      {l}"))
            .collect::<Vec<_>>()
            .join("\n");
    }
    drop_copy(&copy);
    outcome
}

/// The major version a case needs, from a first line `-- PostgreSQL 15+`.
fn needs(sql: &str) -> u32 {
    sql.strip_prefix("-- PostgreSQL ")
        .and_then(|rest| rest.split('+').next())
        .and_then(|major| major.parse().ok())
        .unwrap_or(0)
}

/// Runs every case this server can run on a few threads (each in its own copy) and returns
/// the outcomes in order; a case the server cannot run is skipped by name, as part of `test`.
fn run_all(test: &str, cases: &'static [&'static str]) -> Vec<Outcome> {
    base();
    for sql in cases.iter().filter(|sql| needs(sql) > cluster().major) {
        let change = sql.split_once('\n').map_or(*sql, |(_, rest)| rest);
        common::skip(
            &format!("{test}: {}", one_line(change)),
            &format!("the case needs PostgreSQL {}", needs(sql)),
        );
    }
    let cases: Vec<&'static str> = cases
        .iter()
        .copied()
        .filter(|sql| needs(sql) <= cluster().major)
        .collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(sql) = cases.get(i) else { break };
                let outcome = run_case(sql);
                results.lock().unwrap().push((i, outcome));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, o)| o).collect()
}

fn one_line(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// None of these changes the schema, so none may change the fingerprint.
const SAME: &[&str] = &[
    // data
    "INSERT INTO shop.scratch VALUES ('k', '{}')",
    "INSERT INTO shop.customers (email) VALUES ('a@example.com'), ('b@example.com')",
    "INSERT INTO shop.base_log VALUES (1, 'x'); DELETE FROM shop.base_log",
    // maintenance
    "VACUUM shop.orders",
    "VACUUM FULL shop.scratch",
    "ANALYZE",
    "REINDEX TABLE shop.orders",
    "CHECKPOINT",
    "REFRESH MATERIALIZED VIEW shop.order_counts",
    "SELECT pg_stat_reset()",
    // sequence values
    "SELECT setval('shop.invoice_no', 5000)",
    "SELECT nextval('shop.invoice_no') FROM generate_series(1, 50)",
    "SELECT nextval('shop.events_id_seq') FROM generate_series(1, 50)",
    "ALTER SEQUENCE shop.invoice_no RESTART WITH 2000",
    // changes undone
    "ALTER TABLE shop.orders ADD COLUMN tmp int; ALTER TABLE shop.orders DROP COLUMN tmp",
    "ALTER TABLE shop.orders SET (autovacuum_enabled = true); ALTER TABLE shop.orders SET (autovacuum_enabled = false)",
    "ALTER TABLE shop.scratch SET LOGGED; ALTER TABLE shop.scratch SET UNLOGGED",
    "ALTER TABLE shop.orders RENAME TO orders_x; ALTER TABLE shop.orders_x RENAME TO orders",
    "ALTER TABLE shop.orders CLUSTER ON orders_customer_idx; ALTER TABLE shop.orders SET WITHOUT CLUSTER",
    "COMMENT ON TABLE shop.orders IS 'x'; COMMENT ON TABLE shop.orders IS NULL",
    // an ACL made explicit but equal to the default (pg_dump prints nothing for it)
    "GRANT DELETE ON shop.orders TO fixture_reader; REVOKE DELETE ON shop.orders FROM fixture_reader",
    "GRANT CREATE ON SCHEMA shop TO fixture_reader; REVOKE CREATE ON SCHEMA shop FROM fixture_reader",
    // an extension member's privilege taken away and given back: the same ACL in another order
    "REVOKE EXECUTE ON FUNCTION public.digest(text, text) FROM PUBLIC;
     GRANT EXECUTE ON FUNCTION public.digest(text, text) TO PUBLIC",
    "ALTER DOMAIN shop.positive VALIDATE CONSTRAINT positive_check",
    // objects dropped and made again, the same
    "DROP INDEX shop.orders_customer_idx;
     CREATE INDEX orders_customer_idx ON shop.orders (customer_id, total DESC) INCLUDE (id)",
    "DROP VIEW shop.big_orders;
     CREATE VIEW shop.big_orders WITH (security_barrier = true) AS
       SELECT o.id, o.total, c.email
         FROM shop.orders o
         JOIN shop.customers c ON c.id = o.customer_id
        WHERE o.total > 100;
     COMMENT ON VIEW shop.big_orders IS 'orders worth a look';
     GRANT SELECT ON shop.big_orders TO fixture_reader",
    "CREATE OR REPLACE FUNCTION shop.total_for(customer text) RETURNS numeric LANGUAGE sql
       AS $$ SELECT 0::numeric $$",
    // The fixture's default privileges grant EXECUTE to fixture_writer on new functions:
    // taken back, the ACL equals the default again.
    "DROP FUNCTION shop.total_for(text);
     CREATE FUNCTION shop.total_for(customer text) RETURNS numeric LANGUAGE sql
       AS $$ SELECT 0::numeric $$;
     REVOKE EXECUTE ON FUNCTION shop.total_for(text) FROM fixture_writer",
    "DROP POLICY customers_self ON shop.customers;
     CREATE POLICY customers_self ON shop.customers AS PERMISSIVE FOR SELECT TO fixture_reader
       USING (email = current_user);
     COMMENT ON POLICY customers_self ON shop.customers IS 'see yourself'",
    "DROP TRIGGER customers_audit ON shop.customers;
     CREATE TRIGGER customers_audit AFTER INSERT ON shop.customers
       FOR EACH STATEMENT EXECUTE FUNCTION shop.touch();
     ALTER TABLE shop.customers DISABLE TRIGGER customers_audit",
    "DROP RULE orders_no_delete ON shop.orders;
     CREATE RULE orders_no_delete AS ON DELETE TO shop.orders DO INSTEAD NOTHING;
     COMMENT ON RULE orders_no_delete ON shop.orders IS 'rule: orders are never deleted'",
    "DROP STATISTICS shop.orders_stats;
     CREATE STATISTICS shop.orders_stats (dependencies, ndistinct) ON customer_id, total FROM shop.orders;
     COMMENT ON STATISTICS shop.orders_stats IS 'statistics: customer and total go together'",
    // a secret changed: secrets are redacted, so the snapshot cannot see it
    "ALTER USER MAPPING FOR fixture_reader SERVER shop_srv OPTIONS (SET password 'another-secret')",
    // a whole schema made and dropped
    "CREATE SCHEMA tmp_s;
     CREATE TABLE tmp_s.t (id int PRIMARY KEY, v text);
     CREATE VIEW tmp_s.v AS SELECT * FROM tmp_s.t;
     CREATE FUNCTION tmp_s.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
     CREATE TYPE tmp_s.e AS ENUM ('a');
     DROP SCHEMA tmp_s CASCADE",
];

#[test]
fn every_schema_change_changes_the_fingerprint() {
    assert!(CHANGES.len() >= 40);
    let outcomes = run_all("every_schema_change_changes_the_fingerprint", CHANGES);
    let mut failures = Vec::new();
    for o in &outcomes {
        if let Some(error) = &o.error {
            failures.push(format!("  SQL FAILED ({error}): {}", one_line(o.sql)));
        } else if !o.changed {
            failures.push(format!("  unchanged: {}", one_line(o.sql)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} schema changes left the fingerprint as it was:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
}

#[test]
fn what_is_not_schema_leaves_the_fingerprint_alone() {
    let outcomes = run_all("what_is_not_schema_leaves_the_fingerprint_alone", SAME);
    let mut failures = Vec::new();
    for o in &outcomes {
        if let Some(error) = &o.error {
            failures.push(format!("  SQL FAILED ({error}): {}", one_line(o.sql)));
        } else if o.changed {
            failures.push(format!(
                "  changed: {}\n    files: {}\n{}",
                one_line(o.sql),
                o.files.join(", "),
                o.diff
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} statements that are not schema changed the fingerprint:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
}

/// Another session's temporary table is no schema: the session keeps it (and its schema
/// `pg_temp_N`) while the snapshot runs.
#[test]
fn another_sessions_temporary_table_leaves_the_fingerprint_alone() {
    let copy = copy_of_base();
    let url = cluster().url(&copy);
    let repo = Repo::new();
    let before = repo
        .schemagit(&["snapshot", "--json", "--database-url", &url])
        .success()
        .json();
    let runtime = common::runtime();
    let (client, connection) = runtime
        .block_on(tokio_postgres::connect(&url, tokio_postgres::NoTls))
        .expect("connect to the copy");
    let session = runtime.spawn(connection);
    runtime
        .block_on(client.batch_execute(
            "CREATE TEMP TABLE t (x int PRIMARY KEY); CREATE INDEX ON t (x); COMMENT ON TABLE t IS 'temporary'",
        ))
        .expect("a temporary table");
    let after = repo
        .schemagit(&["snapshot", "--dry-run", "--json", "--database-url", &url])
        .success()
        .json();
    // The session was open all along: its table is still there.
    let open = runtime
        .block_on(client.query_one(
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't' AND relname = 't'",
            &[],
        ))
        .expect("the session is still open");
    assert_eq!(open.get::<_, i64>(0), 1);
    assert_eq!(before["fingerprint"], after["fingerprint"], "{after}");
    drop(client);
    let _ = runtime.block_on(session);
    drop_copy(&copy);
}
