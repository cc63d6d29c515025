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
//! How: one bulk write (`bulk::run`: a fixture's pragmas, the indexes whose
//! order is not the making order rebuilt, search indexing and the analytics
//! rollups deferred, `ANALYZE` after) with cached prepared statements, rows
//! in final form (a customer is inserted with its final balance, then its
//! ledger). The V3 triggers count every row as for any other write. It is a fixture, not a use case: it writes the facts and caches but
//! no change-log or activity rows (millions of them would be noise for a
//! benchmark and are not what it measures), so it refuses a database that
//! already has customers. Same seed, same shop (names, numbers, amounts;
//! dates are relative to now).
//!
//! Owns: the shop it makes (`fill.rs`), its words (`vocab.rs`) and its
//! randomness (`rng.rs`). Must not know: how a bulk write sets the
//! connection aside (`bulk`), how rollups and the search index are summed.
//! API boundary: `generate(db, &GenOptions, progress, &Cancel) -> GenSummary`
//! (and `generate_shared`, the same beside other open connections),
//! behind the core's `gen` feature (the CLI enables it; the desktop app does
//! not ship a generator).

mod fill;
mod rng;
mod vocab;

use serde::Serialize;

use crate::bulk::{self, Bulk};
use crate::customers::{self, NewCustomer};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::progress::Cancel;
use crate::tags::TagInput;
use rng::Rng;
use vocab::TAGS;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub customers: u64,
    pub seed: u64,
}

/// What was generated.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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

/// A bigger page cache while generating (the default would spill the
/// transaction to the file page by page). Negative: KiB.
const GEN_CACHE_KIB: i64 = -131_072;

/// Fills an empty database with `options.customers` customers. `progress`
/// is called now and then with the number done; a `cancel` stops it within
/// a few thousand customers, leaving the database empty.
pub fn generate(
    db: &mut Db,
    options: &GenOptions,
    progress: impl FnMut(u64),
    cancel: &Cancel,
) -> Result<GenSummary> {
    generate_with(db, options, true, progress, cancel)
}

/// `generate` for a database that other connections have open (the desktop
/// app's readers, for its first run's demo shop): through the write-ahead
/// log, as any write, since the fixture's in-memory journal needs the file
/// to itself (`busy` otherwise). Slower per row; for a few thousand
/// customers it makes no difference a person sees.
pub fn generate_shared(
    db: &mut Db,
    options: &GenOptions,
    progress: impl FnMut(u64),
    cancel: &Cancel,
) -> Result<GenSummary> {
    generate_with(db, options, false, progress, cancel)
}

fn generate_with(
    db: &mut Db,
    options: &GenOptions,
    fixture: bool,
    mut progress: impl FnMut(u64),
    cancel: &Cancel,
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
    let rebuilt = |_: &str, index: &str| REBUILT.contains(&index);
    let bulk = Bulk {
        cache_kib: Some(GEN_CACHE_KIB),
        fixture,
        rebuilt: Some(&rebuilt),
        defer_search: true,
        defer_rollups: true,
        analyze: true,
        ..Bulk::default()
    };
    bulk::run(db, bulk, |w| {
        // A fixture: its rows are written without change-log rows.
        w.caches_only();
        // The shop's tags are made through the real path, so their ids and
        // colours are what `tag add` would have made; the first customer
        // carries them all, and is removed from nothing: it is customer #1.
        customers::add(
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
        fill::fill(w, options, &mut rng, &mut summary, &mut progress, cancel)
    })?;
    progress(options.customers);
    summary.millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Ok(summary)
}

/// The indexes whose order is not the order the generator makes rows in:
/// dropped and made again afterwards (one sort each instead of a million
/// random inserts). Those that follow the making order (by customer id, by
/// creation time, by tag) take appends and are kept.
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
