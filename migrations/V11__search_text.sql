-- Pelanggan schema, version 11: the indexed search text, written once.
--
-- What the FTS tables of V3 index for a customer (name, email and numbers
-- columns, see V3 and V8 for the marks and the local 08... form) was written
-- in four trigger copies and again in search.rs. It is now three VIRTUAL
-- generated columns of customers: computed when read, stored nowhere, so
-- adding them rewrites no row (SQLite checks the table once, as for any
-- added column that is generated). The FTS triggers index them and search.rs
-- checks a row against them. The text is exactly what the triggers wrote
-- before (the V8 form, which for a customer without an email or extra
-- contacts is the empty string where V3's insert trigger wrote NULL: neither
-- holds a token), so the index needs no rebuild.
--
-- An extra contact's part (V8's caches on the customer row) is likewise one
-- generated column of customer_contacts, which V8's contact triggers, remade
-- here, concatenate. Generated columns are local: nothing here is synced
-- (sync reads the change log, never these).

ALTER TABLE customers ADD COLUMN search_name TEXT
    GENERATED ALWAYS AS (char(1, 1) || replace(name, ' ', ' ' || char(1, 1))) VIRTUAL;
ALTER TABLE customers ADD COLUMN search_email TEXT
    GENERATED ALWAYS AS (coalesce(char(1, 1) || email, '') || coalesce(contact_emails, '')) VIRTUAL;
ALTER TABLE customers ADD COLUMN search_numbers TEXT
    GENERATED ALWAYS AS (
        char(1, 1) || substr(whatsapp, 2)
            || CASE WHEN whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(whatsapp, 4) ELSE '' END
            || coalesce(contact_numbers, '')
    ) VIRTUAL;

DROP TRIGGER customer_search_insert;
CREATE TRIGGER customer_search_insert AFTER INSERT ON customers
WHEN (SELECT defer FROM customer_search_control) = 0
BEGIN
    INSERT INTO customer_search (rowid, name, email, numbers)
    SELECT NEW.id, NEW.search_name, NEW.search_email, NEW.search_numbers
    WHERE NEW.status != 'deleted';
    INSERT INTO customer_search_deleted (rowid, name, email, numbers)
    SELECT NEW.id, NEW.search_name, NEW.search_email, NEW.search_numbers
    WHERE NEW.status = 'deleted';
END;

DROP TRIGGER customer_search_update;
CREATE TRIGGER customer_search_update
AFTER UPDATE OF name, email, whatsapp, status, contact_emails, contact_numbers ON customers
WHEN (SELECT defer FROM customer_search_control) = 0
  AND (OLD.search_name IS NOT NEW.search_name OR OLD.search_email IS NOT NEW.search_email
       OR OLD.search_numbers IS NOT NEW.search_numbers
       OR (OLD.status = 'deleted') != (NEW.status = 'deleted'))
BEGIN
    DELETE FROM customer_search WHERE rowid = OLD.id;
    DELETE FROM customer_search_deleted WHERE rowid = OLD.id;
    INSERT INTO customer_search (rowid, name, email, numbers)
    SELECT NEW.id, NEW.search_name, NEW.search_email, NEW.search_numbers
    WHERE NEW.status != 'deleted';
    INSERT INTO customer_search_deleted (rowid, name, email, numbers)
    SELECT NEW.id, NEW.search_name, NEW.search_email, NEW.search_numbers
    WHERE NEW.status = 'deleted';
END;

-- An extra contact's part of its customer's indexed text (V8), also written
-- once: V8's three contact triggers each restated it twice. The caches on
-- the customer row are the live contacts' texts in id order, as before.
ALTER TABLE customer_contacts ADD COLUMN search_text TEXT
    GENERATED ALWAYS AS (
        CASE WHEN type = 'email' THEN ' ' || char(1, 1) || value
        ELSE ' ' || char(1, 1) || substr(value, 2)
            || CASE WHEN value GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(value, 4) ELSE '' END
        END
    ) VIRTUAL;

DROP TRIGGER customer_contacts_search_insert;
CREATE TRIGGER customer_contacts_search_insert AFTER INSERT ON customer_contacts
BEGIN
    UPDATE customers SET
        contact_emails = (
            SELECT group_concat(search_text, '') FROM (
                SELECT k.search_text FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type = 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id)),
        contact_numbers = (
            SELECT group_concat(search_text, '') FROM (
                SELECT k.search_text FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type != 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id))
    WHERE id = NEW.customer_id;
END;

DROP TRIGGER customer_contacts_search_update;
CREATE TRIGGER customer_contacts_search_update
AFTER UPDATE OF customer_id, type, value, causal_length ON customer_contacts
BEGIN
    UPDATE customers SET
        contact_emails = (
            SELECT group_concat(search_text, '') FROM (
                SELECT k.search_text FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type = 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id)),
        contact_numbers = (
            SELECT group_concat(search_text, '') FROM (
                SELECT k.search_text FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type != 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id))
    WHERE id IN (OLD.customer_id, NEW.customer_id);
END;

DROP TRIGGER customer_contacts_search_delete;
CREATE TRIGGER customer_contacts_search_delete AFTER DELETE ON customer_contacts
BEGIN
    UPDATE customers SET
        contact_emails = (
            SELECT group_concat(search_text, '') FROM (
                SELECT k.search_text FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type = 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id)),
        contact_numbers = (
            SELECT group_concat(search_text, '') FROM (
                SELECT k.search_text FROM customer_contacts k
                WHERE k.customer_id = customers.id AND k.type != 'email' AND k.causal_length % 2 = 1
                ORDER BY k.id))
    WHERE id = OLD.customer_id;
END;
