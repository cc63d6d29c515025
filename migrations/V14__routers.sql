-- Pelanggan schema, version 14: routers (MikroTik provisioning, "isolir").
--
-- Routers and the router outbox are this database file's own (not in the
-- change log, never synced): a router's password never leaves the file, and
-- the desk that talks to a router is the one that queued its commands.
-- A subscription's router is a fact (recorded in the change log by name);
-- its service password is a secret (never in the change log or an export).

CREATE TABLE routers (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 64),
    host TEXT NOT NULL CHECK (length(host) BETWEEN 1 AND 253),
    port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    username TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 100),
    -- Secret: never printed, logged, exported or synced.
    password TEXT NOT NULL,
    api TEXT NOT NULL CHECK (api IN ('binary', 'rest')),
    tls INTEGER NOT NULL DEFAULT 0 CHECK (tls IN (0, 1)),
    -- A PEM file of the certificate (or its CA) the router presents over TLS.
    ca_file TEXT,
    -- What the worker last saw: unknown until it first talks to the router.
    status TEXT NOT NULL DEFAULT 'unknown'
        CHECK (status IN ('unknown', 'ok', 'unreachable', 'login_failed')),
    last_error TEXT,
    last_contact_at TEXT,
    version TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

ALTER TABLE subscriptions ADD COLUMN router_id INTEGER REFERENCES routers (id);
-- Secret: the PPPoE or hotspot password the customer's device logs in with.
ALTER TABLE subscriptions ADD COLUMN service_password TEXT;
-- Where the router stands for this subscription: none (no router), queued,
-- applied, failed (the router refused it: see the outbox row's error).
ALTER TABLE subscriptions ADD COLUMN provisioning TEXT NOT NULL DEFAULT 'none'
    CHECK (provisioning IN ('none', 'queued', 'applied', 'failed'));
-- Set while the subscription is suspended by the isolir rule (not by hand):
-- since when, and the invoice it was suspended for.
ALTER TABLE subscriptions ADD COLUMN isolir_since TEXT;
ALTER TABLE subscriptions ADD COLUMN isolir_invoice_id INTEGER REFERENCES invoices (id);
CREATE INDEX subscriptions_router ON subscriptions (router_id) WHERE router_id IS NOT NULL;
CREATE INDEX subscriptions_isolir ON subscriptions (isolir_since) WHERE isolir_since IS NOT NULL;

-- One row per desired state of one router user ("budi on router kantor:
-- profile isolir, no active session"), written in the same transaction as
-- the change that caused it. A newer state for the same user supersedes a
-- queued one that never went out. The user's password is read from the
-- subscription when the row is sent, so the secret lives in one place.
CREATE TABLE router_outbox (
    id INTEGER PRIMARY KEY,
    router_id INTEGER NOT NULL REFERENCES routers (id) ON DELETE CASCADE,
    subscription_id INTEGER REFERENCES subscriptions (id),
    service TEXT NOT NULL CHECK (service IN ('pppoe', 'hotspot')),
    username TEXT NOT NULL,
    present INTEGER NOT NULL CHECK (present IN (0, 1)),
    profile TEXT,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    kick INTEGER NOT NULL DEFAULT 0 CHECK (kick IN (0, 1)),
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'in_flight', 'done', 'failed', 'superseded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    done_at TEXT,
    CHECK (present = 1 OR profile IS NULL)
);
CREATE INDEX router_outbox_due ON router_outbox (router_id, status, id);
CREATE INDEX router_outbox_user ON router_outbox (router_id, service, username, status);
CREATE INDEX router_outbox_subscription ON router_outbox (subscription_id, id);

-- A privacy erase deletes a customer's subscriptions and invoices: the
-- outbox forgets what was sent for them (a username is personal data) and
-- keeps, unlinked, what a router still has to do (remove the user).
CREATE TRIGGER router_outbox_subscription_erased BEFORE DELETE ON subscriptions
BEGIN
    DELETE FROM router_outbox WHERE subscription_id = OLD.id
        AND status NOT IN ('queued', 'in_flight');
    UPDATE router_outbox SET subscription_id = NULL WHERE subscription_id = OLD.id;
END;
CREATE TRIGGER subscriptions_isolir_invoice_erased BEFORE DELETE ON invoices
BEGIN
    UPDATE subscriptions SET isolir_invoice_id = NULL WHERE isolir_invoice_id = OLD.id;
END;
