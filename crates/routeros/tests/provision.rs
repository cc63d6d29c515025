//! The core's `RouterClient` over both APIs against the same fake router:
//! users by name, profiles, kicks, and failures sorted for the worker.

use pelanggan_core::routers::client::{
    NewRouterUser, RouterClient, RouterFailure, ServiceType, UserChange,
};
use pelanggan_core::routers::{ApiKind, Credentials};
use pelanggan_routeros::fake::{Config, FakeRouter};
use pelanggan_routeros::provision;

fn creds(fake: &FakeRouter, api: ApiKind, password: &str) -> Credentials {
    Credentials {
        router_id: 1,
        name: "kantor".into(),
        host: "127.0.0.1".into(),
        port: match api {
            ApiKind::Binary => fake.api_port(),
            ApiKind::Rest => fake.rest_port(),
        },
        username: "admin".into(),
        password: password.into(),
        api,
        tls: false,
        ca_file: None,
    }
}

fn user(name: &str, profile: &str) -> NewRouterUser {
    NewRouterUser {
        name: name.into(),
        password: "pw-123".into(),
        profile: profile.into(),
        disabled: false,
        comment: "pelanggan".into(),
    }
}

fn each_api(test: impl Fn(&FakeRouter, Box<dyn RouterClient>)) {
    for api in [ApiKind::Binary, ApiKind::Rest] {
        let fake = FakeRouter::start(Config::default());
        let client = provision::connect(&creds(&fake, api, "rahasia")).unwrap();
        test(&fake, client);
    }
}

#[test]
fn version_and_profiles() {
    each_api(|_, mut c| {
        assert_eq!(c.version().unwrap(), "7.18.2 (stable)");
        assert_eq!(
            c.profiles(ServiceType::Pppoe).unwrap(),
            ["default", "paket-10M", "paket-20M"]
        );
        c.add_profile(ServiceType::Hotspot, "isolir").unwrap();
        assert!(
            c.profiles(ServiceType::Hotspot)
                .unwrap()
                .contains(&"isolir".to_owned())
        );
    });
}

#[test]
fn pppoe_users_are_made_set_and_removed_by_name() {
    each_api(|fake, mut c| {
        let pppoe = ServiceType::Pppoe;
        c.add_user(pppoe, &user("budi", "paket-10M")).unwrap();
        let stored = fake.user(false, "budi").unwrap();
        assert_eq!(stored["service"], "pppoe");
        assert_eq!(stored["password"], "pw-123");
        assert_eq!(stored["profile"], "paket-10M");
        assert_eq!(stored["comment"], "pelanggan");
        assert_eq!(stored["disabled"], "false");

        let e = c.add_user(pppoe, &user("budi", "paket-10M")).unwrap_err();
        assert!(
            matches!(&e, RouterFailure::Refused(m) if m.contains("already exists")),
            "{e}"
        );

        let got = c.user(pppoe, "budi").unwrap().unwrap();
        assert_eq!((got.profile.as_str(), got.disabled), ("paket-10M", false));
        assert_eq!(c.user(pppoe, "nobody").unwrap(), None);

        c.set_user(
            pppoe,
            "budi",
            &UserChange {
                profile: Some("paket-20M".into()),
                disabled: Some(true),
                password: None,
            },
        )
        .unwrap();
        let stored = fake.user(false, "budi").unwrap();
        assert_eq!(stored["profile"], "paket-20M");
        assert_eq!(stored["disabled"], "true");
        assert_eq!(stored["password"], "pw-123");

        // An id changes across reboots: the next command still finds budi by name.
        {
            let mut state = fake.state();
            let rows = state.menus.get_mut("/ppp/secret").unwrap();
            rows[0].insert(".id".into(), "*9A".into());
        }
        c.remove_user(pppoe, "budi").unwrap();
        assert!(fake.user(false, "budi").is_none());
        let e = c.remove_user(pppoe, "budi").unwrap_err();
        assert!(
            matches!(&e, RouterFailure::Refused(m) if m.contains("no such item")),
            "{e}"
        );
    });
}

#[test]
fn an_unknown_profile_is_refused() {
    each_api(|_, mut c| {
        let e = c
            .add_user(ServiceType::Hotspot, &user("sari", "paket-99M"))
            .unwrap_err();
        assert!(
            matches!(&e, RouterFailure::Refused(m) if m.contains("profile")),
            "{e}"
        );
    });
}

#[test]
fn a_session_keeps_its_profile_until_it_is_kicked() {
    each_api(|fake, mut c| {
        for (service, hotspot) in [(ServiceType::Pppoe, false), (ServiceType::Hotspot, true)] {
            c.add_user(service, &user("budi", "paket-10M")).unwrap();
            c.add_user(service, &user("sari", "paket-10M")).unwrap();
            fake.connect_session(hotspot, "budi");
            fake.connect_session(hotspot, "sari");
            c.set_user(
                service,
                "budi",
                &UserChange {
                    profile: Some("paket-20M".into()),
                    ..UserChange::default()
                },
            )
            .unwrap();
            let sessions = fake.sessions(hotspot);
            assert_eq!(sessions.len(), 2);
            assert!(sessions.iter().all(|s| s["profile"] == "paket-10M"));
            assert_eq!(c.kick(service, "budi").unwrap(), 1);
            let left = fake.sessions(hotspot);
            assert_eq!(left.len(), 1, "{left:?}");
            assert_ne!(left[0].get("name").or(left[0].get("user")).unwrap(), "budi");
            assert_eq!(c.kick(service, "budi").unwrap(), 0);
        }
    });
}

#[test]
fn users_lists_only_the_service_and_reads_comments() {
    each_api(|fake, mut c| {
        c.add_user(ServiceType::Pppoe, &user("budi", "default"))
            .unwrap();
        fake.state().insert(
            "/ppp/secret",
            &[("name", "vpn-kantor"), ("service", "l2tp")],
        );
        fake.state()
            .insert("/ppp/secret", &[("name", "lama"), ("service", "any")]);
        let names: Vec<(String, String)> = c
            .users(ServiceType::Pppoe)
            .unwrap()
            .into_iter()
            .map(|u| (u.name, u.comment))
            .collect();
        assert_eq!(
            names,
            [
                ("budi".to_owned(), "pelanggan".to_owned()),
                ("lama".to_owned(), String::new())
            ]
        );
    });
}

#[test]
fn a_wrong_password_is_a_login_failure_and_a_closed_port_unreachable() {
    for api in [ApiKind::Binary, ApiKind::Rest] {
        let mut fake = FakeRouter::start(Config::default());
        let bad = creds(&fake, api, "salah");
        let e = provision::connect(&bad)
            .and_then(|mut c| c.version())
            .unwrap_err();
        assert!(matches!(e, RouterFailure::LoginFailed(_)), "{api:?}: {e}");
        let good = creds(&fake, api, "rahasia");
        fake.stop();
        let e = provision::connect(&good)
            .and_then(|mut c| c.version())
            .unwrap_err();
        assert!(matches!(e, RouterFailure::Unreachable(_)), "{api:?}: {e}");
    }
}

#[test]
fn the_rest_api_sends_every_value_as_a_string() {
    let fake = FakeRouter::start(Config::default());
    let mut c = provision::connect(&creds(&fake, ApiKind::Rest, "rahasia")).unwrap();
    c.add_user(ServiceType::Pppoe, &user("budi", "default"))
        .unwrap();
    // The fake refuses a JSON value that is not a string (as RouterOS does).
    let log = fake.log();
    let add = log.iter().find(|l| l[0] == "/ppp/secret/add").unwrap();
    assert!(add.contains(&"=disabled=no".to_owned()), "{add:?}");
}
