//! `pelanggan analytics [--range 30d] [--from D --to D] [--top revenue|subscriptions|balance]`.

use pelanggan_core::analytics::{self, Period, Query};
use pelanggan_core::{Db, Result};

use super::parse_date;
use crate::output::Render;

pub fn run(
    db: &Db,
    range: &str,
    from: Option<&str>,
    to: Option<&str>,
    top: &str,
) -> Result<Box<dyn Render>> {
    let period = match (parse_date("from", from)?, parse_date("to", to)?) {
        (Some(from), Some(to)) => Period::Between(from, to),
        _ => range.parse()?,
    };
    let query = Query {
        period,
        top: top.parse()?,
        today: db.reader()?.today(),
    };
    // The report reads half its figures on a second connection, on another core.
    let mut second = db.read_conn()?;
    Ok(Box::new(analytics::analytics(
        db.reader()?,
        &mut second,
        &query,
    )?))
}
