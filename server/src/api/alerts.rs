//! Alert rules of a project — list, create, replace, delete — and the alerts
//! they fired, newest first, each with its delivery log (channel, path used,
//! attempts, last error). Bodies are parsed after the access check, so an
//! outsider learns nothing from a validation error, and a malformed rule is
//! answered 422 with a JSON error saying what to fix. A webhook URL that
//! points into the server's own network (loopback, private, link-local,
//! metadata…, see [`crate::alerts::destination`]) is answered 400
//! `webhook_refused`, unless the operator allows private receivers.

use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use chrono::{DateTime, Utc};
use serde_json::Value;
use sightline_api_types::{
    AlertDelivery, AlertFiring, AlertKind, AlertRule, AlertRuleInput, AlertTestQueued, ErrorBody,
};
use sqlx::Row as _;

use super::{
    access::project_role,
    caller::Caller,
    error::{ApiError, ApiResult},
};
use crate::{
    alerts::{
        self,
        destination::Guard,
        issue_rules::dashboard_link,
        rule::{RuleSpec, RULE_SELECT},
        Rule,
    },
    state::AppState,
};

/// How many alerts the log shows.
const LOG_LIMIT: i64 = 200;

fn to_rule(r: Rule) -> AlertRule {
    AlertRule {
        kind: r.kind,
        id: r.id,
        project_id: r.project_id,
        name: r.name,
        enabled: r.enabled,
        environment: r.environment,
        level: r.level,
        quiet_until: r.quiet_until,
        throttle_minutes: r.throttle_minutes,
        scope: r.scope,
        vital: r.vital,
        page: r.page,
        threshold: r.threshold,
        window_minutes: r.window_minutes,
        email_to: r.email_to,
        webhook_url: r.webhook_url,
        webhook_signed: r.webhook_signed,
        created_at: r.created_at.to_rfc3339(),
    }
}

/// Binds a rule's fields as `$2`…`$16`, in the column order the create and
/// replace statements share (`$1` is the project or rule id).
fn bind_rule<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    r: &'q AlertRuleInput,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    q.bind(&r.name)
        .bind(r.kind.as_str())
        .bind(r.enabled)
        .bind(&r.environment)
        .bind(&r.level)
        .bind(r.quiet_until)
        .bind(r.throttle_minutes)
        .bind(&r.scope)
        .bind(&r.vital)
        .bind(&r.page)
        .bind(r.threshold)
        .bind(r.window_minutes)
        .bind(&r.email_to)
        .bind(&r.webhook_url)
        .bind(&r.webhook_secret)
}

fn parse(body: Value) -> ApiResult<RuleSpec> {
    let input: AlertRuleInput =
        serde_json::from_value(body).map_err(|e| ApiError::Validation(format!("bad alert rule: {e}")))?;
    RuleSpec::parse(input).map_err(ApiError::Validation)
}

/// Refuses a webhook URL that reaches into the server's own network, as
/// literal address, by name or by what the name resolves to now (delivery
/// checks again: DNS can change).
async fn check_webhook(state: &AppState, rule: &AlertRuleInput) -> ApiResult<()> {
    let Some(url) = rule.webhook_url.as_deref() else {
        return Ok(());
    };
    let url = url::Url::parse(url).map_err(|e| ApiError::Validation(format!("{url:?} is not a URL: {e}")))?;
    let guard = Guard::new(state.config.alerts.webhook_allow_private);
    guard.check_url(&url).await.map_err(|refused| {
        let hint = if refused.on_premise {
            "; an operator can allow receivers on the local network with SIGHTLINE_WEBHOOK_ALLOW_PRIVATE=1"
        } else {
            ""
        };
        ApiError::WebhookRefused(format!("webhook URL refused: {refused}{hint}"))
    })
}

async fn load(state: &AppState, rule_id: i64) -> ApiResult<Rule> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{RULE_SELECT} WHERE r.id = $1")))
        .bind(rule_id)
        .fetch_optional(&state.pg)
        .await?
        .ok_or(ApiError::NotFound)
}

/// Returns the rule's project after checking the caller may see it (404 otherwise).
async fn rule_project(state: &AppState, caller: &Caller, rule_id: i64) -> ApiResult<i64> {
    let project_id: i64 = sqlx::query_scalar("SELECT project_id FROM alert_rules WHERE id = $1")
        .bind(rule_id)
        .fetch_optional(&state.pg)
        .await?
        .ok_or(ApiError::NotFound)?;
    project_role(&state.pg, caller.user_id, project_id).await?;
    Ok(project_id)
}

/// `GET /api/v1/projects/{project_id}/alert-rules`.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/alert-rules", tag = "alerts", operation_id = "alert_rules_list",
    params(("project_id" = i64, Path, description = "A project id")),
    responses(
        (status = 200, description = "The project's rules", body = Vec<AlertRule>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn list_rules(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
) -> ApiResult<Json<Vec<AlertRule>>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("{RULE_SELECT} WHERE r.project_id = $1 ORDER BY r.id")))
        .bind(project_id)
        .fetch_all(&state.pg)
        .await?;
    // A rule this version cannot read is logged and left out, not shown as another kind.
    Ok(Json(Rule::from_rows(&rows).into_iter().map(to_rule).collect()))
}

/// `POST /api/v1/projects/{project_id}/alert-rules`.
#[utoipa::path(post, path = "/api/v1/projects/{project_id}/alert-rules", tag = "alerts", operation_id = "alert_rules_create",
    request_body = AlertRuleInput,
    params(("project_id" = i64, Path, description = "A project id")),
    responses(
        (status = 201, description = "Created", body = AlertRule),
        (status = 400, description = "The webhook URL reaches into the server's own network (`webhook_refused`)", body = ErrorBody),
        (status = 403, description = "An API token without the write scope", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 422, description = "The rule is incomplete or invalid; the message says what to fix (`validation`)", body = ErrorBody),
    ))]
pub async fn create_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
    Json(body): Json<Value>,
) -> ApiResult<(StatusCode, Json<AlertRule>)> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let RuleSpec(r) = parse(body)?;
    check_webhook(&state, &r).await?;
    let id: i64 = bind_rule(
        sqlx::query(
            "INSERT INTO alert_rules (project_id, name, kind, enabled, environment, level, quiet_until, throttle_minutes, \
             scope, vital, page, threshold, window_minutes, email_to, webhook_url, webhook_secret) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, NULLIF($16, '')) RETURNING id",
        )
        .bind(project_id),
        &r,
    )
    .fetch_one(&state.pg)
    .await?
    .try_get(0)?;
    Ok((StatusCode::CREATED, Json(to_rule(load(&state, id).await?))))
}

/// `PUT /api/v1/alert-rules/{rule_id}`: replaces the rule (an absent `webhook_secret` keeps the current one).
#[utoipa::path(put, path = "/api/v1/alert-rules/{rule_id}", tag = "alerts", operation_id = "alert_rules_replace",
    request_body = AlertRuleInput,
    params(("rule_id" = i64, Path, description = "An alert rule id")),
    responses(
        (status = 200, description = "Replaced", body = AlertRule),
        (status = 400, description = "The webhook URL reaches into the server's own network (`webhook_refused`)", body = ErrorBody),
        (status = 403, description = "An API token without the write scope", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
        (status = 422, description = "The rule is incomplete or invalid; the message says what to fix (`validation`)", body = ErrorBody),
    ))]
pub async fn replace_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(rule_id): Path<i64>,
    Json(body): Json<Value>,
) -> ApiResult<Json<AlertRule>> {
    rule_project(&state, &caller, rule_id).await?;
    let RuleSpec(r) = parse(body)?;
    check_webhook(&state, &r).await?;
    bind_rule(
        sqlx::query(
            "UPDATE alert_rules SET name = $2, kind = $3, enabled = $4, environment = $5, level = $6, quiet_until = $7, \
             throttle_minutes = $8, scope = $9, vital = $10, page = $11, threshold = $12, window_minutes = $13, \
             email_to = $14, webhook_url = $15, \
             webhook_secret = CASE WHEN $16::text IS NULL THEN webhook_secret ELSE NULLIF($16, '') END WHERE id = $1",
        )
        .bind(rule_id),
        &r,
    )
    .execute(&state.pg)
    .await?;
    Ok(Json(to_rule(load(&state, rule_id).await?)))
}

/// `POST /api/v1/alert-rules/{rule_id}/test`: queues a test notification on
/// the rule's channels, through the same outbox as real alerts.
#[utoipa::path(post, path = "/api/v1/alert-rules/{rule_id}/test", tag = "alerts", operation_id = "alert_rules_test",
    params(("rule_id" = i64, Path, description = "An alert rule id")),
    responses(
        (status = 202, description = "Queued; the delivery log shows how it went", body = AlertTestQueued),
        (status = 403, description = "An API token without the write scope", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn test_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(rule_id): Path<i64>,
) -> ApiResult<(StatusCode, Json<AlertTestQueued>)> {
    let project_id = rule_project(&state, &caller, rule_id).await?;
    let rule = load(&state, rule_id).await?;
    let by: String =
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1").bind(caller.user_id).fetch_one(&state.pg).await?;
    let link = dashboard_link(&state.config.public_url, &format!("projects/{project_id}/alerts"));
    let alert = alerts::test_alert(rule, &by, link);
    let mut tx = state.pg.begin().await?;
    let firing_id = alerts::record_test(&mut tx, &alert).await?;
    tx.commit().await?;
    Ok((StatusCode::ACCEPTED, Json(AlertTestQueued { firing_id })))
}

/// `DELETE /api/v1/alert-rules/{rule_id}`: with its alerts and their delivery log.
#[utoipa::path(delete, path = "/api/v1/alert-rules/{rule_id}", tag = "alerts", operation_id = "alert_rules_delete",
    params(("rule_id" = i64, Path, description = "An alert rule id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "An API token without the write scope", body = ErrorBody),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn delete_rule(
    State(state): State<AppState>,
    caller: Caller,
    Path(rule_id): Path<i64>,
) -> ApiResult<StatusCode> {
    rule_project(&state, &caller, rule_id).await?;
    sqlx::query("DELETE FROM alert_rules WHERE id = $1").bind(rule_id).execute(&state.pg).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An alert as logged, with its rule's name and kind.
#[derive(sqlx::FromRow)]
struct FiringRow {
    id: i64,
    rule_id: i64,
    rule_name: String,
    kind: AlertKind,
    issue_id: Option<i64>,
    summary: String,
    value: Option<f64>,
    suppressed: bool,
    held_back: i32,
    fired_at: DateTime<Utc>,
    test: bool,
}

/// One notification of an alert, from the outbox.
#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    firing_id: i64,
    channel: String,
    target: String,
    status: String,
    path: Option<String>,
    attempts: i32,
    last_error: Option<String>,
    next_attempt_at: DateTime<Utc>,
    delivered_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/projects/{project_id}/alerts`: the latest alerts with their delivery log.
#[utoipa::path(get, path = "/api/v1/projects/{project_id}/alerts", tag = "alerts", operation_id = "alerts_list",
    params(("project_id" = i64, Path, description = "A project id")),
    responses(
        (status = 200, description = "The latest 200 alerts, newest first", body = Vec<AlertFiring>),
        (status = 404, description = "No such resource in the caller's teams (`not_found`)", body = ErrorBody),
    ))]
pub async fn list_alerts(
    State(state): State<AppState>,
    caller: Caller,
    Path(project_id): Path<i64>,
) -> ApiResult<Json<Vec<AlertFiring>>> {
    project_role(&state.pg, caller.user_id, project_id).await?;
    let firings: Vec<FiringRow> = sqlx::query_as(
        "SELECT f.id, f.rule_id, r.name AS rule_name, r.kind, f.issue_id, f.summary, f.value, f.suppressed, \
         f.held_back, f.fired_at, f.subject = $3 AS test \
         FROM alert_firings f JOIN alert_rules r ON r.id = f.rule_id \
         WHERE f.project_id = $1 ORDER BY f.fired_at DESC, f.id DESC LIMIT $2",
    )
    .bind(project_id)
    .bind(LOG_LIMIT)
    .bind(alerts::TEST_SUBJECT)
    .fetch_all(&state.pg)
    .await?;
    let ids: Vec<i64> = firings.iter().map(|f| f.id).collect();
    let deliveries: Vec<DeliveryRow> = sqlx::query_as(
        "SELECT id, firing_id, channel, target, status, path, attempts, last_error, next_attempt_at, delivered_at \
         FROM alert_outbox WHERE firing_id = ANY($1) ORDER BY id",
    )
    .bind(&ids)
    .fetch_all(&state.pg)
    .await?;
    let out = firings
        .into_iter()
        .map(|f| AlertFiring {
            id: f.id,
            rule_id: f.rule_id,
            rule_name: f.rule_name,
            kind: f.kind,
            issue_id: f.issue_id,
            summary: f.summary,
            value: f.value,
            suppressed: f.suppressed,
            held_back: f.held_back,
            test: f.test,
            fired_at: f.fired_at.to_rfc3339(),
            deliveries: deliveries
                .iter()
                .filter(|d| d.firing_id == f.id)
                .map(|d| AlertDelivery {
                    id: d.id,
                    channel: d.channel.clone(),
                    target: d.target.clone(),
                    status: d.status.clone(),
                    path: d.path.clone(),
                    attempts: d.attempts,
                    last_error: d.last_error.clone(),
                    next_attempt_at: d.next_attempt_at.to_rfc3339(),
                    delivered_at: d.delivered_at.map(|t| t.to_rfc3339()),
                })
                .collect(),
        })
        .collect();
    Ok(Json(out))
}
