-- Publications: what they publish, FOR ALL TABLES or the schemas and tables listed (with
-- their column lists and row filters), via-root, owner, comment. Generic object rows,
-- database-wide. PostgreSQL 15 to 17.
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
         'schemas', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.quote_ident(n.nspname) ORDER BY n.nspname)
                                FROM pg_catalog.pg_publication_namespace pn
                                JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid
                               WHERE pn.pnpubid = p.oid), '[]'),
         'tables', COALESCE((SELECT pg_catalog.jsonb_agg(t.entry ORDER BY t.entry)
                               FROM (SELECT r.prrelid::pg_catalog.regclass::text
                                            || COALESCE(' (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
                                                                   FROM pg_catalog.pg_attribute a
                                                                  WHERE a.attrelid = r.prrelid AND a.attnum = ANY (r.prattrs)) || ')', '')
                                            || COALESCE(' WHERE ' || pg_catalog.pg_get_expr(r.prqual, r.prrelid), '') AS entry
                                       FROM pg_catalog.pg_publication_rel r WHERE r.prpubid = p.oid) t), '[]')) AS properties
  FROM pg_catalog.pg_publication p
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_publication'::pg_catalog.regclass AND d.objoid = p.oid AND d.objsubid = 0
 ORDER BY 3
