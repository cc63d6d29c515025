//! The shop's WhatsApp gateways: one configuration per kind (Fonnte-style,
//! WhatsApp Cloud API, a generic webhook), at most one active, and its pause.
//!
//! Owns the `notify_gateways` table, each kind's settings and their checks,
//! the token (`Secret`: kept in the database file only, never in the change
//! log, an export or a `Debug`, shown as `••••1234`), the pause a reply can
//! put on the whole queue and the pace. Must not know HTTP (the transports
//! are `pelanggan-gateways`').

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::db::{ChangeOp, Reader, Write};
use crate::error::{Code, Error, Result};
use crate::names::text_enum;
use crate::wire::Entity;

text_enum! {
    /// Which kind of gateway: how its requests and replies look.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum GatewayKind("kind") {
        /// Fonnte and the gateways that copy its API: a form POST, HTTP 200 with `status`.
        Fonnte => "fonnte",
        /// Meta's WhatsApp Cloud API (Graph API `/{version}/{phone-number-id}/messages`).
        CloudApi => "cloud-api" | "cloud_api" | "cloud",
        /// Any other HTTP gateway: URL, method, headers and a body template.
        Webhook => "webhook",
    }
}

/// A gateway token: kept, never shown again in full. Its `Debug` and its
/// JSON are the masked form (`••••1234`).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(token: impl Into<String>) -> Secret {
        Secret(token.into())
    }

    /// The token itself, for the transport's request and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `••••` and the last four characters (fewer for a short token).
    pub fn masked(&self) -> String {
        if self.0.is_empty() {
            return String::new();
        }
        let chars: Vec<char> = self.0.chars().collect();
        let shown = if chars.len() >= 12 {
            4
        } else {
            chars.len() / 4
        };
        let tail: String = chars[chars.len() - shown..].iter().collect();
        format!("••••{tail}")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.masked())
    }
}

/// How a webhook's body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    #[default]
    Json,
    Form,
}

/// A gateway's settings (everything but the token), as stored in `config`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct GatewaySettings {
    /// Fonnte: the send URL (`https://api.fonnte.com/send`). Cloud API: the
    /// Graph API base (`https://graph.facebook.com`). Webhook: the URL.
    pub url: String,
    /// Fonnte's optional `countryCode` field (`62`; `0` leaves numbers as given).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub country_code: Option<String>,
    /// Cloud API: the Graph API version (`v21.0`).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub api_version: Option<String>,
    /// Cloud API: the sending number's id.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub phone_number_id: Option<String>,
    /// Webhook: the HTTP method (POST, PUT).
    pub method: String,
    /// Webhook: headers, `{token}` replaced by the token.
    pub headers: Vec<(String, String)>,
    /// Webhook: the body with placeholders (`{to}`, `{to_digits}`, `{message}`, `{key}`).
    pub body: String,
    pub body_format: BodyFormat,
    /// Webhook: a reply counts as sent only if this JSON path (`data.status`,
    /// `messages.0.id`) holds `success_value` (any value when that is None).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub success_path: Option<String>,
    #[cfg_attr(feature = "ts", ts(optional))]
    pub success_value: Option<String>,
    /// Webhook: the gateway honours `Idempotency-Key`, so a message whose
    /// outcome is unknown may be sent again with the same key.
    pub idempotency_key: bool,
    /// At most one message every this many milliseconds (unofficial gateways
    /// get numbers banned for bursts).
    pub pace_ms: u64,
    /// The first retry's wait; each next one doubles it (with jitter), up to an hour.
    pub retry_base_ms: u64,
    /// How long a request may take before its outcome is unknown.
    pub timeout_ms: u64,
}

pub const DEFAULT_PACE_MS: u64 = 5_000;
pub const DEFAULT_RETRY_BASE_MS: u64 = 30_000;
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

impl Default for GatewaySettings {
    fn default() -> Self {
        GatewaySettings {
            url: String::new(),
            country_code: None,
            api_version: None,
            phone_number_id: None,
            method: "POST".into(),
            headers: Vec::new(),
            body: String::new(),
            body_format: BodyFormat::Json,
            success_path: None,
            success_value: None,
            idempotency_key: false,
            pace_ms: DEFAULT_PACE_MS,
            retry_base_ms: DEFAULT_RETRY_BASE_MS,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

impl GatewaySettings {
    /// A kind's defaults: Fonnte's and Graph's public URLs, a JSON webhook.
    pub fn defaults_for(kind: GatewayKind) -> GatewaySettings {
        let mut s = GatewaySettings::default();
        match kind {
            GatewayKind::Fonnte => s.url = "https://api.fonnte.com/send".into(),
            GatewayKind::CloudApi => {
                s.url = "https://graph.facebook.com".into();
                s.api_version = Some("v21.0".into());
            }
            GatewayKind::Webhook => {
                s.body = r#"{"to":"{to_digits}","message":"{message}"}"#.into();
            }
        }
        s
    }
}

/// A gateway as the transport needs it: its kind, settings and token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayConfig {
    pub kind: GatewayKind,
    pub settings: GatewaySettings,
    pub token: Secret,
}

/// A gateway as admins see it: the token masked, the pause if any.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GatewayView {
    pub kind: GatewayKind,
    pub active: bool,
    pub settings: GatewaySettings,
    /// `••••1234`, or empty when none is set.
    pub token: String,
    pub paused_reason: Option<String>,
    pub paused_at: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
}

/// What `set` changes: the fields given replace the stored ones, the others stay.
#[derive(Debug, Clone, Default)]
pub struct GatewayPatch {
    pub url: Option<String>,
    pub token: Option<Secret>,
    pub country_code: Option<String>,
    pub api_version: Option<String>,
    pub phone_number_id: Option<String>,
    pub method: Option<String>,
    /// Replace the headers (Some(empty) clears them).
    pub headers: Option<Vec<(String, String)>>,
    pub body: Option<String>,
    pub body_format: Option<BodyFormat>,
    pub success_path: Option<String>,
    pub success_value: Option<String>,
    pub idempotency_key: Option<bool>,
    pub pace_ms: Option<u64>,
    pub retry_base_ms: Option<u64>,
    pub timeout_ms: Option<u64>,
}

/// The stored record synced to other desks: the settings, never the token.
#[derive(Serialize)]
struct GatewayRecord<'a> {
    kind: GatewayKind,
    active: bool,
    settings: &'a GatewaySettings,
}

/// Sets up (or changes) the gateway of `kind` and makes it the active one.
/// Saving it again also lifts a pause: the admin has mended what paused it
/// (reconnected the phone, topped up the quota, a new token), and the
/// messages the pause held go back to the queue.
pub fn set(w: &mut Write<'_>, kind: GatewayKind, patch: GatewayPatch) -> Result<GatewayView> {
    let stored = load(w.tx(), kind)?;
    let (mut s, mut token) = match stored {
        Some(c) => (c.settings, c.token),
        None => (GatewaySettings::defaults_for(kind), Secret::default()),
    };
    let trim = |v: String| v.trim().to_owned();
    let optional = |v: String| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    if let Some(url) = patch.url {
        s.url = trim(url);
    }
    if let Some(t) = patch.token {
        token = Secret::new(t.expose().trim());
    }
    if let Some(v) = patch.country_code {
        s.country_code = optional(v);
    }
    if let Some(v) = patch.api_version {
        s.api_version = optional(v);
    }
    if let Some(v) = patch.phone_number_id {
        s.phone_number_id = optional(v);
    }
    if let Some(v) = patch.method {
        s.method = v.trim().to_ascii_uppercase();
    }
    if let Some(v) = patch.headers {
        s.headers = v;
    }
    if let Some(v) = patch.body {
        s.body = v;
    }
    if let Some(v) = patch.body_format {
        s.body_format = v;
    }
    if let Some(v) = patch.success_path {
        s.success_path = optional(v);
    }
    if let Some(v) = patch.success_value {
        s.success_value = optional(v);
    }
    if let Some(v) = patch.idempotency_key {
        s.idempotency_key = v;
    }
    if let Some(v) = patch.pace_ms {
        s.pace_ms = v;
    }
    if let Some(v) = patch.retry_base_ms {
        s.retry_base_ms = v;
    }
    if let Some(v) = patch.timeout_ms {
        s.timeout_ms = v;
    }
    check(kind, &s, &token)?;
    let config = serde_json::to_string(&s).map_err(std::io::Error::other)?;
    w.exec(
        "UPDATE notify_gateways SET active = 0 WHERE kind != ?1 AND active = 1",
        [kind.as_str()],
    )?;
    w.exec(
        "INSERT INTO notify_gateways (kind, config, token, active, updated_at, updated_by)
         VALUES (?1, ?2, ?3, 1, ?4, ?5)
         ON CONFLICT (kind) DO UPDATE SET config = excluded.config, token = excluded.token,
             active = 1, paused_reason = NULL, paused_at = NULL, next_send_at = NULL,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        params![kind.as_str(), config, token.expose(), w.now(), w.actor()],
    )?;
    // What a pause held goes back to the queue.
    w.exec(
        "UPDATE messages SET status = 'queued', updated_at = ?1 WHERE status = 'paused'",
        [w.now()],
    )?;
    let record = GatewayRecord {
        kind,
        active: true,
        settings: &s,
    };
    let value = serde_json::to_value(&record).map_err(std::io::Error::other)?;
    w.record_change(
        Entity::NotifyConfig,
        &format!("gateway:{kind}"),
        ChangeOp::Update,
        None,
        Some(&value),
    )?;
    view(w.tx(), kind)?.ok_or_else(|| Error::internal("the gateway just saved is gone"))
}

fn check(kind: GatewayKind, s: &GatewaySettings, token: &Secret) -> Result<()> {
    if !(s.url.starts_with("http://") || s.url.starts_with("https://")) {
        return Err(Error::validation(
            "url",
            format!("'{}' is not an http:// or https:// URL", s.url),
        ));
    }
    if s.pace_ms > 3_600_000 || s.retry_base_ms > 3_600_000 {
        return Err(Error::validation("pace", "at most an hour"));
    }
    if s.timeout_ms == 0 || s.timeout_ms > 300_000 {
        return Err(Error::validation(
            "timeout",
            "a timeout is more than zero and at most 5 minutes",
        ));
    }
    match kind {
        GatewayKind::Fonnte | GatewayKind::CloudApi if token.is_empty() => {
            return Err(Error::validation(
                "token",
                format!("a {kind} gateway needs its token (--token-stdin)"),
            ));
        }
        GatewayKind::CloudApi if s.phone_number_id.is_none() => {
            return Err(Error::validation(
                "phone_number_id",
                "the Cloud API needs the sending number's id (--phone-number-id)",
            ));
        }
        GatewayKind::Fonnte => {
            if let Some(cc) = &s.country_code
                && !cc.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(Error::validation(
                    "country_code",
                    format!("'{cc}' is not a country calling code such as 62"),
                ));
            }
        }
        GatewayKind::Webhook => {
            if !matches!(s.method.as_str(), "POST" | "PUT" | "PATCH" | "GET") {
                return Err(Error::validation(
                    "method",
                    format!("'{}' is not POST, PUT, PATCH or GET", s.method),
                ));
            }
            if s.body.is_empty() && s.method != "GET" {
                return Err(Error::validation(
                    "body",
                    "a webhook needs its body template",
                ));
            }
            for (name, _) in &s.headers {
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                {
                    return Err(Error::validation(
                        "header",
                        format!("'{name}' is not a header name"),
                    ));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Every configured gateway, the active one first.
pub fn list(r: Reader<'_>) -> Result<Vec<GatewayView>> {
    let mut out = Vec::new();
    for kind in GatewayKind::ALL {
        if let Some(v) = view(r.conn(), *kind)? {
            out.push(v);
        }
    }
    out.sort_by_key(|v| !v.active);
    Ok(out)
}

fn view(conn: &Connection, kind: GatewayKind) -> Result<Option<GatewayView>> {
    let row = conn
        .query_row(
            "SELECT config, token, active, paused_reason, paused_at, updated_at, updated_by
             FROM notify_gateways WHERE kind = ?1",
            [kind.as_str()],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            },
        )
        .optional()?;
    let Some((config, token, active, paused_reason, paused_at, updated_at, updated_by)) = row
    else {
        return Ok(None);
    };
    Ok(Some(GatewayView {
        kind,
        active,
        settings: parse_settings(&config)?,
        token: Secret::new(token.unwrap_or_default()).masked(),
        paused_reason,
        paused_at,
        updated_at,
        updated_by,
    }))
}

fn parse_settings(config: &str) -> Result<GatewaySettings> {
    serde_json::from_str(config)
        .map_err(|e| Error::internal(format!("stored gateway settings: {e}")))
}

pub(crate) fn load(conn: &Connection, kind: GatewayKind) -> Result<Option<GatewayConfig>> {
    let row = conn
        .query_row(
            "SELECT config, token FROM notify_gateways WHERE kind = ?1",
            [kind.as_str()],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)),
        )
        .optional()?;
    row.map(|(config, token)| {
        Ok(GatewayConfig {
            kind,
            settings: parse_settings(&config)?,
            token: Secret::new(token.unwrap_or_default()),
        })
    })
    .transpose()
}

/// The active gateway with its token, for the transport: `gateway_not_set` when there is none.
pub fn active(conn: &Connection) -> Result<GatewayConfig> {
    let kind: Option<String> = conn
        .query_row(
            "SELECT kind FROM notify_gateways WHERE active = 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let kind: GatewayKind = match kind {
        Some(k) => k.parse()?,
        None => return Err(not_set()),
    };
    load(conn, kind)?.ok_or_else(not_set)
}

fn not_set() -> Error {
    Error::Refused {
        code: Code::GatewayNotSet,
        field: Some("gateway"),
        message: "no WhatsApp gateway is set up: pelanggan notify gateway set fonnte|cloud-api|webhook ..."
            .into(),
    }
}

/// The active gateway's state the worker reads before each claim.
pub(crate) struct GatewayState {
    pub paused_reason: Option<String>,
    pub next_send_at: Option<String>,
}

pub(crate) fn active_state(conn: &Connection) -> Result<Option<GatewayState>> {
    conn.query_row(
        "SELECT kind, paused_reason, next_send_at FROM notify_gateways WHERE active = 1",
        [],
        |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)),
    )
    .optional()?
    .map(|(kind, paused_reason, next_send_at)| {
        let _: GatewayKind = kind.parse()?;
        Ok::<_, Error>(GatewayState {
            paused_reason,
            next_send_at,
        })
    })
    .transpose()
}

/// Pauses the gateway (the reply meant it cannot send) and parks the queue.
pub(crate) fn pause(w: &mut Write<'_>, kind: GatewayKind, reason: &str) -> Result<()> {
    w.exec(
        "UPDATE notify_gateways SET paused_reason = ?2, paused_at = ?3 WHERE kind = ?1",
        params![kind.as_str(), reason, w.now()],
    )?;
    w.exec(
        "UPDATE messages SET status = 'paused', last_error = ?1, updated_at = ?2 WHERE status = 'queued'",
        params![format!("gateway paused: {reason}"), w.now()],
    )?;
    w.record_change(
        Entity::NotifyConfig,
        &format!("gateway:{kind}"),
        ChangeOp::Update,
        Some("paused_reason"),
        Some(&serde_json::Value::String(reason.to_owned())),
    )
}

/// Holds the gateway's next send until `at` (its pace, a throttle).
pub(crate) fn hold_until(w: &Write<'_>, kind: GatewayKind, at: &str) -> Result<()> {
    w.exec(
        "UPDATE notify_gateways SET next_send_at = max(coalesce(next_send_at, ''), ?2) WHERE kind = ?1",
        params![kind.as_str(), at],
    )?;
    Ok(())
}
