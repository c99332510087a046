-- Whether this role can read an audit log in this database: 'present', 'missing' (no schema
-- schemagit or no log table in it) or 'unreadable' (no USAGE on the schema, or no SELECT on
-- the log). PostgreSQL 13 to 17.
SELECT CASE
         WHEN pg_catalog.to_regnamespace('schemagit') IS NULL THEN 'missing'
         WHEN NOT pg_catalog.has_schema_privilege('schemagit', 'USAGE') THEN 'unreadable'
         WHEN pg_catalog.to_regclass('schemagit.schema_drift_log') IS NULL THEN 'missing'
         WHEN NOT pg_catalog.has_table_privilege('schemagit.schema_drift_log', 'SELECT') THEN 'unreadable'
         ELSE 'present'
       END
