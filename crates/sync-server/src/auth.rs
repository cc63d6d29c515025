//! Who is asking: the `Authorization: Bearer TOKEN` header turned into the
//! device and shop it belongs to. Every route but `health` and `pair` takes an
//! [`Authed`], so a handler cannot forget the check, and every storage call
//! it makes is scoped to that device's shop.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::clock::now_ms;
use crate::error::Error;
use crate::state::AppState;
use crate::storage::{DeviceAuth, Storage};
use crate::tokens;

/// A device with a valid, unrevoked token.
pub struct Authed(pub DeviceAuth);

impl<S: Storage> FromRequestParts<AppState<S>> for Authed {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Authed, Error> {
        let token = bearer(parts)?;
        state
            .storage
            .authenticate(tokens::hash(token), now_ms())
            .await?
            .map(Authed)
            .ok_or(Error::Unauthorized)
    }
}

/// The token of `Authorization: Bearer TOKEN`, or `Unauthorized`.
pub fn bearer(parts: &Parts) -> Result<&str, Error> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or(Error::Unauthorized)
}

/// The hash of the bearer token, unchecked: for `rotate`, which checks it
/// itself (with the replacement, in one transaction).
pub struct BearerHash(pub tokens::Hash);

impl<S: Storage> FromRequestParts<AppState<S>> for BearerHash {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &AppState<S>) -> Result<BearerHash, Error> {
        Ok(BearerHash(tokens::hash(bearer(parts)?)))
    }
}
