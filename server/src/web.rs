//! The dashboard's static assets (built by `scripts/build-web.sh` into
//! `web/dist/`): embedded in release builds, read from disk in debug builds so
//! a rebuilt dashboard shows up without recompiling the server. Every path that
//! is not an asset, an API route or an ops route answers `index.html`, so deep
//! links such as `/issues/42` survive a reload; `/api/…` paths never do and
//! keep their JSON 404.
//!
//! When the assets were not built (a release build made without running
//! `scripts/build-web.sh`, which compiles thanks to `allow_missing`), the
//! root answers a short plain-text page saying how to build them.

use axum::{
    body::Body,
    http::{header, HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use rust_embed::RustEmbed;

use crate::api::error::ApiError;

#[derive(RustEmbed)]
#[folder = "../web/dist"]
#[allow_missing = true]
struct Assets;

const NOT_BUILT: &str = "The Sightline dashboard assets were not built.\n\
Run ./scripts/build-web.sh, then rebuild the server (release builds embed web/dist).\n\
The API is available under /api/v1/.\n";

/// Answers an asset, `index.html` for dashboard routes, or a JSON 404 under `/api/`.
pub async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let path = uri.path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::NotFound.into_response();
    }
    if method != Method::GET && method != Method::HEAD {
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET, HEAD")], "method not allowed\n")
            .into_response();
    }
    let name = path.trim_start_matches('/');
    if !name.is_empty() && name != "index.html" && Assets::get(name).is_some() {
        return asset(name, &headers);
    }
    // A missing file (its last segment has an extension) is a 404; anything
    // else is a route of the single-page app.
    let last = name.rsplit('/').next().unwrap_or("");
    if last.contains('.') && name != "index.html" {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    if Assets::get("index.html").is_none() {
        return (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], NOT_BUILT)
            .into_response();
    }
    asset("index.html", &headers)
}

/// Answers one embedded file, its gzip twin when the client takes gzip, with
/// an ETag so revalidation (`Cache-Control: no-cache`) costs a 304.
fn asset(name: &str, headers: &HeaderMap) -> Response {
    let gzip_ok = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let gz_name = format!("{name}.gz");
    let (file, gzipped) = match (gzip_ok, Assets::get(&gz_name)) {
        (true, Some(f)) => (f, true),
        _ => match Assets::get(name) {
            Some(f) => (f, false),
            None => return (StatusCode::NOT_FOUND, "not found\n").into_response(),
        },
    };
    let etag = format!("\"{}{}\"", hex::encode(&file.metadata.sha256_hash()[..12]), if gzipped { "-gz" } else { "" });
    // By the original name: the `.gz` twin's own type would be application/gzip.
    let mime = mime_guess::from_path(name).first_or_octet_stream().to_string();
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, mime)
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::ETAG, &etag)
        .header(header::VARY, "accept-encoding")
        .header("x-content-type-options", "nosniff");
    if gzipped {
        builder = builder.header(header::CONTENT_ENCODING, "gzip");
    }
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return builder.status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap_or_default();
    }
    builder
        .status(StatusCode::OK)
        .body(Body::from(file.data.into_owned()))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
