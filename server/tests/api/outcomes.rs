//! Outcomes: every item an SDK sends is counted under what became of it —
//! accepted, filtered (types not stored), rate limited, invalid (with the
//! reason) — and the SDK's own `client_report` discards, on the usage API.

use serde_json::{json, Value};

use crate::{alerts_support::AlertsApp, fixtures::*, helpers::spawn_app};

/// Returns the quantity of one outcome line of the usage API, 0 when absent.
fn line(usage: &Value, outcome: &str, category: &str, reason: &str) -> u64 {
    usage["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["outcome"] == outcome && l["category"] == category && l["reason"] == reason)
        .map(|l| l["quantity"].as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn a_rate_limited_item_a_bad_item_and_an_unknown_type_are_each_counted_under_their_outcome() {
    let app = spawn_app().await;
    sqlx::query("UPDATE project_keys SET rate_limit_per_minute = 1 WHERE public_key = $1")
        .bind(&app.public_key)
        .execute(&app.pg)
        .await
        .unwrap();
    app.reload_keys().await;
    let browser = AlertsApp::member_of(&app).await;

    // The first envelope spends the key's one event a minute; a session rides along.
    let first = envelope(
        json!({}),
        &[
            ("event", serde_json::to_vec(&js_error(&new_id(), "first", "f", 1)).unwrap()),
            ("session", br#"{"sid":"a","status":"ok"}"#.to_vec()),
        ],
    );
    assert_eq!(app.post_envelope(first).await.status(), 200);
    // The second: an event over the limit, an event that is not an object, an
    // item type nobody knows, and the SDK's report of what it dropped.
    let report = json!({"timestamp": epoch(0.0), "discarded_events": [
        {"reason": "sample_rate", "category": "transaction", "quantity": 4},
        {"reason": "queue_overflow", "category": "error", "quantity": 2},
    ]});
    let second = envelope(
        json!({}),
        &[
            ("event", serde_json::to_vec(&js_error(&new_id(), "second", "f", 1)).unwrap()),
            ("event", b"[\"not an event\"]".to_vec()),
            ("holographic_trace", b"{}".to_vec()),
            ("client_report", serde_json::to_vec(&report).unwrap()),
        ],
    );
    assert_eq!(app.post_envelope(second).await.status(), 429);

    let path = format!("/api/v1/projects/{}/usage?period=24h", app.project_id);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let usage = loop {
        let (status, usage) = browser.get(&path).await;
        assert_eq!(status, 200, "{usage}");
        if line(&usage, "client_discard", "error", "queue_overflow") > 0 || tokio::time::Instant::now() > deadline {
            break usage;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert_eq!(line(&usage, "accepted", "error", "unknown"), 1, "{usage}");
    assert_eq!(line(&usage, "rate_limited", "error", "key_rate_limit"), 1, "{usage}");
    assert_eq!(line(&usage, "invalid", "error", "not_an_object"), 1, "{usage}");
    assert_eq!(line(&usage, "filtered", "holographic_trace", "not_stored"), 1, "{usage}");
    assert_eq!(line(&usage, "filtered", "session", "not_stored"), 1, "{usage}");
    assert_eq!(line(&usage, "client_discard", "transaction", "sample_rate"), 4, "{usage}");
    assert_eq!(line(&usage, "client_discard", "error", "queue_overflow"), 2, "{usage}");
    let [day] = usage["series"].as_array().unwrap().as_slice() else { panic!("one day: {usage}") };
    assert_eq!((day["accepted"].as_u64(), day["rate_limited"].as_u64()), (Some(1), Some(1)));
    assert_eq!(
        (day["invalid"].as_u64(), day["filtered"].as_u64(), day["client_discard"].as_u64()),
        (Some(1), Some(2), Some(6))
    );
    assert_eq!(app.wait_for_events(1).await, 1, "only the first event was stored");
    app.stop().await;
}

#[tokio::test]
async fn outcomes_counted_just_before_shutdown_are_written() {
    let app = spawn_app().await;
    let body = envelope(json!({}), &[("replay_video", b"{}".to_vec()), ("attachment", b"hello".to_vec())]);
    assert_eq!(app.post_envelope(body).await.status(), 200);
    let (ch, project_id) = (app.ch.clone(), app.project_id);
    app.stop().await;
    let n: u64 = ch
        .query("SELECT sum(quantity) FROM outcomes WHERE project_id = ? AND outcome = 'filtered'")
        .bind(project_id)
        .fetch_one()
        .await
        .unwrap();
    assert_eq!(n, 2);
}
