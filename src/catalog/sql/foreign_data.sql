-- Foreign data wrappers and servers (not extension members) and user mappings: handler,
-- validator, type, version, options (secrets are redacted by the reader before they are
-- stored), owner, ACLs, comment. Generic object rows, database-wide. PostgreSQL 13 to 17.
SELECT 'foreign_data_wrapper' AS kind, NULL::text AS schema, w.fdwname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(w.fdwowner) AS owner,
       w.fdwacl::text[] AS acl, pg_catalog.acldefault('F', w.fdwowner)::text[] AS default_acl,
       d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'handler', CASE WHEN w.fdwhandler <> 0 THEN w.fdwhandler::pg_catalog.regproc::text END,
         'validator', CASE WHEN w.fdwvalidator <> 0 THEN w.fdwvalidator::pg_catalog.regproc::text END,
         'options', pg_catalog.to_jsonb(w.fdwoptions))) AS properties
  FROM pg_catalog.pg_foreign_data_wrapper w
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass AND d.objoid = w.oid AND d.objsubid = 0
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass
                      AND e.objid = w.oid AND e.deptype = 'e')
UNION ALL
SELECT 'foreign_server', NULL, s.srvname, NULL, pg_catalog.pg_get_userbyid(s.srvowner),
       s.srvacl::text[], pg_catalog.acldefault('S', s.srvowner)::text[], d.description,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'wrapper', w.fdwname, 'type', s.srvtype, 'version', s.srvversion,
         'options', pg_catalog.to_jsonb(s.srvoptions)))
  FROM pg_catalog.pg_foreign_server s
  JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass AND d.objoid = s.oid AND d.objsubid = 0
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
                      AND e.objid = s.oid AND e.deptype = 'e')
UNION ALL
SELECT 'user_mapping', NULL, m.usename || '@' || m.srvname, NULL, NULL, NULL, NULL, NULL,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'user', m.usename, 'server', m.srvname, 'options', pg_catalog.to_jsonb(m.umoptions)))
  FROM pg_catalog.pg_user_mappings m
 ORDER BY 1, 3
