-- 0001_tenants_and_users.sql
--
-- Foundation of the "invoicing" example application:
--   * the `app` schema and the two cluster-wide NOLOGIN roles the application
--     connects through (`app_rw` for the web app, `app_ro` for reporting);
--   * the `app.email` domain, the `touch_updated_at` trigger function and the
--     `current_tenant_id()` helper that every tenant policy relies on;
--   * `tenants` and `users`, with row-level security (FORCE on `users`).
--
-- The application sets the tenant per transaction:
--   SELECT set_config('app.tenant_id', '<uuid>', true);

CREATE SCHEMA app;
COMMENT ON SCHEMA app IS 'Multi-tenant invoicing application.';

-- Roles are cluster-wide: guard them so the migration can run again in
-- another database of the same cluster.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_rw') THEN
        CREATE ROLE app_rw NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app_ro') THEN
        CREATE ROLE app_ro NOLOGIN;
    END IF;
END $$;

CREATE DOMAIN app.email AS text
    CONSTRAINT email_shape CHECK (VALUE ~ '^[^@[:space:]]+@[^@[:space:]]+$');

CREATE FUNCTION app.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE FUNCTION app.current_tenant_id() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

COMMENT ON FUNCTION app.current_tenant_id() IS
    'Tenant of the current transaction (setting app.tenant_id), or NULL when unset.';

CREATE TABLE app.tenants (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text COLLATE "C" NOT NULL,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$')
);

COMMENT ON TABLE app.tenants IS 'One row per customer organisation using the service.';
COMMENT ON COLUMN app.tenants.slug IS 'URL-safe identifier, compared bytewise.';

CREATE TABLE app.users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES app.tenants (id) ON DELETE CASCADE,
    email         app.email NOT NULL,
    display_name  text,
    role          text NOT NULL DEFAULT 'member',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_role_check CHECK (role IN ('owner', 'admin', 'member'))
);

COMMENT ON TABLE app.users IS 'People who sign in; each belongs to exactly one tenant.';

-- One account per address and tenant, whatever the case.
CREATE UNIQUE INDEX users_tenant_email_key ON app.users (tenant_id, lower(email));

-- The owner is set right after the owner's user row exists; deferring the
-- check lets both rows be written in either order within a transaction.
ALTER TABLE app.tenants
    ADD COLUMN owner_user_id bigint,
    ADD CONSTRAINT tenants_owner_user_id_fkey FOREIGN KEY (owner_user_id)
        REFERENCES app.users (id) ON DELETE SET NULL
        DEFERRABLE INITIALLY DEFERRED;

CREATE TRIGGER tenants_touch_updated_at BEFORE UPDATE ON app.tenants
    FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
CREATE TRIGGER users_touch_updated_at BEFORE UPDATE ON app.users
    FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

-- Row-level security. `users` is FORCEd so that even the table owner (and
-- thus SECURITY DEFINER functions it owns) must set a tenant first.
ALTER TABLE app.tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.users FORCE ROW LEVEL SECURITY;

-- Once set in a session, app.tenant_id reads '' (not NULL) after the
-- transaction ends: nullif() keeps that from failing the uuid cast.
CREATE POLICY tenant_isolation ON app.tenants
    USING (id = nullif(current_setting('app.tenant_id', true), '')::uuid);

CREATE POLICY users_tenant_isolation ON app.users
    USING (tenant_id = app.current_tenant_id())
    WITH CHECK (tenant_id = app.current_tenant_id());

-- Owners are created only through app.create_tenant().
CREATE POLICY users_no_owner_insert ON app.users AS RESTRICTIVE
    FOR INSERT TO app_rw
    WITH CHECK (role <> 'owner');
