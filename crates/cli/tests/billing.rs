//! `pelanggan subscription|invoice|payment|voucher`: every billing command in
//! both output modes, the issue's worked example end to end, and the bad
//! inputs with their error codes, against a real database file.

mod common;

use common::Shop;
use serde_json::Value;

impl Shop {
    fn balance(&self, reference: &str) -> Value {
        self.customer(reference)["balance"].clone()
    }

    fn invoice(&self, number: &str) -> Value {
        self.ok(&["invoice", "show", number])
    }

    /// (status, amount allocated, amount due) of an invoice.
    fn state(&self, number: &str) -> (String, String, String) {
        let i = self.invoice(number);
        (
            i["status"].as_str().unwrap().to_owned(),
            i["amount_allocated"].as_str().unwrap().to_owned(),
            i["amount_due"].as_str().unwrap().to_owned(),
        )
    }

    /// Issues what is due up to `date`; returns the invoice numbers.
    fn issue(&self, date: &str) -> Vec<String> {
        let issued = self.ok(&["invoice", "issue-due", "--date", date]);
        issued
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["number"].as_str().unwrap().to_owned())
            .collect()
    }

    fn subscribe(&self, customer: &str, username: &str, price: &str, start: &str) -> Value {
        self.ok(&subscribe_args(customer, username, price, start))
    }
}

/// `subscription add` of a monthly PPPoE subscription.
fn subscribe_args<'a>(
    customer: &'a str,
    username: &'a str,
    price: &'a str,
    start: &'a str,
) -> [&'a str; 13] {
    [
        "subscription",
        "add",
        customer,
        "--type",
        "pppoe",
        "--username",
        username,
        "--profile",
        "10 Mbps",
        "--price",
        price,
        "--start",
        start,
    ]
}

fn state(status: &str, allocated: &str, due: &str) -> (String, String, String) {
    (status.to_owned(), allocated.to_owned(), due.to_owned())
}

/// (type, amount) of the ledger entries, oldest first.
fn ledger(shop: &Shop, customer: &str) -> Vec<(String, String)> {
    let history = shop.ok(&["balance", "history", customer]);
    let mut entries: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["amount"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    entries.reverse();
    entries
}

fn entry(kind: &str, amount: &str) -> (String, String) {
    (kind.to_owned(), amount.to_owned())
}

#[test]
fn the_worked_example_through_the_cli() {
    let shop = Shop::new();
    shop.add("Budi Santoso", "0812-3456-7890");
    // The customer by its local number (a WhatsApp number works too, see below).
    let budi = "1";
    shop.subscribe(budi, "budi-pppoe", "150000", "2026-01-01");

    // issue INV1 150.000: debit 150.000, balance -150.000, INV1 unpaid.
    assert_eq!(shop.issue("2026-01-01"), ["INV-2026-000001"]);
    let inv1 = "INV-2026-000001";
    assert_eq!(shop.balance(budi), "-150000.00");
    assert_eq!(shop.state(inv1), state("unpaid", "0.00", "150000.00"));
    assert_eq!(ledger(&shop, budi), [entry("debit", "150000.00")]);
    // Running it twice issues nothing new.
    assert!(shop.issue("2026-01-01").is_empty());
    assert!(shop.issue("2026-01-31").is_empty());
    let text = shop.text(&["invoice", "issue-due", "--date", "2026-01-31"]);
    assert!(text.contains("no invoices due up to 2026-01-31"), "{text}");

    // pay 100.000 on INV1: credit 100.000, balance -50.000, INV1 partial (100.000).
    let p1 = shop.ok(&[
        "payment",
        "record",
        "+62 812-3456-7890",
        "100000",
        "--invoice",
        inv1,
    ]);
    assert_eq!(p1["invoice_number"], inv1);
    assert_eq!(
        p1["allocations"],
        serde_json::json!([{"invoice_number": inv1, "amount": "100000.00"}])
    );
    assert_eq!(shop.balance(budi), "-50000.00");
    assert_eq!(shop.state(inv1), state("partial", "100000.00", "50000.00"));

    // issue INV2 150.000: balance -200.000; INV2 unpaid, carries 50.000 from
    // INV1; amount due 200.000.
    let text = shop.text(&["invoice", "issue-due", "--date", "2026-02-01"]);
    assert!(
        text.contains("INV-2026-000002") && text.contains("Rp 200.000"),
        "{text}"
    );
    let inv2 = "INV-2026-000002";
    assert_eq!(shop.balance(budi), "-200000.00");
    let i2 = shop.invoice(inv2);
    assert_eq!(i2["status"], "unpaid");
    assert_eq!(
        i2["total"], "150000.00",
        "the carried debt is not debited twice"
    );
    assert_eq!(i2["carried_from"], serde_json::json!([inv1]));
    assert_eq!(i2["carried_amount"], "50000.00");
    assert_eq!(i2["amount_due"], "200000.00");
    let text = shop.text(&["invoice", "show", inv2]);
    assert!(
        text.contains("Rp 50.000 from INV-2026-000001") && text.contains("Rp 200.000"),
        "{text}"
    );

    // pay 200.000: balance 0, INV1 paid, INV2 paid.
    let text = shop.text(&["payment", "record", budi, "200000"]);
    assert!(
        text.contains("Rp 200.000") && text.contains("INV-2026-000001 Rp 50.000"),
        "{text}"
    );
    assert_eq!(shop.balance(budi), "0.00");
    assert_eq!(shop.state(inv1), state("paid", "150000.00", "0.00"));
    assert_eq!(shop.state(inv2), state("paid", "150000.00", "0.00"));

    // issue INV3 150.000, pay 180.000: debit 150.000; credit 150.000 +
    // carry_over 30.000; balance +30.000; INV3 paid.
    assert_eq!(shop.issue("2026-03-01"), ["INV-2026-000003"]);
    let inv3 = "INV-2026-000003";
    assert_eq!(shop.invoice(inv3)["carried_from"], serde_json::json!([]));
    let p3 = shop.ok(&[
        "payment",
        "record",
        budi,
        "180000",
        "--method",
        "bank_transfer",
    ]);
    assert_eq!(p3["credit"], "30000.00");
    assert_eq!(p3["method"], "bank_transfer");
    assert_eq!(shop.balance(budi), "30000.00");
    assert_eq!(shop.state(inv3), state("paid", "150000.00", "0.00"));
    let history = shop.ok(&["balance", "history", budi, "--type", "carry_over"]);
    assert_eq!(history[0]["amount"], "30000.00");
    assert_eq!(history[0]["reference_type"], "invoice");
    assert_eq!(history[0]["reference_id"], shop.invoice(inv3)["id"]);

    // issue INV4 150.000: debit 150.000, balance -120.000, INV4 partial (30.000 from credit).
    assert_eq!(shop.issue("2026-04-01"), ["INV-2026-000004"]);
    let inv4 = "INV-2026-000004";
    assert_eq!(shop.balance(budi), "-120000.00");
    assert_eq!(shop.state(inv4), state("partial", "30000.00", "120000.00"));
    assert_eq!(
        ledger(&shop, budi),
        [
            entry("debit", "150000.00"),
            entry("credit", "100000.00"),
            entry("debit", "150000.00"),
            entry("credit", "200000.00"),
            entry("debit", "150000.00"),
            entry("credit", "150000.00"),
            entry("carry_over", "30000.00"),
            entry("debit", "150000.00"),
        ]
    );

    // The 180.000 payment now pays INV3 and 30.000 of INV4.
    let p3 = shop.ok(&["payment", "list", "--customer", budi, "--limit", "1"]);
    assert_eq!(
        p3[0]["allocations"],
        serde_json::json!([
            {"invoice_number": inv3, "amount": "150000.00"},
            {"invoice_number": inv4, "amount": "30000.00"},
        ])
    );
    assert_eq!(p3[0]["credit"], "0.00");
    let c = shop.customer(budi);
    assert_eq!(c["total_spent"], "480000.00");
    assert_eq!(c["subscription_count"], 1);

    let open = shop.ok(&["invoice", "list", "--open"]);
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["number"], inv4);
    let text = shop.text(&["invoice", "list", "--customer", budi]);
    for number in [inv1, inv2, inv3, inv4] {
        assert!(text.contains(number), "{text}");
    }
    assert!(
        text.contains("partial") && text.contains("Rp 120.000"),
        "{text}"
    );
}

#[test]
fn subscriptions_add_edit_suspend_resume_cancel_list() {
    let shop = Shop::new();
    shop.add("Ani", "0813-1111-2222");
    shop.add("Budi", "0813-3333-4444");

    let text = shop.text(&[
        "subscription",
        "add",
        "1",
        "--type",
        "hotspot",
        "--username",
        "ani-hs",
        "--profile",
        "Harian 5K",
        "--price",
        "5000",
        "--cycle",
        "daily",
        "--start",
        "2026-01-10",
    ]);
    assert!(
        text.contains("ani-hs") && text.contains("Rp 5.000") && text.contains("daily"),
        "{text}"
    );
    let s = shop.subscribe("2", "budi-pppoe", "150000", "2026-01-01");
    assert_eq!(s["type"], "pppoe");
    assert_eq!(s["cycle"], "monthly", "monthly by default");
    assert_eq!(s["price"], "150000.00");
    assert_eq!(s["start_date"], "2026-01-01");
    assert_eq!(s["next_billing_date"], "2026-01-01");
    assert_eq!(s["status"], "active");
    assert_eq!(s["customer_name"], "Budi");
    assert_eq!(shop.customer("2")["subscription_count"], 1);

    // Edit by username; the weekly cycle counts from the next billing date.
    let e = shop.ok(&[
        "subscription",
        "edit",
        "budi-pppoe",
        "--price",
        "175000.50",
        "--profile",
        "20 Mbps",
        "--cycle",
        "weekly",
        "--type",
        "hotspot",
        "--username",
        "budi-20",
    ]);
    assert_eq!(
        (
            &e["price"],
            &e["profile"],
            &e["cycle"],
            &e["type"],
            &e["username"]
        ),
        (
            &Value::from("175000.50"),
            &Value::from("20 Mbps"),
            &Value::from("weekly"),
            &Value::from("hotspot"),
            &Value::from("budi-20")
        )
    );
    let text = shop.text(&["subscription", "edit", "budi-20", "--type", "pppoe"]);
    assert!(
        text.contains("pppoe") && text.contains("Rp 175.000,50"),
        "{text}"
    );

    // Suspended: not billed; resumed from the first period on or after --date.
    let s = shop.ok(&["subscription", "suspend", "budi-20"]);
    assert_eq!(s["status"], "suspended");
    let issued = shop.ok(&["invoice", "issue-due", "--date", "2026-01-10"]);
    assert_eq!(issued.as_array().unwrap().len(), 1, "only Ani's is billed");
    assert_eq!(issued[0]["subscription_username"], "ani-hs");
    assert_eq!(
        shop.ok(&["subscription", "list", "--status", "suspended"])[0]["username"],
        "budi-20"
    );
    shop.refused(&["subscription", "suspend", "budi-20"], "conflict", None);
    let s = shop.ok(&["subscription", "resume", "budi-20", "--date", "2026-01-20"]);
    assert_eq!(s["status"], "active");
    assert_eq!(s["next_billing_date"], "2026-01-22");
    shop.refused(&["subscription", "resume", "budi-20"], "conflict", None);
    let text = shop.text(&["subscription", "suspend", "2"]);
    assert!(text.contains("suspended"), "{text}");
    let text = shop.text(&["subscription", "resume", "2", "--date", "2026-01-22"]);
    assert!(
        text.contains("active") && text.contains("2026-01-22"),
        "{text}"
    );

    // Cancel: hidden from the list unless asked, frees the username.
    let c = shop.ok(&["subscription", "cancel", "budi-20"]);
    assert_eq!(c["status"], "cancelled");
    assert_eq!(shop.customer("2")["subscription_count"], 0);
    shop.refused(&["subscription", "cancel", "budi-20"], "conflict", None);
    shop.refused(
        &["subscription", "edit", "budi-20", "--price", "1000"],
        "conflict",
        None,
    );
    let live = shop.ok(&["subscription", "list"]);
    assert_eq!(live.as_array().unwrap().len(), 1);
    assert_eq!(live[0]["username"], "ani-hs");
    let all = shop.ok(&["subscription", "list", "--include-cancelled"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
    let budi = shop.ok(&[
        "subscription",
        "list",
        "--customer",
        "2",
        "--include-cancelled",
    ]);
    assert_eq!(budi[0]["status"], "cancelled");
    assert_eq!(
        shop.ok(&["subscription", "list", "--status", "cancelled"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let text = shop.text(&["subscription", "list", "--include-cancelled"]);
    assert!(
        text.contains("ani-hs") && text.contains("budi-20") && text.contains("cancelled"),
        "{text}"
    );
    let text = shop.text(&["subscription", "list", "--customer", "2"]);
    assert!(text.contains("no subscriptions"), "{text}");
    shop.subscribe("2", "budi-20", "100000", "2026-02-01");

    // Bad input: each refused with its code, nothing written.
    let base = |extra: &[&'static str]| {
        let mut args = vec![
            "subscription",
            "add",
            "1",
            "--type",
            "pppoe",
            "--username",
            "ani-2",
            "--profile",
            "P",
            "--start",
            "2026-01-01",
        ];
        args.extend_from_slice(extra);
        args
    };
    for (price, code) in [
        ("0", "invalid_amount"),
        ("-5", "invalid_amount"),
        ("0.500", "invalid_amount"),
        ("abc", "invalid_amount"),
        ("1000000000000", "overflow"),
    ] {
        shop.refused(&base(&["--price", price]), code, Some("price"));
    }
    shop.refused(
        &base(&["--price", "1", "--cycle", "yearly"]),
        "validation",
        Some("cycle"),
    );
    let mut bad_type = base(&["--price", "1"]);
    bad_type[4] = "fiber";
    shop.refused(&bad_type, "validation", Some("type"));
    let mut bad_date = base(&["--price", "1"]);
    bad_date[10] = "01/02/2026";
    shop.refused(&bad_date, "validation", Some("start"));
    let mut taken = base(&["--price", "1"]);
    taken[6] = "ani-hs";
    shop.refused(&taken, "duplicate_username", None);
    let mut unknown = base(&["--price", "1"]);
    unknown[2] = "99";
    shop.refused(&unknown, "not_found", None);
    shop.ok(&["customer", "edit", "1", "--status", "blacklisted"]);
    shop.refused(&base(&["--price", "1"]), "customer_not_billable", None);
    shop.refused(
        &["subscription", "edit", "budi-20", "--price", "-5"],
        "invalid_amount",
        Some("price"),
    );
    shop.refused(&["subscription", "suspend", "nobody"], "not_found", None);
    shop.refused(
        &["subscription", "resume", "budi-20", "--date", "2026-13-01"],
        "validation",
        Some("date"),
    );
    shop.refused(
        &["subscription", "list", "--status", "paused"],
        "validation",
        Some("status"),
    );
    assert_eq!(
        shop.ok(&["subscription", "list", "--include-cancelled"])
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let text = shop.text(&["subscription", "cancel", "budi-20"]);
    assert!(
        text.contains("budi-20") && text.contains("cancelled"),
        "{text}"
    );
    // Missing --start is a usage error.
    shop.err(
        &[
            "subscription",
            "add",
            "1",
            "--type",
            "pppoe",
            "--username",
            "x",
            "--profile",
            "P",
            "--price",
            "1",
        ],
        2,
    );
}

#[test]
fn invoices_list_show_void_and_prefix() {
    let shop = Shop::new();
    shop.add("Ani", "0813-1111-2222");
    shop.add("Budi", "0813-3333-4444");
    shop.subscribe("1", "ani", "100000", "2026-01-01");
    shop.subscribe("2", "budi", "150000", "2026-01-15");
    // Both subscriptions, period by period, oldest first.
    assert_eq!(
        shop.issue("2026-02-20"),
        [
            "INV-2026-000001",
            "INV-2026-000002",
            "INV-2026-000003",
            "INV-2026-000004"
        ]
    );
    assert!(shop.issue("2026-02-20").is_empty());

    let all = shop.ok(&["invoice", "list"]);
    assert_eq!(all.as_array().unwrap().len(), 4);
    assert_eq!(all[0]["number"], "INV-2026-000004", "newest first");
    let ani = shop.ok(&["invoice", "list", "--customer", "1"]);
    assert_eq!(ani.as_array().unwrap().len(), 2);
    assert!(
        ani.as_array()
            .unwrap()
            .iter()
            .all(|i| i["customer_name"] == "Ani")
    );
    let budi = shop.ok(&["invoice", "list", "--subscription", "budi", "--limit", "1"]);
    assert_eq!(budi.as_array().unwrap().len(), 1);
    assert_eq!(budi[0]["subscription_username"], "budi");
    assert_eq!(budi[0]["amount_due"], "300000.00");

    shop.ok(&["payment", "record", "1", "100000"]);
    let paid = shop.ok(&["invoice", "list", "--status", "paid"]);
    assert_eq!(paid.as_array().unwrap().len(), 1);
    assert_eq!(paid[0]["number"], "INV-2026-000001");
    assert_eq!(
        shop.ok(&["invoice", "list", "--open"])
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Void an unpaid invoice: the reversing credit brings the balance back.
    assert_eq!(shop.balance("2"), "-300000.00");
    let v = shop.ok(&["invoice", "void", "inv-2026-000004"]);
    assert_eq!(v["status"], "void");
    assert_eq!(v["amount_due"], "0.00");
    assert_eq!(v["voided_by"], "admin");
    assert_eq!(shop.balance("2"), "-150000.00");
    assert_eq!(
        shop.ok(&["invoice", "list", "--status", "void"])[0]["number"],
        "INV-2026-000004"
    );
    shop.refused(
        &["invoice", "void", "INV-2026-000004"],
        "already_void",
        None,
    );
    // A payment on a void invoice is refused, nothing written.
    shop.refused(
        &[
            "payment",
            "record",
            "2",
            "150000",
            "--invoice",
            "INV-2026-000004",
        ],
        "invoice_void",
        None,
    );
    assert_eq!(
        shop.ok(&["payment", "list", "--customer", "2"]),
        serde_json::json!([])
    );
    // An invoice with payments cannot be voided (refund first).
    shop.refused(
        &["invoice", "void", "INV-2026-000001"],
        "invoice_has_payments",
        None,
    );
    let text = shop.text(&["invoice", "void", "INV-2026-000003"]);
    assert!(
        text.contains("void") && text.contains("INV-2026-000003"),
        "{text}"
    );
    assert_eq!(shop.balance("1"), "0.00");
    assert_eq!(shop.balance("2"), "-150000.00");

    // Unknown invoice, customer, subscription; bad filters.
    shop.refused(&["invoice", "show", "INV-2026-999999"], "not_found", None);
    shop.refused(&["invoice", "void", "INV-2026-999999"], "not_found", None);
    shop.refused(&["invoice", "list", "--customer", "99"], "not_found", None);
    shop.refused(
        &["invoice", "list", "--subscription", "nobody"],
        "not_found",
        None,
    );
    shop.refused(
        &["invoice", "list", "--status", "overdue"],
        "validation",
        Some("status"),
    );
    shop.refused(
        &["invoice", "issue-due", "--date", "2026-02-30"],
        "validation",
        Some("date"),
    );

    let text = shop.text(&["invoice", "show", "INV-2026-000001"]);
    for value in [
        "INV-2026-000001",
        "Ani",
        "paid",
        "Rp 100.000",
        "2026-01-01 to 2026-02-01",
    ] {
        assert!(text.contains(value), "{value}: {text}");
    }
    let text = shop.text(&["invoice", "list", "--status", "void"]);
    assert!(
        text.contains("INV-2026-000003") && text.contains("INV-2026-000004"),
        "{text}"
    );
    let text = shop.text(&["invoice", "list", "--customer", "1", "--open"]);
    assert!(text.contains("no invoices"), "{text}");

    // The prefix is a setting.
    let s = shop.ok(&["settings", "set", "invoice_prefix", "TGH"]);
    assert_eq!(s["value"], "TGH");
    assert_eq!(shop.issue("2026-03-01"), ["TGH-2026-000005"]);
    // Without --date, today: everything up to now is issued, and again nothing.
    shop.ok(&["invoice", "issue-due"]);
    assert!(
        shop.ok(&["invoice", "issue-due"])
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn payments_record_refund_list_and_bad_input() {
    let shop = Shop::new();
    shop.add("Ani", "0813-1111-2222");
    shop.subscribe("1", "ani", "100000", "2026-01-01");
    shop.issue("2026-02-01");

    let p = shop.ok(&[
        "payment",
        "record",
        "1",
        "150000.50",
        "--method",
        "e-wallet",
        "--reference",
        "DANA 12345",
    ]);
    assert_eq!(p["amount"], "150000.50");
    assert_eq!(p["method"], "e_wallet");
    assert_eq!(p["reference"], "DANA 12345");
    assert_eq!(p["status"], "success");
    assert_eq!(p["received_by"], "admin");
    assert_eq!(p["local_id"], 1);
    assert_eq!(
        p["allocations"],
        serde_json::json!([
            {"invoice_number": "INV-2026-000001", "amount": "100000.00"},
            {"invoice_number": "INV-2026-000002", "amount": "50000.50"},
        ])
    );
    assert_eq!(
        shop.state("INV-2026-000002"),
        state("partial", "50000.50", "49999.50")
    );
    assert_eq!(shop.customer("1")["total_spent"], "150000.50");

    shop.ok(&["admin", "add", "sari", "--name", "Sari"]);
    let text = shop.text(&[
        "payment",
        "record",
        "1",
        "49999.50",
        "--invoice",
        "INV-2026-000002",
        "--as",
        "sari",
    ]);
    assert!(
        text.contains("Rp 49.999,50") && text.contains("by sari") && text.contains("cash"),
        "{text}"
    );
    assert_eq!(shop.balance("1"), "0.00");
    assert_eq!(
        shop.state("INV-2026-000002"),
        state("paid", "100000.00", "0.00")
    );

    // Refund: new entries, re-opens what it paid.
    let r = shop.ok(&["payment", "refund", "2"]);
    assert_eq!(r["status"], "refunded");
    assert_eq!(r["allocations"], serde_json::json!([]));
    assert!(r["refunded_at"].is_string());
    assert_eq!(shop.balance("1"), "-49999.50");
    assert_eq!(
        shop.state("INV-2026-000002"),
        state("partial", "50000.50", "49999.50")
    );
    assert_eq!(shop.customer("1")["total_spent"], "150000.50");
    assert_eq!(
        ledger(&shop, "1").last().unwrap(),
        &entry("debit", "49999.50")
    );
    // A refund of a refunded payment is refused; nothing written.
    shop.refused(&["payment", "refund", "2"], "already_refunded", None);
    assert_eq!(shop.balance("1"), "-49999.50");
    let text = shop.text(&["payment", "refund", p["id"].as_str().unwrap()]);
    assert!(
        text.contains("refunded") && text.contains("Rp 150.000,50"),
        "{text}"
    );
    assert_eq!(shop.customer("1")["total_spent"], "0.00");
    assert_eq!(shop.balance("1"), "-200000.00");

    let all = shop.ok(&["payment", "list"]);
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert_eq!(all[0]["local_id"], 2, "newest first");
    assert_eq!(
        shop.ok(&["payment", "list", "--status", "refunded", "--limit", "1"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        shop.ok(&["payment", "list", "--status", "success"]),
        serde_json::json!([])
    );
    shop.ok(&["payment", "record", "1", "250000", "--method", "transfer"]);
    let ok = shop.ok(&["payment", "list", "--customer", "1", "--status", "success"]);
    assert_eq!(ok[0]["credit"], "50000.00");
    assert_eq!(ok[0]["method"], "bank_transfer");
    assert_eq!(shop.balance("1"), "50000.00");
    let text = shop.text(&["payment", "list"]);
    for value in [
        "Rp 250.000",
        "bank_transfer",
        "refunded",
        "e_wallet",
        "Rp 50.000",
    ] {
        assert!(text.contains(value), "{value}: {text}");
    }
    let text = shop.text(&[
        "payment",
        "list",
        "--status",
        "success",
        "--customer",
        "1",
        "--limit",
        "0",
    ]);
    assert!(text.contains("no payments"), "{text}");

    // Bad amounts, refused before anything is written.
    for (amount, code) in [
        ("0", "invalid_amount"),
        ("0.00", "invalid_amount"),
        ("-5", "invalid_amount"),
        ("0.500", "invalid_amount"),
        ("1e5", "invalid_amount"),
        ("1000000000000", "overflow"),
        ("99999999999999999999999999999", "overflow"),
    ] {
        shop.refused(&["payment", "record", "1", amount], code, Some("amount"));
    }
    shop.refused(
        &["payment", "record", "0899-0000-0000", "1000"],
        "not_found",
        None,
    );
    shop.refused(
        &[
            "payment",
            "record",
            "1",
            "1000",
            "--invoice",
            "INV-2026-999999",
        ],
        "not_found",
        None,
    );
    shop.refused(
        &["payment", "record", "1", "1000", "--method", "cheque"],
        "validation",
        Some("method"),
    );
    shop.refused(&["payment", "refund", "99"], "not_found", None);
    shop.refused(&["payment", "list", "--customer", "99"], "not_found", None);
    shop.refused(
        &["payment", "list", "--status", "pending"],
        "validation",
        Some("status"),
    );
    assert_eq!(shop.ok(&["payment", "list"]).as_array().unwrap().len(), 3);
    assert_eq!(shop.balance("1"), "50000.00");

    // Without --json: one line on stderr, exit 1.
    let out = shop
        .cmd(&["payment", "record", "1", "-5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = String::from_utf8(out.stderr).unwrap();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        line.contains("amount") && line.contains("greater than zero"),
        "{line}"
    );
    // A missing amount is a usage error.
    assert_eq!(shop.err(&["payment", "record", "1"], 2)["code"], "usage");
}

#[test]
fn vouchers_add_sell_list() {
    let shop = Shop::new();
    shop.add("Ani", "0813-1111-2222");

    let v = shop.ok(&[
        "voucher",
        "add",
        "HS-001",
        "--profile",
        "1 hari",
        "--price",
        "5000",
    ]);
    assert_eq!(
        (&v["code"], &v["profile"], &v["price"], &v["status"]),
        (
            &Value::from("HS-001"),
            &Value::from("1 hari"),
            &Value::from("5000.00"),
            &Value::from("available")
        )
    );
    let text = shop.text(&[
        "voucher",
        "add",
        "HS-002",
        "--profile",
        "7 hari",
        "--price",
        "25000",
    ]);
    assert!(
        text.contains("HS-002") && text.contains("Rp 25.000"),
        "{text}"
    );
    shop.ok(&[
        "voucher",
        "add",
        "HS-003",
        "--profile",
        "1 hari",
        "--price",
        "5000",
    ]);

    // Over the counter: the sale only, no customer's books move.
    let sold = shop.ok(&["voucher", "sell", "HS-001"]);
    assert_eq!(sold["status"], "sold");
    assert_eq!(sold["customer_id"], Value::Null);
    assert_eq!(sold["invoice_number"], Value::Null);
    assert!(sold["sold_at"].is_string());
    // To a customer: an invoice and its payment; the balance does not move.
    let sold = shop.ok(&[
        "voucher",
        "sell",
        "hs-002",
        "--customer",
        "0813 1111 2222",
        "--method",
        "e_wallet",
        "--reference",
        "OVO 777",
    ]);
    assert_eq!(sold["customer_name"], "Ani");
    let number = sold["invoice_number"].as_str().unwrap().to_owned();
    assert_eq!(shop.state(&number), state("paid", "25000.00", "0.00"));
    let c = shop.customer("1");
    assert_eq!(
        (c["balance"].as_str(), c["total_spent"].as_str()),
        (Some("0.00"), Some("25000.00"))
    );
    let p = shop.ok(&["payment", "list", "--customer", "1"]);
    assert_eq!(p[0]["voucher_code"], "HS-002");
    assert_eq!(p[0]["method"], "e_wallet");
    assert_eq!(p[0]["reference"], "OVO 777");

    shop.refused(&["voucher", "sell", "HS-001"], "voucher_sold", None);
    shop.refused(&["voucher", "sell", "NOPE"], "not_found", None);
    shop.refused(
        &["voucher", "sell", "HS-003", "--customer", "99"],
        "not_found",
        None,
    );
    shop.refused(
        &[
            "voucher",
            "sell",
            "HS-003",
            "--customer",
            "1",
            "--method",
            "cheque",
        ],
        "validation",
        Some("method"),
    );
    shop.refused(
        &["voucher", "add", "hs-001", "--profile", "x", "--price", "1"],
        "duplicate_voucher",
        None,
    );
    for (price, code) in [
        ("0", "invalid_amount"),
        ("-5", "invalid_amount"),
        ("0.500", "invalid_amount"),
        ("1000000000000", "overflow"),
    ] {
        shop.refused(
            &["voucher", "add", "HS-9", "--profile", "x", "--price", price],
            code,
            Some("price"),
        );
    }
    shop.refused(
        &["voucher", "add", "HS 9", "--profile", "x", "--price", "1"],
        "validation",
        Some("code"),
    );

    let all = shop.ok(&["voucher", "list"]);
    assert_eq!(
        all.as_array().unwrap().len(),
        3,
        "nothing refused was added"
    );
    assert_eq!(all[0]["code"], "HS-003", "newest first");
    let available = shop.ok(&["voucher", "list", "--status", "available"]);
    assert_eq!(available.as_array().unwrap().len(), 1);
    assert_eq!(
        shop.ok(&["voucher", "list", "--status", "sold", "--limit", "1"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let ani = shop.ok(&["voucher", "list", "--customer", "1"]);
    assert_eq!(ani.as_array().unwrap().len(), 1);
    assert_eq!(ani[0]["code"], "HS-002");
    shop.refused(
        &["voucher", "list", "--status", "expired"],
        "validation",
        Some("status"),
    );

    let text = shop.text(&["voucher", "sell", "HS-003", "--customer", "1"]);
    assert!(
        text.contains("HS-003") && text.contains("Ani") && text.contains("sold"),
        "{text}"
    );
    let text = shop.text(&["voucher", "list"]);
    for value in ["HS-001", "HS-002", "HS-003", "Rp 5.000", "Rp 25.000", "Ani"] {
        assert!(text.contains(value), "{value}: {text}");
    }
    let text = shop.text(&["voucher", "list", "--status", "available"]);
    assert!(text.contains("no vouchers"), "{text}");
}

#[test]
fn issue_due_refuses_runaway_dates_and_runs_dry() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    // A start before 2000 or more than a year ahead is a typo until confirmed.
    for start in ["0000-01-01", "1999-12-31", "2099-01-01"] {
        shop.refused(
            &subscribe_args("1", "budi", "150000", start),
            "date_out_of_range",
            Some("start"),
        );
    }
    let e = shop.err(&subscribe_args("1", "budi", "150000", "0000-01-01"), 1);
    assert!(
        e["message"].as_str().unwrap().contains("--yes"),
        "the message names the way out: {e}"
    );
    assert!(
        shop.ok(&["subscription", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    shop.ok(&[
        "subscription",
        "add",
        "1",
        "--type",
        "hotspot",
        "--username",
        "budi-old",
        "--profile",
        "1D",
        "--price",
        "5000",
        "--cycle",
        "daily",
        "--start",
        "1999-12-30",
        "--yes",
    ]);
    shop.ok(&["subscription", "cancel", "budi-old"]);
    shop.subscribe("1", "budi", "150000", "2026-01-01");

    // issue-due: at most a month ahead of today without --yes; nothing written.
    // The shop's today is Jakarta's, up to a day away from this machine's:
    // two days past the month is past it on either side of the date line.
    let far = (chrono::Local::now().date_naive() + chrono::Months::new(1) + chrono::Days::new(2))
        .to_string();
    for date in ["2099-12-31", far.as_str(), "1999-01-01"] {
        shop.refused(
            &["invoice", "issue-due", "--date", date],
            "date_out_of_range",
            Some("date"),
        );
        shop.refused(
            &["invoice", "issue-due", "--date", date, "--dry-run"],
            "date_out_of_range",
            Some("date"),
        );
    }
    assert!(shop.ok(&["invoice", "list"]).as_array().unwrap().is_empty());

    // --dry-run lists what would be issued and keeps nothing.
    let would = shop.ok(&["invoice", "issue-due", "--date", "2026-03-01", "--dry-run"]);
    let numbers: Vec<&str> = would
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    assert_eq!(
        numbers,
        ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    );
    let text = shop.text(&["invoice", "issue-due", "--date", "2026-03-01", "--dry-run"]);
    assert!(
        text.contains("3 invoices would be issued (dry run, nothing written)"),
        "{text}"
    );
    assert!(shop.ok(&["invoice", "list"]).as_array().unwrap().is_empty());
    assert_eq!(shop.customer("1")["balance"], "0.00");
    assert_eq!(
        shop.issue("2026-03-01"),
        numbers,
        "the same invoices for real"
    );
    let text = shop.text(&["invoice", "issue-due", "--date", "2026-03-01", "--dry-run"]);
    assert!(
        text.contains("no invoices due up to 2026-03-01 (dry run)"),
        "{text}"
    );

    // The list: each invoice's own unpaid part, and what the subscription owes.
    let text = shop.text(&["invoice", "list"]);
    let header = text.lines().find(|l| l.contains("number")).unwrap();
    assert!(
        header.contains("unpaid")
            && header.contains("subscription owes")
            && !header.contains(" due "),
        "{text}"
    );
    for line in text.lines().filter(|l| l.contains("INV-2026-")) {
        assert!(
            line.matches("Rp 150.000").count() == 2 && line.contains("Rp 450.000"),
            "total and unpaid Rp 150.000, the subscription owes Rp 450.000: {line}"
        );
    }
    let listed = shop.ok(&["invoice", "list"]);
    assert_eq!(listed[0]["amount_unpaid"], "150000.00");
    assert_eq!(listed[0]["subscription_owed"], "450000.00");
    assert_eq!(listed[0]["amount_due"], "450000.00");
    assert_eq!(listed[0]["carried_count"], 2);
    assert!(listed[0].get("carried_from").is_none(), "{}", listed[0]);

    // A void leaves no stale 'carried from' line on the later invoices.
    let text = shop.text(&["invoice", "show", "INV-2026-000003"]);
    assert!(
        text.contains("Rp 300.000 from INV-2026-000001, INV-2026-000002"),
        "{text}"
    );
    shop.ok(&["invoice", "void", "INV-2026-000001"]);
    let text = shop.text(&["invoice", "show", "INV-2026-000003"]);
    assert!(
        text.contains("Rp 150.000 from INV-2026-000002") && !text.contains("INV-2026-000001"),
        "{text}"
    );
    let shown = shop.invoice("INV-2026-000003");
    assert_eq!(
        shown["carried_from"],
        serde_json::json!(["INV-2026-000002"])
    );
    assert_eq!(shown["amount_due"], "300000.00");
    let text = shop.text(&["invoice", "show", "INV-2026-000001"]);
    assert!(
        !text.contains("from INV-"),
        "a void invoice carries nothing: {text}"
    );
}

/// `--after` pages a billing list: the JSON stays the bare array of the page
/// (as scripts index it), the next cursor comes on stderr as `{"next": ...}`,
/// and the table ends with the flag to copy.
#[test]
fn billing_lists_page_with_after() {
    let shop = Shop::new();
    for code in ["HS-001", "HS-002", "HS-003"] {
        shop.ok(&["voucher", "add", code, "--profile", "1h", "--price", "5000"]);
    }
    let out = shop
        .cmd(&["voucher", "list", "--limit", "2", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let first: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes = |page: &Value| -> Vec<String> {
        page.as_array()
            .unwrap()
            .iter()
            .map(|v| v["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(codes(&first), ["HS-003", "HS-002"]);
    let hint: Value = serde_json::from_slice(&out.stderr).unwrap();
    let next = hint["next"].as_str().unwrap();
    let out = shop
        .cmd(&["voucher", "list", "--limit", "2", "--after", next, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
    let second: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(codes(&second), ["HS-001"]);

    let text = shop.text(&["voucher", "list", "--limit", "2"]);
    assert!(
        text.ends_with(&format!("next page: --after {next}\n")),
        "{text}"
    );
    // Without --limit: every row, no cursor, as before.
    let out = shop.cmd(&["voucher", "list", "--json"]).output().unwrap();
    assert!(out.stderr.is_empty());
    for list in ["invoice", "payment", "subscription"] {
        assert!(
            shop.ok(&[list, "list", "--limit", "1"]).is_array(),
            "{list}"
        );
    }
    shop.refused(
        &["invoice", "list", "--after", "x"],
        "validation",
        Some("after"),
    );
}
