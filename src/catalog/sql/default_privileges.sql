-- Default privileges (ALTER DEFAULT PRIVILEGES): for which role, in which schema (or all),
-- on which kind of object, and the ACL; a database-wide entry is compared with the built-in
-- default, a schema's entry with nothing. Generic object rows, database-wide.
-- PostgreSQL 13 to 17.
SELECT 'default_privileges' AS kind, NULL::text AS schema,
       pg_catalog.pg_get_userbyid(a.defaclrole) || ' in ' ||
       COALESCE('schema ' || pg_catalog.quote_ident(n.nspname), 'all schemas') || ' on ' ||
       CASE a.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                            WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' ELSE a.defaclobjtype::text END AS name,
       NULL::text AS arguments, NULL::text AS owner,
       a.defaclacl::text[] AS acl,
       CASE WHEN a.defaclnamespace = 0
            THEN pg_catalog.acldefault((CASE a.defaclobjtype WHEN 'S' THEN 's' ELSE a.defaclobjtype END)::"char", a.defaclrole)::text[]
            ELSE '{}'::text[] END AS default_acl,
       NULL::text AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'role', pg_catalog.pg_get_userbyid(a.defaclrole),
         'schema', n.nspname)) AS properties
  FROM pg_catalog.pg_default_acl a
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = a.defaclnamespace
 ORDER BY 3
