//! `pelanggan notify ...`: WhatsApp notifications. Each handler calls the
//! core (`pelanggan_core::notify`) and, where a message goes out, hands it
//! the real transports (`pelanggan_gateways::connect`).

use std::io::BufRead;
use std::str::FromStr;

use pelanggan_core::notify::bulk::{self, Selection};
use pelanggan_core::notify::gateways::{self, BodyFormat, GatewayKind, GatewayPatch, Secret};
use pelanggan_core::notify::outbox::{self, Content, OutboxQuery};
use pelanggan_core::notify::reminders::{self, RulePatch};
use pelanggan_core::notify::templates::{self, CloudMapping, TemplateInput};
use pelanggan_core::notify::worker::{self, RunOptions};
use pelanggan_core::{Db, Error, Result};
use rust_decimal::Decimal;

use crate::notify_args::{GatewayArgs, GatewayCmd, NotifyCmd, RemindersCmd, TemplateCmd};
use crate::output::{BatchCancelled, Bulk, Gateways, List, Preview, Render};
use crate::progress::{Bar, cancel_on_ctrl_c};

pub fn run(
    db: &mut Db,
    actor: Option<&str>,
    cmd: &NotifyCmd,
    json: bool,
) -> Result<Box<dyn Render>> {
    Ok(match cmd {
        NotifyCmd::Gateway(GatewayCmd::Set { kind, settings }) => {
            let kind: GatewayKind = kind.parse()?;
            let patch = patch(settings)?;
            Box::new(db.write(actor, |w| gateways::set(w, kind, patch))?)
        }
        NotifyCmd::Gateway(GatewayCmd::Show) => Box::new(Gateways {
            device_id: db.device_id().to_owned(),
            gateways: gateways::list(db.reader()?)?,
        }),
        NotifyCmd::Gateway(GatewayCmd::Test { customer }) => Box::new(worker::test_send(
            db,
            actor,
            customer,
            &pelanggan_gateways::connect,
        )?),
        NotifyCmd::Send {
            customer,
            template,
            text,
            invoice,
        } => {
            let content = match (template, text) {
                (Some(name), _) => Content::Template {
                    name: name.clone(),
                    invoice: invoice.clone(),
                    payment: None,
                },
                (None, Some(text)) => Content::Text(text.clone()),
                (None, None) => unreachable!("clap requires --template or --text"),
            };
            Box::new(db.write(actor, |w| outbox::send(w, customer, &content))?)
        }
        NotifyCmd::Bulk {
            filters,
            template,
            dry_run,
        } => {
            let selection = Selection::Filter(super::customer::filter(filters)?);
            let bar = Bar::new(json, "rows");
            let cancel = cancel_on_ctrl_c();
            let summary = bulk::run(db, actor, &selection, template, *dry_run, &cancel, |p| {
                bar.update(p)
            });
            bar.finish();
            let summary = summary?;
            Box::new(Bulk {
                dry_run: *dry_run,
                summary,
            })
        }
        NotifyCmd::Outbox {
            status,
            customer,
            limit,
        } => {
            let query = OutboxQuery {
                status: status.as_deref().map(str::parse).transpose()?,
                customer: customer.clone(),
                limit: Some(*limit),
            };
            Box::new(List(outbox::list(db.reader()?, &query)?))
        }
        NotifyCmd::Retry { id } => Box::new(db.write(actor, |w| outbox::retry(w, id))?),
        NotifyCmd::Cancel { id } => match batch_number(id) {
            Some(batch) => Box::new(BatchCancelled {
                batch,
                cancelled: db.write(actor, |w| outbox::cancel_batch(w, batch))?,
            }),
            None => Box::new(db.write(actor, |w| outbox::cancel(w, id))?),
        },
        NotifyCmd::MarkSent { id } => Box::new(db.write(actor, |w| outbox::mark_sent(w, id))?),
        NotifyCmd::OptOut { customer, undo } => {
            Box::new(db.write(actor, |w| outbox::set_opt_out(w, customer, !undo))?)
        }
        NotifyCmd::Template(cmd) => template(db, actor, cmd)?,
        NotifyCmd::Reminders(RemindersCmd::Show) => Box::new(List(reminders::list(db.reader()?)?)),
        NotifyCmd::Reminders(RemindersCmd::Set {
            rule,
            on,
            off,
            days,
            every,
            once,
        }) => {
            let rule = rule.parse()?;
            let patch = RulePatch {
                enabled: match (on, off) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                days: *days,
                every_days: match (every, once) {
                    (Some(n), _) => Some(Some(*n)),
                    (None, true) => Some(None),
                    (None, false) => None,
                },
            };
            Box::new(db.write(actor, |w| reminders::set(w, rule, patch))?)
        }
        NotifyCmd::Run { until_empty } => {
            let cancel = cancel_on_ctrl_c();
            let options = RunOptions {
                until_empty: *until_empty,
                ..RunOptions::default()
            };
            let summary = worker::run(
                db,
                actor,
                &pelanggan_gateways::connect,
                &options,
                &cancel,
                |a| {
                    if !json {
                        let detail = a
                            .gateway_message_id
                            .as_deref()
                            .or(a.detail.as_deref())
                            .unwrap_or("");
                        eprintln!(
                            "#{} {} ({}): {} {detail}",
                            a.message, a.customer_name, a.recipient, a.outcome
                        );
                    }
                },
            )?;
            Box::new(summary)
        }
    })
}

fn template(db: &mut Db, actor: Option<&str>, cmd: &TemplateCmd) -> Result<Box<dyn Render>> {
    let language = |given: &Option<String>, db: &Db| match given {
        Some(l) => Ok(l.clone()),
        None => pelanggan_core::settings::get(db.conn(), pelanggan_core::settings::Key::Language),
    };
    Ok(match cmd {
        TemplateCmd::List => Box::new(List(templates::list(db.reader()?)?)),
        TemplateCmd::Show { name, language: l } => {
            let l = language(l, db)?;
            Box::new(templates::get(db.conn(), name, &l)?)
        }
        TemplateCmd::Set {
            name,
            text,
            language: l,
            cloud_name,
            cloud_language,
            cloud_params,
        } => {
            let l = language(l, db)?;
            let input = TemplateInput {
                body: text.clone(),
                cloud: cloud_name.as_ref().map(|n| CloudMapping {
                    name: n.clone(),
                    language: cloud_language.clone().unwrap_or_default(),
                    params: cloud_params.iter().map(|p| p.trim().to_owned()).collect(),
                }),
            };
            Box::new(db.write(actor, |w| templates::set(w, name, &l, input))?)
        }
        TemplateCmd::Preview {
            name,
            customer,
            invoice,
        } => {
            let content = Content::Template {
                name: name.clone(),
                invoice: invoice.clone(),
                payment: None,
            };
            let r = db.reader()?;
            let c = pelanggan_core::customers::get(r, customer)?;
            Box::new(Preview {
                template: name.clone(),
                customer: c.name,
                text: outbox::preview(r, customer, &content)?,
            })
        }
    })
}

/// `B12` names bulk send 12.
fn batch_number(id: &str) -> Option<i64> {
    let id = id.trim();
    id.strip_prefix('B')
        .or_else(|| id.strip_prefix('b'))
        .and_then(|n| n.parse().ok())
}

fn seconds(field: &'static str, value: &Option<String>) -> Result<Option<u64>> {
    value
        .as_deref()
        .map(|v| {
            Decimal::from_str(v.trim())
                .ok()
                .filter(|d| !d.is_sign_negative())
                .and_then(|d| u64::try_from((d * Decimal::from(1000)).trunc()).ok())
                .ok_or_else(|| Error::Validation {
                    field,
                    message: format!("'{v}' is not a number of seconds such as 5 or 0.5"),
                })
        })
        .transpose()
}

fn patch(a: &GatewayArgs) -> Result<GatewayPatch> {
    let token = if a.token_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let token = line.trim().to_owned();
        if token.is_empty() {
            return Err(Error::Validation {
                field: "token",
                message: "no token was read from standard input".into(),
            });
        }
        Some(Secret::new(token))
    } else {
        None
    };
    let headers = if a.headers.is_empty() {
        None
    } else {
        Some(
            a.headers
                .iter()
                .map(|h| {
                    h.split_once(':')
                        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                        .ok_or_else(|| Error::Validation {
                            field: "header",
                            message: format!("'{h}' is not 'Name: value'"),
                        })
                })
                .collect::<Result<Vec<_>>>()?,
        )
    };
    Ok(GatewayPatch {
        url: a.url.clone(),
        token,
        country_code: a.country_code.clone(),
        api_version: a.api_version.clone(),
        phone_number_id: a.phone_number_id.clone(),
        method: a.method.clone(),
        headers,
        body: a.body.clone(),
        body_format: a.form.then_some(BodyFormat::Form),
        success_path: a.success_path.clone(),
        success_value: a.success_value.clone(),
        idempotency_key: a.idempotency_key.then_some(true),
        pace_ms: seconds("pace", &a.pace)?,
        retry_base_ms: seconds("retry_base", &a.retry_base)?,
        timeout_ms: seconds("timeout", &a.timeout)?,
    })
}
