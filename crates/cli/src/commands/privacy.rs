use pelanggan_core::{Db, Result, privacy};

use crate::args::PrivacyCmd;
use crate::output::{OnStderr, Render};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &PrivacyCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        PrivacyCmd::Export {
            customer,
            file,
            force,
        } => {
            let out = Box::new(privacy::export_to_file(
                db.reader()?,
                customer,
                file,
                *force,
            )?);
            // The JSON went to standard output: the summary must not mix with it.
            if file.as_os_str() == "-" {
                return Ok(Box::new(OnStderr(out)));
            }
            out
        }
        PrivacyCmd::Anonymise { customer, yes } => Box::new(privacy::anonymise_and_scrub(
            db,
            actor,
            customer,
            (*yes).into(),
        )?),
        PrivacyCmd::Delete {
            customer,
            yes,
            force,
        } => Box::new(privacy::erase_and_scrub(
            db,
            actor,
            customer,
            *force,
            (*yes).into(),
        )?),
    })
}
