-- Pelanggan schema, version 6: a leaner change log and tag links, so that a
-- million-row import writes each page about once instead of churning the cache.
--
-- * change_log loses `change_id` and `created_at`: a change is identified
--   everywhere by (device, hlc), since a device's hybrid logical clock never
--   repeats, and the HLC carries the wall-clock time (hlc >> 16 = Unix ms).
--   The device is a small integer into `devices` instead of a 36-character
--   text on every row. The (entity, entity_id) index is gone: it took a random
--   insert for every row (link ids are UUIDv5), and only privacy requests look
--   changes up by entity; they scan.
-- * customer_tags.uuid is no longer UNIQUE: it is UUIDv5(customer, tag), so
--   the primary key (customer_id, tag_id) already makes it unique, and its
--   own index took a random insert per link.

CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL UNIQUE
);
INSERT INTO devices (device_id) SELECT device_id FROM device;
INSERT OR IGNORE INTO devices (device_id) SELECT DISTINCT device_id FROM change_log;

CREATE TABLE change_log_v6 (
    seq INTEGER PRIMARY KEY,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete', 'restore')),
    field TEXT,
    -- JSON written by the core from a serde value (never typed by a user).
    value TEXT,
    hlc INTEGER NOT NULL,
    -- devices.id; no foreign key, so an insert costs no lookup.
    device INTEGER NOT NULL
);
INSERT INTO change_log_v6 (seq, entity, entity_id, op, field, value, hlc, device)
SELECT c.seq, c.entity, c.entity_id, c.op, c.field, c.value, c.hlc, d.id
FROM change_log c JOIN devices d ON d.device_id = c.device_id;
DROP TABLE change_log;
ALTER TABLE change_log_v6 RENAME TO change_log;

CREATE TABLE customer_tags_v6 (
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    tag_id INTEGER NOT NULL REFERENCES tags (id),
    -- UUIDv5(customer uuid, tag uuid): the same link made on two desks is one row.
    uuid TEXT NOT NULL,
    causal_length INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag_id)
) WITHOUT ROWID;
INSERT INTO customer_tags_v6 (customer_id, tag_id, uuid, causal_length, created_at)
SELECT customer_id, tag_id, uuid, causal_length, created_at FROM customer_tags;
DROP TABLE customer_tags;
ALTER TABLE customer_tags_v6 RENAME TO customer_tags;
CREATE INDEX customer_tags_tag ON customer_tags (tag_id, customer_id);
CREATE INDEX customer_tags_live ON customer_tags (tag_id, customer_id, causal_length) WHERE causal_length % 2 = 1;
CREATE INDEX customer_tags_live_customer ON customer_tags (customer_id, tag_id, causal_length) WHERE causal_length % 2 = 1;
