//! Every way Sentry SDKs authenticate works; wrong, unknown or disabled keys
//! are refused with a reason in `X-Sentry-Error`, and nothing is stored.

use serde_json::json;

use crate::{
    fixtures::*,
    helpers::{spawn_app, TestApp},
};

fn body() -> Vec<u8> {
    event_envelope(&js_error(&new_id(), "auth test", "f", 1))
}

fn plain_url(app: &TestApp, project: impl std::fmt::Display) -> String {
    format!("{}/api/{project}/envelope/", app.address)
}

async fn assert_refused(resp: reqwest::Response, status: u16, reason_part: &str) {
    assert_eq!(resp.status(), status);
    let reason = resp.headers().get("x-sentry-error").expect("x-sentry-error header").to_str().unwrap().to_string();
    assert!(reason.contains(reason_part), "{reason:?} should mention {reason_part:?}");
}

#[tokio::test]
async fn every_auth_form_is_accepted() {
    let app = spawn_app().await;
    let url = plain_url(&app, app.project_id);
    // 1. sentry_key query parameter (browsers).
    assert_eq!(app.post_envelope(body()).await.status(), 200);
    // 2. X-Sentry-Auth header (server SDKs).
    let header = format!("Sentry sentry_version=7, sentry_client=sentry.python/2.0.0, sentry_key={}", app.public_key);
    let r = app.http.post(&url).header("x-sentry-auth", &header).body(body()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // 3. Authorization: Sentry … (older SDKs).
    let r = app.http.post(&url).header("authorization", &header).body(body()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // 4. DSN in the envelope header (tunnels, sendBeacon).
    let event = js_error(&new_id(), "dsn auth", "f", 1);
    let env = envelope(
        json!({"event_id": event["event_id"], "dsn": app.dsn()}),
        &[("event", serde_json::to_vec(&event).unwrap())],
    );
    let r = app.http.post(&url).body(env).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(app.wait_for_events(4).await, 4);
    app.stop().await;
}

#[tokio::test]
async fn a_request_without_any_key_is_unauthorized() {
    let app = spawn_app().await;
    let r = app.http.post(plain_url(&app, app.project_id)).body(body()).send().await.unwrap();
    assert_refused(r, 401, "missing authorization").await;
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let app = spawn_app().await;
    let url = format!("{}?sentry_key=0123456789abcdef0123456789abcdef", plain_url(&app, app.project_id));
    assert_refused(app.http.post(url).body(body()).send().await.unwrap(), 401, "unknown public key").await;
    app.stop().await;
}

#[tokio::test]
async fn a_key_used_for_another_project_is_forbidden() {
    let app = spawn_app().await;
    let url = format!("{}?sentry_key={}", plain_url(&app, app.project_id + 1000), app.public_key);
    assert_refused(app.http.post(url).body(body()).send().await.unwrap(), 403, "does not belong").await;
    let url = format!("{}?sentry_key={}", plain_url(&app, "not-a-number"), app.public_key);
    assert_refused(app.http.post(url).body(body()).send().await.unwrap(), 400, "project id").await;
    app.stop().await;
}

#[tokio::test]
async fn a_disabled_key_is_forbidden_without_a_restart() {
    let app = spawn_app().await;
    sqlx::query("UPDATE project_keys SET is_active = FALSE WHERE public_key = $1")
        .bind(&app.public_key)
        .execute(&app.pg)
        .await
        .unwrap();
    // The cache learns of the change through LISTEN/NOTIFY; poll briefly.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut status = 0;
    while tokio::time::Instant::now() < deadline {
        let r = app.post_envelope(body()).await;
        status = r.status().as_u16();
        if status == 403 {
            assert_refused(r, 403, "disabled").await;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 403);
    app.stop().await;
}

#[tokio::test]
async fn a_garbage_auth_header_is_unauthorized() {
    let app = spawn_app().await;
    let r = app
        .http
        .post(plain_url(&app, app.project_id))
        .header("x-sentry-auth", "Basic abc")
        .body(body())
        .send()
        .await
        .unwrap();
    assert_refused(r, 401, "invalid authorization").await;
    app.stop().await;
}
