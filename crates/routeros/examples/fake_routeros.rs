//! The fake RouterOS as a process, for the app's end-to-end test: starts
//! both APIs on free ports of 127.0.0.1 (user `admin`, password `rahasia`,
//! version 7.18.2, profiles default, paket-10M, paket-20M), prints
//! `{"api":PORT,"rest":PORT}` on one line, and serves until its standard
//! input closes. The test reads what it holds through its REST API.
//!
//! `cargo run -p pelanggan-routeros --features test-server --example fake_routeros`

use std::io::{Read, Write};

use pelanggan_routeros::fake::{Config, FakeRouter};

fn main() {
    let fake = FakeRouter::start(Config::default());
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "{{\"api\":{},\"rest\":{}}}",
        fake.api_port(),
        fake.rest_port()
    );
    let _ = out.flush();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(fake);
}
