//! Sync between desks through the real `pelanggan-sync-server` binary on
//! 127.0.0.1 (plain HTTP on loopback, SQLite storage): pairing with
//! one-time codes, two desks' offline changes converging (customers,
//! fields last-writer-wins, a delete that a late edit does not undo,
//! balances as the sum of both desks' ledger entries), a server that does
//! not answer (noted, nothing lost, the next round sends it), the token
//! never printed, and a revoked desk refused; one number made on two desks
//! shown as the same conflict on both, and merged.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::Shop;

/// The server binary cargo built beside `pelanggan` (the workspace's tests
/// build every package's binaries).
fn server_bin() -> PathBuf {
    let cli = PathBuf::from(env!("CARGO_BIN_EXE_pelanggan"));
    let bin = cli.with_file_name(format!(
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

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on 127.0.0.1, so a restarted server answers at the same address.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(database: &str, port: u16) -> Server {
    let listen = format!("127.0.0.1:{port}");
    let mut child = Command::new(server_bin())
        .args([
            "serve",
            "--listen",
            &listen,
            "--insecure-http",
            "--database",
            database,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("the server said {line:?}"))
        .to_owned();
    Server { child, url }
}

fn invite(database: &str) -> String {
    let out = Command::new(server_bin())
        .args(["invite", "--database", database, "--shop", "Net Maju"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("code:").map(|c| c.trim().to_owned()))
        .unwrap()
}

impl Shop {
    fn sync(&self) -> serde_json::Value {
        self.ok(&["sync", "now"])
    }
}

#[test]
fn two_desks_converge_through_the_server_and_a_revoked_one_is_refused() {
    let server_dir = tempfile::tempdir().unwrap();
    let database = server_dir.path().join("sync.db").display().to_string();
    let code_a = invite(&database);
    let code_b = invite(&database);
    let port = free_port();
    let server = serve(&database, port);
    let (a, b) = (Shop::new(), Shop::new());

    // Before pairing: nothing to sync with, said clearly.
    assert_eq!(a.ok(&["sync", "status"])["paired"], false);
    a.refused(&["sync", "now"], "sync_not_paired", None);
    // A wrong code is refused by the server, and nothing is stored.
    let e = a.err(&["sync", "pair", &server.url, "AAAA-BBBB-CCCC-DDDD"], 1);
    assert_eq!(e["code"], "sync_refused", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("invalid_code"),
        "{e}"
    );

    // A certificate file that is not there: this desk's input, said so, the code unspent.
    let missing = a.path("server.pem").display().to_string();
    a.refused(
        &["sync", "pair", &server.url, &code_a, "--ca", &missing],
        "validation",
        Some("ca"),
    );
    let paired = a.ok(&["sync", "pair", &server.url, &code_a, "--name", "kasir-1"]);
    assert_eq!(paired["shop"], "Net Maju");
    b.ok(&["sync", "pair", &server.url, &code_b, "--name", "kasir-2"]);
    // A code works once.
    a.refused(
        &["sync", "pair", &server.url, &code_a],
        "sync_already_paired",
        None,
    );

    // Desk A works offline, then syncs; desk B pulls it.
    let budi = a.add("Budi", "0812-3456-7890");
    let id = budi["id"].as_str().unwrap().to_owned();
    a.ok(&[
        "balance",
        "credit",
        &id,
        "100000",
        "--description",
        "Deposit",
    ]);
    let pushed = a.sync();
    assert!(pushed["pushed"].as_u64().unwrap() >= 3, "{pushed}");
    let pulled = b.sync();
    assert!(
        pulled["pulled"]["applied"].as_u64().unwrap() >= 3,
        "{pulled}"
    );
    assert_eq!(b.customer(&id)["name"], "Budi");
    assert_eq!(b.customer(&id)["balance"], "100000.00");

    // Both edit offline: B the name and a debit, A the email. After both
    // sync (in either order) both hold both edits and both entries.
    b.ok(&["customer", "edit", &id, "--name", "Budi Santoso"]);
    b.ok(&["balance", "debit", &id, "30000", "--description", "Voucher"]);
    a.ok(&["customer", "edit", &id, "--email", "budi@example.com"]);
    a.ok(&["balance", "debit", &id, "20000", "--description", "Pulsa"]);
    b.sync();
    a.sync();
    b.sync();
    for desk in [&a, &b] {
        let c = desk.customer(&id);
        assert_eq!(c["name"], "Budi Santoso", "{c}");
        assert_eq!(c["email"], "budi@example.com", "{c}");
        assert_eq!(c["balance"], "50000.00", "{c}");
        let history = desk.ok(&["balance", "history", &id]);
        assert_eq!(history.as_array().unwrap().len(), 3, "{history}");
    }
    // The same field edited on both: the later edit wins on both desks.
    a.ok(&["customer", "edit", &id, "--notes", "dari kasir 1"]);
    b.ok(&["customer", "edit", &id, "--notes", "dari kasir 2"]);
    a.sync();
    b.sync();
    a.sync();
    assert_eq!(a.customer(&id)["notes"], "dari kasir 2");
    assert_eq!(b.customer(&id)["notes"], "dari kasir 2");

    // A deletes; B edits the name before it hears of it: still deleted on both.
    a.ok(&["customer", "delete", &id]);
    b.ok(&["customer", "edit", &id, "--name", "Budi S."]);
    a.sync();
    b.sync();
    a.sync();
    for desk in [&a, &b] {
        let c = desk.customer(&id);
        assert_eq!(c["status"], "deleted", "{c}");
        assert_eq!(c["name"], "Budi S.", "{c}");
    }

    // The token is never printed.
    let token: String = rusqlite::Connection::open(&a.db)
        .unwrap()
        .query_row("SELECT token FROM sync_state", [], |r| r.get(0))
        .unwrap();
    let status = a.text(&["sync", "status"]);
    let json = a.ok(&["sync", "status"]).to_string();
    assert!(!status.contains(&token) && !json.contains(&token));
    assert!(
        status.contains("Net Maju") && status.contains("pending changes: 0"),
        "{status}"
    );

    // The devices; a revoked desk gets no more data.
    let devices = a.ok(&["sync", "devices"]);
    assert_eq!(devices["devices"].as_array().unwrap().len(), 2, "{devices}");
    let b_device = b.ok(&["sync", "status"])["device_id"]
        .as_str()
        .unwrap()
        .to_owned();
    a.ok(&["sync", "revoke", &b_device]);
    let e = b.err(&["sync", "now"], 1);
    assert_eq!(e["code"], "sync_refused");
    assert!(
        e["message"].as_str().unwrap().contains("unauthorized"),
        "{e}"
    );

    // The server stops: A's change waits, the round says why, nothing is lost.
    drop(server);
    a.add("Sari", "0813-1111-2222");
    let e = a.err(&["sync", "now"], 1);
    assert_eq!(e["code"], "sync_unreachable", "{e}");
    let status = a.ok(&["sync", "status"]);
    assert!(status["pending"].as_u64().unwrap() >= 2, "{status}");
    assert!(
        status["last_error"]
            .as_str()
            .unwrap()
            .contains("did not answer"),
        "{status}"
    );
    // Back on the same file and address: the waiting changes go out.
    let _server = serve(&database, port);
    let report = a.sync();
    assert!(report["pushed"].as_u64().unwrap() >= 2, "{report}");
    let status = a.ok(&["sync", "status"]);
    assert_eq!(status["pending"], 0, "{status}");
    assert!(status["last_error"].is_null(), "{status}");
}

/// One WhatsApp number made offline on two desks: both keep both customers,
/// `customer duplicates` shows the same conflict id on each, `sync status`
/// counts it, and `customer merge` on one desk resolves it on both.
#[test]
fn one_number_made_on_two_desks_is_a_conflict_that_a_merge_resolves_everywhere() {
    let server_dir = tempfile::tempdir().unwrap();
    let database = server_dir.path().join("sync.db").display().to_string();
    let (code_a, code_b) = (invite(&database), invite(&database));
    let server = serve(&database, free_port());
    let (a, b) = (Shop::new(), Shop::new());
    a.ok(&["sync", "pair", &server.url, &code_a]);
    b.ok(&["sync", "pair", &server.url, &code_b]);

    let keep = a.add("Sari", "0812-3456-7890")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    a.ok(&[
        "balance",
        "credit",
        &keep,
        "100000",
        "--description",
        "Deposit",
    ]);
    let other = b.add("Sari W", "0812 3456 7890")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.ok(&["customer", "edit", &other, "--email", "sari@example.com"]);
    b.ok(&[
        "balance",
        "credit",
        &other,
        "25000",
        "--description",
        "Deposit",
    ]);
    a.sync();
    b.sync();
    a.sync();
    let (da, db) = (
        a.ok(&["customer", "duplicates"]),
        b.ok(&["customer", "duplicates"]),
    );
    assert_eq!(da.as_array().unwrap().len(), 1, "{da}");
    assert_eq!(da[0]["conflict_id"], db[0]["conflict_id"]);
    assert_eq!(da[0]["whatsapp"], "+6281234567890");
    let ids = |d: &serde_json::Value| -> Vec<String> {
        d[0]["customers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&da), ids(&db));
    assert_eq!(ids(&da), [keep.clone(), other.clone()]);
    assert_eq!(b.ok(&["sync", "status"])["conflicts"], 1);
    let text = a.text(&["customer", "duplicates"]);
    assert!(
        text.contains("+6281234567890") && text.contains("Sari W"),
        "{text}"
    );
    assert!(a.text(&["sync", "status"]).contains("conflicts: 1"));

    // A field the customer does not have is refused before anything moves.
    a.refused(
        &["customer", "merge", &keep, &other, "--take", "email,umur"],
        "validation",
        Some("take"),
    );
    a.refused(
        &["customer", "merge", &keep, &keep],
        "validation",
        Some("other"),
    );
    let kept = a.ok(&["customer", "merge", &keep, &other, "--take", "email"]);
    assert_eq!(kept["id"], keep.as_str());
    assert_eq!(kept["name"], "Sari");
    assert_eq!(kept["email"], "sari@example.com");
    assert_eq!(kept["balance"], "125000.00");
    a.sync();
    b.sync();
    for desk in [&a, &b] {
        assert_eq!(desk.ok(&["customer", "duplicates"]), serde_json::json!([]));
        assert_eq!(desk.customer(&keep)["balance"], "125000.00");
        assert_eq!(desk.customer(&other)["status"], "deleted");
        let history = desk.ok(&["balance", "history", &keep]);
        assert_eq!(history.as_array().unwrap().len(), 2, "{history}");
        assert_eq!(desk.ok(&["sync", "status"])["conflicts"], 0);
    }
}

/// A desk put back from an old backup, found by the epoch beside its file.
#[test]
fn a_desk_restored_from_an_old_backup_recovers_and_nothing_made_after_it_is_lost() {
    restored_desk(true);
}

/// The same with the sidecar gone too: found by the server's record of what
/// the device pushed, which the restored file does not hold.
#[test]
fn a_restore_without_its_epoch_file_is_found_by_the_servers_record() {
    restored_desk(false);
}

fn restored_desk(keep_epoch_file: bool) {
    let server_dir = tempfile::tempdir().unwrap();
    let database = server_dir.path().join("sync.db").display().to_string();
    let (code_a, code_b) = (invite(&database), invite(&database));
    let server = serve(&database, free_port());
    let (a, b) = (Shop::new(), Shop::new());
    a.ok(&["sync", "pair", &server.url, &code_a, "--name", "kasir-1"]);
    b.ok(&["sync", "pair", &server.url, &code_b, "--name", "kasir-2"]);
    let epoch_file = a.path(&format!(
        "{}.sync-epoch",
        a.db.file_name().unwrap().to_string_lossy()
    ));
    assert!(
        epoch_file.exists(),
        "pairing writes the epoch beside the file"
    );

    let budi = a.add("Budi", "0812-3456-7890")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    a.sync();
    let old_id = a.ok(&["sync", "status"])["device_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let backup = a.path("old-backup.db");
    a.ok(&["backup", &backup.display().to_string()]);

    // After the backup: a customer and a credit, pushed.
    let sari = a.add("Sari", "0813-1111-2222")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    a.ok(&[
        "balance",
        "credit",
        &sari,
        "50000",
        "--description",
        "Deposit",
    ]);
    a.sync();

    // The old copy is put back over the file (no process holds it).
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(a.path(&format!(
            "{}{suffix}",
            a.db.file_name().unwrap().to_string_lossy()
        )));
    }
    std::fs::copy(&backup, &a.db).unwrap();
    if !keep_epoch_file {
        std::fs::remove_file(&epoch_file).unwrap();
    }
    assert_eq!(a.total(), 1, "the old copy holds Budi only");

    // An edit before the next round.
    let wati = a.add("Wati", "0814-2222-3333")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let made_by: String = rusqlite::Connection::open(&a.db)
        .unwrap()
        .query_row(
            "SELECT d.device_id FROM change_log c JOIN devices d ON d.id = c.device
             WHERE c.entity = 'customer' ORDER BY c.seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let status = a.ok(&["sync", "status"]);
    if keep_epoch_file {
        // Found on opening the file, before the edit: the edit has a new id.
        assert_ne!(made_by, old_id);
        assert_eq!(status["device_id"], made_by.as_str(), "{status}");
        assert_eq!(status["restored_from"], old_id.as_str(), "{status}");
        assert_eq!(status["recovery_pending"], true, "{status}");
        assert!(
            a.text(&["sync", "status"])
                .contains("the next `sync now` tells the server"),
        );
    } else {
        // Nothing beside the file to tell: the server's record will.
        assert_eq!(made_by, old_id);
        assert!(status["restored_at"].is_null(), "{status}");
    }

    let report = a.sync();
    assert_eq!(report["replaced_device"], old_id.as_str(), "{report}");
    let status = a.ok(&["sync", "status"]);
    let new_id = status["device_id"].as_str().unwrap().to_owned();
    assert_ne!(new_id, old_id);
    assert_eq!(status["restored_from"], old_id.as_str(), "{status}");
    assert_eq!(status["recovery_pending"], false, "{status}");
    assert!(status["recovered_at"].is_string(), "{status}");
    assert_eq!(status["pending"], 0, "{status}");
    let text = a.text(&["sync", "status"]);
    assert!(
        text.contains("restored from a backup") && text.contains(&old_id),
        "{text}"
    );
    // Nothing made after the backup is lost.
    assert_eq!(a.customer(&budi)["name"], "Budi");
    assert_eq!(a.customer(&sari)["name"], "Sari");
    assert_eq!(a.customer(&sari)["balance"], "50000.00");
    assert_eq!(a.customer(&wati)["name"], "Wati");
    // A later edit carries the new id, and reaches B with the rest, once.
    a.ok(&["customer", "edit", &sari, "--notes", "after the restore"]);
    a.sync();
    assert_eq!(a.sync()["pushed"], 0);
    b.sync();
    assert_eq!(b.customer(&budi)["name"], "Budi");
    assert_eq!(b.customer(&wati)["name"], "Wati");
    let s = b.customer(&sari);
    assert_eq!(
        (&s["balance"], &s["notes"]),
        (&"50000.00".into(), &"after the restore".into()),
        "{s}"
    );
    let history = b.ok(&["balance", "history", &sari]);
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    assert_eq!(b.total(), 3);

    // The server lists the new device; the old one is replaced by it.
    let devices = b.ok(&["sync", "devices"]);
    let list = devices["devices"].as_array().unwrap();
    assert_eq!(list.len(), 3, "{devices}");
    let old = list
        .iter()
        .find(|d| d["device_id"] == old_id.as_str())
        .unwrap();
    assert_eq!(old["replaced_by"], new_id.as_str(), "{devices}");
    assert!(list.iter().any(|d| d["device_id"] == new_id.as_str()));
    // The restored file's epoch is written again: the next open is quiet.
    assert!(epoch_file.exists());
    assert_eq!(a.ok(&["sync", "status"])["device_id"], new_id.as_str());
    a.add("Tono", "0815-3333-4444");
    assert_eq!(a.ok(&["sync", "status"])["device_id"], new_id.as_str());
}
