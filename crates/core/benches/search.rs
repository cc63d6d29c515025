//! The search/statistics benchmark: generates a shop (1,000,000 customers by
//! default; `BENCH_CUSTOMERS=N`), then prints one table of timings for this
//! machine, with a plain `LIKE '%term%'` scan on the same data beside the
//! FTS search. Run by `make bench` (`cargo bench -p pelanggan-core --bench
//! search`). Without `--bench` (as `cargo test --all-targets` runs it) it does
//! a quick smoke run on 3,000 customers.

use std::time::{Duration, Instant};

use pelanggan_core::customers::{self, ListQuery};
use pelanggan_core::generate::{self, GenOptions};
use pelanggan_core::search::{self, BalanceKind, Filter, Position, Sort};
use pelanggan_core::{Db, Money, analytics, stats};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n: u64 = std::env::var("BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 1_000_000 } else { 3_000 });
    let dir = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .expect("temp dir");
    // BENCH_DB=FILE reuses a shop generated before (its generate row says so).
    let reuse = std::env::var("BENCH_DB").ok();
    let path = reuse
        .as_ref()
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("bench.db"));
    let mut db = Db::open(&path).expect("open");
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut row = |what: &str, ours: String, like: String| {
        println!("| {what} | {ours} | {like} |");
        rows.push((what.into(), ours, like));
    };
    println!("| measure ({n} customers) | Pelanggan | plain LIKE '%term%' |");
    println!("|---|---|---|");

    let t = Instant::now();
    let existing: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .expect("count");
    let summary = if reuse.is_some() && existing > 0 {
        println!(
            "| generate | reused {} ({existing} customers) | |",
            path.display()
        );
        None
    } else {
        Some(
            generate::generate(
                &mut db,
                &GenOptions {
                    customers: n,
                    seed: 1,
                },
                |_| {},
                &pelanggan_core::progress::Cancel::new(),
            )
            .expect("generate"),
        )
    };
    if let Some(summary) = summary {
        row(
            "generate (customers, tags, ledger, billing)",
            format!(
                "{:.1} s ({} ledger, {} invoices, {} payments)",
                t.elapsed().as_secs_f64(),
                summary.ledger_entries,
                summary.invoices,
                summary.payments
            ),
            String::new(),
        );
    }
    let conn = db.conn();
    let r = db.reader().expect("reader");
    let reader = db.reader().expect("reader");
    // The report's second connection, opened once like an app's reader.
    let mut second = db.read_conn().expect("open a reader");

    // Terms: common and rare names, emails, 1-2 characters, local phone forms
    // taken from real rows.
    let mut long_terms: Vec<String> = [
        "san",
        "budi",
        "wati",
        "putra",
        "siti",
        "gmail",
        "yahoo",
        "nasution",
        "zulkarnain",
        "cecep",
        "ucok",
        "ketut",
        "hasibuan",
        "ramadhan",
        "kurniawan",
        "dewi lestari",
        "agus s",
        "rocketmail",
        "telkom",
        "anggraini",
        "sembiring",
        "nyoman",
        "euis",
        "galih",
        "irfan",
        "ahmad",
        "made",
        "indah",
        "rizky",
        "syahputra",
        "bambang",
        "qwerty",
        "xyz",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let short_terms: Vec<String> = ["a", "s", "k", "z", "bu", "si", "ra", "ny", "08", "62", "8"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut phone_terms: Vec<String> = vec!["0812".into(), "0857-12".into(), "+62 813".into()];
    {
        let mut stmt = conn
            .prepare("SELECT whatsapp FROM customers WHERE id % 9973 = 5 LIMIT 8")
            .unwrap();
        let numbers: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (i, w) in numbers.iter().enumerate() {
            let local = format!("0{}", &w[3..]);
            phone_terms.push(match i % 3 {
                0 => format!("{} {}", &local[..4], &local[4..7]),
                1 => format!("{}-{}", &local[..4], &local[4..8]),
                _ => local[2..9].to_string(),
            });
        }
    }
    long_terms.truncate(40);
    let verbose = std::env::var("BENCH_VERBOSE").is_ok();
    let time_search = |terms: &[String]| -> Vec<Duration> {
        terms
            .iter()
            .map(|t| {
                let q = ListQuery {
                    filter: pelanggan_core::search::Filter {
                        search: Some(t.clone()),
                        ..Default::default()
                    },
                    ..ListQuery::default()
                };
                let start = Instant::now();
                let page = customers::list(r, &q).expect("list");
                std::hint::black_box(page.total);
                let took = start.elapsed();
                if verbose {
                    eprintln!("  {t:?}: {} matches, {}", page.total, ms(took));
                }
                took
            })
            .collect()
    };
    let _ = time_search(&long_terms[..3]); // warm the cache
    let fts_long = time_search(&long_terms);
    let fts_short = time_search(&[short_terms.clone(), phone_terms.clone()].concat());
    let like = |terms: &[String]| -> Vec<Duration> {
        terms
            .iter()
            .map(|t| {
                let pattern = format!("%{t}%");
                let start = Instant::now();
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT id, name, whatsapp, email, balance FROM customers
                         WHERE status != 'deleted' AND (name LIKE ?1 OR email LIKE ?1 OR whatsapp LIKE ?1)
                         ORDER BY balance < 0 DESC, updated_at DESC, id DESC LIMIT 50",
                    )
                    .unwrap();
                let n = stmt.query_map([&pattern], |r| r.get::<_, i64>(0)).unwrap().count();
                let total: i64 = conn
                    .prepare_cached(
                        "SELECT count(*) FROM customers
                         WHERE status != 'deleted' AND (name LIKE ?1 OR email LIKE ?1 OR whatsapp LIKE ?1)",
                    )
                    .unwrap()
                    .query_row([&pattern], |r| r.get(0))
                    .unwrap();
                std::hint::black_box((n, total));
                start.elapsed()
            })
            .collect()
    };
    let like_terms: Vec<String> = long_terms
        .iter()
        .step_by(if full { 3 } else { 1 })
        .cloned()
        .collect();
    // BENCH_LIKE=0 skips the (slow) LIKE baseline while tuning.
    let like_long = if std::env::var("BENCH_LIKE").is_ok_and(|v| v == "0") {
        Vec::new()
    } else {
        like(&like_terms)
    };
    row(
        &format!(
            "search 3+ chars, page 1 + total ({} terms; LIKE: {})",
            fts_long.len(),
            like_long.len()
        ),
        pct(&fts_long),
        pct(&like_long),
    );
    row(
        &format!(
            "search 1-2 chars and phone forms, page 1 + total ({} terms)",
            fts_short.len()
        ),
        pct(&fts_short),
        String::new(),
    );

    // Filter combinations.
    let today = db.reader().expect("reader").today();
    let combos: Vec<(&str, Filter)> = vec![
        (
            "active",
            Filter {
                status: Some(pelanggan_core::customers::Status::Active),
                ..Filter::default()
            },
        ),
        (
            "debt",
            Filter {
                balance: Some(BalanceKind::Debt),
                ..Filter::default()
            },
        ),
        (
            "credit",
            Filter {
                balance: Some(BalanceKind::Credit),
                ..Filter::default()
            },
        ),
        (
            "balance -200000..-50000",
            Filter {
                balance_min: Some(Money::from_minor(-20_000_000)),
                balance_max: Some(Money::from_minor(-5_000_000)),
                ..Filter::default()
            },
        ),
        (
            "tag VIP",
            Filter {
                tags_any: vec!["VIP".into()],
                ..Filter::default()
            },
        ),
        (
            "tags VIP and Kantor",
            Filter {
                tags_all: vec!["VIP".into(), "Kantor".into()],
                ..Filter::default()
            },
        ),
        (
            "created last 30 days",
            Filter {
                created_from: today.checked_sub_days(chrono::Days::new(30)),
                ..Filter::default()
            },
        ),
        (
            "active subscription",
            Filter {
                active_subscription: Some(true),
                ..Filter::default()
            },
        ),
        (
            "no subscription + debt",
            Filter {
                active_subscription: Some(false),
                balance: Some(BalanceKind::Debt),
                ..Filter::default()
            },
        ),
        (
            "blacklisted + tag Telat Bayar",
            Filter {
                status: Some(pelanggan_core::customers::Status::Blacklisted),
                tags_any: vec!["Telat Bayar".into()],
                ..Filter::default()
            },
        ),
        (
            "search 'san' + debt + tag Kos",
            Filter {
                search: Some("san".into()),
                balance: Some(BalanceKind::Debt),
                tags_any: vec!["Kos".into()],
                ..Filter::default()
            },
        ),
    ];
    let mut first = Vec::new();
    let mut deep = Vec::new();
    let mut counts = Vec::new();
    let mut offset_deep = Vec::new();
    for (name, f) in &combos {
        for sort in [Sort::Debt, Sort::Name] {
            let start = Instant::now();
            std::hint::black_box(search::page(reader, f, sort, 50, &Position::Page(1)).unwrap());
            first.push(start.elapsed());
        }
        let start = Instant::now();
        let total = search::count(reader, f).unwrap();
        counts.push(start.elapsed());
        if verbose {
            let n = first.len();
            eprintln!(
                "  {name}: {total} matches; page 1 {} / {}; count {}",
                ms(first[n - 2]),
                ms(first[n - 1]),
                ms(*counts.last().unwrap())
            );
        }
        // The deepest page up to 10,000: its cursor comes from the page before
        // (found once, untimed), as the UI has it from the page it shows.
        let pages = total.div_ceil(50).clamp(1, 10_000) as u32;
        if pages >= 2 {
            let start = Instant::now();
            let before =
                search::page(reader, f, Sort::Debt, 50, &Position::Page(pages - 1)).unwrap();
            offset_deep.push(start.elapsed());
            if let Some(cursor) = before.next {
                for _ in 0..3 {
                    let start = Instant::now();
                    std::hint::black_box(
                        search::page(reader, f, Sort::Debt, 50, &Position::After(cursor.clone()))
                            .unwrap(),
                    );
                    deep.push(start.elapsed());
                    if verbose {
                        eprintln!(
                            "  {name}: page {pages} by cursor {}",
                            ms(*deep.last().unwrap())
                        );
                    }
                }
            }
        }
    }
    row(
        &format!("filters, page 1 ({} combinations x 2 orders)", combos.len()),
        pct(&first),
        String::new(),
    );
    row(
        "filters, deepest page <= 10,000 by cursor",
        pct(&deep),
        String::new(),
    );
    row(
        "filters, same page by OFFSET (--page N)",
        pct(&offset_deep),
        String::new(),
    );
    row("filters, total count", pct(&counts), String::new());

    let mut st = Vec::new();
    for _ in 0..200 {
        let start = Instant::now();
        std::hint::black_box(stats::stats(r).unwrap());
        st.push(start.elapsed());
    }
    let start = Instant::now();
    let slow = stats::recount(conn).unwrap();
    let scan = start.elapsed();
    assert_eq!(
        stats::stats(r).unwrap(),
        slow,
        "counters differ from a recount"
    );
    row(
        "statistics cards (counters)",
        pct(&st),
        format!("full scan: {}", ms(scan)),
    );

    for (label, period) in [
        ("analytics 30 days (5 runs)", analytics::Period::Days(30)),
        ("analytics all time (5 runs)", analytics::Period::All),
    ] {
        let mut runs = Vec::new();
        for _ in 0..5 {
            let start = Instant::now();
            std::hint::black_box(
                analytics::analytics(
                    db.reader().expect("reader"),
                    &mut second,
                    &analytics::Query {
                        period,
                        top: analytics::TopBy::Revenue,
                        today,
                    },
                )
                .unwrap(),
            );
            runs.push(start.elapsed());
        }
        row(label, pct(&runs), String::new());
    }

    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    row(
        "database size",
        format!("{:.0} MB", size as f64 / 1e6),
        String::new(),
    );
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.trim().to_owned())
        })
        .unwrap_or_default();
    row("peak memory (RSS)", rss, String::new());
    let _ = rows;
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// "p50 / p95 / max" of the samples.
fn pct(samples: &[Duration]) -> String {
    if samples.is_empty() {
        return "n/a".into();
    }
    let mut s = samples.to_vec();
    s.sort();
    let at = |p: f64| s[((s.len() as f64 - 1.0) * p).round() as usize];
    format!(
        "p50 {} / p95 {} / max {}",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(1.0))
    )
}
