-- The database itself (its comment and ALTER DATABASE … SET settings) and the settings of roles
-- in it (ALTER ROLE … IN DATABASE … SET), each list sorted; the database's row is there only when
-- it has a comment or settings. Generic object rows, database-wide. PostgreSQL 13 to 17.
WITH this AS (
  SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()
), database AS (
  SELECT pg_catalog.shobj_description((SELECT oid FROM this), 'pg_database') AS comment,
         (SELECT pg_catalog.jsonb_agg(c ORDER BY c)
            FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) AS c
           WHERE s.setdatabase = (SELECT oid FROM this) AND s.setrole = 0) AS settings
)
SELECT 'settings' AS kind, NULL::text AS schema, 'database' AS name,
       NULL::text AS arguments, NULL::text AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.comment,
       pg_catalog.jsonb_build_object('settings', COALESCE(d.settings, '[]')) AS properties
  FROM database d
 WHERE d.comment IS NOT NULL OR d.settings IS NOT NULL
UNION ALL
SELECT 'settings', NULL, 'role ' || pg_catalog.pg_get_userbyid(s.setrole), NULL, NULL, NULL, NULL, NULL,
       pg_catalog.jsonb_build_object(
         'settings', (SELECT pg_catalog.jsonb_agg(c ORDER BY c) FROM pg_catalog.unnest(s.setconfig) AS c))
  FROM pg_catalog.pg_db_role_setting s
 WHERE s.setdatabase = (SELECT oid FROM this) AND s.setrole <> 0
 ORDER BY 3
