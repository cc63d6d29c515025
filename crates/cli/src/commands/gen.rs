//! `pelanggan gen --customers N [--seed S]`: fills an empty database with a
//! realistic shop, for benchmarks and demos.

use std::io::Write as _;

use pelanggan_core::generate::{self, GenOptions};
use pelanggan_core::{Db, Result};

use crate::output::Render;
use crate::progress::cancel_on_ctrl_c;

pub fn run(db: &mut Db, customers: u64, seed: u64, json: bool) -> Result<Box<dyn Render>> {
    let options = GenOptions { customers, seed };
    // Ctrl-C stops it cleanly: rolled back, the file as it was.
    let cancel = cancel_on_ctrl_c();
    let summary = generate::generate(
        db,
        &options,
        |done| {
            if !json {
                // A closed stderr (`2>&1 | head`) must not stop the generator.
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r{done} / {customers} customers").and_then(|()| err.flush());
            }
        },
        &cancel,
    )?;
    if !json {
        let _ = writeln!(std::io::stderr());
    }
    Ok(Box::new(summary))
}
