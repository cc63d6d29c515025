-- Pelanggan schema, version 7: analytics rollups. Local caches of the rows
-- they sum, kept in step by triggers (so no write path, import or sync can
-- forget them) and never synced. analytics.rs reads them; `analytics::recount`
-- computes the same figures from the raw rows (tests compare the two) and
-- `analytics::rebuild_rollups` rewrites them from it (the generator, which
-- drops these triggers while it fills a file, and a repair).
--
-- * analytics_daily: per UTC day (the first 10 characters of the RFC 3339
--   timestamp): customers created (deleted or not), successful payments
--   received and their sum, and what the invoices issued that day still owe
--   (total - allocated, void invoices left out). Days with all zeros may stay.
-- * subscriber_rollup: one row per customer that has taken a subscription:
--   whether the customer is live (not deleted), subscriptions taken (any
--   status), active now, and the latest successful payment ('' if none).
--   Active subscribers, churn and the top list by subscriptions read it.
--   Subscription writes queue the customer in subscriber_recheck, whose
--   trigger recomputes that customer's row from the raw rows.
-- * tag_customer_counts: per tag, the live customers carrying it (live links).

CREATE TABLE analytics_daily (
    day TEXT PRIMARY KEY,
    new_customers INTEGER NOT NULL DEFAULT 0,
    payments INTEGER NOT NULL DEFAULT 0,
    revenue INTEGER NOT NULL DEFAULT 0,
    owed INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE subscriber_rollup (
    customer_id INTEGER PRIMARY KEY,
    live INTEGER NOT NULL,
    taken INTEGER NOT NULL,
    active INTEGER NOT NULL,
    last_paid TEXT NOT NULL
);
CREATE INDEX subscriber_rollup_churn ON subscriber_rollup (last_paid) WHERE live = 1 AND active = 0;
CREATE INDEX subscriber_rollup_taken ON subscriber_rollup (taken DESC, customer_id) WHERE live = 1;

-- Live customers with an active subscription (rows with live = 1 and
-- active > 0), counted by the triggers on subscriber_rollup below.
CREATE TABLE subscriber_counts (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    active_subscribers INTEGER NOT NULL
);

CREATE TABLE subscriber_recheck (
    customer_id INTEGER PRIMARY KEY
);

CREATE TABLE tag_customer_counts (
    tag_id INTEGER PRIMARY KEY,
    customers INTEGER NOT NULL
);

-- Backfill from the rows already there.
INSERT INTO analytics_daily (day, new_customers, payments, revenue, owed)
SELECT day, sum(n), sum(p), sum(r), sum(o) FROM (
    SELECT substr(created_at, 1, 10) AS day, count(*) AS n, 0 AS p, 0 AS r, 0 AS o
      FROM customers GROUP BY 1
    UNION ALL
    SELECT substr(received_at, 1, 10), 0, count(*), sum(amount), 0
      FROM payments WHERE status = 'success' GROUP BY 1
    UNION ALL
    SELECT substr(issued_at, 1, 10), 0, 0, 0, sum(total - amount_allocated)
      FROM invoices WHERE voided_at IS NULL AND amount_allocated < total GROUP BY 1
) GROUP BY day;

INSERT INTO subscriber_rollup (customer_id, live, taken, active, last_paid)
SELECT s.customer_id,
       coalesce((SELECT c.status != 'deleted' FROM customers c WHERE c.id = s.customer_id), 0),
       count(*),
       sum(s.status = 'active'),
       coalesce((SELECT max(p.received_at) FROM payments p
                 WHERE p.customer_id = s.customer_id AND p.status = 'success'), '')
FROM subscriptions s GROUP BY s.customer_id;

INSERT INTO tag_customer_counts (tag_id, customers)
SELECT ct.tag_id, count(*) FROM customer_tags ct JOIN customers c ON c.id = ct.customer_id
WHERE ct.causal_length % 2 = 1 AND c.status != 'deleted' GROUP BY ct.tag_id;

INSERT INTO subscriber_counts (singleton, active_subscribers)
SELECT 1, count(*) FROM subscriber_rollup WHERE live = 1 AND active > 0;

CREATE TRIGGER subscriber_counts_insert AFTER INSERT ON subscriber_rollup
WHEN NEW.live = 1 AND NEW.active > 0
BEGIN
    UPDATE subscriber_counts SET active_subscribers = active_subscribers + 1;
END;

CREATE TRIGGER subscriber_counts_update AFTER UPDATE ON subscriber_rollup
WHEN (OLD.live = 1 AND OLD.active > 0) != (NEW.live = 1 AND NEW.active > 0)
BEGIN
    UPDATE subscriber_counts SET active_subscribers = active_subscribers
        + (NEW.live = 1 AND NEW.active > 0) - (OLD.live = 1 AND OLD.active > 0);
END;

CREATE TRIGGER subscriber_counts_delete AFTER DELETE ON subscriber_rollup
WHEN OLD.live = 1 AND OLD.active > 0
BEGIN
    UPDATE subscriber_counts SET active_subscribers = active_subscribers - 1;
END;

-- analytics_daily: customers.
CREATE TRIGGER analytics_customer_insert AFTER INSERT ON customers
BEGIN
    INSERT INTO analytics_daily (day, new_customers) VALUES (substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (day) DO UPDATE SET new_customers = new_customers + 1;
END;

CREATE TRIGGER analytics_customer_created AFTER UPDATE OF created_at ON customers
WHEN substr(OLD.created_at, 1, 10) IS NOT substr(NEW.created_at, 1, 10)
BEGIN
    UPDATE analytics_daily SET new_customers = new_customers - 1 WHERE day = substr(OLD.created_at, 1, 10);
    INSERT INTO analytics_daily (day, new_customers) VALUES (substr(NEW.created_at, 1, 10), 1)
    ON CONFLICT (day) DO UPDATE SET new_customers = new_customers + 1;
END;

CREATE TRIGGER analytics_customer_delete AFTER DELETE ON customers
BEGIN
    UPDATE analytics_daily SET new_customers = new_customers - 1 WHERE day = substr(OLD.created_at, 1, 10);
    DELETE FROM subscriber_rollup WHERE customer_id = OLD.id;
    UPDATE tag_customer_counts SET customers = customers - 1
    WHERE OLD.status != 'deleted'
      AND tag_id IN (SELECT tag_id FROM customer_tags WHERE customer_id = OLD.id AND causal_length % 2 = 1);
END;

-- A customer deleted or restored leaves or rejoins the live figures.
CREATE TRIGGER analytics_customer_liveness AFTER UPDATE OF status ON customers
WHEN (OLD.status = 'deleted') != (NEW.status = 'deleted')
BEGIN
    UPDATE subscriber_rollup SET live = (NEW.status != 'deleted') WHERE customer_id = NEW.id;
    INSERT INTO tag_customer_counts (tag_id, customers)
    SELECT tag_id, CASE WHEN NEW.status = 'deleted' THEN -1 ELSE 1 END
    FROM customer_tags WHERE customer_id = NEW.id AND causal_length % 2 = 1
    ON CONFLICT (tag_id) DO UPDATE SET customers = customers + excluded.customers;
END;

-- analytics_daily and subscriber_rollup.last_paid: payments.
CREATE TRIGGER analytics_payment_insert AFTER INSERT ON payments
WHEN NEW.status = 'success'
BEGIN
    INSERT INTO analytics_daily (day, payments, revenue) VALUES (substr(NEW.received_at, 1, 10), 1, NEW.amount)
    ON CONFLICT (day) DO UPDATE SET payments = payments + 1, revenue = revenue + excluded.revenue;
    UPDATE subscriber_rollup SET last_paid = max(last_paid, NEW.received_at)
    WHERE customer_id = NEW.customer_id;
END;

CREATE TRIGGER analytics_payment_update AFTER UPDATE OF status, amount, received_at, customer_id ON payments
BEGIN
    UPDATE analytics_daily SET payments = payments - 1, revenue = revenue - OLD.amount
    WHERE OLD.status = 'success' AND day = substr(OLD.received_at, 1, 10);
    INSERT INTO analytics_daily (day, payments, revenue)
    SELECT substr(NEW.received_at, 1, 10), 1, NEW.amount WHERE NEW.status = 'success'
    ON CONFLICT (day) DO UPDATE SET payments = payments + 1, revenue = revenue + excluded.revenue;
    UPDATE subscriber_rollup SET last_paid = coalesce(
        (SELECT max(p.received_at) FROM payments p
         WHERE p.customer_id = subscriber_rollup.customer_id AND p.status = 'success'), '')
    WHERE customer_id IN (OLD.customer_id, NEW.customer_id);
END;

CREATE TRIGGER analytics_payment_delete AFTER DELETE ON payments
BEGIN
    UPDATE analytics_daily SET payments = payments - 1, revenue = revenue - OLD.amount
    WHERE OLD.status = 'success' AND day = substr(OLD.received_at, 1, 10);
    UPDATE subscriber_rollup SET last_paid = coalesce(
        (SELECT max(p.received_at) FROM payments p
         WHERE p.customer_id = OLD.customer_id AND p.status = 'success'), '')
    WHERE customer_id = OLD.customer_id;
END;

-- analytics_daily: what invoices still owe.
CREATE TRIGGER analytics_invoice_insert AFTER INSERT ON invoices
WHEN NEW.voided_at IS NULL AND NEW.amount_allocated < NEW.total
BEGIN
    INSERT INTO analytics_daily (day, owed) VALUES (substr(NEW.issued_at, 1, 10), NEW.total - NEW.amount_allocated)
    ON CONFLICT (day) DO UPDATE SET owed = owed + excluded.owed;
END;

CREATE TRIGGER analytics_invoice_update AFTER UPDATE OF total, amount_allocated, voided_at, issued_at ON invoices
BEGIN
    UPDATE analytics_daily SET owed = owed - (OLD.total - OLD.amount_allocated)
    WHERE OLD.voided_at IS NULL AND OLD.amount_allocated < OLD.total AND day = substr(OLD.issued_at, 1, 10);
    INSERT INTO analytics_daily (day, owed)
    SELECT substr(NEW.issued_at, 1, 10), NEW.total - NEW.amount_allocated
    WHERE NEW.voided_at IS NULL AND NEW.amount_allocated < NEW.total
    ON CONFLICT (day) DO UPDATE SET owed = owed + excluded.owed;
END;

CREATE TRIGGER analytics_invoice_delete AFTER DELETE ON invoices
WHEN OLD.voided_at IS NULL AND OLD.amount_allocated < OLD.total
BEGIN
    UPDATE analytics_daily SET owed = owed - (OLD.total - OLD.amount_allocated)
    WHERE day = substr(OLD.issued_at, 1, 10);
END;

-- subscriber_rollup: a subscription write rechecks its customer(s).
CREATE TRIGGER subscriber_recheck_run AFTER INSERT ON subscriber_recheck
BEGIN
    DELETE FROM subscriber_rollup WHERE customer_id = NEW.customer_id;
    INSERT INTO subscriber_rollup (customer_id, live, taken, active, last_paid)
    SELECT NEW.customer_id,
           coalesce((SELECT c.status != 'deleted' FROM customers c WHERE c.id = NEW.customer_id), 0),
           count(*),
           sum(s.status = 'active'),
           coalesce((SELECT max(p.received_at) FROM payments p
                     WHERE p.customer_id = NEW.customer_id AND p.status = 'success'), '')
    FROM subscriptions s WHERE s.customer_id = NEW.customer_id
    HAVING count(*) > 0;
    DELETE FROM subscriber_recheck WHERE customer_id = NEW.customer_id;
END;

CREATE TRIGGER subscriber_subscription_insert AFTER INSERT ON subscriptions
BEGIN
    INSERT OR IGNORE INTO subscriber_recheck (customer_id) VALUES (NEW.customer_id);
END;

CREATE TRIGGER subscriber_subscription_update AFTER UPDATE OF status, customer_id ON subscriptions
BEGIN
    INSERT OR IGNORE INTO subscriber_recheck (customer_id) VALUES (OLD.customer_id);
    INSERT OR IGNORE INTO subscriber_recheck (customer_id) VALUES (NEW.customer_id);
END;

CREATE TRIGGER subscriber_subscription_delete AFTER DELETE ON subscriptions
BEGIN
    INSERT OR IGNORE INTO subscriber_recheck (customer_id) VALUES (OLD.customer_id);
END;

-- tag_customer_counts: links.
CREATE TRIGGER tag_counts_link_insert AFTER INSERT ON customer_tags
WHEN NEW.causal_length % 2 = 1
BEGIN
    INSERT INTO tag_customer_counts (tag_id, customers)
    SELECT NEW.tag_id, 1 WHERE EXISTS (SELECT 1 FROM customers WHERE id = NEW.customer_id AND status != 'deleted')
    ON CONFLICT (tag_id) DO UPDATE SET customers = customers + 1;
END;

CREATE TRIGGER tag_counts_link_update AFTER UPDATE OF causal_length, customer_id, tag_id ON customer_tags
BEGIN
    UPDATE tag_customer_counts SET customers = customers - 1
    WHERE tag_id = OLD.tag_id AND OLD.causal_length % 2 = 1
      AND EXISTS (SELECT 1 FROM customers WHERE id = OLD.customer_id AND status != 'deleted');
    INSERT INTO tag_customer_counts (tag_id, customers)
    SELECT NEW.tag_id, 1
    WHERE NEW.causal_length % 2 = 1
      AND EXISTS (SELECT 1 FROM customers WHERE id = NEW.customer_id AND status != 'deleted')
    ON CONFLICT (tag_id) DO UPDATE SET customers = customers + 1;
END;

CREATE TRIGGER tag_counts_link_delete AFTER DELETE ON customer_tags
WHEN OLD.causal_length % 2 = 1
BEGIN
    UPDATE tag_customer_counts SET customers = customers - 1
    WHERE tag_id = OLD.tag_id
      AND EXISTS (SELECT 1 FROM customers WHERE id = OLD.customer_id AND status != 'deleted');
END;

-- Search (search.rs): the vocabulary of each FTS table (no storage of its
-- own): a 1- or 2-character term is one trigram, so its exact count is the
-- trigram's document count, read without visiting its matches.
CREATE VIRTUAL TABLE customer_search_vocab USING fts5vocab(customer_search, row);
CREATE VIRTUAL TABLE customer_search_deleted_vocab USING fts5vocab(customer_search_deleted, row);

-- Search: how many customers were updated before they were created (clocks
-- set back). While none is, a customer created on or after a day was also
-- last updated on or after it, so the debt order's walk (by updated_at) for
-- a created-from filter stops at that day instead of the index's end.
CREATE TABLE customer_time_anomalies (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    updated_before_created INTEGER NOT NULL
);
INSERT INTO customer_time_anomalies (singleton, updated_before_created)
SELECT 1, count(*) FROM customers WHERE updated_at < created_at;

CREATE TRIGGER customer_time_anomalies_insert AFTER INSERT ON customers
WHEN NEW.updated_at < NEW.created_at
BEGIN
    UPDATE customer_time_anomalies SET updated_before_created = updated_before_created + 1;
END;

CREATE TRIGGER customer_time_anomalies_update AFTER UPDATE OF updated_at, created_at ON customers
WHEN (OLD.updated_at < OLD.created_at) != (NEW.updated_at < NEW.created_at)
BEGIN
    UPDATE customer_time_anomalies SET updated_before_created = updated_before_created
        + (NEW.updated_at < NEW.created_at) - (OLD.updated_at < OLD.created_at);
END;

CREATE TRIGGER customer_time_anomalies_delete AFTER DELETE ON customers
WHEN OLD.updated_at < OLD.created_at
BEGIN
    UPDATE customer_time_anomalies SET updated_before_created = updated_before_created - 1;
END;
