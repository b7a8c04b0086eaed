//! Answers axum produces on its own — a JSON body, path or query that does
//! not parse, a wrong `Content-Type`, a body over the limit, a method the
//! route lacks — come as plain text or empty. [`json_errors`] rewrites every
//! such error under `/api/v1/` into the API's `{"error": {"code", "message"}}`,
//! so clients parse one shape whatever failed. Answers that are already JSON
//! (every [`super::error::ApiError`]) pass untouched.

use axum::{
    body::Body,
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::Response,
};
use sightline_api_types::{ErrorBody, ErrorDetail};

/// Longest rejection text kept as the message (axum's are one line).
const MAX_MESSAGE: usize = 1024;

/// Rewrites a non-JSON error answer into the API's JSON error.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match axum::body::to_bytes(body, MAX_MESSAGE * 4).await {
        Ok(bytes) => String::from_utf8_lossy(&bytes).trim().chars().take(MAX_MESSAGE).collect(),
        Err(_) => String::new(),
    };
    let (code, default) = describe(status);
    // A server error's text may name internals; the log has it, the client does not.
    let message = if text.is_empty() || status.is_server_error() { default.to_string() } else { text };
    let body = ErrorBody { error: ErrorDetail { code: code.into(), message } };
    let bytes = serde_json::to_vec(&body).expect("an error body serialises");
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// The API's error code and a fallback message for a status.
fn describe(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => ("bad_request", "the request is malformed"),
        StatusCode::UNAUTHORIZED => ("unauthenticated", "log in first"),
        StatusCode::FORBIDDEN => ("forbidden", "forbidden"),
        StatusCode::NOT_FOUND => ("not_found", "not found"),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "this method is not allowed here"),
        StatusCode::PAYLOAD_TOO_LARGE => ("too_large", "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "send the body as application/json"),
        StatusCode::UNPROCESSABLE_ENTITY => ("validation", "the request body is invalid"),
        StatusCode::TOO_MANY_REQUESTS => ("rate_limited", "too many requests"),
        s if s.is_server_error() => ("internal", "internal error"),
        _ => ("bad_request", "the request was refused"),
    }
}
