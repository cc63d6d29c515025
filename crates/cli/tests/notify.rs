//! `pelanggan notify ...` end to end: the real binary, a shop file in a temp
//! dir and a fake gateway on 127.0.0.1 (pelanggan-gateways' `testing`) that
//! answers as Fonnte, the Cloud API or a webhook would and records what it
//! received.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::Shop;
use pelanggan_gateways::testing::{FakeGateway, Received, Reply, closed_port_url};
use serde_json::{Value, json};

const TOKEN: &str = "fonnte-token-7788";
const WA: [&str; 6] = [
    "0812-3456-7890",
    "0813-1111-2222",
    "0857-1234-5678",
    "0878-8888-9999",
    "0811-2222-3333",
    "0821-4444-5555",
];

fn fonnte_ok(_: &Received, i: usize) -> Reply {
    Reply::json(
        200,
        json!({"detail": "success! message in queue", "id": [format!("{}", 1000 + i)],
               "requestid": 500 + i, "status": true, "process": "pending"}),
    )
}

impl Shop {
    fn with_customers(n: usize) -> Shop {
        let shop = Shop::new();
        shop.ok(&["settings", "set", "shop_name", "Toko Maju"]);
        for (i, wa) in WA.iter().take(n).enumerate() {
            shop.ok(&[
                "customer",
                "add",
                "--name",
                &format!("Pelanggan {i}"),
                "--whatsapp",
                wa,
                "--tag",
                "rt05",
            ]);
        }
        shop
    }

    /// Sets the gateway, the token on standard input; no pace, quick retries.
    fn gateway(&self, kind: &str, url: &str, extra: &[&str]) -> Value {
        let mut args = vec![
            "notify",
            "gateway",
            "set",
            kind,
            "--url",
            url,
            "--token-stdin",
        ];
        for (flag, value) in [
            ("--pace", "0"),
            ("--retry-base", "0.05"),
            ("--timeout", "1"),
        ] {
            if !extra.contains(&flag) {
                args.extend([flag, value]);
            }
        }
        args.extend_from_slice(extra);
        let out = self
            .cmd(&args)
            .arg("--json")
            .write_stdin(format!("{TOKEN}\n"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn outbox(&self) -> Vec<Value> {
        self.ok(&["notify", "outbox"]).as_array().unwrap().clone()
    }

    fn statuses(&self) -> Vec<String> {
        let mut s: Vec<String> = self
            .outbox()
            .iter()
            .map(|m| m["status"].as_str().unwrap().to_owned())
            .collect();
        s.sort();
        s
    }
}

#[test]
fn fonnte_end_to_end_welcome_sent_once_with_its_id_and_the_token_never_shown() {
    let server = FakeGateway::start(fonnte_ok);
    let shop = Shop::with_customers(0);
    let view = shop.gateway("fonnte", &server.url("/send"), &["--country-code", "62"]);
    assert_eq!(view["token"], "••••7788");
    shop.ok(&[
        "customer",
        "add",
        "--name",
        "Budi",
        "--whatsapp",
        WA[0],
        "--send-welcome",
    ]);
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(run["sent"], 1, "{run}");
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].path, "/send");
    assert_eq!(got[0].header("authorization"), Some(TOKEN));
    assert_eq!(got[0].form("target").as_deref(), Some("6281234567890"));
    assert_eq!(got[0].form("countryCode").as_deref(), Some("62"));
    assert_eq!(
        got[0].form("message").as_deref(),
        Some(
            "Halo Budi, selamat datang di Toko Maju! Tagihan dan info layanan akan kami kirim ke nomor WhatsApp ini."
        )
    );
    let m = &shop.outbox()[0];
    assert_eq!(m["status"], "sent");
    assert_eq!(m["kind"], "welcome");
    assert_eq!(m["gateway_message_id"], "1000 (requestid 500)");
    assert!(
        m["attempt_log"][0]["reply"]
            .as_str()
            .unwrap()
            .contains("success!")
    );
    // Running again sends nothing more.
    shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(server.received().len(), 1);
    // The token is in no output.
    let shown = shop.text(&["notify", "gateway", "show"]);
    assert!(
        shown.contains("••••7788") && !shown.contains(TOKEN),
        "{shown}"
    );
    let json = shop.ok(&["notify", "gateway", "show"]).to_string();
    assert!(!json.contains(TOKEN));
    shop.ok(&["export", "customers", shop.path("c.csv").to_str().unwrap()]);
    assert!(
        !std::fs::read_to_string(shop.path("c.csv"))
            .unwrap()
            .contains(TOKEN)
    );
}

#[test]
fn a_disconnected_device_pauses_the_queue_and_setting_the_gateway_again_resumes_it() {
    let server = FakeGateway::start(|r, i| {
        if i == 0 {
            Reply::json(
                200,
                json!({"reason": "request invalid on disconnected device", "requestid": 1, "status": false}),
            )
        } else {
            fonnte_ok(r, i)
        }
    });
    let shop = Shop::with_customers(3);
    shop.gateway("fonnte", &server.url("/send"), &[]);
    shop.ok(&["notify", "bulk", "--tag", "rt05", "--template", "welcome"]);
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert!(
        run["paused"].as_str().unwrap().contains("disconnected"),
        "{run}"
    );
    assert_eq!(
        server.received().len(),
        1,
        "one try, not the whole outbox burnt"
    );
    assert_eq!(shop.statuses(), ["paused", "paused", "paused"]);
    let shown = shop.text(&["notify", "gateway", "show"]);
    assert!(shown.contains("PAUSED"), "{shown}");
    // The phone is reconnected: saving the gateway again resumes.
    shop.ok(&["notify", "gateway", "set", "fonnte"]);
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(run["sent"], 3, "{run}");
    assert_eq!(shop.statuses(), ["sent", "sent", "sent"]);
}

#[test]
fn a_500_then_success_and_a_429_with_retry_after_are_retried_and_sent() {
    let server = FakeGateway::start(|r, i| match i {
        0 => Reply::json(500, json!({})),
        1 => Reply::json(429, json!({"status": false, "reason": "rate limit"}))
            .with_header("Retry-After", "1"),
        _ => fonnte_ok(r, i),
    });
    let shop = Shop::with_customers(1);
    shop.gateway("fonnte", &server.url("/send"), &[]);
    shop.ok(&["notify", "send", WA[0], "--text", "Halo"]);
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(
        (run["sent"].as_u64(), run["retried"].as_u64()),
        (Some(1), Some(2)),
        "{run}"
    );
    let m = &shop.outbox()[0];
    assert_eq!(m["attempts"], 3);
    let outcomes: Vec<&str> = m["attempt_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["retry", "retry", "sent"]);
    assert_eq!(server.received().len(), 3);
}

#[test]
fn with_the_gateway_down_the_whole_time_the_message_stays_queued() {
    let shop = Shop::with_customers(1);
    shop.gateway("fonnte", &closed_port_url("/send"), &[]);
    shop.ok(&["notify", "send", WA[0], "--text", "Halo"]);
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(run["sent"], 0);
    assert_eq!(run["still_queued"], 1, "{run}");
    let m = &shop.outbox()[0];
    assert_eq!(m["status"], "queued");
    assert!(
        m["last_error"]
            .as_str()
            .unwrap()
            .contains("nothing was sent"),
        "{m}"
    );
}

#[test]
fn a_timeout_is_unknown_until_the_admin_resends_or_marks_it_sent() {
    let server = FakeGateway::start(|r, i| match i {
        0 | 1 => fonnte_ok(r, i).after(Duration::from_secs(3)),
        _ => fonnte_ok(r, i),
    });
    let shop = Shop::with_customers(2);
    shop.gateway("fonnte", &server.url("/send"), &[]);
    shop.ok(&["notify", "send", WA[0], "--text", "satu"]);
    shop.ok(&["notify", "send", WA[1], "--text", "dua"]);
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(run["unknown"], 2, "{run}");
    assert_eq!(shop.statuses(), ["unknown", "unknown"]);
    // Not resent by another run.
    shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(server.received().len(), 2);
    let listed = shop.ok(&["notify", "outbox", "--status", "unknown"]);
    let ids: Vec<String> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].to_string())
        .collect();
    shop.ok(&["notify", "mark-sent", &ids[0]]);
    shop.ok(&["notify", "retry", &ids[1]]);
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(run["sent"], 1, "{run}");
    assert_eq!(shop.statuses(), ["sent", "sent"]);
    assert_eq!(server.received().len(), 3);
}

#[test]
fn a_worker_killed_mid_bulk_and_restarted_sends_every_message_once_and_loses_none() {
    // The third request hangs until the worker is killed with it in flight.
    let server = FakeGateway::start(|r, i| {
        let reply = fonnte_ok(r, i);
        if i == 2 {
            reply.after(Duration::from_secs(30))
        } else {
            reply
        }
    });
    let shop = Shop::with_customers(6);
    shop.gateway("fonnte", &server.url("/send"), &["--timeout", "60"]);
    let bulk = shop.ok(&["notify", "bulk", "--tag", "rt05", "--template", "welcome"]);
    assert_eq!(bulk["queued"], 6);
    let mut worker = std::process::Command::new(assert_cmd::cargo::cargo_bin("pelanggan"))
        .args([
            "--db",
            shop.db.to_str().unwrap(),
            "notify",
            "run",
            "--until-empty",
        ])
        .env_remove("PELANGGAN_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        server.wait_for(3, Duration::from_secs(60)),
        "the third request arrives"
    );
    worker.kill().unwrap();
    worker.wait().unwrap();
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(run["recovered"], 1, "{run}");
    assert_eq!(run["sent"], 3, "{run}");
    // Every customer's number reached the gateway exactly once.
    let mut targets: Vec<String> = server
        .received()
        .iter()
        .map(|r| r.form("target").unwrap())
        .collect();
    targets.sort();
    let before = targets.len();
    targets.dedup();
    assert_eq!((before, targets.len()), (6, 6), "{targets:?}");
    // Nothing lost: five sent, the one in flight unknown (it did reach the gateway), none queued.
    assert_eq!(
        shop.statuses(),
        ["sent", "sent", "sent", "sent", "sent", "unknown"]
    );
}

#[test]
fn cloud_api_needs_a_template_outside_the_window_and_sends_the_mapped_one() {
    let server = FakeGateway::start(|r: &Received, _| {
        if r.json()["type"] == "text" {
            Reply::json(
                400,
                json!({"error": {"message": "Re-engagement message", "type": "OAuthException",
                "code": 131047, "error_data": {"messaging_product": "whatsapp",
                "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}}),
            )
        } else {
            Reply::json(
                200,
                json!({"messaging_product": "whatsapp", "messages": [{"id": "wamid.ABC"}]}),
            )
        }
    });
    let shop = Shop::with_customers(1);
    shop.gateway(
        "cloud-api",
        &server.url(""),
        &["--phone-number-id", "10987", "--api-version", "v20.0"],
    );
    shop.ok(&["notify", "send", WA[0], "--text", "Halo"]);
    shop.ok(&["notify", "run", "--until-empty"]);
    let m = &shop.outbox()[0];
    assert_eq!(m["status"], "failed");
    assert!(
        m["last_error"]
            .as_str()
            .unwrap()
            .contains("needs an approved template"),
        "{m}"
    );
    assert_eq!(m["attempt_log"][0]["outcome"], "needs_template");

    shop.ok(&[
        "notify",
        "template",
        "set",
        "welcome",
        "--text",
        "Halo {name}, selamat datang di {shop_name}!",
        "--cloud-name",
        "sambutan",
        "--cloud-language",
        "id",
        "--cloud-params",
        "name,shop_name",
    ]);
    shop.ok(&["notify", "send", WA[0], "--template", "welcome"]);
    shop.ok(&["notify", "run", "--until-empty"]);
    let got = server.received();
    let last = got.last().unwrap();
    assert_eq!(last.path, "/v20.0/10987/messages");
    assert_eq!(
        last.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        last.json()["template"],
        json!({"name": "sambutan", "language": {"code": "id"}, "components": [{"type": "body",
            "parameters": [{"type": "text", "text": "Pelanggan 0"}, {"type": "text", "text": "Toko Maju"}]}]})
    );
    assert_eq!(shop.outbox()[0]["gateway_message_id"], "wamid.ABC");
}

#[test]
fn a_webhook_with_an_idempotency_key_resends_an_unknown_message_with_the_same_key() {
    let server = FakeGateway::start(|_, i| {
        let reply = Reply::json(200, json!({"ok": true}));
        if i == 0 {
            reply.after(Duration::from_secs(3))
        } else {
            reply
        }
    });
    let shop = Shop::with_customers(1);
    shop.gateway(
        "webhook",
        &server.url("/kirim"),
        &[
            "--header",
            "X-Api-Key: {token}",
            "--body",
            r#"{"nomor":"{to_digits}","pesan":"{message}"}"#,
            "--success-path",
            "ok",
            "--success-value",
            "true",
            "--idempotency-key",
        ],
    );
    shop.ok(&["notify", "send", WA[0], "--text", "Halo \"Budi\""]);
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(run["sent"], 1, "{run}");
    let got = server.received();
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].header("idempotency-key"),
        got[1].header("idempotency-key")
    );
    assert!(got[0].header("idempotency-key").is_some());
    assert_eq!(got[1].header("x-api-key"), Some(TOKEN));
    assert_eq!(
        got[1].json(),
        json!({"nomor": "6281234567890", "pesan": "Halo \"Budi\""})
    );
}

#[test]
fn gateway_test_sends_now_and_prints_the_full_reply() {
    let server = FakeGateway::start(fonnte_ok);
    let shop = Shop::with_customers(1);
    shop.gateway("fonnte", &server.url("/send"), &["--pace", "60"]);
    let text = shop.text(&["notify", "gateway", "test", WA[0]]);
    assert!(
        text.contains("sent") && text.contains("success! message in queue"),
        "{text}"
    );
    assert_eq!(server.received().len(), 1);
    assert_eq!(shop.outbox()[0]["kind"], "test");
}

#[test]
fn templates_reminders_bulk_dry_run_opt_out_and_cancel() {
    let shop = Shop::with_customers(3);
    shop.refused(
        &[
            "notify",
            "template",
            "set",
            "promo",
            "--text",
            "Halo {nama}",
        ],
        "unknown_placeholder",
        Some("body"),
    );
    shop.ok(&[
        "notify",
        "template",
        "set",
        "promo",
        "--text",
        "Promo untuk {name} di {shop_name}",
    ]);
    let preview = shop.text(&["notify", "template", "preview", "promo", WA[0]]);
    assert_eq!(preview.trim(), "Promo untuk Pelanggan 0 di Toko Maju");
    let list = shop.ok(&["notify", "template", "list"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "promo" && t["built_in"] == false)
    );

    let rules = shop.ok(&["notify", "reminders", "show"]);
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["enabled"] == false),
        "off by default"
    );
    let rule = shop.ok(&[
        "notify",
        "reminders",
        "set",
        "overdue",
        "--on",
        "--days",
        "3",
        "--every",
        "7",
    ]);
    assert_eq!(
        (rule["enabled"].as_bool(), rule["every_days"].as_u64()),
        (Some(true), Some(7))
    );

    shop.ok(&["notify", "opt-out", WA[1]]);
    let dry = shop.ok(&[
        "notify",
        "bulk",
        "--tag",
        "rt05",
        "--template",
        "promo",
        "--dry-run",
    ]);
    assert_eq!(
        (dry["matched"].as_u64(), dry["queued"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(dry["skipped"][0]["reason"], "opted_out");
    assert!(shop.outbox().is_empty(), "a dry run queues nothing");
    let bulk = shop.ok(&["notify", "bulk", "--tag", "rt05", "--template", "promo"]);
    let batch = format!("B{}", bulk["batch"]);
    let cancelled = shop.ok(&["notify", "cancel", &batch]);
    assert_eq!(cancelled["cancelled"], 2);
    assert_eq!(shop.statuses(), ["cancelled", "cancelled"]);
    shop.refused(
        &["notify", "send", WA[1], "--text", "hi"],
        "not_notifiable",
        Some("customer"),
    );
    shop.refused(&["notify", "run", "--until-empty"], "gateway_not_set", None);
}

#[test]
fn an_issued_invoice_and_a_reminder_before_its_due_date_are_queued_once_and_sent() {
    let server = FakeGateway::start(fonnte_ok);
    let shop = Shop::with_customers(1);
    shop.gateway("fonnte", &server.url("/send"), &[]);
    shop.ok(&["settings", "set", "notify_invoice_issued", "on"]);
    // Billed two days ahead: due in two days, inside a 3-day reminder window.
    let due = (chrono::Utc::now() + chrono::TimeDelta::days(2))
        .format("%Y-%m-%d")
        .to_string();
    shop.ok(&[
        "subscription",
        "add",
        WA[0],
        "--type",
        "pppoe",
        "--username",
        "budi",
        "--profile",
        "10M",
        "--price",
        "150000",
        "--start",
        &due,
    ]);
    let issued = shop.ok(&["invoice", "issue-due", "--date", &due, "--yes"]);
    let number = issued[0]["number"].as_str().unwrap().to_owned();
    shop.ok(&[
        "notify",
        "reminders",
        "set",
        "before_due",
        "--on",
        "--days",
        "3",
    ]);
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(
        (run["reminders_queued"].as_u64(), run["sent"].as_u64()),
        (Some(1), Some(2)),
        "{run}"
    );
    // Again: neither is queued a second time.
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(
        (run["reminders_queued"].as_u64(), run["sent"].as_u64()),
        (Some(0), Some(0)),
        "{run}"
    );
    let texts: Vec<String> = server
        .received()
        .iter()
        .map(|r| r.form("message").unwrap())
        .collect();
    assert_eq!(texts.len(), 2);
    assert!(
        texts
            .iter()
            .all(|t| t.contains(&number) && t.contains("Rp 150.000")),
        "{texts:?}"
    );
    let kinds: Vec<String> = shop
        .outbox()
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["reminder_before_due", "invoice_issued"]);
}

#[test]
fn an_invoice_whose_message_cannot_be_written_is_issued_with_a_warning() {
    let shop = Shop::new();
    shop.ok(&["customer", "add", "--name", "Budi", "--whatsapp", WA[0]]);
    shop.ok(&["settings", "set", "notify_invoice_issued", "on"]);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    shop.ok(&[
        "subscription",
        "add",
        WA[0],
        "--type",
        "pppoe",
        "--username",
        "budi",
        "--profile",
        "10M",
        "--price",
        "150000",
        "--start",
        &today,
    ]);
    let out = shop
        .cmd(&["invoice", "issue-due", "--date", &today, "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: the invoice_issued WhatsApp message was not queued")
            && stderr.contains("shop_name"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 invoice issued"));
    assert!(shop.outbox().is_empty());
}

#[test]
fn one_sender_per_file_across_processes() {
    let server = FakeGateway::start(fonnte_ok);
    let shop = Shop::with_customers(1);
    shop.gateway("fonnte", &server.url("/send"), &[]);
    shop.ok(&["notify", "send", WA[0], "--text", "Halo"]);
    // A sender that runs until stopped (as the app's would).
    let mut sender = std::process::Command::new(assert_cmd::cargo::cargo_bin("pelanggan"))
        .args(["--db", shop.db.to_str().unwrap(), "notify", "run"])
        .env_remove("PELANGGAN_DB")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(server.wait_for(1, Duration::from_secs(60)), "it sends");
    shop.refused(&["notify", "run", "--until-empty"], "worker_busy", None);
    sender.kill().unwrap();
    sender.wait().unwrap();
    // Its lock went with it.
    let run = shop.ok(&["notify", "run", "--until-empty"]);
    assert_eq!(run["sent"], 0, "{run}");
    assert_eq!(server.received().len(), 1);
}
