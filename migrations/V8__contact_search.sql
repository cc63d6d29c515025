-- Pelanggan schema, version 8: a customer's extra contacts are found by the
-- list's search, like the customer's own WhatsApp number and email.
--
-- The live extra contacts are indexed with the customer's own fields (V3's
-- FTS tables keep their columns): emails after the customer's email, numbers
-- (E.164 digits, and the local 08... form of Indonesian ones) after the
-- customer's WhatsApp number, each behind the same two char(1) word marks:
--     email   = x x budi@example.co.id x x budi.kantor@example.com
--     numbers = x x 6281234567890 x x 081234567890 x x 6285711112222 x x 085711112222
-- The contacts' part is kept on the customer row, in two local caches that
-- the triggers below maintain from customer_contacts (never synced, never
-- written by Rust), so the FTS triggers and search.rs's row checks still
-- read the customer row alone: a customer without extra contacts is indexed
-- exactly as before, and a search costs what it did.

ALTER TABLE customers ADD COLUMN contact_emails TEXT;
ALTER TABLE customers ADD COLUMN contact_numbers TEXT;

-- The caches of the customers whose contacts changed: the whole list again
-- (a customer has a handful of contacts).
CREATE TRIGGER customer_contacts_search_insert AFTER INSERT ON customer_contacts
BEGIN
    UPDATE customers SET
        contact_emails = (
            SELECT group_concat(text, '') FROM (
                SELECT ' ' || char(1, 1) || k.value AS text
                FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type = 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id)),
        contact_numbers = (
            SELECT group_concat(text, '') FROM (
                SELECT ' ' || char(1, 1) || substr(k.value, 2)
                    || CASE WHEN k.value GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(k.value, 4) ELSE '' END
                    AS text
                FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type != 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id))
    WHERE id = NEW.customer_id;
END;

-- A removal (causal_length even), a restore, an anonymised value.
CREATE TRIGGER customer_contacts_search_update
AFTER UPDATE OF customer_id, type, value, causal_length ON customer_contacts
BEGIN
    UPDATE customers SET
        contact_emails = (
            SELECT group_concat(text, '') FROM (
                SELECT ' ' || char(1, 1) || k.value AS text
                FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type = 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id)),
        contact_numbers = (
            SELECT group_concat(text, '') FROM (
                SELECT ' ' || char(1, 1) || substr(k.value, 2)
                    || CASE WHEN k.value GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(k.value, 4) ELSE '' END
                    AS text
                FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type != 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id))
    WHERE id IN (OLD.customer_id, NEW.customer_id);
END;

CREATE TRIGGER customer_contacts_search_delete AFTER DELETE ON customer_contacts
BEGIN
    UPDATE customers SET
        contact_emails = (
            SELECT group_concat(text, '') FROM (
                SELECT ' ' || char(1, 1) || k.value AS text
                FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type = 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id)),
        contact_numbers = (
            SELECT group_concat(text, '') FROM (
                SELECT ' ' || char(1, 1) || substr(k.value, 2)
                    || CASE WHEN k.value GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(k.value, 4) ELSE '' END
                    AS text
                FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type != 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id))
    WHERE id = OLD.customer_id;
END;

-- V3's update triggers, now also for the caches, indexing them with the
-- customer's fields (search.rs's INDEXED_TEXT is the same text). The insert
-- trigger stays: a new customer has no contacts yet.
DROP TRIGGER customer_search_update_deferred;
CREATE TRIGGER customer_search_update_deferred
AFTER UPDATE OF name, email, whatsapp, status, contact_emails, contact_numbers ON customers
WHEN (SELECT defer FROM customer_search_control) = 1
BEGIN
    INSERT INTO customer_search_dirty (id, fresh) VALUES (NEW.id, 0) ON CONFLICT DO NOTHING;
END;

DROP TRIGGER customer_search_update;
CREATE TRIGGER customer_search_update
AFTER UPDATE OF name, email, whatsapp, status, contact_emails, contact_numbers ON customers
WHEN (SELECT defer FROM customer_search_control) = 0
  AND (OLD.name IS NOT NEW.name OR OLD.email IS NOT NEW.email OR OLD.whatsapp IS NOT NEW.whatsapp
       OR OLD.contact_emails IS NOT NEW.contact_emails OR OLD.contact_numbers IS NOT NEW.contact_numbers
       OR (OLD.status = 'deleted') != (NEW.status = 'deleted'))
BEGIN
    DELETE FROM customer_search WHERE rowid = OLD.id;
    DELETE FROM customer_search_deleted WHERE rowid = OLD.id;
    INSERT INTO customer_search (rowid, name, email, numbers)
    SELECT NEW.id,
           char(1, 1) || replace(NEW.name, ' ', ' ' || char(1, 1)),
           coalesce(char(1, 1) || NEW.email, '') || coalesce(NEW.contact_emails, ''),
           char(1, 1) || substr(NEW.whatsapp, 2)
               || CASE WHEN NEW.whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(NEW.whatsapp, 4) ELSE '' END
               || coalesce(NEW.contact_numbers, '')
    WHERE NEW.status != 'deleted';
    INSERT INTO customer_search_deleted (rowid, name, email, numbers)
    SELECT NEW.id,
           char(1, 1) || replace(NEW.name, ' ', ' ' || char(1, 1)),
           coalesce(char(1, 1) || NEW.email, '') || coalesce(NEW.contact_emails, ''),
           char(1, 1) || substr(NEW.whatsapp, 2)
               || CASE WHEN NEW.whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(NEW.whatsapp, 4) ELSE '' END
               || coalesce(NEW.contact_numbers, '')
    WHERE NEW.status = 'deleted';
END;

-- The contacts kept so far: filling their customers' caches re-indexes
-- those customers through the trigger above.
UPDATE customers SET
    contact_emails = (
        SELECT group_concat(text, '') FROM (
            SELECT ' ' || char(1, 1) || k.value AS text
            FROM customer_contacts k
            WHERE k.customer_id = customers.id AND k.type = 'email' AND k.causal_length % 2 = 1
            ORDER BY k.id)),
    contact_numbers = (
        SELECT group_concat(text, '') FROM (
            SELECT ' ' || char(1, 1) || substr(k.value, 2)
                || CASE WHEN k.value GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(k.value, 4) ELSE '' END
                AS text
            FROM customer_contacts k
            WHERE k.customer_id = customers.id AND k.type != 'email' AND k.causal_length % 2 = 1
            ORDER BY k.id))
WHERE id IN (SELECT customer_id FROM customer_contacts WHERE causal_length % 2 = 1);
