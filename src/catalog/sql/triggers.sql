-- User triggers (not the internal ones behind foreign keys, nor the clones a partitioned table's
-- trigger puts on each partition) on tables and views in user schemas: definition, enabled
-- state, comment. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       c.relname AS relation,
       c.relkind::text AS relation_kind,
       tg.tgname AS name,
       pg_catalog.pg_get_triggerdef(tg.oid) AS definition,
       tg.tgenabled::text AS enabled,
       d.description AS comment
  FROM pg_catalog.pg_trigger tg
  JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass
        AND d.objoid = tg.oid AND d.objsubid = 0
 WHERE NOT tg.tgisinternal
   AND tg.tgparentid = 0
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
 ORDER BY 1, 2, 4
