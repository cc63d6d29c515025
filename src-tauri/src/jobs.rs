//! Long work (import, export, backup, restore, bulk actions): the UI names
//! each job, receives its progress over a `Channel` and may cancel it with
//! `cancel_job`; the core checks the job's `Cancel` flag as it goes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use pelanggan_core::progress::{Cancel, Progress};
use tauri::ipc::Channel;

/// The jobs running now, by the name the UI gave them.
#[derive(Default)]
pub struct Jobs {
    running: Mutex<HashMap<String, Arc<Cancel>>>,
}

/// A running job: its cancel flag and where to report progress. Dropping it
/// forgets the job (a late `cancel_job` then does nothing).
pub struct Job<'a> {
    jobs: &'a Jobs,
    name: String,
    pub cancel: Arc<Cancel>,
    progress: Channel<Progress>,
}

impl Jobs {
    pub fn start(&self, name: String, progress: Channel<Progress>) -> Job<'_> {
        let cancel = Arc::new(Cancel::new());
        self.lock().insert(name.clone(), cancel.clone());
        Job {
            jobs: self,
            name,
            cancel,
            progress,
        }
    }

    /// Asks the job `name` to stop; false when no such job runs.
    pub fn cancel(&self, name: &str) -> bool {
        match self.lock().get(name) {
            Some(c) => {
                c.cancel();
                true
            }
            None => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Cancel>>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Job<'_> {
    /// Sends `p` to the UI. A window that closed meanwhile is no reason to
    /// stop the work, so a failed send is ignored.
    pub fn report(&self, p: Progress) {
        let _ = self.progress.send(p);
    }
}

impl Drop for Job<'_> {
    fn drop(&mut self) {
        self.jobs.lock().remove(&self.name);
    }
}
