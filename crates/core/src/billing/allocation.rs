//! Allocation: which money paid which invoice, replayed from the ledger.
//!
//! # Why replayed and not stored
//! The ledger is the only record of money (DESIGN.md). If allocations were
//! rows of their own, every path that posts to the ledger (payments, refunds,
//! voids, manual credits and debits, later imports and sync) would have to
//! keep them in step, and one that forgot would make them drift from the
//! balance. Instead, the allocation of a customer is a pure function of their
//! ledger entries, in ledger order, and of which billing row posted each entry
//! (`invoices.debit_entry`/`void_entry`, `payments.credit_entry`/
//! `carry_entry`/`refund_entry`). `invoices.amount_allocated` and
//! `invoices.status` are only caches of that function: `refresh` rewrites them
//! at the end of every write that posts to the ledger (billing's own, and
//! `ledger::credit`/`debit`), and `audit` recomputes and compares them.
//!
//! # The rules the replay applies
//! Each entry is one event:
//! * a *charge*: an invoice's debit, or a manual debit (a charge with no invoice);
//! * a *lot* of money: a payment's credit and carry_over (one lot per payment),
//!   or a manual credit (or any credit the billing tables do not claim);
//! * a *void*: the invoice's charge is cancelled and what paid it goes back to
//!   its lots;
//! * a *refund*: the payment's lot is withdrawn, and what it had paid re-opens.
//!
//! When a payment's lot arrives it pays the invoice it names first (if that
//! is still open). Then, after every event, free money settles: the oldest lot
//! with money left pays the oldest open charge, until one side runs out. So
//! after every event either no money is free or no charge is open, which ties
//! the allocation to the balance exactly:
//!
//! ```text
//! balance < 0:  sum of open charges' unpaid parts = -balance, free money = 0
//! balance >= 0: every charge is paid,              free money = balance
//! ```
//!
//! This gives the issue's behaviour: credit left by an over-payment is used
//! by the next invoice as soon as it is issued; a payment with no invoice
//! named pays the oldest open one first; a refund re-opens what the payment
//! paid, and other free credit (if any) flows into it again.
//!
//! One exception to "settle after every event": the charge of a voucher sold
//! to a customer is followed, in the same transaction, by the payment that
//! names it, and must be paid by that payment rather than by credit the
//! customer holds; so that charge waits (`hold`) for the next event.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::db::{Reader, Write};
use crate::error::Result;
use crate::ledger::{self, EntryKind};
use crate::money::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ChargeKey {
    Invoice(i64),
    /// A manual debit, by ledger row id.
    Manual(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum LotKey {
    Payment(i64),
    /// A manual credit, by ledger row id.
    Manual(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Event {
    Charge {
        key: ChargeKey,
        amount: i64,
        hold: bool,
    },
    Void {
        invoice: i64,
    },
    Money {
        lot: LotKey,
        amount: i64,
        named: Option<i64>,
    },
    Refund {
        payment: i64,
    },
}

#[derive(Debug, Clone)]
struct Charge {
    key: ChargeKey,
    total: i64,
    allocated: i64,
    void: bool,
}

impl Charge {
    fn open(&self) -> i64 {
        if self.void {
            0
        } else {
            self.total - self.allocated
        }
    }
}

#[derive(Debug, Clone)]
struct Lot {
    key: LotKey,
    free: i64,
}

#[derive(Debug, Clone, Copy)]
struct Alloc {
    lot: usize,
    charge: usize,
    amount: i64,
}

/// The outcome of replaying one customer's events.
#[derive(Debug, Clone, Default)]
pub(crate) struct Replay {
    charges: Vec<Charge>,
    lots: Vec<Lot>,
    allocs: Vec<Alloc>,
    charge_index: HashMap<ChargeKey, usize>,
    lot_index: HashMap<LotKey, usize>,
    /// Every lot before `free_from` has no free money, and every charge before
    /// `open_from` is closed: where `settle` starts looking. Refunds and voids
    /// can re-open the past, so they reset both.
    free_from: usize,
    open_from: usize,
}

impl Replay {
    pub(crate) fn run(events: impl IntoIterator<Item = Event>) -> Replay {
        let mut r = Replay::default();
        for event in events {
            r.apply(event);
        }
        r
    }

    pub(crate) fn apply(&mut self, event: Event) {
        match event {
            Event::Charge { key, amount, hold } => {
                self.charge_index.insert(key, self.charges.len());
                self.charges.push(Charge {
                    key,
                    total: amount,
                    allocated: 0,
                    void: false,
                });
                if hold {
                    return;
                }
            }
            Event::Money { lot, amount, named } => {
                let l = match self.lot_index.get(&lot) {
                    Some(&l) => l,
                    None => {
                        self.lot_index.insert(lot, self.lots.len());
                        self.lots.push(Lot { key: lot, free: 0 });
                        self.lots.len() - 1
                    }
                };
                self.lots[l].free += amount;
                self.free_from = self.free_from.min(l);
                if let Some(&c) = named.and_then(|i| self.charge_index.get(&ChargeKey::Invoice(i)))
                {
                    let amount = self.lots[l].free.min(self.charges[c].open());
                    self.allocate(l, c, amount);
                }
            }
            Event::Void { invoice } => {
                if let Some(&c) = self.charge_index.get(&ChargeKey::Invoice(invoice)) {
                    self.charges[c].void = true;
                    self.charges[c].allocated = 0;
                    let lots = &mut self.lots;
                    self.allocs.retain(|a| {
                        if a.charge == c {
                            lots[a.lot].free += a.amount;
                        }
                        a.charge != c
                    });
                }
                (self.free_from, self.open_from) = (0, 0);
            }
            Event::Refund { payment } => {
                if let Some(&l) = self.lot_index.get(&LotKey::Payment(payment)) {
                    self.lots[l].free = 0;
                    let charges = &mut self.charges;
                    self.allocs.retain(|a| {
                        if a.lot == l {
                            charges[a.charge].allocated -= a.amount;
                        }
                        a.lot != l
                    });
                }
                (self.free_from, self.open_from) = (0, 0);
            }
        }
        self.settle();
    }

    fn allocate(&mut self, lot: usize, charge: usize, amount: i64) {
        if amount <= 0 {
            return;
        }
        self.lots[lot].free -= amount;
        self.charges[charge].allocated += amount;
        // One lot may pay one charge in several pieces: readers add them up.
        self.allocs.push(Alloc {
            lot,
            charge,
            amount,
        });
    }

    /// Oldest free money pays the oldest open charge, until one side runs out.
    fn settle(&mut self) {
        let (mut l, mut c) = (self.free_from, self.open_from);
        loop {
            while l < self.lots.len() && self.lots[l].free == 0 {
                l += 1;
            }
            while c < self.charges.len() && self.charges[c].open() == 0 {
                c += 1;
            }
            (self.free_from, self.open_from) = (l, c);
            if l == self.lots.len() || c == self.charges.len() {
                return;
            }
            let amount = self.lots[l].free.min(self.charges[c].open());
            self.allocate(l, c, amount);
        }
    }

    /// What has been allocated to the invoice (0 once void), and whether it is void.
    pub(crate) fn invoice(&self, invoice: i64) -> Option<(Money, bool)> {
        let c = *self.charge_index.get(&ChargeKey::Invoice(invoice))?;
        let charge = &self.charges[c];
        Some((Money::from_minor(charge.allocated), charge.void))
    }

    /// What the payment's money is paying now: (invoice row id, amount), oldest first.
    pub(crate) fn payment_allocations(&self, payment: i64) -> Vec<(i64, Money)> {
        let Some(&l) = self.lot_index.get(&LotKey::Payment(payment)) else {
            return Vec::new();
        };
        let mut by_charge: Vec<(usize, i64)> = Vec::new();
        for a in self.allocs.iter().filter(|a| a.lot == l) {
            match by_charge.iter_mut().find(|(c, _)| *c == a.charge) {
                Some((_, amount)) => *amount += a.amount,
                None => by_charge.push((a.charge, a.amount)),
            }
        }
        by_charge.sort_by_key(|(c, _)| *c);
        by_charge
            .into_iter()
            .filter_map(|(c, amount)| match self.charges[c].key {
                ChargeKey::Invoice(i) => Some((i, Money::from_minor(amount))),
                ChargeKey::Manual(_) => None,
            })
            .collect()
    }

    /// The part of the payment's money not paying any charge: its share of the credit.
    pub(crate) fn payment_free(&self, payment: i64) -> Money {
        let free = self
            .lot_index
            .get(&LotKey::Payment(payment))
            .map_or(0, |&l| self.lots[l].free);
        Money::from_minor(free)
    }

    /// What payments (as opposed to manual credits) have allocated to the invoice.
    pub(crate) fn paid_by_payments(&self, invoice: i64) -> Money {
        let Some(&c) = self.charge_index.get(&ChargeKey::Invoice(invoice)) else {
            return Money::ZERO;
        };
        let sum = self
            .allocs
            .iter()
            .filter(|a| a.charge == c && matches!(self.lots[a.lot].key, LotKey::Payment(_)))
            .map(|a| a.amount)
            .sum();
        Money::from_minor(sum)
    }

    /// Money held and not paying anything: the customer's credit.
    pub(crate) fn free_credit(&self) -> i64 {
        self.lots.iter().map(|l| l.free).sum()
    }

    /// The unpaid parts of open charges, invoices and manual debits alike.
    pub(crate) fn open_total(&self) -> i64 {
        self.charges.iter().map(Charge::open).sum()
    }
}

/// The customer's events, in ledger order, each ledger entry classified by
/// the billing row that posted it (an entry no billing row claims is manual).
pub(crate) fn events(conn: &Connection, customer_id: i64) -> Result<Vec<Event>> {
    #[derive(Clone, Copy)]
    enum Role {
        Charge { invoice: i64, hold: bool },
        Void { invoice: i64 },
        Money { payment: i64, named: Option<i64> },
        Refund { payment: i64 },
    }
    let mut roles: HashMap<String, Role> = HashMap::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id, debit_entry, void_entry, voucher_id IS NOT NULL FROM invoices WHERE customer_id = ?1",
        )?;
        let mut rows = stmt.query([customer_id])?;
        while let Some(r) = rows.next()? {
            let invoice: i64 = r.get(0)?;
            roles.insert(
                r.get(1)?,
                Role::Charge {
                    invoice,
                    hold: r.get(3)?,
                },
            );
            if let Some(void) = r.get::<_, Option<String>>(2)? {
                roles.insert(void, Role::Void { invoice });
            }
        }
    }
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id, invoice_id, credit_entry, carry_entry, refund_entry FROM payments WHERE customer_id = ?1",
        )?;
        let mut rows = stmt.query([customer_id])?;
        while let Some(r) = rows.next()? {
            let payment: i64 = r.get(0)?;
            let named: Option<i64> = r.get(1)?;
            for col in [2, 3] {
                if let Some(entry) = r.get::<_, Option<String>>(col)? {
                    roles.insert(entry, Role::Money { payment, named });
                }
            }
            if let Some(entry) = r.get::<_, Option<String>>(4)? {
                roles.insert(entry, Role::Refund { payment });
            }
        }
    }
    // `+?1`: a plain `?1` here lets the planner mark the statement to be
    // prepared again whenever the cached statement is reused (measured: on
    // every call), which cost a billing run a tenth of its time.
    // By uuid (UUIDv7: time, then a counter), not local id: entries from
    // several desks arrive in another order on each, and every desk must
    // allocate them alike.
    let mut stmt = conn.prepare_cached(
        "SELECT id, uuid, type, amount FROM customer_balance_history WHERE customer_id = +?1 ORDER BY uuid",
    )?;
    let mut rows = stmt.query([customer_id])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let uuid: String = r.get(1)?;
        let kind: String = r.get(2)?;
        let amount: i64 = r.get(3)?;
        out.push(match roles.get(&uuid) {
            Some(Role::Charge { invoice, hold }) => Event::Charge {
                key: ChargeKey::Invoice(*invoice),
                amount,
                hold: *hold,
            },
            Some(Role::Void { invoice }) => Event::Void { invoice: *invoice },
            Some(Role::Money { payment, named }) => Event::Money {
                lot: LotKey::Payment(*payment),
                amount,
                named: *named,
            },
            Some(Role::Refund { payment }) => Event::Refund { payment: *payment },
            None if kind == EntryKind::Debit.as_str() => Event::Charge {
                key: ChargeKey::Manual(id),
                amount,
                hold: false,
            },
            None => Event::Money {
                lot: LotKey::Manual(id),
                amount,
                named: None,
            },
        });
    }
    Ok(out)
}

pub(crate) fn replay(conn: &Connection, customer_id: i64) -> Result<Replay> {
    Ok(Replay::run(events(conn, customer_id)?))
}

/// The status an invoice has for an allocation.
pub(crate) fn status_of(total: Money, allocated: Money, void: bool) -> &'static str {
    if void {
        "void"
    } else if allocated == Money::ZERO {
        "unpaid"
    } else if allocated < total {
        "partial"
    } else {
        "paid"
    }
}

/// Replays the customer's ledger and rewrites the cached allocation and status
/// of each of their invoices that changed; returns how many did. Caches are
/// not synced, so this writes no change log: every device computes the same
/// from the same rows. Once per customer per write: it reads their history.
pub(crate) fn refresh(w: &mut Write<'_>, customer_id: i64) -> Result<usize> {
    let replay = replay(w.tx(), customer_id)?;
    let mut stale = Vec::new();
    {
        let mut stmt = w.tx().prepare_cached(
            "SELECT id, total, amount_allocated, status FROM invoices WHERE customer_id = ?1",
        )?;
        let mut rows = stmt.query([customer_id])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let total: Money = r.get(1)?;
            let cached: Money = r.get(2)?;
            let cached_status: String = r.get(3)?;
            let (allocated, void) = replay.invoice(id).unwrap_or((Money::ZERO, false));
            let status = status_of(total, allocated, void);
            if cached != allocated || cached_status != status {
                stale.push((id, allocated, status));
            }
        }
    }
    let changed = stale.len();
    for (id, allocated, status) in stale {
        w.exec(
            "UPDATE invoices SET amount_allocated = ?2, status = ?3 WHERE id = ?1",
            params![id, allocated, status],
        )?;
    }
    Ok(changed)
}

/// One broken invariant, for `audit`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// The customer's uuid.
    pub customer_id: String,
    pub message: String,
}

/// Recomputes every billing invariant for every customer and lists what does
/// not hold (an empty list is a healthy file):
/// * balance = sum of the ledger;
/// * balance = successful payments - non-void invoices + manual adjustments;
/// * each invoice's cached allocation and status equal the replay's, with
///   0 <= allocated <= total (0 when void);
/// * unpaid parts of open charges - free credit = -balance, and never both > 0;
/// * total_spent = successful payments; subscription_count = live subscriptions.
pub fn audit(r: Reader<'_>) -> Result<Vec<Problem>> {
    let conn = r.conn();
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM customers ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut problems = Vec::new();
    for id in ids {
        audit_customer(r, id, &mut problems)?;
    }
    Ok(problems)
}

fn audit_customer(r: Reader<'_>, id: i64, problems: &mut Vec<Problem>) -> Result<()> {
    let conn = r.conn();
    let (uuid, balance, total_spent, subscription_count): (String, i64, i64, i64) = conn
        .query_row(
            "SELECT uuid, balance, total_spent, subscription_count FROM customers WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
    let mut fail = |message: String| {
        problems.push(Problem {
            customer_id: uuid.clone(),
            message,
        })
    };
    let ledger = ledger::ledger_sum(r, id)?.minor();
    if ledger != balance {
        fail(format!("balance {balance} != ledger sum {ledger}"));
    }
    let (payments, invoices, manual, live_subs): (i64, i64, i64, i64) = conn.query_row(
        "SELECT
           (SELECT coalesce(sum(amount), 0) FROM payments WHERE customer_id = ?1 AND status = 'success'),
           (SELECT coalesce(sum(total), 0) FROM invoices WHERE customer_id = ?1 AND voided_at IS NULL),
           (SELECT coalesce(sum(CASE type WHEN 'debit' THEN -amount ELSE amount END), 0)
              FROM customer_balance_history WHERE customer_id = ?1 AND uuid NOT IN (
                SELECT debit_entry FROM invoices WHERE customer_id = ?1
                UNION ALL SELECT void_entry FROM invoices WHERE customer_id = ?1 AND void_entry IS NOT NULL
                UNION ALL SELECT credit_entry FROM payments WHERE customer_id = ?1 AND credit_entry IS NOT NULL
                UNION ALL SELECT carry_entry FROM payments WHERE customer_id = ?1 AND carry_entry IS NOT NULL
                UNION ALL SELECT refund_entry FROM payments WHERE customer_id = ?1 AND refund_entry IS NOT NULL)),
           (SELECT count(*) FROM subscriptions WHERE customer_id = ?1 AND status != 'cancelled')",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    if balance != payments - invoices + manual {
        fail(format!(
            "balance {balance} != payments {payments} - invoices {invoices} + manual {manual}"
        ));
    }
    if total_spent != payments {
        fail(format!(
            "total_spent {total_spent} != successful payments {payments}"
        ));
    }
    if subscription_count != live_subs {
        fail(format!(
            "subscription_count {subscription_count} != live subscriptions {live_subs}"
        ));
    }
    let replay = replay(conn, id)?;
    let (open, free) = (replay.open_total(), replay.free_credit());
    if open - free != -balance || (open > 0 && free > 0) {
        fail(format!(
            "open charges {open} and free credit {free} disagree with balance {balance}"
        ));
    }
    let mut stmt = conn.prepare(
        "SELECT number, id, total, amount_allocated, status, voided_at IS NOT NULL FROM invoices WHERE customer_id = ?1",
    )?;
    let mut rows = stmt.query([id])?;
    while let Some(r) = rows.next()? {
        let number: String = r.get(0)?;
        let total: Money = r.get(2)?;
        let cached: Money = r.get(3)?;
        let status: String = r.get(4)?;
        let voided: bool = r.get(5)?;
        let (allocated, void) = replay.invoice(r.get(1)?).unwrap_or((Money::ZERO, false));
        if void != voided {
            fail(format!(
                "{number}: void in the table {voided}, in the ledger {void}"
            ));
        }
        if allocated.minor() < 0 || allocated > total || (void && allocated != Money::ZERO) {
            fail(format!(
                "{number}: allocated {allocated} outside 0..={total}"
            ));
        }
        if cached != allocated || status != status_of(total, allocated, void) {
            fail(format!(
                "{number}: cache says {cached} {status}, the replay {allocated} {}",
                status_of(total, allocated, void)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charge(i: i64, amount: i64) -> Event {
        Event::Charge {
            key: ChargeKey::Invoice(i),
            amount,
            hold: false,
        }
    }
    fn pay(p: i64, amount: i64, named: Option<i64>) -> Event {
        Event::Money {
            lot: LotKey::Payment(p),
            amount,
            named,
        }
    }
    fn allocated(r: &Replay, i: i64) -> i64 {
        r.invoice(i).unwrap().0.minor()
    }

    #[test]
    fn the_worked_example() {
        let mut r = Replay::default();
        r.apply(charge(1, 150));
        r.apply(pay(1, 100, Some(1)));
        assert_eq!(allocated(&r, 1), 100);
        r.apply(charge(2, 150));
        assert_eq!(allocated(&r, 2), 0);
        r.apply(pay(2, 200, None));
        assert_eq!((allocated(&r, 1), allocated(&r, 2)), (150, 150));
        r.apply(charge(3, 150));
        r.apply(pay(3, 150, Some(3)));
        r.apply(pay(3, 30, Some(3)));
        assert_eq!((allocated(&r, 3), r.free_credit()), (150, 30));
        r.apply(charge(4, 150));
        assert_eq!(
            (allocated(&r, 4), r.free_credit(), r.open_total()),
            (30, 0, 120)
        );
        // Refunding the INV3 payment re-opens INV3 and the 30 it gave INV4.
        r.apply(Event::Refund { payment: 3 });
        assert_eq!((allocated(&r, 3), allocated(&r, 4)), (0, 0));
        assert_eq!(r.open_total(), 300);
    }

    #[test]
    fn named_invoice_first_then_oldest() {
        let r = Replay::run([charge(1, 100), charge(2, 100), pay(1, 150, Some(2))]);
        assert_eq!((allocated(&r, 1), allocated(&r, 2)), (50, 100));
    }

    #[test]
    fn void_releases_manual_credit_to_other_charges() {
        let r = Replay::run([
            charge(1, 100),
            Event::Money {
                lot: LotKey::Manual(9),
                amount: 60,
                named: None,
            },
            charge(2, 100),
            Event::Void { invoice: 1 },
        ]);
        assert_eq!((allocated(&r, 1), allocated(&r, 2)), (0, 60));
        assert!(r.invoice(1).unwrap().1);
    }

    #[test]
    fn held_charge_waits_for_its_payment() {
        let r = Replay::run([
            pay(1, 50, None),
            Event::Charge {
                key: ChargeKey::Invoice(7),
                amount: 20,
                hold: true,
            },
            pay(2, 20, Some(7)),
        ]);
        assert_eq!(r.payment_allocations(2), vec![(7, Money::from_minor(20))]);
        assert_eq!(r.free_credit(), 50);
    }
}
