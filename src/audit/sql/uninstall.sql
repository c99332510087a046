-- schemagit DDL audit trail: removes it, every version, with its log and archive. The event
-- triggers go first, so that nothing is logged while the schema is dropped. PostgreSQL 13 to 17.
DROP EVENT TRIGGER IF EXISTS schemagit_audit_ddl;
DROP EVENT TRIGGER IF EXISTS schemagit_audit_drop;
DROP EVENT TRIGGER IF EXISTS schemagit_audit_rewrite;
DROP SCHEMA IF EXISTS schemagit CASCADE;
