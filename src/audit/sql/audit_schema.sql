-- Whether the audit log exists in this database. PostgreSQL 13 to 17.
SELECT pg_catalog.to_regclass('schemagit.schema_drift_log') IS NOT NULL
