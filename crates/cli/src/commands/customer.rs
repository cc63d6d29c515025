use pelanggan_core::customer_merge::{self, MergeField};
use pelanggan_core::customers::{self, CustomerPatch, ListQuery, NewCustomer, Status};
use pelanggan_core::search::Filter;
use pelanggan_core::tags::TagInput;
use pelanggan_core::{Db, Money, Result};

use crate::args::{CustomerCmd, CustomerFields, ListFilters};
use crate::output::{List, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &CustomerCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        CustomerCmd::Add {
            name,
            whatsapp,
            fields,
            initial_balance,
            tags,
            send_welcome,
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
            Box::new(db.write_warned(actor, |w| {
                pelanggan_core::notify::hooks::add_customer(w, input, *send_welcome)
            })?)
        }
        CustomerCmd::Show { customer } => Box::new(customers::get(db.reader()?, customer)?),
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
            Box::new(db.write_warned(actor, |w| customers::edit(w, customer, patch))?)
        }
        CustomerCmd::Delete { customer } => {
            Box::new(db.write(actor, |w| customers::delete(w, customer))?)
        }
        CustomerCmd::Restore { customer } => {
            Box::new(db.write(actor, |w| customers::restore(w, customer))?)
        }
        CustomerCmd::Duplicates => Box::new(List(customer_merge::duplicates(db.reader()?)?)),
        CustomerCmd::Merge { keep, other, take } => {
            let take = take
                .iter()
                .map(|f| f.parse::<MergeField>().map_err(Into::into))
                .collect::<Result<Vec<_>>>()?;
            Box::new(db.write(actor, |w| customer_merge::merge(w, keep, other, &take))?)
        }
        CustomerCmd::List {
            filters,
            sort,
            page,
            limit,
            after,
        } => {
            let query = ListQuery {
                filter: filter(filters)?,
                sort: sort.parse()?,
                page: *page,
                limit: *limit,
                after: after.clone(),
            };
            Box::new(customers::list(db.reader()?, &query)?)
        }
    })
}

fn status(fields: &CustomerFields) -> Result<Option<Status>> {
    Ok(fields.status.as_deref().map(str::parse).transpose()?)
}

/// The list's filters as a core filter: shared by `customer list` and
/// anything else that selects customers the same way (`export customers`).
pub(crate) fn filter(f: &ListFilters) -> Result<Filter> {
    let amount =
        |field, v: &Option<String>| v.as_deref().map(|a| Money::parse(field, a)).transpose();
    Ok(Filter {
        search: f.search.clone(),
        status: f.status.as_deref().map(str::parse::<Status>).transpose()?,
        include_deleted: f.include_deleted,
        balance: f.balance.as_deref().map(str::parse).transpose()?,
        balance_min: amount("balance_min", &f.balance_min)?,
        balance_max: amount("balance_max", &f.balance_max)?,
        tags_any: f.tags_any.clone(),
        tags_all: f.tags_all.clone(),
        created_from: super::parse_date("created_from", f.created_from.as_deref())?,
        created_to: super::parse_date("created_to", f.created_to.as_deref())?,
        active_subscription: match (f.subscribed, f.unsubscribed) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        },
    })
}
