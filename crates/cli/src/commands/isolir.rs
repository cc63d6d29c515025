//! `pelanggan isolir`: the suspension rules for unpaid subscriptions.

use pelanggan_core::routers::isolir;
use pelanggan_core::{Db, Result};

use super::parse_date;
use crate::args::IsolirCmd;
use crate::output::{List, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &IsolirCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        IsolirCmd::Check { date } => {
            let on = match parse_date("date", date.as_deref())? {
                Some(on) => on,
                None => db.reader()?.today(),
            };
            Box::new(db.write(actor, |w| isolir::check(w, on))?)
        }
        IsolirCmd::List => Box::new(List(isolir::list(db.reader()?)?)),
    })
}
