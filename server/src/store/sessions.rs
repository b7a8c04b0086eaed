//! Release health read back from `release_sessions` (schema version 30,
//! written by [`crate::event::session`]): sessions, users, crashed and
//! errored sessions per release, adoption within the project, and a
//! release's crash-free line per hour or day.
//!
//! How a session is counted once: update rows carry the session id, so a
//! figure is `uniqExactIf(session_id, n_x > 0)` over them (a session started
//! if one of its updates was `init`, crashed if one of them said `crashed`, …
//! however many updates and retries arrived), plus `sumIf(n_x, session_id =
//! '')` over the aggregates' rows, which are counts already. Users are
//! distinct `did`s. Every figure is bucketed by the session's start, the same
//! on all its updates. Plain aggregate functions and combinators: the same
//! SQL runs on ClickHouse 18.16 and current releases.

use std::collections::HashMap;

use clickhouse::{Client, Row};
use serde::Deserialize;
use sightline_api_types::{HealthPoint, ReleaseHealth};

/// The figures' columns, shared by every query.
const FIGURES: &str = "\
    sumIf(n_started, session_id = '') + uniqExactIf(session_id, n_started > 0 AND session_id != '') AS total, \
    sumIf(n_errored, session_id = '') + uniqExactIf(session_id, n_errored > 0 AND session_id != '') AS errored, \
    sumIf(n_abnormal, session_id = '') + uniqExactIf(session_id, n_abnormal > 0 AND session_id != '') AS abnormal, \
    sumIf(n_crashed, session_id = '') + uniqExactIf(session_id, n_crashed > 0 AND session_id != '') AS crashed, \
    sumIf(n_unhandled, session_id = '') + uniqExactIf(session_id, n_unhandled > 0 AND session_id != '') AS unhandled, \
    uniqExactIf(distinct_id, distinct_id != '') AS users, \
    uniqExactIf(distinct_id, distinct_id != '' AND n_crashed > 0) AS crashed_users";

/// Rows of the project in the window, in the environment if one is given.
const WHERE: &str = "project_id = ? AND timestamp >= toDateTime(?) AND (? = '' OR environment = ?)";

#[derive(Debug, Row, Deserialize)]
struct Figures {
    rel: String,
    total: u64,
    errored: u64,
    abnormal: u64,
    crashed: u64,
    unhandled: u64,
    users: u64,
    crashed_users: u64,
}

#[derive(Debug, Row, Deserialize)]
struct Totals {
    total: u64,
    users: u64,
}

#[derive(Debug, Row, Deserialize)]
struct Bucket {
    t: u32,
    total: u64,
    #[allow(dead_code)]
    errored: u64,
    #[allow(dead_code)]
    abnormal: u64,
    crashed: u64,
    #[allow(dead_code)]
    unhandled: u64,
    users: u64,
    crashed_users: u64,
}

/// What the figures are asked for: a project, a window start and an optional environment.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub project_id: u64,
    /// Window start, seconds since the epoch.
    pub since: u32,
    /// Only this environment's sessions; `None` for all.
    pub environment: Option<&'a str>,
}

impl Scope<'_> {
    fn bind(&self, q: clickhouse::query::Query) -> clickhouse::query::Query {
        let env = self.environment.unwrap_or("");
        q.bind(self.project_id).bind(self.since).bind(env).bind(env)
    }
}

/// Returns the percentage of `part` that is not `bad`, `None` when `part` is 0.
fn free(part: u64, bad: u64) -> Option<f64> {
    (part > 0).then(|| round(100.0 * (1.0 - bad.min(part) as f64 / part as f64)))
}

/// Returns `part` as a percentage of `whole`, `None` when `whole` is 0.
fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| round(100.0 * part.min(whole) as f64 / whole as f64))
}

/// Rounds to two decimals: the API shows percentages, not float noise.
fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn health(f: &Figures, totals: &Totals) -> ReleaseHealth {
    // A crash whose `init` update never arrived still counts as a session.
    let sessions = f.total.max(f.crashed);
    ReleaseHealth {
        sessions,
        errored_sessions: f.errored,
        abnormal_sessions: f.abnormal,
        crashed_sessions: f.crashed,
        unhandled_sessions: f.unhandled,
        users: f.users,
        crashed_users: f.crashed_users,
        crash_free_sessions: free(sessions, f.crashed),
        crash_free_users: free(f.users, f.crashed_users),
        session_adoption: share(sessions, totals.total.max(sessions)),
        user_adoption: share(f.users, totals.users.max(f.users)),
    }
}

/// Returns the health of every release with sessions in `scope`, by version.
pub async fn by_release(ch: &Client, scope: Scope<'_>) -> clickhouse::error::Result<HashMap<String, ReleaseHealth>> {
    let figures: Vec<Figures> = scope
        .bind(
            ch.query(&format!("SELECT release AS rel, {FIGURES} FROM release_sessions WHERE {WHERE} GROUP BY release")),
        )
        .fetch_all()
        .await?;
    if figures.is_empty() {
        return Ok(HashMap::new());
    }
    let totals = totals(ch, scope).await?;
    Ok(figures.iter().map(|f| (f.rel.clone(), health(f, &totals))).collect())
}

/// Sessions and distinct users of the whole project in `scope` (adoption's denominator).
async fn totals(ch: &Client, scope: Scope<'_>) -> clickhouse::error::Result<Totals> {
    let sql = format!(
        "SELECT sumIf(n_started, session_id = '') + uniqExactIf(session_id, n_started > 0 AND session_id != '') AS total, \
         uniqExactIf(distinct_id, distinct_id != '') AS users FROM release_sessions WHERE {WHERE}"
    );
    scope.bind(ch.query(&sql)).fetch_one().await
}

/// Returns one release's health in `scope` (all zero without sessions).
pub async fn of_release(ch: &Client, scope: Scope<'_>, release: &str) -> clickhouse::error::Result<ReleaseHealth> {
    let figures: Vec<Figures> = scope
        .bind(ch.query(&format!(
            "SELECT release AS rel, {FIGURES} FROM release_sessions WHERE {WHERE} AND release = ? GROUP BY release"
        )))
        .bind(release)
        .fetch_all()
        .await?;
    let Some(f) = figures.first() else { return Ok(ReleaseHealth::default()) };
    Ok(health(f, &totals(ch, scope).await?))
}

/// Returns a release's crash-free line, one point per bucket with sessions
/// (`bucket_secs` 3600 for hours, else days).
pub async fn series(
    ch: &Client,
    scope: Scope<'_>,
    release: &str,
    bucket_secs: u32,
) -> clickhouse::error::Result<Vec<HealthPoint>> {
    let start = if bucket_secs <= 3600 { "toStartOfHour" } else { "toStartOfDay" };
    let sql = format!(
        "SELECT toUInt32({start}(timestamp)) AS t, {FIGURES} FROM release_sessions \
         WHERE {WHERE} AND release = ? GROUP BY t ORDER BY t"
    );
    let buckets: Vec<Bucket> = scope.bind(ch.query(&sql)).bind(release).fetch_all().await?;
    Ok(buckets
        .into_iter()
        .map(|b| {
            let sessions = b.total.max(b.crashed);
            HealthPoint {
                t: chrono::DateTime::from_timestamp(b.t.into(), 0).unwrap_or_default().to_rfc3339(),
                t_secs: b.t,
                sessions,
                crashed_sessions: b.crashed,
                users: b.users,
                crashed_users: b.crashed_users,
                crash_free_sessions: free(sessions, b.crashed),
                crash_free_users: free(b.users, b.crashed_users),
            }
        })
        .collect())
}

/// Returns the environments a release's sessions came from since `since`.
pub async fn environments(
    ch: &Client,
    project_id: u64,
    since: u32,
    release: &str,
) -> clickhouse::error::Result<Vec<String>> {
    ch.query(
        "SELECT DISTINCT environment FROM release_sessions \
         WHERE project_id = ? AND timestamp >= toDateTime(?) AND release = ? ORDER BY environment LIMIT 100",
    )
    .bind(project_id)
    .bind(since)
    .bind(release)
    .fetch_all()
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_are_rounded_and_undefined_without_a_base() {
        assert_eq!(free(2, 1), Some(50.0));
        assert_eq!(free(3, 1), Some(66.67));
        assert_eq!(free(0, 0), None);
        assert_eq!(free(1, 5), Some(0.0), "never negative");
        assert_eq!(share(1, 4), Some(25.0));
        assert_eq!(share(1, 0), None);
    }
}
