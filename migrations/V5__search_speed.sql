-- Pelanggan schema, version 5: indexes that keep list counts and filtered
-- pages fast at a million customers (see search.rs). Nothing here changes
-- what is stored; every index is a local cache.
--
-- * customers_status_balance / customers_status_created: count a balance or a
--   creation-date filter among the live statuses from the index alone (the
--   live scope is written `status IN ('active', 'inactive', 'blacklisted')`).
-- * customer_tags_live / customer_tags_live_customer: the live links only
--   (causal_length odd), by tag and by customer: a tag filter is counted and
--   checked per customer without reading the link rows. The columns of a
--   partial index's own condition are in it too, so SQLite reads it alone.

CREATE INDEX customers_status_balance ON customers (status, balance);
CREATE INDEX customers_status_created ON customers (status, created_at);
CREATE INDEX customer_tags_live ON customer_tags (tag_id, customer_id, causal_length) WHERE causal_length % 2 = 1;
CREATE INDEX customer_tags_live_customer ON customer_tags (customer_id, tag_id, causal_length) WHERE causal_length % 2 = 1;

-- Analytics (analytics.rs): revenue, and what invoices still owe, by day,
-- summed from the index alone (only invoices still owing are in the second).
CREATE INDEX payments_success_received ON payments (received_at, amount, customer_id) WHERE status = 'success';
CREATE INDEX invoices_unpaid_issued ON invoices (issued_at, total, amount_allocated, voided_at)
    WHERE voided_at IS NULL AND amount_allocated < total;
