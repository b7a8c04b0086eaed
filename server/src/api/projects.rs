//! Projects: list and create projects in a team, show, change and delete
//! them (admins) — with their allowed origins and data-scrubbing settings,
//! which reach the ingest key cache through NOTIFY. Their client keys are
//! managed in [`super::keys`].

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use sightline_api_types::{ErrorBody, NewProject, Project, ProjectKey, ProjectUpdate, Role};

use super::{
    access::{project_role, require, team_role},
    caller::Caller,
    error::{ApiError, ApiResult},
    keys::keys_of,
};
use crate::{projects, projects::origins, state::AppState};

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    team_id: i64,
    name: String,
    slug: String,
    platform: String,
    retention_days: i32,
    allowed_origins: Vec<String>,
    scrub_data: bool,
    scrub_ip_addresses: bool,
    sensitive_fields: Vec<String>,
    safe_fields: Vec<String>,
    replay_retention_days: i32,
    replay_daily_quota_mb: i32,
}

const PROJECT_COLUMNS: &str = "id, team_id, name, slug, platform, retention_days, allowed_origins, \
     scrub_data, scrub_ip_addresses, sensitive_fields, safe_fields, replay_retention_days, replay_daily_quota_mb";
/// Most entries in a project's sensitive or safe field list.
const MAX_FIELDS: usize = 100;
/// Longest field name in those lists.
const MAX_FIELD_LEN: usize = 100;

async fn load(state: &AppState, project_id: i64) -> ApiResult<Project> {
    let row: ProjectRow =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {PROJECT_COLUMNS} FROM projects WHERE id = $1")))
            .bind(project_id)
            .fetch_optional(&state.pg)
            .await?
            .ok_or(ApiError::NotFound)?;
    let keys = keys_of(state, project_id).await?;
    Ok(to_project(row, keys))
}

fn to_project(row: ProjectRow, keys: Vec<ProjectKey>) -> Project {
    Project {
        id: row.id,
        team_id: row.team_id,
        name: row.name,
        slug: row.slug,
        platform: row.platform,
        retention_days: row.retention_days,
        allowed_origins: row.allowed_origins,
        scrub_data: row.scrub_data,
        scrub_ip_addresses: row.scrub_ip_addresses,
        sensitive_fields: row.sensitive_fields,
        safe_fields: row.safe_fields,
        environments: Vec::new(),
        keys,
        replay_retention_days: row.replay_retention_days,
        replay_daily_quota_mb: row.replay_daily_quota_mb,
    }
}

/// `GET /api/v1/teams/{team_id}/projects`.
#[utoipa::path(get, path = "/api/v1/teams/{team_id}/projects", tag = "projects", operation_id = "projects_list",
    params(("team_id" = i64, Path, description = "A team id")),
    responses(
        (status = 200, description = "The team's projects", body = Vec<Project>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(team_id): Path<i64>,
) -> ApiResult<Json<Vec<Project>>> {
    team_role(&state.pg, caller.user_id, team_id).await?;
    let rows: Vec<ProjectRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {PROJECT_COLUMNS} FROM projects WHERE team_id = $1 ORDER BY name, id"
    )))
    .bind(team_id)
    .fetch_all(&state.pg)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let keys = keys_of(&state, row.id).await?;
        out.push(to_project(row, keys));
    }
    Ok(Json(out))
}

/// `POST /api/v1/teams/{team_id}/projects`: creates a project with its first key.
#[utoipa::path(post, path = "/api/v1/teams/{team_id}/projects", tag = "projects", operation_id = "projects_create", request_body = NewProject,
    params(("team_id" = i64, Path, description = "A team id")),
    responses(
        (status = 201, description = "Created with its first key", body = Project),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 409, description = "The team has a project of that name (`conflict`)", body = ErrorBody),
        (status = 422, description = "A project name has 1 to 100 characters (`validation`)", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(team_id): Path<i64>,
    Json(input): Json<NewProject>,
) -> ApiResult<(StatusCode, Json<Project>)> {
    require(team_role(&state.pg, caller.user_id, team_id).await?, Role::Admin)?;
    let name = project_name(&input.name)?;
    let slug = projects::slugify(&name);
    let mut tx = state.pg.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO projects (team_id, name, slug, platform) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (team_id, slug) DO NOTHING RETURNING id",
    )
    .bind(team_id)
    .bind(&name)
    .bind(&slug)
    .bind(input.platform.as_deref().unwrap_or("javascript"))
    .fetch_optional(&mut *tx)
    .await?;
    let id = id.ok_or_else(|| ApiError::Conflict(format!("this team already has a project called {name:?}")))?;
    projects::create_key(&mut tx, id, None).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(load(&state, id).await?)))
}

fn project_name(raw: &str) -> ApiResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::Validation("a project name has 1 to 100 characters".into()));
    }
    Ok(name.to_string())
}

/// `GET /api/v1/projects/{project_id}`: with the environments seen in the last 30 days.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}", tag = "projects", operation_id = "projects_show",
    params(("project_id" = i64, Path, description = "A project id")),
    responses(
        (status = 200, description = "The project", body = Project),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
) -> ApiResult<Json<Project>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let mut project = load(&state, project_id).await?;
    project.environments = environments_seen(&state, project_id).await?;
    Ok(Json(project))
}

/// Lists the distinct environments of the project's events and page loads in the last 30 days.
async fn environments_seen(state: &AppState, project_id: i64) -> ApiResult<Vec<String>> {
    let since = (chrono::Utc::now().timestamp() - 30 * 86_400).max(0) as u32;
    let mut seen: Vec<String> = Vec::new();
    for table in ["events", "transactions"] {
        let sql = format!(
            "SELECT DISTINCT environment FROM {table} \
             WHERE project_id = ? AND timestamp >= toDateTime(?) AND environment != ''"
        );
        let found: Vec<String> =
            state.ch.query(&sql).bind(project_id as u64).bind(since).fetch_all().await.map_err(anyhow::Error::from)?;
        seen.extend(found);
    }
    seen.sort();
    seen.dedup();
    Ok(seen)
}

/// `PATCH /api/v1/projects/{project_id}`: name, platform, retention, allowed origins, scrubbing (admins).
#[utoipa::path(patch, path = "/api/v1/projects/{project_id}", tag = "projects", operation_id = "projects_update", request_body = ProjectUpdate,
    params(("project_id" = i64, Path, description = "A project id")),
    responses(
        (status = 200, description = "Updated", body = Project),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 422, description = "Bad name, retention, origin or field list (`validation`)", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Json(input): Json<ProjectUpdate>,
) -> ApiResult<Json<Project>> {
    require(project_role(&state.pg, caller.user_id, project_id).await?.1, Role::Admin)?;
    let name = input.name.as_deref().map(project_name).transpose()?;
    if let Some(days) = input.retention_days {
        if !(1..=3650).contains(&days) {
            return Err(ApiError::Validation("retention is 1 to 3650 days".into()));
        }
    }
    if let Some(days) = input.replay_retention_days {
        if !(1..=3650).contains(&days) {
            return Err(ApiError::Validation("replay retention is 1 to 3650 days".into()));
        }
    }
    if input.replay_daily_quota_mb.is_some_and(|mb| mb < 0) {
        return Err(ApiError::Validation("the daily replay quota is 0 MiB or more".into()));
    }
    let origins = input.allowed_origins.map(|o| clean_list(o, origins::MAX_PATTERNS, "allowed origins")).transpose()?;
    if let Some(bad) = origins.iter().flatten().find_map(|o| origins::OriginPattern::parse(o).err()) {
        return Err(ApiError::Validation(bad));
    }
    let sensitive = input.sensitive_fields.map(|f| field_list(f, "sensitive fields")).transpose()?;
    let safe = input.safe_fields.map(|f| field_list(f, "safe fields")).transpose()?;
    sqlx::query(
        "UPDATE projects SET name = COALESCE($2, name), platform = COALESCE($3, platform), \
         retention_days = COALESCE($4, retention_days), allowed_origins = COALESCE($5, allowed_origins), \
         scrub_data = COALESCE($6, scrub_data), scrub_ip_addresses = COALESCE($7, scrub_ip_addresses), \
         sensitive_fields = COALESCE($8, sensitive_fields), safe_fields = COALESCE($9, safe_fields), \
         replay_retention_days = COALESCE($10, replay_retention_days), \
         replay_daily_quota_mb = COALESCE($11, replay_daily_quota_mb) WHERE id = $1",
    )
    .bind(project_id)
    .bind(name)
    .bind(input.platform)
    .bind(input.retention_days)
    .bind(origins)
    .bind(input.scrub_data)
    .bind(input.scrub_ip_addresses)
    .bind(sensitive)
    .bind(safe)
    .bind(input.replay_retention_days)
    .bind(input.replay_daily_quota_mb)
    .execute(&state.pg)
    .await?;
    Ok(Json(load(&state, project_id).await?))
}

/// Trims a list, drops empty entries and duplicates, and bounds its size.
fn clean_list(list: Vec<String>, max: usize, what: &str) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(list.len().min(max));
    for entry in list {
        let entry = entry.trim();
        if !entry.is_empty() && !out.iter().any(|e| e == entry) {
            out.push(entry.to_string());
        }
        if out.len() > max {
            return Err(ApiError::Validation(format!("at most {max} {what}")));
        }
    }
    Ok(out)
}

/// Validates a list of key names: bounded, printable, without separators.
fn field_list(list: Vec<String>, what: &str) -> ApiResult<Vec<String>> {
    let list = clean_list(list, MAX_FIELDS, what)?;
    if let Some(bad) = list.iter().find(|f| f.chars().count() > MAX_FIELD_LEN || f.chars().any(char::is_control)) {
        let shown: String = bad.chars().take(40).collect();
        return Err(ApiError::Validation(format!(
            "{shown:?} is not a field name: {what} have at most {MAX_FIELD_LEN} printable characters"
        )));
    }
    Ok(list)
}

/// `DELETE /api/v1/projects/{project_id}` (admins). Its keys stop working at once.
#[utoipa::path(delete, path = "/api/v1/projects/{project_id}", tag = "projects", operation_id = "projects_delete",
    params(("project_id" = i64, Path, description = "A project id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The caller's role is too low", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
) -> ApiResult<StatusCode> {
    require(project_role(&state.pg, caller.user_id, project_id).await?.1, Role::Admin)?;
    sqlx::query("DELETE FROM projects WHERE id = $1").bind(project_id).execute(&state.pg).await?;
    Ok(StatusCode::NO_CONTENT)
}
