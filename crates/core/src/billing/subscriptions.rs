//! Subscriptions: a customer's hotspot or PPPoE service, billed every cycle.
//!
//! A subscription needs a customer that is neither deleted nor blacklisted.
//! Its service username is unique among live (not cancelled) subscriptions,
//! checked here under the write lock rather than by a UNIQUE index, like
//! WhatsApp numbers, so a duplicate made offline elsewhere can still sync.
//! `customers.subscription_count` counts the customer's live subscriptions
//! and moves in the same transaction as each add and cancel.
//!
//! Billing periods are counted from an anchor date (the start date, or the
//! date the cycle last changed): period k starts at anchor + k cycles, so a
//! monthly subscription started on the 31st is billed on the 28th/30th of
//! shorter months and on the 31st again after them.

use std::str::FromStr;

use chrono::{Days, Months, NaiveDate};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Window, date_text, ensure_billable, ensure_positive, is_local_id, stored_date};
use crate::customers;
use crate::db::{ChangeOp, Reader, Write, new_id};
use crate::error::{Code, Error, Result};
use crate::filters::Filters;
use crate::money::Money;
use crate::page::{self, Page};
use crate::validate;
use crate::wire::{ActivityEvent, Entity, SubscriptionChanges, SubscriptionRecord};

pub const USERNAME_MAX: usize = 64;
pub const PROFILE_MAX: usize = 100;

pub use crate::wire::ServiceType;

pub use crate::wire::Cycle;

impl Cycle {
    /// The start of period `k` counted from `anchor` (None past the calendar's end).
    pub fn period_start(self, anchor: NaiveDate, k: u32) -> Option<NaiveDate> {
        match self {
            Cycle::Monthly => anchor.checked_add_months(Months::new(k)),
            Cycle::Weekly => anchor.checked_add_days(Days::new(7 * u64::from(k))),
            Cycle::Daily => anchor.checked_add_days(Days::new(u64::from(k))),
        }
    }
}

pub use crate::wire::SubscriptionStatus;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Subscription {
    pub id: String,
    /// This database's row number: a short reference for the CLI, never synced.
    pub local_id: i64,
    pub customer_id: String,
    pub customer_name: String,
    #[serde(rename = "type")]
    pub kind: ServiceType,
    pub username: String,
    pub profile: String,
    pub price: Money,
    pub cycle: Cycle,
    pub start_date: NaiveDate,
    pub next_billing_date: NaiveDate,
    pub status: SubscriptionStatus,
    pub created_at: String,
    pub updated_at: String,
    pub created_by: String,
}

/// What an admin types to create a subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewSubscription {
    /// `type` on the wire, as in `Subscription`.
    #[serde(rename = "type")]
    pub kind: ServiceType,
    pub username: String,
    pub profile: String,
    pub price: Money,
    /// Monthly when None.
    pub cycle: Option<Cycle>,
    /// The first period starts (and is billed) on this date.
    pub start: NaiveDate,
}

/// An edit: None leaves a field alone. A new price applies from the next
/// invoice; a new cycle starts counting from the next billing date.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct SubscriptionPatch {
    #[serde(rename = "type")]
    pub kind: Option<ServiceType>,
    pub username: Option<String>,
    pub profile: Option<String>,
    pub price: Option<Money>,
    pub cycle: Option<Cycle>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct SubscriptionQuery {
    /// A customer reference, as `customers::resolve` reads it.
    pub customer: Option<String>,
    pub status: Option<SubscriptionStatus>,
    /// Cancelled subscriptions are hidden unless asked for (or `status` names them).
    pub include_cancelled: bool,
    /// At most this many per page (None: every one).
    pub limit: Option<u32>,
    /// The `next` cursor of the page before.
    pub after: Option<String>,
}

/// `add` as a person asks for it (the CLI's `subscription add`, the app's
/// form): the start date checked against the shop's today by
/// `billing::check_start_date` first (`confirmed`: they said yes to a start
/// far off).
pub fn add_asked(
    w: &mut Write<'_>,
    customer_ref: &str,
    input: NewSubscription,
    confirmed: bool,
) -> Result<Subscription> {
    super::check_start_date(input.start, w.reader().today(), confirmed)?;
    add(w, customer_ref, input)
}

/// Creates a subscription for the customer `customer_ref`.
pub fn add(w: &mut Write<'_>, customer_ref: &str, input: NewSubscription) -> Result<Subscription> {
    let customer = customers::resolve(w.reader(), customer_ref)?;
    ensure_billable(&customer, "a new subscription")?;
    let username = parse_username(&input.username)?;
    let profile = validate::required("profile", &input.profile, PROFILE_MAX)?;
    ensure_positive("price", input.price)?;
    ensure_username_free(w.tx(), &username, None)?;
    let cycle = input.cycle.unwrap_or_default();

    let uuid = new_id();
    let start = date_text(input.start);
    w.tx().execute(
        "INSERT INTO subscriptions (uuid, customer_id, type, username, profile, price, cycle,
             start_date, anchor_date, periods_billed, next_billing_date, status,
             created_at, updated_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 0, ?8, 'active', ?9, ?9, ?10)",
        params![
            uuid,
            customer.id,
            input.kind.as_str(),
            username,
            profile,
            input.price,
            cycle.as_str(),
            start,
            w.now(),
            w.actor(),
        ],
    )?;
    let id = w.tx().last_insert_rowid();
    w.tx().execute(
        "UPDATE customers SET subscription_count = subscription_count + 1, updated_at = ?2 WHERE id = ?1",
        params![customer.id, w.now()],
    )?;
    let (now, actor) = (w.now().to_owned(), w.actor().to_owned());
    let record = SubscriptionRecord {
        customer_id: customer.uuid.as_str().into(),
        kind: input.kind,
        username: username.as_str().into(),
        profile: profile.as_str().into(),
        price: input.price,
        cycle,
        start_date: input.start,
        anchor_date: input.start,
        periods_billed: 0,
        next_billing_date: input.start,
        status: SubscriptionStatus::Active,
        created_at: now.as_str().into(),
        created_by: actor.as_str().into(),
    };
    w.record_insert(Entity::Subscription, &uuid, &record)?;
    w.record_activity(
        customer.id,
        &ActivityEvent::SubscriptionCreated {
            subscription_id: uuid.as_str().into(),
            subscription: record,
        },
    )?;
    get_by_id(w.tx(), id)
}

/// Changes the fields the patch names; logs each change with its before and after.
pub fn edit(w: &mut Write<'_>, reference: &str, patch: SubscriptionPatch) -> Result<Subscription> {
    let before = resolve(w.reader(), reference)?;
    if before.status == SubscriptionStatus::Cancelled {
        return Err(Error::Conflict(format!(
            "subscription {} is cancelled and can no longer change",
            before.username
        )));
    }
    let mut after = before.clone();
    if let Some(kind) = patch.kind {
        after.kind = kind;
    }
    if let Some(username) = &patch.username {
        after.username = parse_username(username)?;
        if after.username != before.username {
            ensure_username_free(w.tx(), &after.username, Some(before.local_id))?;
        }
    }
    if let Some(profile) = &patch.profile {
        after.profile = validate::required("profile", profile, PROFILE_MAX)?;
    }
    if let Some(price) = patch.price {
        ensure_positive("price", price)?;
        after.price = price;
    }
    let mut changes: Vec<(&'static str, Value, Value)> = Vec::new();
    let mut push = |field: &'static str, old: Value, new: Value| {
        if old != new {
            changes.push((field, old, new));
        }
    };
    push("type", json!(before.kind), json!(after.kind));
    push("username", json!(before.username), json!(after.username));
    push("profile", json!(before.profile), json!(after.profile));
    push("price", json!(before.price), json!(after.price));
    if let Some(cycle) = patch.cycle.filter(|c| *c != before.cycle) {
        after.cycle = cycle;
        push("cycle", json!(before.cycle), json!(cycle));
        // Count the new cycle's periods from the next billing date.
        push(
            "anchor_date",
            json!(date_text(anchor_of(w.tx(), before.local_id)?)),
            json!(date_text(before.next_billing_date)),
        );
        push(
            "periods_billed",
            json!(periods_of(w.tx(), before.local_id)?),
            json!(0),
        );
    }
    if changes.is_empty() {
        return Ok(before);
    }
    w.tx().execute(
        "UPDATE subscriptions SET type = ?2, username = ?3, profile = ?4, price = ?5, cycle = ?6,
             anchor_date = CASE WHEN cycle = ?6 THEN anchor_date ELSE next_billing_date END,
             periods_billed = CASE WHEN cycle = ?6 THEN periods_billed ELSE 0 END,
             updated_at = ?7
         WHERE id = ?1",
        params![
            before.local_id,
            after.kind.as_str(),
            after.username,
            after.profile,
            after.price,
            after.cycle.as_str(),
            w.now(),
        ],
    )?;
    log_changes(w, &before, ActivityEvent::SubscriptionUpdated, changes)?;
    // Routers: a new profile, username or type reaches the router (queued).
    crate::routers::desired::after_change(w, before.local_id, "subscription edited")?;
    get_by_id(w.tx(), before.local_id)
}

/// Stops billing (and, for the shop, the service) until `resume`.
pub fn suspend(w: &mut Write<'_>, reference: &str) -> Result<Subscription> {
    let sub = resolve(w.reader(), reference)?;
    if sub.status != SubscriptionStatus::Active {
        return Err(Error::Conflict(format!(
            "subscription {} is {}, not active",
            sub.username, sub.status
        )));
    }
    set_status(
        w,
        &sub,
        SubscriptionStatus::Suspended,
        ActivityEvent::SubscriptionSuspended,
    )
}

/// Bills again from the first period that starts on or after `on`: the
/// periods that started while it was suspended are skipped, not billed.
pub fn resume(w: &mut Write<'_>, reference: &str, on: NaiveDate) -> Result<Subscription> {
    let sub = resolve(w.reader(), reference)?;
    if sub.status != SubscriptionStatus::Suspended {
        return Err(Error::Conflict(format!(
            "subscription {} is {}, not suspended",
            sub.username, sub.status
        )));
    }
    let anchor = anchor_of(w.tx(), sub.local_id)?;
    let periods_before = periods_of(w.tx(), sub.local_id)?;
    let mut periods = periods_before;
    let mut next = sub.next_billing_date;
    while next < on {
        periods += 1;
        next = sub
            .cycle
            .period_start(anchor, periods)
            .ok_or_else(|| Error::validation("date", "is past the calendar's end"))?;
    }
    if next != sub.next_billing_date {
        w.tx().execute(
            "UPDATE subscriptions SET periods_billed = ?2, next_billing_date = ?3 WHERE id = ?1",
            params![sub.local_id, periods, date_text(next)],
        )?;
        let changes = vec![
            ("periods_billed", json!(periods_before), json!(periods)),
            (
                "next_billing_date",
                json!(date_text(sub.next_billing_date)),
                json!(date_text(next)),
            ),
        ];
        log_changes(w, &sub, ActivityEvent::SubscriptionRescheduled, changes)?;
    }
    set_status(
        w,
        &sub,
        SubscriptionStatus::Active,
        ActivityEvent::SubscriptionResumed,
    )
}

/// Ends the subscription for good: it is no longer billed, frees its
/// username and leaves the customer's subscription count.
pub fn cancel(w: &mut Write<'_>, reference: &str) -> Result<Subscription> {
    let sub = resolve(w.reader(), reference)?;
    if sub.status == SubscriptionStatus::Cancelled {
        return Err(Error::Conflict(format!(
            "subscription {} is already cancelled",
            sub.username
        )));
    }
    w.tx().execute(
        "UPDATE customers SET subscription_count = subscription_count - 1, updated_at = ?2
         WHERE id = (SELECT customer_id FROM subscriptions WHERE id = ?1)",
        params![sub.local_id, w.now()],
    )?;
    set_status(
        w,
        &sub,
        SubscriptionStatus::Cancelled,
        ActivityEvent::SubscriptionCancelled,
    )
}

/// One subscription by reference (see `resolve`).
pub fn get(r: Reader<'_>, reference: &str) -> Result<Subscription> {
    resolve(r, reference)
}

/// Subscriptions, oldest first, one page (`query.limit`, after `query.after`).
pub fn list(r: Reader<'_>, query: &SubscriptionQuery) -> Result<Page<Subscription>> {
    let conn = r.conn();
    let window = Window::oldest_first(query.limit, query.after.as_deref())?;
    let customer = query
        .customer
        .as_deref()
        .map(|c| customers::resolve(r, c))
        .transpose()?;
    let mut filters = Filters::new();
    filters
        .eq("s.customer_id", customer.map(|c| c.id))
        .eq("s.status", query.status.map(|s| s.as_str().to_owned()))
        .when(
            !query.include_cancelled && query.status.is_none(),
            "s.status != 'cancelled'",
        )
        .with("s.id > {}", window.after);
    let mut stmt = conn.prepare(&format!(
        "{SELECT} {} ORDER BY s.id LIMIT {}",
        filters.clause(),
        filters.next()
    ))?;
    let rows = stmt.query_map(
        params_from_iter(filters.params([window.rows.into()])),
        from_row,
    )?;
    Ok(Page::from_rows(
        rows.collect::<rusqlite::Result<Vec<_>>>()?,
        query.limit,
        |s| page::id_cursor(s.local_id),
    ))
}

/// Finds a subscription by its UUID, its local number, or its service
/// username (the live subscription holding it, else the latest cancelled one).
pub fn resolve(r: Reader<'_>, reference: &str) -> Result<Subscription> {
    let conn = r.conn();
    let text = reference.trim();
    let found = if let Ok(uuid) = Uuid::parse_str(text) {
        find(conn, "s.uuid = ?1", &uuid.to_string())?
    } else {
        let by_name = find(
            conn,
            "s.username = ?1 ORDER BY s.status = 'cancelled', s.id DESC LIMIT 1",
            text,
        )?;
        match by_name {
            Some(s) => Some(s),
            None if is_local_id(text) => find(conn, "s.id = ?1", text)?,
            None => None,
        }
    };
    found.ok_or_else(|| Error::not_found("subscription", text))
}

pub(crate) fn get_by_id(conn: &Connection, id: i64) -> Result<Subscription> {
    find(conn, "s.id = ?1", &id.to_string())?.ok_or_else(|| Error::not_found("subscription", id))
}

/// Moves the subscription past the period it has just billed.
pub(crate) fn advance(w: &mut Write<'_>, sub: &Subscription) -> Result<NaiveDate> {
    let (anchor, periods): (String, u32) = w.query_row(
        "SELECT anchor_date, periods_billed FROM subscriptions WHERE id = ?1",
        [sub.local_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let periods = periods + 1;
    let next = sub
        .cycle
        .period_start(stored_date(&anchor)?, periods)
        .ok_or_else(|| {
            Error::validation("date", "the next billing date is past the calendar's end")
        })?;
    w.exec(
        "UPDATE subscriptions SET periods_billed = ?2, next_billing_date = ?3, updated_at = ?4 WHERE id = ?1",
        params![sub.local_id, periods, date_text(next), w.now()],
    )?;
    w.record_change(
        Entity::Subscription,
        &sub.id,
        ChangeOp::Update,
        Some("periods_billed"),
        Some(&json!(periods)),
    )?;
    w.record_change(
        Entity::Subscription,
        &sub.id,
        ChangeOp::Update,
        Some("next_billing_date"),
        Some(&json!(date_text(next))),
    )?;
    Ok(next)
}

/// Which activity event a subscription's change is (updated, suspended...).
type Event = fn(SubscriptionChanges<'static>) -> ActivityEvent<'static>;

fn set_status(
    w: &mut Write<'_>,
    sub: &Subscription,
    status: SubscriptionStatus,
    event: Event,
) -> Result<Subscription> {
    w.tx().execute(
        "UPDATE subscriptions SET status = ?2, updated_at = ?3 WHERE id = ?1",
        params![sub.local_id, status.as_str(), w.now()],
    )?;
    log_changes(
        w,
        sub,
        event,
        vec![("status", json!(sub.status), json!(status))],
    )?;
    // Routers: suspend, resume and cancel reach the router (queued).
    crate::routers::desired::after_change(w, sub.local_id, status.as_str())?;
    get_by_id(w.tx(), sub.local_id)
}

fn log_changes(
    w: &mut Write<'_>,
    sub: &Subscription,
    event: Event,
    changes: Vec<(&'static str, Value, Value)>,
) -> Result<()> {
    let details = w.record_updates(Entity::Subscription, &sub.id, changes)?;
    w.tx().execute(
        "UPDATE subscriptions SET updated_at = ?2 WHERE id = ?1",
        params![sub.local_id, w.now()],
    )?;
    let customer_id: i64 = w.tx().query_row(
        "SELECT customer_id FROM subscriptions WHERE id = ?1",
        [sub.local_id],
        |r| r.get(0),
    )?;
    w.record_activity(
        customer_id,
        &event(SubscriptionChanges {
            subscription_id: sub.id.clone().into(),
            username: sub.username.clone().into(),
            changes: details,
        }),
    )
}

fn anchor_of(conn: &Connection, id: i64) -> Result<NaiveDate> {
    let text: String = conn.query_row(
        "SELECT anchor_date FROM subscriptions WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?;
    Ok(stored_date(&text)?)
}

fn periods_of(conn: &Connection, id: i64) -> Result<u32> {
    Ok(conn.query_row(
        "SELECT periods_billed FROM subscriptions WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

/// A service username as routers take it: no spaces or control characters.
fn parse_username(input: &str) -> Result<String> {
    let name = validate::required("username", input, USERNAME_MAX)?;
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::validation("username", "must not contain spaces"));
    }
    Ok(name)
}

fn ensure_username_free(conn: &Connection, username: &str, except: Option<i64>) -> Result<()> {
    let holder: Option<String> = conn
        .query_row(
            "SELECT c.name FROM subscriptions s JOIN customers c ON c.id = s.customer_id
             WHERE s.username = ?1 AND s.status != 'cancelled' AND s.id IS NOT ?2 LIMIT 1",
            params![username, except],
            |r| r.get(0),
        )
        .optional()?;
    match holder {
        None => Ok(()),
        Some(name) => Err(Error::Refused {
            code: Code::DuplicateUsername,
            field: Some("username"),
            message: format!(
                "username '{username}' is already used by a live subscription of {name}"
            ),
        }),
    }
}

const SELECT: &str =
    "SELECT s.id, s.uuid, c.uuid, c.name, s.type, s.username, s.profile, s.price, s.cycle,
        s.start_date, s.next_billing_date, s.status, s.created_at, s.updated_at, s.created_by
     FROM subscriptions s JOIN customers c ON c.id = s.customer_id";

fn find(conn: &Connection, condition: &str, value: &str) -> Result<Option<Subscription>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE {condition}"))?
        .query_row([value], from_row)
        .optional()?)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Subscription> {
    let kind: String = r.get(4)?;
    let cycle: String = r.get(8)?;
    let status: String = r.get(11)?;
    Ok(Subscription {
        local_id: r.get(0)?,
        id: r.get(1)?,
        customer_id: r.get(2)?,
        customer_name: r.get(3)?,
        kind: ServiceType::from_str(&kind).unwrap_or(ServiceType::Hotspot),
        username: r.get(5)?,
        profile: r.get(6)?,
        price: r.get(7)?,
        cycle: Cycle::from_str(&cycle).unwrap_or_default(),
        start_date: stored_date(&r.get::<_, String>(9)?)?,
        next_billing_date: stored_date(&r.get::<_, String>(10)?)?,
        status: SubscriptionStatus::from_str(&status).unwrap_or(SubscriptionStatus::Active),
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        created_by: r.get(14)?,
    })
}
