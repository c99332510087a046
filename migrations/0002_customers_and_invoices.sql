-- 0002_customers_and_invoices.sql
--
-- The billing core: customers, invoices and invoice lines, with the types
-- they need (an enum for the invoice lifecycle, a money domain, a postal
-- address composite type) and the invoice number sequence. Every table is
-- tenant-scoped through row-level security.

CREATE TYPE app.invoice_status AS ENUM ('draft', 'sent', 'paid', 'void');

CREATE DOMAIN app.money_cents AS bigint
    CONSTRAINT money_cents_non_negative CHECK (VALUE >= 0);
COMMENT ON DOMAIN app.money_cents IS 'An amount in the smallest unit of its currency.';

CREATE TYPE app.postal_address AS (
    line1        text,
    line2        text,
    city         text,
    postal_code  text,
    country      char(2)
);

-- Invoice numbers come from one sequence shared by all tenants: gaps within
-- a tenant are fine, numbers are never reused.
CREATE SEQUENCE app.invoice_number_seq AS bigint START WITH 1000;

CREATE TABLE app.customers (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id        uuid NOT NULL REFERENCES app.tenants (id) ON DELETE CASCADE,
    name             text NOT NULL,
    email            app.email,
    billing_address  app.postal_address,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customers_name_not_blank CHECK (btrim(name) <> ''),
    -- Target of the tenant-consistent foreign key from invoices.
    CONSTRAINT customers_tenant_id_id_key UNIQUE (tenant_id, id)
);

CREATE TABLE app.invoices (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid NOT NULL REFERENCES app.tenants (id) ON DELETE CASCADE,
    customer_id  bigint NOT NULL,
    number       bigint NOT NULL DEFAULT nextval('app.invoice_number_seq'),
    status       app.invoice_status NOT NULL DEFAULT 'draft',
    currency     char(3) COLLATE "C" NOT NULL DEFAULT 'EUR',
    issued_on    date,
    due_on       date,
    paid_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoices_number_key UNIQUE (tenant_id, number),
    -- (tenant_id, customer_id) keeps an invoice inside its customer's tenant.
    CONSTRAINT invoices_customer_fkey FOREIGN KEY (tenant_id, customer_id)
        REFERENCES app.customers (tenant_id, id),
    CONSTRAINT invoices_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT invoices_due_after_issue CHECK (due_on >= issued_on),
    CONSTRAINT invoices_paid_at_matches_status CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);

ALTER SEQUENCE app.invoice_number_seq OWNED BY app.invoices.number;

COMMENT ON TABLE app.invoices IS 'Invoices a tenant sends to its customers.';
COMMENT ON COLUMN app.invoices.number IS 'Human-facing invoice number, unique per tenant.';

CREATE TABLE app.invoice_lines (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    invoice_id   uuid NOT NULL REFERENCES app.invoices (id) ON DELETE CASCADE,
    line_no      integer NOT NULL,
    description  text NOT NULL,
    quantity     numeric(12, 3) NOT NULL DEFAULT 1,
    unit_price   app.money_cents NOT NULL,
    line_total   bigint GENERATED ALWAYS AS (round(quantity * unit_price)::bigint) STORED,
    CONSTRAINT invoice_lines_line_no_positive CHECK (line_no > 0),
    CONSTRAINT invoice_lines_quantity_positive CHECK (quantity > 0),
    -- Deferrable so that lines can be renumbered in a single UPDATE.
    CONSTRAINT invoice_lines_line_no_key UNIQUE (invoice_id, line_no) DEFERRABLE
);

COMMENT ON COLUMN app.invoice_lines.line_total IS 'quantity * unit_price, rounded to whole cents.';

-- Dunning job: sent invoices by due date.
CREATE INDEX invoices_sent_due_idx ON app.invoices (tenant_id, due_on)
    WHERE status = 'sent';
CREATE INDEX invoices_tenant_customer_idx ON app.invoices (tenant_id, customer_id);

CREATE TRIGGER customers_touch_updated_at BEFORE UPDATE ON app.customers
    FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();
CREATE TRIGGER invoices_touch_updated_at BEFORE UPDATE ON app.invoices
    FOR EACH ROW EXECUTE FUNCTION app.touch_updated_at();

ALTER TABLE app.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.invoice_lines ENABLE ROW LEVEL SECURITY;

CREATE POLICY customers_tenant_isolation ON app.customers
    USING (tenant_id = app.current_tenant_id());
CREATE POLICY invoices_tenant_isolation ON app.invoices
    USING (tenant_id = app.current_tenant_id());
-- Lines have no tenant of their own: they are visible when their invoice is.
CREATE POLICY invoice_lines_via_invoice ON app.invoice_lines
    USING (EXISTS (SELECT FROM app.invoices i WHERE i.id = invoice_id));
