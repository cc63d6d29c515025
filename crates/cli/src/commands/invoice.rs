//! `pelanggan invoice`: issuing due invoices, reading and voiding them.

use pelanggan_core::billing::invoices::{self, InvoiceQuery};
use pelanggan_core::{Db, Result, Write};

use super::parse_date;
use crate::args::InvoiceCmd;
use crate::output::{Issued, Noted, Paged, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &InvoiceCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        InvoiceCmd::IssueDue { date, dry_run, yes } => {
            let date = parse_date("date", date.as_deref())?;
            let issue = |w: &mut Write<'_>| invoices::issue_due_asked(w, date, *yes);
            let warned = if *dry_run {
                db.dry_run_warned(actor, issue)?
            } else {
                db.write_warned(actor, issue)?
            };
            // An invoice's WhatsApp message that could not be queued warns.
            let warnings = warned.warnings.into_iter().map(|w| w.message).collect();
            let issued = Issued {
                date: warned.value.date,
                dry_run: *dry_run,
                invoices: warned.value.invoices,
            };
            Box::new(Noted(Box::new(issued), warnings))
        }
        InvoiceCmd::List {
            customer,
            subscription,
            status,
            open,
            limit,
            after,
        } => {
            let query = InvoiceQuery {
                customer: customer.clone(),
                subscription: subscription.clone(),
                status: status.as_deref().map(str::parse).transpose()?,
                open_only: *open,
                limit: *limit,
                after: after.clone(),
            };
            Box::new(Paged::of(invoices::list(db.reader()?, &query)?))
        }
        InvoiceCmd::Show { number } => Box::new(invoices::get(db.reader()?, number)?),
        InvoiceCmd::Void { number } => Box::new(db.write(actor, |w| invoices::void(w, number))?),
    })
}
