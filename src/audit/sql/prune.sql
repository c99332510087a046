-- Deletes the log's events older than $1 (an interval). PostgreSQL 13 to 17.
DELETE FROM schemagit.schema_drift_log WHERE executed_at < pg_catalog.now() - $1::text::interval
