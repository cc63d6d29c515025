//! pelanggan-desktop: the Tauri shell. It owns the app state (one writer,
//! a pool of readers, the signed-in admin, the running jobs) and one thin
//! command per core use case: parse, call the core off the UI thread, map
//! the error. Must not know: SQL or any business rule (they are the core's).

mod commands;
mod error;
mod jobs;
pub mod printer;
// Routers (issue 14): the background router worker.
pub mod router_worker;
mod state;
// Sync (issue 15): the periodic round.
pub mod sync_worker;
mod webview;
mod workers;

pub use error::CmdError;
pub use state::{App, auto_backup};

/// Starts the app on the database `PELANGGAN_DB` names, or the core's default.
pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            use tauri::Manager;
            webview::tune(app.handle());
            let state = App::open(&db_path()?)?;
            // The day's backup while the app is open, off the UI thread.
            state.start_auto_backup();
            // The WhatsApp sender, on its own thread until the app exits.
            let sender = std::sync::Arc::new(pelanggan_core::progress::Cancel::new());
            state::start_notify_sender(state.path().to_path_buf(), sender.clone());
            app.manage(NotifySender(sender));
            // Routers (issue 14): the router worker,
            // and the periodic sync (issue 15), each on a connection of its own.
            let path = state.path().to_path_buf();
            let workers = vec![router_worker::start(path.clone()), sync_worker::start(path)];
            app.manage(Background(std::sync::Mutex::new(workers)));
            app.manage(state);
            Ok(())
        })
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!())
        .expect("the Tauri runtime failed to start")
        .run(|app, event| {
            // The WhatsApp sender, the router worker and the sync end with the app.
            if let tauri::RunEvent::Exit = event {
                use tauri::Manager;
                app.state::<NotifySender>().0.cancel();
                if let Some(b) = app.try_state::<Background>() {
                    let mut workers =
                        b.0.lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                    workers.iter_mut().for_each(workers::Worker::stop);
                }
            }
        });
}

/// The router worker and the sync, stopped (and waited for) on exit.
struct Background(std::sync::Mutex<Vec<workers::Worker>>);

/// The WhatsApp sender's stop flag, set on exit.
struct NotifySender(std::sync::Arc<pelanggan_core::progress::Cancel>);

/// `$PELANGGAN_DB` when set (as for the CLI: the tests and the benchmark
/// start the app on their own files this way), else the core's default.
fn db_path() -> pelanggan_core::Result<std::path::PathBuf> {
    match std::env::var_os("PELANGGAN_DB") {
        Some(path) if !path.is_empty() => Ok(path.into()),
        _ => pelanggan_core::paths::default_db(),
    }
}
