//! Retention of session replays, apart from events: each project keeps its
//! replays for its `replay_retention_days` (default 30). As for events
//! ([`crate::retention`]): day partitions older than the longest replay
//! retention of any project are dropped whole, and a project keeping less
//! gets `ALTER TABLE … DELETE` mutations for its older rows, at most once a
//! day. Erasure marks (`replay_deletions`) outlive the longest retention by
//! a month, so a segment arriving late for an erased replay stays hidden.

use std::{collections::HashMap, sync::Mutex};

use anyhow::Context;
use chrono::{DateTime, Utc};
use clickhouse::{Client, Row};
use serde::Deserialize;
use sqlx::PgPool;

use crate::store::cluster::Cluster;

/// The replay tables and their time columns.
pub const TABLES: [(&str, &str); 2] = [("replays", "timestamp"), ("replay_segments", "timestamp")];

#[derive(Debug, Row, Deserialize)]
struct Part {
    table: String,
    partition: String,
}

#[derive(Debug, Clone, Copy, sqlx::FromRow)]
struct ProjectRetention {
    id: i64,
    replay_retention_days: i32,
}

/// Removes replays older than their project's replay retention, as of
/// `now`; returns the `table/partition` of every dropped partition and the
/// projects trimmed. `trimmed` remembers which project was trimmed which day.
pub async fn expire(
    pg: &PgPool,
    ch: &Client,
    now: DateTime<Utc>,
    trimmed: &Mutex<HashMap<i64, i64>>,
    cluster: Option<&Cluster>,
) -> anyhow::Result<(Vec<String>, Vec<i64>)> {
    let projects: Vec<ProjectRetention> = sqlx::query_as("SELECT id, replay_retention_days FROM projects")
        .fetch_all(pg)
        .await
        .context("cannot read replay retention")?;
    let Some(longest) = projects.iter().map(|p| p.replay_retention_days).max() else {
        return Ok(Default::default());
    };
    let cutoff = |days: i32| now - chrono::Duration::days(days.into());
    let day_of = |t: DateTime<Utc>| -> u32 { t.format("%Y%m%d").to_string().parse().unwrap_or(0) };
    let keep_from = day_of(cutoff(longest));
    let keep_marks_from: u32 = cutoff(longest + 31).format("%Y%m").to_string().parse().unwrap_or(0);
    // In cluster mode every shard's parts (`cluster_parts`), altered on every
    // node's local table; on one node this server's own.
    let (source, database, suffix) = match cluster {
        Some(c) => ("cluster_parts".to_string(), format!("'{}'", c.database), "_local"),
        None => ("system.parts".to_string(), "currentDatabase()".to_string(), ""),
    };
    let target = |table: &str| match cluster {
        Some(c) => format!("{} {}", c.local(table), c.on()),
        None => table.to_string(),
    };
    let parts: Vec<Part> = ch
        .query(&format!(
            "SELECT DISTINCT table, partition FROM {source} WHERE database = {database} AND active \
             AND table IN ('replays{suffix}', 'replay_segments{suffix}', 'replay_deletions{suffix}')"
        ))
        .fetch_all()
        .await
        .context("cannot list replay partitions")?;
    let mut dropped = Vec::new();
    for part in parts {
        let Ok(value) = part.partition.trim_matches('\'').parse::<u32>() else { continue };
        let table = part.table.strip_suffix(suffix).unwrap_or(&part.table).to_string();
        let old = if table == "replay_deletions" { value < keep_marks_from } else { value < keep_from };
        if old {
            let sql = format!("ALTER TABLE {} DROP PARTITION {value}", target(&table));
            ch.query(&sql).execute().await.with_context(|| format!("cannot {sql}"))?;
            dropped.push(format!("{table}/{}", part.partition));
        }
    }
    let today = now.timestamp().div_euclid(86_400);
    let mut trimmed_projects = Vec::new();
    for p in projects.iter().filter(|p| p.replay_retention_days < longest) {
        if trimmed.lock().expect("replay retention map").get(&p.id) == Some(&today) {
            continue;
        }
        let before = cutoff(p.replay_retention_days).timestamp();
        for (table, column) in TABLES {
            ch.query(&format!(
                "ALTER TABLE {} DELETE WHERE project_id = ? AND {column} < toDateTime(?)",
                target(table)
            ))
            .bind(p.id as u64)
            .bind(before)
            .execute()
            .await
            .with_context(|| format!("cannot trim {table} of project {}", p.id))?;
        }
        trimmed.lock().expect("replay retention map").insert(p.id, today);
        trimmed_projects.push(p.id);
    }
    Ok((dropped, trimmed_projects))
}
