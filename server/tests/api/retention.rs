//! Retention: rows older than a project's `retention_days` leave ClickHouse
//! (whole partitions when older than every project's retention, delete
//! mutations in between), and issues whose last event expired leave Postgres.

use chrono::Utc;
use sightline::retention::Retention;

use crate::{fixtures, helpers::spawn_app};

const DAY: i64 = 86_400;

#[tokio::test]
async fn a_sweep_removes_what_each_project_no_longer_keeps() {
    let app = spawn_app().await;
    let short = app.project_id;
    let long: i64 = sqlx::query_scalar(
        "INSERT INTO projects (team_id, name, slug, retention_days) \
         SELECT team_id, 'Long', 'long', 60 FROM projects WHERE id = $1 RETURNING id",
    )
    .bind(short)
    .fetch_one(&app.pg)
    .await
    .unwrap();
    sqlx::query("UPDATE projects SET retention_days = 7 WHERE id = $1").bind(short).execute(&app.pg).await.unwrap();

    // A fresh event through the real endpoint, and older rows of both projects.
    let event = fixtures::js_error(&fixtures::new_id(), "fresh", "render", 1);
    let r = app.post_envelope(fixtures::event_envelope(&event)).await;
    assert_eq!(r.status(), 200);
    app.wait_for_events(1).await;
    let now = Utc::now().timestamp();
    for (project, age_days) in [(short, 10), (long, 10), (short, 100), (long, 100)] {
        app.ch
            .query(
                "INSERT INTO events (project_id, event_id, fingerprint, timestamp, received_at) \
                    SELECT ?, generateUUIDv4(), 'old', toDateTime(?), toDateTime(?)",
            )
            .bind(project as u64)
            .bind(now - age_days * DAY)
            .bind(now - age_days * DAY)
            .execute()
            .await
            .unwrap();
    }
    for project in [short, long] {
        sqlx::query(
            "INSERT INTO issues (project_id, fingerprint, title, first_seen, last_seen, times_seen) \
             VALUES ($1, 'old', 'Old', now() - interval '100 days', now() - interval '10 days', 2)",
        )
        .bind(project)
        .execute(&app.pg)
        .await
        .unwrap();
    }

    let retention = Retention::default();
    let sweep = retention.sweep(&app.pg, &app.ch, Utc::now()).await.unwrap();
    assert!(sweep.dropped_partitions.iter().any(|p| p.starts_with("events/")), "{sweep:?}");
    assert!(sweep.dropped_partitions.iter().any(|p| p.starts_with("issue_daily/")), "{sweep:?}");
    assert_eq!(sweep.trimmed_projects, vec![short]);
    assert_eq!(sweep.expired_issues, 1, "only the 7-day project's old issue");

    // Mutations run in the background, behind other tests' merges: wait for them.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let pending: u64 = app
            .ch
            .query("SELECT count() FROM system.mutations WHERE database = currentDatabase() AND is_done = 0")
            .fetch_one()
            .await
            .unwrap();
        if pending == 0 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{pending} mutations still running after 90 s");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let older = |p: i64, table: &str, column: &str| {
        format!("SELECT count() FROM {table} WHERE project_id = {p} AND {column} < now() - {}", 7 * DAY)
    };
    assert_eq!(app.wait_for_count(&older(short, "events", "timestamp"), 0).await, 0);
    assert_eq!(app.wait_for_count(&older(short, "issue_daily", "bucket"), 0).await, 0);
    assert_eq!(app.wait_for_count(&older(long, "events", "timestamp"), 1).await, 1, "60 days keep the 10-day row");
    let all = format!("SELECT count() FROM events WHERE project_id = {short}");
    assert_eq!(app.wait_for_count(&all, 1).await, 1, "the fresh event stays");
    let issues: Vec<(i64, String)> =
        sqlx::query_as("SELECT project_id, fingerprint FROM issues WHERE fingerprint = 'old'")
            .fetch_all(&app.pg)
            .await
            .unwrap();
    assert_eq!(issues, vec![(long, "old".to_string())]);

    // The next sweep the same day does not queue the same mutations again.
    let again = retention.sweep(&app.pg, &app.ch, Utc::now()).await.unwrap();
    assert!(again.trimmed_projects.is_empty() && again.dropped_partitions.is_empty(), "{again:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_sweep_removes_alert_history_past_retention_but_not_pending_deliveries() {
    let app = spawn_app().await;
    let project = app.project_id;
    sqlx::query("UPDATE projects SET retention_days = 7 WHERE id = $1").bind(project).execute(&app.pg).await.unwrap();
    let rule: i64 = sqlx::query_scalar(
        "INSERT INTO alert_rules (project_id, name, kind, email_to) VALUES ($1, 'New', 'new_issue', '{a@example.com}') RETURNING id",
    )
    .bind(project)
    .fetch_one(&app.pg)
    .await
    .unwrap();
    // (age in days, outbox status): old and delivered, old but still pending, recent.
    for (key, age, status) in
        [("old-sent", 10, "delivered"), ("old-pending", 10, "pending"), ("recent", 1, "delivered")]
    {
        let firing: i64 = sqlx::query_scalar(
            "INSERT INTO alert_firings (rule_id, project_id, subject, dedup_key, summary, fired_at) \
             VALUES ($1, $2, 'project', $3, 'x', now() - make_interval(days => $4)) RETURNING id",
        )
        .bind(rule)
        .bind(project)
        .bind(key)
        .bind(age)
        .fetch_one(&app.pg)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO alert_outbox (firing_id, channel, target, payload, status) VALUES ($1, 'email', 'a@example.com', '{}', $2)",
        )
        .bind(firing)
        .bind(status)
        .execute(&app.pg)
        .await
        .unwrap();
    }

    let sweep = Retention::default().sweep(&app.pg, &app.ch, Utc::now()).await.unwrap();
    assert_eq!(sweep.expired_alerts, 1, "{sweep:?}");
    let left: Vec<String> =
        sqlx::query_scalar("SELECT dedup_key FROM alert_firings ORDER BY dedup_key").fetch_all(&app.pg).await.unwrap();
    assert_eq!(left, ["old-pending", "recent"]);
    let outbox: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_outbox").fetch_one(&app.pg).await.unwrap();
    assert_eq!(outbox, 2, "the deleted firing's delivery log went with it");
    app.stop().await;
}
