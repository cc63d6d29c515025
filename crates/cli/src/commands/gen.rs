//! `pelanggan gen --customers N [--seed S]`: fills an empty database with a
//! realistic shop, for benchmarks and demos.

use std::io::Write as _;

use pelanggan_core::generate::{self, GenOptions};
use pelanggan_core::{Db, Result};

use crate::output::Render;

pub fn run(db: &mut Db, customers: u64, seed: u64, json: bool) -> Result<Box<dyn Render>> {
    let options = GenOptions { customers, seed };
    let summary = generate::generate(db, &options, |done| {
        if !json {
            eprint!("\r{done} / {customers} customers");
            let _ = std::io::stderr().flush();
        }
    })?;
    if !json {
        eprintln!();
    }
    Ok(Box::new(summary))
}
