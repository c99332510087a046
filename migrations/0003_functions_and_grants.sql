-- 0003_functions_and_grants.sql
--
-- Business functions and the privileges of the application roles:
--   * app.invoice_total(uuid)   - SQL function, STABLE;
--   * app.create_tenant(...)    - SECURITY DEFINER sign-up entry point, only
--                                 executable by app_rw;
--   * app.close_period(date)    - procedure closing a bookkeeping period;
--   * grants for app_rw (read/write, column-limited on users) and app_ro.

CREATE FUNCTION app.invoice_total(p_invoice_id uuid) RETURNS bigint
LANGUAGE sql STABLE
AS $$
    SELECT coalesce(sum(line_total), 0)::bigint
    FROM app.invoice_lines
    WHERE invoice_id = p_invoice_id
$$;

CREATE FUNCTION app.create_tenant(p_slug text, p_name text,
                                  p_owner_email app.email,
                                  p_owner_name text DEFAULT NULL)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, app
AS $$
DECLARE
    v_tenant_id uuid;
    v_owner_id  bigint;
BEGIN
    INSERT INTO tenants (slug, name) VALUES (p_slug, p_name)
        RETURNING id INTO v_tenant_id;
    -- users is under FORCE ROW LEVEL SECURITY: act as the new tenant for the
    -- rest of the transaction.
    PERFORM set_config('app.tenant_id', v_tenant_id::text, true);
    INSERT INTO users (tenant_id, email, display_name, role)
        VALUES (v_tenant_id, p_owner_email, p_owner_name, 'owner')
        RETURNING id INTO v_owner_id;
    UPDATE tenants SET owner_user_id = v_owner_id WHERE id = v_tenant_id;
    RETURN v_tenant_id;
END
$$;

COMMENT ON FUNCTION app.create_tenant(text, text, app.email, text) IS
    'Sign-up: creates a tenant and its owner, and sets app.tenant_id to the new tenant.';

CREATE TABLE app.closed_periods (
    tenant_id   uuid NOT NULL REFERENCES app.tenants (id) ON DELETE CASCADE,
    period_end  date NOT NULL,
    closed_at   timestamptz NOT NULL DEFAULT now(),
    closed_by   name NOT NULL DEFAULT session_user,
    PRIMARY KEY (tenant_id, period_end)
);

ALTER TABLE app.closed_periods ENABLE ROW LEVEL SECURITY;
CREATE POLICY closed_periods_tenant_isolation ON app.closed_periods
    USING (tenant_id = app.current_tenant_id());

CREATE PROCEDURE app.close_period(p_period_end date)
LANGUAGE plpgsql
AS $$
DECLARE
    v_tenant_id uuid := app.current_tenant_id();
BEGIN
    IF v_tenant_id IS NULL THEN
        RAISE EXCEPTION 'app.tenant_id is not set';
    END IF;
    INSERT INTO app.closed_periods (tenant_id, period_end)
        VALUES (v_tenant_id, p_period_end);
    -- Drafts left over from a closed period are abandoned.
    UPDATE app.invoices SET status = 'void'
        WHERE tenant_id = v_tenant_id
          AND status = 'draft'
          AND created_at < p_period_end + 1;
END
$$;

-- Privileges ---------------------------------------------------------------

GRANT USAGE ON SCHEMA app TO app_rw, app_ro;

GRANT SELECT ON ALL TABLES IN SCHEMA app TO app_ro;

GRANT SELECT, INSERT, UPDATE, DELETE
    ON app.customers, app.invoices, app.invoice_lines TO app_rw;
GRANT SELECT ON app.tenants TO app_rw;
-- close_period() runs with the caller's rights.
GRANT SELECT, INSERT ON app.closed_periods TO app_rw;
-- Roles change only through dedicated functions: app_rw may update a user's
-- address and name, nothing else.
GRANT SELECT, INSERT, DELETE ON app.users TO app_rw;
GRANT UPDATE (email, display_name) ON app.users TO app_rw;
GRANT USAGE ON SEQUENCE app.invoice_number_seq TO app_rw;

REVOKE EXECUTE ON FUNCTION app.create_tenant(text, text, app.email, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.create_tenant(text, text, app.email, text) TO app_rw;

REVOKE EXECUTE ON PROCEDURE app.close_period(date) FROM PUBLIC;
GRANT EXECUTE ON PROCEDURE app.close_period(date) TO app_rw;

GRANT EXECUTE ON FUNCTION app.invoice_total(uuid) TO app_rw, app_ro;
