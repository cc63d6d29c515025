//! The routers module's rules through the core's API, with an in-process
//! router behind the `RouterClient` trait (the real protocol is tested in
//! pelanggan-routeros and the CLI against a fake RouterOS on 127.0.0.1):
//! desired states and their superseding, the worker's outcomes, refusals
//! that fail for good, a router that does not answer, secrets kept out of
//! the change log and exports, and a privacy erase with outbox rows.

mod billing_support;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use billing_support::{customer, date, money, shop};
use pelanggan_core::billing::{payments, subscriptions};
use pelanggan_core::privacy;
use pelanggan_core::routers::client::{
    NewRouterUser, RouterClient, RouterFailure, RouterResult, RouterUser, ServiceType, UserChange,
};
use pelanggan_core::routers::outbox::{self, OutboxStatus};
use pelanggan_core::routers::{self, ApiKind, Credentials, NewRouter, config, isolir, worker};
use pelanggan_core::{Db, Error};

/// What the in-process router holds and was asked.
#[derive(Default)]
struct Router {
    /// (service, name) → (profile, disabled, password)
    users: BTreeMap<(String, String), (String, bool, String)>,
    sessions: Vec<String>,
    profiles: Vec<String>,
    calls: Vec<String>,
    down: bool,
    refuse_adds: bool,
}

#[derive(Clone, Default)]
struct Fake(Rc<RefCell<Router>>);

fn key(service: ServiceType, name: &str) -> (String, String) {
    (service.to_string(), name.to_owned())
}

impl Fake {
    fn call(&self, what: String) -> RouterResult<()> {
        let mut r = self.0.borrow_mut();
        if r.down {
            return Err(RouterFailure::Unreachable("connection refused".into()));
        }
        r.calls.push(what);
        Ok(())
    }
}

impl RouterClient for Fake {
    fn version(&mut self) -> RouterResult<String> {
        self.call("version".into())?;
        Ok("7.18.2".into())
    }
    fn profiles(&mut self, _: ServiceType) -> RouterResult<Vec<String>> {
        self.call("profiles".into())?;
        Ok(self.0.borrow().profiles.clone())
    }
    fn add_profile(&mut self, _: ServiceType, name: &str) -> RouterResult<()> {
        self.call(format!("add_profile {name}"))?;
        self.0.borrow_mut().profiles.push(name.into());
        Ok(())
    }
    fn users(&mut self, service: ServiceType) -> RouterResult<Vec<RouterUser>> {
        self.call("users".into())?;
        Ok(self
            .0
            .borrow()
            .users
            .iter()
            .filter(|((s, _), _)| *s == service.to_string())
            .map(|((_, n), (p, d, _))| RouterUser {
                name: n.clone(),
                profile: p.clone(),
                disabled: *d,
                comment: "pelanggan".into(),
            })
            .collect())
    }
    fn user(&mut self, service: ServiceType, name: &str) -> RouterResult<Option<RouterUser>> {
        self.call(format!("user {name}"))?;
        Ok(self
            .0
            .borrow()
            .users
            .get(&key(service, name))
            .map(|(p, d, _)| RouterUser {
                name: name.into(),
                profile: p.clone(),
                disabled: *d,
                comment: "pelanggan".into(),
            }))
    }
    fn add_user(&mut self, service: ServiceType, user: &NewRouterUser) -> RouterResult<()> {
        self.call(format!("add {}", user.name))?;
        if self.0.borrow().refuse_adds {
            return Err(RouterFailure::Refused(
                "input does not match any value of profile".into(),
            ));
        }
        self.0.borrow_mut().users.insert(
            key(service, &user.name),
            (user.profile.clone(), user.disabled, user.password.clone()),
        );
        Ok(())
    }
    fn set_user(&mut self, service: ServiceType, name: &str, c: &UserChange) -> RouterResult<()> {
        self.call(format!("set {name}"))?;
        let mut r = self.0.borrow_mut();
        let u = r
            .users
            .get_mut(&key(service, name))
            .ok_or_else(|| RouterFailure::Refused("no such item".into()))?;
        if let Some(p) = &c.profile {
            u.0 = p.clone();
        }
        if let Some(d) = c.disabled {
            u.1 = d;
        }
        if let Some(p) = &c.password {
            u.2 = p.clone();
        }
        Ok(())
    }
    fn remove_user(&mut self, service: ServiceType, name: &str) -> RouterResult<()> {
        self.call(format!("remove {name}"))?;
        self.0
            .borrow_mut()
            .users
            .remove(&key(service, name))
            .map(drop)
            .ok_or_else(|| RouterFailure::Refused("no such item".into()))
    }
    fn kick(&mut self, _: ServiceType, name: &str) -> RouterResult<usize> {
        self.call(format!("kick {name}"))?;
        let mut r = self.0.borrow_mut();
        let before = r.sessions.len();
        r.sessions.retain(|s| s != name);
        Ok(before - r.sessions.len())
    }
}

const ROUTER_SECRET: &str = "router-secret-5521";

fn add_router(db: &mut Db, name: &str) {
    db.write(None, |w| {
        config::add(
            w,
            NewRouter {
                name: name.into(),
                host: "192.168.88.1".into(),
                port: None,
                username: "admin".into(),
                password: ROUTER_SECRET.into(),
                api: ApiKind::Binary,
                tls: false,
                ca_file: None,
            },
        )
    })
    .unwrap();
}

/// A customer with a PPPoE subscription `username` on router `router`.
fn subscriber(db: &mut Db, whatsapp: &str, username: &str, router: &str) -> String {
    let c = customer(db, username, whatsapp);
    db.write(None, |w| {
        let s = subscriptions::add(
            w,
            &c,
            subscriptions::NewSubscription {
                kind: ServiceType::Pppoe,
                username: username.into(),
                profile: "10M".into(),
                price: money("150000"),
                cycle: None,
                start: date("2026-11-01"),
            },
        )?;
        routers::assign(w, &s.id, Some(router), Some("pw-1"))
    })
    .unwrap();
    c
}

fn rows(db: &Db) -> Vec<outbox::OutboxRow> {
    let mut rows = outbox::list(db.reader().unwrap(), None, true, 1000).unwrap();
    rows.reverse(); // oldest first
    rows
}

fn pass(db: &mut Db, fake: &Fake) -> worker::Pass {
    let lock = worker::lock(db, None).unwrap();
    let f = fake.clone();
    let mut connect = move |_: &Credentials| -> RouterResult<Box<dyn RouterClient>> {
        if f.0.borrow().down {
            return Err(RouterFailure::Unreachable("connection refused".into()));
        }
        Ok(Box::new(f.clone()))
    };
    worker::pass(db, None, &lock, &mut connect).unwrap()
}

#[test]
fn states_follow_the_subscription_and_a_newer_one_supersedes_a_queued_one() {
    let (_dir, mut db) = shop();
    add_router(&mut db, "kantor");
    subscriber(&mut db, "0812-3456-7890", "budi", "kantor");
    let r = rows(&db);
    assert_eq!(r.len(), 1);
    assert!(r[0].present && !r[0].kick && r[0].profile.as_deref() == Some("10M"));

    // A price change is nothing to the router.
    db.write(None, |w| {
        subscriptions::edit(
            w,
            "budi",
            subscriptions::SubscriptionPatch {
                price: Some(money("175000")),
                ..Default::default()
            },
        )
    })
    .unwrap();
    assert_eq!(rows(&db).len(), 1);

    // Suspended then resumed before anything went out: one live row, which
    // keeps the kick the suspension asked for.
    db.write(None, |w| subscriptions::suspend(w, "budi"))
        .unwrap();
    db.write(None, |w| {
        subscriptions::resume(w, "budi", date("2026-11-02"))
    })
    .unwrap();
    let r = rows(&db);
    let statuses: Vec<OutboxStatus> = r.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            OutboxStatus::Superseded,
            OutboxStatus::Superseded,
            OutboxStatus::Queued
        ]
    );
    assert_eq!(r[1].profile.as_deref(), Some("isolir"));
    assert!(r[2].kick && r[2].profile.as_deref() == Some("10M"));

    let fake = Fake::default();
    fake.0.borrow_mut().sessions.push("budi".into());
    let done = pass(&mut db, &fake);
    assert_eq!((done.applied, done.waiting), (1, 0));
    let calls = fake.0.borrow().calls.clone();
    assert_eq!(calls, ["version", "user budi", "add budi", "kick budi"]);
    assert_eq!(
        fake.0.borrow().users[&key(ServiceType::Pppoe, "budi")],
        ("10M".to_owned(), false, "pw-1".to_owned())
    );
    let status = routers::provisioning(db.reader().unwrap(), "budi").unwrap();
    assert_eq!(status.status, "applied");
    assert_eq!(status.router.as_deref(), Some("kantor"));
}

#[test]
fn a_router_that_does_not_answer_keeps_rows_queued_and_refusals_fail_after_five() {
    let (_dir, mut db) = shop();
    add_router(&mut db, "kantor");
    subscriber(&mut db, "0812-3456-7890", "budi", "kantor");
    let fake = Fake::default();
    fake.0.borrow_mut().down = true;
    for _ in 0..8 {
        let done = pass(&mut db, &fake);
        assert_eq!((done.applied, done.waiting), (0, 1));
    }
    let r = rows(&db);
    assert_eq!(r[0].status, OutboxStatus::Queued);
    assert_eq!(r[0].attempts, 0, "a router down counts no attempt");
    assert!(r[0].last_error.as_deref().unwrap().contains("unreachable"));
    let router = config::get(db.reader().unwrap(), "kantor").unwrap();
    assert_eq!(router.status, config::RouterStatus::Unreachable);
    assert_eq!(router.queued, 1);

    fake.0.borrow_mut().down = false;
    fake.0.borrow_mut().refuse_adds = true;
    for n in 1..=outbox::MAX_ATTEMPTS {
        let done = pass(&mut db, &fake);
        assert_eq!(done.refused, 1);
        assert_eq!(done.failed, u32::from(n == outbox::MAX_ATTEMPTS));
    }
    let r = rows(&db);
    assert_eq!(r[0].status, OutboxStatus::Failed);
    assert!(r[0].last_error.as_deref().unwrap().contains("profile"));
    assert_eq!(
        routers::provisioning(db.reader().unwrap(), "budi")
            .unwrap()
            .status,
        "failed"
    );
    // A failed row is not retried; the next change queues a fresh state.
    assert_eq!(pass(&mut db, &fake).refused, 0);
}

#[test]
fn isolir_needs_the_grace_days_and_a_debt_and_ends_with_the_payment() {
    let (_dir, mut db) = shop();
    add_router(&mut db, "kantor");
    let budi = subscriber(&mut db, "0812-3456-7890", "budi", "kantor");
    // A subscription without a router is never isolated.
    let sari = customer(&mut db, "Sari", "0813-1111-2222");
    db.write(None, |w| {
        subscriptions::add(
            w,
            &sari,
            subscriptions::NewSubscription {
                kind: ServiceType::Hotspot,
                username: "sari".into(),
                profile: "5M".into(),
                price: money("50000"),
                cycle: None,
                start: date("2026-11-01"),
            },
        )
    })
    .unwrap();
    db.write(None, |w| {
        pelanggan_core::billing::invoices::issue_due(w, date("2026-11-01"))
    })
    .unwrap();
    let check = |db: &mut Db, day: &str| db.write(None, |w| isolir::check(w, date(day))).unwrap();
    assert!(check(&mut db, "2026-11-04").suspended.is_empty());
    let c = check(&mut db, "2026-11-05");
    assert_eq!(c.suspended.len(), 1);
    assert_eq!(c.suspended[0].username, "budi");
    assert_eq!(c.suspended[0].owed, money("150000"));
    assert_eq!(isolir::list(db.reader().unwrap()).unwrap().len(), 1);

    // Half paid: still owing, still suspended.
    db.write(None, |w| {
        payments::record(w, &budi, money("75000"), payments::NewPayment::default())
    })
    .unwrap();
    assert_eq!(isolir::list(db.reader().unwrap()).unwrap().len(), 1);
    db.write(None, |w| {
        payments::record(w, &budi, money("75000"), payments::NewPayment::default())
    })
    .unwrap();
    assert!(isolir::list(db.reader().unwrap()).unwrap().is_empty());
    let sub = subscriptions::get(db.reader().unwrap(), "budi").unwrap();
    assert_eq!(sub.status, subscriptions::SubscriptionStatus::Active);
    let r = rows(&db);
    let last = r.last().unwrap();
    assert!(last.kick && last.profile.as_deref() == Some("10M"));
}

/// The WhatsApp notices of the customer's messages, oldest first: (kind, body).
fn notices(db: &Db) -> Vec<(String, String)> {
    let query = pelanggan_core::notify::outbox::OutboxQuery::default();
    let mut all = pelanggan_core::notify::outbox::list(db.reader().unwrap(), &query).unwrap();
    all.reverse();
    all.into_iter()
        .map(|m| (m.kind.to_string(), m.body))
        .collect()
}

#[test]
fn isolir_notices_go_out_on_suspend_and_resume_only_when_the_shop_sends_them() {
    use pelanggan_core::settings::{self, Key};
    let (_dir, mut db) = shop();
    add_router(&mut db, "kantor");
    let budi = subscriber(&mut db, "0812-3456-7890", "budi", "kantor");
    let sari = subscriber(&mut db, "0813-1111-2222", "sari", "kantor");
    subscriber(&mut db, "0813-3333-4444", "eko", "kantor");
    db.write(None, |w| settings::set(w, Key::ShopName, "Net Maju"))
        .unwrap();
    db.write(None, |w| {
        pelanggan_core::billing::invoices::issue_due(w, date("2026-11-01"))
    })
    .unwrap();
    // Off by default: the suspension happens, no notice.
    let first = db
        .write(None, |w| isolir::check(w, date("2026-11-05")))
        .unwrap();
    assert_eq!(first.suspended.len(), 3);
    assert!(notices(&db).is_empty());
    db.write(None, |w| {
        payments::record(w, &sari, money("150000"), payments::NewPayment::default())
    })
    .unwrap();
    assert!(
        notices(&db).is_empty(),
        "a resume with notices off is silent"
    );

    db.write(None, |w| settings::set(w, Key::NotifyIsolir, "on"))
        .unwrap();
    // Budi is still suspended: a later check sends nothing new.
    db.write(None, |w| isolir::check(w, date("2026-11-06")))
        .unwrap();
    assert!(notices(&db).is_empty());
    // The admin's resume of an isolated subscription tells the customer.
    db.write(None, |w| {
        subscriptions::resume(w, "budi", date("2026-11-06"))
    })
    .unwrap();
    let n = notices(&db);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].0, "isolir_resumed");
    assert!(n[0].1.contains("aktif kembali"), "{}", n[0].1);

    // Next month: Budi is suspended again for the invoice still unpaid,
    // and told which. (Sari's payment resumed her today, which skipped the
    // period that started while she was cut off: she has no December bill.)
    db.write(None, |w| {
        pelanggan_core::billing::invoices::issue_due(w, date("2026-12-01"))
    })
    .unwrap();
    let second = db
        .write(None, |w| isolir::check(w, date("2026-12-05")))
        .unwrap();
    assert_eq!(second.suspended.len(), 1, "{second:#?}");
    let number = second.suspended[0].invoice_number.clone().unwrap();
    let n = notices(&db);
    assert_eq!(n.len(), 2);
    assert_eq!(n[1].0, "isolir_suspended");
    assert!(
        n[1].1.contains("diisolir") && n[1].1.contains(&number) && n[1].1.contains("Net Maju"),
        "{}",
        n[1].1
    );

    // Budi pays what he owes: resumed, and told so, once.
    db.write(None, |w| {
        payments::record(w, &budi, money("300000"), payments::NewPayment::default())
    })
    .unwrap();
    let n = notices(&db);
    assert_eq!(n.len(), 3);
    assert_eq!(n[2].0, "isolir_resumed");
    // A cancel of an isolated subscription is no resume: no notice.
    assert_eq!(
        isolir::list(db.reader().unwrap()).unwrap()[0].username,
        "eko"
    );
    db.write(None, |w| subscriptions::cancel(w, "eko")).unwrap();
    assert_eq!(notices(&db).len(), 3);
}

#[test]
fn secrets_stay_out_of_the_change_log_and_the_privacy_export() {
    let (_dir, mut db) = shop();
    add_router(&mut db, "kantor");
    let budi = subscriber(&mut db, "0812-3456-7890", "budi", "kantor");
    let raw = rusqlite::Connection::open(db.path()).unwrap();
    let hits: i64 = raw
        .query_row(
            "SELECT count(*) FROM change_log WHERE coalesce(value, '') LIKE '%pw-1%'
                OR coalesce(value, '') LIKE ?1",
            [format!("%{ROUTER_SECRET}%")],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hits, 0);
    // The subscription's router is a fact the change log carries, by name.
    let router_changes: i64 = raw
        .query_row(
            "SELECT count(*) FROM change_log WHERE field = 'router' AND value = '\"kantor\"'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(router_changes, 1);
    let export = privacy::export(db.reader().unwrap(), &budi).unwrap();
    let text = serde_json::to_string(&export).unwrap();
    assert!(
        !text.contains("pw-1") && !text.contains(ROUTER_SECRET),
        "{text}"
    );
    let debug = format!(
        "{:?}",
        config::credentials(db.reader().unwrap(), "kantor").unwrap()
    );
    assert!(!debug.contains(ROUTER_SECRET), "{debug}");
}

#[test]
fn a_privacy_erase_keeps_what_the_router_still_has_to_do() {
    let (_dir, mut db) = shop();
    add_router(&mut db, "kantor");
    let budi = subscriber(&mut db, "0812-3456-7890", "budi", "kantor");
    pass(&mut db, &Fake::default());
    db.write(None, |w| subscriptions::cancel(w, "budi"))
        .unwrap();
    db.write(None, |w| {
        privacy::erase(w, &budi, true, privacy::Confirm::Yes)
    })
    .unwrap();
    let r = rows(&db);
    assert_eq!(r.len(), 1, "the sent row is forgotten, the removal kept");
    assert!(!r[0].present && r[0].status == OutboxStatus::Queued);
}

#[test]
fn router_names_are_unique_and_a_router_in_use_stays() {
    let (_dir, mut db) = shop();
    add_router(&mut db, "kantor");
    let again = db.write(None, |w| {
        config::add(
            w,
            NewRouter {
                name: "Kantor".into(),
                host: "h".into(),
                port: None,
                username: "u".into(),
                password: "p".into(),
                api: ApiKind::Rest,
                tls: true,
                ca_file: None,
            },
        )
    });
    assert!(matches!(again, Err(Error::Refused { code, .. }) if code == "duplicate_router"));
    subscriber(&mut db, "0812-3456-7890", "budi", "kantor");
    let removed = db.write(None, |w| config::remove(w, "kantor"));
    assert!(matches!(removed, Err(Error::Refused { code, .. }) if code == "router_in_use"));
    assert_eq!(
        config::get(db.reader().unwrap(), "kantor").unwrap().port,
        8728
    );
}

#[test]
fn the_worker_loop_runs_the_isolir_check_before_sending() {
    let (_dir, mut db) = shop();
    add_router(&mut db, "kantor");
    subscriber(&mut db, "0812-3456-7890", "budi", "kantor");
    // Due on 2026-11-01: past any grace by the time this runs.
    db.write(None, |w| {
        pelanggan_core::billing::invoices::issue_due(w, date("2026-11-01"))
    })
    .unwrap();
    let fake = Fake::default();
    let f = fake.clone();
    let mut connect =
        move |_: &Credentials| -> RouterResult<Box<dyn RouterClient>> { Ok(Box::new(f.clone())) };
    // Stopped after its first pass.
    let done = worker::run(
        &mut db,
        None,
        &mut connect,
        false,
        std::time::Duration::from_secs(30),
        &|| true,
    )
    .unwrap();
    assert_eq!(done.applied, 1, "{done:?}");
    let users = fake.0.borrow().users.clone();
    assert_eq!(users[&key(ServiceType::Pppoe, "budi")].0, "isolir");
    assert!(fake.0.borrow().profiles.contains(&"isolir".to_owned()));
    // A second worker may not start while one holds the lock.
    let held = worker::lock(&mut db, None).unwrap();
    let busy = worker::lock(&mut db, None);
    assert!(matches!(busy, Err(Error::Refused { code, .. }) if code == "router_worker_busy"));
    drop(held);
    worker::lock(&mut db, None).unwrap();
}

#[test]
fn backoff_grows_from_five_seconds_to_five_minutes() {
    let secs: Vec<u64> = (1..=9).map(|n| worker::backoff(n).as_secs()).collect();
    assert_eq!(secs, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
}

#[test]
fn a_new_username_or_type_removes_the_old_user_first() {
    let (_dir, mut db) = shop();
    add_router(&mut db, "kantor");
    subscriber(&mut db, "0812-3456-7890", "budi", "kantor");
    let fake = Fake::default();
    pass(&mut db, &fake);
    db.write(None, |w| {
        subscriptions::edit(
            w,
            "budi",
            subscriptions::SubscriptionPatch {
                username: Some("budi2".into()),
                kind: Some(ServiceType::Hotspot),
                ..Default::default()
            },
        )
    })
    .unwrap();
    let done = pass(&mut db, &fake);
    assert_eq!(done.applied, 2);
    let users: Vec<(String, String)> = fake.0.borrow().users.keys().cloned().collect();
    assert_eq!(users, [("hotspot".to_owned(), "budi2".to_owned())]);
    assert_eq!(
        fake.0.borrow().users[&key(ServiceType::Hotspot, "budi2")].2,
        "pw-1",
        "the password goes with it"
    );
}

#[test]
fn a_subscription_on_a_router_is_added_or_edited_whole_or_not_at_all() {
    let (_dir, mut db) = shop();
    add_router(&mut db, "kantor");
    add_router(&mut db, "rw05");
    let c = customer(&mut db, "Sari", "081234567890");
    let new = |start: &str| subscriptions::NewSubscription {
        kind: ServiceType::Pppoe,
        username: "sari".into(),
        profile: "10M".into(),
        price: money("150000"),
        cycle: None,
        start: date(start),
    };
    let subscriptions_of = |db: &Db| {
        let query = subscriptions::SubscriptionQuery {
            customer: Some(c.clone()),
            ..Default::default()
        };
        subscriptions::list(db.reader().unwrap(), &query)
            .unwrap()
            .items
    };
    // A router that does not exist, or a start far off: no subscription is left.
    let refused = db.write(None, |w| {
        routers::add_subscription(w, &c, new("2026-11-01"), false, "nowhere", None)
    });
    assert_eq!(refused.unwrap_err().code(), "not_found");
    let refused = db.write(None, |w| {
        routers::add_subscription(w, &c, new("2099-01-01"), false, "kantor", None)
    });
    assert_eq!(refused.unwrap_err().code(), "date_out_of_range");
    assert!(subscriptions_of(&db).is_empty());
    // Added on its router, with a password generated and shown once.
    let added = db
        .write(None, |w| {
            routers::add_subscription(w, &c, new("2026-11-01"), false, "kantor", None)
        })
        .unwrap();
    assert_eq!(added.router.router.as_deref(), Some("kantor"));
    assert!(added.router.generated_password.is_some());
    // An edit whose move is refused is undone with it...
    let patch = || subscriptions::SubscriptionPatch {
        profile: Some("20M".into()),
        ..Default::default()
    };
    let refused = db.write(None, |w| {
        routers::edit_subscription(w, &added.subscription.id, patch(), Some("nowhere"), None)
    });
    assert_eq!(refused.unwrap_err().code(), "not_found");
    assert_eq!(subscriptions_of(&db)[0].profile, "10M");
    // ...and one that is accepted moves it, edited.
    let moved = db
        .write(None, |w| {
            routers::edit_subscription(w, &added.subscription.id, patch(), Some("rw05"), None)
        })
        .unwrap();
    assert_eq!(
        (
            moved.subscription.profile.as_str(),
            moved.router.router.as_deref()
        ),
        ("20M", Some("rw05"))
    );
    assert_eq!(
        moved.router.generated_password, None,
        "it has a password already"
    );
}
