//! The `pelanggan` command as scripts use it: every command in both output
//! modes, against a real database file in a temp dir.

mod common;

use assert_cmd::Command;
use common::Shop;
use serde_json::Value;

#[test]
fn customer_add_show_edit_in_both_modes() {
    let shop = Shop::new();
    let c = shop.ok(&[
        "customer",
        "add",
        "--name",
        "Budi Santoso",
        "--whatsapp",
        "0812-3456-7890",
        "--email",
        "budi@example.co.id",
        "--phone",
        "(021) 5795 1234",
        "--address",
        "Jl. Merdeka 1",
        "--notes",
        "langganan lama",
        "--initial-balance",
        "50000",
        "--tag",
        "VIP:#ffaa00",
        "--tag",
        "Corporate",
        "--status",
        "inactive",
    ]);
    assert_eq!(c["name"], "Budi Santoso");
    assert_eq!(c["whatsapp"], "+6281234567890");
    assert_eq!(c["phone"], "+622157951234");
    assert_eq!(c["balance"], "50000.00");
    assert_eq!(c["status"], "inactive");
    assert_eq!(
        c["tags"][1],
        serde_json::json!({"name": "VIP", "color": "#ffaa00"})
    );
    let id = c["id"].as_str().unwrap();

    // Any format of the number, the uuid and the local number find the same customer.
    for reference in ["+62 812-3456-7890", id, "1", "6281234567890"] {
        assert_eq!(shop.ok(&["customer", "show", reference])["id"], id);
    }
    let text = shop.text(&["customer", "show", "0812 3456 7890"]);
    assert!(
        text.contains("Budi Santoso") && text.contains("Rp 50.000"),
        "{text}"
    );

    let edited = shop.ok(&[
        "customer", "edit", "1", "--name", "Budi S.", "--email", "", "--status", "active",
    ]);
    assert_eq!(edited["name"], "Budi S.");
    assert_eq!(edited["email"], Value::Null);
    assert_eq!(edited["status"], "active");
    let text = shop.text(&["customer", "edit", "1", "--notes", "pindah ke paket 20"]);
    assert!(text.contains("pindah ke paket 20"));
}

#[test]
fn customer_errors_are_json_on_stderr_with_stable_codes() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    let e = shop.err(
        &[
            "customer",
            "add",
            "--name",
            "Sari",
            "--whatsapp",
            "62 812 3456 7890",
        ],
        1,
    );
    assert_eq!(e["code"], "duplicate_whatsapp");
    assert_eq!(e["field"], "whatsapp");
    assert!(e["message"].as_str().unwrap().contains("Budi"));

    for (args, code, field) in [
        (
            vec!["--name", "X", "--whatsapp", "12345"],
            "invalid_whatsapp",
            "whatsapp",
        ),
        (
            vec!["--name", "X", "--whatsapp", "0812"],
            "invalid_whatsapp",
            "whatsapp",
        ),
        (
            vec!["--name", "X", "--whatsapp", "08ab-cdef"],
            "invalid_whatsapp",
            "whatsapp",
        ),
        (
            vec!["--name", "", "--whatsapp", "0813-1111-2222"],
            "validation",
            "name",
        ),
        (
            vec![
                "--name",
                "X",
                "--whatsapp",
                "0813-1111-2222",
                "--email",
                "nope",
            ],
            "validation",
            "email",
        ),
        (
            vec![
                "--name",
                "X",
                "--whatsapp",
                "0813-1111-2222",
                "--phone",
                "99",
            ],
            "invalid_phone",
            "phone",
        ),
        (
            vec![
                "--name",
                "X",
                "--whatsapp",
                "0813-1111-2222",
                "--tag",
                "VIP:#gold",
            ],
            "validation",
            "color",
        ),
        (
            vec![
                "--name",
                "X",
                "--whatsapp",
                "0813-1111-2222",
                "--initial-balance",
                "1.2345",
            ],
            "invalid_amount",
            "initial_balance",
        ),
        (
            vec![
                "--name",
                "X",
                "--whatsapp",
                "0813-1111-2222",
                "--status",
                "deleted",
            ],
            "validation",
            "status",
        ),
    ] {
        let mut full = vec!["customer", "add"];
        full.extend(args);
        let e = shop.err(&full, 1);
        assert_eq!(
            (e["code"].as_str(), e["field"].as_str()),
            (Some(code), Some(field)),
            "{full:?}"
        );
    }
    let long = "x".repeat(101);
    let e = shop.err(
        &[
            "customer",
            "add",
            "--name",
            &long,
            "--whatsapp",
            "0813-1111-2222",
        ],
        1,
    );
    assert_eq!(e["field"], "name");
    // Nothing of the refused attempts was stored.
    assert_eq!(shop.ok(&["customer", "list"])["total"], 1);

    let e = shop.err(&["customer", "show", "0899-0000-0000"], 1);
    assert_eq!(e["code"], "not_found");

    // Without --json: one clear line on stderr, exit 1.
    let out = shop
        .cmd(&["customer", "add", "--name", "X", "--whatsapp", "12345"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = String::from_utf8(out.stderr).unwrap();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(line.contains("not a valid WhatsApp number"), "{line}");
}

#[test]
fn usage_errors_exit_2() {
    let shop = Shop::new();
    let e = shop.err(&["customer", "frobnicate"], 2);
    assert_eq!(e["code"], "usage");
    let out = shop
        .cmd(&["customer", "add", "--name", "X"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn delete_restore_and_list() {
    let shop = Shop::new();
    shop.add("Ani", "0813-1111-2222");
    shop.add("Budi", "0813-3333-4444");
    shop.ok(&[
        "balance",
        "debit",
        "0813-3333-4444",
        "10000",
        "--description",
        "paket",
    ]);
    shop.add("Citra", "0857-1234-5678");
    shop.ok(&[
        "customer",
        "edit",
        "0857-1234-5678",
        "--status",
        "blacklisted",
    ]);

    let all = shop.ok(&["customer", "list"]);
    assert_eq!(all["total"], 3);
    // Debt first.
    assert_eq!(all["items"][0]["name"], "Budi");

    let deleted = shop.ok(&["customer", "delete", "0813-1111-2222"]);
    assert_eq!(deleted["status"], "deleted");
    assert_eq!(shop.ok(&["customer", "list"])["total"], 2);
    assert_eq!(
        shop.ok(&["customer", "list", "--include-deleted"])["total"],
        3
    );
    assert_eq!(
        shop.ok(&["customer", "list", "--status", "deleted"])["total"],
        1
    );
    let blacklisted = shop.ok(&["customer", "list", "--status", "blacklisted"]);
    assert_eq!(blacklisted["items"][0]["name"], "Citra");

    // The freed number can be taken; restoring the old holder is then a conflict.
    shop.add("Dewi", "0813 1111 2222");
    let e = shop.err(&["customer", "restore", "1"], 1);
    assert_eq!(e["code"], "conflict");
    shop.ok(&["customer", "delete", "4"]);
    assert_eq!(shop.ok(&["customer", "restore", "1"])["status"], "active");

    let page = shop.ok(&["customer", "list", "--limit", "1", "--page", "2"]);
    assert_eq!(
        (page["page"].as_u64(), page["total_pages"].as_u64()),
        (Some(2), Some(3))
    );
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        shop.err(&["customer", "list", "--limit", "201"], 1)["field"],
        "limit"
    );

    let text = shop.text(&["customer", "list"]);
    assert!(text.contains("page 1 of 1 (3 customers)"), "{text}");
}

#[test]
fn balance_credit_debit_history() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    let e = shop.ok(&[
        "balance",
        "credit",
        "1",
        "150000.50",
        "--description",
        "bayar tunai",
        "--reference-type",
        "payment",
        "--reference-id",
        "P-1",
    ]);
    assert_eq!(e["type"], "credit");
    assert_eq!(e["new_balance"], "150000.50");
    assert_eq!(e["reference_id"], "P-1");
    let text = shop.text(&[
        "balance",
        "debit",
        "1",
        "200000",
        "--description",
        "paket bulanan",
    ]);
    assert!(text.contains("-Rp 49.999,50"), "{text}");

    let history = shop.ok(&["balance", "history", "1"]);
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[0]["type"], "debit");
    assert_eq!(
        shop.ok(&["balance", "history", "1", "--type", "credit"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        shop.ok(&["balance", "history", "1", "--limit", "1"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        shop.ok(&[
            "balance",
            "history",
            "1",
            "--from",
            "2000-01-01",
            "--to",
            "2000-12-31"
        ])
        .as_array()
        .unwrap()
        .len(),
        0
    );
    assert!(
        shop.text(&["balance", "history", "1"])
            .contains("paket bulanan")
    );

    for (amount, code) in [
        ("0", "invalid_amount"),
        ("-5", "invalid_amount"),
        ("0.500", "invalid_amount"),
        ("abc", "invalid_amount"),
        ("99999999999999", "overflow"),
    ] {
        let e = shop.err(&["balance", "credit", "1", amount, "--description", "x"], 1);
        assert_eq!(e["code"], code, "{amount}");
    }
    assert_eq!(
        shop.err(&["balance", "history", "1", "--from", "kemarin"], 1)["field"],
        "from"
    );
    assert_eq!(shop.ok(&["customer", "show", "1"])["balance"], "-49999.50");
}

#[test]
fn contacts_tags_activity() {
    let shop = Shop::new();
    shop.add("Budi", "0812-3456-7890");
    let wa = shop.ok(&[
        "contact",
        "add",
        "1",
        "whatsapp",
        "0813 9999 8888",
        "--primary",
    ]);
    assert_eq!(
        (wa["value"].as_str(), wa["is_primary"].as_bool()),
        (Some("+6281399998888"), Some(true))
    );
    let wa2 = shop.ok(&[
        "contact",
        "add",
        "1",
        "whatsapp",
        "0857-1234-5678",
        "--notes",
        "istri",
    ]);
    shop.ok(&["contact", "add", "1", "email", "budi@kantor.co.id"]);
    assert_eq!(
        shop.err(&["contact", "add", "1", "phone", "12"], 1)["code"],
        "invalid_phone"
    );
    assert_eq!(
        shop.err(&["contact", "add", "1", "fax", "12"], 1)["field"],
        "type"
    );

    let primary = shop.ok(&["contact", "set-primary", "1", wa2["id"].as_str().unwrap()]);
    assert_eq!(primary["is_primary"], true);
    let list = shop.ok(&["contact", "list", "1"]);
    let primaries: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["is_primary"] == true)
        .collect();
    assert_eq!(primaries.len(), 1);
    shop.ok(&["contact", "remove", "1", &wa["local_id"].to_string()]);
    assert_eq!(
        shop.ok(&["contact", "list", "1"]).as_array().unwrap().len(),
        2
    );
    assert!(
        shop.text(&["contact", "list", "1"])
            .contains("budi@kantor.co.id")
    );

    let c = shop.ok(&["tag", "add", "1", "VIP", "--color", "#FFAA00"]);
    assert_eq!(c["tags"][0]["color"], "#ffaa00");
    assert_eq!(
        shop.err(&["tag", "add", "1", "vip"], 1)["code"],
        "duplicate_tag"
    );
    assert_eq!(
        shop.err(&["tag", "add", "1", "Gold", "--color", "#gold"], 1)["field"],
        "color"
    );
    shop.add("Ani", "0813-1111-2222");
    shop.ok(&["tag", "add", "2", "VIP"]);
    shop.ok(&["tag", "add", "2", "Baru"]);
    let popular = shop.ok(&["tag", "list", "--popular"]);
    assert_eq!(
        (popular[0]["name"].as_str(), popular[0]["count"].as_u64()),
        (Some("VIP"), Some(2))
    );
    assert!(shop.text(&["tag", "list"]).contains("Baru"));
    let c = shop.ok(&["tag", "remove", "2", "baru"]);
    assert_eq!(c["tags"].as_array().unwrap().len(), 1);

    let activity = shop.ok(&["activity", "1"]);
    let actions: Vec<_> = activity
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"tag_added"));
    assert_eq!(actions.last(), Some(&"created"));
    assert!(actions.contains(&"contact_primary_set") && actions.contains(&"contact_removed"));
    assert_eq!(
        shop.ok(&["activity", "1", "--limit", "2"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert!(shop.text(&["activity", "1"]).contains("contact_added"));
}

#[test]
fn admins_and_settings() {
    let shop = Shop::new();
    let admins = shop.ok(&["admin", "list"]);
    assert_eq!(
        (
            admins[0]["username"].as_str(),
            admins[0]["is_default"].as_bool()
        ),
        (Some("admin"), Some(true))
    );
    shop.ok(&["admin", "add", "sari", "--name", "Sari Dewi"]);
    assert_eq!(
        shop.err(&["admin", "add", "sari", "--name", "Again"], 1)["code"],
        "conflict"
    );
    assert!(shop.text(&["admin", "list"]).contains("Sari Dewi"));

    // --as attributes a write; an unknown admin is refused.
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Budi",
        "--whatsapp",
        "0812-3456-7890",
        "--as",
        "sari",
    ]);
    assert_eq!(shop.ok(&["customer", "show", "1"])["created_by"], "sari");
    assert_eq!(shop.ok(&["activity", "1"])[0]["admin"], "sari");
    let e = shop.err(
        &[
            "customer",
            "add",
            "--name",
            "X",
            "--whatsapp",
            "0813-1111-2222",
            "--as",
            "nobody",
        ],
        1,
    );
    assert_eq!(e["code"], "not_found");

    shop.ok(&["admin", "add", "joko", "--name", "Joko", "--default"]);
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Ani",
        "--whatsapp",
        "0813-1111-2222",
    ]);
    assert_eq!(shop.ok(&["customer", "show", "2"])["created_by"], "joko");

    // The default region decides how local numbers are read.
    assert_eq!(
        shop.ok(&["settings", "set", "default_region", "my"])["value"],
        "MY"
    );
    let c = shop.ok(&[
        "customer",
        "add",
        "--name",
        "Ahmad",
        "--whatsapp",
        "012-345 6789",
    ]);
    assert_eq!(c["whatsapp"], "+60123456789");
    assert_eq!(
        shop.err(&["settings", "set", "default_region", "XX"], 1)["field"],
        "value"
    );
    assert_eq!(
        shop.err(&["settings", "set", "colour", "x"], 1)["field"],
        "key"
    );
    assert!(shop.text(&["settings", "show"]).contains("default_region"));
}

#[test]
fn database_path_from_environment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("env.db");
    Command::cargo_bin("pelanggan")
        .unwrap()
        .env("PELANGGAN_DB", &path)
        .args([
            "customer",
            "add",
            "--name",
            "Budi",
            "--whatsapp",
            "0812-3456-7890",
            "--json",
        ])
        .assert()
        .success();
    assert!(path.exists());
}

/// The JSON error carries the structured facts beside the English message
/// (`details`, named by `kind`), so a UI can word its own sentence; the
/// fields scripts read today (`code`, `message`, `field`, `holder_id`) stay.
/// The JSON of every code is pinned in the core (`error.rs`, `every_code_has_its_json`).
#[test]
fn json_errors_carry_their_details() {
    let shop = Shop::new();
    let budi = shop.add("Budi Santoso", "0812 3456 7890");
    let e = shop.err(
        &[
            "customer",
            "add",
            "--name",
            "Sari",
            "--whatsapp",
            "+62 812 3456 7890",
        ],
        1,
    );
    assert_eq!(e["code"], "duplicate_whatsapp");
    assert_eq!(e["field"], "whatsapp");
    assert_eq!(e["holder_id"], budi["id"]);
    assert_eq!(
        e["details"],
        serde_json::json!({
            "kind": "holder",
            "id": budi["id"],
            "local_id": budi["local_id"],
            "name": "Budi Santoso",
            "whatsapp": "+6281234567890",
        })
    );

    let e = shop.err(&["invoice", "show", "INV-2026-999999"], 1);
    assert_eq!(e["code"], "not_found");
    assert_eq!(e["details"]["kind"], "missing");
    assert_eq!(e["details"]["reference"], "INV-2026-999999");

    let e = shop.err(&["customer", "add", "--name", "X", "--whatsapp", "12"], 1);
    assert_eq!(e["code"], "invalid_whatsapp");
    assert_eq!(
        e["details"],
        serde_json::json!({"kind": "input", "input": "12"})
    );

    // A refusal with no facts beyond its code has no details.
    let e = shop.err(&["customer", "show", "--json-nope"], 2);
    assert_eq!(e["code"], "usage");
    assert!(e.get("details").is_none());
}
