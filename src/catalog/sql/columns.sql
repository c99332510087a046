-- Columns of tables, foreign tables, views, materialized views and composite types in user
-- schemas, in position order, skipping dropped columns (so physical gaps never show): type,
-- collation where it differs from the type's, NOT NULL, default or generation expression,
-- identity and its sequence (definition; name when not <table>_<column>_seq, owner when not the
-- table's, ACL), statistics target, storage where it differs from the type's, compression,
-- attribute and foreign options, inheritance (how many parents, whether also declared locally;
-- not for partitions, whose columns all come from their parent), column ACL and comment.
-- Rows come in position order within each relation (the reader keeps that order; the model
-- sorts relations), and the identity sequence is looked up for identity columns only: sorting
-- by oid and not probing pg_depend for every column take a third off the query.
-- A partition's identity column on PostgreSQL 17 is its parent's (same sequence, no own one):
-- the parent's file holds it, so the partition's column shows none, as on earlier versions.
-- PostgreSQL 13 to 17: the statistics target (nullable in 17) and compression (14+) are the two
-- placeholders in braces, spelled for the server's version when the query is sent.
SELECT n.nspname AS schema,
       c.relname AS relation,
       c.relkind::text AS relation_kind,
       a.attname AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS data_type,
       CASE WHEN a.attcollation <> t.typcollation
            THEN a.attcollation::pg_catalog.regcollation::text END AS collation,
       a.attnotnull AS not_null,
       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS default_expr,
       a.attgenerated::text AS generated,
       CASE WHEN c.relispartition AND dep.objid IS NULL THEN '' ELSE a.attidentity::text END
         AS identity,
       pg_catalog.format_type(s.seqtypid, NULL) AS seq_type,
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       CASE WHEN sc.relname <> c.relname || '_' || a.attname || '_seq' THEN sc.relname END AS seq_name,
       CASE WHEN sc.relowner <> c.relowner THEN pg_catalog.pg_get_userbyid(sc.relowner) END AS seq_owner,
       sc.relacl::text[] AS seq_acl,
       pg_catalog.acldefault('s', sc.relowner)::text[] AS seq_default_acl,
       CASE WHEN c.relispartition THEN 0 ELSE a.attinhcount::int END AS inherit_count,
       NOT c.relispartition AND NOT a.attislocal AS inherited_only,
       {statistics} AS statistics,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
       {compression} AS compression,
       a.attoptions AS options,
       a.attfdwoptions AS foreign_options,
       a.attacl::text[] AS acl,
       d.description AS comment
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  LEFT JOIN LATERAL (
         SELECT dep.objid FROM pg_catalog.pg_depend dep
          WHERE a.attidentity <> ''
            AND dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
            AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
            AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
       ) dep ON true
  LEFT JOIN pg_catalog.pg_sequence s ON s.seqrelid = dep.objid
  LEFT JOIN pg_catalog.pg_class sc ON sc.oid = dep.objid
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objoid = c.oid AND d.objsubid = a.attnum
 WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'c')
   AND a.attnum > 0
   AND NOT a.attisdropped
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
 ORDER BY a.attrelid, a.attnum
