//! Retention: each project's ClickHouse data lives for its `retention_days`
//! (project settings), its issues until their last event expires. A sweep
//! runs every `SIGHTLINE_RETENTION_SWEEP_SECS` (the first one at most five
//! minutes after start):
//!
//! 1. Day partitions older than the longest retention of any project are
//!    dropped whole from every table (`ALTER TABLE … DROP PARTITION`, instant
//!    on every ClickHouse version).
//! 2. A project that keeps less than that gets `ALTER TABLE … DELETE WHERE
//!    project_id = …` mutations for its older rows, at most once per project
//!    and day (mutations rewrite parts in the background, so they are rationed).
//! 3. Issues whose last event is older than their project's retention are
//!    deleted from Postgres; a later event of the same kind opens a new issue.
//! 4. Alert firings older than their project's retention are deleted with
//!    their delivery log (outbox rows), unless a delivery is still pending.
//! 5. Session replays expire by their own `replay_retention_days`, the same
//!    two ways ([`crate::store::replay_retention`]).
//!
//! Several server processes may sweep at once: every step is idempotent.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::Context;
use chrono::{DateTime, Utc};
use clickhouse::{Client, Row};
use serde::Deserialize;
use sqlx::PgPool;

/// Every ClickHouse table with project data, and its time column.
pub const TABLES: [(&str, &str); 11] = [
    ("events", "timestamp"),
    ("transactions", "timestamp"),
    ("issue_hourly", "bucket"),
    ("issue_daily", "bucket"),
    ("vitals_hourly", "bucket"),
    ("vitals_daily", "bucket"),
    ("vitals_site_hourly", "bucket"),
    ("vitals_site_daily", "bucket"),
    ("outcomes", "day"),
    ("feedback", "timestamp"),
    ("feedback_screenshots", "timestamp"),
];

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sweep {
    /// `table/partition` of every dropped partition.
    pub dropped_partitions: Vec<String>,
    /// Projects that got delete mutations.
    pub trimmed_projects: Vec<i64>,
    /// Issues deleted from Postgres.
    pub expired_issues: u64,
    /// Alert firings deleted (with their outbox rows).
    pub expired_alerts: u64,
    /// Projects whose replays got delete mutations (by `replay_retention_days`).
    pub replay_trimmed_projects: Vec<i64>,
}

/// Remembers which project was trimmed on which day (UTC day number).
#[derive(Debug, Clone, Default)]
pub struct Retention {
    trimmed: Arc<Mutex<HashMap<i64, i64>>>,
    /// The same for replays, which have their own retention.
    replay_trimmed: Arc<Mutex<HashMap<i64, i64>>>,
}

#[derive(Debug, Row, Deserialize)]
struct Part {
    table: String,
    partition: String,
}

/// How long a project keeps its events.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
struct ProjectRetention {
    id: i64,
    retention_days: i32,
}

impl Retention {
    /// Sweeps a few minutes after start (not while a deploy settles) and then
    /// every `every`, logging failures (the next sweep retries).
    pub async fn run(self, pg: PgPool, ch: Client, every: Duration) {
        tokio::time::sleep(every.min(Duration::from_secs(300))).await;
        loop {
            match self.sweep(&pg, &ch, Utc::now()).await {
                Ok(s) if s != Sweep::default() => tracing::info!(
                    partitions = s.dropped_partitions.len(),
                    projects = s.trimmed_projects.len(),
                    issues = s.expired_issues,
                    "retention sweep"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %format!("{e:#}"), "retention sweep failed; retrying later"),
            }
            tokio::time::sleep(every).await;
        }
    }

    /// Removes everything older than its project's retention, as of `now`.
    pub async fn sweep(&self, pg: &PgPool, ch: &Client, now: DateTime<Utc>) -> anyhow::Result<Sweep> {
        let projects: Vec<ProjectRetention> = sqlx::query_as("SELECT id, retention_days FROM projects")
            .fetch_all(pg)
            .await
            .context("cannot read project retention")?;
        let Some(longest) = projects.iter().map(|p| p.retention_days).max() else {
            return Ok(Sweep::default());
        };
        let mut sweep = Sweep::default();
        let cutoff = |days: i32| now - chrono::Duration::days(days.into());

        // 1. Whole days older than every project's retention.
        let keep_from: u32 = cutoff(longest).format("%Y%m%d").to_string().parse()?;
        let parts: Vec<Part> = ch
            .query("SELECT DISTINCT table, partition FROM system.parts WHERE database = currentDatabase() AND active")
            .fetch_all()
            .await
            .context("cannot list ClickHouse partitions")?;
        for part in parts {
            let known = TABLES.iter().any(|(t, _)| *t == part.table);
            let day: Option<u32> = part.partition.trim_matches('\'').parse().ok();
            if known && day.is_some_and(|d| d < keep_from) {
                let sql = format!("ALTER TABLE {} DROP PARTITION {}", part.table, day.unwrap_or_default());
                ch.query(&sql).execute().await.with_context(|| format!("cannot {sql}"))?;
                sweep.dropped_partitions.push(format!("{}/{}", part.table, part.partition));
            }
        }

        // 2. Projects keeping less than the longest retention: once a day each.
        let today = now.timestamp().div_euclid(86_400);
        for &ProjectRetention { id: project, retention_days: days } in
            projects.iter().filter(|p| p.retention_days < longest)
        {
            if self.trimmed.lock().expect("retention map").get(&project) == Some(&today) {
                continue;
            }
            let before = cutoff(days).timestamp();
            for (table, column) in TABLES {
                ch.query(&format!("ALTER TABLE {table} DELETE WHERE project_id = ? AND {column} < toDateTime(?)"))
                    .bind(project as u64)
                    .bind(before)
                    .execute()
                    .await
                    .with_context(|| format!("cannot trim {table} of project {project}"))?;
            }
            self.trimmed.lock().expect("retention map").insert(project, today);
            sweep.trimmed_projects.push(project);
        }

        // 3. Issues whose every event has expired.
        let expired = sqlx::query(
            "DELETE FROM issues i USING projects p WHERE i.project_id = p.id \
             AND i.last_seen < $1::timestamptz - make_interval(days => p.retention_days)",
        )
        .bind(now)
        .execute(pg)
        .await
        .context("cannot delete expired issues")?;
        sweep.expired_issues = expired.rows_affected();

        // 4. Alert history past retention; a pending delivery keeps its firing.
        let alerts = sqlx::query(
            "DELETE FROM alert_firings f USING projects p WHERE f.project_id = p.id \
             AND f.fired_at < $1::timestamptz - make_interval(days => p.retention_days) \
             AND NOT EXISTS (SELECT 1 FROM alert_outbox o WHERE o.firing_id = f.id AND o.status = 'pending')",
        )
        .bind(now)
        .execute(pg)
        .await
        .context("cannot delete expired alert firings")?;
        sweep.expired_alerts = alerts.rows_affected();

        // 5. Session replays, by their own retention (`replay_retention_days`).
        let (dropped, trimmed) = crate::store::replay_retention::expire(pg, ch, now, &self.replay_trimmed).await?;
        sweep.dropped_partitions.extend(dropped);
        sweep.replay_trimmed_projects = trimmed;
        Ok(sweep)
    }
}
