-- Moves the log's events older than $1 (an interval) into the archive, in one statement.
-- PostgreSQL 13 to 17.
WITH moved AS (
  DELETE FROM schemagit.schema_drift_log WHERE executed_at < pg_catalog.now() - $1::text::interval
  RETURNING *
)
INSERT INTO schemagit.schema_drift_log_archive
  (id, executed_at, event_type, command_tag, object_type, object_identity, schema_name,
   session_user_name, current_user_name, application_name, client_addr, backend_pid,
   transaction_id, statement, is_migration, metadata)
SELECT id, executed_at, event_type, command_tag, object_type, object_identity, schema_name,
       session_user_name, current_user_name, application_name, client_addr, backend_pid,
       transaction_id, statement, is_migration, metadata
  FROM moved
