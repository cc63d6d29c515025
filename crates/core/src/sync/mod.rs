//! This device's side of sync with a shop's central server
//! (`pelanggan-sync-server`): pairing, pushing this device's change log,
//! pulling and merging everyone else's.
//!
//! Owns the `sync_state` row (server, token, how far it pushed and pulled)
//! and the merge rules; the HTTP is the `pelanggan-sync-client` crate's,
//! behind `transport::Transport`, so the rules are tested with the real
//! server and need no HTTP stack here. One round (`round::run`): push what
//! is pending, in pages, each acknowledged before the next; then pull in
//! pages, each applied in one write together with the cursor that follows
//! it, so a round cut anywhere resumes without losing or doubling a change.
//!
//! Merge rules (`incoming`), the same code on every device: a changed field
//! is last-writer-wins by (HLC, device id); a delete or restore wins when
//! its causal length is larger (so a late edit never resurrects a deleted
//! row); append-only rows (ledger entries, payments, activity, messages)
//! merge by id; caches (the balance, invoice allocation, counters) are
//! recomputed from what arrived (`merge`). A change of an entity this
//! version does not merge (the notification set-up: each desk's gateway,
//! templates and reminder rules) is kept in `sync_inbox`, never dropped.
//!
//! A desk restored from an old backup (`restore`) is found when its file is
//! opened for writing (an epoch beside the file) or at the next round (the
//! server's record of what it pushed), and recovers before any edit: a new
//! device id, the server told (the old device replaced by the new one), its
//! clock moved past the server's newest, everything pushed and pulled again.

pub mod incoming;
mod merge;
pub mod outgoing;
pub mod restore;
pub mod round;
mod rows;
pub mod state;
pub mod transport;

pub use round::{Report, run};
pub use state::{PairAnswer, PairAsk, Pairing, SyncStatus, pair};
pub use transport::{Failure, Transport};
