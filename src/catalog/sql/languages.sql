-- User-installed procedural languages and access methods, not extension members (plpgsql
-- is an extension): handlers, trust, owner, ACLs, comment. Security labels on user objects.
-- Generic object rows, database-wide. PostgreSQL 13 to 17.
SELECT 'language' AS kind, NULL::text AS schema, l.lanname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(l.lanowner) AS owner,
       l.lanacl::text[] AS acl, pg_catalog.acldefault('l', l.lanowner)::text[] AS default_acl,
       d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'trusted', l.lanpltrusted,
         'handler', CASE WHEN l.lanplcallfoid <> 0 THEN l.lanplcallfoid::pg_catalog.regprocedure::text END,
         'inline', CASE WHEN l.laninline <> 0 THEN l.laninline::pg_catalog.regprocedure::text END,
         'validator', CASE WHEN l.lanvalidator <> 0 THEN l.lanvalidator::pg_catalog.regprocedure::text END)) AS properties
  FROM pg_catalog.pg_language l
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_language'::pg_catalog.regclass AND d.objoid = l.oid AND d.objsubid = 0
 WHERE l.oid >= 16384
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_language'::pg_catalog.regclass
                      AND e.objid = l.oid AND e.deptype = 'e')
UNION ALL
SELECT 'access_method', NULL, a.amname, NULL, NULL, NULL, NULL, d.description,
       pg_catalog.jsonb_build_object(
         'type', CASE a.amtype WHEN 'i' THEN 'index' ELSE 'table' END,
         'handler', a.amhandler::pg_catalog.regproc::text)
  FROM pg_catalog.pg_am a
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_am'::pg_catalog.regclass AND d.objoid = a.oid AND d.objsubid = 0
 WHERE a.oid >= 16384
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_am'::pg_catalog.regclass
                      AND e.objid = a.oid AND e.deptype = 'e')
UNION ALL
SELECT 'security_label', NULL, l.provider || ': ' || l.objtype || ' ' || l.objname, NULL, NULL, NULL, NULL, NULL,
       pg_catalog.jsonb_build_object('label', l.label)
  FROM pg_catalog.pg_seclabels l
 WHERE l.objoid >= 16384
 ORDER BY 1, 3
