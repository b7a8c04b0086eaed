//! New-issue and regression rules, evaluated on what one flush of the issue
//! tracker changed: the tracker's upsert says per issue whether it was
//! inserted or re-opened and how many events it now has, and this runs in
//! the same transaction, so an alert is recorded exactly when its issue
//! change is (a failed flush is retried with both).

use sightline_api_types::AlertKind;
use sqlx::PgConnection;
use url::Url;

use super::{record, rule::RULE_SELECT, Alert, IssueRef, Rule};

/// What one flush did to one issue.
#[derive(Debug, Clone)]
pub struct IssueChange {
    pub issue: IssueRef,
    pub project_id: i64,
    /// The issue's event count before this flush (0 for a new issue).
    pub previous_times_seen: i64,
    /// The row was inserted by this flush.
    pub inserted: bool,
    /// An event newer than the resolution re-opened it in this flush.
    pub regressed: bool,
    /// The environments of the flushed events.
    pub environments: Vec<String>,
}

/// Records the alerts `changes` fire; returns how many were recorded.
pub async fn evaluate(tx: &mut PgConnection, changes: &[IssueChange], public_url: &Url) -> Result<usize, sqlx::Error> {
    let mut projects: Vec<i64> = changes.iter().map(|c| c.project_id).collect();
    projects.sort_unstable();
    projects.dedup();
    if projects.is_empty() {
        return Ok(0);
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{RULE_SELECT} WHERE r.enabled AND r.kind IN ('new_issue', 'regression') AND r.project_id = ANY($1) ORDER BY r.id"
    )))
    .bind(&projects)
    .fetch_all(&mut *tx)
    .await?;
    let rules = Rule::from_rows(&rows);
    if rules.is_empty() {
        return Ok(0);
    }
    let ids: Vec<i64> = changes.iter().map(|c| c.issue.id).collect();
    let assignees = crate::store::assignees::names(&mut *tx, &ids).await?;
    let mut recorded = 0;
    for rule in &rules {
        for change in changes.iter().filter(|c| c.project_id == rule.project_id) {
            if let Some(mut alert) = alert_for(rule, change, public_url) {
                if let Some(a) = assignees.get(&change.issue.id) {
                    alert.facts.push(("Assigned to".into(), a.name.clone()));
                }
                record(tx, &alert).await?;
                recorded += 1;
            }
        }
    }
    Ok(recorded)
}

/// Returns the alert `rule` fires for `change`, if it does.
fn alert_for(rule: &Rule, change: &IssueChange, public_url: &Url) -> Option<Alert> {
    let issue = &change.issue;
    if !rule.matches(&issue.level, &change.environments) {
        return None;
    }
    let (summary, dedup_key) = match rule.kind() {
        // An issue is "new" to this rule when its count first reaches the
        // quiet threshold, which happens once in its life.
        AlertKind::NewIssue => {
            let needed = rule.quiet_until.max(1) as i64;
            if !(change.previous_times_seen < needed && issue.times_seen >= needed) {
                return None;
            }
            (format!("New issue: {}", issue.title), format!("new:{}", issue.id))
        }
        AlertKind::Regression => {
            if !change.regressed {
                return None;
            }
            let at = chrono::Utc::now().timestamp_millis();
            (format!("Regression: {}", issue.title), format!("regression:{}:{at}", issue.id))
        }
        AlertKind::Frequency | AlertKind::Vital | AlertKind::Feedback => return None,
    };
    let mut facts = vec![("Issue".to_string(), issue.title.clone())];
    if !issue.culprit.is_empty() {
        facts.push(("Culprit".into(), issue.culprit.clone()));
    }
    facts.push(("Level".into(), issue.level.clone()));
    facts.push(("Events so far".into(), issue.times_seen.to_string()));
    if !change.environments.is_empty() {
        facts.push(("Environments".into(), change.environments.join(", ")));
    }
    Some(Alert {
        rule: rule.clone(),
        issue: Some(issue.clone()),
        subject: format!("issue:{}", issue.id),
        dedup_key,
        summary,
        value: Some(issue.times_seen as f64),
        facts,
        link: dashboard_link(public_url, &format!("issues/{}", issue.id)),
    })
}

/// Returns `<public url>/<path>`, keeping a path prefix of the public URL.
pub fn dashboard_link(public_url: &Url, path: &str) -> String {
    format!("{}/{path}", public_url.as_str().trim_end_matches('/'))
}
