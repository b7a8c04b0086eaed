//! User feedback as the dashboard shows it.

use serde::{Deserialize, Serialize};

/// One piece of feedback a visitor sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Feedback {
    /// 32 hex digits.
    pub id: String,
    /// RFC 3339.
    pub timestamp: String,
    pub message: String,
    pub name: String,
    pub email: String,
    /// The page the visitor was on.
    pub url: String,
    /// `widget`, `api`, `user_report`, … as the SDK said.
    pub source: String,
    /// The error event it is about (32 hex digits), or empty.
    pub associated_event_id: String,
    /// The issue of that event, when it is known.
    pub issue_id: Option<i64>,
    pub replay_id: String,
    pub release: String,
    pub environment: String,
    pub browser: String,
    pub os: String,
    /// Whether `GET …/feedback/{id}/screenshot` has an image.
    pub has_screenshot: bool,
}
