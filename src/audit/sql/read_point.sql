-- The transaction's snapshot as text: which transactions this read sees, so that the next read
-- can tell the events logged after it. PostgreSQL 13 to 17.
SELECT pg_catalog.pg_current_snapshot()::text
