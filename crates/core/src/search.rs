//! Customer search, list filters, sort orders and paging: what the list
//! screen and `pelanggan customer list` ask for, answered fast at a million
//! customers.
//!
//! What it owns:
//! * The search term: case-insensitive substring over name, WhatsApp and email
//!   and the extra contacts' numbers and emails, through the FTS5 trigram
//!   tables of migration V3 (kept in step by triggers, so no write path can
//!   forget them; V8 adds the contacts, cached on the customer row). A term made only of digits and phone
//!   punctuation is matched on its digits, so `0812 345`, `0812-345` and
//!   `62812345` all find `+62812345...` (the index holds the E.164 digits and
//!   the local `08...` form). A 1- or 2-character term is a word prefix: the
//!   index puts two `char(1)` marks before each word, so `b` is the trigram
//!   "mark mark b".
//! * The filters (status, balance sign and range, tags any/all, created
//!   between, active subscription), each a clause chosen by code with its value
//!   bound as a parameter: no SQL is ever built from user text.
//! * The plan. Each filter that names a set (the term's FTS matches, a tag,
//!   a subscription, a status, the debt/credit sign, a balance or date range)
//!   is sized cheaply (counters, capped counts on covering indexes, the FTS
//!   count). Then either the sort order's index is walked, each row checked
//!   (tags and subscriptions as `EXISTS ... LIMIT 1` probes, the term against
//!   the row's own text as the trigram tokenizer folds it, the FTS table for
//!   rows that are not ASCII), stopping at the page's end or at a cap when the
//!   matches are rarer than estimated; or the smallest set (or the
//!   intersection of the two smallest, made from their ids) is collected: a
//!   few thousand are sorted, more are found by walking the order's index
//!   alone against a bitmap of them, reading only the rows it hits. A term
//!   alone is paged the same way from its matches, read once (they are its
//!   count too). Deep pages use a keyset cursor (`after`) written as a range
//!   on the index's leading key plus the id tie-break (the debt order one half
//!   at a time), so it seeks: page 10,000 costs what page 1 costs; `--page N`
//!   (OFFSET) stays for scripts.
//! * Counts: from the statistics counters, the FTS table, the covering
//!   (status, balance) and (status, created_at) indexes, a tag or
//!   subscription set less its customers of other statuses, or the smallest
//!   set joined to the row checks.
//!
//! It knows nothing of how results are shown; `customers::list` wraps it.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use crate::customers::model::{self as customers, Customer, Status};
use crate::days::{Bounds, DayRange};
use crate::db::Write;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::tags;
use crate::validate;

/// The largest page.
pub const MAX_PAGE_SIZE: u32 = 200;
/// The longest search term, in characters.
pub const TERM_MAX: usize = 100;

/// The sign of the balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalanceKind {
    /// Balance < 0: the customer owes the shop.
    Debt,
    /// Balance > 0: the shop owes the customer.
    Credit,
    Zero,
}

impl FromStr for BalanceKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<BalanceKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "debt" => Ok(BalanceKind::Debt),
            "credit" => Ok(BalanceKind::Credit),
            "zero" => Ok(BalanceKind::Zero),
            other => Err(Error::validation(
                "balance",
                format!("'{other}' is not one of credit, debt, zero"),
            )),
        }
    }
}

/// The list's orders. Every order ends with the row id, so it is total and a
/// keyset cursor is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Debt first, then the most recently updated (the list's default).
    #[default]
    Debt,
    Name,
    NameDesc,
    /// Lowest balance (largest debt) first.
    Balance,
    BalanceDesc,
    /// Smallest total spent first.
    Spent,
    /// Biggest spenders first.
    SpentDesc,
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Debt => "debt",
            Sort::Name => "name",
            Sort::NameDesc => "name-desc",
            Sort::Balance => "balance",
            Sort::BalanceDesc => "balance-desc",
            Sort::Spent => "spent",
            Sort::SpentDesc => "spent-desc",
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            Sort::Debt => "(c.balance < 0) DESC, c.updated_at DESC, c.id DESC",
            Sort::Name => "c.name COLLATE NOCASE, c.id",
            Sort::NameDesc => "c.name COLLATE NOCASE DESC, c.id DESC",
            Sort::Balance => "c.balance, c.id",
            Sort::BalanceDesc => "c.balance DESC, c.id DESC",
            Sort::Spent => "c.total_spent, c.id",
            Sort::SpentDesc => "c.total_spent DESC, c.id DESC",
        }
    }

    fn index(self) -> &'static str {
        match self {
            Sort::Debt => "customers_debt_recent",
            Sort::Name | Sort::NameDesc => "customers_name",
            Sort::Balance | Sort::BalanceDesc => "customers_balance",
            Sort::Spent | Sort::SpentDesc => "customers_total_spent",
        }
    }

    /// "Strictly after the cursor's row" in this order; its values are bound.
    fn keyset(self) -> &'static str {
        match self {
            Sort::Debt => "((c.balance < 0), c.updated_at, c.id) < (?, ?, ?)",
            Sort::Name => "(c.name COLLATE NOCASE, c.id) > (?, ?)",
            Sort::NameDesc => "(c.name COLLATE NOCASE, c.id) < (?, ?)",
            Sort::Balance => "(c.balance, c.id) > (?, ?)",
            Sort::BalanceDesc => "(c.balance, c.id) < (?, ?)",
            Sort::Spent => "(c.total_spent, c.id) > (?, ?)",
            Sort::SpentDesc => "(c.total_spent, c.id) < (?, ?)",
        }
    }

    /// The letter a cursor of this order starts with.
    fn cursor_kind(self) -> char {
        match self {
            Sort::Debt => 'd',
            Sort::Name | Sort::NameDesc => 'n',
            Sort::Balance | Sort::BalanceDesc => 'b',
            Sort::Spent | Sort::SpentDesc => 's',
        }
    }
}

impl FromStr for Sort {
    type Err = Error;
    fn from_str(s: &str) -> Result<Sort> {
        let all = [
            Sort::Debt,
            Sort::Name,
            Sort::NameDesc,
            Sort::Balance,
            Sort::BalanceDesc,
            Sort::Spent,
            Sort::SpentDesc,
        ];
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        all.into_iter().find(|o| o.as_str() == wanted).ok_or_else(|| {
            Error::validation(
                "sort",
                format!(
                    "'{}' is not one of debt, name, name-desc, balance, balance-desc, spent, spent-desc",
                    s.trim()
                ),
            )
        })
    }
}

impl fmt::Display for Sort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which customers to list. Every field is optional; they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Substring of name, WhatsApp (any format) or email; 1-2 characters: a word prefix.
    pub search: Option<String>,
    pub status: Option<Status>,
    /// Deleted customers are hidden unless this is set or `status` is deleted.
    pub include_deleted: bool,
    pub balance: Option<BalanceKind>,
    /// Inclusive.
    pub balance_min: Option<Money>,
    /// Inclusive.
    pub balance_max: Option<Money>,
    /// Customers carrying at least one of these tags (names, any case).
    pub tags_any: Vec<String>,
    /// Customers carrying every one of these tags.
    pub tags_all: Vec<String>,
    /// Created on or after this UTC day.
    pub created_from: Option<NaiveDate>,
    /// Created on or before this UTC day.
    pub created_to: Option<NaiveDate>,
    /// Some(true): with at least one active subscription; Some(false): with none.
    pub active_subscription: Option<bool>,
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// 1-based page number (OFFSET): fine for scripts, slower when deep.
    Page(u32),
    /// Right after the row a previous page's `next` cursor names: as fast at
    /// any depth.
    After(String),
}

/// One page of customers, without the total (see `count`), and the cursor of
/// the page after it when there may be one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    pub items: Vec<Customer>,
    pub next: Option<String>,
}

/// One page of customers matching `filter` in `sort` order.
pub fn page(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    limit: u32,
    position: &Position,
) -> Result<Slice> {
    page_inner(conn, filter, sort, limit, position, false).map(|(slice, _)| slice)
}

/// One page and the total count, sharing the work both need (a search
/// term's match count is the total when nothing else filters).
pub fn page_and_count(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    limit: u32,
    position: &Position,
) -> Result<(Slice, u64)> {
    let (slice, known) = page_inner(conn, filter, sort, limit, position, true)?;
    let total = match known {
        Some(n) => n,
        None => count(conn, filter)?,
    };
    Ok((slice, total))
}

/// The page, and the total count when finding the page already told it.
fn page_inner(
    conn: &Connection,
    filter: &Filter,
    sort: Sort,
    limit: u32,
    position: &Position,
    want_count: bool,
) -> Result<(Slice, Option<u64>)> {
    if limit == 0 || limit > MAX_PAGE_SIZE {
        return Err(Error::validation(
            "limit",
            format!("must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    let (offset, after) = match position {
        Position::Page(0) => return Err(Error::validation("page", "pages start at 1")),
        Position::Page(n) => (i64::from(n - 1) * i64::from(limit), None),
        Position::After(text) => (0, Some(Cursor::parse(text, sort)?)),
    };
    let plan = Plan::new(conn, filter)?;
    let empty = Slice {
        items: Vec::new(),
        next: None,
    };
    if plan.nothing {
        return Ok((empty, Some(0)));
    }
    let counters = crate::stats::counters(conn)?;
    let rows = (counters.customers + counters.deleted).max(1);
    if plan.term_only() {
        let (mut items, n) =
            plan.term_page(conn, sort, limit, offset, after.as_ref(), want_count)?;
        tags::fill(conn, &mut items)?;
        let next = (items.len() == limit as usize)
            .then(|| items.last().map(|c| Cursor::of(c, sort).encode()))
            .flatten();
        return Ok((Slice { items, next }, n));
    }
    let sizes = plan.driver_sizes(conn, &counters)?;
    let known = plan.term_only_count(&sizes);
    if known == Some(0) {
        return Ok((empty, Some(0)));
    }
    // Walking the order's index costs about need / fraction rows; collecting
    // the smallest named set costs its size. The fraction is estimated as if
    // the filters were independent.
    let need = offset + i64::from(limit);
    let fraction: f64 = sizes
        .iter()
        .map(|(n, _)| (*n as f64 / rows as f64).min(1.0))
        .product();
    let walk_rows = need as f64 / fraction.max(1e-9);
    let smallest = best_driver(conn, &sizes)?;
    let smallest = smallest.as_ref();
    let collect = match smallest {
        Some((n, _)) => {
            (*n as f64) < 2.0 * walk_rows || plan.term.as_ref().is_some_and(|t| t.pattern.is_none())
        }
        None => false,
    };
    let gather = |driver: &Driver, n: i64| -> Result<Vec<Customer>> {
        if n > 2_000 {
            let ids = driver_ids(conn, driver)?;
            plan.bitmap_walk(conn, &ids, true, sort, limit, offset, after.as_ref())
        } else {
            plan.collect(conn, driver, sort, limit, offset, after.as_ref())
        }
    };
    let mut items = if collect {
        let (n, driver) = smallest.expect("a driver");
        gather(driver, *n)?
    } else {
        // The estimate assumes independent filters; when the walk finds the
        // matches rarer than that, it stops and the smallest set is collected.
        let cap = (offset == 0).then(|| (4.0 * walk_rows).clamp(5_000.0, 1e9) as i64);
        let (items, capped) = plan.walk(conn, sort, limit, offset, after.as_ref(), cap)?;
        match smallest {
            Some((n, driver)) if capped => gather(driver, *n)?,
            None if capped => {
                plan.walk(conn, sort, limit, offset, after.as_ref(), None)?
                    .0
            }
            _ => items,
        }
    };
    tags::fill(conn, &mut items)?;
    let next = (items.len() == limit as usize)
        .then(|| items.last().map(|c| Cursor::of(c, sort).encode()))
        .flatten();
    Ok((
        Slice { items, next },
        known.map(|n| u64::try_from(n).unwrap_or_default()),
    ))
}

/// How many customers match `filter`.
pub fn count(conn: &Connection, filter: &Filter) -> Result<u64> {
    let plan = Plan::new(conn, filter)?;
    if plan.nothing {
        return Ok(0);
    }
    let counters = crate::stats::counters(conn)?;
    let n = plan.count(conn, filter, &counters)?;
    Ok(u64::try_from(n).unwrap_or_default())
}

fn fts_count(conn: &Connection, table: &'static str, term: &str) -> Result<i64> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT count(*) FROM {table} WHERE {table} MATCH ?1"
    ))?;
    Ok(stmt.query_row([term], |r| r.get(0))?)
}

/// Runs `f` (a bulk write: the generator, an import) with search indexing
/// deferred, then indexes every customer it inserted or changed in one pass,
/// all inside the caller's transaction. Much faster for many rows: FTS5
/// writes a segment at every statement savepoint, so a million one-row
/// trigger inserts make a million tiny segments. The statistics counters stay
/// trigger-maintained either way. Whatever `f` returns, indexing is turned
/// back on before this returns.
pub fn with_deferred_index<T>(
    w: &mut Write<'_>,
    f: impl FnOnce(&mut Write<'_>) -> Result<T>,
) -> Result<T> {
    // The search index is a cache: its rows are not the change log's.
    w.uncounted(|w| w.exec("UPDATE customer_search_control SET defer = 1", []))?;
    let out = f(w);
    w.uncounted(index_deferred)?;
    out
}

/// FTS5's default incremental merge setting.
const FTS5_AUTOMERGE: i64 = 4;

/// Indexes the rows noted while indexing was deferred, and turns indexing on.
fn index_deferred(w: &mut Write<'_>) -> Result<()> {
    let tx = w.tx();
    tx.execute("UPDATE customer_search_control SET defer = 0", [])?;
    for table in ["customer_search", "customer_search_deleted"] {
        tx.execute(
            &format!(
                "DELETE FROM {table} WHERE rowid IN (SELECT id FROM customer_search_dirty WHERE fresh = 0)"
            ),
            [],
        )?;
        let live = if table == "customer_search" {
            "!="
        } else {
            "="
        };
        // One bulk insert: FTS5's incremental merging (automerge) would merge
        // segments again and again while it runs; the crisis merges still
        // bound their number, and queries measure no slower for it (FTS5's
        // default of 4 is restored after).
        tx.execute(
            &format!("INSERT INTO {table} ({table}, rank) VALUES ('automerge', 0)"),
            [],
        )?;
        tx.execute(
            &format!(
                "INSERT INTO {table} (rowid, name, email, numbers)
                 SELECT c.id, {INDEXED_TEXT} FROM customer_search_dirty d JOIN customers c ON c.id = d.id
                 WHERE c.status {live} 'deleted' ORDER BY c.id"
            ),
            [],
        )?;
        tx.execute(
            &format!("INSERT INTO {table} ({table}, rank) VALUES ('automerge', {FTS5_AUTOMERGE})"),
            [],
        )?;
    }
    tx.execute("DELETE FROM customer_search_dirty", [])?;
    Ok(())
}

/// The indexed columns of `customers c`: exactly what the V3 and V8
/// triggers index (V8: the extra contacts' caches after the customer's own).
const INDEXED_TEXT: &str = "char(1, 1) || replace(c.name, ' ', ' ' || char(1, 1)),
       coalesce(char(1, 1) || c.email, '') || coalesce(c.contact_emails, ''),
       char(1, 1) || substr(c.whatsapp, 2)
           || CASE WHEN c.whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(c.whatsapp, 4) ELSE '' END
           || coalesce(c.contact_numbers, '')";

/// The term checked against one row's own text, as the index holds it
/// (`?` is the lower-case pattern, three times). SQLite's `lower` folds ASCII
/// only, which is what the trigram tokenizer does for ASCII; a row with other
/// characters is checked in the index instead (`{fts}`), so the answer is
/// always the index's. A row without extra contacts (both caches NULL) is
/// checked as before V8, at the same cost.
const TERM_TEXT: &str = "(CASE WHEN length(c.name || coalesce(c.email, '')) = octet_length(c.name || coalesce(c.email, ''))
        AND (c.contact_emails IS NULL OR length(c.contact_emails) = octet_length(c.contact_emails))
      THEN instr(lower(char(1, 1) || replace(c.name, ' ', ' ' || char(1, 1))), ?) > 0
        OR instr(lower(CASE WHEN c.contact_emails IS NULL THEN char(1, 1) || coalesce(c.email, '')
                            ELSE coalesce(char(1, 1) || c.email, '') || c.contact_emails END), ?) > 0
        OR instr(char(1, 1) || substr(c.whatsapp, 2)
           || CASE WHEN c.whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(c.whatsapp, 4) ELSE '' END
           || coalesce(c.contact_numbers, ''), ?) > 0
      ELSE {fts} END)";

/// `TERM_TEXT` for a pattern without word marks (`?` six times): the
/// marks cannot be part of a match, so the fields are searched as stored
/// (the contacts' caches hold their own marks, which no such pattern spans).
const TERM_PLAIN: &str = "(CASE WHEN length(c.name || coalesce(c.email, '')) = octet_length(c.name || coalesce(c.email, ''))
        AND (c.contact_emails IS NULL OR length(c.contact_emails) = octet_length(c.contact_emails))
      THEN instr(lower(c.name), ?) > 0 OR instr(lower(c.email), ?) > 0 OR instr(c.whatsapp, ?) > 0
        OR (c.whatsapp GLOB '+62*' AND instr('0' || substr(c.whatsapp, 4), ?) > 0)
        OR instr(lower(c.contact_emails), ?) > 0 OR instr(c.contact_numbers, ?) > 0
      ELSE {fts} END)";

/// Which FTS table(s) a term searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Live,
    Deleted,
    All,
}

impl Scope {
    fn tables(self) -> &'static [&'static str] {
        match self {
            Scope::Live => &["customer_search"],
            Scope::Deleted => &["customer_search_deleted"],
            Scope::All => &["customer_search", "customer_search_deleted"],
        }
    }
}

/// The search term.
#[derive(Debug, Clone)]
struct Term {
    /// The FTS5 query.
    fts: String,
    /// The indexed-text pattern in lower case, when the term is ASCII (then a
    /// row can be checked against its own text); None otherwise.
    pattern: Option<String>,
    /// The one folded trigram an ASCII term of 1 or 2 characters is: its
    /// count is then read from the index's vocabulary.
    token: Option<String>,
}

/// A set of customer ids one filter names, which can drive a query.
#[derive(Debug, Clone)]
struct Driver {
    /// `SELECT ... AS id ...`
    sql: String,
    values: Vec<Value>,
    /// Its size is exact (not capped).
    is_term: bool,
    /// The side checks every id of the set passes: bit i for `Plan::sides[i]`
    /// (an intersection of two sets passes both sets' checks).
    side: u64,
}

/// The bit of `Driver::side` for `Plan::sides[i]` (none past 64 sides: such a
/// set is then checked against every side).
fn side_bit(i: usize) -> u64 {
    u32::try_from(i)
        .ok()
        .and_then(|i| 1u64.checked_shl(i))
        .unwrap_or(0)
}

/// A piece of SQL with its bound values, in order.
type Part = (String, Vec<Value>);

/// Counts from a set's own index stop here: beyond it, the set is large.
const CAP: i64 = 100_000;
/// A term with at most this many matches has them read (not just counted).
const TERM_IDS: i64 = 5_000;
/// A term alone with at most this many matches is paged from a bitmap of them.
const TERM_BITMAP: i64 = 60_000;

/// The filters as SQL over `customers c`, with their bound values in order.
#[derive(Debug, Clone)]
struct Plan {
    /// The status or live/deleted scope, as a row check.
    status: Part,
    /// The same, written so an index on (status, ...) can seek it.
    status_in: Part,
    /// Checks on the row's own columns (balance, created).
    columns: Vec<Part>,
    /// Checks on other tables (tags, subscriptions), each an EXISTS on `c.id`.
    sides: Vec<Part>,
    term: Option<Term>,
    status_scope: Scope,
    /// The one status asked for, if any.
    status_value: Option<Status>,
    /// Some(true): every match is in debt; Some(false): none is.
    debt_partition: Option<bool>,
    /// The sets the filters name, which can drive a query.
    drivers: Vec<Driver>,
    /// Their sizes known without a query (counters), by index in `drivers`.
    known_sizes: Vec<Option<i64>>,
    /// True when the filters can match nothing (an unknown tag in "all of").
    nothing: bool,
    /// `c.updated_at >= ?`, implied by the filters (see V7's
    /// customer_time_anomalies): a bound on the debt order's walk.
    updated_floor: Option<Part>,
}

impl Plan {
    fn new(conn: &Connection, f: &Filter) -> Result<Plan> {
        let mut p = Plan {
            status: ("1".into(), Vec::new()),
            status_in: ("1".into(), Vec::new()),
            columns: Vec::new(),
            sides: Vec::new(),
            term: None,
            status_scope: Scope::Live,
            status_value: f.status,
            debt_partition: None,
            updated_floor: None,
            drivers: Vec::new(),
            known_sizes: Vec::new(),
            nothing: false,
        };
        match f.status {
            Some(Status::Deleted) => {
                p.status_scope = Scope::Deleted;
                p.status = ("c.status = 'deleted'".into(), Vec::new());
                p.status_in = p.status.clone();
            }
            Some(s) => {
                p.status = ("c.status = ?".into(), vec![Value::Text(s.as_str().into())]);
                p.status_in = p.status.clone();
            }
            None if f.include_deleted => p.status_scope = Scope::All,
            None => {
                p.status = ("c.status != 'deleted'".into(), Vec::new());
                p.status_in = (
                    "c.status IN ('active', 'inactive', 'blacklisted')".into(),
                    Vec::new(),
                );
            }
        }

        if let Some((fts, pattern)) = f
            .search
            .as_deref()
            .map(fts_query_parts)
            .transpose()?
            .flatten()
        {
            let tables = p.status_scope.tables();
            let sql = tables
                .iter()
                .map(|t| format!("SELECT rowid AS id FROM {t} WHERE {t} MATCH ?"))
                .collect::<Vec<_>>()
                .join(" UNION ALL ");
            p.drivers.push(Driver {
                sql,
                values: tables.iter().map(|_| Value::Text(fts.clone())).collect(),
                is_term: true,
                side: 0,
            });
            p.known_sizes.push(None);
            p.term = Some(Term {
                fts,
                token: term_token(&pattern),
                pattern: pattern.is_ascii().then(|| pattern.to_ascii_lowercase()),
            });
        }

        match f.balance {
            Some(BalanceKind::Debt) => {
                p.columns.push(("c.balance < 0".into(), Vec::new()));
                p.debt_partition = Some(true);
            }
            Some(BalanceKind::Credit) => {
                p.columns.push(("c.balance > 0".into(), Vec::new()));
                p.debt_partition = Some(false);
            }
            Some(BalanceKind::Zero) => {
                p.columns.push(("c.balance = 0".into(), Vec::new()));
                p.debt_partition = Some(false);
            }
            None => {}
        }
        if let (Some(min), Some(max)) = (f.balance_min, f.balance_max)
            && min > max
        {
            return Err(Error::validation(
                "balance_min",
                format!("the minimum {min} is above the maximum {max}"),
            ));
        }
        let mut range: Vec<Part> = Vec::new();
        if let Some(min) = f.balance_min {
            range.push(("c.balance >= ?".into(), vec![Value::Integer(min.minor())]));
            if min.minor() >= 0 {
                p.debt_partition = Some(false);
            }
        }
        if let Some(max) = f.balance_max {
            range.push(("c.balance <= ?".into(), vec![Value::Integer(max.minor())]));
            if max.minor() < 0 {
                p.debt_partition = Some(true);
            }
        }
        if !range.is_empty() {
            let (sql, values) = join_parts(&range);
            p.drivers.push(Driver {
                sql: format!(
                    "SELECT c.id FROM customers c INDEXED BY customers_balance WHERE {sql}"
                ),
                values,
                is_term: false,
                side: 0,
            });
            p.known_sizes.push(None);
            p.columns.extend(range);
        }

        // The days' instants on the shop's calendar, as text bounds for the
        // RFC 3339 timestamps: [start of from, start of the day after to).
        let days = DayRange::new(f.created_from, f.created_to, "created_from")?;
        let bounds = if days == DayRange::default() {
            Bounds::default()
        } else {
            days.bounds(crate::settings::zone(conn)?)
        };
        let mut created: Vec<Part> = Vec::new();
        if let Some(day) = bounds.start {
            created.push(("c.created_at >= ?".into(), vec![Value::Text(day.clone())]));
            // No customer updated before it was created: a match was last
            // updated on or after `from` too, which bounds the debt order.
            let anomalies: i64 = conn
                .prepare_cached("SELECT updated_before_created FROM customer_time_anomalies")?
                .query_row([], |r| r.get(0))?;
            if anomalies == 0 {
                p.updated_floor = Some(("c.updated_at >= ?".into(), vec![Value::Text(day)]));
            }
        }
        if let Some(end) = bounds.end {
            created.push(("c.created_at < ?".into(), vec![Value::Text(end)]));
        }
        if !created.is_empty() {
            let (sql, values) = join_parts(&created);
            p.drivers.push(Driver {
                sql: format!(
                    "SELECT c.id FROM customers c INDEXED BY customers_created WHERE {sql}"
                ),
                values,
                is_term: false,
                side: 0,
            });
            p.known_sizes.push(None);
            p.columns.extend(created);
        }

        // Side checks end in LIMIT 1: a plain EXISTS may be turned into a
        // join with a Bloom filter built over the whole other table.
        let mut tag_groups: Vec<Vec<i64>> = Vec::new();
        if !f.tags_any.is_empty() {
            let known: Vec<i64> = tag_ids(conn, &f.tags_any)?.into_iter().flatten().collect();
            if known.is_empty() {
                p.nothing = true;
            } else {
                tag_groups.push(known);
            }
        }
        for id in tag_ids(conn, &f.tags_all)? {
            match id {
                None => p.nothing = true,
                Some(id) => tag_groups.push(vec![id]),
            }
        }
        for group in tag_groups {
            let marks = vec!["?"; group.len()].join(", ");
            let values: Vec<Value> = group.iter().map(|id| Value::Integer(*id)).collect();
            p.sides.push((
                format!(
                    "EXISTS (SELECT 1 FROM customer_tags t INDEXED BY customer_tags_live_customer
                             WHERE t.customer_id = c.id AND t.tag_id IN ({marks}) AND t.causal_length % 2 = 1 LIMIT 1)"
                ),
                values.clone(),
            ));
            let distinct = if group.len() > 1 { "DISTINCT " } else { "" };
            let side = side_bit(p.sides.len() - 1);
            p.drivers.push(Driver {
                side,
                sql: format!(
                    "SELECT {distinct}customer_id AS id FROM customer_tags INDEXED BY customer_tags_live
                     WHERE tag_id IN ({marks}) AND causal_length % 2 = 1"
                ),
                values,
                is_term: false,
            });
            p.known_sizes.push(None);
        }

        match f.active_subscription {
            Some(true) => {
                p.sides.push((
                    format!("EXISTS ({ACTIVE_SUBSCRIPTION} LIMIT 1)"),
                    Vec::new(),
                ));
                p.drivers.push(Driver {
                    side: side_bit(p.sides.len() - 1),
                    sql: "SELECT DISTINCT customer_id AS id FROM subscriptions INDEXED BY subscriptions_active_customer
                          WHERE status = 'active'"
                        .into(),
                    values: Vec::new(),
                    is_term: false,
                });
                p.known_sizes.push(None);
            }
            Some(false) => p.sides.push((
                format!("NOT EXISTS ({ACTIVE_SUBSCRIPTION} LIMIT 1)"),
                Vec::new(),
            )),
            None => {}
        }
        Ok(p)
    }

    /// The size of each set that can drive a query (capped at `CAP`, except
    /// the term's, which is exact), with the set. A specific status and the
    /// debt/credit sign are sets too, sized by the counters.
    fn driver_sizes(
        &self,
        conn: &Connection,
        counters: &crate::stats::Counters,
    ) -> Result<Vec<(i64, Driver)>> {
        let mut out = Vec::new();
        for (d, known) in self.drivers.iter().zip(&self.known_sizes) {
            let n = match known {
                Some(n) => *n,
                None if d.is_term => {
                    // A rare term's matches are read once, and are both its
                    // count and the set a query is driven by; a common
                    // term's are only counted.
                    let term = &self.term.as_ref().expect("a term").fts;
                    let known = self.token_count(conn)?;
                    if let Some(n) = known.filter(|n| *n > TERM_IDS) {
                        out.push((n, d.clone()));
                        continue;
                    }
                    let mut ids: Vec<i64> = Vec::new();
                    for t in self.status_scope.tables() {
                        let mut stmt = conn.prepare_cached(&format!(
                            "SELECT rowid FROM {t} WHERE {t} MATCH ?1 LIMIT {}",
                            TERM_IDS + 1
                        ))?;
                        let rows = stmt.query_map([term], |r| r.get::<_, i64>(0))?;
                        for id in rows {
                            ids.push(id?);
                        }
                    }
                    if ids.len() as i64 <= TERM_IDS {
                        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                        out.push((
                            ids.len() as i64,
                            Driver {
                                sql: "SELECT value AS id FROM json_each(?)".into(),
                                values: vec![Value::Text(format!("[{list}]"))],
                                is_term: true,
                                side: 0,
                            },
                        ));
                        continue;
                    }
                    let mut n = 0;
                    for t in self.status_scope.tables() {
                        n += fts_count(conn, t, term)?;
                    }
                    n
                }
                None => {
                    let mut stmt = conn
                        .prepare_cached(&format!("SELECT count(*) FROM ({} LIMIT {CAP})", d.sql))?;
                    stmt.query_row(params_from_iter(d.values.iter()), |r| r.get(0))?
                }
            };
            out.push((n, d.clone()));
        }
        if let Some(s) = self.status_value {
            out.push((
                counters.count_of(s),
                Driver {
                    sql: "SELECT c.id FROM customers c INDEXED BY customers_status_updated WHERE c.status = ?"
                        .into(),
                    values: vec![Value::Text(s.as_str().into())],
                    is_term: false,
                    side: 0,
                },
            ));
        }
        match self.debt_partition {
            Some(true) if self.columns.iter().any(|(s, _)| s == "c.balance < 0") => out.push((
                counters.with_debt,
                Driver {
                    sql: "SELECT c.id FROM customers c INDEXED BY customers_balance WHERE c.balance < 0".into(),
                    values: Vec::new(),
                    is_term: false,
                    side: 0,
                },
            )),
            Some(false) if self.columns.iter().any(|(s, _)| s == "c.balance > 0") => out.push((
                counters.with_credit,
                Driver {
                    sql: "SELECT c.id FROM customers c INDEXED BY customers_balance WHERE c.balance > 0".into(),
                    values: Vec::new(),
                    is_term: false,
                    side: 0,
                },
            )),
            _ => {}
        }
        Ok(out)
    }

    /// The exact number of the term's matches in the scope when it is one
    /// trigram (a short ASCII term), from the FTS vocabulary; None otherwise.
    fn token_count(&self, conn: &Connection) -> Result<Option<i64>> {
        let Some(token) = self.term.as_ref().and_then(|t| t.token.as_deref()) else {
            return Ok(None);
        };
        let mut n = 0;
        for t in self.status_scope.tables() {
            n += token_count(conn, t, token)?;
        }
        Ok(Some(n))
    }

    /// Nothing but a term and the live/deleted/all scope.
    fn term_only(&self) -> bool {
        self.term.is_some()
            && self.columns.is_empty()
            && self.sides.is_empty()
            && !matches!(self.status_value, Some(s) if s != Status::Deleted)
    }

    /// A term alone: its matches are read once from the index (that is also
    /// the count); few are sorted, many are found by walking the order's
    /// index alone (no table rows) against a bitmap of the matches, and only
    /// the page's rows are read. The scope's FTS table holds exactly the
    /// scope's customers, so no status check is needed.
    fn term_page(
        &self,
        conn: &Connection,
        sort: Sort,
        limit: u32,
        offset: i64,
        after: Option<&Cursor>,
        want_count: bool,
    ) -> Result<(Vec<Customer>, Option<u64>)> {
        let term = &self.term.as_ref().expect("a term").fts;
        // A short term's count is known at once: when it is very common, its
        // matches are not read at all, only checked along the order's index.
        if let Some(n) = self.token_count(conn)?.filter(|n| *n > TERM_BITMAP) {
            let (items, _) = self.walk(conn, sort, limit, offset, after, None)?;
            return Ok((items, Some(n.unsigned_abs())));
        }
        // A term whose rows cannot be checked on their own text (not ASCII)
        // has all its matches read.
        let cap = if self.term.as_ref().is_some_and(|t| t.pattern.is_some()) {
            TERM_BITMAP + 1
        } else {
            -1
        };
        let mut ids: Vec<i64> = Vec::new();
        for t in self.status_scope.tables() {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT rowid FROM {t} WHERE {t} MATCH ?1 LIMIT {cap}"
            ))?;
            let rows = stmt.query_map([term], |r| r.get::<_, i64>(0))?;
            for id in rows {
                ids.push(id?);
            }
        }
        if cap > 0 && ids.len() as i64 > TERM_BITMAP {
            // Very common: the rows checked one by one along the order's
            // index until the page is full, and counted in the index only
            // when asked (the count of a term matching most of a million
            // customers costs more than the page: the UI shows the page first).
            let (items, _) = self.walk(conn, sort, limit, offset, after, None)?;
            if !want_count {
                return Ok((items, None));
            }
            let mut n = 0;
            for t in self.status_scope.tables() {
                n += fts_count(conn, t, term)?;
            }
            return Ok((items, Some(n.unsigned_abs())));
        }
        let n = ids.len() as u64;
        if ids.is_empty() {
            return Ok((Vec::new(), Some(0)));
        }
        let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        if ids.len() <= 2_000 {
            let driver = Driver {
                sql: "SELECT value AS id FROM json_each(?)".into(),
                values: vec![Value::Text(format!("[{}]", list(&ids)))],
                is_term: true,
                side: 0,
            };
            return Ok((
                self.collect(conn, &driver, sort, limit, offset, after)?,
                Some(n),
            ));
        }
        ids.sort_unstable();
        ids.dedup();
        let items = self.bitmap_walk(conn, &ids, false, sort, limit, offset, after)?;
        Ok((items, Some(n)))
    }

    /// A page of the customers among `ids` (sorted): the order's index is
    /// walked alone (no table rows) against a bitmap of `ids`; the rows it
    /// hits are read in batches, in order, and checked against every filter
    /// when `check` (a term alone needs none: its FTS table is its scope).
    #[allow(clippy::too_many_arguments)]
    fn bitmap_walk(
        &self,
        conn: &Connection,
        ids: &[i64],
        check: bool,
        sort: Sort,
        limit: u32,
        offset: i64,
        after: Option<&Cursor>,
    ) -> Result<Vec<Customer>> {
        let max = ids.last().copied().unwrap_or(0).max(0) as usize;
        let mut bits = vec![0u64; max / 64 + 1];
        for id in ids {
            if *id >= 0 {
                bits[*id as usize / 64] |= 1 << (*id as usize % 64);
            }
        }
        let hit = |id: i64| {
            id >= 0
                && (id as usize) <= max
                && bits[id as usize / 64] & (1 << (id as usize % 64)) != 0
        };
        // The order's index alone, from the cursor; the debt order a half at a time.
        let mut passes: Vec<(Vec<Part>, &str)> = Vec::new();
        if sort == Sort::Debt {
            let halves: Vec<bool> = match (self.debt_partition, after) {
                (Some(d), _) => vec![d],
                (None, Some(c)) if c.key == Value::Integer(0) => vec![false],
                _ => vec![true, false],
            };
            for debt in halves {
                let mut pre = vec![(
                    "(c.balance < 0) = ?".to_owned(),
                    vec![Value::Integer(i64::from(debt))],
                )];
                if let Some(c) = after
                    && c.key == Value::Integer(i64::from(debt))
                {
                    pre.push(c.seek(sort));
                }
                pre.extend(self.updated_floor.clone());
                passes.push((pre, "c.updated_at DESC, c.id DESC"));
            }
        } else {
            passes.push((
                after.map(|c| c.seek(sort)).into_iter().collect(),
                sort.order_by(),
            ));
        }
        let mut checks = Vec::new();
        if check {
            checks.push(self.status.clone());
            checks.extend(self.columns.iter().cloned());
            checks.extend(self.sides.iter().cloned());
            checks.extend(self.term_check());
        }
        let (check_sql, check_values) = join_parts(&checks);
        let mut verify = conn.prepare_cached(&format!(
            "SELECT {} FROM json_each(?) j CROSS JOIN customers c ON c.id = j.value
             WHERE {check_sql} ORDER BY j.key",
            customers::COLUMNS_C
        ))?;
        let mut items: Vec<Customer> = Vec::new();
        let mut skipped = 0i64;
        let mut batch: Vec<i64> = Vec::new();
        let mut flush =
            |batch: &mut Vec<i64>, items: &mut Vec<Customer>, skipped: &mut i64| -> Result<()> {
                if batch.is_empty() {
                    return Ok(());
                }
                let list = batch
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(",");
                let mut values = vec![Value::Text(format!("[{list}]"))];
                values.extend(check_values.iter().cloned());
                let rows = verify.query_map(params_from_iter(values), customers::from_row)?;
                for row in rows {
                    let c = row?;
                    if *skipped < offset {
                        *skipped += 1;
                    } else if items.len() < limit as usize {
                        items.push(c);
                    }
                }
                batch.clear();
                Ok(())
            };
        'walk: for (pre, order) in passes {
            let (sql, values) = join_parts(&pre);
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT c.id FROM customers c INDEXED BY {} WHERE {sql} ORDER BY {order}",
                sort.index()
            ))?;
            let mut rows = stmt.query(params_from_iter(values))?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                if hit(id) {
                    batch.push(id);
                    let still = (offset - skipped).max(0) + i64::from(limit) - items.len() as i64;
                    if batch.len() as i64 >= still + still / 4 + 8 {
                        flush(&mut batch, &mut items, &mut skipped)?;
                        if items.len() == limit as usize {
                            break 'walk;
                        }
                    }
                }
            }
            flush(&mut batch, &mut items, &mut skipped)?;
            if items.len() == limit as usize {
                break;
            }
        }
        flush(&mut batch, &mut items, &mut skipped)?;
        Ok(items)
    }

    /// The total, when it is the term's match count (nothing but the term
    /// and the live/deleted scope filters).
    fn term_only_count(&self, sizes: &[(i64, Driver)]) -> Option<i64> {
        (self.term.is_some()
            && self.columns.is_empty()
            && self.sides.is_empty()
            && !matches!(self.status_value, Some(s) if s != Status::Deleted))
        .then(|| sizes.iter().find(|(_, d)| d.is_term).map(|(n, _)| *n))
        .flatten()
    }

    /// The term as a check on the row, with its values.
    fn term_check(&self) -> Option<Part> {
        let term = self.term.as_ref()?;
        let tables = self.status_scope.tables();
        let fts = tables
            .iter()
            .map(|t| format!("EXISTS (SELECT 1 FROM {t} WHERE {t} MATCH ? AND rowid = c.id)"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let fts_values: Vec<Value> = tables
            .iter()
            .map(|_| Value::Text(term.fts.clone()))
            .collect();
        Some(match &term.pattern {
            // No word marks: a plain substring of the fields as stored.
            Some(p) if !p.contains('\u{1}') => {
                let mut values = vec![Value::Text(p.clone()); 6];
                values.extend(fts_values);
                (TERM_PLAIN.replace("{fts}", &format!("({fts})")), values)
            }
            Some(p) => {
                let mut values = vec![Value::Text(p.clone()); 3];
                values.extend(fts_values);
                (TERM_TEXT.replace("{fts}", &format!("({fts})")), values)
            }
            None => (format!("({fts})"), fts_values),
        })
    }

    /// The side checks but the one `driver` already implies.
    fn sides_for(&self, driver: &Driver) -> Part {
        let kept: Vec<Part> = self
            .sides
            .iter()
            .enumerate()
            .filter(|(i, _)| side_bit(*i) & driver.side == 0)
            .map(|(_, p)| p.clone())
            .collect();
        join_parts(&kept)
    }

    /// Walks the sort order's index, checking each row, until the page is full.
    fn walk(
        &self,
        conn: &Connection,
        sort: Sort,
        limit: u32,
        offset: i64,
        after: Option<&Cursor>,
        cap: Option<i64>,
    ) -> Result<(Vec<Customer>, bool)> {
        // Checked on the index walk itself: the status, the debt half, the
        // cursor; then on the rows it yields (at most `cap` of them): the rest.
        let pre = vec![self.status.clone()];
        let mut post = self.columns.clone();
        post.extend(self.sides.iter().cloned());
        post.extend(self.term_check());
        let walk = |pre: &[Part], order: &str, want: u32, skip: i64| {
            query_page(conn, sort.index(), pre, &post, order, want, skip, cap)
        };
        if sort != Sort::Debt {
            let mut pre = pre;
            pre.extend(after.map(|c| c.seek(sort)));
            return walk(&pre, sort.order_by(), limit, offset);
        }
        // Debt order: each half of the index (in debt, not in debt) is walked
        // on its own, so a cursor seeks into it.
        let halves: Vec<bool> = match (self.debt_partition, after) {
            (Some(d), _) => vec![d],
            (None, Some(c)) if c.key == Value::Integer(0) => vec![false],
            (None, Some(_)) => vec![true, false],
            (None, None) => return walk(&pre, sort.order_by(), limit, offset),
        };
        let mut items: Vec<Customer> = Vec::new();
        let mut capped = false;
        for debt in halves {
            let mut pre = pre.clone();
            pre.push((
                "(c.balance < 0) = ?".into(),
                vec![Value::Integer(i64::from(debt))],
            ));
            if let Some(c) = after
                && c.key == Value::Integer(i64::from(debt))
            {
                pre.push(c.seek(sort));
            }
            pre.extend(self.updated_floor.clone());
            let want = limit - items.len() as u32;
            // Only one half is walked when there is an offset (no cursor).
            let (got, hit) = walk(&pre, "c.updated_at DESC, c.id DESC", want, offset)?;
            items.extend(got);
            capped |= hit;
            if items.len() == limit as usize || capped {
                break;
            }
        }
        Ok((items, capped))
    }

    /// Collects the ids of `driver`, keeps those passing every check, sorts them.
    fn collect(
        &self,
        conn: &Connection,
        driver: &Driver,
        sort: Sort,
        limit: u32,
        offset: i64,
        after: Option<&Cursor>,
    ) -> Result<Vec<Customer>> {
        let (sides, side_values) = self.sides_for(driver);
        let mut outer = vec![self.status.clone()];
        outer.extend(self.columns.iter().cloned());
        if !driver.is_term {
            outer.extend(self.term_check());
        }
        if let Some(c) = after {
            outer.push((sort.keyset().to_owned(), c.values()));
        }
        let (outer_sql, outer_values) = join_parts(&outer);
        let columns = customers::COLUMNS_C;
        let text = format!(
            "WITH m AS MATERIALIZED (SELECT c.id AS mid FROM ({}) c WHERE {sides})
             SELECT {columns} FROM m CROSS JOIN customers c ON c.id = m.mid
             WHERE {outer_sql} ORDER BY {} LIMIT ? OFFSET ?",
            driver.sql,
            sort.order_by()
        );
        let mut values = driver.values.clone();
        values.extend(side_values);
        values.extend(outer_values);
        values.push(Value::Integer(i64::from(limit)));
        values.push(Value::Integer(offset));
        let mut stmt = conn.prepare_cached(&text)?;
        let items = stmt
            .query_map(params_from_iter(values), customers::from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(items)
    }

    /// How many customers match.
    fn count(
        &self,
        conn: &Connection,
        filter: &Filter,
        counters: &crate::stats::Counters,
    ) -> Result<i64> {
        let only_scope = self.columns.is_empty() && self.sides.is_empty();
        if only_scope && self.term.is_none() {
            return Ok(match (filter.status, self.status_scope) {
                (Some(s), _) => counters.count_of(s),
                (None, Scope::Live) => counters.customers,
                (None, _) => counters.customers + counters.deleted,
            });
        }
        let sizes = self.driver_sizes(conn, counters)?;
        if let Some(n) = self.term_only_count(&sizes) {
            return Ok(n);
        }
        // Only other tables filter (tags, subscriptions): count their set
        // without the customers table, then take away the customers of the
        // statuses not asked for, found through the status index.
        let side_sizes: Vec<(i64, Driver)> = sizes
            .iter()
            .filter(|(_, d)| !d.is_term && d.sql.contains("AS id"))
            .cloned()
            .collect();
        let smallest_side = side_sizes.iter().min_by_key(|(n, _)| *n).cloned();
        // Two middling sets (two tags): their intersection, made from their
        // ids, when it passes every side check (no third one to probe).
        let side_driver = match best_driver(conn, &side_sizes)? {
            Some((n, d)) if d.sql.contains("json_each") => {
                if self.sides_for(&d).0 == "1" {
                    Some((n, d))
                } else {
                    smallest_side
                }
            }
            _ => smallest_side,
        };
        if self.columns.is_empty()
            && self.term.is_none()
            && let Some((size, driver)) = &side_driver
        {
            let (others, other_values) = self.sides_for(driver);
            let (sides, side_values) = join_parts(&self.sides);
            let mut values = driver.values.clone();
            values.extend(other_values);
            // A middling set's ids (sorted) are read as one row; a big one is
            // only counted.
            let few = *size < CAP;
            let matching = if few && driver.sql.contains("json_each") {
                driver_ids(conn, driver)?
            } else if few {
                driver_ids(
                    conn,
                    &Driver {
                        sql: format!("SELECT c.id AS id FROM ({}) c WHERE {others}", driver.sql),
                        values: values.clone(),
                        is_term: false,
                        side: 0,
                    },
                )?
            } else {
                Vec::new()
            };
            let all: i64 = if few {
                matching.len() as i64
            } else {
                conn.prepare_cached(&format!(
                    "SELECT count(*) FROM ({}) c WHERE {others}",
                    driver.sql
                ))?
                .query_row(params_from_iter(values), |r| r.get(0))?
            };
            let wanted: Vec<Status> = match (filter.status, self.status_scope) {
                (Some(s), _) => vec![s],
                (None, Scope::Live) => vec![Status::Active, Status::Inactive, Status::Blacklisted],
                (None, _) => return Ok(all),
            };
            let statuses = [
                Status::Active,
                Status::Inactive,
                Status::Blacklisted,
                Status::Deleted,
            ];
            let (inside, outside): (Vec<Status>, Vec<Status>) =
                statuses.into_iter().partition(|s| wanted.contains(s));
            let sum = |set: &[Status]| set.iter().map(|s| counters.count_of(*s)).sum::<i64>();
            // Customers of one status in the set: the status's ids (from its
            // index, as one row) intersected with the set's, when that is the
            // smaller work; else the set's checks per customer of the status.
            let by_status = |s: Status| -> Result<i64> {
                if few && counters.count_of(s) <= all.max(1) * 4 {
                    let ids = driver_ids(
                        conn,
                        &Driver {
                            sql: "SELECT c.id FROM customers c INDEXED BY customers_status_updated
                                  WHERE c.status = ?"
                                .into(),
                            values: vec![Value::Text(s.as_str().into())],
                            is_term: false,
                            side: 0,
                        },
                    )?;
                    return Ok(ids
                        .iter()
                        .filter(|id| matching.binary_search(id).is_ok())
                        .count() as i64);
                }
                let mut values = vec![Value::Text(s.as_str().into())];
                values.extend(side_values.iter().cloned());
                Ok(conn
                    .prepare_cached(&format!(
                        "SELECT count(*) FROM customers c INDEXED BY customers_status_updated
                         WHERE c.status = ? AND {sides}"
                    ))?
                    .query_row(params_from_iter(values), |r| r.get(0))?)
            };
            return if sum(&outside) < sum(&inside) {
                let mut n = all;
                for s in outside {
                    n -= by_status(s)?;
                }
                Ok(n)
            } else {
                inside.into_iter().map(by_status).sum()
            };
        }
        // Only the balance or only the creation date (and sides): counted
        // through (status, balance) or (status, created_at), which hold what
        // the row checks need.
        let status_in = match self.status_scope {
            Scope::All => (
                "c.status IN ('active', 'inactive', 'blacklisted', 'deleted')".to_owned(),
                Vec::new(),
            ),
            _ => self.status_in.clone(),
        };
        let on = |prefix: &str| {
            !self.columns.is_empty() && self.columns.iter().all(|(sql, _)| sql.starts_with(prefix))
        };
        let index = if on("c.balance") {
            Some("customers_status_balance")
        } else if on("c.created_at") {
            Some("customers_status_created")
        } else {
            None
        };
        if let Some(index) = index
            && self.term.is_none()
        {
            let mut checks = vec![status_in];
            checks.extend(self.columns.iter().cloned());
            checks.extend(self.sides.iter().cloned());
            let (sql, values) = join_parts(&checks);
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT count(*) FROM customers c INDEXED BY {index} WHERE {sql}"
            ))?;
            return Ok(stmt.query_row(params_from_iter(values), |r| r.get(0))?);
        }
        // A small set drives the count; else the planner picks an index.
        let smallest = best_driver(conn, &sizes)?;
        let smallest = smallest.as_ref();
        let mut checks = vec![self.status_in.clone()];
        checks.extend(self.columns.iter().cloned());
        checks.extend(self.sides.iter().cloned());
        let (sql, values, text) = match smallest {
            Some((n, driver)) if *n < CAP => {
                if !driver.is_term {
                    checks.extend(self.term_check());
                }
                let (sql, checks_values) = join_parts(&checks);
                let mut values = driver.values.clone();
                values.extend(checks_values);
                let text = format!(
                    "SELECT count(*) FROM ({}) m CROSS JOIN customers c ON c.id = m.id WHERE {sql}",
                    driver.sql
                );
                (sql, values, text)
            }
            _ => {
                if let Some(term) = &self.term {
                    let tables = self.status_scope.tables();
                    let any = tables
                        .iter()
                        .map(|t| format!("SELECT rowid FROM {t} WHERE {t} MATCH ?"))
                        .collect::<Vec<_>>()
                        .join(" UNION ALL ");
                    checks.push((
                        format!("c.id IN ({any})"),
                        tables
                            .iter()
                            .map(|_| Value::Text(term.fts.clone()))
                            .collect(),
                    ));
                }
                let (sql, values) = join_parts(&checks);
                let text = format!("SELECT count(*) FROM customers c WHERE {sql}");
                (sql, values, text)
            }
        };
        let _ = sql;
        let mut stmt = conn.prepare_cached(&text)?;
        Ok(stmt.query_row(params_from_iter(values), |r| r.get(0))?)
    }
}

/// The ids of a driver's set, sorted and distinct. Read as one
/// `group_concat` row: SQLite's loop is much cheaper than a row per id.
fn driver_ids(conn: &Connection, d: &Driver) -> Result<Vec<i64>> {
    let text: Option<String> = if d.sql.contains("json_each") {
        match d.values.first() {
            Some(Value::Text(t)) => Some(t.trim_matches(|c| c == '[' || c == ']').to_owned()),
            _ => None,
        }
    } else {
        let mut stmt = conn.prepare_cached(&format!("SELECT group_concat(id) FROM ({})", d.sql))?;
        stmt.query_row(params_from_iter(d.values.iter()), |r| r.get(0))?
    };
    let mut ids: Vec<i64> = text
        .as_deref()
        .unwrap_or("")
        .split(',')
        .filter_map(|x| x.trim().parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The set to drive a collecting query: the smallest one, or, when the two
/// smallest are both of middling size, their intersection, made here from
/// their ids (each read from its own index, in id order).
fn best_driver(conn: &Connection, sizes: &[(i64, Driver)]) -> Result<Option<(i64, Driver)>> {
    let mut by_size: Vec<&(i64, Driver)> = sizes.iter().collect();
    by_size.sort_by_key(|(n, _)| *n);
    match by_size.as_slice() {
        [] => Ok(None),
        [(a, da), (b, db), ..] if *a > 2_000 && *b < CAP => {
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
            let list = both
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            Ok(Some((
                both.len() as i64,
                Driver {
                    sql: "SELECT value AS id FROM json_each(?)".into(),
                    values: vec![Value::Text(format!("[{list}]"))],
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

/// A live subscription of customer `c`.
const ACTIVE_SUBSCRIPTION: &str =
    "SELECT 1 FROM subscriptions s INDEXED BY subscriptions_active_customer
     WHERE s.customer_id = c.id AND s.status = 'active'";

/// `a AND b AND ...` with the values in order ("1" for none).
fn join_parts(parts: &[Part]) -> Part {
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

/// One page of `customers c` walked through `index` in `order`: `pre` is
/// checked during the walk, `post` on each row it yields, here, so the walk
/// can stop after `cap` rows (the page may then come back short). The order
/// is the index's, so rows stream with no sorting.
#[allow(clippy::too_many_arguments)]
fn query_page(
    conn: &Connection,
    index: &str,
    pre: &[Part],
    post: &[Part],
    order: &str,
    limit: u32,
    offset: i64,
    cap: Option<i64>,
) -> Result<(Vec<Customer>, bool)> {
    let (post_sql, mut values) = join_parts(post);
    let (pre_sql, pre_values) = join_parts(pre);
    values.extend(pre_values);
    let columns = customers::COLUMNS_C;
    let text = format!(
        "SELECT {columns}, coalesce(({post_sql}), 0) FROM customers c INDEXED BY {index}
         WHERE {pre_sql} ORDER BY {order}"
    );
    let mut stmt = conn.prepare_cached(&text)?;
    let ok = stmt.column_count() - 1;
    let mut rows = stmt.query(params_from_iter(values))?;
    let (mut examined, mut skipped) = (0i64, 0i64);
    let mut items = Vec::new();
    while let Some(r) = rows.next()? {
        examined += 1;
        if r.get::<_, i64>(ok)? != 0 {
            if skipped < offset {
                skipped += 1;
            } else {
                items.push(customers::from_row(r)?);
                if items.len() == limit as usize {
                    break;
                }
            }
        }
        if cap.is_some_and(|cap| examined >= cap) {
            return Ok((items, true));
        }
    }
    Ok((items, false))
}

/// The ids of the named tags (None for a name the shop does not have).
fn tag_ids(conn: &Connection, names: &[String]) -> Result<Vec<Option<i64>>> {
    names
        .iter()
        .map(|n| {
            let name = validate::name("tag", n, tags::NAME_MAX)?;
            Ok(tags::find(conn, &name)?.map(|t| t.id))
        })
        .collect()
}

/// The mark V3 puts before each indexed word (twice), so short terms can ask
/// for a word prefix. Input text never holds it: validation refuses control
/// characters, and terms are stripped of them.
const MARK: &str = "\u{1}\u{1}";

/// Turns what a person typed into an FTS5 query (one quoted phrase, so no
/// character of the term has a meaning in the query language), or None when
/// nothing searchable is left.
#[cfg(test)]
fn fts_query(input: &str) -> Result<Option<String>> {
    Ok(fts_query_parts(input)?.map(|(q, _)| q))
}

/// The FTS5 query and the pattern it looks for in the indexed text.
fn fts_query_parts(input: &str) -> Result<Option<(String, String)>> {
    let text: String = input.chars().filter(|c| !c.is_control()).collect();
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > TERM_MAX {
        return Err(Error::validation(
            "search",
            format!("is longer than {TERM_MAX} characters"),
        ));
    }
    let phone_like = text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().\u{a0}/".contains(c));
    let term: String = if phone_like {
        text.chars().filter(char::is_ascii_digit).collect()
    } else {
        text.to_owned()
    };
    let pattern = if term.chars().count() < 3 {
        format!("{MARK}{term}")
    } else {
        term.replace(' ', &format!(" {MARK}"))
    };
    // A 1- or 2-character term is one trigram: "mark mark b", or "mark b u"
    // (marks come in pairs, so "mark b u" is always a word's start).
    let query = short_token(&pattern).unwrap_or(&pattern);
    let query = format!("\"{}\"", query.replace('"', "\"\""));
    Ok(Some((query, pattern)))
}

/// For tests: a short term's count per FTS table (live, deleted) as the
/// vocabulary gives it and as counting its matches gives it; None when the
/// term is not one trigram.
#[doc(hidden)]
pub fn short_term_counts(conn: &Connection, input: &str) -> Result<Option<[(i64, i64); 2]>> {
    let Some((query, pattern)) = fts_query_parts(input)? else {
        return Ok(None);
    };
    let Some(token) = term_token(&pattern) else {
        return Ok(None);
    };
    let mut out = [(0, 0); 2];
    for (slot, table) in out
        .iter_mut()
        .zip(["customer_search", "customer_search_deleted"])
    {
        *slot = (
            token_count(conn, table, &token)?,
            fts_count(conn, table, &query)?,
        );
    }
    Ok(Some(out))
}

/// The folded trigram an ASCII term of 1 or 2 characters is, whose count the
/// FTS vocabulary holds; None for any other term.
fn term_token(pattern: &str) -> Option<String> {
    let folded = pattern.is_ascii().then(|| pattern.to_ascii_lowercase())?;
    short_token(&folded).map(str::to_owned)
}

/// The one trigram a 1- or 2-character term's pattern is, if it is one.
fn short_token(pattern: &str) -> Option<&str> {
    let term = pattern.strip_prefix(MARK)?;
    match term.chars().count() {
        1 => Some(pattern),
        2 => Some(&pattern[1..]),
        _ => None,
    }
}

/// How many rows of `table` hold `token` (one folded trigram), from the FTS
/// index's own per-term document count (fts5vocab, V7): exact, without
/// visiting the matches one by one.
fn token_count(conn: &Connection, table: &'static str, token: &str) -> Result<i64> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT coalesce((SELECT doc FROM {table}_vocab WHERE term = ?1), 0)"
    ))?;
    Ok(stmt.query_row([token], |r| r.get(0))?)
}

/// A position in one sort order: the sort key of the last row shown.
#[derive(Debug, Clone, PartialEq)]
struct Cursor {
    kind: char,
    id: i64,
    /// Debt order: whether in debt (1/0) and updated_at; others: the key.
    key: Value,
    updated_at: Option<String>,
}

impl Cursor {
    fn of(c: &Customer, sort: Sort) -> Cursor {
        let (key, updated_at) = match sort {
            Sort::Debt => (
                Value::Integer(i64::from(c.balance.is_negative())),
                Some(c.updated_at.clone()),
            ),
            Sort::Name | Sort::NameDesc => (Value::Text(c.name.clone()), None),
            Sort::Balance | Sort::BalanceDesc => (Value::Integer(c.balance.minor()), None),
            Sort::Spent | Sort::SpentDesc => (Value::Integer(c.total_spent.minor()), None),
        };
        Cursor {
            kind: sort.cursor_kind(),
            id: c.local_id,
            key,
            updated_at,
        }
    }

    /// `d~ID~DEBT~UPDATED_AT`, `n~ID~NAME`, `b~ID~BALANCE`, `s~ID~SPENT`.
    fn encode(&self) -> String {
        let key = match &self.key {
            Value::Integer(i) => i.to_string(),
            Value::Text(t) => t.clone(),
            _ => String::new(),
        };
        match &self.updated_at {
            Some(u) => format!("{}~{}~{key}~{u}", self.kind, self.id),
            None => format!("{}~{}~{key}", self.kind, self.id),
        }
    }

    fn parse(text: &str, sort: Sort) -> Result<Cursor> {
        let bad = || {
            Error::validation(
                "after",
                format!(
                    "'{text}' is not a cursor of the '{sort}' order (use the `next` value of the previous page)"
                ),
            )
        };
        let kind = sort.cursor_kind();
        let rest = text
            .strip_prefix(kind)
            .and_then(|r| r.strip_prefix('~'))
            .ok_or_else(bad)?;
        let (id, rest) = rest.split_once('~').ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        let (key, updated_at) = match kind {
            'd' => {
                let (debt, updated) = rest.split_once('~').ok_or_else(bad)?;
                let debt: i64 = debt.parse().map_err(|_| bad())?;
                if !(debt == 0 || debt == 1) || updated.is_empty() {
                    return Err(bad());
                }
                (Value::Integer(debt), Some(updated.to_owned()))
            }
            'n' => (Value::Text(rest.to_owned()), None),
            _ => (Value::Integer(rest.parse().map_err(|_| bad())?), None),
        };
        Ok(Cursor {
            kind,
            id,
            key,
            updated_at,
        })
    }

    /// "Strictly after this row" written so the order's index seeks to it:
    /// a range on the leading key, then the tie-break on the id. The debt
    /// order's half (in debt or not) is fixed by the caller.
    fn seek(&self, sort: Sort) -> Part {
        let id = Value::Integer(self.id);
        match sort {
            Sort::Debt => {
                let u = Value::Text(self.updated_at.clone().unwrap_or_default());
                (
                    "c.updated_at <= ? AND (c.updated_at < ? OR c.id < ?)".into(),
                    vec![u.clone(), u, id],
                )
            }
            _ => {
                let (key, up) = match sort {
                    Sort::Name => ("c.name COLLATE NOCASE", true),
                    Sort::NameDesc => ("c.name COLLATE NOCASE", false),
                    Sort::Balance => ("c.balance", true),
                    Sort::BalanceDesc => ("c.balance", false),
                    Sort::Spent => ("c.total_spent", true),
                    _ => ("c.total_spent", false),
                };
                let (ge, gt, idgt) = if up {
                    (">=", ">", ">")
                } else {
                    ("<=", "<", "<")
                };
                (
                    format!("{key} {ge} ? AND ({key} {gt} ? OR c.id {idgt} ?)"),
                    vec![self.key.clone(), self.key.clone(), id],
                )
            }
        }
    }

    /// The values the order's keyset clause binds, in its order.
    fn values(&self) -> Vec<Value> {
        let mut v = vec![self.key.clone()];
        if let Some(u) = &self.updated_at {
            v.push(Value::Text(u.clone()));
        }
        v.push(Value::Integer(self.id));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_become_one_quoted_phrase() {
        let q = |s: &str| fts_query(s).unwrap();
        assert_eq!(q("  "), None);
        assert_eq!(q("budi").as_deref(), Some("\"budi\""));
        assert_eq!(q("0812 345").as_deref(), Some("\"0812345\""));
        assert_eq!(q("+62 812-345").as_deref(), Some("\"62812345\""));
        assert_eq!(q("bu").as_deref(), Some("\"\u{1}bu\""));
        assert_eq!(q("b").as_deref(), Some("\"\u{1}\u{1}b\""));
        assert_eq!(q("08").as_deref(), Some("\"\u{1}08\""));
        assert_eq!(q("di sa").as_deref(), Some("\"di \u{1}\u{1}sa\""));
        assert_eq!(
            q("a\"b OR c").as_deref(),
            Some("\"a\"\"b \u{1}\u{1}OR \u{1}\u{1}c\"")
        );
        assert_eq!(
            fts_query(&"x".repeat(101)).unwrap_err().field(),
            Some("search")
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = Cursor {
            kind: 'd',
            id: 42,
            key: Value::Integer(1),
            updated_at: Some("2026-01-02T03:04:05.678Z".into()),
        };
        assert_eq!(Cursor::parse(&c.encode(), Sort::Debt).unwrap(), c);
        let n = Cursor {
            kind: 'n',
            id: 7,
            key: Value::Text("Budi ~ Santoso".into()),
            updated_at: None,
        };
        assert_eq!(Cursor::parse(&n.encode(), Sort::NameDesc).unwrap(), n);
        for bad in ["", "x", "d~1", "d~a~1~t", "d~1~2~t", "n~1", "b~1~x", "s~~1"] {
            let err = Cursor::parse(bad, Sort::Debt)
                .and_then(|_| Cursor::parse(bad, Sort::Balance))
                .unwrap_err();
            assert_eq!(err.field(), Some("after"), "{bad}");
        }
        // A cursor of another order is refused.
        assert!(Cursor::parse(&n.encode(), Sort::Debt).is_err());
    }

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
    }
}
