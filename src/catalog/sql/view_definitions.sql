-- The definitions of the views and materialized views whose OIDs are $1, deparsed. Sent in
-- batches, each rolled back to a savepoint afterwards so that the locks it took are released.
-- PostgreSQL 13 to 17.
SELECT n.nspname AS schema, c.relname AS name, pg_catalog.pg_get_viewdef(c.oid) AS definition
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = ANY ($1::pg_catalog.oid[])
