//! `pelanggan stats`: the statistics cards, from the maintained counters.

use pelanggan_core::{Db, Result, stats};

use crate::output::Render;

pub fn run(db: &Db) -> Result<Box<dyn Render>> {
    Ok(Box::new(stats::stats(db.reader()?)?))
}
