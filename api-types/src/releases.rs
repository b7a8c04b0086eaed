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
}
