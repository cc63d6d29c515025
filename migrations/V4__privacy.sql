-- Pelanggan schema, version 4: erasing a customer for a privacy request.
--
-- The ledger stays append-only for everything else. While a privacy delete
-- runs, its transaction lists the customer here, and only that customer's
-- ledger rows may be deleted; the row is removed before the transaction ends.

CREATE TABLE privacy_erasures (
    customer_id INTEGER PRIMARY KEY
);

DROP TRIGGER balance_history_no_delete;
CREATE TRIGGER balance_history_no_delete BEFORE DELETE ON customer_balance_history
WHEN NOT EXISTS (SELECT 1 FROM privacy_erasures WHERE customer_id = OLD.customer_id)
BEGIN
    SELECT RAISE(ABORT, 'customer_balance_history is append-only');
END;
