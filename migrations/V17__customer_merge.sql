-- Pelanggan schema, version 17: merging two customers (the same WhatsApp
-- number made offline on two desks), and the index sync's merge reads.
--
-- A merge moves the other customer's rows to the one kept and deletes the
-- other, which remembers where it went: a row made for it on a desk that had
-- not seen the merge yet goes to the kept customer when it arrives.
ALTER TABLE customers ADD COLUMN merged_into TEXT;

-- The ledger stays append-only: an entry's content never changes. While a
-- merge runs, its transaction lists the customer being merged here, and
-- only that customer's entries may change owner (nothing else of them);
-- the row is removed before the transaction ends.
CREATE TABLE customer_merging (
    customer_id INTEGER PRIMARY KEY
);

DROP TRIGGER balance_history_no_update;
CREATE TRIGGER balance_history_no_update BEFORE UPDATE ON customer_balance_history
WHEN NOT (
    EXISTS (SELECT 1 FROM customer_merging WHERE customer_id = OLD.customer_id)
    AND NEW.id IS OLD.id AND NEW.uuid IS OLD.uuid AND NEW.type IS OLD.type
    AND NEW.amount IS OLD.amount AND NEW.previous_balance IS OLD.previous_balance
    AND NEW.new_balance IS OLD.new_balance AND NEW.description IS OLD.description
    AND NEW.reference_type IS OLD.reference_type AND NEW.reference_id IS OLD.reference_id
    AND NEW.created_at IS OLD.created_at AND NEW.created_by IS OLD.created_by
)
BEGIN
    SELECT RAISE(ABORT, 'customer_balance_history is append-only');
END;

-- Last-writer-wins compares an arriving field change with the latest change
-- of that field held here. Inserts are left out of the index: an import of
-- a million customers writes a million of them and reads none back.
CREATE INDEX change_log_field ON change_log (entity_id, field) WHERE op != 'insert';
