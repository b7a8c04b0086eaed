//! The usage figures of a project: outcomes per day (the Usage page's chart)
//! and the breakdown by outcome, category and reason over a period. Reads the
//! `outcomes` table with `sum(quantity)` (its rows are summed lazily).

use clickhouse::{Client, Row};
use serde::Deserialize;
use sightline_api_types::{Usage, UsageDay, UsageLine};

/// Breakdown lines returned, at most.
const MAX_LINES: u64 = 200;

#[derive(Debug, Row, Deserialize)]
struct DayRow {
    t: u32,
    outcome: String,
    n: u64,
}

#[derive(Debug, Row, Deserialize)]
struct LineRow {
    outcome: String,
    category: String,
    reason: String,
    n: u64,
}

/// Returns a project's outcomes since `since` (Unix seconds), per day and broken down.
pub async fn usage(ch: &Client, project_id: u64, since: u32) -> clickhouse::error::Result<Usage> {
    let days: Vec<DayRow> = ch
        .query(
            "SELECT toUInt32(day) AS t, outcome, sum(quantity) AS n FROM outcomes \
             WHERE project_id = ? AND day >= toStartOfDay(toDateTime(?)) GROUP BY t, outcome ORDER BY t, outcome",
        )
        .bind(project_id)
        .bind(since)
        .fetch_all()
        .await?;
    let lines: Vec<LineRow> = ch
        .query(&format!(
            "SELECT outcome, category, reason, sum(quantity) AS n FROM outcomes \
             WHERE project_id = ? AND day >= toStartOfDay(toDateTime(?)) \
             GROUP BY outcome, category, reason ORDER BY n DESC, outcome, category, reason LIMIT {MAX_LINES}"
        ))
        .bind(project_id)
        .bind(since)
        .fetch_all()
        .await?;
    let mut series: Vec<UsageDay> = Vec::new();
    for r in days {
        if series.last().is_none_or(|d| d.t_secs != r.t) {
            series.push(UsageDay { t_secs: r.t, t: rfc3339(r.t), ..Default::default() });
        }
        let day = series.last_mut().expect("pushed above");
        match r.outcome.as_str() {
            "accepted" => day.accepted += r.n,
            "filtered" => day.filtered += r.n,
            "rate_limited" => day.rate_limited += r.n,
            "invalid" => day.invalid += r.n,
            _ => day.client_discard += r.n,
        }
    }
    let lines = lines
        .into_iter()
        .map(|r| UsageLine { outcome: r.outcome, category: r.category, reason: r.reason, quantity: r.n })
        .collect();
    Ok(Usage { series, lines })
}

fn rfc3339(t: u32) -> String {
    chrono::DateTime::from_timestamp(t.into(), 0).unwrap_or_default().to_rfc3339()
}
