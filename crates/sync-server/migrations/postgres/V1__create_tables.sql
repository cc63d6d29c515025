-- The sync server's tables (PostgreSQL). Times are Unix milliseconds; hashes
-- are SHA-256 bytes.
CREATE TABLE shops (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    -- The seq the next stored change gets: seqs are gapless from 1.
    next_seq BIGINT NOT NULL DEFAULT 1,
    -- Compaction removed changes at or below this seq.
    horizon BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE devices (
    shop BIGINT NOT NULL REFERENCES shops (id),
    device_id UUID NOT NULL,
    name TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    paired_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    revoked_at BIGINT,
    -- Kept here, not computed from changes: compaction may remove the newest
    -- change of a device, and the device must not push it again.
    last_pushed_hlc BIGINT,
    PRIMARY KEY (shop, device_id)
);

CREATE TABLE invites (
    code_hash BYTEA PRIMARY KEY,
    shop BIGINT NOT NULL REFERENCES shops (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    used_by UUID
);

CREATE TABLE changes (
    shop BIGINT NOT NULL REFERENCES shops (id),
    seq BIGINT NOT NULL,
    device UUID NOT NULL,
    hlc BIGINT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL,
    field TEXT,
    value TEXT,
    schema INTEGER NOT NULL,
    PRIMARY KEY (shop, seq),
    UNIQUE (shop, device, hlc)
);

CREATE TABLE batches (
    shop BIGINT NOT NULL REFERENCES shops (id),
    device UUID NOT NULL,
    batch_id UUID NOT NULL,
    -- The PushResponse JSON given the first time.
    response TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (shop, device, batch_id)
);
