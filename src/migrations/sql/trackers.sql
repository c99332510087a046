-- Which migration tracking tables exist, resolving unqualified names through search_path as
-- the tools do. Returns one row of booleans; `schema_migrations_dirty` tells golang-migrate's
-- table (version bigint, dirty boolean) from the version-only tables of Rails and dbmate.
-- PostgreSQL 9.4 and later.
SELECT to_regclass('drizzle.__drizzle_migrations') IS NOT NULL AS drizzle,
       to_regclass('_prisma_migrations') IS NOT NULL AS prisma,
       to_regclass('_sqlx_migrations') IS NOT NULL AS sqlx,
       to_regclass('flyway_schema_history') IS NOT NULL AS flyway,
       to_regclass('schema_migrations') IS NOT NULL AS schema_migrations,
       EXISTS (SELECT FROM pg_attribute
                WHERE attrelid = to_regclass('schema_migrations')
                  AND attname = 'dirty' AND NOT attisdropped) AS schema_migrations_dirty,
       to_regclass('ar_internal_metadata') IS NOT NULL AS ar_internal_metadata,
       to_regclass('supabase_migrations.schema_migrations') IS NOT NULL AS supabase
