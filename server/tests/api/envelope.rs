//! Events and transactions sent the way SDKs send them land in ClickHouse
//! with the fields the dashboard will show.

use clickhouse::Row;
use serde::Deserialize;
use serde_json::json;

use crate::{fixtures::*, helpers::spawn_app};

#[derive(Debug, Row, Deserialize)]
struct StoredEvent {
    exception_type: String,
    exception_value: String,
    title: String,
    culprit: String,
    frames: String,
    release: String,
    environment: String,
    url: String,
    browser: String,
    os: String,
    user_id: String,
    user_ip: String,
    tags_key: Vec<String>,
    tags_value: Vec<String>,
    breadcrumbs: String,
    sdk_name: String,
    level: String,
    timestamp: u32,
}

#[tokio::test]
async fn a_browser_js_error_envelope_lands_in_clickhouse() {
    let app = spawn_app().await;
    let id = new_id();
    let resp = app.post_envelope(event_envelope(&js_error(&id, "x is undefined", "onCheckout", 88))).await;
    assert_eq!(resp.status(), 200);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["id"], id);

    assert_eq!(app.wait_for_events(1).await, 1);
    let rows: Vec<StoredEvent> = app.rows("events", "").await;
    let e = &rows[0];
    assert_eq!(e.exception_type, "TypeError");
    assert_eq!(e.exception_value, "x is undefined");
    assert_eq!(e.title, "TypeError: x is undefined");
    assert!(e.culprit.contains("onCheckout"), "culprit {:?}", e.culprit);
    assert!(e.frames.contains("onCheckout") && e.frames.contains("callHandler"));
    assert_eq!((e.release.as_str(), e.environment.as_str()), ("shop@1.4.2", "production"));
    assert_eq!(e.url, "https://shop.example.com/checkout?step=2");
    assert_eq!((e.browser.as_str(), e.os.as_str()), ("Chrome", "Windows 10"));
    assert_eq!(e.user_id, "u-42");
    assert_eq!(e.user_ip, "127.0.0.1", "{{{{auto}}}} becomes the client address");
    let tags: Vec<(&str, &str)> =
        e.tags_key.iter().map(String::as_str).zip(e.tags_value.iter().map(String::as_str)).collect();
    assert!(tags.contains(&("plan", "pro")) && tags.contains(&("locale", "de-DE")), "{tags:?}");
    assert!(e.breadcrumbs.contains("button#checkout"));
    assert_eq!(e.sdk_name, "sentry.javascript.browser");
    assert_eq!(e.level, "error");
    let expected = (chrono::Utc::now().timestamp() - 60) as u32;
    assert!(e.timestamp.abs_diff(expected) <= 5, "the SDK's timestamp is kept: {}", e.timestamp);
    app.stop().await;
}

#[derive(Debug, Row, Deserialize)]
struct StoredTransaction {
    name: String,
    op: String,
    url: String,
    duration_ms: f64,
    lcp: Option<f64>,
    fcp: Option<f64>,
    cls: Option<f64>,
    inp: Option<f64>,
    ttfb: Option<f64>,
    browser: String,
}

#[tokio::test]
async fn a_page_load_transaction_stores_its_web_vitals() {
    let app = spawn_app().await;
    let id = new_id();
    let body = envelope(json!({"event_id": id}), &[("transaction", serde_json::to_vec(&page_load(&id)).unwrap())]);
    assert_eq!(app.post_envelope(body).await.status(), 200);
    let sql = format!("SELECT count() FROM transactions WHERE project_id = {}", app.project_id);
    assert_eq!(app.wait_for_count(&sql, 1).await, 1);
    let t: Vec<StoredTransaction> = app.rows("transactions", "").await;
    let t = &t[0];
    assert_eq!((t.name.as_str(), t.op.as_str()), ("/products/:id", "pageload"));
    assert_eq!(t.url, "https://shop.example.com/products/17");
    assert!((t.duration_ms - 1500.0).abs() < 0.01, "{}", t.duration_ms);
    assert_eq!(
        (t.lcp, t.fcp, t.cls, t.inp, t.ttfb),
        (Some(2300.5), Some(1100.0), Some(0.08), Some(180.0), Some(320.0))
    );
    assert_eq!(t.browser, "Chrome");
    // Transactions are not errors: no issue is created.
    assert_eq!(app.wait_for_issues(0).await, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_gzip_body_is_decoded() {
    let app = spawn_app().await;
    let body = gzip(&event_envelope(&js_error(&new_id(), "zipped", "f", 1)));
    let resp = app.http.post(app.envelope_url()).header("content-encoding", "gzip").body(body).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.wait_for_events(1).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn brotli_and_zstd_bodies_are_decoded_as_relay_does() {
    let app = spawn_app().await;
    let plain = event_envelope(&js_error(&new_id(), "brotli", "f", 1));
    let mut br = Vec::new();
    brotli::BrotliCompress(&mut &plain[..], &mut br, &Default::default()).unwrap();
    let resp = app.http.post(app.envelope_url()).header("content-encoding", "br").body(br).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let zst = zstd::encode_all(&event_envelope(&js_error(&new_id(), "zstd", "f", 1))[..], 3).unwrap();
    let resp = app.http.post(app.envelope_url()).header("content-encoding", "zstd").body(zst).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(app.wait_for_events(2).await, 2);
    app.stop().await;
}

#[tokio::test]
async fn unknown_item_types_are_skipped_and_the_event_still_lands() {
    let app = spawn_app().await;
    let id = new_id();
    let body = envelope(
        json!({"event_id": id}),
        &[
            ("session", br#"{"sid":"a","status":"ok"}"#.to_vec()),
            ("client_report", br#"{"discarded_events":[]}"#.to_vec()),
            ("some_future_type", b"\x00\x01binary\n\x02".to_vec()),
            ("event", serde_json::to_vec(&js_error(&id, "kept", "f", 1)).unwrap()),
        ],
    );
    assert_eq!(app.post_envelope(body).await.status(), 200);
    assert_eq!(app.wait_for_events(1).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_session_only_envelope_is_accepted_and_stores_nothing() {
    let app = spawn_app().await;
    let body = envelope(json!({}), &[("session", br#"{"sid":"a","status":"ok"}"#.to_vec())]);
    assert_eq!(app.post_envelope(body).await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn one_bad_item_does_not_poison_the_others() {
    let app = spawn_app().await;
    let good = new_id();
    let body = envelope(
        json!({}),
        &[("event", b"{not json".to_vec()), ("event", serde_json::to_vec(&js_error(&good, "fine", "f", 1)).unwrap())],
    );
    assert_eq!(app.post_envelope(body).await.status(), 200);
    assert_eq!(app.wait_for_events(1).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_legacy_store_endpoint_accepts_one_json_event() {
    let app = spawn_app().await;
    let id = new_id();
    let resp = app
        .http
        .post(format!("{}/api/{}/store/", app.address, app.project_id))
        .header(
            "x-sentry-auth",
            format!("Sentry sentry_version=7, sentry_key={}, sentry_client=raven-js/3.27.0", app.public_key),
        )
        .json(&js_error(&id, "old sdk", "f", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<serde_json::Value>().await.unwrap()["id"], id);
    assert_eq!(app.wait_for_events(1).await, 1);
    app.stop().await;
}
