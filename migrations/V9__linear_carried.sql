-- Pelanggan schema, version 9: what an invoice carries, in linear space; and
-- a scratch table for privacy erasures.
--
-- Until now each invoice stored the numbers of every earlier invoice of its
-- subscription still open when it was issued (`carried_from`, a JSON array),
-- and its change-log row and activity entry held the same array: a subscriber
-- who never pays made the file grow with the square of the periods billed
-- (one daily subscriber over four years: 72 MB). An invoice now stores, as
-- it stood at issue, the amount carried (unchanged), how many invoices it
-- came from and the newest of them: a fixed size per invoice. The numbers
-- themselves are read from the invoices when an invoice is shown.
--
-- * invoices.carried_count, invoices.carried_last: facts (synced) like
--   carried_amount; filled from the old arrays, which then go, from the
--   table, from its change-log rows and from the activity entries.
-- * invoices_open: the open invoices of each subscription, which is what an
--   invoice's live `amount_due` (and the carried part of it) adds up and what
--   issuing reads; a paid invoice leaves it, so the read costs what is open.

ALTER TABLE invoices ADD COLUMN carried_count INTEGER NOT NULL DEFAULT 0 CHECK (carried_count >= 0);
ALTER TABLE invoices ADD COLUMN carried_last TEXT;

UPDATE invoices
SET carried_count = json_array_length(carried_from),
    carried_last = carried_from ->> '$[#-1]'
WHERE carried_from != '[]';

ALTER TABLE invoices DROP COLUMN carried_from;

UPDATE change_log
SET value = json_set(json_remove(value, '$.carried_from'),
                     '$.carried_count', json_array_length(value, '$.carried_from'),
                     '$.carried_last', value ->> '$.carried_from[#-1]')
WHERE entity = 'invoice' AND field IS NULL AND value IS NOT NULL
  AND json_type(value, '$.carried_from') = 'array';

UPDATE customer_activity_log
SET details = json_set(json_remove(details, '$.invoice.carried_from'),
                       '$.invoice.carried_count', json_array_length(details, '$.invoice.carried_from'),
                       '$.invoice.carried_last', details ->> '$.invoice.carried_from[#-1]')
WHERE action = 'invoice_issued' AND json_type(details, '$.invoice.carried_from') = 'array';

CREATE INDEX invoices_open ON invoices (subscription_id, id) WHERE status IN ('unpaid', 'partial');

-- Privacy (privacy.rs): an erase overwrites the file's free pages with zeros
-- by filling them with one zero-filled row here and deleting it again, in the
-- erase's own transaction. Always empty between writes; not synced.
CREATE TABLE privacy_wipe (zeros BLOB NOT NULL);

-- Since V9 every connection zeroes deleted content inside pages
-- (secure_delete). A file that already held data may still have stale copies
-- of rows in the free parts of pages in use: the first privacy erase rewrites
-- it once (VACUUM) and clears the mark. A new file starts clean.
CREATE TABLE privacy_file (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    rewrite_needed INTEGER NOT NULL CHECK (rewrite_needed IN (0, 1))
);
INSERT INTO privacy_file (singleton, rewrite_needed)
SELECT 1, EXISTS (SELECT 1 FROM customers) OR EXISTS (SELECT 1 FROM change_log);
