-- sqlx's tracking rows in the common shape (version, name, checksum, state, applied_at,
-- rank): the SHA-384 checksum as hex, failed when `success` is false. PostgreSQL 9.4 and later.
SELECT version::text AS version,
       description AS name,
       encode(checksum, 'hex') AS checksum,
       CASE WHEN success THEN 'applied' ELSE 'failed' END AS state,
       extract(epoch FROM installed_on)::bigint AS applied_at,
       row_number() OVER (ORDER BY installed_on, version) AS rank
  FROM _sqlx_migrations
 ORDER BY installed_on, version
