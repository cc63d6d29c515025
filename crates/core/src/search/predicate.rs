//! The vocabulary the planner speaks: a condition on one customer row
//! (`Predicate`), the sign of a balance (`BalanceKind`), and a piece of SQL
//! with its bound values (`Part`). Each predicate renders its own SQL, so the
//! planner, the walk and the counts ask what a condition is by matching it.
//!
//! Owns the conditions and their SQL; must not know which filters make them
//! (filter.rs) or how a plan uses them (plan.rs, walk.rs, count.rs).

use rusqlite::types::Value;

use crate::customers::model::Status;
use crate::names::text_enum;

text_enum! {
    /// The sign of the balance.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum BalanceKind("balance") {
        /// Balance > 0: the shop owes the customer.
        Credit => "credit",
        /// Balance < 0: the customer owes the shop.
        Debt => "debt",
        Zero => "zero",
    }
}

/// A piece of SQL with its bound values, in order: what a predicate or a
/// set renders to, never read back.
pub(super) type Part = (String, Vec<Value>);

/// `a AND b AND ...` with the values in order ("1" for none).
pub(super) fn join_parts(parts: &[Part]) -> Part {
    if parts.is_empty() {
        return ("1".into(), Vec::new());
    }
    let sql = parts
        .iter()
        .map(|(s, _)| format!("({s})"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let values = parts.iter().flat_map(|(_, v)| v.iter().cloned()).collect();
    (sql, values)
}

/// The predicates rendered and joined with AND.
pub(super) fn join<'a>(preds: impl IntoIterator<Item = &'a Predicate>) -> Part {
    let parts: Vec<Part> = preds.into_iter().map(Predicate::sql).collect();
    join_parts(&parts)
}

/// One condition on the row `customers c`. Each renders its own SQL, so the
/// planner asks what a condition is by matching it, never by reading SQL.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Predicate {
    /// One status.
    Status(Status),
    /// Not deleted, as a row check.
    Live,
    /// Not deleted, written so an index on (status, ...) can seek it.
    LiveIn,
    /// Any status, written so an index on (status, ...) can seek it.
    AnyStatusIn,
    Sign(BalanceKind),
    BalanceAtLeast(i64),
    BalanceAtMost(i64),
    /// `created_at >= ` an instant (RFC 3339 text).
    CreatedFrom(String),
    /// `created_at < ` an instant.
    CreatedBefore(String),
    /// `updated_at >= ` an instant.
    UpdatedFrom(String),
    /// In debt (true) or not: one half of the debt order's index.
    DebtHalf(bool),
    /// Carries a live tag among these ids (an `EXISTS` probe).
    Tags(Vec<i64>),
    /// Has (true) or has no (false) active subscription.
    ActiveSubscription(bool),
}

/// A live subscription of customer `c`.
const ACTIVE_SUBSCRIPTION: &str =
    "SELECT 1 FROM subscriptions s INDEXED BY subscriptions_active_customer
     WHERE s.customer_id = c.id AND s.status = 'active'";

impl Predicate {
    pub(super) fn sql(&self) -> Part {
        let text = |t: &str| vec![Value::Text(t.to_owned())];
        match self {
            Predicate::Status(Status::Deleted) => ("c.status = 'deleted'".into(), Vec::new()),
            Predicate::Status(s) => ("c.status = ?".into(), text(s.as_str())),
            Predicate::Live => ("c.status != 'deleted'".into(), Vec::new()),
            Predicate::LiveIn => (
                "c.status IN ('active', 'inactive', 'blacklisted')".into(),
                Vec::new(),
            ),
            Predicate::AnyStatusIn => (
                "c.status IN ('active', 'inactive', 'blacklisted', 'deleted')".into(),
                Vec::new(),
            ),
            Predicate::Sign(BalanceKind::Debt) => ("c.balance < 0".into(), Vec::new()),
            Predicate::Sign(BalanceKind::Credit) => ("c.balance > 0".into(), Vec::new()),
            Predicate::Sign(BalanceKind::Zero) => ("c.balance = 0".into(), Vec::new()),
            Predicate::BalanceAtLeast(n) => ("c.balance >= ?".into(), vec![Value::Integer(*n)]),
            Predicate::BalanceAtMost(n) => ("c.balance <= ?".into(), vec![Value::Integer(*n)]),
            Predicate::CreatedFrom(t) => ("c.created_at >= ?".into(), text(t)),
            Predicate::CreatedBefore(t) => ("c.created_at < ?".into(), text(t)),
            Predicate::UpdatedFrom(t) => ("c.updated_at >= ?".into(), text(t)),
            Predicate::DebtHalf(debt) => (
                "(c.balance < 0) = ?".into(),
                vec![Value::Integer(i64::from(*debt))],
            ),
            // Side checks end in LIMIT 1: a plain EXISTS may be turned into a
            // join with a Bloom filter built over the whole other table.
            Predicate::Tags(ids) => (
                format!(
                    "EXISTS (SELECT 1 FROM customer_tags t INDEXED BY customer_tags_live_customer
                             WHERE t.customer_id = c.id AND t.tag_id IN ({}) AND t.causal_length % 2 = 1 LIMIT 1)",
                    marks(ids.len())
                ),
                ids.iter().map(|id| Value::Integer(*id)).collect(),
            ),
            Predicate::ActiveSubscription(true) => {
                (format!("EXISTS ({ACTIVE_SUBSCRIPTION} LIMIT 1)"), Vec::new())
            }
            Predicate::ActiveSubscription(false) => {
                (format!("NOT EXISTS ({ACTIVE_SUBSCRIPTION} LIMIT 1)"), Vec::new())
            }
        }
    }

    /// A condition on the balance alone (countable on (status, balance)).
    pub(super) fn on_balance(&self) -> bool {
        matches!(
            self,
            Predicate::Sign(_) | Predicate::BalanceAtLeast(_) | Predicate::BalanceAtMost(_)
        )
    }

    /// A condition on the creation time alone (countable on (status, created_at)).
    pub(super) fn on_created(&self) -> bool {
        matches!(
            self,
            Predicate::CreatedFrom(_) | Predicate::CreatedBefore(_)
        )
    }
}

/// `?, ?, ...` for `n` values.
pub(super) fn marks(n: usize) -> String {
    vec!["?"; n].join(", ")
}
