-- Whether the audit trail is installed: the comment of the schema `schemagit` (which names the
-- version; no row when there is no such schema), and each audit event trigger's state
-- (pg_event_trigger.evtenabled; NULL when missing). PostgreSQL 13 to 17.
SELECT pg_catalog.obj_description(n.oid, 'pg_namespace') AS comment,
       expected.name,
       t.evtenabled::text AS enabled
  FROM pg_catalog.pg_namespace n
 CROSS JOIN (VALUES ('schemagit_audit_ddl'), ('schemagit_audit_drop'), ('schemagit_audit_rewrite')) AS expected (name)
  LEFT JOIN pg_catalog.pg_event_trigger t ON t.evtname = expected.name
 WHERE n.nspname = 'schemagit'
 ORDER BY expected.name
