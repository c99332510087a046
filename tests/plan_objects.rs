//! Plans for schemas, extensions, types, sequences, functions, views and materialized views
//! are proven by replay: each change is planned both ways between a database and a copy the
//! change was made in, each plan applied to a real copy, and the result must have exactly the
//! other side's fingerprint.

mod common;

use std::sync::OnceLock;

use common::{cluster, fixtures, plan_round_trips};

/// The fixture database every kind is in.
fn kinds() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| cluster().database_from("plan_objects_kinds", &fixtures("kinds")))
}

/// A schema of layers: tables, functions reading them, views on the functions, views on
/// those views, a materialized view on top; an enum used by a column (with a default and an
/// index that names a label) and a view; domains used by tables; a composite type used by a
/// function.
const LAYERS: &str = "
CREATE SCHEMA app;
CREATE TYPE app.status AS ENUM ('new', 'paid', 'sent');
CREATE DOMAIN app.money_amount AS numeric(12,2) DEFAULT 0 CONSTRAINT money_amount_check CHECK (VALUE >= 0);
CREATE DOMAIN app.code AS text COLLATE \"C\" NOT NULL;
CREATE TYPE app.point2 AS (x integer, y integer);
CREATE TABLE app.orders (
  id integer PRIMARY KEY,
  status app.status NOT NULL DEFAULT 'new',
  amount app.money_amount,
  code app.code,
  history app.status[]
);
CREATE INDEX orders_unpaid_idx ON app.orders (id) WHERE status <> 'paid';
CREATE FUNCTION app.paid_total() RETURNS numeric LANGUAGE sql STABLE
  AS $$ SELECT coalesce(sum(amount), 0) FROM app.orders WHERE status = 'paid' $$;
CREATE FUNCTION app.norm(p app.point2) RETURNS integer LANGUAGE sql IMMUTABLE
  AS $$ SELECT abs(p.x) + abs(p.y) $$;
CREATE VIEW app.order_status AS SELECT id, status, amount FROM app.orders;
CREATE VIEW app.totals AS SELECT app.paid_total() AS paid, count(*) AS orders FROM app.order_status;
CREATE VIEW app.report AS SELECT t.paid, t.orders, 'sent'::app.status AS last FROM app.totals t;
CREATE MATERIALIZED VIEW app.snapshot AS SELECT paid, orders FROM app.report WITH NO DATA;
CREATE INDEX snapshot_paid_idx ON app.snapshot (paid);
CREATE SEQUENCE app.tickets START 10;
GRANT SELECT ON app.report TO PUBLIC;
COMMENT ON VIEW app.report IS 'the report';
";

fn layers() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| {
        let name = cluster().fresh_database("plan_objects_layers");
        cluster().execute(&name, LAYERS);
        name
    })
}

/// More changes to the fixture: objects dropped, replaced and made, where the fixture's
/// default privileges give new functions a grant the old ones lack.
const KINDS_MORE: &[&str] = &[
    "DROP FUNCTION shop.total_for(text);
     CREATE FUNCTION shop.total_for(customer text) RETURNS integer LANGUAGE sql AS $$ SELECT 0 $$",
    "DROP AGGREGATE shop.sum_int(integer); DROP FUNCTION shop.add_int(integer, integer);
     CREATE FUNCTION shop.add_int(s integer, v integer) RETURNS integer LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT s + v $$;
     CREATE AGGREGATE shop.sum_int(integer) (SFUNC = shop.add_int, STYPE = integer, INITCOND = '0')",
    "DROP PROCEDURE shop.archive(date)",
    "DROP AGGREGATE shop.sum_int(integer)",
    "CREATE FUNCTION shop.rn() RETURNS bigint LANGUAGE internal WINDOW IMMUTABLE AS 'window_row_number'",
    "DROP EXTENSION pgcrypto",
    "DROP SEQUENCE shop.invoice_no",
    "DROP TYPE shop.floatrange",
    "ALTER TYPE \"We/ird\".\"Mixed Case\" ADD VALUE 'it''s' BEFORE 'A'",
    "ALTER DOMAIN shop.positive DROP NOT NULL",
    "ALTER DOMAIN shop.positive ADD CONSTRAINT positive_even CHECK (VALUE % 2 = 0) NOT VALID",
    "DROP VIEW shop.big_orders",
    "CREATE VIEW shop.positive_orders WITH (check_option = local) AS SELECT * FROM shop.orders WHERE total > 0",
    "GRANT SELECT ON shop.order_counts TO fixture_reader; COMMENT ON MATERIALIZED VIEW shop.order_counts IS 'counted';
     COMMENT ON COLUMN shop.order_counts.n IS 'how many'",
    "DROP INDEX shop.order_counts_customer_idx",
    "ALTER FUNCTION shop.total_for(text) OWNER TO fixture_writer; ALTER FUNCTION shop.total_for(text) SECURITY DEFINER",
];

#[test]
fn more_fixture_changes_round_trip() {
    plan_round_trips("more_fixture_changes_round_trip", kinds(), KINDS_MORE);
}

/// Drops the views of `LAYERS` over `app.orders`, top first.
macro_rules! drop_views {
    () => {
        "DROP MATERIALIZED VIEW app.snapshot; DROP VIEW app.report; DROP VIEW app.totals;
         DROP VIEW app.order_status;"
    };
}

/// Makes the views of `LAYERS` over `app.orders` again, as they were.
macro_rules! create_views {
    () => {
        "CREATE VIEW app.order_status AS SELECT id, status, amount FROM app.orders;
         CREATE VIEW app.totals AS SELECT app.paid_total() AS paid, count(*) AS orders FROM app.order_status;
         CREATE VIEW app.report AS SELECT t.paid, t.orders, 'sent'::app.status AS last FROM app.totals t;
         CREATE MATERIALIZED VIEW app.snapshot AS SELECT paid, orders FROM app.report WITH NO DATA;
         CREATE INDEX snapshot_paid_idx ON app.snapshot (paid);
         GRANT SELECT ON app.report TO PUBLIC;
         COMMENT ON VIEW app.report IS 'the report'"
    };
}

/// Changes to the layered schema, where one change reaches through what uses it.
const LAYER_CHANGES: &[&str] = &[
    // an enum gains a label at the front, and loses one used by a column, an index and a view
    "ALTER TYPE app.status ADD VALUE 'draft' BEFORE 'new'",
    "ALTER TYPE app.status ADD VALUE 'lost'; ALTER TYPE app.status ADD VALUE 'held' AFTER 'new'",
    // the domain under a column the views read changes its base type: it is replaced, the
    // column converted, and every view over the table rebuilt
    concat!(
        drop_views!(),
        "ALTER DOMAIN app.money_amount RENAME TO money_amount_old;
         CREATE DOMAIN app.money_amount AS numeric(14,2) DEFAULT 0 CONSTRAINT money_amount_check CHECK (VALUE >= 0);
         ALTER TABLE app.orders ALTER COLUMN amount TYPE app.money_amount USING amount::app.money_amount;
         DROP DOMAIN app.money_amount_old;",
        create_views!()
    ),
    // the function under the views changes its result type: it is dropped and made again,
    // and the views over it with it
    concat!(
        drop_views!(),
        "DROP FUNCTION app.paid_total();
         CREATE FUNCTION app.paid_total() RETURNS bigint LANGUAGE sql STABLE
           AS $$ SELECT coalesce(sum(amount), 0)::bigint FROM app.orders WHERE status = 'paid' $$;",
        create_views!()
    ),
    // a view in the middle gains a column at the end (replaced in place), or changes one
    // (dropped and made again with what reads it)
    "CREATE OR REPLACE VIEW app.order_status AS SELECT id, status, amount, code FROM app.orders",
    concat!(
        drop_views!(),
        "CREATE VIEW app.order_status AS SELECT id, status, amount::numeric(20,4) AS amount FROM app.orders;",
        "CREATE VIEW app.totals AS SELECT app.paid_total() AS paid, count(*) AS orders FROM app.order_status;
         CREATE VIEW app.report AS SELECT t.paid, t.orders, 'sent'::app.status AS last FROM app.totals t;
         CREATE MATERIALIZED VIEW app.snapshot AS SELECT paid, orders FROM app.report WITH NO DATA;
         CREATE INDEX snapshot_paid_idx ON app.snapshot (paid);
         GRANT SELECT ON app.report TO PUBLIC;
         COMMENT ON VIEW app.report IS 'the report'"
    ),
    // a function under the views changes its body, then its result type
    "CREATE OR REPLACE FUNCTION app.paid_total() RETURNS numeric LANGUAGE sql STABLE
       AS $$ SELECT coalesce(sum(amount), 0) FROM app.orders WHERE status IN ('paid', 'sent') $$",
    // a materialized view's query changes; it gains an option and a comment
    "DROP MATERIALIZED VIEW app.snapshot;
     CREATE MATERIALIZED VIEW app.snapshot AS SELECT paid FROM app.report WITH NO DATA;
     CREATE INDEX snapshot_paid_idx ON app.snapshot (paid)",
    "ALTER MATERIALIZED VIEW app.snapshot SET (fillfactor = 50); COMMENT ON MATERIALIZED VIEW app.snapshot IS 'kept'",
    // domains change in place, or their base type changes under the table
    "ALTER DOMAIN app.money_amount DROP CONSTRAINT money_amount_check;
     ALTER DOMAIN app.money_amount ADD CONSTRAINT money_amount_small CHECK (VALUE < 1000000) NOT VALID",
    "ALTER DOMAIN app.money_amount RENAME CONSTRAINT money_amount_check TO money_amount_positive",
    "ALTER DOMAIN app.code DROP NOT NULL; ALTER DOMAIN app.money_amount DROP DEFAULT",
    // a composite type used by a function gains and loses attributes
    "ALTER TYPE app.point2 ADD ATTRIBUTE z integer",
    "ALTER TYPE app.point2 ALTER ATTRIBUTE y TYPE bigint",
    // a composite loses an attribute, or has its attributes reordered (made again, with the
    // function that takes it)
    "ALTER TYPE app.point2 DROP ATTRIBUTE y",
    "DROP FUNCTION app.norm(app.point2); DROP TYPE app.point2; CREATE TYPE app.point2 AS (y integer, x integer);
     CREATE FUNCTION app.norm(p app.point2) RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT abs(p.x) + abs(p.y) $$",
    // an enum label renamed where it stands
    "ALTER TYPE app.status RENAME VALUE 'sent' TO 'shipped'",
    // a view column default; a materialized view loses its index
    "ALTER VIEW app.order_status ALTER COLUMN status SET DEFAULT 'paid'",
    "DROP INDEX app.snapshot_paid_idx",
    "ALTER SEQUENCE app.tickets OWNED BY app.orders.id",
    // a view gets column comments, an INSTEAD OF trigger and a rule
    "COMMENT ON COLUMN app.order_status.amount IS 'in cents';
     CREATE FUNCTION app.order_status_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
     CREATE TRIGGER order_status_write INSTEAD OF INSERT ON app.order_status FOR EACH ROW EXECUTE FUNCTION app.order_status_write();
     CREATE RULE order_status_no_delete AS ON DELETE TO app.order_status DO INSTEAD NOTHING",
    // sequences: renamed, retyped, dropped; a schema and what is in it go away
    "ALTER SEQUENCE app.tickets RENAME TO ticket_numbers",
    "ALTER SEQUENCE app.tickets AS smallint",
    "DROP SEQUENCE app.tickets",
    "CREATE SCHEMA extra; CREATE TYPE extra.e AS ENUM ('x'); CREATE FUNCTION extra.f(extra.e) RETURNS int LANGUAGE sql AS 'SELECT 1';
     CREATE VIEW extra.v AS SELECT extra.f('x') AS one; CREATE SEQUENCE extra.s;
     CREATE SEQUENCE app.order_ids OWNED BY app.orders.id",
    // owners, grants, comments
    "ALTER VIEW app.report OWNER TO fixture_writer; REVOKE SELECT ON app.report FROM PUBLIC",
    "ALTER TYPE app.status OWNER TO fixture_writer; ALTER DOMAIN app.code OWNER TO fixture_writer;
     ALTER SEQUENCE app.tickets OWNER TO fixture_writer; ALTER MATERIALIZED VIEW app.snapshot OWNER TO fixture_writer",
    "GRANT USAGE ON DOMAIN app.code TO fixture_reader; COMMENT ON DOMAIN app.code IS 'a code';
     COMMENT ON COLUMN app.point2.x IS 'across'",
    "REVOKE EXECUTE ON FUNCTION app.norm(app.point2) FROM PUBLIC; GRANT EXECUTE ON FUNCTION app.norm(app.point2) TO fixture_reader",
];

#[test]
fn layered_changes_round_trip() {
    let _ = kinds();
    plan_round_trips("layered_changes_round_trip", layers(), LAYER_CHANGES);
}

/// A schema of these kinds only, with owners, grants and comments: made from nothing, every
/// object goes after what it names.
const STANDALONE: &str = "
CREATE EXTENSION citext;
CREATE SCHEMA lib AUTHORIZATION fixture_writer;
COMMENT ON SCHEMA lib IS 'the library';
GRANT USAGE ON SCHEMA lib TO fixture_reader;
CREATE SCHEMA \"Odd Schema\";
CREATE TYPE lib.level AS ENUM ('low', 'mid', 'high');
CREATE DOMAIN lib.label AS public.citext COLLATE \"C\" DEFAULT 'none' NOT NULL
  CONSTRAINT label_short CHECK (length(VALUE) < 20);
ALTER DOMAIN lib.label ADD CONSTRAINT label_clean CHECK (VALUE <> 'bad') NOT VALID;
COMMENT ON CONSTRAINT label_short ON DOMAIN lib.label IS 'short enough';
CREATE TYPE lib.tagged AS (tag lib.label, level lib.level, weight numeric(6,2));
COMMENT ON COLUMN lib.tagged.weight IS 'how much';
CREATE TYPE lib.numrange2 AS RANGE (subtype = numeric);
CREATE TYPE \"Odd Schema\".\"Odd Type\" AS ENUM ('it''s', 'b c');
REVOKE USAGE ON TYPE lib.level FROM PUBLIC;
GRANT USAGE ON TYPE lib.level TO fixture_reader;
ALTER TYPE lib.tagged OWNER TO fixture_writer;
CREATE SEQUENCE lib.ids AS integer INCREMENT BY 2 MINVALUE 10 MAXVALUE 100000 START 20 CACHE 3 CYCLE;
GRANT USAGE ON SEQUENCE lib.ids TO fixture_reader;
COMMENT ON SEQUENCE lib.ids IS 'numbers';
CREATE FUNCTION lib.make(t lib.label, l lib.level DEFAULT 'mid') RETURNS lib.tagged
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ROW(t, l, 1)::lib.tagged $$;
CREATE FUNCTION lib.weigh(x lib.tagged) RETURNS numeric LANGUAGE plpgsql STRICT
  SET search_path = pg_catalog AS $$ BEGIN RETURN x.weight; END $$;
CREATE FUNCTION lib.secret() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT 'x' $$;
REVOKE EXECUTE ON FUNCTION lib.secret() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lib.secret() TO fixture_reader;
CREATE FUNCTION lib.add(a numeric, b numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT a + b $$;
CREATE AGGREGATE lib.total(numeric) (SFUNC = lib.add, STYPE = numeric, INITCOND = '0');
CREATE PROCEDURE lib.tick() LANGUAGE sql AS $$ SELECT nextval('lib.ids') $$;
COMMENT ON PROCEDURE lib.tick() IS 'moves on';
ALTER FUNCTION lib.weigh(lib.tagged) OWNER TO fixture_writer;
CREATE VIEW lib.samples WITH (security_barrier = true) AS
  SELECT lib.make('a') AS item, lib.weigh(lib.make('b')) AS weight;
ALTER VIEW lib.samples ALTER COLUMN weight SET DEFAULT 0;
COMMENT ON COLUMN lib.samples.weight IS 'weighed';
CREATE VIEW lib.summary AS SELECT lib.total(weight) AS total FROM lib.samples;
GRANT SELECT ON lib.summary TO fixture_reader;
ALTER VIEW lib.summary OWNER TO fixture_writer;
CREATE MATERIALIZED VIEW lib.frozen AS SELECT total FROM lib.summary WITH NO DATA;
CREATE INDEX frozen_total_idx ON lib.frozen (total);
COMMENT ON MATERIALIZED VIEW lib.frozen IS 'kept';
CREATE VIEW \"Odd Schema\".\"Odd View\" AS SELECT 'b c'::\"Odd Schema\".\"Odd Type\" AS \"Value\";
";

#[test]
fn a_schema_of_these_kinds_restores_from_nothing() {
    let _ = kinds();
    let name = cluster().fresh_database("plan_objects_standalone");
    cluster().execute(&name, STANDALONE);
    common::plan_restores(&name);
}

/// An enum used everywhere a table can use it, with rows: in a column with a default and a
/// check constraint, an array column, an index predicate, a trigger's column list and WHEN,
/// a policy, a view, and a function's signature used by another view.
const COLORS: &str = "
CREATE SCHEMA e;
CREATE TYPE e.color AS ENUM ('red', 'green', 'blue');
CREATE TABLE e.items (
  id int PRIMARY KEY,
  color e.color DEFAULT 'red' CONSTRAINT items_not_blue CHECK (color <> 'blue'),
  colors e.color[] DEFAULT '{red}'
);
COMMENT ON CONSTRAINT items_not_blue ON e.items IS 'no blue';
CREATE INDEX items_color_idx ON e.items (color) WHERE color <> 'green';
CREATE FUNCTION e.trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER items_trg BEFORE UPDATE OF color ON e.items
  FOR EACH ROW WHEN (NEW.color <> 'red') EXECUTE FUNCTION e.trg();
ALTER TABLE e.items DISABLE TRIGGER items_trg;
ALTER TABLE e.items ENABLE ROW LEVEL SECURITY;
CREATE POLICY items_pol ON e.items USING (color <> 'red');
CREATE VIEW e.reds AS SELECT id FROM e.items WHERE color = 'red';
CREATE FUNCTION e.pick(c e.color) RETURNS e.color LANGUAGE sql AS $$ SELECT c $$;
CREATE VIEW e.picked AS SELECT e.pick('green') AS c;
INSERT INTO e.items VALUES (1, 'red', '{red,green}'), (2, 'green', '{}');
";

#[test]
fn an_enum_used_everywhere_gains_loses_and_renames_labels() {
    let _ = kinds();
    static BASE: OnceLock<String> = OnceLock::new();
    let base = BASE.get_or_init(|| {
        let name = cluster().fresh_database("plan_objects_colors");
        cluster().execute(&name, COLORS);
        name
    });
    plan_round_trips(
        "an_enum_used_everywhere_gains_loses_and_renames_labels",
        base,
        &[
            "ALTER TYPE e.color ADD VALUE 'black' BEFORE 'red'",
            "ALTER TYPE e.color RENAME VALUE 'blue' TO 'navy'",
        ],
    );
}
