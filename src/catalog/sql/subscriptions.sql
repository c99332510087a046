-- Subscriptions of this database, for a role that may read every column of pg_subscription:
-- the connection string (redacted by the reader before it is stored), publications, slot,
-- options, owner, comment. Generic object rows, database-wide. PostgreSQL 13 to 17; options
-- that not every version has are read through to_jsonb.
SELECT 'subscription' AS kind, NULL::text AS schema, s.subname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(s.subowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'connection', s.subconninfo,
         'publications', (SELECT pg_catalog.jsonb_agg(pub ORDER BY pub) FROM pg_catalog.unnest(s.subpublications) AS pub),
         'enabled', s.subenabled,
         'slot_name', s.subslotname,
         'synchronous_commit', s.subsynccommit,
         'binary', pg_catalog.to_jsonb(s) -> 'subbinary',
         'streaming', pg_catalog.to_jsonb(s) -> 'substream',
         'two_phase', pg_catalog.to_jsonb(s) -> 'subtwophasestate',
         'disable_on_error', pg_catalog.to_jsonb(s) -> 'subdisableonerr',
         'origin', pg_catalog.to_jsonb(s) -> 'suborigin',
         'password_required', pg_catalog.to_jsonb(s) -> 'subpasswordrequired',
         'run_as_owner', pg_catalog.to_jsonb(s) -> 'subrunasowner',
         'failover', pg_catalog.to_jsonb(s) -> 'subfailover')) AS properties
  FROM pg_catalog.pg_subscription s
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_subscription'::pg_catalog.regclass AND d.objoid = s.oid AND d.objsubid = 0
 WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
 ORDER BY 3
