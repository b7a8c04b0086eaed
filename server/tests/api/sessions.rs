//! Release health: `session` updates and `sessions` aggregates as SDKs send
//! them become per-release figures on the release list and the release's
//! health endpoint — each session counted once whatever number of updates it
//! sent — and bad sessions are refused one by one with their outcome while
//! the rest of the envelope is kept.

use serde_json::{json, Value};

use crate::{alerts_support::AlertsApp, fixtures::*, helpers::spawn_app};

/// One session update as Sentry's SDKs send it.
fn update(sid: &str, did: &str, release: &str, init: bool, status: &str, errors: u32) -> Vec<u8> {
    let now = chrono::Utc::now().to_rfc3339();
    serde_json::to_vec(&json!({
        "sid": sid, "did": did, "init": init, "started": now, "timestamp": now,
        "status": status, "errors": errors, "duration": 0,
        "attrs": {"release": release, "environment": "production", "user_agent": "Mozilla/5.0"}
    }))
    .unwrap()
}

/// Posts one envelope per item, as an SDK sends each update on its own.
async fn send_each(app: &crate::helpers::TestApp, items: Vec<(&str, Vec<u8>)>) {
    for (ty, payload) in items {
        let resp = app.post_envelope(envelope(json!({}), &[(ty, payload)])).await;
        assert_eq!(resp.status(), 200, "{ty}");
    }
}

/// Waits until the release list shows `sessions` sessions for `release`; returns the list.
async fn wait_for_sessions(
    browser: &crate::dashboard_api::Browser,
    project: i64,
    release: &str,
    sessions: u64,
) -> Value {
    let path = format!("/api/v1/projects/{project}/releases?period=24h");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (status, list) = browser.get(&path).await;
        assert_eq!(status, 200, "{list}");
        let got = health_of(&list, release)["sessions"].as_u64().unwrap_or(0);
        if got >= sessions || tokio::time::Instant::now() > deadline {
            return list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn health_of(list: &Value, release: &str) -> Value {
    list.as_array().unwrap().iter().find(|r| r["version"] == release).map_or(Value::Null, |r| r["health"].clone())
}

#[tokio::test]
async fn each_session_counts_once_with_its_worst_status_and_aggregates_add_their_counts() {
    let app = spawn_app().await;
    let browser = AlertsApp::member_of(&app).await;
    let (a, b, c, d, e) = (new_id(), new_id(), new_id(), new_id(), new_id());
    let r2 = "shop@2.0";
    send_each(
        &app,
        vec![
            // A: starts (its init retried), gets a handled error, then crashes.
            ("session", update(&a, "u1", r2, true, "ok", 0)),
            ("session", update(&a, "u1", r2, true, "ok", 0)),
            ("session", update(&a, "u1", r2, false, "ok", 1)),
            ("session", update(&a, "u1", r2, false, "crashed", 1)),
            // B ends cleanly; C (same user) only started; E's error went unhandled
            // (what @sentry/browser 10+ says for a front end's crash).
            ("session", update(&b, "u2", r2, true, "ok", 0)),
            ("session", update(&b, "u2", r2, false, "exited", 0)),
            ("session", update(&c, "u2", r2, true, "ok", 0)),
            ("session", update(&e, "u5", r2, true, "ok", 0)),
            ("session", update(&e, "u5", r2, false, "unhandled", 1)),
            // Another release, for adoption.
            ("session", update(&d, "u4", "shop@1.0", true, "ok", 0)),
        ],
    )
    .await;
    // Server SDKs pre-aggregate: 3 clean sessions and 1 crash of user u3.
    let aggregates = json!({
        "aggregates": [{"started": chrono::Utc::now().to_rfc3339(), "did": "u3", "exited": 3, "crashed": 1}],
        "attrs": {"release": r2, "environment": "production"}
    });
    send_each(&app, vec![("sessions", serde_json::to_vec(&aggregates).unwrap())]).await;

    let list = wait_for_sessions(&browser, app.project_id, r2, 8).await;
    let h = health_of(&list, r2);
    assert_eq!(h["sessions"], 8, "4 sessions (A, B, C, E) + 4 aggregated: {h}");
    assert_eq!((h["crashed_sessions"].as_u64(), h["unhandled_sessions"].as_u64()), (Some(3), Some(1)), "{h}");
    assert_eq!(h["errored_sessions"], 3, "A's errors and crash count once: {h}");
    assert_eq!(h["crash_free_sessions"], 62.5, "5 of 8: {h}");
    assert_eq!((h["users"].as_u64(), h["crashed_users"].as_u64()), (Some(4), Some(3)), "{h}");
    assert_eq!(h["crash_free_users"], 25.0, "{h}");
    assert_eq!(h["session_adoption"], 88.89, "8 of the project's 9 sessions: {h}");
    assert_eq!(h["user_adoption"], 80.0, "4 of 5 users: {h}");
    let old = health_of(&list, "shop@1.0");
    assert_eq!((old["sessions"].as_u64(), old["crash_free_sessions"].as_f64()), (Some(1), Some(100.0)), "{old}");

    // The release's own page: the same figures and its crash-free line.
    let path = format!("/api/v1/projects/{}/releases/shop%402.0/health?period=24h", app.project_id);
    let (status, detail) = browser.get(&path).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["health"], h);
    assert_eq!((detail["bucket_secs"].as_u64(), detail["environments"].clone()), (Some(3600), json!(["production"])));
    let [point] = detail["series"].as_array().unwrap().as_slice() else { panic!("one hour: {detail}") };
    assert_eq!((point["sessions"].as_u64(), point["crashed_sessions"].as_u64()), (Some(8), Some(3)), "{point}");
    assert_eq!(point["crash_free_sessions"], 62.5);
    // Another environment has none of them.
    let (status, staging) = browser.get(&format!("{path}&environment=staging")).await;
    assert_eq!(status, 200);
    assert_eq!((staging["health"]["sessions"].as_u64(), staging["series"].clone()), (Some(0), json!([])));
    let (status, _) = browser.get(&format!("/api/v1/projects/{}/releases?period=5w", app.project_id)).await;
    assert_eq!(status, 422, "a bad period is refused");
    app.stop().await;
}

#[tokio::test]
async fn bad_sessions_are_refused_with_their_reason_and_the_rest_of_the_envelope_is_kept() {
    let app = spawn_app().await;
    let browser = AlertsApp::member_of(&app).await;
    let event_id = new_id();
    let mut error = js_error(&event_id, "still stored", "f", 1);
    error["timestamp"] = json!(chrono::Utc::now().timestamp());
    let long_ago = "2020-01-01T00:00:00Z";
    let sessions = json!({
        "aggregates": [
            {"started": chrono::Utc::now().to_rfc3339(), "exited": 2},
            {"started": long_ago, "exited": 9}
        ],
        "attrs": {"release": "shop@3.0"}
    });
    let body = envelope(
        json!({"event_id": event_id}),
        &[
            ("session", update(&new_id(), "u1", "shop@3.0", true, "exploded", 0)),
            ("session", br#"{"sid":"5b1f7ae0c6a54a6f8f1d2b2c0e0d3a11","init":true,"status":"ok","attrs":{"environment":"production"}}"#.to_vec()),
            ("session", format!(r#"{{"sid":"{}","init":true,"started":"{long_ago}","timestamp":"{long_ago}","attrs":{{"release":"shop@3.0"}}}}"#, new_id()).into_bytes()),
            ("session", format!(r#"{{"sid":"{}","init":true,"timestamp":"2099-01-01T00:00:00Z","attrs":{{"release":"shop@3.0"}}}}"#, new_id()).into_bytes()),
            ("event", serde_json::to_vec(&error).unwrap()),
            ("session", update(&new_id(), "u1", "shop@3.0", true, "ok", 0)),
            ("sessions", serde_json::to_vec(&sessions).unwrap()),
        ],
    );
    let resp = app.post_envelope(body).await;
    assert_eq!(resp.status(), 200);
    let answer: Value = resp.json().await.unwrap();
    assert_eq!(answer["id"], event_id.as_str());
    assert_eq!(app.wait_for_events(1).await, 1, "the event was kept");

    let list = wait_for_sessions(&browser, app.project_id, "shop@3.0", 3).await;
    let h = health_of(&list, "shop@3.0");
    assert_eq!(h["sessions"], 3, "the good update and the recent group: {h}");
    assert_eq!(h["crash_free_sessions"], 100.0);

    let path = format!("/api/v1/projects/{}/usage?period=24h", app.project_id);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    let count = |usage: &Value, outcome: &str, reason: &str| -> u64 {
        usage["lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["outcome"] == outcome && l["category"] == "session" && l["reason"] == reason)
            .map(|l| l["quantity"].as_u64().unwrap())
            .sum()
    };
    let usage = loop {
        let (status, usage) = browser.get(&path).await;
        assert_eq!(status, 200, "{usage}");
        if count(&usage, "accepted", "unknown") > 0 || tokio::time::Instant::now() > deadline {
            break usage;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    assert_eq!(count(&usage, "accepted", "unknown"), 2, "one update and one group: {usage}");
    assert_eq!(count(&usage, "invalid", "invalid_status"), 1, "{usage}");
    assert_eq!(count(&usage, "invalid", "missing_release"), 1, "{usage}");
    assert_eq!(count(&usage, "invalid", "timestamp_too_old"), 2, "an update and a group: {usage}");
    assert_eq!(count(&usage, "invalid", "timestamp_in_future"), 1, "{usage}");
    app.stop().await;
}
