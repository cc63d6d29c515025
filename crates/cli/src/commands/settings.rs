use pelanggan_core::settings::{self, Key};
use pelanggan_core::{Db, Result, session};

use crate::args::SettingsCmd;
use crate::output::{List, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &SettingsCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        SettingsCmd::Show => Box::new(List(settings::list(db.reader()?)?)),
        SettingsCmd::Set { key, value } => {
            let key = Key::parse(key)?;
            Box::new(db.write(actor, |w| session::set_setting(w, key, value))?)
        }
    })
}
