//! Bulk sends: one template to a selection of customers (a tag, any filter of
//! the customer list, or named customers), queued as one batch.
//!
//! Owns choosing the recipients and the reasons a customer is skipped
//! (deleted, blacklisted, opted out, a value the template needs), the batch
//! row, and the progress and cancel of queueing (like an import: one
//! transaction, so a cancel queues nothing). Sending is the worker's; a
//! batch being sent is cancelled with `outbox::cancel_batch`, its unsent
//! messages then staying in the outbox as cancelled.

use rusqlite::params;
use serde::Serialize;

use super::outbox::{self, Content, MessageKind, NewMessage, SkipReason};
use crate::customers::{self, Handle};
use crate::db::{Change, Db, Write, new_id};
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::search::{self, Filter, Position, Sort};
use crate::wire::Entity;

/// Who a bulk send goes to.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Any filter of the customer list (a tag is `tags_any`).
    Filter(Filter),
    /// These customers (references as `customers::resolve` reads them).
    Customers(Vec<String>),
}

/// A customer left out, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "BulkSkipped"))]
pub struct Skipped {
    pub customer_id: String,
    pub name: String,
    pub reason: SkipReason,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub detail: Option<String>,
}

/// What a bulk send queued.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BulkSummary {
    /// The batch's number (`notify cancel B<n>`); None for a dry run's count.
    pub batch: Option<i64>,
    pub template: String,
    /// Customers the selection matched.
    pub matched: u32,
    pub queued: u32,
    pub skipped_count: u32,
    /// The first `SKIPPED_LISTED` skipped customers, with their reasons.
    pub skipped: Vec<Skipped>,
    /// The first message as it will read (for a confirmation dialog).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub sample: Option<String>,
}

/// How many skipped customers a summary lists by name (the count is always whole).
pub const SKIPPED_LISTED: usize = 500;

/// The customers of a selection, as (handle) in a stable order.
fn recipients(w: &Write<'_>, selection: &Selection, cancel: &Cancel) -> Result<Vec<Handle>> {
    let r = w.reader();
    match selection {
        Selection::Customers(refs) => refs.iter().map(|c| customers::resolve(r, c)).collect(),
        Selection::Filter(filter) => {
            let mut out = Vec::new();
            let mut position = Position::Page(1);
            loop {
                cancel.check()?;
                let slice = search::page(r, filter, Sort::Debt, search::MAX_PAGE_SIZE, &position)?;
                for c in &slice.items {
                    out.push(customers::resolve(r, &c.id)?);
                }
                match slice.next {
                    Some(next) => position = Position::After(next),
                    None => break,
                }
            }
            Ok(out)
        }
    }
}

/// `queue` as one write, or with `dry_run` the same write rolled back: the
/// count a confirmation shows, with no batch (none was kept).
#[allow(clippy::too_many_arguments)]
pub fn run(
    db: &mut Db,
    actor: Option<&str>,
    selection: &Selection,
    template: &str,
    dry_run: bool,
    cancel: &Cancel,
    progress: impl FnMut(Progress),
) -> Result<BulkSummary> {
    let queue = |w: &mut Write<'_>| queue(w, selection, template, cancel, progress);
    if !dry_run {
        return db.write(actor, queue);
    }
    let mut summary = db.dry_run(actor, queue)?;
    summary.batch = None;
    Ok(summary)
}

/// Queues `template` for every customer of `selection` who may receive it,
/// as one batch, reporting progress; cancelled, nothing is queued. Run it in
/// `Db::dry_run` for the count a confirmation shows.
pub fn queue(
    w: &mut Write<'_>,
    selection: &Selection,
    template: &str,
    cancel: &Cancel,
    mut progress: impl FnMut(Progress),
) -> Result<BulkSummary> {
    let language = super::templates::shop_language(w.tx())?;
    let template = super::templates::get(w.tx(), template, &language)?;
    let people = recipients(w, selection, cancel)?;
    if people.is_empty() {
        return Err(Error::validation(
            "selection",
            "no customer matches: nothing to send",
        ));
    }
    let batch_uuid = new_id();
    w.exec(
        "INSERT INTO notify_batches (uuid, template, queued, skipped, created_at, created_by)
         VALUES (?1, ?2, 0, 0, ?3, ?4)",
        params![batch_uuid, template.name, w.now(), w.actor()],
    )?;
    let batch = w.tx().last_insert_rowid();
    let mut summary = BulkSummary {
        batch: Some(batch),
        template: template.name.clone(),
        matched: people.len() as u32,
        ..BulkSummary::default()
    };
    let kind = template.name.parse().unwrap_or(MessageKind::FreeText);
    let content = Content::Template {
        name: template.name.clone(),
        invoice: None,
        payment: None,
    };
    let total = people.len() as u64;
    let skip = |summary: &mut BulkSummary, c: &Handle, reason, detail| {
        summary.skipped_count += 1;
        if summary.skipped.len() < SKIPPED_LISTED {
            summary.skipped.push(Skipped {
                customer_id: c.uuid.clone(),
                name: c.name.clone(),
                reason,
                detail,
            });
        }
    };
    for (i, customer) in people.iter().enumerate() {
        if i % 256 == 0 {
            cancel.check()?;
            progress(Progress {
                rows: i as u64,
                done: i as u64,
                total,
            });
        }
        if let Some(reason) = outbox::skip_reason(w.tx(), customer)? {
            skip(&mut summary, customer, reason, None);
            continue;
        }
        let (name, body, cloud) = match outbox::compose(w.reader(), customer, &content) {
            Ok(v) => v,
            Err(e) if e.is_rejected_input() => {
                skip(
                    &mut summary,
                    customer,
                    SkipReason::MissingValue,
                    Some(e.to_string()),
                );
                continue;
            }
            Err(e) => return Err(e),
        };
        if summary.sample.is_none() {
            summary.sample = Some(body.clone());
        }
        let queued = outbox::queue(
            w,
            customer,
            NewMessage {
                kind,
                body,
                template: name,
                cloud,
                key: format!("bulk:{batch_uuid}:{}", customer.uuid),
                batch: Some(batch),
            },
        )?;
        match queued {
            Some(_) => summary.queued += 1,
            None => skip(&mut summary, customer, SkipReason::AlreadyQueued, None),
        }
    }
    progress(Progress {
        rows: total,
        done: total,
        total,
    });
    w.exec(
        "UPDATE notify_batches SET queued = ?2, skipped = ?3 WHERE id = ?1",
        params![batch, summary.queued, summary.skipped_count],
    )?;
    // One change for the batch: its messages are each recorded as queued.
    w.record_changes(&[Change::noted(
        Entity::Message,
        &format!("batch:{batch_uuid}"),
    )])?;
    Ok(summary)
}
