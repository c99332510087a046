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
 ORDER BY 1, 2, 4
