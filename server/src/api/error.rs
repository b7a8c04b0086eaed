//! API errors: expected ones (validation, not found, forbidden…) carry a code
//! and a message for the user; unexpected ones are logged with their cause
//! and answered with a generic 500. All answer `{"error": {"code", "message"}}`.

use axum::{
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use sightline_api_types::{ErrorBody, ErrorDetail};

/// Why an API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("log in first")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    Conflict(String),
    /// A webhook URL that points into the server's own network.
    #[error("{0}")]
    WebhookRefused(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("too many attempts; try again in {0} seconds")]
    TooManyRequests(u64),
    #[error("internal error")]
    Internal(anyhow::Error),
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        ApiError::from(anyhow::Error::from(e))
    }
}

/// A name outside its closed set in a request (a scope, a vital, …): the
/// caller's mistake, answered with the set's known names.
impl From<sightline_api_types::UnknownName> for ApiError {
    fn from(e: sightline_api_types::UnknownName) -> Self {
        ApiError::Validation(e.to_string())
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        // Postgres stores no NUL character in text (22021) nor `\u0000` in jsonb (22P05).
        // Any string of a request may hold one, so this is the client's error, not ours.
        let code = e.downcast_ref::<sqlx::Error>().and_then(|e| e.as_database_error()).and_then(|d| d.code());
        if matches!(code.as_deref(), Some("22021" | "22P05")) {
            return ApiError::Validation("text must not contain NUL (\\u0000) characters".into());
        }
        ApiError::Internal(e)
    }
}

impl ApiError {
    fn parts(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::WebhookRefused(_) => (StatusCode::BAD_REQUEST, "webhook_refused"),
            ApiError::PayloadTooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.parts();
        match &self {
            ApiError::Internal(cause) => tracing::error!(error = ?cause, "API call failed"),
            // Why a client (a build tool, say) was refused, for whoever runs the server.
            refused => tracing::debug!(%status, reason = %refused, "API call refused"),
        }
        let body = ErrorBody { error: ErrorDetail { code: code.into(), message: self.to_string() } };
        let mut response = (status, Json(body)).into_response();
        if let ApiError::TooManyRequests(secs) = self {
            response.headers_mut().insert("retry-after", HeaderValue::from(secs));
        }
        response
    }
}

/// The result type of API handlers.
pub type ApiResult<T> = Result<T, ApiError>;
