-- Enum, domain, composite and range types in user schemas, not extension members: enum labels
-- in sort order, a domain's base type, collation, NOT NULL and default, a range's subtype,
-- owner, ACLs, comment. Domain constraints come from constraints.sql and composite attributes
-- from columns.sql. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       t.typname AS name,
       t.typtype::text AS kind,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner,
       ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
              WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels,
       CASE WHEN t.typtype = 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod) END AS base_type,
       (SELECT pg_catalog.format_type(r.rngsubtype, NULL)
          FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid) AS subtype,
       CASE WHEN t.typtype = 'd' AND t.typcollation <> bt.typcollation
            THEN t.typcollation::pg_catalog.regcollation::text
            WHEN t.typtype = 'r'
            THEN (SELECT r.rngcollation::pg_catalog.regcollation::text
                    FROM pg_catalog.pg_range r
                   WHERE r.rngtypid = t.oid AND r.rngcollation <> 0) END AS collation,
       t.typnotnull AS not_null,
       pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS default_expr,
       t.typacl::text[] AS acl,
       pg_catalog.acldefault('T', t.typowner)::text[] AS default_acl,
       d.description AS comment
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_type'::pg_catalog.regclass
        AND d.objoid = t.oid AND d.objsubid = 0
 WHERE (t.typtype IN ('e', 'd', 'r')
        OR (t.typtype = 'c' AND EXISTS (SELECT FROM pg_catalog.pg_class c
                                          WHERE c.oid = t.typrelid AND c.relkind = 'c')))
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                      AND e.objid = t.oid AND e.deptype = 'e')
 ORDER BY 1, 2
