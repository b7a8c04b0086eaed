//! Triage routes: assign an issue, comment on it, read its activity
//! timeline, merge issues and split them again, and list similar issues.
//! Changing anything needs the member role in the issue's team, as
//! resolving does; the domain logic is in [`crate::issues`].

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use sightline_api_types::{
    ActivityEntry, AssignIssue, IssueAssignee, MergeIssues, Merged, MergedIssue, NewComment, Role, SimilarIssue,
    UnmergeIssues,
};

use super::{
    access::{project_role, require},
    caller::Caller,
    error::{ApiError, ApiResult},
    issues::load_issue,
};
use crate::{
    issues::{activity, assign, merge, similar},
    state::AppState,
};

/// The longest comment accepted.
const MAX_COMMENT: usize = 10_000;

/// `PUT /api/v1/issues/{issue_id}/assignee`.
#[utoipa::path(put, path = "/api/v1/issues/{issue_id}/assignee", tag = "issues", operation_id = "issues_assign",
    request_body = AssignIssue,
    params(("issue_id" = i64, Path, description = "An issue id")),
    responses(
        (status = 200, description = "The new assignee (`null`: unassigned)", body = Option<IssueAssignee>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Not a member of the project's team, or another team (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
    Json(body): Json<AssignIssue>,
) -> ApiResult<Json<Option<IssueAssignee>>> {
    let (row, role) = load_issue(&state, &caller, issue_id).await?;
    require(role, Role::Member)?;
    let (team_id, _) = project_role(&state.pg, caller.user_id, row.project_id).await?;
    let target = assign::Target { issue_id, team_id, title: &row.title };
    let done = assign::assign(&state.pg, &state.config.public_url, target, caller.user_id, body.user_id, body.team_id)
        .await
        .map_err(|e| match e {
            assign::AssignError::Db(e) => e.into(),
            other => ApiError::Validation(other.to_string()),
        })?;
    Ok(Json(done))
}

/// `GET /api/v1/issues/{issue_id}/activity`: the timeline, oldest first.
#[utoipa::path(get, path = "/api/v1/issues/{issue_id}/activity", tag = "issues", operation_id = "issues_activity",
    params(("issue_id" = i64, Path, description = "An issue id")),
    responses(
        (status = 200, description = "First seen, regressions, status changes, assignments, merges, alerts and comments", body = Vec<ActivityEntry>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn activity(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
) -> ApiResult<Json<Vec<ActivityEntry>>> {
    load_issue(&state, &caller, issue_id).await?;
    Ok(Json(activity::timeline(&state.pg, issue_id).await?))
}

/// `POST /api/v1/issues/{issue_id}/comments`.
#[utoipa::path(post, path = "/api/v1/issues/{issue_id}/comments", tag = "issues", operation_id = "issues_comment",
    request_body = NewComment,
    params(("issue_id" = i64, Path, description = "An issue id")),
    responses(
        (status = 201, description = "The comment was added to the timeline"),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Empty or longer than 10 000 characters (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn comment(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
    Json(body): Json<NewComment>,
) -> ApiResult<StatusCode> {
    let (_, role) = load_issue(&state, &caller, issue_id).await?;
    require(role, Role::Member)?;
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > MAX_COMMENT {
        return Err(ApiError::Validation(format!("a comment has 1 to {MAX_COMMENT} characters")));
    }
    let mut conn = state.pg.acquire().await?;
    activity::record(&mut conn, issue_id, "comment", Some(caller.user_id), text).await?;
    Ok(StatusCode::CREATED)
}

/// `POST /api/v1/projects/{project_id}/issues/merge`.
#[utoipa::path(post, path = "/api/v1/projects/{project_id}/issues/merge", tag = "issues", operation_id = "issues_merge",
    request_body = MergeIssues,
    params(("project_id" = i64, Path, description = "A project id")),
    responses(
        (status = 200, description = "The issue kept and the issues merged into it", body = Merged),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Fewer than 2 issues, an unknown issue, or a target outside `ids` (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Json(body): Json<MergeIssues>,
) -> ApiResult<Json<Merged>> {
    let (_, role) = project_role(&state.pg, caller.user_id, project_id).await?;
    require(role, Role::Member)?;
    let (target, merged) =
        merge::merge(&state.pg, project_id, &body.ids, body.target, caller.user_id).await.map_err(|e| match e {
            merge::MergeError::Db(e) => e.into(),
            other => ApiError::Validation(other.to_string()),
        })?;
    Ok(Json(Merged { target, merged }))
}

/// `GET /api/v1/issues/{issue_id}/merged`: the issues merged into this one.
#[utoipa::path(get, path = "/api/v1/issues/{issue_id}/merged", tag = "issues", operation_id = "issues_merged",
    params(("issue_id" = i64, Path, description = "An issue id")),
    responses(
        (status = 200, description = "Issues merged into this one", body = Vec<MergedIssue>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn merged(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
) -> ApiResult<Json<Vec<MergedIssue>>> {
    load_issue(&state, &caller, issue_id).await?;
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, title, culprit, fingerprint FROM issues WHERE merged_into = $1 ORDER BY id")
            .bind(issue_id)
            .fetch_all(&state.pg)
            .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, title, culprit, fingerprint)| MergedIssue { id, title, culprit, fingerprint })
            .collect(),
    ))
}

/// `POST /api/v1/issues/{issue_id}/unmerge`: splits merged issues off again.
#[utoipa::path(post, path = "/api/v1/issues/{issue_id}/unmerge", tag = "issues", operation_id = "issues_unmerge",
    request_body = UnmergeIssues,
    params(("issue_id" = i64, Path, description = "The issue they were merged into")),
    responses(
        (status = 200, description = "The issues restored", body = Vec<i64>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn unmerge(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
    Json(body): Json<UnmergeIssues>,
) -> ApiResult<Json<Vec<i64>>> {
    let (_, role) = load_issue(&state, &caller, issue_id).await?;
    require(role, Role::Member)?;
    if body.ids.len() > 100 {
        return Err(ApiError::Validation("give at most 100 issue ids".into()));
    }
    Ok(Json(merge::unmerge(&state.pg, issue_id, &body.ids, caller.user_id).await?))
}

/// `GET /api/v1/issues/{issue_id}/similar`: probably the same bug.
#[utoipa::path(get, path = "/api/v1/issues/{issue_id}/similar", tag = "issues", operation_id = "issues_similar",
    params(("issue_id" = i64, Path, description = "An issue id")),
    responses(
        (status = 200, description = "Issues of the same project at or above the similarity threshold, most similar first", body = Vec<SimilarIssue>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn similar(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
) -> ApiResult<Json<Vec<SimilarIssue>>> {
    let (row, _) = load_issue(&state, &caller, issue_id).await?;
    Ok(Json(similar::similar(&state.pg, &state.ch, row.project_id, issue_id).await?))
}
