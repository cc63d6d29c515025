//! Customer search, list filters, sort orders and paging: what the list
//! screen and `pelanggan customer list` ask for, answered fast at a million
//! customers. One question per file:
//!
//! * `filter.rs`: what each filter means, and the typed predicates and
//!   driving sets it becomes ("what does --tag-all mean?").
//! * `term.rs`: the search term: FTS5 trigram query, word marks (why `bu`
//!   finds Budi), short-term vocabulary counts, the row-text check. The
//!   indexed text is V11's generated columns, written once in SQL.
//! * `sort.rs`: the orders ("why debt first?"); `cursor.rs`: keyset cursors
//!   ("what is d~42~1~...?").
//! * `plan.rs`: which set drives a query and what each costs.
//! * `walk.rs`: how a page is read; `count.rs`: where a total comes from.
//! * `index.rs`: indexing deferred for bulk writers.
//!
//! This file owns the public entry points (`page`, `page_and_count`,
//! `count`) and the one cost choice: walk the order's index checking each
//! row, or collect the smallest named set and sort it. It knows nothing of
//! how results are shown; `customers::list` wraps it.

mod count;
mod cursor;
mod filter;
mod index;
mod plan;
mod predicate;
mod sort;
mod term;
mod walk;

use serde::{Deserialize, Serialize};

use crate::customers::model::Customer;
use crate::db::Reader;
use crate::error::{Error, Result};
use crate::tags;
use cursor::Cursor;
use plan::{Driver, Plan, SORT_MAX, driver_ids};
use walk::Start;

pub use filter::{BalanceKind, Filter};
pub use index::with_deferred_index;
pub use sort::Sort;
pub use term::{TERM_MAX, short_term_counts};

/// The largest page.
pub const MAX_PAGE_SIZE: u32 = 200;

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// 1-based page number (OFFSET): fine for scripts, slower when deep.
    Page(u32),
    /// Right after the row a previous page's `next` cursor names: as fast at
    /// any depth.
    After(String),
}

/// One page of customers, without the total (see `count`), and the cursor of
/// the page after it when there may be one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Slice {
    pub items: Vec<Customer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// One page of customers matching `filter` in `sort` order.
pub fn page(
    r: Reader<'_>,
    filter: &Filter,
    sort: Sort,
    limit: u32,
    position: &Position,
) -> Result<Slice> {
    page_inner(r, filter, sort, limit, position, false).map(|(slice, _)| slice)
}

/// One page and the total count, sharing the work both need (a search
/// term's match count is the total when nothing else filters).
pub fn page_and_count(
    r: Reader<'_>,
    filter: &Filter,
    sort: Sort,
    limit: u32,
    position: &Position,
) -> Result<(Slice, u32)> {
    let (slice, known) = page_inner(r, filter, sort, limit, position, true)?;
    let total = match known {
        Some(n) => count_u32(n),
        None => count(r, filter)?,
    };
    Ok((slice, total))
}

/// How many customers match `filter`.
pub fn count(r: Reader<'_>, filter: &Filter) -> Result<u32> {
    let conn = r.conn();
    let plan = Plan::new(conn, r.zone(), filter)?;
    if plan.nothing {
        return Ok(0);
    }
    let counters = crate::stats::counters(conn)?;
    Ok(count_u32(plan.count(conn, &counters)?))
}

/// A count as the wire carries it (a shop has far fewer than 4 billion
/// customers; a negative count cannot happen).
fn count_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The page, and the total count when finding the page already told it.
fn page_inner(
    r: Reader<'_>,
    filter: &Filter,
    sort: Sort,
    limit: u32,
    position: &Position,
    want_count: bool,
) -> Result<(Slice, Option<i64>)> {
    if limit == 0 || limit > MAX_PAGE_SIZE {
        return Err(Error::validation(
            "limit",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    let cursor;
    let from = match position {
        Position::Page(0) => return Err(Error::validation("page", "pages start at 1")),
        Position::Page(n) => Start {
            offset: i64::from(n - 1) * i64::from(limit),
            after: None,
        },
        Position::After(text) => {
            cursor = Cursor::parse(text, sort)?;
            Start {
                offset: 0,
                after: Some(&cursor),
            }
        }
    };
    let conn = r.conn();
    let plan = Plan::new(conn, r.zone(), filter)?;
    let empty = Slice {
        items: Vec::new(),
        next: None,
    };
    if plan.nothing {
        return Ok((empty, Some(0)));
    }
    let counters = crate::stats::counters(conn)?;
    let rows = (counters.customers + counters.deleted).max(1);
    let (mut items, known) = if plan.term_only() {
        let (items, n) = plan.term_page(conn, sort, limit, from, want_count)?;
        (items, n.map(|n| i64::try_from(n).unwrap_or(i64::MAX)))
    } else {
        let sizes = plan.driver_sizes(conn, &counters)?;
        let known = plan.term_only_count(&sizes);
        if known == Some(0) {
            return Ok((empty, Some(0)));
        }
        // Walking the order's index costs about need / fraction rows;
        // collecting the smallest named set costs its size. The fraction is
        // estimated as if the filters were independent.
        let need = from.offset + i64::from(limit);
        let fraction: f64 = sizes
            .iter()
            .map(|(n, _)| (*n as f64 / rows as f64).min(1.0))
            .product();
        let walk_rows = need as f64 / fraction.max(1e-9);
        let smallest = plan.best_driver(conn, &sizes)?;
        let collect = match &smallest {
            Some((n, _)) => {
                (*n as f64) < 2.0 * walk_rows
                    || plan.term.as_ref().is_some_and(|t| t.pattern.is_none())
            }
            None => false,
        };
        let gather = |driver: &Driver, n: i64| -> Result<Vec<Customer>> {
            if n > SORT_MAX && plan.options.bitmap_walk {
                let ids = driver_ids(conn, driver)?;
                plan.bitmap_walk(conn, &ids, true, sort, limit, from)
            } else {
                plan.collect(conn, driver, sort, limit, from)
            }
        };
        let items = match &smallest {
            Some((n, driver)) if collect => gather(driver, *n)?,
            _ => {
                // The estimate assumes independent filters; when the walk
                // finds the matches rarer than that, it stops and the
                // smallest set is collected.
                let cap = (from.offset == 0).then(|| (4.0 * walk_rows).clamp(5_000.0, 1e9) as i64);
                let (items, capped) = plan.walk(conn, sort, limit, from, cap)?;
                match &smallest {
                    Some((n, driver)) if capped => gather(driver, *n)?,
                    None if capped => plan.walk(conn, sort, limit, from, None)?.0,
                    _ => items,
                }
            }
        };
        (items, known)
    };
    tags::fill(conn, &mut items)?;
    let next = (items.len() == limit as usize)
        .then(|| items.last().map(|c| Cursor::of(c, sort).encode()))
        .flatten();
    Ok((Slice { items, next }, known))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_names() {
        for s in [
            "debt",
            "name",
            "name-desc",
            "balance",
            "balance_desc",
            "spent",
            "SPENT-DESC",
        ] {
            assert!(s.parse::<Sort>().is_ok(), "{s}");
        }
        assert_eq!("price".parse::<Sort>().unwrap_err().field(), Some("sort"));
        assert_eq!(
            "price".parse::<Sort>().unwrap_err().to_string(),
            "sort: 'price' is not one of debt, name, name-desc, balance, balance-desc, spent, spent-desc"
        );
        assert_eq!(Sort::NameDesc.to_string(), "name-desc");
        assert_eq!(
            serde_json::to_string(&Sort::SpentDesc).unwrap(),
            "\"spent-desc\""
        );
        assert_eq!(
            "x".parse::<BalanceKind>().unwrap_err().to_string(),
            "balance: 'x' is not one of credit, debt, zero"
        );
    }

    #[test]
    fn filters_read_from_json_with_defaults() {
        let f: Filter = serde_json::from_str(
            r#"{"search": "budi", "balance": "debt", "balance_min": "-5000"}"#,
        )
        .unwrap();
        assert_eq!(f.search.as_deref(), Some("budi"));
        assert_eq!(f.balance, Some(BalanceKind::Debt));
        assert_eq!(
            f.balance_min,
            Some(crate::money::Money::from_minor(-500_000))
        );
        assert!(f.tags_any.is_empty() && !f.include_deleted);
        let back: Filter = serde_json::from_str(&serde_json::to_string(&f).unwrap()).unwrap();
        assert_eq!(back, f);
        let p: Position = serde_json::from_str(r#"{"after": "d~1~0~t"}"#).unwrap();
        assert_eq!(p, Position::After("d~1~0~t".into()));
    }
}
