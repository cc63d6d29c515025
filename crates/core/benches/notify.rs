//! The notifications benchmark: a bulk send to a tag of N customers (default
//! 100,000), queueing time and file growth; then the worker's own cost per
//! message (claim, record, the pace, the change log) against a gateway that
//! answers at once, over S messages (default 10,000).
//!
//! Run by `make bench-notify` (`cargo bench -p pelanggan-core --bench
//! notify`); `BENCH_CUSTOMERS`, `BENCH_SENDS` and `BENCH_DIR` (the temp
//! files) change it. Without `--bench` (as `cargo test --all-targets` runs
//! it) it is a smoke run of 300 customers and 100 sends.

use std::time::{Duration, Instant};

use pelanggan_core::generate::{self, GenOptions};
use pelanggan_core::notify::bulk::{self, Selection};
use pelanggan_core::notify::gateways::{self, GatewayKind, GatewayPatch, Secret};
use pelanggan_core::notify::worker::{self, RunOptions};
use pelanggan_core::notify::{Gateway, GatewayConfig, GatewayReply, OutgoingMessage, SendOutcome};
use pelanggan_core::progress::Cancel;
use pelanggan_core::search::Filter;
use pelanggan_core::settings::{self, Key};
use pelanggan_core::tags::TagInput;
use pelanggan_core::{Db, Result, customers};

/// Answers every message at once, as sent.
struct Instant200;

impl Gateway for Instant200 {
    fn send(&self, _: &OutgoingMessage) -> GatewayReply {
        GatewayReply {
            outcome: SendOutcome::Sent {
                gateway_id: Some("1".into()),
            },
            reply: "HTTP 200: {\"status\":true}".into(),
        }
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn file_mb(db: &Db) -> f64 {
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut wal = db.path().as_os_str().to_owned();
    wal.push("-wal");
    (size(db.path()) + size(std::path::Path::new(&wal))) as f64 / 1e6
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n = if full {
        env("BENCH_CUSTOMERS", 100_000)
    } else {
        300
    };
    let sends = if full {
        env("BENCH_SENDS", 10_000)
    } else {
        100
    };
    let dir = match std::env::var("BENCH_DIR") {
        Ok(d) => tempfile::tempdir_in(d),
        Err(_) => tempfile::tempdir(),
    }
    .expect("a temp dir");
    let mut db = Db::open(dir.path().join("notify.db")).expect("open");
    generate::generate(
        &mut db,
        &GenOptions {
            customers: n,
            seed: 7,
        },
        |_| {},
        &Cancel::new(),
    )
    .expect("generate");
    db.write(None, |w| settings::set(w, Key::ShopName, "Toko Bench"))
        .unwrap();
    // Every customer carries the tag "semua": one through the core (which
    // makes the tag), the rest linked directly, as the generator links its own.
    let first = customers::list(db.reader().unwrap(), &Default::default())
        .unwrap()
        .items[0]
        .id
        .clone();
    db.write(None, |w| {
        customers::add_tag(w, &first, &TagInput::new("semua", None)?)
    })
    .unwrap();
    {
        let raw = rusqlite::Connection::open(db.path()).unwrap();
        raw.execute(
            "INSERT OR IGNORE INTO customer_tags (customer_id, tag_id, uuid, causal_length, created_at)
             SELECT c.id, t.tag_id, lower(hex(randomblob(16))), 1, t.created_at
             FROM customers c, (SELECT ct.tag_id, ct.created_at FROM customer_tags ct
                 JOIN tags g ON g.id = ct.tag_id WHERE g.name = 'semua' LIMIT 1) t",
            [],
        )
        .unwrap();
    }
    println!("| notify benchmark | value |");
    println!("|---|---|");
    println!("| customers (all tagged `semua`) | {n} |");

    let selection = Selection::Filter(Filter {
        tags_any: vec!["semua".into()],
        ..Filter::default()
    });
    let before = file_mb(&db);
    let t = Instant::now();
    let summary = db
        .write(None, |w| {
            bulk::queue(w, &selection, "welcome", &Cancel::new(), |_| {})
        })
        .expect("bulk");
    let queued_in = t.elapsed();
    println!(
        "| bulk send to the tag: queued / skipped | {} / {} |",
        summary.queued, summary.skipped_count
    );
    println!(
        "| queueing time | {:.2} s ({:.1} µs per message) |",
        queued_in.as_secs_f64(),
        queued_in.as_secs_f64() * 1e6 / f64::from(summary.queued.max(1))
    );
    println!(
        "| file growth (db + WAL) | {:.1} MB |",
        file_mb(&db) - before
    );

    // The worker over the first `sends` messages: the rest are cancelled out of its way.
    {
        let raw = rusqlite::Connection::open(db.path()).unwrap();
        raw.execute(
            "UPDATE messages SET status = 'cancelled' WHERE id NOT IN
                 (SELECT id FROM messages ORDER BY id LIMIT ?1)",
            [sends as i64],
        )
        .unwrap();
    }
    db.write(None, |w| {
        gateways::set(
            w,
            GatewayKind::Fonnte,
            GatewayPatch {
                url: Some("http://127.0.0.1:9/send".into()),
                token: Some(Secret::new("bench-token")),
                pace_ms: Some(0),
                ..GatewayPatch::default()
            },
        )
    })
    .unwrap();
    let connect = |_: &GatewayConfig| -> Result<Box<dyn Gateway>> { Ok(Box::new(Instant200)) };
    let options = RunOptions {
        until_empty: true,
        horizon: Duration::ZERO,
        ..RunOptions::default()
    };
    let t = Instant::now();
    let run = worker::run(&mut db, None, &connect, &options, &Cancel::new(), |_| {}).expect("run");
    let took = t.elapsed();
    println!(
        "| worker: {} messages sent | {:.2} s ({:.2} ms of overhead per message) |",
        run.sent,
        took.as_secs_f64(),
        took.as_secs_f64() * 1e3 / f64::from(run.sent.max(1))
    );
    assert_eq!(u64::from(run.sent), sends.min(u64::from(summary.queued)));
}
