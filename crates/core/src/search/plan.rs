//! The plan of one query: the filters' predicates (filter.rs makes them), the
//! sets that can drive a query, what each set costs (counters, capped counts
//! on covering indexes, the term's FTS count), and which set drives
//! (`best_driver`). Owns `Plan`, `Driver`, `DriverSet` and `PlanOptions`;
//! must not know how a page is read (walk.rs) or counted (count.rs).

use std::rc::Rc;
use std::sync::OnceLock;

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::predicate::{BalanceKind, Part, Predicate, join, marks};
use super::term::{Scope, Term};
use crate::customers::model::Status;
use crate::error::Result;
use crate::stats::Counters;

/// Counts from a set's own index stop here: beyond it, the set is large.
pub(super) const CAP: i64 = 100_000;
/// A term with at most this many matches has them read (not just counted).
pub(super) const TERM_IDS: i64 = 5_000;
/// A term alone with at most this many matches is paged from a bitmap of them.
pub(super) const TERM_BITMAP: i64 = 60_000;
/// A set of at most this many customers is collected and sorted; a larger one
/// is paged by a bitmap walk.
pub(super) const SORT_MAX: i64 = 2_000;

/// The planner's optional paths, each on unless named in the comma-separated
/// `PELANGGAN_PLAN_OFF` (read once): `make bench` at a million customers with
/// each one off shows what it buys. Measured (issue 11): off, the bitmap walk
/// breaks search 3+ characters, the debt halves the deepest page by cursor,
/// the updated_at floor the deepest page of a created-from filter, the
/// intersection filters page 1 (two tags, a term and a tag), the status
/// subtraction the total count; the vocabulary counts keep 1-2 character
/// terms at a fraction of their p95 target.
#[derive(Debug, Clone, Copy)]
pub(super) struct PlanOptions {
    /// `bitmap`: a set of more than `SORT_MAX` is paged by walking the
    /// order's index against a bitmap of it (else it is collected and sorted).
    pub(super) bitmap_walk: bool,
    /// `intersect`: two middling sets are intersected here from their ids.
    pub(super) intersect: bool,
    /// `halves`: the debt order is walked one half (in debt, not) at a time.
    pub(super) debt_halves: bool,
    /// `floor`: a created-from filter bounds the debt order at updated_at.
    pub(super) updated_floor: bool,
    /// `vocab`: a 1-2 character term is counted from the FTS vocabulary.
    pub(super) vocabulary: bool,
    /// `subtract`: a tags/subscription-only count subtracts other statuses.
    pub(super) status_subtraction: bool,
}

impl PlanOptions {
    pub(super) fn current() -> PlanOptions {
        static OPTIONS: OnceLock<PlanOptions> = OnceLock::new();
        *OPTIONS.get_or_init(|| {
            let off = std::env::var("PELANGGAN_PLAN_OFF").unwrap_or_default();
            let on = |name: &str| !off.split(',').any(|o| o.trim() == name);
            PlanOptions {
                bitmap_walk: on("bitmap"),
                intersect: on("intersect"),
                debt_halves: on("halves"),
                updated_floor: on("floor"),
                vocabulary: on("vocab"),
                status_subtraction: on("subtract"),
            }
        })
    }
}

/// A set of customer ids one filter names, which can drive a query. Each
/// renders its own `SELECT ... id`.
#[derive(Debug, Clone)]
pub(super) enum DriverSet {
    /// The term's matches in the scope's FTS table(s).
    Fts(Term, Scope),
    /// Ids read already (a rare term's matches, an intersection).
    Ids(Rc<Vec<i64>>),
    /// The rows of `customers c` passing `checks`, read through `index`.
    Index {
        index: &'static str,
        checks: Vec<Predicate>,
    },
    /// Customers carrying a live tag among these ids.
    Tags(Vec<i64>),
    /// Customers with an active subscription.
    Subscribed,
}

impl DriverSet {
    pub(super) fn sql(&self) -> Part {
        match self {
            DriverSet::Fts(term, scope) => term.matches(*scope),
            DriverSet::Ids(ids) => (
                "SELECT value AS id FROM json_each(?)".into(),
                vec![Value::Text(id_list(ids))],
            ),
            DriverSet::Index { index, checks } => {
                let (sql, values) = join(checks);
                (
                    format!("SELECT c.id FROM customers c INDEXED BY {index} WHERE {sql}"),
                    values,
                )
            }
            DriverSet::Tags(ids) => {
                let distinct = if ids.len() > 1 { "DISTINCT " } else { "" };
                (
                    format!(
                        "SELECT {distinct}customer_id AS id FROM customer_tags INDEXED BY customer_tags_live
                         WHERE tag_id IN ({}) AND causal_length % 2 = 1",
                        marks(ids.len())
                    ),
                    ids.iter().map(|id| Value::Integer(*id)).collect(),
                )
            }
            DriverSet::Subscribed => (
                "SELECT DISTINCT customer_id AS id FROM subscriptions INDEXED BY subscriptions_active_customer
                 WHERE status = 'active'"
                    .into(),
                Vec::new(),
            ),
        }
    }
}

/// `[1,2,3]`: an id list for `json_each`.
pub(super) fn id_list(ids: &[i64]) -> String {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    format!("[{list}]")
}

/// A driving set and what it implies.
#[derive(Debug, Clone)]
pub(super) struct Driver {
    pub(super) set: DriverSet,
    /// It is the term's matches: its size is exact, and the term need not
    /// be checked again on its rows.
    pub(super) is_term: bool,
    /// The side checks every id of the set passes: bit i for `Plan::sides[i]`
    /// (an intersection of two sets passes both sets' checks).
    pub(super) side: u64,
}

impl Driver {
    pub(super) fn of(set: DriverSet) -> Driver {
        Driver {
            set,
            is_term: false,
            side: 0,
        }
    }
}

/// The bit of `Driver::side` for `Plan::sides[i]` (none past 64 sides: such a
/// set is then checked against every side).
pub(super) fn side_bit(i: usize) -> u64 {
    u32::try_from(i)
        .ok()
        .and_then(|i| 1u64.checked_shl(i))
        .unwrap_or(0)
}

/// The filters as predicates over `customers c`, and the sets they name.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    /// The status or live/deleted scope, as a row check (None: any row).
    pub(super) status: Option<Predicate>,
    /// The same, written so an index on (status, ...) can seek it.
    pub(super) status_in: Option<Predicate>,
    /// Checks on the row's own columns (balance, created).
    pub(super) columns: Vec<Predicate>,
    /// Checks on other tables (tags, subscriptions), each an EXISTS on `c.id`.
    pub(super) sides: Vec<Predicate>,
    pub(super) term: Option<Term>,
    /// The FTS table(s) the term searches: live, deleted or both.
    pub(super) scope: Scope,
    /// The one status asked for, if any.
    pub(super) status_value: Option<Status>,
    /// Some(true): every match is in debt; Some(false): none is.
    pub(super) debt_partition: Option<bool>,
    /// The sets the filters name, which can drive a query.
    pub(super) drivers: Vec<Driver>,
    /// True when the filters can match nothing (an unknown tag in "all of").
    pub(super) nothing: bool,
    /// `c.updated_at >= ?`, implied by the filters (see V7's
    /// customer_time_anomalies): a bound on the debt order's walk.
    pub(super) updated_floor: Option<Predicate>,
    pub(super) options: PlanOptions,
}

impl Plan {
    /// The status check as SQL ("1" for none).
    pub(super) fn status_sql(&self) -> Part {
        join(&self.status)
    }

    /// The size of each set that can drive a query (capped at `CAP`, except
    /// the term's, which is exact), with the set. A specific status and the
    /// debt/credit sign are sets too, sized by the counters.
    pub(super) fn driver_sizes(
        &self,
        conn: &Connection,
        counters: &Counters,
    ) -> Result<Vec<(i64, Driver)>> {
        let mut out = Vec::new();
        for d in &self.drivers {
            let n = match &d.set {
                DriverSet::Fts(term, scope) => {
                    // A rare term's matches are read once, and are both its
                    // count and the set a query is driven by; a common
                    // term's are only counted.
                    let known = self.vocabulary_count(conn)?;
                    if let Some(n) = known.filter(|n| *n > TERM_IDS) {
                        out.push((n, d.clone()));
                        continue;
                    }
                    let ids = term.ids(conn, *scope, TERM_IDS + 1)?;
                    if ids.len() as i64 <= TERM_IDS {
                        out.push((
                            ids.len() as i64,
                            Driver {
                                set: DriverSet::Ids(Rc::new(ids)),
                                is_term: true,
                                side: 0,
                            },
                        ));
                        continue;
                    }
                    term.count(conn, *scope)?
                }
                _ => {
                    let (sql, values) = d.set.sql();
                    let mut stmt =
                        conn.prepare_cached(&format!("SELECT count(*) FROM ({sql} LIMIT {CAP})"))?;
                    stmt.query_row(params_from_iter(values.iter()), |r| r.get(0))?
                }
            };
            out.push((n, d.clone()));
        }
        if let Some(s) = self.status_value {
            out.push((
                counters.count_of(s),
                Driver::of(DriverSet::Index {
                    index: "customers_status_updated",
                    checks: vec![Predicate::Status(s)],
                }),
            ));
        }
        // The debt or credit sign asked for is a set the counters size.
        for (kind, n) in [
            (BalanceKind::Debt, counters.with_debt),
            (BalanceKind::Credit, counters.with_credit),
        ] {
            if self.debt_partition == Some(kind == BalanceKind::Debt)
                && self.columns.contains(&Predicate::Sign(kind))
            {
                out.push((
                    n,
                    Driver::of(DriverSet::Index {
                        index: "customers_balance",
                        checks: vec![Predicate::Sign(kind)],
                    }),
                ));
            }
        }
        Ok(out)
    }

    /// The exact number of the term's matches in the scope when it is one
    /// trigram (a short ASCII term), from the FTS vocabulary; None otherwise.
    pub(super) fn vocabulary_count(&self, conn: &Connection) -> Result<Option<i64>> {
        match &self.term {
            Some(term) if self.options.vocabulary => term.vocabulary_count(conn, self.scope),
            _ => Ok(None),
        }
    }

    /// Nothing but a term and the live/deleted/all scope.
    pub(super) fn term_only(&self) -> bool {
        self.term.is_some()
            && self.columns.is_empty()
            && self.sides.is_empty()
            && !matches!(self.status_value, Some(s) if s != Status::Deleted)
    }

    /// The total, when it is the term's match count (nothing but the term
    /// and the live/deleted scope filters).
    pub(super) fn term_only_count(&self, sizes: &[(i64, Driver)]) -> Option<i64> {
        self.term_only()
            .then(|| sizes.iter().find(|(_, d)| d.is_term).map(|(n, _)| *n))
            .flatten()
    }

    /// The side checks but the ones `driver` already implies.
    pub(super) fn sides_for(&self, driver: &Driver) -> Vec<&Predicate> {
        self.sides
            .iter()
            .enumerate()
            .filter(|(i, _)| side_bit(*i) & driver.side == 0)
            .map(|(_, p)| p)
            .collect()
    }

    /// The set to drive a collecting query: the smallest one, or, when the
    /// two smallest are both of middling size, their intersection, made here
    /// from their ids (each read from its own index, in id order).
    pub(super) fn best_driver(
        &self,
        conn: &Connection,
        sizes: &[(i64, Driver)],
    ) -> Result<Option<(i64, Driver)>> {
        let mut by_size: Vec<&(i64, Driver)> = sizes.iter().collect();
        by_size.sort_by_key(|(n, _)| *n);
        match by_size.as_slice() {
            [] => Ok(None),
            [(a, da), (b, db), ..] if self.options.intersect && *a > SORT_MAX && *b < CAP => {
                let (x, y) = (driver_ids(conn, da)?, driver_ids(conn, db)?);
                let mut both = Vec::new();
                let (mut i, mut j) = (0, 0);
                while i < x.len() && j < y.len() {
                    match x[i].cmp(&y[j]) {
                        std::cmp::Ordering::Less => i += 1,
                        std::cmp::Ordering::Greater => j += 1,
                        std::cmp::Ordering::Equal => {
                            both.push(x[i]);
                            i += 1;
                            j += 1;
                        }
                    }
                }
                both.dedup();
                Ok(Some((
                    both.len() as i64,
                    Driver {
                        set: DriverSet::Ids(Rc::new(both)),
                        // The term, if one of the two, is checked again per row;
                        // the side checks of both are passed.
                        is_term: false,
                        side: da.side | db.side,
                    },
                )))
            }
            [first, ..] => Ok(Some((*first).clone())),
        }
    }
}

/// The ids of a driver's set, sorted and distinct. Read as one
/// `group_concat` row: SQLite's loop is much cheaper than a row per id.
pub(super) fn driver_ids(conn: &Connection, d: &Driver) -> Result<Vec<i64>> {
    let mut ids: Vec<i64> = match &d.set {
        DriverSet::Ids(ids) => ids.as_ref().clone(),
        set => {
            let (sql, values) = set.sql();
            let mut stmt = conn.prepare_cached(&format!("SELECT group_concat(id) FROM ({sql})"))?;
            let text: Option<String> =
                stmt.query_row(params_from_iter(values.iter()), |r| r.get(0))?;
            text.as_deref()
                .unwrap_or("")
                .split(',')
                .filter_map(|x| x.trim().parse().ok())
                .collect()
        }
    };
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}
