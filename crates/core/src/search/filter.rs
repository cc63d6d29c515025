//! The list's filters: what each one means (`Filter`, `BalanceKind`) and how
//! it becomes typed predicates on `customers c` and the sets that can drive a
//! query (today's `Plan::new`). A predicate renders its own SQL, with every
//! value bound as a parameter: no SQL is ever built from user text.
//!
//! Owns the meaning of each filter; must not know how a plan is executed
//! (walk.rs), counted (count.rs) or which set is chosen (plan.rs).

use chrono::NaiveDate;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::plan::{Driver, DriverSet, Plan, PlanOptions, side_bit};
pub use super::predicate::BalanceKind;
use super::predicate::Predicate;
use super::term::{Scope, Term};
use crate::customers::model::Status;
use crate::days::{Bounds, DayRange, ShopZone};
use crate::error::{Error, Result};
use crate::money::Money;
use crate::tags;
use crate::validate;

/// Which customers to list. Every field is optional; they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct Filter {
    /// Substring of name, WhatsApp (any format) or email; 1-2 characters: a word prefix.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub search: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub status: Option<Status>,
    /// Deleted customers are hidden unless this is set or `status` is deleted.
    pub include_deleted: bool,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub balance: Option<BalanceKind>,
    /// Inclusive.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub balance_min: Option<Money>,
    /// Inclusive.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub balance_max: Option<Money>,
    /// Customers carrying at least one of these tags (names, any case).
    pub tags_any: Vec<String>,
    /// Customers carrying every one of these tags.
    pub tags_all: Vec<String>,
    /// Created on or after this day of the shop's calendar.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub created_from: Option<NaiveDate>,
    /// Created on or before this day of the shop's calendar.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub created_to: Option<NaiveDate>,
    /// Some(true): with at least one active subscription; Some(false): with none.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub active_subscription: Option<bool>,
}

impl Plan {
    /// The filters as predicates and driving sets.
    pub(super) fn new(conn: &Connection, zone: ShopZone, f: &Filter) -> Result<Plan> {
        let (status, status_in, scope) = match f.status {
            Some(s) => (
                Some(Predicate::Status(s)),
                Some(Predicate::Status(s)),
                if s == Status::Deleted {
                    Scope::Deleted
                } else {
                    Scope::Live
                },
            ),
            None if f.include_deleted => (None, None, Scope::All),
            None => (Some(Predicate::Live), Some(Predicate::LiveIn), Scope::Live),
        };
        let options = PlanOptions::current();
        let mut p = Plan {
            status,
            status_in,
            columns: Vec::new(),
            sides: Vec::new(),
            term: None,
            scope,
            status_value: f.status,
            debt_partition: None,
            updated_floor: None,
            drivers: Vec::new(),
            nothing: false,
            options,
        };

        if let Some(term) = f.search.as_deref().map(Term::new).transpose()?.flatten() {
            p.drivers.push(Driver {
                set: DriverSet::Fts(term.clone(), scope),
                is_term: true,
                side: 0,
            });
            p.term = Some(term);
        }

        if let Some(kind) = f.balance {
            p.columns.push(Predicate::Sign(kind));
            p.debt_partition = Some(kind == BalanceKind::Debt);
        }
        if let (Some(min), Some(max)) = (f.balance_min, f.balance_max)
            && min > max
        {
            return Err(Error::validation(
                "balance_min",
                format!("the minimum {min} is above the maximum {max}"),
            ));
        }
        let mut range: Vec<Predicate> = Vec::new();
        if let Some(min) = f.balance_min {
            range.push(Predicate::BalanceAtLeast(min.minor()));
            if min.minor() >= 0 {
                p.debt_partition = Some(false);
            }
        }
        if let Some(max) = f.balance_max {
            range.push(Predicate::BalanceAtMost(max.minor()));
            if max.minor() < 0 {
                p.debt_partition = Some(true);
            }
        }
        if !range.is_empty() {
            p.drivers.push(Driver::of(DriverSet::Index {
                index: "customers_balance",
                checks: range.clone(),
            }));
            p.columns.extend(range);
        }

        // The days' instants on the shop's calendar, as text bounds for the
        // RFC 3339 timestamps: [start of from, start of the day after to).
        let days = DayRange::new(f.created_from, f.created_to, "created_from")?;
        let bounds = if days == DayRange::default() {
            Bounds::default()
        } else {
            days.bounds(zone)
        };
        let mut created: Vec<Predicate> = Vec::new();
        if let Some(day) = bounds.start {
            // No customer updated before it was created: a match was last
            // updated on or after `from` too, which bounds the debt order.
            if p.options.updated_floor {
                let anomalies: i64 = conn
                    .prepare_cached("SELECT updated_before_created FROM customer_time_anomalies")?
                    .query_row([], |r| r.get(0))?;
                if anomalies == 0 {
                    p.updated_floor = Some(Predicate::UpdatedFrom(day.clone()));
                }
            }
            created.push(Predicate::CreatedFrom(day));
        }
        if let Some(end) = bounds.end {
            created.push(Predicate::CreatedBefore(end));
        }
        if !created.is_empty() {
            p.drivers.push(Driver::of(DriverSet::Index {
                index: "customers_created",
                checks: created.clone(),
            }));
            p.columns.extend(created);
        }

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
            p.sides.push(Predicate::Tags(group.clone()));
            p.drivers.push(Driver {
                set: DriverSet::Tags(group),
                is_term: false,
                side: side_bit(p.sides.len() - 1),
            });
        }

        if let Some(wanted) = f.active_subscription {
            p.sides.push(Predicate::ActiveSubscription(wanted));
            if wanted {
                p.drivers.push(Driver {
                    set: DriverSet::Subscribed,
                    is_term: false,
                    side: side_bit(p.sides.len() - 1),
                });
            }
        }
        Ok(p)
    }
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
