-- Pelanggan schema, version 15: the isolir notices (WhatsApp "layanan Anda
-- diisolir", "layanan aktif kembali"), two more kinds of message.
--
-- SQLite cannot change a CHECK in place, so `messages` is rebuilt, and
-- `message_attempts` with it: its rows point at messages and cascade on
-- delete, and migrations run in a transaction with foreign keys on (they
-- cannot be turned off there). Both are copied into new tables, the old
-- ones dropped child first, the new ones renamed (the rename carries the
-- foreign key's target along). Ids, uuids and every column are kept.

CREATE TABLE messages_v15 (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    -- E.164, as the customer's number was when the message was made.
    recipient TEXT NOT NULL CHECK (recipient GLOB '+[0-9]*'),
    kind TEXT NOT NULL CHECK (kind IN ('welcome', 'invoice_issued', 'reminder_before_due',
        'overdue', 'payment_received', 'debt_reminder', 'free_text', 'test',
        'isolir_suspended', 'isolir_resumed')),
    template TEXT,
    body TEXT NOT NULL,
    -- The Cloud API's approved template with its parameters (JSON), when mapped.
    cloud_template TEXT,
    -- Made by the cause: `invoice_issued:<invoice>`, `reminder:<rule>:<invoice>:<period>`,
    -- `bulk:<batch>:<customer>`... The same cause never queues twice.
    dedupe_key TEXT NOT NULL UNIQUE,
    batch_id INTEGER REFERENCES notify_batches (id),
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN
        ('queued', 'sending', 'sent', 'failed', 'paused', 'cancelled', 'unknown')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    gateway TEXT,
    -- The gateway's id of the sent message (Fonnte's id, the Cloud API's wamid).
    gateway_message_id TEXT,
    -- Why it failed, is paused or unknown, in the gateway's words.
    last_error TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT
);
INSERT INTO messages_v15 SELECT * FROM messages;

-- Each try: started when the worker claims the message (outcome NULL while in
-- flight), finished when the reply is recorded.
CREATE TABLE message_attempts_v15 (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    message_id INTEGER NOT NULL REFERENCES messages_v15 (id) ON DELETE CASCADE,
    gateway TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('sent', 'failed', 'retry', 'paused',
        'throttled', 'unknown', 'needs_template')),
    detail TEXT,
    -- The gateway's reply (status and body, cut to 2,000 characters): what it really said.
    reply TEXT
);
INSERT INTO message_attempts_v15 SELECT * FROM message_attempts;

DROP TABLE message_attempts;
DROP TABLE messages;
ALTER TABLE messages_v15 RENAME TO messages;
ALTER TABLE message_attempts_v15 RENAME TO message_attempts;

CREATE INDEX messages_due ON messages (status, next_attempt_at, id);
CREATE INDEX messages_customer ON messages (customer_id, id);
CREATE INDEX messages_batch ON messages (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX message_attempts_message ON message_attempts (message_id, id);
