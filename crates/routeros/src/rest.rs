//! The REST API of RouterOS 7 (`http(s)://router/rest/...`): blocking HTTP
//! through ureq with rustls and ring, Basic auth, JSON whose values are all
//! strings. `GET` lists (with `?name=` and `.proplist`), `PUT` adds,
//! `PATCH` sets, `DELETE` removes. Over HTTPS a PEM file given with `--ca`
//! is the only certificate trusted (a router's self-signed one pinned).

use std::collections::BTreeMap;
use std::path::Path;

use ureq::Agent;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

use crate::api::{Connect, Row};
use crate::error::{Error, Result};
use crate::menus::Menus;

pub struct RestClient {
    agent: Agent,
    base: String,
    auth: String,
}

impl RestClient {
    /// A client for the router (no request yet: the first call logs in).
    pub fn new(target: &Connect, tls: bool, ca: Option<&Path>) -> Result<RestClient> {
        let mut tls_config = TlsConfig::builder().provider(TlsProvider::Rustls);
        if let Some(ca) = ca {
            let pem =
                std::fs::read(ca).map_err(|e| Error::Tls(format!("{}: {e}", ca.display())))?;
            let certs = certificates(&pem)?;
            tls_config = tls_config.root_certs(RootCerts::new_with_certs(&certs));
        }
        let agent: Agent = Agent::config_builder()
            .timeout_global(Some(target.timeout))
            .http_status_as_error(false)
            .tls_config(tls_config.build())
            .build()
            .into();
        let scheme = if tls { "https" } else { "http" };
        let host = if target.host.contains(':') {
            format!("[{}]", target.host) // an IPv6 address
        } else {
            target.host.clone()
        };
        Ok(RestClient {
            agent,
            base: format!("{scheme}://{host}:{}/rest", target.port),
            auth: format!(
                "Basic {}",
                base64(format!("{}:{}", target.user, target.password).as_bytes())
            ),
        })
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&BTreeMap<&str, &str>>,
    ) -> Result<serde_json::Value> {
        let url = format!("{}{path}", self.base);
        let response = match (method, body) {
            ("GET", _) => self
                .agent
                .get(&url)
                .header("Authorization", &self.auth)
                .call(),
            ("DELETE", _) => self
                .agent
                .delete(&url)
                .header("Authorization", &self.auth)
                .call(),
            (_, body) => {
                let json = serde_json::to_string(&body.cloned().unwrap_or_default())
                    .map_err(|e| Error::Protocol(e.to_string()))?;
                let request = match method {
                    "PUT" => self.agent.put(&url),
                    "PATCH" => self.agent.patch(&url),
                    _ => self.agent.post(&url),
                };
                request
                    .header("Authorization", &self.auth)
                    .content_type("application/json")
                    .send(json.as_str())
            }
        };
        let mut response = response.map_err(transport)?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().map_err(transport)?;
        let value: serde_json::Value = if text.trim().is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text)
                .map_err(|e| Error::Protocol(format!("HTTP {status}: {e}")))?
        };
        match status {
            200..=299 => Ok(value),
            401 => Err(Error::Login(detail(
                &value,
                "invalid user name or password",
            ))),
            400..=499 => Err(Error::Trap {
                category: None,
                message: detail(&value, "refused"),
            }),
            _ => Err(Error::Unreachable(format!(
                "HTTP {status}: {}",
                detail(&value, "server error")
            ))),
        }
    }
}

impl Menus for RestClient {
    fn print(
        &mut self,
        menu: &str,
        filter: Option<(&str, &str)>,
        props: &[&str],
    ) -> Result<Vec<Row>> {
        let mut query = vec![format!(".proplist={}", escape(&props.join(",")))];
        if let Some((k, v)) = filter {
            query.push(format!("{}={}", escape(k), escape(v)));
        }
        let value = self.send("GET", &format!("{menu}?{}", query.join("&")), None)?;
        // `/system/resource` answers one object, menus a list.
        let items = match value {
            serde_json::Value::Array(items) => items,
            object @ serde_json::Value::Object(_) => vec![object],
            _ => Vec::new(),
        };
        Ok(items.iter().map(row_of).collect())
    }

    fn add(&mut self, menu: &str, attrs: &[(&str, &str)]) -> Result<()> {
        let body: BTreeMap<&str, &str> = attrs.iter().copied().collect();
        self.send("PUT", menu, Some(&body)).map(drop)
    }

    fn set(&mut self, menu: &str, id: &str, attrs: &[(&str, &str)]) -> Result<()> {
        let body: BTreeMap<&str, &str> = attrs.iter().copied().collect();
        self.send("PATCH", &format!("{menu}/{}", escape(id)), Some(&body))
            .map(drop)
    }

    fn remove(&mut self, menu: &str, id: &str) -> Result<()> {
        self.send("DELETE", &format!("{menu}/{}", escape(id)), None)
            .map(drop)
    }
}

/// A JSON object as a row: every value a string (as RouterOS 7 sends them).
fn row_of(value: &serde_json::Value) -> Row {
    let mut row = Row::new();
    if let Some(map) = value.as_object() {
        for (k, v) in map {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            row.insert(k.clone(), text);
        }
    }
    row
}

fn detail(value: &serde_json::Value, fallback: &str) -> String {
    value
        .get("detail")
        .or(value.get("message"))
        .and_then(|d| d.as_str())
        .unwrap_or(fallback)
        .to_owned()
}

fn transport(e: ureq::Error) -> Error {
    match e {
        ureq::Error::Tls(m) => Error::Tls(m.to_string()),
        ureq::Error::Rustls(e) => Error::Tls(e.to_string()),
        other => Error::Unreachable(other.to_string()),
    }
}

/// The certificates of a PEM file.
fn certificates(pem: &[u8]) -> Result<Vec<Certificate<'static>>> {
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(Ok(c)),
            Ok(_) => None,
            Err(e) => Some(Err(Error::Tls(e.to_string()))),
        })
        .collect::<Result<_>>()?;
    if certs.is_empty() {
        return Err(Error::Tls("the CA file holds no certificate".into()));
    }
    Ok(certs)
}

/// Percent-escapes what a URL path or query must not carry as is (`*` of
/// an id is kept: RouterOS takes `/rest/ppp/secret/*1`).
fn escape(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'*' | b',' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Standard base64 with padding (the Basic auth header).
pub fn base64(input: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_values() {
        // Worked out with Python's base64.b64encode.
        assert_eq!(base64(b"admin:rahasia"), "YWRtaW46cmFoYXNpYQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b""), "");
    }

    #[test]
    fn escape_keeps_ids_and_escapes_the_rest() {
        assert_eq!(escape("*1A"), "*1A");
        assert_eq!(escape("budi santoso&x=1"), "budi%20santoso%26x%3D1");
    }
}
