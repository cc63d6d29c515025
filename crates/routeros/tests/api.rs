//! The binary API client against the fake RouterOS on 127.0.0.1: framing of
//! long words through real sockets, both login flows, `!empty` by version,
//! tags, `.proplist`, `=ret=`, traps.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use pelanggan_routeros::api::{ApiClient, Connect, attr, query};
use pelanggan_routeros::fake::{Config, FakeRouter};
use pelanggan_routeros::{Error, word};

fn target(fake: &FakeRouter, user: &str, password: &str) -> Connect {
    Connect {
        host: "127.0.0.1".into(),
        port: fake.api_port(),
        user: user.into(),
        password: password.into(),
        timeout: Duration::from_secs(10),
    }
}

fn version(v: &str) -> Config {
    Config {
        version: v.into(),
        ..Config::default()
    }
}

#[test]
fn words_of_every_prefix_length_cross_the_socket_byte_exact() {
    let fake = FakeRouter::start(Config::default());
    let mut api = ApiClient::connect(&target(&fake, "admin", "rahasia")).unwrap();
    for (i, len) in [0usize, 1, 127, 128, 16_383, 16_384, 70_000, 0x20_0000]
        .into_iter()
        .enumerate()
    {
        // A comment of `len` bytes, so the word `=comment=...` is a little
        // longer: both sides of each boundary are crossed across the list.
        let comment: String = (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
        let name = format!("user{i}");
        api.run(
            "/ppp/secret/add",
            &[attr("name", &name), attr("comment", &comment)],
        )
        .unwrap();
        assert_eq!(
            fake.user(false, &name).unwrap()["comment"],
            comment,
            "the fake read {len}"
        );
        let reply = api
            .run(
                "/ppp/secret/print",
                &[query("name", &name), attr(".proplist", "comment")],
            )
            .unwrap();
        assert_eq!(reply.rows.len(), 1);
        assert_eq!(reply.rows[0]["comment"].len(), len);
        assert_eq!(reply.rows[0]["comment"], comment, "the client read {len}");
    }
}

#[test]
fn a_sentence_written_a_byte_at_a_time_is_read_whole() {
    let fake = FakeRouter::start(Config::default());
    let mut s = TcpStream::connect(("127.0.0.1", fake.api_port())).unwrap();
    s.set_nodelay(true).unwrap();
    let bytes = word::encode_sentence(&["/login", "=name=admin", "=password=rahasia", ".tag=a"]);
    for b in bytes {
        s.write_all(&[b]).unwrap();
        s.flush().unwrap();
    }
    assert_eq!(word::read_sentence(&mut s).unwrap(), ["!done", ".tag=a"]);
}

#[test]
fn login_with_name_and_password_from_6_43() {
    for v in ["6.43", "6.49.10", "7.18.2"] {
        let fake = FakeRouter::start(version(v));
        ApiClient::connect(&target(&fake, "admin", "rahasia")).unwrap();
        let e = ApiClient::connect(&target(&fake, "admin", "salah")).unwrap_err();
        assert!(
            matches!(&e, Error::Login(m) if m.contains("invalid user name or password")),
            "{v}: {e}"
        );
        let e = ApiClient::connect(&target(&fake, "root", "rahasia")).unwrap_err();
        assert!(matches!(e, Error::Login(_)), "{v}");
    }
}

#[test]
fn login_answers_the_md5_challenge_before_6_43() {
    let fake = FakeRouter::start(version("6.42.12"));
    let mut api = ApiClient::connect(&target(&fake, "admin", "rahasia")).unwrap();
    // Logged in for real: commands run.
    api.run("/ppp/secret/add", &[attr("name", "budi")]).unwrap();
    let e = ApiClient::connect(&target(&fake, "admin", "salah")).unwrap_err();
    assert!(
        matches!(&e, Error::Login(m) if m.contains("cannot log in")),
        "{e}"
    );
}

/// The raw replies to a print that finds nothing.
fn replies_to_empty_print(v: &str) -> Vec<Vec<String>> {
    let fake = FakeRouter::start(version(v));
    let mut s = TcpStream::connect(("127.0.0.1", fake.api_port())).unwrap();
    word::write_sentence(&mut s, &["/login", "=name=admin", "=password=rahasia"]).unwrap();
    assert_eq!(word::read_sentence(&mut s).unwrap(), ["!done"]);
    word::write_sentence(&mut s, &["/ppp/secret/print", "?name=nobody", ".tag=9"]).unwrap();
    let mut out = Vec::new();
    loop {
        let sentence = word::read_sentence(&mut s).unwrap();
        let done = sentence[0] == "!done";
        out.push(sentence);
        if done {
            return out;
        }
    }
}

#[test]
fn empty_replies_by_version_and_the_client_reads_both() {
    assert_eq!(
        replies_to_empty_print("7.18.2"),
        [vec!["!empty", ".tag=9"], vec!["!done", ".tag=9"]]
    );
    assert_eq!(replies_to_empty_print("7.17"), [vec!["!done", ".tag=9"]]);
    for v in ["7.17", "7.18.2"] {
        let fake = FakeRouter::start(version(v));
        let mut api = ApiClient::connect(&target(&fake, "admin", "rahasia")).unwrap();
        let reply = api.run("/ppp/secret/print", &[query("name", "x")]).unwrap();
        assert!(reply.rows.is_empty(), "{v}");
    }
}

#[test]
fn add_returns_the_new_id_and_proplist_limits_the_fields() {
    let fake = FakeRouter::start(Config::default());
    let mut api = ApiClient::connect(&target(&fake, "admin", "rahasia")).unwrap();
    let added = api
        .run(
            "/ppp/secret/add",
            &[
                attr("name", "budi"),
                attr("password", "x"),
                attr("profile", "paket-10M"),
            ],
        )
        .unwrap();
    let id = added.done["ret"].clone();
    assert!(id.starts_with('*'), "{id}");
    let reply = api
        .run(
            "/ppp/secret/print",
            &[query("name", "budi"), attr(".proplist", ".id,profile")],
        )
        .unwrap();
    assert_eq!(reply.rows.len(), 1);
    let keys: Vec<&str> = reply.rows[0].keys().map(String::as_str).collect();
    assert_eq!(keys, [".id", "profile"]);
    assert_eq!(reply.rows[0][".id"], id);
}

#[test]
fn traps_for_duplicates_and_missing_items_leave_the_connection_usable() {
    let fake = FakeRouter::start(Config::default());
    let mut api = ApiClient::connect(&target(&fake, "admin", "rahasia")).unwrap();
    api.run("/ppp/secret/add", &[attr("name", "budi")]).unwrap();
    let e = api
        .run("/ppp/secret/add", &[attr("name", "budi")])
        .unwrap_err();
    assert!(
        matches!(&e, Error::Trap { message, .. } if message.contains("already exists")),
        "{e}"
    );
    let e = api
        .run("/ppp/secret/remove", &[attr(".id", "*FFFF")])
        .unwrap_err();
    assert!(
        matches!(&e, Error::Trap { message, .. } if message == "no such item"),
        "{e}"
    );
    // Still in step: the next command gets its own reply.
    let reply = api.run("/ppp/secret/print", &[]).unwrap();
    assert_eq!(reply.rows.len(), 1);
}

#[test]
fn a_router_that_is_down_is_unreachable() {
    let mut fake = FakeRouter::start(Config::default());
    let t = target(&fake, "admin", "rahasia");
    fake.stop();
    assert!(matches!(ApiClient::connect(&t), Err(Error::Unreachable(_))));
    fake.restart();
    ApiClient::connect(&t).unwrap();
}

#[test]
fn fatal_ends_the_session_and_says_why() {
    let fake = FakeRouter::start(Config::default());
    let mut api = ApiClient::connect(&target(&fake, "admin", "rahasia")).unwrap();
    let e = api.run("/quit", &[]).unwrap_err();
    assert!(
        matches!(&e, Error::Fatal(m) if m == "session terminated on request"),
        "{e}"
    );
    assert!(e.is_transient());
    // The connection is gone: the next command fails as unreachable.
    let e = api.run("/ppp/secret/print", &[]).unwrap_err();
    assert!(matches!(e, Error::Unreachable(_)), "{e}");
}

#[test]
fn replies_to_another_tag_are_not_taken_for_this_command() {
    let fake = FakeRouter::start(Config::default());
    let mut s = TcpStream::connect(("127.0.0.1", fake.api_port())).unwrap();
    word::write_sentence(&mut s, &["/login", "=name=admin", "=password=rahasia"]).unwrap();
    word::read_sentence(&mut s).unwrap();
    // Two commands in flight: each reply names its own tag.
    word::write_sentence(&mut s, &["/ppp/secret/add", "=name=a", ".tag=x"]).unwrap();
    word::write_sentence(&mut s, &["/ppp/secret/add", "=name=b", ".tag=y"]).unwrap();
    let first = word::read_sentence(&mut s).unwrap();
    let second = word::read_sentence(&mut s).unwrap();
    assert_eq!(first[0], "!done");
    assert!(first.contains(&".tag=x".to_owned()), "{first:?}");
    assert!(second.contains(&".tag=y".to_owned()), "{second:?}");
}
