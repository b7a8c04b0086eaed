//! What a project's pages read beside issues: performance, feedback,
//! usage, releases and their health, and session replays.

use super::*;

// ---------------------------------------------------------------- performance

/// Loads a project's Web Vitals over `period` (e.g. `24h`).
pub async fn performance(project: i64, period: &str) -> ApiResult<Performance> {
    get(&format!("/api/v1/projects/{project}/performance?period={}", encode(period))).await
}

/// Loads what the SDK blamed for one page's LCP, CLS and INP over `period`.
pub async fn attribution(project: i64, page: &str, period: &str) -> ApiResult<PageAttribution> {
    get(&format!("/api/v1/projects/{project}/performance/attribution?page={}&period={}", encode(page), encode(period)))
        .await
}

// ---------------------------------------------------------------- feedback

/// Loads a project's user feedback over `period` (e.g. `30d`), newest first.
pub async fn feedback(project: i64, period: &str) -> ApiResult<Vec<Feedback>> {
    get(&format!("/api/v1/projects/{project}/feedback?period={}", encode(period))).await
}

/// Loads the feedback about an issue's events.
pub async fn issue_feedback(issue: i64) -> ApiResult<Vec<Feedback>> {
    get(&format!("/api/v1/issues/{issue}/feedback")).await
}

// ---------------------------------------------------------------- usage

/// Loads what became of a project's items over `period` (e.g. `30d`).
pub async fn usage(project: i64, period: &str) -> ApiResult<Usage> {
    get(&format!("/api/v1/projects/{project}/usage?period={}", encode(period))).await
}

// ---------------------------------------------------------------- releases

/// Lists a project's releases, most recently active first, with their health over `period`.
pub async fn releases(project: i64, period: &str) -> ApiResult<Vec<Release>> {
    get(&format!("/api/v1/projects/{project}/releases?period={}", encode(period))).await
}

/// Returns a release's health and crash-free line over `period`, in `environment` ("" for all).
pub async fn release_health(
    project: i64,
    version: &str,
    period: &str,
    environment: &str,
) -> ApiResult<ReleaseHealthDetail> {
    get(&format!(
        "/api/v1/projects/{project}/releases/{}/health?period={}&environment={}",
        encode(version),
        encode(period),
        encode(environment)
    ))
    .await
}

// ---------------------------------------------------------------- replays

/// Loads a page of a project's session replays; `query` is the list's query string (without `?`).
pub async fn replays(project: i64, query: &str) -> ApiResult<ReplayPage> {
    get(&format!("/api/v1/projects/{project}/replays?{query}")).await
}

/// Loads one replay: its summary, error events, URLs and segment ids.
pub async fn replay(project: i64, replay_id: &str) -> ApiResult<ReplayDetail> {
    get(&format!("/api/v1/projects/{project}/replays/{}", encode(replay_id))).await
}

/// Erases a replay (a visitor's erasure request).
pub async fn delete_replay(project: i64, replay_id: &str) -> ApiResult<serde_json::Value> {
    call("DELETE", &format!("/api/v1/projects/{project}/replays/{}", encode(replay_id)), None).await
}

/// Returns the URL of one stored segment (the player fetches it itself).
pub fn replay_segment_url(project: i64, replay_id: &str, segment: u32) -> String {
    format!("/api/v1/projects/{project}/replays/{}/segments/{segment}", encode(replay_id))
}
