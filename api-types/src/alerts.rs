//! Alert rules, the alerts they fired and how each was delivered.

use serde::{Deserialize, Serialize};

use crate::{issues::Level, performance::Vital};

/// What a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// An issue seen for the first time (after `quiet_until` events).
    NewIssue,
    /// An event on a resolved issue.
    Regression,
    /// At least `threshold` events of one issue (`scope: issue`) or of the
    /// project (`scope: project`) within `window_minutes`.
    Frequency,
    /// The p75 of `vital` over `window_minutes`, for `page` or the whole
    /// project, above `threshold`.
    Vital,
    /// A visitor sent user feedback (the widget, `captureFeedback`, a user report).
    Feedback,
}

crate::names::named!(AlertKind, "alert kind", {
    NewIssue => "new_issue",
    Regression => "regression",
    Frequency => "frequency",
    Vital => "vital",
    Feedback => "feedback",
});

impl AlertKind {
    /// Parses a stored name; `None` when unknown (see [`std::str::FromStr`] for the error).
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }
}

/// Body of `POST /api/v1/projects/{id}/alert-rules` and `PUT /api/v1/alert-rules/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRuleInput {
    pub name: String,
    pub kind: AlertKind,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Only events of this environment count; absent = any.
    #[serde(default)]
    pub environment: Option<String>,
    /// Only events of this level (`error`, `warning`, …) count; absent = any.
    #[serde(default)]
    pub level: Option<String>,
    /// New-issue rules: alert only once the issue has this many events.
    #[serde(default)]
    pub quiet_until: i32,
    /// At most one alert per issue (or per project/page) per this many minutes; 0 = no limit.
    #[serde(default)]
    pub throttle_minutes: i32,
    /// Frequency rules: `issue` (default) or `project`.
    #[serde(default)]
    pub scope: Option<String>,
    /// Vital rules: `lcp`, `inp`, `cls`, `fcp` or `ttfb`.
    #[serde(default)]
    pub vital: Option<String>,
    /// Vital rules: one page (transaction name); absent = the whole project.
    #[serde(default)]
    pub page: Option<String>,
    /// Frequency: the event count; vital: the p75 limit (ms; CLS unitless).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Frequency and vital rules: the window, in minutes.
    #[serde(default)]
    pub window_minutes: Option<i32>,
    /// E-mail recipients.
    #[serde(default)]
    pub email_to: Vec<String>,
    /// A URL that gets a JSON POST (Slack-compatible `text` field).
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// Signs webhook bodies (`X-Sightline-Signature`) when set; on update,
    /// absent keeps the current secret and `""` removes it.
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

fn yes() -> bool {
    true
}

/// A rule as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRule {
    pub id: i64,
    pub project_id: i64,
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
    /// Whether webhook bodies are signed (the secret itself is never shown).
    pub webhook_signed: bool,
    /// RFC 3339.
    pub created_at: String,
}

/// One notification of an alert: its channel and how delivery went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertDelivery {
    pub id: i64,
    /// `email` or `webhook`.
    pub channel: String,
    /// Recipients or the webhook URL.
    pub target: String,
    /// `pending` (will be retried), `delivered` or `failed` (gave up).
    pub status: String,
    /// `resend`, `smtp`, `logged` (mail is off) or `webhook`, once delivered.
    pub path: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// RFC 3339: the next try of a pending delivery.
    pub next_attempt_at: String,
    pub delivered_at: Option<String>,
}

/// An alert a rule fired, with its deliveries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertFiring {
    pub id: i64,
    pub rule_id: i64,
    pub rule_name: String,
    pub kind: AlertKind,
    pub issue_id: Option<i64>,
    pub summary: String,
    /// The measured number: events in the window, or the p75.
    pub value: Option<f64>,
    /// True when the rule's throttle held this alert back (nothing was sent).
    pub suppressed: bool,
    /// Alerts held back since the previous one that was sent.
    pub held_back: i32,
    /// A test notification ("Send test"), not a real alert.
    #[serde(default)]
    pub test: bool,
    /// RFC 3339.
    pub fired_at: String,
    pub deliveries: Vec<AlertDelivery>,
}

/// `POST /api/v1/alert-rules/{id}/test`: the test notification was queued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertTestQueued {
    /// Its entry in the delivery log (`GET /api/v1/projects/{id}/alerts`).
    pub firing_id: i64,
}
