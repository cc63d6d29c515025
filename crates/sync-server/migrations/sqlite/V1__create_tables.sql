-- The sync server's tables (SQLite). Times are Unix milliseconds; device ids
-- are hyphenated lower-case UUID text; hashes are SHA-256 bytes.
CREATE TABLE shops (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    -- The seq the next stored change gets: seqs are gapless from 1.
    next_seq INTEGER NOT NULL DEFAULT 1,
    -- Compaction removed changes at or below this seq.
    horizon INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE devices (
    shop INTEGER NOT NULL REFERENCES shops (id),
    device_id TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    paired_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    revoked_at INTEGER,
    -- Kept here, not computed from changes: compaction may remove the newest
    -- change of a device, and the device must not push it again.
    last_pushed_hlc INTEGER,
    PRIMARY KEY (shop, device_id)
) STRICT;

CREATE TABLE invites (
    code_hash BLOB PRIMARY KEY,
    shop INTEGER NOT NULL REFERENCES shops (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    used_by TEXT
) STRICT;

CREATE TABLE changes (
    shop INTEGER NOT NULL REFERENCES shops (id),
    seq INTEGER NOT NULL,
    device TEXT NOT NULL,
    hlc INTEGER NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL,
    field TEXT,
    value TEXT,
    schema INTEGER NOT NULL,
    PRIMARY KEY (shop, seq),
    UNIQUE (shop, device, hlc)
) STRICT;

CREATE TABLE batches (
    shop INTEGER NOT NULL REFERENCES shops (id),
    device TEXT NOT NULL,
    batch_id TEXT NOT NULL,
    -- The PushResponse JSON given the first time.
    response TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (shop, device, batch_id)
) STRICT;
