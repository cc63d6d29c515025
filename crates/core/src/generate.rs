//! The data generator: a realistic shop of N customers, for benchmarks and
//! demos (`pelanggan gen --customers N [--seed S]`).
//!
//! What it makes: Indonesian names; WhatsApp numbers typed the ways people
//! type them (`0812-3456-7890`, `+62 812 3456 7890`, `62812...`, `(0812)
//! 34567890`) and normalised through the real path (`phone::parse`); 60% with
//! an email; 0-3 of a dozen shop tags; dates over three years; for most
//! customers a subscription with its last few monthly invoices, the payments
//! that paid them and the matching ledger entries, so that balances,
//! `total_spent`, `subscription_count` and invoice allocation agree; about 20%
//! of customers in debt; a few soft-deleted, inactive and blacklisted.
//!
//! How: one `Db::write` transaction with cached prepared statements, rows in
//! final form (a customer is inserted with its final balance, then its
//! ledger). The V3 triggers index and count every row as for any other
//! write. It is a fixture, not a use case: it writes the facts and caches but
//! no change-log or activity rows (millions of them would be noise for a
//! benchmark and are not what it measures), so it refuses a database that
//! already has customers. Same seed, same shop (names, numbers, amounts;
//! dates are relative to now).

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use rusqlite::params;
use serde::Serialize;
use uuid::Uuid;

use crate::customers::{self, NewCustomer};
use crate::db::{Db, Write, timestamp};
use crate::error::{Error, Result};
use crate::phone;
use crate::tags::TagInput;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub customers: u64,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GenSummary {
    pub customers: u64,
    pub with_email: u64,
    pub in_debt: u64,
    pub tag_links: u64,
    pub ledger_entries: u64,
    pub subscriptions: u64,
    pub invoices: u64,
    pub payments: u64,
    pub millis: u64,
}

const FIRST: &[&str] = &[
    "Budi", "Siti", "Agus", "Dewi", "Sri", "Andi", "Rina", "Bambang", "Sari", "Joko", "Ahmad",
    "Nur", "Eko", "Wati", "Hendra", "Yanti", "Dedi", "Fitri", "Rudi", "Indah", "Hadi", "Ani",
    "Putri", "Dian", "Rizky", "Ayu", "Fajar", "Lestari", "Wahyu", "Ratna", "Arif", "Nining",
    "Yusuf", "Kartika", "Irfan", "Mega", "Gilang", "Novi", "Teguh", "Maya", "Bayu", "Citra",
    "Dimas", "Eka", "Galih", "Hana", "Ilham", "Jihan", "Kurnia", "Lina", "Made", "Nyoman", "Ketut",
    "Wayan", "Ucok", "Asep", "Cecep", "Ujang", "Euis", "Komang", "Muhammad", "Dwi",
];
const LAST: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Saputra",
    "Hidayat",
    "Lestari",
    "Nugroho",
    "Kusuma",
    "Pratama",
    "Setiawan",
    "Gunawan",
    "Siregar",
    "Nasution",
    "Harahap",
    "Simanjuntak",
    "Sitompul",
    "Pangaribuan",
    "Wibowo",
    "Susanto",
    "Rahmawati",
    "Purnomo",
    "Hakim",
    "Permana",
    "Suryadi",
    "Kurniawan",
    "Halim",
    "Tanjung",
    "Lubis",
    "Hutapea",
    "Manurung",
    "Sinaga",
    "Putra",
    "Utami",
    "Maharani",
    "Firmansyah",
    "Ramadhan",
    "Anggraini",
    "Syahputra",
    "Hasibuan",
    "Daulay",
    "Sembiring",
    "Ginting",
    "Tarigan",
    "Pohan",
    "Matondang",
    "Rangkuti",
    "Batubara",
    "Zulkarnain",
];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "gmail.com",
    "gmail.com",
    "yahoo.co.id",
    "yahoo.com",
    "ymail.com",
    "outlook.co.id",
    "hotmail.com",
    "telkom.net.id",
    "rocketmail.com",
];
const PREFIXES: &[&str] = &[
    "811", "812", "813", "821", "822", "823", "851", "852", "853", "855", "856", "857", "858",
    "877", "878", "881", "882", "895", "896", "897", "898", "899",
];
const TAGS: &[(&str, &str)] = &[
    ("VIP", "#ffaa00"),
    ("Hotspot", "#17a2b8"),
    ("PPPoE", "#28a745"),
    ("Reseller", "#6f42c1"),
    ("Telat Bayar", "#dc3545"),
    ("Kantor", "#007bff"),
    ("Kos", "#20c997"),
    ("Warung", "#fd7e14"),
    ("RT 01", "#6c757d"),
    ("RT 02", "#6c757d"),
    ("RT 03", "#6c757d"),
    ("Langganan Lama", "#343a40"),
    ("Baru", "#e83e8c"),
    ("Sekolah", "#007bff"),
];
/// (profile, monthly price in rupiah)
const PROFILES: &[(&str, i64)] = &[
    ("Hotspot 5 Mbps", 100_000),
    ("Hotspot 10 Mbps", 150_000),
    ("PPPoE 10 Mbps", 175_000),
    ("PPPoE 20 Mbps", 250_000),
    ("PPPoE 30 Mbps", 300_000),
    ("PPPoE 50 Mbps", 350_000),
];

/// SplitMix64: small, fast, and the same sequence for the same seed everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }
}

/// One ledger movement before it is written.
struct Event {
    at: DateTime<Utc>,
    kind: &'static str,
    amount: i64,
    description: String,
    reference: Option<(&'static str, String)>,
}

/// Fills an empty database with `options.customers` customers. `progress`
/// is called now and then with the number done.
pub fn generate(
    db: &mut Db,
    options: &GenOptions,
    mut progress: impl FnMut(u64),
) -> Result<GenSummary> {
    let started = std::time::Instant::now();
    let existing: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))?;
    if existing > 0 {
        let customers = if existing == 1 {
            "customer"
        } else {
            "customers"
        };
        return Err(Error::Conflict(format!(
            "the database already has {existing} {customers}; gen fills only an empty database"
        )));
    }
    if options.customers == 0 || options.customers > 10_000_000 {
        return Err(Error::validation(
            "customers",
            "must be between 1 and 10000000",
        ));
    }
    let mut summary = GenSummary {
        customers: 0,
        with_email: 0,
        in_debt: 0,
        tag_links: 0,
        ledger_entries: 0,
        subscriptions: 0,
        invoices: 0,
        payments: 0,
        millis: 0,
    };
    let mut rng = Rng(options.seed ^ 0x5045_4c41_4e47_4741);
    // A bigger page cache while generating (the default 2 MB would spill the
    // transaction to the WAL page by page); put back afterwards.
    let cache: i64 = db.conn().query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    // Statement journals (every insert with triggers needs one) in memory
    // rather than in a temp file written page by page.
    db.conn()
        .execute_batch("PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY")?;
    // The file is a new, empty fixture: while it is filled, pages spilled from
    // the cache go straight to the file (an in-memory rollback journal, no
    // sync) instead of through the WAL and a checkpoint copying every page
    // twice. A failure rolls back in memory; WAL comes back afterwards.
    let journal: String = db
        .conn()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    db.conn()
        .query_row("PRAGMA journal_mode = MEMORY", [], |_| Ok(()))?;
    // The rows are made consistent by construction (each refers to rows
    // written just before it), so foreign keys are not looked up per insert.
    db.conn()
        .execute_batch("PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF")?;
    let written = db.write(None, |w| {
        // A fixture: its rows are written without change-log rows.
        w.caches_only();
        // The shop's tags are made through the real path, so their ids and
        // colours are what `tag add` would have made; the first customer
        // carries them all, and is removed from nothing: it is customer #1.
        let first = customers::add(
            w,
            NewCustomer {
                name: "Toko Contoh".into(),
                whatsapp: "0811-0000-0001".into(),
                tags: TAGS
                    .iter()
                    .map(|(n, c)| TagInput::new(n, Some(c)))
                    .collect::<Result<_>>()?,
                ..NewCustomer::default()
            },
        )?;
        summary.customers += 1;
        summary.tag_links += TAGS.len() as u64;
        let _ = first;
        // Secondary indexes whose order is not the order rows are made in
        // are dropped and made again afterwards (one sort each instead of a
        // million random inserts), inside this transaction, from their own
        // stored SQL. Those that follow the making order (by customer id, by
        // creation time, by tag) take appends and are kept.
        // The analytics rollups (V7) are summed once at the end instead of
        // row by row: their triggers are dropped and made again likewise.
        let triggers: Vec<String> = {
            let mut stmt = w
                .tx()
                .prepare("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?1")?;
            let mut found = Vec::new();
            for name in crate::analytics::ROLLUP_TRIGGERS {
                found.push(stmt.query_row([name], |r| r.get(0))?);
            }
            found
        };
        for name in crate::analytics::ROLLUP_TRIGGERS {
            w.tx().execute(&format!("DROP TRIGGER {name}"), [])?;
        }
        w.with_indexes_rebuilt(
            |_, index| REBUILT.contains(&index),
            |w| {
                crate::search::with_deferred_index(w, |w| {
                    fill(w, options, &mut rng, &mut summary, &mut progress)
                })
            },
        )?;
        crate::analytics::rebuild_rollups(w.tx())?;
        for sql in &triggers {
            w.tx().execute(sql, [])?;
        }
        Ok(())
    });
    let restored = db
        .conn()
        .query_row(&format!("PRAGMA journal_mode = {journal}"), [], |r| {
            r.get::<_, String>(0)
        });
    db.conn()
        .execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")?;
    written?;
    restored?;
    // Fresh statistics for the query planner: the plans of `search` depend on them.
    db.unguarded(|c| {
        Ok(c.execute_batch(&format!(
            "PRAGMA cache_size = {cache}; PRAGMA analysis_limit = 1000; ANALYZE"
        ))?)
    })?;
    progress(options.customers);
    summary.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(summary)
}

/// The indexes whose order is not the order the generator makes rows in.
const REBUILT: [&str; 13] = [
    "customers_whatsapp",
    "customers_status_updated",
    "customers_debt_recent",
    "customers_name",
    "customers_balance",
    "customers_total_spent",
    "customers_status_balance",
    "subscriptions_username",
    "subscriptions_due",
    "payments_received",
    "payments_success_received",
    "invoices_unpaid_issued",
    "invoices_open",
];

/// Inserts customers 2..=N with their tags, ledger and billing rows.
fn fill(
    w: &mut Write<'_>,
    options: &GenOptions,
    rng: &mut Rng,
    summary: &mut GenSummary,
    progress: &mut impl FnMut(u64),
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
        let mut ids = Ids {
            millis: u64::try_from(now.timestamp_millis()).unwrap_or(0),
            seq: 0,
        };
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
                if i % 10_000 == 0 {
                    (*progress)(i);
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

/// A number as a person types it: one of the shop's prefixes, then eight
/// digits that are a bijection of `i` (every customer gets its own number),
/// grouped one of the usual ways.
fn typed_number(rng: &mut Rng, i: u64) -> String {
    let prefix = rng.pick(PREFIXES);
    let rest = format!("{:08}", (i.wrapping_mul(7_919) + 10_007) % 100_000_000);
    match rng.below(6) {
        0 => format!("0{prefix}-{}-{}", &rest[..4], &rest[4..]),
        1 => format!("+62 {prefix} {} {}", &rest[..4], &rest[4..]),
        2 => format!("62{prefix}{rest}"),
        3 => format!("(0{prefix}) {rest}"),
        4 => format!("0{prefix}.{}.{}", &rest[..4], &rest[4..]),
        _ => format!("0{prefix}{rest}"),
    }
}

/// A UUIDv7 for a row made at `at`, its random bits from the seeded stream:
/// no system call per id, and the same seed gives the same ids. Customers
/// are made in creation order, so their ids are in order too.
fn uuid_at(rng: &mut Rng, at: DateTime<Utc>) -> Uuid {
    let mut bytes = [0u8; 10];
    bytes[..8].copy_from_slice(&rng.next().to_le_bytes());
    bytes[8..].copy_from_slice(&rng.next().to_le_bytes()[..2]);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
}

/// UUIDv7s in the order they are made (the generation's start time, then a
/// sequence number in the counter bits, then random bits): ledger entries,
/// invoices and payments are made customer by customer, not in time order,
/// and ids in making order keep their unique indexes append-only.
struct Ids {
    millis: u64,
    seq: u64,
}

impl Ids {
    fn next(&mut self, rng: &mut Rng) -> String {
        self.seq += 1;
        let random = rng.next() & ((1 << 22) - 1);
        let value: u128 = (u128::from(self.millis & ((1 << 48) - 1)) << 80)
            | (0x7 << 76)
            | (u128::from((self.seq >> 40) & 0xfff) << 64)
            | (0b10 << 62)
            | (u128::from(self.seq & ((1 << 40) - 1)) << 22)
            | u128::from(random);
        Uuid::from_u128(value).to_string()
    }
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
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
