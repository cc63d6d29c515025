-- Pelanggan schema, version 12: admins sign in to the desktop app.
--
-- `role`: an owner may do everything; staff may not restore backups, change
-- settings, run privacy actions or manage admins (admins::authorize). Admins
-- made before this version were the shop's only kind of admin: owners.
-- `password_hash`: an argon2id PHC string (`$argon2id$v=19$...`, its own salt
-- inside). NULL for admins made before, or made without a password (the
-- CLI's `admin add` without --password-stdin): they cannot sign in to the
-- app until `admin passwd` gives them one. Never synced, never in the change
-- log: a password is for this file only.

ALTER TABLE admin_users ADD COLUMN role TEXT NOT NULL DEFAULT 'owner'
    CHECK (role IN ('owner', 'staff'));
ALTER TABLE admin_users ADD COLUMN password_hash TEXT
    CHECK (password_hash IS NULL OR password_hash GLOB '$argon2id$*');
