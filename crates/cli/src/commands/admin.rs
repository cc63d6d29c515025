use pelanggan_core::admins;
use pelanggan_core::settings::{self, Key};
use pelanggan_core::{Db, Result};

use crate::args::AdminCmd;
use crate::output::{List, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &AdminCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        AdminCmd::Add {
            username,
            name,
            default,
        } => Box::new(db.write(actor, |w| {
            let admin = admins::add(w, username, name)?;
            if *default {
                settings::set(w, Key::DefaultAdmin, &admin.username)?;
            }
            admins::get(w.tx(), &admin.username)
        })?),
        AdminCmd::List => Box::new(List(admins::list(db.conn())?)),
    })
}
