//! An issue's timeline: what people did (status changes, assignments,
//! comments, merges) and what Sightline did (regressions, snoozes that
//! ended) as rows of `issue_activity`, joined at read time with what is
//! known elsewhere — the first sighting (the issue row) and the alerts that
//! fired for it (`alert_firings`) — into one list, oldest first.

use chrono::{DateTime, Utc};
use sightline_api_types::ActivityEntry;
use sqlx::{PgConnection, PgPool};

/// The most entries one timeline returns (the newest ones).
const LIMIT: i64 = 500;

/// Records one entry; `user_id` is `None` for what Sightline did itself.
pub async fn record(
    conn: &mut PgConnection,
    issue_id: i64,
    kind: &str,
    user_id: Option<i64>,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO issue_activity (issue_id, kind, user_id, body) VALUES ($1, $2, $3, $4)")
        .bind(issue_id)
        .bind(kind)
        .bind(user_id)
        .bind(body)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    user_email: Option<String>,
    body: String,
    happened_at: DateTime<Utc>,
}

/// Returns the timeline of `issue_id`, oldest first. The first event is dated
/// by the browser's clock, which may run up to a minute ahead of ours, so its
/// entry is placed no later than the first recorded activity.
pub async fn timeline(pg: &PgPool, issue_id: i64) -> Result<Vec<ActivityEntry>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT * FROM ( \
           SELECT 'first_seen' AS kind, NULL::text AS user_email, '' AS body, \
                  LEAST(i.first_seen, (SELECT min(created_at) FROM issue_activity WHERE issue_id = $1)) AS happened_at, \
                  0::bigint AS seq \
             FROM issues i WHERE i.id = $1 \
           UNION ALL \
           SELECT a.kind, u.email, a.body, a.created_at, a.id FROM issue_activity a \
             LEFT JOIN users u ON u.id = a.user_id WHERE a.issue_id = $1 \
           UNION ALL \
           SELECT 'alert', NULL, f.summary, f.fired_at, f.id FROM alert_firings f \
             WHERE f.issue_id = $1 AND NOT f.suppressed \
           ORDER BY happened_at DESC, seq DESC LIMIT $2) t ORDER BY happened_at, seq",
    )
    .bind(issue_id)
    .bind(LIMIT)
    .fetch_all(pg)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ActivityEntry { kind: r.kind, user: r.user_email, body: r.body, at: r.happened_at.to_rfc3339() })
        .collect())
}
