use axum::Json;
use axum::extract::State;
use pelanggan_sync_protocol::{PairRequest, PairResponse};

use crate::body::JsonBody;
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::storage::{Pairing, Storage};
use crate::tokens;

const MAX_DEVICE_NAME: usize = 200;

/// The device's name as given, trimmed: 1 to `MAX_DEVICE_NAME` characters.
pub(super) fn device_name(given: &str) -> Result<String> {
    let name = given.trim();
    if name.is_empty() || name.chars().count() > MAX_DEVICE_NAME {
        return Err(Error::malformed(format!(
            "device_name must be 1 to {MAX_DEVICE_NAME} characters"
        )));
    }
    Ok(name.to_string())
}

/// `POST /v1/pair`: trades a one-time code for the device's token.
pub async fn pair<S: Storage>(
    State(state): State<AppState<S>>,
    JsonBody(req): JsonBody<PairRequest>,
) -> Result<Json<PairResponse>> {
    let name = device_name(&req.device_name)?;
    let token = tokens::new_token();
    let now = now_ms();
    let shop = state
        .storage
        .pair(Pairing {
            code_hash: tokens::hash_code(&req.code),
            device_id: req.device_id,
            device_name: name,
            token_hash: tokens::hash(&token),
            now_ms: now,
        })
        .await?;
    tracing::info!(shop = %shop, device = %req.device_id, "device paired");
    Ok(Json(PairResponse {
        shop,
        token,
        server_time_ms: now,
    }))
}
