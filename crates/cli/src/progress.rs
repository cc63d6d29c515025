//! The terminal side of long operations: a progress bar on stderr (hidden
//! with --json or when stderr is not a terminal) and Ctrl-C as cancel.

use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pelanggan_core::progress::{Cancel, Progress};

pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// `unit` is what `done`/`total` count: "bytes" or "rows".
    pub fn new(json: bool, unit: &str) -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if json {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        let template = match unit {
            "bytes" => "{bar:40} {percent:>3}% {binary_bytes}/{binary_total_bytes} {msg} ({eta})",
            _ => "{bar:40} {percent:>3}% {pos}/{len} {msg} ({eta})",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        Bar { bar }
    }

    pub fn update(&self, p: Progress) {
        self.bar.set_length(p.total);
        self.bar.set_position(p.done);
        self.bar.set_message(format!("{} rows", p.rows));
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A cancel flag that Ctrl-C sets. If a handler cannot be installed (one
/// already is), Ctrl-C simply ends the process; the transaction rolls back.
pub fn cancel_on_ctrl_c() -> Arc<Cancel> {
    let cancel = Arc::new(Cancel::new());
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || flag.cancel());
    cancel
}
