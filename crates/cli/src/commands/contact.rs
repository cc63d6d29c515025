use pelanggan_core::contacts::{self, NewContact};
use pelanggan_core::{Db, Result};

use crate::args::ContactCmd;
use crate::output::{List, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &ContactCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        ContactCmd::Add {
            customer,
            kind,
            value,
            primary,
            notes,
        } => {
            let input = NewContact {
                kind: kind.parse()?,
                value: value.clone(),
                is_primary: *primary,
                notes: notes.clone(),
            };
            Box::new(db.write_warned(actor, |w| contacts::add(w, customer, input))?)
        }
        ContactCmd::Remove { customer, contact } => {
            Box::new(db.write(actor, |w| contacts::remove(w, customer, contact))?)
        }
        ContactCmd::SetPrimary { customer, contact } => {
            Box::new(db.write(actor, |w| contacts::set_primary(w, customer, contact))?)
        }
        ContactCmd::List { customer } => Box::new(List(contacts::list(db.reader()?, customer)?)),
    })
}
