//! Reading user feedback back for the dashboard: a project's latest, an
//! issue's (feedback whose `associated_event_id` is one of the issue's
//! events) and a screenshot. Rows come from the ClickHouse `feedback` and
//! `feedback_screenshots` tables the ingest path fills
//! ([`crate::event::feedback`], [`crate::ingest::screenshots`]).

use clickhouse::{Client, Row};
use serde::Deserialize;
use sightline_api_types::Feedback;
use uuid::Uuid;

/// Feedback listed per request, at most.
pub const LIMIT: u64 = 100;

const COLUMNS: &str = "lower(replaceAll(toString(feedback_id), '-', '')) AS id, toUInt32(timestamp) AS ts, message, \
     name, email, url, source, associated_event_id, replay_id, release, environment, browser, os, has_screenshot";

#[derive(Debug, Row, Deserialize)]
struct FeedbackRead {
    id: String,
    ts: u32,
    message: String,
    name: String,
    email: String,
    url: String,
    source: String,
    associated_event_id: String,
    replay_id: String,
    release: String,
    environment: String,
    browser: String,
    os: String,
    has_screenshot: u8,
}

impl FeedbackRead {
    fn into_wire(self, issue_id: Option<i64>) -> Feedback {
        Feedback {
            id: self.id,
            timestamp: chrono::DateTime::from_timestamp(self.ts.into(), 0).unwrap_or_default().to_rfc3339(),
            message: self.message,
            name: self.name,
            email: self.email,
            url: self.url,
            source: self.source,
            associated_event_id: self.associated_event_id,
            issue_id,
            replay_id: self.replay_id,
            release: self.release,
            environment: self.environment,
            browser: self.browser,
            os: self.os,
            has_screenshot: self.has_screenshot != 0,
        }
    }
}

#[derive(Debug, Row, Deserialize)]
struct EventFingerprint {
    id: String,
    fingerprint: String,
}

/// Returns a project's feedback since `since`, newest first, each with the issue of its event.
pub async fn project(ch: &Client, pg: &sqlx::PgPool, project_id: u64, since: u32) -> anyhow::Result<Vec<Feedback>> {
    let rows: Vec<FeedbackRead> = ch
        .query(&format!(
            "SELECT {COLUMNS} FROM feedback WHERE project_id = ? AND timestamp >= toDateTime(?) \
             ORDER BY timestamp DESC, id LIMIT {LIMIT}"
        ))
        .bind(project_id)
        .bind(since)
        .fetch_all()
        .await?;
    let ids: Vec<&str> = rows.iter().map(|r| r.associated_event_id.as_str()).filter(|s| !s.is_empty()).collect();
    let mut issues = std::collections::HashMap::new();
    if !ids.is_empty() {
        let found: Vec<EventFingerprint> = ch
            .query(
                "SELECT lower(replaceAll(toString(event_id), '-', '')) AS id, any(fingerprint) AS fingerprint \
                 FROM events WHERE project_id = ? AND has(?, lower(replaceAll(toString(event_id), '-', ''))) GROUP BY id",
            )
            .bind(project_id)
            .bind(&ids)
            .fetch_all()
            .await?;
        let fingerprints: Vec<String> = found.iter().map(|f| f.fingerprint.clone()).collect();
        let known: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, fingerprint FROM issues WHERE project_id = $1 AND fingerprint = ANY($2)")
                .bind(project_id as i64)
                .bind(&fingerprints)
                .fetch_all(pg)
                .await?;
        for f in found {
            if let Some((issue, _)) = known.iter().find(|(_, fp)| *fp == f.fingerprint) {
                issues.insert(f.id, *issue);
            }
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let issue = issues.get(&r.associated_event_id).copied();
            r.into_wire(issue)
        })
        .collect())
}

/// Returns the feedback about an issue's events (issue `issue_id`, `fingerprint`), newest first.
pub async fn issue(ch: &Client, project_id: u64, issue_id: i64, fingerprint: &str) -> anyhow::Result<Vec<Feedback>> {
    let rows: Vec<FeedbackRead> = ch
        .query(&format!(
            "SELECT {COLUMNS} FROM feedback WHERE project_id = ? AND associated_event_id IN \
             (SELECT lower(replaceAll(toString(event_id), '-', '')) FROM events WHERE project_id = ? AND fingerprint = ?) \
             ORDER BY timestamp DESC, id LIMIT {LIMIT}"
        ))
        .bind(project_id)
        .bind(project_id)
        .bind(fingerprint)
        .fetch_all()
        .await?;
    Ok(rows.into_iter().map(|r| r.into_wire(Some(issue_id))).collect())
}

#[derive(Debug, Row, Deserialize)]
struct ScreenshotRead {
    content_type: String,
    data: Vec<u8>,
}

/// Returns the first screenshot of a piece of feedback: its type and bytes.
pub async fn screenshot(ch: &Client, project_id: u64, feedback_id: Uuid) -> anyhow::Result<Option<(String, Vec<u8>)>> {
    let row: Option<ScreenshotRead> = ch
        .query(
            "SELECT content_type, data FROM feedback_screenshots WHERE project_id = ? AND feedback_id = toUUID(?) \
             ORDER BY filename LIMIT 1",
        )
        .bind(project_id)
        .bind(feedback_id.to_string())
        .fetch_optional()
        .await?;
    Ok(row.map(|r| (r.content_type, r.data)))
}
