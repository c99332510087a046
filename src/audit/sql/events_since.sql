-- The audit log's events that a previous read did not see, oldest first: $1 that read's
-- pg_snapshot (text), else $2 the time of the commit it made (Unix seconds); both NULL: every
-- event. An event without a transaction id (logged by an older install) is judged by time.
-- $3: manual changes only. PostgreSQL 13 to 17.
SELECT l.id,
       pg_catalog.to_char(l.executed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS executed_at,
       l.event_type, l.command_tag, l.object_type, l.object_identity, l.schema_name,
       l.session_user_name, l.current_user_name, l.application_name, l.client_addr::text,
       l.backend_pid, l.transaction_id::text, l.statement, l.is_migration, l.metadata
  FROM schemagit.schema_drift_log l
 WHERE CASE WHEN $1::text IS NOT NULL AND l.transaction_id IS NOT NULL
            THEN NOT pg_catalog.pg_visible_in_snapshot(l.transaction_id, $1::text::pg_catalog.pg_snapshot)
            WHEN $2::float8 IS NOT NULL
            THEN l.executed_at > pg_catalog.to_timestamp($2::float8)
            ELSE $1::text IS NULL END
   AND (NOT $3::bool OR NOT l.is_migration)
 ORDER BY l.executed_at, l.id
