-- Publications: what they publish, FOR ALL TABLES or the tables listed, via-root, owner,
-- comment. Generic object rows, database-wide. PostgreSQL 13 and 14 (15 and later:
-- publications_15.sql, which adds schemas, column lists and row filters).
SELECT 'publication' AS kind, NULL::text AS schema, p.pubname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(p.pubowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_build_object(
         'all_tables', p.puballtables,
         'publish', (SELECT pg_catalog.jsonb_agg(action ORDER BY ord)
                       FROM (VALUES (1, 'insert', p.pubinsert), (2, 'update', p.pubupdate),
                                    (3, 'delete', p.pubdelete), (4, 'truncate', p.pubtruncate)) AS a(ord, action, enabled)
                      WHERE enabled),
         'via_root', p.pubviaroot,
         'tables', COALESCE((SELECT pg_catalog.jsonb_agg(r.prrelid::pg_catalog.regclass::text ORDER BY r.prrelid::pg_catalog.regclass::text)
                               FROM pg_catalog.pg_publication_rel r WHERE r.prpubid = p.oid), '[]')) AS properties
  FROM pg_catalog.pg_publication p
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_publication'::pg_catalog.regclass AND d.objoid = p.oid AND d.objsubid = 0
 ORDER BY 3
