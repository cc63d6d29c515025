//! Automatic reminders: rules the shop turns on ("3 days before due", "on
//! the due date", "3 days overdue, then weekly while unpaid", "every 30 days
//! while in debt"), all off by default.
//!
//! Owns the `notify_reminder_rules` table and what is due under each rule.
//! Each reminder is queued under a key made only of (invoice or customer,
//! rule, period), so running the worker twice, or on two synced desks, never
//! queues one twice: the outbox's unique key refuses the repeat.

use chrono::{NaiveDate, TimeDelta};
use rusqlite::params;
use serde::Serialize;

use super::outbox::{self, Content, MessageKind};
use crate::customers::Handle;
use crate::db::{ChangeOp, Db, Reader, Write};
use crate::error::{Error, Result};
use crate::names::text_enum;
use crate::wire::Entity;

text_enum! {
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "ts", ts(rename = "ReminderRuleName"))]
    pub enum Rule("rule") {
        /// `days` before an unpaid invoice's due date.
        BeforeDue => "before_due",
        /// On the due date of an unpaid invoice.
        OnDue => "on_due",
        /// `days` after the due date, then every `every_days` while unpaid.
        Overdue => "overdue",
        /// Every `every_days` while the customer's balance is a debt.
        Debt => "debt",
    }
}

impl Rule {
    fn kind(self) -> MessageKind {
        match self {
            Rule::BeforeDue | Rule::OnDue => MessageKind::ReminderBeforeDue,
            Rule::Overdue => MessageKind::Overdue,
            Rule::Debt => MessageKind::DebtReminder,
        }
    }

    fn template(self) -> &'static str {
        match self {
            Rule::BeforeDue | Rule::OnDue => "reminder_before_due",
            Rule::Overdue => "overdue",
            Rule::Debt => "debt_reminder",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReminderRule {
    pub rule: Rule,
    pub enabled: bool,
    pub days: u32,
    pub every_days: Option<u32>,
}

/// What `set` changes.
#[derive(Debug, Clone, Default)]
pub struct RulePatch {
    pub enabled: Option<bool>,
    pub days: Option<u32>,
    /// Some(None): once only.
    pub every_days: Option<Option<u32>>,
}

pub fn list(r: Reader<'_>) -> Result<Vec<ReminderRule>> {
    rules(r.conn())
}

fn rules(conn: &rusqlite::Connection) -> Result<Vec<ReminderRule>> {
    let mut stmt =
        conn.prepare_cached("SELECT rule, enabled, days, every_days FROM notify_reminder_rules")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, u32>(2)?,
            r.get::<_, Option<u32>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (rule, enabled, days, every_days) = row?;
        out.push(ReminderRule {
            rule: rule.parse()?,
            enabled,
            days,
            every_days,
        });
    }
    out.sort_by_key(|r| Rule::ALL.iter().position(|x| *x == r.rule));
    Ok(out)
}

pub fn set(w: &mut Write<'_>, rule: Rule, patch: RulePatch) -> Result<ReminderRule> {
    let mut current = rules(w.tx())?
        .into_iter()
        .find(|r| r.rule == rule)
        .ok_or_else(|| Error::internal("a reminder rule row is missing"))?;
    if let Some(e) = patch.enabled {
        current.enabled = e;
    }
    if let Some(d) = patch.days {
        if d > 365 {
            return Err(Error::validation("days", "at most 365 days"));
        }
        current.days = d;
    }
    if let Some(e) = patch.every_days {
        if matches!(e, Some(n) if n == 0 || n > 365) {
            return Err(Error::validation("every", "every 1 to 365 days"));
        }
        current.every_days = e;
    }
    if rule == Rule::Debt && current.every_days.is_none() {
        return Err(Error::validation(
            "every",
            "a debt reminder repeats: give --every DAYS",
        ));
    }
    w.exec(
        "UPDATE notify_reminder_rules SET enabled = ?2, days = ?3, every_days = ?4, updated_at = ?5
         WHERE rule = ?1",
        params![
            rule.as_str(),
            current.enabled,
            current.days,
            current.every_days,
            w.now()
        ],
    )?;
    let value = serde_json::to_value(&current).map_err(std::io::Error::other)?;
    w.record_change(
        Entity::NotifyConfig,
        &format!("reminder:{rule}"),
        ChangeOp::Update,
        None,
        Some(&value),
    )?;
    Ok(current)
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReminderSummary {
    pub queued: u32,
}

/// Queues every reminder due today under the enabled rules, once each.
pub fn queue_due(db: &mut Db, actor: Option<&str>) -> Result<ReminderSummary> {
    let enabled: Vec<ReminderRule> = rules(db.conn())?
        .into_iter()
        .filter(|r| r.enabled)
        .collect();
    if enabled.is_empty() {
        return Ok(ReminderSummary::default());
    }
    db.write(actor, |w| {
        let today = w.reader().today();
        let mut queued = 0;
        for rule in &enabled {
            queued += queue_rule(w, rule, today)?;
        }
        Ok(ReminderSummary { queued })
    })
}

/// The reminders of one rule due on `today`: (customer id, invoice uuid, key).
fn due(
    w: &Write<'_>,
    rule: &ReminderRule,
    today: NaiveDate,
) -> Result<Vec<(i64, Option<String>, String)>> {
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let days = TimeDelta::days(i64::from(rule.days));
    let mut out = Vec::new();
    if rule.rule == Rule::Debt {
        let every = i64::from(rule.every_days.unwrap_or(30));
        let period = today.signed_duration_since(NaiveDate::default()).num_days() / every;
        let mut stmt = w.tx().prepare(
            "SELECT id, uuid FROM customers WHERE balance < 0 AND status IN ('active', 'inactive')",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (id, uuid) = row?;
            out.push((id, None, format!("reminder:debt:{uuid}:{period}")));
        }
        return Ok(out);
    }
    // Unpaid invoices whose due date puts them in the rule's window today.
    let (from, to) = match rule.rule {
        // Due within the next `days` days (not yet due).
        Rule::BeforeDue => (today + TimeDelta::days(1), today + days),
        Rule::OnDue => (today, today),
        // Due `days` or more days ago.
        _ => (NaiveDate::MIN, today - days),
    };
    let mut stmt = w.tx().prepare(
        "SELECT customer_id, uuid, due_date FROM invoices
         WHERE status IN ('unpaid', 'partial') AND due_date BETWEEN ?1 AND ?2",
    )?;
    let rows = stmt.query_map(params![day(from), day(to)], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (customer, uuid, due_date) = row?;
        let period = match rule.rule {
            Rule::Overdue => {
                let due = NaiveDate::parse_from_str(&due_date, "%Y-%m-%d")
                    .map_err(|e| Error::internal(format!("stored due date: {e}")))?;
                let late = today.signed_duration_since(due + days).num_days();
                match rule.every_days {
                    Some(every) => late / i64::from(every),
                    None => 0,
                }
            }
            _ => 0,
        };
        out.push((
            customer,
            Some(uuid.clone()),
            format!("reminder:{}:{uuid}:{due_date}:{period}", rule.rule),
        ));
    }
    Ok(out)
}

fn queue_rule(w: &mut Write<'_>, rule: &ReminderRule, today: NaiveDate) -> Result<u32> {
    let mut queued = 0;
    for (customer_id, invoice, key) in due(w, rule, today)? {
        let customer: Handle = crate::customers::get_by_id(w.tx(), customer_id)
            .and_then(|c| crate::customers::resolve(w.reader(), &c.id))?;
        let content = Content::Template {
            name: rule.rule.template().to_owned(),
            invoice,
            payment: None,
        };
        // A reminder that cannot be written for this customer (a value its
        // template needs is missing) is skipped, not a stop of the whole run.
        match w
            .savepoint(|w| outbox::queue_for_cause(w, &customer, rule.rule.kind(), &content, key))
        {
            Ok(Some(_)) => queued += 1,
            Ok(None) => {}
            Err(e) if e.is_rejected_input() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(queued)
}
