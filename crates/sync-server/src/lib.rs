//! The central sync server of Pelanggan. A shop's devices pair with a one-time
//! code, push their change logs and pull each other's; the server numbers each
//! shop's changes in commit order and hands them out in that order.
//!
//! Owns: pairing, tokens, the HTTP API of `pelanggan-sync-protocol`, and the
//! storage of changes (SQLite or PostgreSQL). Must not know any business rule
//! or what a change means: entities, fields and values are opaque text, and
//! merging is the devices' job. It depends on the protocol crate, never on
//! the core.

pub mod auth;
pub mod body;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod config;
pub mod error;
pub mod logging;
pub mod routes;
pub mod server;
pub mod state;
pub mod storage;
pub mod tokens;
