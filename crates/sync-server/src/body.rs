//! Request bodies: JSON read under the size cap and the body timeout, every
//! failure an `ErrorBody`. axum's own `Json` answers rejections in plain text;
//! this extractor reads the bytes itself and sorts the failure by its cause.

use std::error::Error as StdError;

use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_LENGTH;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::state::AppState;

/// A JSON body of type `T`.
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<AppState<S>> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState<S>) -> Result<JsonBody<T>, Error> {
        let limit = state.limits.max_body;
        // A declared length over the cap is refused before reading a byte.
        let declared = req
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(Error::BodyTooLarge { limit });
        }
        let bytes = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|err| read_error(&err, limit))?;
        let value = serde_json::from_slice(&bytes).map_err(|err| Error::Malformed {
            not_json: !err.is_data(),
            message: format!("the body is not the expected JSON: {err}"),
        })?;
        Ok(JsonBody(value))
    }
}

/// Why reading the body failed, found in the error's chain of causes.
fn read_error(err: &axum::Error, limit: usize) -> Error {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(current) = cause {
        if current.is::<http_body_util::LengthLimitError>() {
            return Error::BodyTooLarge { limit };
        }
        if current.is::<tower_http::timeout::TimeoutError>() {
            return Error::Timeout;
        }
        cause = current.source();
    }
    Error::Malformed {
        message: format!("the body could not be read: {err}"),
        not_json: true,
    }
}
