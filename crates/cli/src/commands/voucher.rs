//! `pelanggan voucher`: prepaid hotspot codes, added and sold.

use pelanggan_core::billing::vouchers::{self, NewVoucher, SellVoucher, VoucherQuery};
use pelanggan_core::{Db, Money, Result};

use crate::args::VoucherCmd;
use crate::output::{Paged, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &VoucherCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        VoucherCmd::Add {
            code,
            profile,
            price,
        } => {
            let input = NewVoucher {
                code: code.clone(),
                profile: profile.clone(),
                price: Money::parse_positive("price", price)?,
            };
            Box::new(db.write(actor, |w| vouchers::add(w, input))?)
        }
        VoucherCmd::Sell {
            code,
            customer,
            method,
            reference,
        } => {
            let input = SellVoucher {
                customer: customer.clone(),
                method: method.as_deref().map(str::parse).transpose()?,
                reference: reference.clone(),
                sold_at: None,
            };
            Box::new(db.write(actor, |w| vouchers::sell(w, code, input))?)
        }
        VoucherCmd::List {
            status,
            customer,
            limit,
            after,
        } => {
            let query = VoucherQuery {
                status: status.as_deref().map(str::parse).transpose()?,
                customer: customer.clone(),
                limit: *limit,
                after: after.clone(),
            };
            Box::new(Paged::of(vouchers::list(db.reader()?, &query)?))
        }
    })
}
