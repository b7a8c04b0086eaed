//! Feedback rules: one alert per piece of user feedback that matches the
//! rule (environment), sent after the rule was created. Each evaluator pass
//! reads the last hour of feedback; the feedback id is the alert's dedup key,
//! so feedback seen by several passes (or servers) alerts once, and the
//! rule's throttle (subject `project`) limits how often it mails.

use serde::Deserialize;
use url::Url;

use super::{issue_rules::dashboard_link, Alert, Rule};

/// How far back a pass looks: several evaluation intervals, so none is missed.
const LOOKBACK_SECS: i64 = 3600;
/// Alerts per rule and pass, at most (a flood of feedback is throttled anyway).
const MAX_PER_PASS: u64 = 20;

#[derive(Debug, clickhouse::Row, Deserialize)]
struct NewFeedback {
    id: String,
    message: String,
    name: String,
    email: String,
    url: String,
}

/// Returns the alerts of a feedback rule for feedback of the last hour.
pub async fn feedback(ch: &clickhouse::Client, rule: &Rule, now: i64, public_url: &Url) -> anyhow::Result<Vec<Alert>> {
    let since = (now - LOOKBACK_SECS).max(rule.created_at.timestamp()).max(0) as u32;
    let mut sql = String::from(
        "SELECT lower(replaceAll(toString(feedback_id), '-', '')) AS id, message, name, email, url FROM feedback \
         WHERE project_id = ? AND timestamp >= toDateTime(?)",
    );
    if rule.environment.is_some() {
        sql.push_str(" AND environment = ?");
    }
    sql.push_str(&format!(" ORDER BY timestamp, id LIMIT {MAX_PER_PASS}"));
    let mut q = ch.query(&sql).bind(rule.project_id as u64).bind(since);
    if let Some(e) = &rule.environment {
        q = q.bind(e.as_str());
    }
    let rows: Vec<NewFeedback> = q.fetch_all().await?;
    Ok(rows
        .into_iter()
        .map(|f| {
            let who = [f.name.as_str(), f.email.as_str()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
            let who = if who.is_empty() { "Anonymous".to_string() } else { who.join(" ") };
            let short: String = f.message.chars().take(80).collect();
            Alert {
                rule: rule.clone(),
                issue: None,
                subject: "project".into(),
                dedup_key: format!("feedback:{}", f.id),
                summary: format!("Feedback on {}: {short}", rule.project_name),
                value: None,
                facts: vec![("From".into(), who), ("Page".into(), f.url), ("Message".into(), f.message)],
                link: dashboard_link(public_url, &format!("projects/{}/feedback", rule.project_id)),
            }
        })
        .collect())
}
