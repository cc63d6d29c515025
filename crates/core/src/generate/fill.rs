//! The generator's rows: customers 2..=N with their tags, subscriptions,
//! invoices, payments and ledger entries, written in their final state with
//! cached prepared statements (each refers to rows written just before it,
//! which is why foreign keys need no lookup).
//!
//! Owns: what a generated customer's money looks like and its rows' column
//! lists. Must not know: the bulk-write settings around it (`bulk`), the
//! search index and the rollups (summed after it by their modules).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use rusqlite::params;
use uuid::Uuid;

use super::rng::{Ids, Rng, uuid_at};
use super::vocab::{DOMAINS, FIRST, LAST, PROFILES, typed_number};
use super::{GenOptions, GenSummary};
use crate::days::day_text as date_text;
use crate::db::{Write, timestamp};
use crate::error::{Error, Result};
use crate::phone;
use crate::progress::Cancel;

/// How often (in customers) progress is told and a cancel looked at.
const PROGRESS_EVERY: u64 = 10_000;

/// One ledger movement before it is written.
struct Event {
    at: DateTime<Utc>,
    kind: &'static str,
    amount: i64,
    description: String,
    reference: Option<(&'static str, String)>,
}

/// Inserts customers 2..=N with their tags, ledger and billing rows.
pub(super) fn fill(
    w: &mut Write<'_>,
    options: &GenOptions,
    rng: &mut Rng,
    summary: &mut GenSummary,
    progress: &mut impl FnMut(u64),
    cancel: &Cancel,
) -> Result<()> {
    {
        let actor = w.actor().to_owned();
        let now = w.now_utc();
        let region = w.region();
        let tag_rows: Vec<(i64, Uuid)> = {
            let mut stmt = w.tx().prepare("SELECT id, uuid FROM tags ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, String>(1)?)))?;
            rows.map(|r| {
                let (id, uuid) = r?;
                Ok((
                    id,
                    Uuid::parse_str(&uuid)
                        .map_err(|e| Error::internal(format!("stored tag id: {e}")))?,
                ))
            })
            .collect::<Result<_>>()?
        };

        let mut invoice_seq: HashMap<i32, i64> = HashMap::new();
        let tx = w.tx();
        let mut insert_customer = tx.prepare_cached(
            "INSERT INTO customers (uuid, name, whatsapp, email, balance, total_spent, subscription_count,
                 status, status_before_delete, causal_length, created_at, updated_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        let mut insert_tag = tx.prepare_cached(
            "INSERT INTO customer_tags (customer_id, tag_id, uuid, causal_length, created_at)
             VALUES (?1, ?2, ?3, 1, ?4)",
        )?;
        let mut insert_entry = tx.prepare_cached(
            "INSERT INTO customer_balance_history (uuid, customer_id, type, amount, previous_balance,
                 new_balance, description, reference_type, reference_id, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut insert_subscription = tx.prepare_cached(
            "INSERT INTO subscriptions (uuid, customer_id, type, username, profile, price, cycle,
                 start_date, anchor_date, periods_billed, next_billing_date, status, created_at,
                 updated_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'monthly', ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        let mut insert_invoice = tx.prepare_cached(
            "INSERT INTO invoices (uuid, number, customer_id, subscription_id, description,
                 period_start, period_end, charge, total, due_date, issued_at, issued_by, debit_entry,
                 amount_allocated, status)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        let mut insert_payment = tx.prepare_cached(
            "INSERT INTO payments (uuid, customer_id, invoice_id, amount, method, received_at,
                 received_by, status, credit_entry, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'success', ?8, ?6)",
        )?;

        let three_years = 3 * 365 * 24 * 3600;
        let mut ids = Ids::new(now);
        // Numbers are made and parsed (phone::parse, the real path, ~20 µs
        // each) on the other core, in order, with their own random stream.
        let (numbers_tx, numbers_rx) = std::sync::mpsc::sync_channel::<Vec<Result<String>>>(8);
        let total = options.customers;
        let number_seed = options.seed ^ 0x0812_3456_7890_0062;
        std::thread::scope(|scope| -> Result<()> {
            scope.spawn(move || {
                let mut rng = Rng(number_seed);
                let mut i = 1;
                while i < total {
                    let end = (i + 4096).min(total);
                    let chunk = (i..end)
                        .map(|i| {
                            let typed = typed_number(&mut rng, i);
                            phone::parse(&typed, region)
                                .map(|e| e.as_str().to_owned())
                                .ok_or(Error::InvalidWhatsapp {
                                    field: "whatsapp",
                                    input: typed,
                                })
                        })
                        .collect();
                    if numbers_tx.send(chunk).is_err() {
                        return;
                    }
                    i = end;
                }
            });
            let mut numbers = numbers_rx.iter().flatten();
            for i in 1..options.customers {
                // --- the person
                let first_name = *rng.pick(FIRST);
                let last_name = *rng.pick(LAST);
                let name = match rng.below(10) {
                    0 => first_name.to_owned(),
                    1 => format!("{first_name} {} {last_name}", rng.pick(FIRST)),
                    _ => format!("{first_name} {last_name}"),
                };
                let whatsapp = numbers
                    .next()
                    .ok_or_else(|| Error::internal("the number maker stopped"))??;
                let email = rng.percent(60).then(|| {
                    format!(
                        "{}.{}{}@{}",
                        first_name.to_lowercase(),
                        last_name.to_lowercase(),
                        rng.below(1000),
                        rng.pick(DOMAINS)
                    )
                });
                // Customers join over three years in id order, as in a real shop.
                let step = three_years / options.customers.max(1);
                let created = now - Duration::seconds(three_years as i64)
                    + Duration::seconds((i * step + rng.below(step.max(1))) as i64);
                let status = match rng.below(100) {
                    0..=84 => "active",
                    85..=92 => "inactive",
                    93..=95 => "blacklisted",
                    _ => "deleted",
                };
                let in_debt = rng.percent(20);

                // --- the money: a subscription with its last invoices and payments
                let mut events: Vec<Event> = Vec::new();
                let customer_uuid = uuid_at(rng, created);
                let uuid = customer_uuid.to_string();
                let mut subscription = None;
                let mut spent = 0i64;
                if rng.percent(65) {
                    let (profile, rupiah) = *rng.pick(PROFILES);
                    let price = rupiah * 100;
                    let start = created.date_naive();
                    let months_alive = months_between(start, now.date_naive());
                    let billed = 1 + rng.below(u64::from(months_alive.clamp(0, 2)) + 1) as u32;
                    let first_period = months_alive.saturating_sub(billed - 1);
                    let anchor = start + Months::new(first_period);
                    subscription = Some((profile, price, start, anchor, billed));
                    for k in 0..billed {
                        let period_start = anchor + Months::new(k);
                        let issued = at_day(period_start, created);
                        events.push(Event {
                            at: issued,
                            kind: "debit",
                            amount: price,
                            description: String::new(), // filled with the number below
                            reference: Some(("invoice", ids.next(rng))),
                        });
                        let last = k + 1 == billed;
                        if !(last && in_debt) {
                            let paid_at = (issued + Duration::days(rng.below(10) as i64)).min(now);
                            events.push(Event {
                                at: paid_at,
                                kind: "credit",
                                amount: price,
                                description: "Payment".into(),
                                reference: Some(("payment", ids.next(rng))),
                            });
                            spent += price;
                        }
                    }
                } else if in_debt {
                    events.push(Event {
                        at: created + Duration::seconds(rng.below(86_400 * 30) as i64),
                        kind: "debit",
                        amount: (1 + rng.below(50) as i64) * 10_000 * 100 / 10,
                        description: "Kasbon".into(),
                        reference: None,
                    });
                }
                if !in_debt && rng.percent(10) {
                    events.push(Event {
                        at: created + Duration::seconds(rng.below(86_400 * 60) as i64),
                        kind: "credit",
                        amount: (1 + rng.below(20) as i64) * 5_000 * 100,
                        description: "Deposit".into(),
                        reference: None,
                    });
                }
                for e in &mut events {
                    e.at = e.at.min(now);
                }
                events.sort_by_key(|e| e.at);
                let balance: i64 = events
                    .iter()
                    .map(|e| {
                        if e.kind == "debit" {
                            -e.amount
                        } else {
                            e.amount
                        }
                    })
                    .sum();
                let updated = events.last().map_or(created, |e| e.at.max(created));
                let created_text = timestamp(created);
                let live_subscriptions = i64::from(subscription.is_some());
                insert_customer.execute(params![
                    uuid,
                    name,
                    whatsapp,
                    email,
                    balance,
                    spent,
                    live_subscriptions,
                    status,
                    (status == "deleted").then_some("active"),
                    if status == "deleted" { 2 } else { 1 },
                    created_text,
                    timestamp(updated),
                    actor,
                ])?;
                let id = tx.last_insert_rowid();
                summary.customers += 1;
                summary.with_email += u64::from(email.is_some());
                summary.in_debt += u64::from(balance < 0 && status != "deleted");

                // --- tags
                let how_many = [0, 0, 0, 1, 1, 1, 1, 2, 2, 3][rng.below(10) as usize];
                let mut taken: Vec<usize> = Vec::with_capacity(3);
                for _ in 0..how_many {
                    let k = rng.below(tag_rows.len() as u64) as usize;
                    if taken.contains(&k) {
                        continue;
                    }
                    taken.push(k);
                    let (tag_id, tag_uuid) = tag_rows[k];
                    let link = Uuid::new_v5(&customer_uuid, tag_uuid.as_bytes()).to_string();
                    insert_tag.execute(params![id, tag_id, link, created_text])?;
                    summary.tag_links += 1;
                }

                // --- subscription, ledger, invoices, payments
                let subscription_id = match subscription {
                    Some((profile, price, start, anchor, billed)) => {
                        let kind = if profile.starts_with("Hotspot") {
                            "hotspot"
                        } else {
                            "pppoe"
                        };
                        insert_subscription.execute(params![
                            uuid_at(rng, created).to_string(),
                            id,
                            kind,
                            format!("u{id}"),
                            profile,
                            price,
                            date_text(start),
                            date_text(anchor),
                            billed,
                            date_text(anchor + Months::new(billed)),
                            "active",
                            created_text,
                            created_text,
                            actor,
                        ])?;
                        summary.subscriptions += 1;
                        Some((tx.last_insert_rowid(), price))
                    }
                    None => None,
                };
                // What each invoice ends up allocated: payments pay the oldest
                // open invoice, as the allocation replay would. Worked out first,
                // so each invoice is written once, in its final state.
                let mut allocated: Vec<i64> = vec![0; events.len()];
                let mut open: Vec<(usize, i64)> = Vec::new(); // (event index, unpaid)
                for (k, e) in events.iter().enumerate() {
                    match &e.reference {
                        Some(("invoice", _)) if subscription_id.is_some() => {
                            open.push((k, e.amount))
                        }
                        Some(("payment", _)) => {
                            if let Some(inv) = open.iter_mut().find(|(_, unpaid)| *unpaid > 0) {
                                let paid = inv.1.min(e.amount);
                                inv.1 -= paid;
                                allocated[inv.0] += paid;
                            }
                        }
                        _ => {}
                    }
                }
                let mut running = 0i64;
                let mut open_invoices: Vec<(i64, i64)> = Vec::new(); // (invoice row id, unpaid)
                for (k, e) in events.into_iter().enumerate() {
                    let entry_uuid = ids.next(rng);
                    let previous = running;
                    running += if e.kind == "debit" {
                        -e.amount
                    } else {
                        e.amount
                    };
                    let at = timestamp(e.at);
                    let mut description = e.description;
                    if let (Some(("invoice", _)), Some((sub_id, price))) =
                        (&e.reference, subscription_id)
                    {
                        let year = e.at.year();
                        let seq = invoice_seq.entry(year).or_insert(0);
                        *seq += 1;
                        let number = format!("INV-{year}-{:06}", *seq);
                        description = format!("Invoice {number}: monthly subscription");
                        let reference_id = e.reference.as_ref().map(|r| r.1.clone());
                        insert_entry.execute(params![
                            entry_uuid,
                            id,
                            e.kind,
                            e.amount,
                            previous,
                            running,
                            description,
                            "invoice",
                            reference_id,
                            at,
                            actor,
                        ])?;
                        let start = e.at.date_naive();
                        insert_invoice.execute(params![
                            reference_id,
                            number,
                            id,
                            sub_id,
                            "Monthly subscription",
                            date_text(start),
                            date_text(start + Months::new(1)),
                            price,
                            date_text(start + Duration::days(7)),
                            at,
                            actor,
                            entry_uuid,
                            allocated[k],
                            if allocated[k] == 0 {
                                "unpaid"
                            } else if allocated[k] < price {
                                "partial"
                            } else {
                                "paid"
                            },
                        ])?;
                        open_invoices.push((tx.last_insert_rowid(), price));
                        summary.invoices += 1;
                    } else if let Some(("payment", payment_uuid)) = &e.reference {
                        insert_entry.execute(params![
                            entry_uuid,
                            id,
                            e.kind,
                            e.amount,
                            previous,
                            running,
                            description,
                            "payment",
                            payment_uuid,
                            at,
                            actor,
                        ])?;
                        // Pays the oldest open invoice, as the allocation replay would.
                        let invoice = open_invoices.iter_mut().find(|(_, unpaid)| *unpaid > 0);
                        let invoice_id = invoice.map(|inv| {
                            let paid = inv.1.min(e.amount);
                            inv.1 -= paid;
                            inv.0
                        });
                        let method = *rng.pick(&["cash", "cash", "bank_transfer", "e_wallet"]);
                        insert_payment.execute(params![
                            payment_uuid,
                            id,
                            invoice_id,
                            e.amount,
                            method,
                            at,
                            actor,
                            entry_uuid,
                        ])?;
                        summary.payments += 1;
                    } else {
                        insert_entry.execute(params![
                            entry_uuid,
                            id,
                            e.kind,
                            e.amount,
                            previous,
                            running,
                            description,
                            None::<String>,
                            None::<String>,
                            at,
                            actor,
                        ])?;
                    }
                    summary.ledger_entries += 1;
                }
                if i % PROGRESS_EVERY == 0 {
                    (*progress)(i);
                    cancel.check()?;
                }
            }
            drop(numbers);
            Ok(())
        })?;
        for (year, last) in invoice_seq {
            tx.execute(
                "INSERT INTO invoice_sequences (year, last_number) VALUES (?1, ?2)
                 ON CONFLICT (year) DO UPDATE SET last_number = max(last_number, excluded.last_number)",
                params![year, last],
            )?;
        }
    }
    Ok(())
}

/// Whole months from `a` to `b` (0 when `b` is before `a`).
fn months_between(a: NaiveDate, b: NaiveDate) -> u32 {
    let months = (b.year() - a.year()) * 12 + b.month() as i32
        - a.month() as i32
        - i32::from(b.day() < a.day());
    u32::try_from(months).unwrap_or(0)
}

/// The moment on day `d` at the time of day of `like`.
fn at_day(d: NaiveDate, like: DateTime<Utc>) -> DateTime<Utc> {
    d.and_time(like.time()).and_utc()
}
