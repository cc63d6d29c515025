//! A blocking RouterOS API client (TCP 8728): connect with timeouts, log in
//! (the `/login =name= =password=` of 6.43 and later, and the MD5
//! challenge of the routers before it), run one tagged command at a time
//! and read its replies.
//!
//! Replies: `!re` is a row, `!done` ends the command (with `=ret=` after an
//! add), `!trap` is a refusal (followed by its `!done`), `!empty` (RouterOS
//! 7.18 and later) a command with nothing to return, `!fatal` the router
//! closing the connection.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use md5::{Digest, Md5};

use crate::error::{Error, Result};
use crate::word;

/// One `!re` row: its attributes without the leading `=` (`name` → `budi`).
pub type Row = BTreeMap<String, String>;

/// What a command returned: its rows and the attributes of its `!done`
/// (`ret`, the id an add made).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reply {
    pub rows: Vec<Row>,
    pub done: Row,
}

/// Where a router is and how to log in. The password is never shown by `Debug`.
#[derive(Clone)]
pub struct Connect {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub password: String,
    /// Bounds the TCP connect and every read and write: a router that stops
    /// answering fails the command instead of hanging the worker.
    pub timeout: Duration,
}

impl fmt::Debug for Connect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connect")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &"••••")
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// What the client reads and writes: a TCP stream, or TLS over one.
pub trait Stream: Read + Write + Send {}
impl<T: Read + Write + Send> Stream for T {}

pub struct ApiClient {
    stream: Box<dyn Stream>,
    next_tag: u64,
}

impl fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiClient")
            .field("next_tag", &self.next_tag)
            .finish()
    }
}

/// Opens a TCP connection with the connect, read and write timeouts set.
pub fn tcp(target: &Connect) -> Result<TcpStream> {
    let addrs: Vec<_> = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|e| Error::Unreachable(format!("{}: {e}", target.host)))?
        .collect();
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, target.timeout) {
            Ok(stream) => {
                stream.set_read_timeout(Some(target.timeout))?;
                stream.set_write_timeout(Some(target.timeout))?;
                stream.set_nodelay(true)?;
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(Error::Unreachable(match last {
        Some(e) => format!("{}:{}: {e}", target.host, target.port),
        None => format!("{}: no address", target.host),
    }))
}

impl ApiClient {
    /// Connects over plain TCP and logs in.
    pub fn connect(target: &Connect) -> Result<ApiClient> {
        let stream = tcp(target)?;
        ApiClient::login_over(Box::new(stream), target)
    }

    /// Logs in over an open stream (TCP, or TLS from `tls`).
    pub fn login_over(stream: Box<dyn Stream>, target: &Connect) -> Result<ApiClient> {
        let mut client = ApiClient {
            stream,
            next_tag: 1,
        };
        client.login(&target.user, &target.password)?;
        Ok(client)
    }

    /// Logs in: the plain login first; a router before 6.43 answers it with
    /// a challenge (`=ret=`), which is then answered with its MD5.
    fn login(&mut self, user: &str, password: &str) -> Result<()> {
        let reply = self
            .run("/login", &[attr("name", user), attr("password", password)])
            .map_err(as_login)?;
        let Some(challenge) = reply.done.get("ret") else {
            return Ok(());
        };
        let response = challenge_response(password, challenge)?;
        self.run("/login", &[attr("name", user), attr("response", &response)])
            .map_err(as_login)?;
        Ok(())
    }

    /// Runs one command (`/ppp/secret/print`) with its words (`=name=budi`,
    /// `?name=budi`, `=.proplist=.id,name`), waiting for its `!done`.
    /// A `!trap` is `Error::Trap` once the `!done` after it has been read,
    /// so the connection stays usable for the next command.
    pub fn run(&mut self, command: &str, words: &[String]) -> Result<Reply> {
        let tag = self.next_tag.to_string();
        self.next_tag += 1;
        let mut sentence: Vec<&str> = Vec::with_capacity(words.len() + 2);
        sentence.push(command);
        sentence.extend(words.iter().map(String::as_str));
        let tag_word = format!(".tag={tag}");
        sentence.push(&tag_word);
        word::write_sentence(&mut self.stream, &sentence)?;

        let mut reply = Reply::default();
        let mut trap: Option<Error> = None;
        loop {
            let words = word::read_sentence(&mut self.stream)?;
            let Some((kind, rest)) = words.split_first() else {
                continue; // an empty sentence carries nothing
            };
            if kind == "!fatal" {
                return Err(Error::Fatal(rest.join(" ")));
            }
            let (attrs, reply_tag) = attributes(rest);
            if reply_tag.as_deref() != Some(tag.as_str()) {
                continue; // a late reply to an earlier command: not ours
            }
            match kind.as_str() {
                "!re" => reply.rows.push(attrs),
                "!empty" => {}
                "!trap" => {
                    trap.get_or_insert(Error::Trap {
                        category: attrs.get("category").cloned(),
                        message: attrs
                            .get("message")
                            .cloned()
                            .unwrap_or_else(|| "no message".into()),
                    });
                }
                "!done" => {
                    reply.done = attrs;
                    return match trap {
                        Some(e) => Err(e),
                        None => Ok(reply),
                    };
                }
                other => {
                    return Err(Error::Protocol(format!("unknown reply '{other}'")));
                }
            }
        }
    }
}

/// `=key=value`, the word of an attribute.
pub fn attr(key: &str, value: &str) -> String {
    format!("={key}={value}")
}

/// `?key=value`, the word of a query.
pub fn query(key: &str, value: &str) -> String {
    format!("?{key}={value}")
}

/// A reply's `=key=value` words as a row, and its `.tag`.
fn attributes(words: &[String]) -> (Row, Option<String>) {
    let mut row = Row::new();
    let mut tag = None;
    for w in words {
        if let Some(t) = w.strip_prefix(".tag=") {
            tag = Some(t.to_owned());
        } else if let Some(kv) = w.strip_prefix('=') {
            // The value may itself hold '=' (a comment, a rate limit): split once.
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            row.insert(k.to_owned(), v.to_owned());
        }
    }
    (row, tag)
}

/// A refused `/login` is a login error, whatever the router called it.
fn as_login(e: Error) -> Error {
    match e {
        Error::Trap { message, .. } | Error::Fatal(message) => Error::Login(message),
        other => other,
    }
}

/// The pre-6.43 answer: `00` and the hex MD5 of a zero byte, the password
/// and the challenge's bytes.
pub fn challenge_response(password: &str, challenge_hex: &str) -> Result<String> {
    let challenge = from_hex(challenge_hex)
        .ok_or_else(|| Error::Protocol(format!("login challenge '{challenge_hex}' is not hex")))?;
    let mut md5 = Md5::new();
    md5.update([0u8]);
    md5.update(password.as_bytes());
    md5.update(&challenge);
    Ok(format!("00{}", to_hex(&md5.finalize())))
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_md5_challenge_answer_is_md5_of_zero_password_challenge() {
        // Worked out with Python's hashlib:
        // md5(b"\x00" + b"secret" + bytes.fromhex("0123456789abcdef0123456789abcdef")).
        assert_eq!(
            challenge_response("secret", "0123456789abcdef0123456789abcdef").unwrap(),
            "00ebbe7c3df6b3d902bfd1f355c6e63289"
        );
        assert!(challenge_response("x", "zz").is_err());
    }

    #[test]
    fn reply_attributes_split_at_the_first_equals_only() {
        let (row, tag) = attributes(&["=comment=a=b".into(), "=.id=*1".into(), ".tag=3".into()]);
        assert_eq!(row["comment"], "a=b");
        assert_eq!(row[".id"], "*1");
        assert_eq!(tag.as_deref(), Some("3"));
    }
}
