//! Tables for routers, their worker's passes, router sync and isolir. No
//! password is ever printed: a router's is not in `Router`, a service
//! password only once, when it was just generated.

use pelanggan_core::routers::drift::{Drift, DriftKind};
use pelanggan_core::routers::isolir::{IsolirCheck, IsolirEntry};
use pelanggan_core::routers::worker::Pass;
use pelanggan_core::routers::{OnRouter, Router, RouterTest};
use serde::Serialize;

use super::{List, Text, list_text, local, rp, shorten};

impl Text for Router {
    fn text(&self) -> String {
        format!(
            "router {}: {}:{} ({}{}), user {}, status {}",
            self.name,
            self.host,
            self.port,
            self.api,
            if self.tls { ", TLS" } else { "" },
            self.username,
            self.status
        )
    }
}

impl Text for List<Router> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "no routers (add one with `pelanggan router add`)",
            &[
                "name",
                "address",
                "api",
                "status",
                "version",
                "subs",
                "queued",
                "failed",
                "last contact",
                "last error",
            ],
            |r| {
                vec![
                    r.name.clone(),
                    format!("{}:{}", r.host, r.port),
                    format!("{}{}", r.api, if r.tls { "+tls" } else { "" }),
                    r.status.to_string(),
                    r.version.clone().unwrap_or_default(),
                    r.subscriptions.to_string(),
                    r.queued.to_string(),
                    r.failed.to_string(),
                    r.last_contact_at.as_deref().map(local).unwrap_or_default(),
                    shorten(r.last_error.as_deref().unwrap_or(""), 60),
                ]
            },
        )
    }
}

impl Text for RouterTest {
    fn text(&self) -> String {
        format!(
            "router {}: RouterOS {}\nPPPoE profiles: {}\nhotspot profiles: {}",
            self.router,
            self.version,
            self.pppoe_profiles.join(", "),
            self.hotspot_profiles.join(", ")
        )
    }
}

impl Text for Pass {
    fn text(&self) -> String {
        let mut lines = vec![format!(
            "applied {}, refused {} ({} failed for good), waiting {}",
            self.applied, self.refused, self.failed, self.waiting
        )];
        if self.recovered > 0 {
            lines.push(format!(
                "{} command(s) a stopped worker left in flight were sent again",
                self.recovered
            ));
        }
        for r in &self.routers {
            match &r.error {
                Some(e) => lines.push(format!("router {}: {} ({e})", r.name, r.status)),
                None => lines.push(format!("router {}: {}", r.name, r.status)),
            }
        }
        lines.join("\n")
    }
}

/// `router sync`: the drift found, and with `--apply` the pass that sent the fixes.
#[derive(Serialize)]
pub struct Synced {
    pub drift: Drift,
    pub sent: Option<Pass>,
}

impl Text for Synced {
    fn text(&self) -> String {
        let mut out = if self.drift.items.is_empty() {
            format!("router {}: no drift", self.drift.router)
        } else {
            list_text(
                &self.drift.items,
                "",
                &["drift", "type", "username", "expected", "on the router"],
                |i| {
                    let state = |p: &Option<String>, d: Option<bool>| match (p, d) {
                        (Some(p), Some(true)) => format!("{p}, disabled"),
                        (Some(p), _) => p.clone(),
                        _ => String::new(),
                    };
                    vec![
                        match i.kind {
                            DriftKind::Missing => "missing".into(),
                            DriftKind::Wrong => "wrong".into(),
                            DriftKind::Unknown if i.owned => "unknown (made by pelanggan)".into(),
                            DriftKind::Unknown => "unknown (left alone)".into(),
                        },
                        i.service.to_string(),
                        i.username.clone(),
                        state(&i.expected_profile, i.expected_disabled),
                        state(&i.actual_profile, i.actual_disabled),
                    ]
                },
            )
        };
        match &self.sent {
            Some(pass) => {
                out.push_str(&format!(
                    "\nqueued {} fix(es)\n{}",
                    self.drift.queued,
                    pass.text()
                ));
            }
            None if self.drift.queued > 0 => {
                out.push_str(&format!(
                    "\nqueued {} fix(es): the running router worker sends them",
                    self.drift.queued
                ));
            }
            None if !self.drift.items.is_empty() => {
                out.push_str("\nrun again with --apply to fix what Pelanggan owns");
            }
            None => {}
        }
        out
    }
}

impl Text for IsolirCheck {
    fn text(&self) -> String {
        let mut lines = vec![format!(
            "isolir check for {} (grace {} days): {} suspended, {} resumed",
            self.date,
            self.grace_days,
            self.suspended.len(),
            self.resumed.len()
        )];
        for e in &self.suspended {
            lines.push(format!(
                "suspended {} ({}): {} owes {}",
                e.username,
                e.customer_name,
                e.invoice_number.as_deref().unwrap_or(""),
                rp(e.owed)
            ));
        }
        for e in &self.resumed {
            lines.push(format!("resumed {} ({})", e.username, e.customer_name));
        }
        if !self.suspended.is_empty() || !self.resumed.is_empty() {
            lines.push("the routers' part is queued: `pelanggan router run` sends it".into());
        }
        lines.join("\n")
    }
}

impl Text for List<IsolirEntry> {
    fn text(&self) -> String {
        list_text(
            &self.0,
            "nobody is suspended by the isolir rules",
            &["username", "customer", "router", "since", "invoice", "owed"],
            |e| {
                vec![
                    e.username.clone(),
                    shorten(&e.customer_name, 30),
                    e.router.clone().unwrap_or_default(),
                    e.since.clone().unwrap_or_default(),
                    e.invoice_number.clone().unwrap_or_default(),
                    rp(e.owed),
                ]
            },
        )
    }
}

impl Text for OnRouter {
    fn text(&self) -> String {
        let mut out = self.subscription.text();
        out.push_str(&format!(
            "\nrouter: {} ({})",
            self.router.router.as_deref().unwrap_or("none"),
            self.router.status
        ));
        if let Some(p) = &self.router.generated_password {
            out.push_str(&format!(
                "\nservice password (shown once, write it down): {p}"
            ));
        }
        out
    }
}
