-- Subscriptions of this database, for a role that may not read pg_subscription's connection
-- string: the columns every role may read, and the list of what it could not (the connection
-- string, and the options subscriptions.sql reads through the whole row). Generic object rows,
-- database-wide. PostgreSQL 13 to 17.
SELECT 'subscription' AS kind, NULL::text AS schema, s.subname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(s.subowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'publications', (SELECT pg_catalog.jsonb_agg(pub ORDER BY pub) FROM pg_catalog.unnest(s.subpublications) AS pub),
         'enabled', s.subenabled,
         'slot_name', s.subslotname,
         'synchronous_commit', s.subsynccommit,
         'unreadable', pg_catalog.jsonb_build_array(
           'binary', 'connection', 'disable_on_error', 'failover', 'origin', 'password_required',
           'run_as_owner', 'streaming', 'two_phase'))) AS properties
  FROM pg_catalog.pg_subscription s
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_subscription'::pg_catalog.regclass AND d.objoid = s.oid AND d.objsubid = 0
 WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
 ORDER BY 3
