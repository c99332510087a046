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
    "-- PostgreSQL 14+
     ALTER SUBSCRIPTION shop_sub SET (binary = true, synchronous_commit = 'local')",
    "ALTER SUBSCRIPTION shop_sub SET (synchronous_commit = 'remote_write')",
    "ALTER SUBSCRIPTION shop_sub SET PUBLICATION shop_pub, other_pub WITH (refresh = false)",
    "ALTER SUBSCRIPTION shop_sub SET (slot_name = 'shop_slot')",
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

/// Objects of these kinds that need nothing another generator writes: they live in `public`,
/// use built-in functions and no role but PUBLIC and the one running the test.
const STANDALONE: &str = r#"
CREATE COLLATION public.c_posix (provider = libc, lc_collate = 'C', lc_ctype = 'POSIX');
COMMENT ON COLLATION public.c_posix IS 'collation: sorts as C, classifies as POSIX';
CREATE CONVERSION public.latin1_in FOR 'LATIN1' TO 'UTF8' FROM iso8859_1_to_utf8;
CREATE TEXT SEARCH PARSER public.words (START = prsd_start, GETTOKEN = prsd_nexttoken,
  END = prsd_end, LEXTYPES = prsd_lextype);
CREATE TEXT SEARCH TEMPLATE public.lexize_only (LEXIZE = dsimple_lexize);
CREATE TEXT SEARCH DICTIONARY public.plain (TEMPLATE = pg_catalog.simple, accept = false,
  stopwords = english);
CREATE TEXT SEARCH CONFIGURATION public.cfg (PARSER = public.words);
ALTER TEXT SEARCH CONFIGURATION public.cfg ADD MAPPING FOR word, numword WITH public.plain, simple;
ALTER TEXT SEARCH CONFIGURATION public.cfg ADD MAPPING FOR email WITH simple;
CREATE OPERATOR public.### (LEFTARG = integer, RIGHTARG = integer, FUNCTION = int4eq,
  COMMUTATOR = OPERATOR(public.###), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR public.!## (LEFTARG = integer, RIGHTARG = integer, FUNCTION = int4ne,
  NEGATOR = OPERATOR(public.###));
CREATE OPERATOR public.-# (RIGHTARG = integer, FUNCTION = int4um);
CREATE OPERATOR FAMILY public.fam USING btree;
CREATE OPERATOR CLASS public.int_ops FOR TYPE integer USING btree FAMILY public.fam AS
  OPERATOR 1 <, OPERATOR 3 =, FUNCTION 1 btint4cmp(integer, integer);
ALTER OPERATOR FAMILY public.fam USING btree ADD OPERATOR 1 < (integer, bigint),
  FUNCTION 1 (integer, bigint) btint48cmp(integer, bigint);
COMMENT ON OPERATOR FAMILY public.fam USING btree IS 'operator family';
CREATE OPERATOR CLASS public.int_hash FOR TYPE integer USING hash AS
  OPERATOR 1 public.###, FUNCTION 1 hashint4(integer);
CREATE ACCESS METHOD heap_again TYPE TABLE HANDLER heap_tableam_handler;
CREATE ACCESS METHOD btree_again TYPE INDEX HANDLER bthandler;
COMMENT ON ACCESS METHOD btree_again IS 'access method: btree again';
CREATE FOREIGN DATA WRAPPER checked VALIDATOR postgresql_fdw_validator;
GRANT USAGE ON FOREIGN DATA WRAPPER checked TO PUBLIC;
CREATE SERVER there TYPE 'postgres' VERSION '15' FOREIGN DATA WRAPPER checked
  OPTIONS (host 'db.example', dbname 'x');
CREATE USER MAPPING FOR PUBLIC SERVER there OPTIONS (user 'anyone', password 'a-secret');
CREATE USER MAPPING FOR CURRENT_USER SERVER there;
CREATE PUBLICATION everything FOR ALL TABLES WITH (publish = 'insert, truncate');
CREATE PUBLICATION nothing_yet;
COMMENT ON PUBLICATION nothing_yet IS 'publication: no tables';
CREATE SUBSCRIPTION elsewhere CONNECTION 'host=127.0.0.1 port=1 dbname=x password=sub-secret'
  PUBLICATION everything, remote_one
  WITH (connect = false, slot_name = 'elsewhere_slot', synchronous_commit = 'local');
COMMENT ON SUBSCRIPTION elsewhere IS 'subscription: never connects';
ALTER DEFAULT PRIVILEGES REVOKE USAGE ON TYPES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC;
DO $$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET search_path = public, "$user"', current_database());
  EXECUTE format('ALTER DATABASE %I SET work_mem = ''3MB''', current_database());
  EXECUTE format('ALTER ROLE CURRENT_USER IN DATABASE %I SET statement_timeout = ''1min''', current_database());
  EXECUTE format('COMMENT ON DATABASE %I IS %L', current_database(), 'database: it''s catalog objects');
END $$;
"#;

#[test]
fn catalog_objects_restore_from_nothing() {
    let base = cluster().fresh_database("restore_catalog");
    cluster().execute(&base, STANDALONE);
    common::plan_restores(&base);
    common::drop_database(&base);
}
