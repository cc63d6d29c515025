-- Messages travel between synced desks (merged by uuid): `origin` is the
-- device id of the desk that queued a message that arrived by sync, NULL
-- for one queued in this file. With no `notify_sender` set, a desk sends
-- only its own (NULL); the sender desk sends them all.
ALTER TABLE messages ADD COLUMN origin TEXT;
