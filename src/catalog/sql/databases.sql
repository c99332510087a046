-- The databases a fleet run may read: every database that is not a template and allows
-- connections, by name. PostgreSQL 13 and later.
SELECT datname::text FROM pg_database WHERE NOT datistemplate AND datallowconn ORDER BY datname
