//! Two writers on one file, as two threads and as two processes: every credit
//! lands (BEGIN IMMEDIATE queues them), none fails as busy, and the balance
//! equals the ledger sum.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use pelanggan_core::balance;
use pelanggan_core::ledger::{self, EntryNote};
use pelanggan_core::{Db, Money};

const CREDITS: usize = 200;
/// Set in the child processes of `two_processes_credit_one_customer`.
const CHILD_DB: &str = "PELANGGAN_TEST_CHILD_DB";
const CHILD_GO: &str = "PELANGGAN_TEST_CHILD_GO";

fn credit_many(path: &Path, whatsapp: &str, who: &str) {
    let mut db = Db::open(path).unwrap_or_else(|e| panic!("{who}: open: {e}"));
    let one = Money::parse_positive("amount", "1.00").unwrap();
    for i in 0..CREDITS {
        db.write(None, |w| {
            balance::credit(w, whatsapp, one, &EntryNote::new(format!("{who} #{i}")))
        })
        .unwrap_or_else(|e| panic!("{who}: credit {i} failed with {}: {e}", e.code()));
    }
}

fn shop_with_one_customer() -> (tempfile::TempDir, PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let mut db = Db::open(&path).unwrap();
    let id = add(&mut db, "Budi", WA1).id;
    (dir, path, id)
}

fn assert_credited(path: &Path, id: &str, writers: usize) {
    let db = Db::open(path).unwrap();
    let c = get(&db, id);
    let expected = Money::from_minor((writers * CREDITS * 100) as i64);
    assert_eq!(c.balance, expected, "lost updates");
    assert_eq!(
        ledger::ledger_sum(db.reader().unwrap(), c.local_id).unwrap(),
        expected
    );
    assert_ledger_invariant(db.reader().unwrap());
    let entries: i64 = db
        .conn()
        .query_row("SELECT count(*) FROM customer_balance_history", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(entries as usize, writers * CREDITS);
    // One clock for the file: the change log's HLC strictly increases.
    let mut stmt = db
        .conn()
        .prepare("SELECT hlc FROM change_log ORDER BY seq")
        .unwrap();
    let hlcs: Vec<i64> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(hlcs.windows(2).all(|w| w[0] < w[1]), "HLC went backwards");
}

#[test]
fn two_threads_credit_one_customer_without_losing_an_update() {
    let (_dir, path, id) = shop_with_one_customer();
    let barrier = std::sync::Barrier::new(2);
    std::thread::scope(|s| {
        for who in ["thread-a", "thread-b"] {
            let (path, barrier) = (&path, &barrier);
            s.spawn(move || {
                barrier.wait();
                credit_many(path, WA1, who);
            });
        }
    });
    assert_credited(&path, &id, 2);
}

/// The child half of `two_processes_credit_one_customer`: does nothing unless
/// that test started this binary with the database path in the environment.
#[test]
fn child_process_credits() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let go = PathBuf::from(std::env::var(CHILD_GO).unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    while !go.exists() {
        assert!(Instant::now() < deadline, "the parent never said go");
        std::thread::sleep(Duration::from_millis(2));
    }
    credit_many(
        Path::new(&path),
        WA1,
        &format!("process-{}", std::process::id()),
    );
}

#[test]
fn two_processes_credit_one_customer_without_losing_an_update() {
    let (dir, path, id) = shop_with_one_customer();
    let go = dir.path().join("go");
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "child_process_credits",
                    "--test-threads=1",
                    "--nocapture",
                ])
                .env(CHILD_DB, &path)
                .env(CHILD_GO, &go)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // Both are started (and opening the file) before either may write.
    std::fs::write(&go, b"go").unwrap();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "child failed: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("1 passed"),
            "the child ran no test:\n{stdout}"
        );
    }
    assert_credited(&path, &id, 2);
}

#[test]
fn a_reader_is_not_blocked_by_an_open_write() {
    let (_dir, path, id) = shop_with_one_customer();
    let mut writer = Db::open(&path).unwrap();
    let reader = Db::open(&path).unwrap();
    writer
        .write(None, |w| {
            balance::credit(w, &id, Money::from_minor(100), &EntryNote::new("pending"))?;
            // Mid-transaction, another connection still reads the last committed state.
            let seen = get(&reader, &id).balance;
            assert_eq!(seen, Money::ZERO);
            Ok(())
        })
        .unwrap();
    assert_eq!(get(&reader, &id).balance, Money::from_minor(100));
}
