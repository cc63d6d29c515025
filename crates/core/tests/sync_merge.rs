//! The merge rules of sync through the core's API, with an in-memory server
//! behind the `Transport` trait (the real server and HTTP are tested in the
//! CLI's sync test and the sync server's own suite): three desks make
//! random offline changes and sync in random orders, then all sync twice,
//! and hold the same rows; a page received twice changes nothing; equal
//! clocks break ties by device id; an entity this version does not merge is
//! kept, not dropped; a clock far ahead is not adopted.

mod common;

use common::{WA1, WA2, WA3, WA4, add, open};
use pelanggan_core::customers::{self, CustomerPatch};
use pelanggan_core::ledger::EntryNote;
use pelanggan_core::sync::{self, Failure, Transport, incoming, state};
use pelanggan_core::{Db, Money, balance};
use pelanggan_sync_protocol::{
    Change, Hlc, Op, PROTOCOL, PullResponse, Pulled, PushRequest, PushResponse, SCHEMA_MAX, Seq,
    StatusResponse,
};
use std::cell::RefCell;
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

    fn pull(&mut self, after: Seq, limit: u32) -> Result<PullResponse, Failure> {
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

struct Desk {
    _dir: tempfile::TempDir,
    db: Db,
    net: Memory,
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
            Desk { _dir: dir, db, net }
        })
        .collect();
    (log, desks)
}

fn round(desk: &mut Desk) {
    sync::run(&mut desk.db, None, &mut desk.net).unwrap();
}

/// Everything that must agree: customers (no local ids, no caches but the
/// balance, which must equal its ledger) and the ledger ids.
fn dump(db: &Db) -> String {
    let conn = db.conn();
    let mut out = String::new();
    let mut stmt = conn
        .prepare(
            "SELECT uuid, name, whatsapp, coalesce(email, ''), coalesce(notes, ''),
                    status || '/' || coalesce(status_before_delete, ''), causal_length, balance
             FROM customers ORDER BY uuid",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok(format!(
                "{} {} {} {} {} {} {} {}\n",
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?
            ))
        })
        .unwrap();
    for r in rows {
        out.push_str(&r.unwrap());
    }
    let mut stmt = conn
        .prepare("SELECT uuid FROM customer_balance_history ORDER BY uuid")
        .unwrap();
    for r in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        out.push_str(&r.unwrap());
        out.push('\n');
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

fn random_change(desk: &mut Desk, rng: &mut Rng, step: usize) {
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
    let kind = if ids.is_empty() { 0 } else { rng.below(7) };
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
        _ => {
            let id = pick(rng);
            match db.write(None, |w| customers::delete(w, &id)) {
                Ok(_) => Ok(()),
                Err(_) => db.write(None, |w| customers::restore(w, &id)).map(|_| ()),
            }
        }
    };
}

#[test]
fn three_desks_with_random_offline_changes_converge() {
    for seed in 1..=6u64 {
        let (log, mut desks) = desks(3);
        let mut rng = Rng(seed);
        for step in 0..60 {
            let d = rng.below(3);
            random_change(&mut desks[d], &mut rng, step);
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
        }
        for _ in 0..2 {
            for desk in &mut desks {
                round(desk);
            }
        }
        let first = dump(&desks[0].db);
        for desk in &desks {
            assert_eq!(dump(&desk.db), first, "seed {seed}: the desks differ");
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
            "invoice",
            "inv-1",
            Op::Insert,
            None,
            Some("{\"number\":\"INV-1\"}"),
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
    // The invoice is held for a later version; the edit of a customer not
    // here yet is held too (its insert has not arrived).
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

#[test]
fn the_server_accepts_this_schema() {
    assert!(pelanggan_core::db::latest_schema_version() <= i64::from(SCHEMA_MAX));
}
