-- Pelanggan schema, version 1: customers, their ledger, contacts, tags,
-- activity, admins, and the sync bookkeeping (device, HLC, change log).
--
-- Conventions:
-- * `id INTEGER PRIMARY KEY` is a local row id for joins; it never leaves this file.
--   `uuid` (UUIDv7, or UUIDv5 where two devices must agree) is the identity sync uses.
-- * Money is INTEGER minor units (1/100 of the currency unit).
-- * Timestamps are TEXT, RFC 3339 UTC with milliseconds ('2026-11-25T15:06:03.123Z'),
--   so they sort as text.
-- * `causal_length`: odd = alive, even = deleted; +1 on each delete or restore.

CREATE TABLE device (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    device_id TEXT NOT NULL,
    -- Hybrid logical clock: wall-clock ms << 16 | counter. Saved with each write.
    hlc INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO settings (key, value) VALUES
    ('default_region', 'ID'),
    ('default_admin', 'admin'),
    ('currency', 'IDR');

CREATE TABLE admin_users (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 50),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at TEXT NOT NULL
);

CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- E.164. Deliberately not UNIQUE: the core enforces uniqueness on every local
    -- write, while a duplicate made offline on another desk may arrive through sync.
    whatsapp TEXT NOT NULL CHECK (whatsapp GLOB '+[0-9]*'),
    email TEXT CHECK (email IS NULL OR length(email) <= 100),
    phone TEXT CHECK (phone IS NULL OR phone GLOB '+[0-9]*'),
    address TEXT CHECK (address IS NULL OR length(address) <= 500),
    notes TEXT CHECK (notes IS NULL OR length(notes) <= 2000),
    -- Caches: balance = sum of signed ledger entries; never synced, recomputed.
    balance INTEGER NOT NULL DEFAULT 0,
    total_spent INTEGER NOT NULL DEFAULT 0,
    subscription_count INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'inactive', 'blacklisted', 'deleted')),
    -- The status to return to when a soft-deleted customer is restored.
    status_before_delete TEXT
        CHECK (status_before_delete IS NULL OR status_before_delete IN ('active', 'inactive', 'blacklisted')),
    causal_length INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    CHECK ((status = 'deleted') = (causal_length % 2 = 0))
);
CREATE INDEX customers_whatsapp ON customers (whatsapp);
CREATE INDEX customers_status_updated ON customers (status, updated_at);

-- The balance ledger. Append-only: the triggers below refuse UPDATE and DELETE.
CREATE TABLE customer_balance_history (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    type TEXT NOT NULL CHECK (type IN ('credit', 'debit', 'carry_over')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    previous_balance INTEGER NOT NULL,
    new_balance INTEGER NOT NULL,
    description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    reference_type TEXT CHECK (reference_type IS NULL OR length(reference_type) <= 50),
    reference_id TEXT CHECK (reference_id IS NULL OR length(reference_id) <= 100),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    CHECK (new_balance = previous_balance + CASE type WHEN 'debit' THEN -amount ELSE amount END)
);
CREATE INDEX balance_history_customer ON customer_balance_history (customer_id, id);

CREATE TRIGGER balance_history_no_update BEFORE UPDATE ON customer_balance_history
BEGIN
    SELECT RAISE(ABORT, 'customer_balance_history is append-only');
END;
CREATE TRIGGER balance_history_no_delete BEFORE DELETE ON customer_balance_history
BEGIN
    SELECT RAISE(ABORT, 'customer_balance_history is append-only');
END;

CREATE TABLE customer_contacts (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    type TEXT NOT NULL CHECK (type IN ('whatsapp', 'email', 'phone')),
    value TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 100),
    is_primary INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    notes TEXT CHECK (notes IS NULL OR length(notes) <= 200),
    causal_length INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX customer_contacts_customer ON customer_contacts (customer_id);

-- A tag has one name and one colour across the shop. Its uuid is derived from
-- the lower-cased name, so two desks creating 'VIP' agree on one tag.
CREATE TABLE tags (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 50),
    color TEXT NOT NULL CHECK (length(color) = 7 AND color GLOB '#[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
    created_at TEXT NOT NULL
);

-- uuid = UUIDv5(customer uuid, tag uuid): the same link made on two desks is one row.
CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    tag_id INTEGER NOT NULL REFERENCES tags (id),
    uuid TEXT NOT NULL UNIQUE,
    causal_length INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX customer_tags_tag ON customer_tags (tag_id, customer_id);

CREATE TABLE customer_activity_log (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    action TEXT NOT NULL CHECK (length(action) BETWEEN 1 AND 50),
    details TEXT NOT NULL CHECK (json_valid(details)),
    admin TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX activity_customer ON customer_activity_log (customer_id, id);

-- What sync will send: one row per inserted row, changed field, delete or restore.
CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY,
    change_id TEXT NOT NULL UNIQUE,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'restore')),
    field TEXT,
    value TEXT CHECK (value IS NULL OR json_valid(value)),
    hlc INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX change_log_entity ON change_log (entity, entity_id);
