use tauri::State;

use crate::state::App;

/// Asks the job the UI named `job` to stop; false when it already ended.
#[tauri::command]
pub fn cancel_job(app: State<'_, App>, job: String) -> bool {
    app.jobs.cancel(&job)
}
