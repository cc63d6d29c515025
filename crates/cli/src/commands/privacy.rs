use pelanggan_core::{Db, Error, Result, privacy};

use crate::args::PrivacyCmd;
use crate::output::{Render, Written};

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &PrivacyCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        PrivacyCmd::Export { customer, file } => {
            let doc = privacy::export(db.conn(), customer, db.region()?)?;
            let text = serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?;
            std::fs::write(file, &text)?;
            Box::new(Written {
                file: file.clone(),
                bytes: text.len() as u64,
            })
        }
        PrivacyCmd::Anonymise { customer, yes } => {
            confirm(*yes, "anonymising")?;
            Box::new(privacy::anonymise_and_scrub(db, actor, customer)?)
        }
        PrivacyCmd::Delete {
            customer,
            yes,
            force,
        } => {
            confirm(*yes, "deleting")?;
            Box::new(privacy::erase_and_scrub(db, actor, customer, *force)?)
        }
    })
}

fn confirm(yes: bool, what: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    Err(Error::ConfirmationRequired(format!(
        "{what} a customer cannot be undone; add --yes to confirm"
    )))
}
