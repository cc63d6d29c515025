//! The fake's REST API (RouterOS 7): a small HTTP/1.1 server, one request
//! per connection, Basic auth, JSON with every value a string.
//!
//! `GET /rest/ppp/secret?name=budi&.proplist=.id,name` lists, `PUT
//! /rest/ppp/secret` adds (answering the new row), `PATCH
//! /rest/ppp/secret/*1` sets, `DELETE /rest/ppp/secret/*1` removes,
//! `POST /rest/<menu>/<command>` runs a command with a JSON body of its
//! attributes. Errors are RouterOS's `{"error":404,"message":"Not
//! Found","detail":"no such item"}`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};

use super::{Conn, State, lock};
use crate::rest::base64;

pub(super) fn serve(stream: Box<dyn Conn>, state: Arc<Mutex<State>>) {
    let mut reader = BufReader::new(stream);
    let (status, body) = match handle(&mut reader, &state) {
        Ok(answer) => answer,
        Err(()) => return,
    };
    let reason = match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Error",
    };
    let out = reader.get_mut();
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = out.write_all(head.as_bytes());
    let _ = out.write_all(body.as_bytes());
    let _ = out.flush();
}

fn handle(
    reader: &mut BufReader<Box<dyn Conn>>,
    state: &Arc<Mutex<State>>,
) -> Result<(u16, String), ()> {
    let mut line = String::new();
    reader.read_line(&mut line).map_err(drop)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().ok_or(())?.to_owned();
    let target = parts.next().ok_or(())?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).map_err(drop)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    reader.read_exact(&mut body).map_err(drop)?;

    let config = lock(state).config.clone();
    let expected = format!(
        "Basic {}",
        base64(format!("{}:{}", config.user, config.password).as_bytes())
    );
    if headers.get("authorization") != Some(&expected) {
        return Ok(error(401, "Unauthorized", "invalid user name or password"));
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let Some(path) = path.strip_prefix("/rest") else {
        return Ok(error(404, "Not Found", "no such command"));
    };
    let mut attrs: BTreeMap<String, String> = if body.is_empty() {
        BTreeMap::new()
    } else {
        match serde_json::from_slice::<BTreeMap<String, serde_json::Value>>(&body) {
            Ok(map) => {
                let mut out = BTreeMap::new();
                for (k, v) in map {
                    // RouterOS 7 takes and gives every value as a string.
                    let serde_json::Value::String(v) = v else {
                        return Ok(error(
                            400,
                            "Bad Request",
                            &format!("{k}: expected a string"),
                        ));
                    };
                    out.insert(k, v);
                }
                out
            }
            Err(e) => return Ok(error(400, "Bad Request", &e.to_string())),
        }
    };
    let mut queries = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (unescape(k), unescape(v));
        if k == ".proplist" {
            attrs.insert(k, v);
        } else {
            queries.push((k, v));
        }
    }
    // `/ppp/secret/*1` names a row; the menu is the rest.
    let (menu, id) = match path.rsplit_once('/') {
        Some((menu, id)) if id.starts_with('*') => (menu.to_owned(), Some(id.to_owned())),
        _ => (path.to_owned(), None),
    };
    let command = match (method.as_str(), &id) {
        ("GET", None) => format!("{menu}/print"),
        ("GET", Some(id)) => {
            queries.push((".id".into(), id.clone()));
            format!("{menu}/print")
        }
        ("PUT", None) => format!("{menu}/add"),
        ("PATCH", Some(id)) | ("DELETE", Some(id)) => {
            attrs.insert(".id".into(), id.clone());
            format!(
                "{menu}/{}",
                if method == "PATCH" { "set" } else { "remove" }
            )
        }
        ("POST", None) => menu.clone(),
        _ => return Ok(error(400, "Bad Request", "no such command")),
    };
    let mut st = lock(state);
    let mut logged = vec![command.clone()];
    logged.extend(attrs.iter().map(|(k, v)| format!("={k}={v}")));
    logged.extend(queries.iter().map(|(k, v)| format!("?{k}={v}")));
    st.log.push(logged);
    let outcome = match st.execute(&command, &attrs, &queries) {
        Ok(o) => o,
        Err(t) if t.status == 404 => return Ok(error(404, "Not Found", &t.message)),
        Err(t) => return Ok(error(400, "Bad Request", &t.message)),
    };
    let json = |row: &BTreeMap<String, String>| serde_json::to_string(row).unwrap_or_default();
    Ok(match method.as_str() {
        "GET" if id.is_some() => match outcome.rows.first() {
            Some(row) => (200, json(row)),
            None => error(404, "Not Found", "no such item"),
        },
        "GET" => (
            200,
            serde_json::to_string(&outcome.rows).unwrap_or_default(),
        ),
        "PUT" => {
            let id = outcome.ret.unwrap_or_default();
            let row = st.menus[&menu]
                .iter()
                .find(|r| r.get(".id") == Some(&id))
                .cloned()
                .unwrap_or_default();
            (201, json(&row))
        }
        "PATCH" => {
            let row = st.menus[&menu]
                .iter()
                .find(|r| Some(r.get(".id").cloned().unwrap_or_default()) == id)
                .cloned()
                .unwrap_or_default();
            (200, json(&row))
        }
        "DELETE" => (204, String::new()),
        _ => (
            200,
            serde_json::to_string(&outcome.rows).unwrap_or_default(),
        ),
    })
}

fn error(status: u16, message: &str, detail: &str) -> (u16, String) {
    (
        status,
        serde_json::json!({"error": status, "message": message, "detail": detail}).to_string(),
    )
}

/// `%2A1` → `*1`, `+` → space.
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
