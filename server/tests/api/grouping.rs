//! Events group into Postgres issues by fingerprint.

use serde_json::json;

use crate::{fixtures::*, helpers::spawn_app};

async fn issues(app: &crate::helpers::TestApp) -> Vec<(String, String, i64)> {
    sqlx::query_as("SELECT fingerprint, title, times_seen FROM issues WHERE project_id = $1 ORDER BY title")
        .bind(app.project_id)
        .fetch_all(&app.pg)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_events_of_the_same_error_make_one_issue() {
    let app = spawn_app().await;
    // Same bug, reported from two builds: other line number, other bundle hash.
    let a = js_error(&new_id(), "Cannot read properties of undefined (reading 'id')", "onCheckout", 88);
    let mut b = js_error(&new_id(), "Cannot read properties of undefined (reading 'id')", "onCheckout", 91);
    b["exception"]["values"][0]["stacktrace"]["frames"][1]["filename"] =
        json!("https://shop.example.com/assets/app.77aa01ff.js");
    for e in [&a, &b] {
        assert_eq!(app.post_envelope(event_envelope(e)).await.status(), 200);
    }
    assert_eq!(app.wait_for_events(2).await, 2);
    assert_eq!(app.wait_for_issues(1).await, 1);
    // times_seen is written by the periodic flush; give it a moment to add up.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while issues(&app).await[0].2 < 2 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let found = issues(&app).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, "TypeError: Cannot read properties of undefined (reading 'id')");
    assert_eq!(found[0].2, 2);
    let fingerprints: Vec<String> =
        app.rows::<FingerprintRow>("events", "").await.into_iter().map(|r| r.fingerprint).collect();
    assert_eq!(fingerprints, vec![found[0].0.clone(); 2]);
    app.stop().await;
}

#[derive(clickhouse::Row, serde::Deserialize)]
struct FingerprintRow {
    fingerprint: String,
}

#[tokio::test]
async fn different_errors_make_different_issues() {
    let app = spawn_app().await;
    app.post_envelope(event_envelope(&js_error(&new_id(), "a is undefined", "onCheckout", 1))).await;
    app.post_envelope(event_envelope(&js_error(&new_id(), "b is undefined", "renderCart", 2))).await;
    assert_eq!(app.wait_for_events(2).await, 2);
    assert_eq!(app.wait_for_issues(2).await, 2);
    let found = issues(&app).await;
    assert_ne!(found[0].0, found[1].0);
    app.stop().await;
}

#[tokio::test]
async fn the_sdk_fingerprint_is_honoured() {
    let app = spawn_app().await;
    // Two unrelated errors that the app says are one problem…
    let mut a = js_error(&new_id(), "timeout after 3000ms", "fetchCart", 10);
    let mut b = js_error(&new_id(), "network down", "fetchUser", 20);
    a["fingerprint"] = json!(["backend-unavailable"]);
    b["fingerprint"] = json!(["backend-unavailable"]);
    // …and one that extends the default grouping with a tenant.
    let mut c = js_error(&new_id(), "a is undefined", "onCheckout", 1);
    let mut d = js_error(&new_id(), "a is undefined", "onCheckout", 1);
    c["fingerprint"] = json!(["{{ default }}", "tenant-1"]);
    d["fingerprint"] = json!(["{{ default }}", "tenant-2"]);
    for e in [&a, &b, &c, &d] {
        assert_eq!(app.post_envelope(event_envelope(e)).await.status(), 200);
    }
    assert_eq!(app.wait_for_events(4).await, 4);
    assert_eq!(app.wait_for_issues(3).await, 3);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(issues(&app).await.len(), 3, "a+b share one issue, c and d stay apart");
    app.stop().await;
}
