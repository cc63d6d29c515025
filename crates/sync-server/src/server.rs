//! Serving the router on a socket, over TLS (rustls with ring) or plain HTTP,
//! until the handle says stop. The binary and the tests share this.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;

/// rustls is built without a default provider (aws-lc is a C build): install
/// ring once, before any TLS config is made.
pub fn install_crypto_provider() {
    // Already installed (by an earlier call or a test harness) is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Loads a PEM certificate chain and key.
pub async fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> std::io::Result<RustlsConfig> {
    install_crypto_provider();
    RustlsConfig::from_pem_file(cert, key).await
}

/// Serves `app` on the bound listener until `handle` shuts it down.
pub async fn run(
    listener: std::net::TcpListener,
    tls: Option<RustlsConfig>,
    app: Router,
    handle: Handle<SocketAddr>,
) -> std::io::Result<()> {
    let service = app.into_make_service();
    match tls {
        Some(tls) => {
            axum_server::from_tcp_rustls(listener, tls)?
                .handle(handle)
                .serve(service)
                .await
        }
        None => {
            axum_server::from_tcp(listener)?
                .handle(handle)
                .serve(service)
                .await
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting, let requests in flight finish.
pub async fn shutdown_on_signal(handle: Handle<SocketAddr>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
    handle.graceful_shutdown(Some(Duration::from_secs(10)));
}
