//! Several servers on one Postgres and one ClickHouse (issue 18): two
//! servers upserting the same fingerprint at once count every event once,
//! keep the earliest first-seen and the latest last-seen, and raise one
//! new-issue alert; work that must run once is skipped by the server that
//! does not hold its advisory lock.

use std::time::Duration;

use serde_json::json;

use crate::{
    alerts_support::{fast_alerts, AlertsApp, WebhookReceiver},
    fixtures::*,
    helpers::{fresh_databases, raw_config, spawn_app_on},
};

#[tokio::test]
async fn two_servers_upserting_one_fingerprint_count_each_event_once_and_alert_once() {
    let dbs = fresh_databases().await;
    let spool = |name: &str| std::env::temp_dir().join(&dbs.clickhouse_database).join(name).display().to_string();
    let mut raw = raw_config(&dbs);
    fast_alerts(&mut raw);
    raw.signup = Some("open".into());
    let (mut raw_a, mut raw_b) = (raw.clone(), raw);
    raw_a.spool_dir = Some(spool("spool-a"));
    raw_b.spool_dir = Some(spool("spool-b"));
    let a = spawn_app_on(&dbs, raw_a).await;
    let b = spawn_app_on(&dbs, raw_b).await;
    assert_eq!(a.project_id, b.project_id, "one project, two servers");
    let hook = WebhookReceiver::start(0).await;
    let browser = AlertsApp::member_of(&a).await;
    let (status, body) = browser
        .post(
            &format!("/api/v1/projects/{}/alert-rules", a.project_id),
            json!({"name": "new", "kind": "new_issue", "webhook_url": hook.url}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    // 40 events of one issue, alternating servers, all in flight at once.
    let base = chrono::Utc::now().timestamp() - 600;
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..40i64 {
        let mut event = js_error(&new_id(), "cart is undefined", "checkout", 10);
        event["timestamp"] = json!(base + i);
        let app = if i % 2 == 0 { &a } else { &b };
        let request = app.http.post(app.envelope_url()).body(event_envelope(&event));
        sends.spawn(async move { request.send().await.map(|r| r.status().as_u16()).unwrap_or(0) });
    }
    let statuses = sends.join_all().await;
    assert!(statuses.iter().all(|&s| s == 200), "{statuses:?}");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let issue = loop {
        let row: Option<(i64, i64, i64)> = sqlx::query_as(
            "SELECT times_seen::bigint, extract(epoch FROM first_seen)::bigint, extract(epoch FROM last_seen)::bigint \
             FROM issues WHERE project_id = $1",
        )
        .bind(a.project_id)
        .fetch_optional(&a.pg)
        .await
        .unwrap();
        if row.is_some_and(|r| r.0 >= 40) || tokio::time::Instant::now() > deadline {
            break row;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let issues: i64 = sqlx::query_scalar("SELECT count(*) FROM issues").fetch_one(&a.pg).await.unwrap();
    assert_eq!(issues, 1, "one issue for the fingerprint");
    assert_eq!(issue, Some((40, base, base + 39)), "count, first seen, last seen over both servers");
    assert_eq!(a.wait_for_events(40).await, 40);

    // Exactly one new-issue firing, however the two servers' flushes raced.
    let firings = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM alert_firings f JOIN alert_rules r ON r.id = f.rule_id WHERE r.kind = 'new_issue'",
        )
        .fetch_one(&a.pg)
        .await
        .unwrap()
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while firings().await < 1 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(firings().await, 1, "one new-issue alert");
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn work_that_runs_once_is_skipped_while_another_server_holds_its_lock() {
    let dbs = fresh_databases().await;
    let slow = || async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        anyhow::Ok(())
    };
    let (first, second, other) = tokio::join!(
        sightline::singleton::once(&dbs.pg, "sweep", slow()),
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            sightline::singleton::once(&dbs.pg, "sweep", slow()).await
        },
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            sightline::singleton::once(&dbs.pg, "evaluate", slow()).await
        },
    );
    assert_eq!(first.unwrap(), Some(()), "the first server runs it");
    assert_eq!(second.unwrap(), None, "the second skips it while the first holds the lock");
    assert_eq!(other.unwrap(), Some(()), "other work has its own lock");
    // Released when the run ends.
    assert_eq!(sightline::singleton::once(&dbs.pg, "sweep", slow()).await.unwrap(), Some(()));
}
