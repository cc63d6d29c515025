//! Tables for the statistics cards, the analytics report and the data
//! generator's summary. JSON comes from the core types' `Serialize`.

use pelanggan_core::generate::GenSummary;
use pelanggan_core::stats::Stats;

use super::{Text, table};

impl Text for Stats {
    fn text(&self) -> String {
        let mut t = table(&["statistic", "value"]);
        let rows = [
            ("customers", self.total_customers.to_string()),
            ("active", self.active.to_string()),
            ("inactive", self.inactive.to_string()),
            ("blacklisted", self.blacklisted.to_string()),
            ("deleted", self.deleted.to_string()),
            ("with debt", self.with_debt.to_string()),
            ("with credit", self.with_credit.to_string()),
            ("total debt", self.total_debt.to_string()),
            ("total credit", self.total_credit.to_string()),
            ("total spent", self.total_spent.to_string()),
            ("average spent", self.average_spent.to_string()),
            ("highest spent", self.highest_spent.to_string()),
        ];
        for (k, v) in rows {
            t.add_row([k.to_owned(), v]);
        }
        t.to_string()
    }
}

impl Text for GenSummary {
    fn text(&self) -> String {
        format!(
            "generated {} customers ({} with email, {} in debt), {} tag links, {} ledger entries, \
             {} subscriptions, {} invoices, {} payments in {:.1} s",
            self.customers,
            self.with_email,
            self.in_debt,
            self.tag_links,
            self.ledger_entries,
            self.subscriptions,
            self.invoices,
            self.payments,
            self.millis as f64 / 1000.0
        )
    }
}
