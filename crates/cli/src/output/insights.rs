//! Tables for the statistics cards, the analytics report and the data
//! generator's summary. JSON comes from the core types' `Serialize`.

use pelanggan_core::analytics::Report;
use pelanggan_core::generate::GenSummary;
use pelanggan_core::stats::Stats;

use super::{Text, count, rp, table};

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
            ("total debt", rp(self.total_debt)),
            ("total credit", rp(self.total_credit)),
            ("total spent", rp(self.total_spent)),
            ("average spent", rp(self.average_spent)),
            ("highest spent", rp(self.highest_spent)),
        ];
        for (k, v) in rows {
            t.add_row([k.to_owned(), v]);
        }
        t.to_string()
    }
}

impl Text for Report {
    fn text(&self) -> String {
        let range = match self.from {
            Some(from) => format!("{from} to {} ({})", self.to, self.time_zone),
            None => format!("all time to {} ({})", self.to, self.time_zone),
        };
        let mut t = table(&["figure", "value"]);
        let rows = [
            ("range", range),
            ("new customers", self.new_customers.to_string()),
            ("active subscribers", self.active_subscribers.to_string()),
            ("churned", self.churned.to_string()),
            ("revenue", rp(self.revenue)),
            ("payments", self.payments.to_string()),
            (
                "of revenue, walk-in voucher sales",
                format!(
                    "{} ({})",
                    rp(self.voucher_sales),
                    count(self.vouchers_sold, "voucher", "vouchers")
                ),
            ),
            (
                "average revenue per customer",
                rp(self.average_revenue_per_customer),
            ),
            ("lifetime value", rp(self.lifetime_value)),
            ("total debt (now)", rp(self.total_debt)),
            ("customers with debt", self.customers_with_debt.to_string()),
            ("unpaid of invoices in range", rp(self.unpaid_invoiced)),
        ];
        for (k, v) in rows {
            t.add_row([k.to_owned(), v]);
        }
        let mut out = t.to_string();

        let mut m = table(&["month", "new customers", "revenue", "voucher sales", "debt"]);
        for month in &self.monthly {
            m.add_row([
                month.month.clone(),
                month.new_customers.to_string(),
                rp(month.revenue),
                rp(month.voucher_sales),
                rp(month.debt),
            ]);
        }
        out.push_str(&format!("\n\nmonthly\n{m}"));

        let value = if self.top_by == pelanggan_core::analytics::TopBy::Subscriptions {
            "subscriptions"
        } else {
            "amount"
        };
        let mut top = table(&["id", "name", "whatsapp", value]);
        for c in &self.top {
            top.add_row([
                c.local_id.to_string(),
                c.name.clone(),
                c.whatsapp.clone(),
                c.amount
                    .map(rp)
                    .or(c.subscriptions.map(|n| n.to_string()))
                    .unwrap_or_default(),
            ]);
        }
        out.push_str(&format!("\n\ntop customers by {}\n{top}", self.top_by));

        let mut tags = table(&["tag", "color", "customers"]);
        for tag in &self.popular_tags {
            tags.add_row([
                tag.name.clone(),
                tag.color.clone(),
                tag.customers.to_string(),
            ]);
        }
        out.push_str(&format!("\n\npopular tags\n{tags}"));
        out
    }
}

impl Text for GenSummary {
    fn text(&self) -> String {
        format!(
            "generated {} ({} with email, {} in debt), {}, {}, {}, {}, {} in {:.1} s",
            count(self.customers, "customer", "customers"),
            self.with_email,
            self.in_debt,
            count(self.tag_links, "tag link", "tag links"),
            count(self.ledger_entries, "ledger entry", "ledger entries"),
            count(self.subscriptions, "subscription", "subscriptions"),
            count(self.invoices, "invoice", "invoices"),
            count(self.payments, "payment", "payments"),
            self.millis as f64 / 1000.0
        )
    }
}
