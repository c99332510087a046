-- Extension members (relations, functions, types) whose ACL differs from what the extension
-- script left (pg_init_privs), which pg_dump emits as GRANT/REVOKE: the extension, the member's
-- identity, its ACL, the ACL it started with, and the built-in default. PostgreSQL 13 to 17.
WITH members AS (
  SELECT e.extname, d.classid, d.objid,
         CASE d.classid
              WHEN 'pg_catalog.pg_class'::pg_catalog.regclass
              THEN (SELECT c.relacl FROM pg_catalog.pg_class c WHERE c.oid = d.objid)
              WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass
              THEN (SELECT p.proacl FROM pg_catalog.pg_proc p WHERE p.oid = d.objid)
              WHEN 'pg_catalog.pg_type'::pg_catalog.regclass
              THEN (SELECT t.typacl FROM pg_catalog.pg_type t WHERE t.oid = d.objid)
         END AS acl,
         CASE d.classid
              WHEN 'pg_catalog.pg_class'::pg_catalog.regclass
              THEN (SELECT pg_catalog.acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner)
                      FROM pg_catalog.pg_class c WHERE c.oid = d.objid)
              WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass
              THEN (SELECT pg_catalog.acldefault('f', p.proowner) FROM pg_catalog.pg_proc p WHERE p.oid = d.objid)
              WHEN 'pg_catalog.pg_type'::pg_catalog.regclass
              THEN (SELECT pg_catalog.acldefault('T', t.typowner) FROM pg_catalog.pg_type t WHERE t.oid = d.objid)
         END AS default_acl
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND d.deptype = 'e'
     AND d.classid IN ('pg_catalog.pg_class'::pg_catalog.regclass,
                       'pg_catalog.pg_proc'::pg_catalog.regclass,
                       'pg_catalog.pg_type'::pg_catalog.regclass)
)
SELECT m.extname AS extension,
       (pg_catalog.pg_identify_object(m.classid, m.objid, 0)).identity AS object,
       COALESCE(m.acl, m.default_acl)::text[] AS acl,
       COALESCE(ip.initprivs, m.default_acl)::text[] AS initial_acl
  FROM members m
  LEFT JOIN pg_catalog.pg_init_privs ip
         ON ip.classoid = m.classid AND ip.objoid = m.objid AND ip.objsubid = 0
 WHERE COALESCE(m.acl, m.default_acl) IS DISTINCT FROM COALESCE(ip.initprivs, m.default_acl)
 ORDER BY 1, 2
