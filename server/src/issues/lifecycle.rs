//! What else an issue's new events can do, applied in the tracker's flush
//! transaction right after the upsert ([`super::IssueTracker::flush`]):
//! an expired snooze ("ignore until N more events, N more users, or a
//! time") brings the issue back, an issue resolved "in the next release"
//! re-opens only on an event of a release first seen after the one current
//! at resolution, and an event of a merged issue's fingerprint counts under
//! its target (which it can re-open). Each of these is a regression: the
//! issue ids returned feed the regression rule, and every regression is
//! written to the activity.
//!
//! Release order is first-seen order: `release_first_seen` notes when the
//! server first saw each release on an event, and a release the build tools
//! announced counts from its creation if that is earlier.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::activity;

/// The distinct users one flush remembers per issue (for "N more users").
pub const MAX_USERS: usize = 200;
/// The distinct releases one flush remembers per issue.
pub const MAX_RELEASES: usize = 20;

/// What one flush wrote for one issue row.
#[derive(Debug, Clone)]
pub struct Flushed<'a> {
    pub id: i64,
    pub project_id: i64,
    pub times_seen: i64,
    /// The upsert's time rule re-opened it.
    pub regressed: bool,
    pub last_seen: DateTime<Utc>,
    pub releases: &'a [String],
    pub users: &'a [String],
}

/// The newest release of `project_id` by first seen (the current one).
pub const NEWEST_RELEASE: &str = "SELECT version FROM ( \
       SELECT version, first_seen FROM release_first_seen WHERE project_id = $1 \
       UNION ALL SELECT version, created_at FROM releases WHERE project_id = $1) r \
     GROUP BY version ORDER BY min(first_seen) DESC, version DESC LIMIT 1";

#[derive(sqlx::FromRow)]
struct Candidate {
    id: i64,
    status: String,
    resolved_in_release: Option<String>,
    snooze_until: Option<DateTime<Utc>>,
    snooze_times_seen: Option<i64>,
    snooze_users: Option<i32>,
    merged_into: Option<i64>,
}

/// What [`after_upsert`] found beyond the upsert itself.
#[derive(Debug, Default)]
pub struct Applied {
    /// The issues this flush re-opened (regressions), targets of merges included.
    pub reopened: HashSet<i64>,
    /// Merged issue → its target, for the flushed issues that are merged:
    /// alert rules look at the target, never at the hidden merged issue.
    pub targets: HashMap<i64, i64>,
}

/// Applies snoozes, next-release resolutions and merges to what a flush
/// wrote.
pub async fn after_upsert(tx: &mut PgConnection, flushed: &[Flushed<'_>]) -> Result<Applied, sqlx::Error> {
    note_releases(tx, flushed).await?;
    let ids: Vec<i64> = flushed.iter().map(|f| f.id).collect();
    let candidates: Vec<Candidate> = sqlx::query_as(
        "SELECT id, status, resolved_in_release, snooze_until, snooze_times_seen, snooze_users, merged_into \
         FROM issues WHERE id = ANY($1) AND (merged_into IS NOT NULL \
           OR (status = 'ignored' AND (snooze_until IS NOT NULL OR snooze_times_seen IS NOT NULL OR snooze_users IS NOT NULL)) \
           OR (status = 'resolved' AND resolved_in_release IS NOT NULL)) ORDER BY id",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?;
    let mut applied = Applied::default();
    for c in candidates {
        let Some(f) = flushed.iter().find(|f| f.id == c.id) else { continue };
        if let Some(target) = c.merged_into {
            applied.targets.insert(c.id, target);
            if forward_to_target(tx, target, f).await? {
                applied.reopened.insert(target);
            }
            continue;
        }
        let back = match c.status.as_str() {
            "ignored" => snooze_over(tx, &c, f).await?,
            "resolved" => match &c.resolved_in_release {
                Some(release) => newer_release_seen(tx, f, release).await?,
                None => false,
            },
            _ => false,
        };
        if back {
            let why = if c.status == "ignored" { "snooze_expired" } else { "regression" };
            reopen(tx, c.id).await?;
            activity::record(tx, c.id, why, None, &reason(&c)).await?;
            applied.reopened.insert(c.id);
        }
    }
    for f in flushed.iter().filter(|f| f.regressed && !applied.targets.contains_key(&f.id)) {
        activity::record(tx, f.id, "regression", None, "an event arrived after the issue was resolved").await?;
    }
    Ok(applied)
}

fn reason(c: &Candidate) -> String {
    if c.status == "resolved" {
        return format!("an event of a release newer than {} arrived", c.resolved_in_release.as_deref().unwrap_or("?"));
    }
    "the snooze condition was met".into()
}

/// Notes the first sighting of each release of the flush.
async fn note_releases(tx: &mut PgConnection, flushed: &[Flushed<'_>]) -> Result<(), sqlx::Error> {
    let mut projects = Vec::new();
    let mut versions = Vec::new();
    for f in flushed {
        for r in f.releases.iter().filter(|r| !r.is_empty()) {
            projects.push(f.project_id);
            versions.push(r.clone());
        }
    }
    if projects.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO release_first_seen (project_id, version, first_seen) \
         SELECT DISTINCT u.p, u.v, now() FROM UNNEST($1::bigint[], $2::text[]) AS u(p, v) \
         WHERE EXISTS (SELECT 1 FROM projects WHERE id = u.p) ORDER BY 1, 2 \
         ON CONFLICT (project_id, version) DO NOTHING",
    )
    .bind(projects)
    .bind(versions)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Returns true when a snooze of `c` is over after this flush.
async fn snooze_over(tx: &mut PgConnection, c: &Candidate, f: &Flushed<'_>) -> Result<bool, sqlx::Error> {
    if c.snooze_until.is_some_and(|t| t <= Utc::now()) || c.snooze_times_seen.is_some_and(|n| f.times_seen >= n) {
        return Ok(true);
    }
    let Some(needed) = c.snooze_users else { return Ok(false) };
    if !f.users.is_empty() {
        sqlx::query(
            "INSERT INTO issue_snooze_users (issue_id, user_key) SELECT $1, u FROM UNNEST($2::text[]) AS u \
             ON CONFLICT DO NOTHING",
        )
        .bind(c.id)
        .bind(f.users)
        .execute(&mut *tx)
        .await?;
    }
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM issue_snooze_users WHERE issue_id = $1")
        .bind(c.id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(seen >= needed as i64)
}

/// Returns true when one of the flush's releases was first seen after `resolved_in`.
async fn newer_release_seen(tx: &mut PgConnection, f: &Flushed<'_>, resolved_in: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "WITH seen AS (SELECT version, min(first_seen) AS first_seen FROM ( \
             SELECT version, first_seen FROM release_first_seen WHERE project_id = $1 \
             UNION ALL SELECT version, created_at FROM releases WHERE project_id = $1) r GROUP BY version) \
         SELECT EXISTS (SELECT 1 FROM seen n, seen o WHERE o.version = $2 AND n.version = ANY($3) \
                        AND n.version <> $2 AND n.first_seen > o.first_seen)",
    )
    .bind(f.project_id)
    .bind(resolved_in)
    .bind(f.releases)
    .fetch_one(&mut *tx)
    .await
}

/// Counts an event of a merged fingerprint under its target; returns true
/// when that re-opened the (resolved) target.
async fn forward_to_target(tx: &mut PgConnection, target: i64, f: &Flushed<'_>) -> Result<bool, sqlx::Error> {
    let reopened: Option<bool> = sqlx::query_scalar(
        "UPDATE issues SET last_seen = GREATEST(last_seen, $2), \
             status = CASE WHEN status = 'resolved' AND resolved_in_release IS NULL AND $2 > resolved_at \
                           THEN 'unresolved' ELSE status END, \
             regressed_at = CASE WHEN status = 'resolved' AND resolved_in_release IS NULL AND $2 > resolved_at \
                                 THEN now() ELSE regressed_at END \
         WHERE id = $1 RETURNING regressed_at IS NOT DISTINCT FROM now()",
    )
    .bind(target)
    .bind(f.last_seen)
    .fetch_optional(&mut *tx)
    .await?;
    let reopened = reopened.unwrap_or(false);
    if reopened {
        activity::record(tx, target, "regression", None, "an event of a merged issue arrived after it was resolved")
            .await?;
    }
    Ok(reopened)
}

async fn reopen(tx: &mut PgConnection, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE issues SET status = 'unresolved', regressed_at = now(), resolved_at = NULL, resolved_in_release = NULL, \
         snooze_until = NULL, snooze_times_seen = NULL, snooze_users = NULL WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM issue_snooze_users WHERE issue_id = $1").bind(id).execute(&mut *tx).await?;
    Ok(())
}

/// Brings back the ignored issues whose snooze time has passed without an
/// event: of `project_id` (the list and the detail call this first, so they
/// are never stale), or of every project (the tracker's periodic sweep,
/// which dates the activity entry close to the expiry). Several servers may
/// sweep at once: the row lock makes the second UPDATE skip what the first
/// brought back, so each expiry is recorded once.
pub async fn expire_snoozes(pg: &sqlx::PgPool, project_id: Option<i64>) -> Result<usize, sqlx::Error> {
    let mut tx = pg.begin().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "UPDATE issues SET status = 'unresolved', snooze_until = NULL, snooze_times_seen = NULL, snooze_users = NULL \
         WHERE ($1::bigint IS NULL OR project_id = $1) AND status = 'ignored' AND snooze_until <= now() RETURNING id",
    )
    .bind(project_id)
    .fetch_all(&mut *tx)
    .await?;
    for &id in &ids {
        activity::record(&mut tx, id, "snooze_expired", None, "the snooze time passed").await?;
    }
    tx.commit().await?;
    Ok(ids.len())
}
