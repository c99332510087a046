-- Schemas: every user schema (not a system, temporary or extension-owned one) with its owner,
-- ACL, default ACL and comment. PostgreSQL 13 to 17.
SELECT n.nspname AS name,
       pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
       n.nspacl::text[] AS acl,
       pg_catalog.acldefault('n', n.nspowner)::text[] AS default_acl,
       d.description AS comment
  FROM pg_catalog.pg_namespace n
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
        AND d.objoid = n.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                      AND e.objid = n.oid AND e.deptype = 'e')
 ORDER BY n.nspname
