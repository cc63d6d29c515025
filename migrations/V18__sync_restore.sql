-- Pelanggan schema, version 18: a desk restored from an old backup is
-- detected and recovers (crates/core/src/sync/restore.rs).
--
-- `epoch`: a random value written after pairing and after each good sync
-- round, here and in the file `<db>.sync-epoch` beside the database; the
-- one before it is kept too (`epoch_prev`), so a crash between the two
-- writes is not taken for a restore. A database whose epoch is neither of
-- the sidecar's was put back from a copy.
ALTER TABLE sync_state ADD COLUMN epoch TEXT;
ALTER TABLE sync_state ADD COLUMN epoch_prev TEXT;
-- The newest hlc of this desk's changes the server acknowledged: a server
-- that holds a newer one from this device, which this file does not hold,
-- was pushed to by a later copy of this file.
ALTER TABLE sync_state ADD COLUMN pushed_hlc INTEGER;
-- A restore found: when, the device id this file had (never used again for
-- a new change), and whether the server still has to be told
-- (`POST /v1/device/rotate`), which re-pushes and pulls everything again.
ALTER TABLE sync_state ADD COLUMN restored_at TEXT;
ALTER TABLE sync_state ADD COLUMN restored_from TEXT;
ALTER TABLE sync_state ADD COLUMN rotation_pending INTEGER NOT NULL DEFAULT 0
    CHECK (rotation_pending IN (0, 1));
ALTER TABLE sync_state ADD COLUMN recovered_at TEXT;

UPDATE sync_state SET pushed_hlc = (
    SELECT max(c.hlc) FROM change_log c
    JOIN devices d ON d.id = c.device
    JOIN device me ON me.device_id = d.device_id
    WHERE c.seq <= sync_state.pushed_seq
);

-- The device ids this file had before a restore gave it a new one: their
-- changes made here (change_log.seq up to `until_seq`) are still this
-- desk's to push (the server accepts them from the device that replaced
-- them); later rows under those ids were pulled from the server.
CREATE TABLE sync_retired_devices (
    device_id TEXT PRIMARY KEY,
    until_seq INTEGER NOT NULL,
    retired_at TEXT NOT NULL
);
