//! WhatsApp notifications against a real SQLite file, with an in-process
//! fake of the `Gateway` trait (the real transports are tested against HTTP
//! servers in crates/gateways): queueing in the cause's own transaction,
//! each outcome's effect on the outbox and the gateway, recovery after a
//! kill, reminders queued once per period, bulk sends and their skips, and
//! the token kept out of everything.

mod common;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use chrono::NaiveDate;
use common::{WA1, WA2, WA3, WA4, add, open, raw};
use pelanggan_core::billing::invoices;
use pelanggan_core::billing::payments::{self, NewPayment};
use pelanggan_core::billing::subscriptions::{self, NewSubscription, ServiceType};
use pelanggan_core::customers::{self, CustomerPatch, Status};
use pelanggan_core::notify::bulk::{self, Selection};
use pelanggan_core::notify::gateways::{self, GatewayKind, GatewayPatch, Secret};
use pelanggan_core::notify::outbox::{self, Content, MessageStatus, OutboxQuery, SkipReason};
use pelanggan_core::notify::reminders::{self, Rule, RulePatch};
use pelanggan_core::notify::templates::{self, TemplateInput};
use pelanggan_core::notify::worker::{self, Step};
use pelanggan_core::notify::{Gateway, GatewayConfig, GatewayReply, OutgoingMessage, SendOutcome};
use pelanggan_core::progress::Cancel;
use pelanggan_core::search::Filter;
use pelanggan_core::settings::{self, Key};
use pelanggan_core::tags::TagInput;
use pelanggan_core::{Db, Money, Result};

const TOKEN: &str = "secret-token-98765";

/// A gateway that answers from a script (then `Sent`) and records what it was asked to send.
#[derive(Default)]
struct Fake {
    script: RefCell<VecDeque<SendOutcome>>,
    sent: RefCell<Vec<OutgoingMessage>>,
}

struct FakeGateway(Rc<Fake>);

impl Gateway for FakeGateway {
    fn send(&self, msg: &OutgoingMessage) -> GatewayReply {
        self.0.sent.borrow_mut().push(msg.clone());
        let n = self.0.sent.borrow().len();
        let outcome = self
            .0
            .script
            .borrow_mut()
            .pop_front()
            .unwrap_or(SendOutcome::Sent {
                gateway_id: Some(format!("gw-{n}")),
            });
        GatewayReply {
            outcome,
            reply: format!("reply {n}"),
        }
    }
}

impl Fake {
    fn new(script: Vec<SendOutcome>) -> Rc<Fake> {
        Rc::new(Fake {
            script: RefCell::new(script.into()),
            sent: RefCell::default(),
        })
    }
}

fn connect(fake: &Rc<Fake>) -> impl Fn(&GatewayConfig) -> Result<Box<dyn Gateway>> + '_ {
    move |_| Ok(Box::new(FakeGateway(fake.clone())) as Box<dyn Gateway>)
}

/// A shop with a name and a Fonnte gateway with no pace and instant retries.
fn shop() -> (tempfile::TempDir, Db) {
    let (dir, mut db) = open();
    db.write(None, |w| settings::set(w, Key::ShopName, "Toko Maju"))
        .unwrap();
    set_gateway(&mut db, false);
    (dir, db)
}

fn set_gateway(db: &mut Db, idempotent: bool) {
    db.write(None, |w| {
        gateways::set(
            w,
            GatewayKind::Fonnte,
            GatewayPatch {
                url: Some("http://127.0.0.1:9/send".into()),
                token: Some(Secret::new(TOKEN)),
                pace_ms: Some(0),
                retry_base_ms: Some(0),
                idempotency_key: Some(idempotent),
                ..GatewayPatch::default()
            },
        )
    })
    .unwrap();
}

fn send_text(db: &mut Db, who: &str, text: &str) -> outbox::Message {
    db.write(None, |w| outbox::send(w, who, &Content::Text(text.into())))
        .unwrap()
}

fn step(db: &mut Db, fake: &Rc<Fake>) -> Step {
    worker::step(db, None, &connect(fake)).unwrap()
}

fn message(db: &Db, id: i64) -> outbox::Message {
    outbox::get(db.reader().unwrap(), &id.to_string()).unwrap()
}

fn tried(step: Step) -> worker::AttemptReport {
    match step {
        Step::Tried(r) => r,
        other => panic!("expected an attempt, got {other:?}"),
    }
}

#[test]
fn a_message_is_sent_once_with_the_gateway_id_and_its_attempt() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    let m = send_text(&mut db, WA1, "Halo Budi");
    assert_eq!(m.status, MessageStatus::Queued);
    let fake = Fake::new(vec![]);
    let report = tried(step(&mut db, &fake));
    assert_eq!(report.status, MessageStatus::Sent);
    assert_eq!(step(&mut db, &fake), Step::Idle { next: None });
    let sent = fake.sent.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].to.as_str(), sent[0].text.as_str()),
        ("+6281234567890", "Halo Budi")
    );
    assert_eq!(
        sent[0].key, m.uuid,
        "the message's identity is its idempotency key"
    );
    let m = message(&db, m.id);
    assert_eq!(m.status, MessageStatus::Sent);
    assert_eq!(m.gateway_message_id.as_deref(), Some("gw-1"));
    assert_eq!(m.attempt_log.len(), 1);
    assert_eq!(m.attempt_log[0].outcome.as_deref(), Some("sent"));
    assert_eq!(m.attempt_log[0].reply.as_deref(), Some("reply 1"));
}

#[test]
fn a_retry_goes_again_and_a_permanent_failure_does_not() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    let m = send_text(&mut db, WA1, "one");
    let fake = Fake::new(vec![
        SendOutcome::Retry {
            reason: "HTTP 500".into(),
            after: None,
        },
        SendOutcome::Failed {
            reason: "target invalid".into(),
        },
    ]);
    assert_eq!(tried(step(&mut db, &fake)).status, MessageStatus::Queued);
    assert_eq!(tried(step(&mut db, &fake)).status, MessageStatus::Failed);
    assert_eq!(
        step(&mut db, &fake),
        Step::Idle { next: None },
        "no retry after a failure"
    );
    let m = message(&db, m.id);
    assert_eq!(m.attempts, 2);
    assert_eq!(m.last_error.as_deref(), Some("target invalid"));
    let outcomes: Vec<_> = m
        .attempt_log
        .iter()
        .map(|a| a.outcome.clone().unwrap())
        .collect();
    assert_eq!(outcomes, ["retry", "failed"]);
}

#[test]
fn retry_after_holds_the_message_and_the_gateway() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    let m = send_text(&mut db, WA1, "one");
    let fake = Fake::new(vec![SendOutcome::Retry {
        reason: "429".into(),
        after: Some(Duration::from_secs(120)),
    }]);
    tried(step(&mut db, &fake));
    match step(&mut db, &fake) {
        Step::Idle { next: Some(next) } => {
            let wait = next - chrono::Utc::now();
            assert!(wait > chrono::TimeDelta::seconds(100), "{wait}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(message(&db, m.id).status, MessageStatus::Queued);
    assert_eq!(fake.sent.borrow().len(), 1);
}

#[test]
fn a_disconnected_device_pauses_the_whole_queue_until_the_gateway_is_set_again() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    add(&mut db, "Sari", WA2);
    let a = send_text(&mut db, WA1, "one");
    let b = send_text(&mut db, WA2, "two");
    let fake = Fake::new(vec![SendOutcome::PauseGateway {
        reason: "Fonnte: request invalid on disconnected device".into(),
    }]);
    assert_eq!(tried(step(&mut db, &fake)).status, MessageStatus::Paused);
    assert!(
        matches!(step(&mut db, &fake), Step::Paused { reason } if reason.contains("disconnected"))
    );
    assert_eq!(
        fake.sent.borrow().len(),
        1,
        "the queue is not burnt through"
    );
    for id in [a.id, b.id] {
        let m = message(&db, id);
        assert_eq!(m.status, MessageStatus::Paused, "nothing marked failed");
    }
    let view = &gateways::list(db.reader().unwrap()).unwrap()[0];
    assert!(
        view.paused_reason
            .as_deref()
            .unwrap()
            .contains("disconnected")
    );
    // Made while paused, a message waits with the others.
    let c = send_text(&mut db, WA2, "three");
    assert_eq!(c.status, MessageStatus::Paused);
    // The phone is back: saving the gateway resumes the queue.
    db.write(None, |w| {
        gateways::set(w, GatewayKind::Fonnte, GatewayPatch::default())
    })
    .unwrap();
    for _ in 0..3 {
        tried(step(&mut db, &fake));
    }
    for id in [a.id, b.id, c.id] {
        assert_eq!(message(&db, id).status, MessageStatus::Sent);
    }
}

#[test]
fn a_timeout_after_sending_is_unknown_and_never_resent_automatically() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    let m = send_text(&mut db, WA1, "one");
    let fake = Fake::new(vec![SendOutcome::Unknown {
        reason: "no answer before the timeout".into(),
    }]);
    assert_eq!(tried(step(&mut db, &fake)).status, MessageStatus::Unknown);
    assert_eq!(step(&mut db, &fake), Step::Idle { next: None });
    assert_eq!(fake.sent.borrow().len(), 1);
    // The admin checked with the customer: it did arrive.
    let m = db
        .write(None, |w| outbox::mark_sent(w, &m.id.to_string()))
        .unwrap();
    assert_eq!(m.status, MessageStatus::Sent);
    // Another one, resent by the admin's choice.
    let n = send_text(&mut db, WA1, "two");
    fake.script.borrow_mut().push_back(SendOutcome::Unknown {
        reason: "reset".into(),
    });
    tried(step(&mut db, &fake));
    db.write(None, |w| outbox::retry(w, &n.id.to_string()))
        .unwrap();
    assert_eq!(tried(step(&mut db, &fake)).status, MessageStatus::Sent);
    assert_eq!(fake.sent.borrow().len(), 3);
}

#[test]
fn with_an_idempotency_key_an_unknown_message_is_sent_again_with_the_same_key() {
    let (_dir, mut db) = shop();
    set_gateway(&mut db, true);
    add(&mut db, "Budi", WA1);
    send_text(&mut db, WA1, "one");
    let fake = Fake::new(vec![SendOutcome::Unknown {
        reason: "timeout".into(),
    }]);
    assert_eq!(tried(step(&mut db, &fake)).status, MessageStatus::Queued);
    assert_eq!(tried(step(&mut db, &fake)).status, MessageStatus::Sent);
    let sent = fake.sent.borrow();
    assert_eq!(sent[0].key, sent[1].key);
}

#[test]
fn a_throttled_recipient_waits_and_a_free_text_needing_a_template_fails_with_the_reason() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    let a = send_text(&mut db, WA1, "one");
    let fake = Fake::new(vec![
        SendOutcome::ThrottleRecipient {
            reason: "131056".into(),
            after: Duration::from_secs(6),
        },
        SendOutcome::NeedsTemplate {
            reason: "131047".into(),
        },
    ]);
    assert_eq!(tried(step(&mut db, &fake)).status, MessageStatus::Queued);
    assert!(matches!(step(&mut db, &fake), Step::Idle { next: Some(_) }));
    db.write(None, |w| outbox::retry(w, &a.id.to_string()))
        .unwrap_err();
    let b = send_text(&mut db, WA1, "two");
    raw(&db)
        .execute(
            "UPDATE messages SET next_attempt_at = '' WHERE id = ?1",
            [a.id],
        )
        .unwrap();
    tried(step(&mut db, &fake));
    let a = message(&db, a.id);
    assert_eq!(a.status, MessageStatus::Failed);
    assert!(a.last_error.unwrap().contains("template"));
    assert_eq!(message(&db, b.id).status, MessageStatus::Queued);
}

#[test]
fn a_worker_killed_in_flight_leaves_the_message_unknown_for_the_next() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    let m = send_text(&mut db, WA1, "one");
    // What a kill between the claim and the record leaves behind.
    raw(&db)
        .execute_batch(&format!(
            "UPDATE messages SET status = 'sending', attempts = 1 WHERE id = {id};
             INSERT INTO message_attempts (uuid, message_id, gateway, started_at)
             VALUES ('a1', {id}, 'fonnte', '2026-01-01T00:00:00.000Z');",
            id = m.id
        ))
        .unwrap();
    assert_eq!(db.write(None, worker::recover).unwrap(), 1);
    let m = message(&db, m.id);
    assert_eq!(m.status, MessageStatus::Unknown);
    assert_eq!(m.attempt_log[0].outcome.as_deref(), Some("unknown"));
    let fake = Fake::new(vec![]);
    assert_eq!(
        step(&mut db, &fake),
        Step::Idle { next: None },
        "not resent"
    );
}

#[test]
fn one_worker_per_file() {
    let (_dir, db) = shop();
    let lock = worker::WorkerLock::acquire(db.path()).unwrap();
    let err = worker::WorkerLock::acquire(db.path()).err().unwrap();
    assert_eq!(err.code(), "worker_busy");
    drop(lock);
    worker::WorkerLock::acquire(db.path()).unwrap();
}

#[test]
fn run_until_empty_sends_everything_due_and_stops() {
    let (_dir, mut db) = shop();
    for (name, wa) in [("A", WA1), ("B", WA2), ("C", WA3)] {
        add(&mut db, name, wa);
        send_text(&mut db, wa, "hi");
    }
    let fake = Fake::new(vec![SendOutcome::Retry {
        reason: "500".into(),
        after: None,
    }]);
    let options = worker::RunOptions {
        until_empty: true,
        ..worker::RunOptions::default()
    };
    let mut seen = Vec::new();
    let summary = worker::run(
        &mut db,
        None,
        &connect(&fake),
        &options,
        &Cancel::new(),
        |a| seen.push(a.outcome.clone()),
    )
    .unwrap();
    assert_eq!(
        (summary.sent, summary.retried, summary.still_queued),
        (3, 1, 0)
    );
    assert_eq!(seen, ["retry", "sent", "sent", "sent"]);
}

#[test]
fn no_gateway_no_sending_and_a_token_is_never_shown_or_synced() {
    let (_dir, mut db) = open();
    add(&mut db, "Budi", WA1);
    send_text(&mut db, WA1, "hi");
    let fake = Fake::new(vec![]);
    let err = worker::step(&mut db, None, &connect(&fake)).unwrap_err();
    assert_eq!(err.code(), "gateway_not_set");
    set_gateway(&mut db, false);
    let view = &gateways::list(db.reader().unwrap()).unwrap()[0];
    assert_eq!(view.token, "••••8765");
    let json = serde_json::to_string(view).unwrap();
    assert!(!json.contains(TOKEN), "{json}");
    let config = gateways::active(db.conn()).unwrap();
    assert_eq!(config.token.expose(), TOKEN);
    assert!(!format!("{config:?}").contains(TOKEN));
    let leaked: i64 = raw(&db)
        .query_row(
            "SELECT count(*) FROM change_log WHERE value LIKE ?1",
            [format!("%{TOKEN}%")],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leaked, 0, "the token is not in the change log");
}

#[test]
fn templates_refuse_unknown_placeholders_and_render_rupiah_and_dates() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    let err = db
        .write(None, |w| {
            templates::set(
                w,
                "promo",
                "id",
                TemplateInput {
                    body: "Halo {nama}".into(),
                    cloud: None,
                },
            )
        })
        .unwrap_err();
    assert_eq!(err.code(), "unknown_placeholder");
    db.write(None, |w| {
        pelanggan_core::balance::debit(
            w,
            WA1,
            Money::parse("amount", "1500000").unwrap(),
            &pelanggan_core::ledger::EntryNote::new("old debt"),
        )
    })
    .unwrap();
    db.write(None, |w| {
        templates::set(
            w,
            "promo",
            "id",
            TemplateInput {
                body: "Halo {name}, utang {debt}, saldo {balance} - {shop_name}".into(),
                cloud: None,
            },
        )
    })
    .unwrap();
    let text = outbox::preview(
        db.reader().unwrap(),
        WA1,
        &Content::Template {
            name: "promo".into(),
            invoice: None,
            payment: None,
        },
    )
    .unwrap();
    assert_eq!(
        text,
        "Halo Budi, utang Rp 1.500.000, saldo -Rp 1.500.000 - Toko Maju"
    );
    // The invoice template needs an invoice: never a blank.
    let err = outbox::preview(
        db.reader().unwrap(),
        WA1,
        &Content::Template {
            name: "invoice_issued".into(),
            invoice: None,
            payment: None,
        },
    )
    .unwrap_err();
    assert_eq!(err.code(), "missing_placeholder");
}

fn subscribe(db: &mut Db, who: &str, username: &str, start: NaiveDate) {
    db.write(None, |w| {
        subscriptions::add(
            w,
            who,
            NewSubscription {
                kind: ServiceType::Pppoe,
                username: username.into(),
                profile: "10M".into(),
                price: Money::parse("price", "150000").unwrap(),
                cycle: None,
                start,
            },
        )
    })
    .unwrap();
}

#[test]
fn invoice_and_payment_messages_are_queued_with_them_only_when_turned_on() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    let today = db.reader().unwrap().today();
    subscribe(&mut db, WA1, "budi", today);
    db.write(None, |w| invoices::issue_due(w, today)).unwrap();
    let all = |db: &Db| outbox::list(db.reader().unwrap(), &OutboxQuery::default()).unwrap();
    assert!(all(&db).is_empty(), "off by default");

    db.write(None, |w| settings::set(w, Key::NotifyInvoiceIssued, "on"))
        .unwrap();
    db.write(None, |w| settings::set(w, Key::NotifyPaymentReceived, "on"))
        .unwrap();
    let next = today + chrono::Months::new(1);
    let issued = db.write(None, |w| invoices::issue_due(w, next)).unwrap();
    assert_eq!(issued.len(), 1);
    let messages = all(&db);
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.kind.as_str(), "invoice_issued");
    assert!(m.body.contains(&issued[0].number), "{}", m.body);
    assert!(m.body.contains("Rp 150.000"), "{}", m.body);
    assert!(
        m.body
            .contains(&templates::date_text(issued[0].due_date, "id")),
        "{}",
        m.body
    );

    db.write(None, |w| {
        payments::record(
            w,
            WA1,
            Money::parse("amount", "300000").unwrap(),
            NewPayment::default(),
        )
    })
    .unwrap();
    let messages = all(&db);
    assert_eq!(messages.len(), 2);
    assert!(
        messages[0].body.contains("Rp 300.000"),
        "{}",
        messages[0].body
    );

    // A payment whose message cannot be written (no shop name) is still recorded.
    db.write(None, |w| settings::set(w, Key::ShopName, ""))
        .unwrap();
    let warned = db
        .write_warned(None, |w| {
            payments::record(
                w,
                WA1,
                Money::parse("amount", "1000").unwrap(),
                NewPayment::default(),
            )
        })
        .unwrap();
    assert_eq!(warned.warnings[0].code, "message_not_queued");
    assert_eq!(all(&db).len(), 2);
}

#[test]
fn reminders_are_off_by_default_and_queued_once_per_period() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    let today = db.reader().unwrap().today();
    // An invoice due two days from now, unpaid.
    subscribe(&mut db, WA1, "budi", today + chrono::TimeDelta::days(2));
    db.write(None, |w| {
        invoices::issue_due(w, today + chrono::TimeDelta::days(2))
    })
    .unwrap();
    assert_eq!(
        reminders::queue_due(&mut db, None).unwrap().queued,
        0,
        "off by default"
    );
    let rules = reminders::list(db.reader().unwrap()).unwrap();
    assert!(rules.iter().all(|r| !r.enabled));

    db.write(None, |w| {
        reminders::set(
            w,
            Rule::BeforeDue,
            RulePatch {
                enabled: Some(true),
                days: Some(3),
                every_days: None,
            },
        )
    })
    .unwrap();
    db.write(None, |w| {
        reminders::set(
            w,
            Rule::Debt,
            RulePatch {
                enabled: Some(true),
                ..RulePatch::default()
            },
        )
    })
    .unwrap();
    assert_eq!(reminders::queue_due(&mut db, None).unwrap().queued, 2);
    assert_eq!(
        reminders::queue_due(&mut db, None).unwrap().queued,
        0,
        "twice: once"
    );
    let kinds: Vec<String> = outbox::list(db.reader().unwrap(), &OutboxQuery::default())
        .unwrap()
        .iter()
        .map(|m| m.kind.to_string())
        .collect();
    assert_eq!(kinds, ["debt_reminder", "reminder_before_due"]);
    let keys: Vec<String> = raw(&db)
        .prepare("SELECT dedupe_key FROM messages ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(keys[0].starts_with("reminder:before_due:"), "{keys:?}");
    assert!(keys[1].starts_with("reminder:debt:"), "{keys:?}");
}

#[test]
fn a_bulk_send_to_a_tag_skips_who_may_not_receive_it_with_reasons() {
    let (_dir, mut db) = shop();
    for (name, wa) in [("Ani", WA1), ("Budi", WA2), ("Citra", WA3), ("Dedi", WA4)] {
        add(&mut db, name, wa);
        db.write(None, |w| {
            customers::add_tag(w, wa, &TagInput::new("rt05", None).unwrap())
        })
        .unwrap();
    }
    db.write(None, |w| {
        customers::edit(
            w,
            WA2,
            CustomerPatch {
                status: Some(Status::Blacklisted),
                ..CustomerPatch::default()
            },
        )
    })
    .unwrap();
    db.write(None, |w| outbox::set_opt_out(w, WA3, true))
        .unwrap();
    db.write(None, |w| customers::delete(w, WA4)).unwrap();
    db.write(None, |w| {
        templates::set(
            w,
            "gangguan",
            "id",
            TemplateInput {
                body: "Halo {name}, jaringan RT05 sedang perbaikan. - {shop_name}".into(),
                cloud: None,
            },
        )
    })
    .unwrap();
    let selection = Selection::Filter(Filter {
        tags_any: vec!["rt05".into()],
        include_deleted: true,
        ..Filter::default()
    });
    let cancel = Cancel::new();
    let dry = db
        .dry_run(None, |w| {
            bulk::queue(w, &selection, "gangguan", &cancel, |_| {})
        })
        .unwrap();
    assert_eq!((dry.matched, dry.queued, dry.skipped_count), (4, 1, 3));
    assert!(
        outbox::list(db.reader().unwrap(), &OutboxQuery::default())
            .unwrap()
            .is_empty()
    );

    let summary = db
        .write(None, |w| {
            bulk::queue(w, &selection, "gangguan", &cancel, |_| {})
        })
        .unwrap();
    let mut reasons: Vec<(String, SkipReason)> = summary
        .skipped
        .iter()
        .map(|s| (s.name.clone(), s.reason))
        .collect();
    reasons.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        reasons,
        [
            ("Budi".to_owned(), SkipReason::Blacklisted),
            ("Citra".to_owned(), SkipReason::OptedOut),
            ("Dedi".to_owned(), SkipReason::Deleted),
        ]
    );
    assert_eq!(
        summary.sample.as_deref(),
        Some("Halo Ani, jaringan RT05 sedang perbaikan. - Toko Maju")
    );
    let cancelled = db
        .write(None, |w| outbox::cancel_batch(w, summary.batch.unwrap()))
        .unwrap();
    assert_eq!(cancelled, 1);
    let m = &outbox::list(db.reader().unwrap(), &OutboxQuery::default()).unwrap()[0];
    assert_eq!(
        m.status,
        MessageStatus::Cancelled,
        "kept in the outbox as cancelled"
    );

    // A cancelled queueing queues nothing.
    cancel.cancel();
    let err = db
        .write(None, |w| {
            bulk::queue(w, &selection, "gangguan", &cancel, |_| {})
        })
        .unwrap_err();
    assert_eq!(err.code(), "cancelled");
    assert_eq!(
        outbox::list(db.reader().unwrap(), &OutboxQuery::default())
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn an_opted_out_or_blacklisted_customer_is_refused_a_direct_send() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    assert!(!outbox::opt_out_of(db.reader().unwrap(), WA1).unwrap());
    db.write(None, |w| outbox::set_opt_out(w, WA1, true))
        .unwrap();
    assert!(outbox::opt_out_of(db.reader().unwrap(), WA1).unwrap());
    let r = db.reader().unwrap();
    let text = outbox::preview_body(r, WA1, "Halo {name}!", None).unwrap();
    assert_eq!(text, "Halo Budi!");
    let err = outbox::preview_body(r, WA1, "Halo {nama}", None).unwrap_err();
    assert_eq!(err.code(), "unknown_placeholder");
    let err = db
        .write(None, |w| outbox::send(w, WA1, &Content::Text("hi".into())))
        .unwrap_err();
    assert_eq!(err.code(), "not_notifiable");
}

#[test]
fn a_privacy_export_holds_the_messages_and_an_erase_erases_them() {
    let (_dir, mut db) = shop();
    let c = add(&mut db, "Budi", WA1);
    send_text(&mut db, WA1, "hi");
    let fake = Fake::new(vec![]);
    tried(step(&mut db, &fake));
    db.write(None, |w| outbox::set_opt_out(w, WA1, true))
        .unwrap();
    let doc = pelanggan_core::privacy::export(db.reader().unwrap(), &c.id).unwrap();
    assert!(doc.customer.notify_opt_out);
    assert_eq!(doc.messages.len(), 1);
    assert_eq!(doc.messages[0].body, "hi");
    assert_eq!(
        doc.messages[0].attempt_log[0].outcome.as_deref(),
        Some("sent")
    );
    db.write(None, |w| {
        pelanggan_core::privacy::erase(w, &c.id, false, pelanggan_core::privacy::Confirm::Yes)
    })
    .unwrap();
    let left: i64 = raw(&db)
        .query_row(
            "SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM message_attempts)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn a_throttled_recipient_holds_their_other_messages_but_not_anyone_elses() {
    let (_dir, mut db) = shop();
    add(&mut db, "Budi", WA1);
    add(&mut db, "Sari", WA2);
    let a = send_text(&mut db, WA1, "one");
    let b = send_text(&mut db, WA1, "two");
    let c = send_text(&mut db, WA2, "three");
    let fake = Fake::new(vec![SendOutcome::ThrottleRecipient {
        reason: "131056".into(),
        after: Duration::from_secs(60),
    }]);
    assert_eq!(tried(step(&mut db, &fake)).message, a.id);
    assert_eq!(
        tried(step(&mut db, &fake)).message,
        c.id,
        "Sari is not held"
    );
    assert!(matches!(step(&mut db, &fake), Step::Idle { next: Some(_) }));
    assert_eq!(message(&db, b.id).status, MessageStatus::Queued);
    assert_eq!(fake.sent.borrow().len(), 2);
}

#[test]
fn anonymising_a_customer_removes_the_number_text_and_replies_of_their_messages() {
    let (_dir, mut db) = shop();
    let c = add(&mut db, "Budi Santoso", WA1);
    send_text(&mut db, WA1, "Halo Budi Santoso");
    let fake = Fake::new(vec![]);
    tried(step(&mut db, &fake));
    db.write(None, |w| {
        pelanggan_core::privacy::anonymise(w, &c.id, pelanggan_core::privacy::Confirm::Yes)
    })
    .unwrap();
    let m = &outbox::list(db.reader().unwrap(), &OutboxQuery::default()).unwrap()[0];
    assert_eq!(m.body, "[removed]");
    assert_ne!(m.recipient, "+6281234567890");
    assert_eq!(m.attempt_log[0].reply, None);
    assert_eq!(m.status, MessageStatus::Sent, "what happened stays");
    let leaked: i64 = raw(&db)
        .query_row(
            "SELECT count(*) FROM change_log WHERE value LIKE '%Budi Santoso%' OR value LIKE '%6281234567890%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(leaked, 0, "nothing of the customer left in the change log");
}

#[test]
fn templates_list_on_a_new_shop() {
    let (_dir, db) = shop();
    let list = templates::list(db.reader().unwrap()).unwrap();
    assert!(list.iter().any(|t| t.name == "welcome"));
    serde_json::to_string(&list).unwrap();
}
