//! Each transport against a fake gateway on 127.0.0.1 that answers as the
//! real one does: what went over the wire (URL, headers, form or JSON body)
//! and what each reply means.

use std::time::Duration;

use pelanggan_core::notify::gateways::{
    BodyFormat, GatewayConfig, GatewayKind, GatewaySettings, Secret,
};
use pelanggan_core::notify::{CloudTemplate, OutgoingMessage, SendOutcome};
use pelanggan_gateways::connect;
use pelanggan_gateways::testing::{FakeGateway, Reply, closed_port_url};
use serde_json::json;

const TOKEN: &str = "fonnte-token-abcd1234";

fn message() -> OutgoingMessage {
    OutgoingMessage {
        key: "0190a1b2-key".into(),
        to: "+6281234567890".into(),
        text: "Halo Budi, tagihan Rp 150.000 & \"lunas\"?".into(),
        template: None,
    }
}

fn config(kind: GatewayKind, url: String) -> GatewayConfig {
    let mut settings = GatewaySettings::defaults_for(kind);
    settings.url = url;
    settings.timeout_ms = 2_000;
    settings.phone_number_id = Some("1098765".into());
    GatewayConfig {
        kind,
        settings,
        token: Secret::new(TOKEN),
    }
}

fn send(config: &GatewayConfig) -> SendOutcome {
    connect(config).unwrap().send(&message()).outcome
}

fn fonnte(reply: Reply) -> (FakeGateway, GatewayConfig) {
    let server = FakeGateway::start(move |_, _| reply.clone());
    let config = config(GatewayKind::Fonnte, server.url("/send"));
    (server, config)
}

#[test]
fn fonnte_posts_the_form_with_the_bare_token_and_keeps_id_and_requestid() {
    let (server, mut config) = fonnte(Reply::json(
        200,
        json!({"detail": "success! message in queue", "id": ["80367170"], "process": "pending",
               "requestid": 2937124, "status": true, "target": ["6281234567890"]}),
    ));
    config.settings.country_code = Some("62".into());
    let reply = connect(&config).unwrap().send(&message());
    assert_eq!(
        reply.outcome,
        SendOutcome::Sent {
            gateway_id: Some("80367170 (requestid 2937124)".into())
        }
    );
    assert!(reply.reply.starts_with("HTTP 200: "), "{}", reply.reply);
    let got = server.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/send"));
    assert_eq!(
        r.header("authorization"),
        Some(TOKEN),
        "no Bearer for Fonnte"
    );
    assert_eq!(
        r.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(r.form("target").as_deref(), Some("6281234567890"));
    assert_eq!(r.form("message").as_deref(), Some(message().text.as_str()));
    assert_eq!(r.form("countryCode").as_deref(), Some("62"));
}

#[test]
fn fonnte_http_200_with_status_false_is_read_by_its_reason() {
    let cases = [
        ("request invalid on disconnected device", "paused"),
        ("insufficient quota", "paused"),
        ("invalid token", "paused"),
        ("token invalid", "paused"),
        ("invalid device", "paused"),
        ("target invalid", "failed"),
    ];
    for (reason, expected) in cases {
        let (_server, config) = fonnte(Reply::json(
            200,
            json!({"reason": reason, "requestid": 1, "status": false}),
        ));
        let outcome = send(&config);
        assert_eq!(outcome.name(), expected, "{reason}: {outcome:?}");
        assert!(outcome.reason().unwrap().contains(reason));
    }
}

#[test]
fn fonnte_429_and_5xx_retry_honouring_retry_after() {
    let (_server, config) = fonnte(
        Reply::json(429, json!({"reason": "rate limit", "status": false}))
            .with_header("Retry-After", "7"),
    );
    assert_eq!(
        send(&config),
        SendOutcome::Retry {
            reason: "Fonnte: rate limit".into(),
            after: Some(Duration::from_secs(7))
        }
    );
    let (_server, config) = fonnte(Reply::json(502, json!({})));
    assert!(matches!(
        send(&config),
        SendOutcome::Retry { after: None, .. }
    ));
}

#[test]
fn a_gateway_that_is_down_is_retried_and_a_timeout_after_sending_is_unknown() {
    let config_down = config(GatewayKind::Fonnte, closed_port_url("/send"));
    let outcome = send(&config_down);
    assert!(matches!(outcome, SendOutcome::Retry { .. }), "{outcome:?}");
    assert!(outcome.reason().unwrap().contains("nothing was sent"));

    let (server, mut config) = fonnte(
        Reply::json(200, json!({"status": true, "id": ["1"]})).after(Duration::from_secs(5)),
    );
    config.settings.timeout_ms = 300;
    let outcome = send(&config);
    assert!(
        matches!(outcome, SendOutcome::Unknown { .. }),
        "{outcome:?}"
    );
    assert_eq!(server.received().len(), 1, "the request did arrive");
}

fn cloud(reply: Reply) -> (FakeGateway, GatewayConfig) {
    let server = FakeGateway::start(move |_, _| reply.clone());
    let config = config(GatewayKind::CloudApi, server.url(""));
    (server, config)
}

fn cloud_error(code: i64) -> Reply {
    Reply::json(
        400,
        json!({"error": {"message": format!("error {code}"), "type": "OAuthException", "code": code,
               "error_data": {"messaging_product": "whatsapp", "details": format!("details of {code}")},
               "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"}}),
    )
}

#[test]
fn cloud_api_posts_json_with_bearer_and_keeps_the_wamid() {
    let (server, config) = cloud(Reply::json(
        200,
        json!({"messaging_product": "whatsapp", "contacts": [{"input": "6281234567890", "wa_id": "6281234567890"}],
               "messages": [{"id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDNzU"}]}),
    ));
    assert_eq!(
        send(&config),
        SendOutcome::Sent {
            gateway_id: Some("wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABIYFjNFQjBDNzU".into())
        }
    );
    let r = &server.received()[0];
    assert_eq!(r.path, "/v21.0/1098765/messages");
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(
        r.json(),
        json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890",
               "type": "text", "text": {"preview_url": false, "body": message().text}})
    );
}

#[test]
fn cloud_api_sends_a_mapped_template_with_its_parameters_in_order() {
    let (server, config) = cloud(Reply::json(200, json!({"messages": [{"id": "wamid.1"}]})));
    let mut msg = message();
    msg.template = Some(CloudTemplate {
        name: "tagihan_terbit".into(),
        language: "id".into(),
        params: vec!["Budi".into(), "Rp 150.000".into()],
    });
    connect(&config).unwrap().send(&msg);
    assert_eq!(
        server.received()[0].json()["template"],
        json!({"name": "tagihan_terbit", "language": {"code": "id"},
               "components": [{"type": "body", "parameters": [
                   {"type": "text", "text": "Budi"}, {"type": "text", "text": "Rp 150.000"}]}]})
    );
}

#[test]
fn cloud_api_error_codes_mean_what_the_documentation_says() {
    let cases: [(i64, &str); 7] = [
        (131047, "needs_template"),
        (130429, "retry"),
        (80007, "retry"),
        (131056, "throttled"),
        (131026, "failed"),
        (368, "paused"),
        (131031, "paused"),
    ];
    for (code, expected) in cases {
        let (_server, config) = cloud(cloud_error(code));
        let outcome = send(&config);
        assert_eq!(outcome.name(), expected, "{code}: {outcome:?}");
        assert!(outcome.reason().unwrap().contains(&code.to_string()));
    }
    let (_server, config) = cloud(cloud_error(131056));
    assert!(matches!(
        send(&config),
        SendOutcome::ThrottleRecipient { after, .. } if after == Duration::from_secs(6)
    ));
    let (_server, config) = cloud(cloud_error(130429).with_header("Retry-After", "30"));
    assert!(matches!(
        send(&config),
        SendOutcome::Retry { after: Some(a), .. } if a == Duration::from_secs(30)
    ));
}

fn webhook(reply: Reply, edit: impl FnOnce(&mut GatewaySettings)) -> (FakeGateway, GatewayConfig) {
    let server = FakeGateway::start(move |_, _| reply.clone());
    let mut config = config(GatewayKind::Webhook, server.url("/api/send?src=pelanggan"));
    edit(&mut config.settings);
    (server, config)
}

#[test]
fn webhook_fills_its_json_body_headers_and_idempotency_key() {
    let (server, config) = webhook(Reply::json(200, json!({"data": {"status": "sent"}})), |s| {
        s.headers = vec![
            ("Authorization".into(), "Bearer {token}".into()),
            ("X-Shop".into(), "maju".into()),
        ];
        s.body = r#"{"phone":"{to_digits}","text":"{message}","ref":"{key}"}"#.into();
        s.success_path = Some("data.status".into());
        s.success_value = Some("sent".into());
        s.idempotency_key = true;
    });
    assert_eq!(send(&config), SendOutcome::Sent { gateway_id: None });
    let r = &server.received()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/api/send?src=pelanggan")
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(r.header("x-shop"), Some("maju"));
    assert_eq!(r.header("idempotency-key"), Some("0190a1b2-key"));
    assert_eq!(
        r.json(),
        json!({"phone": "6281234567890", "text": message().text, "ref": "0190a1b2-key"}),
        "the text is escaped as JSON, quotes and all"
    );
}

#[test]
fn webhook_success_check_and_form_body() {
    let (_server, config) = webhook(
        Reply::json(200, json!({"data": {"status": "rejected"}})),
        |s| {
            s.success_path = Some("data.status".into());
            s.success_value = Some("sent".into());
        },
    );
    let outcome = send(&config);
    assert_eq!(outcome.name(), "failed");
    assert!(outcome.reason().unwrap().contains("rejected"));

    let (server, config) = webhook(Reply::json(201, json!({})), |s| {
        s.body = "phone={to}&message={message}".into();
        s.body_format = BodyFormat::Form;
    });
    assert_eq!(send(&config), SendOutcome::Sent { gateway_id: None });
    let r = &server.received()[0];
    assert_eq!(
        r.header("idempotency-key"),
        None,
        "only when the gateway honours it"
    );
    assert_eq!(r.form("phone").as_deref(), Some("+6281234567890"));
    assert_eq!(r.form("message").as_deref(), Some(message().text.as_str()));

    let (_server, config) = webhook(Reply::json(503, json!({})), |_| {});
    assert_eq!(send(&config).name(), "retry");
    let (_server, config) = webhook(Reply::json(422, json!({})), |_| {});
    assert_eq!(send(&config).name(), "failed");
}
