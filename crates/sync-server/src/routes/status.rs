use axum::Json;
use axum::extract::State;
use pelanggan_sync_protocol::{PROTOCOL, SCHEMA_MAX, SCHEMA_MIN, StatusResponse};

use crate::auth::Authed;
use crate::clock::now_ms;
use crate::error::Result;
use crate::state::AppState;
use crate::storage::Storage;

/// `GET /v1/status`: where the shop's log is and what the server holds of
/// this device (a sync with nothing new is this and an empty pull).
pub async fn status<S: Storage>(
    State(state): State<AppState<S>>,
    Authed(auth): Authed,
) -> Result<Json<StatusResponse>> {
    let status = state.storage.status(&auth).await?;
    Ok(Json(StatusResponse {
        shop: auth.shop,
        device_id: auth.device_id,
        cursor: status.cursor,
        horizon: status.horizon,
        last_pushed_hlc: status.last_pushed_hlc,
        server_time_ms: now_ms(),
        schema_min: SCHEMA_MIN,
        schema_max: SCHEMA_MAX,
        protocol: PROTOCOL,
    }))
}
