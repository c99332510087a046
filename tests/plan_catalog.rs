//! Plans for the database-wide and other catalog objects (collations, casts, operators and
//! their classes and families, text search objects, conversions, languages, access methods,
//! event triggers, publications, subscriptions, foreign data, default privileges, database
//! and role settings) round-trip on a real server: each change to the fixture schema of every
//! kind, planned both ways and applied to a copy of the database it starts from, arrives at
//! exactly the other side's fingerprint.

mod common;

use common::changes::CHANGES;
use common::{cluster, fixtures};

/// How the fixture's schema changes of these kinds begin (after a version line).
const KINDS: &[&str] = &[
    "CREATE COLLATION",
    "COMMENT ON COLLATION",
    "DROP CAST",
    "ALTER OPERATOR",
    "CREATE OPERATOR",
    "COMMENT ON OPERATOR",
    "ALTER TEXT SEARCH",
    "CREATE TEXT SEARCH",
    "CREATE CONVERSION",
    "CREATE LANGUAGE",
    "ALTER LANGUAGE",
    "CREATE ACCESS METHOD",
    "ALTER EVENT TRIGGER",
    "ALTER PUBLICATION",
    "CREATE PUBLICATION",
    "CREATE SUBSCRIPTION",
    "ALTER FOREIGN DATA WRAPPER",
    "ALTER SERVER",
    "REVOKE USAGE ON FOREIGN SERVER",
    "ALTER USER MAPPING",
    "CREATE USER MAPPING",
    "ALTER DEFAULT PRIVILEGES",
];

/// Changes beyond the fixture's: objects dropped (so the plan back creates them from what the
/// snapshot recorded, secrets included), and properties only these kinds have.
const MORE: &[&str] = &[
    "DROP EVENT TRIGGER shop_ddl",
    "DROP SUBSCRIPTION shop_sub",
    "ALTER SUBSCRIPTION shop_sub SET (binary = true, synchronous_commit = 'local')",
    "ALTER SUBSCRIPTION shop_sub SET PUBLICATION shop_pub, other_pub WITH (refresh = false)",
    "ALTER SUBSCRIPTION shop_sub CONNECTION 'host=127.0.0.2 port=1 dbname=y password=other'",
    "DROP PUBLICATION shop_pub",
    "CREATE PUBLICATION every_table FOR ALL TABLES WITH (publish_via_partition_root = true)",
    "DROP USER MAPPING FOR fixture_reader SERVER shop_srv",
    "CREATE USER MAPPING FOR PUBLIC SERVER shop_srv OPTIONS (user 'anyone')",
    "ALTER SERVER shop_srv OWNER TO fixture_writer",
    "GRANT USAGE ON FOREIGN DATA WRAPPER shop_fdw TO fixture_reader WITH GRANT OPTION",
    "CREATE SERVER other_srv TYPE 'kind' VERSION '1' FOREIGN DATA WRAPPER shop_fdw",
    "CREATE FOREIGN DATA WRAPPER plain_fdw VALIDATOR postgresql_fdw_validator;
     COMMENT ON FOREIGN DATA WRAPPER plain_fdw IS 'checks its options'",
    "ALTER FOREIGN DATA WRAPPER shop_fdw VALIDATOR postgresql_fdw_validator",
    "ALTER SERVER shop_srv OPTIONS (DROP dbname, ADD port '5')",
    "DROP OPERATOR CLASS shop.int_rev_ops USING btree",
    "DROP OPERATOR FAMILY shop.fam USING btree",
    "ALTER OPERATOR FAMILY shop.fam USING btree OWNER TO fixture_writer",
    "CREATE OPERATOR shop.<> (LEFTARG = shop.pair, RIGHTARG = shop.pair, FUNCTION = shop.pair_same_left,
       NEGATOR = OPERATOR(shop.===), RESTRICT = neqsel, JOIN = neqjoinsel)",
    "DROP OPERATOR shop.=== (shop.pair, shop.pair)",
    "DROP TEXT SEARCH CONFIGURATION shop.cfg; DROP TEXT SEARCH DICTIONARY shop.simple_dict",
    "ALTER TEXT SEARCH DICTIONARY shop.simple_dict (STOPWORDS)",
    "ALTER TEXT SEARCH CONFIGURATION shop.cfg OWNER TO fixture_writer",
    "DROP COLLATION shop.ci",
    "CREATE COLLATION shop.c3 (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX')",
    "CREATE CAST (integer AS shop.pair) WITH INOUT AS IMPLICIT",
    "DROP CONVERSION shop.latin1_to_utf8",
    "DROP LANGUAGE shop_pl",
    "CREATE OR REPLACE TRUSTED LANGUAGE shop_pl HANDLER shop.pl_handler",
    "DROP ACCESS METHOD shop_heap",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA shop REVOKE SELECT ON TABLES FROM fixture_reader",
    "ALTER DEFAULT PRIVILEGES FOR ROLE fixture_writer GRANT SELECT ON TABLES TO fixture_reader",
    "DO $$ BEGIN
       EXECUTE format('ALTER DATABASE %I SET search_path = \"My Schema\", shop', current_database());
       EXECUTE format('ALTER ROLE fixture_reader IN DATABASE %I RESET ALL', current_database());
       EXECUTE format('COMMENT ON DATABASE %I IS NULL', current_database());
     END $$",
];

/// The fixture's changes to these kinds, and the ones above.
fn cases() -> Vec<&'static str> {
    let ours = |sql: &&&str| {
        let body = match sql.strip_prefix("-- PostgreSQL ") {
            Some(rest) => rest.split_once('\n').map_or("", |(_, body)| body),
            None => **sql,
        };
        KINDS.iter().any(|k| body.starts_with(k)) || body.contains("DATABASE %I")
    };
    CHANGES.iter().filter(ours).chain(MORE).copied().collect()
}

#[test]
fn every_catalog_object_change_round_trips_through_plan() {
    let cases = cases();
    assert!(cases.len() > 60, "{} cases", cases.len());
    let base = cluster().database_from("plan_catalog", &fixtures("kinds"));
    common::plan_round_trips(
        "every_catalog_object_change_round_trips_through_plan",
        &base,
        &cases,
    );
}
