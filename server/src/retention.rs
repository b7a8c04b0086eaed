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
//! Several server processes may run: a sweep runs under a Postgres
//! advisory lock ([`crate::singleton`]), so one process sweeps at a time
//! (every step is idempotent anyway). In cluster mode partitions are listed
//! on every shard (`cluster_parts`) and dropped, and rows deleted, on the
//! local tables of every node (`ON CLUSTER`).

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

use crate::store::cluster::Cluster;

/// Every ClickHouse table with project data, and its time column.
pub const TABLES: [(&str, &str); 12] = [
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
    ("release_sessions", "timestamp"),
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
    cluster: Option<Cluster>,
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
    /// Sweeps the local tables of `cluster`'s nodes (None: one node).
    pub fn on_cluster(mut self, cluster: Option<Cluster>) -> Retention {
        self.cluster = cluster;
        self
    }

    /// Returns the table to alter for `table`, and the `ON CLUSTER` clause.
    fn target(&self, table: &str) -> (String, String) {
        match &self.cluster {
            Some(c) => (c.local(table), c.on()),
            None => (table.to_string(), String::new()),
        }
    }

    /// Sweeps a few minutes after start (not while a deploy settles) and then
    /// every `every`, logging failures (the next sweep retries).
    pub async fn run(self, pg: PgPool, ch: Client, every: Duration) {
        tokio::time::sleep(every.min(Duration::from_secs(300))).await;
        loop {
            let swept = crate::singleton::once(&pg, "retention sweep", self.sweep(&pg, &ch, Utc::now())).await;
            match swept.map(Option::unwrap_or_default) {
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
        // Every shard's parts (one replica each) in cluster mode; this node's otherwise.
        let (parts, database) = match &self.cluster {
            Some(c) => ("cluster_parts".to_string(), format!("'{}'", c.database)),
            None => ("system.parts".to_string(), "currentDatabase()".to_string()),
        };
        let parts: Vec<Part> = ch
            .query(&format!("SELECT DISTINCT table, partition FROM {parts} WHERE database = {database} AND active"))
            .fetch_all()
            .await
            .context("cannot list ClickHouse partitions")?;
        for mut part in parts {
            if self.cluster.is_some() {
                let Some(table) = part.table.strip_suffix("_local") else { continue };
                part.table = table.to_string();
            }
            let known = TABLES.iter().any(|(t, _)| *t == part.table);
            let day: Option<u32> = part.partition.trim_matches('\'').parse().ok();
            if known && day.is_some_and(|d| d < keep_from) {
                let (table, on) = self.target(&part.table);
                let sql = format!("ALTER TABLE {table} {on} DROP PARTITION {}", day.unwrap_or_default());
                let sql = sql.replace("  ", " ");
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
                let (target, on) = self.target(table);
                let sql = format!("ALTER TABLE {target} {on} DELETE WHERE project_id = ? AND {column} < toDateTime(?)");
                ch.query(&sql.replace("  ", " "))
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
        let (dropped, trimmed) =
            crate::store::replay_retention::expire(pg, ch, now, &self.replay_trimmed, self.cluster.as_ref()).await?;
        sweep.dropped_partitions.extend(dropped);
        sweep.replay_trimmed_projects = trimmed;
        Ok(sweep)
    }
}
