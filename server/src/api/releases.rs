//! Releases: the routes Sentry's build tools call under
//! `/api/0/organizations/{org}/releases/` (`sentry-cli releases new`,
//! `finalize`, `set-commits` — whose commits are accepted and not kept —
//! and `deploys new`, as the bundler plugins drive them), and the
//! dashboard's list of a project's releases ([`crate::releases`]). The org is
//! a team's slug; the projects are its project slugs (or ids).

use axum::{
    extract::{rejection::JsonRejection, Path, Query, State},
    http::StatusCode,
    Json,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sightline_api_types::{ErrorBody, Release, Role};

use super::{
    access::{project_role, require, team_by_slug, team_projects},
    caller::{Caller, Credential},
    error::{ApiError, ApiResult},
    health::HealthQuery,
};
use crate::{
    releases::{self, Deploy, ReleaseRow},
    state::AppState,
};

/// Fails unless the caller may announce releases in the team named `org`; returns its id.
async fn announcer(state: &AppState, caller: &Caller, org: &str) -> ApiResult<i64> {
    let (team_id, role) = team_by_slug(&state.pg, caller.user_id, org).await?;
    if let Credential::Session(_) = caller.credential {
        require(role, Role::Admin)?;
    }
    Ok(team_id)
}

fn check_version(version: &str) -> ApiResult<()> {
    if version.is_empty() || version.chars().count() > 200 || version.chars().any(char::is_control) {
        return Err(ApiError::Validation("a release version has 1 to 200 characters and no control characters".into()));
    }
    Ok(())
}

fn names(projects: &[serde_json::Value]) -> ApiResult<Vec<String>> {
    projects
        .iter()
        .map(|p| match p {
            serde_json::Value::String(s) => Ok(s.clone()),
            serde_json::Value::Number(n) => Ok(n.to_string()),
            _ => Err(ApiError::Validation("projects lists slugs or ids".into())),
        })
        .collect()
}

/// The projects of `team_id` named in `projects`, or all of the team's when none are.
async fn projects_of(state: &AppState, team_id: i64, projects: &[serde_json::Value]) -> ApiResult<Vec<i64>> {
    let names = names(projects)?;
    if names.is_empty() {
        return Ok(sqlx::query_scalar("SELECT id FROM projects WHERE team_id = $1")
            .bind(team_id)
            .fetch_all(&state.pg)
            .await?);
    }
    team_projects(&state.pg, team_id, &names).await
}

/// A release as sentry-cli reads it back (`ReleaseInfo`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseInfo {
    version: String,
    url: Option<String>,
    date_created: String,
    date_released: Option<String>,
    last_event: Option<String>,
    new_groups: u64,
    projects: Vec<ProjectRef>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ProjectRef {
    slug: String,
    name: String,
}

async fn info(state: &AppState, rows: &[ReleaseRow]) -> ApiResult<ReleaseInfo> {
    let first = rows.first().ok_or(ApiError::NotFound)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.project_id).collect();
    let projects: Vec<(String, String)> =
        sqlx::query_as("SELECT slug, name FROM projects WHERE id = ANY($1) ORDER BY slug")
            .bind(&ids)
            .fetch_all(&state.pg)
            .await?;
    Ok(ReleaseInfo {
        version: first.version.clone(),
        url: first.url.clone(),
        date_created: first.created_at.to_rfc3339(),
        date_released: first.released_at.map(|t| t.to_rfc3339()),
        last_event: None,
        new_groups: 0,
        projects: projects.into_iter().map(|(slug, name)| ProjectRef { slug, name }).collect(),
    })
}

/// `sentry-cli releases new` (and the plugins' `release.create`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewRelease {
    version: String,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    projects: Vec<serde_json::Value>,
    url: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    date_released: Option<DateTime<Utc>>,
}

/// `POST /api/0/organizations/{org}/releases/`.
#[utoipa::path(post, path = "/api/0/organizations/{org}/releases/", tag = "sentry-cli",
    operation_id = "sentry_release_create",
    params(("org" = String, Path, description = "A team's slug")),
    request_body = NewRelease,
    responses(
        (status = 201, description = "Created (or already there) in each project", body = ReleaseInfo),
        (status = 404, description = "No such team, or a project not in it (`not_found`)", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    body: Result<Json<NewRelease>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<ReleaseInfo>)> {
    let team_id = announcer(&state, &caller, &org).await?;
    let Json(body) = body.map_err(|e| ApiError::Validation(e.body_text()))?;
    check_version(&body.version)?;
    if names(&body.projects)?.is_empty() {
        return Err(ApiError::Validation("name the release's projects".into()));
    }
    let ids = projects_of(&state, team_id, &body.projects).await?;
    let rows = releases::upsert(&state.pg, &ids, &body.version, body.url.as_deref(), body.date_released).await?;
    Ok((StatusCode::CREATED, Json(info(&state, &rows).await?)))
}

/// A change to a release: `finalize` sets `dateReleased`; `set-commits` sends refs or commits (not kept).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdatedRelease {
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    projects: Vec<serde_json::Value>,
    url: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    date_released: Option<DateTime<Utc>>,
    #[schema(value_type = Option<Vec<Object>>)]
    refs: Option<serde_json::Value>,
    #[schema(value_type = Option<Vec<Object>>)]
    commits: Option<serde_json::Value>,
}

/// `PUT /api/0/organizations/{org}/releases/{version}/`.
#[utoipa::path(put, path = "/api/0/organizations/{org}/releases/{version}/", tag = "sentry-cli",
    operation_id = "sentry_release_update",
    params(("org" = String, Path, description = "A team's slug"), ("version" = String, Path, description = "A release version")),
    request_body = UpdatedRelease,
    responses(
        (status = 200, description = "Updated", body = ReleaseInfo),
        (status = 404, description = "No such team, project or release (`not_found`)", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, version)): Path<(String, String)>,
    body: Result<Json<UpdatedRelease>, JsonRejection>,
) -> ApiResult<Json<ReleaseInfo>> {
    let team_id = announcer(&state, &caller, &org).await?;
    let Json(body) = body.map_err(|e| ApiError::Validation(e.body_text()))?;
    check_version(&version)?;
    let _ = (&body.refs, &body.commits);
    let ids = projects_of(&state, team_id, &body.projects).await?;
    let rows = releases::update(&state.pg, &ids, &version, body.url.as_deref(), body.date_released).await?;
    Ok(Json(info(&state, &rows).await?))
}

/// `sentry-cli deploys new`.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewDeploy {
    environment: String,
    name: Option<String>,
    url: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    date_started: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>, format = DateTime)]
    date_finished: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing)]
    #[schema(value_type = Vec<String>)]
    projects: Vec<serde_json::Value>,
}

/// `POST /api/0/organizations/{org}/releases/{version}/deploys/`.
#[utoipa::path(post, path = "/api/0/organizations/{org}/releases/{version}/deploys/", tag = "sentry-cli",
    operation_id = "sentry_deploy_create",
    params(("org" = String, Path, description = "A team's slug"), ("version" = String, Path, description = "A release version")),
    request_body = NewDeploy,
    responses(
        (status = 201, description = "Recorded", body = NewDeploy),
        (status = 404, description = "No such team, project or release (`not_found`)", body = ErrorBody),
    ))]
pub async fn deploy(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, version)): Path<(String, String)>,
    body: Result<Json<NewDeploy>, JsonRejection>,
) -> ApiResult<(StatusCode, Json<NewDeploy>)> {
    let team_id = announcer(&state, &caller, &org).await?;
    let Json(body) = body.map_err(|e| ApiError::Validation(e.body_text()))?;
    check_version(&version)?;
    let environment = body.environment.trim();
    if environment.is_empty() || environment.chars().count() > 64 || environment.chars().any(char::is_control) {
        return Err(ApiError::Validation("an environment has 1 to 64 characters".into()));
    }
    let ids = projects_of(&state, team_id, &body.projects).await?;
    let rows = releases::update(&state.pg, &ids, &version, None, None).await?;
    if rows.is_empty() {
        return Err(ApiError::NotFound);
    }
    let deploy = Deploy {
        environment: environment.to_string(),
        name: body.name.clone(),
        url: body.url.clone(),
        started_at: body.date_started,
        finished_at: body.date_finished,
    };
    releases::add_deploy(&state.pg, &rows, &deploy).await?;
    let finished = Some(body.date_finished.unwrap_or_else(Utc::now));
    Ok((StatusCode::CREATED, Json(NewDeploy { date_finished: finished, ..body })))
}

/// `GET /api/v1/projects/{project_id}/releases`.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/releases", tag = "releases",
    operation_id = "releases_list",
    params(("project_id" = i64, Path, description = "A project id"), HealthQuery),
    responses(
        (status = 200, description = "The project's releases, most recently active first, with their release health over the period", body = Vec<Release>),
        (status = 404, description = "No such project in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 422, description = "Bad period or environment (`validation`)", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Query(q): Query<HealthQuery>,
) -> ApiResult<Json<Vec<Release>>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let window = q.window()?;
    Ok(Json(releases::list(&state.pg, &state.ch, project_id, window.scope(project_id)).await?))
}
