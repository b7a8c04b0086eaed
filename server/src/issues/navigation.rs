//! Moving between an issue's events on the detail page: for one event, its
//! position among the issue's stored events (newest first) and the ids of
//! the newer, older, latest and oldest ones, so the dashboard can step
//! through every event of a busy issue, not only the first page of them.
//!
//! The order is time, newest first, with ties broken by the event id's text
//! (`toString`): ClickHouse 18.16 and current releases compare UUID values in
//! different orders, strings the same way. The four lookups are independent
//! reads of one issue's key range and run side by side.

use clickhouse::{Client, Row};
use serde::Deserialize;
use sightline_api_types::EventNavigation;
use uuid::Uuid;

/// The key range of one issue's events (its fingerprints follow as `IN (…)`).
const ISSUE: &str = "FROM events WHERE project_id = ? AND fingerprint IN";
/// Events newer than (timestamp, id) in the page's order.
const NEWER: &str = "(timestamp > toDateTime(?) OR (timestamp = toDateTime(?) AND toString(event_id) < ?))";
/// Events older than (timestamp, id).
const OLDER: &str = "(timestamp < toDateTime(?) OR (timestamp = toDateTime(?) AND toString(event_id) > ?))";
/// Newest first.
pub const NEWEST_FIRST: &str = "ORDER BY timestamp DESC, toString(event_id)";
/// Oldest first.
const OLDEST_FIRST: &str = "ORDER BY timestamp, toString(event_id) DESC";

#[derive(Debug, Row, Deserialize)]
struct Counts {
    total: u64,
    newer: u64,
}

#[derive(Debug, Row, Deserialize)]
struct Id {
    id: String,
}

/// Returns where the event at `timestamp` with `event_id` sits in its issue.
pub async fn navigation(
    ch: &Client,
    project_id: u64,
    fingerprints: &[String],
    timestamp: u32,
    event_id: Uuid,
) -> clickhouse::error::Result<EventNavigation> {
    let id = event_id.hyphenated().to_string();
    let at = |q: clickhouse::query::Query| q.bind(timestamp).bind(timestamp).bind(id.as_str());
    let list = format!("({})", vec!["?"; fingerprints.len()].join(", "));
    let issue = |mut q: clickhouse::query::Query| {
        q = q.bind(project_id);
        for f in fingerprints {
            q = q.bind(f.as_str());
        }
        q
    };
    let counts = issue(at(ch.query(&format!("SELECT count() AS total, countIf({NEWER}) AS newer {ISSUE} {list}"))))
        .fetch_one::<Counts>();
    let one = |condition: &str, order: &str| {
        let q = ch.query(&format!("SELECT toString(event_id) AS id {ISSUE} {list}{condition} {order} LIMIT 1"));
        let q = issue(q);
        let q = if condition.is_empty() { q } else { at(q) };
        q.fetch_optional::<Id>()
    };
    let newer_cond = format!(" AND {NEWER}");
    let older_cond = format!(" AND {OLDER}");
    let (counts, newer, older, latest, oldest) = tokio::try_join!(
        counts,
        one(&newer_cond, OLDEST_FIRST),
        one(&older_cond, NEWEST_FIRST),
        one("", NEWEST_FIRST),
        one("", OLDEST_FIRST),
    )?;
    let simple = |found: Option<Id>| found.and_then(|f| Uuid::try_parse(&f.id).ok()).map(|u| u.simple().to_string());
    Ok(EventNavigation {
        position: counts.newer + 1,
        total: counts.total,
        newer: simple(newer),
        older: simple(older),
        latest: simple(latest),
        oldest: simple(oldest),
    })
}
