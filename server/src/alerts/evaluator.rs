//! The periodic evaluator of frequency, Web-Vital and feedback rules. Each
//! pass asks ClickHouse, per enabled rule, about the last `window_minutes`:
//! events per issue (or of the whole project), or the p75 of a vital; a
//! feedback rule about feedback of the last hour (one alert per feedback,
//! [`super::feedback_rules`]). The base tables
//! are queried, not the hourly rollups, because windows are minutes long.
//! A firing's dedup key is the rule's window-sized time slot, so a condition
//! that holds fires at most once per window, and several server processes
//! evaluating the same slot record it once (see [`super::record`]); a pass
//! runs under an advisory lock, so only one of them does the work.

use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;
use sightline_api_types::AlertKind;
use sqlx::PgPool;
use url::Url;

use super::{issue_rules::dashboard_link, record, rule::RULE_SELECT, Alert, IssueRef, Recorded, Rule};
use crate::performance::histogram::Histogram;

/// Evaluates all rules every `every`, forever (the task is aborted at shutdown).
pub async fn run(pg: PgPool, ch: clickhouse::Client, public_url: Url, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        // One server evaluates a pass; the others skip it ([`crate::singleton`]).
        let pass = crate::singleton::once(&pg, "alert evaluation", evaluate_all(&pg, &ch, &public_url)).await;
        if let Err(e) = pass {
            tracing::warn!(error = %format!("{e:#}"), "alert evaluation failed; will retry");
        }
    }
}

/// Evaluates every enabled frequency and vital rule once; returns the alerts recorded.
pub async fn evaluate_all(pg: &PgPool, ch: &clickhouse::Client, public_url: &Url) -> anyhow::Result<usize> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{RULE_SELECT} WHERE r.enabled AND r.kind IN ('frequency', 'vital', 'feedback') ORDER BY r.id"
    )))
    .fetch_all(pg)
    .await
    .context("cannot load alert rules")?;
    let rules = Rule::from_rows(&rows);
    let now = chrono::Utc::now().timestamp();
    let mut recorded = 0;
    for rule in rules {
        let alerts = match rule.kind() {
            AlertKind::Frequency => frequency(pg, ch, &rule, now, public_url).await,
            AlertKind::Vital => vital(ch, &rule, now, public_url).await,
            AlertKind::Feedback => super::feedback_rules::feedback(ch, &rule, now, public_url).await,
            _ => continue,
        }
        .with_context(|| format!("cannot evaluate alert rule {}", rule.id))?;
        for alert in alerts {
            let mut tx = pg.begin().await?;
            if record(&mut tx, &alert).await? != Recorded::Duplicate {
                recorded += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(recorded)
}

/// The window start (unix seconds) and the slot the dedup key names.
fn window(rule: &Rule, now: i64) -> (u32, i64) {
    let secs = rule.window_minutes.unwrap_or(60).max(1) as i64 * 60;
    ((now - secs).max(0) as u32, now / secs)
}

#[derive(Debug, clickhouse::Row, Deserialize)]
struct FingerprintCount {
    fingerprint: String,
    n: u64,
}

/// An issue over a frequency rule's count, with what its alert shows.
#[derive(sqlx::FromRow)]
struct IssueRow {
    id: i64,
    fingerprint: String,
    title: String,
    culprit: String,
    level: String,
    times_seen: i64,
}

async fn frequency(
    pg: &PgPool,
    ch: &clickhouse::Client,
    rule: &Rule,
    now: i64,
    public_url: &Url,
) -> anyhow::Result<Vec<Alert>> {
    let (since, slot) = window(rule, now);
    let threshold = rule.threshold.unwrap_or(1.0).max(1.0) as u64;
    let minutes = rule.window_minutes.unwrap_or(60);
    let mut filter = String::from("project_id = ? AND timestamp >= toDateTime(?)");
    if rule.environment.is_some() {
        filter.push_str(" AND environment = ?");
    }
    if rule.level.is_some() {
        filter.push_str(" AND level = ?");
    }
    let bind = |q: clickhouse::query::Query| {
        let q = q.bind(rule.project_id as u64).bind(since);
        let q = match &rule.environment {
            Some(e) => q.bind(e.as_str()),
            None => q,
        };
        match &rule.level {
            Some(l) => q.bind(l.as_str()),
            None => q,
        }
    };
    let where_ = describe_filters(rule);
    if rule.scope.as_deref() == Some("project") {
        let n: u64 = bind(ch.query(&format!("SELECT count() FROM events WHERE {filter}"))).fetch_one().await?;
        if n < threshold {
            return Ok(Vec::new());
        }
        return Ok(vec![Alert {
            rule: rule.clone(),
            issue: None,
            subject: "project".into(),
            dedup_key: format!("frequency:project:{slot}"),
            summary: format!("{n} events in {minutes} min in {}{where_}", rule.project_name),
            value: Some(n as f64),
            facts: vec![
                ("Events".into(), format!("{n} in the last {minutes} minutes")),
                ("Threshold".into(), format!("{threshold} events")),
            ],
            link: dashboard_link(public_url, &format!("projects/{}/issues", rule.project_id)),
        }]);
    }
    let sql = format!("SELECT fingerprint, count() AS n FROM events WHERE {filter} GROUP BY fingerprint HAVING n >= ?");
    let counts: Vec<FingerprintCount> = bind(ch.query(&sql)).bind(threshold).fetch_all().await?;
    if counts.is_empty() {
        return Ok(Vec::new());
    }
    let fingerprints: Vec<String> = counts.iter().map(|c| c.fingerprint.clone()).collect();
    let issues: Vec<IssueRow> = sqlx::query_as(
        "SELECT id, fingerprint, title, culprit, level, times_seen FROM issues \
         WHERE project_id = $1 AND fingerprint = ANY($2) AND times_seen >= $3",
    )
    .bind(rule.project_id)
    .bind(&fingerprints)
    .bind(rule.quiet_until as i64)
    .fetch_all(pg)
    .await?;
    let mut alerts = Vec::new();
    for IssueRow { id, fingerprint, title, culprit, level, times_seen } in issues {
        let n = counts.iter().find(|c| c.fingerprint == fingerprint).map_or(0, |c| c.n);
        alerts.push(Alert {
            rule: rule.clone(),
            summary: format!("{n} events in {minutes} min: {title}{where_}"),
            facts: vec![
                ("Issue".into(), title.clone()),
                ("Events".into(), format!("{n} in the last {minutes} minutes")),
                ("Threshold".into(), format!("{threshold} events")),
                ("Events so far".into(), times_seen.to_string()),
            ],
            issue: Some(IssueRef { id, title, culprit, level, times_seen }),
            subject: format!("issue:{id}"),
            dedup_key: format!("frequency:{id}:{slot}"),
            value: Some(n as f64),
            link: dashboard_link(public_url, &format!("issues/{id}")),
        });
    }
    Ok(alerts)
}

/// A vital's samples in the window and their histogram.
#[derive(Debug, clickhouse::Row, Deserialize)]
struct VitalRow {
    n: u64,
    h: Histogram,
}

async fn vital(ch: &clickhouse::Client, rule: &Rule, now: i64, public_url: &Url) -> anyhow::Result<Vec<Alert>> {
    let (since, slot) = window(rule, now);
    let Some(vital) = rule.vital.map(|v| v.as_str()) else {
        return Ok(Vec::new());
    };
    let threshold = rule.threshold.unwrap_or(f64::INFINITY);
    let minutes = rule.window_minutes.unwrap_or(60);
    // The p75 is read the way the performance page reads it (the rollups'
    // histogram), so the alert and the dashboard show the same number.
    let mut sql = format!(
        "SELECT count() AS n, {} FROM transactions \
         WHERE project_id = ? AND timestamp >= toDateTime(?) AND isNotNull({vital})",
        crate::performance::raw_histogram_sql(vital)
    );
    if rule.environment.is_some() {
        sql.push_str(" AND environment = ?");
    }
    if rule.page.is_some() {
        sql.push_str(" AND name = ?");
    }
    let mut q = ch.query(&sql).bind(rule.project_id as u64).bind(since);
    if let Some(e) = &rule.environment {
        q = q.bind(e.as_str());
    }
    if let Some(p) = &rule.page {
        q = q.bind(p.as_str());
    }
    let VitalRow { n, h } = q.fetch_one().await?;
    let Some(p75) = h.quantile(0.75).map(|v| v / crate::performance::stored_per_unit(vital)).filter(|_| n > 0) else {
        return Ok(Vec::new());
    };
    if p75 <= threshold {
        return Ok(Vec::new());
    }
    let label = vital.to_uppercase();
    let unit = if vital == "cls" { "" } else { " ms" };
    let place = rule.page.as_deref().map_or_else(|| format!("all pages of {}", rule.project_name), |p| p.to_string());
    Ok(vec![Alert {
        rule: rule.clone(),
        issue: None,
        subject: rule.page.as_ref().map_or_else(|| "project".to_string(), |p| format!("page:{p}")),
        dedup_key: format!("vital:{slot}"),
        summary: format!(
            "{label} p75 {}{unit} over {}{unit} on {place}{}",
            round(p75),
            round(threshold),
            describe_filters(rule)
        ),
        value: Some(p75),
        facts: vec![
            ("Page".into(), rule.page.clone().unwrap_or_else(|| "all pages".into())),
            (format!("{label} p75"), format!("{}{unit}", round(p75))),
            ("Threshold".into(), format!("{}{unit}", round(threshold))),
            ("Page loads".into(), format!("{n} in the last {minutes} minutes")),
        ],
        link: dashboard_link(public_url, &format!("projects/{}/performance", rule.project_id)),
    }])
}

fn describe_filters(rule: &Rule) -> String {
    let mut parts = Vec::new();
    if let Some(e) = &rule.environment {
        parts.push(format!("environment {e}"));
    }
    if let Some(l) = &rule.level {
        parts.push(format!("level {l}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn round(v: f64) -> String {
    if v.abs() >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}").trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
