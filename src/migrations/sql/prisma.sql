-- prisma's tracking rows in the common shape (version, name, checksum, state, applied_at,
-- rank): rolled back when `rolled_back_at` is set, failed when it never finished.
-- PostgreSQL 9.4 and later.
SELECT migration_name AS version,
       migration_name AS name,
       checksum,
       CASE WHEN rolled_back_at IS NOT NULL THEN 'rolled_back'
            WHEN finished_at IS NULL THEN 'failed'
            ELSE 'applied' END AS state,
       extract(epoch FROM coalesce(finished_at, started_at))::bigint AS applied_at,
       row_number() OVER (ORDER BY started_at, migration_name) AS rank
  FROM _prisma_migrations
 ORDER BY started_at, migration_name
