-- Messages travel between synced desks (merged by uuid): `origin` is the
-- device id of the desk that queued a message that arrived by sync, NULL
-- for one queued in this file. With no `notify_sender` set, a desk sends
-- only its own (NULL); the sender desk sends them all.
ALTER TABLE messages ADD COLUMN origin TEXT;

-- The rows a privacy erase took, by uuid only (what is personal is gone):
-- a change for one of them that still arrives by sync, made on a desk that
-- had not heard of the erase, is dropped rather than kept in the inbox.
CREATE TABLE sync_erased (uuid TEXT PRIMARY KEY) WITHOUT ROWID;
