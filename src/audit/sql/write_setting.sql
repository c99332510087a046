-- Stores one setting of the audit trail: $1 its name, $2 its patterns. PostgreSQL 13 to 17.
INSERT INTO schemagit.audit_settings (name, patterns) VALUES ($1, $2)
    ON CONFLICT (name) DO UPDATE SET patterns = EXCLUDED.patterns
