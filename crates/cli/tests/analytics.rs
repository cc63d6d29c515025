//! `pelanggan analytics` in both output modes, on a generated shop and on a
//! small one built through the billing commands.

mod common;

use common::Shop;

#[test]
fn analytics_of_a_generated_shop_in_both_modes() {
    let shop = Shop::new();
    shop.ok(&["gen", "--customers", "400", "--seed", "3"]);
    let all = shop.ok(&["analytics", "--range", "all"]);
    assert_eq!(all["from"], serde_json::Value::Null);
    assert!(all["new_customers"].as_u64().unwrap() >= 399, "{all}");
    assert!(all["active_subscribers"].as_u64().unwrap() > 100, "{all}");
    assert_eq!(all["top_by"], "revenue");
    assert_eq!(all["top"].as_array().unwrap().len(), 10);
    assert!(
        all["monthly"].as_array().unwrap().len() >= 36,
        "three years of months"
    );
    // Money is a decimal string, as everywhere in the CLI.
    assert!(all["revenue"].as_str().unwrap().contains('.'));
    let month = shop.ok(&["analytics"]);
    assert!(month["from"].is_string(), "30 days by default");
    assert!(
        month["revenue"].as_str().unwrap().parse::<f64>().unwrap()
            <= all["revenue"].as_str().unwrap().parse::<f64>().unwrap()
    );
    let top = shop.ok(&["analytics", "--range", "7d", "--top", "balance"]);
    let first = &top["top"][0];
    assert!(first["amount"].as_str().unwrap().starts_with('-'), "{top}");
    let subs = shop.ok(&["analytics", "--range", "1y", "--top", "subscriptions"]);
    assert_eq!(subs["top"][0]["subscriptions"], 1);
    let text = shop.text(&["analytics", "--range", "90d"]);
    for part in [
        "new customers",
        "churned",
        "monthly",
        "top customers by revenue",
        "popular tags",
    ] {
        assert!(text.contains(part), "{part} missing in\n{text}");
    }
}

#[test]
fn explicit_dates_and_bad_values() {
    let shop = Shop::new();
    let r = shop.ok(&["analytics", "--from", "2026-01-01", "--to", "2026-03-31"]);
    assert_eq!(r["from"], "2026-01-01");
    assert_eq!(r["to"], "2026-03-31");
    assert_eq!(r["monthly"].as_array().unwrap().len(), 3);
    assert_eq!(r["revenue"], "0.00");
    let e = shop.err(&["analytics", "--range", "2w"], 1);
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("validation"), Some("range"))
    );
    let e = shop.err(&["analytics", "--top", "price"], 1);
    assert_eq!(e["field"], "top");
    let e = shop.err(
        &["analytics", "--from", "2026-03-01", "--to", "2026-01-01"],
        1,
    );
    assert_eq!(e["field"], "from");
    let e = shop.err(
        &["analytics", "--from", "yesterday", "--to", "2026-01-01"],
        1,
    );
    assert_eq!(e["field"], "from");
    // --from without --to is a usage error.
    shop.err(&["analytics", "--from", "2026-01-01"], 2);
}

/// A shop in WIB: a payment at 06:05 on 11 March 2026 (23:05 UTC on the
/// 10th) is on the 11th in analytics, the balance history, the ledger export
/// and the customer list's created filters; tables show local time, JSON UTC.
#[test]
fn a_shop_in_jakarta_sees_its_own_days() {
    use pelanggan_core::billing::payments;
    use pelanggan_core::customers::{self, NewCustomer};

    let shop = Shop::new();
    let set = shop.ok(&["settings", "set", "time_zone", "asia/jakarta"]);
    assert_eq!(set["value"], "Asia/Jakarta");
    {
        let mut db = pelanggan_core::Db::open(&shop.db).unwrap();
        let at = "2026-03-10T23:05:00Z".parse().unwrap();
        db.write_at(None, at, |w| {
            let c = customers::add(
                w,
                NewCustomer {
                    name: "Budi Santoso".into(),
                    whatsapp: "0812-3456-7890".into(),
                    initial_balance: Some(pelanggan_core::Money::from_minor(5_000_000)),
                    ..NewCustomer::default()
                },
            )?;
            let amount = pelanggan_core::Money::from_minor(15_000_000);
            payments::record(w, &c.id, amount, payments::NewPayment::default())
        })
        .unwrap();
    }
    let day = ["--from", "2026-03-11", "--to", "2026-03-11"];
    let r = shop.ok(&[&["analytics"][..], &day].concat());
    assert_eq!(r["time_zone"], "Asia/Jakarta");
    assert_eq!(
        (r["revenue"].as_str(), r["payments"].as_u64()),
        (Some("150000.00"), Some(1))
    );
    assert_eq!(r["new_customers"], 1);
    let before = shop.ok(&["analytics", "--from", "2026-03-10", "--to", "2026-03-10"]);
    assert_eq!(before["payments"], 0);

    let history = shop.ok(&[&["balance", "history", "1"][..], &day].concat());
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{history}");
    assert_eq!(
        entries[0]["created_at"], "2026-03-10T23:05:00.000Z",
        "JSON stays UTC"
    );
    let table = shop.text(&["balance", "history", "1"]);
    assert!(table.contains("2026-03-11 06:05 WIB"), "{table}");
    assert!(!table.contains("23:05"), "{table}");

    let file = shop.path("ledger.csv");
    let file = file.to_str().unwrap();
    let exported = shop.ok(&[&["export", "ledger", file][..], &day].concat());
    assert_eq!(exported["rows"], 2);

    let listed = shop.ok(&[
        "customer",
        "list",
        "--created-from",
        "2026-03-11",
        "--created-to",
        "2026-03-11",
    ]);
    assert_eq!(listed["total"], 1);
    let listed = shop.ok(&["customer", "list", "--created-to", "2026-03-10"]);
    assert_eq!(listed["total"], 0);
    let shown = shop.text(&["customer", "show", "1"]);
    assert!(shown.contains("2026-03-11 06:05 WIB by admin"), "{shown}");

    let e = shop.err(&["settings", "set", "time_zone", "Mars/Olympus"], 1);
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("validation"), Some("value"))
    );
}

/// `invoice issue-due` without --date bills up to today in the shop's zone:
/// 14 hours ahead of UTC or 11 behind are never on the same date.
#[test]
fn issue_due_defaults_to_the_shops_today() {
    use pelanggan_core::days::ShopZone;

    let shop = Shop::new();
    shop.add("Budi Santoso", "0812-3456-7890");
    let ahead = ShopZone::parse("Pacific/Kiritimati").unwrap().today();
    let start = ahead.format("%Y-%m-%d").to_string();
    shop.ok(&["settings", "set", "time_zone", "Pacific/Pago_Pago"]);
    shop.ok(&[
        "subscription",
        "add",
        "1",
        "--type",
        "pppoe",
        "--username",
        "budi",
        "--profile",
        "10M",
        "--price",
        "100000",
        "--start",
        &start,
    ]);
    let issued = shop.ok(&["invoice", "issue-due"]);
    assert_eq!(
        issued.as_array().unwrap().len(),
        0,
        "not yet due in Pago Pago"
    );
    shop.ok(&["settings", "set", "time_zone", "Pacific/Kiritimati"]);
    let issued = shop.ok(&["invoice", "issue-due"]);
    assert_eq!(
        issued.as_array().unwrap().len(),
        1,
        "due today in Kiritimati"
    );
}

/// Vouchers sold over the counter are revenue, shown apart.
#[test]
fn walk_in_voucher_sales_in_analytics() {
    let shop = Shop::new();
    shop.ok(&[
        "voucher",
        "add",
        "HS-1",
        "--profile",
        "1 day",
        "--price",
        "5000",
    ]);
    shop.ok(&["voucher", "sell", "HS-1"]);
    let r = shop.ok(&["analytics", "--range", "7d"]);
    assert_eq!(r["revenue"], "5000.00");
    assert_eq!(r["voucher_sales"], "5000.00");
    assert_eq!(r["vouchers_sold"], 1);
    assert_eq!(r["payments"], 0);
    let text = shop.text(&["analytics", "--range", "7d"]);
    assert!(text.contains("walk-in voucher sales"), "{text}");
}
