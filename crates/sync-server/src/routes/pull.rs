use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use pelanggan_sync_protocol::{PULL_LIMIT_DEFAULT, PULL_LIMIT_MAX, PullResponse, Seq};
use serde::Deserialize;

use crate::auth::Authed;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::storage::Storage;

#[derive(Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    after: i64,
    limit: Option<u32>,
    /// A device reading the compacted log from its start, after a
    /// `behind_horizon` answer: its pages below the horizon are served.
    #[serde(default)]
    snapshot: bool,
}

/// `GET /v1/pull?after=SEQ&limit=N[&snapshot=true]`: the other devices' changes, in seq order.
pub async fn pull<S: Storage>(
    State(state): State<AppState<S>>,
    Authed(auth): Authed,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullResponse>> {
    let Query(query) = query.map_err(|err| Error::Malformed {
        message: format!("after and limit must be whole numbers: {}", err.body_text()),
        not_json: true,
    })?;
    if query.after < 0 {
        return Err(Error::malformed("after must be 0 or more"));
    }
    // 0 would page forever; more than the maximum is lowered, not refused.
    let limit = query
        .limit
        .unwrap_or(PULL_LIMIT_DEFAULT)
        .clamp(1, PULL_LIMIT_MAX);
    Ok(Json(
        state
            .storage
            .pull(&auth, Seq(query.after), limit, query.snapshot)
            .await?,
    ))
}
