//! How a page is read once the plan is made: walk the sort order's index
//! checking each row (`walk`, `query_page`), collect a small set and sort it
//! (`collect`), walk the order's index alone against a bitmap of a large set
//! (`bitmap_walk`), and the paths of a term alone (`term_page`). Owns the
//! execution; must not know what a filter means (it renders the plan's
//! predicates) or how totals are counted.

use std::rc::Rc;

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::cursor::Cursor;
use super::plan::{Driver, DriverSet, Plan, SORT_MAX, TERM_BITMAP, id_list};
use super::predicate::Predicate;
use super::predicate::{Part, join, join_parts};
use super::sort::Sort;
use crate::customers::model::{self as customers, Customer};
use crate::error::Result;

/// Where the rows of a page start: the rows to skip (OFFSET) and the cursor.
#[derive(Debug, Clone, Copy)]
pub(super) struct Start<'a> {
    pub(super) offset: i64,
    pub(super) after: Option<&'a Cursor>,
}

impl Plan {
    /// The halves of the debt order to walk, in order (true: in debt), or
    /// None to walk the whole order at once.
    fn debt_halves(&self, after: Option<&Cursor>, whole_without_cursor: bool) -> Option<Vec<bool>> {
        if !self.options.debt_halves {
            return None;
        }
        Some(
            match (self.debt_partition, after.and_then(Cursor::debt_half)) {
                (Some(d), _) => vec![d],
                (None, Some(false)) => vec![false],
                (None, Some(true)) => vec![true, false],
                (None, None) if whole_without_cursor => return None,
                (None, None) => vec![true, false],
            },
        )
    }

    /// The walk's conditions on one half of the debt order.
    fn half(&self, debt: bool, after: Option<&Cursor>) -> Vec<Part> {
        let mut pre = vec![Predicate::DebtHalf(debt).sql()];
        if let Some(c) = after
            && c.debt_half() == Some(debt)
        {
            pre.push(c.seek(Sort::Debt));
        }
        pre.extend(self.updated_floor.as_ref().map(Predicate::sql));
        pre
    }

    /// "After the cursor" for a walk of the whole order.
    fn after_whole(sort: Sort, after: Option<&Cursor>) -> Option<Part> {
        after.map(|c| match sort {
            // The debt order's leading key is an expression: a row-value
            // comparison over the whole order.
            Sort::Debt => c.keyset(sort),
            _ => c.seek(sort),
        })
    }

    /// A term alone: its matches are read once from the index (that is also
    /// the count); few are sorted, many are found by walking the order's
    /// index alone (no table rows) against a bitmap of the matches, and only
    /// the page's rows are read. The scope's FTS table holds exactly the
    /// scope's customers, so no status check is needed.
    pub(super) fn term_page(
        &self,
        conn: &Connection,
        sort: Sort,
        limit: u32,
        from: Start<'_>,
        want_count: bool,
    ) -> Result<(Vec<Customer>, Option<u64>)> {
        let term = self.term.as_ref().expect("a term");
        // A short term's count is known at once: when it is very common, its
        // matches are not read at all, only checked along the order's index.
        if let Some(n) = self.vocabulary_count(conn)?.filter(|n| *n > TERM_BITMAP) {
            let (items, _) = self.walk(conn, sort, limit, from, None)?;
            return Ok((items, Some(n.unsigned_abs())));
        }
        // A term whose rows cannot be checked on their own text (not ASCII)
        // has all its matches read.
        let cap = if term.pattern.is_some() {
            TERM_BITMAP + 1
        } else {
            -1
        };
        let mut ids = term.ids(conn, self.scope, cap)?;
        if cap > 0 && ids.len() as i64 > TERM_BITMAP {
            // Very common: the rows checked one by one along the order's
            // index until the page is full, and counted in the index only
            // when asked (the count of a term matching most of a million
            // customers costs more than the page: the UI shows the page first).
            let (items, _) = self.walk(conn, sort, limit, from, None)?;
            if !want_count {
                return Ok((items, None));
            }
            return Ok((items, Some(term.count(conn, self.scope)?.unsigned_abs())));
        }
        let n = ids.len() as u64;
        if ids.is_empty() {
            return Ok((Vec::new(), Some(0)));
        }
        if ids.len() as i64 <= SORT_MAX || !self.options.bitmap_walk {
            let driver = Driver {
                set: DriverSet::Ids(Rc::new(ids)),
                is_term: true,
                side: 0,
            };
            return Ok((self.collect(conn, &driver, sort, limit, from)?, Some(n)));
        }
        ids.sort_unstable();
        ids.dedup();
        let items = self.bitmap_walk(conn, &ids, false, sort, limit, from)?;
        Ok((items, Some(n)))
    }

    /// A page of the customers among `ids` (sorted): the order's index is
    /// walked alone (no table rows) against a bitmap of `ids`; the rows it
    /// hits are read in batches, in order, and checked against every filter
    /// when `check` (a term alone needs none: its FTS table is its scope).
    pub(super) fn bitmap_walk(
        &self,
        conn: &Connection,
        ids: &[i64],
        check: bool,
        sort: Sort,
        limit: u32,
        from: Start<'_>,
    ) -> Result<Vec<Customer>> {
        let Start { offset, after } = from;
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
        match (sort, self.debt_halves(after, false)) {
            (Sort::Debt, Some(halves)) => {
                for debt in halves {
                    passes.push((self.half(debt, after), Sort::DEBT_HALF_ORDER));
                }
            }
            _ => passes.push((
                Self::after_whole(sort, after).into_iter().collect(),
                sort.order_by(),
            )),
        }
        let mut checks = Vec::new();
        if check {
            checks.push(self.status_sql());
            checks.push(join(self.columns.iter().chain(&self.sides)));
            checks.extend(self.term.as_ref().map(|t| t.check(self.scope)));
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
                let mut values = vec![Value::Text(id_list(batch))];
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

    /// Walks the sort order's index, checking each row, until the page is
    /// full; true when it stopped at `cap` rows examined.
    pub(super) fn walk(
        &self,
        conn: &Connection,
        sort: Sort,
        limit: u32,
        from: Start<'_>,
        cap: Option<i64>,
    ) -> Result<(Vec<Customer>, bool)> {
        let Start { offset, after } = from;
        // Checked on the index walk itself: the status, the debt half, the
        // cursor; then on the rows it yields (at most `cap` of them): the rest.
        let pre = vec![self.status_sql()];
        let mut post = vec![join(self.columns.iter().chain(&self.sides))];
        post.extend(self.term.as_ref().map(|t| t.check(self.scope)));
        let walk = |pre: &[Part], order: &str, want: u32, skip: i64| {
            query_page(conn, sort.index(), pre, &post, order, want, skip, cap)
        };
        let halves = match (sort, self.debt_halves(after, true)) {
            (Sort::Debt, Some(halves)) => halves,
            _ => {
                let mut pre = pre;
                pre.extend(Self::after_whole(sort, after));
                return walk(&pre, sort.order_by(), limit, offset);
            }
        };
        // Debt order: each half of the index (in debt, not in debt) is walked
        // on its own, so a cursor seeks into it.
        let mut items: Vec<Customer> = Vec::new();
        let mut capped = false;
        for debt in halves {
            let mut pre = pre.clone();
            pre.extend(self.half(debt, after));
            let want = limit - items.len() as u32;
            // Only one half is walked when there is an offset (no cursor).
            let (got, hit) = walk(&pre, Sort::DEBT_HALF_ORDER, want, offset)?;
            items.extend(got);
            capped |= hit;
            if items.len() == limit as usize || capped {
                break;
            }
        }
        Ok((items, capped))
    }

    /// Collects the ids of `driver`, keeps those passing every check, sorts them.
    pub(super) fn collect(
        &self,
        conn: &Connection,
        driver: &Driver,
        sort: Sort,
        limit: u32,
        from: Start<'_>,
    ) -> Result<Vec<Customer>> {
        let (sides, side_values) = join(self.sides_for(driver));
        let mut outer = vec![self.status_sql(), join(&self.columns)];
        if !driver.is_term {
            outer.extend(self.term.as_ref().map(|t| t.check(self.scope)));
        }
        if let Some(c) = from.after {
            outer.push(c.keyset(sort));
        }
        let (outer_sql, outer_values) = join_parts(&outer);
        let (driver_sql, driver_values) = driver.set.sql();
        let columns = customers::COLUMNS_C;
        let text = format!(
            "WITH m AS MATERIALIZED (SELECT c.id AS mid FROM ({driver_sql}) c WHERE {sides})
             SELECT {columns} FROM m CROSS JOIN customers c ON c.id = m.mid
             WHERE {outer_sql} ORDER BY {} LIMIT ? OFFSET ?",
            sort.order_by()
        );
        let mut values = driver_values;
        values.extend(side_values);
        values.extend(outer_values);
        values.push(Value::Integer(i64::from(limit)));
        values.push(Value::Integer(from.offset));
        let mut stmt = conn.prepare_cached(&text)?;
        let items = stmt
            .query_map(params_from_iter(values), customers::from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(items)
    }
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
