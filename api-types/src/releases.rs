//! Releases of a project: what the Releases page lists.

use serde::{Deserialize, Serialize};

/// One release: created by the build tools (`sentry-cli releases new`, the
/// bundler plugins), by a source-map upload, or first seen on an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Release {
    /// The version, as the SDK's `release` reports it.
    pub version: String,
    /// When the build tools created it (RFC 3339), if they did.
    pub created_at: Option<String>,
    /// When it was finalized (`sentry-cli releases finalize`), if it was.
    pub released_at: Option<String>,
    /// Hour of its first and last event (RFC 3339), if any arrived.
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Error events reported with this release (within retention).
    pub events: u64,
    /// Issues whose first event came with this release.
    pub new_issues: u64,
    /// Source-map artifacts (minified files and maps) uploaded for it.
    pub artifacts: i64,
    /// Deploys recorded (`sentry-cli deploys new`), and the last one's environment.
    pub deploys: i64,
    pub last_deploy_environment: Option<String>,
    /// Release health over the period asked (sessions sent by the SDKs); `None` without sessions.
    #[serde(default)]
    pub health: Option<ReleaseHealth>,
}

/// Release health of a release over a period, from its SDKs' sessions: each
/// session counted once whatever number of updates it sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseHealth {
    /// Sessions started.
    pub sessions: u64,
    /// Sessions with at least one error (crashed and abnormal ones included).
    pub errored_sessions: u64,
    /// Sessions that ended abnormally (the app was killed, hung).
    pub abnormal_sessions: u64,
    /// Sessions that crashed: ended `crashed`, or `unhandled` (an unhandled
    /// error, what `@sentry/browser` reports for a front end's crash).
    pub crashed_sessions: u64,
    /// Of the crashed sessions, those that ended `unhandled`.
    #[serde(default)]
    pub unhandled_sessions: u64,
    /// Distinct users (the sessions' `did`); sessions without one count no user.
    pub users: u64,
    /// Distinct users who had a crashed session.
    pub crashed_users: u64,
    /// Percentage of sessions that did not crash; `None` without sessions.
    pub crash_free_sessions: Option<f64>,
    /// Percentage of users who had no crash; `None` without users.
    pub crash_free_users: Option<f64>,
    /// This release's share (percent) of the sessions of the project (in the environment asked).
    pub session_adoption: Option<f64>,
    /// This release's share (percent) of the project's users (in the environment asked).
    pub user_adoption: Option<f64>,
}

/// One bucket (hour or day) of a release's crash-free line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthPoint {
    /// Bucket start, RFC 3339 (UTC).
    pub t: String,
    /// Bucket start, seconds since the epoch.
    pub t_secs: u32,
    pub sessions: u64,
    pub crashed_sessions: u64,
    pub users: u64,
    pub crashed_users: u64,
    pub crash_free_sessions: Option<f64>,
    pub crash_free_users: Option<f64>,
}

/// `GET /api/v1/projects/{id}/releases/{version}/health`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReleaseHealthDetail {
    pub version: String,
    /// The period asked (`24h`, `14d`, …).
    pub period: String,
    /// The environment asked, or `None` for all.
    pub environment: Option<String>,
    /// Environments this release's sessions came from in the period.
    pub environments: Vec<String>,
    pub health: ReleaseHealth,
    /// Bucket length in seconds: an hour for periods up to two days, else a day.
    pub bucket_secs: u32,
    /// Oldest first; buckets without sessions are absent.
    pub series: Vec<HealthPoint>,
}
