-- User-defined casts (not built in, not extension members, not made automatically with a
-- range type's multirange): source and target types, the
-- function, context and method. Generic object rows, database-wide. PostgreSQL 13 to 17.
SELECT 'cast' AS kind, NULL::text AS schema,
       pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL) AS name,
       NULL::text AS arguments, NULL::text AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'function', CASE WHEN c.castfunc <> 0 THEN c.castfunc::pg_catalog.regprocedure::text END,
         'context', CASE c.castcontext WHEN 'e' THEN 'explicit' WHEN 'a' THEN 'assignment' ELSE 'implicit' END,
         'method', CASE c.castmethod WHEN 'f' THEN 'function' WHEN 'i' THEN 'inout' ELSE 'binary' END)) AS properties
  FROM pg_catalog.pg_cast c
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_cast'::pg_catalog.regclass AND d.objoid = c.oid AND d.objsubid = 0
 WHERE c.oid >= 16384
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype IN ('e', 'i'))
 ORDER BY 3
