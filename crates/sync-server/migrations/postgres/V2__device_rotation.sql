-- A desk restored from an old backup takes a new device id
-- (`POST /v1/device/rotate`): the old device row names the one that
-- replaced it, and its token stops working. The new device may push changes
-- of the devices it replaced.
ALTER TABLE devices ADD COLUMN replaced_by UUID;
-- When the device's token was first used: a rotation retried with the old
-- token (its answer lost) may hand out a fresh token only before that.
ALTER TABLE devices ADD COLUMN first_seen_at BIGINT;
UPDATE devices SET first_seen_at = last_seen_at WHERE last_seen_at > paired_at;
CREATE INDEX devices_replaced_by ON devices (shop, replaced_by);
