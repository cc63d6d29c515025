//! The CSV benchmark: writes a spreadsheet of customers typed the way shops
//! type them (1,000,000 rows by default; `BENCH_ROWS=N`), imports it through
//! the real path while another connection keeps searching, then a tenth more
//! into the full shop (the searcher now searching a million), exports the
//! result, and runs the naive way (one transaction per customer, as the
//! original specification does) on 20,000 rows beside it. Prints one table.
//! Run by `make bench-csv` (`cargo bench -p pelanggan-core --bench csv`);
//! without `--bench` (as `cargo test --all-targets` runs it) it is a quick
//! smoke run on 2,000 rows.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pelanggan_core::customers::{self, NewCustomer};
use pelanggan_core::export::{self, CsvOptions};
use pelanggan_core::import::{self, ImportOptions};
use pelanggan_core::progress::Cancel;
use pelanggan_core::search::{self, Filter, Position, Sort};
use pelanggan_core::tags::TagInput;
use pelanggan_core::{Db, Money};

const FIRST: [&str; 16] = [
    "Budi", "Sari", "Agus", "Dewi", "Rina", "Joko", "Wati", "Andi", "Putri", "Eko", "Siti",
    "Bambang", "Yuni", "Hadi", "Lestari", "Ahmad",
];
const LAST: [&str; 12] = [
    "Santoso", "Wijaya", "Saputra", "Hidayat", "Pratama", "Kusuma", "Nugroho", "Rahayu",
    "Setiawan", "Siregar", "Nasution", "Gunawan",
];
const AMOUNTS: [&str; 8] = [
    "150000",
    "150.000",
    "Rp 150.000",
    "-25.000",
    "150,000.50",
    "",
    "",
    "0",
];
const TAGS: [&str; 7] = [
    "VIP",
    "Corporate",
    "Baru",
    "Hotspot",
    "PPPoE",
    "",
    "VIP, Hotspot",
];

/// A small deterministic generator (xorshift), so runs compare.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Writes `rows` customers whose numbers start at the `first`-th one.
fn write_csv(path: &Path, first: u64, rows: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create csv"));
    writeln!(out, "Nama;No WA;Email;Saldo;Label;Catatan").expect("write");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in first..first + rows {
        // Unique Telkomsel-style numbers, typed in five different ways.
        let n = format!("81{}{:08}", 1 + (i / 100_000_000) % 3, i % 100_000_000);
        let number = match rng.next() % 5 {
            0 => format!("0{}-{}-{}", &n[..3], &n[3..7], &n[7..]),
            1 => format!("62 {} {} {}", &n[..3], &n[3..7], &n[7..]),
            2 => format!("+62 {}-{}-{}", &n[..3], &n[3..7], &n[7..]),
            3 => format!("(0{}) {}", &n[..3], &n[3..]),
            _ => format!("0{n}"),
        };
        let first = rng.pick(&FIRST);
        let name = format!("{first} {}", rng.pick(&LAST));
        let email = if rng.next() % 10 < 6 {
            format!("{}{i}@mail.co.id", first.to_lowercase())
        } else {
            String::new()
        };
        let notes = if rng.next().is_multiple_of(5) {
            "langganan lama"
        } else {
            ""
        };
        writeln!(
            out,
            "{name};{number};{email};{};\"{}\";{notes}",
            rng.pick(&AMOUNTS),
            rng.pick(&TAGS)
        )
        .expect("write");
    }
    out.flush().expect("flush");
}

/// The specification's way: every customer its own transaction.
fn naive_import(db: &mut Db, file: &Path, rows: usize) -> Duration {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(file)
        .expect("open csv");
    let t = Instant::now();
    for record in reader.records().take(rows) {
        let r = record.expect("row");
        let input = NewCustomer {
            name: r[0].into(),
            whatsapp: r[1].into(),
            email: Some(r[2].into()),
            initial_balance: (!r[3].is_empty())
                .then(|| Money::parse("balance", &r[3]).expect("amount")),
            tags: r[4]
                .split(',')
                .filter(|t| !t.trim().is_empty())
                .map(|t| TagInput::parse(t).expect("tag"))
                .collect(),
            notes: Some(r[5].into()),
            ..Default::default()
        };
        db.write(None, |w| customers::add(w, input)).expect("add");
    }
    t.elapsed()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
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

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// The searches the reader makes, as a user types them: the first page, which
/// the list shows at once (its count follows on its own, as in the app).
const TERMS: [&str; 7] = [
    "budi", "santoso", "0812", "mail.co", "sari w", "81100", "ah",
];

fn search_once(db: &Db, i: usize) -> Duration {
    let filter = Filter {
        search: Some(TERMS[i % TERMS.len()].into()),
        ..Default::default()
    };
    let t = Instant::now();
    search::page(
        db.reader().expect("reader"),
        &filter,
        Sort::Debt,
        50,
        &Position::Page(1),
    )
    .expect("search");
    t.elapsed()
}

/// `n` searches with nothing else running, sorted by time.
fn search_alone(path: &Path, n: usize) -> Vec<Duration> {
    let db = Db::open(path).expect("open reader");
    let mut took: Vec<Duration> = (0..n).map(|i| search_once(&db, i)).collect();
    took.sort();
    took
}

/// Imports `file` while another connection searches every 20 ms: the
/// summary, the import's time and the searches' times, sorted.
fn import_while_searching(
    db: &mut Db,
    file: &Path,
) -> (import::ImportSummary, Duration, Vec<Duration>) {
    let stop = Arc::new(AtomicBool::new(false));
    let searcher = {
        let stop = stop.clone();
        let path = db.path().to_path_buf();
        std::thread::spawn(move || {
            let db = Db::open(&path).expect("open reader");
            let mut took = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                took.push(search_once(&db, i));
                i += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            took.sort();
            took
        })
    };
    let t = Instant::now();
    let summary = import::import_customers(
        db,
        None,
        file,
        &ImportOptions::default(),
        &mut |_| {},
        &Cancel::new(),
    )
    .expect("import");
    let took = t.elapsed();
    stop.store(true, Ordering::Relaxed);
    (summary, took, searcher.join().expect("searcher"))
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rows: u64 = std::env::var("BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 1_000_000 } else { 2_000 });
    let naive_rows = if full { 20_000 } else { 500 };
    let dir = tempfile::tempdir_in(
        std::env::var("BENCH_DIR").unwrap_or_else(|_| std::env::temp_dir().display().to_string()),
    )
    .expect("temp dir");
    let csv_path = dir.path().join("customers.csv");
    println!("| measure ({rows} rows) | result |");
    println!("|---|---|");

    let t = Instant::now();
    write_csv(&csv_path, 0, rows);
    let size = std::fs::metadata(&csv_path).map(|m| m.len()).unwrap_or(0);
    println!(
        "| write the CSV ({:.0} MiB) | {:.1} s |",
        size as f64 / 1048576.0,
        t.elapsed().as_secs_f64()
    );

    // The naive way, on a prefix, extrapolated.
    {
        let mut db = Db::open(dir.path().join("naive.db")).expect("open");
        let took = naive_import(&mut db, &csv_path, naive_rows);
        let per_row = took.as_secs_f64() / naive_rows as f64;
        println!(
            "| naive: one transaction per customer, {naive_rows} rows | {:.1} s ({:.0} µs/row; {rows} rows ≈ {:.0} s) |",
            took.as_secs_f64(),
            per_row * 1e6,
            per_row * rows as f64
        );
    }

    // The real import into an empty shop, with a reader searching on its own
    // connection throughout (it sees the empty shop until the commit).
    let db_path = dir.path().join("shop.db");
    let mut db = Db::open(&db_path).expect("open");
    let (summary, import_time, searches) = import_while_searching(&mut db, &csv_path);
    assert_eq!(u64::from(summary.imported + summary.rejected), rows);
    println!(
        "| import, every rule + ledger + activity + change log | {:.1} s ({:.0} µs/row, {} imported, {} rejected) |",
        import_time.as_secs_f64(),
        import_time.as_secs_f64() * 1e6 / rows as f64,
        summary.imported,
        summary.rejected
    );
    println!(
        "| search on another connection during that import ({} queries) | p50 {}, p95 {} |",
        searches.len(),
        ms(percentile(&searches, 0.5)),
        ms(percentile(&searches, 0.95))
    );
    println!(
        "| peak memory after import (process RSS) | {:.0} MiB |",
        peak_rss_mib()
    );

    // The same searches on the full shop with nothing else running: the baseline.
    let alone = search_alone(&db_path, 60);
    println!(
        "| the same searches of the full shop, no import running ({} queries) | p50 {}, p95 {} |",
        alone.len(),
        ms(percentile(&alone, 0.5)),
        ms(percentile(&alone, 0.95))
    );

    // A tenth more into the full shop (indexes kept, not made again), while
    // the reader searches the full shop.
    let more = (rows / 10).max(1);
    let more_path = dir.path().join("more.csv");
    write_csv(&more_path, rows, more);
    let (summary, more_time, searches) = import_while_searching(&mut db, &more_path);
    assert_eq!(u64::from(summary.imported + summary.rejected), more);
    println!(
        "| import {more} more rows into the full shop | {:.1} s ({:.0} µs/row) |",
        more_time.as_secs_f64(),
        more_time.as_secs_f64() * 1e6 / more as f64,
    );
    println!(
        "| search the full shop on another connection during that import ({} queries) | p50 {}, p95 {} |",
        searches.len(),
        ms(percentile(&searches, 0.5)),
        ms(percentile(&searches, 0.95))
    );
    let wal = std::fs::metadata(db_path.with_file_name("shop.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    let main = std::fs::metadata(&db_path).map(|m| m.len()).unwrap_or(0);
    println!(
        "| database after import | {:.0} MiB (WAL {:.1} MiB after checkpoint) |",
        main as f64 / 1048576.0,
        wal as f64 / 1048576.0
    );

    for excel in [false, true] {
        let out = dir
            .path()
            .join(if excel { "excel.csv" } else { "export.csv" });
        let t = Instant::now();
        let s = export::customers(
            db.reader().unwrap(),
            &out,
            &Default::default(),
            CsvOptions {
                excel,
                ..CsvOptions::default()
            },
            &mut |_| {},
            &Cancel::new(),
        )
        .expect("export");
        println!(
            "| export {} customers{} | {:.2} s |",
            s.rows,
            if excel { " (--excel)" } else { "" },
            t.elapsed().as_secs_f64()
        );
    }
    println!(
        "| peak memory, whole run (process RSS) | {:.0} MiB |",
        peak_rss_mib()
    );
}
