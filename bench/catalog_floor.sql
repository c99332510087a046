-- catalog_floor.sql: the lower bound of a schema read, from schemagit's own queries.
--
-- Every bulk query a complete read of a PostgreSQL 15 database runs (src/catalog/sql/, with
-- columns.sql's version slots filled in as for 15 and view_definitions.sql over every view
-- at once), in one read-only REPEATABLE READ transaction on one session. Run it with the rows
-- thrown away; what it takes is the server's share of a snapshot, which parsing rows,
-- encoding files and committing come on top of:
--   psql -X -q -A -t -v ON_ERROR_STOP=1 -d DB -f bench/catalog_floor.sql -o /dev/null
-- bench/run.sh times it beside schemagit and pg_dump.

BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;

-- schemas.sql
-- Schemas: every user schema (not a system, temporary or extension-owned one) with its owner,
-- ACL, default ACL and comment. PostgreSQL 13 to 17.
-- The schema `public` comes with the database, and its built-in owner and privileges changed in
-- PostgreSQL 15 (owner pg_database_owner, USAGE for PUBLIC; before: the bootstrap superuser,
-- USAGE and CREATE for PUBLIC). So that a schema recorded on one version reads the same on
-- another, public's built-in owner is always named pg_database_owner, and every schema's ACL is
-- compared with what initdb left (pg_init_privs) before the built-in default.
SELECT n.nspname AS name,
       CASE WHEN n.nspname = 'public' AND n.nspowner = 10
                 AND pg_catalog.current_setting('server_version_num')::int < 150000
            THEN 'pg_database_owner'
            ELSE pg_catalog.pg_get_userbyid(n.nspowner) END AS owner,
       n.nspacl::text[] AS acl,
       COALESCE(ip.initprivs, pg_catalog.acldefault('n', n.nspowner))::text[] AS default_acl,
       d.description AS comment
  FROM pg_catalog.pg_namespace n
  LEFT JOIN pg_catalog.pg_init_privs ip
         ON ip.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
        AND ip.objoid = n.oid AND ip.objsubid = 0
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
        AND d.objoid = n.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                      AND e.objid = n.oid AND e.deptype = 'e')
 ORDER BY n.nspname;

-- relations.sql
-- Relations: tables, partitioned tables, foreign tables, views and materialized views in user
-- schemas, not extension members, with what belongs to the relation itself: persistence, RLS
-- flags, storage options, replica identity, the index it is clustered on, a table access
-- method other than heap, partition key and bound, inheritance, a foreign
-- table's server and options, owner, ACLs and comment. Views' definitions come from
-- view_definitions.sql, in batches that bound the locks their deparsing takes.
-- PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relkind::text AS kind,
       c.relpersistence = 'u' AS unlogged,
       c.relrowsecurity AS rls_enabled,
       c.relforcerowsecurity AS rls_forced,
       c.reloptions AS options,
       CASE c.relreplident
            WHEN 'f' THEN 'full'
            WHEN 'n' THEN 'nothing'
            WHEN 'i' THEN 'index ' || (SELECT pg_catalog.quote_ident(ic.relname)
                                         FROM pg_catalog.pg_index i
                                         JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                                        WHERE i.indrelid = c.oid AND i.indisreplident)
       END AS replica_identity,
       (SELECT pg_catalog.quote_ident(ic.relname)
          FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
         WHERE i.indrelid = c.oid AND i.indisclustered) AS clustered_on,
       CASE WHEN c.relkind IN ('r', 'm') AND am.amname <> 'heap' THEN am.amname END AS access_method,
       fs.srvname AS foreign_server,
       ft.ftoptions AS foreign_options,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_by,
       (SELECT i.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits i
         WHERE c.relispartition AND i.inhrelid = c.oid) AS partition_of,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       ARRAY(SELECT i.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits i
              WHERE NOT c.relispartition AND i.inhrelid = c.oid
              ORDER BY i.inhseqno) AS inherits,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       c.relacl::text[] AS acl,
       pg_catalog.acldefault('r', c.relowner)::text[] AS default_acl,
       d.description AS comment
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
  LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
  LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objoid = c.oid AND d.objsubid = 0
 WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
 ORDER BY n.nspname, c.relname;

-- columns.sql
-- Columns of tables, foreign tables, views, materialized views and composite types in user
-- schemas, in position order, skipping dropped columns (so physical gaps never show): type,
-- collation where it differs from the type's, NOT NULL, default or generation expression,
-- identity and its sequence (definition; name when not <table>_<column>_seq, owner when not the
-- table's, ACL), statistics target, storage where it differs from the type's, compression,
-- attribute and foreign options, inheritance (how many parents, whether also declared locally;
-- not for partitions, whose columns all come from their parent), column ACL and comment.
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
       a.attidentity::text AS identity,
       pg_catalog.format_type(s.seqtypid, NULL) AS seq_type,
       s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
       CASE WHEN sc.relname <> c.relname || '_' || a.attname || '_seq' THEN sc.relname END AS seq_name,
       CASE WHEN sc.relowner <> c.relowner THEN pg_catalog.pg_get_userbyid(sc.relowner) END AS seq_owner,
       sc.relacl::text[] AS seq_acl,
       pg_catalog.acldefault('s', sc.relowner)::text[] AS seq_default_acl,
       CASE WHEN c.relispartition THEN 0 ELSE a.attinhcount::int END AS inherit_count,
       NOT c.relispartition AND NOT a.attislocal AS inherited_only,
       NULLIF(a.attstattarget::int, -1) AS statistics,
       CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
       NULLIF(a.attcompression::text, '') AS compression,
       a.attoptions AS options,
       a.attfdwoptions AS foreign_options,
       a.attacl::text[] AS acl,
       d.description AS comment
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  LEFT JOIN pg_catalog.pg_depend dep
         ON a.attidentity <> ''
        AND dep.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND dep.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND dep.refobjid = a.attrelid AND dep.refobjsubid = a.attnum AND dep.deptype = 'i'
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
 ORDER BY n.nspname, c.relname, a.attnum;

-- constraints.sql
-- Constraints of tables and of domains in user schemas: primary key, unique, foreign key, check
-- and exclusion, deparsed (the text carries DEFERRABLE, INITIALLY DEFERRED, NOT VALID and NO
-- INHERIT), with the partitioned index a partition's constraint index is attached to, inheritance
-- (how many parents, whether also declared locally; not for partitions, whose constraints come
-- from their parent) and comments. Constraint triggers are read as triggers. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       COALESCE(c.relname, t.typname) AS parent,
       co.contypid <> 0 AS on_domain,
       co.conname AS name,
       co.contype::text AS kind,
       pg_catalog.pg_get_constraintdef(co.oid) AS definition,
       (SELECT pi.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits pi
         WHERE co.contype IN ('p', 'u', 'x') AND pi.inhrelid = co.conindid) AS attached_to,
       CASE WHEN c.relispartition THEN 0 ELSE co.coninhcount::int END AS inherit_count,
       NOT COALESCE(c.relispartition, false) AND NOT co.conislocal AS inherited_only,
       d.description AS comment
  FROM pg_catalog.pg_constraint co
  LEFT JOIN pg_catalog.pg_class c ON c.oid = co.conrelid
  LEFT JOIN pg_catalog.pg_type t ON t.oid = co.contypid
  JOIN pg_catalog.pg_namespace n ON n.oid = COALESCE(c.relnamespace, t.typnamespace)
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_constraint'::pg_catalog.regclass
        AND d.objoid = co.oid AND d.objsubid = 0
 WHERE co.contype IN ('p', 'u', 'f', 'c', 'x')
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
 ORDER BY 1, 2, 4;

-- indexes.sql
-- Indexes of tables and materialized views in user schemas that do not back a constraint
-- (those are the constraint), deparsed, with the partitioned index each is attached to and
-- comments. Like pg_dump, an invalid index (a failed or in-progress CREATE INDEX CONCURRENTLY) is
-- left out, except a partitioned table's, which is invalid until every partition has an index
-- attached to it: that is schema, and said. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       tc.relname AS relation,
       ic.relname AS name,
       pg_catalog.pg_get_indexdef(i.indexrelid) AS definition,
       (SELECT pi.inhparent::pg_catalog.regclass::text FROM pg_catalog.pg_inherits pi
         WHERE pi.inhrelid = i.indexrelid) AS attached_to,
       NOT i.indisvalid AS invalid,
       d.description AS comment
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_catalog.pg_class tc ON tc.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = tc.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.objoid = i.indexrelid AND d.objsubid = 0
 WHERE tc.relkind IN ('r', 'p', 'm')
   AND (i.indisvalid OR tc.relkind = 'p')
   AND i.indislive
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint co
                    WHERE co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x'))
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                      AND e.objid = tc.oid AND e.deptype = 'e')
 ORDER BY 1, 2, 3;

-- policies.sql
-- Row-level security policies of tables in user schemas: mode, command, roles (sorted),
-- USING and WITH CHECK expressions, comments. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       c.relname AS relation,
       p.polname AS name,
       p.polpermissive AS permissive,
       p.polcmd::text AS command,
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r) END
               FROM pg_catalog.unnest(p.polroles) AS r ORDER BY 1) AS roles,
       pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS using_expr,
       pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check_expr,
       d.description AS comment
  FROM pg_catalog.pg_policy p
  JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_policy'::pg_catalog.regclass
        AND d.objoid = p.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
 ORDER BY 1, 2, 3;

-- triggers.sql
-- User triggers (not the internal ones behind foreign keys, nor the clones a partitioned table's
-- trigger puts on each partition) on tables and views in user schemas: definition, enabled
-- state, comment. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       c.relname AS relation,
       c.relkind::text AS relation_kind,
       tg.tgname AS name,
       pg_catalog.pg_get_triggerdef(tg.oid) AS definition,
       tg.tgenabled::text AS enabled,
       d.description AS comment
  FROM pg_catalog.pg_trigger tg
  JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_trigger'::pg_catalog.regclass
        AND d.objoid = tg.oid AND d.objsubid = 0
 WHERE NOT tg.tgisinternal
   AND tg.tgparentid = 0
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
 ORDER BY 1, 2, 4;

-- rules.sql
-- Rewrite rules other than views' own `_RETURN` rules, on relations in user schemas:
-- definition, enabled state, comment. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       c.relname AS relation,
       r.rulename AS name,
       pg_catalog.pg_get_ruledef(r.oid) AS definition,
       r.ev_enabled::text AS enabled,
       d.description AS comment
  FROM pg_catalog.pg_rewrite r
  JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
        AND d.objoid = r.oid AND d.objsubid = 0
 WHERE r.rulename <> '_RETURN'
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
 ORDER BY 1, 2, 3;

-- statistics.sql
-- Extended statistics objects on tables in user schemas: qualified name, owner, definition,
-- statistics target (stxstattarget: -1 for the default up to 16, NULL from 17, read through
-- to_jsonb so one query runs on every version), comment. PostgreSQL 13 to 17.
SELECT tn.nspname AS schema,
       c.relname AS relation,
       pg_catalog.quote_ident(sn.nspname) || '.' || pg_catalog.quote_ident(s.stxname) AS name,
       pg_catalog.pg_get_userbyid(s.stxowner) AS owner,
       pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition,
       NULLIF((pg_catalog.to_jsonb(s) ->> 'stxstattarget')::int, -1) AS target,
       d.description AS comment
  FROM pg_catalog.pg_statistic_ext s
  JOIN pg_catalog.pg_namespace sn ON sn.oid = s.stxnamespace
  JOIN pg_catalog.pg_class c ON c.oid = s.stxrelid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass
        AND d.objoid = s.oid AND d.objsubid = 0
 WHERE tn.nspname <> 'information_schema'
   AND tn.nspname !~ '^pg_'
 ORDER BY 1, 2, 3;

-- sequences.sql
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
 ORDER BY 1, 2;

-- functions.sql
-- Functions, procedures and window functions in user schemas, not extension members: identity
-- argument types (what tells overloads apart; names are in the definition), result, language, volatility, SECURITY DEFINER, strictness, leakproofness,
-- parallel safety, SET clauses, the full deparsed CREATE statement, owner, ACLs, comment.
-- Aggregates are read by aggregates.sql. Functions made automatically with another object (a
-- range type's constructors, an internal dependency) are part of that object. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       p.proname AS name,
       p.prokind::text AS kind,
       pg_catalog.oidvectortypes(p.proargtypes) AS identity_arguments,
       pg_catalog.pg_get_userbyid(p.proowner) AS owner,
       pg_catalog.pg_get_function_result(p.oid) AS returns,
       l.lanname AS language,
       p.provolatile::text AS volatility,
       p.prosecdef AS security_definer,
       p.proisstrict AS strict,
       p.proleakproof AS leakproof,
       p.proparallel::text AS parallel,
       p.proconfig AS config,
       pg_catalog.pg_get_functiondef(p.oid) AS definition,
       p.proacl::text[] AS acl,
       pg_catalog.acldefault('f', p.proowner)::text[] AS default_acl,
       d.description AS comment
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass
        AND d.objoid = p.oid AND d.objsubid = 0
 WHERE p.prokind IN ('f', 'p', 'w')
   AND n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                      AND e.objid = p.oid AND e.deptype IN ('e', 'i'))
 ORDER BY 1, 2, 4;

-- aggregates.sql
-- Aggregates in user schemas, not extension members: identity arguments, the parts of their
-- CREATE AGGREGATE statement, owner, ACLs, comment. PostgreSQL 13 to 17.
SELECT n.nspname AS schema,
       p.proname AS name,
       pg_catalog.oidvectortypes(p.proargtypes) AS identity_arguments,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_userbyid(p.proowner) AS owner,
       pg_catalog.format_type(p.prorettype, NULL) AS returns,
       a.aggkind::text AS aggregate_kind,
       a.aggtransfn::pg_catalog.regprocedure::text AS sfunc,
       pg_catalog.format_type(a.aggtranstype, NULL) AS stype,
       NULLIF(a.aggtransspace, 0) AS sspace,
       CASE WHEN a.aggfinalfn <> 0 THEN a.aggfinalfn::pg_catalog.regprocedure::text END AS finalfunc,
       a.aggfinalextra AS finalfunc_extra,
       CASE WHEN a.aggcombinefn <> 0 THEN a.aggcombinefn::pg_catalog.regprocedure::text END AS combinefunc,
       CASE WHEN a.aggserialfn <> 0 THEN a.aggserialfn::pg_catalog.regprocedure::text END AS serialfunc,
       CASE WHEN a.aggdeserialfn <> 0 THEN a.aggdeserialfn::pg_catalog.regprocedure::text END AS deserialfunc,
       a.agginitval AS initcond,
       CASE WHEN a.aggsortop <> 0 THEN a.aggsortop::pg_catalog.regoperator::text END AS sortop,
       p.provolatile::text AS volatility,
       p.proparallel::text AS parallel,
       p.proisstrict AS strict,
       p.proacl::text[] AS acl,
       pg_catalog.acldefault('f', p.proowner)::text[] AS default_acl,
       d.description AS comment
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_aggregate a ON a.aggfnoid = p.oid
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass
        AND d.objoid = p.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema'
   AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                      AND e.objid = p.oid AND e.deptype = 'e')
 ORDER BY 1, 2, 3;

-- types.sql
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
 ORDER BY 1, 2;

-- extensions.sql
-- Installed extensions (plpgsql included): schema, version, owner, comment. PostgreSQL 13 to 17.
SELECT e.extname AS name,
       n.nspname AS schema,
       e.extversion AS version,
       pg_catalog.pg_get_userbyid(e.extowner) AS owner,
       d.description AS comment
  FROM pg_catalog.pg_extension e
  JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_extension'::pg_catalog.regclass
        AND d.objoid = e.oid AND d.objsubid = 0
 ORDER BY 1;

-- extension_members.sql
-- Extension members (relations, functions, types) whose ACL differs from what the extension
-- script left (pg_init_privs), which pg_dump emits as GRANT/REVOKE: the extension, the member's
-- identity, its ACL, the ACL it started with, and the built-in default. PostgreSQL 13 to 17.
WITH members AS (
  SELECT e.extname, d.classid, d.objid,
         CASE d.classid
              WHEN 'pg_catalog.pg_class'::pg_catalog.regclass
              THEN (SELECT c.relacl FROM pg_catalog.pg_class c WHERE c.oid = d.objid)
              WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass
              THEN (SELECT p.proacl FROM pg_catalog.pg_proc p WHERE p.oid = d.objid)
              WHEN 'pg_catalog.pg_type'::pg_catalog.regclass
              THEN (SELECT t.typacl FROM pg_catalog.pg_type t WHERE t.oid = d.objid)
         END AS acl,
         CASE d.classid
              WHEN 'pg_catalog.pg_class'::pg_catalog.regclass
              THEN (SELECT pg_catalog.acldefault((CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END)::"char", c.relowner)
                      FROM pg_catalog.pg_class c WHERE c.oid = d.objid)
              WHEN 'pg_catalog.pg_proc'::pg_catalog.regclass
              THEN (SELECT pg_catalog.acldefault('f', p.proowner) FROM pg_catalog.pg_proc p WHERE p.oid = d.objid)
              WHEN 'pg_catalog.pg_type'::pg_catalog.regclass
              THEN (SELECT pg_catalog.acldefault('T', t.typowner) FROM pg_catalog.pg_type t WHERE t.oid = d.objid)
         END AS default_acl
    FROM pg_catalog.pg_depend d
    JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
   WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND d.deptype = 'e'
     AND d.classid IN ('pg_catalog.pg_class'::pg_catalog.regclass,
                       'pg_catalog.pg_proc'::pg_catalog.regclass,
                       'pg_catalog.pg_type'::pg_catalog.regclass)
)
SELECT m.extname AS extension,
       (pg_catalog.pg_identify_object(m.classid, m.objid, 0)).identity AS object,
       COALESCE(m.acl, m.default_acl)::text[] AS acl,
       COALESCE(ip.initprivs, m.default_acl)::text[] AS initial_acl
  FROM members m
  LEFT JOIN pg_catalog.pg_init_privs ip
         ON ip.classoid = m.classid AND ip.objoid = m.objid AND ip.objsubid = 0
 WHERE COALESCE(m.acl, m.default_acl) IS DISTINCT FROM COALESCE(ip.initprivs, m.default_acl)
 ORDER BY 1, 2;

-- collations.sql
-- Collations in user schemas, not extension members: provider, locales, determinism (never
-- the library version, which changes with the operating system). Generic object rows.
-- PostgreSQL 13 to 17: the locale columns moved between versions and are read through to_jsonb.
SELECT 'collation' AS kind, n.nspname AS schema, c.collname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(c.collowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'provider', CASE c.collprovider WHEN 'i' THEN 'icu' WHEN 'c' THEN 'libc' ELSE 'default' END,
         'deterministic', c.collisdeterministic,
         'lc_collate', pg_catalog.to_jsonb(c) ->> 'collcollate',
         'lc_ctype', pg_catalog.to_jsonb(c) ->> 'collctype',
         'locale', COALESCE(pg_catalog.to_jsonb(c) ->> 'colliculocale', pg_catalog.to_jsonb(c) ->> 'colllocale'),
         'icu_rules', pg_catalog.to_jsonb(c) ->> 'collicurules')) AS properties
  FROM pg_catalog.pg_collation c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_collation'::pg_catalog.regclass AND d.objoid = c.oid AND d.objsubid = 0
 WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype = 'e')
 ORDER BY 2, 3;

-- casts.sql
-- User-defined casts (not built in, not extension members, not made automatically with a
-- range type's multirange): source and target types, the
-- function, context and method. Generic object rows, database-wide. PostgreSQL 13 to 17.
SELECT 'cast' AS kind, NULL::text AS schema,
       pg_catalog.format_type(c.castsource, NULL) || ' AS ' || pg_catalog.format_type(c.casttarget, NULL) AS name,
       NULL::text AS arguments, NULL::text AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'function', CASE WHEN c.castfunc <> 0 THEN c.castfunc::pg_catalog.regprocedure::text END,
         'context', CASE c.castcontext WHEN 'e' THEN 'explicit' WHEN 'a' THEN 'assignment' ELSE 'implicit' END,
         'method', CASE c.castmethod WHEN 'f' THEN 'function' WHEN 'i' THEN 'inout' ELSE 'binary' END)) AS properties
  FROM pg_catalog.pg_cast c
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_cast'::pg_catalog.regclass AND d.objoid = c.oid AND d.objsubid = 0
 WHERE c.oid >= 16384
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass
                      AND e.objid = c.oid AND e.deptype IN ('e', 'i'))
 ORDER BY 3;

-- operators.sql
-- Operators, operator classes and operator families in user schemas, not extension members.
-- An operator is told apart by its operand types, a class or family by its access method;
-- a family lists its member operators and support functions. Generic object rows.
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
                        CASE WHEN ao.amoppurpose = 's' THEN ' FOR ORDER BY ' || ao.amopsortfamily::pg_catalog.regclass::text ELSE '' END
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
 ORDER BY 1, 2, 3, 4;

-- text_search.sql
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
 ORDER BY 1, 2, 3;

-- event_triggers.sql
-- Event triggers, not extension members: event, function, enabled state, command tags, owner,
-- comment. Generic object rows, database-wide. PostgreSQL 13 to 17.
SELECT 'event_trigger' AS kind, NULL::text AS schema, t.evtname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(t.evtowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'event', t.evtevent,
         'function', t.evtfoid::pg_catalog.regprocedure::text,
         'enabled', CASE t.evtenabled WHEN 'D' THEN 'disabled' WHEN 'R' THEN 'replica'
                                      WHEN 'A' THEN 'always' ELSE 'origin' END,
         'tags', (SELECT pg_catalog.jsonb_agg(tag ORDER BY tag) FROM pg_catalog.unnest(t.evttags) AS tag))) AS properties
  FROM pg_catalog.pg_event_trigger t
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass AND d.objoid = t.oid AND d.objsubid = 0
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                      AND e.objid = t.oid AND e.deptype = 'e')
 ORDER BY 3;

-- publications_15.sql
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
 ORDER BY 3;

-- foreign_data.sql
-- Foreign data wrappers and servers (not extension members) and user mappings: handler,
-- validator, type, version, options (secrets are redacted by the reader before they are
-- stored; a user mapping's are listed as unreadable when the role may not see them), owner,
-- ACLs, comment. Generic object rows, database-wide. PostgreSQL 13 to 17.
SELECT 'foreign_data_wrapper' AS kind, NULL::text AS schema, w.fdwname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(w.fdwowner) AS owner,
       w.fdwacl::text[] AS acl, pg_catalog.acldefault('F', w.fdwowner)::text[] AS default_acl,
       d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'handler', CASE WHEN w.fdwhandler <> 0 THEN w.fdwhandler::pg_catalog.regproc::text END,
         'validator', CASE WHEN w.fdwvalidator <> 0 THEN w.fdwvalidator::pg_catalog.regproc::text END,
         'options', pg_catalog.to_jsonb(w.fdwoptions))) AS properties
  FROM pg_catalog.pg_foreign_data_wrapper w
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass AND d.objoid = w.oid AND d.objsubid = 0
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass
                      AND e.objid = w.oid AND e.deptype = 'e')
UNION ALL
SELECT 'foreign_server', NULL, s.srvname, NULL, pg_catalog.pg_get_userbyid(s.srvowner),
       s.srvacl::text[], pg_catalog.acldefault('S', s.srvowner)::text[], d.description,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'wrapper', w.fdwname, 'type', s.srvtype, 'version', s.srvversion,
         'options', pg_catalog.to_jsonb(s.srvoptions)))
  FROM pg_catalog.pg_foreign_server s
  JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass AND d.objoid = s.oid AND d.objsubid = 0
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
                      AND e.objid = s.oid AND e.deptype = 'e')
UNION ALL
SELECT 'user_mapping', NULL, m.usename || '@' || m.srvname, NULL, NULL, NULL, NULL, NULL,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'user', m.usename, 'server', m.srvname, 'options', pg_catalog.to_jsonb(m.umoptions),
         -- pg_user_mappings shows the options only to these roles (its own definition's test).
         'unreadable', CASE WHEN NOT (
              (m.umuser <> 0 AND m.usename = CURRENT_USER
               AND (pg_catalog.pg_has_role(s.srvowner, 'USAGE')
                    OR pg_catalog.has_server_privilege(s.oid, 'USAGE')))
              OR (m.umuser = 0 AND pg_catalog.pg_has_role(s.srvowner, 'USAGE'))
              OR (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER))
           THEN pg_catalog.jsonb_build_array('options') END))
  FROM pg_catalog.pg_user_mappings m
  JOIN pg_catalog.pg_foreign_server s ON s.oid = m.srvid
 ORDER BY 1, 3;

-- default_privileges.sql
-- Default privileges (ALTER DEFAULT PRIVILEGES): for which role, in which schema (or all),
-- on which kind of object, and the ACL; a database-wide entry is compared with the built-in
-- default, a schema's entry with nothing. Generic object rows, database-wide.
-- PostgreSQL 13 to 17.
SELECT 'default_privileges' AS kind, NULL::text AS schema,
       pg_catalog.pg_get_userbyid(a.defaclrole) || ' in ' ||
       COALESCE('schema ' || pg_catalog.quote_ident(n.nspname), 'all schemas') || ' on ' ||
       CASE a.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                            WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' ELSE a.defaclobjtype::text END AS name,
       NULL::text AS arguments, NULL::text AS owner,
       a.defaclacl::text[] AS acl,
       CASE WHEN a.defaclnamespace = 0
            THEN pg_catalog.acldefault((CASE a.defaclobjtype WHEN 'S' THEN 's' ELSE a.defaclobjtype END)::"char", a.defaclrole)::text[]
            ELSE '{}'::text[] END AS default_acl,
       NULL::text AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'role', pg_catalog.pg_get_userbyid(a.defaclrole),
         'schema', n.nspname)) AS properties
  FROM pg_catalog.pg_default_acl a
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = a.defaclnamespace
 ORDER BY 3;

-- settings.sql
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
 ORDER BY 3;

-- languages.sql
-- User-installed procedural languages and access methods, not extension members (plpgsql
-- is an extension): handlers, trust, owner, ACLs, comment. Security labels on user objects.
-- Generic object rows, database-wide. PostgreSQL 13 to 17.
SELECT 'language' AS kind, NULL::text AS schema, l.lanname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(l.lanowner) AS owner,
       l.lanacl::text[] AS acl, pg_catalog.acldefault('l', l.lanowner)::text[] AS default_acl,
       d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'trusted', l.lanpltrusted,
         'handler', CASE WHEN l.lanplcallfoid <> 0 THEN l.lanplcallfoid::pg_catalog.regprocedure::text END,
         'inline', CASE WHEN l.laninline <> 0 THEN l.laninline::pg_catalog.regprocedure::text END,
         'validator', CASE WHEN l.lanvalidator <> 0 THEN l.lanvalidator::pg_catalog.regprocedure::text END)) AS properties
  FROM pg_catalog.pg_language l
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_language'::pg_catalog.regclass AND d.objoid = l.oid AND d.objsubid = 0
 WHERE l.oid >= 16384
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_language'::pg_catalog.regclass
                      AND e.objid = l.oid AND e.deptype = 'e')
UNION ALL
SELECT 'access_method', NULL, a.amname, NULL, NULL, NULL, NULL, d.description,
       pg_catalog.jsonb_build_object(
         'type', CASE a.amtype WHEN 'i' THEN 'index' ELSE 'table' END,
         'handler', a.amhandler::pg_catalog.regproc::text)
  FROM pg_catalog.pg_am a
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_am'::pg_catalog.regclass AND d.objoid = a.oid AND d.objsubid = 0
 WHERE a.oid >= 16384
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
                    WHERE e.classid = 'pg_catalog.pg_am'::pg_catalog.regclass
                      AND e.objid = a.oid AND e.deptype = 'e')
UNION ALL
SELECT 'security_label', NULL, l.provider || ': ' || l.objtype || ' ' || l.objname, NULL, NULL, NULL, NULL, NULL,
       pg_catalog.jsonb_build_object('label', l.label)
  FROM pg_catalog.pg_seclabels l
 WHERE l.objoid >= 16384
 ORDER BY 1, 3;

-- subscriptions.sql
-- Subscriptions of this database, for a role that may read every column of pg_subscription:
-- the connection string (redacted by the reader before it is stored), publications, slot,
-- options, owner, comment. Generic object rows, database-wide. PostgreSQL 13 to 17; options
-- that not every version has are read through to_jsonb.
SELECT 'subscription' AS kind, NULL::text AS schema, s.subname AS name, NULL::text AS arguments,
       pg_catalog.pg_get_userbyid(s.subowner) AS owner,
       NULL::text[] AS acl, NULL::text[] AS default_acl, d.description AS comment,
       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
         'connection', s.subconninfo,
         'publications', (SELECT pg_catalog.jsonb_agg(pub ORDER BY pub) FROM pg_catalog.unnest(s.subpublications) AS pub),
         'enabled', s.subenabled,
         'slot_name', s.subslotname,
         'synchronous_commit', s.subsynccommit,
         'binary', pg_catalog.to_jsonb(s) -> 'subbinary',
         'streaming', pg_catalog.to_jsonb(s) -> 'substream',
         'two_phase', pg_catalog.to_jsonb(s) -> 'subtwophasestate',
         'disable_on_error', pg_catalog.to_jsonb(s) -> 'subdisableonerr',
         'origin', pg_catalog.to_jsonb(s) -> 'suborigin',
         'password_required', pg_catalog.to_jsonb(s) -> 'subpasswordrequired',
         'run_as_owner', pg_catalog.to_jsonb(s) -> 'subrunasowner',
         'failover', pg_catalog.to_jsonb(s) -> 'subfailover')) AS properties
  FROM pg_catalog.pg_subscription s
  LEFT JOIN pg_catalog.pg_description d
         ON d.classoid = 'pg_catalog.pg_subscription'::pg_catalog.regclass AND d.objoid = s.oid AND d.objsubid = 0
 WHERE s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
 ORDER BY 3;

-- view_definitions.sql, over every view
-- The definitions of the views and materialized views whose OIDs are $1, deparsed. Sent in
-- batches, each rolled back to a savepoint afterwards so that the locks it took are released.
-- PostgreSQL 13 to 17.
SELECT n.nspname AS schema, c.relname AS name, pg_catalog.pg_get_viewdef(c.oid) AS definition
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('v', 'm') AND c.oid >= 16384;

COMMIT;
