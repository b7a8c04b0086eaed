//! The HTTP contract around ingestion: CORS for browsers, per-key rate
//! limits with Sentry's headers, and the health probes.

use crate::{fixtures::*, helpers::spawn_app};

#[tokio::test]
async fn a_cors_preflight_from_any_origin_is_allowed() {
    let app = spawn_app().await;
    let resp = app
        .http
        .request(reqwest::Method::OPTIONS, app.envelope_url())
        .header("origin", "https://shop.example.com")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    assert!(resp.headers()["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    assert!(resp.headers()["access-control-allow-headers"].to_str().unwrap().contains("content-type"));

    // The actual request exposes the headers SDKs read.
    let resp = app
        .http
        .post(app.envelope_url())
        .header("origin", "https://shop.example.com")
        .body(event_envelope(&js_error(&new_id(), "cors", "f", 1)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let exposed = resp.headers()["access-control-expose-headers"].to_str().unwrap().to_lowercase();
    for h in ["x-sentry-error", "x-sentry-rate-limits", "retry-after"] {
        assert!(exposed.contains(h), "{exposed} lacks {h}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_key_over_its_rate_limit_gets_429_with_both_headers() {
    let app = spawn_app().await;
    sqlx::query("UPDATE project_keys SET rate_limit_per_minute = 3 WHERE public_key = $1")
        .bind(&app.public_key)
        .execute(&app.pg)
        .await
        .unwrap();
    app.reload_keys().await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..5 {
        let resp = app.post_envelope(event_envelope(&js_error(&new_id(), "burst", "f", 1))).await;
        statuses.push(resp.status().as_u16());
        if resp.status() == 429 {
            limited = Some(resp);
        }
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    let resp = limited.unwrap();
    let retry_after: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let limits = resp.headers()["x-sentry-rate-limits"].to_str().unwrap();
    assert_eq!(limits, format!("{retry_after}::key"));
    assert!(resp.headers().contains_key("x-sentry-error"));
    // Exactly the accepted ones landed.
    assert_eq!(app.wait_for_events(3).await, 3);
    app.stop().await;
}

#[tokio::test]
async fn an_envelope_with_more_events_than_the_keys_burst_is_not_refused_forever() {
    let app = spawn_app().await;
    sqlx::query("UPDATE project_keys SET rate_limit_per_minute = 2 WHERE public_key = $1")
        .bind(&app.public_key)
        .execute(&app.pg)
        .await
        .unwrap();
    app.reload_keys().await;
    let items: Vec<(&str, Vec<u8>)> =
        (0..3).map(|i| ("event", serde_json::to_vec(&js_error(&new_id(), "big", "f", i)).unwrap())).collect();
    let big = envelope(serde_json::json!({"sent_at": "2024-11-23T22:13:20Z"}), &items);
    // The bucket is full: the three events pass and empty it.
    assert_eq!(app.post_envelope(big.clone()).await.status(), 200);
    assert_eq!(app.wait_for_events(3).await, 3);
    // Now it waits for a full bucket (a minute at 2/min), not forever.
    let resp = app.post_envelope(big).await;
    assert_eq!(resp.status(), 429);
    let retry_after: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    app.stop().await;
}

#[tokio::test]
async fn health_probes_report_liveness_and_readiness() {
    let app = spawn_app().await;
    let r = app.http.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = app.http.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["postgres"], "ok");
    assert_eq!(body["clickhouse"], "ok");
    app.stop().await;
}

#[tokio::test]
async fn readiness_fails_when_clickhouse_is_unreachable() {
    // Port 9 (discard) has no ClickHouse: readiness must say so, liveness must not care.
    let app = crate::helpers::spawn_app_with(|c| c.clickhouse_url = Some("http://127.0.0.1:9".into())).await;
    let r = app.http.get(format!("{}/readyz", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["clickhouse"], "unavailable");
    assert_eq!(body["postgres"], "ok");
    let r = app.http.get(format!("{}/healthz", app.address)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    app.stop().await;
}
