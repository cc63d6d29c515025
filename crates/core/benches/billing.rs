//! The billing benchmark: what `invoice issue-due` costs as the unpaid history
//! grows. Two scenarios, each in a fresh file:
//! * one daily subscriber who never pays, billed 1, 2 and 4 years (365, 730
//!   and 1,461 periods) in one `issue_due`: time, peak memory, growth of the
//!   file (database + WAL as the write leaves them, then the database alone
//!   after a checkpoint);
//! * 10,000 monthly subscribers who never pay, billed month by month for a
//!   year (one `issue_due` per month): the first and the last run's time and
//!   growth.
//!
//! Run by `make bench-billing` (`cargo bench -p pelanggan-core --bench
//! billing`); `BENCH_DIR` for the temp files, `BENCH_SUBSCRIBERS` for the
//! second scenario (default 10,000). Without `--bench` (as `cargo test
//! --all-targets` runs it) it is a quick smoke run (30 days, 200 subscribers).
//! It uses only `issue_due` and the calls that set a shop up, so the same file
//! measures older versions of the core.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{Days, Months, NaiveDate};
use pelanggan_core::billing::invoices;
use pelanggan_core::billing::subscriptions::{self, Cycle, NewSubscription, ServiceType};
use pelanggan_core::customers::{self, NewCustomer};
use pelanggan_core::{Db, Money};

const START: NaiveDate = match NaiveDate::from_ymd_opt(2022, 1, 1) {
    Some(d) => d,
    None => panic!("start date"),
};

/// The database and its WAL, in bytes.
fn file_bytes(path: &Path) -> u64 {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    size(path) + size(Path::new(&wal))
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// "1.23 s (CPU 1.10 s)"
fn both((wall, cpu): (Duration, Duration)) -> String {
    format!("{} (CPU {})", secs(wall), secs(cpu))
}

/// CPU time of this thread so far (user + system, from /proc; 0 elsewhere):
/// on a loaded machine it moves less than the wall clock.
fn cpu_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            let fields: Vec<u64> = s
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|f| f.parse().ok())
                .collect();
            Some(fields.iter().sum::<u64>())
        })
        .unwrap_or(0);
    // USER_HZ, 100 on Linux.
    Duration::from_millis(ticks * 10)
}

/// Forgets the peak RSS so far (Linux), so each row reports its own.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// `n` customers, each with one subscription of `cycle` starting on START.
fn shop(path: &Path, n: u64, cycle: Cycle) -> Db {
    let mut db = Db::open(path).expect("open");
    db.write(None, |w| {
        for i in 0..n {
            let customer = customers::add(
                w,
                NewCustomer {
                    name: format!("Pelanggan {i}"),
                    whatsapp: format!("+62812{:08}", i),
                    ..NewCustomer::default()
                },
            )?;
            subscriptions::add(
                w,
                &customer.id,
                NewSubscription {
                    kind: ServiceType::Pppoe,
                    username: format!("user{i}"),
                    profile: "10M".into(),
                    price: Money::from_minor(15_000_000),
                    cycle: Some(cycle),
                    start: START,
                },
            )?;
        }
        Ok(())
    })
    .expect("set up the shop");
    db.checkpoint().expect("checkpoint");
    db
}

/// One `issue_due` up to `date`: how many invoices, how long (wall clock and
/// CPU), file growth (as left by the write, then after a checkpoint).
fn issue(db: &mut Db, date: NaiveDate) -> (usize, (Duration, Duration), u64, u64) {
    let before = file_bytes(db.path());
    let (t, cpu) = (Instant::now(), cpu_time());
    let issued = db
        .write(None, |w| invoices::issue_due(w, date))
        .expect("issue due");
    let took = (t.elapsed(), cpu_time().saturating_sub(cpu));
    let written = file_bytes(db.path()).saturating_sub(before);
    db.checkpoint().expect("checkpoint");
    let kept = file_bytes(db.path()).saturating_sub(before);
    (issued.len(), took, written, kept)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let dir = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .expect("temp dir");
    let subscribers: u64 = std::env::var("BENCH_SUBSCRIBERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 10_000 } else { 200 });
    let years: &[u64] = if full { &[1, 2, 4] } else { &[0] };

    println!(
        "| measure | invoices | time (CPU) | peak memory | file growth (db + WAL) | after checkpoint |"
    );
    println!("|---|---|---|---|---|---|");
    for &y in years {
        let path = dir.path().join(format!("daily-{y}.db"));
        let mut db = shop(&path, 1, Cycle::Daily);
        // The last period billed starts the day before START + y years (30 days for the smoke run).
        let end = if y == 0 {
            START + Days::new(29)
        } else {
            START + Months::new(12 * y as u32) - Days::new(1)
        };
        reset_peak_rss();
        let (n, took, written, kept) = issue(&mut db, end);
        println!(
            "| one daily subscriber unpaid {}, one issue-due | {n} | {} | {:.0} MiB | {} | {} |",
            if y == 0 {
                "30 days".to_owned()
            } else {
                format!("{y} year(s)")
            },
            both(took),
            peak_rss_mib(),
            mb(written),
            mb(kept),
        );
    }

    let path = dir.path().join("monthly.db");
    let t = Instant::now();
    let mut db = shop(&path, subscribers, Cycle::Monthly);
    let setup = t.elapsed();
    let months = if full { 12 } else { 3 };
    let mut total = (Duration::ZERO, Duration::ZERO);
    for m in 0..months {
        reset_peak_rss();
        let (n, took, written, kept) = issue(&mut db, START + Months::new(m));
        total = (total.0 + took.0, total.1 + took.1);
        if m == 0 || m == months - 1 {
            println!(
                "| {subscribers} monthly subscribers unpaid, month {} of {months} | {n} | {} | {:.0} MiB | {} | {} |",
                m + 1,
                both(took),
                peak_rss_mib(),
                mb(written),
                mb(kept),
            );
        }
    }
    println!(
        "| {subscribers} monthly subscribers: set-up / all {months} runs | | {} / {} | | | {} in all |",
        secs(setup),
        both(total),
        mb(file_bytes(&path)),
    );
}
