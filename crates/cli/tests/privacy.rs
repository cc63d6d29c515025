//! `pelanggan privacy anonymise|delete` clear the file of the customer's
//! values and name the older copies that still hold them; `customer delete`
//! and `privacy anonymise` of a customer with live subscriptions are refused.

mod common;

use std::path::Path;

use common::Shop;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Which of `values` are somewhere in the bytes of the files (that exist).
fn found(files: &[&Path], values: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for file in files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        for v in values {
            if bytes.windows(v.len()).any(|w| w == v.as_bytes()) {
                out.push(format!("{v} in {}", file.display()));
            }
        }
    }
    out
}

#[test]
fn privacy_erasures_clear_the_file_and_name_the_older_copies() {
    let shop = Shop::new();
    let values = [
        "Zulkarnaen",
        "zulkarnaen.q@contoh.id",
        "6281298765432",
        "Jalan Kenanga Tujuh",
    ];
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Zulkarnaen Qwibisono",
        "--whatsapp",
        "0812-9876-5432",
        "--email",
        "zulkarnaen.q@contoh.id",
        "--address",
        "Jalan Kenanga Tujuh",
    ]);
    shop.add("Sari", "0813-1111-2222");
    for k in 0..30 {
        shop.ok(&[
            "balance",
            "credit",
            "1",
            &format!("{}", 100 + k),
            "--description",
            "x",
        ]);
    }
    // A daily backup taken before: it holds the customer.
    let daily = shop.ok(&["backup", "--auto"]);
    let daily = daily["made"]["file"].as_str().unwrap().to_owned();
    let wal = shop.path("shop.db-wal");
    assert!(!found(&[&shop.db, &wal], &values).is_empty());

    let text = shop.text(&["privacy", "anonymise", "1", "--yes"]);
    assert!(
        text.contains("gone from the database file and its WAL")
            && text.contains("older copies still hold this customer")
            && text.contains("pelanggan-"),
        "{text}"
    );
    let left = found(&[&shop.db, &wal], &values);
    assert!(left.is_empty(), "{left:?}");
    let later = shop.path("later.db");
    shop.ok(&["backup", s(&later)]);
    assert!(found(&[&later], &values).is_empty());
    assert!(!found(&[Path::new(&daily)], &values).is_empty());

    // The JSON names them too; a delete of the other customer likewise.
    let erased = shop.ok(&["privacy", "delete", "2", "--yes"]);
    assert_eq!(erased["file"]["wal_cleared"], true);
    let copies = erased["file"]["older_copies"].as_array().unwrap();
    assert!(
        copies.iter().any(|c| c
            .as_str()
            .unwrap()
            .ends_with(Path::new(&daily).file_name().unwrap().to_str().unwrap())),
        "{erased}"
    );
    assert!(found(&[&shop.db, &wal], &["Sari", "81311112222"]).is_empty());
}

#[test]
fn a_customer_with_live_subscriptions_is_not_deleted_or_anonymised() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    shop.ok(&[
        "subscription",
        "add",
        "1",
        "--type",
        "pppoe",
        "--username",
        "budi-pppoe",
        "--profile",
        "10M",
        "--price",
        "150000",
        "--start",
        "2026-01-01",
    ]);
    for args in [
        &["customer", "delete", "1"][..],
        &["privacy", "anonymise", "1", "--yes"][..],
    ] {
        let e = shop.err(args, 1);
        assert_eq!(e["code"], "customer_has_subscriptions", "{e}");
        assert!(e["message"].as_str().unwrap().contains("budi-pppoe"), "{e}");
    }
    assert_eq!(shop.customer("1")["name"], "Budi");
    shop.ok(&["subscription", "cancel", "budi-pppoe"]);
    shop.ok(&["customer", "delete", "1"]);
    shop.ok(&["customer", "restore", "1"]);
    let anon = shop.ok(&["privacy", "anonymise", "1", "--yes"]);
    assert_eq!(anon["name"], "Anonymous Customer");
}
