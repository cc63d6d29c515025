//! One function per command: open the database, call the core, return
//! something printable. A handler is a few lines; rules live in the core.

mod admin;
mod analytics;
mod backup;
mod balance;
mod contact;
mod customer;
mod export;
mod r#gen;
mod import;
mod invoice;
mod notify;
mod payment;
mod privacy;
// Routers (issue 14).
mod isolir;
mod router;
mod settings;
mod stats;
mod subscription;
mod sync;
mod tag;
mod voucher;

use std::path::PathBuf;

use chrono::NaiveDate;
use pelanggan_core::activity;
use pelanggan_core::days::ShopZone;
use pelanggan_core::settings::{self as shop_settings, Key};
use pelanggan_core::{Db, Error, Result};

use crate::args::{
    AdminCmd, BalanceCmd, Cli, Command, ContactCmd, CustomerCmd, InvoiceCmd, PaymentCmd,
    PrivacyCmd, SettingsCmd, SubscriptionCmd, TagCmd, VoucherCmd,
};
use crate::args::{IsolirCmd, RouterCmd, SyncCmd};
use crate::output::{Paged, Render};

pub fn run(cli: &Cli) -> Result<Box<dyn Render>> {
    let path = db_path(cli)?;
    // The commands that open the database their own way, or not at all.
    match &cli.command {
        Command::Restore { file } => return backup::restore(&path, file, cli.global.json),
        Command::Backup {
            file: Some(file),
            verify: true,
            ..
        } => return backup::verify(file),
        _ => {}
    }
    let mut db = if cli.command.writes() {
        Db::open(&path)?
    } else {
        Db::open_read_only(&path)?
    };
    // Tables show amounts in the shop's currency (`Rp` for IDR).
    crate::output::set_currency(shop_settings::get(db.conn(), Key::Currency).ok().as_deref());
    // Tables show the shop's local time; a bad stored zone (which
    // `settings set time_zone` mends) shows UTC rather than failing here.
    // Handlers read through `db.reader()?` (a `Reader`: the connection, the
    // region and the zone); a read beside another (analytics) takes a second
    // connection on the same file from `db.read_conn()?`.
    crate::output::set_zone(db.reader().map_or(ShopZone::UTC, |r| r.zone()));
    let actor = cli.global.actor.as_deref();
    match &cli.command {
        Command::Customer(cmd) => customer::run(&mut db, actor, cmd),
        Command::Balance(cmd) => balance::run(&mut db, actor, cmd),
        Command::Contact(cmd) => contact::run(&mut db, actor, cmd),
        Command::Tag(cmd) => tag::run(&mut db, actor, cmd),
        Command::Admin(cmd) => admin::run(&mut db, actor, cmd),
        Command::Settings(cmd) => settings::run(&mut db, actor, cmd),
        Command::Import(cmd) => import::run(&mut db, actor, cmd, cli.global.json),
        Command::Export(cmd) => export::run(&mut db, cmd, cli.global.json),
        Command::Backup {
            file,
            auto,
            dir,
            keep,
            ..
        } => backup::backup(
            &db,
            file.as_deref(),
            *auto,
            dir.as_deref(),
            *keep,
            cli.global.json,
        ),
        Command::Restore { .. } => unreachable!("restore opens the database itself"),
        Command::Privacy(cmd) => privacy::run(&mut db, actor, cmd),
        Command::Subscription(cmd) => subscription::run(&mut db, actor, cmd),
        Command::Invoice(cmd) => invoice::run(&mut db, actor, cmd),
        Command::Payment(cmd) => payment::run(&mut db, actor, cmd),
        Command::Voucher(cmd) => voucher::run(&mut db, actor, cmd),
        Command::Notify(cmd) => notify::run(&mut db, actor, cmd, cli.global.json),
        Command::Router(cmd) => router::run(&mut db, actor, cmd),
        Command::Isolir(cmd) => isolir::run(&mut db, actor, cmd),
        Command::Sync(cmd) => sync::run(&mut db, actor, cmd),
        Command::Stats => stats::run(&db),
        Command::Analytics {
            range,
            from,
            to,
            top,
        } => analytics::run(&db, range, from.as_deref(), to.as_deref(), top),
        Command::Gen { customers, seed } => r#gen::run(&mut db, *customers, *seed, cli.global.json),
        Command::Activity {
            customer,
            limit,
            after,
        } => {
            let query = activity::ActivityQuery {
                limit: *limit,
                after: after.clone(),
            };
            Ok(Box::new(Paged::from(activity::list(
                db.reader()?,
                customer,
                &query,
            )?)))
        }
        Command::Completions { .. } => unreachable!("main prints completions without a database"),
    }
}

impl Command {
    /// Whether the command changes the database. Only these open it for
    /// writing and may create it; every other command opens an existing
    /// database read-only (`no_database` when there is none, and it works on
    /// read-only media). A new subcommand counts as a writer until listed here.
    pub fn writes(&self) -> bool {
        match self {
            Command::Customer(c) => !matches!(
                c,
                CustomerCmd::Show { .. } | CustomerCmd::List { .. } | CustomerCmd::Duplicates
            ),
            Command::Balance(c) => !matches!(c, BalanceCmd::History { .. }),
            Command::Contact(c) => !matches!(c, ContactCmd::List { .. }),
            Command::Tag(c) => !matches!(c, TagCmd::List { .. }),
            Command::Admin(c) => !matches!(c, AdminCmd::List),
            Command::Settings(c) => !matches!(c, SettingsCmd::Show),
            Command::Privacy(c) => !matches!(c, PrivacyCmd::Export { .. }),
            Command::Subscription(c) => !matches!(c, SubscriptionCmd::List { .. }),
            Command::Invoice(c) => !matches!(c, InvoiceCmd::List { .. } | InvoiceCmd::Show { .. }),
            Command::Payment(c) => !matches!(c, PaymentCmd::List { .. }),
            Command::Voucher(c) => !matches!(c, VoucherCmd::List { .. }),
            Command::Notify(c) => {
                use crate::notify_args::{GatewayCmd, NotifyCmd, RemindersCmd, TemplateCmd};
                !matches!(
                    c,
                    NotifyCmd::Outbox { .. }
                        | NotifyCmd::Gateway(GatewayCmd::Show)
                        | NotifyCmd::Template(
                            TemplateCmd::List
                                | TemplateCmd::Show { .. }
                                | TemplateCmd::Preview { .. }
                        )
                        | NotifyCmd::Reminders(RemindersCmd::Show)
                )
            }
            Command::Router(c) => !matches!(c, RouterCmd::List | RouterCmd::Test { .. }),
            Command::Isolir(c) => !matches!(c, IsolirCmd::List),
            Command::Sync(c) => !matches!(c, SyncCmd::Status | SyncCmd::Devices),
            Command::Import(_) | Command::Gen { .. } | Command::Restore { .. } => true,
            Command::Export(_)
            | Command::Stats
            | Command::Analytics { .. }
            | Command::Activity { .. }
            | Command::Backup { .. }
            | Command::Completions { .. } => false,
        }
    }
}

/// `--db`, else `$PELANGGAN_DB` (clap reads both), else the core's default
/// (the OS data folder), which the desktop app opens too.
fn db_path(cli: &Cli) -> Result<PathBuf> {
    match &cli.global.db {
        Some(path) => Ok(path.clone()),
        None => pelanggan_core::paths::default_db(),
    }
}

/// Reads a YYYY-MM-DD date argument.
fn parse_date(field: &'static str, value: Option<&str>) -> Result<Option<NaiveDate>> {
    value
        .map(|v| {
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| Error::Validation {
                field,
                message: format!("'{v}' is not a date of the form YYYY-MM-DD"),
            })
        })
        .transpose()
}
