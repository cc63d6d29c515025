-- Pelanggan schema, version 2: billing. Subscriptions, invoices, payments and
-- vouchers, and the invoice number sequence.
--
-- Conventions as in V1 (local integer ids, UUIDv7 `uuid` for sync, money in
-- INTEGER minor units, RFC 3339 UTC timestamps). Dates without a time
-- (billing dates, periods) are 'YYYY-MM-DD' text, which sorts as text.
--
-- What is a fact and what is a cache:
-- * Facts (synced): every column not listed below.
-- * Caches (never synced, recomputed by the core from the ledger and the facts):
--   invoices.amount_allocated and invoices.status (see billing/allocation.rs),
--   customers.subscription_count and customers.total_spent.
-- * Each invoice, payment, refund and void names the ledger entry it posted
--   (`*_entry` = customer_balance_history.uuid): that is how the allocation
--   replay knows which ledger entry is which.

INSERT INTO settings (key, value) VALUES ('invoice_prefix', 'INV');

CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    type TEXT NOT NULL CHECK (type IN ('hotspot', 'pppoe')),
    -- Unique among live (not cancelled) subscriptions: enforced by the core on
    -- every local write, like WhatsApp numbers, so a duplicate made offline on
    -- another desk can still arrive through sync.
    username TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 64),
    profile TEXT NOT NULL CHECK (length(profile) BETWEEN 1 AND 100),
    price INTEGER NOT NULL CHECK (price > 0),
    cycle TEXT NOT NULL DEFAULT 'monthly' CHECK (cycle IN ('monthly', 'weekly', 'daily')),
    start_date TEXT NOT NULL,
    -- Periods are counted from the anchor (the start date, or the date the cycle
    -- last changed), so a monthly subscription started on the 31st bills on the
    -- last day of short months and goes back to the 31st after them.
    anchor_date TEXT NOT NULL,
    periods_billed INTEGER NOT NULL DEFAULT 0 CHECK (periods_billed >= 0),
    next_billing_date TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id, id);
CREATE INDEX subscriptions_username ON subscriptions (username);
CREATE INDEX subscriptions_due ON subscriptions (status, next_billing_date);

-- The last number used, per year of issue: INV-2026-000123.
CREATE TABLE invoice_sequences (
    year INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL CHECK (last_number >= 0)
);

CREATE TABLE vouchers (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(code) BETWEEN 1 AND 64),
    profile TEXT NOT NULL CHECK (length(profile) BETWEEN 1 AND 100),
    price INTEGER NOT NULL CHECK (price > 0),
    status TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available', 'sold')),
    sold_at TEXT,
    sold_by TEXT,
    customer_id INTEGER REFERENCES customers (id),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    CHECK ((status = 'sold') = (sold_at IS NOT NULL))
);
CREATE INDEX vouchers_status ON vouchers (status, id);
CREATE INDEX vouchers_customer ON vouchers (customer_id) WHERE customer_id IS NOT NULL;

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    number TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    -- One of the two: a subscription's period, or a voucher sold to a customer.
    subscription_id INTEGER REFERENCES subscriptions (id),
    voucher_id INTEGER REFERENCES vouchers (id),
    description TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
    period_start TEXT NOT NULL,
    -- Exclusive: the next period's start.
    period_end TEXT NOT NULL,
    charge INTEGER NOT NULL CHECK (charge > 0),
    total INTEGER NOT NULL CHECK (total > 0),
    -- What earlier invoices of the same subscription still owed when this one
    -- was issued, and their numbers (a JSON array): printed as 'carried from'.
    carried_amount INTEGER NOT NULL DEFAULT 0 CHECK (carried_amount >= 0),
    carried_from TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(carried_from)),
    due_date TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    debit_entry TEXT NOT NULL REFERENCES customer_balance_history (uuid),
    voided_at TEXT,
    voided_by TEXT,
    void_entry TEXT REFERENCES customer_balance_history (uuid),
    -- Caches of the allocation replay.
    amount_allocated INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'partial', 'paid', 'void')),
    CHECK ((subscription_id IS NULL) != (voucher_id IS NULL)),
    CHECK ((voided_at IS NULL) = (void_entry IS NULL)),
    CHECK (amount_allocated BETWEEN 0 AND total)
);
CREATE INDEX invoices_customer ON invoices (customer_id, id);
CREATE INDEX invoices_subscription ON invoices (subscription_id, id);
CREATE INDEX invoices_status ON invoices (status, id);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    -- The invoice the payment named (it is allocated there first), if any.
    invoice_id INTEGER REFERENCES invoices (id),
    voucher_id INTEGER REFERENCES vouchers (id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    method TEXT NOT NULL CHECK (method IN ('cash', 'bank_transfer', 'e_wallet', 'other')),
    reference TEXT CHECK (reference IS NULL OR length(reference) <= 200),
    received_at TEXT NOT NULL,
    received_by TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'success' CHECK (status IN ('success', 'refunded')),
    -- The ledger entries the payment posted: a credit for what it paid at once,
    -- and a carry_over for the surplus when there was an invoice to carry it
    -- from (else the whole payment is one credit).
    credit_entry TEXT REFERENCES customer_balance_history (uuid),
    carry_entry TEXT REFERENCES customer_balance_history (uuid),
    refunded_at TEXT,
    refunded_by TEXT,
    refund_entry TEXT REFERENCES customer_balance_history (uuid),
    created_at TEXT NOT NULL,
    CHECK (credit_entry IS NOT NULL OR carry_entry IS NOT NULL),
    CHECK ((status = 'refunded') = (refund_entry IS NOT NULL))
);
CREATE INDEX payments_customer ON payments (customer_id, id);
CREATE INDEX payments_received ON payments (received_at);
