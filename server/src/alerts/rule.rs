//! An alert rule: the stored row ([`Rule`]) and the parsing of the API's
//! input into a valid rule ([`RuleSpec::parse`]), so the evaluators never
//! see a frequency rule without a window or a webhook without a URL.

use lettre::message::Mailbox;
use sightline_api_types::{AlertKind, AlertRuleInput, Level, Vital};
use sqlx::{postgres::PgRow, FromRow, Row};

/// The levels an event can have, most severe first.
pub const LEVELS: &[&str] = Level::NAMES;

/// The columns [`Rule`] is read from (`r` = alert_rules, `p` = projects).
pub const RULE_SELECT: &str =
    "SELECT r.id, r.project_id, p.name AS project_name, r.name, r.kind, r.enabled, r.environment, \
     r.level, r.quiet_until, r.throttle_minutes, r.scope, r.vital, r.page, r.threshold, r.window_minutes, r.email_to, \
     r.webhook_url, r.webhook_secret IS NOT NULL AS webhook_signed, r.created_at \
     FROM alert_rules r JOIN projects p ON p.id = r.project_id";

/// A stored rule with its project's name.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Rule {
    pub id: i64,
    pub project_id: i64,
    pub project_name: String,
    pub name: String,
    pub kind: AlertKind,
    pub enabled: bool,
    pub environment: Option<String>,
    pub level: Option<Level>,
    pub quiet_until: i32,
    pub throttle_minutes: i32,
    pub scope: Option<String>,
    pub vital: Option<Vital>,
    pub page: Option<String>,
    pub threshold: Option<f64>,
    pub window_minutes: Option<i32>,
    pub email_to: Vec<String>,
    pub webhook_url: Option<String>,
    pub webhook_signed: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Rule {
    /// Returns the rule's kind.
    pub fn kind(&self) -> AlertKind {
        self.kind
    }

    /// Tells whether an event of `level` in one of `environments` counts.
    pub fn matches(&self, level: &str, environments: &[String]) -> bool {
        self.level.is_none_or(|l| l.as_str() == level)
            && self.environment.as_ref().is_none_or(|e| environments.iter().any(|x| x == e))
    }

    /// Reads the rules of `rows` (selected with [`RULE_SELECT`]), logging and
    /// skipping a row that does not decode, such as a kind or vital this
    /// version does not know: one bad row must not stop every other rule.
    pub fn from_rows(rows: &[PgRow]) -> Vec<Rule> {
        rows.iter()
            .filter_map(|row| match Rule::from_row(row) {
                Ok(rule) => Some(rule),
                Err(e) => {
                    let id = row.try_get::<i64, _>("id").ok();
                    tracing::error!(error = %e, rule = ?id, "skipping an alert rule that cannot be read");
                    None
                }
            })
            .collect()
    }
}

/// A validated rule, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSpec(pub AlertRuleInput);

impl RuleSpec {
    /// Checks and normalises `input`; the error says what to fix.
    pub fn parse(mut input: AlertRuleInput) -> Result<Self, String> {
        input.name = input.name.trim().to_string();
        if input.name.is_empty() || input.name.chars().count() > 100 {
            return Err("a rule name has 1 to 100 characters".into());
        }
        input.environment = input.environment.map(|e| e.trim().to_string()).filter(|e| !e.is_empty());
        input.level = input.level.map(|l| l.trim().to_lowercase()).filter(|l| !l.is_empty());
        if let Some(level) = &input.level {
            if level.parse::<Level>().is_err() {
                return Err(format!("level {level:?} is not one of {}", LEVELS.join(", ")));
            }
        }
        if !(0..=1_000_000).contains(&input.quiet_until) {
            return Err("quiet_until is 0 to 1000000 events".into());
        }
        if !(0..=43_200).contains(&input.throttle_minutes) {
            return Err("throttle_minutes is 0 to 43200 (30 days)".into());
        }
        let window_ok = |w: Option<i32>| match w {
            Some(w) if (1..=10_080).contains(&w) => Ok(Some(w)),
            _ => Err("window_minutes is 1 to 10080 (7 days)".to_string()),
        };
        match input.kind {
            AlertKind::NewIssue | AlertKind::Regression => {
                (input.scope, input.vital, input.page, input.threshold, input.window_minutes) =
                    (None, None, None, None, None);
            }
            AlertKind::Feedback => {
                (input.scope, input.vital, input.page, input.threshold, input.window_minutes) =
                    (None, None, None, None, None);
                // Feedback has no level.
                input.level = None;
            }
            AlertKind::Frequency => {
                let scope = input.scope.as_deref().map(str::trim).unwrap_or("issue");
                if !matches!(scope, "issue" | "project") {
                    return Err(format!("scope {scope:?} is not issue or project"));
                }
                input.scope = Some(scope.to_string());
                match input.threshold {
                    Some(n) if (1.0..=1e12).contains(&n) && n.fract() == 0.0 => {}
                    _ => return Err("a frequency rule needs threshold: a whole number of events, at least 1".into()),
                }
                input.window_minutes = window_ok(input.window_minutes)?;
                (input.vital, input.page) = (None, None);
            }
            AlertKind::Vital => {
                let vital = input.vital.as_deref().map(|v| v.trim().to_lowercase()).unwrap_or_default();
                let Ok(vital) = vital.parse::<Vital>() else {
                    return Err(format!("a vital rule needs vital: one of {}", Vital::NAMES.join(", ")));
                };
                input.vital = Some(vital.as_str().to_string());
                match input.threshold {
                    Some(t) if t > 0.0 && t.is_finite() => {}
                    _ => return Err("a vital rule needs threshold: the p75 limit, above 0".into()),
                }
                input.window_minutes = window_ok(input.window_minutes)?;
                input.page = input.page.map(|p| p.trim().to_string()).filter(|p| !p.is_empty());
                // Page loads have no level.
                (input.scope, input.level) = (None, None);
            }
        }
        input.email_to = input.email_to.iter().map(|e| e.trim().to_string()).filter(|e| !e.is_empty()).collect();
        if let Some(bad) = input.email_to.iter().find(|e| e.parse::<Mailbox>().is_err()) {
            return Err(format!("{bad:?} is not an e-mail address"));
        }
        input.webhook_url = input.webhook_url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
        if let Some(url) = &input.webhook_url {
            let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if !ok {
                return Err(format!("{url:?} is not an http(s) URL"));
            }
        }
        if input.email_to.is_empty() && input.webhook_url.is_none() {
            return Err("a rule needs an e-mail recipient or a webhook URL".into());
        }
        Ok(RuleSpec(input))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(kind: &str) -> AlertRuleInput {
        serde_json::from_value(serde_json::json!({"name": "r", "kind": kind, "email_to": ["ops@example.com"]})).unwrap()
    }

    #[test]
    fn a_frequency_rule_needs_a_count_and_a_window() {
        let mut i = input("frequency");
        assert!(RuleSpec::parse(i.clone()).unwrap_err().contains("threshold"));
        i.threshold = Some(5.0);
        assert!(RuleSpec::parse(i.clone()).unwrap_err().contains("window_minutes"));
        i.window_minutes = Some(10);
        assert_eq!(RuleSpec::parse(i).unwrap().0.scope.as_deref(), Some("issue"));
    }

    #[test]
    fn a_vital_rule_names_a_known_vital() {
        let mut i = input("vital");
        (i.vital, i.threshold, i.window_minutes) = (Some("LCP".into()), Some(2500.0), Some(30));
        assert_eq!(RuleSpec::parse(i.clone()).unwrap().0.vital.as_deref(), Some("lcp"));
        i.vital = Some("speed".into());
        assert!(RuleSpec::parse(i).unwrap_err().contains("lcp"));
    }

    #[test]
    fn channels_are_checked() {
        let mut i = input("new_issue");
        i.email_to = vec!["not an address".into()];
        assert!(RuleSpec::parse(i.clone()).unwrap_err().contains("not an e-mail"));
        i.email_to = vec![];
        assert!(RuleSpec::parse(i.clone()).unwrap_err().contains("needs an e-mail"));
        i.webhook_url = Some("ftp://x".into());
        assert!(RuleSpec::parse(i).unwrap_err().contains("http(s)"));
    }
}
