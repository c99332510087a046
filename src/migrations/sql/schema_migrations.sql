-- Rails' and dbmate's tracking rows in the common shape (version, name, checksum, state,
-- applied_at, rank): only versions are recorded, so the rank is the version order.
-- PostgreSQL 9.4 and later.
SELECT version::text AS version,
       NULL::text AS name,
       NULL::text AS checksum,
       'applied' AS state,
       NULL::bigint AS applied_at,
       row_number() OVER (ORDER BY length(version::text), version::text) AS rank
  FROM schema_migrations
 ORDER BY rank
