//! Issues: the filtered, sorted, paginated list with counts and sparklines
//! (state from Postgres, numbers from ClickHouse), the detail with the
//! latest event, tag breakdowns, and status changes — one issue or many at
//! once. An issue's events are in [`super::events`].

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    Json,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sightline_api_types::{
    IssueDetail, IssuePage, IssueStatus, IssueSummary, IssueUpdate, Level, Role, TagBreakdown, TagValue,
};

use super::{
    access::{project_role, require},
    caller::Caller,
    error::{ApiError, ApiResult},
    events,
    period::Period,
};
use crate::{
    issues::stats::{self, Buckets, Filter, Grain},
    state::AppState,
};

/// Query string of the issue list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `unresolved` (default), `resolved`, `ignored` or `all`.
    pub status: Option<String>,
    pub environment: Option<String>,
    pub release: Option<String>,
    /// Case-insensitive text in the title or culprit.
    pub query: Option<String>,
    /// Look-back window like `24h` or `14d` (default), at most `365d`.
    pub period: Option<String>,
    /// `last_seen` (default), `first_seen`, `events` or `users`.
    pub sort: Option<String>,
    /// Sparkline buckets: `24h` (hourly, default) or `14d` (daily).
    pub series: Option<String>,
    /// 1-based, default 1.
    pub page: Option<u32>,
    /// 1 to 100, default 25.
    pub per_page: Option<u32>,
}

/// A stored issue ([`ISSUE_COLUMNS`]); a level or status this version does
/// not know fails the query (a logged 500) instead of reading as another.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct IssueRow {
    pub id: i64,
    pub project_id: i64,
    pub fingerprint: String,
    pub title: String,
    pub culprit: String,
    pub level: Level,
    pub status: IssueStatus,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub regressed_at: Option<DateTime<Utc>>,
}

const ISSUE_COLUMNS: &str =
    "id, project_id, fingerprint, title, culprit, level, status, first_seen, last_seen, regressed_at";

fn summary(row: &IssueRow, (events, users): (u64, u64), series: Vec<u64>) -> IssueSummary {
    IssueSummary {
        id: row.id,
        project_id: row.project_id,
        title: row.title.clone(),
        culprit: row.culprit.clone(),
        level: row.level,
        status: row.status,
        regressed: row.regressed_at.is_some() && row.status == IssueStatus::Unresolved,
        first_seen: row.first_seen.to_rfc3339(),
        last_seen: row.last_seen.to_rfc3339(),
        events,
        users,
        series,
    }
}

/// `GET /api/v1/projects/{project_id}/issues`.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/issues", tag = "issues", operation_id = "issues_list",
    params(("project_id" = i64, Path, description = "A project id"), ListQuery),
    responses(
        (status = 200, description = "A page of issues", body = IssuePage),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Unknown status, sort, series or period (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<IssuePage>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let period = Period::parse(q.period.as_deref().unwrap_or("14d"))?;
    let status = match q.status.as_deref().unwrap_or("unresolved") {
        "all" => None,
        s @ ("unresolved" | "resolved" | "ignored") => Some(s.to_string()),
        other => return Err(ApiError::Validation(format!("unknown status {other:?}"))),
    };
    let sort = q.sort.as_deref().unwrap_or("last_seen");
    if !matches!(sort, "last_seen" | "first_seen" | "events" | "users") {
        return Err(ApiError::Validation(format!("unknown sort {sort:?}")));
    }
    let buckets = match q.series.as_deref().unwrap_or("24h") {
        "24h" => Buckets::Hours24,
        "14d" => Buckets::Days14,
        other => return Err(ApiError::Validation(format!("unknown series {other:?}: use 24h or 14d"))),
    };
    let per_page = q.per_page.unwrap_or(25).clamp(1, 100);
    let page = q.page.unwrap_or(1).max(1);
    let pattern = q.query.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| format!("%{}%", like_escape(s)));
    let rows: Vec<IssueRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ISSUE_COLUMNS} FROM issues WHERE project_id = $1 AND ($2::text IS NULL OR status = $2) \
         AND ($3::text IS NULL OR title ILIKE $3 OR culprit ILIKE $3)"
    )))
    .bind(project_id)
    .bind(status)
    .bind(pattern)
    .fetch_all(&state.pg)
    .await?;
    let filter = Filter {
        project_id: project_id as u64,
        since: period.since(),
        environment: q.environment.filter(|s| !s.is_empty()),
        release: q.release.filter(|s| !s.is_empty()),
    };
    let ch = &state.ch;
    let grain = Grain::for_period(period.seconds);
    let counts = stats::event_counts(ch, &filter, grain).await.map_err(anyhow::Error::from)?;
    // Sorting by users needs every issue's users; otherwise one page's worth is enough.
    let mut users = match sort {
        "users" => stats::user_counts(ch, &filter, grain, None).await.map_err(anyhow::Error::from)?,
        _ => HashMap::new(),
    };
    // Only issues with events in the period (and matching environment/release) are listed.
    let mut rows: Vec<(IssueRow, u64)> =
        rows.into_iter().filter_map(|r| counts.get(&r.fingerprint).map(|c| (r, *c))).collect();
    rows.sort_by(|(a, ca), (b, cb)| {
        let users_of = |r: &IssueRow| users.get(&r.fingerprint).copied().unwrap_or(0);
        match sort {
            "first_seen" => b.first_seen.cmp(&a.first_seen),
            "events" => cb.cmp(ca),
            "users" => users_of(b).cmp(&users_of(a)),
            _ => b.last_seen.cmp(&a.last_seen),
        }
        .then(b.id.cmp(&a.id))
    });
    let total = rows.len() as u64;
    // In u64: a page number near u32::MAX must give an empty page, not an overflow.
    let start = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
    let page_rows: Vec<_> = rows.into_iter().skip(start).take(per_page as usize).collect();
    let fingerprints: Vec<String> = page_rows.iter().map(|(r, _)| r.fingerprint.clone()).collect();
    let page_users = async {
        match sort {
            "users" => Ok(None),
            _ => stats::user_counts(ch, &filter, grain, Some(&fingerprints)).await.map(Some),
        }
    };
    let series = stats::series(ch, project_id as u64, &fingerprints, buckets, now_secs());
    let (page_users, mut series) = tokio::try_join!(page_users, series).map_err(anyhow::Error::from)?;
    if let Some(page_users) = page_users {
        users = page_users;
    }
    let issues = page_rows
        .iter()
        .map(|(r, events)| {
            let counts = (*events, users.get(&r.fingerprint).copied().unwrap_or(0));
            summary(r, counts, series.remove(&r.fingerprint).unwrap_or_default())
        })
        .collect();
    Ok(Json(IssuePage { issues, total, page, per_page }))
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn now_secs() -> u32 {
    Utc::now().timestamp().clamp(0, u32::MAX as i64) as u32
}

/// Loads an issue the caller may see; returns it with the caller's role.
pub(super) async fn load_issue(state: &AppState, caller: &Caller, issue_id: i64) -> ApiResult<(IssueRow, Role)> {
    let row: IssueRow =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {ISSUE_COLUMNS} FROM issues WHERE id = $1")))
            .bind(issue_id)
            .fetch_optional(&state.pg)
            .await?
            .ok_or(ApiError::NotFound)?;
    let (_, role) = project_role(&state.pg, caller.user_id, row.project_id).await?;
    Ok((row, role))
}

/// `GET /api/v1/issues/{issue_id}`: the issue (all-time counts, 14-day series) and its latest event.
#[utoipa::path(get, path = "/api/v1/issues/{issue_id}", tag = "issues", operation_id = "issues_show",
    params(("issue_id" = i64, Path, description = "An issue id")),
    responses(
        (status = 200, description = "The issue and its latest event", body = IssueDetail),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
) -> ApiResult<Json<IssueDetail>> {
    let (row, _) = load_issue(&state, &caller, issue_id).await?;
    let project = row.project_id as u64;
    let totals = stats::totals(&state.ch, project, &row.fingerprint).await.map_err(anyhow::Error::from)?;
    let mut series =
        stats::series(&state.ch, project, std::slice::from_ref(&row.fingerprint), Buckets::Days14, now_secs())
            .await
            .map_err(anyhow::Error::from)?;
    let (latest, _) = stats::events(&state.ch, project, &row.fingerprint, 0, 1).await.map_err(anyhow::Error::from)?;
    let latest_event = match latest.into_iter().next() {
        Some(e) => Some(events::detail_with_navigation(&state, e).await?),
        None => None,
    };
    Ok(Json(IssueDetail {
        issue: summary(&row, totals, series.remove(&row.fingerprint).unwrap_or_default()),
        latest_event,
    }))
}

/// `GET /api/v1/issues/{issue_id}/tags`: top values per tag key.
#[utoipa::path(get, path = "/api/v1/issues/{issue_id}/tags", tag = "issues", operation_id = "issues_tags",
    params(("issue_id" = i64, Path, description = "An issue id")),
    responses(
        (status = 200, description = "Top values per tag key", body = Vec<TagBreakdown>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn tags(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
) -> ApiResult<Json<Vec<TagBreakdown>>> {
    let (row, _) = load_issue(&state, &caller, issue_id).await?;
    let keys =
        stats::tags(&state.ch, row.project_id as u64, &row.fingerprint, 10).await.map_err(anyhow::Error::from)?;
    Ok(Json(
        keys.into_iter()
            .map(|(key, total, values)| TagBreakdown {
                key,
                total,
                values: values.into_iter().map(|(value, count)| TagValue { value, count }).collect(),
            })
            .collect(),
    ))
}

/// `PATCH /api/v1/issues/{issue_id}`: resolve, unresolve or ignore.
#[utoipa::path(patch, path = "/api/v1/issues/{issue_id}", tag = "issues", operation_id = "issues_update", request_body = IssueUpdate,
    params(("issue_id" = i64, Path, description = "An issue id")),
    responses(
        (status = 204, description = "Status changed"),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(issue_id): Path<i64>,
    Json(body): Json<IssueUpdate>,
) -> ApiResult<StatusCode> {
    let (row, role) = load_issue(&state, &caller, issue_id).await?;
    require(role, Role::Member)?;
    set_status(&state, row.project_id, &[issue_id], body.status).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PATCH /api/v1/projects/{project_id}/issues`: the same for many issues of one project.
#[utoipa::path(patch, path = "/api/v1/projects/{project_id}/issues", tag = "issues", operation_id = "issues_bulk_update", request_body = IssueUpdate,
    params(("project_id" = i64, Path, description = "A project id")),
    responses(
        (status = 200, description = "`{\"updated\": n}`", body = HashMap<String, u64>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = sightline_api_types::ErrorBody),
        (status = 422, description = "Give 1 to 1000 issue ids (`validation`)", body = sightline_api_types::ErrorBody),
    ))]
pub async fn bulk_update(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Json(body): Json<IssueUpdate>,
) -> ApiResult<Json<HashMap<String, u64>>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    if body.ids.is_empty() || body.ids.len() > 1000 {
        return Err(ApiError::Validation("give 1 to 1000 issue ids".into()));
    }
    let updated = set_status(&state, project_id, &body.ids, body.status).await?;
    Ok(Json(HashMap::from([("updated".to_string(), updated)])))
}

async fn set_status(state: &AppState, project_id: i64, ids: &[i64], status: IssueStatus) -> ApiResult<u64> {
    let done = sqlx::query(
        "UPDATE issues SET status = $3, \
         resolved_at = CASE WHEN $3 = 'resolved' THEN now() ELSE NULL END, \
         regressed_at = CASE WHEN $3 = 'unresolved' THEN regressed_at ELSE NULL END \
         WHERE project_id = $1 AND id = ANY($2)",
    )
    .bind(project_id)
    .bind(ids)
    .bind(status.as_str())
    .execute(&state.pg)
    .await?;
    Ok(done.rows_affected())
}
