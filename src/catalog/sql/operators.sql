-- Operators, operator classes and operator families in user schemas, not extension members.
-- An operator is told apart by its operand types, a class or family by its access method;
-- a family lists its member operators (an ordering one with the family it sorts by) and
-- support functions. Generic object rows.
-- PostgreSQL 13 to 17.
SELECT 'operator' AS kind, n.nspname AS schema, o.oprname AS name,
       COALESCE(pg_catalog.format_type(NULLIF(o.oprleft, 0), NULL), 'NONE') || ', ' ||
       COALESCE(pg_catalog.format_type(NULLIF(o.oprright, 0), NULL), 'NONE') AS arguments,
       pg_catalog.pg_get_userbyid(o.oprowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'function', o.oprcode::pg_catalog.regprocedure::text,
         'result', pg_catalog.format_type(o.oprresult, NULL),
         'commutator', CASE WHEN o.oprcom <> 0 THEN o.oprcom::pg_catalog.regoperator::text END,
         'negator', CASE WHEN o.oprnegate <> 0 THEN o.oprnegate::pg_catalog.regoperator::text END,
         'restrict', CASE WHEN o.oprrest <> 0 THEN o.oprrest::pg_catalog.regprocedure::text END,
         'join', CASE WHEN o.oprjoin <> 0 THEN o.oprjoin::pg_catalog.regprocedure::text END,
         'hashes', o.oprcanhash, 'merges', o.oprcanmerge)) AS properties
  FROM pg_catalog.pg_operator o
  JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_operator'::pg_catalog.regclass AND d.objoid = o.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
                      AND e.objid = o.oid AND e.deptype = 'e')
UNION ALL
SELECT 'operator_class', n.nspname, c.opcname, am.amname,
       pg_catalog.pg_get_userbyid(c.opcowner),
       NULL, NULL, d.description,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'type', pg_catalog.format_type(c.opcintype, NULL),
         'default', c.opcdefault,
         'family', pg_catalog.quote_ident(fn.nspname) || '.' || pg_catalog.quote_ident(f.opfname),
         'storage', CASE WHEN c.opckeytype <> 0 THEN pg_catalog.format_type(c.opckeytype, NULL) END))
  FROM pg_catalog.pg_opclass c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace
  JOIN pg_catalog.pg_am am ON am.oid = c.opcmethod
  JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily
  JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_opclass'::pg_catalog.regclass AND d.objoid = c.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_opclass'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
UNION ALL
SELECT 'operator_family', n.nspname, f.opfname, am.amname,
       pg_catalog.pg_get_userbyid(f.opfowner),
       NULL, NULL, d.description,
       pg_catalog.jsonb_build_object(
         'operators', COALESCE((SELECT pg_catalog.jsonb_agg(
                        'OPERATOR ' || ao.amopstrategy || ' ' || ao.amopopr::pg_catalog.regoperator::text ||
                        CASE WHEN ao.amoppurpose = 'o'
                             THEN ' FOR ORDER BY ' || (SELECT pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(sf.opfname)
                                                         FROM pg_catalog.pg_opfamily sf
                                                         JOIN pg_catalog.pg_namespace sn ON sn.oid = sf.opfnamespace
                                                        WHERE sf.oid = ao.amopsortfamily)
                             ELSE '' END
                        ORDER BY ao.amopstrategy, ao.amoplefttype::pg_catalog.regtype::text, ao.amoprighttype::pg_catalog.regtype::text)
                      FROM pg_catalog.pg_amop ao WHERE ao.amopfamily = f.oid), '[]'),
         'functions', COALESCE((SELECT pg_catalog.jsonb_agg(
                        'FUNCTION ' || ap.amprocnum || ' (' || pg_catalog.format_type(ap.amproclefttype, NULL) || ', ' ||
                        pg_catalog.format_type(ap.amprocrighttype, NULL) || ') ' || ap.amproc::pg_catalog.regprocedure::text
                        ORDER BY ap.amprocnum, ap.amproclefttype::pg_catalog.regtype::text, ap.amprocrighttype::pg_catalog.regtype::text)
                      FROM pg_catalog.pg_amproc ap WHERE ap.amprocfamily = f.oid), '[]'))
  FROM pg_catalog.pg_opfamily f
  JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
  JOIN pg_catalog.pg_am am ON am.oid = f.opfmethod
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass AND d.objoid = f.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_opfamily'::pg_catalog.regclass
                      AND e.objid = f.oid AND e.deptype = 'e')
 ORDER BY 1, 2, 3, 4
