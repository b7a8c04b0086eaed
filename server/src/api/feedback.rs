//! User feedback routes: a project's feedback (the Feedback page), an
//! issue's feedback (on the issue page) and a feedback's screenshot.

use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;
use sightline_api_types::Feedback;

use super::{
    access::project_role,
    caller::Caller,
    error::{ApiError, ApiResult},
    issues::load_issue,
    period::Period,
};
use crate::{event::feedback::SCREENSHOT_TYPES, feedback, state::AppState};

/// Query string of the feedback list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackQuery {
    /// Look-back window like `30d` (default) or `24h`, at most `365d`.
    pub period: Option<String>,
}

/// `GET /api/v1/projects/{project_id}/feedback`: the latest 100, newest first.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/feedback", tag = "feedback", operation_id = "feedback_list",
    params(("project_id" = i64, Path, description = "A project id"), FeedbackQuery),
    responses(
        (status = 200, description = "Feedback, newest first, with the issue each is about", body = Vec<Feedback>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Bad period (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Query(q): Query<FeedbackQuery>,
) -> ApiResult<Json<Vec<Feedback>>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let period = Period::parse(q.period.as_deref().unwrap_or("30d"))?;
    Ok(Json(feedback::project(&state.ch, &state.pg, project_id as u64, period.since()).await?))
}

/// `GET /api/v1/issues/{issue_id}/feedback`: feedback about the issue's events.
#[utoipa::path(get, path = "/api/v1/issues/{issue_id}/feedback", tag = "feedback", operation_id = "feedback_of_issue",
    params(("issue_id" = i64, Path, description = "An issue id")),
    responses(
        (status = 200, description = "Feedback about the issue's events, newest first", body = Vec<Feedback>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn of_issue(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
) -> ApiResult<Json<Vec<Feedback>>> {
    let (row, _) = load_issue(&state, &caller, issue_id).await?;
    Ok(Json(feedback::issue(&state.ch, row.project_id as u64, issue_id, &row.fingerprint).await?))
}

/// `GET /api/v1/projects/{project_id}/feedback/{feedback_id}/screenshot`: the image.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/feedback/{feedback_id}/screenshot", tag = "feedback", operation_id = "feedback_screenshot",
    params(("project_id" = i64, Path, description = "A project id"), ("feedback_id" = String, Path, description = "A feedback id (32 hex digits)")),
    responses(
        (status = 200, description = "The screenshot (PNG, JPEG or WebP)", content_type = "image/png"),
        (status = 404, description = "No such resource in the caller's teams, or no screenshot (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn screenshot(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, feedback_id)): Path<(i64, String)>,
) -> ApiResult<Response> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let id = uuid::Uuid::try_parse(feedback_id.trim()).map_err(|_| ApiError::NotFound)?;
    let (content_type, data) =
        feedback::screenshot(&state.ch, project_id as u64, id).await?.ok_or(ApiError::NotFound)?;
    // Only image types sniffed at ingest are stored; anything else is not served as such.
    let content_type =
        SCREENSHOT_TYPES.iter().find(|t| **t == content_type).copied().unwrap_or("application/octet-stream");
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, "default-src 'none'"),
        (header::CACHE_CONTROL, "private, max-age=3600"),
    ];
    Ok((headers, data).into_response())
}
