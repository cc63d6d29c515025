//! The server's one error type and its HTTP form.
//!
//! Owns: every way a request can fail, each with a stable code from the
//! protocol's `ErrorCode`, and the `ErrorBody` answer. Must not know storage
//! engines: the backends turn their own errors into `Error::Storage`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pelanggan_sync_protocol::{ErrorBody, ErrorCode};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("a valid device token is needed (missing, unknown or revoked)")]
    Unauthorized,
    #[error("the pairing code is unknown, already used or expired")]
    InvalidCode,
    #[error("{0}")]
    PleaseUpdate(String),
    #[error("{0}")]
    ClockAhead(String),
    #[error("{0}")]
    ForeignChange(String),
    #[error("{0}")]
    DeviceExists(String),
    #[error("after {after} is below the shop's compaction horizon {horizon}: pull from 0")]
    BehindHorizon { after: i64, horizon: i64 },
    #[error("the body is larger than {limit} bytes")]
    BodyTooLarge { limit: usize },
    /// `not_json`: the body is not JSON at all (400); otherwise its fields are
    /// wrong (422).
    #[error("{message}")]
    Malformed { message: String, not_json: bool },
    #[error("the request body was not received in time")]
    Timeout,
    #[error("{0}")]
    NotFound(String),
    #[error("this route does not take that method")]
    MethodNotAllowed,
    /// The detail is for the log and the operator's CLI; a client is told only
    /// that storage failed (it may name paths or hosts).
    #[error("storage failed: {0}")]
    Storage(String),
}

impl Error {
    pub fn malformed(message: impl Into<String>) -> Error {
        Error::Malformed {
            message: message.into(),
            not_json: false,
        }
    }

    pub fn storage(err: impl std::fmt::Display) -> Error {
        Error::Storage(err.to_string())
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Unauthorized => ErrorCode::Unauthorized,
            Error::InvalidCode => ErrorCode::InvalidCode,
            Error::PleaseUpdate(_) => ErrorCode::PleaseUpdate,
            Error::ClockAhead(_) => ErrorCode::ClockAhead,
            Error::ForeignChange(_) => ErrorCode::ForeignChange,
            Error::DeviceExists(_) => ErrorCode::DeviceExists,
            Error::BehindHorizon { .. } => ErrorCode::BehindHorizon,
            Error::BodyTooLarge { .. } => ErrorCode::BodyTooLarge,
            Error::Malformed { .. } => ErrorCode::Malformed,
            Error::Timeout => ErrorCode::Timeout,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Error::Storage(_) => ErrorCode::Storage,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Malformed { not_json: true, .. } => StatusCode::BAD_REQUEST,
            other => StatusCode::from_u16(other.code().http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        }
    }

    /// What the client reads.
    pub fn body(&self) -> ErrorBody {
        let message = match self {
            Error::Storage(_) => {
                "storage is unavailable; nothing of this request was stored".to_string()
            }
            other => other.to_string(),
        };
        ErrorBody {
            code: self.code(),
            message,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Storage(detail) = &self {
            tracing::error!(detail = %detail, "storage failed");
        }
        let mut response = (self.status(), Json(self.body())).into_response();
        if matches!(self, Error::BodyTooLarge { .. } | Error::Timeout) {
            // The rest of the body is never read, so the connection cannot
            // carry another request: say so, or a client reuses it and fails.
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Error {
        Error::storage(err)
    }
}

impl From<tokio_postgres::Error> for Error {
    fn from(err: tokio_postgres::Error) -> Error {
        Error::storage(err)
    }
}

impl From<deadpool_postgres::PoolError> for Error {
    fn from(err: deadpool_postgres::PoolError) -> Error {
        Error::storage(err)
    }
}
