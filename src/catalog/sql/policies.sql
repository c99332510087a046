-- Row-level security policies of tables in user schemas: mode, command, roles (sorted),
-- USING and WITH CHECK expressions, comments. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       c.relname AS relation,
       p.polname AS name,
       p.polpermissive AS permissive,
       p.polcmd::text AS command,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r) END
               FROM pg_catalog.unnest(p.polroles) AS r ORDER BY 1) AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       d.description AS comment
  FROM pg_catalog.pg_policy p
  JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass
        AND d.objoid = p.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
 ORDER BY 1, 2, 3
