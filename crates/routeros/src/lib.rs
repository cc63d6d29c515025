//! pelanggan-routeros: talking to MikroTik routers.
//!
//! Owns the RouterOS API protocol (`word`: length-prefixed words and
//! sentences; `api`: a blocking client with login, tags and the reply
//! kinds), the REST client of RouterOS 7 (`rest`), and `provision`: the
//! core's `RouterClient` trait over either of them, addressing users by
//! name (a `.id` is looked up for each command, never kept: ids change
//! across reboots). Knows no table and no business rule: what a router must
//! hold is the core's decision (`pelanggan_core::routers`).
//!
//! Written in the project under MIT: the RouterOS crates on crates.io are
//! GPL/AGPL or abandoned. With the `test-server` feature, `fake` is an
//! in-memory RouterOS on 127.0.0.1 for tests.

pub mod api;
pub mod error;
pub mod menus;
pub mod provision;
pub mod rest;
pub mod tls;
pub mod word;

#[cfg(feature = "test-server")]
pub mod fake;

pub use api::{ApiClient, Connect, Reply, Row};
pub use error::{Error, Result};
