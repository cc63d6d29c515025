//! Where a total comes from. In order of preference: the statistics
//! counters (no filter but the status), the term's FTS count (a term alone),
//! a tag or subscription set less its customers of the statuses not asked
//! for, a covering (status, balance) or (status, created_at) index, and last
//! the smallest set joined to the row checks. Owns the count strategies; must
//! not know how a page is read.

use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use super::plan::{CAP, Driver, DriverSet, Plan, driver_ids};
use super::predicate::{Predicate, join, join_parts};
use super::term::Scope;
use crate::customers::model::Status;
use crate::error::Result;
use crate::stats::Counters;

impl Plan {
    /// How many customers match.
    pub(super) fn count(&self, conn: &Connection, counters: &Counters) -> Result<i64> {
        if self.columns.is_empty() && self.sides.is_empty() && self.term.is_none() {
            return Ok(self.scope_count(counters));
        }
        let sizes = self.driver_sizes(conn, counters)?;
        if let Some(n) = self.term_only_count(&sizes) {
            return Ok(n);
        }
        if self.columns.is_empty() && self.term.is_none() && self.options.status_subtraction {
            let sides: Vec<(i64, Driver)> = sizes
                .iter()
                .filter(|(_, d)| matches!(d.set, DriverSet::Tags(_) | DriverSet::Subscribed))
                .cloned()
                .collect();
            if let Some(n) = self.sides_only_count(conn, counters, &sides)? {
                return Ok(n);
            }
        }
        if self.term.is_none()
            && let Some(n) = self.covering_count(conn)?
        {
            return Ok(n);
        }
        self.joined_count(conn, &sizes)
    }

    /// Every customer of the status or scope asked for, from the counters.
    fn scope_count(&self, counters: &Counters) -> i64 {
        match (self.status_value, self.scope) {
            (Some(s), _) => counters.count_of(s),
            (None, Scope::Live) => counters.customers,
            (None, _) => counters.customers + counters.deleted,
        }
    }

    /// Only other tables filter (tags, subscriptions): their set is counted
    /// without the customers table, then the customers of the statuses not
    /// asked for, found through the status index, are taken away. None when
    /// there is no such set.
    fn sides_only_count(
        &self,
        conn: &Connection,
        counters: &Counters,
        side_sizes: &[(i64, Driver)],
    ) -> Result<Option<i64>> {
        let smallest_side = side_sizes.iter().min_by_key(|(n, _)| *n).cloned();
        // Two middling sets (two tags): their intersection, made from their
        // ids, when it passes every side check (no third one to probe).
        let side_driver = match self.best_driver(conn, side_sizes)? {
            Some((n, d)) if matches!(d.set, DriverSet::Ids(_)) => {
                if self.sides_for(&d).is_empty() {
                    Some((n, d))
                } else {
                    smallest_side
                }
            }
            _ => smallest_side,
        };
        let Some((size, driver)) = side_driver else {
            return Ok(None);
        };
        let (others, other_values) = join(self.sides_for(&driver));
        let (sides, side_values) = join(&self.sides);
        let (driver_sql, mut values) = driver.set.sql();
        values.extend(other_values);
        // A middling set's ids (sorted) are read as one row; a big one is
        // only counted.
        let few = size < CAP;
        let matching = match &driver.set {
            DriverSet::Ids(_) if few => driver_ids(conn, &driver)?,
            _ if few => {
                let mut stmt = conn.prepare_cached(&format!(
                    "SELECT group_concat(id) FROM (SELECT c.id AS id FROM ({driver_sql}) c WHERE {others})"
                ))?;
                let text: Option<String> =
                    stmt.query_row(params_from_iter(values.iter()), |r| r.get(0))?;
                let mut ids: Vec<i64> = text
                    .as_deref()
                    .unwrap_or("")
                    .split(',')
                    .filter_map(|x| x.trim().parse().ok())
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            }
            _ => Vec::new(),
        };
        let all: i64 = if few {
            matching.len() as i64
        } else {
            conn.prepare_cached(&format!(
                "SELECT count(*) FROM ({driver_sql}) c WHERE {others}"
            ))?
            .query_row(params_from_iter(values), |r| r.get(0))?
        };
        let wanted: Vec<Status> = match (self.status_value, self.scope) {
            (Some(s), _) => vec![s],
            (None, Scope::Live) => vec![Status::Active, Status::Inactive, Status::Blacklisted],
            (None, _) => return Ok(Some(all)),
        };
        let (inside, outside): (Vec<Status>, Vec<Status>) = Status::ALL
            .iter()
            .copied()
            .partition(|s| wanted.contains(s));
        let sum = |set: &[Status]| set.iter().map(|s| counters.count_of(*s)).sum::<i64>();
        // Customers of one status in the set: the status's ids (from its
        // index, as one row) intersected with the set's, when that is the
        // smaller work; else the set's checks per customer of the status.
        let by_status = |s: Status| -> Result<i64> {
            if few && counters.count_of(s) <= all.max(1) * 4 {
                let ids = driver_ids(
                    conn,
                    &Driver::of(DriverSet::Index {
                        index: "customers_status_updated",
                        checks: vec![Predicate::Status(s)],
                    }),
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
        Ok(Some(if sum(&outside) < sum(&inside) {
            let mut n = all;
            for s in outside {
                n -= by_status(s)?;
            }
            n
        } else {
            inside.into_iter().map(by_status).sum::<Result<i64>>()?
        }))
    }

    /// Only the balance or only the creation date (and sides): counted
    /// through (status, balance) or (status, created_at), which hold what the
    /// row checks need. None for other filters.
    fn covering_count(&self, conn: &Connection) -> Result<Option<i64>> {
        let on = |test: fn(&Predicate) -> bool| {
            !self.columns.is_empty() && self.columns.iter().all(test)
        };
        let index = if on(Predicate::on_balance) {
            "customers_status_balance"
        } else if on(Predicate::on_created) {
            "customers_status_created"
        } else {
            return Ok(None);
        };
        let status_in = match self.scope {
            Scope::All => Some(Predicate::AnyStatusIn),
            _ => self.status_in.clone(),
        };
        let (sql, values) = join(status_in.iter().chain(&self.columns).chain(&self.sides));
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT count(*) FROM customers c INDEXED BY {index} WHERE {sql}"
        ))?;
        Ok(Some(
            stmt.query_row(params_from_iter(values), |r| r.get(0))?,
        ))
    }

    /// A small set drives the count, joined to the row checks; else the
    /// planner picks an index.
    fn joined_count(&self, conn: &Connection, sizes: &[(i64, Driver)]) -> Result<i64> {
        let smallest = self.best_driver(conn, sizes)?;
        let mut checks = vec![join(
            self.status_in
                .iter()
                .chain(&self.columns)
                .chain(&self.sides),
        )];
        let (values, text) = match smallest {
            Some((n, driver)) if n < CAP => {
                if !driver.is_term {
                    checks.extend(self.term.as_ref().map(|t| t.check(self.scope)));
                }
                let (sql, checks_values) = join_parts(&checks);
                let (driver_sql, mut values) = driver.set.sql();
                values.extend(checks_values);
                let text = format!(
                    "SELECT count(*) FROM ({driver_sql}) m CROSS JOIN customers c ON c.id = m.id WHERE {sql}"
                );
                (values, text)
            }
            _ => {
                if let Some(term) = &self.term {
                    let (any, values) = term.matches(self.scope);
                    checks.push((format!("c.id IN ({any})"), values));
                }
                let (sql, values) = join_parts(&checks);
                (
                    values,
                    format!("SELECT count(*) FROM customers c WHERE {sql}"),
                )
            }
        };
        let mut stmt = conn.prepare_cached(&text)?;
        Ok(stmt.query_row(params_from_iter(values), |r| r.get(0))?)
    }
}
