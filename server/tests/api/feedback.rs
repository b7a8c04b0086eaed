//! User feedback as SDKs send it: a `feedback` item (with a screenshot
//! attachment) or a legacy `user_report`, on the feedback API, on its issue,
//! with its screenshot, under a `feedback` alert rule; bad input (no message,
//! an oversize screenshot) is refused item by item with its outcome.

use serde_json::{json, Value};

use crate::{alerts_support::AlertsApp, fixtures::*};

/// A PNG header and a few bytes: what the ingest path sniffs an image by.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn feedback_item(message: &str, associated: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "event_id": new_id(), "type": "feedback", "level": "info",
        "timestamp": chrono::Utc::now().timestamp(), "environment": "production",
        "contexts": {"feedback": {"message": message, "name": "Ada", "contact_email": "ada@example.com",
            "url": "https://shop.example.com/checkout", "source": "widget", "associated_event_id": associated}}
    }))
    .unwrap()
}

/// Builds an envelope whose items carry content types (attachments need theirs).
fn envelope_with(items: &[(&str, Option<&str>, Vec<u8>)]) -> Vec<u8> {
    let mut out = b"{}\n".to_vec();
    for (ty, content_type, payload) in items {
        let mut header = json!({"type": ty, "length": payload.len()});
        if let Some(ct) = content_type {
            header["content_type"] = json!(ct);
            header["filename"] = json!("screenshot.png");
        }
        out.extend(serde_json::to_vec(&header).unwrap());
        out.push(b'\n');
        out.extend(payload);
        out.push(b'\n');
    }
    out
}

async fn wait_for_feedback(a: &AlertsApp, n: usize) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let (status, list) = a.browser.get(&format!("/api/v1/projects/{}/feedback", a.app.project_id)).await;
        assert_eq!(status, 200, "{list}");
        let list = list.as_array().unwrap().clone();
        if list.len() >= n || tokio::time::Instant::now() > deadline {
            assert_eq!(list.len(), n, "{list:#?}");
            return list;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn feedback_with_a_screenshot_is_listed_on_its_issue_and_alerts_a_feedback_rule() {
    let a = AlertsApp::start(|_| {}).await;
    a.rule(json!({"name": "feedback", "kind": "feedback", "email_to": ["ops@example.com"]})).await;
    let event_id = new_id();
    let mut error = js_error(&event_id, "Checkout exploded", "pay", 3);
    error["timestamp"] = json!(chrono::Utc::now().timestamp());
    assert_eq!(a.app.post_envelope(event_envelope(&error)).await.status(), 200);
    a.settled(1, 1).await;

    let body = envelope_with(&[
        ("feedback", None, feedback_item("The pay button did nothing", &event_id)),
        ("attachment", Some("image/png"), PNG.to_vec()),
    ]);
    assert_eq!(a.app.post_envelope(body).await.status(), 200);
    let list = wait_for_feedback(&a, 1).await;
    let f = &list[0];
    assert_eq!(f["message"], "The pay button did nothing");
    assert_eq!((f["name"].as_str(), f["email"].as_str()), (Some("Ada"), Some("ada@example.com")));
    assert_eq!(f["associated_event_id"], event_id);
    assert_eq!(f["has_screenshot"], true);
    let issue_id: i64 = sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1")
        .bind(a.app.project_id)
        .fetch_one(&a.app.pg)
        .await
        .unwrap();
    assert_eq!(f["issue_id"], issue_id);

    let (status, of_issue) = a.browser.get(&format!("/api/v1/issues/{issue_id}/feedback")).await;
    assert_eq!(status, 200);
    assert_eq!(of_issue[0]["id"], f["id"]);
    let shot = a
        .browser
        .http
        .get(format!(
            "{}/api/v1/projects/{}/feedback/{}/screenshot",
            a.app.address,
            a.app.project_id,
            f["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(shot.status(), 200);
    assert_eq!(shot.headers()["content-type"], "image/png");
    assert_eq!(shot.headers()["x-content-type-options"], "nosniff");
    assert_eq!(&shot.bytes().await.unwrap()[..], PNG);

    let alerts = a.wait_for_alerts(1).await;
    assert!(alerts[0]["summary"].as_str().unwrap().contains("The pay button did nothing"), "{alerts:#?}");
    a.app.stop().await;
}

#[tokio::test]
async fn feedback_without_a_message_and_an_oversize_screenshot_are_refused_alone() {
    let a = AlertsApp::start(|raw| raw.max_screenshot_bytes = Some("16".into())).await;
    let body = envelope_with(&[
        ("feedback", None, feedback_item("   ", "")),
        (
            "user_report",
            None,
            br#"{"name":"Bob","email":"bob@example.com","comments":"Old SDK, still heard"}"#.to_vec(),
        ),
    ]);
    assert_eq!(a.app.post_envelope(body).await.status(), 200);
    let body = envelope_with(&[
        ("feedback", None, feedback_item("Kept without its screenshot", "")),
        ("attachment", Some("image/png"), [PNG, &[0u8; 64][..]].concat()),
    ]);
    assert_eq!(a.app.post_envelope(body).await.status(), 200);
    let list = wait_for_feedback(&a, 2).await;
    let messages: Vec<_> =
        list.iter().map(|f| (f["message"].as_str().unwrap(), f["has_screenshot"].as_bool())).collect();
    assert!(messages.contains(&("Old SDK, still heard", Some(false))), "{messages:?}");
    assert!(messages.contains(&("Kept without its screenshot", Some(false))), "{messages:?}");

    let path = format!("/api/v1/projects/{}/usage?period=24h", a.app.project_id);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, usage) = a.browser.get(&path).await;
        let has = |outcome: &str, category: &str, reason: &str| {
            usage["lines"].as_array().unwrap().iter().any(|l| {
                l["outcome"] == outcome && l["category"] == category && l["reason"] == reason && l["quantity"] == 1
            })
        };
        if has("invalid", "feedback", "missing_message") && has("invalid", "attachment", "too_large") {
            assert_eq!(usage["series"][0]["accepted"], 2, "{usage}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{usage}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    a.app.stop().await;
}
