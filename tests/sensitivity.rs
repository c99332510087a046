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

/// Runs `SQL` through `format` with the copy's own name: `ALTER DATABASE`, `ALTER ROLE … IN
/// DATABASE` and `COMMENT ON DATABASE` need it.
macro_rules! on_current_database {
    ($sql:literal) => {
        concat!(
            "DO $$ BEGIN EXECUTE format(",
            $sql,
            ", current_database()); END $$"
        )
    };
}

/// Every one of these changes the schema, so must change the fingerprint. A first line
/// `-- PostgreSQL 15+` skips a case on older servers.
const CHANGES: &[&str] = &[
    // columns
    "ALTER TABLE shop.customers ALTER COLUMN name TYPE varchar(50)",
    "ALTER TABLE shop.orders ALTER COLUMN total SET DEFAULT 1",
    "ALTER TABLE shop.orders ALTER COLUMN total DROP NOT NULL",
    "ALTER TABLE shop.customers ALTER COLUMN name SET DATA TYPE text COLLATE \"POSIX\"",
    "ALTER TABLE shop.customers ALTER COLUMN id SET INCREMENT BY 7",
    "ALTER TABLE shop.customers ALTER COLUMN id SET GENERATED BY DEFAULT",
    "ALTER TABLE shop.customers ALTER COLUMN email_lower DROP EXPRESSION",
    "ALTER TABLE shop.orders ALTER COLUMN total SET STATISTICS 100",
    "ALTER TABLE shop.customers ALTER COLUMN name SET STORAGE MAIN",
    "-- PostgreSQL 14+\nALTER TABLE shop.scratch ALTER COLUMN v SET COMPRESSION default",
    "ALTER TABLE shop.orders ALTER COLUMN customer_id SET (n_distinct = 100)",
    "COMMENT ON COLUMN shop.customers.name IS 'display name'",
    "ALTER TABLE shop.orders ADD COLUMN note text",
    "ALTER TABLE shop.base_log RENAME COLUMN note TO remark",
    // constraints
    "ALTER TABLE shop.orders ADD CONSTRAINT orders_total_check CHECK (total >= 0)",
    "ALTER TABLE shop.customers DROP CONSTRAINT customers_email_key",
    "ALTER TABLE shop.customers VALIDATE CONSTRAINT customers_email_check",
    "ALTER TABLE shop.orders ALTER CONSTRAINT orders_customer_id_fkey DEFERRABLE",
    "COMMENT ON CONSTRAINT customers_pkey ON shop.customers IS 'the key'",
    // indexes
    "CREATE INDEX orders_total_idx ON shop.orders (total)",
    "DROP INDEX shop.orders_customer_idx",
    "ALTER INDEX shop.orders_total_ff SET (fillfactor = 60)",
    "ALTER INDEX shop.orders_total_ff RESET (fillfactor)",
    "CREATE INDEX base_log_id_rev_idx ON shop.base_log (id shop.int_rev_ops)",
    "COMMENT ON INDEX shop.orders_customer_idx IS 'by customer'",
    "ALTER TABLE shop.orders CLUSTER ON orders_customer_idx",
    // row-level security and policies
    "ALTER TABLE shop.customers DISABLE ROW LEVEL SECURITY",
    "ALTER TABLE shop.customers NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY customers_all ON shop.customers USING (true)",
    "ALTER POLICY customers_self ON shop.customers USING (true)",
    "ALTER POLICY customers_self ON shop.customers TO public",
    "DROP POLICY customers_insert ON shop.customers",
    // triggers and rules
    "CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch()",
    "ALTER TABLE shop.customers DISABLE TRIGGER customers_touch",
    "ALTER TABLE shop.customers ENABLE ALWAYS TRIGGER customers_audit",
    "CREATE RULE scratch_no_update AS ON UPDATE TO shop.scratch DO INSTEAD NOTHING",
    "ALTER TABLE shop.orders DISABLE RULE orders_no_delete",
    "DROP RULE orders_no_delete ON shop.orders",
    "COMMENT ON RULE orders_no_delete ON shop.orders IS 'changed'",
    // tables
    "ALTER TABLE shop.orders REPLICA IDENTITY DEFAULT",
    "ALTER TABLE shop.scratch REPLICA IDENTITY USING INDEX scratch_pkey",
    "ALTER TABLE shop.orders SET (fillfactor = 90)",
    "ALTER TABLE shop.orders RESET (autovacuum_enabled)",
    "ALTER TABLE shop.scratch SET LOGGED",
    "ALTER TABLE shop.events DETACH PARTITION shop.events_2024",
    "ALTER TABLE shop.child_log NO INHERIT shop.base_log",
    // inheritance: columns and constraints made local by leaving and rejoining the parent; a
    // constraint declared by the child too; NO INHERIT
    "ALTER TABLE shop.child_log NO INHERIT shop.base_log; ALTER TABLE shop.child_log INHERIT shop.base_log",
    "ALTER TABLE shop.child_log ADD CONSTRAINT base_log_id_check CHECK (id > 0)",
    "ALTER TABLE shop.base_log DROP CONSTRAINT base_log_note_check;
     ALTER TABLE shop.base_log ADD CONSTRAINT base_log_note_check CHECK (note <> '')",
    // partitioned indexes: the last partition's index attached (which makes the parent valid)
    "ALTER INDEX shop.events_kind_idx ATTACH PARTITION shop.events_default_kind_idx",
    // identity sequences: grants, a name
    "GRANT USAGE ON SEQUENCE shop.customers_id_seq TO fixture_writer",
    "REVOKE USAGE ON SEQUENCE shop.line_item_ids FROM fixture_writer",
    "ALTER SEQUENCE shop.line_item_ids RENAME TO line_item_numbers",
    "-- PostgreSQL 15+\nALTER TABLE shop.base_log SET ACCESS METHOD shop_heap",
    "COMMENT ON TABLE shop.orders IS 'what was bought'",
    "CREATE TABLE shop.refunds (id int)",
    "DROP TABLE shop.child_log",
    "ALTER TABLE shop.scratch RENAME TO scratch_pad",
    // views and materialized views
    "CREATE OR REPLACE VIEW shop.big_orders WITH (security_barrier = true) AS
       SELECT o.id, o.total, c.email FROM shop.orders o JOIN shop.customers c ON c.id = o.customer_id
        WHERE o.total > 1000",
    "ALTER VIEW shop.big_orders RESET (security_barrier)",
    "-- PostgreSQL 15+\nALTER VIEW shop.big_orders SET (security_invoker = true)",
    "ALTER VIEW shop.big_orders ALTER COLUMN total SET DEFAULT 0",
    "CREATE MATERIALIZED VIEW shop.customer_counts AS SELECT count(*) AS n FROM shop.customers WITH NO DATA",
    "CREATE INDEX order_counts_n_idx ON shop.order_counts (n)",
    "DROP MATERIALIZED VIEW shop.order_counts",
    // sequences
    "ALTER SEQUENCE shop.invoice_no INCREMENT BY 3",
    "ALTER SEQUENCE shop.invoice_no NO CYCLE",
    "ALTER SEQUENCE shop.invoice_no OWNED BY shop.orders.total",
    "CREATE SEQUENCE shop.other_seq",
    // functions, procedures, aggregates
    "CREATE OR REPLACE FUNCTION shop.total_for(customer text) RETURNS numeric LANGUAGE sql AS $$ SELECT 1::numeric $$",
    "ALTER FUNCTION shop.total_for(text) SECURITY DEFINER",
    "ALTER FUNCTION shop.total_for(text) SET search_path = shop",
    "ALTER FUNCTION shop.admin_reset() RESET search_path",
    "ALTER FUNCTION shop.total_for(bigint, date) VOLATILE",
    "ALTER FUNCTION shop.total_for(bigint, date) COST 500",
    "CREATE PROCEDURE shop.noop() LANGUAGE sql AS $$ SELECT 1 $$",
    "CREATE AGGREGATE shop.sum_int2(integer) (SFUNC = shop.add_int, STYPE = integer)",
    "COMMENT ON FUNCTION shop.touch() IS 'keeps time'",
    // types
    "ALTER TYPE shop.mood ADD VALUE 'ecstatic'",
    "ALTER TYPE shop.mood RENAME VALUE 'ok' TO 'fine'",
    "ALTER DOMAIN shop.positive ADD CONSTRAINT positive_small CHECK (VALUE < 1000)",
    "ALTER DOMAIN shop.positive SET DEFAULT 2",
    "ALTER TYPE shop.pair ADD ATTRIBUTE note text",
    "CREATE TYPE shop.intrange AS RANGE (subtype = integer)",
    "COMMENT ON TYPE shop.mood IS 'how it went'",
    // extensions
    "CREATE EXTENSION IF NOT EXISTS citext",
    "ALTER EXTENSION pgcrypto SET SCHEMA shop",
    "GRANT EXECUTE ON FUNCTION public.gen_random_bytes(integer) TO fixture_reader",
    "REVOKE EXECUTE ON FUNCTION public.digest(text, text) FROM PUBLIC",
    // owners and privileges
    "ALTER TABLE shop.orders OWNER TO fixture_writer",
    "ALTER FUNCTION shop.touch() OWNER TO fixture_writer",
    "ALTER SCHEMA shop OWNER TO fixture_writer",
    "GRANT SELECT ON shop.orders TO fixture_reader",
    "GRANT SELECT (total) ON shop.orders TO fixture_reader",
    "REVOKE INSERT ON shop.customers FROM fixture_writer",
    "GRANT SELECT ON shop.customers TO fixture_writer WITH GRANT OPTION",
    "GRANT CREATE ON SCHEMA shop TO fixture_writer",
    "REVOKE USAGE ON SEQUENCE shop.invoice_no FROM fixture_writer",
    "REVOKE USAGE ON TYPE shop.mood FROM PUBLIC",
    "REVOKE USAGE ON FOREIGN SERVER shop_srv FROM fixture_reader",
    "GRANT SELECT ON shop.remote_items TO fixture_writer",
    // schemas
    "CREATE SCHEMA reports",
    "COMMENT ON SCHEMA shop IS 'the shop, renamed'",
    // collations, casts, operators, operator classes and families
    "CREATE COLLATION shop.c2 (locale = 'C')",
    "COMMENT ON COLLATION shop.ci IS 'changed'",
    "DROP CAST (shop.pair AS text);
     CREATE CAST (shop.pair AS text) WITH FUNCTION shop.pair_to_text(shop.pair) AS IMPLICIT;
     COMMENT ON CAST (shop.pair AS text) IS 'cast: pair as text'",
    "ALTER OPERATOR shop.=== (shop.pair, shop.pair) SET (RESTRICT = eqsel)",
    "CREATE OPERATOR shop.<<< (LEFTARG = integer, RIGHTARG = integer, FUNCTION = int4lt)",
    "ALTER OPERATOR FAMILY shop.fam USING btree ADD OPERATOR 1 < (integer, bigint)",
    "CREATE OPERATOR CLASS shop.int_hash_ops FOR TYPE integer USING hash AS OPERATOR 1 =, FUNCTION 1 hashint4(integer)",
    "COMMENT ON OPERATOR CLASS shop.int_rev_ops USING btree IS 'changed'",
    // text search, conversions, languages, access methods
    "ALTER TEXT SEARCH CONFIGURATION shop.cfg ALTER MAPPING FOR asciiword WITH shop.simple_dict",
    "ALTER TEXT SEARCH CONFIGURATION shop.cfg DROP MAPPING FOR email",
    "ALTER TEXT SEARCH DICTIONARY shop.simple_dict (ACCEPT = false)",
    "CREATE TEXT SEARCH TEMPLATE shop.simple_template2 (INIT = dsimple_init, LEXIZE = dsimple_lexize)",
    "CREATE CONVERSION shop.utf8_to_latin1 FOR 'UTF8' TO 'LATIN1' FROM utf8_to_iso8859_1",
    "CREATE LANGUAGE shop_pl2 HANDLER shop.pl_handler",
    "ALTER LANGUAGE shop_pl OWNER TO fixture_writer",
    "CREATE ACCESS METHOD shop_heap2 TYPE TABLE HANDLER heap_tableam_handler",
    // event triggers, publications, subscriptions
    "ALTER EVENT TRIGGER shop_ddl DISABLE",
    "ALTER EVENT TRIGGER shop_ddl ENABLE ALWAYS",
    "ALTER PUBLICATION shop_pub ADD TABLE shop.base_log",
    "ALTER PUBLICATION shop_pub SET (publish = 'insert')",
    "-- PostgreSQL 15+\nALTER PUBLICATION shop_pub SET TABLE shop.orders WHERE (total > 0), shop.customers",
    "-- PostgreSQL 15+\nCREATE PUBLICATION shop_all FOR TABLES IN SCHEMA shop",
    "CREATE SUBSCRIPTION copy_sub CONNECTION 'host=127.0.0.1 port=1 dbname=x user=u password=copy-secret'
       PUBLICATION shop_pub WITH (connect = false, enabled = false, create_slot = false, slot_name = NONE)",
    // foreign data
    "ALTER FOREIGN DATA WRAPPER shop_fdw OPTIONS (ADD debug 'true')",
    "ALTER SERVER shop_srv OPTIONS (SET host 'db2.example')",
    "ALTER SERVER shop_srv VERSION '2'",
    "ALTER USER MAPPING FOR fixture_reader SERVER shop_srv OPTIONS (SET user 'remote2')",
    "CREATE USER MAPPING FOR fixture_writer SERVER shop_srv",
    "ALTER FOREIGN TABLE shop.remote_items OPTIONS (SET table_name 'items2')",
    "ALTER FOREIGN TABLE shop.remote_items ALTER COLUMN id OPTIONS (SET column_name 'id2')",
    "ALTER FOREIGN TABLE shop.remote_items ADD COLUMN price numeric",
    // extended statistics
    "CREATE STATISTICS shop.customers_stats ON email, name FROM shop.customers",
    "ALTER STATISTICS shop.orders_stats SET STATISTICS 50",
    "DROP STATISTICS shop.orders_stats",
    // default privileges
    "ALTER DEFAULT PRIVILEGES IN SCHEMA shop GRANT INSERT ON TABLES TO fixture_writer",
    "ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC",
    "ALTER DEFAULT PRIVILEGES GRANT USAGE ON SEQUENCES TO fixture_reader",
    // database and role settings, the database's comment
    on_current_database!("'ALTER DATABASE %I SET work_mem = ''64MB'''"),
    on_current_database!("'ALTER ROLE fixture_writer IN DATABASE %I SET work_mem = ''1MB'''"),
    on_current_database!("'COMMENT ON DATABASE %I IS ''another comment'''"),
];

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
