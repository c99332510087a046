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
 ORDER BY 1, 2, 3
