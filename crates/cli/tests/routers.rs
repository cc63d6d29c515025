//! `pelanggan router|isolir` and `subscription ... --router` against the fake
//! RouterOS on 127.0.0.1 (binary API and REST): users made from
//! subscriptions, isolir after the grace days with the session kicked,
//! resume on payment, a router down for a while, a killed worker, router
//! sync, two routers. Every assertion is on what the fake router holds or
//! received, or on what the commands print.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::Shop;
use pelanggan_routeros::fake::{Config, FakeRouter, Tls};
use serde_json::Value;

const ROUTER_PASSWORD: &str = "rahasia-router-9731";

fn fake() -> FakeRouter {
    FakeRouter::start(Config {
        password: ROUTER_PASSWORD.into(),
        ..Config::default()
    })
}

impl Shop {
    /// `router add NAME` for the fake's binary API (or REST), password on stdin.
    fn add_router(&self, name: &str, fake: &FakeRouter, rest: bool) -> Value {
        let port = if rest {
            fake.rest_port()
        } else {
            fake.api_port()
        }
        .to_string();
        let api = if rest { "rest" } else { "binary" };
        let out = self
            .cmd(&[
                "router",
                "add",
                name,
                "--host",
                "127.0.0.1",
                "--port",
                &port,
                "--user",
                "admin",
                "--password-stdin",
                "--api",
                api,
                "--json",
            ])
            .write_stdin(format!("{ROUTER_PASSWORD}\n"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains(ROUTER_PASSWORD), "{text}");
        serde_json::from_str(&text).unwrap()
    }

    /// A customer with a PPPoE subscription on `router`, from 2026-11-01.
    fn subscriber(&self, name: &str, whatsapp: &str, username: &str, router: &str) -> Value {
        self.add(name, whatsapp);
        self.ok(&[
            "subscription",
            "add",
            whatsapp,
            "--type",
            "pppoe",
            "--username",
            username,
            "--profile",
            "paket-10M",
            "--price",
            "150000",
            "--start",
            "2026-11-01",
            "--router",
            router,
        ])
    }

    /// `router run --until-empty`, checked to print no router password.
    fn run_worker(&self) -> Value {
        let out = self
            .cmd(&["router", "run", "--until-empty", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains(ROUTER_PASSWORD), "{text}");
        serde_json::from_str(&text).unwrap()
    }

    fn router_row(&self, name: &str) -> Value {
        let list = self.ok(&["router", "list"]);
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no router {name} in {list}"))
    }

    fn actions(&self, customer: &str) -> Vec<Value> {
        self.ok(&["activity", customer])
            .as_array()
            .unwrap()
            .to_vec()
    }

    fn sub_status(&self, username: &str) -> String {
        let list = self.ok(&["subscription", "list", "--include-cancelled"]);
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["username"] == username)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn count(fake: &FakeRouter, command: &str, name: &str) -> usize {
    fake.log()
        .iter()
        .filter(|l| l[0] == command && l.contains(&format!("=name={name}")))
        .count()
}

#[test]
fn router_add_list_test_and_remove() {
    let shop = Shop::new();
    let fake = fake();
    let added = shop.add_router("kantor", &fake, false);
    assert_eq!(added["name"], "kantor");
    assert_eq!(added["port"], fake.api_port());
    assert_eq!(added["status"], "unknown");
    assert!(added.get("password").is_none());

    let listed = shop.text(&["router", "list"]);
    assert!(
        listed.contains("kantor") && !listed.contains(ROUTER_PASSWORD),
        "{listed}"
    );

    let tested = shop.ok(&["router", "test", "kantor"]);
    assert_eq!(tested["version"], "7.18.2 (stable)");
    assert_eq!(tested["pppoe_profiles"][1], "paket-10M");
    let text = shop.text(&["router", "test", "kantor"]);
    assert!(
        text.contains("RouterOS 7.18.2") && text.contains("paket-20M"),
        "{text}"
    );

    // The same name (any case) again is refused; a bad password is a login failure.
    let out = shop
        .cmd(&[
            "router",
            "add",
            "KANTOR",
            "--host",
            "127.0.0.1",
            "--user",
            "admin",
            "--password-stdin",
            "--json",
        ])
        .write_stdin("x\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(e["code"], "duplicate_router");
    let out = shop
        .cmd(&[
            "router",
            "add",
            "salah",
            "--host",
            "127.0.0.1",
            "--port",
            &fake.api_port().to_string(),
            "--user",
            "admin",
            "--password-stdin",
        ])
        .write_stdin("not-the-password\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    shop.refused(&["router", "test", "salah"], "router_login_failed", None);
    // Without a password on stdin nothing is added.
    let out = shop
        .cmd(&[
            "router",
            "add",
            "kosong",
            "--host",
            "h",
            "--user",
            "u",
            "--password-stdin",
            "--json",
        ])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));

    shop.subscriber("Budi", "081234567890", "budi", "kantor");
    shop.refused(
        &["router", "remove", "kantor"],
        "router_in_use",
        Some("name"),
    );
    shop.ok(&["router", "remove", "salah"]);
    shop.refused(&["router", "test", "salah"], "not_found", None);
}

#[test]
fn a_new_subscription_creates_its_user_with_a_password_shown_once() {
    for rest in [false, true] {
        let shop = Shop::new();
        let fake = fake();
        shop.add_router("kantor", &fake, rest);
        let sub = shop.subscriber("Budi", "081234567890", "budi", "kantor");
        let password = sub["router"]["generated_password"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(password.len(), 10);
        assert_eq!(sub["router"]["status"], "queued");
        assert_eq!(sub["username"], "budi");
        // Shown once: the list does not show it again.
        let list = shop.text(&["subscription", "list"]);
        assert!(!list.contains(&password));

        // Nothing reaches the router until the worker runs.
        assert!(fake.user(false, "budi").is_none());
        let pass = shop.run_worker();
        assert_eq!(pass["applied"], 1, "{pass}");
        let user = fake.user(false, "budi").unwrap();
        assert_eq!(user["service"], "pppoe");
        assert_eq!(user["profile"], "paket-10M");
        assert_eq!(user["password"], password);
        assert_eq!(user["comment"], "pelanggan");
        assert_eq!(user["disabled"], "false");
        assert_eq!(shop.router_row("kantor")["status"], "ok");
        assert_eq!(shop.router_row("kantor")["version"], "7.18.2 (stable)");

        // A hotspot subscription with a given password; a plan change sets the profile.
        shop.add("Sari", "081234567891");
        shop.ok(&[
            "subscription",
            "add",
            "081234567891",
            "--type",
            "hotspot",
            "--username",
            "sari",
            "--profile",
            "paket-20M",
            "--price",
            "50000",
            "--start",
            "2026-11-01",
            "--router",
            "kantor",
            "--service-password",
            "sari-pw-1",
        ]);
        shop.ok(&["subscription", "edit", "budi", "--profile", "paket-20M"]);
        assert_eq!(shop.run_worker()["applied"], 2);
        let hotspot = fake.user(true, "sari").unwrap();
        assert_eq!(hotspot["password"], "sari-pw-1");
        assert_eq!(hotspot["profile"], "paket-20M");
        assert_eq!(fake.user(false, "budi").unwrap()["profile"], "paket-20M");
        // Running again sends nothing more.
        let before = fake.log().len();
        assert_eq!(shop.run_worker()["applied"], 0);
        assert_eq!(fake.log().len(), before, "rest={rest}");

        // Cancel removes the user (router_on_cancel: remove, the default).
        shop.ok(&["subscription", "cancel", "sari"]);
        shop.run_worker();
        assert!(fake.user(true, "sari").is_none());
    }
}

#[test]
fn isolir_after_the_grace_days_kicks_the_session_and_payment_resumes() {
    let shop = Shop::new();
    let fake = fake();
    shop.add_router("kantor", &fake, false);
    shop.subscriber("Budi", "081234567890", "budi", "kantor");
    shop.subscriber("Sari", "081234567891", "sari", "kantor");
    shop.run_worker();
    fake.connect_session(false, "budi");
    fake.connect_session(false, "sari");
    // The customers hear of the suspension and the resume (WhatsApp notices).
    shop.ok(&["settings", "set", "shop_name", "Net Maju"]);
    shop.ok(&["settings", "set", "notify_isolir", "on"]);

    let issued = shop.ok(&["invoice", "issue-due", "--date", "2026-11-01"]);
    let numbers: Vec<&str> = issued
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 2);
    // Sari pays in time.
    shop.ok(&["payment", "record", "081234567891", "150000"]);

    // Due on the 1st, 3 grace days: nobody on the 4th, Budi on the 5th.
    let check = shop.ok(&["isolir", "check", "--date", "2026-11-04"]);
    assert_eq!(check["suspended"].as_array().unwrap().len(), 0, "{check}");
    let check = shop.ok(&["isolir", "check", "--date", "2026-11-05"]);
    let suspended = check["suspended"].as_array().unwrap();
    assert_eq!(suspended.len(), 1, "{check}");
    assert_eq!(suspended[0]["username"], "budi");
    assert_eq!(suspended[0]["owed"], "150000.00");
    assert_eq!(shop.sub_status("budi"), "suspended");
    assert_eq!(shop.sub_status("sari"), "active");
    let text = shop.text(&["isolir", "check", "--date", "2026-11-05"]);
    assert!(text.contains("0 suspended, 0 resumed"), "{text}");
    // Checking again does nothing new.
    let again = shop.ok(&["isolir", "check", "--date", "2026-11-06"]);
    assert_eq!(again["suspended"].as_array().unwrap().len(), 0);

    // Queued, not sent: the session still runs on the old profile.
    assert_eq!(fake.user(false, "budi").unwrap()["profile"], "paket-10M");
    assert_eq!(fake.sessions(false).len(), 2);
    let text = shop.text(&["router", "run", "--until-empty"]);
    assert!(
        text.contains("applied 1, refused 0") && text.contains("router kantor: ok"),
        "{text}"
    );
    assert_eq!(fake.user(false, "budi").unwrap()["profile"], "isolir");
    // The isolir profile was made, with a low rate limit.
    let profile = fake
        .state()
        .find("/ppp/profile", "isolir")
        .cloned()
        .unwrap();
    assert_eq!(profile["rate-limit"], "64k/64k");
    // Budi's session is gone (kicked), Sari's is untouched.
    let sessions = fake.sessions(false);
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["name"], "sari");

    let list = shop.ok(&["isolir", "list"]);
    assert_eq!(list[0]["username"], "budi");
    assert_eq!(list[0]["since"], "2026-11-05");
    assert_eq!(list[0]["invoice_number"], numbers[0]);
    let text = shop.text(&["isolir", "list"]);
    assert!(text.contains("budi") && text.contains(numbers[0]), "{text}");
    let log = shop.actions("081234567890");
    let isolir = log
        .iter()
        .find(|e| e["action"] == "isolir_suspended")
        .unwrap();
    assert_eq!(isolir["details"]["invoice_number"], numbers[0]);
    assert_eq!(isolir["details"]["grace_days"], 3);

    // Budi reconnects on the isolir profile, then pays: resumed at once.
    fake.connect_session(false, "budi");
    shop.ok(&["payment", "record", "081234567890", "150000"]);
    assert_eq!(shop.sub_status("budi"), "active");
    assert_eq!(shop.ok(&["isolir", "list"]), serde_json::json!([]));
    shop.run_worker();
    assert_eq!(fake.user(false, "budi").unwrap()["profile"], "paket-10M");
    let sessions = fake.sessions(false);
    assert_eq!(
        sessions.len(),
        1,
        "the isolir session is kicked: {sessions:?}"
    );
    assert_eq!(sessions[0]["name"], "sari");
    let log = shop.actions("081234567890");
    let resumed = log
        .iter()
        .find(|e| e["action"] == "isolir_resumed")
        .unwrap();
    assert_eq!(resumed["details"]["invoice_number"], numbers[0]);
    // One notice each, to Budi only, oldest last in the outbox.
    let outbox = shop.ok(&["notify", "outbox"]);
    let kinds: Vec<&str> = outbox
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["isolir_resumed", "isolir_suspended"], "{outbox}");
    assert!(outbox[1]["body"].as_str().unwrap().contains(numbers[0]));
    assert!(
        outbox[0]["body"]
            .as_str()
            .unwrap()
            .contains("aktif kembali")
    );
}

#[test]
fn the_disable_mode_disables_and_a_manual_suspension_is_not_lifted_by_payment() {
    let shop = Shop::new();
    let fake = fake();
    shop.add_router("kantor", &fake, false);
    shop.ok(&["settings", "set", "isolir_mode", "disable"]);
    shop.ok(&["settings", "set", "isolir_grace_days", "0"]);
    shop.subscriber("Budi", "081234567890", "budi", "kantor");
    shop.ok(&["invoice", "issue-due", "--date", "2026-11-01"]);
    let check = shop.ok(&["isolir", "check", "--date", "2026-11-02"]);
    assert_eq!(check["suspended"].as_array().unwrap().len(), 1);
    shop.run_worker();
    let user = fake.user(false, "budi").unwrap();
    assert_eq!(user["disabled"], "true");
    assert_eq!(user["profile"], "paket-10M");

    // Resumed by hand, then suspended by hand: a payment does not lift that.
    shop.ok(&["subscription", "resume", "budi"]);
    shop.ok(&["subscription", "suspend", "budi"]);
    shop.ok(&["payment", "record", "081234567890", "150000"]);
    assert_eq!(shop.sub_status("budi"), "suspended");
    shop.refused(
        &["settings", "set", "isolir_mode", "slow"],
        "validation",
        Some("value"),
    );
}

#[test]
fn a_router_down_for_a_while_gets_its_commands_once_in_order() {
    let shop = Shop::new();
    let mut fake = fake();
    shop.add_router("kantor", &fake, false);
    fake.stop();
    shop.subscriber("Budi", "081234567890", "budi", "kantor");
    shop.subscriber("Sari", "081234567891", "sari", "kantor");
    shop.subscriber("Joko", "081234567892", "joko", "kantor");
    // Joko's states supersede each other while they wait.
    shop.ok(&["subscription", "suspend", "joko"]);
    shop.ok(&["subscription", "resume", "joko"]);

    for _ in 0..2 {
        let pass = shop.run_worker();
        assert_eq!(pass["applied"], 0);
        assert_eq!(pass["waiting"], 3, "{pass}");
        assert_eq!(pass["routers"][0]["status"], "unreachable");
    }
    let row = shop.router_row("kantor");
    assert_eq!(row["status"], "unreachable");
    assert_eq!(row["queued"], 3);
    assert!(
        row["last_error"].as_str().unwrap().contains("unreachable"),
        "{row}"
    );
    let text = shop.text(&["router", "list"]);
    assert!(text.contains("unreachable"), "{text}");

    fake.restart();
    let pass = shop.run_worker();
    assert_eq!(pass["applied"], 3, "{pass}");
    assert_eq!(pass["waiting"], 0);
    // Each user made once, in the order they were queued.
    let adds: Vec<String> = fake
        .log()
        .iter()
        .filter(|l| l[0] == "/ppp/secret/add")
        .map(|l| l.iter().find(|w| w.starts_with("=name=")).unwrap().clone())
        .collect();
    assert_eq!(adds, ["=name=budi", "=name=sari", "=name=joko"]);
    assert_eq!(fake.user(false, "joko").unwrap()["profile"], "paket-10M");
    assert!(fake.state().find("/ppp/profile", "isolir").is_none());
    assert_eq!(shop.router_row("kantor")["status"], "ok");
}

#[test]
fn a_killed_worker_leaves_nothing_lost() {
    let shop = Shop::new();
    let fake = fake();
    shop.add_router("kantor", &fake, false);
    shop.subscriber("Budi", "081234567890", "budi", "kantor");

    // The router carries out the add but its answer never comes: the worker
    // waits in the middle of sending, and is killed there.
    fake.state().hold_replies = true;
    let mut worker = std::process::Command::new(assert_cmd::cargo::cargo_bin("pelanggan"))
        .args(["--db"])
        .arg(&shop.db)
        .args(["router", "run", "--until-empty"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while count(&fake, "/ppp/secret/add", "budi") == 0 {
        if let Some(status) = worker.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(worker.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("the worker ended ({status}) before sending: {err}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the worker never sent"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    worker.kill().unwrap();
    worker.wait().unwrap();
    fake.state().hold_replies = false;
    assert_eq!(shop.router_row("kantor")["queued"], 1);

    // The next worker sends it again; the router ends with one budi.
    let pass = shop.run_worker();
    assert_eq!(pass["recovered"], 1, "{pass}");
    assert_eq!(pass["applied"], 1);
    assert_eq!(shop.router_row("kantor")["queued"], 0);
    assert_eq!(fake.users(false).len(), 1);
    assert_eq!(count(&fake, "/ppp/secret/add", "budi"), 1);
    assert_eq!(fake.user(false, "budi").unwrap()["profile"], "paket-10M");
}

#[test]
fn router_sync_finds_drift_and_fixes_only_what_pelanggan_owns() {
    let shop = Shop::new();
    let fake = fake();
    shop.add_router("kantor", &fake, false);
    shop.subscriber("Budi", "081234567890", "budi", "kantor");
    shop.subscriber("Sari", "081234567891", "sari", "kantor");
    shop.run_worker();
    assert_eq!(
        shop.ok(&["router", "sync", "kantor"])["drift"]["items"],
        serde_json::json!([])
    );
    {
        let mut state = fake.state();
        let secrets = state.menus.get_mut("/ppp/secret").unwrap();
        secrets.retain(|r| r["name"] != "sari");
        for r in secrets.iter_mut() {
            r.insert("profile".into(), "default".into());
        }
        state.insert("/ppp/secret", &[("name", "tamu"), ("service", "pppoe")]);
        state.insert(
            "/ppp/secret",
            &[
                ("name", "lama"),
                ("service", "pppoe"),
                ("comment", "pelanggan"),
            ],
        );
    }
    let before = fake.users(false);
    let found = shop.ok(&["router", "sync", "kantor"]);
    let items = found["drift"]["items"].as_array().unwrap();
    let kinds: Vec<(String, String, bool)> = items
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["username"].as_str().unwrap().to_owned(),
                i["owned"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("wrong".to_owned(), "budi".to_owned(), true),
            ("missing".to_owned(), "sari".to_owned(), true),
            ("unknown".to_owned(), "lama".to_owned(), true),
            ("unknown".to_owned(), "tamu".to_owned(), false),
        ]
    );
    assert_eq!(items[0]["expected_profile"], "paket-10M");
    assert_eq!(items[0]["actual_profile"], "default");
    // Without --apply nothing changed on the router.
    assert_eq!(fake.users(false), before);
    let text = shop.text(&["router", "sync", "kantor"]);
    assert!(
        text.contains("--apply") && text.contains("left alone"),
        "{text}"
    );

    let fixed = shop.ok(&["router", "sync", "kantor", "--apply"]);
    assert_eq!(fixed["drift"]["queued"], 3, "{fixed}");
    assert_eq!(fixed["sent"]["applied"], 3);
    assert_eq!(fake.user(false, "budi").unwrap()["profile"], "paket-10M");
    assert_eq!(fake.user(false, "sari").unwrap()["profile"], "paket-10M");
    assert!(fake.user(false, "lama").is_none());
    assert!(
        fake.user(false, "tamu").is_some(),
        "a user Pelanggan did not make stays"
    );
    let again = shop.ok(&["router", "sync", "kantor"]);
    let left = again["drift"]["items"].as_array().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["username"], "tamu");
}

#[test]
fn two_routers_each_get_their_own_users_and_a_move_removes_the_old_one() {
    let shop = Shop::new();
    let mut kantor = fake();
    let pasar = fake();
    shop.add_router("kantor", &kantor, false);
    shop.add_router("pasar", &pasar, true);
    shop.subscriber("Budi", "081234567890", "budi", "kantor");
    shop.subscriber("Sari", "081234567891", "sari", "pasar");
    let pass = shop.run_worker();
    assert_eq!(pass["applied"], 2);
    assert!(kantor.user(false, "budi").is_some() && kantor.user(false, "sari").is_none());
    assert!(pasar.user(false, "sari").is_some() && pasar.user(false, "budi").is_none());

    // Budi moves to pasar: removed from kantor, made on pasar, same password.
    let password = kantor.user(false, "budi").unwrap()["password"].clone();
    let moved = shop.ok(&["subscription", "edit", "budi", "--router", "pasar"]);
    assert_eq!(moved["router"]["router"], "pasar");
    assert!(moved["router"].get("generated_password").is_none());
    shop.run_worker();
    assert!(kantor.user(false, "budi").is_none());
    assert_eq!(pasar.user(false, "budi").unwrap()["password"], password);

    // Kantor down does not hold up pasar.
    kantor.stop();
    shop.subscriber("Dewi", "081234567893", "dewi", "kantor");
    shop.ok(&[
        "subscription",
        "edit",
        "sari",
        "--service-password",
        "baru-123",
    ]);
    let pass = shop.run_worker();
    assert_eq!(pass["applied"], 1, "{pass}");
    assert_eq!(pass["waiting"], 1);
    assert_eq!(pasar.user(false, "sari").unwrap()["password"], "baru-123");
    assert_eq!(shop.router_row("kantor")["status"], "unreachable");
    assert_eq!(shop.router_row("pasar")["status"], "ok");
    kantor.restart();
    assert_eq!(shop.run_worker()["applied"], 1);
    assert!(kantor.user(false, "dewi").is_some());
}

#[test]
fn routers_over_tls_are_reached_with_the_pinned_certificate() {
    let shop = Shop::new();
    let tls = Tls::self_signed();
    let ca = shop.path("router.pem");
    std::fs::write(&ca, &tls.cert_pem).unwrap();
    let fake = FakeRouter::start_tls(
        Config {
            password: ROUTER_PASSWORD.into(),
            ..Config::default()
        },
        tls,
    );
    for (name, api, port) in [
        ("ssl", "binary", fake.api_port()),
        ("https", "rest", fake.rest_port()),
    ] {
        let out = shop
            .cmd(&[
                "router",
                "add",
                name,
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--user",
                "admin",
                "--password-stdin",
                "--api",
                api,
                "--tls",
                "--ca",
            ])
            .arg(&ca)
            .write_stdin(format!("{ROUTER_PASSWORD}\n"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let tested = shop.ok(&["router", "test", name]);
        assert_eq!(tested["version"], "7.18.2 (stable)", "{name}");
        assert_eq!(shop.router_row(name)["tls"], true);
    }
    shop.subscriber("Budi", "081234567890", "budi", "ssl");
    shop.subscriber("Sari", "081234567891", "sari", "https");
    assert_eq!(shop.run_worker()["applied"], 2);
    assert!(fake.user(false, "budi").is_some() && fake.user(false, "sari").is_some());
}
