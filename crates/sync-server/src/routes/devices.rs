use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use pelanggan_sync_protocol::{DeviceInfo, DevicesResponse};
use uuid::Uuid;

use crate::auth::Authed;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::storage::Storage;

/// `GET /v1/devices`: the devices of the caller's shop only.
pub async fn list<S: Storage>(
    State(state): State<AppState<S>>,
    Authed(auth): Authed,
) -> Result<Json<DevicesResponse>> {
    let devices = state.storage.devices(Some(&auth.shop)).await?;
    Ok(Json(DevicesResponse {
        devices: devices.into_iter().map(|d| d.info).collect(),
    }))
}

/// `POST /v1/devices/{device_id}/revoke`: within the caller's shop; another
/// shop's device is `not_found`, never revoked. Who may revoke is the
/// desktop's rule (its admins), not the server's.
pub async fn revoke<S: Storage>(
    State(state): State<AppState<S>>,
    Authed(auth): Authed,
    device_id: Result<Path<Uuid>, PathRejection>,
) -> Result<Json<DeviceInfo>> {
    let Path(device_id) = device_id
        .map_err(|_| Error::NotFound("no such device: the id is not a UUID".to_string()))?;
    let revoked = state
        .storage
        .revoke(Some(&auth.shop), device_id, now_ms())
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound(format!("no device {device_id} in this shop")))?;
    tracing::info!(shop = %auth.shop, device = %device_id, by = %auth.device_id, "device revoked");
    Ok(Json(revoked.info))
}
