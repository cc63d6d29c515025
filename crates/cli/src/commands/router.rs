//! `pelanggan router`: the shop's MikroTik routers, router sync, the worker.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pelanggan_core::routers::{self, ApiKind, NewRouter, config, drift, worker};
use pelanggan_core::{Db, Error, Result};
use pelanggan_routeros::provision;

use crate::args::RouterCmd;
use crate::output::List;
use crate::output::Render;
use crate::output::routers::Synced;

pub fn run(db: &mut Db, actor: Option<&str>, cmd: &RouterCmd) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        RouterCmd::Add {
            name,
            host,
            port,
            user,
            password_stdin: _,
            api,
            tls,
            ca,
        } => {
            let input = NewRouter {
                name: name.clone(),
                host: host.clone(),
                port: *port,
                username: user.clone(),
                password: read_password()?,
                api: api.parse::<ApiKind>()?,
                tls: *tls,
                ca_file: ca.as_deref().map(ca_file).transpose()?,
            };
            Box::new(db.write(actor, |w| config::add(w, input))?)
        }
        RouterCmd::List => Box::new(List(config::list(db.reader()?)?)),
        RouterCmd::Test { name } => {
            let creds = config::credentials(db.reader()?, name)?;
            let mut client = provision::connect(&creds).map_err(routers::router_error)?;
            Box::new(routers::test(&creds.name, client.as_mut())?)
        }
        RouterCmd::Remove { name } => Box::new(db.write(actor, |w| config::remove(w, name))?),
        RouterCmd::Sync { name, apply } => {
            let creds = config::credentials(db.reader()?, name)?;
            let mut client = provision::connect(&creds).map_err(routers::router_error)?;
            let mut found = drift::compare(db.reader()?, creds.router_id, client.as_mut())?;
            drop(client);
            let sent = if *apply {
                db.write(actor, |w| drift::fix(w, creds.router_id, &mut found))?;
                // Sent now, unless a worker already runs (the app): it sends them.
                match worker::lock(db, actor) {
                    Ok(lock) => Some(worker::pass(db, actor, &lock, &mut provision::connect)?),
                    Err(e) if e.code() == "router_worker_busy" => None,
                    Err(e) => return Err(e),
                }
            } else {
                None
            };
            Box::new(Synced { drift: found, sent })
        }
        RouterCmd::Run { until_empty } => {
            let stop = Arc::new(AtomicBool::new(false));
            let flag = stop.clone();
            // Ctrl-C ends the loop between rows; a row in flight is finished first.
            let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
            let idle = Duration::from_secs(30);
            Box::new(worker::run(
                db,
                actor,
                &mut provision::connect,
                *until_empty,
                idle,
                &|| stop.load(Ordering::SeqCst),
            )?)
        }
    })
}

/// The `--ca` file as a full path (the worker may run from another folder),
/// refused when it is not there.
fn ca_file(path: &std::path::Path) -> Result<String> {
    if !path.is_file() {
        return Err(Error::Validation {
            field: "ca",
            message: format!("{} is not a readable file", path.display()),
        });
    }
    Ok(std::path::absolute(path)?.display().to_string())
}

/// The router password, one line of standard input (the command line and
/// the shell's history never see it).
fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(Error::Validation {
            field: "password",
            message: "--password-stdin read no password: pipe it in, such as `echo \"$PW\" | pelanggan router add ...`".into(),
        });
    }
    Ok(password)
}
