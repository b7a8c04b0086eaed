//! Every refusal under `/api/v1/` is the API's JSON error (issue 16, hole 6),
//! including the ones axum answers before a handler runs: a body, path or
//! query that does not parse, a missing `Content-Type`, a body over the
//! limit, an unknown path and a method the route lacks.

use reqwest::{header, StatusCode};
use serde_json::{json, Value};

use crate::{dashboard_api::Browser, helpers::spawn_app};

/// Sends `req` and checks that the answer is `status` with the JSON error `code`.
async fn expect_json_error(req: reqwest::RequestBuilder, status: StatusCode, code: &str) -> Value {
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), status);
    let content_type = resp.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string());
    assert_eq!(content_type.as_deref(), Some("application/json"), "status {status}");
    let text = resp.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{status}: not JSON ({e}): {text:?}"));
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty(), "{body}");
    body
}

#[tokio::test]
async fn axum_rejections_answer_the_api_json_error() {
    let app = spawn_app().await;
    let (b, _) = Browser::register(&app, "ada@example.com").await;
    let url = |path: &str| format!("{}{path}", app.address);

    // A body that is not JSON at all.
    let req = b.http.post(url("/api/v1/auth/login")).header(header::CONTENT_TYPE, "application/json").body("{nope");
    let body = expect_json_error(req, StatusCode::BAD_REQUEST, "bad_request").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("JSON"), "{body}");
    // JSON of the wrong shape.
    let req = b.http.post(url("/api/v1/auth/login")).json(&json!({"email": "ada@example.com"}));
    let body = expect_json_error(req, StatusCode::UNPROCESSABLE_ENTITY, "validation").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("password"), "{body}");
    // No Content-Type.
    let req = b.http.post(url("/api/v1/auth/login")).body("{}");
    expect_json_error(req, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type").await;
    // A path parameter that is not a number.
    expect_json_error(b.http.get(url("/api/v1/projects/abc")), StatusCode::BAD_REQUEST, "bad_request").await;
    // A query parameter of the wrong type.
    let project = format!("/api/v1/projects/{}/issues?page=first", app.project_id);
    expect_json_error(b.http.get(url(&project)), StatusCode::BAD_REQUEST, "bad_request").await;
    // An unknown path under /api/v1.
    expect_json_error(b.http.get(url("/api/v1/no-such-thing")), StatusCode::NOT_FOUND, "not_found").await;
    // A method the route lacks: 405 keeps its Allow header.
    let resp = b.http.get(url("/api/v1/auth/login")).send().await.unwrap();
    assert_eq!(resp.headers().get(header::ALLOW).map(|v| v.to_str().unwrap().to_string()).as_deref(), Some("POST"));
    expect_json_error(b.http.get(url("/api/v1/auth/login")), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
        .await;
    // A body over axum's 2 MB limit.
    let big = json!({"email": "a".repeat(3 * 1024 * 1024), "password": "x"});
    expect_json_error(b.http.post(url("/api/v1/auth/login")).json(&big), StatusCode::PAYLOAD_TOO_LARGE, "too_large")
        .await;
    // The API's own errors are untouched.
    expect_json_error(reqwest::Client::new().get(url("/api/v1/auth/me")), StatusCode::UNAUTHORIZED, "unauthenticated")
        .await;
    app.stop().await;
}
