-- Every view and materialized view that relations.sql returns, with how many relation locks
-- deparsing it takes: pg_get_viewdef() locks the view and every relation its query names
-- (AccessShareLock, held until the end of the (sub)transaction). PostgreSQL 13 to 17.
SELECT c.oid,
       1 + (SELECT pg_catalog.count(DISTINCT d.refobjid)
              FROM pg_catalog.pg_rewrite r
              JOIN pg_catalog.pg_depend d
                ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = r.oid
               AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid <> c.oid
             WHERE r.ev_class = c.oid)::int AS locks
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm')
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
 ORDER BY c.oid
