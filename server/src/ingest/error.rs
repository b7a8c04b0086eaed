//! Everything an ingest request can fail with, and the one place that turns
//! it into an HTTP answer: status code, `X-Sentry-Error` with the reason (as
//! Sentry SDKs log it), a `{"detail": …}` body like Relay's, and for 429/503
//! the `Retry-After` and `X-Sentry-Rate-Limits` headers SDKs back off on.

use axum::{
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

use super::envelope::EnvelopeError;
use crate::event::PayloadError;

/// Why an ingest request was refused.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("invalid project id in url")]
    InvalidProjectId,
    #[error("missing authorization: pass sentry_key in the query, X-Sentry-Auth, or a DSN in the envelope header")]
    MissingAuth,
    #[error("invalid authorization: {0}")]
    BadAuth(String),
    #[error("unknown public key")]
    UnknownKey,
    #[error("public key does not belong to this project")]
    WrongProject,
    #[error("project key is disabled")]
    DisabledKey,
    #[error("invalid origin: {0} is not in the project's allowed origins")]
    ForbiddenOrigin(String),
    #[error("request body too large (limit {0} bytes)")]
    BodyTooLarge(usize),
    #[error("decompressed body too large (limit {0} bytes)")]
    DecompressedTooLarge(usize),
    #[error("unsupported content encoding {0:?}")]
    UnsupportedEncoding(String),
    #[error("invalid {0} body: {1}")]
    BadCompression(&'static str, String),
    #[error("cannot read request body: {0}")]
    BodyRead(String),
    #[error("invalid envelope: {0}")]
    Envelope(#[from] EnvelopeError),
    #[error(transparent)]
    Payload(#[from] PayloadError),
    #[error("{0} item too large (limit {1} bytes)")]
    ItemTooLarge(String, usize),
    #[error("rate limited")]
    RateLimited { retry_after: u64 },
    #[error("the project's daily replay quota is used up")]
    ReplayQuotaExceeded { retry_after: u64 },
    #[error("too many replay recordings are waiting to be stored; retry later")]
    ReplayBacklog { retry_after: u64 },
    #[error("ingest queue is full; retry later")]
    QueueFull,
    #[error("server is shutting down; retry later")]
    ShuttingDown,
    /// The write-ahead log refused the rows (disk full or failing).
    #[error("{0}; retry later")]
    LogUnavailable(String),
}

impl IngestError {
    /// Returns the HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        use IngestError::*;
        match self {
            InvalidProjectId | BadCompression(..) | BodyRead(_) | Envelope(_) | Payload(_) => StatusCode::BAD_REQUEST,
            MissingAuth | BadAuth(_) | UnknownKey => StatusCode::UNAUTHORIZED,
            WrongProject | DisabledKey | ForbiddenOrigin(_) => StatusCode::FORBIDDEN,
            BodyTooLarge(_) | DecompressedTooLarge(_) | ItemTooLarge(..) => StatusCode::PAYLOAD_TOO_LARGE,
            UnsupportedEncoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            RateLimited { .. } | ReplayQuotaExceeded { .. } | ReplayBacklog { .. } => StatusCode::TOO_MANY_REQUESTS,
            QueueFull | ShuttingDown | LogUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for IngestError {
    fn into_response(self) -> Response {
        let status = self.status();
        let reason = self.to_string();
        if status.is_server_error() {
            tracing::warn!(%status, %reason, "ingest refused");
        } else {
            tracing::debug!(%status, %reason, "ingest refused");
        }
        let mut response = (status, Json(serde_json::json!({ "detail": reason }))).into_response();
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&reason) {
            headers.insert("x-sentry-error", v);
        }
        let retry_after = match self {
            IngestError::RateLimited { retry_after } => {
                // Sentry's format: retry_after:categories:scope; empty categories = all.
                let limits = HeaderValue::from_str(&format!("{retry_after}::key")).expect("ascii digits");
                headers.insert("x-sentry-rate-limits", limits);
                Some(retry_after)
            }
            IngestError::ReplayQuotaExceeded { retry_after } | IngestError::ReplayBacklog { retry_after } => {
                headers.insert("x-sentry-rate-limits", super::replay_limits::rate_limits_header(retry_after));
                Some(retry_after)
            }
            IngestError::QueueFull | IngestError::ShuttingDown | IngestError::LogUnavailable(_) => Some(1),
            _ => None,
        };
        if let Some(secs) = retry_after {
            headers.insert("retry-after", HeaderValue::from(secs));
        }
        response
    }
}
