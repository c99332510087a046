-- Installed extensions (plpgsql included): schema, version, owner, comment. PostgreSQL 13 to 17.
SELECT e.extname AS name,
       n.nspname AS schema,
       e.extversion AS version,
       pg_catalog.pg_get_userbyid(e.extowner) AS owner,
       d.description AS comment
  FROM pg_catalog.pg_extension e
  JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass
        AND d.objoid = e.oid AND d.objsubid = 0
 ORDER BY 1
