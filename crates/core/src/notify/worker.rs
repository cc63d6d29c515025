//! The sender: a loop over the outbox with one shape. Claim a due message,
//! mark it in flight (committed), call the gateway, record the outcome, back
//! off; a kill at any point leaves the outbox recoverable.
//!
//! Owns what each `SendOutcome` does to the message and the gateway (sent,
//! failed, retried with exponential backoff and jitter or after the
//! gateway's `Retry-After`, a pause of the whole queue, a per-recipient
//! throttle, unknown), the pace per gateway, the recovery of messages a
//! killed worker left in flight (unknown: never resent automatically unless
//! the gateway honours an idempotency key), and the one-worker-per-file lock.
//! Must not know HTTP: it calls whatever `Gateway` the caller connects.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::gateways::{self, GatewayConfig, GatewayKind};
use super::outbox::{self, MessageStatus};
use super::transport::{CloudTemplate, Gateway, GatewayReply, OutgoingMessage, SendOutcome};
use crate::db::{Db, Write, new_id, timestamp};
use crate::error::{Code, Error, Result};
use crate::progress::Cancel;
use crate::worker_lock::FileLock;

/// The queued messages this desk sends (SQL over `messages m`): all of
/// them on the shop's sender (`notify_sender` names this device); with no
/// sender set, only those queued in this file, each desk sending its own
/// (one that arrived by sync from another desk is that desk's to send).
/// A desk that is not the sender sends none (`ensure_sender`).
const SENT_HERE: &str =
    "(m.origin IS NULL OR (SELECT value FROM settings WHERE key = 'notify_sender')
     = (SELECT device_id FROM device))";

/// The longest a retry waits, however many attempts came before.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// How much of a reply an attempt keeps.
const REPLY_MAX: usize = 2000;

/// Only one worker sends from a database file at a time
/// (`<db>.notify-worker.lock`, see `worker_lock`).
pub struct WorkerLock(FileLock);

impl WorkerLock {
    pub fn acquire(db_path: &Path) -> Result<WorkerLock> {
        FileLock::beside(
            db_path,
            ".notify-worker.lock",
            Code::WorkerBusy,
            "another Pelanggan is already sending this shop's messages \
             (the app, or another notify run); one sender at a time",
        )
        .map(WorkerLock)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

/// What one message's attempt came to, for progress lines.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AttemptReport {
    pub message: i64,
    pub customer_name: String,
    pub recipient: String,
    /// sent, failed, retry, paused, throttled, unknown, needs_template.
    pub outcome: String,
    /// Where the message is now.
    pub status: MessageStatus,
    pub detail: Option<String>,
    pub gateway_message_id: Option<String>,
}

/// What one turn of the worker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// One message was tried.
    Tried(AttemptReport),
    /// Nothing is due now; the earliest queued message (or the gateway's
    /// pace) is due at this time, None when nothing is queued.
    Idle { next: Option<DateTime<Utc>> },
    /// The active gateway is paused: nothing goes out until it is set again.
    Paused { reason: String },
}

/// A message claimed for sending.
struct Claimed {
    id: i64,
    uuid: String,
    attempt: i64,
    attempts: u32,
    gateway: GatewayConfig,
    message: OutgoingMessage,
    customer_name: String,
}

/// Messages a previous worker left in flight (killed between the claim and
/// the record): it may have sent them, so they are unknown, unless the
/// gateway honours an idempotency key (then queued: the same key again is
/// safe). Run once the lock is held. Returns how many.
pub fn recover(w: &mut Write<'_>) -> Result<u32> {
    let idempotent = gateways::active(w.tx())
        .map(|g| g.settings.idempotency_key)
        .unwrap_or(false);
    let stuck: Vec<(i64, String)> = {
        let mut stmt = w
            .tx()
            // Its own attempts: a message another desk is sending shows as
            // sending here too (synced), and is that desk's to recover.
            .prepare(
                "SELECT id, uuid FROM messages WHERE status = 'sending' AND id IN
                 (SELECT message_id FROM message_attempts WHERE outcome IS NULL)",
            )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let reason = "the sender stopped while this message was in flight: it may have been sent";
    for (id, uuid) in &stuck {
        w.exec(
            "UPDATE message_attempts SET finished_at = ?2, outcome = 'unknown', detail = ?3
             WHERE message_id = ?1 AND outcome IS NULL",
            params![id, w.now(), reason],
        )?;
        let to = if idempotent {
            MessageStatus::Queued
        } else {
            MessageStatus::Unknown
        };
        outbox::set_status(w, *id, uuid, to, Some(reason))?;
    }
    Ok(stuck.len() as u32)
}

fn claim(w: &mut Write<'_>) -> Result<std::result::Result<Claimed, Step>> {
    let now = w.now().to_owned();
    let Some(state) = gateways::active_state(w.tx())? else {
        return Err(gateways::active(w.tx())
            .err()
            .unwrap_or_else(|| Error::internal("an active gateway without its state")));
    };
    if let Some(reason) = state.paused_reason {
        return Ok(Err(Step::Paused { reason }));
    }
    let due = w
        .query_row(
            &format!(
                "SELECT m.id, m.uuid, m.recipient, m.body, m.cloud_template, m.attempts, c.name
             FROM messages m JOIN customers c ON c.id = m.customer_id
             WHERE m.status = 'queued' AND {SENT_HERE} ORDER BY m.next_attempt_at, m.id LIMIT 1"
            ),
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, u32>(5)?,
                    r.get::<_, String>(6)?,
                ))
            },
        )
        .optional()?;
    let next_attempt: Option<String> = match &due {
        None => None,
        Some((id, ..)) => Some(w.query_row(
            "SELECT next_attempt_at FROM messages WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?),
    };
    let Some((id, uuid, recipient, body, cloud, attempts, customer_name)) = due else {
        return Ok(Err(Step::Idle { next: None }));
    };
    // Due when both the message's next attempt and the gateway's pace allow.
    let not_before = match (next_attempt, state.next_send_at) {
        (Some(a), Some(b)) => a.max(b),
        (Some(a), None) => a,
        (None, b) => b.unwrap_or_default(),
    };
    if not_before > now {
        return Ok(Err(Step::Idle {
            next: parse_time(&not_before),
        }));
    }
    let gateway = gateways::active(w.tx())?;
    let template: Option<CloudTemplate> = cloud
        .map(|c| serde_json::from_str(&c))
        .transpose()
        .map_err(|e| Error::internal(format!("stored cloud template: {e}")))?;
    w.exec(
        "UPDATE messages SET status = 'sending', attempts = attempts + 1, gateway = ?2,
             updated_at = ?3 WHERE id = ?1",
        params![id, gateway.kind.as_str(), now],
    )?;
    let attempt_uuid = new_id();
    w.exec(
        "INSERT INTO message_attempts (uuid, message_id, gateway, started_at) VALUES (?1, ?2, ?3, ?4)",
        params![attempt_uuid, id, gateway.kind.as_str(), now],
    )?;
    let attempt = w.tx().last_insert_rowid();
    w.record_change(
        crate::wire::Entity::Message,
        &uuid,
        crate::db::ChangeOp::Update,
        Some("status"),
        Some(&serde_json::Value::String("sending".into())),
    )?;
    Ok(Ok(Claimed {
        id,
        attempt,
        attempts: attempts + 1,
        gateway,
        message: OutgoingMessage {
            key: uuid.clone(),
            to: recipient,
            text: body,
            template,
        },
        uuid,
        customer_name,
    }))
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn later(now: DateTime<Utc>, d: Duration) -> String {
    timestamp(now + TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX))
}

/// The wait before retry number `attempts` (1 = the first retry): the base
/// doubled each time up to an hour, half of it fixed and half random
/// ("equal jitter"), so that many messages failing together do not all come
/// back at once.
pub fn backoff(base: Duration, attempts: u32, seed: u64) -> Duration {
    let doubled = base.saturating_mul(1u32 << attempts.saturating_sub(1).min(20));
    let d = doubled.min(MAX_BACKOFF);
    let half = d / 2;
    let jitter_ns = (half.as_nanos() as u64).max(1);
    half + Duration::from_nanos(splitmix(seed) % jitter_ns)
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn seed(uuid: &str, attempts: u32) -> u64 {
    let nanos = Utc::now().timestamp_subsec_nanos() as u64;
    uuid.bytes().fold(nanos ^ u64::from(attempts), |h, b| {
        h.rotate_left(5) ^ u64::from(b)
    })
}

fn cut(text: &str) -> String {
    if text.len() <= REPLY_MAX {
        return text.to_owned();
    }
    let mut end = REPLY_MAX;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Records what the gateway answered to a claimed message.
fn record(w: &mut Write<'_>, c: &Claimed, reply: &GatewayReply) -> Result<AttemptReport> {
    let now = w.now_utc();
    let now_text = w.now().to_owned();
    let s = &c.gateway.settings;
    let kind: GatewayKind = c.gateway.kind;
    let outcome = &reply.outcome;
    w.exec(
        "UPDATE message_attempts SET finished_at = ?2, outcome = ?3, detail = ?4, reply = ?5
         WHERE id = ?1",
        params![
            c.attempt,
            now_text,
            outcome.name(),
            outcome.reason(),
            cut(&reply.reply)
        ],
    )?;
    // The pace: a request went out (or was tried), the next waits.
    gateways::hold_until(w, kind, &later(now, Duration::from_millis(s.pace_ms)))?;
    let retry_at = |after: Option<Duration>| {
        let wait = after.unwrap_or_else(|| {
            backoff(
                Duration::from_millis(s.retry_base_ms),
                c.attempts,
                seed(&c.uuid, c.attempts),
            )
        });
        later(now, wait)
    };
    let mut gateway_id = None;
    let status = match outcome {
        SendOutcome::Sent { gateway_id: id } => {
            gateway_id = id.clone();
            w.exec(
                "UPDATE messages SET gateway_message_id = ?2, sent_at = ?3, last_error = NULL
                 WHERE id = ?1",
                params![c.id, id, now_text],
            )?;
            outbox::set_status(w, c.id, &c.uuid, MessageStatus::Sent, None)?;
            MessageStatus::Sent
        }
        SendOutcome::Failed { reason } => {
            outbox::set_status(w, c.id, &c.uuid, MessageStatus::Failed, Some(reason))?;
            MessageStatus::Failed
        }
        SendOutcome::NeedsTemplate { reason } => {
            let why = format!(
                "needs an approved template (outside the customer's 24-hour window): {reason}"
            );
            outbox::set_status(w, c.id, &c.uuid, MessageStatus::Failed, Some(&why))?;
            MessageStatus::Failed
        }
        SendOutcome::Retry { reason, after } => {
            if let Some(after) = after {
                // A Retry-After speaks for the gateway, not only this message.
                gateways::hold_until(w, kind, &later(now, *after))?;
            }
            requeue(w, c, &retry_at(*after), reason)?;
            MessageStatus::Queued
        }
        SendOutcome::ThrottleRecipient { reason, after } => {
            let at = later(now, *after);
            // The limit is per recipient: their other messages wait as well.
            w.exec(
                "UPDATE messages SET next_attempt_at = max(next_attempt_at, ?2)
                 WHERE recipient = ?1 AND status = 'queued'",
                params![c.message.to, at],
            )?;
            requeue(w, c, &at, reason)?;
            MessageStatus::Queued
        }
        SendOutcome::PauseGateway { reason } => {
            requeue(w, c, &now_text, reason)?;
            gateways::pause(w, kind, reason)?;
            MessageStatus::Paused
        }
        SendOutcome::Unknown { reason } if s.idempotency_key => {
            // The gateway drops a repeat of the same key: sending again is safe.
            requeue(w, c, &retry_at(None), reason)?;
            MessageStatus::Queued
        }
        SendOutcome::Unknown { reason } => {
            outbox::set_status(w, c.id, &c.uuid, MessageStatus::Unknown, Some(reason))?;
            MessageStatus::Unknown
        }
    };
    Ok(AttemptReport {
        message: c.id,
        customer_name: c.customer_name.clone(),
        recipient: c.message.to.clone(),
        outcome: outcome.name().to_owned(),
        status,
        detail: outcome.reason().map(str::to_owned),
        gateway_message_id: gateway_id,
    })
}

fn requeue(w: &mut Write<'_>, c: &Claimed, at: &str, reason: &str) -> Result<()> {
    w.exec(
        "UPDATE messages SET next_attempt_at = ?2 WHERE id = ?1",
        params![c.id, at],
    )?;
    outbox::set_status(w, c.id, &c.uuid, MessageStatus::Queued, Some(reason))
}

/// Connects a transport for a gateway's configuration (the CLI and the app
/// pass `pelanggan_gateways::connect`; the core's tests an in-process fake).
pub type Connect<'a> = dyn Fn(&GatewayConfig) -> Result<Box<dyn Gateway>> + 'a;

/// One turn: claim the next due message, send it, record the outcome.
pub fn step(db: &mut Db, actor: Option<&str>, connect: &Connect<'_>) -> Result<Step> {
    ensure_sender(db)?;
    let claimed = db.write(actor, claim)?;
    let c = match claimed {
        Ok(c) => c,
        Err(idle) => return Ok(idle),
    };
    let reply = match connect(&c.gateway) {
        Ok(gateway) => gateway.send(&c.message),
        // A transport that cannot be built sent nothing: retry later.
        Err(e) => GatewayReply {
            outcome: SendOutcome::Retry {
                reason: e.to_string(),
                after: None,
            },
            reply: String::new(),
        },
    };
    let report = db.write(actor, |w| record(w, &c, &reply))?;
    Ok(Step::Tried(report))
}

/// Refuses to send from a desk that is not the shop's sender (the
/// `notify_sender` setting names one device; empty: whichever desk runs it).
fn ensure_sender(db: &Db) -> Result<()> {
    let sender = crate::settings::get(db.conn(), crate::settings::Key::NotifySender)?;
    if sender.is_empty() || sender == db.device_id() {
        return Ok(());
    }
    Err(Error::Refused {
        code: Code::NotTheSender,
        field: Some("notify_sender"),
        message: format!(
            "this desk ({}) is not the shop's message sender ({sender}): \
             messages are sent from that desk only, so none goes out twice",
            db.device_id()
        ),
    })
}

/// How `run` behaves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Stop once nothing is due (else run until cancelled).
    pub until_empty: bool,
    /// With `until_empty`: a message due within this long is waited for (a
    /// quick retry); one due later is left queued for the next run. The
    /// gateway's pace is always waited for.
    pub horizon: Duration,
    /// How often an idle worker looks again (without `until_empty`).
    pub poll: Duration,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            until_empty: false,
            horizon: Duration::from_secs(5),
            poll: Duration::from_secs(2),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "NotifyRunSummary"))]
pub struct RunSummary {
    /// Messages a killed worker had left in flight, now unknown (or queued).
    pub recovered: u32,
    /// Reminders the rules queued during the run.
    pub reminders_queued: u32,
    pub sent: u32,
    pub failed: u32,
    pub retried: u32,
    pub unknown: u32,
    /// Why the gateway is paused, when the run ended on a pause.
    pub paused: Option<String>,
    /// What is still queued at the end, and when the next is due.
    pub still_queued: u32,
    pub next_due: Option<String>,
}

/// The worker: holds the lock, recovers what a killed worker left in flight,
/// queues due reminders, then sends until cancelled (or, with `until_empty`,
/// until nothing is due). `on_attempt` hears of every attempt.
pub fn run(
    db: &mut Db,
    actor: Option<&str>,
    connect: &Connect<'_>,
    options: &RunOptions,
    cancel: &Cancel,
    mut on_attempt: impl FnMut(&AttemptReport),
) -> Result<RunSummary> {
    ensure_sender(db)?;
    let _lock = WorkerLock::acquire(db.path())?;
    let mut summary = RunSummary {
        recovered: db.write(actor, recover)?,
        ..RunSummary::default()
    };
    let mut reminders_at = Utc::now() - TimeDelta::hours(1);
    loop {
        if cancel.is_cancelled() {
            break;
        }
        if Utc::now() - reminders_at >= TimeDelta::minutes(1) {
            summary.reminders_queued += super::reminders::queue_due(db, actor)?.queued;
            reminders_at = Utc::now();
        }
        match step(db, actor, connect)? {
            Step::Tried(report) => {
                match report.status {
                    MessageStatus::Sent => summary.sent += 1,
                    MessageStatus::Failed => summary.failed += 1,
                    MessageStatus::Unknown => summary.unknown += 1,
                    _ => summary.retried += 1,
                }
                on_attempt(&report);
            }
            Step::Paused { reason } => {
                if options.until_empty {
                    summary.paused = Some(reason);
                    break;
                }
                sleep(options.poll, cancel);
            }
            Step::Idle { next } => {
                let now = Utc::now();
                let Some(next) = next else {
                    if options.until_empty {
                        break;
                    }
                    sleep(options.poll, cancel);
                    continue;
                };
                let wait = (next - now).to_std().unwrap_or_default();
                if options.until_empty {
                    let pace_only = pace_only(db, now)?;
                    if wait > options.horizon && !pace_only {
                        break;
                    }
                    sleep(wait, cancel);
                } else {
                    sleep(wait.min(options.poll), cancel);
                }
            }
        }
    }
    let conn = db.conn();
    let counts = outbox::counts(conn)?;
    summary.still_queued = counts.queued;
    summary.next_due = conn
        .query_row(
            &format!("SELECT min(m.next_attempt_at) FROM messages m WHERE m.status = 'queued' AND {SENT_HERE}"),
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(summary)
}

/// Whether the earliest queued message is due now and only the gateway's pace holds it.
fn pace_only(db: &Db, now: DateTime<Utc>) -> Result<bool> {
    let first: Option<String> = db.conn().query_row(
        &format!("SELECT min(m.next_attempt_at) FROM messages m WHERE m.status = 'queued' AND {SENT_HERE}"),
        [],
        |r| r.get(0),
    )?;
    Ok(first.is_some_and(|t| t <= timestamp(now)))
}

/// Sleeps `d`, waking early (every 100 ms) when cancelled.
fn sleep(d: Duration, cancel: &Cancel) {
    let step = Duration::from_millis(100);
    let mut left = d;
    while !left.is_zero() && !cancel.is_cancelled() {
        let nap = left.min(step);
        std::thread::sleep(nap);
        left -= nap;
    }
}

/// Sends one message to `reference` now through the active gateway and
/// returns the gateway's whole reply (`notify gateway test`). It is queued
/// and recorded like any other (kind `test`), so it is in the outbox too.
pub fn test_send(
    db: &mut Db,
    actor: Option<&str>,
    reference: &str,
    connect: &Connect<'_>,
) -> Result<TestReport> {
    let shop = crate::settings::get(db.conn(), crate::settings::Key::ShopName)?;
    let text = format!(
        "Pesan uji dari {}: gateway WhatsApp tersambung. / A test message: the WhatsApp gateway works.",
        if shop.is_empty() { "Pelanggan" } else { &shop }
    );
    let claimed = db.write(actor, |w| {
        let customer = crate::customers::resolve(w.reader(), reference)?;
        let id = outbox::queue(
            w,
            &customer,
            outbox::NewMessage {
                kind: outbox::MessageKind::Test,
                body: text.clone(),
                template: None,
                cloud: None,
                key: format!("test:{}", new_id()),
                batch: None,
            },
        )?
        .ok_or_else(|| Error::internal("a new key was already queued"))?;
        // Claimed at once, ahead of the queue and its pace: the admin is waiting.
        w.exec(
            "UPDATE messages SET next_attempt_at = '' WHERE id = ?1",
            [id],
        )?;
        w.exec(
            "UPDATE notify_gateways SET next_send_at = NULL WHERE active = 1",
            [],
        )?;
        match claim(w)? {
            Ok(c) if c.id == id => Ok(c),
            Ok(_) => Err(Error::internal("the test message was not the one claimed")),
            Err(Step::Paused { reason }) => Err(Error::Conflict(format!(
                "the gateway is paused ({reason}); set it again (notify gateway set) to resume"
            ))),
            Err(_) => Err(Error::internal("the test message was not claimed")),
        }
    })?;
    let reply = match connect(&claimed.gateway) {
        Ok(g) => g.send(&claimed.message),
        Err(e) => return Err(e),
    };
    let report = db.write(actor, |w| record(w, &claimed, &reply))?;
    Ok(TestReport {
        attempt: report,
        reply: reply.reply,
    })
}

/// `notify gateway test`'s answer: what the attempt came to and the gateway's full reply.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "GatewayTestReport"))]
pub struct TestReport {
    pub attempt: AttemptReport,
    pub reply: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_an_hour() {
        let base = Duration::from_secs(10);
        for seed in 0..50 {
            let first = backoff(base, 1, seed);
            assert!(
                first >= Duration::from_secs(5) && first <= base,
                "{first:?}"
            );
            let third = backoff(base, 3, seed);
            assert!(third >= Duration::from_secs(20) && third <= Duration::from_secs(40));
            assert!(backoff(base, 40, seed) <= MAX_BACKOFF);
        }
        let spread: std::collections::HashSet<_> = (0..20).map(|s| backoff(base, 2, s)).collect();
        assert!(spread.len() > 10, "jitter spreads retries apart");
    }
}
