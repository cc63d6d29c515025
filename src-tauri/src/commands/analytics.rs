//! The analytics screen's report. It reads on two connections of its own
//! (the core sums the months on one while the other reads the top list and
//! the tags), so a report over a large shop never holds the readers the
//! list and the detail share.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use pelanggan_core::analytics::{self, Query, Range, Report, TopBy};
use pelanggan_core::{Error, ReadConn, Result};
use tauri::{AppHandle, Manager};

use crate::error::CmdResult;
use crate::state::{App, blocking};

/// Analytics' two read connections, opened at the first report and kept
/// (opening one reads the schema; a report runs in well under a second).
#[derive(Default)]
pub struct AnalyticsConns(Mutex<Option<(ReadConn, ReadConn)>>);

/// The report for `range` (the last N days up to today on the shop's calendar, or all time).
#[tauri::command(rename_all = "snake_case")]
pub async fn analytics(app: AppHandle, range: Range, top: TopBy) -> CmdResult<Report> {
    // A no-op after the first call: the state is kept once managed.
    app.manage(AnalyticsConns::default());
    let handle = app.clone();
    blocking(app, move |s| {
        let conns = handle.state::<AnalyticsConns>();
        let mut slot = conns.0.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut first, mut second) = match slot.take() {
            Some(pair) => pair,
            None => open_pair(s)?,
        };
        let report = first.reader().and_then(|r| {
            let query = Query {
                period: range.into(),
                top,
                today: r.today(),
            };
            analytics::analytics(r, &mut second, &query)
        });
        *slot = Some((first, second));
        report
    })
    .await
}

/// Two read connections on the file the app's readers read.
fn open_pair(s: &App) -> Result<(ReadConn, ReadConn)> {
    let path = s
        .read(|r| Ok(r.conn().path().map(PathBuf::from)))?
        .ok_or_else(|| Error::Internal("the shop's database has no file".into()))?;
    Ok((ReadConn::open(&path)?, ReadConn::open(&path)?))
}
