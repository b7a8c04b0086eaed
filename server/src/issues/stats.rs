//! What ClickHouse knows about issues: event and user counts per
//! fingerprint over a period and bucketed series for sparklines (both from
//! the hourly/daily rollups of clickhouse_rollups.sql, so the issue list
//! never scans raw events), an issue's events, and tag breakdowns. Postgres knows the issues' state; the API
//! joins the two. Every query is portable between ClickHouse 18.16 and
//! current releases (checked by scripts/check_clickhouse_modern.py).

use std::collections::HashMap;

use clickhouse::{Client, Row};
use serde::Deserialize;

pub use crate::store::rollups::Grain;
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
    /// Binds the values of [`clause`], in its order.
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

const ROLLUP: &str = "issue";

/// Returns the rollup's WHERE clause for `filter` (bound by [`Filter::bind`]).
fn clause(grain: Grain, filter: &Filter) -> String {
    let mut sql = format!("project_id = ? AND {}", grain.since_clause());
    if filter.environment.is_some() {
        sql.push_str(" AND environment = ?");
    }
    if filter.release.is_some() {
        sql.push_str(" AND release = ?");
    }
    sql
}

/// Returns `fingerprint IN (?, …)` for `n` bound values (18.16 cannot use
/// `has(?, fingerprint)` as cheaply).
fn in_list(n: usize) -> String {
    format!("fingerprint IN ({})", vec!["?"; n].join(", "))
}

fn bind_all(mut q: clickhouse::query::Query, fingerprints: &[String]) -> clickhouse::query::Query {
    for f in fingerprints {
        q = q.bind(f.as_str());
    }
    q
}

#[derive(Debug, Row, Deserialize)]
struct Count {
    fingerprint: String,
    n: u64,
}

/// Counts events per fingerprint in the filter's period (from the rollup).
pub async fn event_counts(
    ch: &Client,
    filter: &Filter,
    grain: Grain,
) -> clickhouse::error::Result<HashMap<String, u64>> {
    let sql = format!(
        "SELECT fingerprint, countMerge(events) AS n FROM {} WHERE {} GROUP BY fingerprint",
        grain.table(ROLLUP),
        clause(grain, filter)
    );
    let rows: Vec<Count> = filter.bind(ch.query(&sql)).fetch_all().await?;
    Ok(rows.into_iter().map(|r| (r.fingerprint, r.n)).collect())
}

/// Counts distinct users (id, else e-mail, else IP) per issue in the
/// filter's period: of the given fingerprints, or of all when `None`.
/// `merged` maps the fingerprint of a merged issue to its target's: their
/// user sets are merged, so a user seen under both counts once, and the
/// figure is keyed by the target's fingerprint. Merging user sets is the
/// expensive part of the issue list, so the list asks for one page's worth
/// unless it sorts by users.
pub async fn user_counts(
    ch: &Client,
    filter: &Filter,
    grain: Grain,
    fingerprints: Option<&[String]>,
    merged: &HashMap<String, String>,
) -> clickhouse::error::Result<HashMap<String, u64>> {
    if fingerprints.is_some_and(|f| f.is_empty()) {
        return Ok(HashMap::new());
    }
    let only = fingerprints.map(|f| format!(" AND {}", in_list(f.len()))).unwrap_or_default();
    // transform() with empty arrays has no type on old servers: only when something is merged.
    let issue = if merged.is_empty() { "fingerprint" } else { "transform(fingerprint, ?, ?, fingerprint)" };
    let sql = format!(
        "SELECT {issue} AS issue_fingerprint, uniqIfMerge(users) AS n FROM {} WHERE {}{only} \
         GROUP BY issue_fingerprint",
        grain.table(ROLLUP),
        clause(grain, filter)
    );
    let mut q = ch.query(&sql);
    if !merged.is_empty() {
        let (from, to): (Vec<&str>, Vec<&str>) = merged.iter().map(|(f, t)| (f.as_str(), t.as_str())).unzip();
        q = q.bind(from).bind(to);
    }
    let q = filter.bind(q);
    let rows: Vec<IssueUsers> = bind_all(q, fingerprints.unwrap_or_default()).fetch_all().await?;
    Ok(rows.into_iter().map(|r| (r.issue_fingerprint, r.n)).collect())
}

#[derive(Debug, Row, Deserialize)]
struct IssueUsers {
    issue_fingerprint: String,
    n: u64,
}

#[derive(Debug, Row, Deserialize)]
struct Totals {
    events: u64,
    users: u64,
}

/// Returns one issue's all-time events and distinct users (over all its
/// fingerprints: its own and those merged into it).
pub async fn totals(ch: &Client, project_id: u64, fingerprints: &[String]) -> clickhouse::error::Result<(u64, u64)> {
    let sql = format!(
        "SELECT countMerge(events) AS events, uniqIfMerge(users) AS users FROM issue_daily \
         WHERE project_id = ? AND {}",
        in_list(fingerprints.len())
    );
    let t: Totals = bind_all(ch.query(&sql).bind(project_id), fingerprints).fetch_one().await?;
    Ok((t.events, t.users))
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
    /// Returns (bucket width in seconds, bucket count, rollup).
    fn shape(self) -> (u32, usize, Grain) {
        match self {
            Buckets::Hours24 => (3600, 24, Grain::Hourly),
            Buckets::Days14 => (86_400, 14, Grain::Daily),
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
    let (width, count, grain) = buckets.shape();
    if fingerprints.is_empty() {
        return Ok(HashMap::new());
    }
    let last = now - now % width;
    let first = last - width * (count as u32 - 1);
    let sql = format!(
        "SELECT fingerprint, toUInt32(bucket) AS t, countMerge(events) AS c FROM {} \
         WHERE project_id = ? AND bucket >= toDateTime(?) AND {} GROUP BY fingerprint, t",
        grain.table(ROLLUP),
        in_list(fingerprints.len())
    );
    let q = ch.query(&sql).bind(project_id).bind(first);
    let rows: Vec<Point> = bind_all(q, fingerprints).fetch_all().await?;
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

/// Returns one page of an issue's events (of all its fingerprints), newest first, and the total.
pub async fn events(
    ch: &Client,
    project_id: u64,
    fingerprints: &[String],
    offset: u64,
    limit: u64,
) -> clickhouse::error::Result<(Vec<EventRow>, u64)> {
    let only = in_list(fingerprints.len());
    let total: u64 = bind_all(
        ch.query(&format!("SELECT count() FROM events WHERE project_id = ? AND {only}")).bind(project_id),
        fingerprints,
    )
    .fetch_one()
    .await?;
    let q = ch
        .query(&format!(
            "SELECT ?fields FROM events WHERE project_id = ? AND {only} {} LIMIT ? OFFSET ?",
            super::navigation::NEWEST_FIRST
        ))
        .bind(project_id);
    let rows = bind_all(q, fingerprints).bind(limit).bind(offset).fetch_all::<EventRow>().await?;
    Ok((rows, total))
}

/// Returns one event of an issue by id (32 hex or dashed).
pub async fn event(
    ch: &Client,
    project_id: u64,
    fingerprints: &[String],
    event_id: uuid::Uuid,
) -> clickhouse::error::Result<Option<EventRow>> {
    let sql = format!(
        "SELECT ?fields FROM events WHERE project_id = ? AND {} AND event_id = toUUID(?) LIMIT 1",
        in_list(fingerprints.len())
    );
    bind_all(ch.query(&sql).bind(project_id), fingerprints)
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
    fingerprints: &[String],
    limit: u64,
) -> clickhouse::error::Result<Vec<(String, u64, Vec<(String, u64)>)>> {
    let only = in_list(fingerprints.len());
    const PAIRS: &str = "ARRAY JOIN \
        arrayConcat(['browser', 'os', 'url', 'release', 'environment'], tags_key) AS k, \
        arrayConcat([browser, os, url, release, environment], tags_value) AS v";
    let q = ch
        .query(&format!(
            "SELECT k, v, count() AS c FROM events {PAIRS} \
             WHERE project_id = ? AND {only} AND v != '' \
             GROUP BY k, v ORDER BY k, c DESC, v LIMIT ? BY k"
        ))
        .bind(project_id);
    let top: Vec<TagRow> = bind_all(q, fingerprints).bind(limit).fetch_all().await?;
    let q = ch
        .query(&format!(
            "SELECT k, count() AS c FROM events {PAIRS} \
             WHERE project_id = ? AND {only} AND v != '' GROUP BY k ORDER BY k"
        ))
        .bind(project_id);
    let totals: Vec<TagTotal> = bind_all(q, fingerprints).fetch_all().await?;
    Ok(totals
        .into_iter()
        .map(|t| {
            let values = top.iter().filter(|r| r.k == t.k).map(|r| (r.v.clone(), r.c)).collect();
            (t.k, t.c, values)
        })
        .collect())
}
