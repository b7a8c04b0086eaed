//! Alert rules through the API, and the rules evaluated on the issue
//! tracker's flush: new issue (with quiet-until-N), regression (with the
//! throttle and its digest), and the environment and level filters, all
//! driven by errors sent through the real envelope endpoint.

use std::time::Duration;

use serde_json::{json, Value};

use crate::alerts_support::{AlertsApp, WebhookReceiver};

fn by_rule<'a>(alerts: &'a [Value], name: &str) -> Vec<&'a Value> {
    alerts.iter().filter(|a| a["rule_name"] == name).collect()
}

#[tokio::test]
async fn rules_are_created_listed_replaced_and_deleted_and_bad_ones_are_explained() {
    let t = AlertsApp::start(|_| {}).await;
    let rules = format!("/api/v1/projects/{}/alert-rules", t.app.project_id);
    let (status, err) =
        t.browser.post(&rules, json!({"name": "spike", "kind": "frequency", "email_to": ["ops@example.com"]})).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["code"], "validation");
    assert!(err["error"]["message"].as_str().unwrap().contains("threshold"), "{err}");
    let (status, err) =
        t.browser.post(&rules, json!({"name": "x", "kind": "sometimes", "email_to": ["ops@example.com"]})).await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("unknown variant"), "{err}");
    let (status, err) = t.browser.post(&rules, json!({"name": "x", "kind": "new_issue"})).await;
    assert_eq!(
        (status.as_u16(), err["error"]["message"].as_str().unwrap()),
        (422, "a rule needs an e-mail recipient or a webhook URL")
    );

    let (status, rule) = t
        .browser
        .post(&rules, json!({"name": "slow checkout", "kind": "vital", "vital": "lcp", "page": "/checkout", "threshold": 2500,
                             "window_minutes": 30, "webhook_url": "https://hooks.example.com/x", "webhook_secret": "s3cret"}))
        .await;
    assert_eq!(status, 201, "{rule}");
    assert_eq!(
        (rule["kind"].as_str(), rule["vital"].as_str(), rule["webhook_signed"].as_bool()),
        (Some("vital"), Some("lcp"), Some(true))
    );
    assert!(rule.get("webhook_secret").is_none(), "the secret is never shown: {rule}");
    let id = rule["id"].as_i64().unwrap();

    let mut replacement = json!({"name": "slow checkout", "kind": "vital", "vital": "lcp", "page": "/checkout", "threshold": 4000,
                                 "window_minutes": 30, "webhook_url": "https://hooks.example.com/x", "enabled": false});
    let (status, rule) =
        t.browser.call(reqwest::Method::PUT, &format!("/api/v1/alert-rules/{id}"), Some(replacement.clone())).await;
    assert_eq!(status, 200, "{rule}");
    assert_eq!((rule["threshold"].as_f64(), rule["enabled"].as_bool()), (Some(4000.0), Some(false)));
    assert_eq!(rule["webhook_signed"], true, "an absent secret keeps the current one");
    replacement["webhook_secret"] = json!("");
    let (_, rule) = t.browser.call(reqwest::Method::PUT, &format!("/api/v1/alert-rules/{id}"), Some(replacement)).await;
    assert_eq!(rule["webhook_signed"], false, "an empty secret removes it");

    let (_, list) = t.browser.get(&rules).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (status, _) = t.browser.call(reqwest::Method::DELETE, &format!("/api/v1/alert-rules/{id}"), None).await;
    assert_eq!(status, 204);
    let (_, list) = t.browser.get(&rules).await;
    assert_eq!(list, json!([]));
    t.app.stop().await;
}

#[tokio::test]
async fn a_new_issue_alerts_once_and_a_quiet_rule_waits_for_its_nth_event() {
    let hook = WebhookReceiver::start(0).await;
    let t = AlertsApp::start(|_| {}).await;
    t.rule(json!({"name": "every new issue", "kind": "new_issue", "webhook_url": hook.url})).await;
    t.rule(json!({"name": "after 3", "kind": "new_issue", "quiet_until": 3, "webhook_url": hook.url})).await;

    t.error("cart is undefined", "production", "error").await;
    t.settled(1, 1).await;
    let alerts = t.wait_for_alerts(1).await;
    assert_eq!(alerts[0]["rule_name"], "every new issue");
    assert_eq!(alerts[0]["kind"], "new_issue");
    assert!(
        alerts[0]["summary"].as_str().unwrap().starts_with("New issue: TypeError: cart is undefined"),
        "{}",
        alerts[0]
    );

    t.error("cart is undefined", "production", "error").await;
    t.settled(1, 2).await;
    t.error("cart is undefined", "production", "error").await;
    t.settled(1, 3).await;
    let alerts = t.wait_for_alerts(2).await;
    assert_eq!(alerts[0]["rule_name"], "after 3", "the quiet rule fires at the third event");
    assert_eq!(alerts[0]["value"], 3.0);
    t.error("cart is undefined", "production", "error").await;
    t.settled(1, 4).await;

    t.error("price is NaN", "production", "error").await;
    t.settled(2, 5).await;
    let alerts = t.wait_for_alerts(3).await;
    assert_eq!(by_rule(&alerts, "every new issue").len(), 2, "one per issue: {alerts:#?}");
    assert_eq!(by_rule(&alerts, "after 3").len(), 1, "the second issue has 1 event: {alerts:#?}");
    assert_eq!(hook.wait_for(3).await.len(), 3);
    for alert in &t.wait_all_delivered(3).await {
        let delivery = &alert["deliveries"][0];
        assert_eq!(
            (delivery["channel"].as_str(), delivery["path"].as_str()),
            (Some("webhook"), Some("webhook")),
            "{alert}"
        );
    }
    t.app.stop().await;
}

#[tokio::test]
async fn environment_and_level_filters_hold() {
    let hook = WebhookReceiver::start(0).await;
    let t = AlertsApp::start(|_| {}).await;
    t.rule(json!({"name": "staging only", "kind": "new_issue", "environment": "staging", "webhook_url": hook.url}))
        .await;
    t.rule(json!({"name": "warnings only", "kind": "new_issue", "level": "warning", "webhook_url": hook.url})).await;

    t.error("in production", "production", "error").await;
    t.settled(1, 1).await;
    t.error("in staging", "staging", "error").await;
    t.settled(2, 2).await;
    t.error("a warning", "production", "warning").await;
    t.settled(3, 3).await;

    let alerts = t.wait_for_alerts(2).await;
    let staging = by_rule(&alerts, "staging only");
    let warnings = by_rule(&alerts, "warnings only");
    assert_eq!(staging.len(), 1, "{alerts:#?}");
    assert!(staging[0]["summary"].as_str().unwrap().contains("in staging"), "{alerts:#?}");
    assert_eq!(warnings.len(), 1, "{alerts:#?}");
    assert!(warnings[0]["summary"].as_str().unwrap().contains("a warning"), "{alerts:#?}");
    t.app.stop().await;
}

#[tokio::test]
async fn a_regression_alerts_and_the_throttle_holds_back_repeats_then_reports_them() {
    let hook = WebhookReceiver::start(0).await;
    let t = AlertsApp::start(|_| {}).await;
    t.rule(json!({"name": "regressions", "kind": "regression", "throttle_minutes": 60, "webhook_url": hook.url})).await;
    t.error("flaky checkout", "production", "error").await;
    t.settled(1, 1).await;
    let issue: i64 = sqlx::query_scalar("SELECT id FROM issues WHERE project_id = $1")
        .bind(t.app.project_id)
        .fetch_one(&t.app.pg)
        .await
        .unwrap();
    assert!(t.alerts().await.is_empty(), "a new issue is not a regression");

    regress(&t, issue).await;
    let alerts = t.wait_for_alerts(1).await;
    assert_eq!(
        (alerts[0]["kind"].as_str(), alerts[0]["suppressed"].as_bool()),
        (Some("regression"), Some(false)),
        "{alerts:#?}"
    );
    assert_eq!(alerts[0]["issue_id"], issue);
    regress(&t, issue).await;
    regress(&t, issue).await;
    let alerts = t.wait_for_alerts(3).await;
    assert!(
        alerts[..2].iter().all(|a| a["suppressed"] == true && a["deliveries"] == json!([])),
        "held back: {alerts:#?}"
    );
    assert_eq!(hook.wait_for(1).await.len(), 1);

    // An hour passes: the throttle window of the last sent alert closes.
    sqlx::query("UPDATE alert_firings SET fired_at = fired_at - interval '61 minutes'")
        .execute(&t.app.pg)
        .await
        .unwrap();
    regress(&t, issue).await;
    let alerts = t.wait_for_alerts(4).await;
    assert_eq!(
        (alerts[0]["suppressed"].as_bool(), alerts[0]["held_back"].as_i64()),
        (Some(false), Some(2)),
        "{alerts:#?}"
    );
    let sent = hook.wait_for(2).await;
    let payload: Value = serde_json::from_str(&sent[1].body).unwrap();
    assert_eq!(payload["alert"]["held_back"], 2);
    assert!(payload["text"].as_str().unwrap().contains("2 more alerts of this rule were held back"), "{payload}");
    t.app.stop().await;
}

/// Resolves `issue`, then sends it one more event (a later second than the resolution).
async fn regress(t: &AlertsApp, issue: i64) {
    let before: i64 = sqlx::query_scalar("SELECT times_seen FROM issues WHERE id = $1")
        .bind(issue)
        .fetch_one(&t.app.pg)
        .await
        .unwrap();
    let (status, body) = t
        .browser
        .call(reqwest::Method::PATCH, &format!("/api/v1/issues/{issue}"), Some(json!({"status": "resolved"})))
        .await;
    assert!(status.is_success(), "{status} {body}");
    // Event times have whole seconds: the next one must be a later second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    t.error("flaky checkout", "production", "error").await;
    t.settled(1, before + 1).await;
}
