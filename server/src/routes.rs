//! The route table: every URL the server answers, grouped by audience, one
//! line per route.

use std::time::Duration;

use axum::{
    http::{header, HeaderName, Method},
    routing::{get, post},
    Router,
};
use tower_http::cors::{AllowHeaders, Any, CorsLayer};

use crate::{health, ingest::handler, state::AppState, web};

/// Builds the application router.
pub fn router(state: AppState) -> Router {
    // SDKs (browsers included): any origin may send; the key is the credential.
    let ingest = Router::new()
        .route("/api/{project_id}/envelope/", post(handler::envelope))
        .route("/api/{project_id}/store/", post(handler::store))
        .layer(ingest_cors());

    // Operators and orchestrators.
    let ops = Router::new().route("/healthz", get(health::healthz)).route("/readyz", get(health::readyz));

    // The dashboard and API clients.
    let api = crate::api::router(&state);

    // The dashboard: assets, and index.html for its routes (never for /api/).
    Router::new().merge(ingest).merge(api).merge(ops).fallback(web::serve).with_state(state)
}

fn ingest_cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::POST, Method::OPTIONS])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([
            HeaderName::from_static("x-sentry-error"),
            HeaderName::from_static("x-sentry-rate-limits"),
            header::RETRY_AFTER,
        ])
        .max_age(Duration::from_secs(3600))
}
