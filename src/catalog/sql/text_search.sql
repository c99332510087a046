-- Text search configurations (parser and token mappings, in order), dictionaries (template
-- and options), parsers and templates in user schemas, not extension members, plus
-- conversions. Generic object rows. PostgreSQL 13 to 17.
SELECT 'text_search_configuration' AS kind, n.nspname AS schema, c.cfgname AS name,
       NULL::text AS arguments, pg_catalog.pg_get_userbyid(c.cfgowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_build_object(
         'parser', (SELECT pg_catalog.quote_ident(pn.nspname) || '.' || pg_catalog.quote_ident(p.prsname)
                           FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
                          WHERE p.oid = c.cfgparser),
         'mappings', COALESCE((SELECT pg_catalog.jsonb_agg(m.line ORDER BY m.token)
                                 FROM (SELECT tt.alias AS token,
                                              tt.alias || ': ' || pg_catalog.string_agg(m.mapdict::pg_catalog.regdictionary::text, ', ' ORDER BY m.mapseqno) AS line
                                         FROM pg_catalog.pg_ts_config_map m
                                         JOIN pg_catalog.ts_token_type(c.cfgparser) tt ON tt.tokid = m.maptokentype
                                        WHERE m.mapcfg = c.oid
                                        GROUP BY tt.alias) m), '[]')) AS properties
  FROM pg_catalog.pg_ts_config c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_ts_config'::pg_catalog.regclass AND d.objoid = c.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_ts_config'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
UNION ALL
SELECT 'text_search_dictionary', n.nspname, t.dictname, NULL, pg_catalog.pg_get_userbyid(t.dictowner),
       NULL, NULL, d.description,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'template', (SELECT pg_catalog.quote_ident(tn.nspname) || '.' || pg_catalog.quote_ident(tm.tmplname)
                        FROM pg_catalog.pg_ts_template tm JOIN pg_catalog.pg_namespace tn ON tn.oid = tm.tmplnamespace
                       WHERE tm.oid = t.dicttemplate),
         'options', t.dictinitoption))
  FROM pg_catalog.pg_ts_dict t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.dictnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_ts_dict'::pg_catalog.regclass AND d.objoid = t.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_ts_dict'::pg_catalog.regclass
                      AND e.objid = t.oid AND e.deptype = 'e')
UNION ALL
SELECT 'text_search_parser', n.nspname, p.prsname, NULL, NULL, NULL, NULL, d.description,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'start', p.prsstart::pg_catalog.regproc::text, 'gettoken', p.prstoken::pg_catalog.regproc::text,
         'end', p.prsend::pg_catalog.regproc::text, 'lextypes', p.prslextype::pg_catalog.regproc::text,
         'headline', CASE WHEN p.prsheadline <> 0 THEN p.prsheadline::pg_catalog.regproc::text END))
  FROM pg_catalog.pg_ts_parser p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_ts_parser'::pg_catalog.regclass AND d.objoid = p.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_ts_parser'::pg_catalog.regclass
                      AND e.objid = p.oid AND e.deptype = 'e')
UNION ALL
SELECT 'text_search_template', n.nspname, t.tmplname, NULL, NULL, NULL, NULL, d.description,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'init', CASE WHEN t.tmplinit <> 0 THEN t.tmplinit::pg_catalog.regproc::text END,
         'lexize', t.tmpllexize::pg_catalog.regproc::text))
  FROM pg_catalog.pg_ts_template t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_ts_template'::pg_catalog.regclass AND d.objoid = t.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_ts_template'::pg_catalog.regclass
                      AND e.objid = t.oid AND e.deptype = 'e')
UNION ALL
SELECT 'conversion', n.nspname, c.conname, NULL, pg_catalog.pg_get_userbyid(c.conowner),
       NULL, NULL, d.description,
       pg_catalog.jsonb_build_object(
         'from', pg_catalog.pg_encoding_to_char(c.conforencoding),
         'to', pg_catalog.pg_encoding_to_char(c.contoencoding),
         'function', c.conproc::pg_catalog.regproc::text,
         'default', c.condefault)
  FROM pg_catalog.pg_conversion c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_conversion'::pg_catalog.regclass AND d.objoid = c.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_conversion'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
 ORDER BY 1, 2, 3
