-- Schemas: every user schema (not a system, temporary or extension-owned one) with its owner,
-- ACL, default ACL and comment. PostgreSQL 13 to 17.
-- The schema `public` comes with the database, and its built-in owner and privileges changed in
-- PostgreSQL 15 (owner pg_database_owner, USAGE for PUBLIC; before: the bootstrap superuser,
-- USAGE and CREATE for PUBLIC). So that a schema recorded on one version reads the same on
-- another, public's built-in owner is always named pg_database_owner, and every schema's ACL is
-- compared with what initdb left (pg_init_privs) before the built-in default.
SELECT n.nspname AS name,
       CASE WHEN n.nspname = 'public' AND n.nspowner = 10
                 AND pg_catalog.current_setting('server_version_num')::int < 150000
            THEN 'pg_database_owner'
            ELSE pg_catalog.pg_get_userbyid(n.nspowner) END AS owner,
       n.nspacl::text[] AS acl,
       COALESCE(ip.initprivs, pg_catalog.acldefault('n', n.nspowner))::text[] AS default_acl,
       d.description AS comment
  FROM pg_catalog.pg_namespace n
  LEFT JOIN pg_catalog.pg_init_privs ip
         ON ip.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
        AND ip.objoid = n.oid AND ip.objsubid = 0
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
        AND d.objoid = n.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                      AND e.objid = n.oid AND e.deptype = 'e')
 ORDER BY n.nspname
