//! `GET /api/v1/projects/{project_id}/usage`: what became of the items the
//! project's SDKs sent, per day and by outcome, category and reason
//! ([`crate::outcomes`]).

use axum::{
    extract::{Path, Query, State},
    Json,
};
use serde::Deserialize;
use sightline_api_types::Usage;

use super::{access::project_role, caller::Caller, error::ApiResult, period::Period};
use crate::{outcomes, state::AppState};

/// Query string of the usage page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// Look-back window like `30d` (default) or `24h`, at most `365d`.
    pub period: Option<String>,
}

/// Returns the project's outcomes.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/usage", tag = "usage", operation_id = "usage_show",
    params(("project_id" = i64, Path, description = "A project id"), UsageQuery),
    responses(
        (status = 200, description = "Outcomes per day and their breakdown", body = Usage),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Bad period (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Query(q): Query<UsageQuery>,
) -> ApiResult<Json<Usage>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let period = Period::parse(q.period.as_deref().unwrap_or("30d"))?;
    let usage =
        outcomes::usage::usage(&state.ch, project_id as u64, period.since()).await.map_err(anyhow::Error::from)?;
    Ok(Json(usage))
}
