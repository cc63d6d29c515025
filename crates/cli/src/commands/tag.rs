use pelanggan_core::customers;
use pelanggan_core::tags::{self, TagColor, TagInput};
use pelanggan_core::{Db, Result};

use crate::args::TagCmd;
use crate::output::{List, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &TagCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        TagCmd::Add {
            customer,
            name,
            color,
        } => {
            let tag = TagInput::new(name, color.as_deref())?;
            Box::new(db.write_warned(actor, |w| customers::add_tag(w, customer, &tag))?)
        }
        TagCmd::Color { name, color } => {
            let color = TagColor::parse(color)?;
            Box::new(db.write(actor, |w| tags::set_color(w, name, &color))?)
        }
        TagCmd::Remove { customer, name } => {
            Box::new(db.write(actor, |w| customers::remove_tag(w, customer, name))?)
        }
        TagCmd::List { popular } => Box::new(List(tags::list(db.reader()?, *popular)?)),
    })
}
