//! TLS: the binary API over api-ssl and REST over HTTPS, each trusting only
//! the certificate in the router's `--ca` file (a self-signed one pinned).

use std::path::PathBuf;

use pelanggan_core::routers::client::{RouterFailure, ServiceType};
use pelanggan_core::routers::{ApiKind, Credentials};
use pelanggan_routeros::fake::{Config, FakeRouter, Tls};
use pelanggan_routeros::provision;

fn creds(fake: &FakeRouter, api: ApiKind, ca: Option<PathBuf>) -> Credentials {
    Credentials {
        router_id: 1,
        name: "kantor".into(),
        host: "127.0.0.1".into(),
        port: match api {
            ApiKind::Binary => fake.api_port(),
            ApiKind::Rest => fake.rest_port(),
        },
        username: "admin".into(),
        password: "rahasia".into(),
        api,
        tls: true,
        ca_file: ca.map(|p| p.display().to_string()),
    }
}

#[test]
fn both_apis_work_over_tls_with_the_pinned_certificate_and_refuse_another() {
    let dir = tempfile::tempdir().unwrap();
    let tls = Tls::self_signed();
    let pinned = dir.path().join("router.pem");
    std::fs::write(&pinned, &tls.cert_pem).unwrap();
    let other = dir.path().join("other.pem");
    std::fs::write(&other, Tls::self_signed().cert_pem).unwrap();
    let fake = FakeRouter::start_tls(Config::default(), tls);
    for api in [ApiKind::Binary, ApiKind::Rest] {
        let mut c = provision::connect(&creds(&fake, api, Some(pinned.clone()))).unwrap();
        assert_eq!(c.version().unwrap(), "7.18.2 (stable)", "{api:?}");
        assert!(c.profiles(ServiceType::Pppoe).unwrap().len() >= 3);

        let e = provision::connect(&creds(&fake, api, Some(other.clone())))
            .and_then(|mut c| c.version())
            .unwrap_err();
        assert!(
            matches!(&e, RouterFailure::Unreachable(m) if m.contains("TLS") || m.contains("certificate")),
            "{api:?}: {e}"
        );
    }
    // The binary API over TLS needs the file.
    let e = provision::connect(&creds(&fake, ApiKind::Binary, None))
        .err()
        .unwrap();
    assert!(
        matches!(&e, RouterFailure::Unreachable(m) if m.contains("--ca")),
        "{e}"
    );
}
