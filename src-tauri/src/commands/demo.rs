//! The first run's demo shop: the core's generator fills the (empty)
//! database with a few thousand customers so a newcomer sees a full screen.

use pelanggan_core::generate::{self, GenOptions, GenSummary};
use pelanggan_core::progress::Progress;
use tauri::AppHandle;
use tauri::ipc::Channel;

use crate::error::CmdResult;
use crate::state::blocking;

/// Enough to fill every screen, small enough to make in a few seconds.
const DEMO_CUSTOMERS: u64 = 3_000;

#[tauri::command(rename_all = "snake_case")]
pub async fn demo_create(
    app: AppHandle,
    job: String,
    on_progress: Channel<Progress>,
) -> CmdResult<GenSummary> {
    blocking(app, move |s| {
        let job = s.jobs.start(job, on_progress);
        let options = GenOptions {
            customers: DEMO_CUSTOMERS,
            seed: 12,
        };
        let report = |n: u64| {
            job.report(Progress {
                rows: n,
                done: n,
                total: DEMO_CUSTOMERS,
            })
        };
        s.with_db(|db| generate::generate_shared(db, &options, report, &job.cancel))
    })
    .await
}
