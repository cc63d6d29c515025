-- Pelanggan schema, version 3: search, list filters and statistics.
--
-- Everything here is a local cache of the customers table, kept in step by
-- triggers, so no Rust write path (add, edit, delete, restore, ledger, billing,
-- import, sync) can forget it, and nothing here is ever synced.
--
-- * customer_search / customer_search_deleted: FTS5 trigram indexes of live and
--   of soft-deleted customers (rowid = customers.id). Keeping deleted customers
--   apart makes the common count ("matches among live customers") one FTS
--   lookup with no join. Contentless: the text lives in customers only.
--   Columns, as indexed (see search.rs, which builds queries the same way):
--     name    = x x Budi x x Santoso  (x = char(1): two marks before each word,
--               so a 1- or 2-character term is the trigram "x x b" / "x b u":
--               a word-prefix match; 3+ characters match anywhere)
--     email   = x x budi@example.co.id
--     numbers = x x 6281234567890 x x 081234567890  (E.164 digits, and for
--               Indonesian numbers the local form a person types)
-- * customer_stats: one row of counters for the statistics cards.
-- * Indexes that match the list's sort orders and filters.

CREATE VIRTUAL TABLE customer_search USING fts5(
    name, email, numbers,
    content = '', contentless_delete = 1,
    tokenize = 'trigram remove_diacritics 1'
);
CREATE VIRTUAL TABLE customer_search_deleted USING fts5(
    name, email, numbers,
    content = '', contentless_delete = 1,
    tokenize = 'trigram remove_diacritics 1'
);

INSERT INTO customer_search (rowid, name, email, numbers)
SELECT id,
       char(1, 1) || replace(name, ' ', ' ' || char(1, 1)),
       char(1, 1) || email,
       char(1, 1) || substr(whatsapp, 2)
           || CASE WHEN whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(whatsapp, 4) ELSE '' END
FROM customers WHERE status != 'deleted';
INSERT INTO customer_search_deleted (rowid, name, email, numbers)
SELECT id,
       char(1, 1) || replace(name, ' ', ' ' || char(1, 1)),
       char(1, 1) || email,
       char(1, 1) || substr(whatsapp, 2)
           || CASE WHEN whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(whatsapp, 4) ELSE '' END
FROM customers WHERE status = 'deleted';

-- Bulk writers (the generator, an import) may defer indexing inside their own
-- transaction: FTS5 flushes its pending terms at every statement savepoint, so
-- indexing a million rows one trigger at a time writes a million tiny segments.
-- While `defer` is 1 the triggers only note the row in customer_search_dirty;
-- search::index_deferred indexes the noted rows in one statement and sets
-- `defer` back to 0 before that transaction commits, so no other connection
-- ever sees a deferred state.
CREATE TABLE customer_search_control (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    defer INTEGER NOT NULL CHECK (defer IN (0, 1))
);
INSERT INTO customer_search_control (singleton, defer) VALUES (1, 0);
CREATE TABLE customer_search_dirty (
    id INTEGER PRIMARY KEY,
    -- 1: inserted while deferred (not in the index yet); 0: changed.
    fresh INTEGER NOT NULL
);

CREATE TRIGGER customer_search_insert_deferred AFTER INSERT ON customers
WHEN (SELECT defer FROM customer_search_control) = 1
BEGIN
    INSERT INTO customer_search_dirty (id, fresh) VALUES (NEW.id, 1) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER customer_search_update_deferred AFTER UPDATE OF name, email, whatsapp, status ON customers
WHEN (SELECT defer FROM customer_search_control) = 1
BEGIN
    INSERT INTO customer_search_dirty (id, fresh) VALUES (NEW.id, 0) ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER customer_search_insert AFTER INSERT ON customers
WHEN (SELECT defer FROM customer_search_control) = 0
BEGIN
    INSERT INTO customer_search (rowid, name, email, numbers)
    SELECT NEW.id,
           char(1, 1) || replace(NEW.name, ' ', ' ' || char(1, 1)),
           char(1, 1) || NEW.email,
           char(1, 1) || substr(NEW.whatsapp, 2)
               || CASE WHEN NEW.whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(NEW.whatsapp, 4) ELSE '' END
    WHERE NEW.status != 'deleted';
    INSERT INTO customer_search_deleted (rowid, name, email, numbers)
    SELECT NEW.id,
           char(1, 1) || replace(NEW.name, ' ', ' ' || char(1, 1)),
           char(1, 1) || NEW.email,
           char(1, 1) || substr(NEW.whatsapp, 2)
               || CASE WHEN NEW.whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(NEW.whatsapp, 4) ELSE '' END
    WHERE NEW.status = 'deleted';
END;

-- Only the searched fields and the live/deleted boundary matter: a balance or
-- updated_at change (most writes) does not touch the index.
CREATE TRIGGER customer_search_update AFTER UPDATE OF name, email, whatsapp, status ON customers
WHEN (SELECT defer FROM customer_search_control) = 0
  AND (OLD.name IS NOT NEW.name OR OLD.email IS NOT NEW.email OR OLD.whatsapp IS NOT NEW.whatsapp
       OR (OLD.status = 'deleted') != (NEW.status = 'deleted'))
BEGIN
    DELETE FROM customer_search WHERE rowid = OLD.id;
    DELETE FROM customer_search_deleted WHERE rowid = OLD.id;
    INSERT INTO customer_search (rowid, name, email, numbers)
    SELECT NEW.id,
           char(1, 1) || replace(NEW.name, ' ', ' ' || char(1, 1)),
           char(1, 1) || NEW.email,
           char(1, 1) || substr(NEW.whatsapp, 2)
               || CASE WHEN NEW.whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(NEW.whatsapp, 4) ELSE '' END
    WHERE NEW.status != 'deleted';
    INSERT INTO customer_search_deleted (rowid, name, email, numbers)
    SELECT NEW.id,
           char(1, 1) || replace(NEW.name, ' ', ' ' || char(1, 1)),
           char(1, 1) || NEW.email,
           char(1, 1) || substr(NEW.whatsapp, 2)
               || CASE WHEN NEW.whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(NEW.whatsapp, 4) ELSE '' END
    WHERE NEW.status = 'deleted';
END;

CREATE TRIGGER customer_search_delete AFTER DELETE ON customers
BEGIN
    DELETE FROM customer_search WHERE rowid = OLD.id;
    DELETE FROM customer_search_deleted WHERE rowid = OLD.id;
    DELETE FROM customer_search_dirty WHERE id = OLD.id;
END;

-- The statistics cards. Counts and sums are over customers that are not
-- deleted (a soft-deleted customer is out of the shop's view), except the
-- `deleted` count itself. Money in minor units; total_debt is positive.
CREATE TABLE customer_stats (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    customers INTEGER NOT NULL,
    active INTEGER NOT NULL,
    inactive INTEGER NOT NULL,
    blacklisted INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    with_debt INTEGER NOT NULL,
    with_credit INTEGER NOT NULL,
    total_debt INTEGER NOT NULL,
    total_credit INTEGER NOT NULL,
    total_spent INTEGER NOT NULL
);

INSERT INTO customer_stats
SELECT 1,
       coalesce(sum(status != 'deleted'), 0),
       coalesce(sum(status = 'active'), 0),
       coalesce(sum(status = 'inactive'), 0),
       coalesce(sum(status = 'blacklisted'), 0),
       coalesce(sum(status = 'deleted'), 0),
       coalesce(sum(status != 'deleted' AND balance < 0), 0),
       coalesce(sum(status != 'deleted' AND balance > 0), 0),
       coalesce(sum(CASE WHEN status != 'deleted' AND balance < 0 THEN -balance ELSE 0 END), 0),
       coalesce(sum(CASE WHEN status != 'deleted' AND balance > 0 THEN balance ELSE 0 END), 0),
       coalesce(sum(CASE WHEN status != 'deleted' THEN total_spent ELSE 0 END), 0)
FROM customers;

CREATE TRIGGER customer_stats_insert AFTER INSERT ON customers
BEGIN
    UPDATE customer_stats SET
        customers = customers + (NEW.status != 'deleted'),
        active = active + (NEW.status = 'active'),
        inactive = inactive + (NEW.status = 'inactive'),
        blacklisted = blacklisted + (NEW.status = 'blacklisted'),
        deleted = deleted + (NEW.status = 'deleted'),
        with_debt = with_debt + (NEW.status != 'deleted' AND NEW.balance < 0),
        with_credit = with_credit + (NEW.status != 'deleted' AND NEW.balance > 0),
        total_debt = total_debt + CASE WHEN NEW.status != 'deleted' AND NEW.balance < 0 THEN -NEW.balance ELSE 0 END,
        total_credit = total_credit + CASE WHEN NEW.status != 'deleted' AND NEW.balance > 0 THEN NEW.balance ELSE 0 END,
        total_spent = total_spent + CASE WHEN NEW.status != 'deleted' THEN NEW.total_spent ELSE 0 END;
END;

CREATE TRIGGER customer_stats_update AFTER UPDATE OF status, balance, total_spent ON customers
WHEN OLD.status IS NOT NEW.status OR OLD.balance IS NOT NEW.balance OR OLD.total_spent IS NOT NEW.total_spent
BEGIN
    UPDATE customer_stats SET
        customers = customers + (NEW.status != 'deleted') - (OLD.status != 'deleted'),
        active = active + (NEW.status = 'active') - (OLD.status = 'active'),
        inactive = inactive + (NEW.status = 'inactive') - (OLD.status = 'inactive'),
        blacklisted = blacklisted + (NEW.status = 'blacklisted') - (OLD.status = 'blacklisted'),
        deleted = deleted + (NEW.status = 'deleted') - (OLD.status = 'deleted'),
        with_debt = with_debt + (NEW.status != 'deleted' AND NEW.balance < 0)
                              - (OLD.status != 'deleted' AND OLD.balance < 0),
        with_credit = with_credit + (NEW.status != 'deleted' AND NEW.balance > 0)
                                  - (OLD.status != 'deleted' AND OLD.balance > 0),
        total_debt = total_debt
            + CASE WHEN NEW.status != 'deleted' AND NEW.balance < 0 THEN -NEW.balance ELSE 0 END
            - CASE WHEN OLD.status != 'deleted' AND OLD.balance < 0 THEN -OLD.balance ELSE 0 END,
        total_credit = total_credit
            + CASE WHEN NEW.status != 'deleted' AND NEW.balance > 0 THEN NEW.balance ELSE 0 END
            - CASE WHEN OLD.status != 'deleted' AND OLD.balance > 0 THEN OLD.balance ELSE 0 END,
        total_spent = total_spent
            + CASE WHEN NEW.status != 'deleted' THEN NEW.total_spent ELSE 0 END
            - CASE WHEN OLD.status != 'deleted' THEN OLD.total_spent ELSE 0 END;
END;

CREATE TRIGGER customer_stats_delete AFTER DELETE ON customers
BEGIN
    UPDATE customer_stats SET
        customers = customers - (OLD.status != 'deleted'),
        active = active - (OLD.status = 'active'),
        inactive = inactive - (OLD.status = 'inactive'),
        blacklisted = blacklisted - (OLD.status = 'blacklisted'),
        deleted = deleted - (OLD.status = 'deleted'),
        with_debt = with_debt - (OLD.status != 'deleted' AND OLD.balance < 0),
        with_credit = with_credit - (OLD.status != 'deleted' AND OLD.balance > 0),
        total_debt = total_debt - CASE WHEN OLD.status != 'deleted' AND OLD.balance < 0 THEN -OLD.balance ELSE 0 END,
        total_credit = total_credit - CASE WHEN OLD.status != 'deleted' AND OLD.balance > 0 THEN OLD.balance ELSE 0 END,
        total_spent = total_spent - CASE WHEN OLD.status != 'deleted' THEN OLD.total_spent ELSE 0 END;
END;

-- The list's sort orders (each walked in either direction; keyset paging
-- seeks into them) and its range filters.
CREATE INDEX customers_debt_recent ON customers ((balance < 0), updated_at, id);
CREATE INDEX customers_name ON customers (name COLLATE NOCASE, id);
CREATE INDEX customers_balance ON customers (balance, id);
CREATE INDEX customers_total_spent ON customers (total_spent, id);
CREATE INDEX customers_created ON customers (created_at, id);
-- "Has an active subscription", and the analytics that ask the same.
CREATE INDEX subscriptions_active_customer ON subscriptions (customer_id) WHERE status = 'active';
