//! `pelanggan payment`: money received, refunds, and the list of them.

use pelanggan_core::billing::payments::{self, NewPayment, PaymentQuery};
use pelanggan_core::{Db, Money, Result};

use crate::args::PaymentCmd;
use crate::output::{Paged, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &PaymentCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        PaymentCmd::Record {
            customer,
            amount,
            invoice,
            method,
            reference,
        } => {
            let amount = Money::parse_positive("amount", amount)?;
            let input = NewPayment {
                invoice: invoice.clone(),
                method: method.as_deref().map(str::parse).transpose()?,
                reference: reference.clone(),
                received_at: None,
            };
            Box::new(db.write_warned(actor, |w| payments::record(w, customer, amount, input))?)
        }
        PaymentCmd::Refund { id } => Box::new(db.write(actor, |w| payments::refund(w, id))?),
        PaymentCmd::List {
            customer,
            status,
            limit,
            after,
        } => {
            let query = PaymentQuery {
                customer: customer.clone(),
                status: status.as_deref().map(str::parse).transpose()?,
                limit: *limit,
                after: after.clone(),
            };
            Box::new(Paged::of(payments::list(db.reader()?, &query)?))
        }
    })
}
