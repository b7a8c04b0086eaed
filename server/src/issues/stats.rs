//! What ClickHouse knows about issues: event and user counts per
//! fingerprint over a period, bucketed series for sparklines, an issue's
//! events, and tag breakdowns. Postgres knows the issues' state; the API
//! joins the two. Every query is portable between ClickHouse 18.16 and
//! current releases (checked by scripts/check_clickhouse_modern.py).

use std::collections::HashMap;

use clickhouse::{Client, Row};
use serde::Deserialize;

use crate::store::rows::EventRow;

/// Which events of a project count.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project_id: u64,
    /// Inclusive lower bound, epoch seconds.
    pub since: u32,
    pub environment: Option<String>,
    pub release: Option<String>,
}

impl Filter {
    fn clause(&self) -> String {
        let mut sql = String::from("project_id = ? AND timestamp >= toDateTime(?)");
        if self.environment.is_some() {
            sql.push_str(" AND environment = ?");
        }
        if self.release.is_some() {
            sql.push_str(" AND release = ?");
        }
        sql
    }

    fn bind(&self, mut q: clickhouse::query::Query) -> clickhouse::query::Query {
        q = q.bind(self.project_id).bind(self.since);
        if let Some(e) = &self.environment {
            q = q.bind(e.as_str());
        }
        if let Some(r) = &self.release {
            q = q.bind(r.as_str());
        }
        q
    }
}

/// The user key of an event: id, else e-mail, else IP.
const USER_KEY: &str = "if(user_id != '', user_id, if(user_email != '', user_email, user_ip))";

#[derive(Debug, Row, Deserialize)]
struct Counts {
    fingerprint: String,
    events: u64,
    users: u64,
}

/// Counts events and distinct users per fingerprint.
pub async fn counts(ch: &Client, filter: &Filter) -> clickhouse::error::Result<HashMap<String, (u64, u64)>> {
    let sql = format!(
        "SELECT fingerprint, count() AS events, uniqIf({USER_KEY}, {USER_KEY} != '') AS users \
         FROM events WHERE {} GROUP BY fingerprint",
        filter.clause()
    );
    let rows: Vec<Counts> = filter.bind(ch.query(&sql)).fetch_all().await?;
    Ok(rows.into_iter().map(|r| (r.fingerprint, (r.events, r.users))).collect())
}

/// Sparkline resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Buckets {
    /// 24 hourly buckets ending now.
    Hours24,
    /// 14 daily buckets ending today.
    Days14,
}

impl Buckets {
    /// Returns (bucket width in seconds, bucket count, ClickHouse rounding function).
    fn shape(self) -> (u32, usize, &'static str) {
        match self {
            Buckets::Hours24 => (3600, 24, "toStartOfHour"),
            Buckets::Days14 => (86_400, 14, "toStartOfDay"),
        }
    }
}

#[derive(Debug, Row, Deserialize)]
struct Point {
    fingerprint: String,
    t: u32,
    c: u64,
}

/// Counts events per bucket for each fingerprint, oldest bucket first.
pub async fn series(
    ch: &Client,
    project_id: u64,
    fingerprints: &[String],
    buckets: Buckets,
    now: u32,
) -> clickhouse::error::Result<HashMap<String, Vec<u64>>> {
    let (width, count, round) = buckets.shape();
    if fingerprints.is_empty() {
        return Ok(HashMap::new());
    }
    let last = now - now % width;
    let first = last - width * (count as u32 - 1);
    let sql = format!(
        "SELECT fingerprint, toUInt32({round}(timestamp)) AS t, count() AS c FROM events \
         WHERE project_id = ? AND has(?, fingerprint) AND timestamp >= toDateTime(?) \
         GROUP BY fingerprint, t"
    );
    let rows: Vec<Point> =
        ch.query(&sql).bind(project_id).bind(fingerprints).bind(first).fetch_all().await?;
    let mut out: HashMap<String, Vec<u64>> = fingerprints.iter().map(|f| (f.clone(), vec![0; count])).collect();
    for p in rows {
        if p.t >= first {
            let i = ((p.t - first) / width) as usize;
            if let Some(slot) = out.get_mut(&p.fingerprint).and_then(|v| v.get_mut(i)) {
                *slot += p.c;
            }
        }
    }
    Ok(out)
}

/// Returns one page of an issue's events, newest first, and the total.
pub async fn events(
    ch: &Client,
    project_id: u64,
    fingerprint: &str,
    offset: u64,
    limit: u64,
) -> clickhouse::error::Result<(Vec<EventRow>, u64)> {
    let total: u64 = ch
        .query("SELECT count() FROM events WHERE project_id = ? AND fingerprint = ?")
        .bind(project_id)
        .bind(fingerprint)
        .fetch_one()
        .await?;
    let rows = ch
        .query(
            "SELECT ?fields FROM events WHERE project_id = ? AND fingerprint = ? \
             ORDER BY timestamp DESC, event_id LIMIT ? OFFSET ?",
        )
        .bind(project_id)
        .bind(fingerprint)
        .bind(limit)
        .bind(offset)
        .fetch_all::<EventRow>()
        .await?;
    Ok((rows, total))
}

/// Returns one event of an issue by id (32 hex or dashed).
pub async fn event(
    ch: &Client,
    project_id: u64,
    fingerprint: &str,
    event_id: uuid::Uuid,
) -> clickhouse::error::Result<Option<EventRow>> {
    ch.query("SELECT ?fields FROM events WHERE project_id = ? AND fingerprint = ? AND event_id = toUUID(?) LIMIT 1")
        .bind(project_id)
        .bind(fingerprint)
        .bind(event_id.hyphenated().to_string())
        .fetch_optional::<EventRow>()
        .await
}

#[derive(Debug, Row, Deserialize)]
struct TagRow {
    k: String,
    v: String,
    c: u64,
}

#[derive(Debug, Row, Deserialize)]
struct TagTotal {
    k: String,
    c: u64,
}

/// Returns the top `limit` values of the built-in keys (browser, os, url,
/// release, environment) and of every custom tag, with each key's total.
pub async fn tags(
    ch: &Client,
    project_id: u64,
    fingerprint: &str,
    limit: u64,
) -> clickhouse::error::Result<Vec<(String, u64, Vec<(String, u64)>)>> {
    const PAIRS: &str = "ARRAY JOIN \
        arrayConcat(['browser', 'os', 'url', 'release', 'environment'], tags_key) AS k, \
        arrayConcat([browser, os, url, release, environment], tags_value) AS v";
    let top: Vec<TagRow> = ch
        .query(&format!(
            "SELECT k, v, count() AS c FROM events {PAIRS} \
             WHERE project_id = ? AND fingerprint = ? AND v != '' \
             GROUP BY k, v ORDER BY k, c DESC, v LIMIT ? BY k"
        ))
        .bind(project_id)
        .bind(fingerprint)
        .bind(limit)
        .fetch_all()
        .await?;
    let totals: Vec<TagTotal> = ch
        .query(&format!(
            "SELECT k, count() AS c FROM events {PAIRS} \
             WHERE project_id = ? AND fingerprint = ? AND v != '' GROUP BY k ORDER BY k"
        ))
        .bind(project_id)
        .bind(fingerprint)
        .fetch_all()
        .await?;
    Ok(totals
        .into_iter()
        .map(|t| {
            let values = top.iter().filter(|r| r.k == t.k).map(|r| (r.v.clone(), r.c)).collect();
            (t.k, t.c, values)
        })
        .collect())
}
