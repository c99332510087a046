-- drizzle's tracking rows in the common shape (version, name, checksum, state, applied_at,
-- rank): `created_at` is the journal's `when` of the migration, drizzle records no time of
-- application. PostgreSQL 9.4 and later.
SELECT created_at::text AS version,
       NULL::text AS name,
       hash AS checksum,
       'applied' AS state,
       NULL::bigint AS applied_at,
       id::bigint AS rank
  FROM drizzle.__drizzle_migrations
 ORDER BY id
