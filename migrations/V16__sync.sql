-- Pelanggan schema, version 16: this device's side of sync (crates/core/src/sync).
--
-- Local to this file, never synced: where the server is, this device's
-- token on it, how far it pushed (`change_log.seq` acknowledged) and pulled
-- (the server's cursor), and the remote changes this version of the program
-- keeps but does not apply yet (an entity it does not merge: billing rows,
-- messages, settings), so that nothing another device sent is lost and a
-- later version can apply them.

CREATE TABLE sync_state (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    server_url TEXT NOT NULL CHECK (length(server_url) BETWEEN 1 AND 2000),
    shop TEXT NOT NULL,
    -- A PEM certificate file the server's TLS certificate is checked against
    -- (a shop's own self-signed server), or NULL for the system's roots.
    ca_file TEXT,
    -- Secret: never printed, logged, exported or synced.
    token TEXT NOT NULL,
    -- The server's sequence pulled up to (everything at or below is applied).
    cursor INTEGER NOT NULL DEFAULT 0,
    -- The last change_log.seq of this device the server acknowledged.
    pushed_seq INTEGER NOT NULL DEFAULT 0,
    paired_at TEXT NOT NULL,
    last_sync_at TEXT,
    -- Why the last sync did not finish (the server unreachable, a refusal):
    -- the error's code and its sentence.
    last_error_code TEXT,
    last_error TEXT,
    last_error_at TEXT
);

CREATE TABLE sync_inbox (
    id INTEGER PRIMARY KEY,
    device TEXT NOT NULL,
    hlc INTEGER NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op TEXT NOT NULL,
    field TEXT,
    value TEXT,
    schema INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (device, hlc)
);

-- A change already held (applied or kept) is found by its identity.
CREATE INDEX change_log_identity ON change_log (device, hlc);
