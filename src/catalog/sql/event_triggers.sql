-- Event triggers, not extension members: event, function, enabled state, command tags, owner,
-- comment. Generic object rows, database-wide. PostgreSQL 13 to 17.
SELECT 'event_trigger' AS kind, NULL::text AS schema, t.evtname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(t.evtowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'event', t.evtevent,
         'function', t.evtfoid::pg_catalog.regprocedure::text,
         'enabled', CASE t.evtenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
                                      WHEN 'A' THEN 'always' ELSE 'origin' END,
         'tags', (SELECT pg_catalog.jsonb_agg(tag ORDER BY tag) FROM pg_catalog.unnest(t.evttags) AS tag))) AS properties
  FROM pg_catalog.pg_event_trigger t
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass AND d.objoid = t.oid AND d.objsubid = 0
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                      AND e.objid = t.oid AND e.deptype = 'e')
 ORDER BY 3
