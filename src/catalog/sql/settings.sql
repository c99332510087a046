-- Settings of this database (ALTER DATABASE … SET) and of roles in it (ALTER ROLE … IN
-- DATABASE … SET), each list sorted. Generic object rows, database-wide. PostgreSQL 13 to 17.
SELECT 'settings' AS kind, NULL::text AS schema,
       CASE WHEN s.setrole = 0 THEN 'database' ELSE 'role ' || pg_catalog.pg_get_userbyid(s.setrole) END AS name,
       NULL::text AS arguments, NULL::text AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, NULL::text AS comment,
       pg_catalog.jsonb_build_object(
         'settings', (SELECT pg_catalog.jsonb_agg(c ORDER BY c) FROM pg_catalog.unnest(s.setconfig) AS c)) AS properties
  FROM pg_catalog.pg_db_role_setting s
 WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
 ORDER BY 3
