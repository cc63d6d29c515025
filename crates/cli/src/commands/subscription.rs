//! `pelanggan subscription`: a customer's hotspot and PPPoE services.

use pelanggan_core::billing::subscriptions::{
    self, NewSubscription, SubscriptionPatch, SubscriptionQuery,
};
use pelanggan_core::routers;
use pelanggan_core::{Db, Error, Money, Result};

use super::parse_date;
use crate::args::SubscriptionCmd;
use crate::output::{Paged, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &SubscriptionCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        SubscriptionCmd::Add {
            customer,
            kind,
            username,
            profile,
            price,
            cycle,
            start,
            yes,
            router,
            service_password,
        } => {
            let start = parse_date("start", Some(start))?.ok_or_else(|| Error::Validation {
                field: "start",
                message: "a start date YYYY-MM-DD is required".into(),
            })?;
            let input = NewSubscription {
                kind: kind.parse()?,
                username: username.clone(),
                profile: profile.clone(),
                price: Money::parse_positive("price", price)?,
                cycle: cycle.as_deref().map(str::parse).transpose()?,
                start,
            };
            let password = service_password.as_deref();
            match router {
                None => Box::new(db.write(actor, |w| {
                    subscriptions::add_asked(w, customer, input, *yes)
                })?),
                Some(router) => Box::new(db.write(actor, |w| {
                    routers::add_subscription(w, customer, input, *yes, router, password)
                })?),
            }
        }
        SubscriptionCmd::Edit {
            subscription,
            kind,
            username,
            profile,
            price,
            cycle,
            router,
            service_password,
        } => {
            let patch = SubscriptionPatch {
                kind: kind.as_deref().map(str::parse).transpose()?,
                username: username.clone(),
                profile: profile.clone(),
                price: price
                    .as_deref()
                    .map(|p| Money::parse_positive("price", p))
                    .transpose()?,
                cycle: cycle.as_deref().map(str::parse).transpose()?,
            };
            if router.is_none() && service_password.is_none() {
                return Ok(Box::new(
                    db.write(actor, |w| subscriptions::edit(w, subscription, patch))?,
                ));
            }
            let (router, password) = (router.as_deref(), service_password.as_deref());
            Box::new(db.write(actor, |w| {
                routers::edit_subscription(w, subscription, patch, router, password)
            })?)
        }
        SubscriptionCmd::Suspend { subscription } => {
            Box::new(db.write(actor, |w| subscriptions::suspend(w, subscription))?)
        }
        SubscriptionCmd::Resume { subscription, date } => {
            let on = match parse_date("date", date.as_deref())? {
                Some(on) => on,
                None => db.reader()?.today(),
            };
            Box::new(db.write(actor, |w| subscriptions::resume(w, subscription, on))?)
        }
        SubscriptionCmd::Cancel { subscription } => {
            Box::new(db.write(actor, |w| subscriptions::cancel(w, subscription))?)
        }
        SubscriptionCmd::List {
            customer,
            status,
            include_cancelled,
            limit,
            after,
        } => {
            let query = SubscriptionQuery {
                customer: customer.clone(),
                status: status.as_deref().map(str::parse).transpose()?,
                include_cancelled: *include_cancelled,
                limit: *limit,
                after: after.clone(),
            };
            Box::new(Paged::of(subscriptions::list(db.reader()?, &query)?))
        }
    })
}
