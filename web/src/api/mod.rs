//! The only module that talks to the network: one function per call of the
//! dashboard JSON API (`/api/v1/…`), typed with the shared
//! `sightline-api-types` wire types. Same-origin `fetch` carries the session
//! cookie and the `Origin` header the server's CSRF check wants. The calls
//! are grouped by domain in the submodules and re-exported here, so a page
//! writes `api::issues(…)` whichever file holds it.

mod accounts;
mod issues;
mod projects;
mod reports;

pub use accounts::*;
pub use issues::*;
pub use projects::*;
pub use reports::*;

use serde::{de::DeserializeOwned, Serialize};
use sightline_api_types::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A failed call: the HTTP status and the API's `{"error": {code, message}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    fn network(e: JsValue) -> Self {
        let detail = e.as_string().or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string()));
        ApiError {
            status: 0,
            code: "network".into(),
            message: format!("cannot reach the server ({})", detail.unwrap_or_default()),
        }
    }

    /// Returns true when the caller must log in.
    pub fn is_unauthenticated(&self) -> bool {
        self.status == 401
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The result of every call.
pub type ApiResult<T> = Result<T, ApiError>;

async fn call<T: DeserializeOwned>(method: &str, path: &str, body: Option<String>) -> ApiResult<T> {
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(ApiError::network)?;
    headers.set("accept", "application/json").map_err(ApiError::network)?;
    if let Some(body) = &body {
        headers.set("content-type", "application/json").map_err(ApiError::network)?;
        init.set_body(&JsValue::from_str(body));
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(ApiError::network)?;
    let window = web_sys::window().ok_or_else(|| ApiError::network(JsValue::from_str("no window")))?;
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_request(&request)).await.map_err(ApiError::network)?.unchecked_into();
    let text = JsFuture::from(response.text().map_err(ApiError::network)?).await.map_err(ApiError::network)?;
    let text = text.as_string().unwrap_or_default();
    let status = response.status();
    if !(200..300).contains(&status) {
        return Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(b) => ApiError { status, code: b.error.code, message: b.error.message },
            Err(_) => ApiError { status, code: "http".into(), message: format!("the server answered {status}") },
        });
    }
    let text = if text.trim().is_empty() { "null" } else { text.as_str() };
    serde_json::from_str(text).map_err(|e| ApiError {
        status,
        code: "decode".into(),
        message: format!("unexpected answer: {e}"),
    })
}

async fn get<T: DeserializeOwned>(path: &str) -> ApiResult<T> {
    call("GET", path, None).await
}

async fn send<T: DeserializeOwned, B: Serialize>(method: &str, path: &str, body: &B) -> ApiResult<T> {
    let json = serde_json::to_string(body).map_err(|e| ApiError {
        status: 0,
        code: "encode".into(),
        message: e.to_string(),
    })?;
    call(method, path, Some(json)).await
}

/// Percent-encodes a query value.
pub fn encode(v: &str) -> String {
    js_sys::encode_uri_component(v).as_string().unwrap_or_default()
}
