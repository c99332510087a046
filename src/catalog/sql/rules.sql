-- Rewrite rules other than views' own `_RETURN` rules, on relations in user schemas:
-- definition, enabled state, comment. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       c.relname AS relation,
       r.rulename AS name,
       pg_catalog.pg_get_ruledef(r.oid) AS definition,
       r.ev_enabled::text AS enabled,
       d.description AS comment
  FROM pg_catalog.pg_rewrite r
  JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
        AND d.objoid = r.oid AND d.objsubid = 0
 WHERE r.rulename <> '_RETURN'
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
 ORDER BY 1, 2, 3
