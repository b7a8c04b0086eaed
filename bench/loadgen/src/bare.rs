//! The "ceiling" server: a bare axum app with Sentry's envelope route.
//!
//! It reads the whole request body and answers `200 {"id":"<32 hex>"}`
//! without parsing, validating or storing anything, so a load run against it
//! measures what axum, hyper, the kernel's loopback and the load generator
//! itself cost on this machine. Sightline's real figures are read against it.

use std::io;
use std::net::SocketAddr;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use tokio::net::TcpListener;

/// Serves the bare envelope endpoint on `listen` until SIGINT or SIGTERM.
///
/// Prints `listening on ADDR` on stdout once bound, so a script that passed
/// port 0 can learn the port that was picked.
pub async fn serve(listen: SocketAddr) -> io::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, router()).with_graceful_shutdown(shutdown_signal()).await
}

/// Builds the router with the single envelope route.
pub fn router() -> Router {
    Router::new().route("/api/{project_id}/envelope/", post(envelope))
}

async fn envelope(body: Bytes) -> impl IntoResponse {
    // The body is read in full before we get here; its length is all we touch.
    let _ = body.len();
    let id = uuid::Uuid::new_v4().simple();
    ([(CONTENT_TYPE, "application/json")], format!("{{\"id\":\"{id}\"}}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
