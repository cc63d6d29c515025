//! Customer search, list filters, sort orders and paging: what the list
//! screen and `pelanggan customer list` ask for, answered fast at a million
//! customers.
//!
//! What it owns:
//! * The search term: case-insensitive substring over name, WhatsApp and email
//!   through the FTS5 trigram tables of migration V3 (kept in step by triggers,
//!   so no write path can forget them). A term made only of digits and phone
//!   punctuation is matched on its digits, so `0812 345`, `0812-345` and
//!   `62812345` all find `+62812345...` (the index holds the E.164 digits and
//!   the local `08...` form). A 1- or 2-character term is a word prefix: the
//!   index puts two `char(1)` marks before each word, so `b` is the trigram
//!   "mark mark b".
//! * The filters (status, balance sign and range, tags any/all, created
//!   between, active subscription), each a clause chosen by code with its value
//!   bound as a parameter: no SQL is ever built from user text.
//! * The plan. A cheap capped probe tells whether the filters leave few rows
//!   (then they are collected through their own indexes and sorted) or many
//!   (then the sort order's index is walked and stops at the page's end). Deep
//!   pages use a keyset cursor (`after`), which seeks into that index, so page
//!   10,000 costs what page 1 costs; `--page N` (OFFSET) stays for scripts.
//! * Counts: from the statistics counters or one FTS lookup when the filters
//!   allow it, else one `count(*)` through the filters' indexes.
//!
//! It knows nothing of how results are shown; `customers::list` wraps it.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use crate::customers::{self, Customer, Status};
use crate::db::Write;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::tags;
use crate::validate;

/// The largest page.
pub const MAX_PAGE_SIZE: u32 = 200;
/// The longest search term, in characters.
pub const TERM_MAX: usize = 100;
/// Below this many matching rows the matches are collected and sorted; from
/// it on, the sort order's index is walked until the page is full.
const FEW: i64 = 3_000;

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
    if plan.nothing {
        return Ok(Slice {
            items: Vec::new(),
            next: None,
        });
    }
    let few = plan.has_narrowing() && plan.probe(conn)? < FEW;

    let mut sql = plan.clone();
    if few {
        sql.add_term(TermUse::Driver);
    } else {
        sql.add_term(TermUse::PerRow);
        if sort == Sort::Debt
            && let Some(debt) = plan.debt_partition
        {
            // Lets the walk seek straight into the right half of the index.
            sql.clauses.push("(c.balance < 0) = ?".into());
            sql.values.push(Value::Integer(i64::from(debt)));
        }
    }
    let mut outer = Vec::new();
    let mut outer_values = Vec::new();
    if let Some(cursor) = &after {
        outer.push(sort.keyset().to_owned());
        outer_values.extend(cursor.values());
    }
    let columns = customers::COLUMNS_C;
    let order = sort.order_by();
    let text = if few {
        let mut where_outer = outer.join(" AND ");
        if where_outer.is_empty() {
            where_outer = "1".into();
        }
        format!(
            "WITH m AS MATERIALIZED (SELECT c.id AS mid FROM customers c WHERE {})
             SELECT {columns} FROM m CROSS JOIN customers c ON c.id = m.mid
             WHERE {where_outer} ORDER BY {order} LIMIT ? OFFSET ?",
            sql.where_sql()
        )
    } else {
        sql.clauses.extend(outer.iter().cloned());
        format!(
            "SELECT {columns} FROM customers c INDEXED BY {} WHERE {} ORDER BY {order} LIMIT ? OFFSET ?",
            sort.index(),
            sql.where_sql()
        )
    };
    let mut values = sql.values;
    values.extend(outer_values);
    values.push(Value::Integer(i64::from(limit)));
    values.push(Value::Integer(offset));
    let mut stmt = conn.prepare_cached(&text)?;
    let mut items = stmt
        .query_map(params_from_iter(values), customers::from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    tags::fill(conn, &mut items)?;
    let next = (items.len() == limit as usize)
        .then(|| items.last().map(|c| Cursor::of(c, sort).encode()))
        .flatten();
    Ok(Slice { items, next })
}

/// How many customers match `filter`.
pub fn count(conn: &Connection, filter: &Filter) -> Result<u64> {
    let plan = Plan::new(conn, filter)?;
    if plan.nothing {
        return Ok(0);
    }
    let n: i64 = if plan.only_status() {
        match (&plan.term, plan.status_scope) {
            (None, scope) => {
                let stats = crate::stats::counters(conn)?;
                match (filter.status, scope) {
                    (Some(s), _) => stats.count_of(s),
                    (None, Scope::Live) => stats.customers,
                    (None, _) => stats.customers + stats.deleted,
                }
            }
            // Live and deleted customers each have their own FTS table, so a
            // term alone is counted without touching the customers table.
            (Some(term), Scope::Live) if filter.status.is_none() => {
                fts_count(conn, "customer_search", term)?
            }
            (Some(term), Scope::Deleted) => fts_count(conn, "customer_search_deleted", term)?,
            (Some(term), Scope::All) => {
                fts_count(conn, "customer_search", term)?
                    + fts_count(conn, "customer_search_deleted", term)?
            }
            (Some(_), Scope::Live) => plan.count_rows(conn)?,
        }
    } else {
        plan.count_rows(conn)?
    };
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
    w.exec("UPDATE customer_search_control SET defer = 1", [])?;
    let out = f(w);
    index_deferred(w)?;
    out
}

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
        tx.execute(
            &format!(
                "INSERT INTO {table} (rowid, name, email, numbers)
                 SELECT c.id, {INDEXED_TEXT} FROM customer_search_dirty d JOIN customers c ON c.id = d.id
                 WHERE c.status {live} 'deleted' ORDER BY c.id"
            ),
            [],
        )?;
    }
    tx.execute("DELETE FROM customer_search_dirty", [])?;
    Ok(())
}

/// The indexed columns of `customers c`: exactly what the V3 triggers index.
const INDEXED_TEXT: &str = "char(1, 1) || replace(c.name, ' ', ' ' || char(1, 1)),
       char(1, 1) || c.email,
       char(1, 1) || substr(c.whatsapp, 2)
           || CASE WHEN c.whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(c.whatsapp, 4) ELSE '' END";

/// Which FTS table(s) a term searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Live,
    Deleted,
    All,
}

/// How the term joins the other filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TermUse {
    /// `id IN (matches)`: the matches drive the query.
    Driver,
    /// Checked row by row (against the matches, materialised once) while an order index is walked.
    PerRow,
}

/// The filters as SQL clauses over `customers c`, with their bound values in order.
#[derive(Debug, Clone)]
struct Plan {
    clauses: Vec<String>,
    values: Vec<Value>,
    /// The FTS5 query of the search term, if any (added by `add_term`).
    term: Option<String>,
    status_scope: Scope,
    /// Some(true): every match is in debt; Some(false): none is.
    debt_partition: Option<bool>,
    /// True when the filters can match nothing (an unknown tag in "all of").
    nothing: bool,
    /// Number of clauses beyond the status one.
    narrowing: usize,
}

impl Plan {
    fn new(conn: &Connection, f: &Filter) -> Result<Plan> {
        let mut p = Plan {
            clauses: Vec::new(),
            values: Vec::new(),
            term: None,
            status_scope: Scope::Live,
            debt_partition: None,
            nothing: false,
            narrowing: 0,
        };
        match f.status {
            Some(Status::Deleted) => {
                p.status_scope = Scope::Deleted;
                p.clauses.push("c.status = 'deleted'".into());
            }
            Some(s) => {
                p.clauses.push("c.status = ?".into());
                p.values.push(Value::Text(s.as_str().into()));
            }
            None if f.include_deleted => p.status_scope = Scope::All,
            None => p.clauses.push("c.status != 'deleted'".into()),
        }
        let status_clauses = p.clauses.len();

        p.term = f.search.as_deref().map(fts_query).transpose()?.flatten();

        match f.balance {
            Some(BalanceKind::Debt) => {
                p.clauses.push("c.balance < 0".into());
                p.debt_partition = Some(true);
            }
            Some(BalanceKind::Credit) => {
                p.clauses.push("c.balance > 0".into());
                p.debt_partition = Some(false);
            }
            Some(BalanceKind::Zero) => {
                p.clauses.push("c.balance = 0".into());
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
        if let Some(min) = f.balance_min {
            p.clauses.push("c.balance >= ?".into());
            p.values.push(Value::Integer(min.minor()));
            if min.minor() >= 0 {
                p.debt_partition = Some(false);
            }
        }
        if let Some(max) = f.balance_max {
            p.clauses.push("c.balance <= ?".into());
            p.values.push(Value::Integer(max.minor()));
            if max.minor() < 0 {
                p.debt_partition = Some(true);
            }
        }

        if let (Some(from), Some(to)) = (f.created_from, f.created_to)
            && from > to
        {
            return Err(Error::validation(
                "created_from",
                "the start date is after the end date",
            ));
        }
        // Timestamps are RFC 3339 text, so days compare as text: [from, to + 1 day).
        if let Some(from) = f.created_from {
            p.clauses.push("c.created_at >= ?".into());
            p.values
                .push(Value::Text(from.format("%Y-%m-%d").to_string()));
        }
        if let Some(to) = f.created_to {
            let end = to.succ_opt().unwrap_or(to);
            p.clauses.push("c.created_at < ?".into());
            p.values
                .push(Value::Text(end.format("%Y-%m-%d").to_string()));
        }

        if !f.tags_any.is_empty() {
            let ids = tag_ids(conn, &f.tags_any)?;
            let known: Vec<i64> = ids.into_iter().flatten().collect();
            if known.is_empty() {
                p.nothing = true;
            } else {
                let marks = vec!["?"; known.len()].join(", ");
                p.clauses.push(format!(
                    "c.id IN (SELECT customer_id FROM customer_tags
                              WHERE tag_id IN ({marks}) AND causal_length % 2 = 1)"
                ));
                p.values.extend(known.into_iter().map(Value::Integer));
            }
        }
        for id in tag_ids(conn, &f.tags_all)? {
            match id {
                None => p.nothing = true,
                Some(id) => {
                    p.clauses.push(
                        "c.id IN (SELECT customer_id FROM customer_tags
                                  WHERE tag_id = ? AND causal_length % 2 = 1)"
                            .into(),
                    );
                    p.values.push(Value::Integer(id));
                }
            }
        }

        match f.active_subscription {
            Some(true) => p.clauses.push(
                "c.id IN (SELECT customer_id FROM subscriptions WHERE status = 'active')".into(),
            ),
            Some(false) => p.clauses.push(
                "c.id NOT IN (SELECT customer_id FROM subscriptions WHERE status = 'active')"
                    .into(),
            ),
            None => {}
        }
        p.narrowing = p.clauses.len() - status_clauses;
        Ok(p)
    }

    /// True when nothing but the status (or the live/deleted scope) is asked.
    fn only_status(&self) -> bool {
        self.narrowing == 0
    }

    /// True when some filter may leave few rows, so the probe is worth it.
    fn has_narrowing(&self) -> bool {
        self.narrowing > 0 || self.term.is_some()
    }

    fn add_term(&mut self, how: TermUse) {
        let Some(term) = self.term.clone() else {
            return;
        };
        let tables: &[&str] = match self.status_scope {
            Scope::Live => &["customer_search"],
            Scope::Deleted => &["customer_search_deleted"],
            Scope::All => &["customer_search", "customer_search_deleted"],
        };
        let parts: Vec<String> = tables
            .iter()
            .map(|t| match how {
                TermUse::Driver => format!("SELECT rowid FROM {t} WHERE {t} MATCH ?"),
                // Materialised once by SQLite, then probed per row: an
                // EXISTS with `rowid = c.id` would run the MATCH per row.
                TermUse::PerRow => format!("c.id IN (SELECT rowid FROM {t} WHERE {t} MATCH ?)"),
            })
            .collect();
        let clause = match how {
            TermUse::Driver => format!("c.id IN ({})", parts.join(" UNION ALL ")),
            TermUse::PerRow => format!("({})", parts.join(" OR ")),
        };
        self.clauses.push(clause);
        for _ in tables {
            self.values.push(Value::Text(term.clone()));
        }
    }

    fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            "1".into()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// How many rows match, counting no further than `FEW`.
    fn probe(&self, conn: &Connection) -> Result<i64> {
        let mut p = self.clone();
        p.add_term(TermUse::Driver);
        let text = format!(
            "SELECT count(*) FROM (SELECT 1 FROM customers c WHERE {} LIMIT {FEW})",
            p.where_sql()
        );
        let mut stmt = conn.prepare_cached(&text)?;
        Ok(stmt.query_row(params_from_iter(p.values), |r| r.get(0))?)
    }

    fn count_rows(&self, conn: &Connection) -> Result<i64> {
        let mut p = self.clone();
        p.add_term(TermUse::Driver);
        let text = format!("SELECT count(*) FROM customers c WHERE {}", p.where_sql());
        let mut stmt = conn.prepare_cached(&text)?;
        Ok(stmt.query_row(params_from_iter(p.values), |r| r.get(0))?)
    }
}

/// The ids of the named tags (None for a name the shop does not have).
fn tag_ids(conn: &Connection, names: &[String]) -> Result<Vec<Option<i64>>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM tags WHERE name = ?1")?;
    names
        .iter()
        .map(|n| {
            let name = validate::required("tag", n, tags::NAME_MAX)?;
            Ok(stmt.query_row([name], |r| r.get(0)).optional()?)
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
pub(crate) fn fts_query(input: &str) -> Result<Option<String>> {
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
    Ok(Some(format!("\"{}\"", pattern.replace('"', "\"\""))))
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
        assert_eq!(q("bu").as_deref(), Some("\"\u{1}\u{1}bu\""));
        assert_eq!(q("08").as_deref(), Some("\"\u{1}\u{1}08\""));
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
