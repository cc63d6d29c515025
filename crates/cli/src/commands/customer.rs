use pelanggan_core::customers::{self, CustomerPatch, ListQuery, NewCustomer, Status};
use pelanggan_core::tags::TagInput;
use pelanggan_core::{Db, Money, Result};

use crate::args::{CustomerCmd, CustomerFields};
use crate::output::Render;

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &CustomerCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        CustomerCmd::Add {
            name,
            whatsapp,
            fields,
            initial_balance,
            tags,
        } => {
            let input = NewCustomer {
                name: name.clone(),
                whatsapp: whatsapp.clone(),
                email: fields.email.clone(),
                phone: fields.phone.clone(),
                address: fields.address.clone(),
                notes: fields.notes.clone(),
                initial_balance: initial_balance
                    .as_deref()
                    .map(|a| Money::parse("initial_balance", a))
                    .transpose()?,
                tags: tags
                    .iter()
                    .map(|t| TagInput::parse(t))
                    .collect::<Result<_>>()?,
                status: status(fields)?,
            };
            Box::new(db.write(actor, |w| customers::add(w, input))?)
        }
        CustomerCmd::Show { customer } => {
            Box::new(customers::get(db.conn(), customer, db.region()?)?)
        }
        CustomerCmd::Edit {
            customer,
            name,
            whatsapp,
            fields,
        } => {
            let patch = CustomerPatch {
                name: name.clone(),
                whatsapp: whatsapp.clone(),
                email: fields.email.clone(),
                phone: fields.phone.clone(),
                address: fields.address.clone(),
                notes: fields.notes.clone(),
                status: status(fields)?,
            };
            Box::new(db.write(actor, |w| customers::edit(w, customer, patch))?)
        }
        CustomerCmd::Delete { customer } => {
            Box::new(db.write(actor, |w| customers::delete(w, customer))?)
        }
        CustomerCmd::Restore { customer } => {
            Box::new(db.write(actor, |w| customers::restore(w, customer))?)
        }
        CustomerCmd::List {
            status,
            include_deleted,
            page,
            limit,
        } => {
            let query = ListQuery {
                status: status.as_deref().map(str::parse::<Status>).transpose()?,
                include_deleted: *include_deleted,
                page: *page,
                limit: *limit,
            };
            Box::new(customers::list(db.conn(), &query)?)
        }
    })
}

fn status(fields: &CustomerFields) -> Result<Option<Status>> {
    fields.status.as_deref().map(str::parse).transpose()
}
