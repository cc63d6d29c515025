-- Pelanggan schema, version 13: WhatsApp notifications (crates/core/src/notify).
--
-- Every message is first a row of `messages`, written in the same
-- transaction as what caused it; a worker sends it later through the active
-- gateway and records each try in `message_attempts`. Conventions as in V1
-- (local integer ids, UUIDv7 `uuid` for sync, RFC 3339 UTC timestamps).
--
-- Secrets: `notify_gateways.token` is for this file only: never in the change
-- log, never exported, never shown again in full.

-- A customer who asked not to receive messages: bulk sends and reminders skip them.
ALTER TABLE customers ADD COLUMN notify_opt_out INTEGER NOT NULL DEFAULT 0
    CHECK (notify_opt_out IN (0, 1));

-- One row per kind of gateway; at most one is active (the one the worker sends through).
CREATE TABLE notify_gateways (
    kind TEXT PRIMARY KEY CHECK (kind IN ('fonnte', 'cloud-api', 'webhook')),
    -- The settings of the kind as JSON (URL, version, headers, body, pace...), without the token.
    config TEXT NOT NULL,
    token TEXT,
    active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    -- Set when a reply means the gateway cannot send (a disconnected device,
    -- no quota, a bad token, a restricted account): nothing is sent until the
    -- admin sets the gateway again.
    paused_reason TEXT,
    paused_at TEXT,
    -- The pace: the next message may go no earlier than this.
    next_send_at TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE UNIQUE INDEX notify_gateways_one_active ON notify_gateways (active) WHERE active = 1;

-- The shop's own texts; unset ones are the built-in defaults (notify/templates.rs).
CREATE TABLE notify_templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    language TEXT NOT NULL CHECK (language IN ('id', 'en')),
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4096),
    -- For the WhatsApp Cloud API: the approved template's name and language,
    -- and the placeholders its body parameters are, in order (JSON array).
    cloud_name TEXT,
    cloud_language TEXT,
    cloud_params TEXT,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (name, language)
);

-- Bulk sends: what was asked, so their messages can be counted and cancelled together.
CREATE TABLE notify_batches (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    template TEXT NOT NULL,
    queued INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

-- The outbox. Named `messages`: the table privacy (export, erase) has always
-- expected for a customer's messages.
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    -- E.164, as the customer's number was when the message was made.
    recipient TEXT NOT NULL CHECK (recipient GLOB '+[0-9]*'),
    kind TEXT NOT NULL CHECK (kind IN ('welcome', 'invoice_issued', 'reminder_before_due',
        'overdue', 'payment_received', 'debt_reminder', 'free_text', 'test')),
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
CREATE INDEX messages_due ON messages (status, next_attempt_at, id);
CREATE INDEX messages_customer ON messages (customer_id, id);
CREATE INDEX messages_batch ON messages (batch_id) WHERE batch_id IS NOT NULL;

-- Each try: started when the worker claims the message (outcome NULL while in
-- flight), finished when the reply is recorded.
CREATE TABLE message_attempts (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    gateway TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('sent', 'failed', 'retry', 'paused',
        'throttled', 'unknown', 'needs_template')),
    detail TEXT,
    -- The gateway's reply (status and body, cut to 2,000 characters): what it really said.
    reply TEXT
);
CREATE INDEX message_attempts_message ON message_attempts (message_id, id);

-- Automatic reminders, off until the shop turns them on.
CREATE TABLE notify_reminder_rules (
    rule TEXT PRIMARY KEY CHECK (rule IN ('before_due', 'on_due', 'overdue', 'debt')),
    enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    days INTEGER NOT NULL CHECK (days BETWEEN 0 AND 365),
    -- Then every this many days while unpaid (overdue, debt); NULL: once.
    every_days INTEGER CHECK (every_days IS NULL OR every_days BETWEEN 1 AND 365),
    updated_at TEXT NOT NULL
);
INSERT INTO notify_reminder_rules (rule, enabled, days, every_days, updated_at) VALUES
    ('before_due', 0, 3, NULL, '1970-01-01T00:00:00.000Z'),
    ('on_due', 0, 0, NULL, '1970-01-01T00:00:00.000Z'),
    ('overdue', 0, 3, 7, '1970-01-01T00:00:00.000Z'),
    ('debt', 0, 0, 30, '1970-01-01T00:00:00.000Z');
