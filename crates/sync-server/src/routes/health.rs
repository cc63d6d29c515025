use axum::Json;
use pelanggan_sync_protocol::HealthResponse;

/// `GET /v1/health`: answers without touching storage or asking for a token.
pub async fn health() -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok".to_string(),
        version: env!("CARGO_PKG_VERSION").to_string(),
    })
}
