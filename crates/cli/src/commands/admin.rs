use pelanggan_core::admins::{self, NewAdmin};
use pelanggan_core::{Db, Result};

use crate::args::AdminCmd;
use crate::output::{List, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &AdminCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        AdminCmd::Add {
            username,
            name,
            default,
        } => {
            let admin = NewAdmin {
                username: username.clone(),
                name: name.clone(),
                make_default: *default,
            };
            Box::new(db.write(actor, |w| admins::add(w, admin))?)
        }
        AdminCmd::List => Box::new(List(admins::list(db.reader()?)?)),
    })
}
