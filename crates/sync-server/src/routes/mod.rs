//! The HTTP API (`/v1/...`, see the protocol crate's table): one module per
//! endpoint group, each handler a few lines over one storage call.
//!
//! Must not know SQL or a change's meaning; its checks are the protocol's
//! (versions, clocks, whose change it is), never a business rule.

mod devices;
mod health;
mod pair;
mod pull;
mod push;
mod rotate;
mod status;

use axum::Router;
use axum::routing::{get, post};
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::error::Error;
use crate::state::AppState;
use crate::storage::Storage;

pub fn router<S: Storage>(state: AppState<S>) -> Router {
    let body_timeout = state.limits.body_timeout;
    Router::new()
        .route("/v1/health", get(health::health))
        .route("/v1/pair", post(pair::pair::<S>))
        .route("/v1/push", post(push::push::<S>))
        .route("/v1/pull", get(pull::pull::<S>))
        .route("/v1/status", get(status::status::<S>))
        .route("/v1/devices", get(devices::list::<S>))
        .route("/v1/devices/{device_id}/revoke", post(devices::revoke::<S>))
        .route("/v1/device/rotate", post(rotate::rotate::<S>))
        .fallback(|| async { Error::NotFound("no such route".to_string()) })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .with_state(state)
        // The body timeout wraps the body itself: a stalled upload fails the
        // read in `JsonBody` (408) without holding anything else up.
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(axum::middleware::from_fn(crate::logging::log_request))
}
