//! Merged issues through the real API and the real envelope endpoint: the
//! target's counts (events add up, a user seen under two merged issues counts
//! once), new events of a merged fingerprint under the target (re-opening it
//! fires the regression rule on the target, never on the hidden issue), and
//! unmerge. Also the tracker's sweep that ends a timed snooze without anyone
//! opening the list.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{
    fixtures::epoch,
    triage_api::{error, setup},
};

fn by_user(mut event: Value, user: &str) -> Value {
    event["user"] = json!({"id": user});
    event
}

#[tokio::test]
async fn merged_issues_count_under_the_target_until_unmerged() {
    let c = setup().await;
    c.send(&by_user(error("cart is undefined", "onCheckout"), "u-1")).await;
    c.send(&by_user(error("cart is undefined", "onCheckout"), "u-2")).await;
    c.send(&by_user(error("price is NaN", "renderTotals"), "u-1")).await;
    c.wait_seen(3).await;
    let (cart, price) = (c.issue_id("cart is undefined").await, c.issue_id("price is NaN").await);
    let merge = format!("/api/v1/projects/{}/issues/merge", c.pid);
    let (s, _) = c.b.post(&merge, json!({"ids": [cart]})).await;
    assert_eq!(s, 422);
    let (s, done) = c.b.post(&merge, json!({"ids": [cart, price]})).await;
    assert_eq!(s, 200, "{done}");
    assert_eq!((done["target"].as_i64(), done["merged"].clone()), (Some(cart), json!([price])), "most events wins");

    let page = c.list().await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!((page["issues"][0]["id"].as_i64(), page["issues"][0]["events"].as_u64()), (Some(cart), Some(3)));
    assert_eq!(page["issues"][0]["merged"], json!([price]));
    // u-1 saw both: the merged issue counts two users, not three, sorted by users too.
    assert_eq!(page["issues"][0]["users"], 2, "{page}");
    let (_, by_users) = c.b.get(&format!("/api/v1/projects/{}/issues?sort=users", c.pid)).await;
    assert_eq!(by_users["issues"][0]["users"], 2, "{by_users}");
    // A new event of the merged fingerprint lands under the target.
    c.send(&error("price is NaN", "renderTotals")).await;
    c.wait_seen(4).await;
    let page = c.list().await;
    assert_eq!((page["total"].as_u64(), page["issues"][0]["events"].as_u64()), (Some(1), Some(4)), "{page}");
    let (_, detail) = c.b.get(&format!("/api/v1/issues/{cart}")).await;
    assert_eq!(detail["issue"]["events"], 4);
    let (_, events) = c.b.get(&format!("/api/v1/issues/{cart}/events")).await;
    assert_eq!(events["total"], 4, "past and new events of the merged issue show under the target");
    let (_, merged) = c.b.get(&format!("/api/v1/issues/{cart}/merged")).await;
    assert_eq!(merged[0]["id"].as_i64(), Some(price));
    assert!(c.activity_kinds(cart).await.contains(&"merged".to_string()));

    let (s, restored) = c.b.post(&format!("/api/v1/issues/{cart}/unmerge"), json!({})).await;
    assert_eq!((s.as_u16(), restored), (200, json!([price])));
    let page = c.list().await;
    assert_eq!(page["total"], 2, "{page}");
    let events_of = |id: i64| {
        page["issues"].as_array().unwrap().iter().find(|i| i["id"].as_i64() == Some(id)).unwrap()["events"].as_u64()
    };
    assert_eq!((events_of(cart), events_of(price)), (Some(2), Some(2)));
    assert!(c.activity_kinds(price).await.contains(&"unmerged".to_string()));
}

#[tokio::test]
async fn an_event_of_a_merged_issue_reopens_the_resolved_target_and_fires_its_regression_rule() {
    let c = setup().await;
    let rules = format!("/api/v1/projects/{}/alert-rules", c.pid);
    let (s, rule) =
        c.b.post(&rules, json!({"name": "regressions", "kind": "regression", "email_to": ["ops@example.com"]})).await;
    assert_eq!(s, 201, "{rule}");
    c.send(&error("cart is undefined", "onCheckout")).await;
    c.send(&error("cart is undefined", "onCheckout")).await;
    c.send(&error("price is NaN", "renderTotals")).await;
    c.wait_seen(3).await;
    let (cart, price) = (c.issue_id("cart is undefined").await, c.issue_id("price is NaN").await);
    let (s, done) = c.b.post(&format!("/api/v1/projects/{}/issues/merge", c.pid), json!({"ids": [cart, price]})).await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(c.patch(cart, json!({"status": "resolved"})).await.0, 204);
    // Event times have whole seconds: the next one must be a later second than the resolution.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut late = error("price is NaN", "renderTotals");
    late["timestamp"] = json!(epoch(0.0));
    c.send(&late).await;
    c.wait_seen(4).await;
    assert_eq!(c.status(cart).await, "unresolved");
    let firings: Vec<(Option<i64>, String)> = sqlx::query_as(
        "SELECT f.issue_id, r.kind FROM alert_firings f JOIN alert_rules r ON r.id = f.rule_id WHERE f.project_id = $1",
    )
    .bind(c.pid)
    .fetch_all(&c.app.pg)
    .await
    .unwrap();
    assert_eq!(firings, vec![(Some(cart), "regression".to_string())], "the target regressed, once");
    let kinds = c.activity_kinds(cart).await;
    assert_eq!(kinds[kinds.len().saturating_sub(2)..], ["regression", "alert"], "{kinds:?}");
    assert!(!c.activity_kinds(price).await.contains(&"regression".to_string()), "the hidden issue has no regression");

    // Resolved again; then events of both fingerprints at once: one more regression, of the target.
    assert_eq!(c.patch(cart, json!({"status": "resolved"})).await.0, 204);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for (message, function) in [("cart is undefined", "onCheckout"), ("price is NaN", "renderTotals")] {
        let mut e = error(message, function);
        e["timestamp"] = json!(epoch(0.0));
        c.send(&e).await;
    }
    c.wait_seen(6).await;
    assert_eq!(c.status(cart).await, "unresolved");
    let firings: Vec<Option<i64>> =
        sqlx::query_scalar("SELECT issue_id FROM alert_firings WHERE project_id = $1 ORDER BY id")
            .bind(c.pid)
            .fetch_all(&c.app.pg)
            .await
            .unwrap();
    assert_eq!(firings, vec![Some(cart), Some(cart)], "one regression per re-opening");
}

#[tokio::test]
async fn a_timed_snooze_ends_without_anyone_opening_the_list() {
    let c = setup().await;
    c.send(&error("by time", "c")).await;
    c.wait_seen(1).await;
    let id = c.issue_id("by time").await;
    assert_eq!(c.patch(id, json!({"status": "ignored", "snooze": {"minutes": 60}})).await.0, 204);
    // The hour passes; nobody reads the project's issues, and no event arrives.
    sqlx::query("UPDATE issues SET snooze_until = now() - interval '1 second' WHERE id = $1")
        .bind(id)
        .execute(&c.app.pg)
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while c.status(id).await != "unresolved" {
        assert!(tokio::time::Instant::now() < deadline, "the tracker's sweep never brought the issue back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let kinds = c.activity_kinds(id).await;
    assert_eq!(kinds.iter().filter(|k| *k == "snooze_expired").count(), 1, "{kinds:?}");
}
