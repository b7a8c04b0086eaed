//! Session replays as the dashboard lists and plays them.
//!
//! # The contract (`/api/v1/…`, session cookie or API token)
//!
//! All routes are project-scoped, so the usual access rules apply: a project
//! outside the caller's teams, or a replay of another project, is `404`.
//!
//! - `GET /api/v1/projects/{project_id}/replays?…` ([`ReplayQuery`]) →
//!   [`ReplayPage`]: replays newest first (by `started_at`), `page`/`per_page`
//!   as the issue list (1-based, default 25, at most 100), `total` for the
//!   pager. Read access.
//! - `GET /api/v1/projects/{project_id}/replays/{replay_id}` →
//!   [`ReplayDetail`]. `replay_id` is 32 hex digits (a dashed UUID is
//!   accepted too). Read access.
//! - `GET /api/v1/projects/{project_id}/replays/{replay_id}/segments/{segment_id}`
//!   → the segment's rrweb events exactly as stored: a JSON **array** of rrweb
//!   events (the SDK's `{"segment_id":N}` header line already removed), served
//!   with `Content-Type: application/json` and `Content-Encoding: deflate`
//!   (zlib, RFC 1950 — what the JS SDK itself sends and what every browser's
//!   `fetch` decodes natively). So `await (await fetch(url)).json()` gives the
//!   array. Segments are numbered from 0; play them in [`ReplayDetail::segments`]
//!   order. `Cache-Control: private, max-age=3600` (a stored segment never
//!   changes). Read access. `404` for an unknown segment.
//! - `DELETE /api/v1/projects/{project_id}/replays/{replay_id}` → `204`: the
//!   replay's metadata and every segment erased (a user's erasure request;
//!   ClickHouse removes the rows in the background, and they are hidden from
//!   these routes at once). Write access.
//!
//! An error event that happened during a replay carries its id:
//! [`crate::EventDetail::replay_id`] ("Watch replay" on the issue page),
//! and the replay's [`ReplayDetail::error_ids`] lists the error events.

use serde::{Deserialize, Serialize};

/// One row of the replay list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplaySummary {
    /// 32 hex digits (the SDK's `replay_id`).
    pub id: String,
    /// RFC 3339: `replay_start_timestamp` of segment 0, else the earliest segment's time.
    pub started_at: String,
    /// RFC 3339: the latest segment's time.
    pub finished_at: String,
    /// `finished_at - started_at` in seconds.
    pub duration_secs: u64,
    /// Path (and query) of the first URL visited, e.g. `/checkout?step=2`; empty when none.
    pub url: String,
    /// Error events seen during the replay.
    pub error_count: u64,
    /// Clicks the recording holds (rrweb mouse-interaction clicks).
    pub click_count: u64,
    pub browser: String,
    pub os: String,
    /// The user as a person reads it: username, else e-mail, else id; never the IP.
    pub user: String,
    pub release: String,
    pub environment: String,
    /// Segments stored (the player fetches `0..segment_count`, see [`ReplayDetail::segments`]).
    pub segment_count: u64,
    /// `session` (sampled from the start) or `buffer` (the minute before an error, then on).
    pub replay_type: String,
}

/// A page of replays, newest first; the same pagination as [`crate::IssuePage`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplayPage {
    pub replays: Vec<ReplaySummary>,
    /// Total matching replays, for pagination.
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
}

/// `GET /api/v1/projects/{project_id}/replays/{replay_id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReplayDetail {
    #[serde(flatten)]
    pub summary: ReplaySummary,
    /// Error events of the replay (32 hex digits each), as the SDK reported them.
    pub error_ids: Vec<String>,
    /// Traces the replay touched (32 hex digits each).
    pub trace_ids: Vec<String>,
    /// Every URL visited, in order, as full URLs.
    pub urls: Vec<String>,
    /// Ids of the stored segments, ascending: fetch
    /// `…/replays/{replay_id}/segments/{id}` for each, in this order. A gap
    /// (a segment that never arrived) is simply absent.
    pub segments: Vec<u32>,
}

/// Query string of the replay list; every filter is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ReplayQuery {
    /// Look-back window on `started_at`, like `24h` or `30d` (default), at most `365d`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Exact release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// Exact environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Exact browser name, e.g. `Chrome`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// Case-insensitive text in any URL of the replay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Case-insensitive text in the user's id, username or e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// `true`: only replays with errors; `false`: only those without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_errors: Option<bool>,
    /// 1-based, default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// 1 to 100, default 25.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_page: Option<u32>,
}
