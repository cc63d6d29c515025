//! The customer list's filter flags, shared by `customer list`, `export`
//! and `notify bulk` (a bulk send reaches whom the list would show).

use clap::Args;

/// The customer list's filters; they combine with AND.
#[derive(Debug, Args, Default, Clone)]
pub struct ListFilters {
    /// Part of the name, WhatsApp number (any format: 0812 345) or email; 1-2 characters: a word prefix
    #[arg(long, value_name = "TERM", allow_hyphen_values = true)]
    pub search: Option<String>,
    /// active, inactive, blacklisted or deleted
    #[arg(long)]
    pub status: Option<String>,
    /// Show deleted customers too
    #[arg(long)]
    pub include_deleted: bool,
    /// credit, debt or zero
    #[arg(long)]
    pub balance: Option<String>,
    /// Balance at least AMOUNT (negative = debt)
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub balance_min: Option<String>,
    /// Balance at most AMOUNT
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub balance_max: Option<String>,
    /// Carries this tag; repeat: any of them
    #[arg(long = "tag", value_name = "TAG")]
    pub tags_any: Vec<String>,
    /// Carries this tag; repeat: all of them
    #[arg(long = "tag-all", value_name = "TAG")]
    pub tags_all: Vec<String>,
    /// Created on or after YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub created_from: Option<String>,
    /// Created on or before YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub created_to: Option<String>,
    /// Has at least one active subscription
    #[arg(long, conflicts_with = "unsubscribed")]
    pub subscribed: bool,
    /// Has no active subscription
    #[arg(long)]
    pub unsubscribed: bool,
}
