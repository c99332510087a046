-- A stamp of the catalogs a snapshot reads: for each, its row count and the sum of its rows' xmin
-- (the transaction that wrote each row version). Any committed DDL inserts, updates or deletes
-- catalog rows, so it changes the stamp; VACUUM and ANALYZE update in place and do not. pg_class
-- and pg_index are stamped by a hash of the columns DDL sets, leaving out those that a table
-- rewrite (TRUNCATE, VACUUM FULL, CLUSTER, REINDEX, REFRESH MATERIALIZED VIEW) or VACUUM changes:
-- storage, statistics, frozen xids, the has-rules/triggers/subclass hints and indcheckxmin, which
-- DDL never changes alone. A partition bound changes only with its pg_inherits row, and an
-- index's NULLS NOT DISTINCT only with the index (a new oid). Hashing a ROW of the columns costs
-- an eighth of hashing the whole row as JSON. Rows of temporary objects (other sessions' temp
-- tables, their columns, defaults, constraints, indexes, sequences, rules, triggers, policies,
-- comments, dependencies, and functions and types in temp schemas) are left out, and of the
-- shared catalogs only the rows of this database count (other databases come and go on a shared
-- server); roles count by name, those that own or are granted something here (pg_shdepend).
-- Catalogs whose system columns a role may not read are stamped by their readable content. The
-- deparse functions read the latest catalog rather than the transaction's snapshot, so a stamp
-- taken inside the read that equals one taken after it proves nothing changed while it ran.
-- Several statements, run one at a time: planning one locks a catalog and all its indexes, and a
-- server with a small lock table has no room for all of them at once. PostgreSQL 13 to 17
-- (pg_publication_namespace, 15 and later: catalog_stamp_15.sql).
WITH temp_namespaces AS (
  SELECT oid FROM pg_catalog.pg_namespace WHERE nspname ~ '^pg_(toast_)?temp_'
)
SELECT 'pg_namespace', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_namespace WHERE oid NOT IN (SELECT oid FROM temp_namespaces)
UNION ALL
SELECT 'pg_class', pg_catalog.count(*),
       pg_catalog.sum(pg_catalog.hashtextextended(
         ROW(c.oid, c.relname, c.relnamespace, c.reltype, c.reloftype, c.relowner, c.relam,
             c.reltablespace, c.reltoastrelid, c.relisshared, c.relpersistence, c.relkind,
             c.relnatts, c.relchecks, c.relrowsecurity, c.relforcerowsecurity, c.relispopulated,
             c.relreplident, c.relispartition, c.relacl, c.reloptions)::text, 0))::text
  FROM pg_catalog.pg_class c WHERE relpersistence <> 't'
UNION ALL
SELECT 'pg_type', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_type WHERE typnamespace NOT IN (SELECT oid FROM temp_namespaces)
UNION ALL
SELECT 'pg_proc', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_proc WHERE pronamespace NOT IN (SELECT oid FROM temp_namespaces);

WITH temp_relations AS (
  SELECT oid FROM pg_catalog.pg_class WHERE relpersistence = 't'
)
SELECT 'pg_attribute', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_attribute WHERE attrelid NOT IN (SELECT oid FROM temp_relations)
UNION ALL
SELECT 'pg_attrdef', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_attrdef WHERE adrelid NOT IN (SELECT oid FROM temp_relations)
UNION ALL
SELECT 'pg_index', pg_catalog.count(*),
       pg_catalog.sum(pg_catalog.hashtextextended(
         ROW(i.indexrelid, i.indrelid, i.indnatts, i.indnkeyatts, i.indisunique, i.indisprimary,
             i.indisexclusion, i.indimmediate, i.indisclustered, i.indisvalid, i.indisready,
             i.indislive, i.indisreplident, i.indkey, i.indcollation, i.indclass, i.indoption,
             i.indexprs, i.indpred)::text, 0))::text
  FROM pg_catalog.pg_index i WHERE indrelid NOT IN (SELECT oid FROM temp_relations)
UNION ALL
SELECT 'pg_sequence', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_sequence WHERE seqrelid NOT IN (SELECT oid FROM temp_relations);

WITH temp_namespaces AS (
  SELECT oid FROM pg_catalog.pg_namespace WHERE nspname ~ '^pg_(toast_)?temp_'
), temp_relations AS (
  SELECT oid FROM pg_catalog.pg_class WHERE relpersistence = 't'
)
SELECT 'pg_constraint', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_constraint
 WHERE conrelid NOT IN (SELECT oid FROM temp_relations) AND connamespace NOT IN (SELECT oid FROM temp_namespaces)
UNION ALL
SELECT 'pg_inherits', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_inherits WHERE inhrelid NOT IN (SELECT oid FROM temp_relations)
UNION ALL
SELECT 'pg_partitioned_table', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_partitioned_table WHERE partrelid NOT IN (SELECT oid FROM temp_relations)
UNION ALL
SELECT 'pg_policy', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_policy WHERE polrelid NOT IN (SELECT oid FROM temp_relations);

WITH temp_relations AS (
  SELECT oid FROM pg_catalog.pg_class WHERE relpersistence = 't'
)
SELECT 'pg_trigger', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_trigger WHERE tgrelid NOT IN (SELECT oid FROM temp_relations)
UNION ALL
SELECT 'pg_rewrite', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_rewrite WHERE ev_class NOT IN (SELECT oid FROM temp_relations)
UNION ALL
SELECT 'pg_statistic_ext', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_statistic_ext WHERE stxrelid NOT IN (SELECT oid FROM temp_relations);

WITH RECURSIVE temp_objects (classid, objid) AS (
  SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass::pg_catalog.oid, oid FROM pg_catalog.pg_namespace WHERE nspname ~ '^pg_(toast_)?temp_'
  UNION ALL
  SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, oid FROM pg_catalog.pg_class WHERE relpersistence = 't'
  UNION
  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
    JOIN temp_objects t ON d.refclassid = t.classid AND d.refobjid = t.objid
)
SELECT 'pg_depend', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_depend d
 WHERE NOT EXISTS (SELECT FROM temp_objects t WHERE t.classid = d.classid AND t.objid = d.objid);

WITH RECURSIVE temp_objects (classid, objid) AS (
  SELECT 'pg_catalog.pg_namespace'::pg_catalog.regclass::pg_catalog.oid, oid FROM pg_catalog.pg_namespace WHERE nspname ~ '^pg_(toast_)?temp_'
  UNION ALL
  SELECT 'pg_catalog.pg_class'::pg_catalog.regclass::pg_catalog.oid, oid FROM pg_catalog.pg_class WHERE relpersistence = 't'
  UNION
  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
    JOIN temp_objects t ON d.refclassid = t.classid AND d.refobjid = t.objid
)
SELECT 'pg_description', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_description d
 WHERE NOT EXISTS (SELECT FROM temp_objects t WHERE t.classid = d.classoid AND t.objid = d.objoid);

SELECT 'pg_aggregate', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_aggregate
UNION ALL
SELECT 'pg_enum', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_enum
UNION ALL
SELECT 'pg_range', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_range
UNION ALL
SELECT 'pg_extension', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_extension
UNION ALL
SELECT 'pg_collation', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_collation
UNION ALL
SELECT 'pg_cast', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_cast
UNION ALL
SELECT 'pg_operator', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_operator;

SELECT 'pg_opclass', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_opclass
UNION ALL
SELECT 'pg_opfamily', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_opfamily
UNION ALL
SELECT 'pg_amop', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_amop
UNION ALL
SELECT 'pg_amproc', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_amproc
UNION ALL
SELECT 'pg_am', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_am
UNION ALL
SELECT 'pg_ts_config', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_ts_config
UNION ALL
SELECT 'pg_ts_config_map', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_ts_config_map
UNION ALL
SELECT 'pg_ts_dict', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_ts_dict;

SELECT 'pg_ts_parser', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_ts_parser
UNION ALL
SELECT 'pg_ts_template', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_ts_template
UNION ALL
SELECT 'pg_event_trigger', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_event_trigger
UNION ALL
SELECT 'pg_publication', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_publication
UNION ALL
SELECT 'pg_publication_rel', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_publication_rel
UNION ALL
SELECT 'pg_foreign_data_wrapper', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_foreign_data_wrapper
UNION ALL
SELECT 'pg_foreign_server', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_foreign_server
UNION ALL
SELECT 'pg_foreign_table', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_foreign_table;

SELECT 'pg_default_acl', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_default_acl
UNION ALL
SELECT 'pg_language', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_language
UNION ALL
SELECT 'pg_init_privs', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_init_privs
UNION ALL
SELECT 'pg_seclabel', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_seclabel
UNION ALL
SELECT 'pg_conversion', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_conversion
UNION ALL
SELECT 'pg_transform', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_transform
UNION ALL
SELECT 'pg_database', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_database
 WHERE datname = pg_catalog.current_database()
UNION ALL
SELECT 'pg_db_role_setting', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_db_role_setting
 WHERE setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database());

SELECT 'pg_shdescription', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_shdescription
 WHERE classoid = 'pg_catalog.pg_database'::pg_catalog.regclass AND objoid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
UNION ALL
SELECT 'pg_shseclabel', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_shseclabel
UNION ALL
SELECT 'pg_tablespace', pg_catalog.count(*), pg_catalog.sum(xmin::text::bigint)::text FROM pg_catalog.pg_tablespace;

SELECT 'pg_roles', pg_catalog.count(*),
       pg_catalog.sum(pg_catalog.hashtextextended(oid::text || ':' || rolname, 0))::text
  FROM pg_catalog.pg_roles
 WHERE oid IN (SELECT refobjid FROM pg_catalog.pg_shdepend
                WHERE dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) AND refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass)
UNION ALL
SELECT 'pg_subscription', pg_catalog.count(*),
       pg_catalog.sum(pg_catalog.hashtextextended(
         pg_catalog.concat_ws(':', subdbid, subname, subowner, subenabled, subslotname,
                              subpublications), 0))::text
  FROM pg_catalog.pg_subscription
 WHERE subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
UNION ALL
SELECT 'pg_user_mappings', pg_catalog.count(*),
       pg_catalog.sum(pg_catalog.hashtextextended(
         pg_catalog.concat_ws(':', umid, srvid, umuser, usename, umoptions), 0))::text
  FROM pg_catalog.pg_user_mappings;
