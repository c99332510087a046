-- The audit log, oldest first, filtered: $1 since an interval ago, $2 since a timestamp, $3
-- until an interval ago, $4 until a timestamp, $5 a role (session or acting), $6 manual
-- changes only; a NULL filter is no filter. Timestamps are UTC, ISO 8601. PostgreSQL 13 to 17.
SELECT l.id,
       pg_catalog.to_char(l.executed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS executed_at,
       l.event_type, l.command_tag, l.object_type, l.object_identity, l.schema_name,
       l.session_user_name, l.current_user_name, l.application_name, l.client_addr::text,
       l.backend_pid, l.transaction_id::text, l.statement, l.is_migration, l.metadata
  FROM schemagit.schema_drift_log l
 WHERE ($1::text IS NULL OR l.executed_at >= pg_catalog.now() - $1::text::interval)
   AND ($2::text IS NULL OR l.executed_at >= $2::text::timestamptz)
   AND ($3::text IS NULL OR l.executed_at <= pg_catalog.now() - $3::text::interval)
   AND ($4::text IS NULL OR l.executed_at <= $4::text::timestamptz)
   AND ($5::text IS NULL OR l.session_user_name = $5 OR l.current_user_name = $5)
   AND (NOT $6::bool OR NOT l.is_migration)
 ORDER BY l.executed_at, l.id
