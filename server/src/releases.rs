//! Releases: what the build tools announce (Postgres `releases` and
//! `deploys`, written by sentry-cli's `releases new` / `finalize` /
//! `deploys new` and the bundler plugins), joined for the Releases page with
//! what is known elsewhere — artifacts per release (`sourcemap_artifacts`)
//! and, from ClickHouse's hourly issue rollup, each release's events, first
//! and last hour seen and the issues it introduced, and from the SDKs'
//! sessions its release health ([`crate::store::sessions`]). A release that
//! only ever appeared on events, sessions or uploads is listed too.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use clickhouse::{Client, Row};
use serde::Deserialize;
use sightline_api_types::Release;
use sqlx::PgPool;

/// A release as stored in Postgres.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReleaseRow {
    pub id: i64,
    pub project_id: i64,
    pub version: String,
    pub url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub released_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, project_id, version, url, created_at, released_at";

/// Creates the release in each of `project_ids` (an existing one keeps its
/// creation time; a given `url` or `released_at` replaces the old).
pub async fn upsert(
    pg: &PgPool,
    project_ids: &[i64],
    version: &str,
    url: Option<&str>,
    released_at: Option<DateTime<Utc>>,
) -> sqlx::Result<Vec<ReleaseRow>> {
    let mut rows = Vec::with_capacity(project_ids.len());
    for project_id in project_ids {
        let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO releases (project_id, version, url, released_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (project_id, version) DO UPDATE SET url = COALESCE(EXCLUDED.url, releases.url), \
               released_at = COALESCE(EXCLUDED.released_at, releases.released_at) \
             RETURNING {COLUMNS}"
        )))
        .bind(project_id)
        .bind(version)
        .bind(url)
        .bind(released_at)
        .fetch_one(pg)
        .await?;
        rows.push(row);
    }
    Ok(rows)
}

/// Updates the release in those of `project_ids` that have it; returns them.
pub async fn update(
    pg: &PgPool,
    project_ids: &[i64],
    version: &str,
    url: Option<&str>,
    released_at: Option<DateTime<Utc>>,
) -> sqlx::Result<Vec<ReleaseRow>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE releases SET url = COALESCE($3, url), released_at = COALESCE($4, released_at) \
         WHERE project_id = ANY($1) AND version = $2 RETURNING {COLUMNS}"
    )))
    .bind(project_ids)
    .bind(version)
    .bind(url)
    .bind(released_at)
    .fetch_all(pg)
    .await
}

/// A deploy of a release to an environment.
#[derive(Debug, Clone)]
pub struct Deploy {
    pub environment: String,
    pub name: Option<String>,
    pub url: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Records `deploy` for each release row.
pub async fn add_deploy(pg: &PgPool, releases: &[ReleaseRow], deploy: &Deploy) -> sqlx::Result<()> {
    for release in releases {
        sqlx::query(
            "INSERT INTO deploys (release_id, environment, name, url, started_at, finished_at) \
             VALUES ($1, $2, $3, $4, $5, COALESCE($6, now()))",
        )
        .bind(release.id)
        .bind(&deploy.environment)
        .bind(&deploy.name)
        .bind(&deploy.url)
        .bind(deploy.started_at)
        .bind(deploy.finished_at)
        .execute(pg)
        .await?;
    }
    Ok(())
}

#[derive(Debug, Row, Deserialize)]
struct Seen {
    release: String,
    first_seen: u32,
    last_seen: u32,
    events: u64,
}

#[derive(Debug, Row, Deserialize)]
struct Introduced {
    release: String,
    n: u64,
}

#[derive(Debug, sqlx::FromRow)]
struct Announced {
    version: String,
    created_at: DateTime<Utc>,
    released_at: Option<DateTime<Utc>>,
    deploys: i64,
    last_environment: Option<String>,
}

/// Returns the release `version` of `out`, added empty if new.
fn slot<'a>(out: &'a mut BTreeMap<String, Release>, version: &str) -> &'a mut Release {
    out.entry(version.to_string()).or_insert_with(|| Release {
        version: version.to_string(),
        created_at: None,
        released_at: None,
        first_seen: None,
        last_seen: None,
        events: 0,
        new_issues: 0,
        artifacts: 0,
        deploys: 0,
        last_deploy_environment: None,
        health: None,
    })
}

fn rfc3339(secs: u32) -> Option<String> {
    Utc.timestamp_opt(i64::from(secs), 0).single().map(|t| t.to_rfc3339())
}

/// Lists a project's releases, most recently active first, with their
/// release health in `health` (a release known only from sessions is listed too).
pub async fn list(
    pg: &PgPool,
    ch: &Client,
    project_id: i64,
    health: crate::store::sessions::Scope<'_>,
) -> anyhow::Result<Vec<Release>> {
    let announced: Vec<Announced> = sqlx::query_as(
        "SELECT r.version, r.created_at, r.released_at, \
           (SELECT COUNT(*) FROM deploys d WHERE d.release_id = r.id) AS deploys, \
           (SELECT d.environment FROM deploys d WHERE d.release_id = r.id ORDER BY d.finished_at DESC, d.id DESC LIMIT 1) \
             AS last_environment \
         FROM releases r WHERE r.project_id = $1",
    )
    .bind(project_id)
    .fetch_all(pg)
    .await?;
    let artifacts: Vec<(String, i64)> = sqlx::query_as(
        "SELECT release, COUNT(*) FROM sourcemap_artifacts WHERE project_id = $1 AND release <> '' GROUP BY release",
    )
    .bind(project_id)
    .fetch_all(pg)
    .await?;
    // The hourly rollup, not raw events: one row per issue, hour and release.
    let seen: Vec<Seen> = ch
        .query(
            "SELECT release, toUInt32(min(bucket)) AS first_seen, toUInt32(max(bucket)) AS last_seen, \
             countMerge(events) AS events FROM issue_hourly WHERE project_id = ? AND release != '' GROUP BY release",
        )
        .bind(project_id as u64)
        .fetch_all()
        .await?;
    let introduced: Vec<Introduced> = ch
        .query(
            "SELECT release, count() AS n FROM (SELECT fingerprint, argMin(release, bucket) AS release \
             FROM issue_hourly WHERE project_id = ? GROUP BY fingerprint) WHERE release != '' GROUP BY release",
        )
        .bind(project_id as u64)
        .fetch_all()
        .await?;

    let mut out: BTreeMap<String, Release> = BTreeMap::new();
    for a in announced {
        let r = slot(&mut out, &a.version);
        r.created_at = Some(a.created_at.to_rfc3339());
        r.released_at = a.released_at.map(|t| t.to_rfc3339());
        r.deploys = a.deploys;
        r.last_deploy_environment = a.last_environment;
    }
    for (version, n) in artifacts {
        slot(&mut out, &version).artifacts = n;
    }
    for s in seen {
        let r = slot(&mut out, &s.release);
        r.first_seen = rfc3339(s.first_seen);
        r.last_seen = rfc3339(s.last_seen);
        r.events = s.events;
    }
    for i in introduced {
        slot(&mut out, &i.release).new_issues = i.n;
    }
    for (version, h) in crate::store::sessions::by_release(ch, health).await? {
        slot(&mut out, &version).health = Some(h);
    }
    let mut list: Vec<Release> = out.into_values().collect();
    // RFC 3339 in UTC sorts as text; the latest of creation and last event first.
    let activity = |r: &Release| r.last_seen.clone().max(r.created_at.clone()).unwrap_or_default();
    list.sort_by(|a, b| activity(b).cmp(&activity(a)).then_with(|| b.version.cmp(&a.version)));
    Ok(list)
}
