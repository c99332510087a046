-- Flyway's tracking rows in the common shape (version, name, checksum, state, applied_at,
-- rank): a repeatable migration's version is `R:<description>`; the schema-creation and
-- deletion markers are not migrations. PostgreSQL 9.4 and later.
SELECT coalesce(version, 'R:' || description) AS version,
       description AS name,
       checksum::text AS checksum,
       CASE WHEN type = 'BASELINE' THEN 'baseline'
            WHEN NOT success THEN 'failed'
            ELSE 'applied' END AS state,
       extract(epoch FROM installed_on)::bigint AS applied_at,
       installed_rank::bigint AS rank
  FROM flyway_schema_history
 WHERE type NOT IN ('SCHEMA', 'DELETE')
 ORDER BY installed_rank
