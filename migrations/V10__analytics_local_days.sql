-- Pelanggan schema, version 10: analytics by the shop's local days, and
-- walk-in voucher sales in revenue.
--
-- V7's analytics_daily was keyed by UTC day, so a shop east or west of UTC
-- saw its early-morning (or late-evening) payments on the wrong day. It is
-- replaced by analytics_buckets, keyed by 15-minute UTC bucket: the first 14
-- characters of the RFC 3339 timestamp and the quarter's first minute
-- ('2026-03-10T23:05:00.000Z' is bucket '2026-03-10T23:00'). Every zone's
-- offset is a whole number of quarter hours, so a local day or month in any
-- zone is a run of whole buckets: analytics.rs sums the buckets between the
-- day bounds of `days::DayRange`, and a change of the shop's time zone needs
-- no rewrite (the rollups know no zone).
--
-- analytics_days holds the same figures per UTC day (the first 10
-- characters), kept by the same triggers, so a long range reads its whole
-- UTC days there and only the two partial days at its ends bucket by
-- bucket: a local month is about 30 day rows and 100 bucket rows, not
-- 3,000 buckets.
--
-- Besides V7's figures (customers created, successful payments and their
-- sum, what the invoices issued in the bucket still owe), each bucket counts
-- the vouchers sold without a customer (over the counter, or whose customer
-- was erased since) and their price: revenue that has no payment row.
-- `analytics::recount` computes the same from the raw rows (tests compare).

DROP TRIGGER analytics_customer_insert;
DROP TRIGGER analytics_customer_created;
DROP TRIGGER analytics_customer_delete;
DROP TRIGGER analytics_payment_insert;
DROP TRIGGER analytics_payment_update;
DROP TRIGGER analytics_payment_delete;
DROP TRIGGER analytics_invoice_insert;
DROP TRIGGER analytics_invoice_update;
DROP TRIGGER analytics_invoice_delete;
DROP TABLE analytics_daily;

CREATE TABLE analytics_buckets (
    bucket TEXT PRIMARY KEY,
    new_customers INTEGER NOT NULL DEFAULT 0,
    payments INTEGER NOT NULL DEFAULT 0,
    revenue INTEGER NOT NULL DEFAULT 0,
    owed INTEGER NOT NULL DEFAULT 0,
    vouchers_sold INTEGER NOT NULL DEFAULT 0,
    voucher_revenue INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE analytics_days (
    day TEXT PRIMARY KEY,
    new_customers INTEGER NOT NULL DEFAULT 0,
    payments INTEGER NOT NULL DEFAULT 0,
    revenue INTEGER NOT NULL DEFAULT 0,
    owed INTEGER NOT NULL DEFAULT 0,
    vouchers_sold INTEGER NOT NULL DEFAULT 0,
    voucher_revenue INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Backfill from the rows already there (the queries of analytics::recount).
-- A timestamp's bucket: its first 14 characters and its quarter's first
-- minute ('2026-03-10T23:05:00.000Z' is '2026-03-10T23:00').
INSERT INTO analytics_buckets (bucket, new_customers, payments, revenue, owed, vouchers_sold, voucher_revenue)
SELECT k, sum(n), sum(p), sum(r), sum(o), sum(v), sum(vr) FROM (
    SELECT substr(created_at, 1, 14) || CASE WHEN substr(created_at, 15, 2) < '15' THEN '00' WHEN substr(created_at, 15, 2) < '30' THEN '15' WHEN substr(created_at, 15, 2) < '45' THEN '30' ELSE '45' END AS k,
           count(*) AS n, 0 AS p, 0 AS r, 0 AS o, 0 AS v, 0 AS vr
      FROM customers GROUP BY 1
    UNION ALL
    SELECT substr(received_at, 1, 14) || CASE WHEN substr(received_at, 15, 2) < '15' THEN '00' WHEN substr(received_at, 15, 2) < '30' THEN '15' WHEN substr(received_at, 15, 2) < '45' THEN '30' ELSE '45' END, 0, count(*), sum(amount), 0, 0, 0
      FROM payments WHERE status = 'success' GROUP BY 1
    UNION ALL
    SELECT substr(issued_at, 1, 14) || CASE WHEN substr(issued_at, 15, 2) < '15' THEN '00' WHEN substr(issued_at, 15, 2) < '30' THEN '15' WHEN substr(issued_at, 15, 2) < '45' THEN '30' ELSE '45' END, 0, 0, 0, sum(total - amount_allocated), 0, 0
      FROM invoices WHERE voided_at IS NULL AND amount_allocated < total GROUP BY 1
    UNION ALL
    SELECT substr(sold_at, 1, 14) || CASE WHEN substr(sold_at, 15, 2) < '15' THEN '00' WHEN substr(sold_at, 15, 2) < '30' THEN '15' WHEN substr(sold_at, 15, 2) < '45' THEN '30' ELSE '45' END, 0, 0, 0, 0, count(*), sum(price)
      FROM vouchers WHERE status = 'sold' AND customer_id IS NULL GROUP BY 1
) GROUP BY k;

INSERT INTO analytics_days (day, new_customers, payments, revenue, owed, vouchers_sold, voucher_revenue)
SELECT substr(bucket, 1, 10), sum(new_customers), sum(payments), sum(revenue), sum(owed),
       sum(vouchers_sold), sum(voucher_revenue)
FROM analytics_buckets GROUP BY 1;

-- Customers.
CREATE TRIGGER analytics_customer_insert AFTER INSERT ON customers
BEGIN
    INSERT INTO analytics_buckets (bucket, new_customers)
    VALUES (substr(NEW.created_at, 1, 14) || CASE WHEN substr(NEW.created_at, 15, 2) < '15' THEN '00' WHEN substr(NEW.created_at, 15, 2) < '30' THEN '15' WHEN substr(NEW.created_at, 15, 2) < '45' THEN '30' ELSE '45' END, 1)
    ON CONFLICT (bucket) DO UPDATE SET new_customers = new_customers + excluded.new_customers;
    INSERT INTO analytics_days (day, new_customers)
    VALUES (substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (day) DO UPDATE SET new_customers = new_customers + excluded.new_customers;
END;

CREATE TRIGGER analytics_customer_created AFTER UPDATE OF created_at ON customers
WHEN OLD.created_at IS NOT NEW.created_at
BEGIN
    UPDATE analytics_buckets SET new_customers = new_customers - 1
    WHERE bucket = substr(OLD.created_at, 1, 14) || CASE WHEN substr(OLD.created_at, 15, 2) < '15' THEN '00' WHEN substr(OLD.created_at, 15, 2) < '30' THEN '15' WHEN substr(OLD.created_at, 15, 2) < '45' THEN '30' ELSE '45' END;
    UPDATE analytics_days SET new_customers = new_customers - 1
    WHERE day = substr(OLD.created_at, 1, 10);
    INSERT INTO analytics_buckets (bucket, new_customers)
    VALUES (substr(NEW.created_at, 1, 14) || CASE WHEN substr(NEW.created_at, 15, 2) < '15' THEN '00' WHEN substr(NEW.created_at, 15, 2) < '30' THEN '15' WHEN substr(NEW.created_at, 15, 2) < '45' THEN '30' ELSE '45' END, 1)
    ON CONFLICT (bucket) DO UPDATE SET new_customers = new_customers + excluded.new_customers;
    INSERT INTO analytics_days (day, new_customers)
    VALUES (substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (day) DO UPDATE SET new_customers = new_customers + excluded.new_customers;
END;

CREATE TRIGGER analytics_customer_delete AFTER DELETE ON customers
BEGIN
    UPDATE analytics_buckets SET new_customers = new_customers - 1
    WHERE bucket = substr(OLD.created_at, 1, 14) || CASE WHEN substr(OLD.created_at, 15, 2) < '15' THEN '00' WHEN substr(OLD.created_at, 15, 2) < '30' THEN '15' WHEN substr(OLD.created_at, 15, 2) < '45' THEN '30' ELSE '45' END;
    UPDATE analytics_days SET new_customers = new_customers - 1
    WHERE day = substr(OLD.created_at, 1, 10);
    DELETE FROM subscriber_rollup WHERE customer_id = OLD.id;
    UPDATE tag_customer_counts SET customers = customers - 1
    WHERE OLD.status != 'deleted'
      AND tag_id IN (SELECT tag_id FROM customer_tags WHERE customer_id = OLD.id AND causal_length % 2 = 1);
END;

-- Payments (and subscriber_rollup.last_paid, as in V7).
CREATE TRIGGER analytics_payment_insert AFTER INSERT ON payments
WHEN NEW.status = 'success'
BEGIN
    INSERT INTO analytics_buckets (bucket, payments, revenue)
    VALUES (substr(NEW.received_at, 1, 14) || CASE WHEN substr(NEW.received_at, 15, 2) < '15' THEN '00' WHEN substr(NEW.received_at, 15, 2) < '30' THEN '15' WHEN substr(NEW.received_at, 15, 2) < '45' THEN '30' ELSE '45' END, 1, NEW.amount)
    ON CONFLICT (bucket) DO UPDATE SET payments = payments + excluded.payments, revenue = revenue + excluded.revenue;
    INSERT INTO analytics_days (day, payments, revenue)
    VALUES (substr(NEW.received_at, 1, 10), 1, NEW.amount)
    ON CONFLICT (day) DO UPDATE SET payments = payments + excluded.payments, revenue = revenue + excluded.revenue;
    UPDATE subscriber_rollup SET last_paid = max(last_paid, NEW.received_at)
    WHERE customer_id = NEW.customer_id;
END;

CREATE TRIGGER analytics_payment_update AFTER UPDATE OF status, amount, received_at, customer_id ON payments
BEGIN
    UPDATE analytics_buckets SET payments = payments - 1, revenue = revenue - OLD.amount
    WHERE bucket = substr(OLD.received_at, 1, 14) || CASE WHEN substr(OLD.received_at, 15, 2) < '15' THEN '00' WHEN substr(OLD.received_at, 15, 2) < '30' THEN '15' WHEN substr(OLD.received_at, 15, 2) < '45' THEN '30' ELSE '45' END AND OLD.status = 'success';
    UPDATE analytics_days SET payments = payments - 1, revenue = revenue - OLD.amount
    WHERE day = substr(OLD.received_at, 1, 10) AND OLD.status = 'success';
    INSERT INTO analytics_buckets (bucket, payments, revenue)
    SELECT substr(NEW.received_at, 1, 14) || CASE WHEN substr(NEW.received_at, 15, 2) < '15' THEN '00' WHEN substr(NEW.received_at, 15, 2) < '30' THEN '15' WHEN substr(NEW.received_at, 15, 2) < '45' THEN '30' ELSE '45' END, 1, NEW.amount
    WHERE NEW.status = 'success'
    ON CONFLICT (bucket) DO UPDATE SET payments = payments + excluded.payments, revenue = revenue + excluded.revenue;
    INSERT INTO analytics_days (day, payments, revenue)
    SELECT substr(NEW.received_at, 1, 10), 1, NEW.amount
    WHERE NEW.status = 'success'
    ON CONFLICT (day) DO UPDATE SET payments = payments + excluded.payments, revenue = revenue + excluded.revenue;
    UPDATE subscriber_rollup SET last_paid = coalesce(
        (SELECT max(p.received_at) FROM payments p
         WHERE p.customer_id = subscriber_rollup.customer_id AND p.status = 'success'), '')
    WHERE customer_id IN (OLD.customer_id, NEW.customer_id);
END;

CREATE TRIGGER analytics_payment_delete AFTER DELETE ON payments
BEGIN
    UPDATE analytics_buckets SET payments = payments - 1, revenue = revenue - OLD.amount
    WHERE bucket = substr(OLD.received_at, 1, 14) || CASE WHEN substr(OLD.received_at, 15, 2) < '15' THEN '00' WHEN substr(OLD.received_at, 15, 2) < '30' THEN '15' WHEN substr(OLD.received_at, 15, 2) < '45' THEN '30' ELSE '45' END AND OLD.status = 'success';
    UPDATE analytics_days SET payments = payments - 1, revenue = revenue - OLD.amount
    WHERE day = substr(OLD.received_at, 1, 10) AND OLD.status = 'success';
    UPDATE subscriber_rollup SET last_paid = coalesce(
        (SELECT max(p.received_at) FROM payments p
         WHERE p.customer_id = OLD.customer_id AND p.status = 'success'), '')
    WHERE customer_id = OLD.customer_id;
END;

-- What invoices still owe.
CREATE TRIGGER analytics_invoice_insert AFTER INSERT ON invoices
WHEN NEW.voided_at IS NULL AND NEW.amount_allocated < NEW.total
BEGIN
    INSERT INTO analytics_buckets (bucket, owed)
    VALUES (substr(NEW.issued_at, 1, 14) || CASE WHEN substr(NEW.issued_at, 15, 2) < '15' THEN '00' WHEN substr(NEW.issued_at, 15, 2) < '30' THEN '15' WHEN substr(NEW.issued_at, 15, 2) < '45' THEN '30' ELSE '45' END, NEW.total - NEW.amount_allocated)
    ON CONFLICT (bucket) DO UPDATE SET owed = owed + excluded.owed;
    INSERT INTO analytics_days (day, owed)
    VALUES (substr(NEW.issued_at, 1, 10), NEW.total - NEW.amount_allocated)
    ON CONFLICT (day) DO UPDATE SET owed = owed + excluded.owed;
END;

CREATE TRIGGER analytics_invoice_update AFTER UPDATE OF total, amount_allocated, voided_at, issued_at ON invoices
BEGIN
    UPDATE analytics_buckets SET owed = owed - (OLD.total - OLD.amount_allocated)
    WHERE bucket = substr(OLD.issued_at, 1, 14) || CASE WHEN substr(OLD.issued_at, 15, 2) < '15' THEN '00' WHEN substr(OLD.issued_at, 15, 2) < '30' THEN '15' WHEN substr(OLD.issued_at, 15, 2) < '45' THEN '30' ELSE '45' END AND OLD.voided_at IS NULL AND OLD.amount_allocated < OLD.total;
    UPDATE analytics_days SET owed = owed - (OLD.total - OLD.amount_allocated)
    WHERE day = substr(OLD.issued_at, 1, 10) AND OLD.voided_at IS NULL AND OLD.amount_allocated < OLD.total;
    INSERT INTO analytics_buckets (bucket, owed)
    SELECT substr(NEW.issued_at, 1, 14) || CASE WHEN substr(NEW.issued_at, 15, 2) < '15' THEN '00' WHEN substr(NEW.issued_at, 15, 2) < '30' THEN '15' WHEN substr(NEW.issued_at, 15, 2) < '45' THEN '30' ELSE '45' END, NEW.total - NEW.amount_allocated
    WHERE NEW.voided_at IS NULL AND NEW.amount_allocated < NEW.total
    ON CONFLICT (bucket) DO UPDATE SET owed = owed + excluded.owed;
    INSERT INTO analytics_days (day, owed)
    SELECT substr(NEW.issued_at, 1, 10), NEW.total - NEW.amount_allocated
    WHERE NEW.voided_at IS NULL AND NEW.amount_allocated < NEW.total
    ON CONFLICT (day) DO UPDATE SET owed = owed + excluded.owed;
END;

CREATE TRIGGER analytics_invoice_delete AFTER DELETE ON invoices
WHEN OLD.voided_at IS NULL AND OLD.amount_allocated < OLD.total
BEGIN
    UPDATE analytics_buckets SET owed = owed - (OLD.total - OLD.amount_allocated)
    WHERE bucket = substr(OLD.issued_at, 1, 14) || CASE WHEN substr(OLD.issued_at, 15, 2) < '15' THEN '00' WHEN substr(OLD.issued_at, 15, 2) < '30' THEN '15' WHEN substr(OLD.issued_at, 15, 2) < '45' THEN '30' ELSE '45' END;
    UPDATE analytics_days SET owed = owed - (OLD.total - OLD.amount_allocated)
    WHERE day = substr(OLD.issued_at, 1, 10);
END;

-- Vouchers sold without a customer.
CREATE TRIGGER analytics_voucher_insert AFTER INSERT ON vouchers
WHEN NEW.status = 'sold' AND NEW.customer_id IS NULL
BEGIN
    INSERT INTO analytics_buckets (bucket, vouchers_sold, voucher_revenue)
    VALUES (substr(NEW.sold_at, 1, 14) || CASE WHEN substr(NEW.sold_at, 15, 2) < '15' THEN '00' WHEN substr(NEW.sold_at, 15, 2) < '30' THEN '15' WHEN substr(NEW.sold_at, 15, 2) < '45' THEN '30' ELSE '45' END, 1, NEW.price)
    ON CONFLICT (bucket) DO UPDATE SET vouchers_sold = vouchers_sold + excluded.vouchers_sold, voucher_revenue = voucher_revenue + excluded.voucher_revenue;
    INSERT INTO analytics_days (day, vouchers_sold, voucher_revenue)
    VALUES (substr(NEW.sold_at, 1, 10), 1, NEW.price)
    ON CONFLICT (day) DO UPDATE SET vouchers_sold = vouchers_sold + excluded.vouchers_sold, voucher_revenue = voucher_revenue + excluded.voucher_revenue;
END;

CREATE TRIGGER analytics_voucher_update AFTER UPDATE OF status, customer_id, sold_at, price ON vouchers
BEGIN
    UPDATE analytics_buckets SET vouchers_sold = vouchers_sold - 1, voucher_revenue = voucher_revenue - OLD.price
    WHERE bucket = substr(OLD.sold_at, 1, 14) || CASE WHEN substr(OLD.sold_at, 15, 2) < '15' THEN '00' WHEN substr(OLD.sold_at, 15, 2) < '30' THEN '15' WHEN substr(OLD.sold_at, 15, 2) < '45' THEN '30' ELSE '45' END AND OLD.status = 'sold' AND OLD.customer_id IS NULL;
    UPDATE analytics_days SET vouchers_sold = vouchers_sold - 1, voucher_revenue = voucher_revenue - OLD.price
    WHERE day = substr(OLD.sold_at, 1, 10) AND OLD.status = 'sold' AND OLD.customer_id IS NULL;
    INSERT INTO analytics_buckets (bucket, vouchers_sold, voucher_revenue)
    SELECT substr(NEW.sold_at, 1, 14) || CASE WHEN substr(NEW.sold_at, 15, 2) < '15' THEN '00' WHEN substr(NEW.sold_at, 15, 2) < '30' THEN '15' WHEN substr(NEW.sold_at, 15, 2) < '45' THEN '30' ELSE '45' END, 1, NEW.price
    WHERE NEW.status = 'sold' AND NEW.customer_id IS NULL
    ON CONFLICT (bucket) DO UPDATE SET vouchers_sold = vouchers_sold + excluded.vouchers_sold, voucher_revenue = voucher_revenue + excluded.voucher_revenue;
    INSERT INTO analytics_days (day, vouchers_sold, voucher_revenue)
    SELECT substr(NEW.sold_at, 1, 10), 1, NEW.price
    WHERE NEW.status = 'sold' AND NEW.customer_id IS NULL
    ON CONFLICT (day) DO UPDATE SET vouchers_sold = vouchers_sold + excluded.vouchers_sold, voucher_revenue = voucher_revenue + excluded.voucher_revenue;
END;

CREATE TRIGGER analytics_voucher_delete AFTER DELETE ON vouchers
WHEN OLD.status = 'sold' AND OLD.customer_id IS NULL
BEGIN
    UPDATE analytics_buckets SET vouchers_sold = vouchers_sold - 1, voucher_revenue = voucher_revenue - OLD.price
    WHERE bucket = substr(OLD.sold_at, 1, 14) || CASE WHEN substr(OLD.sold_at, 15, 2) < '15' THEN '00' WHEN substr(OLD.sold_at, 15, 2) < '30' THEN '15' WHEN substr(OLD.sold_at, 15, 2) < '45' THEN '30' ELSE '45' END;
    UPDATE analytics_days SET vouchers_sold = vouchers_sold - 1, voucher_revenue = voucher_revenue - OLD.price
    WHERE day = substr(OLD.sold_at, 1, 10);
END;
