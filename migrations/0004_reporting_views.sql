-- 0004_reporting_views.sql
--
-- Read models:
--   * app.open_invoices    - security-barrier view of the current tenant's
--                            sent invoices with their totals;
--   * app.monthly_revenue  - materialized view of paid revenue per tenant,
--                            month and currency, refreshed nightly with
--                            REFRESH MATERIALIZED VIEW CONCURRENTLY (hence
--                            the unique index).

-- A view runs with its owner's rights, so the owner's RLS bypass would leak
-- other tenants' rows: filter on the tenant here, behind a security barrier
-- so that user-supplied predicates cannot run before the tenant filter.
CREATE VIEW app.open_invoices WITH (security_barrier = true) AS
SELECT i.tenant_id,
       i.id,
       i.number,
       c.name AS customer_name,
       i.currency,
       i.issued_on,
       i.due_on,
       app.invoice_total(i.id) AS total_cents,
       i.due_on < current_date AS is_overdue
FROM app.invoices i
JOIN app.customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
WHERE i.status = 'sent'
  AND i.tenant_id = app.current_tenant_id();

COMMENT ON VIEW app.open_invoices IS 'Sent, unpaid invoices of the current tenant.';

CREATE MATERIALIZED VIEW app.monthly_revenue AS
SELECT i.tenant_id,
       date_trunc('month', i.paid_at AT TIME ZONE 'UTC')::date AS month,
       i.currency,
       count(DISTINCT i.id) AS invoices_paid,
       sum(l.line_total)::bigint AS revenue_cents
FROM app.invoices i
JOIN app.invoice_lines l ON l.invoice_id = i.id
WHERE i.status = 'paid'
GROUP BY 1, 2, 3;

CREATE UNIQUE INDEX monthly_revenue_key
    ON app.monthly_revenue (tenant_id, month, currency);

COMMENT ON MATERIALIZED VIEW app.monthly_revenue IS
    'Paid revenue per tenant, UTC month and currency. Not tenant-filtered: reporting only.';

GRANT SELECT ON app.open_invoices TO app_rw, app_ro;
GRANT SELECT ON app.monthly_revenue TO app_ro;
