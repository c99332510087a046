-- 0006_events_and_soft_delete.sql
--
-- Later evolution of the schema, as it happens in a live application:
--   * customers can be archived (new column, partial index on the rest);
--   * invoices are due 30 days out by default (altered default) and may be
--     written off (new enum value);
--   * the reporting role no longer sees drafts (new restrictive policy);
--   * an activity feed, app.events, partitioned by month on created_at.

ALTER TABLE app.customers ADD COLUMN archived_at timestamptz;
COMMENT ON COLUMN app.customers.archived_at IS 'Set when the customer is archived; archived customers keep their invoices.';

CREATE INDEX customers_active_name_idx ON app.customers (tenant_id, lower(name))
    WHERE archived_at IS NULL;

ALTER TABLE app.invoices ALTER COLUMN due_on SET DEFAULT (CURRENT_DATE + 30);

-- Not used in this migration: a new enum value cannot be used in the
-- transaction that adds it.
ALTER TYPE app.invoice_status ADD VALUE 'uncollectible' AFTER 'paid';

CREATE POLICY invoices_ro_hide_drafts ON app.invoices AS RESTRICTIVE
    FOR SELECT TO app_ro
    USING (status <> 'draft');
COMMENT ON POLICY invoices_ro_hide_drafts ON app.invoices IS 'Reporting only sees invoices that left the draft state.';

CREATE TABLE app.events (
    id          uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id   uuid NOT NULL REFERENCES app.tenants (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    kind        text COLLATE "C" NOT NULL,
    subject_id  uuid,
    payload     jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

COMMENT ON TABLE app.events IS 'Activity feed (invoice sent, payment received, ...), one partition per UTC month.';

-- Bounds are written in UTC so they do not depend on the session time zone.
CREATE TABLE app.events_2025_01 PARTITION OF app.events
    FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2025-02-01 00:00:00+00');
CREATE TABLE app.events_2025_02 PARTITION OF app.events
    FOR VALUES FROM ('2025-02-01 00:00:00+00') TO ('2025-03-01 00:00:00+00');

CREATE INDEX events_tenant_created_idx ON app.events (tenant_id, created_at DESC);

ALTER TABLE app.events ENABLE ROW LEVEL SECURITY;
CREATE POLICY events_tenant_isolation ON app.events
    USING (tenant_id = app.current_tenant_id());

GRANT SELECT, INSERT ON app.events TO app_rw;
GRANT SELECT ON app.events TO app_ro;
