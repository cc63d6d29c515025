//! Search, filters, orders, paging and the statistics counters, against an
//! oracle: after seeded random sequences of real operations, every list
//! answer must equal what a plain Rust scan of the customers table says, and
//! the counters must equal a full recount.

mod common;

use std::collections::BTreeSet;

use pelanggan_core::Error;
use pelanggan_core::balance;
use pelanggan_core::contacts::{self, ContactKind, NewContact};
use pelanggan_core::customers::{self, CustomerPatch, ListQuery, NewCustomer, Status};
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::search::{self, BalanceKind, Filter, Position, Sort};
use pelanggan_core::tags::TagInput;
use pelanggan_core::{Db, Money, stats};
use rusqlite::Connection;

use common::assert_refused;

/// A small deterministic generator (xorshift64*), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const FIRST: &[&str] = &[
    "Budi", "Siti", "Agus", "Dewi", "Sri", "Andi", "Rina", "Bambang", "Sari", "Joko",
];
const LAST: &[&str] = &[
    "Santoso", "Wijaya", "Saputra", "Hidayat", "Lestari", "Nugroho", "Kusuma", "Pratama",
];
const TAGS: &[&str] = &["VIP", "Hotspot", "PPPoE", "Reseller", "Telat Bayar"];

/// A local number typed in one of the ways people type it.
fn typed_number(rng: &mut Rng, n: u32) -> String {
    let prefix = rng.pick(&["812", "813", "857", "878", "821", "896"]);
    let rest = format!("{:08}", (n.wrapping_mul(7_919) + 1_234_567) % 100_000_000);
    match rng.below(4) {
        0 => format!("0{prefix}-{}-{}", &rest[..4], &rest[4..]),
        1 => format!("+62 {prefix} {} {}", &rest[..4], &rest[4..]),
        2 => format!("62{prefix}{rest}"),
        _ => format!("(0{prefix}) {rest}"),
    }
}

fn random_op(db: &mut Db, rng: &mut Rng, next_number: &mut u32) {
    let count: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap();
    let target = (1 + rng.below(count.max(1) as usize)).to_string();
    let op = if count < 5 { 0 } else { rng.below(12) };
    if op == 9 {
        // Any program may move total_spent (billing does): the triggers
        // follow. A raw write, so on a connection of its own (a write of the
        // core records the change log; this one records none).
        common::raw(db)
            .execute(
                "UPDATE customers SET total_spent = total_spent + ?2 WHERE id = ?1",
                rusqlite::params![target, 100 * rng.below(1_000) as i64],
            )
            .unwrap();
        return;
    }
    // Refusals (a deleted customer, a duplicate tag...) are part of the mix:
    // they must leave the counters and the index as they were.
    let _ = db.write(None, |w| match op {
        0 | 1 => {
            *next_number += 1;
            let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
            let email = rng.chance(60).then(|| {
                format!(
                    "{}{}@example.co.id",
                    name.to_lowercase().replace(' ', "."),
                    *next_number
                )
            });
            let balance = rng
                .chance(40)
                .then(|| Money::from_minor((rng.below(2_000_000) as i64 - 1_000_000) / 100 * 100));
            let tags = (0..rng.below(3))
                .map(|_| rng.pick(TAGS))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(|t| TagInput::new(t, None).unwrap())
                .collect();
            customers::add(
                w,
                NewCustomer {
                    name,
                    whatsapp: typed_number(rng, *next_number),
                    email,
                    initial_balance: balance,
                    tags,
                    status: Some(
                        *[
                            Status::Active,
                            Status::Active,
                            Status::Inactive,
                            Status::Blacklisted,
                        ]
                        .get(rng.below(4))
                        .unwrap(),
                    ),
                    ..Default::default()
                },
            )
            .map(drop)
        }
        2 => {
            *next_number += 1;
            let patch = match rng.below(4) {
                0 => CustomerPatch {
                    name: Some(format!("{} {}", rng.pick(FIRST), rng.pick(LAST))),
                    ..Default::default()
                },
                1 => CustomerPatch {
                    email: Some(if rng.chance(30) {
                        String::new()
                    } else {
                        format!("x{next_number}@mail.id")
                    }),
                    ..Default::default()
                },
                2 => CustomerPatch {
                    whatsapp: Some(typed_number(rng, *next_number)),
                    ..Default::default()
                },
                _ => CustomerPatch {
                    status: Some(
                        *[Status::Active, Status::Inactive, Status::Blacklisted]
                            .get(rng.below(3))
                            .unwrap(),
                    ),
                    ..Default::default()
                },
            };
            customers::edit(w, &target, patch).map(drop)
        }
        3 => customers::delete(w, &target).map(drop),
        4 => customers::restore(w, &target).map(drop),
        5 | 6 => {
            let amount = Money::from_minor(100 * (1 + rng.below(5_000) as i64));
            let note = EntryNote::new("test");
            if rng.chance(50) {
                balance::credit(w, &target, amount, &note).map(drop)
            } else {
                balance::debit(w, &target, amount, &note).map(drop)
            }
        }
        7 => customers::add_tag(w, &target, &TagInput::new(rng.pick(TAGS), None).unwrap()).map(drop),
        8 => customers::remove_tag(w, &target, rng.pick(TAGS)).map(drop),
        // Extra contacts are searched too (V8).
        10 => {
            *next_number += 1;
            let (kind, value) = match rng.below(3) {
                0 => (ContactKind::Email, format!("kantor{next_number}@toko.co.id")),
                1 => (ContactKind::Whatsapp, typed_number(rng, *next_number + 50_000)),
                _ => (ContactKind::Phone, typed_number(rng, *next_number + 90_000)),
            };
            let input = NewContact {
                kind,
                value,
                is_primary: false,
                notes: None,
            };
            contacts::add(w, &target, input).map(drop)
        }
        11 => {
            let contact: Option<i64> = w
                .reader()
                .conn()
                .query_row(
                    "SELECT id FROM customer_contacts WHERE customer_id = ?1 AND causal_length % 2 = 1
                     ORDER BY id LIMIT 1",
                    [&target],
                    |r| r.get(0),
                )
                .ok();
            match contact {
                Some(id) => contacts::remove(w, &target, &id.to_string()).map(drop),
                None => Ok(()),
            }
        }
        _ => unreachable!("op 9 is written above"),
    });
}

/// One customer as the oracle sees it, read with plain SQL.
#[derive(Debug, Clone)]
struct Row {
    id: i64,
    name: String,
    email: Option<String>,
    whatsapp: String,
    status: String,
    balance: i64,
    total_spent: i64,
    created_at: String,
    updated_at: String,
    tags: BTreeSet<String>,
    /// Has an active subscription.
    subscribed: bool,
    /// The live extra contacts: emails, and numbers (E.164).
    contact_emails: Vec<String>,
    contact_numbers: Vec<String>,
}

fn all_rows(conn: &Connection) -> Vec<Row> {
    let mut stmt = conn
        .prepare(
            "SELECT id, name, email, whatsapp, status, balance, total_spent, created_at, updated_at,
                    (SELECT group_concat(t.name, '|') FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id
                     WHERE ct.customer_id = customers.id AND ct.causal_length % 2 = 1),
                    EXISTS (SELECT 1 FROM subscriptions s
                            WHERE s.customer_id = customers.id AND s.status = 'active'),
                    (SELECT group_concat(k.value, '|') FROM customer_contacts k
                     WHERE k.customer_id = customers.id AND k.type = 'email' AND k.causal_length % 2 = 1),
                    (SELECT group_concat(k.value, '|') FROM customer_contacts k
                     WHERE k.customer_id = customers.id AND k.type != 'email' AND k.causal_length % 2 = 1)
             FROM customers",
        )
        .unwrap();
    stmt.query_map([], |r| {
        let tags: Option<String> = r.get(9)?;
        Ok(Row {
            id: r.get(0)?,
            name: r.get(1)?,
            email: r.get(2)?,
            whatsapp: r.get(3)?,
            status: r.get(4)?,
            balance: r.get(5)?,
            total_spent: r.get(6)?,
            created_at: r.get(7)?,
            updated_at: r.get(8)?,
            tags: tags
                .map(|t| t.split('|').map(str::to_lowercase).collect())
                .unwrap_or_default(),
            subscribed: r.get(10)?,
            contact_emails: split(r.get(11)?),
            contact_numbers: split(r.get(12)?),
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn split(joined: Option<String>) -> Vec<String> {
    joined
        .map(|j| j.split('|').map(str::to_owned).collect())
        .unwrap_or_default()
}

/// What a search term means, written the slow and obvious way: name,
/// email, WhatsApp number, and the extra contacts' emails and numbers.
fn term_matches(row: &Row, term: &str) -> bool {
    let term = term.trim();
    let phone_like = term.chars().any(|c| c.is_ascii_digit())
        && term
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    let term = if phone_like {
        term.chars().filter(char::is_ascii_digit).collect()
    } else {
        term.to_lowercase()
    };
    let name = row.name.to_lowercase();
    let emails: Vec<String> = row
        .email
        .iter()
        .chain(&row.contact_emails)
        .map(|e| e.to_lowercase())
        .collect();
    let numbers: Vec<String> = std::iter::once(&row.whatsapp)
        .chain(&row.contact_numbers)
        .flat_map(|n| {
            let digits = n.trim_start_matches('+').to_owned();
            let local = n.strip_prefix("+62").map(|r| format!("0{r}"));
            std::iter::once(digits).chain(local)
        })
        .collect();
    if term.chars().count() < 3 {
        name.split(' ').any(|w| w.starts_with(&term))
            || emails.iter().any(|e| e.starts_with(&term))
            || numbers.iter().any(|n| n.starts_with(&term))
    } else {
        name.contains(&term)
            || emails.iter().any(|e| e.contains(&term))
            || numbers.iter().any(|n| n.contains(&term))
    }
}

/// The first instant of a day in Jakarta (the shops of the oracle tests), as
/// a stored timestamp: dates are the shop's days.
fn jakarta_midnight(d: chrono::NaiveDate) -> String {
    use chrono::TimeZone;
    chrono_tz::Asia::Jakarta
        .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Opens a shop in Jakarta's time zone (whatever the system's).
fn open_in_jakarta() -> (tempfile::TempDir, pelanggan_core::Db) {
    let (dir, mut db) = common::open();
    db.write(None, |w| {
        pelanggan_core::settings::set(w, pelanggan_core::settings::Key::TimeZone, "Asia/Jakarta")
    })
    .unwrap();
    (dir, db)
}

fn oracle(rows: &[Row], f: &Filter, sort: Sort) -> Vec<i64> {
    let mut hits: Vec<&Row> = rows
        .iter()
        .filter(|r| match f.status {
            Some(s) => r.status == s.as_str(),
            None => f.include_deleted || r.status != "deleted",
        })
        .filter(|r| f.search.as_deref().is_none_or(|t| term_matches(r, t)))
        .filter(|r| match f.balance {
            Some(BalanceKind::Debt) => r.balance < 0,
            Some(BalanceKind::Credit) => r.balance > 0,
            Some(BalanceKind::Zero) => r.balance == 0,
            None => true,
        })
        .filter(|r| f.balance_min.is_none_or(|m| r.balance >= m.minor()))
        .filter(|r| f.balance_max.is_none_or(|m| r.balance <= m.minor()))
        .filter(|r| {
            f.tags_any.is_empty()
                || f.tags_any
                    .iter()
                    .any(|t| r.tags.contains(&t.to_lowercase()))
        })
        .filter(|r| {
            f.tags_all
                .iter()
                .all(|t| r.tags.contains(&t.to_lowercase()))
        })
        .filter(|r| {
            f.created_from
                .is_none_or(|d| r.created_at.as_str() >= jakarta_midnight(d).as_str())
        })
        .filter(|r| {
            f.created_to.is_none_or(|d| {
                r.created_at.as_str() < jakarta_midnight(d.succ_opt().unwrap()).as_str()
            })
        })
        .collect();
    hits.sort_by(|a, b| match sort {
        Sort::Debt => {
            (b.balance < 0, &b.updated_at, b.id).cmp(&(a.balance < 0, &a.updated_at, a.id))
        }
        Sort::Name => (a.name.to_lowercase(), a.id).cmp(&(b.name.to_lowercase(), b.id)),
        Sort::NameDesc => (b.name.to_lowercase(), b.id).cmp(&(a.name.to_lowercase(), a.id)),
        Sort::Balance => (a.balance, a.id).cmp(&(b.balance, b.id)),
        Sort::BalanceDesc => (b.balance, b.id).cmp(&(a.balance, a.id)),
        Sort::Spent => (a.total_spent, a.id).cmp(&(b.total_spent, b.id)),
        Sort::SpentDesc => (b.total_spent, b.id).cmp(&(a.total_spent, a.id)),
    });
    hits.into_iter().map(|r| r.id).collect()
}

/// Every page through the cursor, and the same through page numbers.
fn listed(
    r: pelanggan_core::Reader<'_>,
    f: &Filter,
    sort: Sort,
    limit: u32,
) -> (Vec<i64>, Vec<i64>) {
    let mut by_cursor = Vec::new();
    let mut position = Position::Page(1);
    loop {
        let slice = search::page(r, f, sort, limit, &position).unwrap();
        by_cursor.extend(slice.items.iter().map(|c| c.local_id));
        match slice.next {
            Some(next) => position = Position::After(next),
            None => break,
        }
        assert!(by_cursor.len() < 10_000, "the cursor never ends");
    }
    let mut by_page = Vec::new();
    for page in 1.. {
        let slice = search::page(r, f, sort, limit, &Position::Page(page)).unwrap();
        if slice.items.is_empty() {
            break;
        }
        by_page.extend(slice.items.iter().map(|c| c.local_id));
    }
    (by_cursor, by_page)
}

fn filters(rng: &mut Rng) -> Filter {
    let terms = [
        "budi", "SANTOSO", "ri", "s", "a", "di sa", "0812", "0812 3", "+62 813", "857-", "62",
        "08", "8", "example", "co.id", "x1", "1234", "@", "zz", "wij", ".", "kantor", "ka",
        "toko.co", "ko",
    ];
    let mut f = Filter::default();
    if rng.chance(60) {
        f.search = Some(rng.pick(&terms).to_owned());
    }
    match rng.below(6) {
        0 => f.status = Some(Status::Active),
        1 => f.status = Some(Status::Deleted),
        2 => f.include_deleted = true,
        _ => {}
    }
    if rng.chance(30) {
        f.balance = Some([BalanceKind::Debt, BalanceKind::Credit, BalanceKind::Zero][rng.below(3)]);
    }
    if rng.chance(20) {
        f.balance_min = Some(Money::from_minor(-500_000));
    }
    if rng.chance(20) {
        f.balance_max = Some(Money::from_minor(rng.below(3) as i64 * 250_000 - 250_000));
    }
    if rng.chance(25) {
        f.tags_any = vec![rng.pick(TAGS).to_lowercase(), rng.pick(TAGS).to_owned()];
    }
    if rng.chance(15) {
        f.tags_all = vec![rng.pick(TAGS).to_owned(), rng.pick(TAGS).to_uppercase()];
    }
    if rng.chance(15) {
        f.created_from = Some(chrono::Utc::now().date_naive());
    }
    if rng.chance(10) {
        let today = chrono::Utc::now().date_naive();
        f.created_to = Some(if f.created_from.is_some() {
            today
        } else {
            today.pred_opt().unwrap()
        });
    }
    f
}

#[test]
fn list_equals_the_oracle_after_random_operations() {
    let sorts = [
        Sort::Debt,
        Sort::Name,
        Sort::NameDesc,
        Sort::Balance,
        Sort::BalanceDesc,
        Sort::Spent,
        Sort::SpentDesc,
    ];
    for seed in [1_u64, 7, 42] {
        let (_dir, mut db) = open_in_jakarta();
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut number = 0;
        let mut checked_hits = 0;
        let mut short_hits = 0;
        for round in 0..6 {
            for _ in 0..25 {
                random_op(&mut db, &mut rng, &mut number);
            }
            let rows = all_rows(db.conn());
            for _ in 0..30 {
                let f = filters(&mut rng);
                let sort = sorts[rng.below(sorts.len())];
                let expected = oracle(&rows, &f, sort);
                let limit = [1, 3, 7, 50][rng.below(4)];
                let (by_cursor, by_page) = listed(db.reader().unwrap(), &f, sort, limit);
                assert_eq!(
                    by_cursor, expected,
                    "seed {seed} round {round} cursor {f:?} {sort}"
                );
                assert_eq!(
                    by_page, expected,
                    "seed {seed} round {round} pages {f:?} {sort}"
                );
                let total = search::count(db.reader().unwrap(), &f).unwrap();
                assert_eq!(total, expected.len() as u32, "seed {seed} count {f:?}");
                checked_hits += expected.len();
            }
            assert_eq!(
                stats::stats(db.reader().unwrap()).unwrap(),
                stats::recount(db.conn()).unwrap()
            );
            // Short terms are counted from the FTS vocabulary (big sets only,
            // so the plans above rarely use it here): it must equal counting
            // the matches, after deletes, restores and edits too.
            for term in [
                "b", "B", "bu", "08", "8", "62", "x1", "zz", "@", ".", "s", "Si", "wi",
            ] {
                let counts = search::short_term_counts(db.reader().unwrap(), term).unwrap();
                let counts = counts.unwrap_or_else(|| panic!("{term} is one trigram"));
                for (vocab, matches) in counts {
                    assert_eq!(vocab, matches, "seed {seed} round {round} term {term:?}");
                }
                short_hits += counts[0].0.min(1) + counts[1].0.min(1);
            }
        }
        assert!(short_hits > 30, "short terms matched almost nothing");
        assert!(
            checked_hits > 200,
            "the filters matched almost nothing: the test proves little"
        );
    }
}

#[test]
fn counters_equal_a_full_recount_after_every_operation() {
    let (_dir, mut db) = common::open();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut number = 0;
    for step in 0..300 {
        random_op(&mut db, &mut rng, &mut number);
        let fast = stats::stats(db.reader().unwrap()).unwrap();
        let slow = stats::recount(db.conn()).unwrap();
        assert_eq!(fast, slow, "after step {step}");
    }
    let s = stats::stats(db.reader().unwrap()).unwrap();
    assert!(
        s.total_customers > 20 && s.with_debt > 0 && s.deleted > 0,
        "{s:?}"
    );
    assert!(
        s.total_spent.minor() > 0 && s.highest_spent.minor() > 0,
        "{s:?}"
    );
    // A raw write through another connection (another program) is followed too.
    let other = Connection::open(db.path()).unwrap();
    other
        .execute(
            "UPDATE customers SET balance = balance - 100 WHERE id = 1",
            [],
        )
        .unwrap();
    other
        .execute(
            "UPDATE customers SET status = 'inactive' WHERE id = 2 AND status != 'deleted'",
            [],
        )
        .unwrap();
    assert_eq!(
        stats::stats(db.reader().unwrap()).unwrap(),
        stats::recount(db.conn()).unwrap()
    );
    // The count of customers updated before they were created (V7) follows
    // every way a row can become, stay or stop being one.
    let anomalies = |db: &pelanggan_core::Db| -> (i64, i64) {
        db.conn()
            .query_row(
                "SELECT (SELECT updated_before_created FROM customer_time_anomalies),
                        (SELECT count(*) FROM customers WHERE updated_at < created_at)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    };
    assert_eq!(anomalies(&db), (0, 0));
    for sql in [
        "UPDATE customers SET updated_at = '2000-01-01T00:00:00.000Z' WHERE id IN (3, 4, 5)",
        "UPDATE customers SET updated_at = '2001-01-01T00:00:00.000Z' WHERE id = 3",
        "UPDATE customers SET created_at = '1999-01-01T00:00:00.000Z' WHERE id = 4",
        "INSERT INTO customers (uuid, name, whatsapp, status, created_at, updated_at, created_by)
         VALUES ('0190b7a4-0000-7000-8000-00000000abcd', 'Jam Mundur', '+6281999000111', 'active',
                 '2026-01-02T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'admin')",
        "DELETE FROM customers WHERE uuid = '0190b7a4-0000-7000-8000-00000000abcd'",
    ] {
        other.execute(sql, []).unwrap();
        let (kept, counted) = anomalies(&db);
        assert_eq!(kept, counted, "after {sql}");
    }
    assert_eq!(anomalies(&db).1, 2);
    for step in 0..50 {
        random_op(&mut db, &mut rng, &mut number);
        let (kept, counted) = anomalies(&db);
        assert_eq!(kept, counted, "after step {step}");
    }
}

#[test]
fn repair_rewrites_counters_that_drifted() {
    let (_dir, mut db) = common::open();
    common::add(&mut db, "Budi", common::WA1);
    common::raw(&db)
        .execute(
            "UPDATE customer_stats SET customers = 99, total_debt = 7",
            [],
        )
        .unwrap();
    assert_ne!(
        stats::stats(db.reader().unwrap()).unwrap(),
        stats::recount(db.conn()).unwrap()
    );
    let repaired = db.write(None, stats::repair).unwrap();
    assert_eq!(repaired, stats::recount(db.conn()).unwrap());
    assert_eq!(repaired.total_customers, 1);
}

#[test]
fn phone_forms_and_short_terms() {
    let (_dir, mut db) = common::open();
    let budi = common::add(&mut db, "Budi Santoso", "0812-3456-7890");
    let jose = common::add(&mut db, "José Sánchez", "+62 857 1234 5678");
    let find = |db: &Db, term: &str| -> Vec<i64> {
        let f = Filter {
            search: Some(term.into()),
            ..Filter::default()
        };
        let mut ids: Vec<i64> =
            search::page(db.reader().unwrap(), &f, Sort::Name, 50, &Position::Page(1))
                .unwrap()
                .items
                .iter()
                .map(|c| c.local_id)
                .collect();
        ids.sort();
        ids
    };
    let (b, j) = (budi.local_id, jose.local_id);
    for term in [
        "0812 345",
        "0812-3456",
        "(0812) 3456",
        "+62 812 3456",
        "6281234",
        "3456 7890",
        "budi",
        "BUDI S",
        "anto",
    ] {
        assert_eq!(find(&db, term), vec![b], "{term}");
    }
    // Short terms are word prefixes: "sa" starts "Santoso" and "Sánchez" (accents folded).
    assert_eq!(find(&db, "sa"), vec![b, j]);
    assert_eq!(find(&db, "s"), vec![b, j]);
    assert_eq!(
        find(&db, "an"),
        Vec::<i64>::new(),
        "2 characters match word starts only"
    );
    assert_eq!(find(&db, "08"), vec![b, j]);
    assert_eq!(find(&db, "jose"), vec![j]);
    assert_eq!(find(&db, "sanchez"), vec![j]);
    // Query-language characters are only text.
    for term in ["\"", "budi OR jose", "bu*", "NEAR(a b)", "a:b", "^x", "-"] {
        let f = Filter {
            search: Some(term.into()),
            ..Filter::default()
        };
        search::page(db.reader().unwrap(), &f, Sort::Debt, 50, &Position::Page(1)).unwrap();
        search::count(db.reader().unwrap(), &f).unwrap();
    }
    // A deleted customer is found only when deleted ones are asked for.
    db.write(None, |w| customers::delete(w, "1")).unwrap();
    assert_eq!(find(&db, "budi"), Vec::<i64>::new());
    let f = Filter {
        search: Some("budi".into()),
        include_deleted: true,
        ..Filter::default()
    };
    assert_eq!(search::count(db.reader().unwrap(), &f).unwrap(), 1);
    let f = Filter {
        search: Some("0812".into()),
        status: Some(Status::Deleted),
        ..Filter::default()
    };
    assert_eq!(search::count(db.reader().unwrap(), &f).unwrap(), 1);
    db.write(None, |w| customers::restore(w, "1")).unwrap();
    assert_eq!(find(&db, "budi"), vec![b]);
}

#[test]
fn bad_filter_values_are_validation_errors_naming_the_field() {
    let (_dir, db) = common::open();
    let r = db.reader().unwrap();
    let list = |q: ListQuery| customers::list(r, &q);
    assert_refused(
        list(ListQuery {
            filter: pelanggan_core::search::Filter {
                balance_min: Some(Money::from_minor(10)),
                balance_max: Some(Money::from_minor(5)),
                ..Default::default()
            },
            ..ListQuery::default()
        }),
        "validation",
        Some("balance_min"),
    );
    let today = chrono::Utc::now().date_naive();
    assert_refused(
        list(ListQuery {
            filter: pelanggan_core::search::Filter {
                created_from: Some(today),
                created_to: today.pred_opt(),
                ..Default::default()
            },
            ..ListQuery::default()
        }),
        "validation",
        Some("created_from"),
    );
    assert_refused(
        list(ListQuery {
            filter: pelanggan_core::search::Filter {
                search: Some("x".repeat(101)),
                ..Default::default()
            },
            ..ListQuery::default()
        }),
        "validation",
        Some("search"),
    );
    assert_refused(
        list(ListQuery {
            after: Some("garbage".into()),
            ..ListQuery::default()
        }),
        "validation",
        Some("after"),
    );
    assert_refused(
        list(ListQuery {
            after: Some("d~1~0~2026".into()),
            page: 2,
            ..ListQuery::default()
        }),
        "validation",
        Some("after"),
    );
    assert_refused(
        list(ListQuery {
            filter: pelanggan_core::search::Filter {
                tags_any: vec![" ".into()],
                ..Default::default()
            },
            ..ListQuery::default()
        }),
        "validation",
        Some("tag"),
    );
    assert_refused(
        "richest".parse::<Sort>().map_err(Error::from),
        "validation",
        Some("sort"),
    );
    assert_refused(
        "owing".parse::<BalanceKind>().map_err(Error::from),
        "validation",
        Some("balance"),
    );
    // An unknown tag is not an error: it matches nobody.
    let page = list(ListQuery {
        filter: pelanggan_core::search::Filter {
            tags_all: vec!["Nobody".into()],
            ..Default::default()
        },
        ..ListQuery::default()
    })
    .unwrap();
    assert_eq!((page.total, page.items.len()), (0, 0));
}

/// A generated shop big enough for the plans small shops never take: a
/// term paged from a bitmap of its matches, intersections of two sets, the
/// capped walk falling back to collecting. Same oracle.
#[test]
fn big_shop_plans_equal_the_oracle() {
    let (_dir, mut db) = open_in_jakarta();
    pelanggan_core::generate::generate(
        &mut db,
        &pelanggan_core::generate::GenOptions {
            customers: 6_000,
            seed: 11,
        },
        |_| {},
        &pelanggan_core::progress::Cancel::new(),
    )
    .unwrap();
    // Extra contacts on some customers (the generator makes none): searched
    // like the customer's own fields, through every plan below.
    db.write(None, |w| {
        for id in (1..=6_000_i64).filter(|id| id % 7 == 0 || id % 11 == 0) {
            let (kind, value) = if id % 7 == 0 {
                (ContactKind::Email, format!("kantor{id}@toko.co.id"))
            } else {
                (ContactKind::Whatsapp, format!("0896{id:08}"))
            };
            let input = NewContact {
                kind,
                value,
                is_primary: false,
                notes: None,
            };
            // A deleted customer takes no contact: skip it.
            match w.savepoint(|w| contacts::add(w, &id.to_string(), input)) {
                Ok(_) | Err(pelanggan_core::Error::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        // Some customers with contacts are deleted: the deleted ones' index
        // holds their contacts too.
        for id in (77..=6_000_i64).step_by(77) {
            let _ = w.savepoint(|w| customers::delete(w, &id.to_string()));
        }
        Ok(())
    })
    .unwrap();
    let rows = all_rows(db.conn());
    let today = chrono::Utc::now().date_naive();
    // Any of eight of the generator's tags: a big side set.
    let eight_tags = || {
        [
            "VIP", "Kos", "Warung", "Kantor", "Baru", "RT 01", "RT 02", "Sekolah",
        ]
        .map(String::from)
        .to_vec()
    };
    let filters = [
        Filter {
            search: Some("a".into()),
            ..Filter::default()
        },
        Filter {
            search: Some("an".into()),
            include_deleted: true,
            ..Filter::default()
        },
        Filter {
            search: Some("gmail".into()),
            ..Filter::default()
        },
        Filter {
            search: Some("08".into()),
            ..Filter::default()
        },
        Filter {
            tags_all: vec!["VIP".into(), "Kantor".into()],
            ..Filter::default()
        },
        Filter {
            status: Some(Status::Blacklisted),
            tags_any: vec!["Telat Bayar".into()],
            ..Filter::default()
        },
        Filter {
            search: Some("san".into()),
            balance: Some(BalanceKind::Debt),
            tags_any: vec!["Kos".into()],
            ..Filter::default()
        },
        Filter {
            search: Some("a".into()),
            tags_any: vec!["VIP".into(), "Warung".into()],
            ..Filter::default()
        },
        Filter {
            created_from: today.checked_sub_days(chrono::Days::new(60)),
            ..Filter::default()
        },
        // Created-from bounds the debt order's walk (updated_at >= from).
        Filter {
            created_from: today.checked_sub_days(chrono::Days::new(700)),
            ..Filter::default()
        },
        Filter {
            created_from: today.checked_sub_days(chrono::Days::new(500)),
            tags_any: vec!["Kos".into()],
            ..Filter::default()
        },
        Filter {
            active_subscription: Some(false),
            balance: Some(BalanceKind::Debt),
            ..Filter::default()
        },
        Filter {
            active_subscription: Some(true),
            tags_any: vec!["PPPoE".into()],
            ..Filter::default()
        },
        // Two big side sets (any of eight tags, a subscription): counted
        // and paged from their intersection.
        Filter {
            active_subscription: Some(true),
            tags_any: eight_tags(),
            ..Filter::default()
        },
        Filter {
            active_subscription: Some(true),
            status: Some(Status::Inactive),
            include_deleted: true,
            tags_any: eight_tags(),
            ..Filter::default()
        },
        // Two big sets: intersected, then walked against a bitmap.
        Filter {
            search: Some("08".into()),
            active_subscription: Some(true),
            ..Filter::default()
        },
        Filter {
            search: Some("62".into()),
            status: Some(Status::Active),
            balance_max: Some(Money::from_minor(0)),
            ..Filter::default()
        },
        // Terms only the extra contacts hold, alone and with big side sets.
        Filter {
            search: Some("toko.co".into()),
            ..Filter::default()
        },
        Filter {
            search: Some("kantor1".into()),
            tags_any: eight_tags(),
            ..Filter::default()
        },
        Filter {
            search: Some("0896 0000".into()),
            balance: Some(BalanceKind::Debt),
            ..Filter::default()
        },
        Filter {
            search: Some("ka".into()),
            status: Some(Status::Active),
            ..Filter::default()
        },
        Filter {
            search: Some("toko.co".into()),
            status: Some(Status::Deleted),
            ..Filter::default()
        },
        Filter {
            search: Some("kantor".into()),
            include_deleted: true,
            tags_any: vec!["Kos".into()],
            ..Filter::default()
        },
        Filter {
            search: Some("6289600".into()),
            active_subscription: Some(true),
            ..Filter::default()
        },
    ];
    let mut hits = 0;
    for f in &filters {
        for sort in [Sort::Debt, Sort::Name, Sort::BalanceDesc] {
            let expected = oracle_big(&rows, f, sort);
            let (by_cursor, by_page) = listed(db.reader().unwrap(), f, sort, 200);
            assert_eq!(by_cursor, expected, "cursor {f:?} {sort}");
            assert_eq!(by_page, expected, "pages {f:?} {sort}");
            let total = search::count(db.reader().unwrap(), f).unwrap();
            assert_eq!(total, expected.len() as u32, "count {f:?}");
            let q = customers::ListQuery {
                filter: pelanggan_core::search::Filter {
                    search: f.search.clone(),
                    ..Default::default()
                },
                ..customers::ListQuery::default()
            };
            if f == &(Filter {
                search: f.search.clone(),
                ..Filter::default()
            }) {
                assert_eq!(
                    customers::list(db.reader().unwrap(), &q).unwrap().total,
                    expected.len() as u32
                );
            }
            hits += expected.len();
        }
    }
    assert!(hits > 5_000, "the filters matched too little: {hits}");

    // A customer last updated before it was created (a clock set back, a
    // raw write): the bound no longer holds, and is not used.
    common::raw(&db)
        .execute(
            "UPDATE customers SET updated_at = '2000-01-01T00:00:00.000Z'
             WHERE id IN (SELECT id FROM customers WHERE status != 'deleted'
                          ORDER BY created_at DESC LIMIT 3)",
            [],
        )
        .unwrap();
    let rows = all_rows(db.conn());
    for f in &filters[..] {
        if f.created_from.is_none() {
            continue;
        }
        let expected = oracle_big(&rows, f, Sort::Debt);
        let (by_cursor, by_page) = listed(db.reader().unwrap(), f, Sort::Debt, 200);
        assert_eq!(
            by_cursor, expected,
            "cursor {f:?} after the clock went back"
        );
        assert_eq!(by_page, expected, "pages {f:?} after the clock went back");
    }
}

/// `oracle`, with the subscription filter the generated shop needs.
fn oracle_big(rows: &[Row], f: &Filter, sort: Sort) -> Vec<i64> {
    let ids = oracle(
        rows,
        &Filter {
            active_subscription: None,
            ..f.clone()
        },
        sort,
    );
    match f.active_subscription {
        None => ids,
        Some(wanted) => ids
            .into_iter()
            .filter(|id| rows.iter().any(|r| r.id == *id && r.subscribed == wanted))
            .collect(),
    }
}

/// Everything the FTS tables hold: every token instance (term, row, column,
/// offset) of both tables, and each row's column sizes.
fn fts_content(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    for table in ["customer_search", "customer_search_deleted"] {
        conn.execute_batch(&format!(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.{table}_instances
             USING fts5vocab(main, {table}, instance)"
        ))
        .unwrap();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT term, doc, col, offset FROM temp.{table}_instances ORDER BY doc, col, offset, term"
            ))
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok(format!(
                    "{table} {:?} {} {} {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?
                ))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
        let mut stmt = conn
            .prepare(&format!(
                "SELECT id, hex(sz) FROM {table}_docsize ORDER BY id"
            ))
            .unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok(format!(
                    "{table} size {} {}",
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?
                ))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

/// V11 writes the indexed text once (generated columns): on a file migrated
/// from V10 the index V3/V8's triggers wrote is what the new definition
/// gives, token for token, so the index needs no rebuild; and the text
/// itself is byte for byte what V8's triggers indexed.
#[test]
fn v11_search_text_is_what_the_old_triggers_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v10.db");
    let old = common::file_at_version(&path, 10);
    let at = "2026-01-01T00:00:00.000Z";
    let customers = [
        (
            "Budi Santoso",
            "+6281234567890",
            Some("budi@example.co.id"),
            "active",
        ),
        ("Siti", "+6285711112222", None, "inactive"),
        (
            "  Ni  Made Ayu ",
            "+14155550123",
            Some("made@example.com"),
            "active",
        ),
        ("Çağrı Öz", "+905321234567", None, "blacklisted"),
        (
            "Dewi Lestari",
            "+6281999888777",
            Some("dewi@mail.id"),
            "deleted",
        ),
    ];
    for (i, (name, wa, email, status)) in customers.iter().enumerate() {
        old.execute(
            "INSERT INTO customers (uuid, name, whatsapp, email, status, causal_length,
                                    created_at, updated_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 'test')",
            rusqlite::params![
                format!("00000000-0000-7000-8000-00000000000{i}"),
                name,
                wa,
                email,
                status,
                if *status == "deleted" { 2 } else { 1 },
                at
            ],
        )
        .unwrap();
    }
    // Extra contacts (a removed one among them), kept in the V8 caches.
    let contacts = [
        (1, "email", "budi.kantor@example.com", 1),
        (1, "whatsapp", "+6287700001111", 1),
        (1, "phone", "+6221555000", 2),
        (2, "email", "siti@example.com", 1),
        (5, "whatsapp", "+6281100002222", 1),
    ];
    for (i, (customer, kind, value, cl)) in contacts.iter().enumerate() {
        old.execute(
            "INSERT INTO customer_contacts (uuid, customer_id, type, value, causal_length, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            rusqlite::params![
                format!("00000000-0000-7000-9000-00000000000{i}"),
                customer,
                kind,
                value,
                cl,
                at
            ],
        )
        .unwrap();
    }
    // The V8 triggers' text, as they wrote it.
    let v8_text = |conn: &Connection| -> Vec<(i64, String, String, String)> {
        let mut stmt = conn
            .prepare(
                "SELECT id, char(1, 1) || replace(name, ' ', ' ' || char(1, 1)),
                        coalesce(char(1, 1) || email, '') || coalesce(contact_emails, ''),
                        char(1, 1) || substr(whatsapp, 2)
                            || CASE WHEN whatsapp GLOB '+62*' THEN ' ' || char(1, 1) || '0' || substr(whatsapp, 4) ELSE '' END
                            || coalesce(contact_numbers, '')
                 FROM customers ORDER BY id",
            )
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let expected_text = v8_text(&old);
    let caches = |conn: &Connection| -> Vec<(Option<String>, Option<String>)> {
        let mut stmt = conn
            .prepare("SELECT contact_emails, contact_numbers FROM customers ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let old_caches = caches(&old);
    assert!(old_caches[0].0.is_some() && old_caches[0].1.is_some());
    let before = fts_content(&old);
    assert!(before.len() > 50, "{before:?}");
    drop(old);

    let db = Db::open(&path).unwrap();
    let raw = common::raw(&db);
    let conn = &raw;
    let version: i64 = conn
        .query_row(
            "SELECT max(version) FROM refinery_schema_history",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(version >= 11);
    assert_eq!(
        fts_content(conn),
        before,
        "the migration left the index as it was"
    );
    let mut stmt = conn
        .prepare("SELECT id, search_name, search_email, search_numbers FROM customers ORDER BY id")
        .unwrap();
    let generated: Vec<(i64, String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(generated, expected_text, "byte for byte the V8 text");
    drop(stmt);
    drop(raw);
    drop(db);

    // The index rebuilt from the generated columns is the index the old
    // triggers wrote.
    let copy = dir.path().join("rebuilt.db");
    std::fs::copy(&path, &copy).unwrap();
    let rebuilt = Connection::open(&copy).unwrap();
    rebuilt
        .execute_batch(
            "DELETE FROM customer_search; DELETE FROM customer_search_deleted;
             INSERT INTO customer_search (rowid, name, email, numbers)
             SELECT id, search_name, search_email, search_numbers FROM customers WHERE status != 'deleted';
             INSERT INTO customer_search_deleted (rowid, name, email, numbers)
             SELECT id, search_name, search_email, search_numbers FROM customers WHERE status = 'deleted';",
        )
        .unwrap();
    assert_eq!(fts_content(&rebuilt), before, "rebuilt from V11's columns");

    // The remade triggers index what the old ones did: a customer renamed
    // and renamed back, one deleted and restored, are indexed as before.
    rebuilt
        .execute_batch(
            "UPDATE customers SET name = 'X' WHERE id = 1; UPDATE customers SET name = 'Budi Santoso' WHERE id = 1;
             UPDATE customers SET status = 'deleted', causal_length = 2 WHERE id = 2;
             UPDATE customers SET status = 'inactive', causal_length = 3 WHERE id = 2;
             UPDATE customer_contacts SET value = value;",
        )
        .unwrap();
    assert_eq!(
        caches(&rebuilt),
        old_caches,
        "contact caches remade by V11's triggers"
    );
    assert_eq!(
        fts_content(&rebuilt),
        before,
        "re-indexed by V11's triggers"
    );
    drop(rebuilt);
    let db = Db::open(&copy).unwrap();
    for term in [
        "santoso", "kantor", "0877", "08123", "bu", "ni", "çağ", "made@", "0811",
    ] {
        let f = Filter {
            search: Some(term.into()),
            include_deleted: true,
            ..Filter::default()
        };
        let ids: Vec<i64> =
            search::page(db.reader().unwrap(), &f, Sort::Name, 50, &Position::Page(1))
                .unwrap()
                .items
                .iter()
                .map(|c| c.local_id)
                .collect();
        assert!(!ids.is_empty(), "{term}");
    }
}
