-- How many events the audit log holds. PostgreSQL 13 to 17.
SELECT pg_catalog.count(*) FROM schemagit.schema_drift_log
