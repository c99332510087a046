-- Sequences in user schemas other than identity columns' (those belong to their column) and
-- extension members: definition (never the current value), OWNED BY column, owner, ACLs,
-- comment. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       c.relname AS name,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       pg_catalog.format_type(s.seqtypid, NULL) AS data_type,
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       (SELECT dep.refobjid::pg_catalog.regclass::text || '.' || pg_catalog.quote_ident(a.attname)
          FROM pg_catalog.pg_depend dep
          JOIN pg_catalog.pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid
         WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
           AND dep.objid = c.oid AND dep.deptype = 'a'
           AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass) AS owned_by,
       c.relacl::text[] AS acl,
       pg_catalog.acldefault('s', c.relowner)::text[] AS default_acl,
       d.description AS comment
  FROM pg_catalog.pg_sequence s
  JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objoid = c.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend dep
                    WHERE dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND dep.objid = c.oid AND dep.deptype IN ('i', 'e'))
 ORDER BY 1, 2
