-- Extended statistics objects on tables in user schemas: qualified name, owner, definition,
-- statistics target (stxstattarget: -1 for the default up to 16, NULL from 17, read through
-- to_jsonb so one query runs on every version), comment. PostgreSQL 13 to 17.
SELECT tn.nspname AS schema,
       c.relname AS relation,
       pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(s.stxname) AS name,
       pg_catalog.pg_get_userbyid(s.stxowner) AS owner,
       pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition,
       NULLIF((pg_catalog.to_jsonb(s) ->> 'stxstattarget')::int, -1) AS target,
       d.description AS comment
  FROM pg_catalog.pg_statistic_ext s
  JOIN pg_catalog.pg_namespace sn ON sn.oid = s.stxnamespace
  JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass
        AND d.objoid = s.oid AND d.objsubid = 0
 WHERE tn.nspname <> 'information_schema'
   AND tn.nspname !~ '^pg_'
 ORDER BY 1, 2, 3
