//! `pelanggan invoice`: issuing due invoices, reading and voiding them.

use pelanggan_core::billing::invoices::{self, InvoiceQuery};
use pelanggan_core::{Db, Result};

use super::{parse_date, today};
use crate::args::InvoiceCmd;
use crate::output::{Issued, List, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &InvoiceCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        InvoiceCmd::IssueDue { date } => {
            let date = match parse_date("date", date.as_deref())? {
                Some(date) => date,
                None => today(db)?,
            };
            let invoices = db.write(actor, |w| invoices::issue_due(w, date))?;
            Box::new(Issued { date, invoices })
        }
        InvoiceCmd::List {
            customer,
            subscription,
            status,
            open,
            limit,
        } => {
            let query = InvoiceQuery {
                customer: customer.clone(),
                subscription: subscription.clone(),
                status: status.as_deref().map(str::parse).transpose()?,
                open_only: *open,
                limit: *limit,
            };
            Box::new(List(invoices::list(db.conn(), db.region()?, &query)?))
        }
        InvoiceCmd::Show { number } => Box::new(invoices::get(db.conn(), number)?),
        InvoiceCmd::Void { number } => Box::new(db.write(actor, |w| invoices::void(w, number))?),
    })
}
