use pelanggan_core::balance::{self, EntryNote, HistoryQuery};
use pelanggan_core::{Db, Money, Result};

use super::parse_date;
use crate::args::{BalanceCmd, EntryArgs};
use crate::output::{Paged, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &BalanceCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        BalanceCmd::Credit(entry) => {
            let (amount, note) = entry_input(entry)?;
            Box::new(db.write(actor, |w| {
                balance::credit(w, &entry.customer, amount, &note)
            })?)
        }
        BalanceCmd::Debit(entry) => {
            let (amount, note) = entry_input(entry)?;
            Box::new(db.write(actor, |w| balance::debit(w, &entry.customer, amount, &note))?)
        }
        BalanceCmd::History {
            customer,
            kind,
            from,
            to,
            limit,
            after,
        } => {
            let query = HistoryQuery {
                kind: kind.as_deref().map(str::parse).transpose()?,
                from: parse_date("from", from.as_deref())?,
                to: parse_date("to", to.as_deref())?,
                limit: *limit,
                after: after.clone(),
            };
            Box::new(Paged::from(balance::history(
                db.reader()?,
                customer,
                &query,
            )?))
        }
    })
}

fn entry_input(entry: &EntryArgs) -> Result<(Money, EntryNote)> {
    let amount = Money::parse_positive("amount", &entry.amount)?;
    let mut note = EntryNote::new(entry.description.clone());
    note.reference_type = entry.reference_type.clone();
    note.reference_id = entry.reference_id.clone();
    Ok((amount, note))
}
