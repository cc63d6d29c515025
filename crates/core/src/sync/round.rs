//! One sync round: push what is pending, then pull and merge what others
//! pushed. Each push page is acknowledged before the next (the server
//! dedups by batch id and by change, so a page re-sent after a lost answer
//! doubles nothing); each pulled page is merged in one write with the
//! cursor that follows it.

use pelanggan_sync_protocol::{HLC_COUNTER_BITS, PROTOCOL, PULL_LIMIT_DEFAULT, PushRequest, Seq};
use serde::Serialize;
use uuid::Uuid;

use super::incoming::{self, Applied};
use super::transport::{Failure, Transport};
use super::{outgoing, restore, state};
use crate::db::Db;
use crate::error::{Code, Error, Result};

/// Changes per push request.
pub const PUSH_PAGE: usize = 1000;

/// What a round did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    /// This device's changes the server now holds (new to it).
    pub pushed: u64,
    /// Re-sent changes the server already held.
    pub duplicates: u64,
    pub pulled: Applied,
    /// The server's newest sequence after the round.
    pub cursor: String,
    /// This round told the server of a restore (`restore`): the device id
    /// this file had, replaced by a new one; everything was pushed and
    /// pulled again.
    pub replaced_device: Option<String>,
}

/// Runs one round through `transport`. A server that does not answer gives
/// `sync_unreachable`, a refusal `sync_refused` (its code in the message);
/// either is noted for `sync status`, and what was done before it is kept.
pub fn run(db: &mut Db, actor: Option<&str>, transport: &mut dyn Transport) -> Result<Report> {
    state::require(db.reader()?)?;
    match exchange(db, actor, transport) {
        Ok(report) => {
            let epoch = db.write(actor, state::note_success)?;
            restore::write_sidecar(db.path(), &epoch);
            Ok(report)
        }
        Err(e) => {
            db.write(actor, |w| state::note_failure(w, &e))?;
            Err(e)
        }
    }
}

fn exchange(db: &mut Db, actor: Option<&str>, transport: &mut dyn Transport) -> Result<Report> {
    let status = transport.status().map_err(Error::from)?;
    if status.protocol != PROTOCOL {
        return Err(Error::refused(
            Code::SyncRefused,
            format!(
                "the sync server speaks protocol {}, this program {PROTOCOL}: please update",
                status.protocol
            ),
        ));
    }
    let mut report = Report::default();
    // A restored file (found at open, or now by the server's record) tells
    // the server before pushing anything.
    let mut pending = restore::rotation_pending(db.reader()?)?;
    if !pending && restore::restored_per_server(db.reader()?, &status, db.device_id())? {
        restore::recover_locally(db)?;
        pending = true;
    }
    if pending {
        let device_id =
            Uuid::parse_str(db.device_id()).map_err(|e| Error::Internal(e.to_string()))?;
        let rotated = transport.rotate(device_id).map_err(Error::from)?;
        let clock = status
            .last_pushed_hlc
            .map_or(0, |h| h.0)
            .max(status.server_time_ms << HLC_COUNTER_BITS);
        db.write(actor, |w| restore::rotated(w, &rotated.token, clock))?;
        report.replaced_device = Some(rotated.replaced.to_string());
    }
    push(db, actor, transport, &mut report)?;
    let mut after = state::cursor(db.reader()?)?;
    let mut snapshot = false;
    loop {
        let page = match transport.pull(Seq(after), PULL_LIMIT_DEFAULT, snapshot) {
            // Behind the server's compaction: everything again, from the
            // start and through to the end, page by page (what is already
            // held is skipped).
            Err(Failure::Refused { code, .. }) if code == "behind_horizon" && !snapshot => {
                after = 0;
                snapshot = true;
                continue;
            }
            other => other.map_err(Error::from)?,
        };
        let next = page.next.0;
        let applied = db.write(actor, |w| {
            let applied = incoming::apply(w, &page.changes)?;
            state::set_cursor(w, next)?;
            Ok(applied)
        })?;
        report.pulled.applied += applied.applied;
        report.pulled.held += applied.held;
        report.pulled.skipped += applied.skipped;
        after = next;
        if !page.more {
            break;
        }
    }
    // What a pull recorded again under this id (`restore::forked`) goes
    // out in the same round.
    push(db, actor, transport, &mut report)?;
    report.cursor = after.to_string();
    Ok(report)
}

/// Pushes every pending change, page by page, each acknowledged before the next.
fn push(
    db: &mut Db,
    actor: Option<&str>,
    transport: &mut dyn Transport,
    report: &mut Report,
) -> Result<()> {
    let device = db.device_id().to_owned();
    while let Some(page) = outgoing::page(db.reader()?, &device, PUSH_PAGE)? {
        // The same pending page gets the same batch id: a retry after a lost
        // answer is recognised by the server as the batch it already stored.
        let first = page.changes.first().map_or(0, |c| c.hlc.0);
        let batch_id = Uuid::new_v5(
            &Uuid::NAMESPACE_OID,
            format!("{device}:{first}:{}", page.last_seq).as_bytes(),
        );
        let request = PushRequest {
            protocol: PROTOCOL,
            batch_id,
            changes: page.changes,
        };
        let ack = transport.push(&request).map_err(Error::from)?;
        report.pushed += u64::from(ack.accepted);
        report.duplicates += u64::from(ack.duplicates);
        let newest = request.changes.iter().map(|c| c.hlc.0).max();
        db.write(actor, |w| state::set_pushed(w, page.last_seq, newest))?;
    }
    Ok(())
}
