//! The commands that read and write files: import, export, backup, restore,
//! privacy; each in both output modes, and an import killed mid-way.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use common::Shop;
use serde_json::Value;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn import_and_export_customers() {
    let shop = Shop::new();
    let csv = shop.path("in.csv");
    std::fs::write(
        &csv,
        "Nama;No HP;Saldo;Label\nBudi;0812-3456-7890;Rp 150.000;VIP\nBad;12345;;\nSari;0813 1111 2222;-25.000;\n",
    )
    .unwrap();
    let rejected = shop.path("rejected.csv");
    let dry = shop.ok(&["import", "customers", s(&csv), "--dry-run"]);
    assert_eq!(
        (dry["imported"].as_u64(), dry["dry_run"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(shop.total(), 0);

    let summary = shop.ok(&["import", "customers", s(&csv), "--errors", s(&rejected)]);
    assert_eq!(
        (summary["imported"].as_u64(), summary["rejected"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(summary["errors"][0]["line"], 3);
    assert_eq!(summary["errors"][0]["code"], "invalid_whatsapp");
    assert!(
        std::fs::read_to_string(&rejected)
            .unwrap()
            .contains("Bad;12345;;;invalid_whatsapp")
    );
    assert_eq!(
        shop.ok(&["customer", "show", "0812-3456-7890"])["balance"],
        "150000.00"
    );

    let text = shop.text(&["import", "customers", s(&csv), "--on-duplicate", "skip"]);
    assert!(
        text.contains("0 imported, 0 updated, 2 skipped, 1 rejected"),
        "{text}"
    );
    assert_eq!(
        shop.err(
            &["import", "customers", s(&csv), "--on-duplicate", "maybe"],
            1
        )["field"],
        "on_duplicate"
    );
    assert_eq!(
        shop.err(&["import", "customers", s(&csv), "--map", "x"], 1)["field"],
        "map"
    );

    let out = shop.path("out.csv");
    let e = shop.ok(&["export", "customers", s(&out)]);
    assert_eq!(e["rows"], 2);
    let body = std::fs::read_to_string(&out).unwrap();
    assert!(body.starts_with("id,name,whatsapp,"));
    assert!(body.contains(",Budi,'+6281234567890,"));
    let filtered = shop.path("debt.csv");
    assert_eq!(
        shop.ok(&["export", "customers", s(&filtered), "--balance", "debt"])["rows"],
        1
    );
    assert!(
        std::fs::read_to_string(&filtered)
            .unwrap()
            .contains(",Sari,")
    );
    let excel = shop.path("excel.csv");
    assert!(
        shop.text(&["export", "customers", s(&excel), "--excel"])
            .contains("2 rows written")
    );
    assert!(
        std::fs::read_to_string(&excel)
            .unwrap()
            .starts_with("\u{feff}id;name;")
    );
    let ledger = shop.path("ledger.csv");
    assert_eq!(
        shop.ok(&["export", "ledger", s(&ledger), "--from", "2020-01-01"])["rows"],
        2
    );
    assert_eq!(
        shop.err(&["export", "ledger", s(&ledger), "--from", "kemarin"], 1)["field"],
        "from"
    );
}

#[test]
fn backup_restore_and_daily_backups() {
    let shop = Shop::new();
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Budi",
        "--whatsapp",
        "0812-3456-7890",
    ]);
    let copy = shop.path("copy.db");
    let b = shop.ok(&["backup", s(&copy)]);
    assert!(b["bytes"].as_u64().unwrap() > 0);
    assert_eq!(shop.err(&["backup", s(&copy)], 1)["code"], "file_exists");
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Sari",
        "--whatsapp",
        "0813-1111-2222",
    ]);

    let r = shop.ok(&["restore", s(&copy)]);
    assert_eq!(shop.total(), 1);
    assert!(Path::new(r["previous_kept_at"].as_str().unwrap()).exists());
    let junk = shop.path("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    assert_eq!(
        shop.err(&["restore", s(&junk)], 1)["code"],
        "invalid_backup"
    );
    assert_eq!(shop.total(), 1);

    let dir = shop.path("daily");
    let first = shop.ok(&["backup", "--auto", "--dir", s(&dir), "--keep", "3"]);
    assert!(
        first["made"]["file"]
            .as_str()
            .unwrap()
            .contains("pelanggan-")
    );
    let again = shop.text(&["backup", "--auto", "--dir", s(&dir)]);
    assert!(again.contains("already exists"), "{again}");
}

#[test]
fn privacy_requests() {
    let shop = Shop::new();
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Budi",
        "--whatsapp",
        "0812-3456-7890",
        "--email",
        "budi@x.id",
    ]);
    shop.ok(&["balance", "debit", "1", "5000", "--description", "paket"]);
    let file = shop.path("budi.json");
    shop.ok(&["privacy", "export", "1", s(&file)]);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(doc["customer"]["email"], "budi@x.id");

    assert_eq!(
        shop.err(&["privacy", "anonymise", "1"], 1)["code"],
        "confirmation_required"
    );
    assert_eq!(shop.ok(&["customer", "show", "1"])["name"], "Budi");
    let anon = shop.ok(&["privacy", "anonymise", "1", "--yes"]);
    assert_eq!(anon["email"], Value::Null);
    assert_eq!(anon["balance"], "-5000.00");

    assert_eq!(
        shop.err(&["privacy", "delete", "1", "--yes"], 1)["code"],
        "conflict"
    );
    assert_eq!(
        shop.err(&["privacy", "delete", "1"], 1)["code"],
        "confirmation_required"
    );
    let text = shop.text(&["privacy", "delete", "1", "--yes", "--force"]);
    assert!(text.contains("erased"), "{text}");
    assert_eq!(shop.err(&["customer", "show", "1"], 1)["code"], "not_found");
}

#[test]
fn an_import_killed_mid_way_leaves_the_database_as_before() {
    let shop = Shop::new();
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Lama",
        "--whatsapp",
        "0899-0000-1111",
    ]);
    let csv = shop.path("big.csv");
    let mut body = String::from("name,whatsapp,tags\n");
    for i in 0..60_000 {
        body.push_str(&format!("Pelanggan {i},0812{:08},Baru\n", 10_000_000 + i));
    }
    std::fs::write(&csv, body).unwrap();

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("pelanggan"))
        .arg("--db")
        .arg(&shop.db)
        .args(["import", "customers", s(&csv), "--json"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the import has written a good part of its transaction to the WAL.
    let wal = shop.db.with_file_name("shop.db-wal");
    let started = Instant::now();
    while std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0) < 2_000_000 {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import finished before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the import never got going"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(shop.total(), 1);
    assert_eq!(shop.ok(&["tag", "list"]).as_array().unwrap().len(), 0);
    assert_eq!(
        shop.ok(&["customer", "show", "0899-0000-1111"])["name"],
        "Lama"
    );
}
