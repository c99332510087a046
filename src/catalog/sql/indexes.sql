-- Indexes of tables and materialized views in user schemas that do not back a constraint
-- (those are the constraint), deparsed, with the partitioned index each is attached to and
-- comments. Like pg_dump, an invalid index (a failed or in-progress CREATE INDEX CONCURRENTLY) is
-- left out, except a partitioned table's, which is invalid until every partition has an index
-- attached to it: that is schema, and said. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       tc.relname AS relation,
       ic.relname AS name,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       (SELECT pi.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits pi
         WHERE pi.inhrelid = i.indexrelid) AS attached_to,
       NOT i.indisvalid AS invalid,
       d.description AS comment
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objoid = i.indexrelid AND d.objsubid = 0
 WHERE tc.relkind IN ('r', 'p', 'm')
   AND (i.indisvalid OR tc.relkind = 'p')
   AND i.indislive
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint co
                    WHERE co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x'))
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND e.objid = tc.oid AND e.deptype = 'e')
