use axum::Json;
use axum::extract::State;
use pelanggan_sync_protocol::{RotateRequest, RotateResponse};

use super::pair::device_name;
use crate::auth::BearerHash;
use crate::body::JsonBody;
use crate::clock::now_ms;
use crate::error::Result;
use crate::state::AppState;
use crate::storage::{Rotation, Storage};
use crate::tokens;

/// `POST /v1/device/rotate`: a desk restored from an old backup trades the
/// token of its old device id for a new device in the same shop (see the
/// protocol's `RotateRequest`).
pub async fn rotate<S: Storage>(
    State(state): State<AppState<S>>,
    BearerHash(old_token_hash): BearerHash,
    JsonBody(req): JsonBody<RotateRequest>,
) -> Result<Json<RotateResponse>> {
    // Checked as at pairing, though the new device keeps the old one's name.
    device_name(&req.device_name)?;
    let token = tokens::new_token();
    let now = now_ms();
    let rotated = state
        .storage
        .rotate(Rotation {
            old_token_hash,
            device_id: req.device_id,
            token_hash: tokens::hash(&token),
            now_ms: now,
        })
        .await?;
    tracing::info!(
        shop = %rotated.shop,
        device = %req.device_id,
        replaced = %rotated.replaced,
        "device rotated (restored from a backup)"
    );
    Ok(Json(RotateResponse {
        shop: rotated.shop,
        device_id: req.device_id,
        replaced: rotated.replaced,
        token,
        server_time_ms: now,
    }))
}
