//! Reading and erasing session replays in ClickHouse. A replay is the rows
//! of its segments: metadata in `replays` (one per `replay_event`), folded
//! into a summary on read, and rrweb events in `replay_segments`, read one
//! segment at a time in segment order (the player plays segment 0 while the
//! rest load). A segment sent twice reads once (`LIMIT 1 BY segment_id`).
//! An erased replay is hidden at once through `replay_deletions` while the
//! `ALTER TABLE … DELETE` mutations remove its rows in the background (the
//! way ClickHouse 18.16 and current releases both delete).

use chrono::DateTime;
use clickhouse::{Client, Row};
use serde::{Deserialize, Serialize};
use sightline_api_types::{ReplayDetail, ReplaySummary};
use uuid::Uuid;

use super::rows::blob;

/// Filters of the replay list, already checked by the API.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Replays with a segment since this time (epoch seconds).
    pub since: u32,
    pub release: Option<String>,
    pub environment: Option<String>,
    pub browser: Option<String>,
    /// Lowercase text in a URL.
    pub url: Option<String>,
    /// Lowercase text in the user's id, username or e-mail.
    pub user: Option<String>,
    pub has_errors: Option<bool>,
}

/// Hides erased replays of project `?` from a query on `replay_id`.
const NOT_ERASED: &str = "replay_id NOT IN (SELECT replay_id FROM replay_deletions WHERE project_id = ?)";

/// One replay as the list folds it.
#[derive(Debug, Row, Deserialize)]
struct Folded {
    id: String,
    started: u32,
    finished: u32,
    first_url: String,
    errors: u64,
    browser: String,
    os: String,
    user_id: String,
    user_name: String,
    user_email: String,
    release: String,
    environment: String,
    replay_type: String,
}

/// Segment facts of one replay: count, clicks and rrweb time span.
#[derive(Debug, Default, Row, Deserialize)]
struct SegmentFacts {
    id: String,
    /// The first rrweb page of the replay, for one whose metadata names none.
    url: String,
    segments: u64,
    clicks: u64,
    first_ms: u64,
    last_ms: u64,
}

/// Builds the list's `WHERE … GROUP BY … HAVING` and its string parameters.
fn grouped(filter: &Filter) -> (String, Vec<String>) {
    let mut inner = format!("project_id = ? AND timestamp >= toDateTime({})", filter.since);
    let mut binds = Vec::new();
    for (column, value) in
        [("release", &filter.release), ("environment", &filter.environment), ("browser", &filter.browser)]
    {
        if let Some(v) = value {
            inner.push_str(&format!(" AND {column} = ?"));
            binds.push(v.clone());
        }
    }
    if let Some(url) = &filter.url {
        inner.push_str(" AND arrayExists(u -> lowerUTF8(u) LIKE ?, urls)");
        binds.push(like(url));
    }
    if let Some(user) = &filter.user {
        inner.push_str(
            " AND (lowerUTF8(user_id) LIKE ? OR lowerUTF8(user_name) LIKE ? OR lowerUTF8(user_email) LIKE ?)",
        );
        binds.extend([like(user), like(user), like(user)]);
    }
    let having = match filter.has_errors {
        Some(true) => " HAVING errors > 0",
        Some(false) => " HAVING errors = 0",
        None => "",
    };
    let sql = format!(
        "FROM replays WHERE project_id = ? AND replay_id IN (SELECT replay_id FROM replays WHERE {inner}) \
         AND {NOT_ERASED} GROUP BY replay_id{having}"
    );
    (sql, binds)
}

/// Makes `text` a `LIKE` pattern for "contains", its wildcards escaped.
fn like(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{}%", escaped.to_lowercase())
}

/// Returns a page of a project's replays, newest first, and how many match.
pub async fn list(
    ch: &Client,
    project_id: u64,
    filter: &Filter,
    offset: u64,
    limit: u64,
) -> clickhouse::error::Result<(Vec<ReplaySummary>, u64)> {
    let (from, binds) = grouped(filter);
    let bind_all = |mut q: clickhouse::query::Query| {
        q = q.bind(project_id).bind(project_id);
        for b in &binds {
            q = q.bind(b);
        }
        q.bind(project_id)
    };
    let errors = "length(groupUniqArrayArray(error_ids)) AS errors";
    let total: u64 =
        bind_all(ch.query(&format!("SELECT count() FROM (SELECT replay_id, {errors} {from})"))).fetch_one().await?;
    let sql = format!(
        "SELECT toString(replay_id) AS id, \
         min(if(toUInt32(started_at) > 0, toUInt32(started_at), toUInt32(timestamp))) AS started, \
         max(toUInt32(timestamp)) AS finished, argMinIf(urls[1], segment_id, notEmpty(urls)) AS first_url, {errors}, \
         argMin(browser, segment_id), argMin(os, segment_id), \
         argMin(user_id, segment_id), argMin(user_name, segment_id), \
         argMin(user_email, segment_id), argMin(release, segment_id), \
         argMin(environment, segment_id), argMin(replay_type, segment_id) \
         {from} ORDER BY started DESC, id DESC LIMIT {limit} OFFSET {offset}"
    );
    let folded: Vec<Folded> = bind_all(ch.query(&sql)).fetch_all().await?;
    let ids: Vec<Uuid> = folded.iter().filter_map(|f| Uuid::try_parse(&f.id).ok()).collect();
    let facts = segment_facts(ch, project_id, &ids).await?;
    let page = folded
        .into_iter()
        .map(|f| {
            let facts = facts.iter().find(|s| s.id == f.id);
            summary(f, facts)
        })
        .collect();
    Ok((page, total))
}

async fn segment_facts(ch: &Client, project_id: u64, ids: &[Uuid]) -> clickhouse::error::Result<Vec<SegmentFacts>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Our own parsed UUIDs: nothing to escape.
    let list = ids.iter().map(|id| format!("'{id}'")).collect::<Vec<_>>().join(",");
    ch.query(&format!(
        "SELECT toString(replay_id) AS id, argMinIf(url, segment_id, url != ''), count(), sum(toUInt64(clicks)), \
         minIf(first_ms, first_ms > 0), max(last_ms) FROM \
         (SELECT replay_id, segment_id, url, clicks, first_ms, last_ms FROM replay_segments \
          WHERE project_id = ? AND toString(replay_id) IN ({list}) LIMIT 1 BY replay_id, segment_id) \
         GROUP BY replay_id"
    ))
    .bind(project_id)
    .fetch_all()
    .await
}

fn rfc3339(secs: u32) -> String {
    DateTime::from_timestamp(secs.into(), 0).unwrap_or_default().to_rfc3339()
}

/// Returns the path and query of a URL (`/cart?x=1`), or the text as it is.
fn path_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}

fn summary(f: Folded, facts: Option<&SegmentFacts>) -> ReplaySummary {
    let (first_ms, last_ms) = facts.map_or((0, 0), |s| (s.first_ms, s.last_ms));
    // The recording's own clock when it has one, else the segments' times.
    let duration_secs = if first_ms > 0 && last_ms >= first_ms {
        (last_ms - first_ms).div_ceil(1000)
    } else {
        u64::from(f.finished.saturating_sub(f.started))
    };
    // Started as the server dated it: the recording's clock is the client's.
    let started = f.started;
    let user = [&f.user_name, &f.user_email, &f.user_id].into_iter().find(|s| !s.is_empty()).cloned();
    ReplaySummary {
        id: Uuid::try_parse(&f.id).map(|u| u.simple().to_string()).unwrap_or(f.id),
        started_at: rfc3339(started),
        finished_at: rfc3339(f.finished.max(started + duration_secs as u32)),
        duration_secs,
        url: match (f.first_url.as_str(), facts) {
            ("", Some(s)) => path_of(&s.url),
            (first, _) => path_of(first),
        },
        error_count: f.errors,
        click_count: facts.map_or(0, |s| s.clicks),
        browser: f.browser,
        os: f.os,
        user: user.unwrap_or_default(),
        release: f.release,
        environment: f.environment,
        segment_count: facts.map_or(0, |s| s.segments),
        replay_type: f.replay_type,
    }
}

/// One `replays` row as the detail reads it.
#[derive(Debug, Row, Deserialize)]
struct SegmentMeta {
    urls: Vec<String>,
    error_ids: Vec<String>,
    trace_ids: Vec<String>,
}

/// Returns one replay with its segment ids, or `None` (unknown or erased).
pub async fn detail(ch: &Client, project_id: u64, replay_id: Uuid) -> clickhouse::error::Result<Option<ReplayDetail>> {
    let filter = Filter::default();
    let (from, _) = grouped(&filter);
    let from = from.replacen(
        "WHERE project_id = ? AND replay_id IN",
        "WHERE project_id = ? AND replay_id = toUUID(?) AND replay_id IN",
        1,
    );
    let sql = format!(
        "SELECT toString(replay_id) AS id, \
         min(if(toUInt32(started_at) > 0, toUInt32(started_at), toUInt32(timestamp))) AS started, \
         max(toUInt32(timestamp)) AS finished, argMinIf(urls[1], segment_id, notEmpty(urls)) AS first_url, \
         length(groupUniqArrayArray(error_ids)) AS errors, \
         argMin(browser, segment_id), argMin(os, segment_id), \
         argMin(user_id, segment_id), argMin(user_name, segment_id), \
         argMin(user_email, segment_id), argMin(release, segment_id), \
         argMin(environment, segment_id), argMin(replay_type, segment_id) {from}"
    );
    let id = replay_id.to_string();
    let folded: Option<Folded> =
        ch.query(&sql).bind(project_id).bind(&id).bind(project_id).bind(project_id).fetch_optional().await?;
    let Some(folded) = folded else { return Ok(None) };
    let metas: Vec<SegmentMeta> = ch
        .query(
            "SELECT urls, error_ids, trace_ids FROM replays WHERE project_id = ? AND replay_id = toUUID(?) \
             ORDER BY segment_id LIMIT 1 BY segment_id",
        )
        .bind(project_id)
        .bind(&id)
        .fetch_all()
        .await?;
    let segments: Vec<u32> = ch
        .query(
            "SELECT DISTINCT segment_id FROM replay_segments WHERE project_id = ? AND replay_id = toUUID(?) \
             ORDER BY segment_id",
        )
        .bind(project_id)
        .bind(&id)
        .fetch_all()
        .await?;
    let facts = segment_facts(ch, project_id, &[replay_id]).await?;
    let mut detail = ReplayDetail {
        summary: summary(folded, facts.first()),
        error_ids: Vec::new(),
        trace_ids: Vec::new(),
        urls: Vec::new(),
        segments,
    };
    for meta in metas {
        for (into, from) in [
            (&mut detail.error_ids, meta.error_ids),
            (&mut detail.trace_ids, meta.trace_ids),
            (&mut detail.urls, meta.urls),
        ] {
            for v in from {
                if !into.contains(&v) {
                    into.push(v);
                }
            }
        }
    }
    Ok(Some(detail))
}

#[derive(Debug, Row, Deserialize)]
struct SegmentData {
    #[serde(with = "blob")]
    data: Vec<u8>,
}

/// Returns a segment's stored zlib blob, or `None` (unknown, or the replay erased).
pub async fn segment(
    ch: &Client,
    project_id: u64,
    replay_id: Uuid,
    segment_id: u32,
) -> clickhouse::error::Result<Option<Vec<u8>>> {
    let row: Option<SegmentData> = ch
        .query(&format!(
            "SELECT data FROM replay_segments WHERE project_id = ? AND replay_id = toUUID(?) AND segment_id = ? \
             AND {NOT_ERASED} LIMIT 1"
        ))
        .bind(project_id)
        .bind(replay_id.to_string())
        .bind(segment_id)
        .bind(project_id)
        .fetch_optional()
        .await?;
    Ok(row.map(|r| r.data))
}

/// A row of `replay_deletions`.
#[derive(Debug, Row, Serialize)]
struct Deletion {
    project_id: u64,
    #[serde(with = "clickhouse::serde::uuid")]
    replay_id: Uuid,
    deleted_at: u32,
}

/// Erases a replay: hidden at once, its rows deleted by mutations (on every
/// node's local tables in cluster mode: a `Distributed` table takes no mutation).
pub async fn erase(
    ch: &Client,
    cluster: Option<&crate::store::cluster::Cluster>,
    project_id: u64,
    replay_id: Uuid,
) -> clickhouse::error::Result<()> {
    let mut insert = ch.insert::<Deletion>("replay_deletions").await?;
    let deleted_at = chrono::Utc::now().timestamp() as u32;
    insert.write(&Deletion { project_id, replay_id, deleted_at }).await?;
    insert.end().await?;
    for table in ["replays", "replay_segments"] {
        let (table, on) = match cluster {
            Some(c) => (c.local(table), c.on()),
            None => (table.to_string(), String::new()),
        };
        ch.query(&format!("ALTER TABLE {table} {on} DELETE WHERE project_id = ? AND replay_id = toUUID(?)"))
            .bind(project_id)
            .bind(replay_id.to_string())
            .execute()
            .await?;
    }
    Ok(())
}

#[derive(Debug, Row, Deserialize)]
struct ProjectBytes {
    project_id: u64,
    bytes: u64,
}

/// Bytes of recordings stored per project, by every server, in segments
/// dated on the UTC day that starts at `day_start` (epoch seconds): the
/// shared count behind the daily replay quota.
pub async fn stored_bytes_of_day(ch: &Client, day_start: i64) -> clickhouse::error::Result<Vec<(u64, u64)>> {
    let start = u32::try_from(day_start).unwrap_or(0);
    let rows: Vec<ProjectBytes> = ch
        .query(
            "SELECT project_id, sum(stored_bytes) AS bytes FROM replay_segments \
             WHERE timestamp >= toDateTime(?) AND timestamp < toDateTime(?) GROUP BY project_id",
        )
        .bind(start)
        .bind(start.saturating_add(86_400))
        .fetch_all()
        .await?;
    Ok(rows.into_iter().map(|r| (r.project_id, r.bytes)).collect())
}
