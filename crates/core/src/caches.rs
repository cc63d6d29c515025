//! A customer's caches, recomputed from the facts: the balance (the sum of
//! the ledger), the allocation of their invoices, what they spent (their
//! successful payments) and how many live subscriptions they have. The
//! use cases keep these in step as they write; this recomputes them where
//! rows arrived or moved wholesale (sync's merge, a customer merge).
//!
//! Owns no table. Must not know why the rows changed.

use crate::billing::allocation;
use crate::db::Write;
use crate::error::Result;

/// Recomputes the caches of customer `id` (local).
pub(crate) fn refresh(w: &mut Write<'_>, id: i64) -> Result<()> {
    w.uncounted(|w| {
        w.exec(
            "UPDATE customers SET
                 balance = coalesce((
                     SELECT sum(CASE type WHEN 'debit' THEN -amount ELSE amount END)
                     FROM customer_balance_history WHERE customer_id = ?1), 0),
                 total_spent = coalesce((
                     SELECT sum(amount) FROM payments
                     WHERE customer_id = ?1 AND status = 'success'), 0),
                 subscription_count = (
                     SELECT count(*) FROM subscriptions
                     WHERE customer_id = ?1 AND status != 'cancelled')
             WHERE id = ?1",
            [id],
        )?;
        allocation::refresh(w, id)
    })?;
    Ok(())
}
