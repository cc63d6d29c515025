use pelanggan_core::import::{self, ImportOptions};
use pelanggan_core::{Db, Result};

use crate::args::ImportCmd;
use crate::output::{Imported, Render};
use crate::progress::{Bar, cancel_on_ctrl_c};

pub fn run(
    db: &mut Db,
    actor: Option<&str>,
    cmd: &ImportCmd,
    json: bool,
) -> Result<Box<dyn Render>> {
    let ImportCmd::Customers {
        file,
        dry_run,
        on_duplicate,
        errors,
        force,
        sheet,
        mappings,
    } = cmd;
    let options = ImportOptions {
        dry_run: *dry_run,
        on_duplicate: on_duplicate.parse()?,
        mappings: mappings.iter().map(|m| m.parse()).collect::<Result<_>>()?,
        errors_file: errors.clone(),
        force: *force,
        sheet: sheet.clone(),
    };
    let bar = Bar::new(json, "bytes");
    let cancel = cancel_on_ctrl_c();
    let summary =
        import::import_customers(db, actor, file, &options, &mut |p| bar.update(p), &cancel);
    bar.finish();
    Ok(Box::new(Imported(summary?)))
}
