//! The router benchmark: what provisioning many subscribers costs, against
//! the fake RouterOS on 127.0.0.1 over the binary API (real sockets, the
//! real codec; the fake answers at once, so this is Pelanggan's side: the
//! queue, the database writes, the protocol). Three steps in one fresh shop:
//! * queue: N subscriptions added on a router (each its own transaction, as
//!   the CLI does), each queuing its router user;
//! * apply: one worker pass making the N users;
//! * isolir: one `isolir check` suspending all N (queued), and the pass that
//!   sends the N isolir states with their kicks.
//!
//! Run by `make bench-routers` (`cargo bench -p pelanggan-routeros --bench
//! provision`); `BENCH_SUBSCRIBERS` sets N (default 2,000). Without `--bench`
//! (as `cargo test --all-targets` runs it) it is a smoke run of 50.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use pelanggan_core::billing::invoices;
use pelanggan_core::billing::subscriptions::{self, NewSubscription, ServiceType};
use pelanggan_core::customers::{self, NewCustomer};
use pelanggan_core::routers::{self, ApiKind, NewRouter, config, isolir, worker};
use pelanggan_core::{Db, Money};
use pelanggan_routeros::fake::{Config, FakeRouter};
use pelanggan_routeros::provision;

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

fn per(d: Duration, n: usize) -> String {
    format!(
        "{:.2} s ({:.2} ms each)",
        d.as_secs_f64(),
        d.as_secs_f64() * 1e3 / n as f64
    )
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let n: usize = if bench {
        std::env::var("BENCH_SUBSCRIBERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2_000)
    } else {
        50
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut db = Db::open(dir.path().join("shop.db")).expect("a shop");
    let fake = FakeRouter::start(Config::default());
    db.write(None, |w| {
        config::add(
            w,
            NewRouter {
                name: "kantor".into(),
                host: "127.0.0.1".into(),
                port: Some(fake.api_port()),
                username: "admin".into(),
                password: "rahasia".into(),
                api: ApiKind::Binary,
                tls: false,
                ca_file: None,
            },
        )
    })
    .expect("the router");
    let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    let price = Money::parse("price", "150000").expect("a price");

    let ((), queue) = timed(|| {
        for i in 0..n {
            db.write(None, |w| {
                let c = customers::add(
                    w,
                    NewCustomer {
                        name: format!("Pelanggan {i}"),
                        whatsapp: format!("+62812{i:08}"),
                        ..NewCustomer::default()
                    },
                )?;
                let s = subscriptions::add(
                    w,
                    &c.id,
                    NewSubscription {
                        kind: ServiceType::Pppoe,
                        username: format!("user{i}"),
                        profile: "paket-10M".into(),
                        price,
                        cycle: None,
                        start,
                    },
                )?;
                routers::assign(w, &s.id, Some("kantor"), Some("pw"))
            })
            .expect("a subscriber");
        }
    });
    let lock = worker::lock(&mut db, None).expect("the worker lock");
    let (first, apply) = timed(|| worker::pass(&mut db, None, &lock, &mut provision::connect));
    let first = first.expect("a pass");
    assert_eq!(first.applied as usize, n, "{first:?}");

    db.write(None, |w| invoices::issue_due(w, start))
        .expect("invoices");
    let on = NaiveDate::from_ymd_opt(2026, 1, 10).expect("a date");
    let (check, check_time) = timed(|| db.write(None, |w| isolir::check(w, on)));
    assert_eq!(check.expect("a check").suspended.len(), n);
    let (second, isolir_pass) =
        timed(|| worker::pass(&mut db, None, &lock, &mut provision::connect));
    assert_eq!(second.expect("a pass").applied as usize, n);

    println!("router provisioning, {n} PPPoE subscribers, binary API on 127.0.0.1");
    println!("| step | time |");
    println!("|---|---|");
    println!(
        "| queue (customer + subscription + router user, one write each) | {} |",
        per(queue, n)
    );
    println!("| worker pass: create the users | {} |", per(apply, n));
    println!(
        "| isolir check: suspend all (queued) | {} |",
        per(check_time, n)
    );
    println!(
        "| worker pass: isolir profile + kick | {} |",
        per(isolir_pass, n)
    );
    println!(
        "| commands the router received | {} |",
        fake.commands().len()
    );
}
