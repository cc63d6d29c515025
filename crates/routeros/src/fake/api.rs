//! The fake's binary API: one thread per connection, sentences in, replies
//! out a few bytes per write (so the client reads words split across
//! packets).

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use md5::{Digest, Md5};

use super::{Conn, State, lock};
use crate::api::{from_hex, to_hex};
use crate::word;

/// Adds one reply sentence (its kind and attributes) to what goes out.
type Reply<'a> = dyn FnMut(&str, &[(String, String)]) + 'a;

/// Bytes per write of a reply: small, so words straddle packets.
const CHUNK: usize = 7;

pub(super) fn serve(mut stream: Box<dyn Conn>, state: Arc<Mutex<State>>) {
    let mut logged_in = false;
    let mut challenge: Option<Vec<u8>> = None;
    loop {
        let Ok(words) = word::read_sentence(&mut stream) else {
            return; // closed or cut
        };
        let Some((command, rest)) = words.split_first() else {
            continue;
        };
        let mut attrs = BTreeMap::new();
        let mut queries = Vec::new();
        let mut tag = None;
        for w in rest {
            if let Some(t) = w.strip_prefix(".tag=") {
                tag = Some(t.to_owned());
            } else if let Some(kv) = w.strip_prefix('=') {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                attrs.insert(k.to_owned(), v.to_owned());
            } else if let Some(kv) = w.strip_prefix('?') {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                queries.push((k.to_owned(), v.to_owned()));
            }
        }
        let mut out = Vec::new();
        let mut reply = |kind: &str, attrs: &[(String, String)]| {
            let mut words = vec![kind.to_owned()];
            words.extend(attrs.iter().map(|(k, v)| format!("={k}={v}")));
            if let Some(t) = &tag {
                words.push(format!(".tag={t}"));
            }
            out.extend(word::encode_sentence(&words));
        };
        let trap = |reply: &mut Reply<'_>, message: &str| {
            reply("!trap", &[("message".into(), message.into())]);
            reply("!done", &[]);
        };

        if command == "/quit" {
            // As RouterOS: `!fatal` with the reason, then the connection closes.
            let _ = stream.write_all(&word::encode_sentence(&[
                "!fatal",
                "session terminated on request",
            ]));
            let _ = stream.flush();
            return;
        }
        if command == "/login" {
            let config = lock(&state).config.clone();
            let name_ok = attrs.get("name") == Some(&config.user);
            if config.legacy_login() {
                match (attrs.get("response"), &challenge) {
                    (Some(response), Some(ch)) => {
                        let mut md5 = Md5::new();
                        md5.update([0u8]);
                        md5.update(config.password.as_bytes());
                        md5.update(ch);
                        let expected = format!("00{}", to_hex(&md5.finalize()));
                        if name_ok && *response == expected {
                            logged_in = true;
                            reply("!done", &[]);
                        } else {
                            trap(&mut reply, "cannot log in");
                        }
                    }
                    _ => {
                        // Before 6.43 every login starts with a challenge.
                        let ch = from_hex("0123456789abcdef0123456789abcdef").expect("hex");
                        reply("!done", &[("ret".into(), to_hex(&ch))]);
                        challenge = Some(ch);
                    }
                }
            } else if name_ok && attrs.get("password") == Some(&config.password) {
                logged_in = true;
                reply("!done", &[]);
            } else {
                trap(&mut reply, "invalid user name or password (6)");
            }
        } else if !logged_in {
            trap(&mut reply, "not logged in");
        } else {
            let mut st = lock(&state);
            st.log.push(words.clone());
            let empty_reply = st.config.sends_empty();
            match st.execute(command, &attrs, &queries) {
                Ok(outcome) => {
                    if outcome.rows.is_empty() && command.ends_with("/print") && empty_reply {
                        reply("!empty", &[]);
                    }
                    for row in &outcome.rows {
                        let pairs: Vec<(String, String)> =
                            row.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                        reply("!re", &pairs);
                    }
                    let done: Vec<(String, String)> = outcome
                        .ret
                        .map(|id| ("ret".into(), id))
                        .into_iter()
                        .collect();
                    reply("!done", &done);
                }
                Err(t) => trap(&mut reply, &t.message),
            }
        }
        while command != "/login" && !command.ends_with("/print") && lock(&state).hold_replies {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        for chunk in out.chunks(CHUNK) {
            if stream
                .write_all(chunk)
                .and_then(|_| stream.flush())
                .is_err()
            {
                return;
            }
        }
    }
}
