//! What a person types, through the real binary: amounts the Indonesian way,
//! numbers that are read as another country's or are not mobiles, names,
//! currencies, tag colours, and the warnings the core gives back (a
//! `warnings` array in JSON, "warning: ..." lines on stderr for people).

mod common;

use common::Shop;
use serde_json::Value;

impl Shop {
    /// Runs without --json, expects success; returns (stdout, stderr).
    fn both(&self, args: &[&str]) -> (String, String) {
        let out = self.cmd(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

fn codes(doc: &Value) -> Vec<String> {
    doc["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("no warnings array in {doc}"))
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn amounts_are_read_the_indonesian_way_everywhere() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    // The ledger is append-only: 150.000 must post 150000.00, not 150.00.
    let e = shop.ok(&[
        "balance",
        "credit",
        "1",
        "150.000",
        "--description",
        "titip",
    ]);
    assert_eq!(e["amount"], "150000.00");
    let e = shop.ok(&[
        "balance",
        "debit",
        "1",
        "Rp 1.500.000,00",
        "--description",
        "paket",
    ]);
    assert_eq!(e["amount"], "1500000.00");
    assert_eq!(shop.customer("1")["balance"], "-1350000.00");

    let c = shop.ok(&[
        "customer",
        "add",
        "--name",
        "Siti",
        "--whatsapp",
        "0813-1111-2222",
        "--initial-balance",
        "-25.000",
    ]);
    assert_eq!(c["balance"], "-25000.00");
    let sub = shop.ok(&[
        "subscription",
        "add",
        "2",
        "--type",
        "hotspot",
        "--username",
        "siti-hs",
        "--profile",
        "10M",
        "--price",
        "150.000",
        "--start",
        "2026-01-01",
    ]);
    assert_eq!(sub["price"], "150000.00");
    let edited = shop.ok(&["subscription", "edit", "siti-hs", "--price", "175.000,50"]);
    assert_eq!(edited["price"], "175000.50");
    let p = shop.ok(&["payment", "record", "2", "1.000.000"]);
    assert_eq!(p["amount"], "1000000.00");
    let v = shop.ok(&[
        "voucher",
        "add",
        "HS-1",
        "--profile",
        "1d",
        "--price",
        "5.000",
    ]);
    assert_eq!(v["price"], "5000.00");
    // A dot and three digits groups thousands: 1.001 is 1001.
    let e = shop.ok(&["balance", "credit", "1", "1.001", "--description", "x"]);
    assert_eq!(e["amount"], "1001.00");

    // What cannot be read without guessing is refused, and nothing is posted.
    for amount in ["0.500", "1.50.000", "12.3456", "1,000.000", "Rp", "1e5"] {
        shop.refused(
            &["balance", "credit", "1", amount, "--description", "x"],
            "invalid_amount",
            Some("amount"),
        );
        shop.refused(
            &["payment", "record", "2", amount],
            "invalid_amount",
            Some("amount"),
        );
        shop.refused(
            &[
                "voucher",
                "add",
                "HS-2",
                "--profile",
                "1d",
                "--price",
                amount,
            ],
            "invalid_amount",
            Some("price"),
        );
    }
    assert_eq!(
        shop.ok(&["balance", "history", "1"])
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // The list's balance filters read amounts the same way.
    let debtors = shop.ok(&["customer", "list", "--balance-max", "-1.000.000"]);
    assert_eq!(debtors["total"], 1);
}

#[test]
fn numbers_read_as_another_country_s_are_accepted_with_a_warning() {
    let shop = Shop::new();
    let c = shop.ok(&[
        "customer",
        "add",
        "--name",
        "Lim",
        "--whatsapp",
        "60123456789",
    ]);
    assert_eq!(c["whatsapp"], "+60123456789");
    assert_eq!(codes(&c), ["foreign_number"]);
    assert_eq!(c["warnings"][0]["field"], "whatsapp");
    let message = c["warnings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Malaysia") && message.contains("Indonesia"),
        "{message}"
    );

    // For people: the table on stdout, the warning on stderr.
    let (out, err) = shop.both(&[
        "customer",
        "add",
        "--name",
        "Abebe",
        "--whatsapp",
        "251925462914",
    ]);
    assert!(out.contains("+251925462914"), "{out}");
    assert!(
        err.starts_with("warning: ") && err.contains("Ethiopia"),
        "{err}"
    );

    // 00 and a country code is international: no warning, and never the
    // digits of an Indonesian number.
    let c = shop.ok(&[
        "customer",
        "add",
        "--name",
        "Budi",
        "--whatsapp",
        "0062 812 3456 7890",
    ]);
    assert_eq!(c["whatsapp"], "+6281234567890");
    assert_eq!(codes(&c), Vec::<String>::new());
    let c = shop.ok(&[
        "customer",
        "add",
        "--name",
        "Sari",
        "--whatsapp",
        "0062852775891",
    ]);
    assert_eq!(c["whatsapp"], "+62852775891");
    // 62 typed without + is the country code: a mobile.
    let c = shop.ok(&[
        "customer",
        "add",
        "--name",
        "Joko",
        "--whatsapp",
        "62884390053",
    ]);
    assert_eq!(c["whatsapp"], "+62884390053");
    assert_eq!(codes(&c), Vec::<String>::new());

    // A fixed line or a toll-free number as WhatsApp: accepted, named.
    let c = shop.ok(&[
        "customer",
        "add",
        "--name",
        "Kantor",
        "--whatsapp",
        "(021) 5795 1234",
    ]);
    assert_eq!(codes(&c), ["not_mobile"]);
    assert!(
        c["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("fixed-line"),
        "{c}"
    );
    let c = shop.ok(&["customer", "edit", "6", "--whatsapp", "0800 1234 567"]);
    assert_eq!(c["whatsapp"], "+628001234567");
    assert_eq!(codes(&c), ["not_mobile"]);
    assert!(
        c["warnings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("toll-free")
    );
    // The same number again, or another field, warns of nothing.
    let c = shop.ok(&["customer", "edit", "6", "--notes", "pusat"]);
    assert_eq!(codes(&c), Vec::<String>::new());
    // A fixed line as the phone field is what it is for.
    let c = shop.ok(&["customer", "edit", "3", "--phone", "(021) 5795 1234"]);
    assert_eq!(codes(&c), Vec::<String>::new());
    // Reading commands carry no warnings.
    assert!(shop.customer("3").get("warnings").is_none());
}

#[test]
fn a_contact_that_is_another_customer_s_number_is_named() {
    let shop = Shop::new();
    shop.add("Budi Santoso", "0812-3456-7890");
    shop.add("Siti", "0813-1111-2222");
    let k = shop.ok(&["contact", "add", "2", "whatsapp", "+62 812 3456 7890"]);
    assert_eq!(k["value"], "+6281234567890");
    assert_eq!(codes(&k), ["number_of_other_customer"]);
    let message = k["warnings"][0]["message"].as_str().unwrap();
    assert!(message.contains("#1 Budi Santoso"), "{message}");
    let (_, err) = shop.both(&["contact", "add", "2", "phone", "0812-3456-7890"]);
    assert!(
        err.contains("warning: ") && err.contains("Budi Santoso"),
        "{err}"
    );
    // Its own number, another number, an email: nothing to say.
    let k = shop.ok(&["contact", "add", "2", "phone", "0813-1111-2222"]);
    assert_eq!(codes(&k), Vec::<String>::new());
    let k = shop.ok(&["contact", "add", "2", "email", "siti@toko.co.id"]);
    assert_eq!(codes(&k), Vec::<String>::new());
    // A deleted customer's number is free.
    shop.add("Ani", "0857-1234-5678");
    shop.ok(&["customer", "delete", "3"]);
    let k = shop.ok(&["contact", "add", "2", "whatsapp", "0857 1234 5678"]);
    assert_eq!(codes(&k), Vec::<String>::new());
}

#[test]
fn extra_contacts_are_searched() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    shop.add("Siti", "0813-1111-2222");
    shop.ok(&["contact", "add", "2", "email", "siti.kantor@toko.co.id"]);
    shop.ok(&["contact", "add", "2", "whatsapp", "0857-9999-1234"]);
    let found = |term: &str| -> Vec<String> {
        shop.ok(&["customer", "list", "--search", term])["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect()
    };
    for term in [
        "kantor@toko",
        "toko.co",
        "0857 9999",
        "+62 857-9999",
        "6285799991234",
    ] {
        assert_eq!(found(term), ["Siti"], "{term}");
    }
    assert_eq!(found("0812"), ["Budi"]);
    let contacts = shop.ok(&["contact", "list", "2"]);
    let id = contacts
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["type"] == "email")
        .unwrap()["local_id"]
        .to_string();
    shop.ok(&["contact", "remove", "2", &id]);
    assert_eq!(found("toko.co"), Vec::<String>::new());
    assert_eq!(found("0857 9999"), ["Siti"]);
}

#[test]
fn names_must_be_visible_and_one_line() {
    let shop = Shop::new();
    for name in [
        "\u{200b}",
        "\u{200b}\u{feff}\u{2060}",
        " \u{3164} ",
        "Budi\nSantoso",
        "Budi\rSantoso",
        "Budi\u{2028}Santoso",
    ] {
        shop.refused(
            &[
                "customer",
                "add",
                "--name",
                name,
                "--whatsapp",
                "0812-3456-7890",
            ],
            "validation",
            Some("name"),
        );
    }
    let c = shop.ok(&[
        "customer",
        "add",
        "--name",
        "\u{200b}Budi Santoso\u{feff}",
        "--whatsapp",
        "0812-3456-7890",
    ]);
    assert_eq!(c["name"], "Budi Santoso");
    shop.refused(
        &["customer", "edit", "1", "--name", "\u{200d}"],
        "validation",
        Some("name"),
    );
    shop.refused(&["tag", "add", "1", "\u{200b}"], "validation", Some("tag"));
}

#[test]
fn currency_is_an_iso_4217_code() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    for bad in ["XYZ", "RP", "rupiah", "ABC"] {
        shop.refused(
            &["settings", "set", "currency", bad],
            "validation",
            Some("value"),
        );
    }
    assert_eq!(
        shop.ok(&["settings", "set", "currency", "usd"])["value"],
        "USD"
    );
    assert_eq!(
        shop.ok(&["settings", "set", "currency", "IDR"])["value"],
        "IDR"
    );
}

#[test]
fn tag_colours_change_only_through_tag_color() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    shop.add("Siti", "0813-1111-2222");
    shop.ok(&["tag", "add", "1", "VIP", "--color", "#ffaa00"]);
    let c = shop.ok(&["tag", "add", "2", "vip", "--color", "#00FF00"]);
    assert_eq!(c["tags"][0]["color"], "#ffaa00");
    assert_eq!(codes(&c), ["tag_color_kept"]);
    let (_, err) = shop.both(&[
        "customer",
        "add",
        "--name",
        "Ani",
        "--whatsapp",
        "0857-1234-5678",
        "--tag",
        "VIP:#000000",
    ]);
    assert!(
        err.contains("warning: tag 'VIP' keeps its colour #ffaa00"),
        "{err}"
    );
    assert_eq!(shop.customer("1")["tags"][0]["color"], "#ffaa00");

    let t = shop.ok(&["tag", "color", "vip", "#00FF00"]);
    assert_eq!(
        (t["name"].as_str(), t["color"].as_str(), t["count"].as_u64()),
        (Some("VIP"), Some("#00ff00"), Some(3))
    );
    for who in ["1", "2", "3"] {
        assert_eq!(shop.customer(who)["tags"][0]["color"], "#00ff00");
    }
    let text = shop.text(&["tag", "color", "VIP", "#123456"]);
    assert!(text.contains("#123456"), "{text}");
    shop.refused(&["tag", "color", "Gold", "#123456"], "not_found", None);
    shop.refused(
        &["tag", "color", "VIP", "gold"],
        "validation",
        Some("color"),
    );
}

#[test]
fn an_import_reports_warnings_beside_its_rows() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    shop.ok(&["tag", "add", "1", "VIP", "--color", "#ffaa00"]);
    let file = shop.path("pelanggan.csv");
    std::fs::write(
        &file,
        "nama;no_wa;saldo;tag\n\
         Lim;60123456789;150.000;VIP:#00ff00\n\
         Sari;0813-1111-2222;Rp 1.500.000,00;VIP:#00ff00\n\
         Kantor;(021) 5795 1234;0;Baru:#123456\n\
         Salah;0812;5.000;\n",
    )
    .unwrap();
    let s = shop.ok(&["import", "customers", file.to_str().unwrap()]);
    assert_eq!(
        (s["imported"].as_u64(), s["rejected"].as_u64()),
        (Some(3), Some(1))
    );
    let warnings = s["warnings"].as_array().unwrap();
    let seen: Vec<(Option<u64>, &str)> = warnings
        .iter()
        .map(|w| (w["line"].as_u64(), w["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            (None, "tag_color_kept"),
            (Some(2), "foreign_number"),
            (Some(4), "not_mobile")
        ],
        "{s}"
    );
    assert_eq!(s["warning_count"], 3);
    // The tag kept its colour; the new tag took the file's.
    let tags = shop.ok(&["tag", "list"]);
    let colour = |name: &str| {
        tags.as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()["color"]
            .clone()
    };
    assert_eq!(colour("VIP"), "#ffaa00");
    assert_eq!(colour("Baru"), "#123456");
    assert_eq!(shop.customer("3")["balance"], "1500000.00");
    assert_eq!(shop.customer("2")["balance"], "150000.00");

    // For people, on stderr with their lines (the dry run warns the same).
    let (_, err) = shop.both(&[
        "import",
        "customers",
        file.to_str().unwrap(),
        "--dry-run",
        "--on-duplicate",
        "skip",
    ]);
    assert!(err.is_empty(), "skipped rows warn of nothing: {err}");
    let again = shop.path("lagi.csv");
    std::fs::write(&again, "nama,no_wa,tag\nAbebe,251925462914,VIP:#00ff00\n").unwrap();
    let (out, err) = shop.both(&["import", "customers", again.to_str().unwrap(), "--dry-run"]);
    assert!(out.contains("1 imported"), "{out}");
    assert!(
        err.contains("warning: line 2: ") && err.contains("Ethiopia"),
        "{err}"
    );
    assert!(err.contains("warning: tag 'VIP' keeps its colour"), "{err}");
}
