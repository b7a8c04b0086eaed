//! Session replay routes: a project's replays (the Replays page, filtered
//! and paginated), one replay's detail, its recording segments as stored
//! (zlib, served as `Content-Encoding: deflate` for the browser to inflate)
//! and a replay's erasure. The wire contract is documented in
//! `sightline_api_types::replays`.

use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use sightline_api_types::{ReplayDetail, ReplayPage, ReplayQuery, Role};
use uuid::Uuid;

use super::{
    access::{project_role, require},
    caller::Caller,
    error::{ApiError, ApiResult},
    period::Period,
};
use crate::{
    state::AppState,
    store::{
        cluster::Cluster,
        replays::{self, Filter},
    },
};

/// Longest filter text taken.
const MAX_FILTER: usize = 200;

/// `GET /api/v1/projects/{project_id}/replays`: newest first, filtered, paginated.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/replays", tag = "replays", operation_id = "replays_list",
    params(("project_id" = i64, Path, description = "A project id"), ReplayQuery),
    responses(
        (status = 200, description = "A page of replays, newest first", body = ReplayPage),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Bad period or filter (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Query(q): Query<ReplayQuery>,
) -> ApiResult<Json<ReplayPage>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let period = Period::parse(q.period.as_deref().unwrap_or("30d"))?;
    let text = |v: Option<String>, what: &str| -> ApiResult<Option<String>> {
        let v = v.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        match v {
            Some(v) if v.chars().count() > MAX_FILTER => {
                Err(ApiError::Validation(format!("{what} filter is longer than {MAX_FILTER} characters")))
            }
            Some(v) if v.contains('\0') => Err(ApiError::Validation(format!("{what} filter contains NUL"))),
            v => Ok(v),
        }
    };
    let filter = Filter {
        since: period.since(),
        release: text(q.release, "release")?,
        environment: text(q.environment, "environment")?,
        browser: text(q.browser, "browser")?,
        url: text(q.url, "url")?,
        user: text(q.user, "user")?,
        has_errors: q.has_errors,
    };
    let per_page = q.per_page.unwrap_or(25).clamp(1, 100);
    let page = q.page.unwrap_or(1).clamp(1, 10_000);
    let offset = u64::from(page - 1) * u64::from(per_page);
    let (replays, total) = replays::list(&state.ch, project_id as u64, &filter, offset, per_page.into())
        .await
        .map_err(anyhow::Error::from)?;
    Ok(Json(ReplayPage { replays, total, page, per_page }))
}

/// Reads a replay id: 32 hex digits or a dashed UUID; anything else is not found.
fn replay_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::try_parse(raw.trim()).map_err(|_| ApiError::NotFound)
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
    Path((project_id, replay_id_raw)): Path<(i64, String)>,
) -> ApiResult<Json<ReplayDetail>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let id = replay_id(&replay_id_raw)?;
    let found = replays::detail(&state.ch, project_id as u64, id).await.map_err(anyhow::Error::from)?;
    Ok(Json(found.ok_or(ApiError::NotFound)?))
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
    Path((project_id, replay_id_raw, segment_id)): Path<(i64, String, String)>,
) -> ApiResult<Response> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let id = replay_id(&replay_id_raw)?;
    let segment_id: u32 = segment_id.trim().parse().map_err(|_| ApiError::NotFound)?;
    let data = replays::segment(&state.ch, project_id as u64, id, segment_id)
        .await
        .map_err(anyhow::Error::from)?
        .ok_or(ApiError::NotFound)?;
    let headers = [
        (header::CONTENT_TYPE, "application/json"),
        (header::CONTENT_ENCODING, "deflate"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CACHE_CONTROL, "private, max-age=3600"),
    ];
    Ok((headers, data).into_response())
}

/// `DELETE /api/v1/projects/{project_id}/replays/{replay_id}`: erases the
/// replay's metadata and every segment (a user's erasure request): hidden at
/// once, its rows removed by ClickHouse mutations in the background.
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
    Path((project_id, replay_id_raw)): Path<(i64, String)>,
) -> ApiResult<StatusCode> {
    require(project_role(&state.pg, caller.user_id, project_id).await?.1, Role::Member)?;
    let id = replay_id(&replay_id_raw)?;
    // In cluster mode the mutations go to every node's local tables.
    let cluster =
        state.config.clickhouse_cluster.as_deref().map(|name| Cluster::new(name, &state.config.clickhouse_database));
    replays::erase(&state.ch, cluster.as_ref(), project_id as u64, id).await.map_err(anyhow::Error::from)?;
    Ok(StatusCode::NO_CONTENT)
}
