//! Release health in the dashboard API: the `period` and `environment` query
//! of the release list (`GET …/releases`, [`super::releases::list`]) and
//! `GET /api/v1/projects/{project_id}/releases/{release}/health`, one
//! release's figures with its crash-free line over time
//! ([`crate::store::sessions`]).

use axum::{
    extract::{Path, Query, State},
    Json,
};
use serde::Deserialize;
use sightline_api_types::{ErrorBody, ReleaseHealthDetail};

use super::{
    access::project_role,
    caller::Caller,
    error::{ApiError, ApiResult},
    period::Period,
};
use crate::{state::AppState, store::sessions};

/// The window and environment release health is computed over.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HealthQuery {
    /// Look-back window like `14d` (default) or `24h`, at most `365d`; sessions by their start.
    pub period: Option<String>,
    /// Only this environment's sessions (adoption is then the share within it); all by default.
    pub environment: Option<String>,
}

/// The parsed query: the period's text, its start, and the environment.
pub struct Window {
    pub period: String,
    pub seconds: u32,
    pub since: u32,
    pub environment: Option<String>,
}

impl HealthQuery {
    /// Parses the period (default 14 days) and the environment (empty reads as all).
    pub fn window(&self) -> ApiResult<Window> {
        let period = self.period.clone().unwrap_or_else(|| "14d".into());
        let parsed = Period::parse(&period)?;
        let environment = self.environment.as_deref().map(str::trim).filter(|e| !e.is_empty());
        if environment.is_some_and(|e| e.chars().count() > 200) {
            return Err(ApiError::Validation("an environment has at most 200 characters".into()));
        }
        Ok(Window {
            period,
            seconds: parsed.seconds,
            since: parsed.since(),
            environment: environment.map(str::to_string),
        })
    }
}

impl Window {
    /// Returns the storage scope of this window in `project_id`.
    pub fn scope(&self, project_id: i64) -> sessions::Scope<'_> {
        sessions::Scope { project_id: project_id as u64, since: self.since, environment: self.environment.as_deref() }
    }
}

/// Returns a release's health and its crash-free line.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/releases/{release}/health", tag = "releases",
    operation_id = "release_health_show",
    params(("project_id" = i64, Path, description = "A project id"),
        ("release" = String, Path, description = "A release version (URL-encoded)"), HealthQuery),
    responses(
        (status = 200, description = "The release's sessions, users, crash-free rates, adoption and crash-free line", body = ReleaseHealthDetail),
        (status = 404, description = "No such project in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 422, description = "Bad period or environment (`validation`)", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path((project_id, version)): Path<(i64, String)>,
    Query(q): Query<HealthQuery>,
) -> ApiResult<Json<ReleaseHealthDetail>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let window = q.window()?;
    let scope = window.scope(project_id);
    let bucket_secs = if window.seconds <= 2 * 86_400 { 3600 } else { 86_400 };
    let ch = &state.ch;
    let read = async {
        let health = sessions::of_release(ch, scope, &version).await?;
        let series = sessions::series(ch, scope, &version, bucket_secs).await?;
        let environments = sessions::environments(ch, project_id as u64, window.since, &version).await?;
        Ok::<_, clickhouse::error::Error>((health, series, environments))
    };
    let (health, series, environments) = read.await.map_err(anyhow::Error::from)?;
    Ok(Json(ReleaseHealthDetail {
        version,
        period: window.period.clone(),
        environment: window.environment.clone(),
        environments,
        health,
        bucket_secs,
        series,
    }))
}
