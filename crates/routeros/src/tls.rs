//! TLS for the binary API (api-ssl, TCP 8729): rustls with ring. RouterOS
//! needs a certificate on api-ssl for this (rustls has no anonymous
//! Diffie-Hellman suites); the certificate, or the CA that signed it, is
//! read from the router's `--ca` PEM file and is the only one trusted.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use crate::api::{Connect, Stream, tcp};
use crate::error::{Error, Result};

/// Connects over TCP and wraps the stream in TLS, trusting only `ca`.
pub fn connect(target: &Connect, ca: Option<&Path>) -> Result<Box<dyn Stream>> {
    let Some(ca) = ca else {
        return Err(Error::Tls(
            "TLS needs the router's certificate or its CA (--ca FILE)".into(),
        ));
    };
    let mut roots = RootCertStore::empty();
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(ca)
        .map_err(|e| Error::Tls(format!("{}: {e}", ca.display())))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Tls(format!("{}: {e}", ca.display())))?;
    if certs.is_empty() {
        return Err(Error::Tls(format!("{} holds no certificate", ca.display())));
    }
    for cert in certs {
        roots
            .add(cert)
            .map_err(|e| Error::Tls(format!("{}: {e}", ca.display())))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from(target.host.clone())
        .map_err(|e| Error::Tls(format!("{}: {e}", target.host)))?;
    let conn =
        ClientConnection::new(Arc::new(config), name).map_err(|e| Error::Tls(e.to_string()))?;
    let stream = tcp(target)?;
    Ok(Box::new(StreamOwned::new(conn, stream)))
}
