//! Helpers shared by the core's integration tests: a fresh database file in a
//! temp dir, a one-line customer, and a snapshot of everything a refused
//! write must leave untouched.

#![allow(dead_code)] // each test binary uses a different subset

use pelanggan_core::customers::{self, Customer, NewCustomer};
use pelanggan_core::ledger;
use pelanggan_core::{Db, Error};
use rusqlite::Connection;
use tempfile::TempDir;

/// Valid Indonesian mobile numbers, each as typed in local form.
pub const WA1: &str = "0812-3456-7890";
pub const WA2: &str = "0813-1111-2222";
pub const WA3: &str = "0857-1234-5678";
pub const WA4: &str = "0878-8888-9999";
pub const WA1_E164: &str = "+6281234567890";
pub const WA2_E164: &str = "+6281311112222";

/// A fresh database in its own temp dir; keep the dir alive as long as the db.
pub fn open() -> (TempDir, Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::open(dir.path().join("shop.db")).expect("open a fresh database");
    (dir, db)
}

/// A second, plain connection on the shop's file, for raw SQL that no use
/// case would run (a forged or drifted row, as another program might write):
/// the `Db`'s own connection is `query_only` outside `Db::write`.
pub fn raw(db: &Db) -> Connection {
    Connection::open(db.path()).expect("a raw connection")
}

/// Adds a customer with just a name and a WhatsApp number.
pub fn add(db: &mut Db, name: &str, whatsapp: &str) -> Customer {
    db.write(None, |w| {
        customers::add(
            w,
            NewCustomer {
                name: name.into(),
                whatsapp: whatsapp.into(),
                ..Default::default()
            },
        )
    })
    .unwrap_or_else(|e| panic!("add {name} {whatsapp}: {e}"))
}

/// Reads a customer back by any reference.
pub fn get(db: &Db, reference: &str) -> Customer {
    customers::get(db.reader().unwrap(), reference)
        .unwrap_or_else(|e| panic!("get {reference}: {e}"))
}

/// Asserts the stable code (and field, when given) of a refused operation.
#[track_caller]
pub fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, Error>,
    code: &str,
    field: Option<&str>,
) -> Error {
    let err = match result {
        Ok(v) => panic!("expected error '{code}', got Ok({v:?})"),
        Err(e) => e,
    };
    assert_eq!(err.code(), code, "wrong code for: {err}");
    if field.is_some() {
        assert_eq!(err.field(), field, "wrong field for: {err}");
    }
    assert!(!err.to_string().is_empty());
    err
}

/// Everything a refused write must leave as it was: row counts, the sum of the
/// balances, and a digest of every row of the tables the core writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub customers: i64,
    pub ledger: i64,
    pub activity: i64,
    pub changes: i64,
    pub tags: i64,
    pub customer_tags: i64,
    pub contacts: i64,
    pub admins: i64,
    pub balance_sum: i64,
    pub hlc: i64,
    pub digest: String,
}

pub fn snapshot(db: &Db) -> Snapshot {
    let c = db.conn();
    let count = |table: &str| -> i64 {
        c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    let text = |sql: &str| -> String {
        c.query_row(sql, [], |r| r.get::<_, Option<String>>(0))
            .unwrap()
            .unwrap_or_default()
    };
    let digest = [
        text(
            "SELECT group_concat(uuid || '|' || name || '|' || whatsapp || '|' || ifnull(email, '') || '|'
                || ifnull(phone, '') || '|' || ifnull(address, '') || '|' || ifnull(notes, '') || '|'
                || status || '|' || balance || '|' || causal_length || '|' || updated_at, ';')
             FROM (SELECT * FROM customers ORDER BY id)",
        ),
        text(
            "SELECT group_concat(uuid || '|' || name || '|' || color, ';') FROM (SELECT * FROM tags ORDER BY id)",
        ),
        text(
            "SELECT group_concat(uuid || '|' || causal_length, ';') FROM (SELECT * FROM customer_tags ORDER BY uuid)",
        ),
        text(
            "SELECT group_concat(uuid || '|' || value || '|' || is_primary || '|' || causal_length, ';')
             FROM (SELECT * FROM customer_contacts ORDER BY id)",
        ),
        text("SELECT group_concat(key || '=' || value, ';') FROM (SELECT * FROM settings ORDER BY key)"),
    ]
    .join("\n");
    Snapshot {
        customers: count("customers"),
        ledger: count("customer_balance_history"),
        activity: count("customer_activity_log"),
        changes: count("change_log"),
        tags: count("tags"),
        customer_tags: count("customer_tags"),
        contacts: count("customer_contacts"),
        admins: count("admin_users"),
        balance_sum: c
            .query_row("SELECT coalesce(sum(balance), 0) FROM customers", [], |r| {
                r.get(0)
            })
            .unwrap(),
        hlc: c
            .query_row("SELECT hlc FROM device", [], |r| r.get(0))
            .unwrap(),
        digest,
    }
}

/// Runs `op`, expects it refused with `code` (and `field`), and checks that the
/// database is exactly as before.
#[track_caller]
pub fn refused_unchanged<T: std::fmt::Debug>(
    db: &mut Db,
    code: &str,
    field: Option<&str>,
    op: impl FnOnce(&mut Db) -> Result<T, Error>,
) -> Error {
    let before = snapshot(db);
    let err = assert_refused(op(db), code, field);
    assert_eq!(
        snapshot(db),
        before,
        "a refused '{code}' changed the database"
    );
    err
}

/// Every customer's cached balance equals its ledger sum, and each customer's
/// entries chain: previous = the entry before's new, new = previous +/- amount.
#[track_caller]
pub fn assert_ledger_invariant(r: pelanggan_core::Reader<'_>) {
    let conn = r.conn();
    let mut stmt = conn
        .prepare("SELECT id, balance FROM customers ORDER BY id")
        .unwrap();
    let customers: Vec<(i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut entries = conn
        .prepare(
            "SELECT type, amount, previous_balance, new_balance FROM customer_balance_history
             WHERE customer_id = ?1 ORDER BY id",
        )
        .unwrap();
    for (id, balance) in customers {
        let sum = ledger::ledger_sum(r, id).unwrap().minor();
        assert_eq!(
            balance, sum,
            "customer {id}: balance {balance} != ledger sum {sum}"
        );
        let rows: Vec<(String, i64, i64, i64)> = entries
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut running = 0i64;
        for (kind, amount, previous, new) in rows {
            assert!(amount > 0, "customer {id}: entry amount {amount}");
            assert_eq!(previous, running, "customer {id}: chain broken");
            let signed = if kind == "debit" { -amount } else { amount };
            assert_eq!(
                new,
                previous + signed,
                "customer {id}: {kind} {amount} from {previous}"
            );
            running = new;
        }
        assert_eq!(running, balance, "customer {id}: last entry != balance");
    }
}

/// A database file at `path` as a program that knew the migrations up to
/// `last` left it: those files applied and recorded in refinery's history
/// (names and checksums copied from a fresh file, so this program accepts
/// them and migrates the rest when it opens the file).
pub fn file_at_version(path: &std::path::Path, last: i64) -> Connection {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let mut files: Vec<(i64, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            let version: i64 = name.strip_prefix('V')?.split_once("__")?.0.parse().ok()?;
            (version <= last).then(|| (version, std::fs::read_to_string(dir.join(&name)).unwrap()))
        })
        .collect();
    files.sort();
    let (_fresh_dir, fresh) = open();
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TABLE refinery_schema_history (version int4 PRIMARY KEY, name VARCHAR(255),
             applied_on VARCHAR(255), checksum VARCHAR(255));",
    )
    .unwrap();
    for (version, sql) in &files {
        conn.execute_batch(sql).unwrap();
        let row: (String, String, String) = fresh
            .conn()
            .query_row(
                "SELECT name, applied_on, checksum FROM refinery_schema_history WHERE version = ?1",
                [version],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        conn.execute(
            "INSERT INTO refinery_schema_history VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![version, row.0, row.1, row.2],
        )
        .unwrap();
    }
    conn
}
