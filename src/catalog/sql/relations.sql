-- Relations: tables, partitioned tables, foreign tables, views and materialized views in user
-- schemas, not extension members, with what belongs to the relation itself: persistence, RLS
-- flags, storage options, replica identity, the index it is clustered on, a table access
-- method other than heap, partition key and bound, inheritance, a foreign
-- table's server and options, owner, ACLs and comment. Views' definitions come from
-- view_definitions.sql, in batches that bound the locks their deparsing takes.
-- PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       c.relpersistence = 'u' AS unlogged,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       c.reloptions AS options,
       CASE c.relreplident
            WHEN 'f' THEN 'full'
            WHEN 'n' THEN 'nothing'
            WHEN 'i' THEN 'index ' || (SELECT pg_catalog.quote_ident(ic.relname)
                                         FROM pg_catalog.pg_index i
                                         JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                                        WHERE i.indrelid = c.oid AND i.indisreplident)
       END AS replica_identity,
       (SELECT pg_catalog.quote_ident(ic.relname)
          FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = c.oid AND i.indisclustered) AS clustered_on,
       CASE WHEN c.relkind IN ('r', 'm') AND am.amname <> 'heap' THEN am.amname END AS access_method,
       fs.srvname AS foreign_server,
       ft.ftoptions AS foreign_options,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_by,
       (SELECT i.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits i
         WHERE c.relispartition AND i.inhrelid = c.oid) AS partition_of,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       ARRAY(SELECT i.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits i
              WHERE NOT c.relispartition AND i.inhrelid = c.oid
              ORDER BY i.inhseqno) AS inherits,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       c.relacl::text[] AS acl,
       pg_catalog.acldefault('r', c.relowner)::text[] AS default_acl,
       d.description AS comment
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
  LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
  LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objoid = c.oid AND d.objsubid = 0
 WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
 ORDER BY n.nspname, c.relname
