-- Constraints of tables and of domains in user schemas: primary key, unique, foreign key, check
-- and exclusion, deparsed (the text carries DEFERRABLE, INITIALLY DEFERRED, NOT VALID and NO
-- INHERIT), with the partitioned index a partition's constraint index is attached to, inheritance
-- (how many parents, whether also declared locally; not for partitions, whose constraints come
-- from their parent) and comments. Constraint triggers are read as triggers. A foreign key that
-- references a partitioned table is one constraint: the copies PostgreSQL makes of it on the same
-- table, one per partition referenced (named by the order the partitions were made), are left
-- out, as pg_dump leaves them out. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       COALESCE(c.relname, t.typname) AS parent,
       co.contypid <> 0 AS on_domain,
       co.conname AS name,
       co.contype::text AS kind,
       pg_catalog.pg_get_constraintdef(co.oid) AS definition,
       (SELECT pi.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits pi
         WHERE co.contype IN ('p', 'u', 'x') AND pi.inhrelid = co.conindid) AS attached_to,
       CASE WHEN c.relispartition THEN 0 ELSE co.coninhcount::int END AS inherit_count,
       NOT COALESCE(c.relispartition, false) AND NOT co.conislocal AS inherited_only,
       d.description AS comment
  FROM pg_catalog.pg_constraint co
  LEFT JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  LEFT JOIN pg_catalog.pg_type t ON t.oid = co.contypid
  JOIN pg_catalog.pg_namespace n ON n.oid = COALESCE(c.relnamespace, t.typnamespace)
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
        AND d.objoid = co.oid AND d.objsubid = 0
 WHERE co.contype IN ('p', 'u', 'f', 'c', 'x')
   AND NOT (co.contype = 'f' AND EXISTS (SELECT FROM pg_catalog.pg_constraint pc
                                          WHERE pc.oid = co.conparentid
                                            AND pc.conrelid = co.conrelid))
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
