//! An issue's events: the paginated list, newest first, and one whole event
//! with its place among the issue's events (for the oldest/older/newer/
//! latest links), both turned from stored rows into the wire types here.

use axum::{
    extract::{Path, Query, State},
    Json,
};
use chrono::DateTime;
use serde::Deserialize;
use sightline_api_types::{EventDetail, EventPage, EventSummary};

use super::{
    caller::Caller,
    error::{ApiError, ApiResult},
    issues::{fingerprints_of, load_issue},
};
use crate::{issues::stats, state::AppState, store::rows::EventRow};

/// Query string of paginated lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based, default 1.
    pub page: Option<u32>,
    /// 1 to 100, default 25.
    pub per_page: Option<u32>,
}

/// `GET /api/v1/issues/{issue_id}/events`: newest first.
#[utoipa::path(get, path = "/api/v1/issues/{issue_id}/events", tag = "issues", operation_id = "issues_events",
    params(("issue_id" = i64, Path, description = "An issue id"), PageQuery),
    responses(
        (status = 200, description = "A page of events, newest first", body = EventPage),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> ApiResult<Json<EventPage>> {
    let (row, _) = load_issue(&state, &caller, issue_id).await?;
    let per_page = q.per_page.unwrap_or(25).clamp(1, 100);
    let page = q.page.unwrap_or(1).max(1);
    let offset = u64::from(page - 1) * u64::from(per_page);
    let fingerprints = fingerprints_of(&state, &row).await?;
    let (rows, total) = stats::events(&state.ch, row.project_id as u64, &fingerprints, offset, per_page.into())
        .await
        .map_err(anyhow::Error::from)?;
    Ok(Json(EventPage { events: rows.iter().map(event_summary).collect(), total, page, per_page }))
}

/// `GET /api/v1/issues/{issue_id}/events/{event_id}`.
#[utoipa::path(get, path = "/api/v1/issues/{issue_id}/events/{event_id}", tag = "issues", operation_id = "issues_event",
    params(("issue_id" = i64, Path, description = "An issue id"), ("event_id" = String, Path, description = "An event id (32 hex digits, with or without dashes)")),
    responses(
        (status = 200, description = "The whole event", body = EventDetail),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((issue_id, event_id)): Path<(i64, String)>,
) -> ApiResult<Json<EventDetail>> {
    let (row, _) = load_issue(&state, &caller, issue_id).await?;
    let id = uuid::Uuid::try_parse(&event_id).map_err(|_| ApiError::NotFound)?;
    let fingerprints = fingerprints_of(&state, &row).await?;
    let found = stats::event(&state.ch, row.project_id as u64, &fingerprints, id).await.map_err(anyhow::Error::from)?;
    let found = found.ok_or(ApiError::NotFound)?;
    Ok(Json(detail_with_navigation(&state, found, &fingerprints).await?))
}

/// Builds an event's detail with its place among the events of the issue's `fingerprints`.
pub(super) async fn detail_with_navigation(
    state: &AppState,
    e: EventRow,
    fingerprints: &[String],
) -> ApiResult<EventDetail> {
    let nav = crate::issues::navigation::navigation(&state.ch, e.project_id, fingerprints, e.timestamp, e.event_id)
        .await
        .map_err(anyhow::Error::from)?;
    Ok(EventDetail { navigation: nav, ..detail(e) })
}

fn rfc3339(secs: u32) -> String {
    DateTime::from_timestamp(secs.into(), 0).unwrap_or_default().to_rfc3339()
}

fn event_summary(e: &EventRow) -> EventSummary {
    let user = [&e.user_id, &e.user_email, &e.user_ip].into_iter().find(|s| !s.is_empty()).cloned().unwrap_or_default();
    EventSummary {
        event_id: e.event_id.simple().to_string(),
        timestamp: rfc3339(e.timestamp),
        title: e.title.clone(),
        level: e.level.clone(),
        release: e.release.clone(),
        environment: e.environment.clone(),
        url: e.url.clone(),
        browser: e.browser.clone(),
        os: e.os.clone(),
        user,
    }
}

fn detail(e: EventRow) -> EventDetail {
    let json = |s: &str| serde_json::from_str(s).unwrap_or(serde_json::Value::Null);
    EventDetail {
        summary: event_summary(&e),
        frames: json(&e.frames),
        breadcrumbs: json(&e.breadcrumbs),
        contexts: json(&e.contexts),
        tags: e.tags_key.iter().cloned().zip(e.tags_value.iter().cloned()).collect(),
        sdk: if e.sdk_version.is_empty() { e.sdk_name } else { format!("{} {}", e.sdk_name, e.sdk_version) },
        exception_type: e.exception_type,
        exception_value: e.exception_value,
        message: e.message,
        culprit: e.culprit,
        platform: e.platform,
        browser_version: e.browser_version,
        os_version: e.os_version,
        navigation: Default::default(),
        replay_id: Some(e.replay_id).filter(|id| !id.is_empty()),
    }
}
