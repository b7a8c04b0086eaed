//! Session replay routes: a project's replays (the Replays page, filtered
//! and paginated), one replay's detail, its recording segments as stored
//! (zlib, served as `Content-Encoding: deflate` for the browser to inflate)
//! and a replay's erasure. The wire contract is documented in
//! `sightline_api_types::replays`.

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    Json,
};
use sightline_api_types::{ReplayDetail, ReplayPage, ReplayQuery};

use super::{access::project_role, caller::Caller, error::ApiResult};
use crate::state::AppState;

/// `GET /api/v1/projects/{project_id}/replays`: newest first, filtered, paginated.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/replays", tag = "replays", operation_id = "replays_list",
    params(("project_id" = i64, Path, description = "A project id"), ReplayQuery),
    responses(
        (status = 200, description = "A page of replays, newest first", body = ReplayPage),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Bad period (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Query(_q): Query<ReplayQuery>,
) -> ApiResult<Response> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    Ok(StatusCode::NOT_IMPLEMENTED.into_response())
}

/// `GET /api/v1/projects/{project_id}/replays/{replay_id}`: one replay with its segment ids.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/replays/{replay_id}", tag = "replays", operation_id = "replays_show",
    params(("project_id" = i64, Path, description = "A project id"), ("replay_id" = String, Path, description = "A replay id (32 hex digits)")),
    responses(
        (status = 200, description = "The replay", body = ReplayDetail),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, _replay_id)): Path<(i64, String)>,
) -> ApiResult<Response> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let _: Option<Json<ReplayDetail>> = None;
    Ok(StatusCode::NOT_IMPLEMENTED.into_response())
}

/// `GET /api/v1/projects/{project_id}/replays/{replay_id}/segments/{segment_id}`:
/// the segment's rrweb events (a JSON array) exactly as stored, zlib
/// (RFC 1950) served as `Content-Encoding: deflate`, which browsers inflate
/// natively: `await (await fetch(url)).json()` is the event array.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/replays/{replay_id}/segments/{segment_id}", tag = "replays", operation_id = "replays_segment",
    params(("project_id" = i64, Path, description = "A project id"), ("replay_id" = String, Path, description = "A replay id (32 hex digits)"),
        ("segment_id" = u32, Path, description = "A segment id (0, 1, …)")),
    responses(
        (status = 200, description = "The rrweb events of the segment: a JSON array, `Content-Encoding: deflate` (zlib)", content_type = "application/json"),
        (status = 404, description = "No such resource in the caller's teams, or no such segment (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn segment(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, _replay_id, _segment_id)): Path<(i64, String, u32)>,
) -> ApiResult<Response> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    Ok(StatusCode::NOT_IMPLEMENTED.into_response())
}

/// `DELETE /api/v1/projects/{project_id}/replays/{replay_id}`: erases the
/// replay's metadata and every segment (a user's erasure request).
#[utoipa::path(delete, path = "/api/v1/projects/{project_id}/replays/{replay_id}", tag = "replays", operation_id = "replays_delete",
    params(("project_id" = i64, Path, description = "A project id"), ("replay_id" = String, Path, description = "A replay id (32 hex digits)")),
    responses(
        (status = 204, description = "Erased"),
        (status = 403, description = "The caller's role is below member (`forbidden`)", body = sightline_api_types::ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, _replay_id)): Path<(i64, String)>,
) -> ApiResult<Response> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    Ok(StatusCode::NOT_IMPLEMENTED.into_response())
}
