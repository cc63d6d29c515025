use std::path::Path;

use pelanggan_core::export::{self, CsvOptions};
use pelanggan_core::{Db, Error, Result};

use super::parse_date;
use crate::args::ExportCmd;
use crate::output::{OnStderr, Quiet, Render};
use crate::progress::{Bar, cancel_on_ctrl_c};

pub fn run(db: &mut Db, cmd: &ExportCmd, json: bool) -> Result<Box<dyn Render>> {
    let bar = Bar::new(json, "rows");
    let cancel = cancel_on_ctrl_c();
    let mut progress = |p| bar.update(p);
    let summary = match cmd {
        ExportCmd::Customers { file, filters, csv } => {
            let filter = super::customer::filter(filters)?;
            let options = CsvOptions {
                excel: csv.excel,
                force: csv.force,
            };
            export::customers(db.reader()?, file, &filter, options, &mut progress, &cancel)
        }
        ExportCmd::Ledger {
            file,
            from,
            to,
            csv,
        } => export::ledger(
            db.reader()?,
            file,
            parse_date("from", from.as_deref())?,
            parse_date("to", to.as_deref())?,
            CsvOptions {
                excel: csv.excel,
                force: csv.force,
            },
            &mut progress,
            &cancel,
        ),
    };
    bar.finish();
    let summary = match summary {
        // Standard output's reader stopped reading (`| head`): stop quietly.
        Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            return Ok(Box::new(Quiet));
        }
        summary => summary?,
    };
    // The CSV went to standard output: the summary must not mix with it.
    if summary.file == Path::new("-") {
        return Ok(Box::new(OnStderr(Box::new(summary))));
    }
    Ok(Box::new(summary))
}
