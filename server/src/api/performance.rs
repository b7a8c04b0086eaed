//! `GET /api/v1/projects/{project_id}/performance`: Web Vitals summaries,
//! p75 series and the per-page table for a period and environment; and
//! `…/performance/attribution?page=`: what the SDK blamed on one page.

use axum::{
    extract::{Path, Query, State},
    Json,
};
use serde::Deserialize;
use sightline_api_types::{PageAttribution, Performance};

use super::{
    access::project_role,
    caller::Caller,
    error::{ApiError, ApiResult},
    period::Period,
};
use crate::{performance, state::AppState};

/// Query string of the performance page.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PerfQuery {
    /// Look-back window like `24h` (default) or `7d`, at most `365d`.
    pub period: Option<String>,
    pub environment: Option<String>,
}

/// Returns the project's vitals.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/performance", tag = "performance", operation_id = "performance_show",
    params(("project_id" = i64, Path, description = "A project id"), PerfQuery),
    responses(
        (status = 200, description = "Vitals, p75 series and pages", body = Performance),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Bad period (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Query(q): Query<PerfQuery>,
) -> ApiResult<Json<Performance>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let period = Period::parse(q.period.as_deref().unwrap_or("24h"))?;
    let filter = performance::Filter {
        project_id: project_id as u64,
        since: period.since(),
        environment: q.environment.filter(|s| !s.is_empty()),
        grain: performance::Grain::for_period(period.seconds),
    };
    let ch = &state.ch;
    // Three independent queries: ClickHouse runs them side by side.
    let (vitals, series, pages) = tokio::try_join!(
        performance::summaries(ch, &filter),
        performance::series(ch, &filter),
        performance::pages(ch, &filter, 50),
    )
    .map_err(anyhow::Error::from)?;
    Ok(Json(Performance { vitals, series, pages }))
}

/// Query string of a page's attribution.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttributionQuery {
    /// The page (transaction name) as the per-page table lists it; required.
    pub page: Option<String>,
    /// Look-back window like `24h` (default) or `7d`, at most `365d`.
    pub period: Option<String>,
    pub environment: Option<String>,
}

/// Returns what the SDK blamed for one page's LCP, CLS and INP.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/performance/attribution", tag = "performance", operation_id = "performance_attribution",
    params(("project_id" = i64, Path, description = "A project id"), AttributionQuery),
    responses(
        (status = 200, description = "LCP elements, CLS sources and INP targets of the page", body = PageAttribution),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Bad period or page (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn attribution(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Query(q): Query<AttributionQuery>,
) -> ApiResult<Json<PageAttribution>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let period = Period::parse(q.period.as_deref().unwrap_or("24h"))?;
    let page = q.page.unwrap_or_default();
    if page.is_empty() || page.len() > 512 || page.contains('\0') {
        return Err(ApiError::Validation("page must be 1 to 512 characters".into()));
    }
    let filter = performance::Filter {
        project_id: project_id as u64,
        since: period.since(),
        environment: q.environment.filter(|s| !s.is_empty()),
        grain: performance::Grain::for_period(period.seconds),
    };
    let out = performance::attribution::page(&state.ch, &filter, &page).await.map_err(anyhow::Error::from)?;
    Ok(Json(out))
}
