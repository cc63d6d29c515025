use axum::Json;
use axum::extract::State;
use pelanggan_sync_protocol::{
    MAX_BATCH, MAX_CLOCK_AHEAD_MS, PROTOCOL, PushRequest, PushResponse, SCHEMA_MAX, SCHEMA_MIN,
};

use crate::auth::Authed;
use crate::body::JsonBody;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::storage::{DeviceAuth, Storage};

/// `POST /v1/push`: stores a batch of the device's own changes, all or none.
pub async fn push<S: Storage>(
    State(state): State<AppState<S>>,
    Authed(auth): Authed,
    JsonBody(req): JsonBody<PushRequest>,
) -> Result<Json<PushResponse>> {
    check_batch(&req, &auth, now_ms())?;
    let response = state.storage.push(&auth, req.batch_id, req.changes).await?;
    Ok(Json(response))
}

/// Everything refused before storage is touched, so a refused batch stores
/// nothing. A device that is too old or too new is told to update; one whose
/// clock runs ahead would order its changes after everything made since.
pub fn check_batch(req: &PushRequest, auth: &DeviceAuth, now_ms: i64) -> Result<()> {
    if req.protocol != PROTOCOL {
        return Err(Error::PleaseUpdate(format!(
            "protocol {} is not spoken here (this server speaks {PROTOCOL})",
            req.protocol
        )));
    }
    if req.changes.len() > MAX_BATCH {
        return Err(Error::malformed(format!(
            "a batch holds at most {MAX_BATCH} changes, this one {}",
            req.changes.len()
        )));
    }
    for change in &req.changes {
        if !(SCHEMA_MIN..=SCHEMA_MAX).contains(&change.schema) {
            return Err(Error::PleaseUpdate(format!(
                "schema {} is outside {SCHEMA_MIN}..={SCHEMA_MAX}",
                change.schema
            )));
        }
    }
    // Its own, or a device it replaced: a desk restored from an old backup
    // re-pushes what it made under its old id.
    if let Some(change) = req.changes.iter().find(|c| !auth.may_push_as(c.device)) {
        return Err(Error::ForeignChange(format!(
            "change {} belongs to device {}, not to the pushing device",
            change.hlc, change.device
        )));
    }
    if let Some(change) = req
        .changes
        .iter()
        .find(|c| c.hlc.millis() > now_ms + MAX_CLOCK_AHEAD_MS)
    {
        return Err(Error::ClockAhead(format!(
            "change {} is {} ms ahead of the server's clock (at most {MAX_CLOCK_AHEAD_MS})",
            change.hlc,
            change.hlc.millis() - now_ms
        )));
    }
    if let Some(change) = req
        .changes
        .iter()
        .find(|c| c.entity.is_empty() || c.entity_id.is_empty())
    {
        return Err(Error::malformed(format!(
            "change {} has an empty entity or entity_id",
            change.hlc
        )));
    }
    Ok(())
}
