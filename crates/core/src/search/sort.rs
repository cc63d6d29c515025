//! The list's sort orders: what each order's SQL, index, keyset clause and
//! cursor letter are. Owns `Sort`; knows nothing of filters, plans or how a
//! page is read (walk.rs and cursor.rs ask it for their SQL pieces).

use crate::names::text_enum;

text_enum! {
    /// The list's orders. Every order ends with the row id, so it is total and a
    /// keyset cursor is exact.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub enum Sort("sort") {
        /// Debt first, then the most recently updated (the list's default).
        #[default]
        Debt => "debt",
        Name => "name",
        NameDesc => "name-desc" | "name_desc",
        /// Lowest balance (largest debt) first.
        Balance => "balance",
        BalanceDesc => "balance-desc" | "balance_desc",
        /// Smallest total spent first.
        Spent => "spent",
        /// Biggest spenders first.
        SpentDesc => "spent-desc" | "spent_desc",
    }
}

impl Sort {
    pub(super) fn order_by(self) -> &'static str {
        match self {
            Sort::Debt => "(c.balance < 0) DESC, c.updated_at DESC, c.id DESC",
            Sort::Name => "c.name COLLATE NOCASE, c.id",
            Sort::NameDesc => "c.name COLLATE NOCASE DESC, c.id DESC",
            Sort::Balance => "c.balance, c.id",
            Sort::BalanceDesc => "c.balance DESC, c.id DESC",
            Sort::Spent => "c.total_spent, c.id",
            Sort::SpentDesc => "c.total_spent DESC, c.id DESC",
        }
    }

    /// The order within one half of the debt order (in debt, or not).
    pub(super) const DEBT_HALF_ORDER: &'static str = "c.updated_at DESC, c.id DESC";

    pub(super) fn index(self) -> &'static str {
        match self {
            Sort::Debt => "customers_debt_recent",
            Sort::Name | Sort::NameDesc => "customers_name",
            Sort::Balance | Sort::BalanceDesc => "customers_balance",
            Sort::Spent | Sort::SpentDesc => "customers_total_spent",
        }
    }

    /// "Strictly after the cursor's row" in this order; its values are bound
    /// (`Cursor::values`).
    pub(super) fn keyset(self) -> &'static str {
        match self {
            Sort::Debt => "((c.balance < 0), c.updated_at, c.id) < (?, ?, ?)",
            Sort::Name => "(c.name COLLATE NOCASE, c.id) > (?, ?)",
            Sort::NameDesc => "(c.name COLLATE NOCASE, c.id) < (?, ?)",
            Sort::Balance => "(c.balance, c.id) > (?, ?)",
            Sort::BalanceDesc => "(c.balance, c.id) < (?, ?)",
            Sort::Spent => "(c.total_spent, c.id) > (?, ?)",
            Sort::SpentDesc => "(c.total_spent, c.id) < (?, ?)",
        }
    }

    /// The letter a cursor of this order starts with.
    pub(super) fn cursor_kind(self) -> char {
        match self {
            Sort::Debt => 'd',
            Sort::Name | Sort::NameDesc => 'n',
            Sort::Balance | Sort::BalanceDesc => 'b',
            Sort::Spent | Sort::SpentDesc => 's',
        }
    }
}
