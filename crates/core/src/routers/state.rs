//! A router user's desired state: the one value the outbox stores, the
//! worker sends and router sync compares (see `desired` for how it is
//! worked out from a subscription).

use crate::wire::ServiceType;

/// One router user as it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub service: ServiceType,
    pub username: String,
    pub present: bool,
    /// None when the user should not exist.
    pub profile: Option<String>,
    pub disabled: bool,
}

impl State {
    /// The same router user (not necessarily the same state of it).
    pub fn same_user(&self, other: &State) -> bool {
        self.service == other.service && self.username == other.username
    }

    /// The user removed.
    pub fn absent(&self) -> State {
        State {
            service: self.service,
            username: self.username.clone(),
            present: false,
            profile: None,
            disabled: false,
        }
    }
}
