//! Issues, their events and tag breakdowns.

use serde::{Deserialize, Serialize};

/// An issue's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IssueStatus {
    Unresolved,
    Resolved,
    Ignored,
}

crate::names::named!(IssueStatus, "issue status", {
    Unresolved => "unresolved",
    Resolved => "resolved",
    Ignored => "ignored",
});

/// An event's level, most severe first (ingest maps the SDKs' synonyms,
/// such as `critical` or `warn`, onto these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Fatal,
    Error,
    Warning,
    Info,
    Debug,
}

crate::names::named!(Level, "level", {
    Fatal => "fatal",
    Error => "error",
    Warning => "warning",
    Info => "info",
    Debug => "debug",
});

/// One row of the issue list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueSummary {
    pub id: i64,
    pub project_id: i64,
    pub title: String,
    pub culprit: String,
    pub level: Level,
    pub status: IssueStatus,
    /// True when an event arrived after the issue was resolved.
    pub regressed: bool,
    /// RFC 3339.
    pub first_seen: String,
    pub last_seen: String,
    /// Events in the selected period (all time when none).
    pub events: u64,
    /// Distinct users (id, else e-mail, else IP) in the selected period.
    pub users: u64,
    /// Event counts per bucket: 24 hourly buckets, or 14 daily ones with `series=14d`.
    pub series: Vec<u64>,
    /// Who owns the issue, if anyone.
    #[serde(default)]
    pub assignee: Option<crate::IssueAssignee>,
    /// When an ignored issue comes back on its own ("ignore until").
    #[serde(default)]
    pub snooze: Option<crate::Snooze>,
    /// The release it was resolved in, when resolved "in the next release".
    #[serde(default)]
    pub resolved_in_release: Option<String>,
    /// Issues merged into this one.
    #[serde(default)]
    pub merged: Vec<i64>,
}

/// A page of issues.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssuePage {
    pub issues: Vec<IssueSummary>,
    /// Total matching issues, for pagination.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// Body of `PATCH /api/v1/issues/{id}` and, with `ids`, the bulk form.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueUpdate {
    #[serde(default)]
    pub ids: Vec<i64>,
    pub status: IssueStatus,
    /// With `ignored`: come back when any of these is met.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snooze: Option<crate::Snooze>,
    /// With `resolved`: re-open only on an event of a release first seen
    /// after the project's newest release now.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_next_release: bool,
}

/// An event as listed under an issue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventSummary {
    pub event_id: String,
    pub timestamp: String,
    pub title: String,
    pub level: String,
    pub release: String,
    pub environment: String,
    pub url: String,
    pub browser: String,
    pub os: String,
    pub user: String,
}

/// A whole event, as the detail page shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventDetail {
    #[serde(flatten)]
    pub summary: EventSummary,
    pub exception_type: String,
    pub exception_value: String,
    pub message: String,
    pub culprit: String,
    pub platform: String,
    pub browser_version: String,
    pub os_version: String,
    pub tags: Vec<(String, String)>,
    /// Stack frames, innermost last (Sentry's order).
    pub frames: serde_json::Value,
    pub breadcrumbs: serde_json::Value,
    /// Contexts, extra, request and chained exceptions.
    pub contexts: serde_json::Value,
    pub sdk: String,
    /// Where this event sits among its issue's stored events.
    #[serde(default)]
    pub navigation: EventNavigation,
    /// The session replay this event happened in (32 hex digits, from the
    /// event's `contexts.replay.replay_id`), when one was recorded: see
    /// `GET /api/v1/projects/{project_id}/replays/{replay_id}`.
    #[serde(default)]
    pub replay_id: Option<String>,
}

/// An event's neighbours among its issue's events, newest first (ties in
/// time broken by event id): ids are 32 hex digits, `None` at either end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventNavigation {
    /// 1 for the latest event.
    pub position: u64,
    /// Stored events of the issue.
    pub total: u64,
    pub newer: Option<String>,
    pub older: Option<String>,
    pub latest: Option<String>,
    pub oldest: Option<String>,
}

/// `GET /api/v1/issues/{id}`: the issue with its latest event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueDetail {
    pub issue: IssueSummary,
    pub latest_event: Option<EventDetail>,
}

/// A page of an issue's events, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventPage {
    pub events: Vec<EventSummary>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// The most common values of one tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagBreakdown {
    pub key: String,
    pub total: u64,
    pub values: Vec<TagValue>,
}

/// One value of a tag and how many events had it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagValue {
    pub value: String,
    pub count: u64,
}
