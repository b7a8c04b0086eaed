//! API token scopes, enforced by each route's declared access: walking
//! `api::ROUTES`, a token that may only read is refused on every route that
//! changes something, a `write` token passes the guard of every write route,
//! a `project:releases` token reaches only source-map uploads, and no token
//! reaches the routes kept for logged-in sessions. A route added to the
//! table is checked here without being listed.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sightline::api::{Access, ROUTES};

use crate::{
    dashboard_api::Browser,
    helpers::{spawn_app, TestApp},
};

/// Calls every route with `secret` and returns what each answered, by route.
async fn call_every_route(app: &TestApp, secret: &str) -> Vec<(String, Access, StatusCode, Value)> {
    let mut answers = Vec::new();
    for (method, template, access) in ROUTES.iter() {
        // Ids of nothing: the guard decides before the handler looks anything up.
        let path = template
            .replace("{release}", "shop@1.0")
            .replace("{event_id}", "0123456789abcdef0123456789abcdef")
            .split('/')
            .map(|part| if part.starts_with('{') { "0" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        let mut request = app.http.request(method.clone(), format!("{}{path}", app.address)).bearer_auth(secret);
        if *method != Method::GET {
            request = request.json(&json!({}));
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let body = serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null);
        answers.push((format!("{method} {template}"), *access, status, body));
    }
    answers
}

/// Returns whether the route's guard refused the token (the handler's own
/// refusals, such as a missing team role, name the role instead).
fn refused_by_guard(status: StatusCode, body: &Value) -> bool {
    status == StatusCode::FORBIDDEN
        && body["error"]["code"] == "forbidden"
        && body["error"]["message"].as_str().is_some_and(|m| m.contains("API token"))
}

async fn token(browser: &Browser, scopes: &[&str]) -> String {
    let (status, created) = browser.post("/api/v1/tokens", json!({"name": "scoped", "scopes": scopes})).await;
    assert_eq!(status, 201, "{created}");
    created["secret"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_read_only_token_is_refused_on_every_write_route_and_a_write_token_passes_their_guard() {
    let app = spawn_app().await;
    let (browser, _) = Browser::register(&app, "ada@example.com").await;
    let (reader, writer, releaser) = (
        token(&browser, &["read"]).await,
        token(&browser, &["write"]).await,
        token(&browser, &["project:releases"]).await,
    );
    let writes = ROUTES.iter().filter(|(_, _, access)| access.writes()).count();
    assert!(writes >= 25, "the table marks its write routes: {writes}");

    for (route, access, status, body) in call_every_route(&app, &reader).await {
        if access.writes() {
            assert!(refused_by_guard(status, &body), "read-only token on {route}: {status} {body}");
        } else {
            assert!(!refused_by_guard(status, &body), "read-only token on {route} ({access:?}): {status} {body}");
        }
        if access.authenticated() {
            assert_ne!(status, StatusCode::UNAUTHORIZED, "{route}: the token authenticates");
        }
    }
    for (route, access, status, body) in call_every_route(&app, &writer).await {
        let refused = refused_by_guard(status, &body);
        assert_eq!(refused, access == Access::Session, "write token on {route} ({access:?}): {status} {body}");
    }
    for (route, access, status, body) in call_every_route(&app, &releaser).await {
        let allowed = matches!(access, Access::Public | Access::Caller | Access::Releases);
        assert_eq!(
            refused_by_guard(status, &body),
            !allowed,
            "releases token on {route} ({access:?}): {status} {body}"
        );
    }
    app.stop().await;
}
