//! Readers beside one writer: while an import of 50,000 rows holds the
//! writer (one transaction) in another thread, a list, a search and the
//! statistics on a read connection each answer within 200 ms, from the last
//! commit: none of the import's rows is seen until it commits.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use pelanggan_core::customers::{self, ListQuery};
use pelanggan_core::import::{self, ImportOptions};
use pelanggan_core::progress::Cancel;
use pelanggan_core::search::Filter;
use pelanggan_core::{Reader, Readers, stats};

const ROWS: u32 = 50_000;
/// The bound for a read while a long write runs.
const WITHIN: Duration = Duration::from_millis(200);

/// What the three reads answer: the list's first page and total, the
/// search's total, the customer count of the statistics.
#[derive(Debug, PartialEq)]
struct Answers {
    first_page: Vec<i64>,
    total: u32,
    found: u32,
    counted: u32,
}

/// Runs the three reads, each timed, in one read transaction (one snapshot:
/// the import cannot commit between them); returns the answers and the slowest.
fn read(r: Reader<'_>) -> (Answers, Duration) {
    r.conn().execute_batch("BEGIN").unwrap();
    let mut slowest = Duration::ZERO;
    let mut timed = |f: &mut dyn FnMut()| {
        let started = Instant::now();
        f();
        slowest = slowest.max(started.elapsed());
    };
    let (mut page, mut found, mut counted) = (None, 0, 0);
    timed(&mut || {
        let query = ListQuery {
            limit: 20,
            ..ListQuery::default()
        };
        page = Some(customers::list(r, &query).unwrap());
    });
    timed(&mut || {
        let query = ListQuery {
            filter: Filter {
                search: Some("Pelanggan 4".into()),
                ..Filter::default()
            },
            limit: 20,
            ..ListQuery::default()
        };
        found = customers::list(r, &query).unwrap().total;
    });
    timed(&mut || counted = stats::stats(r).unwrap().total_customers);
    r.conn().execute_batch("COMMIT").unwrap();
    let page = page.unwrap();
    let answers = Answers {
        first_page: page.customers.items.iter().map(|c| c.local_id).collect(),
        total: page.total,
        found,
        counted,
    };
    (answers, slowest)
}

#[test]
fn reads_answer_from_the_last_commit_while_an_import_holds_the_writer() {
    let (dir, mut db) = common::open();
    for i in 0..40 {
        common::add(&mut db, &format!("Pelanggan {i}"), &format!("0899{:08}", i));
    }
    let mut csv = String::from("name,whatsapp\n");
    for i in 0..ROWS {
        csv.push_str(&format!("Pelanggan {i} Baru,0812{:08}\n", 10_000_000 + i));
    }
    let file = dir.path().join("big.csv");
    std::fs::write(&file, csv).unwrap();

    let readers = Readers::open(db.path(), 2).unwrap();
    let (before, _) = read(readers.get().reader().unwrap());
    assert_eq!((before.total, before.counted), (40, 40));

    let (progress, rows_written) = mpsc::channel::<u64>();
    let (summary, reads, slowest) = std::thread::scope(|s| {
        let importing = s.spawn(move || {
            let summary = import::import_customers(
                &mut db,
                None,
                &file,
                &ImportOptions::default(),
                &mut |p| {
                    let _ = progress.send(p.rows);
                },
                &Cancel::new(),
            );
            (db, summary)
        });
        // Inside the import's transaction: rows are written, none committed.
        while rows_written.recv().unwrap() < 5_000 {}
        let mut reads = 0;
        let mut slowest = Duration::ZERO;
        loop {
            let mut pooled = readers.get();
            let (answers, took) = read(pooled.reader().unwrap());
            // The state before the import, or (the import committed
            // meanwhile) the one after: never a part of it.
            let committed = answers.total == 40 + ROWS && answers.counted == 40 + ROWS;
            assert!(
                answers == before || committed,
                "a read saw rows not yet committed: {answers:?}"
            );
            let still_importing = !committed && !importing.is_finished();
            if !committed {
                slowest = slowest.max(took);
                reads += 1;
            }
            // Enough reads once half the file is in; else until it ends.
            let mut rows = 0;
            while let Ok(r) = rows_written.try_recv() {
                rows = r;
            }
            if !still_importing || (reads >= 5 && rows >= u64::from(ROWS / 2)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let (db, summary) = importing.join().unwrap();
        drop(db);
        (summary.unwrap(), reads, slowest)
    });
    assert_eq!(summary.imported, ROWS);
    assert!(
        reads >= 3,
        "only {reads} reads ran while the import held the writer"
    );
    assert!(
        slowest < WITHIN,
        "the slowest read during the import took {slowest:?}"
    );
    // Committed: the same readers now see every row.
    let (after, _) = read(readers.get().reader().unwrap());
    assert_eq!((after.total, after.counted), (40 + ROWS, 40 + ROWS));
    assert!(after.found > before.found);
}
