-- Subscriptions of this database, for a role that may not read pg_subscription's connection
-- string: the columns every role may read on every version (PostgreSQL 13 grants only subdbid,
-- subname, subowner, subenabled, subslotname and subpublications), and the list of what it could
-- not read. Generic object rows, database-wide. PostgreSQL 13 to 17.
SELECT 'subscription' AS kind, NULL::text AS schema, s.subname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(s.subowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, NULL::text AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'publications', (SELECT pg_catalog.jsonb_agg(pub ORDER BY pub) FROM pg_catalog.unnest(s.subpublications) AS pub),
         'enabled', s.subenabled,
         'slot_name', s.subslotname,
         'unreadable', pg_catalog.jsonb_build_array(
           'binary', 'comment', 'connection', 'disable_on_error', 'failover', 'origin',
           'password_required', 'run_as_owner', 'streaming', 'synchronous_commit', 'two_phase')))
         AS properties
  FROM pg_catalog.pg_subscription s
 WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
 ORDER BY 3
