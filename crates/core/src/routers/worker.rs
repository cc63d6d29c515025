//! The router worker: claims a queued row, marks it in flight, makes the
//! router hold its state through the `RouterClient`, and records the
//! outcome; a router that does not answer leaves its rows queued with the
//! reason, and the next pass (with back-off in `run`) tries again.
//!
//! One worker per database file at a time (`WorkerLock`, an OS file lock
//! that dies with its process): so a worker that starts and finds rows in
//! flight knows their worker is gone, and queues them again.

use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;

use super::client::{
    NewRouterUser, OWNED_COMMENT, RouterClient, RouterFailure, RouterResult, UserChange,
};
use super::config::{self, Credentials, RouterStatus};
use super::state::State;
use super::{isolir, outbox};
use crate::Db;
use crate::error::{Code, Result};
use crate::settings;
use crate::worker_lock::FileLock;

/// Opens a logged-in client for a router (the transport crate's job).
pub trait Connector {
    fn connect(&mut self, router: &Credentials) -> RouterResult<Box<dyn RouterClient>>;
}

impl<F> Connector for F
where
    F: FnMut(&Credentials) -> RouterResult<Box<dyn RouterClient>>,
{
    fn connect(&mut self, router: &Credentials) -> RouterResult<Box<dyn RouterClient>> {
        self(router)
    }
}

/// Held while a worker runs; dropped (or its process gone), the next may start.
#[derive(Debug)]
pub struct WorkerLock {
    _file: FileLock,
    /// Rows a worker that stopped had left in flight, queued again.
    pub recovered: usize,
}

/// Takes the worker lock of the database (`<db>.routers.lock` beside it)
/// and queues again what a stopped worker left in flight.
pub fn lock(db: &mut Db, actor: Option<&str>) -> Result<WorkerLock> {
    let file = FileLock::beside(
        db.path(),
        ".routers.lock",
        Code::RouterWorkerBusy,
        "another router worker is running on this database (the app or `pelanggan router run`)",
    )?;
    let recovered = db.write(actor, outbox::recover_in_flight)?;
    Ok(WorkerLock {
        _file: file,
        recovered,
    })
}

/// What one pass did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Pass {
    /// Rows the routers now hold.
    pub applied: u32,
    /// Rows a router refused this pass (retried later, or failed).
    pub refused: u32,
    /// Rows marked failed this pass.
    pub failed: u32,
    /// Rows still queued after the pass (a router down, a refusal to retry).
    pub waiting: i64,
    /// Each router the pass talked to, or tried to.
    pub routers: Vec<RouterPass>,
    /// Rows a stopped worker had left in flight, queued again at the start.
    pub recovered: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RouterPass {
    pub name: String,
    pub status: RouterStatus,
    pub error: Option<String>,
}

/// Sends every queued row once, router by router, each router's rows in the
/// order they were queued.
pub fn pass(
    db: &mut Db,
    actor: Option<&str>,
    _lock: &WorkerLock,
    connector: &mut dyn Connector,
) -> Result<Pass> {
    let mut out = Pass::default();
    let routers = outbox::routers_with_work(db.reader()?)?;
    for router_id in routers {
        let creds = config::credentials_of(db.reader()?, router_id)?;
        let status = router_pass(db, actor, &creds, connector, &mut out)?;
        out.routers.push(status);
    }
    out.waiting = outbox::pending(db.reader()?)?;
    Ok(out)
}

fn router_pass(
    db: &mut Db,
    actor: Option<&str>,
    creds: &Credentials,
    connector: &mut dyn Connector,
    out: &mut Pass,
) -> Result<RouterPass> {
    let connected = connector
        .connect(creds)
        .and_then(|mut c| c.version().map(|v| (c, v)));
    let mut client = match connected {
        Ok((client, version)) => {
            db.write(actor, |w| {
                config::record_contact(w, creds.router_id, RouterStatus::Ok, None, Some(&version))
            })?;
            client
        }
        Err(failure) => return down(db, actor, creds, None, &failure),
    };
    let mut after = 0;
    loop {
        let Some(row) = db.write(actor, |w| outbox::claim_next(w, creds.router_id, after))? else {
            break;
        };
        after = row.id;
        let (password, isolir_profile) = {
            let r = db.reader()?;
            (
                match row.subscription_id {
                    Some(id) => super::service_password(r, id)?,
                    None => None,
                },
                settings::isolir_profile(r.conn())?,
            )
        };
        match apply(
            client.as_mut(),
            &row.state,
            row.kick,
            password,
            &isolir_profile,
        ) {
            Ok(()) => {
                db.write(actor, |w| outbox::mark_done(w, &row))?;
                out.applied += 1;
            }
            Err(RouterFailure::Refused(message)) => {
                let failed = db.write(actor, |w| outbox::mark_refused(w, &row, &message))?;
                out.refused += 1;
                out.failed += u32::from(failed);
            }
            Err(failure) => return down(db, actor, creds, Some(&row), &failure),
        }
    }
    Ok(RouterPass {
        name: creds.name.clone(),
        status: RouterStatus::Ok,
        error: None,
    })
}

/// The router stopped answering (or refused the login): its rows wait.
fn down(
    db: &mut Db,
    actor: Option<&str>,
    creds: &Credentials,
    row: Option<&outbox::Claimed>,
    failure: &RouterFailure,
) -> Result<RouterPass> {
    let status = match failure {
        RouterFailure::LoginFailed(_) => RouterStatus::LoginFailed,
        _ => RouterStatus::Unreachable,
    };
    let error = failure.to_string();
    db.write(actor, |w| {
        if let Some(row) = row {
            outbox::mark_waiting(w, row, &error)?;
        }
        outbox::note_waiting(w, creds.router_id, &error)?;
        config::record_contact(w, creds.router_id, status, Some(&error), None)
    })?;
    Ok(RouterPass {
        name: creds.name.clone(),
        status,
        error: Some(error),
    })
}

/// Makes the router hold `state`: the user created or set (its profile,
/// enabled or disabled, its password) or removed, then its session kicked
/// when asked. Each step reads the router first, so a retry is harmless.
pub(crate) fn apply(
    client: &mut dyn RouterClient,
    state: &State,
    kick: bool,
    password: Option<String>,
    isolir_profile: &str,
) -> RouterResult<()> {
    let service = state.service;
    let existing = client.user(service, &state.username)?;
    match (&state.profile, existing) {
        (Some(profile), existing) if state.present => {
            if profile == isolir_profile && !client.profiles(service)?.iter().any(|p| p == profile)
            {
                client.add_profile(service, profile)?;
            }
            match existing {
                None => client.add_user(
                    service,
                    &NewRouterUser {
                        name: state.username.clone(),
                        password: password.unwrap_or_default(),
                        profile: profile.clone(),
                        disabled: state.disabled,
                        comment: OWNED_COMMENT.into(),
                    },
                )?,
                Some(user) => {
                    let change = UserChange {
                        password,
                        profile: (user.profile != *profile).then(|| profile.clone()),
                        disabled: (user.disabled != state.disabled).then_some(state.disabled),
                    };
                    if change != UserChange::default() {
                        client.set_user(service, &state.username, &change)?;
                    }
                }
            }
        }
        (_, Some(_)) => client.remove_user(service, &state.username)?,
        (_, None) => {}
    }
    if kick {
        client.kick(service, &state.username)?;
    }
    Ok(())
}

/// How long `run` sleeps after a pass that left rows waiting: 5 s, doubling
/// to 5 minutes; the first pass that empties the queue resets it.
pub fn backoff(failed_passes: u32) -> Duration {
    // 1 → 5 s, 2 → 10 s, ... 7 and more → 300 s.
    Duration::from_secs((5u64 << failed_passes.saturating_sub(1).min(6)).min(300))
}

/// The worker loop: a pass, the isolir check once a day (the shop's day),
/// then a sleep (`backoff` while rows wait, `idle` when the queue is
/// empty), until `stop` says so. `until_empty` makes it one pass.
pub fn run(
    db: &mut Db,
    actor: Option<&str>,
    connector: &mut dyn Connector,
    until_empty: bool,
    idle: Duration,
    stop: &dyn Fn() -> bool,
) -> Result<Pass> {
    let lock = lock(db, actor)?;
    let mut recovered = lock.recovered as u32;
    let mut checked: Option<NaiveDate> = None;
    let mut failed_passes = 0;
    loop {
        let today = db.reader()?.today();
        if !until_empty && checked != Some(today) {
            db.write(actor, |w| isolir::check(w, today))?;
            checked = Some(today);
        }
        let mut done = pass(db, actor, &lock, connector)?;
        done.recovered = std::mem::take(&mut recovered);
        if until_empty || stop() {
            return Ok(done);
        }
        let wait = if done.waiting > 0 {
            failed_passes += 1;
            backoff(failed_passes)
        } else {
            failed_passes = 0;
            idle
        };
        let mut slept = Duration::ZERO;
        while slept < wait {
            if stop() {
                return Ok(done);
            }
            let step = Duration::from_millis(200).min(wait - slept);
            std::thread::sleep(step);
            slept += step;
        }
    }
}
