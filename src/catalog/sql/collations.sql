-- Collations in user schemas, not extension members: provider, locales, determinism (never
-- the library version, which changes with the operating system). Generic object rows.
-- PostgreSQL 13 to 17: the locale columns moved between versions and are read through to_jsonb.
SELECT 'collation' AS kind, n.nspname AS schema, c.collname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(c.collowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'provider', CASE c.collprovider WHEN 'i' THEN 'icu' WHEN 'c' THEN 'libc' ELSE 'default' END,
         'deterministic', c.collisdeterministic,
         'lc_collate', pg_catalog.to_jsonb(c) ->> 'collcollate',
         'lc_ctype', pg_catalog.to_jsonb(c) ->> 'collctype',
         'locale', COALESCE(pg_catalog.to_jsonb(c) ->> 'colliculocale', pg_catalog.to_jsonb(c) ->> 'colllocale'),
         'icu_rules', pg_catalog.to_jsonb(c) ->> 'collicurules')) AS properties
  FROM pg_catalog.pg_collation c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_collation'::pg_catalog.regclass AND d.objoid = c.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
 ORDER BY 2, 3
