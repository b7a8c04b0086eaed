//! Client keys of a project: list, create, rotate, disable, set a per-key
//! rate limit, delete (admins change them). Every key is shown with its DSN;
//! changes reach the ingest key cache through NOTIFY.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use sightline_api_types::{ErrorBody, KeyUpdate, ProjectKey, Role};

use super::{
    access::{project_role, require},
    caller::Caller,
    error::{ApiError, ApiResult},
};
use crate::{projects, state::AppState};

/// A stored client key.
#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    label: String,
    public_key: String,
    is_active: bool,
    rate_limit_per_minute: Option<i32>,
}

/// Returns the keys of `project_id`, each with its DSN.
pub(super) async fn keys_of(state: &AppState, project_id: i64) -> ApiResult<Vec<ProjectKey>> {
    let rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT id, label, public_key, is_active, rate_limit_per_minute FROM project_keys WHERE project_id = $1 ORDER BY id",
    )
    .bind(project_id)
    .fetch_all(&state.pg)
    .await?;
    Ok(rows
        .into_iter()
        .map(|KeyRow { id, label, public_key, is_active, rate_limit_per_minute }| ProjectKey {
            id,
            label,
            dsn: state.config.dsn(&public_key, project_id),
            public_key,
            is_active,
            rate_limit_per_minute,
        })
        .collect())
}

/// `GET /api/v1/projects/{project_id}/keys`.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/keys", tag = "projects", operation_id = "projects_keys",
    params(("project_id" = i64, Path, description = "A project id")),
    responses(
        (status = 200, description = "The client keys", body = Vec<ProjectKey>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn keys(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
) -> ApiResult<Json<Vec<ProjectKey>>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    Ok(Json(keys_of(&state, project_id).await?))
}

/// `POST /api/v1/projects/{project_id}/keys`: adds a key (admins).
#[utoipa::path(post, path = "/api/v1/projects/{project_id}/keys", tag = "projects", operation_id = "projects_create_key", request_body = KeyUpdate,
    params(("project_id" = i64, Path, description = "A project id")),
    responses(
        (status = 201, description = "Created", body = ProjectKey),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 422, description = "A rate limit must be positive (`validation`)", body = ErrorBody),
    ))]
pub async fn create_key(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Json(input): Json<KeyUpdate>,
) -> ApiResult<(StatusCode, Json<ProjectKey>)> {
    require(project_role(&state.pg, caller.user_id, project_id).await?.1, Role::Admin)?;
    let mut conn = state.pg.acquire().await?;
    let public_key = projects::create_key(&mut conn, project_id, None).await?;
    let id: i64 = sqlx::query_scalar("SELECT id FROM project_keys WHERE public_key = $1")
        .bind(&public_key)
        .fetch_one(&mut *conn)
        .await?;
    drop(conn);
    let key = apply_key_update(&state, project_id, id, input).await?;
    Ok((StatusCode::CREATED, Json(key)))
}

/// `PATCH /api/v1/projects/{project_id}/keys/{key_id}`: label, active, rate limit (admins).
#[utoipa::path(patch, path = "/api/v1/projects/{project_id}/keys/{key_id}", tag = "projects", operation_id = "projects_update_key", request_body = KeyUpdate,
    params(("project_id" = i64, Path, description = "A project id"), ("key_id" = i64, Path, description = "A client key's id")),
    responses(
        (status = 200, description = "Updated", body = ProjectKey),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 422, description = "A rate limit must be positive (`validation`)", body = ErrorBody),
    ))]
pub async fn update_key(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, key_id)): Path<(i64, i64)>,
    Json(input): Json<KeyUpdate>,
) -> ApiResult<Json<ProjectKey>> {
    require(project_role(&state.pg, caller.user_id, project_id).await?.1, Role::Admin)?;
    Ok(Json(apply_key_update(&state, project_id, key_id, input).await?))
}

/// `POST /api/v1/projects/{project_id}/keys/{key_id}/rotate`: new public key, old one stops working.
#[utoipa::path(post, path = "/api/v1/projects/{project_id}/keys/{key_id}/rotate", tag = "projects", operation_id = "projects_rotate_key",
    params(("project_id" = i64, Path, description = "A project id"), ("key_id" = i64, Path, description = "A client key's id")),
    responses(
        (status = 200, description = "The key with its new public key and DSN", body = ProjectKey),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn rotate_key(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, key_id)): Path<(i64, i64)>,
) -> ApiResult<Json<ProjectKey>> {
    require(project_role(&state.pg, caller.user_id, project_id).await?.1, Role::Admin)?;
    let done = sqlx::query("UPDATE project_keys SET public_key = $1 WHERE id = $2 AND project_id = $3")
        .bind(projects::generate_public_key())
        .bind(key_id)
        .bind(project_id)
        .execute(&state.pg)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound);
    }
    find_key(&state, project_id, key_id).await.map(Json)
}

/// `DELETE /api/v1/projects/{project_id}/keys/{key_id}` (admins).
#[utoipa::path(delete, path = "/api/v1/projects/{project_id}/keys/{key_id}", tag = "projects", operation_id = "projects_delete_key",
    params(("project_id" = i64, Path, description = "A project id"), ("key_id" = i64, Path, description = "A client key's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn delete_key(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, key_id)): Path<(i64, i64)>,
) -> ApiResult<StatusCode> {
    require(project_role(&state.pg, caller.user_id, project_id).await?.1, Role::Admin)?;
    let done = sqlx::query("DELETE FROM project_keys WHERE id = $1 AND project_id = $2")
        .bind(key_id)
        .bind(project_id)
        .execute(&state.pg)
        .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}

async fn apply_key_update(state: &AppState, project_id: i64, key_id: i64, input: KeyUpdate) -> ApiResult<ProjectKey> {
    if let Some(Some(limit)) = input.rate_limit_per_minute {
        if limit <= 0 {
            return Err(ApiError::Validation("a rate limit is a positive number of events per minute".into()));
        }
    }
    let label = input.label.map(|l| l.trim().chars().take(100).collect::<String>());
    let done = sqlx::query(
        "UPDATE project_keys SET label = COALESCE($3, label), is_active = COALESCE($4, is_active), \
         rate_limit_per_minute = CASE WHEN $5 THEN $6 ELSE rate_limit_per_minute END \
         WHERE id = $1 AND project_id = $2",
    )
    .bind(key_id)
    .bind(project_id)
    .bind(label)
    .bind(input.is_active)
    .bind(input.rate_limit_per_minute.is_some())
    .bind(input.rate_limit_per_minute.flatten())
    .execute(&state.pg)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::NotFound);
    }
    find_key(state, project_id, key_id).await
}

async fn find_key(state: &AppState, project_id: i64, key_id: i64) -> ApiResult<ProjectKey> {
    keys_of(state, project_id).await?.into_iter().find(|k| k.id == key_id).ok_or(ApiError::NotFound)
}
