//! The merge rules of sync through the core's API: three desks make random
//! offline changes of every kind (customers from a small pool of numbers,
//! edits, deletes and restores, ledger entries, tags, contacts,
//! subscriptions, invoices, payments, refunds, voids, vouchers with
//! clashing codes, merges of duplicates) and sync in random orders, with
//! answers lost after the server stored a push, then all sync twice, and
//! hold the same rows, allocate alike, show the same conflicts, hold
//! exactly the ledger entries made, and no clock ever moved back: through
//! an in-memory server behind the `Transport` trait, and through the real
//! server binary on SQLite and PostgreSQL (`real_server`, compacted
//! midway). Also: a page received twice changes nothing; equal clocks break
//! ties by device id; an entity this version does not merge is kept, not
//! dropped; a clock far ahead is not adopted; a merge across two desks;
//! messages reach the sender desk and one cause queued on two desks is
//! sent once.

mod common;

use chrono::NaiveDate;
use common::{WA1, WA2, WA3, WA4, add, open};
use pelanggan_core::billing::payments::{self, NewPayment};
use pelanggan_core::billing::subscriptions::{self, NewSubscription};
use pelanggan_core::billing::vouchers::{self, NewVoucher, SellVoucher};
use pelanggan_core::billing::{self, invoices};
use pelanggan_core::contacts::{self, ContactKind, NewContact};
use pelanggan_core::customer_merge::{self, MergeField};
use pelanggan_core::customers::{self, CustomerPatch};
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::notify::gateways::{self, GatewayKind, GatewayPatch, Secret};
use pelanggan_core::notify::outbox::{self, Content, MessageStatus};
use pelanggan_core::notify::{
    Gateway, GatewayConfig, GatewayReply, OutgoingMessage, SendOutcome, hooks, worker,
};
use pelanggan_core::privacy;
use pelanggan_core::progress::Cancel;
use pelanggan_core::settings::{self, Key};
use pelanggan_core::sync::{self, Failure, Transport, incoming, state};
use pelanggan_core::tags::TagInput;
use pelanggan_core::{Db, Money, balance};
use pelanggan_sync_protocol::{
    Change, Hlc, Op, PROTOCOL, PullResponse, Pulled, PushRequest, PushResponse, SCHEMA_MAX, Seq,
    StatusResponse,
};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;
use uuid::Uuid;

/// The server's log: every change once, in arrival order.
#[derive(Default)]
struct Log {
    changes: Vec<Change>,
    /// A push whose answer is lost after the server stored it (once).
    lose_next_answer: bool,
}

#[derive(Clone)]
struct Memory {
    log: Rc<RefCell<Log>>,
    device: Uuid,
}

impl Transport for Memory {
    fn status(&mut self) -> Result<StatusResponse, Failure> {
        Ok(StatusResponse {
            shop: "toko".into(),
            device_id: self.device,
            cursor: Seq(self.log.borrow().changes.len() as i64),
            horizon: Seq(0),
            last_pushed_hlc: None,
            server_time_ms: 0,
            schema_min: 1,
            schema_max: SCHEMA_MAX,
            protocol: PROTOCOL,
        })
    }

    fn push(&mut self, request: &PushRequest) -> Result<PushResponse, Failure> {
        let mut log = self.log.borrow_mut();
        let (mut accepted, mut duplicates) = (0, 0);
        for c in &request.changes {
            assert_eq!(
                c.device, self.device,
                "a device pushes only its own changes"
            );
            if log
                .changes
                .iter()
                .any(|h| h.device == c.device && h.hlc == c.hlc)
            {
                duplicates += 1;
            } else {
                log.changes.push(c.clone());
                accepted += 1;
            }
        }
        if std::mem::take(&mut log.lose_next_answer) {
            return Err(Failure::Unreachable("the answer was lost".into()));
        }
        Ok(PushResponse {
            accepted,
            duplicates,
            cursor: Seq(log.changes.len() as i64),
        })
    }

    fn pull(&mut self, after: Seq, limit: u32, _snapshot: bool) -> Result<PullResponse, Failure> {
        let log = self.log.borrow();
        let mut changes = Vec::new();
        let mut next = after.0;
        for (i, c) in log.changes.iter().enumerate().skip(after.0 as usize) {
            if changes.len() == limit as usize {
                break;
            }
            next = i as i64 + 1;
            if c.device != self.device {
                changes.push(Pulled {
                    seq: Seq(next),
                    change: c.clone(),
                });
            }
        }
        Ok(PullResponse {
            more: (next as usize) < log.changes.len(),
            changes,
            next: Seq(next),
            horizon: Seq(0),
        })
    }
}

struct Desk<T = Memory> {
    _dir: tempfile::TempDir,
    db: Db,
    net: T,
    /// Minutes its wall clock runs off (`skew`).
    skew: i64,
}

fn desks(n: usize) -> (Rc<RefCell<Log>>, Vec<Desk>) {
    let log = Rc::new(RefCell::new(Log::default()));
    let desks = (0..n)
        .map(|_| {
            let (dir, mut db) = open();
            let device = Uuid::parse_str(db.device_id()).unwrap();
            sync::pair(&mut db, "http://127.0.0.1:1", None, "CODE", "desk", |_| {
                Ok(sync::PairAnswer {
                    shop: "toko".into(),
                    token: "t".into(),
                })
            })
            .unwrap();
            let net = Memory {
                log: log.clone(),
                device,
            };
            Desk {
                _dir: dir,
                db,
                net,
                skew: 0,
            }
        })
        .collect();
    (log, desks)
}

fn round(desk: &mut Desk) {
    sync::run(&mut desk.db, None, &mut desk.net).unwrap();
}

/// Everything that must agree, without local ids or caches other desks
/// compute differently (each row names its customer by uuid): customers
/// with their balance (which must equal its ledger), the ledger ids, tags
/// and who carries them, contacts, subscriptions, invoices with what is
/// allocated to them, payments and vouchers.
fn dump(db: &Db) -> String {
    const QUERIES: &[&str] = &[
        "SELECT uuid, name, whatsapp, coalesce(email, ''), coalesce(notes, ''),
                status || '/' || coalesce(status_before_delete, ''), causal_length, balance,
                coalesce(merged_into, '')
         FROM customers ORDER BY uuid",
        "SELECT uuid FROM customer_balance_history ORDER BY uuid",
        "SELECT t.uuid, t.name, t.color FROM tags t ORDER BY t.uuid",
        "SELECT k.uuid, c.uuid, t.name, k.causal_length FROM customer_tags k
         JOIN customers c ON c.id = k.customer_id JOIN tags t ON t.id = k.tag_id ORDER BY k.uuid",
        "SELECT k.uuid, c.uuid, k.value, k.is_primary, k.causal_length FROM customer_contacts k
         JOIN customers c ON c.id = k.customer_id ORDER BY k.uuid",
        "SELECT s.uuid, c.uuid, s.username, s.price, s.status, s.next_billing_date
         FROM subscriptions s JOIN customers c ON c.id = s.customer_id ORDER BY s.uuid",
        "SELECT i.uuid, i.number, c.uuid, i.total, i.status, i.amount_allocated,
                coalesce(i.void_entry, '')
         FROM invoices i JOIN customers c ON c.id = i.customer_id ORDER BY i.uuid",
        "SELECT p.uuid, c.uuid, p.amount, p.status, coalesce(p.refund_entry, '')
         FROM payments p JOIN customers c ON c.id = p.customer_id ORDER BY p.uuid",
        "SELECT v.uuid, v.code, v.status, coalesce(c.uuid, '') FROM vouchers v
         LEFT JOIN customers c ON c.id = v.customer_id ORDER BY v.uuid",
        "SELECT m.uuid, c.uuid, m.dedupe_key, m.status, m.body FROM messages m
         JOIN customers c ON c.id = m.customer_id ORDER BY m.uuid",
    ];
    let conn = db.conn();
    let mut out = String::new();
    for sql in QUERIES {
        let mut stmt = conn.prepare(sql).unwrap();
        let width = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut line = String::new();
                for i in 0..width {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!("{v:?} "));
                }
                Ok(line)
            })
            .unwrap();
        for r in rows {
            out.push_str(&r.unwrap());
            out.push('\n');
        }
        out.push_str("--\n");
    }
    out
}

/// A small deterministic generator (no dependency, the same on every run).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn random_change<T>(desk: &mut Desk<T>, rng: &mut Rng, step: usize) {
    let ids: Vec<String> = desk
        .db
        .conn()
        .prepare("SELECT uuid FROM customers ORDER BY uuid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let pick = |rng: &mut Rng| ids[rng.below(ids.len())].clone();
    let numbers = [WA1, WA2, WA3, WA4];
    let kind = if ids.is_empty() { 0 } else { rng.below(18) };
    let db = &mut desk.db;
    // Refusals (a number taken here, a deleted customer) are part of the
    // game: they write nothing.
    let _ = match kind {
        0 => db
            .write(None, |w| {
                customers::add(
                    w,
                    customers::NewCustomer {
                        name: format!("C{step}"),
                        whatsapp: numbers[rng.below(numbers.len())].into(),
                        ..Default::default()
                    },
                )
            })
            .map(|_| ()),
        1 => {
            let id = pick(rng);
            let patch = CustomerPatch {
                name: Some(format!("N{step}")),
                ..Default::default()
            };
            db.write(None, |w| customers::edit(w, &id, patch))
                .map(|_| ())
        }
        2 => {
            let id = pick(rng);
            let patch = CustomerPatch {
                notes: Some(format!("note {step}")),
                ..Default::default()
            };
            db.write(None, |w| customers::edit(w, &id, patch))
                .map(|_| ())
        }
        3 => {
            let id = pick(rng);
            let amount = Money::from_minor((rng.below(50) as i64 + 1) * 100_000);
            db.write(None, |w| {
                balance::credit(w, &id, amount, &EntryNote::new("in"))
            })
            .map(|_| ())
        }
        4 => {
            let id = pick(rng);
            let amount = Money::from_minor((rng.below(50) as i64 + 1) * 100_000);
            db.write(None, |w| {
                balance::debit(w, &id, amount, &EntryNote::new("out"))
            })
            .map(|_| ())
        }
        5 => {
            // A status set on one desk while another deletes the customer.
            let id = pick(rng);
            let status = if rng.below(2) == 0 {
                "inactive"
            } else {
                "active"
            };
            let patch = CustomerPatch {
                status: Some(status.parse().unwrap()),
                ..Default::default()
            };
            db.write(None, |w| customers::edit(w, &id, patch))
                .map(|_| ())
        }
        6 => {
            let id = pick(rng);
            match db.write(None, |w| customers::delete(w, &id)) {
                Ok(_) => Ok(()),
                Err(_) => db.write(None, |w| customers::restore(w, &id)).map(|_| ()),
            }
        }
        7 => {
            // The same tag made on two desks, each with its own colour.
            let id = pick(rng);
            let tag =
                TagInput::new(TAGS[rng.below(TAGS.len())], Some(COLORS[rng.below(3)])).unwrap();
            db.write(None, |w| customers::add_tag(w, &id, &tag))
                .map(|_| ())
        }
        8 => {
            let id = pick(rng);
            let tag = TAGS[rng.below(TAGS.len())];
            db.write(None, |w| customers::remove_tag(w, &id, tag))
                .map(|_| ())
        }
        9 => {
            let id = pick(rng);
            let listed = contacts::list(db.reader().unwrap(), &id).unwrap_or_default();
            match listed.first() {
                Some(c) if rng.below(2) == 0 => {
                    let contact = c.id.clone();
                    db.write(None, |w| contacts::remove(w, &id, &contact))
                        .map(|_| ())
                }
                _ => db
                    .write(None, |w| {
                        contacts::add(
                            w,
                            &id,
                            NewContact {
                                kind: ContactKind::Email,
                                value: format!("c{step}@toko.id"),
                                is_primary: false,
                                notes: None,
                            },
                        )
                    })
                    .map(|_| ()),
            }
        }
        10 => {
            let id = pick(rng);
            db.write(None, |w| {
                subscriptions::add(
                    w,
                    &id,
                    NewSubscription {
                        kind: "pppoe".parse().unwrap(),
                        username: format!("u{step}-{}", rng.below(1000)),
                        profile: "10M".into(),
                        price: Money::from_minor(15_000_000),
                        cycle: None,
                        start: day(0),
                    },
                )
            })
            .map(|_| ())
        }
        11 => db
            .write(None, |w| invoices::issue_due(w, day(step as u64)))
            .map(|_| ()),
        12 => {
            let id = pick(rng);
            let amount = Money::from_minor((rng.below(30) as i64 + 1) * 1_000_000);
            db.write(None, |w| {
                payments::record(w, &id, amount, NewPayment::default())
            })
            .map(|_| ())
        }
        13 => {
            let uuid = one_of(
                db,
                rng,
                "SELECT uuid FROM payments WHERE status = 'success'",
            );
            match uuid {
                Some(p) => db.write(None, |w| payments::refund(w, &p)).map(|_| ()),
                None => Ok(()),
            }
        }
        14 => {
            let uuid = one_of(db, rng, "SELECT uuid FROM invoices WHERE status != 'void'");
            match uuid {
                Some(i) => db.write(None, |w| invoices::void(w, &i)).map(|_| ()),
                None => Ok(()),
            }
        }
        15 => {
            // Codes from a small pool: two desks make the same one.
            let code = format!("V{}", rng.below(4));
            match db.write(None, |w| {
                vouchers::add(
                    w,
                    NewVoucher {
                        code: code.clone(),
                        profile: "1jam".into(),
                        price: Money::from_minor(500_000),
                    },
                )
            }) {
                Ok(_) => Ok(()),
                Err(_) => {
                    let customer = (rng.below(2) == 0).then(|| pick(rng));
                    db.write(None, |w| {
                        vouchers::sell(
                            w,
                            &code,
                            SellVoucher {
                                customer,
                                ..Default::default()
                            },
                        )
                    })
                    .map(|_| ())
                }
            }
        }
        16 => {
            // A welcome (one cause: two desks may queue it offline), a
            // queued message cancelled, or a customer erased.
            match one_of(
                db,
                rng,
                "SELECT CAST(id AS TEXT) FROM messages WHERE status = 'queued'",
            ) {
                // Now and then a privacy erase instead: gone on every desk.
                _ if rng.below(8) == 0 => {
                    let id = pick(rng);
                    db.write(None, |w| {
                        privacy::erase(w, &id, true, privacy::Confirm::Yes)
                    })
                    .map(|_| ())
                }
                Some(m) if rng.below(3) == 0 => {
                    db.write(None, |w| outbox::cancel(w, &m)).map(|_| ())
                }
                _ => {
                    let id = pick(rng);
                    // Its template names the shop.
                    let unnamed = settings::get(db.conn(), Key::ShopName).unwrap().is_empty();
                    db.write(None, |w| {
                        if unnamed {
                            settings::set(w, Key::ShopName, "Toko Maju")?;
                        }
                        hooks::welcome(w, &id)
                    })
                    .map(|_| ())
                }
            }
        }
        _ => {
            // Merge the first pair of duplicates this desk sees.
            let duplicates = customer_merge::duplicates(db.reader().unwrap()).unwrap();
            match duplicates.first() {
                Some(d) => {
                    let (keep, other) = (d.customers[0].id.clone(), d.customers[1].id.clone());
                    db.write(None, |w| {
                        customer_merge::merge(w, &keep, &other, &[MergeField::Notes])
                    })
                    .map(|_| ())
                }
                None => Ok(()),
            }
        }
    };
}

const TAGS: [&str; 3] = ["vip", "telat", "rt01"];
const COLORS: [&str; 3] = ["#ff0000", "#00aa00", "#0000ff"];

/// Day `n` of the shop's billing (from 1 January 2026).
fn day(n: u64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(n)
}

/// A random uuid of the rows `sql` selects, or None.
fn one_of(db: &Db, rng: &mut Rng, sql: &str) -> Option<String> {
    let all: Vec<String> = db
        .conn()
        .prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    (!all.is_empty()).then(|| all[rng.below(all.len())].clone())
}

#[test]
fn three_desks_with_random_offline_changes_converge() {
    // What the seeds made between them, so the game is known to reach
    // every kind of row (a generator that stopped reaching one would pass).
    let mut seen = [0i64; 9];
    for seed in 1..=12u64 {
        let (log, mut desks) = desks(3);
        let mut rng = Rng(seed);
        let mut watch = Watch::new(&desks);
        for step in 0..90 {
            let d = rng.below(3);
            if rng.below(10) == 0 {
                seen[8] += skew(&mut desks[d], &mut rng, &SKEWS) as i64;
            }
            watch.change(&mut desks[d], |desk| random_change(desk, &mut rng, step));
            if rng.below(5) == 0 {
                // Now and then a push whose answer is lost: the retry doubles nothing.
                log.borrow_mut().lose_next_answer = rng.below(2) == 0;
                let desk = &mut desks[d];
                if sync::run(&mut desk.db, None, &mut desk.net).is_err() {
                    round(desk);
                }
                // Nothing was pending: the lost answer was never given.
                log.borrow_mut().lose_next_answer = false;
            }
            watch.clocks(&desks);
        }
        for _ in 0..2 {
            for desk in &mut desks {
                round(desk);
            }
        }
        watch.clocks(&desks);
        watch.ledger(&desks, seed);
        for (n, sql) in [
            "SELECT count(*) FROM customers WHERE merged_into IS NOT NULL",
            "SELECT count(*) FROM customer_tags",
            "SELECT count(*) FROM invoices WHERE status = 'void'",
            "SELECT count(*) FROM invoices WHERE status IN ('paid', 'partial')",
            "SELECT count(*) FROM payments WHERE status = 'refunded'",
            "SELECT count(*) FROM vouchers WHERE code LIKE '%-%'",
            "SELECT count(*) FROM messages",
            "SELECT count(*) FROM change_log WHERE field = 'erased'",
        ]
        .iter()
        .enumerate()
        {
            seen[n] += desks[0]
                .db
                .conn()
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .unwrap();
        }
        assert_converged(&desks, seed);
        // Every change the server holds is one of a desk's, once.
        let log = log.borrow();
        let mut ids: Vec<_> = log.changes.iter().map(|c| (c.device, c.hlc)).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            log.changes.len(),
            "seed {seed}: a change stored twice"
        );
    }
    assert!(
        seen.iter().all(|&n| n > 0),
        "merges, tags, voids, payments, refunds, renamed vouchers, messages, erases, clocks set back: {seen:?}"
    );
}

/// Minutes a desk's wall clock runs off: an hour behind, right, a few
/// minutes ahead (the others adopt it), an hour ahead (they do not; the
/// real server refuses it, so its game leaves that one out).
const SKEWS: [i64; 4] = [-60, 0, 4, 60];

/// Sets the desk's wall clock to one of `minutes` off; whether that set it
/// back.
fn skew<T>(desk: &mut Desk<T>, rng: &mut Rng, minutes: &[i64]) -> bool {
    let to = minutes[rng.below(minutes.len())];
    let back = to < desk.skew;
    desk.skew = to;
    desk.db.skew_wall_clock(chrono::TimeDelta::minutes(to));
    back
}

/// What the game made and saw: the ledger entries each desk created (the
/// ids every desk must end with, exactly), and each desk's device id and
/// clock: a clock never moves back, but on a file put back from a backup
/// (`restoring`), which must then take a device id never used before.
struct Watch {
    created: BTreeSet<String>,
    /// The customer each entry was made for: erased with them.
    owner: std::collections::BTreeMap<String, String>,
    clocks: Vec<(String, i64)>,
    /// A desk put back from a backup, with the device id it had: until it
    /// takes a new one, its clock is the backup's.
    restoring: Vec<Option<String>>,
    ids: BTreeSet<String>,
}

impl Watch {
    fn new<T>(desks: &[Desk<T>]) -> Watch {
        let clocks: Vec<_> = desks
            .iter()
            .map(|d| (d.db.device_id().to_owned(), 0))
            .collect();
        Watch {
            created: BTreeSet::new(),
            owner: Default::default(),
            ids: clocks.iter().map(|(id, _)| id.clone()).collect(),
            restoring: vec![None; clocks.len()],
            clocks,
        }
    }

    /// Runs one desk's offline change, noting the ledger entries it made.
    fn change<T>(&mut self, desk: &mut Desk<T>, f: impl FnOnce(&mut Desk<T>)) {
        let before = ledger_ids(&desk.db);
        f(desk);
        let after = ledger_ids(&desk.db);
        for id in after.difference(&before) {
            let owner: String = desk
                .db
                .conn()
                .query_row(
                    "SELECT c.uuid FROM customer_balance_history h
                     JOIN customers c ON c.id = h.customer_id WHERE h.uuid = ?1",
                    [id],
                    |r| r.get(0),
                )
                .unwrap();
            self.owner.insert(id.clone(), owner);
            self.created.insert(id.clone());
        }
    }

    /// Desk `i` is about to be put back from a backup.
    fn restoring(&mut self, i: usize) {
        self.restoring[i] = Some(self.clocks[i].0.clone());
    }

    #[track_caller]
    fn clocks<T>(&mut self, desks: &[Desk<T>]) {
        for (i, desk) in desks.iter().enumerate() {
            let id = desk.db.device_id().to_owned();
            let now: i64 = desk
                .db
                .conn()
                .query_row("SELECT hlc FROM device", [], |r| r.get(0))
                .unwrap();
            match &self.restoring[i] {
                Some(old) if *old == id => continue,
                Some(_) => {
                    assert!(
                        self.ids.insert(id.clone()),
                        "desk {i} reused device id {id}"
                    );
                    self.restoring[i] = None;
                }
                None => {
                    assert_eq!(id, self.clocks[i].0, "desk {i} changed its device id");
                    assert!(now >= self.clocks[i].1, "desk {i}'s clock moved back");
                }
            }
            self.clocks[i] = (id, now);
        }
    }

    #[track_caller]
    fn ledger<T>(&self, desks: &[Desk<T>], seed: u64) {
        assert!(
            !self.created.is_empty(),
            "seed {seed}: no ledger entry made"
        );
        for (i, desk) in desks.iter().enumerate() {
            // Every customer whose rows an erase took has its tombstone
            // (the same person merged in or kept got one too).
            let erased: BTreeSet<String> = desk
                .db
                .conn()
                .prepare("SELECT entity_id FROM change_log WHERE field = 'erased'")
                .unwrap()
                .query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect();
            let expected: BTreeSet<String> = self
                .created
                .iter()
                .filter(|id| !erased.contains(&self.owner[*id]))
                .cloned()
                .collect();
            let held = ledger_ids(&desk.db);
            assert!(
                held == expected,
                "seed {seed}: desk {i}'s ledger ids are not exactly those made (less the erased): missing {:?}, extra {:?}",
                expected.difference(&held).collect::<Vec<_>>(),
                held.difference(&expected).collect::<Vec<_>>(),
            );
        }
    }
}

fn ledger_ids(db: &Db) -> BTreeSet<String> {
    db.conn()
        .prepare("SELECT uuid FROM customer_balance_history")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// Each shared number's conflict id with its customers' ids, as a desk shows them.
fn conflicts(db: &Db) -> Vec<(String, Vec<String>)> {
    customer_merge::duplicates(db.reader().unwrap())
        .unwrap()
        .into_iter()
        .map(|d| {
            (
                d.conflict_id,
                d.customers.into_iter().map(|c| c.id).collect(),
            )
        })
        .collect()
}

/// After everyone synced twice: every desk holds the same rows, every
/// balance is its ledger's sum, every allocation replays, every shared
/// number is the same conflict everywhere, and nothing waits or is held.
fn assert_converged<T>(desks: &[Desk<T>], seed: u64) {
    let first = dump(&desks[0].db);
    let first_conflicts = conflicts(&desks[0].db);
    for (i, desk) in desks.iter().enumerate() {
        let this = dump(&desk.db);
        if this != first {
            let (a, b): (Vec<_>, Vec<_>) = first
                .lines()
                .zip(this.lines())
                .filter(|(a, b)| a != b)
                .take(3)
                .unzip();
            panic!(
                "seed {seed}: desk {i} differs from desk 0:\n{}\n---\n{}",
                a.join("\n"),
                b.join("\n")
            );
        }
        // Every balance is the sum of all desks' entries. (Each entry's
        // previous and new balance are its own desk's view when it was
        // made: entries from several desks do not chain.)
        let off: i64 = desk
            .db
            .conn()
            .query_row(
                "SELECT count(*) FROM customers c WHERE c.balance != coalesce((
                     SELECT sum(CASE type WHEN 'debit' THEN -amount ELSE amount END)
                     FROM customer_balance_history h WHERE h.customer_id = c.id), 0)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(off, 0, "seed {seed}: a balance is not its ledger's sum");
        // Every invoice's allocation is what replaying its customer's
        // ledger gives, and what it says of itself.
        let problems = billing::audit(desk.db.reader().unwrap()).unwrap();
        assert!(problems.is_empty(), "seed {seed}: {problems:?}");
        // A number two live customers share is one conflict, the same
        // on every desk.
        assert_eq!(conflicts(&desk.db), first_conflicts, "seed {seed}");
        let s = state::status(desk.db.reader().unwrap(), desk.db.device_id()).unwrap();
        let held: Vec<String> = desk
            .db
            .conn()
            .prepare("SELECT entity || ' ' || op || ' ' || coalesce(field, '') FROM sync_inbox")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!((s.pending, s.held), (0, 0), "seed {seed}: {s:?} {held:?}");
    }
}

fn pulled(
    device: Uuid,
    hlc: i64,
    entity: &str,
    id: &str,
    op: Op,
    field: Option<&str>,
    value: Option<&str>,
) -> Pulled {
    Pulled {
        seq: Seq(1),
        change: Change {
            device,
            hlc: Hlc(hlc),
            entity: entity.into(),
            entity_id: id.into(),
            op,
            field: field.map(Into::into),
            value: value.map(Into::into),
            schema: 16,
        },
    }
}

#[test]
fn a_page_twice_changes_nothing_and_ties_go_to_the_larger_device_id() {
    let (_dir, mut db) = open();
    let budi = add(&mut db, "Budi", WA1);
    let ours: i64 = db
        .conn()
        .query_row("SELECT max(hlc) FROM change_log", [], |r| r.get(0))
        .unwrap();
    let low = Uuid::nil();
    let high = Uuid::max();
    let later = ours + 10;
    let page = vec![
        pulled(
            low,
            later,
            "customer",
            &budi.id,
            Op::Update,
            Some("name"),
            Some("\"Dari low\""),
        ),
        pulled(
            high,
            later,
            "customer",
            &budi.id,
            Op::Update,
            Some("name"),
            Some("\"Dari high\""),
        ),
    ];
    let first = db.write(None, |w| incoming::apply(w, &page)).unwrap();
    assert_eq!((first.applied, first.skipped), (2, 0));
    assert_eq!(common::get(&db, &budi.id).name, "Dari high");
    // The other order gives the same winner, and the same page again nothing.
    let reversed: Vec<Pulled> = page.iter().rev().cloned().collect();
    let again = db.write(None, |w| incoming::apply(w, &reversed)).unwrap();
    assert_eq!((again.applied, again.skipped), (0, 2));
    assert_eq!(common::get(&db, &budi.id).name, "Dari high");
    // An older edit loses to the newer one already held.
    let old = vec![pulled(
        high,
        1,
        "customer",
        &budi.id,
        Op::Update,
        Some("name"),
        Some("\"Lama\""),
    )];
    db.write(None, |w| incoming::apply(w, &old)).unwrap();
    assert_eq!(common::get(&db, &budi.id).name, "Dari high");
}

#[test]
fn an_entity_this_version_does_not_merge_is_kept_and_a_clock_far_ahead_is_not_adopted() {
    let (_dir, mut db) = open();
    let device = Uuid::now_v7();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let hour_ahead = (now_ms + 3_600_000) << 16;
    let page = vec![
        pulled(
            device,
            5 << 16,
            "notify_config",
            "template:welcome:id",
            Op::Update,
            None,
            Some("{\"body\":\"Halo\"}"),
        ),
        pulled(
            device,
            hour_ahead,
            "customer",
            "c-1",
            Op::Update,
            Some("name"),
            Some("\"X\""),
        ),
    ];
    let applied = db.write(None, |w| incoming::apply(w, &page)).unwrap();
    // The template is held (the notification set-up is each desk's own); the edit of a customer
    // not here yet is held too (its insert has not arrived).
    assert_eq!(applied.held, 2);
    let s = state::status(db.reader().unwrap(), db.device_id()).unwrap();
    assert_eq!(s.held, 2);
    // Nothing was applied, so no remote clock was even observed; a local
    // write stays on this wall clock.
    add(&mut db, "Sari", WA2);
    let ours: i64 = db
        .conn()
        .query_row("SELECT max(hlc) FROM change_log", [], |r| r.get(0))
        .unwrap();
    assert!(ours < hour_ahead);
    // A far-ahead change that does apply is kept without moving the clock.
    let sari = common::get(&db, WA2);
    let ahead = vec![pulled(
        device,
        hour_ahead + 1,
        "customer",
        &sari.id,
        Op::Update,
        Some("notes"),
        Some("\"dari masa depan\""),
    )];
    db.write(None, |w| incoming::apply(w, &ahead)).unwrap();
    assert_eq!(
        common::get(&db, WA2).notes.as_deref(),
        Some("dari masa depan")
    );
    add(&mut db, "Eko", WA3);
    let device_hlc: i64 = db
        .conn()
        .query_row("SELECT hlc FROM device", [], |r| r.get(0))
        .unwrap();
    assert!(
        device_hlc < hour_ahead,
        "the clock did not jump an hour ahead"
    );
}

/// One number made on three desks: the conflict offers the fields that
/// differ, and a merge of the group is one write: refused whole when a
/// field is taken from two of them or one of them cannot be merged, and
/// when it succeeds every desk ends with the one customer.
#[test]
fn a_group_of_three_merges_in_one_write() {
    let (_log, mut d) = desks(3);
    let mut ids = Vec::new();
    for (i, (name, email)) in [
        ("Sari", None),
        ("Sari W", Some("w@toko.id")),
        ("Sari", Some("s@toko.id")),
    ]
    .into_iter()
    .enumerate()
    {
        let c = d[i]
            .db
            .write(None, |w| {
                customers::add(
                    w,
                    customers::NewCustomer {
                        name: name.into(),
                        whatsapp: WA1.into(),
                        email: email.map(str::to_owned),
                        ..Default::default()
                    },
                )
            })
            .unwrap();
        let id = c.id.clone();
        d[i].db
            .write(None, |w| {
                balance::credit(w, &id, Money::from_minor(1_000_000), &EntryNote::new("in"))
            })
            .unwrap();
        ids.push(c.id);
    }
    for i in [0, 1, 2, 0, 1] {
        round(&mut d[i]);
    }
    let group = customer_merge::duplicates(d[0].db.reader().unwrap()).unwrap();
    assert_eq!(group.len(), 1);
    assert_eq!(group[0].customers.len(), 3);
    assert_eq!(group[0].differing, [MergeField::Name, MergeField::Email]);
    let (keep, b, c) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    let other = |id: &str, take: &[MergeField]| customer_merge::MergeOther {
        customer: id.to_owned(),
        take: take.to_vec(),
    };
    let db = &mut d[0].db;
    common::refused_unchanged(db, "validation", Some("take"), |db| {
        let others = [
            other(&b, &[MergeField::Email]),
            other(&c, &[MergeField::Email]),
        ];
        db.write(None, |w| customer_merge::merge_group(w, &keep, &others))
    });
    // The second merge of `b` fails (it is merged by then): the first is
    // undone with it.
    let twice = [other(&b, &[]), other(&b, &[])];
    let before = common::get(db, &keep);
    assert!(
        db.write(None, |w| customer_merge::merge_group(w, &keep, &twice))
            .is_err()
    );
    assert_eq!(common::get(db, &keep), before);
    assert_eq!(conflicts(db).len(), 1);
    let others = [
        other(&b, &[MergeField::Email]),
        other(&c, &[MergeField::Name]),
    ];
    let kept = db
        .write(None, |w| customer_merge::merge_group(w, &keep, &others))
        .unwrap();
    assert_eq!(
        (kept.name.as_str(), kept.email.as_deref()),
        ("Sari", Some("w@toko.id"))
    );
    assert_eq!(kept.balance, Money::from_minor(3_000_000));
    for _ in 0..2 {
        for desk in &mut d {
            round(desk);
        }
    }
    for desk in &d {
        assert!(conflicts(&desk.db).is_empty());
        assert_eq!(common::get(&desk.db, &keep).balance, kept.balance);
    }
    assert_eq!(dump(&d[1].db), dump(&d[0].db));
    assert_eq!(dump(&d[2].db), dump(&d[0].db));
}

#[test]
fn the_server_accepts_this_schema() {
    assert!(pelanggan_core::db::latest_schema_version() <= i64::from(SCHEMA_MAX));
}

/// One number made offline on two desks: after sync both desks show the
/// same conflict; a merge on one moves the other's ledger, tags, contacts
/// and subscriptions to the kept customer with the chosen fields, in one
/// logged and synced write, and the other desk ends up with the same rows
/// and no conflict. A merge naming one customer twice, or one already
/// merged, is refused and writes nothing; erasing the kept customer erases
/// the one merged into it too.
#[test]
fn a_number_made_on_two_desks_is_one_conflict_and_a_merge_reaches_every_desk() {
    let (_log, mut d) = desks(2);
    let make = |desk: &mut Desk, name: &str, email: &str, tag: &str, credit: i64| -> String {
        let db = &mut desk.db;
        let c = db
            .write(None, |w| {
                customers::add(
                    w,
                    customers::NewCustomer {
                        name: name.into(),
                        whatsapp: WA1.into(),
                        email: Some(email.into()),
                        ..Default::default()
                    },
                )
            })
            .unwrap();
        let id = c.id.clone();
        db.write(None, |w| {
            balance::credit(w, &id, Money::from_minor(credit), &EntryNote::new("in"))
        })
        .unwrap();
        let tag = TagInput::new(tag, None).unwrap();
        db.write(None, |w| customers::add_tag(w, &id, &tag))
            .unwrap();
        db.write(None, |w| {
            contacts::add(
                w,
                &id,
                NewContact {
                    kind: ContactKind::Phone,
                    value: "+628111000111".into(),
                    is_primary: false,
                    notes: Some(name.into()),
                },
            )
        })
        .unwrap();
        id
    };
    let keep = make(&mut d[0], "Sari", "sari@toko.id", "vip", 10_000_000);
    let other = make(&mut d[1], "Sari W", "sari.w@toko.id", "rt05", 5_000_000);
    d[1].db
        .write(None, |w| {
            subscriptions::add(
                w,
                &other,
                NewSubscription {
                    kind: "pppoe".parse().unwrap(),
                    username: "sari".into(),
                    profile: "10M".into(),
                    price: Money::from_minor(15_000_000),
                    cycle: None,
                    start: day(0),
                },
            )
        })
        .unwrap();
    for i in [0, 1, 0] {
        round(&mut d[i]);
    }
    let shown: Vec<_> = d.iter().map(|desk| conflicts(&desk.db)).collect();
    assert_eq!(shown[0], shown[1]);
    assert_eq!(shown[0].len(), 1);
    assert_eq!(shown[0][0].1, [keep.clone(), other.clone()]);
    let status = state::status(d[1].db.reader().unwrap(), d[1].db.device_id()).unwrap();
    assert_eq!(status.conflicts, 1);

    let db = &mut d[0].db;
    common::refused_unchanged(db, "validation", Some("other"), |db| {
        db.write(None, |w| customer_merge::merge(w, &keep, &keep, &[]))
    });
    let kept = db
        .write(None, |w| {
            customer_merge::merge(w, &keep, &other, &[MergeField::Email])
        })
        .unwrap();
    assert_eq!(kept.name, "Sari");
    assert_eq!(kept.email.as_deref(), Some("sari.w@toko.id"));
    assert_eq!(kept.balance, Money::from_minor(15_000_000));
    // The balance is the sum of both customers' entries (entries made on
    // two desks do not chain their previous/new balances).
    let sum: i64 = db
        .conn()
        .query_row(
            "SELECT sum(CASE WHEN h.type = 'debit' THEN -h.amount ELSE h.amount END)
             FROM customer_balance_history h JOIN customers c ON c.id = h.customer_id
             WHERE c.uuid = ?1",
            [&keep],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(Money::from_minor(sum), kept.balance);
    let mut tags = kept.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    tags.sort();
    assert_eq!(tags, ["rt05", "vip"]);
    assert_eq!(
        contacts::list(db.reader().unwrap(), &keep).unwrap().len(),
        2
    );
    let owned = |db: &Db, table: &str| -> i64 {
        db.conn()
            .query_row(
                &format!(
                    "SELECT count(*) FROM {table} t JOIN customers c ON c.id = t.customer_id
                     WHERE c.uuid = ?1"
                ),
                [&keep],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(owned(db, "customer_balance_history"), 2);
    assert_eq!(owned(db, "subscriptions"), 1);
    let gone = common::get(db, &other);
    assert_eq!(gone.status.as_str(), "deleted");
    let merged_into: Option<String> = db
        .conn()
        .query_row(
            "SELECT merged_into FROM customers WHERE uuid = ?1",
            [&other],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(merged_into.as_deref(), Some(keep.as_str()));
    // A merged customer stays merged: not restored, and given nothing (a
    // desk that had not seen the merge may still restore it; what it then
    // made for it would join the kept one everywhere else).
    common::refused_unchanged(db, "conflict", None, |db| {
        db.write(None, |w| customers::restore(w, &other))
    });
    let length: i64 = db
        .conn()
        .query_row(
            "SELECT causal_length FROM customers WHERE uuid = ?1",
            [&other],
            |r| r.get(0),
        )
        .unwrap();
    let later = (chrono::Utc::now().timestamp_millis() << 16) + 1;
    let restored = [pulled(
        Uuid::now_v7(),
        later,
        "customer",
        &other,
        Op::Restore,
        None,
        Some(&(length + 1).to_string()),
    )];
    db.write(None, |w| incoming::apply(w, &restored)).unwrap();
    assert_eq!(common::get(db, &other).status.as_str(), "active");
    common::refused_unchanged(db, "conflict", None, |db| {
        db.write(None, |w| {
            balance::credit(w, &other, Money::from_minor(1_000), &EntryNote::new("in"))
        })
    });
    db.write(None, |w| customers::delete(w, &other)).unwrap();
    let logged: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM customer_activity_log a JOIN customers c ON c.id = a.customer_id
             WHERE c.uuid = ?1 AND a.action = 'merged'",
            [&keep],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(logged, 1);
    assert!(
        customer_merge::duplicates(db.reader().unwrap())
            .unwrap()
            .is_empty()
    );
    common::refused_unchanged(db, "conflict", None, |db| {
        db.write(None, |w| customer_merge::merge(w, &keep, &other, &[]))
    });

    for i in [0, 1, 0, 1] {
        round(&mut d[i]);
    }
    assert_eq!(dump(&d[0].db), dump(&d[1].db));
    assert!(
        customer_merge::duplicates(d[1].db.reader().unwrap())
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        common::get(&d[1].db, &keep).balance,
        Money::from_minor(15_000_000)
    );

    let db = &mut d[1].db;
    db.write(None, |w| {
        pelanggan_core::privacy::erase(w, &keep, true, pelanggan_core::privacy::Confirm::Yes)
    })
    .unwrap();
    let left: i64 = db
        .conn()
        .query_row(
            "SELECT count(*) FROM customers WHERE whatsapp = ?1",
            [WA1],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "the merged customer went with the kept one");
}

/// The same game against the real `pelanggan-sync-server` binary on
/// 127.0.0.1 (plain HTTP, a hand-written HTTP/1.1 client: the core has none),
/// once on a SQLite file and once on the PostgreSQL of
/// `scripts/with-postgres.sh`: pushes and pulls in small pages, answers
/// lost after the server stored a push, and the server compacted midway
/// (a desk behind the horizon starts over from a snapshot).
mod real_server {
    use super::*;
    use pelanggan_core::backup;
    use pelanggan_core::progress::Cancel;
    use pelanggan_sync_protocol::{ErrorBody, RotateResponse};
    use std::cell::Cell;
    use std::io::{BufRead, BufReader, Read, Write as _};
    use std::net::TcpStream;
    use std::path::{Path, PathBuf};
    use std::process::{Child, Command, Stdio};

    /// Beside this test in the target folder (`cargo test --workspace` builds it).
    fn server_bin() -> PathBuf {
        let exe = std::env::current_exe().unwrap();
        let bin = exe
            .parent()
            .and_then(|deps| deps.parent())
            .unwrap()
            .join(format!(
                "pelanggan-sync-server{}",
                std::env::consts::EXE_SUFFIX
            ));
        assert!(
            bin.exists(),
            "{} is missing: build it first (`cargo build -p pelanggan-sync-server`; `make test` does)",
            bin.display()
        );
        bin
    }

    fn run(args: &[&str]) -> String {
        let out = Command::new(server_bin()).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    }

    struct Server {
        child: Child,
        addr: String,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    fn serve(database: &str) -> Server {
        let mut child = Command::new(server_bin())
            .args(["serve", "--listen", "127.0.0.1:0", "--insecure-http"])
            .args(["--database", database])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("the server said {line:?}"))
            .to_owned();
        Server { child, addr }
    }

    /// One request, `Connection: close`; the status and the body.
    fn request(
        addr: &str,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &str,
    ) -> Result<(u16, String), Failure> {
        let unreachable = |e: std::io::Error| Failure::Unreachable(e.to_string());
        let mut s = TcpStream::connect(addr).map_err(unreachable)?;
        let auth = token
            .map(|t| format!("Authorization: Bearer {t}\r\n"))
            .unwrap_or_default();
        // One write: pieces would wait on Nagle and delayed ACKs (40 ms each).
        s.set_nodelay(true).map_err(unreachable)?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(head.as_bytes()).map_err(unreachable)?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).map_err(unreachable)?;
        let text = String::from_utf8(raw).unwrap();
        let (head, rest) = text.split_once("\r\n\r\n").unwrap();
        let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
        let chunked = head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked");
        let body = if chunked {
            dechunk(rest)
        } else {
            rest.to_owned()
        };
        Ok((status, body))
    }

    fn dechunk(mut rest: &str) -> String {
        let mut out = String::new();
        loop {
            let (size, after) = rest.split_once("\r\n").unwrap();
            let n = usize::from_str_radix(size.trim(), 16).unwrap();
            if n == 0 {
                return out;
            }
            out.push_str(&after[..n]);
            rest = &after[n + 2..];
        }
    }

    fn answer<T: serde::de::DeserializeOwned>(r: (u16, String)) -> Result<T, Failure> {
        let (status, body) = r;
        if (200..300).contains(&status) {
            return Ok(serde_json::from_str(&body).unwrap());
        }
        let e: ErrorBody = serde_json::from_str(&body).unwrap();
        Err(Failure::Refused {
            code: e.code.as_str().to_owned(),
            message: e.message,
        })
    }

    struct Http {
        addr: String,
        token: String,
        /// The next push is stored, and its answer lost.
        lose_next_answer: Rc<Cell<bool>>,
    }

    impl Transport for Http {
        fn status(&mut self) -> Result<StatusResponse, Failure> {
            answer(request(
                &self.addr,
                "GET",
                "/v1/status",
                Some(&self.token),
                "",
            )?)
        }

        fn push(&mut self, request_body: &PushRequest) -> Result<PushResponse, Failure> {
            let body = serde_json::to_string(request_body).unwrap();
            let r: PushResponse = answer(request(
                &self.addr,
                "POST",
                "/v1/push",
                Some(&self.token),
                &body,
            )?)?;
            if self.lose_next_answer.replace(false) {
                return Err(Failure::Unreachable("the answer was lost".into()));
            }
            Ok(r)
        }

        fn pull(
            &mut self,
            after: Seq,
            limit: u32,
            snapshot: bool,
        ) -> Result<PullResponse, Failure> {
            // Small pages, whatever the desk asks for.
            let limit = limit.min(7);
            let snapshot = if snapshot { "&snapshot=true" } else { "" };
            let path = format!("/v1/pull?after={after}&limit={limit}{snapshot}");
            answer(request(&self.addr, "GET", &path, Some(&self.token), "")?)
        }

        fn rotate(&mut self, device_id: Uuid) -> Result<RotateResponse, Failure> {
            let body = serde_json::json!({ "device_id": device_id, "device_name": "desk" });
            let r: RotateResponse = answer(request(
                &self.addr,
                "POST",
                "/v1/device/rotate",
                Some(&self.token),
                &body.to_string(),
            )?)?;
            self.token.clone_from(&r.token);
            Ok(r)
        }
    }

    fn desks(server: &Server, database: &str, shop: &str, n: usize) -> Vec<Desk<Http>> {
        (0..n)
            .map(|i| {
                let out = run(&["invite", "--database", database, "--shop", shop]);
                let code = out
                    .lines()
                    .find_map(|l| l.strip_prefix("code:"))
                    .unwrap()
                    .trim()
                    .to_owned();
                let (dir, mut db) = open();
                let url = format!("http://{}", server.addr);
                let token = Rc::new(RefCell::new(String::new()));
                let got = token.clone();
                sync::pair(&mut db, &url, None, &code, &format!("desk-{i}"), |ask| {
                    let body = serde_json::json!({
                        "code": ask.code,
                        "device_id": ask.device_id,
                        "device_name": ask.device_name,
                    });
                    let r: pelanggan_sync_protocol::PairResponse = answer(request(
                        &server.addr,
                        "POST",
                        "/v1/pair",
                        None,
                        &body.to_string(),
                    )?)?;
                    *got.borrow_mut() = r.token.clone();
                    Ok(sync::PairAnswer {
                        shop: r.shop,
                        token: r.token,
                    })
                })
                .unwrap();
                let net = Http {
                    addr: server.addr.clone(),
                    token: token.borrow().clone(),
                    lose_next_answer: Rc::new(Cell::new(false)),
                };
                Desk {
                    _dir: dir,
                    db,
                    net,
                    skew: 0,
                }
            })
            .collect()
    }

    fn game(database: &str) {
        let server = serve(database);
        for seed in 1..=3u64 {
            let shop = format!("toko-{}", Uuid::new_v4().simple());
            let mut desks = desks(&server, database, &shop, 3);
            let mut rng = Rng(seed);
            let mut watch = Watch::new(&desks);
            // One desk is put back from a backup it made early on.
            let restored = rng.below(3);
            let copy = desks[restored]._dir.path().join("early.db");
            for step in 0..60 {
                let d = rng.below(3);
                if rng.below(10) == 0 {
                    // Not an hour ahead: the server would refuse it.
                    skew(&mut desks[d], &mut rng, &SKEWS[..3]);
                }
                if step == 15 {
                    let db = &desks[restored].db;
                    backup::backup(db, &copy, &mut |_| {}, &Cancel::new()).unwrap();
                }
                if step == 45 {
                    watch.restoring(restored);
                    // Found at the next round (odd seeds) or when the file opens.
                    put_back(&mut desks[restored], &copy, seed % 2 == 0);
                }
                watch.change(&mut desks[d], |desk| random_change(desk, &mut rng, step));
                if rng.below(5) == 0 {
                    let desk = &mut desks[d];
                    desk.net.lose_next_answer.set(rng.below(2) == 0);
                    if sync::run(&mut desk.db, None, &mut desk.net).is_err() {
                        sync::run(&mut desk.db, None, &mut desk.net).unwrap();
                    }
                    desk.net.lose_next_answer.set(false);
                }
                if step == 30 {
                    // Updates superseded are dropped; who has not pulled
                    // past the horizon starts over.
                    run(&["compact", "--database", database, "--shop", &shop]);
                }
                watch.clocks(&desks);
            }
            for _ in 0..2 {
                for desk in &mut desks {
                    sync::run(&mut desk.db, None, &mut desk.net).unwrap();
                }
            }
            watch.clocks(&desks);
            assert_converged(&desks, seed);
            watch.ledger(&desks, seed);
            let db = &desks[restored].db;
            let s = state::status(db.reader().unwrap(), db.device_id()).unwrap();
            assert!(
                s.recovered_at.is_some() && !s.recovery_pending,
                "seed {seed}: {s:?}"
            );
        }
    }

    /// The desk's disk is lost after it synced, and the copy at `backup`
    /// is put back (with the sidecar epoch it had, which finds the restore
    /// when the file opens, or without it, when the server's record of
    /// what this device pushed does at the next round). Its clock is set
    /// right again.
    fn put_back(desk: &mut Desk<Http>, copy: &Path, keep_sidecar: bool) {
        sync::run(&mut desk.db, None, &mut desk.net).unwrap();
        let (_dir, placeholder) = open();
        let lost = std::mem::replace(&mut desk.db, placeholder);
        if !keep_sidecar {
            std::fs::remove_file(sync::restore::sidecar(lost.path())).unwrap();
        }
        let (db, _) = backup::restore(lost, copy, &mut |_| {}, &Cancel::new()).unwrap();
        desk.db = db;
        desk.skew = 0;
    }

    #[test]
    fn three_desks_converge_through_the_real_server_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        game(&format!(
            "sqlite://{}",
            dir.path().join("sync.db").display()
        ));
    }

    #[test]
    fn three_desks_converge_through_the_real_server_on_postgres() {
        let url = std::env::var("PELANGGAN_TEST_POSTGRES").unwrap_or_else(|_| {
            panic!(
                "PELANGGAN_TEST_POSTGRES is unset: run through scripts/with-postgres.sh \
                 (`make test-rust` does)"
            )
        });
        // Each seed's shop is new: the cluster's database is shared.
        game(&url);
    }
}

/// A gateway that accepts every message and keeps what it was given.
#[derive(Clone, Default)]
struct Accepting(Rc<RefCell<Vec<OutgoingMessage>>>);

impl Gateway for Accepting {
    fn send(&self, msg: &OutgoingMessage) -> GatewayReply {
        self.0.borrow_mut().push(msg.clone());
        GatewayReply {
            outcome: SendOutcome::Sent { gateway_id: None },
            reply: String::new(),
        }
    }
}

/// Sets a gateway on the desk (each desk's own) and sends what is due.
fn send_due(db: &mut Db, gateway: &Accepting) -> worker::RunSummary {
    db.write(None, |w| {
        gateways::set(
            w,
            GatewayKind::Fonnte,
            GatewayPatch {
                url: Some("http://127.0.0.1:9/send".into()),
                token: Some(Secret::new("token-of-this-desk")),
                pace_ms: Some(0),
                ..GatewayPatch::default()
            },
        )
    })
    .unwrap();
    let connect = |_: &GatewayConfig| Ok(Box::new(gateway.clone()) as Box<dyn Gateway>);
    let options = worker::RunOptions {
        until_empty: true,
        ..worker::RunOptions::default()
    };
    worker::run(db, None, &connect, &options, &Cancel::new(), |_| {}).unwrap()
}

fn messages(db: &Db) -> Vec<(String, String, String)> {
    db.conn()
        .prepare("SELECT uuid, dedupe_key, status FROM messages ORDER BY uuid")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

/// A message queued on a desk that is not the shop's sender travels to the
/// sender desk, which sends it; the desk that queued it then shows it sent.
#[test]
fn the_sender_desk_sends_what_another_desk_queued() {
    let (_log, mut desks) = desks(2);
    let sender = desks[1].db.device_id().to_owned();
    add(&mut desks[0].db, "Budi", WA1);
    desks[0]
        .db
        .write(None, |w| settings::set(w, Key::NotifySender, &sender))
        .unwrap();
    let queued = desks[0]
        .db
        .write(None, |w| {
            outbox::send(w, WA1, &Content::Text("Tagihan bulan ini".into()))
        })
        .unwrap();
    // Not the sender: this desk sends nothing, the message waits.
    let gateway = Accepting::default();
    let connect = |_: &GatewayConfig| Ok(Box::new(gateway.clone()) as Box<dyn Gateway>);
    let refused = worker::step(&mut desks[0].db, None, &connect).unwrap_err();
    assert_eq!(refused.code().as_str(), "not_the_sender");
    for desk in desks.iter_mut() {
        round(desk);
    }
    let summary = send_due(&mut desks[1].db, &gateway);
    assert_eq!(summary.sent, 1);
    let sent = gateway.0.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].text, "Tagihan bulan ini");
    assert_eq!(sent[0].key, queued.uuid);
    drop(sent);
    round(&mut desks[1]);
    round(&mut desks[0]);
    let seen = outbox::get(desks[0].db.reader().unwrap(), &queued.id.to_string()).unwrap();
    assert_eq!(seen.status, MessageStatus::Sent);
    assert_eq!(messages(&desks[0].db), messages(&desks[1].db));
}

/// With no sender set, two desks queue the welcome of one customer offline:
/// after sync both rows are on both desks alike, the one with the larger
/// uuid cancelled under a suffixed key; each desk sends only its own, so
/// the customer gets one welcome.
#[test]
fn one_cause_queued_on_two_desks_is_sent_once() {
    let (_log, mut desks) = desks(2);
    add(&mut desks[0].db, "Budi", WA1);
    desks[0]
        .db
        .write(None, |w| settings::set(w, Key::ShopName, "Toko Maju"))
        .unwrap();
    round(&mut desks[0]);
    round(&mut desks[1]);
    for desk in desks.iter_mut() {
        desk.db.write(None, |w| hooks::welcome(w, WA1)).unwrap();
    }
    // Desk 0 hears of desk 1's welcome before desk 1 hears of desk 0's:
    // already here only one of the two waits to be sent.
    round(&mut desks[1]);
    round(&mut desks[0]);
    let mut waiting: Vec<String> = messages(&desks[0].db).into_iter().map(|r| r.2).collect();
    waiting.sort();
    assert_eq!(waiting, ["cancelled", "queued"]);
    for _ in 0..2 {
        for desk in desks.iter_mut() {
            round(desk);
        }
    }
    let rows = messages(&desks[0].db);
    assert_eq!(rows, messages(&desks[1].db));
    assert_eq!(rows.len(), 2, "{rows:?}");
    let budi = common::get(&desks[0].db, WA1);
    assert_eq!(rows[0].1, format!("welcome:{}", budi.id));
    assert_eq!(rows[0].2, "queued");
    assert!(rows[1].1.starts_with(&format!("welcome:{}-", budi.id)));
    assert_eq!(rows[1].2, "cancelled");
    let gateway = Accepting::default();
    let sent: u32 = desks
        .iter_mut()
        .map(|d| send_due(&mut d.db, &gateway).sent)
        .sum();
    assert_eq!(sent, 1);
    assert_eq!(gateway.0.borrow()[0].key, rows[0].0);
    for _ in 0..2 {
        for desk in desks.iter_mut() {
            round(desk);
        }
    }
    let after = messages(&desks[0].db);
    assert_eq!(after, messages(&desks[1].db));
    let statuses: Vec<&str> = after.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(statuses, ["sent", "cancelled"]);
}

/// A privacy erase on one desk erases the customer on every desk, and what
/// another desk made for them before it heard of it is dropped, not held:
/// no desk keeps a row or a change that names them.
#[test]
fn an_erase_reaches_every_desk_and_what_was_made_meanwhile_is_dropped() {
    let (_log, mut d) = desks(2);
    let budi = add(&mut d[0].db, "Budi Rahasia", WA1).id;
    let db = &mut d[0].db;
    db.write(None, |w| settings::set(w, Key::ShopName, "Toko Maju"))
        .unwrap();
    db.write(None, |w| hooks::welcome(w, &budi)).unwrap();
    db.write(None, |w| {
        balance::credit(w, &budi, Money::from_minor(50_000), &EntryNote::new("in"))
    })
    .unwrap();
    round(&mut d[0]);
    round(&mut d[1]);
    assert_eq!(common::get(&d[1].db, &budi).name, "Budi Rahasia");
    // Offline, the second desk gives Budi more before it hears of the erase.
    let db = &mut d[1].db;
    db.write(None, |w| {
        balance::debit(w, &budi, Money::from_minor(20_000), &EntryNote::new("out"))
    })
    .unwrap();
    let patch = CustomerPatch {
        notes: Some("Budi Rahasia, rumah biru".into()),
        ..Default::default()
    };
    db.write(None, |w| customers::edit(w, &budi, patch))
        .unwrap();
    d[0].db
        .write(None, |w| {
            privacy::erase(w, &budi, true, privacy::Confirm::Yes)
        })
        .unwrap();
    for _ in 0..2 {
        for desk in d.iter_mut() {
            round(desk);
        }
    }
    for (i, desk) in d.iter().enumerate() {
        let conn = desk.db.conn();
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT count(*) FROM customers"), 0, "desk {i}");
        for table in [
            "customer_balance_history",
            "messages",
            "customer_activity_log",
        ] {
            assert_eq!(
                count(&format!("SELECT count(*) FROM {table}")),
                0,
                "desk {i}: {table}"
            );
        }
        assert_eq!(
            count("SELECT count(*) FROM change_log WHERE value LIKE '%Rahasia%'"),
            0,
            "desk {i}: the change log still names the customer"
        );
        let s = state::status(desk.db.reader().unwrap(), desk.db.device_id()).unwrap();
        assert_eq!((s.pending, s.held), (0, 0), "desk {i}: {s:?}");
    }
}
