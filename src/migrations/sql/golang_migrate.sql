-- golang-migrate's one tracking row in the common shape (version, name, checksum, state,
-- applied_at, rank): the latest version, dirty when it stopped halfway. PostgreSQL 9.4 and
-- later.
SELECT version::text AS version,
       NULL::text AS name,
       NULL::text AS checksum,
       CASE WHEN dirty THEN 'dirty' ELSE 'applied' END AS state,
       NULL::bigint AS applied_at,
       0::bigint AS rank
  FROM schema_migrations
