-- Foreign data wrappers and servers (not extension members) and user mappings: handler,
-- validator, type, version, options (secrets are redacted by the reader before they are
-- stored; a user mapping's are listed as unreadable when the role may not see them), owner,
-- ACLs, comment. Generic object rows, database-wide. PostgreSQL 13 to 17.
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
         'user', m.usename, 'server', m.srvname, 'options', pg_catalog.to_jsonb(m.umoptions),
         -- pg_user_mappings shows the options only to these roles (its own definition's test).
         'unreadable', CASE WHEN NOT (
              (m.umuser <> 0 AND m.usename = CURRENT_USER
               AND (pg_catalog.pg_has_role(s.srvowner, 'USAGE')
                    OR pg_catalog.has_server_privilege(s.oid, 'USAGE')))
              OR (m.umuser = 0 AND pg_catalog.pg_has_role(s.srvowner, 'USAGE'))
              OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER))
           THEN pg_catalog.jsonb_build_array('options') END))
  FROM pg_catalog.pg_user_mappings m
  JOIN pg_catalog.pg_foreign_server s ON s.oid = m.srvid
 ORDER BY 1, 3
