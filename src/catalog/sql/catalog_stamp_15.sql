-- The stamp (see catalog_stamp.sql) of pg_publication_namespace, which PostgreSQL 15 added.
SELECT 'pg_publication_namespace', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text
  FROM pg_catalog.pg_publication_namespace
